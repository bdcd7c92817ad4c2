"""The full-screen console: app factory for tests, ``run_app`` for the CLI.

The app owns the :class:`ConsoleContext` (services) and its ``generation``; views reach
them through :mod:`screens.kit.host`. Global keys: ``q`` Back (on the main screen: along
the tab history, then "Quit smconsole? y/n"), ``ctrl+c`` quit at once, ``?`` help, ``:``
command palette, ``1``-``7`` tabs, ``ctrl+t`` next theme. Every binding has an id, so
``[keymap]`` in the config remaps it (``"jobs.stop" = "ctrl+x"``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App
from textual.css.query import NoMatches
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.worker import get_current_worker

from console.config import Config
from console.context import ConsoleContext
from console.services.jobs_feed import JobsSnapshot
from console.services.jobs_prefetch import JobsPrefetch
from console.tf_defaults import TerraformStatus
from screens import tabs
from screens.app_keys import AppKeys
from screens.jobs.view import JobsView
from screens.kit.confirm import ConfirmDialog
from screens.kit.context_switch import ContextChoice, ContextDialog
from screens.kit.events_link import AlertFired, EventsLink, header_label
from screens.kit.key_order import handled_before_forwarding, key_waiting, settled
from screens.kit.messages import Listed, ViewsMounted
from screens.kit.palette import ConsoleCommands, PaletteCommand, ResourceCommands
from screens.kit.plain import notify
from screens.main import MainScreen
from themes import STYLESHEETS
from themes.registry import (
    THEME_NAMES,
    choose_theme,
    next_theme,
    no_color_requested,
    register_themes,
)

# bench/startup.py: when set, the app writes the wall-clock time of the first frame that
# shows jobs to this file, then exits (process start to first data, measured outside).
BENCH_READY_ENV = "BENCH_SMCONSOLE_READY_FILE"
# bench/startup_stream.py: also the time the whole listing was drawn, and the calls made.
BENCH_COMPLETE_ENV = "BENCH_SMCONSOLE_COMPLETE_FILE"
# bench/memory.py: with the complete file, the app stays (its memory is read after).
BENCH_STAY_ENV = "BENCH_SMCONSOLE_STAY"
# bench/memory.py --polls: a line per complete jobs listing drawn (a poll's end, seen
# from outside: its resident set is read after each).
BENCH_POLLS_ENV = "BENCH_SMCONSOLE_POLLS_FILE"
# Seconds after which start-up counts as over even if no jobs came (see _freeze_startup).
STARTUP_GC_DEADLINE = 10.0


class SmConsoleApp(App[None]):
    """smconsole's Textual app."""

    TITLE = "smconsole"
    CSS_PATH = list(STYLESHEETS)
    COMMANDS = App.COMMANDS | {ConsoleCommands, ResourceCommands}
    BINDINGS = AppKeys.BINDINGS

    def __init__(
        self,
        context: ConsoleContext,
        *,
        demo_label: str | None = None,
        demo_seeded: threading.Event | None = None,
    ) -> None:
        super().__init__()
        self._console_context = context
        self._generation = 0
        self.demo_label = demo_label
        # Set when the demo's MLflow store is filled (it fills after the first polls).
        self._demo_seeded = demo_seeded
        self.jobs_snapshot: JobsSnapshot | None = None
        self.keymap: dict[str, str] = dict(context.config.keymap)
        register_themes(self)
        theme, self._theme_warning = choose_theme(
            context.config.theme,
            set(self.available_themes),
            no_color=no_color_requested(os.environ),
        )
        self.theme = theme
        self._bench_ready = os.environ.get(BENCH_READY_ENV)
        self._bench_complete = os.environ.get(BENCH_COMPLETE_ENV)
        self._bench_polls = os.environ.get(BENCH_POLLS_ENV)
        self._startup_frozen = False
        # The push channel (issue 18): one events runner per context, for the app's life.
        self.events = EventsLink(self)

    # --- notifications ----------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the app shows its text literally, whoever raises it.

        ``screens/`` raises toasts through :func:`screens.kit.plain.notify` already; this
        also covers Textual's own and a future ``self.notify(...)`` that forgot: a name or
        error holding ``[/x]`` must not kill the app (``markup`` is ignored on purpose).
        """
        del markup
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    # --- ConsoleHost ---------------------------------------------------------------------
    @property
    def context(self) -> ConsoleContext:
        return self._console_context

    @property
    def generation(self) -> int:
        return self._generation

    def switch_context(self, context: ConsoleContext) -> None:
        """Look at another profile/region: results still in flight for the old one drop."""
        self._generation += 1
        self._console_context = context
        self.jobs_snapshot = None
        self.events.start(context, self._generation)
        if isinstance(self.main_screen, MainScreen):
            self.main_screen.context_switched()

    def action_switch_context(self) -> None:
        """Ask for a profile and region, then look at that account instead."""
        if self.screen is not self.main_screen:
            return
        # Local files only (shared AWS config, botocore's endpoint data): no API call.
        from console.aws.profiles import available_profiles, sagemaker_regions

        config = self._console_context.config
        current = ContextChoice(config.profile, self._console_context.sessions.region)
        dialog = ContextDialog(available_profiles(), sagemaker_regions(), current)
        self.push_screen(dialog, self._context_chosen)

    def _context_chosen(self, choice: ContextChoice | None) -> None:
        config = self._console_context.config
        if choice is None or (choice.profile, choice.region) == (config.profile, config.region):
            return
        new_config = replace(config, profile=choice.profile, region=choice.region)
        terraform = self._console_context.terraform
        self.switch_context(ConsoleContext(new_config, source="tui", terraform=terraform))
        notify(self, f"now looking at {choice.profile or 'default'}@{choice.region}", timeout=4)

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        # Keys arriving in one burst keep their order (key_order): bindings first, and
        # the next key of a burst waits for what this one set off.
        if not await handled_before_forwarding(self, event):
            await super().on_event(event)
        if key_waiting(self):
            await settled(self)

    # --- screens --------------------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        return MainScreen(self._console_context.config, demo_label=self.demo_label)

    @property
    def main_screen(self) -> Screen[Any]:
        return self.screen_stack[0]

    def on_mount(self) -> None:
        # Only with a keymap: checking it imports every screen (not on the start-up path).
        unknown: list[str] = []
        if self.keymap:
            from screens.binding_owners import known_binding_ids

            unknown = sorted(set(self.keymap) - known_binding_ids())
        if unknown:
            notify(
                self,
                f"unknown key binding id(s) in [keymap]: {', '.join(unknown)}",
                severity="warning",
                title="config",
            )
        self.set_keymap(self.keymap)
        # Without data (an unreachable endpoint), start-up still ends some time.
        self.set_timer(STARTUP_GC_DEADLINE, self._freeze_startup)
        if self._theme_warning:
            notify(self, self._theme_warning, severity="warning", title="config")
        self.events.start(self._console_context, self._generation)
        self.set_interval(1.0, self.show_events_health, name="events-health")
        if self._demo_seeded is not None:
            self.run_worker(
                partial(self._wait_demo_seeded, self._demo_seeded),
                name="demo-seeded",
                thread=True,
                exit_on_error=False,
            )

    # --- the demo (issue 15) --------------------------------------------------------------
    def _wait_demo_seeded(self, seeded: threading.Event) -> None:
        """In a thread: once the demo's MLflow store is filled, the tabs listing it poll
        again (the Experiments title read 1, the store's Default, until visited)."""
        worker = get_current_worker()
        while not worker.is_cancelled:
            if seeded.wait(0.5):
                self.call_from_thread(self.demo_seeded)
                return

    def demo_seeded(self) -> None:
        """The demo's MLflow store is filled: the views that listed it list it again."""
        main = self.main_screen
        if isinstance(main, MainScreen):
            for view in main.views("experiments"):
                refill = getattr(view, "store_filled", None)
                if callable(refill):
                    refill()

    # --- events (issue 18) ----------------------------------------------------------------
    def show_events_health(self) -> None:
        """The header's events label; pollers back to normal when events stop flowing."""
        health = self.events.health
        main = self.main_screen
        if isinstance(main, MainScreen):
            main.show_events(header_label(health), healthy=health.pushing)
            if self.events.stopped_flowing():
                main.events_stopped()

    def on_alert_fired(self, message: AlertFired) -> None:
        self.events.ring(message.alert)
        notify(self, message.alert.message(), title="alert", severity="warning", timeout=6)

    def action_notifications(self) -> None:
        """``!``: the alerts fired so far, newest first."""
        from screens.kit.notifications import NotificationsScreen

        if isinstance(self.screen, NotificationsScreen):
            return
        self.push_screen(NotificationsScreen(self.events))

    def on_listed(self, message: Listed[Any]) -> None:
        if message.resource != "jobs":
            return
        # Only for ``bench/startup.py`` (see ``BENCH_READY_ENV``).
        if self._bench_ready and message.snapshot.items:
            path, self._bench_ready = self._bench_ready, None
            self.call_after_refresh(self._bench_first_data_drawn, path)
        if self._bench_complete and message.complete and message.snapshot.items:
            path, self._bench_complete = self._bench_complete, None
            self.call_after_refresh(self._bench_all_data_drawn, path)
        if self._bench_polls and message.complete:
            self.call_after_refresh(self._bench_poll_drawn, self._bench_polls)
        if not self._startup_frozen:
            self.call_after_refresh(self._freeze_startup)

    def _freeze_startup(self) -> None:
        """Start-up is over (first data drawn): keep what it built out of the cyclic GC.

        Textual, botocore's service models and the modules live for the whole session.
        Frozen, they are not walked by full collections, which a streaming log makes
        frequent: pauses of 150-650 ms on keys measured by bench/keypress.py drop to
        tens of ms. The CLI turned the GC off for start-up (console/cli/tui.py): it is
        turned on again here.

        Start-up's garbage is collected first, so nothing dead is kept: with the GC off
        since the CLI started, all of it is in the youngest generation, which a gen-0
        collection sweeps without walking the older heap. A full collection would find
        no more, and where the GC was on all along (a test process running a thousand
        apps on a heap of moto, mlflow and Hypothesis) it cost 0.2-0.5 s of CPU per app.
        """
        if self._startup_frozen:
            return
        self._startup_frozen = True
        gc.collect(0)
        gc.freeze()
        gc.enable()

    def on_views_mounted(self, message: ViewsMounted) -> None:
        if self._startup_frozen:
            self.call_after_refresh(self._freeze_views)
        # else: start-up's freeze is still to come, and takes the views with it.

    def _freeze_views(self) -> None:
        """The other tabs' views came after start-up's freeze (they are mounted once the
        first jobs are drawn) and live as long: frozen too. Left in, they were about
        40,000 of the objects every full collection walked (Textual's DOM, styles and
        bindings of six tabs): during a burst of pushed events those collections, one
        every second or two, were where most keys slower than 50 ms waited (their CPU:
        ~23 ms each before, ~12 ms after; bench/events.py prints them). A full
        collection first: nothing dead is frozen; it walks only what came since the
        start-up freeze.
        """
        gc.collect()
        gc.freeze()

    def on_unmount(self) -> None:
        self.events.stop()
        # Hand the frozen objects back (an app in a test process is not the last one).
        if self._startup_frozen:
            gc.unfreeze()

    def _bench_first_data_drawn(self, path: str) -> None:
        Path(path).write_text(f"{time.time():.6f}\n", encoding="utf-8")
        if not os.environ.get(BENCH_COMPLETE_ENV):  # else: exits once all is drawn
            self.exit()

    def _bench_poll_drawn(self, path: str) -> None:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(f"{time.time():.6f}\n")

    def _bench_all_data_drawn(self, path: str) -> None:
        calls = self.context.sessions.metrics.calls_total("sagemaker")
        Path(path).write_text(f"{time.time():.6f} {calls}\n", encoding="utf-8")
        if not os.environ.get(BENCH_STAY_ENV):
            self.exit()

    # --- exit path ------------------------------------------------------------------------------
    # Set by run_app: a crash is reported by the CLI (a file and one line), not here.
    report_crash_elsewhere = False

    @property
    def crash(self) -> BaseException | None:
        """The unhandled error the app ended on (None: it was quit)."""
        return self._exception

    def _print_error_renderables(self) -> None:
        # Textual prints its traceback, locals included (credentials, remote text), to
        # the terminal. ``run_app``'s caller writes a report file and prints one line
        # instead (console/cli/tui.py); other exits (``App.exit(message=...)``) print.
        if self.report_crash_elsewhere and self._exception is not None:
            self._exit_renderables.clear()
            return
        super()._print_error_renderables()

    # --- actions ------------------------------------------------------------------------------
    def action_show_tab(self, tab: str) -> None:
        main = self.main_screen
        if self.screen is main and isinstance(main, MainScreen):
            main.show_tab(tab)

    def jump_to_tab(self, tab: str) -> None:
        """The palette's "Go to": from a screen over the tabs too (it is kept for Back),
        not from under a dialog (a question is answered, not jumped away from)."""
        main = self.main_screen
        if any(isinstance(screen, ModalScreen) for screen in self.screen_stack[1:]):
            return
        if isinstance(main, MainScreen):
            main.show_tab(tab)

    def action_back_or_quit(self) -> None:
        """``q`` where no screen takes it: Back along the main screen's tab history; at
        its start, ask before quitting (``ctrl+c`` quits at once). Never quits unasked:
        in ``smconsole demo`` quitting throws the demo's state away."""
        main = self.main_screen
        if self.screen is not main:
            return  # a screen over the tabs that does not bind q: q is not Back there
        if isinstance(main, MainScreen) and main.go_back():
            return
        self.action_confirm_quit()

    def action_confirm_quit(self) -> None:
        """ "Quit smconsole? y/n": nothing remote changes, so nothing is audited."""
        if isinstance(self.screen, ConfirmDialog):
            return
        dialog = ConfirmDialog(
            "Quit smconsole?",
            "y: quit, n: stay (ctrl+c on the main screen quits at once)",
            change=None,
            confirm_label="Quit",
        )
        self.push_screen(dialog, self._quit_answered)

    def _quit_answered(self, confirmed: bool | None) -> None:
        if confirmed:
            self.exit()

    def action_help(self) -> None:
        from screens.binding_owners import BINDING_OWNERS
        from screens.kit.help import HelpScreen, binding_rows, owners_from

        if isinstance(self.screen, HelpScreen):
            return
        focused = self.focused  # its view, pane or screen: their keys first within the tab
        focus = [type(n) for n in reversed(focused.ancestors_with_self)] if focused else []
        owners = owners_from(BINDING_OWNERS, self._help_package(), self._help_shown(), focus=focus)
        self.push_screen(HelpScreen(binding_rows(self, owners, self.keymap)))

    def _help_shown(self) -> set[type[Any]]:
        """The classes of what is on screen: the screen on top and its widgets, or on the
        main screen the active tab's (help lists their keys first)."""
        screen = self.screen
        root: Widget = screen
        if isinstance(screen, MainScreen) and screen.active_tab:
            with contextlib.suppress(NoMatches):
                root = screen.query_one(f"TabPane#{screen.active_tab}")
        classes: set[type[Any]] = {type(screen)} if root is screen else set()
        classes.update(type(widget) for widget in root.walk_children(with_self=True))
        return classes

    def _help_package(self) -> str | None:
        """The package of what is on screen: the active tab's, or the covering screen's."""
        main = self.main_screen
        if self.screen is not main:
            return type(self.screen).__module__.rpartition(".")[0] or None
        if isinstance(main, MainScreen):
            return tabs.tab(main.active_tab).package if main.active_tab else None
        return None

    def action_cycle_theme(self) -> None:
        self.theme = next_theme(self.theme)
        notify(self, f"theme: {self.theme}", timeout=2)

    def palette_tabs(self) -> list[tuple[str, str, Any]]:
        """(id, title, show it) per tab: ``:endpoints`` in the palette goes there."""
        return [(spec.id, spec.title, _call(self.jump_to_tab, spec.id)) for spec in tabs.TABS]

    def palette_commands(self) -> list[PaletteCommand]:
        """Everything the `:` palette offers (see :mod:`screens.kit.palette`)."""
        commands: list[PaletteCommand] = [
            (
                f"Go to {spec.title}",
                f"switch to the {spec.title} tab (key {spec.key})",
                _call(self.jump_to_tab, spec.id),
            )
            for spec in tabs.TABS
        ]
        commands += [
            (f"Theme: {name}", "switch the colour theme", _call(self._set_theme, name))
            for name in THEME_NAMES
        ]
        commands += [
            (
                "Context: switch profile or region",
                "look at another AWS profile/region (C)",
                self.action_switch_context,
            ),
            ("Jobs: filter", "filter the jobs table (/)", _call(self._jobs_action, "filter")),
            ("Jobs: refresh now", "poll the jobs again (r)", _call(self._jobs_action, "refresh")),
            ("Jobs: next sort column", "sort the jobs table (s)", _call(self._jobs_action, "sort")),
            (
                "Jobs: new training job",
                "fill in a training job; copy it as a CLI command (ctrl+n)",
                _call(self._jobs_action, "new_training"),
            ),
            (
                "Jobs: stop selected job",
                "stop the highlighted job (ctrl+k)",
                _call(self._jobs_action, "stop"),
            ),
            ("Alerts: notifications", "the alerts fired so far (!)", self.action_notifications),
            ("Help: keys", "list every key (?)", self.action_help),
            ("Quit", "leave smconsole (ctrl+c; q asks)", self.exit),
        ]
        return commands

    def _set_theme(self, name: str) -> None:
        self.theme = name

    def _jobs_action(self, action: str) -> None:
        main = self.main_screen
        if not isinstance(main, MainScreen):
            return
        main.show_tab("jobs")
        view = main.query_one(JobsView)
        getattr(view, f"action_{action}")()


def _call(fn: Any, *args: Any) -> Any:
    return lambda: fn(*args)


def create_app(
    context: ConsoleContext,
    *,
    demo_label: str | None = None,
    demo_seeded: threading.Event | None = None,
) -> SmConsoleApp:
    """The app on an existing context (tests inject one built on the moto server);
    ``demo_seeded``: set when the demo's MLflow store is filled."""
    return SmConsoleApp(context, demo_label=demo_label, demo_seeded=demo_seeded)


def run_app(
    config: Config,
    demo: object | None = None,
    terraform: TerraformStatus | None = None,
    prefetch: JobsPrefetch | None = None,
) -> BaseException | None:
    """Open the console on ``config`` (``demo``: the running demo stack, if any;
    ``terraform``: what the Terraform stack filled into ``config``; ``prefetch``: the
    helper process making the first jobs listing).

    Returns the unhandled error the app ended on, if any: the caller reports it and
    exits non-zero (``App.run`` itself returns as after a normal quit).
    """
    if config.keymap:
        # Before anything starts: a keymap that shadows a binding is refused (exit 2).
        from screens.binding_owners import check_keymap

        check_keymap(config.keymap)
    context = ConsoleContext(config, source="tui", terraform=terraform)
    context.expect_prefetched_jobs(prefetch)
    label = None
    if demo is not None:
        label = str(getattr(demo, "label", "") or "local stack")
    seeded = getattr(demo, "mlflow_done", None)
    app = create_app(
        context,
        demo_label=label,
        demo_seeded=seeded if isinstance(seeded, threading.Event) else None,
    )
    app.report_crash_elsewhere = True
    try:
        app.run()
    finally:
        context.cancel_prefetch()
    return app.crash
