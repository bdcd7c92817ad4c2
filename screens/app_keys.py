"""The keys that work everywhere (the app's bindings), apart from the app itself.

:mod:`screens.binding_owners` reads them here, so it never imports :mod:`screens.app`
(which imports it, lazily, for help and the keymap check): no import cycle.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from screens import tabs


class AppKeys:
    """The owner of the app-wide bindings, for the help screen and the keymap check."""

    BINDINGS: list[BindingType] = [
        # Back along the tab history; at its start, "Quit smconsole? y/n" (ctrl+c: at once).
        Binding("q", "back_or_quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("colon", "command_palette", "Commands", id="app.palette"),
        Binding("ctrl+t", "cycle_theme", "Theme", show=False, id="app.theme"),
        Binding("C", "switch_context", "Context", show=False, id="app.context"),
        Binding("exclamation_mark", "notifications", "Alerts", show=False, id="app.notifications"),
        *(
            Binding(
                spec.key, f"show_tab('{spec.id}')", spec.title, show=False, id=f"app.tab.{spec.id}"
            )
            for spec in tabs.TABS
        ),
    ]
