"""The MLflow run behind a model package, and that run's final metrics (for the evidence).

Many teams log their evaluation to MLflow and never write a ModelMetrics report; the
approver then sees no numbers. So the evidence also shows the final metrics of the run
a package was made from, found the same way the lineage links runs to packages
(:mod:`console.services.mlflow_lineage`), read backwards:

1. the package's ``CustomerMetadataProperties`` name the run (``mlflow_run_id``, …);
2. else they name the training job (``training_job``, …), else its model data sits under
   ``…/<training job>/output/``: the job's run is DescribeTrainingJob's ``MlflowDetails``
   or the run tagged with the job name (:meth:`MlflowService.run_for_training_job`).

Only when MLflow is configured. A run that ended is cached for the session (its metrics
no longer change); a running one is read again. If MLflow cannot be reached, the lookup
stops for that poll and says so in one line, so an unreachable server costs one timeout
per poll, not one per package.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from console.errors import NotFoundError, SmError, ValidationError
from console.records import Record
from console.services.mlflow_lineage import JOB_KEYS, RUN_ID_KEYS

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.services.registry import ModelPackage

# SageMaker's training job names (a path segment that is not one is not a job).
JOB_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# MLflow run states after which a run's metrics are final.
ENDED = frozenset({"FINISHED", "FAILED", "KILLED"})


@dataclass(frozen=True)
class RunMetrics(Record):
    """A package's MLflow run and its latest (final) metric values."""

    package_arn: str
    run_id: str
    run_name: str
    status: str
    metrics: dict[str, float]
    found_by: str  # "metadata mlflow_run_id" | "training job <name>"

    @property
    def label(self) -> str:
        return self.run_name or self.run_id[:8]


def job_from_model_data(url: str) -> str:
    """``s3://b/prefix/<job>/output/model.tar.gz`` -> ``<job>`` (SageMaker's layout), or ""."""
    parts = [p for p in url.split("/") if p]
    for index in range(len(parts) - 1, 2, -1):
        if parts[index] == "output":
            return parts[index - 1] if JOB_NAME.match(parts[index - 1]) else ""
    return ""


def package_run_ref(package: ModelPackage) -> tuple[str, str]:
    """``(run id, training job)`` recorded on a package (either may be "")."""
    meta = package.metadata
    run_id = next((meta[k] for k in RUN_ID_KEYS if meta.get(k)), "")
    job = next((meta[k] for k in JOB_KEYS if meta.get(k)), "")
    if not job and package.model_data_url:
        job = job_from_model_data(package.model_data_url)
    return run_id, job


class RunEvidenceService:
    """Finds packages' runs through ``context.mlflow`` (and the job's MlflowDetails)."""

    def __init__(self, context: ConsoleContext) -> None:
        self.context = context
        self._cache: dict[str, RunMetrics | None] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.context.mlflow.configured

    def runs_for(self, packages: Iterable[ModelPackage]) -> tuple[dict[str, RunMetrics], str]:
        """The runs found (by package ARN) and "" or the one line saying why not all."""
        found: dict[str, RunMetrics] = {}
        if not self.enabled:
            return found, ""
        for package in packages:
            with self._lock:
                known = package.arn in self._cache
                cached = self._cache.get(package.arn)
            if not known:
                try:
                    cached = self.run_for(package)
                except ValidationError:
                    cached = None  # what the package records is not a run id / job name
                except SmError as exc:
                    return found, f"MLflow run metrics unavailable: {exc.one_line()}"
                if cached is None or cached.status in ENDED:
                    with self._lock:
                        self._cache[package.arn] = cached
            if cached is not None:
                found[package.arn] = cached
        return found, ""

    def run_for(self, package: ModelPackage) -> RunMetrics | None:
        """One package's run, read now (None: nothing links it to a run)."""
        run_id, job = package_run_ref(package)
        mlflow = self.context.mlflow
        found_by = "metadata mlflow_run_id"
        run = None
        if run_id:
            try:
                run = mlflow.get_run(run_id)
            except NotFoundError:
                run = None
        if run is None and job:
            found_by = f"training job {job}"
            details_run_id = ""
            # The job may be gone (or not ours to describe): the run tags are tried then.
            with contextlib.suppress(SmError):
                details_run_id = self.context.jobs.describe_training_job(job).mlflow_run_id
            run = mlflow.run_for_training_job(job, mlflow_run_id=details_run_id)
        if run is None:
            return None
        return RunMetrics(
            package_arn=package.arn,
            run_id=run.run_id,
            run_name=run.name,
            status=run.status,
            metrics={k: float(v) for k, v in run.metrics.items()},
            found_by=found_by,
        )
