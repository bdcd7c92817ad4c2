"""``--wait``: block until an endpoint or notebook is InService, saying how it goes.

botocore's own waiters decide what "ready" and "failed" mean (their acceptors, from
the service's waiter model); they are run one check at a time so a progress line
(status and time so far) reaches stderr between checks instead of minutes of silence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import click

from console.errors import ConflictError, SmError

DEFAULT_MAX_MINUTES = 60
WAIT_OPTION_HELP = "Wait until it is InService, printing progress (Ctrl-C stops waiting)."


def _status(response: Any, field: str) -> str:
    if isinstance(response, dict):
        return str(response.get(field) or response.get("Error", {}).get("Code") or "?")
    return "?"


def wait_in_service(
    client: Any,
    waiter_name: str,
    params: dict[str, Any],
    *,
    what: str,
    status_field: str,
    describe: str,
    max_minutes: float = DEFAULT_MAX_MINUTES,
    delay: float | None = None,
    say: Callable[[str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    translate: Callable[[BaseException], SmError] | None = None,
) -> None:
    """Check with the waiter ``waiter_name`` until it succeeds (return), reaches a failure
    state (ConflictError naming the status) or ``max_minutes`` pass (ConflictError; the
    change itself carries on in AWS)."""
    from botocore.exceptions import WaiterError

    say = say or (lambda line: click.echo(line, err=True))
    waiter = client.get_waiter(waiter_name)
    pause = waiter.config.delay if delay is None else delay
    started = clock()
    while True:
        try:
            waiter.wait(**params, WaiterConfig={"Delay": pause, "MaxAttempts": 1})
        except WaiterError as exc:
            response = exc.last_response if isinstance(exc.last_response, dict) else {}
            status = _status(response, status_field)
            seconds = clock() - started
            if "Max attempts exceeded" not in str(exc):
                if "Error" in response and translate is not None:
                    # An error answer (not found, denied): the usual one-line error.
                    from botocore.exceptions import ClientError

                    raise translate(ClientError(response, waiter_name)) from exc
                raise ConflictError(
                    f"{what} is {status}: it will not become InService",
                    f"see why with `smconsole {describe}`",
                ) from exc
            if seconds + pause > max_minutes * 60:
                raise ConflictError(
                    f"{what} is still {status} after {seconds / 60:.0f} minutes; stopped waiting",
                    "it carries on in AWS; check it later with the describe command",
                ) from exc
            say(f"waiting for {what}: {status} ({seconds:.0f}s so far)")
            sleep(pause)
            continue
        say(f"{what} is InService ({clock() - started:.0f}s)")
        return
