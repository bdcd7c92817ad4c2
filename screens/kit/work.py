"""One way to run blocking work for the current context off the UI thread.

Every lookup a screen makes (describe, search, resolve a URL) has the same shape: read
the context and its generation, call the service in a thread worker, and back on the UI
thread drop the answer if the operator has switched profile/region meanwhile (or the
widget is gone), else show the value or the one-line error. :func:`run_for_context` is
that shape once; the caller gives the call and what to do with its value and its error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from console.errors import SmError, translate
from screens.kit.host import console_host

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.worker import Worker

    from console.context import ConsoleContext

R = TypeVar("R")


def run_for_context(
    node: DOMNode,
    call: Callable[[ConsoleContext], R],
    *,
    done: Callable[[R], object],  # may be async: awaited on the UI thread
    failed: Callable[[SmError], object],
    name: str,
    group: str | None = None,
    exclusive: bool = True,
) -> Worker[None]:
    """Run ``call(context)`` in a thread worker of ``node``; on the UI thread, ``done``
    with its value or ``failed`` with the translated error, unless the context changed
    (or ``node`` was unmounted) meanwhile: then the answer is dropped.

    ``exclusive`` (the default) cancels the previous work of the same ``group``.
    """
    host = console_host(node)
    generation, context = host.generation, host.context

    def deliver(outcome: Callable[[Any], object], value: Any) -> object:
        # What ``outcome`` returns is returned: Textual awaits it if it is a coroutine.
        if node.is_attached and console_host(node).generation == generation:
            return outcome(value)
        return None

    def work() -> None:
        try:
            value = call(context)
        except Exception as exc:  # every failure is shown as one line, never raised
            node.call_later(deliver, failed, translate(exc))
        else:
            node.call_later(deliver, done, value)

    return node.run_worker(
        work,
        name=name,
        group=group or name,
        thread=True,
        exclusive=exclusive,
        exit_on_error=False,
    )
