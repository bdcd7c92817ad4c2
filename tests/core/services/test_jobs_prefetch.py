"""The start-up helper process (console.services.jobs_prefetch): a real child process
listing jobs on the moto server, through a counting proxy, handed to the first poll."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.config import Config, load_config
from console.context import ConsoleContext
from console.errors import SmError
from console.services import jobs_prefetch
from console.services.incremental import OVERLAP, IncrementalLister
from console.services.jobs import JobSummary
from console.services.jobs_feed import KINDS, JobsFeed, JobsSnapshot
from console.services.jobs_prefetch import JobsPrefetch
from tests.support.fault_proxy import Fault, FaultProxy

from .test_jobs import create_job


@pytest.fixture
def proxy(aws: Any) -> Iterator[FaultProxy]:
    fault_proxy = FaultProxy(aws.url).start()
    yield fault_proxy
    fault_proxy.stop()


@pytest.fixture
def config(proxy: FaultProxy) -> Config:
    return load_config(overrides={"endpoint_url": proxy.url, "read_timeout": 5.0})


def prefetched_context(config: Config) -> ConsoleContext:
    context = ConsoleContext(config, source="tui")
    prefetch = JobsPrefetch.start(config)
    assert prefetch is not None
    context.expect_prefetched_jobs(prefetch)
    return context


def names(snapshot: Any) -> list[str]:
    return sorted(job.name for job in snapshot.items)


def test_first_poll_takes_the_helpers_listing_and_counts_its_calls(
    aws: Any, proxy: FaultProxy, config: Config
) -> None:
    sm = aws.client("sagemaker")
    for i in range(3):
        create_job(sm, f"pre-{i}")
    context = prefetched_context(config)
    feed = JobsFeed(context)

    first = feed.fetch()

    assert names(first) == ["pre-0", "pre-1", "pre-2"]
    # The helper made the calls (one per kind), this process made no client at all...
    assert proxy.calls("ListTrainingJobs") == 1
    assert proxy.calls("ListProcessingJobs") == 1
    assert context.sessions._clients == {}
    # ...and they are in this process's API budget all the same.
    assert context.sessions.metrics.calls_total("sagemaker") == len(KINDS)
    # Only once: the next poll lists by itself, incrementally from the helper's listing.
    create_job(sm, "pre-3")
    second = feed.fetch()
    assert names(second) == ["pre-0", "pre-1", "pre-2", "pre-3"]
    assert proxy.calls("ListTrainingJobs") == 2
    assert context.take_prefetched_jobs() is None


def test_a_seeded_lister_refreshes_incrementally() -> None:
    """What the feed does with the helper's listing: the next refresh asks only for what
    was created since (moto ignores SortBy, so this is shown on the lister itself)."""
    asked: list[datetime | None] = []
    created = datetime(2026, 11, 1, tzinfo=UTC)
    jobs = {"a": created, "b": created + timedelta(hours=1)}

    def fetch(since: datetime | None) -> list[tuple[str, datetime]]:
        asked.append(since)
        return sorted(jobs.items())

    lister = IncrementalLister(
        fetch, key=lambda job: job[0], created=lambda job: job[1], can_change=lambda _: False
    )
    lister.seed(sorted(jobs.items()))
    delta = lister.refresh()

    assert not delta.full and delta.changed == ()
    assert asked == [jobs["b"] - OVERLAP]


def test_an_aws_error_reads_as_the_poll_would_have_shown_it(
    aws: Any, proxy: FaultProxy, config: Config
) -> None:
    proxy.add(Fault("denied", "sagemaker", "ListTrainingJobs"))
    in_process = JobsFeed(ConsoleContext(config, source="tui"))
    with pytest.raises(SmError) as direct:
        in_process.fetch()
    calls_before = proxy.calls("ListTrainingJobs")

    context = prefetched_context(config)
    with pytest.raises(SmError) as helped:
        JobsFeed(context).fetch()

    assert type(helped.value) is type(direct.value)
    assert helped.value.one_line() == direct.value.one_line()
    # The helper's answer is the error: this process did not ask again.
    assert proxy.calls("ListTrainingJobs") == calls_before + 1
    assert context.sessions._clients == {}


def test_a_helper_that_fails_means_the_poll_lists_itself(
    aws: Any, proxy: FaultProxy, config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_job(aws.client("sagemaker"), "solo")
    # A helper that reads its whole input, then fails: a module that did not exist would
    # die before the config is written to it, and start() would rightly give up early.
    monkeypatch.setattr(jobs_prefetch, "MODULE", "json.tool")
    context = prefetched_context(config)

    assert names(JobsFeed(context).fetch()) == ["solo"]
    assert proxy.calls("ListTrainingJobs") == 1  # this process's own call
    assert "sagemaker" in context.sessions._clients


def test_cancel_ends_a_helper_nobody_asked(config: Config) -> None:
    prefetch = JobsPrefetch.start(config)
    assert prefetch is not None
    prefetch.cancel()
    assert prefetch._process.returncode is not None


def test_a_long_listing_streams_from_the_helper_before_its_answer(
    aws: Any, proxy: FaultProxy, config: Config
) -> None:
    """Three pages, every call after the first answered late: the first poll hears of
    the helper's first page while its last is still to be asked for."""
    sm = aws.client("sagemaker")
    for i in range(250):
        create_job(sm, f"many-{i:03d}")
    proxy.add(Fault("slow", "sagemaker", "ListTrainingJobs", delay=1.0, after=1))
    context = prefetched_context(config)
    heard: list[tuple[int, int, Any]] = []

    def on_page(progress: Any) -> None:
        heard.append((progress.known, proxy.calls("ListTrainingJobs"), progress.snapshot()))

    snapshot = JobsFeed(context).fetch(on_page)

    assert len(snapshot.items) == 250 and snapshot.complete
    known, calls, first = heard[0]
    assert known == len(first.items) >= 100 and not first.complete
    assert calls < 3  # the last page had not even been asked for
    assert [k for k, _, _ in heard] == sorted(k for k, _, _ in heard)
    # The helper made every call; they are in this process's budget all the same.
    assert context.sessions._clients == {}
    assert context.sessions.metrics.calls_total("sagemaker") == 3 + len(KINDS) - 1


def test_a_stream_dropped_mid_way_ends_the_helper(
    aws: Any, proxy: FaultProxy, config: Config
) -> None:
    """The operator switched context while the helper's pages came: the report raises,
    the helper is ended (it lists no further pages) and the error goes on."""
    sm = aws.client("sagemaker")
    for i in range(250):
        create_job(sm, f"drop-{i:03d}")
    proxy.add(Fault("slow", "sagemaker", "ListTrainingJobs", delay=1.0, after=1))
    context = prefetched_context(config)
    prefetch = context._jobs_prefetch
    assert prefetch is not None

    class Switched(Exception):
        pass

    def on_page(progress: Any) -> None:
        raise Switched

    with pytest.raises(Switched):
        JobsFeed(context).fetch(on_page)
    assert prefetch._process.returncode is not None  # ended, not left listing
    asked = proxy.calls("ListTrainingJobs")
    assert asked < 3
    time.sleep(1.5)
    assert proxy.calls("ListTrainingJobs") == asked


def test_the_answer_reuses_the_jobs_already_streamed(
    aws: Any, proxy: FaultProxy, config: Config
) -> None:
    """One copy of each job in this process (issue 21): the answer names the jobs its
    pages brought by their place in the stream, and the snapshot holds those very
    objects; the jobs no page brought (the short last page) come whole."""
    sm = aws.client("sagemaker")
    for i in range(250):
        create_job(sm, f"once-{i:03d}")
    # Pages far enough apart to be sent as frames of their own.
    proxy.add(Fault("slow", "sagemaker", "ListTrainingJobs", delay=0.5, after=1))
    context = prefetched_context(config)
    streamed: dict[tuple[str, str], Any] = {}

    def on_page(progress: Any) -> None:
        streamed.update({(job.kind, job.name): job for job in progress.page})

    snapshot = JobsFeed(context).fetch(on_page)

    held = {(job.kind, job.name): job for job in snapshot.items}
    assert len(held) == len(snapshot.items) == 250 and snapshot.complete
    assert len(streamed) == 200  # the two full pages; the last (50 jobs) is not streamed
    assert all(held[key] is job for key, job in streamed.items())
    assert names(snapshot) == sorted(f"once-{i:03d}" for i in range(250))


def test_an_answer_is_put_together_from_the_stream_and_its_own_jobs() -> None:
    """``resolved``: an index is the job sent at that place, a job stands for itself;
    an index past the stream is nonsense (the poll then lists by itself)."""

    def job(name: str) -> JobSummary:
        return JobSummary("training", name, "Completed", f"arn:{name}", None, None, None)

    sent = [job("a"), job("b")]
    own = job("c")
    empty = JobsSnapshot((), datetime(2026, 11, 1, tzinfo=UTC))
    answer = jobs_prefetch.PrefetchAnswer(empty, None, 3, items=(1, own, 0))

    resolved = answer.resolved(sent)

    assert resolved.snapshot is not None and resolved.items == ()
    assert [id(j) for j in resolved.snapshot.items] == [id(sent[1]), id(own), id(sent[0])]
    assert resolved.sagemaker_calls == 3
    with pytest.raises(IndexError):
        jobs_prefetch.PrefetchAnswer(empty, None, 3, items=(2,)).resolved(sent)
