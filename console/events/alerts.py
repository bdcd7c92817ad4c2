"""Alerts: ``[[alerts]]`` rules evaluated on state changes (pushed or polled).

A rule names a condition (``when``), a glob on the resource name (``match``) and what to
do: ring the terminal bell, send a desktop notification through the terminal (OSC 9 and
OSC 777, wrapped for tmux), run a command, publish to an SNS topic (a write: refused in
read-only mode, see :class:`AlertPublisher`). An incident (a resource entering the
alerting state) fires once per rule; a burst of incidents for one rule is rate-limited,
the suppressed ones counted in the next alert.

Remote text never reaches the terminal sequences: the notification is built from our own
words, the rule's name (the operator's config) and the resource name only when it is a
plain SageMaker name (letters, digits, dashes, dots, slashes); otherwise "a resource".
The command gets the change in environment variables (sanitised text) as an argv list,
never through a shell.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import re
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from console.errors import ConfigError, ReadOnlyError
from console.events.records import ResourceChanged, ResourceKey

_JOB_KINDS = frozenset({"training", "processing", "transform", "tuning", "pipeline"})
# when -> (kinds, the statuses that open an incident; empty: any status but ``healthy``)
CONDITIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "job-failed": (_JOB_KINDS, frozenset({"Failed"})),
    "endpoint-failed": (frozenset({"endpoint"}), frozenset({"Failed"})),
    "node-unhealthy": (frozenset({"cluster-node"}), frozenset()),
    "package-pending": (frozenset({"model-package"}), frozenset({"PendingManualApproval"})),
    # Not an event: console/events/endpoint_errors.py checks the rate in CloudWatch and
    # reports it as a change of this status (so incidents and rate limits work the same).
    "endpoint-5xx": (frozenset({"endpoint-errors"}), frozenset({"Errors5xxHigh"})),
}
_HEALTHY_NODE = frozenset({"Schedulable"})
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$")
_RULE_KEYS = frozenset(
    {"name", "when", "match", "bell", "desktop", "command", "sns_topic", "threshold"}
)
_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$")


@dataclass(frozen=True)
class AlertRule:
    name: str
    when: str
    match: str = "*"
    bell: bool = True
    desktop: bool = True
    command: tuple[str, ...] = ()
    # Publish the alert to this SNS topic (tf/ can create it), through the session factory.
    sns_topic: str = ""
    # endpoint-5xx: the share of invocations answered 5xx (0.05 = 5 %) that alerts.
    threshold: float = 0.05

    def opens_incident(self, change: ResourceChanged) -> bool:
        kinds, statuses = CONDITIONS[self.when]
        if change.kind not in kinds or not fnmatch.fnmatchcase(change.name, self.match):
            return False
        if statuses:
            return change.status in statuses
        return change.status not in _HEALTHY_NODE


def rules_from_config(raw: Sequence[Mapping[str, Any]]) -> list[AlertRule]:
    """``[[alerts]]`` tables -> rules; a bad one is a one-line :class:`ConfigError`."""
    rules = []
    for index, table in enumerate(raw):
        where = f"alerts[{index}]"
        unknown = set(table) - _RULE_KEYS
        if unknown:
            raise ConfigError(
                f"{where}: unknown key {sorted(unknown)[0]!r}",
                f"known: {', '.join(sorted(_RULE_KEYS))}",
            )
        when = table.get("when")
        if when not in CONDITIONS:
            raise ConfigError(
                f"{where}: when must be one of {', '.join(CONDITIONS)}, got {when!r}",
                'e.g. when = "job-failed"',
            )
        command = table.get("command", [])
        if not isinstance(command, list) or not all(isinstance(a, str) and a for a in command):
            raise ConfigError(
                f"{where}: command must be an array of strings (no shell)",
                'e.g. command = ["notify-send", "smconsole alert"]',
            )
        for key in ("name", "match"):
            if not isinstance(table.get(key, ""), str):
                raise ConfigError(f"{where}: {key} must be a string")
        for key in ("bell", "desktop"):
            if not isinstance(table.get(key, True), bool):
                raise ConfigError(f"{where}: {key} must be true or false")
        topic = table.get("sns_topic", "")
        if not isinstance(topic, str) or (topic and not _TOPIC_ARN.match(topic)):
            raise ConfigError(
                f"{where}: sns_topic must be an SNS topic ARN",
                'e.g. sns_topic = "arn:aws:sns:us-east-1:123456789012:smconsole-alerts"',
            )
        threshold = table.get("threshold", 0.05)
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0 < threshold <= 1
        ):
            raise ConfigError(
                f"{where}: threshold must be a fraction in (0, 1]",
                "e.g. threshold = 0.05 (5 % of invocations answered 5xx)",
            )
        rules.append(
            AlertRule(
                name=str(table.get("name") or when),
                when=str(when),
                match=str(table.get("match") or "*"),
                bell=bool(table.get("bell", True)),
                desktop=bool(table.get("desktop", True)),
                command=tuple(command),
                sns_topic=topic,
                threshold=float(threshold),
            )
        )
    return rules


@dataclass(frozen=True)
class Alert:
    rule: AlertRule
    change: ResourceChanged
    suppressed: int = 0  # incidents of this rule not announced since the last alert

    def message(self) -> str:
        """Our words only (see the module docstring)."""
        name = self.change.name if _PLAIN_NAME.match(self.change.name) else "a resource"
        what = {
            "job-failed": f"{self.change.kind} job {name} failed",
            "endpoint-failed": f"endpoint {name} failed",
            "node-unhealthy": f"HyperPod node {name} is unhealthy",
            "package-pending": f"model package {name} awaits approval",
            "endpoint-5xx": f"endpoint {name} answers 5xx above {self.rule.threshold:.0%}",
        }[self.rule.when]
        more = f" (+{self.suppressed} more)" if self.suppressed else ""
        return f"{what}{more}"

    def title(self) -> str:
        rule = self.rule.name if _PLAIN_NAME.match(self.rule.name) else self.rule.when
        return f"smconsole: {rule}"


def terminal_sequences(alert: Alert, *, in_tmux: bool) -> str:
    """Bell and desktop notification (OSC 9 for iTerm2/kitty/WezTerm, OSC 777 for
    foot/VTE), passed through tmux when inside it."""
    parts = []
    if alert.rule.bell:
        parts.append("\a")
    if alert.rule.desktop:
        title, body = alert.title(), alert.message()
        for osc in (f"\x1b]9;{title}: {body}\x07", f"\x1b]777;notify;{title};{body}\x07"):
            wrapped = "\x1bPtmux;" + osc.replace("\x1b", "\x1b\x1b") + "\x1b\\"
            parts.append(wrapped if in_tmux else osc)
    return "".join(parts)


def command_env(alert: Alert) -> dict[str, str]:
    change = alert.change
    return {
        "SMCONSOLE_ALERT_RULE": alert.rule.name,
        "SMCONSOLE_ALERT_MESSAGE": alert.message(),
        "SMCONSOLE_ALERT_KIND": change.kind,
        "SMCONSOLE_ALERT_NAME": change.name,
        "SMCONSOLE_ALERT_STATUS": change.status,
        "SMCONSOLE_ALERT_REASON": change.reason,
        "SMCONSOLE_ALERT_ARN": change.arn,
    }


def run_command(alert: Alert) -> subprocess.Popen[bytes] | None:
    """Start the rule's command (argv, no shell, no stdin); never waits on it."""
    if not alert.rule.command:
        return None
    env = dict(os.environ, **command_env(alert))
    try:
        return subprocess.Popen(
            list(alert.rule.command),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return None


def publish_sns(factory: Any, alert: Alert) -> str:
    """Publish the alert to its rule's topic; the message id, or "" (an error is never
    raised into the stream: the alert was told on the terminal already)."""
    if not alert.rule.sns_topic:
        return ""
    change = alert.change
    body = {
        "rule": alert.rule.name,
        "message": alert.message(),
        "kind": change.kind,
        "name": change.name,
        "status": change.status,
        "reason": change.reason,
        "arn": change.arn,
    }
    try:
        answer = factory.client("sns").publish(
            TopicArn=alert.rule.sns_topic,
            Subject=alert.title()[:100],
            Message=json.dumps(body, ensure_ascii=False),
        )
    except Exception:  # best effort: the alert was told on the terminal already
        return ""
    return str(answer.get("MessageId", ""))


class AlertPublisher:
    """Publishes fired alerts to their rules' SNS topics, within the read-only contract.

    Publishing an alert changes none of the account's SageMaker resources, but it is a
    write others receive, so read-only mode refuses it before anything is sent, like
    every other write (README, "Safety"). A stream of alerts would refuse again and
    again: the refusal is said once per publisher (one ``refused`` audit record and one
    notice through ``told``); later alerts skip the topic silently. The alert itself
    still rings, notifies and lists locally: that writes nothing anywhere.
    """

    ACTION = "alert-publish"

    def __init__(
        self, factory: Any, gate: Any, *, told: Callable[[str], None] | None = None
    ) -> None:
        self._factory = factory
        self._gate = gate
        self._told = told
        self._lock = threading.Lock()
        self.refusal = ""
        """The notice said when read-only mode first refused a publish ("" until then)."""

    def publish(self, alert: Alert) -> str:
        """The SNS message id; "" when the rule has no topic, read-only refused it, or
        the publish failed (the alert was told on the terminal already)."""
        topic = alert.rule.sns_topic
        if not topic:
            return ""
        if self._gate is not None and self._gate.read_only:
            self._refuse(topic)
            return ""
        return publish_sns(self._factory, alert)

    def _refuse(self, topic: str) -> None:
        with self._lock:
            if self.refusal:
                return
            try:
                self._gate.check(self.ACTION, topic)
            except ReadOnlyError as exc:
                error = exc
            else:  # read-only was switched off meanwhile: nothing to refuse
                return
            self.refusal = (
                f"{error.message}: alerts still ring and list here, none is published to "
                "SNS while read-only"
            )
        # An unwritable audit log must not stop the alert stream: the notice still says it.
        with contextlib.suppress(Exception):
            self._gate.refused(self.ACTION, topic, error)
        if self._told is not None:
            self._told(self.refusal)


@dataclass
class _RuleState:
    last_fired: float | None = None
    suppressed: int = 0


@dataclass
class AlertEngine:
    """Deduplicates incidents and rate-limits each rule (``min_interval`` seconds).

    An incident is keyed by the rule (its place in ``rules``, not its name: two rules
    may share one, e.g. two unnamed ``endpoint-5xx`` rules both called so) and the
    resource, so one rule closing its incident never reopens or closes another's.
    """

    rules: Sequence[AlertRule]
    min_interval: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _open: dict[tuple[int, ResourceKey], str] = field(default_factory=dict)
    _state: dict[int, _RuleState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _judged(self, only: AlertRule | None) -> list[tuple[int, AlertRule]]:
        """The rules that judge a change: ``only`` (an ``endpoint-5xx`` change is built
        with one rule's threshold and means nothing to another), else every rule but the
        ``endpoint-5xx`` ones."""
        if only is not None:
            return [(i, r) for i, r in enumerate(self.rules) if r is only]
        return [(i, r) for i, r in enumerate(self.rules) if r.when != "endpoint-5xx"]

    def evaluate(self, change: ResourceChanged, *, only: AlertRule | None = None) -> list[Alert]:
        """The alerts ``change`` raises now (empty: none, a repeat, or rate-limited)."""
        fired = []
        with self._lock:
            for index, rule in self._judged(only):
                incident = (index, change.key)
                if not rule.opens_incident(change):
                    self._open.pop(incident, None)  # recovered: the next failure is new
                    continue
                if incident in self._open:
                    continue  # the same incident, told again
                self._open[incident] = change.status
                state = self._state.setdefault(index, _RuleState())
                now = self.clock()
                if state.last_fired is not None and now - state.last_fired < self.min_interval:
                    state.suppressed += 1
                    continue
                fired.append(Alert(rule, change, state.suppressed))
                state.last_fired = now
                state.suppressed = 0
        return fired
