"""Snapshots of the Jobs, Endpoints, Notebooks and Status tabs at 80x24 and 160x50, in
each theme family (the Pipelines tab's own are in tests/tui/pipelines/).

The real app runs on the moto server (header identity from STS), but the rows come from
fixed snapshots (the feeds are our own code, replaced here so the picture does not depend
on moto's clock) and the tables' clock and the time zone are pinned. The Status tab also
shows the endpoint URL, the audit log path and the API call counts: the test reaches moto
through a proxy on a fixed port, names a fixed audit path and pins the call counts. Update with
``pytest tests/tui/test_snapshots.py --snapshot-update`` after a deliberate change, and
look at the pictures (``snapshot_report.html``) before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import screens.notebooks.view
from console.aws.metrics import ApiMetrics, BudgetSnapshot, ServiceBudget
from console.services.cloudwatch import HostMetrics
from console.services.cost import RunningCost
from console.services.cost_overview import CostOverview, CostOverviewService, IdleResource
from console.services.endpoints import Endpoint, EndpointVariant
from console.services.endpoints_feed import EndpointsFeed, EndpointsSnapshot
from console.services.job_extras import (
    JobExtras,
    JobExtrasFeed,
    JobExtrasSnapshot,
    JobFacts,
    JobUsage,
)
from console.services.jobs import JobSummary
from console.services.jobs_feed import JobsFeed, JobsSnapshot
from console.services.notebooks import NotebookSummary
from console.services.notebooks_feed import NotebooksSnapshot
from screens.endpoints.table import EndpointsTable
from screens.jobs.table import JobsTable
from screens.kit.keyed_table import KeyedTable
from screens.kit.poller import Poller
from screens.notebooks.table import NotebooksTable
from screens.status.view import StatusView
from tests.support.fault_proxy import FaultProxy

from .conftest import jobs_table, make_app, static_text, wait_until

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
THEMES = ("smconsole-dark", "smconsole-light", "smconsole-high-contrast", "smconsole-ansi")


def fixed_jobs() -> tuple[JobSummary, ...]:
    specs = [
        ("training", "llama3-8b-sft-lr2e-5-run-0042", "InProgress", "Training", 95, None),
        ("training", "llama3-8b-sft-lr1e-5-run-0041", "Failed", "Failed", 400, 130),
        ("processing", "tokenize-corpus-2026-11-01", "Completed", "", 900, 42),
        ("tuning", "sft-sweep-nov", "InProgress", "", 1500, None),
        ("training", "resnet50-imagenet-baseline", "Completed", "Completed", 2900, 1260),
        ("training", "bert-base-ner-spot", "Stopped", "Stopped", 4300, 75),
        ("processing", "eval-llama3-8b-mmlu", "Failed", "", 5000, 9),
        (
            "training",
            "a-job-with-a-rather-long-name-for-the-narrow-screen-0001",
            "Stopping",
            "Stopping",
            6000,
            None,
        ),
    ]
    jobs = []
    for kind, name, status, secondary, ago, minutes in specs:
        created = NOW - timedelta(minutes=ago)
        ended = created + timedelta(minutes=minutes) if minutes is not None else None
        jobs.append(
            JobSummary(
                kind=kind,
                name=name,
                status=status,
                arn=f"arn:aws:sagemaker:us-east-1:123456789012:{kind}-job/{name}",
                created=created,
                modified=ended or created,
                ended=ended,
                secondary_status=secondary,
            )
        )
    return tuple(jobs)


def fixed_extras() -> JobExtrasSnapshot:
    """Utilisation, cost and failure reasons of the fixed jobs (the extras feed replaced:
    no describes, no metrics, a fixed price list)."""
    reasons = {
        "llama3-8b-sft-lr1e-5-run-0041": "AlgorithmError: CUDA out of memory. Tried to "
        "allocate 2.00 GiB (GPU 0; 79.15 GiB total capacity)\nTraceback (most recent call)",
        "eval-llama3-8b-mmlu": "ClientError: s3://eval-data/mmlu/ does not exist",
    }
    costs = {
        "llama3-8b-sft-lr2e-5-run-0042": 49.07,
        "llama3-8b-sft-lr1e-5-run-0041": 70.34,
        "tokenize-corpus-2026-11-01": 0.16,
        "resnet50-imagenet-baseline": 64.26,
        "bert-base-ner-spot": 0.31,
        "eval-llama3-8b-mmlu": 0.03,
    }
    usage = JobUsage(
        hosts=(
            HostMetrics("algo-1", {"GPUUtilization": (91.0, 88.0), "CPUUtilization": (40.0,)}),
            HostMetrics("algo-2", {"GPUUtilization": (90.0, 86.0), "CPUUtilization": (38.0,)}),
        ),
        flags=(),
    )
    extras: dict[str, JobExtras] = {}
    for job in fixed_jobs():
        if job.kind == "tuning":
            continue
        facts = JobFacts(
            kind=job.kind,
            name=job.name,
            status=job.status,
            instance_type="ml.p4d.24xlarge",
            instance_count=2,
            failure_reason=reasons.get(job.name, ""),
            started=job.created,
            ended=job.ended,
        )
        running = job.status == "InProgress"
        extras[f"{job.kind}:{job.name}"] = JobExtras(
            facts=facts,
            usage=usage if running else None,
            usd_per_hour=31.0 if running else None,
            usd=costs.get(job.name),
            cost_note="" if job.name in costs else "no price for ml.p4d.24xlarge",
        )
    return JobExtrasSnapshot(extras, NOW)


def fixed_endpoints() -> tuple[Endpoint, ...]:
    def variant(name: str, weight: float, count: int, desired: float | None = None) -> Any:
        return EndpointVariant(
            name, weight, desired if desired is not None else weight, count, count
        )

    specs = [
        ("fraud-detector", "InService", "", (variant("blue", 0.9, 2), variant("green", 0.1, 1))),
        ("churn-xgb-prod", "Updating", "", (variant("AllTraffic", 1.0, 3),)),
        ("llama3-8b-chat", "Creating", "", ()),
        ("sentiment-v2", "Failed", "ResourceLimitExceeded: ml.g5.xlarge quota is 0", ()),
        ("recs-ab-test", "InService", "", (variant("a", 0.5, 1, 0.3), variant("b", 0.5, 1, 0.7))),
    ]
    return tuple(
        Endpoint(
            name=name,
            arn=f"arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}",
            status=status,
            failure_reason=reason,
            config_name=f"{name}-config",
            created=NOW - timedelta(days=index + 1),
            modified=NOW - timedelta(minutes=30 * index + 5),
            variants=variants,
        )
        for index, (name, status, reason, variants) in enumerate(specs)
    )


def fixed_notebooks() -> tuple[NotebookSummary, ...]:
    specs = [
        ("alice-exploration", "InService", "ml.t3.medium"),
        ("bob-gpu-debug", "Stopped", "ml.g5.xlarge"),
        ("feature-store-etl", "Pending", "ml.m5.large"),
        ("old-sandbox", "Failed", "ml.t3.medium"),
    ]
    return tuple(
        NotebookSummary(
            name=name,
            arn=f"arn:aws:sagemaker:us-east-1:123456789012:notebook-instance/{name}",
            status=status,
            instance_type=instance,
            url=f"{name}.notebook.us-east-1.sagemaker.aws" if status == "InService" else "",
            created=NOW - timedelta(days=3 * index + 2),
            modified=NOW - timedelta(hours=index + 1),
        )
        for index, (name, status, instance) in enumerate(specs)
    )


def fixed_cost() -> CostOverview:
    """What the Status tab's Cost section shows (its reads replaced, like the feeds)."""
    running = (
        RunningCost("training", "llama3-8b-sft-lr2e-5-run-0042", "ml.g5.12xlarge", 2, 14.18, NOW),
        RunningCost("endpoint", "churn-xgb-prod/AllTraffic", "ml.m5.xlarge", 3, 0.69, NOW),
        RunningCost("notebook", "alice-exploration", "ml.t3.medium", 1, 0.05, NOW),
    )
    return CostOverview(
        running=running,
        by_kind=(("training", 14.18, 1), ("endpoint", 0.69, 1), ("notebook", 0.05, 1)),
        per_hour=14.92,
        unpriced=0,
        today=61.37,
        idle=(IdleResource("endpoint", "churn-xgb-prod", 0.69, "no invocations in 24 h"),),
        unused_configs=2,
        prices_note="",
        idle_note="",
        fetched_at=NOW,
    )


BUDGET = BudgetSnapshot(
    services=(
        ServiceBudget(
            "sagemaker", calls_last_minute=42, calls_total=1280, throttles_total=3, errors_total=1
        ),
        ServiceBudget("sts", calls_last_minute=0, calls_total=1, throttles_total=0, errors_total=0),
    ),
    last_error="ListTrainingJobs is being throttled by AWS",
    last_error_at=None,
)


@pytest.fixture
def fixed_world(monkeypatch: pytest.MonkeyPatch, aws: Any) -> Iterator[None]:
    """UTC, a fixed clock for the table, and a fixed jobs listing."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    snapshot = JobsSnapshot(fixed_jobs(), NOW)
    monkeypatch.setattr(JobsFeed, "fetch", lambda self, on_page=None: snapshot)
    extras = fixed_extras()
    monkeypatch.setattr(JobExtrasFeed, "refresh", lambda self, items, live=False: extras)
    original = KeyedTable.__init__

    def init(self: KeyedTable[Any], **kwargs: Any) -> None:
        kwargs.setdefault("now", lambda: NOW)
        original(self, **kwargs)

    monkeypatch.setattr(KeyedTable, "__init__", init)
    monkeypatch.setattr(
        EndpointsFeed, "fetch", lambda self: EndpointsSnapshot(fixed_endpoints(), NOW)
    )
    notebooks = NotebooksSnapshot(fixed_notebooks(), NOW)
    cost = fixed_cost()
    monkeypatch.setattr(CostOverviewService, "overview", lambda self: cost)
    monkeypatch.setattr(screens.notebooks.view, "fetch_notebooks", lambda context: notebooks)
    yield
    monkeypatch.delenv("TZ")
    time.tzset()


async def bar_settled(pilot: Any, app: Any, tab_id: str) -> None:
    """The tab bar centred on ``tab_id`` once the titles' counts are in: at 80 columns the
    eight tabs scroll, and a count arriving after the bar scrolled moves the tabs."""
    from textual.widgets import TabbedContent, Tabs

    await pilot.pause(0.1)
    tab = app.main_screen.query_one(TabbedContent).get_tab(tab_id)
    scroller = app.main_screen.query_one(Tabs).query_one("#tabs-scroll")
    scroller.scroll_to_center(tab, animate=False, force=True)  # as Tabs does on resize
    await pilot.pause(0.2)


SIZES = pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
EACH_THEME = pytest.mark.parametrize("theme", THEMES)


async def settled(pilot: Any, app: Any, jobs: int = 8) -> None:
    """Composed, the header's identity shown, every start-up poll answered."""
    # snap_compare's pilot starts before the main screen has composed.
    await wait_until(pilot, lambda: app.main_screen.query(JobsTable), what="composed")
    header = app.main_screen.query_one("ContextBar")
    await wait_until(pilot, lambda: jobs_table(app).total_count == jobs, what="jobs")
    await wait_until(
        pilot,
        lambda: "account 123456789012" in header.text,
        what="identity",
    )
    # header.text changes at once, the layout on the next refresh: a frame taken between
    # the two cuts the header's line at the old widths (same text, other segments).
    account = header.query_one("#hdr-account")
    await wait_until(
        pilot, lambda: account.size.width >= len("account 123456789012"), what="header laid out"
    )
    # Hidden tabs poll once after start-up (tab counts): wait for that to settle.
    pollers = [p for p in app.main_screen.query(Poller) if p.PRIME_WHEN_HIDDEN]
    await wait_until(
        pilot,
        lambda: all(p.schedule.polls_started and not p.schedule.running for p in pollers),
        what="hidden tabs primed",
    )


@SIZES
@EACH_THEME
def test_jobs_tab(snap_compare: Any, fixed_world: None, theme: str, size: tuple[int, int]) -> None:
    app = make_app(theme=theme)

    async def ready(pilot: Any) -> None:
        await settled(pilot, app)
        await pilot.press("down")  # the cursor on the failed job
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)


def test_jobs_tab_at_200x50_keeps_names_whole_beside_reason(
    snap_compare: Any, fixed_world: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: at 200x50 the preview leaves the table ~146 cells; the Reason column was
    hidden (or, given room, cut the names). Util is compact, and Reason takes what the
    whole names leave. (The 56-character name of the 8-job world is left out: beside it
    there is no room for a reason, and Reason gives way.)"""
    jobs = fixed_jobs()[:-1]
    monkeypatch.setattr(JobsFeed, "fetch", lambda self, on_page=None: JobsSnapshot(jobs, NOW))
    app = make_app(theme="smconsole-dark")

    async def ready(pilot: Any) -> None:
        await settled(pilot, app, jobs=len(jobs))
        await wait_until(pilot, lambda: "reason" in jobs_table(app).columns, what="Reason")
        await pilot.press("down")  # the cursor on the failed job
        await pilot.pause()

    assert snap_compare(app, terminal_size=(200, 50), run_before=ready)


@pytest.mark.parametrize("key", ["ctrl+k", "question_mark"], ids=["confirm", "help"])
def test_a_dialog_shows_its_own_keys_at_80x24(
    snap_compare: Any, fixed_world: None, key: str
) -> None:
    """Issue 15: over the Jobs tab the confirm dialog's (``ctrl+k``: stop the running job
    at the cursor) and help's footers were the tab's (``l Logs``, ``q Quit``...); help's
    title said "Keys" over a column header saying it again, now "Help: Jobs"."""
    from textual.screen import ModalScreen

    app = make_app(theme="smconsole-dark")

    async def ready(pilot: Any) -> None:
        await settled(pilot, app)
        await pilot.press(key)
        await wait_until(pilot, lambda: isinstance(app.screen, ModalScreen), what="dialog")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)


@SIZES
@EACH_THEME
def test_endpoints_tab(
    snap_compare: Any, fixed_world: None, theme: str, size: tuple[int, int]
) -> None:
    app = make_app(theme=theme)

    async def ready(pilot: Any) -> None:
        await settled(pilot, app)
        app.action_show_tab("endpoints")
        table = app.main_screen.query_one(EndpointsTable)
        await wait_until(pilot, lambda: table.total_count == 5 and table.has_focus, what="rows")
        await pilot.press("down")  # the cursor on the endpoint being updated
        await pilot.pause()
        await bar_settled(pilot, app, "endpoints")

    assert snap_compare(app, terminal_size=size, run_before=ready)


@SIZES
@EACH_THEME
def test_notebooks_tab(
    snap_compare: Any, fixed_world: None, theme: str, size: tuple[int, int]
) -> None:
    app = make_app(theme=theme)

    async def ready(pilot: Any) -> None:
        await settled(pilot, app)
        app.action_show_tab("notebooks")
        table = app.main_screen.query_one(NotebooksTable)
        await wait_until(pilot, lambda: table.total_count == 4 and table.has_focus, what="rows")
        await pilot.pause()
        await bar_settled(pilot, app, "notebooks")

    assert snap_compare(app, terminal_size=size, run_before=ready)


STATUS_PORT = 47300


@pytest.fixture
def fixed_endpoint(aws: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto behind a proxy on one fixed port (the Status tab shows it), and pinned call
    counts. Two xdist workers take turns: the second waits until the first lets go."""
    deadline = time.monotonic() + 120
    while True:
        try:
            proxy = FaultProxy(aws.url).start(port=STATUS_PORT)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # the other worker's status snapshot holds the port
    monkeypatch.setattr(ApiMetrics, "snapshot", lambda self: BUDGET)
    try:
        yield proxy.url
    finally:
        proxy.stop()


@SIZES
@EACH_THEME
def test_status_tab(
    snap_compare: Any,
    fixed_world: None,
    fixed_endpoint: str,
    theme: str,
    size: tuple[int, int],
) -> None:
    app = make_app(theme=theme, endpoint_url=fixed_endpoint, audit_log="/var/log/smconsole.jsonl")

    async def ready(pilot: Any) -> None:
        await settled(pilot, app)
        app.action_show_tab("status")
        status = app.main_screen.query_one(StatusView)
        counted = ("Endpoints", "Notebooks")
        await wait_until(pilot, lambda: all(r in status._counts for r in counted), what="counts")
        cost = status.query_one("#status-cost")
        await wait_until(pilot, lambda: "Spend now" in static_text(cost), what="cost")
        await bar_settled(pilot, app, "status")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=ready)
