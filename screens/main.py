"""The main screen: header, the tabs of :mod:`screens.tabs`, footer; who is shown/polling when.

It owns visibility: a poller runs only while its tab is the active one and no other
screen (dialog, describe, palette, help) covers this one. It also routes what views
report upwards (job snapshots, poll health, identity) to the header and the Status tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.css.query import NoMatches
from textual.events import ScreenResume, ScreenSuspend
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import AwaitMount, Widget
from textual.widgets import TabbedContent, TabPane, Tabs

from console.errors import SmError
from screens import tabs
from screens.kit.footer import ConsoleFooter
from screens.kit.header import ContextBar
from screens.kit.host import console_host
from screens.kit.keyed_table import KeyedTable
from screens.kit.messages import Listed, PollHealthChanged, RowsPushed, ViewsMounted
from screens.kit.navigation import GoTo
from screens.kit.palette import PaletteCommand, Resource, row_name
from screens.kit.plain import notify, plain
from screens.kit.poller import Poller
from screens.kit.work import run_for_context
from screens.status.view import StatusView
from screens.tabs import TabSpec, build_view

if TYPE_CHECKING:
    from console.config import Config
    from console.context import ConsoleContext
    from console.services.identity import CallerIdentity

# Tabs marked ``eager`` in the registry are composed with the screen. The other tabs' views
# (and their modules) come just after the first jobs are drawn, or when their tab is first
# shown: ~0.3 s less before first data.
PRIME_HIDDEN_AFTER = 1.0  # seconds after mount
IDENTITY_AFTER = 1.0  # seconds after mount, at the latest
AFTER_FIRST_DATA = 0.05  # seconds after the first jobs were drawn
# Places remembered for Back (q/escape) after jumps; the screens of the newest few only
# (a stashed screen stays mounted: its memory, and its timers, are kept).
TAB_HISTORY_MAX = 50
STASHED_SCREENS_MAX = 5
IDENTITY_RETRY_MAX = 60.0  # seconds between caller-identity retries, at most


@dataclass
class BackEntry:
    """A place Back returns to: a tab, and the screens that were over it (a jump from a
    job's detail to its model package leaves the detail; Back shows it again)."""

    tab: str
    screens: tuple[Screen[Any], ...] = ()


def _stash_name(screen: Screen[Any]) -> str:
    return f"back-stack-{id(screen)}"


class ConsoleTabs(TabbedContent):
    """The tab set; only :meth:`MainScreen.show_tab` (keys, palette, jumps) switches tabs.

    Textual's ``TabbedContent`` also switches to the pane of a programmatically focused
    widget. A focus queued for a tab the operator has already left then pulled them back,
    and two such focuses switched tabs back and forth forever (seen with keys typed
    quickly after start: every switch re-focused, re-rendered the footer, at 100% CPU).
    """

    def _on_tab_pane_focused(self, event: TabPane.Focused) -> None:
        event.stop()
        event.prevent_default()  # Textual runs the base class's handler too, unless this


class MainScreen(Screen[None]):
    """The console's base screen."""

    # Focus lands on the jobs table at once (not on the tabs first, then the table): each
    # focus change rebuilds the footer, ~0.1 s of start-up.
    AUTO_FOCUS = "#jobs-table"

    BINDINGS = [
        # Replaces Screen's ctrl+c (copy selection): on the main screen ctrl+c quits.
        Binding("ctrl+c", "app.quit", "Quit", show=False, id="app.quit_ctrl_c"),
        # Back to the tab a jump left (number key, palette, GoTo); never quits.
        Binding("escape", "back", "Back", show=False, id="main.back"),
    ]

    def __init__(self, config: Config, *, demo_label: str | None = None) -> None:
        super().__init__()
        self._config = config
        self._demo_label = demo_label
        self._covered = False
        self._identity_failures = 0
        self._identity_retry: Timer | None = None
        self._identity_timer: Timer | None = None
        self._views_mounted = False
        self._views_settled = False
        self._after_first_data = False
        self._focus_when_mounted = False
        self._prime_when_mounted = False
        self._mounting: list[AwaitMount] = []
        # The places jumps left, newest last: ``q``/``escape`` go back along it.
        self.back_stack: list[BackEntry] = []
        # Each tab's count as its title shows it ("42", "1000+"); None: no count.
        self._tab_counts: dict[str, str | None] = {}

    def compose(self) -> ComposeResult:
        yield ContextBar(self._config, demo_label=self._demo_label)
        with ConsoleTabs(initial="jobs", id="tabs"):
            for spec in tabs.TABS:
                with TabPane(spec.title, id=spec.id):
                    if spec.eager:
                        yield self._view(spec)
        yield ConsoleFooter()

    def _view(self, spec: TabSpec) -> Widget:
        """The content of one tab (ids ``<tab>-view``: the screen finds them by id).

        Modules of the tabs that are not composed at start are imported here, on demand.
        """
        view: Widget = build_view(spec, self._config)
        return view

    def views(self, *wanted: str) -> list[Widget]:
        """The mounted views of the ``wanted`` tabs (all tabs if none given), in tab order."""
        return [
            view
            for spec in tabs.TABS
            if not wanted or spec.id in wanted
            for view in self.query(f"#{spec.view_id}")
        ]

    def mount_views(self) -> None:
        """Mount every tab's view not mounted yet (idempotent); then visibility, focus
        and priming catch up with them."""
        if self._views_mounted:
            return
        self._views_mounted = True
        self._mounting = [
            pane.mount(self._view(spec))
            for spec in tabs.TABS
            if not (pane := self.query_one(f"#{spec.id}", TabPane)).children
        ]

        async def settled() -> None:
            await self._mounts_done()
            self._views_settled = True
            self.post_message(ViewsMounted())
            self._update_visibility()
            if self._focus_when_mounted:
                self._focus_when_mounted = False
                self._focus_tab(self.active_tab)
            if self._prime_when_mounted:
                self._prime_when_mounted = False
                self.prime_hidden_tabs()

        self.call_later(settled)

    async def mounted_view(self, tab: str) -> Widget:
        """The view of ``tab``, mounted first if it was not yet (for jumps from other
        screens, which may come before the hidden tabs' views were mounted)."""
        self.mount_views()
        await self._mounts_done()
        return self.query_one(f"#{tab}-view")

    async def _mounts_done(self) -> None:
        for mounting in self._mounting:
            await mounting

    def on_mount(self) -> None:
        # Who am I (STS) waits for the first jobs to be drawn, or IDENTITY_AFTER: its
        # client would otherwise compete with the first listing for the one Python thread.
        self._identity_timer = self.set_timer(IDENTITY_AFTER, self._first_identity)
        self._update_visibility()
        # The tab strip is no focus stop: number keys, the palette and jumps switch tabs,
        # and a `tab` that landed there left the tab's own keys (a, x, l…) silently dead.
        self.query_one(ConsoleTabs).query_one(Tabs).can_focus = False
        for view in self.views("jobs"):
            view.focus_main()  # type: ignore[attr-defined]
        # Hidden tabs poll once, after the shown tab had its head start, so every tab
        # title carries its count (and Status its totals) without visiting each tab.
        self.set_timer(PRIME_HIDDEN_AFTER, self.prime_hidden_tabs)

    def prime_hidden_tabs(self) -> None:
        if not self._views_settled:  # not mounted, or still mounting: once they are
            self._prime_when_mounted = True
            self.mount_views()
            return
        for poller in self.query(Poller):
            poller.prime()

    # --- visibility -------------------------------------------------------------------------
    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def show_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        try:
            tabs.get_tab(tab)
        except NoMatches:  # a key typed before the tab bar was mounted: once it is
            self.call_after_refresh(self.show_tab, tab)
            return
        self.mount_views()  # idempotent; the tab's focus waits for its view (_focus_tab)
        covering = self._stash_covering()
        if tabs.active and (tabs.active != tab or covering):
            self._remember(BackEntry(tabs.active, covering))
        elif covering:  # no tab to come back to (before the tab bar had one): let them go
            self._release(covering)
        if tabs.active != tab:
            tabs.active = tab
        else:
            self._focus_tab(tab)

    @property
    def tab_history(self) -> list[str]:
        """The tabs Back goes to, oldest first."""
        return [entry.tab for entry in self.back_stack]

    def _stash_covering(self) -> tuple[Screen[Any], ...]:
        """Take the screens over this one off the stack, kept (installed) for Back: a jump
        from a detail (a link, the palette) leaves it, and Back brings it again."""
        app = self.app
        covering = tuple(app.screen_stack[1:])
        kept = tuple(screen for screen in covering if getattr(screen, "KEPT_FOR_BACK", True))
        for screen in reversed(covering):
            if screen in kept:
                app.install_screen(screen, name=_stash_name(screen))
            app.pop_screen()  # one not kept is removed (a log stops its feed)
        return kept

    def _remember(self, entry: BackEntry) -> None:
        self.back_stack.append(entry)
        for dropped in self.back_stack[:-TAB_HISTORY_MAX]:
            self._release(dropped.screens)
        del self.back_stack[:-TAB_HISTORY_MAX]
        # Beyond the newest few with screens, entries keep their tab only (the screens are
        # released: removed from the DOM).
        holding = [entry for entry in self.back_stack if entry.screens]
        for old in holding[: max(0, len(holding) - STASHED_SCREENS_MAX)]:
            self._release(old.screens)
            old.screens = ()

    def _release(self, screens: tuple[Screen[Any], ...]) -> None:
        for screen in screens:
            self.app.uninstall_screen(screen)
            self.app.call_later(screen.remove)

    def go_back(self) -> bool:
        """Show the place the last jump left (its tab, and the screens that were over
        it); False when no jump is left to undo."""
        if not self.back_stack:
            return False
        entry = self.back_stack.pop()
        tabs = self.query_one(TabbedContent)
        if tabs.active != entry.tab:
            tabs.active = entry.tab
        for screen in entry.screens:
            self.app.uninstall_screen(screen)
            self.app.push_screen(screen)
        return True

    def action_back(self) -> None:
        if not self.go_back():
            raise SkipAction()  # nothing to go back to: escape means nothing here

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._update_visibility()
        if event.pane.id:
            self._focus_tab(event.pane.id)

    def _focus_tab(self, tab: str) -> None:
        for view in self.views(tab):
            if not view.is_mounted:  # focused once mounted (see mount_views)
                self._focus_when_mounted = True
                return
        # Later, and only if the operator is still on that tab: keys typed quickly (2 3 4)
        # queue a focus per tab, and a stale one would put the keys in a hidden table.
        self.call_later(self._focus_if_active, tab)

    def _focus_if_active(self, tab: str) -> None:
        if self.active_tab != tab:
            return
        for view in self.views(tab):
            focus_main = getattr(view, "focus_main", None)
            if callable(focus_main):
                focus_main()

    def on_screen_suspend(self, _event: ScreenSuspend) -> None:
        self._covered = True
        self._update_visibility()

    def on_screen_resume(self, _event: ScreenResume) -> None:
        self._covered = False
        self._update_visibility()

    def _update_visibility(self) -> None:
        if not self.is_mounted:
            return
        active = self.active_tab
        for pane in self.query(TabPane):
            shown = not self._covered and pane.id == active
            for poller in pane.query(Poller):
                poller.set_shown(shown)
            for status in pane.query(StatusView):
                status.set_shown(shown)

    # --- what views report --------------------------------------------------------------------
    @on(RowsPushed)
    def _rows_pushed(self, message: RowsPushed) -> None:
        """New rows came by events: a title counting rows counts them ("Jobs 84" stayed
        beside "91/91 jobs" until the next listing, minutes away while events flow)."""
        spec = next((s for s in tabs.TABS if s.id == message.resource), None)
        if spec is None or message.generation != console_host(self).generation:
            return
        shown = self._tab_counts.get(spec.id)
        # Only a title counting rows, once listed, and not while a listing streams in.
        if spec.count is tabs.count_items and shown is not None and not shown.endswith("+"):
            self.set_tab_count(spec.id, message.count)

    @on(Listed)
    def _listed(self, message: Listed[Any]) -> None:
        """A tab's listing: its title count, its Status totals, its health in the header."""
        host = console_host(self)
        spec = next((s for s in tabs.TABS if s.id == message.resource), None)
        if spec is None or message.generation != host.generation:
            return
        if spec.id == "jobs" and not self._after_first_data:
            # Once these jobs are on screen, and a moment later (keys typed meanwhile
            # come first): who am I, and the other tabs' views.
            self._after_first_data = True
            self.call_after_refresh(self.set_timer, AFTER_FIRST_DATA, self._first_data_shown)
        self._count(spec.id, message.snapshot, more=not message.complete)
        if not message.complete:
            return  # a listing streaming in: the table shows it; Status counts the whole
        if spec.id == "jobs":
            host.jobs_snapshot = message.snapshot
            self.query_one(StatusView).show_jobs(message.snapshot)
        if spec.status_counts:
            snapshot = message.snapshot
            self.query_one(StatusView).show_counts(
                spec.title, snapshot.counts(), snapshot.fetched_at
            )
        self.query_one(ContextBar).set_health(spec.id, None)

    @on(GoTo)
    async def _go_to(self, message: GoTo) -> None:
        """A tab (or screen) asked for another: the only route between tabs."""
        place = next((p for p in tabs.PLACES if p.id == message.tab), None)
        if place is not None:
            self.app.push_screen(place.screen_class()(self._config))
            return
        view = await self.mounted_view(message.tab)
        if message.show:
            self.show_tab(message.tab)
        go_to = getattr(view, "go_to", None)
        if callable(go_to):
            go_to(message.target)

    @on(PollHealthChanged)
    def _poll_health(self, message: PollHealthChanged) -> None:
        self.query_one(ContextBar).set_health(message.resource, message.problem)
        self.query_one(StatusView).set_health(message.resource, message.problem)

    def _count(self, tab: str, snapshot: object, *, more: bool = False) -> None:
        """The tab's title count, as its registry entry counts ``snapshot``."""
        count = tabs.tab(tab).count
        if count is not None:
            self.set_tab_count(tab, count(snapshot), more=more)

    def set_tab_count(self, tab: str, count: int | None, *, more: bool = False) -> None:
        """Show a live row count in a tab's title ("Jobs 42"; "Jobs 1000+" while a long
        listing streams in)."""
        self._tab_counts[tab] = None if count is None else f"{count}{'+' if more else ''}"
        self._label_tabs()

    def on_resize(self) -> None:
        self._label_tabs()

    def _label_tabs(self) -> None:
        """Every tab's title with its count; the short titles when the full ones would not
        fit the bar, so no tab scrolls out of sight at 80 columns (eight tabs)."""
        width = self.size.width

        def labels(short: bool) -> list[str]:
            shown = []
            for spec in tabs.TABS:
                title = (spec.short or spec.title) if short else spec.title
                count = self._tab_counts.get(spec.id)
                shown.append(title if count is None else f"{title} {count}")
            return shown

        full = labels(False)
        # Each tab draws its label with one cell of padding either side.
        chosen = full if not width or sum(len(t) + 2 for t in full) <= width else labels(True)
        try:
            content = self.query_one(TabbedContent)
        except NoMatches:  # a resize before the tab set is composed
            return
        for spec, label in zip(tabs.TABS, chosen, strict=True):
            tab = content.get_tab(spec.id)
            if str(tab.label) != label:
                tab.label = plain(label)

    def _first_data_shown(self) -> None:
        self._first_identity()
        self.mount_views()

    # --- identity -----------------------------------------------------------------------------
    def _first_identity(self) -> None:
        if self._identity_timer is None:
            return
        self._identity_timer.stop()
        self._identity_timer = None
        self.fetch_identity()

    def fetch_identity(self) -> None:
        """One STS call per context (retried while it fails), for the header and Status."""
        if self._identity_retry is not None:
            self._identity_retry.stop()
            self._identity_retry = None
        self._fetch_identity()

    def _fetch_identity(self) -> None:
        configured_region = console_host(self).context.config.region

        def who(context: ConsoleContext) -> tuple[CallerIdentity, str, str]:
            identity, region = context.identity.caller(), context.sessions.region
            # Resolved already by the call above: naming their source costs nothing.
            return identity, region, context.status.credential_source()

        run_for_context(
            self,
            who,
            done=lambda found: self._identity_resolved(found[0], found[1], None, found[2]),
            failed=lambda error: self._identity_resolved(None, configured_region, error),
            name="identity",
        )

    def _identity_resolved(
        self,
        identity: CallerIdentity | None,
        region: str,
        error: SmError | None = None,
        credentials: str = "",
    ) -> None:
        self.query_one(ContextBar).set_identity(identity, region)
        self.query_one(StatusView).set_identity(identity, region, error, credentials)
        if error is not None:
            self.query_one(ContextBar).set_health("sts", error.message)
            if self._identity_failures == 0:  # say it once, not on every retry
                notify(self, error.one_line(), severity="error", title="who am I?")
            # Ask again later (a blip at start-up must not leave "account unknown" for
            # the whole session): 2 s, 4 s, ... up to a minute.
            delay = min(IDENTITY_RETRY_MAX, 2.0 * 2**self._identity_failures)
            self._identity_failures += 1
            self._identity_retry = self.set_timer(delay, self.fetch_identity)
        else:
            self._identity_failures = 0
            self.query_one(ContextBar).set_health("sts", None)

    def show_events(self, label: str, *, healthy: bool) -> None:
        """The push channel's state in the header (see :mod:`screens.kit.events_link`)."""
        # query, not query_one: the header may be gone while the app shuts down.
        for bar in self.query(ContextBar):
            bar.set_events(label, healthy=healthy)

    def events_stopped(self) -> None:
        """Events stopped flowing: pushed pollers poll now and at their normal pace."""
        for poller in self.query(Poller):
            poller.events_stopped()

    def context_switched(self) -> None:
        """The app swapped its context: start every view and the identity afresh."""
        self.query_one(ContextBar).set_config(console_host(self).context.config)
        self._identity_failures = 0
        # Back never leads into the other account: its kept screens go.
        for entry in self.back_stack:
            self._release(entry.screens)
        self.back_stack = []
        # Views still mounting (their children may not exist yet) start on the new
        # context in their own on_mount, which runs after this.
        for view in self.views():
            if view.is_mounted and not isinstance(view, StatusView):
                view.reset()  # type: ignore[attr-defined]
        for spec in tabs.TABS:
            if spec.count is not None:
                self.set_tab_count(spec.id, None)
        self.query_one(StatusView).forget_counts()
        self.fetch_identity()
        self.set_timer(PRIME_HIDDEN_AFTER, self.prime_hidden_tabs)

    def palette_resources(self) -> list[Resource]:
        """Every row the tabs' tables hold now (their last listings: no API call), for the
        palette's jump by name; each opens as ``enter`` on its row does."""
        self.mount_views()
        found: list[Resource] = []
        for spec in tabs.TABS:
            for view in self.views(spec.id):
                if not view.is_mounted:
                    continue
                for table in view.query(KeyedTable):
                    for key, item in list(table.items.items()):
                        found.append(
                            Resource(
                                spec.id,
                                spec.title,
                                key,
                                row_name(item, key),
                                _opener(self, spec.id, table, key),
                            )
                        )
        return found

    def open_resource(self, tab: str, table: KeyedTable[Any], key: str) -> None:
        """Show ``tab``, highlight the row ``key`` and open it (``enter`` on it); from a
        screen over the tabs too (Back returns to it)."""
        self.show_tab(tab)
        try:
            row = table.get_row_index(key)
        except KeyError:
            notify(
                self,
                f"{key} is hidden by the {tabs.tab(tab).title} filter (esc clears it)",
                severity="warning",
                timeout=4,
            )
            return
        table.move_cursor(row=row)
        table.action_select_cursor()

    def palette_commands(self) -> list[PaletteCommand]:
        """The palette entries of the tabs' views (the app adds its own)."""
        self.mount_views()  # the palette offers every tab's actions (from then on)
        commands: list[PaletteCommand] = []
        for view in self.views():
            # Still mounting (just after start): offered next time.
            if view.is_mounted and callable(getattr(view, "palette_commands", None)):
                commands += view.palette_commands()  # type: ignore[attr-defined]
        return commands


def _opener(main: MainScreen, tab: str, table: KeyedTable[Any], key: str) -> Any:
    return lambda: main.open_resource(tab, table, key)
