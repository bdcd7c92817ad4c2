"""Makes the demo account live: jobs progress and finish, endpoints come up, work arrives.

moto never changes a state by itself, so a daemon thread does it every tick (~1.5 s):
InProgress training jobs walk Starting -> Downloading -> Training -> Uploading and end
Completed (with final metrics) or Failed (with a reason and a traceback in the logs),
writing log lines on every host as they train; Stopping becomes Stopped; endpoints,
notebooks and HyperPod nodes leave their transitional states after a few ticks; now and
then a new training job starts and a new model package waits for approval.

All randomness comes from one seeded :class:`random.Random`, so a run is repeatable.
Changes go straight onto moto's in-process objects, each one an atomic attribute swap
(:func:`console.demo.moto_state.patch`) made under the lock shared with the demo's moto handlers.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from console.demo.cluster_nodes import add_cluster_event
from console.demo.moto_extras import DemoState, apply_endpoint_config
from console.demo.moto_state import patch, utc_now
from console.demo.seed import (
    FAILURES,
    FAMILIES,
    FAMILY_WEIGHTS,
    TRAINING_LOG_GROUP,
    DemoWorld,
    Family,
    JobPlan,
    append_log_events,
    best_training_job,
    build_training_job,
    draw_finals,
    epoch_ms,
    eval_line,
    evaluation_report,
    failure_lines,
    family_of,
    metric_values,
    preamble_lines,
    progress_line,
    stream_names,
    success_lines,
    training_request,
    transition,
)

# Ticks spent in each secondary status before moving on (Training ends on steps instead).
STAGE_TICKS = {"Starting": 2, "Downloading": 2, "Uploading": 1}
# Ticks a transitional endpoint/notebook/node/processing state lasts.
SETTLE_TICKS = 3
MAX_NEW_JOBS = 200


class Simulator:
    """Advances the demo world one tick at a time on a daemon thread."""

    def __init__(
        self,
        world: DemoWorld,
        state: DemoState,
        *,
        tick_seconds: float = 1.5,
        seed: int = 11,
        new_job_every: int = 25,
        new_package_every: int = 60,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.world = world
        self.state = state
        self.tick_seconds = tick_seconds
        self.rng = random.Random(seed)
        self.new_job_every = new_job_every
        self.new_package_every = new_package_every
        self.clock = clock
        self.ticks = 0
        self.new_jobs = 0
        self.last_error = ""
        self._waits: dict[tuple[str, str], int] = {}
        # (execution arn, step, attempt) -> the job a retried step runs.
        self._retry_jobs: dict[tuple[str, str, int], str] = {}
        # MLflow runs of the training jobs (console/demo/mlflow_live.py), set by the stack
        # once its MLflow store is seeded; fed after each tick, outside the moto lock.
        self.run_tracker: Any = None
        # console/demo/events.py, set by the stack when the demo runs on push: each
        # tick's state changes go out as SageMaker events (PutEvents -> rule -> queue).
        self.events: Any = None
        self._run_events: list[Callable[[Any], Any]] = []
        # CloudWatch metrics of endpoints and the GPU job (console/demo/production.py)
        self.production: Any = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- thread -------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name="smconsole-demo-simulator", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        while not self._stop.wait(self.tick_seconds):
            try:
                self.tick()
            except Exception as exc:  # a bad tick must not kill the demo; keep the last error
                self.last_error = f"{type(exc).__name__}: {exc}"

    # -- one tick -----------------------------------------------------------------------
    def tick(self) -> None:
        from moto.logs.models import logs_backends
        from moto.sagemaker.models import sagemaker_backends

        backend = sagemaker_backends[self.world.account_id][self.world.region]
        logs = logs_backends[self.world.account_id][self.world.region]
        now = self.clock()
        with self.state.lock:
            self.ticks += 1
            for job in list(backend.training_jobs.values()):
                if job.training_job_status == "InProgress":
                    self._advance_training(job, logs, now)
                elif job.training_job_status == "Stopping":
                    self._settle(("stop", job.training_job_name), partial(self._stopped, job, now))
            self._processing(backend, now)
            self._tuning(backend, now)
            self._endpoints(backend)
            self._pipelines(backend, now)
            self._notebooks(backend, now)
            self._tracking_servers(now)
            self._clusters(backend)
            if self.ticks % self.new_job_every == 0 and self.new_jobs < MAX_NEW_JOBS:
                self._new_training_job(backend, now)
            if self.ticks % self.new_package_every == 0:
                self._new_package(backend, now)
            entries = self.events.changes(backend, now) if self.events is not None else []
        if entries:
            self.events.publish(entries)
        self._feed_runs()
        if self.production is not None:  # PutMetricData over HTTP: outside the moto lock
            self.production.tick(now)

    def _feed_runs(self) -> None:
        """Hand this tick's training progress to the MLflow runs (never under the lock)."""
        events, self._run_events = self._run_events, []
        tracker = self.run_tracker
        if tracker is None:
            return
        for event in events:
            try:
                event(tracker)
            except Exception as exc:  # MLflow trouble must not stop the simulation
                self.last_error = f"MLflow: {type(exc).__name__}: {exc}"

    def _settle(
        self, key: tuple[str, str], done: Callable[[], None], ticks: int = SETTLE_TICKS
    ) -> None:
        """Call ``done`` once ``key`` has been seen for ``ticks`` ticks."""
        seen = self._waits.get(key, 0) + 1
        if seen >= ticks:
            self._waits.pop(key, None)
            done()
        else:
            self._waits[key] = seen

    # -- training -----------------------------------------------------------------------
    def _plan(self, job: Any, now: datetime) -> JobPlan:
        """The plan of a job, adopting jobs created during the demo (by an operator)."""
        plan = self.world.plans.get(job.training_job_name)
        if plan is None:
            family = family_of(job.training_job_name)
            hosts = int((job.resource_config or {}).get("InstanceCount", 1) or 1)
            outcome = "Failed" if self.rng.random() < 0.15 else "Completed"
            failure = ""
            if outcome == "Failed":
                failure = self.rng.choice(
                    [
                        f.key
                        for f in FAILURES.values()
                        if family.key in f.families and f.phase == "Training"
                    ]
                    or ["oom"]
                )
            plan = JobPlan(
                name=job.training_job_name,
                family=family.key,
                hosts=hosts,
                streams=stream_names(job.training_job_name, hosts, job.creation_time),
                total_steps=family.total_steps,
                outcome=outcome,
                failure=failure,
                spot=bool(job.enable_managed_spot_training),
                finals=draw_finals(family, self.rng),
            )
            self.world.plans[plan.name] = plan
        return plan

    def _advance_training(self, job: Any, logs: Any, now: datetime) -> None:
        plan = self._plan(job, now)
        family = FAMILIES[plan.family]
        stage = job.secondary_status
        plan.stage_ticks += 1
        if stage in STAGE_TICKS:
            if plan.stage_ticks >= STAGE_TICKS[stage]:
                following = {
                    "Starting": "Downloading",
                    "Downloading": "Training",
                    "Uploading": "Completed",
                }
                nxt = following[stage]
                if nxt == "Completed":
                    self._finish(job, plan, family, now, "Completed")
                else:
                    self._move(job, nxt, now, started=stage == "Starting")
                    if nxt == "Training":
                        self._log_preamble(job, plan, family, logs, now)
            return
        if stage != "Training":  # Restarting, Interrupted, ...: resume training
            self._move(job, "Training", now)
            return
        fail_at = plan.total_steps // 2 if plan.outcome == "Failed" else plan.total_steps
        plan.step = min(plan.step + family.steps_per_tick, fail_at)
        fraction = plan.step / plan.total_steps
        values = metric_values(family, fraction, plan.finals, self.rng)
        self._log_progress(plan, family, logs, now, values)
        if self.run_tracker is not None:  # no MLflow store (yet): nothing to log
            point = (plan.name, plan.family, dict(values), plan.step, epoch_ms(now))
            hyper = job.hyper_parameters or family.hyperparameters
            params = {str(k): str(v) for k, v in hyper.items()}
            self._run_events.append(lambda tracker: tracker.progress(*point, params))
        patch(
            job,
            final_metric_data_list=[
                {"MetricName": k, "Value": round(v, 5), "Timestamp": now} for k, v in values.items()
            ],
            last_modified_time=now,
        )
        if plan.step >= fail_at:
            if plan.outcome == "Failed":
                self._finish(job, plan, family, now, "Failed")
            else:
                self._move(job, "Uploading", now)
                plan.stage_ticks = 0

    def _move(self, job: Any, status: str, now: datetime, *, started: bool = False) -> None:
        transitions = [dict(t) for t in job.secondary_status_transitions]
        if transitions and "EndTime" not in transitions[-1]:
            transitions[-1]["EndTime"] = now
        changes: dict[str, Any] = {
            "secondary_status": status,
            "secondary_status_transitions": [*transitions, transition(status, now)],
            "last_modified_time": now,
        }
        if started:
            changes["training_start_time"] = now
        patch(job, **changes)
        plan = self.world.plans.get(job.training_job_name)
        if plan is not None:
            plan.stage_ticks = 0

    def _times(self, job: Any, plan: JobPlan | None, now: datetime) -> dict[str, Any]:
        start = job.training_start_time or now
        seconds = max(int((now - start).total_seconds()), 1)
        billable = seconds
        if plan is not None and plan.spot:
            billable = int(seconds * (1.0 - self.rng.uniform(0.5, 0.72)))
        return {
            "training_start_time": start,
            "training_end_time": now,
            "training_time_in_seconds": seconds,
            "billable_time_in_seconds": billable,
            "last_modified_time": now,
        }

    def _finish(self, job: Any, plan: JobPlan, family: Family, now: datetime, status: str) -> None:
        transitions = [dict(t) for t in job.secondary_status_transitions]
        if transitions and "EndTime" not in transitions[-1]:
            transitions[-1]["EndTime"] = now
        changes = self._times(job, plan, now)
        changes.update(
            training_job_status=status,
            secondary_status=status,
            secondary_status_transitions=[*transitions, transition(status, now, now)],
        )
        from moto.logs.models import logs_backends

        logs = logs_backends[self.world.account_id][self.world.region]
        if status == "Completed":
            final = metric_values(family, 1.0, plan.finals, self.rng)
            out = self.world.buckets["output"]
            changes["final_metric_data_list"] = [
                {"MetricName": k, "Value": round(v, 5), "Timestamp": now} for k, v in final.items()
            ]
            changes["model_artifacts"] = {
                "S3ModelArtifacts": f"s3://{out}/{family.prefix}/{plan.name}/output/model.tar.gz"
            }
            self._write(
                logs,
                plan.streams[0],
                [(epoch_ms(now), line) for line in success_lines(family, now)],
            )
        else:
            failure = FAILURES.get(plan.failure) or FAILURES["oom"]
            changes["failure_reason"] = failure.reason
            stream = plan.streams[min(1, len(plan.streams) - 1)]
            self._write(
                logs,
                stream,
                [(epoch_ms(now) + i, line) for i, line in enumerate(failure_lines(failure, now))],
            )
        patch(job, **changes)
        self.world.plans.pop(plan.name, None)
        self._run_ended(plan.name, status, now)

    def _run_ended(self, job: str, outcome: str, now: datetime) -> None:
        if self.run_tracker is None:
            return
        at = epoch_ms(now)
        self._run_events.append(lambda tracker: tracker.ended(job, outcome, at))

    def _stopped(self, job: Any, now: datetime) -> None:
        transitions = [dict(t) for t in job.secondary_status_transitions]
        if transitions and "EndTime" not in transitions[-1]:
            transitions[-1]["EndTime"] = now
        plan = self.world.plans.pop(job.training_job_name, None)
        changes = self._times(job, plan, now)
        changes.update(
            training_job_status="Stopped",
            secondary_status="Stopped",
            secondary_status_transitions=[*transitions, transition("Stopped", now, now)],
        )
        patch(job, **changes)
        self._run_ended(job.training_job_name, "Stopped", now)

    # -- logs ---------------------------------------------------------------------------
    def _write(self, logs: Any, stream: str, events: list[tuple[int, str]]) -> None:
        append_log_events(logs, TRAINING_LOG_GROUP, stream, events)

    def _log_preamble(
        self, job: Any, plan: JobPlan, family: Family, logs: Any, now: datetime
    ) -> None:
        for host, stream in enumerate(plan.streams, start=1):
            lines = preamble_lines(family, plan.name, host, plan.hosts, now)
            self._write(
                logs,
                stream,
                [(epoch_ms(now) + i * 37 + host, line) for i, line in enumerate(lines)],
            )

    def _log_progress(
        self, plan: JobPlan, family: Family, logs: Any, now: datetime, values: dict[str, float]
    ) -> None:
        for host, stream in enumerate(plan.streams, start=1):
            at = epoch_ms(now) + host * 13 + self.rng.randint(0, 200)
            events = [(at, progress_line(family, plan.step, plan.total_steps, values, self.rng))]
            if host == 1 and self.ticks % 10 == 0:
                events.append((at + 400, eval_line(family, plan.step, plan.total_steps, values)))
            if host > 1 and self.ticks % 7 == 0:
                events.append(
                    (
                        at + 90,
                        f"algo-{host}:152:410 [0] NCCL INFO AllReduce: opCount "
                        f"{self.ticks * 97:x} sendbuff 0x7f1c0 recvbuff 0x7f1c0 count 1048576 "
                        f"datatype 7 op 0 root 0 comm 0x55d1c2a0 [nranks={plan.hosts * 8}]",
                    )
                )
            self._write(logs, stream, events)

    # -- other resources ------------------------------------------------------------------
    def _processing(self, backend: Any, now: datetime) -> None:
        for job in list(backend.processing_jobs.values()):
            name = job.processing_job_name
            if job.processing_job_status == "InProgress":
                left = self.world.processing_ticks.setdefault(name, 8) - 1
                self.world.processing_ticks[name] = left
                if left == 6 and job.processing_start_time is None:
                    patch(job, processing_start_time=now, last_modified_time=now)
                if left <= 0:
                    self.world.processing_ticks.pop(name, None)
                    patch(
                        job,
                        processing_job_status="Completed",
                        processing_end_time=now,
                        last_modified_time=now,
                    )
            elif job.processing_job_status == "Stopping":
                self._settle(
                    ("processing", name),
                    partial(
                        patch,
                        job,
                        processing_job_status="Stopped",
                        processing_end_time=now,
                        last_modified_time=now,
                    ),
                    ticks=2,
                )

    def _tuning(self, backend: Any, now: datetime) -> None:
        for tuning in list(backend.hyper_parameter_tuning_jobs.values()):
            status = tuning.hyper_parameter_tuning_job_status
            if status not in {"InProgress", "Stopping"}:
                continue
            children = [
                j
                for j in list(backend.training_jobs.values())
                if getattr(j, "tuning_job_arn", None) == tuning.arn
            ]
            if status == "Stopping":
                for child in children:
                    if child.training_job_status == "InProgress":
                        self._stopped(child, now)
            counters = {
                "Completed": 0,
                "InProgress": 0,
                "RetryableError": 0,
                "NonRetryableError": 0,
                "Stopped": 0,
            }
            for child in children:
                key = {"Failed": "NonRetryableError", "Stopping": "InProgress"}.get(
                    child.training_job_status, child.training_job_status
                )
                counters[key] = counters.get(key, 0) + 1
            limits = tuning.hyper_parameter_tuning_job_config.get("ResourceLimits", {})
            running = counters["InProgress"]
            if (
                status == "InProgress"
                and running == 0
                and len(children) < int(limits.get("MaxNumberOfTrainingJobs", 8))
            ):
                for _ in range(
                    min(2, int(limits.get("MaxNumberOfTrainingJobs", 8)) - len(children))
                ):
                    index = len(children) + 1
                    suffix = f"{index:03d}-{self.rng.getrandbits(32):08x}"
                    name = f"{tuning.hyper_parameter_tuning_job_name}-{suffix}"
                    self._create_job(backend, FAMILIES["xgb"], name, 1, False, now, tuning=tuning)
                    children.append(backend.training_jobs[name])
                    counters["InProgress"] += 1
                    running += 1
            objective = (
                tuning.hyper_parameter_tuning_job_config.get("HyperParameterTuningJobObjective")
                or {}
            ).get("MetricName", "")
            best = best_training_job(tuning.hyper_parameter_tuning_job_name, children, objective)
            changes: dict[str, Any] = {
                "training_job_status_counters": counters,
                "last_modified_time": now,
                # A trial that finished better than the best so far becomes the best.
                "best_training_job": best,
                "OverallBestTrainingJob": best,
            }
            if running == 0:
                changes.update(
                    hyper_parameter_tuning_job_status="Stopped"
                    if status == "Stopping"
                    else "Completed",
                    hyper_parameter_tuning_end_time=now,
                )
            patch(tuning, **changes)

    def _endpoints(self, backend: Any) -> None:
        for endpoint in list(backend.endpoints.values()):
            if endpoint.endpoint_status in {"Creating", "Updating", "SystemUpdating"}:
                name = endpoint.endpoint_name

                def done(e: Any = endpoint, n: str = name) -> None:
                    pending = self.state.pending_endpoint_configs.pop(n, None)
                    if pending:
                        apply_endpoint_config(backend, e, pending)
                    else:
                        patch(e, endpoint_status="InService", last_modified_time=utc_now())

                self._settle(("endpoint", name), done)

    def _pipelines(self, backend: Any, now: datetime) -> None:
        """A stopped execution settles as Stopped (it stayed Stopping forever); an
        executing one follows its training step's job (a retried step gets a new job)."""
        from console.demo.moto_extras import set_pipeline_execution

        for pipeline in list(backend.pipelines.values()):
            for execution in list(pipeline.pipeline_executions.values()):
                if execution.pipeline_execution_status == "Executing":
                    if getattr(execution, "demo_steps", None) == []:  # just started
                        self._start_steps(backend, pipeline, execution, now)
                    else:
                        self._follow_training_steps(backend, pipeline, execution, now)
                if execution.pipeline_execution_status != "Stopping":
                    continue

                def done(e: Any = execution) -> None:
                    steps = [
                        {**s, "StepStatus": "Stopped", "EndTime": now}
                        if s.get("StepStatus") == "Stopping"
                        else s
                        for s in getattr(e, "demo_steps", [])
                    ]
                    set_pipeline_execution(e, "Stopped", steps)

                self._settle(("pipeline", execution.arn), done)

    def _follow_training_steps(
        self, backend: Any, pipeline: Any, execution: Any, now: datetime
    ) -> None:
        """An executing Training step ends with its job, and so does the execution.

        A retried step (RetryPipelineExecution) runs a new job, as SageMaker does: the
        failed one stays as it was and the step points at the new one. Before this the
        retried step kept pointing at the failed job and never ended.
        """
        from console.demo.moto_extras import set_pipeline_execution

        steps = [dict(s) for s in getattr(execution, "demo_steps", [])]
        for index, step in enumerate(steps):
            if step.get("StepStatus") != "Executing" or step.get("StepType") != "Training":
                continue
            arn = str(step.get("Metadata", {}).get("TrainingJob", {}).get("Arn", ""))
            job = backend.training_jobs.get(arn.rsplit("/", 1)[-1])
            if job is None or job.training_job_status in ("InProgress", "Stopping"):
                continue
            attempt = (execution.arn, str(step.get("StepName")), int(step.get("AttemptCount") or 1))
            # Still the failed job of an earlier attempt: the retry has not started its job.
            unstarted_retry = attempt[2] > 1 and attempt not in self._retry_jobs
            if job.training_job_status != "Completed" and unstarted_retry:
                steps[index] = self._retry_training_step(backend, step, job, attempt, now)
                set_pipeline_execution(execution, "Executing", steps)
                return
            if job.training_job_status == "Completed":
                steps[index] = {**step, "StepStatus": "Succeeded", "EndTime": now}
                steps.extend(_steps_after(pipeline, str(step.get("StepName")), steps, now))
                set_pipeline_execution(execution, "Succeeded", steps)
                return
            reason = f"ClientError: Training job {job.training_job_name} failed: " + str(
                job.failure_reason or job.training_job_status
            )
            steps[index] = {**step, "StepStatus": "Failed", "EndTime": now, "FailureReason": reason}
            set_pipeline_execution(execution, "Failed", steps, f"Step {step['StepName']} failed.")
            return

    def _start_steps(self, backend: Any, pipeline: Any, execution: Any, now: datetime) -> None:
        """A started execution runs its definition's steps in order: the first Training
        step runs a new job (the steps after it wait for it, see _follow_training_steps);
        the other steps succeed at once."""
        from console.demo.moto_extras import set_pipeline_execution

        steps: list[dict[str, Any]] = []
        for name, kind in _defined_steps(pipeline):
            step = _step(name, kind, now)
            if kind != "Training":
                steps.append({**step, "StepStatus": "Succeeded", "EndTime": now})
                continue
            family = FAMILIES["xgb"]  # the demo's pipelines train the tabular model
            job = f"{family.prefix}-{execution.arn.rsplit('/', 1)[-1]}-{name.lower()}"[:63]
            self._create_job(backend, family, job, 1, False, now)
            self.world.training_jobs.append(job)
            arn = backend.training_jobs[job].arn
            steps.append(
                {**step, "StepStatus": "Executing", "Metadata": {"TrainingJob": {"Arn": arn}}}
            )
            set_pipeline_execution(execution, "Executing", steps)
            return
        set_pipeline_execution(execution, "Succeeded", steps)

    def _retry_training_step(
        self,
        backend: Any,
        step: dict[str, Any],
        failed: Any,
        attempt: tuple[str, str, int],
        now: datetime,
    ) -> dict[str, Any]:
        """Start the retried step's new job: it completes (the operator fixed the cause)."""
        suffix = f"-retry{attempt[2]}"
        name = failed.training_job_name[: 63 - len(suffix)] + suffix
        hosts = int((failed.resource_config or {}).get("InstanceCount", 1) or 1)
        family = family_of(failed.training_job_name)
        self._create_job(
            backend, family, name, hosts, bool(failed.enable_managed_spot_training), now
        )
        plan = self.world.plans[name]
        # It resumes from the failed job's last checkpoint (where that one died).
        plan.outcome, plan.failure, plan.step = "Completed", "", plan.total_steps // 2
        self.world.training_jobs.append(name)
        self._retry_jobs[attempt] = name
        arn = backend.training_jobs[name].arn
        return {**step, "StartTime": now, "Metadata": {"TrainingJob": {"Arn": arn}}}

    def _notebooks(self, backend: Any, now: datetime) -> None:
        final = {"Pending": "InService", "Stopping": "Stopped", "Updating": "Stopped"}
        for notebook in list(backend.notebook_instances.values()):
            if notebook.status in final:
                self._settle(
                    ("notebook", notebook.notebook_instance_name),
                    partial(patch, notebook, status=final[notebook.status], last_modified_time=now),
                )

    def _tracking_servers(self, now: datetime) -> None:
        """Managed MLflow servers (kept in the demo state): Starting/Stopping settle."""
        final = {"Starting": ("Started", "Active"), "Stopping": ("Stopped", "Inactive")}
        for server in list(self.state.mlflow_servers.values()):
            status = server["TrackingServerStatus"]
            if status in final:
                done, active = final[status]
                self._settle(
                    ("mlflow-server", server["TrackingServerName"]),
                    partial(
                        server.update,
                        TrackingServerStatus=done,
                        IsActive=active,
                        LastModifiedTime=now,
                    ),
                )

    def _clusters(self, backend: Any) -> None:
        for cluster in list(backend.clusters.values()):
            nodes = dict(cluster.nodes)
            changed = False
            for node_id, node in list(nodes.items()):
                if node.status == "ShuttingDown":
                    key = ("node", node_id)
                    if self._waits.get(key, 0) + 1 >= SETTLE_TICKS:
                        self._waits.pop(key, None)
                        del nodes[node_id]
                        changed = True
                        add_cluster_event(
                            cluster,
                            "Instance terminated",
                            resource_type="Instance",
                            group=node.instance_group_name,
                            instance_id=node_id,
                        )
                    else:
                        self._waits[key] = self._waits.get(key, 0) + 1
                elif node.status in {"Pending", "DeepHealthCheckInProgress", "SystemUpdating"}:
                    self._settle(("node", node_id), partial(self._node_up, cluster, node))
            if changed:
                counts: dict[str, int] = {}
                for node in nodes.values():
                    counts[node.instance_group_name] = counts.get(node.instance_group_name, 0) + 1
                groups = [
                    {**g, "CurrentCount": counts.get(g["InstanceGroupName"], 0)}
                    for g in cluster.instance_groups
                ]
                patch(cluster, nodes=nodes, instance_groups=groups)
            if cluster.status == "Updating" and all(n.status == "Running" for n in nodes.values()):
                counts = {}
                for node in nodes.values():
                    counts[node.instance_group_name] = counts.get(node.instance_group_name, 0) + 1
                groups = [
                    {**g, "CurrentCount": counts.get(g["InstanceGroupName"], 0)}
                    for g in cluster.instance_groups
                ]
                patch(cluster, status="InService", instance_groups=groups)

    @staticmethod
    def _node_up(cluster: Any, node: Any) -> None:
        was = node.status
        patch(node, status="Running", status_message="")
        what = {
            "DeepHealthCheckInProgress": "Deep health checks passed; instance back in service",
            "Pending": "Instance is Running and joined the cluster",
        }.get(was, "Instance is Running")
        add_cluster_event(
            cluster,
            what,
            resource_type="Instance",
            group=node.instance_group_name,
            instance_id=node.instance_id,
        )

    # -- new work -----------------------------------------------------------------------
    def _create_job(
        self,
        backend: Any,
        family: Family,
        name: str,
        hosts: int,
        spot: bool,
        now: datetime,
        tuning: Any = None,
    ) -> None:
        """Create a training job directly on the backend, fully formed before it is visible."""
        trial_of = tuning.hyper_parameter_tuning_job_name if tuning is not None else ""
        request = training_request(self.world, family, name, hosts, spot, trial_of)
        job = build_training_job(self.world, request)
        attrs: dict[str, Any] = {}
        if tuning is not None:
            attrs["tuning_job_arn"] = tuning.arn
        patch(
            job,
            **attrs,
            training_job_status="InProgress",
            secondary_status="Starting",
            creation_time=now,
            last_modified_time=now,
            training_start_time=None,
            training_end_time=None,
            secondary_status_transitions=[transition("Starting", now)],
            final_metric_data_list=[],
            model_artifacts=None,
        )
        backend.training_jobs[name] = job
        self._plan(job, now)

    def _new_training_job(self, backend: Any, now: datetime) -> None:
        keys = list(FAMILY_WEIGHTS)
        family = FAMILIES[self.rng.choices(keys, weights=[FAMILY_WEIGHTS[k] for k in keys])[0]]
        base = f"{family.prefix}-{now:%Y-%m-%d-%H%M}"
        name, suffix = base, 2
        while name in backend.training_jobs:
            name, suffix = f"{base}-{suffix}", suffix + 1
        self._create_job(
            backend,
            family,
            name,
            self.rng.choice(family.hosts),
            self.rng.random() < family.spot_share,
            now,
        )
        self.world.training_jobs.append(name)
        self.new_jobs += 1

    def _new_package(self, backend: Any, now: datetime) -> None:
        """A new candidate waits for approval, made from the newest completed job of its family."""
        if not self.world.package_groups:
            return
        group = self.rng.choice(self.world.package_groups)
        family = next((f for f in FAMILIES.values() if f.package_group == group), FAMILIES["xgb"])
        jobs = [
            j
            for j in list(backend.training_jobs.values())
            if j.training_job_status == "Completed" and family_of(j.training_job_name) is family
        ]
        if not jobs:
            return
        job = max(jobs, key=lambda j: j.creation_time)
        metrics = {m["MetricName"]: m["Value"] for m in job.final_metric_data_list}
        bucket = self.world.buckets["models"]
        from moto.s3.models import s3_backends

        # Its evaluation report, so the evidence pane has numbers for the new candidate.
        report_key = f"evaluation/{group}/{job.training_job_name}/evaluation.json"
        s3_backends[self.world.account_id]["global"].put_object(
            bucket, report_key, evaluation_report(family, metrics)
        )
        model_metrics = {
            "ModelQuality": {
                "Statistics": {
                    "ContentType": "application/json",
                    "S3Uri": f"s3://{bucket}/{report_key}",
                }
            }
        }
        arn = backend.create_model_package(
            model_package_name=None,
            model_package_group_name=group,
            model_package_description=f"{group} candidate from {job.training_job_name}",
            inference_specification={
                "Containers": [
                    {
                        "Image": family.image,
                        "ModelDataUrl": (job.model_artifacts or {}).get(
                            "S3ModelArtifacts", f"s3://{bucket}/{group}/model.tar.gz"
                        ),
                    }
                ]
            },
            validation_specification=None,
            source_algorithm_specification=None,
            certify_for_marketplace=False,
            tags=None,
            model_approval_status="PendingManualApproval",
            metadata_properties=None,
            model_metrics=model_metrics,
            client_token=None,
            customer_metadata_properties={
                **{k: f"{v:.4f}" for k, v in metrics.items()},
                "training_job": job.training_job_name,
            },
            drift_check_baselines=None,
            domain=None,
            task=None,
            sample_payload_url=None,
            additional_inference_specifications=None,
        )
        patch(backend.model_packages[arn], creation_time=now)


def _defined_steps(pipeline: Any) -> list[tuple[str, str]]:
    """(name, type) of each step in a moto pipeline's definition, in order."""
    try:
        definition = json.loads(pipeline.pipeline_definition or "{}")
    except (TypeError, ValueError):
        return []
    return [
        (str(step.get("Name", "")), str(step.get("Type", "")))
        for step in definition.get("Steps", [])
        if isinstance(step, dict) and step.get("Name")
    ]


def _step(name: str, kind: str, now: datetime) -> dict[str, Any]:
    """A step in the ListPipelineExecutionSteps item shape, just started."""
    return {
        "StepName": name,
        "StepDisplayName": name,
        "StepType": kind,
        "StartTime": now,
        "AttemptCount": 1,
        "Metadata": {},
    }


def _steps_after(
    pipeline: Any, done: str, steps: list[dict[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """The definition's steps after ``done`` not run yet: they succeed once it did."""
    names = [name for name, _ in _defined_steps(pipeline)]
    later = _defined_steps(pipeline)[names.index(done) + 1 :] if done in names else []
    ran = {str(s.get("StepName")) for s in steps}
    return [
        {**_step(name, kind, now), "StepStatus": "Succeeded", "EndTime": now}
        for name, kind in later
        if name not in ran
    ]
