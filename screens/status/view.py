"""The Status tab: who we are, where, how many jobs in which state, what the account
spends, and the API budget.

Nothing here lists resources again for the counts: job counts come from the Jobs
poller's last snapshot (handed over by the main screen), the identity from the one STS
call the main screen makes per context, and the budget from the session factory's
in-memory counters, which cost no API call, re-read every few seconds while the tab is
shown. The Cost section is the exception (it describes what runs to price it): read in a
worker when the tab is first shown, again on `r`, and at most once a minute while shown.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from console.aws.metrics import BudgetSnapshot
from console.errors import SmError
from console.services.cost_overview import CostOverview, CostOverviewService
from console.services.identity import CallerIdentity
from console.services.jobs_feed import KINDS, JobsSnapshot
from screens.kit.formatting import MISSING, StatusPalette
from screens.kit.host import console_host
from screens.kit.job_sections import grid
from screens.kit.key_order import focus_now
from screens.kit.work import run_for_context

BUDGET_REFRESH_SECONDS = 3.0
# The Cost section is read again on showing the tab when older than this.
COST_REFRESH_SECONDS = 60.0
STATE_ORDER = ("InProgress", "Stopping", "Completed", "Failed", "Stopped", "Deleting")


def counts_table(counts: dict[str, Counter[str]], palette: StatusPalette) -> Table:
    """States down (known states first), kinds across, with totals both ways.

    States down, not across: the kinds are three, the states up to six, and six state
    columns do not fit 80 cells.
    """
    seen = {state for counter in counts.values() for state in counter}
    states = [s for s in STATE_ORDER if s in seen] + sorted(seen - set(STATE_ORDER))
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    table.add_column("State")
    for kind in KINDS:
        table.add_column(kind, justify="right")
    table.add_column("Total", justify="right")
    for state in states:
        row = [counts.get(kind, Counter()).get(state, 0) for kind in KINDS]
        table.add_row(palette.text(state), *map(str, row), str(sum(row)))
    totals = [sum(counts.get(kind, Counter()).values()) for kind in KINDS]
    table.add_row(Text("Total", style="bold"), *map(str, totals), str(sum(totals)))
    return table


def resource_counts_table(
    counts: dict[str, tuple[Counter[str], datetime]], palette: StatusPalette
) -> Table:
    """One row per resource: its states with counts ("InService 3  Failed 1"), total, age."""
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    for header in ("Resource", "States", "Total", "As of"):
        table.add_column(header, justify="right" if header == "Total" else "left")
    for resource, (counter, fetched_at) in counts.items():
        states = Text()
        for state, count in sorted(counter.items(), key=lambda item: (-item[1], item[0])):
            if states:
                states.append("  ")
            states.append_text(palette.text(state))
            states.append(f" {count}")
        table.add_row(
            Text(resource),
            states or Text("none"),
            str(sum(counter.values())),
            Text(f"{fetched_at.astimezone():%H:%M:%S}"),
        )
    return table


def budget_table(budget: BudgetSnapshot) -> Table:
    table = Table(box=None, padding=(0, 2), show_edge=False, header_style="bold")
    for header in ("Service", "Calls/min", "Total", "Throttled", "Errors"):
        table.add_column(header, justify="left" if header == "Service" else "right")
    for row in budget.services:
        table.add_row(
            Text(row.service),
            str(row.calls_last_minute),
            str(row.calls_total),
            str(row.throttles_total),
            str(row.errors_total),
        )
    if not budget.services:
        table.add_row("(no calls yet)", "", "", "", "")
    return table


def usd(value: float | None, *, hourly: bool = False) -> str:
    """``$1,234.56`` (``/h`` when hourly); ``?`` when the price is unknown."""
    if value is None:
        return "?"
    text = f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:.3f}"
    return f"{text}/h" if hourly else text


def cost_view(overview: CostOverview) -> Table:
    """Spend now by kind, today's accrued, the most expensive, what idles, what is free."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    unpriced = f" (+{overview.unpriced} without a price)" if overview.unpriced else ""
    kinds = ", ".join(
        f"{count} {kind} {usd(per_hour, hourly=True)}" for kind, per_hour, count in overview.by_kind
    )
    now = f"{usd(overview.per_hour, hourly=True)}{unpriced}"
    table.add_row("Spend now", Text(f"{now} · {kinds}" if kinds else "nothing billable runs"))
    table.add_row("Today", Text(f"{usd(overview.today)} since 00:00 UTC (what runs now)"))
    if overview.top:
        top = Text()
        for row in overview.top:
            if top:
                top.append("\n")
            count = f" x{row.instance_count}" if row.instance_count > 1 else ""
            top.append(f"{usd(row.usd_per_hour, hourly=True)}  {row.kind} {row.name}")
            top.append(f"  {row.instance_type}{count}", style="dim")
        table.add_row("Most expensive", top)
    idle = Text()
    for resource in overview.idle:
        if idle:
            idle.append("\n")
        idle.append(f"{resource.kind} {resource.name} {usd(resource.usd_per_hour, hourly=True)}")
        idle.append(f"  {resource.why}", style="dim")
    if overview.idle_note:
        idle.append(("\n" if idle else "") + overview.idle_note)
    table.add_row("Idle", idle or Text("none found"))
    if overview.unused_configs:
        table.add_row(
            "Free",
            Text(
                f"{overview.unused_configs} endpoint configs without an endpoint: they cost "
                "nothing (only endpoints are billed)"
            ),
        )
    if overview.prices_note:
        table.add_row("Prices", Text(f"? = unknown: {overview.prices_note}"))
    return table


class StatusView(VerticalScroll):
    """Everything on the Status tab."""

    BINDINGS = [Binding("r", "refresh", "Refresh", id="status.refresh")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._identity: CallerIdentity | None = None
        self._identity_error: SmError | None = None
        self._region = ""
        self._credentials = ""
        self._health: dict[str, str | None] = {}
        self._counts: dict[str, tuple[Counter[str], datetime]] = {}
        self._timer: Timer | None = None
        self._cost_read_at: float | None = None  # monotonic; None: not read (or reset)

    def compose(self) -> ComposeResult:
        yield Static(Content("Identity"), classes="section-title")
        yield Static(Content("looking up caller identity…"), id="status-identity")
        yield Static(Content("Cost (running resources, on-demand prices)"), classes="section-title")
        yield Static(Content("not read yet (shown on this tab)"), id="status-cost")
        yield Static(Content("Jobs by state"), classes="section-title")
        yield Static(Content("no jobs listed yet (open the Jobs tab)"), id="status-jobs")
        yield Static(Content("Other resources by state"), classes="section-title")
        yield Static(Content("not listed yet"), id="status-resources")
        yield Static(Content("API budget (this console)"), classes="section-title")
        yield Static(id="status-budget")
        yield Static(Content(""), id="status-health")

    def on_mount(self) -> None:
        self._timer = self.set_interval(BUDGET_REFRESH_SECONDS, self.show_budget, pause=True)
        self.show_identity()
        self.show_budget()
        snapshot = console_host(self).jobs_snapshot
        if snapshot is not None:
            self.show_jobs(snapshot)

    def focus_main(self) -> None:
        focus_now(self)

    def set_shown(self, shown: bool) -> None:
        """Re-read the budget only while the tab is visible."""
        if self._timer is None:
            return
        if shown:
            self.show_budget()
            self._timer.resume()
            read_at = self._cost_read_at
            if read_at is None or time.monotonic() - read_at > COST_REFRESH_SECONDS:
                self.read_cost()
        else:
            self._timer.pause()

    def action_refresh(self) -> None:
        self.show_budget()
        self.read_cost()
        snapshot = console_host(self).jobs_snapshot
        if snapshot is not None:
            self.show_jobs(snapshot)

    # --- inputs from the main screen ---------------------------------------------------------
    def set_identity(
        self,
        identity: CallerIdentity | None,
        region: str,
        error: SmError | None,
        credentials: str = "",
    ) -> None:
        self._identity, self._region, self._identity_error = identity, region, error
        self._credentials = credentials
        if self.is_mounted:
            self.show_identity()

    def set_health(self, resource: str, problem: str | None) -> None:
        self._health[resource] = problem
        if self.is_mounted:
            self.show_budget()

    def show_counts(self, resource: str, counts: Counter[str], fetched_at: datetime) -> None:
        """A tab's poll listed ``resource``: show its counts per state (no API call here)."""
        self._counts[resource] = (counts, fetched_at)
        if self.is_mounted:
            self.show_resources()

    def forget_counts(self) -> None:
        """Context switched: the old account's counts must not linger."""
        self._counts.clear()
        self._cost_read_at = None
        if self.is_mounted:
            self.query_one("#status-resources", Static).update(Content("not listed yet"))
            self.query_one("#status-cost", Static).update(Content("not read yet"))

    # --- cost ---------------------------------------------------------------------------------
    def read_cost(self) -> None:
        """Price what runs now (a worker: one listing per kind and a describe each)."""
        first = self._cost_read_at is None
        self._cost_read_at = time.monotonic()
        cost = self.query_one("#status-cost", Static)
        if first:
            cost.update(Content("reading what runs and its prices…"))
        run_for_context(
            self,
            lambda context: CostOverviewService(context.cost, context.cloudwatch).overview(),
            done=self.show_cost,
            failed=lambda error: cost.update(Content(f"cost not read: {error.one_line()}")),
            name="status-cost",
        )

    def show_cost(self, overview: CostOverview) -> None:
        table = cost_view(overview)
        table.caption = Text(f"as of {overview.fetched_at.astimezone():%H:%M:%S} · r: read again")
        self.query_one("#status-cost", Static).update(table)

    # --- rendering ----------------------------------------------------------------------------
    def show_resources(self) -> None:
        palette = StatusPalette.from_variables(self.app.get_css_variables())
        ordered = dict(sorted(self._counts.items()))
        self.query_one("#status-resources", Static).update(resource_counts_table(ordered, palette))

    def show_identity(self) -> None:
        context = console_host(self).context
        config = context.config
        identity = self._identity
        rows: list[tuple[str, str | Text]] = [
            ("Account", identity.account if identity else MISSING),
            ("Caller", identity.arn if identity else MISSING),
            ("Profile", config.profile or "default"),
            ("Credentials", self._credentials or MISSING),
            ("Region", self._region or config.region or MISSING),
            ("Endpoint", config.endpoint_url or "AWS (default endpoints)"),
            ("Read-only", "yes" if config.read_only else "no"),
            ("Audit log", str(config.audit_path())),
            ("Defaults", self._terraform_line()),
        ]
        if self._identity_error is not None:
            rows.insert(0, ("Error", Text(self._identity_error.one_line())))
        self.query_one("#status-identity", Static).update(grid(rows))

    def _terraform_line(self) -> str:
        terraform = console_host(self).context.terraform
        if terraform is None or not terraform.wanted:
            return "config only (no Terraform stack set: terraform_stack)"
        return terraform.describe()

    def show_jobs(self, snapshot: JobsSnapshot) -> None:
        palette = StatusPalette.from_variables(self.app.get_css_variables())
        table = counts_table(snapshot.counts(), palette)
        stamp = snapshot.fetched_at.astimezone()
        caption = f"as of {stamp:%H:%M:%S}, from the Jobs tab's last poll"
        if snapshot.unsupported:
            caption += f"; not listed by this endpoint: {', '.join(snapshot.unsupported)}"
        table.caption = Text(caption)
        self.query_one("#status-jobs", Static).update(table)

    def show_budget(self) -> None:
        budget = console_host(self).context.sessions.metrics.snapshot()
        table = budget_table(budget)
        if budget.last_error:
            when = ""
            if budget.last_error_at is not None:
                ago = max(0, int(time.time() - budget.last_error_at))
                when = f" ({ago} s ago, {datetime.fromtimestamp(budget.last_error_at):%H:%M:%S})"
            table.caption = Text(f"last error: {budget.last_error}{when}")
        self.query_one("#status-budget", Static).update(table)
        problems = [f"{name}: {problem}" for name, problem in self._health.items() if problem]
        health = "polling healthy" if not problems else "degraded — " + "; ".join(problems)
        self.query_one("#status-health", Static).update(Content(health))
        self.query_one("#status-health", Static).set_class(bool(problems), "-degraded")
