"""The Registry tab against the moto server: pending filter, evidence, approve, reject,
batch, conflict, read-only, history; snapshots of the evidence pane."""

from __future__ import annotations

import html
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Static

from console.services.evidence import build_evidence
from console.services.registry import ModelPackage
from screens.kit.confirm import ConfirmDialog
from screens.kit.formatting import StatusPalette
from screens.main import MainScreen
from screens.registry.evidence import EvidencePane
from screens.registry.history import HistoryScreen
from screens.registry.table import GroupsTable, PackagesTable
from screens.registry.view import RegistryView
from tests.support.helpers import audit_records
from tests.support.registry import ACCOUNT, REGION, add_version, seed_churn
from tests.tui.conftest import all_views, make_app, notifications, static_text, wait_until


def view(app: Any) -> RegistryView:
    return app.main_screen.query_one(RegistryView)


def packages(app: Any) -> PackagesTable:
    return app.main_screen.query_one(PackagesTable)


def versions(app: Any) -> list[int | None]:
    table = packages(app)
    return [table.items[key].version for key in table.shown_keys()]


async def open_tab(pilot: Any, app: Any, rows: int = 1) -> PackagesTable:
    await pilot.press("4")
    table = packages(app)
    await wait_until(pilot, lambda: table.shown_count >= rows, what=f"{rows} versions")
    assert table.has_focus
    return table


def status_in_moto(aws: Any, arn: str) -> tuple[str, str]:
    data = aws.client("sagemaker").describe_model_package(ModelPackageName=arn)
    return data["ModelApprovalStatus"], data.get("ApprovalDescription", "")


def tab_label(app: Any) -> str:
    from textual.widgets import TabbedContent

    label = str(app.main_screen.query_one(TabbedContent).get_tab("registry").label)
    # Narrow terminals show the short title ("Reg 2"): the count is what these tests read.
    return label.replace("Reg ", "Registry ", 1) if label.startswith("Reg ") else label


async def confirm_with_comment(pilot: Any, app: Any, comment: str) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
    field = app.screen.query_one("#confirm-comment", Input)
    assert field.has_focus
    await pilot.press(*comment)
    await pilot.press("enter")  # leaves the comment: focus on the confirm button
    assert isinstance(app.screen, ConfirmDialog)
    await pilot.press("enter")


@pytest.fixture
def churn(aws: Any) -> dict[str, str]:
    arns = seed_churn(aws)
    arns["v4"] = add_version(aws, "churn", 4, "PendingManualApproval", {"auc": 0.85})
    return arns


async def test_pending_by_default_with_evidence_and_count(aws: Any, churn: dict[str, str]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 2)
        assert versions(app) == [4, 3]  # pending only, newest first
        await wait_until(pilot, lambda: tab_label(app) == "Registry 2", what="tab count")
        groups = app.main_screen.query_one(GroupsTable)
        assert [c.plain for c in groups.get_row("churn")] == ["2", "▸churn"]
        assert [str(c.label) for c in groups.columns.values()] == ["#", "Group"]
        text = static_text(app.main_screen.query_one(EvidencePane))
        assert "churn/4" in text and "serving: churn-prod/AllTraffic v1" in text
        assert "Approved v1" in text and "▼ worse" in text  # auc 0.85 < 0.90
        await pilot.press("down")
        text = static_text(app.main_screen.query_one(EvidencePane))
        assert "churn/3" in text and "▲ better" in text and "logloss ↓" in text
        await pilot.press("p")
        assert versions(app) == [4, 3, 2, 1]
        await pilot.press("p")
        assert versions(app) == [4, 3]


async def test_approve_one_with_a_comment_is_audited_and_in_history(
    aws: Any, churn: dict[str, str]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 2)
        await pilot.press("down", "a")  # churn/3
        await confirm_with_comment(pilot, app, "AUC up")
        await wait_until(
            pilot, lambda: status_in_moto(aws, churn["v3"]) == ("Approved", "AUC up"), what="moto"
        )
        await wait_until(pilot, lambda: versions(app) == [4], what="row left the pending list")
        assert any("approved churn/3" in n for n in notifications(app))
        await wait_until(pilot, lambda: tab_label(app) == "Registry 1", what="tab count")
        # The group's history: this decision on top, from the audit log and the registry.
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="history")
        history = app.screen.query_one(DataTable)
        await wait_until(pilot, lambda: history.row_count > 0, what="history rows")
        first = [cell.plain for cell in history.get_row_at(0)]
        assert first[1:3] == ["3", "Approved"] and first[4:] == ["AUC up", "audit+registry"]
        await pilot.press("q")
        assert isinstance(app.screen, MainScreen)
    [record] = [r for r in audit_records() if r["action"] == "model-package-approve"]
    assert (record["target"], record["outcome"], record["source"]) == (churn["v3"], "ok", "tui")
    assert record["params"]["ApprovalDescription"] == "AUC up"


async def test_history_columns_fit_rows_drawn_before_the_table_is_idle(
    aws: Any, churn: dict[str, str]
) -> None:
    """A frame drawn right after the rows arrive (before DataTable's idle pass) used to fix
    the columns at their old widths for good: the note showed as "job ␛]5" (a flaky test)."""
    from datetime import UTC, datetime

    from console.services.approval_history import HistoryEntry

    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        await open_tab(pilot, app, 2)
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), what="history")
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        history = screen.query_one(DataTable)
        await wait_until(pilot, lambda: history.row_count > 0, what="history rows")
        note = "rejected after the drift review of " + "week 48 " * 3 + "end"
        entry = HistoryEntry(
            time=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),
            package_arn=churn["v2"],
            version=2,
            action="Rejected",
            by="arn:aws:sts::123456789012:assumed-role/ops/alice-the-reviewer",
            comment=note,
            source="audit+registry",
        )
        screen._loaded([entry])
        app.export_screenshot()  # a frame now, before the table's idle pass
        await pilot.pause()
        shown = html.unescape(app.export_screenshot()).replace("\xa0", " ")
        for text in (note, "assumed-role/ops/alice-the-reviewer", "audit+registry", "Rejected"):
            assert text in shown, text


async def test_batch_reject_selected_versions(aws: Any, churn: dict[str, str]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        table = await open_tab(pilot, app, 2)
        await pilot.press("space", "space")  # selects v4, moves down, selects v3
        assert table.marked == {churn["v4"], churn["v3"]}
        assert table.get_row(churn["v4"])[0].plain == "●"
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        assert "Reject 2 versions?" in str(app.screen.title_text)
        assert "churn/4: PendingManualApproval → Rejected" in app.screen.message
        await confirm_with_comment(pilot, app, "drift")
        await wait_until(pilot, lambda: versions(app) == [], what="both rejected")
        assert table.marked == set()
    assert status_in_moto(aws, churn["v4"]) == ("Rejected", "drift")
    assert status_in_moto(aws, churn["v3"]) == ("Rejected", "drift")
    rejects = [(r["target"], r["outcome"]) for r in audit_records()]
    assert sorted(rejects) == sorted([(churn["v4"], "ok"), (churn["v3"], "ok")])


async def test_conflict_when_another_operator_decided_meanwhile(
    aws: Any, churn: dict[str, str]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 2)
        await pilot.press("a")  # churn/4, seen PendingManualApproval
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        # A second console (another client) rejects it while this one's dialog is open.
        aws.client("sagemaker").update_model_package(
            ModelPackageArn=churn["v4"],
            ModelApprovalStatus="Rejected",
            ApprovalDescription="bad drift",
        )
        await confirm_with_comment(pilot, app, "ship")
        await wait_until(
            pilot, lambda: any("conflict: churn/4" in n for n in notifications(app)), what="note"
        )
        message = next(n for n in notifications(app) if "conflict: churn/4" in n)
        assert "package changed meanwhile: now Rejected" in message
        assert "look at it again" in message
    assert status_in_moto(aws, churn["v4"]) == ("Rejected", "bad drift")
    [record] = [r for r in audit_records() if r["action"] == "model-package-approve"]
    assert record["outcome"] == "error" and "changed meanwhile" in record["detail"]


async def test_read_only_refuses_before_asking(aws: Any, churn: dict[str, str]) -> None:
    app = make_app(read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 2)
        for key, action in (("a", "model-package-approve"), ("x", "model-package-reject")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen), key
            assert any(f"read-only mode: {action} churn/4 refused" in n for n in notifications(app))
    assert [(r["action"], r["outcome"]) for r in audit_records(intents=True)] == [
        ("model-package-approve", "refused"),
        ("model-package-reject", "refused"),
    ]
    assert status_in_moto(aws, churn["v4"])[0] == "PendingManualApproval"


async def test_enter_on_a_group_opens_its_versions(aws: Any, churn: dict[str, str]) -> None:
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="aaa-fraud")
    fraud = add_version(aws, "aaa-fraud", 1, "PendingManualApproval", None)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 1)
        await pilot.press("g")
        groups = app.main_screen.query_one(GroupsTable)
        assert groups.has_focus
        groups.move_cursor(row=groups.get_row_index("aaa-fraud"))
        await pilot.press("enter")
        table = packages(app)
        await wait_until(pilot, lambda: list(table.items) == [fraud], what="fraud versions")
        assert table.has_focus
        text = static_text(app.main_screen.query_one(EvidencePane))
        assert "no endpoint serves a version of this group" in text


# --- snapshots of the evidence pane ------------------------------------------------------
def _package(version: int, status: str, metrics: dict[str, float]) -> ModelPackage:
    return ModelPackage(
        group="churn-xgb",
        version=version,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/churn-xgb/{version}",
        approval_status=status,
        status="Completed",
        created=None,
        modified=None,
        modified_by="",
        description="",
        approval_description="",
        model_data_url=f"s3://models/churn-xgb/v{version}/model.tar.gz",
        image="",
        metric_reports={"ModelQuality.Statistics": "s3://reports/x.json"},
        metrics=metrics,
    )


class EvidenceApp(App[None]):
    """The pane on the real stylesheet and theme, with a fixed record, where the tab puts
    it: right of the groups pane (a quarter of the width), so 80 columns show its compact
    form and 160 its full one."""

    CSS_PATH = ["../../../themes/base.tcss", "../../../themes/model_registry.tcss"]
    CSS = "#groups-stand-in { width: 25%; } #registry-evidence { width: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static("groups", id="groups-stand-in")
            yield EvidencePane(id="registry-evidence")

    def on_mount(self) -> None:
        from console.services.evidence import ServingVersion
        from themes.registry import register_themes

        register_themes(self)
        self.theme = "smconsole-dark"
        candidate = _package(4, "PendingManualApproval", {"auc": 0.9201, "logloss": 0.2627})
        approved = _package(3, "Approved", {"auc": 0.9193, "logloss": 0.2421, "f1": 0.81})
        serving = ServingVersion(
            "churn-xgb-prod", "AllTraffic", "churn-xgb-v3", approved.arn, 3, "model data"
        )
        evidence = build_evidence(candidate, [candidate, approved], [serving])
        palette = StatusPalette.from_variables(self.get_css_variables())
        pane = self.query_one(EvidencePane)
        # After layout: the pane picks its compact form from its own width.
        self.call_after_refresh(pane.show, evidence, palette, empty="")


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
def test_evidence_pane_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(EvidenceApp(), terminal_size=size)


async def test_deciding_again_what_is_decided_is_left_out(aws: Any, churn: dict[str, str]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 2)
        await pilot.press("p")  # all: v1 (Approved) is listed
        table = packages(app)
        table.move_cursor(row=table.get_row_index(churn["v1"]))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert any("already Approved: churn/1" in n for n in notifications(app))
    assert audit_records() == []


async def test_tab_title_counts_pending_before_the_tab_is_opened(
    aws: Any, churn: dict[str, str]
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: tab_label(app) == "Registry 2", what="count on start")
        assert app.main_screen.active_tab == "jobs"


async def test_rejecting_the_serving_version_says_so(aws: Any, churn: dict[str, str]) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 2)
        await pilot.press("p")
        table = packages(app)
        table.move_cursor(row=table.get_row_index(churn["v1"]))
        await pilot.press("x")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
        assert (
            "churn/1: Approved → Rejected (serving on churn-prod/AllTraffic)" in app.screen.message
        )
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert any("reject churn/1: cancelled" in n for n in notifications(app))
    assert status_in_moto(aws, churn["v1"])[0] == "Approved"
    [declined] = audit_records(intents=True)  # not confirmed: audited, nothing sent
    assert (declined["action"], declined["outcome"]) == ("model-package-reject", "refused")


async def test_show_package_opens_its_group_and_highlights_it_whatever_its_status(
    aws: Any, churn: dict[str, str]
) -> None:
    from screens.registry.view import RegistryView, package_group_of

    assert package_group_of("arn:aws:sagemaker:us-east-1:1:model-package/churn/3") == "churn"
    assert package_group_of("arn:aws:sagemaker:us-east-1:1:model-package-group/churn") == ""
    approved = churn["v1"]
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        app.main_screen.show_tab("registry")  # type: ignore[attr-defined]
        await all_views(pilot, app)
        view = app.main_screen.query_one(RegistryView)
        view.show_package(approved)
        table = view.table
        await wait_until(pilot, lambda: table.cursor_key == approved, what="highlighted")
        assert view.show_all  # an approved version is shown, not only pending ones


async def test_keys_work_wherever_focus_is_in_the_tab(aws: Any, churn: dict[str, str]) -> None:
    """Issue 15: `tab` away from the versions left a/x/p silently dead."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 2)
        view = app.main_screen.query_one(RegistryView)
        stops = set()
        for _ in range(4):  # every stop `tab` makes inside the tab
            await pilot.press("tab")
            focused = app.focused
            if focused is None or view not in focused.ancestors_with_self:
                continue
            stops.add(focused.id)
            await pilot.press("a")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="dialog")
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="back")
            shown = len(view.table.shown_keys())
            await pilot.press("p")  # all versions, then pending again
            await wait_until(pilot, lambda: len(view.table.shown_keys()) != shown, what="p")
            await pilot.press("p")
            await wait_until(pilot, lambda: len(view.table.shown_keys()) == shown, what="p back")
        assert len(stops) >= 2, stops  # the groups and the versions at least


async def test_tab_stays_inside_the_tab(aws: Any, churn: dict[str, str]) -> None:
    """Issue 15 walkthrough: from the versions `tab` also stopped on the tab strip, where
    a/x/p did nothing and the footer lost them. Every stop is inside the tab now."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, app, 2)
        view = app.main_screen.query_one(RegistryView)
        for _ in range(4):
            await pilot.press("tab")
            focused = app.focused
            assert focused is not None and view in focused.ancestors_with_self, focused
