"""Push, not poll, in the console (issue 18): a real EventBridge rule routes SageMaker
events to a real SQS queue on the moto server; the app's events runner refreshes the
changed job's row with one describe, the header says how the push channel is, the
pollers slow to the safety net while events flow and resume when they stop."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.services.jobs import JobsService
from screens.kit.events_link import EventsLink
from screens.kit.header import ContextBar
from screens.kit.notifications import NotificationsScreen
from tests.support.events import (
    EventsStack,
    job_detail,
    node_detail,
    package_detail,
    sagemaker_event,
)
from tests.support.hostile import CORPUS
from tests.support.moto_server import MotoServer
from tests.tui.conftest import (
    all_views,
    create_training_job,
    jobs_table,
    jobs_view,
    make_app,
    set_training_state,
    static_text,
    wait_for_rows,
    wait_until,
)

T0 = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    # Receives wait 1 s instead of 20 s: a stopped runner ends quickly, tests react fast.
    monkeypatch.setattr(EventsLink, "WAIT_SECONDS", 1)


@pytest.fixture
def describes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The training jobs described (the one describe per pushed change)."""
    seen: list[str] = []
    original = JobsService.describe_training_job

    def counting(self: JobsService, name: str) -> Any:
        seen.append(name)
        return original(self, name)

    monkeypatch.setattr(JobsService, "describe_training_job", counting)
    # The Jobs table's extras (reasons, cost) describe jobs on their own budget, after a
    # listing: left out here, where the pushed change's own describes are counted.
    from console.services.job_extras import JobExtrasFeed, JobExtrasSnapshot

    monkeypatch.setattr(
        JobExtrasFeed, "refresh", lambda self, items, live=False: JobExtrasSnapshot({}, None)
    )
    return seen


def _status(app: Any, name: str) -> str:
    item = jobs_table(app).items.get(f"training:{name}")
    return item.status if item is not None else ""


def _header(app: Any) -> str:
    return app.main_screen.query_one(ContextBar).text


async def test_an_event_through_a_real_rule_changes_the_row(
    aws: MotoServer, sm: Any, describes: list[str]
) -> None:
    stack = EventsStack.create(aws)
    create_training_job(sm, "push-1")
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        assert _status(app, "push-1") == "Completed"
        poller = jobs_view(app).poller
        assert poller.pushed
        # The job failed on the account; the console learns it from the event alone.
        set_training_state("push-1", "Failed", failure_reason="AlgorithmError: OOM")
        polls = poller.schedule.polls_started
        stack.put(*job_detail("training", "push-1", "Failed", T0), when=T0)
        await wait_until(pilot, lambda: _status(app, "push-1") == "Failed", what="row Failed")
        assert describes.count("push-1") == 1
        assert poller.schedule.polls_started == polls  # no listing: one describe
        await wait_until(pilot, lambda: "events: live" in _header(app), what="header live")
        # While events flow the jobs listing waits for the safety net (minutes).
        poller.refresh_now()
        await wait_until(pilot, lambda: poller.schedule.polls_started > polls, what="a poll")
        await wait_until(pilot, lambda: not poller.schedule.running, what="poll done")
        assert (poller.schedule.seconds_until_due() or 0) > 60
        assert stack.depth() == 0  # applied, then deleted


async def test_a_job_pushed_failed_shows_its_reason_at_80x24(aws: MotoServer, sm: Any) -> None:
    """Issue 15 walkthrough: a job that failed while events flow showed no reason (the
    extras were read after a listing only, and the listing waits minutes for the safety
    net). The pushed change reads them again: the reason line names it at once."""
    stack = EventsStack.create(aws)
    create_training_job(sm, "push-why")
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        view = jobs_view(app)
        await wait_until(pilot, lambda: "training:push-why" in jobs_table(app).extras, what="facts")
        polls = view.poller.schedule.polls_started
        set_training_state("push-why", "Failed", failure_reason="AlgorithmError: CUDA OOM")
        stack.put(*job_detail("training", "push-why", "Failed", T0), when=T0)
        line = app.main_screen.query_one("#jobs-reason")
        await wait_until(
            pilot,
            lambda: "push-why: AlgorithmError: CUDA OOM" in static_text(line),
            what="the reason line",
        )
        assert line.display
        assert view.poller.schedule.polls_started == polls  # no listing was needed


async def test_the_info_line_says_when_an_event_last_changed_the_rows(
    aws: MotoServer, sm: Any
) -> None:
    """Issue 15: "updated HH:MM:SS" was the last poll's time while events kept changing
    rows (the poll slows to minutes): it names the newest change and the poll's time."""
    stack = EventsStack.create(aws)
    create_training_job(sm, "push-when")
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        view = jobs_view(app)
        info = app.main_screen.query_one("#jobs-info")
        snapshot = view.snapshot
        assert snapshot is not None
        polled = f"{snapshot.fetched_at.astimezone():%H:%M:%S}"
        await wait_until(pilot, lambda: f"updated {polled}" in static_text(info), what="polled")
        assert "(event)" not in static_text(info)
        polls = view.poller.schedule.polls_started
        set_training_state("push-when", "Failed", failure_reason="AlgorithmError: OOM")
        stack.put(*job_detail("training", "push-when", "Failed", T0), when=T0)
        await wait_until(pilot, lambda: _status(app, "push-when") == "Failed", what="row Failed")
        pushed = jobs_table(app).pushed_at
        assert pushed is not None and pushed > snapshot.fetched_at
        assert view.poller.schedule.polls_started == polls  # the rows moved without a poll
        await wait_until(
            pilot,
            lambda: (
                f"updated {pushed.astimezone():%H:%M:%S} (event) · polled {polled}"
                in static_text(info)
            ),
            what="the event's time and the poll's",
        )
        # The next listing is the newest change again.
        view.poller.refresh_now()
        await wait_until(
            pilot,
            lambda: view.snapshot is not snapshot and "(event)" not in static_text(info),
            what="a listing after the event",
        )


async def test_a_job_pushed_new_is_counted_in_the_tab_title(aws: MotoServer, sm: Any) -> None:
    """Issue 15 walkthrough: the title said "Jobs 84" beside "91/91 jobs" (the new jobs
    came by events; the title counted the last listing, minutes old)."""
    from textual.widgets import TabbedContent

    stack = EventsStack.create(aws)
    create_training_job(sm, "count-1")
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        view = jobs_view(app)
        tab = app.main_screen.query_one(TabbedContent).get_tab("jobs")
        await wait_until(pilot, lambda: str(tab.label).endswith(" 1"), what="Jobs 1")
        polls = view.poller.schedule.polls_started
        create_training_job(sm, "count-2")
        stack.put(*job_detail("training", "count-2", "InProgress", T0), when=T0)
        await wait_until(pilot, lambda: jobs_table(app).total_count == 2, what="the new row")
        await wait_until(pilot, lambda: str(tab.label).endswith(" 2"), what="Jobs 2")
        assert view.poller.schedule.polls_started == polls  # no listing was needed


async def test_duplicates_and_older_events_change_nothing_twice(
    aws: MotoServer, sm: Any, describes: list[str]
) -> None:
    stack = EventsStack.create(aws)
    create_training_job(sm, "push-2")
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        set_training_state("push-2", "Failed")
        detail_type, detail = job_detail("training", "push-2", "Failed", T0)
        body = json.dumps(sagemaker_event(detail_type, detail, when=T0, event_id="dup-1"))
        stack.send_raw(body)
        await wait_until(pilot, lambda: _status(app, "push-2") == "Failed", what="row Failed")
        assert describes == ["push-2"]
        # The same event delivered again, and an older one (InProgress a minute before).
        stack.send_raw(body)
        older = T0 - timedelta(minutes=1)
        detail_type, detail = job_detail("training", "push-2", "InProgress", older)
        stack.send_raw(json.dumps(sagemaker_event(detail_type, detail, when=older, event_id="o")))
        await wait_until(pilot, lambda: stack.depth() == 0, what="queue drained")
        await pilot.pause(0.3)
        assert describes == ["push-2"]  # neither was applied
        assert _status(app, "push-2") == "Failed"


async def test_a_deleted_queue_shows_in_the_header_and_polling_resumes(
    aws: MotoServer, sm: Any
) -> None:
    stack = EventsStack.create(aws)
    create_training_job(sm, "push-3")
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        stack.put(*job_detail("training", "push-3", "Completed", T0), when=T0)
        await wait_until(pilot, lambda: "events: live" in _header(app), what="header live")
        poller = jobs_view(app).poller
        await wait_until(pilot, lambda: not poller.schedule.running, what="poll done")
        poller.refresh_now()  # a poll while events flow: the next one minutes away
        await wait_until(
            pilot, lambda: (poller.schedule.seconds_until_due() or 0) > 60, what="safety net"
        )
        polls = poller.schedule.polls_started
        stack.sqs.delete_queue(QueueUrl=stack.queue_url)
        await wait_until(
            pilot, lambda: "queue missing — polling" in _header(app), what="banner", timeout=30
        )
        # Back to polling: a poll at once, then the normal interval.
        await wait_until(pilot, lambda: poller.schedule.polls_started > polls, what="poll")
        await wait_until(pilot, lambda: not poller.schedule.running, what="poll done")
        assert (poller.schedule.seconds_until_due() or 0) <= 15


async def test_no_queue_no_events_label(aws: MotoServer, sm: Any) -> None:
    create_training_job(sm, "push-4")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await pilot.pause(1.2)
        assert "events" not in _header(app)
        assert app.events.runner is None


async def test_an_alert_fires_once_per_incident_and_bang_lists_it(aws: MotoServer, sm: Any) -> None:
    stack = EventsStack.create(aws)
    create_training_job(sm, "train-prod-1")
    app = make_app(
        events_queue_url=stack.queue_url,
        alerts=[{"name": "prod-failed", "when": "job-failed", "match": "train-prod-*"}],
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        set_training_state("train-prod-1", "Failed")
        stack.put(*job_detail("training", "train-prod-1", "Failed", T0), when=T0)
        # The same incident told again (a second event, one second later).
        later = T0 + timedelta(seconds=1)
        stack.put(*job_detail("training", "train-prod-1", "Failed", later), when=later)
        await wait_until(pilot, lambda: app.events.notifications, what="an alert")
        await wait_until(pilot, lambda: stack.depth() == 0, what="queue drained")
        await pilot.pause(0.3)
        assert len(app.events.notifications) == 1
        await pilot.press("exclamation_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, NotificationsScreen))
        text = static_text(app.screen.query_one("#notifications-list"))
        assert text.count("training job train-prod-1 failed") == 1
        assert "prod-failed" in text
        await pilot.press("q")
        await wait_until(pilot, lambda: not isinstance(app.screen, NotificationsScreen))


async def test_read_only_alerts_ring_but_are_not_published(aws: MotoServer, sm: Any) -> None:
    """An alert rule with an SNS topic in read-only mode: the alert lists under `!`,
    the publish is refused once with a toast, and the topic's inbox stays empty."""
    stack = EventsStack.create(aws, name="tui-read-only")
    sns, sqs = aws.client("sns"), aws.client("sqs")
    topic = sns.create_topic(Name="tui-ro-alerts")["TopicArn"]
    inbox = sqs.create_queue(QueueName="tui-ro-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn["Attributes"]["QueueArn"])
    create_training_job(sm, "ro-job-1")
    app = make_app(
        read_only=True,
        events_queue_url=stack.queue_url,
        alerts=[{"when": "job-failed", "sns_topic": topic, "bell": False, "desktop": False}],
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        set_training_state("ro-job-1", "Failed")
        stack.put(*job_detail("training", "ro-job-1", "Failed", T0), when=T0)
        await wait_until(pilot, lambda: app.events.notifications, what="an alert")
        await wait_until(
            pilot,
            lambda: any("alert-publish" in n.message for n in app._notifications),
            what="the read-only notice",
        )
        toasts = [n.message for n in app._notifications if "alert-publish" in n.message]
        assert len(toasts) == 1
        assert "Messages" not in sqs.receive_message(QueueUrl=inbox, WaitTimeSeconds=0)


async def test_hostile_names_in_events_are_dropped_not_retried(aws: MotoServer, sm: Any) -> None:
    """Events naming resources with the hostile corpus (a name no describe accepts) for
    every kind a live row follows: dropped like a deleted resource, never a failed
    batch that SQS would hand back again and again, and an honest event in the same
    batch still changes its row. (Registry and HyperPod read nothing before they listed:
    their tests send hostile names to listed tabs.)"""
    stack = EventsStack.create(aws, name="hostile-live-rows")
    create_training_job(sm, "honest-1")
    app = make_app(
        events_queue_url=stack.queue_url, ssh={"transport": "demo", "cluster": "hp-hostile"}
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        await all_views(pilot, app)
        for index, text in enumerate(CORPUS):
            name = f"x{text}"[:200]
            details = [
                job_detail("training", name, "Failed", T0),
                job_detail("endpoint", name, "Failed", T0),
                package_detail(name, 1, "Approved", T0),
                package_detail("churn", 1, "Approved", T0),
                node_detail("hp-hostile", name, "Unschedulable"),
                (
                    "SageMaker HyperPod Cluster State Change",
                    {"ClusterName": name, "ClusterStatus": "Failed"},
                ),
            ]
            for kind, (detail_type, detail) in enumerate(details):
                if kind == 3:  # a valid group name with a hostile ARN
                    detail["ModelPackageArn"] = (
                        f"arn:aws:sagemaker:us-east-1:1:model-package/churn/{name}"
                    )
                event = sagemaker_event(detail_type, detail, when=T0, event_id=f"h-{index}-{kind}")
                stack.send_raw(json.dumps(event))
        set_training_state("honest-1", "Failed")
        stack.put(*job_detail("training", "honest-1", "Failed", T0), when=T0)
        await wait_until(pilot, lambda: _status(app, "honest-1") == "Failed", what="honest row")
        await wait_until(pilot, lambda: stack.depth() == 0, what="every message deleted")
        assert jobs_table(app).total_count == 1  # no row for a hostile name


async def test_a_pushed_new_job_counts_in_the_tab_title(
    aws: MotoServer, sm: Any, describes: list[str]
) -> None:
    """A job created elsewhere arrives as an event before the next listing: its row is
    added and the Jobs tab's count follows the table (it said the listing's count)."""
    from textual.widgets import TabbedContent

    stack = EventsStack.create(aws)
    create_training_job(sm, "count-1")
    app = make_app(events_queue_url=stack.queue_url)
    async with app.run_test(size=(160, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        tabs = app.main_screen.query_one(TabbedContent)
        await wait_until(pilot, lambda: str(tabs.get_tab("jobs").label) == "Jobs 1", what="1")
        create_training_job(sm, "count-2")
        stack.put(*job_detail("training", "count-2", "InProgress", T0), when=T0)
        await wait_until(pilot, lambda: _status(app, "count-2") != "", what="row added")
        await wait_until(pilot, lambda: str(tabs.get_tab("jobs").label) == "Jobs 2", what="2")
        assert describes.count("count-2") == 1
