"""One error translation: every library failure becomes a one-line SmError with a hint.

Stubber supplies only the shapes moto cannot produce (throttling, AccessDenied, expired
token); connection and not-implemented errors come from a real moto server / closed port.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
)
from botocore.stub import Stubber

from console import errors
from console.aws.session import AwsContext, SessionFactory
from console.config import load_config
from console.context import ConsoleContext


def stubbed_factory(code: str, message: str, status: int = 400) -> SessionFactory:
    import os
    from pathlib import Path

    config = Path(os.environ["AWS_CONFIG_FILE"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[profile ops]\nregion = us-east-1\n")
    Path(os.environ["AWS_SHARED_CREDENTIALS_FILE"]).write_text(
        "[ops]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    factory = SessionFactory(AwsContext(profile="ops", region="us-east-1"))
    client = factory.client("sagemaker")
    stub = Stubber(client)
    stub.add_client_error(
        "list_training_jobs",
        service_error_code=code,
        service_message=message,
        http_status_code=status,
    )
    stub.activate()
    return factory


@pytest.mark.parametrize(
    ("code", "kind", "fragment"),
    [
        ("ThrottlingException", errors.ThrottledError, "throttled"),
        ("AccessDeniedException", errors.AccessDeniedError, "access denied"),
        ("ExpiredTokenException", errors.CredentialsError, "expired"),
        ("UnrecognizedClientException", errors.CredentialsError, "expired or invalid"),
        ("ResourceNotFound", errors.NotFoundError, "nope"),
        ("ResourceInUse", errors.ConflictError, "nope"),
        ("ValidationException", errors.ValidationError, "nope"),
        ("SomethingNew", errors.AwsError, "nope"),
    ],
)
def test_client_error_shapes(code: str, kind: type, fragment: str) -> None:
    factory = stubbed_factory(code, "nope")
    from console.services.jobs import JobsService

    service = JobsService(factory, gate=None)  # type: ignore[arg-type]
    with pytest.raises(kind) as info:
        list(service.list_training_jobs())
    assert fragment in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_expired_token_hint_names_the_profile() -> None:
    factory = stubbed_factory(
        "ExpiredToken", "The security token included in the request is expired"
    )
    from console.services.jobs import JobsService

    with pytest.raises(errors.CredentialsError) as info:
        list(JobsService(factory, gate=None).list_training_jobs())  # type: ignore[arg-type]
    assert info.value.hint == "refresh your credentials, e.g. `aws sso login --profile ops`"


def test_validation_not_found_text_becomes_not_found() -> None:
    factory = stubbed_factory("ValidationException", "Requested resource not found.")
    from console.services.jobs import JobsService

    with pytest.raises(errors.NotFoundError):
        list(JobsService(factory, gate=None).list_training_jobs())  # type: ignore[arg-type]


def test_a_call_refused_for_the_resource_state_is_a_conflict_not_a_bad_value() -> None:
    """Stopping a job that already ended: SageMaker says ValidationException "... is in
    status Completed". The value was right and the request was sent: not "nothing was
    sent; correct the value" (exit 2) but a state conflict (exit 10) with its own hint."""
    message = "The request was rejected because the transform job score-x is in status Completed."
    err = errors.translate(_client_error("ValidationException", message, 400))
    assert isinstance(err, errors.ConflictError) and err.exit_code == 10
    assert err.hint == "describe it to see its current state, then try again"
    bad_value = errors.translate(_client_error("ValidationException", "1 validation error", 400))
    assert isinstance(bad_value, errors.ValidationError)


def test_html_messages_are_squashed_to_one_line() -> None:
    err = errors.translate(
        _client_error("500", "<html>\n<title>500</title><p>Internal\nServer Error</p></html>", 500)
    )
    assert isinstance(err, errors.AwsError)
    assert "<" not in err.message and "\n" not in err.message


def test_local_endpoint_500_means_not_supported() -> None:
    err = errors.translate(_client_error("500", "<html>boom</html>", 500), local_endpoint=True)
    assert isinstance(err, errors.NotSupportedError)
    assert "not supported by this endpoint" in err.message


@pytest.mark.parametrize("local", [True, False])
def test_an_aws_internal_failure_is_transient_even_on_a_local_endpoint(local: bool) -> None:
    err = errors.translate(_client_error("InternalFailure", "oops", 500), local_endpoint=local)
    assert isinstance(err, errors.UnreachableError) and err.kind == "unreachable"
    assert "unavailable" in err.message and "backs off" in (err.hint or "")


def _client_error(code: str, message: str, status: int):
    from botocore.exceptions import ClientError

    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "StopTrainingJob",
    )


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (NoCredentialsError(), errors.CredentialsError),
        (NoRegionError(), errors.ConfigError),
        (EndpointConnectionError(endpoint_url="http://x"), errors.UnreachableError),
        (ConnectTimeoutError(endpoint_url="http://x"), errors.UnreachableError),
        (ParamValidationError(report="bad"), errors.ValidationError),
        (RuntimeError("odd"), errors.SmError),
    ],
)
def test_non_client_errors(exc: BaseException, kind: type) -> None:
    assert isinstance(errors.translate(exc), kind)


def test_translate_keeps_our_errors() -> None:
    err = errors.NotFoundError("x")
    assert errors.translate(err) is err


def test_unreachable_endpoint_over_real_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    # Port 9 on loopback (discard) is closed here: a real connection refusal.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    context = ConsoleContext(load_config())
    context.sessions.MAX_ATTEMPTS = 1
    with pytest.raises(errors.UnreachableError) as info:
        list(context.jobs.list_training_jobs())
    assert "127.0.0.1:9" in info.value.message


def test_not_implemented_on_moto_is_not_supported(aws) -> None:
    context = ConsoleContext(load_config())
    aws.client("sagemaker")  # warm
    with pytest.raises(errors.NotSupportedError, match="StopTrainingJob"):
        context.jobs.stop_training_job("some-job")


def test_a_detached_error_keeps_none_of_the_frames_that_raised_it() -> None:
    """Errors of work run off the UI thread are kept by the finished worker, which a
    large table sync may freeze out of collections: its tracebacks (its own and those
    of the errors it was raised from) would keep every local of the listing it stopped
    (issue 21). The line shown is the same as :func:`errors.translate`'s."""
    import gc
    import weakref

    class Pages:
        """What a listing held when it failed (weakly referable)."""

    def listing(pages: Pages) -> None:
        try:
            raise ConnectionResetError("connection reset by peer")
        except ConnectionResetError as exc:
            raise errors.ThrottledError("Rate exceeded", "try later") from exc

    pages = Pages()
    held = weakref.ref(pages)
    try:
        listing(pages)
    except Exception as exc:
        error = errors.translate_detached(exc)
    del pages
    gc.collect()
    assert held() is None, "the error's tracebacks kept the failed listing's frames"
    assert isinstance(error, errors.ThrottledError)
    assert error.one_line() == "Rate exceeded (try later)"
    cause = error.__cause__
    assert error.__traceback__ is None and cause is not None and cause.__traceback__ is None
