"""Evidence before an approval: the candidate beside the approved and the serving version.

An operator asked to approve ``churn-xgb/4`` wants to know two things first: is it better
than the version the group currently approves, and better than what production actually
serves (the two differ whenever somebody deployed by hand or a rollout is half done)?

The serving version is found the way SageMaker wires it: endpoint -> endpoint config ->
production variants -> model -> container. A container names its package
(``ModelPackageName``, when the model was made from a package ARN) or only its model data
(``ModelDataUrl``), which is then matched to the package with the same model data.

**Better or worse.** Each metric is compared by its name: names that measure a loss, an
error or a cost are lower-is-better, every other metric (accuracy, AUC, F1, R², …) is
higher-is-better. A name is lower-is-better when one of its words (split on anything
that is not a letter or digit, e.g. ``validation:logloss`` -> ``validation``,
``logloss``) is in :data:`LOWER_IS_BETTER_WORDS`, or ends in ``loss`` or ``error``
(``eval_loss``, ``meanabsoluteerror``). Values equal within 1e-9 (relative) are ``same``.
A metric missing on either side is not compared (empty verdict), never guessed.

**MLflow run metrics.** When MLflow is configured, the final metrics of the run each
version was made from (:mod:`console.services.run_evidence`) stand beside the report:
a metric the report lacks is compared through the runs (candidate's run against the
approved and serving versions' runs), marked the same way.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from console.errors import SmError
from console.records import Record
from console.services.approval_history import HistoryEntry, approval_history
from console.services.registry import ModelPackage, package_arn
from console.services.run_evidence import RunEvidenceService, RunMetrics

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.endpoints import ServingModel

# Words of a metric name that mean "smaller is better".
LOWER_IS_BETTER_WORDS = frozenset(
    {
        "loss",
        "logloss",
        "error",
        "err",
        "rmse",
        "mse",
        "mae",
        "mape",
        "smape",
        "rmsle",
        "msle",
        "wer",
        "cer",
        "perplexity",
        "ppl",
        "latency",
        "fpr",
        "fnr",
        "brier",
        "hamming",
        "cost",
    }
)
_WORDS = re.compile(r"[a-z0-9]+")
BETTER, WORSE, SAME = "better", "worse", "same"
# Endpoints looked at for the serving version (newest first); each one costs a few
# describe calls the first time and none afterwards until it changes.
SERVING_ENDPOINT_LIMIT = 100
# Versions of a group read for the evidence (newest first).
EVIDENCE_PACKAGE_LIMIT = 100


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of ``metric`` is better (see the module docstring)."""
    words = _WORDS.findall(metric.lower())
    if any(word in LOWER_IS_BETTER_WORDS for word in words):
        return True
    return bool(words) and words[-1].endswith(("loss", "error"))


def compare(candidate: float | None, other: float | None, *, lower: bool) -> str:
    """``better``/``worse``/``same`` for the candidate against ``other``; ``""`` if unknown."""
    if candidate is None or other is None or math.isnan(candidate) or math.isnan(other):
        return ""
    if math.isclose(candidate, other, rel_tol=1e-9, abs_tol=1e-12):
        return SAME
    if (candidate < other) == lower:
        return BETTER
    return WORSE


@dataclass(frozen=True)
class ServingVersion(Record):
    """One endpoint variant serving a version of the group, and how it was recognised."""

    endpoint: str
    variant: str
    model: str
    package_arn: str
    version: int | None
    matched_by: str  # "package" (ModelPackageName) | "model data" (ModelDataUrl)


@dataclass(frozen=True)
class MetricComparison(Record):
    """One metric of the candidate beside the approved and serving versions."""

    name: str
    lower_is_better: bool
    candidate: float | None
    approved: float | None
    serving: float | None
    vs_approved: str  # better | worse | same | "" (not comparable)
    vs_serving: str
    # The candidate's MLflow run's final value; "run": the row comes from the runs only
    # (the report has no such metric), so the verdicts compare run values.
    run: float | None = None
    source: str = "report"


@dataclass(frozen=True)
class Evidence(Record):
    """What an operator reads before approving ``candidate``."""

    candidate: ModelPackage
    approved: ModelPackage | None
    serving: ModelPackage | None
    serving_at: tuple[ServingVersion, ...]
    metrics: tuple[MetricComparison, ...]
    notes: tuple[str, ...]
    run: RunMetrics | None = None  # the candidate's MLflow run, when one was found

    @property
    def better_count(self) -> int:
        return sum(1 for m in self.metrics if BETTER in (m.vs_approved, m.vs_serving))

    @property
    def worse_count(self) -> int:
        return sum(1 for m in self.metrics if WORSE in (m.vs_approved, m.vs_serving))

    def summary(self) -> str:
        """``vs approved: 2 better, 3 worse`` (against serving when nothing is approved),
        over every metric the pane shows, MLflow ones included; empty with no verdict.
        The evidence pane's title and the approve dialog both say this, so they agree."""
        versus = "approved" if self.approved is not None else "serving"
        verdicts = [
            m.vs_approved if self.approved is not None else m.vs_serving for m in self.metrics
        ]
        if not any(verdicts):
            return ""
        return f"vs {versus}: {verdicts.count(BETTER)} better, {verdicts.count(WORSE)} worse"


def serving_versions(
    packages: Iterable[ModelPackage], serving: Iterable[ServingModel]
) -> tuple[ServingVersion, ...]:
    """The endpoint variants that serve one of ``packages`` (a package ARN wins over data)."""
    by_arn = {p.arn: p for p in packages}
    by_data: dict[str, ModelPackage] = {}
    for known in sorted(by_arn.values(), key=lambda p: p.version or 0):
        if known.model_data_url:
            by_data.setdefault(known.model_data_url, known)
    found: list[ServingVersion] = []
    for model in serving:
        package: ModelPackage | None = by_arn.get(model.model_package_arn)
        how = "package"
        if package is None and model.model_data_url:
            package, how = by_data.get(model.model_data_url), "model data"
        if package is not None:
            found.append(
                ServingVersion(
                    endpoint=model.endpoint,
                    variant=model.variant,
                    model=model.model,
                    package_arn=package.arn,
                    version=package.version,
                    matched_by=how,
                )
            )
    return tuple(sorted(found, key=lambda s: (s.endpoint, s.variant)))


def current_approved(packages: Iterable[ModelPackage], exclude: str = "") -> ModelPackage | None:
    """The group's newest Approved version other than ``exclude``."""
    approved = [p for p in packages if p.approval_status == "Approved" and p.arn != exclude]
    if not approved:
        return None
    return max(approved, key=lambda p: (p.version or 0, p.created or datetime.min))


def build_evidence(
    candidate: ModelPackage,
    packages: Sequence[ModelPackage],
    serving_at: Sequence[ServingVersion],
    runs: Mapping[str, RunMetrics] | None = None,
    run_note: str = "",
) -> Evidence:
    """Compare ``candidate`` with the approved and serving versions among ``packages``.

    ``runs`` maps package ARNs to their MLflow runs' metrics (see the module docstring);
    ``run_note`` is the one line saying why they could not be read. Pure: the caller
    fetched everything, so the TUI can redraw evidence for every highlighted row from one
    poll's data without another API call.
    """
    runs = runs or {}
    by_arn = {p.arn: p for p in packages}
    approved = current_approved(packages, exclude=candidate.arn)
    # The serving version: the one on most variants; ties go to the newest version.
    counts: dict[str, int] = {}
    for place in serving_at:
        counts[place.package_arn] = counts.get(place.package_arn, 0) + 1
    serving = None
    if counts:
        best = max(counts, key=lambda arn: (counts[arn], by_arn[arn].version or 0))
        serving = by_arn.get(best)
    names = list(candidate.metrics)
    for other in (approved, serving):
        for name in other.metrics if other else ():
            if name not in names:
                names.append(name)
    reported = set(names)
    candidate_run = runs.get(candidate.arn)
    for package in (candidate, approved, serving):
        run = runs.get(package.arn) if package is not None else None
        for name in run.metrics if run else ():
            if name not in names:
                names.append(name)

    def value(package: ModelPackage | None, name: str, source: str) -> float | None:
        if package is None:
            return None
        if source == "report":
            return package.metrics.get(name)
        run = runs.get(package.arn)
        return run.metrics.get(name) if run else None

    rows = []
    for name in names:
        lower = lower_is_better(name)
        source = "report" if name in reported else "run"
        candidate_value = value(candidate, name, source)
        approved_value = value(approved, name, source)
        serving_value = value(serving, name, source)
        rows.append(
            MetricComparison(
                name=name,
                lower_is_better=lower,
                candidate=candidate_value,
                approved=approved_value,
                serving=serving_value,
                vs_approved=compare(candidate_value, approved_value, lower=lower),
                vs_serving=compare(candidate_value, serving_value, lower=lower),
                run=candidate_run.metrics.get(name) if candidate_run else None,
                source=source,
            )
        )
    notes: list[str] = []
    if approved is None:
        notes.append("no other version of this group is Approved")
    if not serving_at:
        notes.append("no endpoint serves a version of this group")
    elif serving is not None and serving.arn == candidate.arn:
        notes.append("this version is the one serving")
    if not candidate.metrics and candidate_run is None:
        if candidate.metric_reports:
            notes.append("no numbers in the candidate's metric report (unreadable or empty)")
        else:
            notes.append("the candidate has no ModelMetrics report")
    if run_note:
        notes.append(run_note)
    return Evidence(
        candidate=candidate,
        approved=approved,
        serving=serving,
        serving_at=tuple(serving_at),
        metrics=tuple(rows),
        notes=tuple(notes),
        run=candidate_run,
    )


class EvidenceService:
    """Finds what endpoints serve and builds :class:`Evidence` (over the other services)."""

    def __init__(self, context: ConsoleContext) -> None:
        self.context = context
        # endpoint name -> (LastModifiedTime, what it serves): an endpoint that did not
        # change since the last look is not described again.
        self._serving: dict[str, tuple[datetime | None, tuple[ServingModel, ...]]] = {}
        self._lock = threading.Lock()
        self.runs = RunEvidenceService(context)

    def serving_models(self, *, limit: int = SERVING_ENDPOINT_LIMIT) -> tuple[ServingModel, ...]:
        """What every endpoint variant serves (newest ``limit`` endpoints).

        Best effort per endpoint: one being deleted, or whose model is gone, is skipped
        rather than failing the whole lookup.
        """
        endpoints = self.context.endpoints
        found: list[ServingModel] = []
        seen: set[str] = set()
        for summary in endpoints.list_endpoints(limit=limit):
            seen.add(summary.name)
            with self._lock:
                cached = self._serving.get(summary.name)
            if cached is not None and cached[0] == summary.modified and summary.modified:
                found.extend(cached[1])
                continue
            try:
                models = tuple(endpoints.serving_model_data(summary.name))
            except SmError:
                continue
            with self._lock:
                self._serving[summary.name] = (summary.modified, models)
            found.extend(models)
        with self._lock:
            for gone in set(self._serving) - seen:
                del self._serving[gone]
        return tuple(found)

    def evidence(self, arn: str) -> Evidence:
        """The evidence for one package, read fresh (the CLI's ``model-package-describe``)."""
        package_arn(arn)
        registry = self.context.registry
        candidate = registry.describe_package(arn)
        packages = registry.list_packages(candidate.group, limit=EVIDENCE_PACKAGE_LIMIT)
        if all(p.arn != candidate.arn for p in packages):
            packages.append(candidate)  # older than the newest EVIDENCE_PACKAGE_LIMIT
        places = serving_versions(packages, self.serving_models())
        evidence = build_evidence(candidate, packages, places)
        if not self.runs.enabled:
            return evidence
        involved = [p for p in (candidate, evidence.approved, evidence.serving) if p is not None]
        runs, note = self.runs.runs_for(involved)
        return build_evidence(candidate, packages, places, runs, note)

    def history(self, group: str, *, limit: int = EVIDENCE_PACKAGE_LIMIT) -> list[HistoryEntry]:
        """The group's approval history, newest first (audit log merged with the registry)."""
        packages = self.context.registry.list_packages(group, limit=limit, metrics=False)
        return approval_history(packages, self.context.audit.records(), group)
