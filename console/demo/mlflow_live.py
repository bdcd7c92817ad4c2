"""The demo's MLflow runs follow its simulated training jobs as they train.

The seeder (console/demo/mlflow_seed.py) logs the runs of the jobs that exist at start-up.
Jobs the simulator starts later, and the ones still training, get their run here: a
RUNNING run appears once a job trains, its metric curves grow every tick, and it ends
FINISHED, FAILED or KILLED with the job. So "from a running job, jump to its MLflow run"
works on whichever job an operator picks.

The simulator calls :class:`LiveRuns` from its own thread, outside the moto lock (MLflow
writes to sqlite must not hold up the API). Nothing here may print (the TUI owns the
terminal): mlflow's loggers were silenced by the seeder, and on a sqlite store mlflow
prints nothing else. Not :func:`console.mlflow.quiet.quiet`: it swaps the process-wide
``sys.stdout``, which from this background thread would swallow other threads' output.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from console.demo.seed import FAMILIES
from console.mlflow.loading import mlflow_imports

# Simulator outcome -> MLflow run status.
RUN_STATUS = {"Completed": "FINISHED", "Failed": "FAILED", "Stopped": "KILLED"}


class LiveRuns:
    """MLflow runs of the simulator's training jobs (job name -> run id)."""

    def __init__(
        self,
        tracking_uri: str,
        experiments: Mapping[str, str],
        known: Mapping[str, str],
    ) -> None:
        """``experiments``: experiment name -> id (the seeder's); ``known``: job -> run id
        of runs the seeder already logged."""
        self.tracking_uri = tracking_uri
        self.experiments = dict(experiments)
        self.runs = dict(known)
        self._client: Any = None
        self._lock = threading.Lock()

    def _mlflow(self) -> Any:
        if self._client is None:
            with mlflow_imports():
                from mlflow.tracking import MlflowClient

                self._client = MlflowClient(
                    tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri
                )
        return self._client

    def progress(
        self,
        job: str,
        family: str,
        values: Mapping[str, float],
        step: int,
        at_ms: int,
        params: Mapping[str, str],
    ) -> str | None:
        """Log one point per metric for ``job`` (starting its run if it has none yet).
        Returns the run id, or None for a family the demo does not track in MLflow."""
        experiment_id = self.experiments.get(FAMILIES[family].experiment)
        if experiment_id is None:
            return None
        with mlflow_imports():
            from mlflow.entities import Metric, Param

        with self._lock:
            client = self._mlflow()
            run_id = self.runs.get(job)
            if run_id is None:
                created = client.create_run(
                    experiment_id,
                    start_time=at_ms,
                    run_name=job,
                    tags={
                        "sagemaker.training_job": job,
                        "mlflow.user": "ml-platform",
                        "mlflow.source.name": "train.py",
                        "mlflow.source.type": "JOB",
                    },
                )
                run_id = str(created.info.run_id)
                self.runs[job] = run_id
                client.log_batch(run_id, params=[Param(k, str(v)) for k, v in params.items()])
            metrics = [Metric(name, float(value), at_ms, step) for name, value in values.items()]
            client.log_batch(run_id, metrics=metrics)
            return run_id

    def ended(self, job: str, outcome: str, at_ms: int) -> None:
        """The job ended (Completed, Failed or Stopped): end its run the same way."""
        with self._lock:
            run_id = self.runs.get(job)
            if run_id is None:
                return
            self._mlflow().set_terminated(run_id, RUN_STATUS[outcome], end_time=at_ms)
