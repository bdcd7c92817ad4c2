"""A tuning job's training jobs ranked by the objective; create and stop through the gate.

:func:`rank_trials` is the one ranking (the CLI's ``tuning-describe`` and the TUI's job
detail both use it): best first by the objective (Maximize: highest), jobs without an
objective value last, only the hyperparameters that differ between the trials shown.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console import validate
from console.errors import NotSupportedError, ValidationError
from console.records import Record, as_datetime
from console.services.base import Service
from console.services.jobs import TuningJob

TUNING_NAME_MAX = 32
# Hyperparameters SageMaker adds to every trial; never what an operator compares.
_INTERNAL = frozenset({"_tuning_objective_metric", "sagemaker_estimator_class_name"})


@dataclass(frozen=True)
class TuningTrial(Record):
    """One training job of a tuning job, with its place in the ranking (1 = best)."""

    rank: int
    name: str
    status: str
    objective: float | None
    best: bool
    differing: dict[str, str]
    created: datetime | None
    ended: datetime | None


@dataclass(frozen=True)
class TuningDetail(Record):
    job: TuningJob
    objective_type: str
    objective_metric: str
    trials: tuple[TuningTrial, ...]
    warm_start_parents: tuple[str, ...]
    warm_start_type: str
    # Why there are no trials to rank (the endpoint cannot list them), or "".
    trials_unavailable: str = ""


def _value(item: Mapping[str, Any]) -> float | None:
    metric = item.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
    value = metric.get("Value")
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def rank_trials(
    items: Sequence[Mapping[str, Any]], objective_type: str, best_name: str = ""
) -> tuple[TuningTrial, ...]:
    """ListTrainingJobsForHyperParameterTuningJob items ranked best first.

    Ties keep the older job first (it reached the value first). ``best_name`` (the
    tuning job's own BestTrainingJob) is marked; without it (or when it is none of
    ``items``), the first ranked job with a value is.
    """
    maximize = objective_type.lower() == "maximize"
    params = [
        {
            str(k): str(v)
            for k, v in (i.get("TunedHyperParameters") or {}).items()
            if str(k) not in _INTERNAL
        }
        for i in items
    ]
    keys = sorted({k for p in params for k in p})
    differ = [k for k in keys if len({p.get(k) for p in params}) > 1]

    def order(index: int) -> tuple[int, float, float]:
        value = _value(items[index])
        created = as_datetime(items[index].get("CreationTime"))
        stamp = created.timestamp() if created else 0.0
        if value is None:
            return (1, 0.0, stamp)
        return (0, -value if maximize else value, stamp)

    ranked = sorted(range(len(items)), key=order)
    names = {str(i.get("TrainingJobName", "")) for i in items}
    marked = (best_name if best_name in names else "") or next(
        (str(items[i].get("TrainingJobName", "")) for i in ranked if _value(items[i]) is not None),
        "",
    )
    return tuple(
        TuningTrial(
            rank=place,
            name=str(items[i].get("TrainingJobName", "")),
            status=str(items[i].get("TrainingJobStatus", "")),
            objective=_value(items[i]),
            best=bool(marked) and items[i].get("TrainingJobName") == marked,
            differing={k: params[i][k] for k in differ if k in params[i]},
            created=as_datetime(items[i].get("CreationTime")),
            ended=as_datetime(items[i].get("TrainingEndTime")),
        )
        for place, i in enumerate(ranked, start=1)
    )


class TuningService(Service):
    """Ranked tuning detail, create from a JSON spec, stop."""

    def detail(self, name: str) -> TuningDetail:
        validate.name(name, "tuning job name", max_len=TUNING_NAME_MAX)
        data = self.call(
            self.client.describe_hyper_parameter_tuning_job, HyperParameterTuningJobName=name
        )
        job = TuningJob.from_api(data)
        objective = (data.get("HyperParameterTuningJobConfig") or {}).get(
            "HyperParameterTuningJobObjective"
        ) or {}
        items: list[dict[str, Any]] = []
        unavailable = ""
        try:
            items = list(
                self.paginate(
                    "list_training_jobs_for_hyper_parameter_tuning_job",
                    "TrainingJobSummaries",
                    HyperParameterTuningJobName=name,
                )
            )
        except NotSupportedError as exc:
            unavailable = exc.message  # a local stack: the job's own fields still show
        warm = data.get("WarmStartConfig") or {}
        return TuningDetail(
            job=job,
            objective_type=str(objective.get("Type", "")),
            objective_metric=str(objective.get("MetricName", "")),
            trials=rank_trials(items, str(objective.get("Type", "")), job.best_training_job),
            warm_start_parents=tuple(
                str(p.get("HyperParameterTuningJobName", ""))
                for p in warm.get("ParentHyperParameterTuningJobs") or []
            ),
            warm_start_type=str(warm.get("WarmStartType", "") or ""),
            trials_unavailable=unavailable,
        )

    def create(self, name: str, spec: Mapping[str, Any]) -> str:
        """CreateHyperParameterTuningJob from a spec (the API's own shape, without the
        name, or with the same name)."""
        validate.name(name, "tuning job name", max_len=TUNING_NAME_MAX)
        given = spec.get("HyperParameterTuningJobName")
        if given not in (None, name):
            raise ValidationError(
                f"the spec names tuning job {str(given)[:40]!r}, the command {name!r}",
                "drop HyperParameterTuningJobName from the spec or use the same name",
            )
        request = {**spec, "HyperParameterTuningJobName": name}
        if "HyperParameterTuningJobConfig" not in request:
            raise ValidationError(
                "the spec has no HyperParameterTuningJobConfig",
                "the spec is CreateHyperParameterTuningJob's request as JSON "
                "(HyperParameterTuningJobConfig, TrainingJobDefinition, …)",
            )
        result = self.mutate(
            "tuning-create",
            name,
            request,
            self.client.create_hyper_parameter_tuning_job,
            **request,
        )
        return str(result.get("HyperParameterTuningJobArn", ""))
