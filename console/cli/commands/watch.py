"""watch: a stream of state changes, for scripts, CI and alerts."""

from __future__ import annotations

import json
import os
import sys
import threading

import click

from console.cli.root import Invocation, command, json_option, pass_invocation, wants_json
from console.errors import UnreachableError, ValidationError

SECTION = "Logs and status"


@command("watch", SECTION, short_help="Stream state changes (events queue, else polling).")
@json_option
@click.option(
    "--kind",
    "kinds",
    metavar="KINDS",
    default="",
    help="Comma-separated: jobs, endpoints, registry, pipelines, hyperpod, nodes, or a "
    "kind (training, processing, transform, tuning, endpoint, model-package, pipeline, "
    "pipeline-step, cluster, cluster-node).",
)
@click.option("--filter", "text", metavar="TEXT", default="", help="Only lines containing TEXT.")
@click.option(
    "--interval",
    type=click.FloatRange(min=1, max=3600),
    default=None,
    help="Seconds between listings without an events queue (default: poll.jobs).",
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many changes (e.g. wait for the first failure).",
)
@pass_invocation
def watch(
    inv: Invocation,
    json_output: bool,
    kinds: str,
    text: str,
    interval: float | None,
    count: int | None,
) -> None:
    """Print one line per state change until Ctrl+C.

    With an events queue (``events_queue_url``, or the Terraform stack's output) changes
    are pushed; without one the listings are polled and compared. ``--json`` prints JSON
    lines (``smconsole watch --json | jq``). ``[[alerts]]`` rules in the config fire
    on the same changes.
    """
    from console.events.records import expand_kinds
    from console.events.watch import (
        PollDiffSource,
        QueueSource,
        QueueUnavailable,
        WatchFilter,
        console_snapshot,
        format_line,
        stream,
        to_json,
    )

    try:
        wanted = WatchFilter(expand_kinds(kinds), text)
    except ValueError as exc:
        raise ValidationError(
            f"--kind: unknown kind {str(exc)!r}",
            "use jobs, endpoints, registry, pipelines, hyperpod, nodes or a single kind",
        ) from None
    console = inv.console
    config = inv.config
    source: QueueSource | PollDiffSource
    if config.events_queue_url:
        source = QueueSource(console.sessions, config.events_queue_url)
        origin = "events queue"
    else:
        source = PollDiffSource(lambda: console_snapshot(console), interval or config.poll.jobs)
        origin = "polling (no events_queue_url)"
    from console.events.alerts import (
        AlertEngine,
        AlertPublisher,
        rules_from_config,
        run_command,
        terminal_sequences,
    )

    # [[alerts]] rules fire from the same stream: bell and desktop notification on the
    # terminal (stderr, only when it is one), the rule's command either way.
    engine = AlertEngine(rules_from_config(config.alerts)) if config.alerts else None
    # Read-only refuses publishing to SNS (a write), said once on stderr.
    publisher = AlertPublisher(
        console.sessions, console.gate, told=lambda text: click.echo(f"warning: {text}", err=True)
    )
    ring = sys.stderr.isatty()
    in_tmux = bool(os.environ.get("TMUX"))
    as_json = wants_json(inv, json_output)
    if not as_json:
        click.echo(f"watching: {origin}; Ctrl+C ends", err=True)
    stop = threading.Event()
    printed = 0
    try:
        for change in stream(source.changes(stop), wanted):
            if as_json:
                click.echo(json.dumps(to_json(change), ensure_ascii=False))
            else:
                click.echo(format_line(change))
            sys.stdout.flush()
            for alert in engine.evaluate(change) if engine is not None else []:
                if ring:
                    sys.stderr.write(terminal_sequences(alert, in_tmux=in_tmux))
                    sys.stderr.flush()
                run_command(alert)
                publisher.publish(alert)
            printed += 1
            if count is not None and printed >= count:
                break
    except KeyboardInterrupt:
        stop.set()
    except QueueUnavailable as exc:
        raise UnreachableError(
            f"events queue: {exc.detail}",
            "check events_queue_url (or the stack's events_queue_url output) and the "
            "sqs:ReceiveMessage permission; without a queue, watch polls",
        ) from None
    finally:
        stop.set()
