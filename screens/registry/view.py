"""The Registry tab: model package groups, their versions, evidence, approve and reject.

Left, the groups with their count of pending versions (``enter`` opens one); right, the
versions of the open group — pending only by default (``p`` shows all) — and under them
the evidence for the highlighted version: its metrics beside the group's Approved version
and the version serving an endpoint, better/worse marked.

Keys: ``a`` approve, ``x`` reject (the highlighted version, or every version selected
with ``space``), with a comment stored as the ApprovalDescription; ``h`` the group's
approval history; ``/`` filter, ``s``/``S`` sort, ``r`` refresh. A decision is refused up
front in read-only mode, confirmed in the one confirm dialog, and run per package in a
worker through the gated service: each package is re-read just before its update and
left alone, with a conflict message, if another operator changed it since it was shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from console.errors import SmError, translate
from console.events.registry_rows import PackageChanged, package_change, registry_with
from console.services.registry import APPROVAL_DESCRIPTION_MAX, ApprovalResult, ModelPackage
from console.services.registry_feed import PENDING, RegistryFeed, RegistrySnapshot
from screens.kit.confirm import ConfirmDialog
from screens.kit.filter_bar import FilterBar
from screens.kit.host import console_host
from screens.kit.key_order import focus_now
from screens.kit.lifecycle import being_removed
from screens.kit.live_rows import follow_changes, refresh_on
from screens.kit.messages import Listed
from screens.kit.navigation import ModelPackageTarget
from screens.kit.palette import PaletteCommand
from screens.kit.plain import notify
from screens.kit.poller import Poller, schedule_for
from screens.kit.table_view import TableView
from screens.kit.work import run_for_context
from screens.registry.evidence import EvidencePane
from screens.registry.history import HistoryScreen
from screens.registry.table import GroupsTable, PackagesTable

if TYPE_CHECKING:
    from console.config import PollIntervals
    from console.context import ConsoleContext
    from console.events.records import ResourceChanged
    from console.services.run_evidence import RunMetrics

# How many packages a confirm dialog names before "and N more".
DIALOG_NAMES = 6
VERBS = {"Approved": ("approve", "approved"), "Rejected": ("reject", "rejected")}
ACTIONS = {"Approved": "model-package-approve", "Rejected": "model-package-reject"}


def decision_summary(results: list[ApprovalResult], labels: dict[str, str], done: str) -> str:
    """One line per package that did not go, after a count of those that did."""
    ok = [labels.get(r.arn, r.arn) for r in results if r.ok]
    lines = [f"{done} {', '.join(ok)}"] if ok else []
    for result in results:
        if not result.ok:
            label = labels.get(result.arn, result.arn)
            lines.append(f"{result.outcome}: {label}: {result.message}")
    return "\n".join(lines)


def package_group_of(arn: str) -> str:
    """``…:model-package/GROUP/VERSION`` -> GROUP ("" when the ARN has no group part)."""
    _, _, resource = arn.partition(":model-package/")
    group, _, version = resource.partition("/")
    return group if version else ""


class RegistryView(TableView):
    """Everything on the Registry tab."""

    NOUN = "versions"
    TAB = "registry"
    BINDINGS = [
        Binding("a", "approve", "Approve", id="registry.approve"),
        Binding("x", "reject", "Reject", id="registry.reject"),
        Binding("p", "toggle_pending", "Pending/all", id="registry.pending"),
        Binding("h", "history", "History", id="registry.history"),
        Binding("slash", "filter", "Filter", id="registry.filter"),
        Binding("s", "sort", "Sort", show=False, id="registry.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="registry.sort_reverse"),
        Binding("g", "focus_groups", "Groups", show=False, id="registry.groups"),
        Binding("r", "refresh", "Refresh", id="registry.refresh"),
    ]

    def __init__(self, poll: PollIntervals, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._poll = poll
        self.feed: RegistryFeed | None = None
        self.snapshot: RegistrySnapshot | None = None
        self.group: str | None = None
        self.show_all = False
        # A version another view asked to show (lineage jump), highlighted once listed.
        self._wanted_package: str | None = None
        # The shown versions' MLflow runs (by package ARN) and why some could not be read.
        self.runs: dict[str, RunMetrics] = {}
        self.run_note = ""
        self._runs_reading = False
        self._runs_asked: set[str] = set()  # versions whose runs were looked up

    def compose(self) -> ComposeResult:
        with Horizontal(id="registry-body"):
            yield GroupsTable(id="registry-groups")
            with Vertical(id="registry-main"):
                yield PackagesTable(id="registry-packages")
                yield EvidencePane(id="registry-evidence")
        bar = FilterBar(id="registry-filter")
        bar.display = False
        yield bar
        yield Poller[RegistrySnapshot](
            "registry",
            self._fetch,
            transitional=lambda snapshot: snapshot.transitional,
            schedule=schedule_for(self._poll, "registry"),
            id="registry-poller",
        )
        yield Static(
            Content("loading the model registry…"), id="registry-info", classes="view-info"
        )

    @property
    def table(self) -> PackagesTable:
        return self.query_one(PackagesTable)

    @property
    def groups(self) -> GroupsTable:
        return self.query_one(GroupsTable)

    @property
    def evidence_pane(self) -> EvidencePane:
        return self.query_one(EvidencePane)

    def on_mount(self) -> None:
        self.feed = RegistryFeed(console_host(self).context)
        if being_removed(self):
            return
        self.groups.border_title = "Groups"
        self._title_packages()
        follow_changes(
            self,
            ("model-package",),
            self._package_change,
            self._packages_changed,
            self.poller,
        )
        # An endpoint changed: which version it serves may have (the evidence says).
        refresh_on(self, ("endpoint",), self.poller)

    def _package_change(
        self, context: ConsoleContext, change: ResourceChanged
    ) -> PackageChanged | None:
        """On the consumer's thread: nothing to read before the first listing (it will
        show the change); else one read (see console/events/registry_rows.py)."""
        if self.snapshot is None:
            return None
        return package_change(context, change, self.group)

    def _packages_changed(self, changes: list[PackageChanged]) -> None:
        """A pushed batch (live rows): every change folded into the snapshot like a poll's
        answer, in one message (one update of the rows, the tab's pending count with
        them; each change folded onto the one before, none lost to the next)."""
        snapshot = self.snapshot
        if snapshot is None:
            return  # nothing listed yet
        folded = snapshot
        for changed in changes:
            if changed.package is not None and changed.group != self.group:
                continue  # the operator opened another group meanwhile
            if changed.package is not None and self.feed is not None:
                self.feed.remember(changed.package)
            folded = registry_with(folded, changed)
        if folded is snapshot:
            return
        generation = console_host(self).generation
        message = Listed(self.poller.resource, generation, folded)
        # Sent as the poller's, the way its listings are: the main screen counts it too.
        message.set_sender(self.poller)
        self.poller.post_message(message)

    # --- polling -----------------------------------------------------------------------
    def _fetch(self, context: ConsoleContext) -> RegistrySnapshot:
        """Runs in the poller's thread; a poll that raced a context switch starts afresh."""
        feed = self.feed
        if feed is None or feed.context is not context:
            feed = RegistryFeed(context)
        return feed.fetch()

    @on(Listed)
    def _listed(self, message: Listed[RegistrySnapshot]) -> None:
        # Not stopped: the main screen shows the pending count in the tab title.
        if message.generation != console_host(self).generation or being_removed(self):
            return  # another context's; or the app quits, its children may be gone
        snapshot = message.snapshot
        wanted = self.feed.group if self.feed is not None else None
        if wanted is not None and snapshot.group != wanted:
            # Started before the operator opened another group: only its groups are news.
            self.groups.sync(snapshot.groups)
            return
        self.snapshot = snapshot
        self.group = snapshot.group
        self.groups.open_group = snapshot.group
        self.groups.sync(snapshot.groups, keep=snapshot.group)
        self._show_packages()
        self._read_runs()
        if snapshot.serving_error:
            notify(
                self,
                f"serving versions unknown: {snapshot.serving_error}",
                severity="warning",
                title="evidence",
                timeout=5,
            )

    def _show_packages(self) -> None:
        snapshot = self.snapshot
        packages = snapshot.packages if snapshot is not None else ()
        table = self.table
        known = {p.arn for p in packages}
        if table.marked - known:
            table.marked &= known
        shown = [p for p in packages if self.show_all or p.approval_status == PENDING]
        table.sync(shown)
        wanted = self._wanted_package
        if wanted is not None and wanted in table.items:
            self._wanted_package = None
            table.move_cursor(row=table.get_row_index(wanted))
        self._title_packages()
        self.show_info()
        self.show_preview()

    def _title_packages(self) -> None:
        snapshot, table = self.snapshot, self.table
        if snapshot is None or self.group is None:
            table.border_title = "Versions"
            return
        pending = sum(1 for p in snapshot.packages if p.approval_status == PENDING)
        which = "all" if self.show_all else "pending"
        table.border_title = Content(
            f"{self.group} · {which} · {pending} pending of {len(snapshot.packages)}"
        )

    # --- MLflow runs for the evidence ----------------------------------------------------
    def _read_runs(self) -> None:
        """Read the shown versions' MLflow runs apart from the poll (MLflow may be slow or
        down: the table and the report evidence never wait for it). Only one at a time."""
        context, snapshot = console_host(self).context, self.snapshot
        if snapshot is None or self._runs_reading or not context.mlflow.configured:
            return
        cursor = self.table.cursor_item()
        packages = snapshot.run_candidates(cursor.arn if cursor is not None else None)
        if not packages:
            return
        self._runs_reading = True
        self._runs_asked.update(p.arn for p in packages)

        def read(context: ConsoleContext) -> tuple[dict[str, RunMetrics], str]:
            try:
                return context.evidence.runs.runs_for(packages)
            except Exception as exc:  # one line in the pane, never a broken pane
                return {}, f"MLflow run metrics unavailable: {translate(exc).one_line()}"

        run_for_context(
            self, read, done=self._runs_read, failed=self._runs_failed, name="run evidence"
        )

    def _runs_read(self, found: tuple[dict[str, RunMetrics], str]) -> None:
        self._runs_reading = False
        self.runs, self.run_note = found
        # Redrawn even if nothing changed: the cursor may have moved to a version the
        # lookup did not cover, which this asks for.
        self.show_preview()

    def _runs_failed(self, error: SmError) -> None:
        self._runs_reading = False  # ``read`` answers every error itself; kept for safety

    def reset(self) -> None:
        """Context switched: forget rows, poll the new context."""
        self.runs, self.run_note = {}, ""
        self._runs_reading = False  # a read for the old context is dropped, never answered
        self._runs_asked.clear()
        self.feed = RegistryFeed(console_host(self).context)
        self.snapshot = None
        self.group = None
        self.table.marked.clear()
        self.groups.sync(())
        self.table.sync(())
        self.poller.reset()
        self.show_info()
        self.show_preview()

    def info_extra(self) -> list[str]:
        parts = ["all" if self.show_all else "pending only (p: all)"]
        if self.table.marked:
            parts.append(f"{len(self.table.marked)} selected")
        if self.snapshot is not None:
            parts.append(f"updated {self.snapshot.fetched_at.astimezone():%H:%M:%S}")
        return parts

    # --- groups ----------------------------------------------------------------------------
    def open_item(self, key: str) -> None:
        """``enter`` on a group opens its versions (on a version: nothing more to open)."""
        if key in self.groups.items:
            self.open_group(key)

    def open_group(self, name: str) -> None:
        if name != self.group:
            self.group = name
            if self.feed is not None:
                self.feed.group = name
            self.table.marked.clear()
            self.groups.set_open(name)
            self.snapshot = None
            self.table.sync(())
            self._title_packages()
            self.show_info()
            self.show_preview()
            self.poller.refresh_now()
        focus_now(self.table)

    def go_to(self, target: Any) -> None:
        """A jump from another tab (see :mod:`screens.kit.navigation`)."""
        if isinstance(target, ModelPackageTarget):
            self.show_package(target.arn)

    def show_package(self, arn: str) -> None:
        """Open the group of the version ``arn`` and highlight it (lineage jump from a job).

        Every version is shown (not only pending ones): the jump is about this version,
        whatever its status.
        """
        group = package_group_of(arn)
        if not group:
            notify(self, f"not a model package version ARN: {arn}", severity="warning")
            return
        self._wanted_package = arn
        if not self.show_all:
            self.show_all = True
            self._show_packages()
        self.open_group(group)
        if self.snapshot is not None and self.group == group:
            self._show_packages()

    def action_focus_groups(self) -> None:
        focus_now(self.groups)

    def action_toggle_pending(self) -> None:
        self.show_all = not self.show_all
        self._show_packages()

    # --- evidence -------------------------------------------------------------------------
    def show_preview(self) -> None:
        if not self.is_mounted:
            return
        snapshot = self.snapshot
        package = self.table.cursor_item()
        if snapshot is None:
            self.evidence_pane.show(None, self.table.palette, empty="loading…")
            return
        if package is None:
            empty = (
                "no version waits for approval here (p: show all)"
                if not self.show_all
                else "no versions in this group"
            )
            self.evidence_pane.show(None, self.table.palette, empty=empty)
            return
        evidence = snapshot.evidence(package.arn, self.runs, self.run_note)
        self.evidence_pane.show(evidence, self.table.palette, empty="")
        if package.arn not in self._runs_asked:
            self._read_runs()  # a version outside the last lookup (e.g. `p` shows all)

    @on(PackagesTable.MarksChanged)
    def _marks_changed(self, message: PackagesTable.MarksChanged) -> None:
        message.stop()
        self.show_info()

    # --- approve / reject ---------------------------------------------------------------
    def targets(self) -> list[ModelPackage]:
        """The selected versions of the open group, or else the highlighted one."""
        snapshot = self.snapshot
        if snapshot is None:
            return []
        marked = [p for p in snapshot.packages if p.arn in self.table.marked]
        if marked:
            return marked
        current = self.table.cursor_item()
        return [current] if current is not None else []

    def action_approve(self) -> None:
        self.decide("Approved")

    def action_reject(self) -> None:
        self.decide("Rejected")

    def decide(self, status: str) -> None:
        verb, _done = VERBS[status]
        packages = self.targets()
        if not packages:
            notify(self, f"no version to {verb}", severity="warning", timeout=3)
            return
        # Deciding again what is already decided would only overwrite the comment of
        # whoever decided it: leave those out, and say so.
        already = [p for p in packages if p.approval_status == status]
        if already:
            names = ", ".join(p.label for p in already[:DIALOG_NAMES])
            notify(self, f"already {status}: {names}", severity="warning", timeout=5)
            packages = [p for p in packages if p.approval_status != status]
            if not packages:
                return
        label = packages[0].label if len(packages) == 1 else f"{len(packages)} versions"
        if not self.gate_allows(ACTIONS[status], label):
            return
        dialog = ConfirmDialog(
            f"{verb.capitalize()} {label}?",
            self._dialog_message(packages, status),
            change=(ACTIONS[status], label),
            confirm_label=verb.capitalize(),
            comment="Comment (stored as the approval description):",
            comment_max=APPROVAL_DESCRIPTION_MAX,
        )

        def confirmed() -> None:
            self._run_decision(packages, status, dialog.comment)

        self.ask(dialog, confirmed, what=f"{verb} {label}")

    def _dialog_message(self, packages: list[ModelPackage], status: str) -> str:
        snapshot = self.snapshot
        serving: dict[str, list[str]] = {}
        for place in snapshot.serving if snapshot is not None else ():
            serving.setdefault(place.package_arn, []).append(f"{place.endpoint}/{place.variant}")
        lines = []
        for package in packages[:DIALOG_NAMES]:
            line = f"{package.label}: {package.approval_status or 'unset'} → {status}"
            if package.arn in serving:
                # Rejecting what production serves deserves a second look.
                line += f" (serving on {', '.join(serving[package.arn])})"
            lines.append(line)
        if len(packages) > DIALOG_NAMES:
            lines.append(f"… and {len(packages) - DIALOG_NAMES} more")
        if len(packages) == 1 and snapshot is not None:
            # The evidence the pane shows (MLflow run metrics included): the same summary.
            evidence = snapshot.evidence(packages[0].arn, self.runs, self.run_note)
            if evidence is not None and evidence.summary():
                lines.append(evidence.summary())
        lines.append(
            "Each status is re-checked just before its update: a version another operator "
            "changed meanwhile is left alone."
        )
        return "\n".join(lines)

    def _run_decision(self, packages: list[ModelPackage], status: str, comment: str) -> None:
        registry = console_host(self).context.registry
        _verb, done_word = VERBS[status]
        items = [(p.arn, p.approval_status or None) for p in packages]
        labels = {p.arn: p.label for p in packages}

        def done(results: list[ApprovalResult]) -> None:
            if self.feed is not None:
                for arn in labels:
                    self.feed.invalidate(arn)
            self.table.marked -= set(labels)
            failed = [r for r in results if not r.ok]
            summary = decision_summary(results, labels, done_word)
            if not failed:
                notify(self, summary, title=f"{done_word} ({len(results)})")
            elif any(r.outcome == "conflict" for r in failed):
                # Each conflict line already says who changed it and what to do.
                notify(self, summary, severity="error", title="conflict", timeout=12)
            else:
                notify(self, summary, severity="error", title=f"not all {done_word}", timeout=12)
            self._show_packages()

        self.run_change(
            f"{done_word} {len(packages)}",
            lambda: registry.update_approvals(items, status, comment),
            done,
        )

    # --- history -----------------------------------------------------------------------------
    def action_history(self) -> None:
        group = self.group
        if group is None:
            notify(self, "no group open", severity="warning", timeout=3)
            return
        self.app.push_screen(HistoryScreen(group))

    # --- palette ------------------------------------------------------------------------------
    def palette_commands(self) -> list[PaletteCommand]:
        return [
            self.palette_command(
                "Registry: approve", "approve the highlighted/selected versions (a)", "approve"
            ),
            self.palette_command(
                "Registry: reject", "reject the highlighted/selected versions (x)", "reject"
            ),
            self.palette_command(
                "Registry: pending only / all", "toggle the versions filter (p)", "toggle_pending"
            ),
            self.palette_command(
                "Registry: approval history", "who decided what in this group (h)", "history"
            ),
            self.palette_command("Registry: refresh now", "list the registry again (r)", "refresh"),
        ]
