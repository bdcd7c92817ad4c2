"""The Jobs tab: training, processing and tuning jobs in one filterable, sortable table.

Keys: `/` filter, `s` sort column (`S` reverses), `enter` describe, `l` live logs,
`ctrl+k` stop (asks first), `r` refresh now. All AWS I/O runs in workers: the poller
lists, the detail screen describes, the log screen tails, a one-off worker stops. On wide
screens a preview of the highlighted row sits beside the table (no extra API call: it
shows what the listing returned).
"""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.theme import Theme
from textual.widgets import Static

from console.errors import SmError, translate
from console.events.rows import JOB_KINDS, job_row
from console.services.job_extras import JobExtras, JobExtrasFeed, JobExtrasSnapshot
from console.services.jobs import JobSummary
from console.services.jobs_feed import JobsFeed, JobsSnapshot
from screens.jobs.detail import JobDetailScreen, open_job_logs
from screens.jobs.table import (
    COLUMN_KEYS,
    JobsTable,
    cost_cell,
    job_key,
    reason_headline,
    usage_cell,
)
from screens.kit.confirm import ConfirmDialog, refused_read_only
from screens.kit.filter_bar import FilterBar, clear_applied_filter
from screens.kit.formatting import StatusPalette, elapsed_seconds, format_duration, format_timestamp
from screens.kit.host import console_host
from screens.kit.job_sections import grid
from screens.kit.key_order import focus_now
from screens.kit.keyed_table import KeyedTable
from screens.kit.lifecycle import being_removed
from screens.kit.live_rows import follow_changes
from screens.kit.messages import JobStopFinished, Listed, RowsPushed
from screens.kit.navigation import JobTarget
from screens.kit.plain import notify
from screens.kit.poller import Poller, schedule_for
from screens.kit.row_filter import RowFilter
from screens.kit.work import PartialListing, run_for_context

if TYPE_CHECKING:
    from console.config import PollIntervals
    from console.context import ConsoleContext
    from screens.jobs.training_form import TrainingDraft

# Width from which the preview pane is shown beside the table.
WIDE_WIDTH = 150
STOPPABLE = frozenset({"InProgress"})
# A job created here is shown at once and kept until a listing has it (AWS lists a new
# job within seconds; after this long the listing is trusted again).
PENDING_SECONDS = 120.0


def stop_job(context: ConsoleContext, kind: str, name: str) -> None:
    """The gated stop call for one kind (runs in a worker thread)."""
    jobs = context.jobs
    if kind == "training":
        jobs.stop_training_job(name)
    elif kind == "processing":
        jobs.stop_processing_job(name)
    elif kind == "tuning":
        jobs.stop_tuning_job(name)
    elif kind == "xform":
        context.transform.stop_transform_job(name)
    else:
        raise SmError(f"unknown job type {kind!r}")


def updated_line(polled: datetime, pushed: datetime | None) -> str:
    """When the rows last changed: the listing's time, or, when a pushed change (an
    event) was applied after it, the event's time and the listing's (events keep the
    rows current while the poll slows to its safety net: "updated" at the last poll
    read as minutes stale while the rows moved)."""
    if pushed is None or pushed <= polled:
        return f"updated {polled.astimezone():%H:%M:%S}"
    return f"updated {pushed.astimezone():%H:%M:%S} (event) · polled {polled.astimezone():%H:%M:%S}"


class JobPreview(Static):
    """Summary of the highlighted job, shown on wide screens only."""

    def show_job(
        self, job: JobSummary | None, palette: StatusPalette, extras: JobExtras | None = None
    ) -> None:
        if job is None:
            self.update(Content("no job selected"))
            return
        usage = extras.usage if extras else None
        hourly = extras.usd_per_hour if extras else None
        cost = cost_cell(extras)
        if hourly is not None:
            cost = f"{cost} (${hourly:,.2f}/h)"
        elif extras is not None and extras.cost_note:
            cost = f"{cost} ({extras.cost_note})"
        self.update(
            grid(
                [
                    ("Type", job.kind),
                    ("Name", job.name),
                    ("Status", palette.text(job.status)),
                    ("Secondary", job.secondary_status),
                    ("Created", format_timestamp(job.created)),
                    ("Modified", format_timestamp(job.modified)),
                    ("Ended", format_timestamp(job.ended)),
                    ("Duration", format_duration(elapsed_seconds(job.created, job.ended))),
                    ("Util", usage_cell(usage, compact=False)),
                    ("Cost", cost),
                    ("Reason", reason_headline(extras.failure_reason, 400) if extras else ""),
                    ("ARN", job.arn),
                    ("", Text("enter: describe   l: logs   ctrl+n: new   ctrl+k: stop")),
                ]
            )
        )


class JobsView(Vertical):
    """Everything on the Jobs tab."""

    BINDINGS = [
        Binding("slash", "filter", "Filter", id="jobs.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="jobs.clear_filter"),
        Binding("s", "sort", "Sort", id="jobs.sort"),
        Binding("S", "sort_reverse", "Reverse sort", show=False, id="jobs.sort_reverse"),
        Binding("l", "logs", "Logs", id="jobs.logs"),
        Binding("ctrl+k", "stop", "Stop job", id="jobs.stop"),
        Binding("ctrl+n", "new_training", "New job", id="jobs.new_training"),
        Binding("r", "refresh", "Refresh", id="jobs.refresh"),
    ]

    def __init__(self, poll: PollIntervals, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._poll = poll
        self._feed: JobsFeed | None = None
        self.snapshot: JobsSnapshot | None = None
        self.training_draft: TrainingDraft | None = None
        # Extras (utilisation, cost, reasons): one refresh at a time, again if asked meanwhile.
        self._extras_feed: JobExtrasFeed | None = None
        self.extras: JobExtrasSnapshot | None = None
        self._extras_running = False
        self._extras_again: bool | None = None  # None: nothing waiting; else its `live`
        # Jobs created from the form, shown before a listing has them: key -> (row, since).
        self._created: dict[str, tuple[JobSummary, float]] = {}
        # When a pushed change (an event) last changed a row, for the info line.
        self._event_at: datetime | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="jobs-main"):
            yield JobsTable(id="jobs-table")
            yield JobPreview(id="jobs-preview")
        bar = FilterBar(id="jobs-filter")
        bar.display = False
        yield bar
        yield Poller[JobsSnapshot](
            "jobs",
            self._fetch,
            transitional=lambda snapshot: snapshot.transitional,
            schedule=schedule_for(self._poll, "jobs"),
            id="jobs-poller",
        )
        reason = Static(Content(""), id="jobs-reason", classes="failure")
        reason.display = False
        yield reason
        yield Static(Content("loading jobs…"), id="jobs-info")

    @property
    def table(self) -> JobsTable:
        return self.query_one(JobsTable)

    @property
    def poller(self) -> Poller[JobsSnapshot]:
        return self.query_one("#jobs-poller", Poller)

    def on_mount(self) -> None:
        self._feed = JobsFeed(console_host(self).context)
        self._extras_feed = JobExtrasFeed(console_host(self).context)
        # The start-up helper's listing, if it is already here: rows in the first frame.
        prefetched = self._feed.take_prefetched()
        if prefetched is not None:
            self.poller.adopt(prefetched)
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self._apply_palette()
        if being_removed(self):  # the app quits while hidden views mount: no table
            return
        # Pushed changes (issue 18): one describe of the job, its row replaced in place.
        follow_changes(self, JOB_KINDS, job_row, self.table, self.poller, applied=self._row_pushed)

    def _row_pushed(self) -> None:
        """A pushed change replaced a row: its extras too (a job that just failed has a
        reason to show, one that just started a Util cell). The listing that would read
        them waits for the events' safety net (minutes) while events flow."""
        # When an event last changed a row (a repeated event changes none: its time stays).
        self._event_at = self.table.pushed_at
        self._show_info()
        self._refresh_extras()
        generation = console_host(self).generation
        self.post_message(RowsPushed("jobs", generation, self.table.total_count))

    def go_to(self, target: Any) -> None:
        """A jump from another tab (see :mod:`screens.kit.navigation`): the job's row
        highlighted when it is listed (back lands on it), its detail over the tab."""
        if not isinstance(target, JobTarget):
            return
        key = f"{target.kind}:{target.name}"  # as jobs.table.job_key
        with contextlib.suppress(KeyError):  # not listed, or hidden by the filter
            self.table.move_cursor(row=self.table.get_row_index(key))
        self.app.push_screen(JobDetailScreen(target.kind, target.name))

    def focus_main(self) -> None:
        focus_now(self.table)

    # --- polling -----------------------------------------------------------------------
    def _fetch(self, context: ConsoleContext) -> JobsSnapshot:
        """Runs in the poller's thread, reading (never replacing) the view's feed.

        The feed keeps the incremental listers of one context and is swapped on the UI
        thread by :meth:`reset`; a poll that raced a switch lists its own context in
        full and its result is dropped as stale anyway.
        """
        feed = self._feed
        if feed is None or feed.context is not context:
            feed = JobsFeed(context)
        # A long first listing streams in: the newest page at once, the rest keyed in.
        stream = PartialListing.for_current_poll()
        if stream is None:
            return feed.fetch()
        return feed.fetch(lambda progress: stream(progress.known, progress.snapshot))

    @on(Listed)
    def _jobs_listed(self, message: Listed[JobsSnapshot]) -> None:
        # Not stopped: the screen above uses it for tab counts and the Status tab.
        if message.generation != console_host(self).generation:
            return
        self.snapshot = message.snapshot
        self.table.sync(self._with_created(message.snapshot.items))
        self._show_info()
        self._show_preview()
        self._refresh_extras()

    def _with_created(self, items: tuple[JobSummary, ...]) -> tuple[JobSummary, ...]:
        """The listing plus the jobs created here that it does not hold yet."""
        if not self._created:
            return items
        listed = {job_key(job) for job in items}
        now = time.monotonic()
        self._created = {
            key: (job, since)
            for key, (job, since) in self._created.items()
            if key not in listed and now - since < PENDING_SECONDS
        }
        return items + tuple(job for job, _ in self._created.values())

    # --- extras: utilisation, cost, failure reasons ----------------------------------------
    def _refresh_extras(self, *, live: bool = False) -> None:
        """Read the extras for the rows now held (a worker; one at a time)."""
        if self._extras_running:
            self._extras_again = live or bool(self._extras_again)
            return
        items = tuple(self.table.jobs.values())
        if not items:
            return
        self._extras_running = True

        def call(context: ConsoleContext) -> JobExtrasSnapshot:
            feed = self._extras_feed
            if feed is None or feed.context is not context:
                feed = JobExtrasFeed(context)
            return feed.refresh(items, live=live)

        run_for_context(
            self,
            call,
            done=self._extras_read,
            failed=self._extras_failed,
            name="jobs extras",
            exclusive=False,
        )

    def _extras_read(self, snapshot: JobExtrasSnapshot) -> None:
        self.extras = snapshot
        self.table.set_extras(snapshot.extras)
        self._extras_done()
        self._show_info()
        self._show_preview()

    def _extras_failed(self, error: SmError) -> None:
        # The columns keep what they showed; the listing itself reports its own failures.
        self._extras_done()

    def _extras_done(self) -> None:
        self._extras_running = False
        again, self._extras_again = self._extras_again, None
        if again is not None:
            self._refresh_extras(live=again)

    def reset(self) -> None:
        """Context switched: forget rows and listers, poll the new context from scratch."""
        self._feed = JobsFeed(console_host(self).context)
        self._extras_feed = JobExtrasFeed(console_host(self).context)
        self.extras = None
        self._created = {}
        self._event_at = None
        self.table.set_extras({})
        self.snapshot = None
        self.table.sync(())
        self.poller.reset()
        self._show_info()

    def action_refresh(self) -> None:
        if self._feed is not None:
            self._feed.retry_unsupported()
        self.poller.refresh_now()
        self._refresh_extras(live=True)
        notify(self, "refreshing jobs…", timeout=2)

    # --- filter and sort -----------------------------------------------------------------
    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    def action_clear_filter(self) -> None:
        clear_applied_filter(self.query_one(FilterBar), self.table)
        self._show_info()
        notify(self, "filter cleared", timeout=2)

    @on(FilterBar.Edited)
    def _filter_edited(self, message: FilterBar.Edited) -> None:
        parsed = RowFilter.parse(message.text, COLUMN_KEYS)
        bar = self.query_one(FilterBar)
        bar.set_invalid(parsed.error is not None)
        if parsed.error is None:
            self.table.set_filter(parsed)
            self._show_info()

    @on(FilterBar.Closed)
    def _filter_closed(self, message: FilterBar.Closed) -> None:
        parsed = RowFilter.parse(message.text, COLUMN_KEYS)
        bar = self.query_one(FilterBar)
        if parsed.error is not None:
            notify(self, parsed.error, severity="error", title="filter not applied")
            bar.set_invalid(False)
            bar.value = self.table.row_filter.text
        else:
            self.table.set_filter(parsed)
        bar.display = False
        focus_now(self.table)
        self._show_info()

    def action_sort(self) -> None:
        self.table.set_sort(self.table.ordering.cycled())
        self._show_info()

    def action_sort_reverse(self) -> None:
        self.table.set_sort(self.table.ordering.flipped())
        self._show_info()

    # --- describe --------------------------------------------------------------------------
    @on(KeyedTable.RowSelected, "#jobs-table")
    def _row_selected(self, event: KeyedTable.RowSelected) -> None:
        event.stop()
        job = self.table.jobs.get(event.key)
        if job is not None:
            self.app.push_screen(JobDetailScreen(job.kind, job.name))

    @on(KeyedTable.RowHighlighted, "#jobs-table")
    def _row_highlighted(self, event: KeyedTable.RowHighlighted) -> None:
        event.stop()
        self._show_preview()
        self._show_reason()

    # --- logs -------------------------------------------------------------------------------
    def action_logs(self) -> None:
        """Open the highlighted job's live logs (every host merged by time)."""
        job = self.table.cursor_job()
        if job is None:
            notify(self, "no job selected", severity="warning")
            return
        open_job_logs(self, job.kind, job.name, job.status, self._poll)

    # --- create ---------------------------------------------------------------------------
    def action_new_training(self) -> None:
        """Open the create-training-job form (with the draft a cancel left, if any).

        In read-only mode the key is refused and the form does not open: it can only end
        in a create (README, Safety).
        """
        from screens.jobs.training_form import TrainingDraft, TrainingForm

        if refused_read_only(self, "training-create", "(new job)"):
            return
        config = console_host(self).context.config
        if self.training_draft is None:
            self.training_draft = TrainingDraft.from_config(config)
        form = TrainingForm(self.training_draft, default_role=config.execution_role_arn)
        self.app.push_screen(form, self._training_created)

    def _training_created(self, name: str | None) -> None:
        """Show the new job at once (before the next poll lists it) and highlight it; a
        filter that hides it is named rather than silently cleared."""
        if name is None:
            return
        self.training_draft = None  # the next form starts afresh
        now = datetime.now(UTC)
        job = JobSummary(
            kind="training",
            name=name,
            status="InProgress",
            arn="",
            created=now,
            modified=now,
            ended=None,
            secondary_status="Starting",
        )
        key = job_key(job)
        if key not in self.table.jobs:
            self._created[key] = (job, time.monotonic())
            self.table.upsert(job)
        if key in self.table.shown_keys():
            self.table.move_cursor(row=self.table.get_row_index(key))
            notify(self, f"training job {name} created", title="created", timeout=5)
        else:
            notify(
                self,
                f"training job {name} created; the filter "
                f"{self.table.row_filter.describe()!r} hides it (esc clears the filter)",
                title="created",
                severity="warning",
                timeout=8,
            )
        self._show_info()
        self.poller.refresh_now()

    # --- stop -------------------------------------------------------------------------------
    def action_stop(self) -> None:
        job = self.table.cursor_job()
        if job is None:
            notify(self, "no job selected", severity="warning")
            return
        if refused_read_only(self, f"{job.kind}-stop", job.name):  # before asking, as the CLI
            return
        if job.status not in STOPPABLE:
            notify(
                self,
                f"{job.kind} job {job.name} is {job.status}: only running jobs can be stopped",
                severity="warning",
            )
            return
        dialog = ConfirmDialog(
            f"Stop {job.kind} job?",
            f"{job.name} is {job.status}. Stopping ends it; the work done so far is kept "
            "only if the job saves checkpoints.",
            change=(f"{job.kind}-stop", job.name),
            confirm_label="Stop job",
        )
        self.app.push_screen(dialog, partial(self._stop_confirmed, job.kind, job.name))

    def _stop_confirmed(self, kind: str, name: str, confirmed: bool | None) -> None:
        if not confirmed:
            notify(self, f"stop {name}: cancelled", timeout=3)
            return
        context = console_host(self).context

        def work() -> None:
            try:
                stop_job(context, kind, name)
            except Exception as exc:
                self.post_message(JobStopFinished(kind, name, translate(exc)))
            else:
                self.post_message(JobStopFinished(kind, name))

        self.run_worker(
            work, name=f"stop {name}", group="jobs-stop", thread=True, exit_on_error=False
        )

    @on(JobStopFinished)
    def _stop_finished(self, message: JobStopFinished) -> None:
        message.stop()
        if message.error is not None:
            notify(self, message.error.one_line(), severity="error", title=f"stop {message.name}")
            return
        notify(self, f"stopping {message.kind} job {message.name}", title="stop requested")
        self.poller.refresh_now()

    # --- presentation ---------------------------------------------------------------------
    def on_resize(self) -> None:
        wide = self.size.width >= WIDE_WIDTH
        became_wide = wide and not self.has_class("-wide")
        self.set_class(wide, "-wide")
        if became_wide:  # the preview was not kept while hidden: it was blank until a key
            self.call_after_refresh(self._show_preview)
        # The table's columns follow the width: the cost note only where Cost is shown.
        self.call_after_refresh(self._show_info)

    def _theme_changed(self, _theme: Theme) -> None:
        self._apply_palette()

    def _apply_palette(self) -> None:
        self.table.set_palette(StatusPalette.from_variables(self.app.get_css_variables()))
        self._show_preview()

    def _show_preview(self) -> None:
        if self.has_class("-wide"):
            job = self.table.cursor_job()
            extras = self.table.extras.get(job_key(job)) if job is not None else None
            self.query_one(JobPreview).show_job(job, self.table.palette, extras)

    def _show_info(self) -> None:
        table = self.table
        parts = [f"{table.shown_count}/{table.total_count} jobs"]
        if table.row_filter.active:
            parts.append(f"filter: {table.row_filter.describe()}")
        parts.append(f"sort: {table.ordering.describe()}")
        snapshot = self.snapshot
        if snapshot is not None and not snapshot.complete:
            parts.append("listing the rest…")
        elif snapshot is not None:
            parts.append(updated_line(snapshot.fetched_at, self._event_at))
            if snapshot.unsupported:
                parts.append(f"not listed here: {', '.join(snapshot.unsupported)}")
        extras = self.extras
        if extras is not None and extras.prices_note and "cost" in table.columns:
            parts.append(f"cost ?: {extras.prices_note}")
        self.query_one("#jobs-info", Static).update(Content(" · ".join(parts)))
        self._show_reason()

    def _show_reason(self) -> None:
        """The highlighted job's failure reason, or what is wrong with its hosts (idle GPU,
        straggler, full disk), on its own line: at 80 columns the Reason column is not
        shown and the Util cell has room for a ``!`` only."""
        job = self.table.cursor_job()
        extras = self.table.extras.get(job_key(job)) if job is not None else None
        text = ""
        if job is not None and extras is not None:
            if extras.failure_reason:
                text = f"{job.name}: {reason_headline(extras.failure_reason, 500)}"
            elif extras.usage is not None and extras.usage.flags:
                text = "; ".join(f"{f.host}: {f.detail}" for f in extras.usage.flags)
        line = self.query_one("#jobs-reason", Static)
        line.display = bool(text)
        if text:
            line.update(Content(text))
