"""Faults between the console and AWS, injected by a real proxy in front of the moto server:
every kind becomes the right one-line error, retries absorb what they should, expired
credentials are picked up afresh, and a lost mutation answer is never blindly repeated."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.errors import (
    AccessDeniedError,
    CredentialsError,
    SmError,
    ThrottledError,
    UnreachableError,
)
from tests.support.fault_proxy import Fault, FaultProxy, identify
from tests.support.helpers import audit_records

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"


@pytest.fixture
def proxy(aws: Any) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(aws.url).start()
    yield fault_proxy
    fault_proxy.stop()


# Long enough for the in-process moto on a loaded two-core box (its first SageMaker call
# loads the backend: 0.3 s idle, 1-3 s at load 9), so a slow answer is waited for, not
# retried: a read timeout makes botocore send the call again, and the proxy would see (and
# count, and fault) two requests for one call. Only tests about a hang set a short one.
READ_TIMEOUT = 10.0


def context_via(proxy: FaultProxy, **overrides: Any) -> ConsoleContext:
    settings = {"endpoint_url": proxy.url, "read_timeout": READ_TIMEOUT, "connect_timeout": 0.5}
    return ConsoleContext(load_config(overrides=settings | overrides))


def test_identify_reads_service_and_action_off_the_wire() -> None:
    auth = "AWS4-HMAC-SHA256 Credential=testing/20261123/us-east-1/sagemaker/aws4_request, x"
    json_call = {"Authorization": auth, "X-Amz-Target": "SageMaker.ListTrainingJobs"}
    assert identify("/", json_call, b"{}") == ("sagemaker", "ListTrainingJobs")
    sts = {"Authorization": auth.replace("/sagemaker/", "/sts/")}
    assert identify("/", sts, b"Action=GetCallerIdentity&Version=2011-06-15") == (
        "sts",
        "GetCallerIdentity",
    )
    assert identify("/endpoints/e/invocations", {"Authorization": auth}, b"{}") == (
        "sagemaker-runtime",
        "InvokeEndpoint",
    )


@pytest.mark.parametrize(
    ("kind", "error", "words"),
    [
        ("refuse", UnreachableError, "could not connect"),
        ("hang", UnreachableError, "timed out"),
        ("503", UnreachableError, "unavailable"),
        ("throttle", ThrottledError, "throttled"),
        ("expired", CredentialsError, "expired"),
        ("denied", AccessDeniedError, "access denied"),
        ("truncate", UnreachableError, "cut short"),
    ],
)
def test_each_fault_is_one_clear_line(
    proxy: FaultProxy, kind: str, error: type[SmError], words: str
) -> None:
    # Only "hang" is about the read timeout; for the others a short one would turn a slow
    # answer on a loaded machine into "timed out" and test the machine, not the fault.
    context = context_via(proxy, read_timeout=0.5 if kind == "hang" else READ_TIMEOUT)
    proxy.add(Fault(kind, "sagemaker", "ListTrainingJobs", delay=2.0))
    with pytest.raises(SmError) as info:
        list(context.jobs.list_training_jobs())
    assert isinstance(info.value, error), info.value
    line = info.value.one_line()
    assert words in line.lower() and "\n" not in line and "Traceback" not in line
    proxy.clear()
    assert list(context.jobs.list_training_jobs()) == []  # and the next call works


def test_a_single_throttle_is_absorbed_by_the_retry(proxy: FaultProxy) -> None:
    context = context_via(proxy)
    proxy.add(Fault("throttle", "sagemaker", "ListEndpoints", times=1))
    assert list(context.endpoints.list_endpoints()) == []
    assert proxy.injected["throttle"] == 1
    assert proxy.calls("ListEndpoints", faulted=False) >= 1  # the retry answered


def test_expired_credentials_say_what_to_do_and_are_picked_up_afresh(
    proxy: FaultProxy,
) -> None:
    context = context_via(proxy, profile="")
    list(context.jobs.list_training_jobs())
    before = context.sessions.session
    proxy.add(Fault("expired", "sagemaker"))
    with pytest.raises(CredentialsError) as info:
        list(context.jobs.list_training_jobs())
    assert "aws sso login" in (info.value.hint or "")
    proxy.clear()  # the operator ran `aws sso login`
    assert list(context.jobs.list_training_jobs()) == []
    assert context.sessions.session is not before  # a new session: credentials re-read


def test_sts_faults_use_the_query_protocol_shape(proxy: FaultProxy) -> None:
    context = context_via(proxy)
    proxy.add(Fault("denied", "sts", "GetCallerIdentity"))
    with pytest.raises(AccessDeniedError, match="GetCallerIdentity"):
        context.identity.caller()


def test_a_failed_mutation_is_audited_with_its_real_outcome(proxy: FaultProxy, aws: Any) -> None:
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    context = context_via(proxy)
    proxy.add(Fault("denied", "sagemaker", "StopNotebookInstance"))
    with pytest.raises(AccessDeniedError):
        context.notebooks.stop_notebook("nb")
    (record,) = [r for r in audit_records() if r["action"] == "notebook-stop"]
    assert record["outcome"] == "error" and "access denied" in record["detail"]
    assert sm.describe_notebook_instance(NotebookInstanceName="nb")["NotebookInstanceStatus"] == (
        "InService"
    )


def _notebook(aws: Any, name: str = "nb") -> Any:
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    return sm


def test_a_lost_answer_is_reconciled_by_reading_back_never_resent(
    proxy: FaultProxy, aws: Any
) -> None:
    sm = _notebook(aws)
    context = context_via(proxy)
    proxy.add(Fault("lose_response", "sagemaker", "StopNotebookInstance", times=1))
    context.notebooks.stop_notebook("nb")  # no error: the stop did happen

    assert proxy.calls("StopNotebookInstance") == 1  # sent once, never repeated
    status = sm.describe_notebook_instance(NotebookInstanceName="nb")["NotebookInstanceStatus"]
    assert status in ("Stopping", "Stopped")
    (record,) = [r for r in audit_records() if r["action"] == "notebook-stop"]
    assert record["outcome"] == "ok" and "confirmed by reading back" in record["detail"]


def test_a_dropped_change_that_never_arrived_is_reported_not_resent(
    proxy: FaultProxy, aws: Any
) -> None:
    sm = _notebook(aws)
    context = context_via(proxy)
    proxy.add(Fault("refuse", "sagemaker", "StopNotebookInstance", times=1))
    with pytest.raises(SmError, match="did not take effect") as info:
        context.notebooks.stop_notebook("nb")
    assert "try again" in (info.value.hint or "")
    assert proxy.calls("StopNotebookInstance") == 1
    status = sm.describe_notebook_instance(NotebookInstanceName="nb")["NotebookInstanceStatus"]
    assert status == "InService"
    (record,) = [r for r in audit_records() if r["action"] == "notebook-stop"]
    assert record["outcome"] == "error" and "did not take effect" in record["detail"]


def test_when_the_state_cannot_be_read_either_the_outcome_is_unknown(
    proxy: FaultProxy, aws: Any
) -> None:
    _notebook(aws)
    context = context_via(proxy)
    proxy.add(Fault("lose_response", "sagemaker", "StopNotebookInstance", times=1))
    proxy.add(Fault("refuse", "sagemaker", "DescribeNotebookInstance"))
    with pytest.raises(UnreachableError, match="may or may not have taken effect"):
        context.notebooks.stop_notebook("nb")
    (record,) = [r for r in audit_records() if r["action"] == "notebook-stop"]
    assert record["outcome"] == "unknown"


def test_reads_are_still_retried_after_a_dropped_connection(proxy: FaultProxy) -> None:
    context = context_via(proxy)
    proxy.add(Fault("refuse", "sagemaker", "ListNotebookInstances", times=1))
    assert list(context.notebooks.list_notebooks()) == []
    # The dropped one, then the retry that answered: one call, two attempts.
    assert proxy.calls("ListNotebookInstances", faulted=True) == 1
    assert list(proxy.attempts("ListNotebookInstances").values()) == [2]


def test_the_length_check_leaves_bodiless_answers_alone() -> None:
    from types import SimpleNamespace

    import botocore.exceptions

    from console.aws.session import _check_complete

    head = SimpleNamespace(http={"method": "HEAD"})
    post = SimpleNamespace(http={"method": "POST"})
    answer = {"body": b"", "headers": {"content-length": "1234"}, "status_code": 200}
    _check_complete(head, answer)  # HEAD: the length describes a body never sent
    _check_complete(post, {**answer, "status_code": 304})
    _check_complete(post, {"body": b"{}", "headers": {"content-length": "2"}, "status_code": 200})
    with pytest.raises(botocore.exceptions.IncompleteReadError):
        _check_complete(post, answer)


def test_after_lets_the_first_calls_through_untouched(proxy: FaultProxy) -> None:
    context = context_via(proxy)
    proxy.add(Fault("denied", "sagemaker", "ListNotebookInstances", after=2, times=1))
    assert list(context.notebooks.list_notebooks()) == []
    assert list(context.notebooks.list_notebooks()) == []
    with pytest.raises(AccessDeniedError):
        list(context.notebooks.list_notebooks())
    assert proxy.calls("ListNotebookInstances", faulted=False) == 2
    assert proxy.calls("ListNotebookInstances", faulted=True) == 1
    assert proxy.active == 0
    assert sorted(proxy.attempts("ListNotebookInstances").values()) == [1, 1, 1]  # no retry


def _hold_the_first_request(proxy: FaultProxy, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded server: the first request forwarded is answered only once another arrives
    (after the client's read timeout gave up on it and retried), whatever the timeout."""
    upstream = proxy._upstream
    retried = threading.Event()
    held: list[bool] = []

    def held_upstream(*request: Any) -> Any:
        if not held:
            held.append(True)
            retried.wait(30)
        else:
            retried.set()
        return upstream(*request)

    monkeypatch.setattr(proxy, "_upstream", held_upstream)


def test_a_slow_answer_is_waited_for_not_sent_again(proxy: FaultProxy, aws: Any) -> None:
    """The client these tests use waits out a server slowed by load: one call, one request.

    (With a 0.5 s read timeout it sent each slow call twice, and ``after=2`` then faulted
    the second call instead of the third.)"""
    aws.client("sagemaker").list_notebook_instances()  # moto's backend loaded: a warm server
    proxy.add(Fault("slow", "sagemaker", "ListNotebookInstances", delay=1.0, times=1))
    context = context_via(proxy)
    assert list(context.notebooks.list_notebooks()) == []
    assert list(proxy.attempts("ListNotebookInstances").values()) == [1]
    assert proxy.calls("ListNotebookInstances", faulted=True) == 1


def test_after_counts_calls_not_the_attempts_of_a_retried_one(
    proxy: FaultProxy, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call retried after a read timeout is still one call: its retry goes through as its
    first attempt did, and the fault meets the call it was meant for (the third)."""
    aws.client("sagemaker").list_notebook_instances()  # the retry must not wait for a cold moto
    _hold_the_first_request(proxy, monkeypatch)
    context = context_via(proxy, read_timeout=2.0)  # the first attempt times out, once
    proxy.add(Fault("denied", "sagemaker", "ListNotebookInstances", after=2, times=1))
    assert list(context.notebooks.list_notebooks()) == []  # answered by its retry
    assert list(context.notebooks.list_notebooks()) == []
    with pytest.raises(AccessDeniedError):
        list(context.notebooks.list_notebooks())
    assert sorted(proxy.attempts("ListNotebookInstances").values()) == [1, 1, 2]
    assert proxy.calls("ListNotebookInstances", faulted=True) == 1
    assert proxy.active == 0


def test_the_proxy_sockets_do_not_wait_for_nagle(proxy: FaultProxy) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", int(proxy.url.rsplit(":", 1)[1]))) as client:
        client.sendall(b"GET /moto-api/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert client.recv(12).startswith(b"HTTP/1.")
    # The handler sets TCP_NODELAY on the accepted socket (and on the upstream one).
    import inspect

    from tests.support import fault_proxy

    assert inspect.getsource(fault_proxy).count("TCP_NODELAY") == 2


def test_a_5xx_after_the_change_with_reads_failing_too_is_sent_once_and_unknown(
    proxy: FaultProxy, aws: Any
) -> None:
    """The describe before the delete answers; the delete is applied and answered 500,
    and so is every read after it: the delete is sent once, audited ``unknown`` (the
    read-back was tried and could not tell), and moto shows it did take effect."""
    sm = _notebook(aws)
    sm.stop_notebook_instance(NotebookInstanceName="nb")
    context = context_via(proxy)
    proxy.add(Fault("500_after", "sagemaker", after=1))
    with pytest.raises(SmError, match="may or may not have taken effect"):
        context.notebooks.delete_notebook("nb")
    proxy.clear()
    assert proxy.delivered("DeleteNotebookInstance") == 1
    assert proxy.delivered_twice() == 0
    assert proxy.calls("DescribeNotebookInstance", faulted=False) == 1  # the check before
    assert proxy.calls("DescribeNotebookInstance", faulted=True) >= 1  # the read-back
    (record,) = [r for r in audit_records() if r["action"] == "notebook-delete"]
    assert record["outcome"] == "unknown" and "could not be read" in record["detail"]
    intent, outcome = [r for r in audit_records(intents=True) if r["action"] == "notebook-delete"]
    assert (intent["outcome"], outcome["outcome"]) == ("intent", "unknown")
    assert sm.list_notebook_instances()["NotebookInstances"] == []  # it was applied
