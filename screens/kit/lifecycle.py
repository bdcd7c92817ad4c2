"""Whether a widget is on its way out, for handlers that may run as the app quits.

The hidden tabs' views are mounted just after the first jobs are drawn. When the app
quits in that moment, Textual prunes a view while its mount is still being handled, and
its ``on_mount`` finds some of its own children already gone (a NoMatches traceback on
exit, seen in CI). Such handlers return early when :func:`being_removed`.
"""

from __future__ import annotations

from textual.widget import Widget


def being_removed(widget: Widget) -> bool:
    """True once Textual started removing ``widget`` (or it was never attached)."""
    return widget._pruning or widget._closing or not widget.is_attached
