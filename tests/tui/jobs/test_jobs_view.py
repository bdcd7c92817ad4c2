"""The Jobs tab against a real moto server: listing, filter, sort, describe, stop.

Scenarios share one app session each where they can: starting the app costs ~1 s here.
"""

from __future__ import annotations

import json
from typing import Any

from textual.widgets import Static

from screens.jobs.detail import JobDetailScreen
from screens.kit.confirm import ConfirmDialog
from screens.kit.filter_bar import FilterBar
from screens.main import MainScreen
from tests.tui.conftest import (
    create_processing_job,
    create_training_job,
    create_tuning_job,
    jobs_table,
    jobs_view,
    make_app,
    notifications,
    set_training_state,
    static_text,
    wait_for_rows,
    wait_until,
)


def seed(sm: Any) -> None:
    for name in ("alpha", "bravo", "charlie"):
        create_training_job(sm, name)
    create_processing_job(sm, "prep-delta")
    create_tuning_job(sm, "sweep-echo")


async def test_jobs_of_all_kinds_listed_then_updated_in_place(sm: Any) -> None:
    seed(sm)
    listed = {j["TrainingJobName"] for j in sm.list_training_jobs()["TrainingJobSummaries"]}
    expected = {f"training:{name}" for name in listed} | {
        "processing:prep-delta",
        "tuning:sweep-echo",
    }
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 5)
        table = jobs_table(app)
        assert set(table.shown_keys()) == expected
        assert table.shown_keys()[0] == "tuning:sweep-echo"  # newest first
        tab = app.main_screen.query_one("#tabs").get_tab("jobs")  # type: ignore[attr-defined]
        # The main screen retitles the tab one message after the table fills.
        await wait_until(pilot, lambda: str(tab.label) == "Jobs 5", what="the tab count")
        assert "5/5 jobs" in static_text(app.main_screen.query_one("#jobs-info", Static))

        await pilot.press("down", "down")
        selected = table.cursor_job()
        assert selected is not None
        set_training_state("alpha", "Failed", failure_reason="boom")
        create_training_job(sm, "foxtrot")  # newest: lands above the cursor
        await pilot.press("r")
        await wait_until(pilot, lambda: table.total_count == 6, what="the new job")
        await wait_until(
            pilot, lambda: table.jobs["training:alpha"].status == "Failed", what="status change"
        )
        assert table.shown_keys()[0] == "training:foxtrot"
        # The cursor follows its row, not its index.
        assert table.cursor_job() == table.jobs[f"{selected.kind}:{selected.name}"]
        assert table.get_row("training:alpha")[2].plain == "Failed"
        # One message after the table, as above (seen as "Jobs 5" on a loaded machine).
        await wait_until(pilot, lambda: str(tab.label) == "Jobs 6", what="the new tab count")


async def test_filter_and_sort(sm: Any) -> None:
    seed(sm)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 5)
        table = jobs_table(app)
        bar = app.main_screen.query_one(FilterBar)

        async def apply(text: str) -> None:
            await pilot.press("slash")
            bar.value = text
            await pilot.press("enter")

        await pilot.press("slash")
        assert bar.display and bar.has_focus
        await pilot.press(*"brav")
        assert table.shown_keys() == ["training:bravo"]  # live while typing
        await pilot.press("enter")
        assert not bar.display and table.has_focus
        assert table.shown_keys() == ["training:bravo"]

        await apply("!type:training")
        assert set(table.shown_keys()) == {"processing:prep-delta", "tuning:sweep-echo"}
        await apply("re:^(alpha|charlie)$")
        assert set(table.shown_keys()) == {"training:alpha", "training:charlie"}

        # The filter survives a refresh bringing matching and non-matching jobs.
        create_training_job(sm, "zulu")
        await pilot.press("r")
        await wait_until(pilot, lambda: table.total_count == 6, what="new job")
        assert set(table.shown_keys()) == {"training:alpha", "training:charlie"}

        # Escape undoes the edit in progress; a bad regex is reported, not applied.
        await pilot.press("slash")
        bar.value = "nothing-matches"
        await pilot.pause()
        assert table.shown_keys() == []
        await pilot.press("escape")
        assert set(table.shown_keys()) == {"training:alpha", "training:charlie"}
        await apply("re:(")
        assert any("bad regex" in text for text in notifications(app))
        assert set(table.shown_keys()) == {"training:alpha", "training:charlie"}

        # Sort: created -> duration -> util -> cost -> reason -> type -> name; S reverses;
        # survives refresh.
        await pilot.press("s", "s", "s", "s", "s", "s")
        assert table.ordering.column == "name"
        assert table.shown_keys() == ["training:alpha", "training:charlie"]
        await pilot.press("S")
        assert table.shown_keys() == ["training:charlie", "training:alpha"]
        await apply("")
        assert table.shown_count == 6
        assert table.shown_keys()[0] == "training:zulu"
        create_training_job(sm, "mike")
        await pilot.press("r")
        await wait_until(pilot, lambda: table.total_count == 7, what="another job")
        names = [key.split(":", 1)[1] for key in table.shown_keys()]
        assert names == sorted(names, key=str.lower, reverse=True)


async def test_describe_shows_failure_reason_and_each_kind(sm: Any) -> None:
    create_training_job(sm, "ok-job")
    create_training_job(
        sm,
        "oom-job",
        EnableManagedSpotTraining=True,
        StoppingCondition={"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
    )
    create_tuning_job(sm, "sweep-echo")
    reason = "AlgorithmError: CUDA out of memory [rank 3]"
    set_training_state("oom-job", "Failed", failure_reason=reason)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 3)
        bar = app.main_screen.query_one(FilterBar)
        await pilot.press("slash")
        bar.value = "status:failed"
        await pilot.press("enter")
        assert jobs_table(app).shown_keys() == ["training:oom-job"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        await wait_until(pilot, lambda: screen.record is not None, what="describe")
        assert screen.record.failure_reason == reason
        assert reason in static_text(screen.query_one(".failure", Static))
        # The reason comes first: on screen at 80x24, not below the summary's fold.
        await pilot.pause()
        assert 0 < screen.query_one(".failure", Static).region.y < 12
        titles = {static_text(s).strip() for s in screen.query(".section-title").results(Static)}
        assert {
            "Failure reason",
            "Hyperparameters",
            "Inputs and outputs",
            "Time and cost",
        } <= titles
        # The jobs poller pauses while another screen covers the main one.
        assert not jobs_view(app).poller.shown
        # `l` in the detail opens this job's logs; `q` comes back to the detail.
        from screens.logs.view import LogScreen

        await pilot.press("l")
        await wait_until(pilot, lambda: isinstance(app.screen, LogScreen), what="logs")
        await pilot.press("q")
        await wait_until(pilot, lambda: app.screen is screen, what="back to the detail")
        await pilot.press("q")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back")
        assert jobs_view(app).poller.shown

        await pilot.press("slash")
        bar.value = "type:tuning"
        await pilot.press("enter", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="detail")
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        await wait_until(pilot, lambda: screen.record is not None, what="describe tuning")
        # The ranked detail; plain moto cannot list the trials: said, the job still shown.
        assert screen.record.job.name == "sweep-echo"
        assert screen.record.job.strategy == "Bayesian"
        assert screen.record.trials_unavailable
        await pilot.press("l")  # a tuning job has no logs of its own: says where they are
        await wait_until(pilot, lambda: any("no logs of its own" in n for n in notifications(app)))
        assert app.screen is screen
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back")


async def test_stop_in_read_only_mode_is_refused_before_asking(sm: Any) -> None:
    create_training_job(sm, "running")
    set_training_state("running", "InProgress")
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 1)
        assert "READ-ONLY" in app.main_screen.query_one("ContextBar").text  # type: ignore[attr-defined]
        await pilot.press("ctrl+k")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
        assert any("read-only mode: training-stop running refused" in n for n in notifications(app))


async def test_stop_asks_and_goes_through_the_gate(sm: Any, tmp_path: Any) -> None:
    create_training_job(sm, "done")
    create_training_job(sm, "running")
    set_training_state("running", "InProgress")
    audit = tmp_path / "audit.jsonl"
    app = make_app(audit_log=str(audit))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_rows(pilot, app, 2)
        table = jobs_table(app)
        assert table.cursor_job() is not None and table.cursor_job().name == "running"  # type: ignore[union-attr]

        # Cancel is the default: enter closes the dialog and nothing is sent.
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        assert app.screen.focused is not None and app.screen.focused.id == "cancel"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="closed")
        assert any("cancelled" in n for n in notifications(app))
        declined = [json.loads(line) for line in audit.read_text().splitlines()]
        assert [(r["action"], r["target"], r["outcome"]) for r in declined] == [
            ("training-stop", "running", "refused")  # not confirmed: audited, nothing sent
        ]

        # Confirmed: the call goes through the gate (audited); moto lacks StopTrainingJob.
        await pilot.press("ctrl+k")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        await pilot.press("y")
        await wait_until(
            pilot,
            lambda: any("not supported by this endpoint" in n for n in notifications(app)),
            what="the error notification",
        )
        records = [json.loads(line) for line in audit.read_text().splitlines()]
        records = [r for r in records if r["outcome"] != "intent"]
        assert [(r["action"], r["target"], r["outcome"], r["source"]) for r in records] == [
            ("training-stop", "running", "refused", "tui"),
            ("training-stop", "running", "error", "tui"),
        ]

        # A finished job: explained, no dialog.
        await pilot.press("down", "ctrl+k")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("done is Completed: only running" in n for n in notifications(app))


def test_a_kind_the_endpoint_did_not_list_is_asked_again_later() -> None:
    from console.errors import NotSupportedError
    from console.services.jobs_feed import UNSUPPORTED_RETRY_SECONDS, JobsFeed

    class Lister:
        def __init__(self, fail: list[bool]) -> None:
            self.fail = fail

        def refresh(self, on_page: Any = None) -> Any:
            if self.fail.pop(0):
                raise NotSupportedError("ListTrainingJobs is not supported by this endpoint")
            return type("Snapshot", (), {"items": ("job",)})()

    class Jobs:
        def list_tuning_jobs(self, limit: int) -> tuple[()]:
            return ()

        def list_transform_jobs(self, limit: int) -> tuple[()]:
            return ()

    now = [0.0]
    ctx = type("Ctx", (), {"jobs": Jobs(), "transform": Jobs()})()
    feed = JobsFeed(ctx, clock=lambda: now[0])  # type: ignore[arg-type]
    feed._training = Lister([True, False, False])  # type: ignore[assignment]
    feed._processing = Lister([False] * 5)  # type: ignore[assignment]
    assert feed.fetch().unsupported == ("training",)
    assert feed.fetch().unsupported == ("training",)  # not asked again yet
    now[0] = UNSUPPORTED_RETRY_SECONDS + 1
    snapshot = feed.fetch()
    assert snapshot.unsupported == () and snapshot.items.count("job") == 2
    feed._unsupported["training"] = 1e9  # type: ignore[index]
    feed.retry_unsupported()  # `r`: every kind is asked again at once
    assert "training" not in feed.fetch().unsupported
