"""Outside text is shown as itself: never parsed as Rich/Textual markup.

Textual parses a plain ``str`` as markup in many places: ``notify`` (``markup=True`` by
default), ``Static``/``Label`` content, ``border_title``, tab labels, ``Select`` and
``OptionList`` prompts, ``DataTable`` and Rich ``Table`` cells. A name, an error message,
a search string or a keymap id holding ``[/x]`` then raises ``MarkupError`` (the app
dies) and ``[@click=app.quit]`` becomes a live action. So every notification, banner,
title and status line in ``screens/`` is built here, as :class:`Content`/:class:`Text`
(literal) or sent with ``markup=False``. ``tests/tui/kit/test_plain.py`` scans ``screens/``
so a new call cannot bypass this module, and pushes a hostile corpus through each path.

Control characters are not this module's job: :mod:`console.sanitize` strips them.
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content
from textual.dom import DOMNode
from textual.notifications import SeverityLevel

__all__ = ["notify", "plain", "plain_text"]


def plain(text: str) -> Content:
    """``text`` as literal content for a widget (``Static``, ``Label``, titles, prompts)."""
    return Content(text)


def plain_text(text: str, style: str = "") -> Text:
    """``text`` as a literal Rich :class:`Text` (``DataTable`` and Rich ``Table`` cells)."""
    return Text(text, style=style, end="")


def notify(
    node: DOMNode,
    message: str,
    *,
    title: str = "",
    severity: SeverityLevel = "information",
    timeout: float | None = None,
) -> None:
    """Show a toast whose message and title are shown literally (thread-safe, like
    :meth:`App.notify`). The only way ``screens/`` raises a notification."""
    app = node.app
    if timeout is None:
        app.notify(message, title=title, severity=severity, markup=False)
    else:
        app.notify(message, title=title, severity=severity, timeout=timeout, markup=False)
