"""What moto lacks, supplied in demo mode only, so every console command works on the demo.

moto's server dispatches an action by looking up a method named after it in snake_case on
:class:`moto.sagemaker.responses.SageMakerResponse` (``moto/core/responses.py``,
``call_action``). :func:`install` adds methods for the calls moto does not implement
(StopTrainingJob, UpdateEndpoint, CreatePresignedNotebookInstanceUrl, the HyperPod node
actions and cluster events, ...) and wraps a few it does implement so that things move the
way AWS moves them (a new job starts InProgress, a stop goes through Stopping, lists
honour SortBy) instead of jumping to a final state. The simulator finishes those
transitions a few ticks later.

Only :class:`console.demo.stack.DemoStack` installs this, and :func:`uninstall` restores
moto exactly as it was (tests run other suites against plain moto in the same process).
"""

from __future__ import annotations

import secrets
import threading
import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.models import ClusterNode
from moto.sagemaker.responses import SageMakerResponse

from console.demo.cluster_nodes import add_cluster_event, demo_cluster_node
from console.demo.moto_state import SAGEMAKER_QUOTAS, caller_context, patch, utc_now
from console.demo.seed import start_in_progress, transition


@dataclass
class DemoState:
    """State shared by these handlers (server threads) and the simulator (its own thread).

    ``lock`` serialises our changes to moto's objects, so a stop and a simulated finish
    of the same job can never interleave.
    """

    notebook_url_base: str
    lock: threading.RLock = field(default_factory=threading.RLock)
    # endpoint name -> endpoint config it is being updated to (applied when InService)
    pending_endpoint_configs: dict[str, str] = field(default_factory=dict)
    # SageMaker managed MLflow tracking servers (moto has none): name -> Describe shape
    mlflow_servers: dict[str, dict[str, Any]] = field(default_factory=dict)


# The installed state (at most one) and the moto methods we replaced, to restore them.
_installed: dict[str, DemoState] = {}
_saved: dict[str, tuple[type, str, Any]] = {}
_MISSING = object()


def state() -> DemoState:
    if "state" not in _installed:  # pragma: no cover - handlers only exist while installed
        raise RuntimeError("demo moto extras are not installed")
    return _installed["state"]


def installed() -> bool:
    return "state" in _installed


def _patched() -> list[tuple[type, dict[str, Any]]]:
    from moto.sagemakerruntime.responses import SageMakerRuntimeResponse
    from moto.servicequotas.responses import ServiceQuotasResponse

    return [
        (SageMakerResponse, HANDLERS),
        (SageMakerRuntimeResponse, RUNTIME_HANDLERS),
        (ServiceQuotasResponse, QUOTA_HANDLERS),
    ]


def install(demo_state: DemoState) -> None:
    """Add the demo handlers to moto's SageMaker responses (once per process)."""
    if installed():
        raise RuntimeError("demo moto extras are already installed (one demo per process)")
    for cls, handlers in _patched():
        for name, handler in handlers.items():
            _saved[f"{cls.__name__}.{name}"] = (cls, name, cls.__dict__.get(name, _MISSING))
            setattr(cls, name, handler)
    _installed["state"] = demo_state


def uninstall() -> None:
    """Put moto back exactly as it was."""
    for cls, name, original in _saved.values():
        if original is _MISSING:
            delattr(cls, name)
        else:
            setattr(cls, name, original)
    _saved.clear()
    _installed.clear()


# AWS managed policies the console attaches (role-create). moto only knows them with
# MOTO_IAM_LOAD_MANAGED_POLICIES=true, which loads ~1,600 and costs seconds.
MANAGED_POLICIES = ("AmazonSageMakerFullAccess",)


def add_managed_policies(
    names: tuple[str, ...] = MANAGED_POLICIES, account_id: str = "123456789012"
) -> None:
    """Give the in-process IAM backend the AWS managed policies named (from moto's data)."""
    import json

    from moto.iam.aws_managed_policies import aws_managed_policies_data
    from moto.iam.models import AWSManagedPolicy, iam_backends

    data = json.loads(aws_managed_policies_data)
    backend = iam_backends[account_id]["global"]
    for name in names:
        policy = AWSManagedPolicy.from_data(name, account_id, "us-east-1", data[name])
        backend.managed_policies[policy.arn] = policy


def _not_found(kind: str, name: str) -> ValidationError:
    return ValidationError(message=f"Could not find {kind} '{name}'.")


def _stop_job(status: str, kind: str, name: str) -> None:
    if status != "InProgress":
        raise ValidationError(
            message=f"The request was rejected because the {kind} {name} is in status {status}."
        )


# ------------------------------------------------------------------------------ jobs
def stop_training_job(self: Any) -> ActionResult:
    name = self._get_param("TrainingJobName")
    with state().lock:
        job = self.sagemaker_backend.training_jobs.get(name)
        if job is None:
            raise _not_found("training job", name)
        _stop_job(job.training_job_status, "training job", name)
        now = utc_now()
        transitions = [dict(t) for t in job.secondary_status_transitions]
        if transitions and "EndTime" not in transitions[-1]:
            transitions[-1]["EndTime"] = now
        patch(
            job,
            training_job_status="Stopping",
            secondary_status="Stopping",
            secondary_status_transitions=[*transitions, transition("Stopping", now)],
            last_modified_time=now,
        )
    return EmptyResult()


def stop_processing_job(self: Any) -> ActionResult:
    # moto has this one, but it jumps straight to Stopped even for a finished job.
    name = self._get_param("ProcessingJobName")
    with state().lock:
        job = self.sagemaker_backend.processing_jobs.get(name)
        if job is None:
            raise _not_found("processing job", name)
        _stop_job(job.processing_job_status, "processing job", name)
        patch(job, processing_job_status="Stopping", last_modified_time=utc_now())
    return EmptyResult()


def stop_hyper_parameter_tuning_job(self: Any) -> ActionResult:
    name = self._get_param("HyperParameterTuningJobName")
    with state().lock:
        tuning = self.sagemaker_backend.hyper_parameter_tuning_jobs.get(name)
        if tuning is None:
            raise _not_found("hyper-parameter tuning job", name)
        _stop_job(tuning.hyper_parameter_tuning_job_status, "tuning job", name)
        patch(tuning, hyper_parameter_tuning_job_status="Stopping", last_modified_time=utc_now())
    return EmptyResult()


def _wrap_create(original: Callable[[Any], ActionResult], after: Callable[[Any, Any], None]) -> Any:
    """A create handler that runs moto's, then puts the new object in a starting state."""

    def handler(self: Any) -> ActionResult:
        result = original(self)
        with state().lock:
            after(self, self.sagemaker_backend)
        return result

    return handler


def _training_started(self: Any, backend: Any) -> None:
    start_in_progress(backend.training_jobs[self._get_param("TrainingJobName")], utc_now())


def _processing_started(self: Any, backend: Any) -> None:
    now = utc_now()
    job = backend.processing_jobs[self._get_param("ProcessingJobName")]
    patch(
        job,
        processing_job_status="InProgress",
        processing_start_time=None,
        processing_end_time=None,
        last_modified_time=now,
        processing_resources=self._get_param("ProcessingResources"),
        failure_reason=None,
        exit_message=None,
    )


def _tuning_started(self: Any, backend: Any) -> None:
    """A tuning job created during the demo starts InProgress with no trials yet (moto alone
    makes it Completed at once); the simulator launches its trials and finishes it."""
    now = utc_now()
    patch(
        backend.hyper_parameter_tuning_jobs[self._get_param("HyperParameterTuningJobName")],
        hyper_parameter_tuning_job_status="InProgress",
        creation_time=now,
        last_modified_time=now,
        hyper_parameter_tuning_end_time=None,
        training_job_status_counters={
            "Completed": 0,
            "InProgress": 0,
            "RetryableError": 0,
            "NonRetryableError": 0,
            "Stopped": 0,
        },
        objective_status_counters={"Succeeded": 0, "Pending": 0, "Failed": 0},
        best_training_job=None,
        OverallBestTrainingJob=None,
    )


def _transform_created(self: Any, backend: Any) -> None:
    """moto keeps a transform job's ``Tags`` as sent, ``None`` when there were none, and
    then fails AddTags/ListTags on it with a 500; AWS answers an empty list."""
    job = backend.transform_jobs[self._get_param("TransformJobName")]
    if job.tags is None:
        job.tags = []


MOTO_USER_PROFILE = "fake-user-profile-name"  # moto's CreatedBy for every execution


def _execution_started(self: Any, backend: Any) -> None:
    """AWS starts an execution Executing, by the caller; moto made it Succeeded at once,
    with no steps, "started by fake-user-profile-name". The simulator runs its steps."""
    pipeline = backend.pipelines.get(str(self._get_param("PipelineName")).rsplit("/", 1)[-1])
    if pipeline is None:
        return
    for execution in list(pipeline.pipeline_executions.values()):
        if (execution.created_by or {}).get("UserProfileName") != MOTO_USER_PROFILE:
            continue
        identity = caller_context(self.current_account)
        patch(
            execution,
            created_by=identity,
            last_modified_by=identity,
            pipeline_execution_status="Executing",
        )
        execution.demo_steps = []


def _endpoint_created(self: Any, backend: Any) -> None:
    patch(backend.endpoints[self._get_param("EndpointName")], endpoint_status="Creating")


_SORT_KEYS: dict[str, Callable[[Any, str], Any]] = {
    "Name": lambda job, kind: getattr(job, f"{kind}_job_name"),
    "CreationTime": lambda job, kind: job.creation_time,
    "Status": lambda job, kind: getattr(job, f"{kind}_job_status"),
}


def _sorted_list(kind: str) -> Any:
    """ListTrainingJobs / ListProcessingJobs that honour SortBy and SortOrder.

    moto ignores both and pages in insertion order, so "newest first" (what the console
    asks for) would show the oldest jobs. moto's own listing code runs unchanged on a
    sorted copy of the jobs, so filters and paging behave exactly as moto's do.
    """
    attribute = f"{kind}_jobs"

    def handler(self: Any) -> ActionResult:
        backend = self.sagemaker_backend
        sort_by = self._get_param("SortBy", "CreationTime")
        descending = self._get_param("SortOrder", "Ascending") == "Descending"
        key = _SORT_KEYS.get(sort_by, _SORT_KEYS["CreationTime"])
        jobs = sorted(
            getattr(backend, attribute).values(), key=lambda j: key(j, kind), reverse=descending
        )
        view = types.SimpleNamespace(
            **{attribute: {getattr(j, f"{kind}_job_name"): j for j in jobs}}
        )
        lister = getattr(type(backend), f"list_{attribute}")
        status = self._get_param("StatusEquals")
        response = lister(
            view,
            next_token=self._get_param("NextToken"),
            max_results=self._get_int_param("MaxResults"),
            creation_time_after=self._get_param("CreationTimeAfter"),
            creation_time_before=self._get_param("CreationTimeBefore"),
            last_modified_time_after=self._get_param("LastModifiedTimeAfter"),
            last_modified_time_before=self._get_param("LastModifiedTimeBefore"),
            name_contains=self._get_param("NameContains"),
            status_equals=status,
        )
        if kind == "training":
            by_name = getattr(backend, attribute)
            for summary in response["TrainingJobSummaries"]:
                job = by_name.get(summary["TrainingJobName"])
                if job is not None:  # AWS lists the secondary status too; moto leaves it out
                    summary["SecondaryStatus"] = job.secondary_status
        return ActionResult(response)

    return handler


def list_training_jobs_for_hyper_parameter_tuning_job(self: Any) -> ActionResult:
    name = self._get_param("HyperParameterTuningJobName")
    backend = self.sagemaker_backend
    tuning = backend.hyper_parameter_tuning_jobs.get(name)
    if tuning is None:
        raise _not_found("hyper-parameter tuning job", name)
    status = self._get_param("StatusEquals")
    summaries = [
        {
            "TrainingJobName": job.training_job_name,
            "TrainingJobArn": job.arn,
            "TuningJobName": name,
            "CreationTime": job.creation_time,
            "TrainingStartTime": job.training_start_time,
            "TrainingEndTime": job.training_end_time,
            "TrainingJobStatus": job.training_job_status,
            "TunedHyperParameters": dict(job.hyper_parameters or {}),
            "FailureReason": job.failure_reason,
        }
        for job in list(backend.training_jobs.values())
        if getattr(job, "tuning_job_arn", None) == tuning.arn
        and (status is None or job.training_job_status == status)
    ]
    summaries.sort(key=lambda s: s["CreationTime"], reverse=True)
    return ActionResult({"TrainingJobSummaries": summaries})


# ------------------------------------------------------------------------- endpoints
def update_endpoint(self: Any) -> ActionResult:
    name = self._get_param("EndpointName")
    config_name = self._get_param("EndpointConfigName")
    backend = self.sagemaker_backend
    with state().lock:
        endpoint = backend.endpoints.get(name)
        if endpoint is None:
            raise _not_found("endpoint", name)
        if config_name not in backend.endpoint_configs:
            raise _not_found("endpoint configuration", config_name)
        if endpoint.endpoint_status != "InService":
            raise ValidationError(message=f'Cannot update in-progress endpoint "{endpoint.arn}".')
        state().pending_endpoint_configs[name] = config_name
        patch(endpoint, endpoint_status="Updating", last_modified_time=utc_now())
    return ActionResult({"EndpointArn": endpoint.arn})


def apply_endpoint_config(backend: Any, endpoint: Any, config_name: str) -> None:
    """Finish an update: the endpoint now serves the new config's variants."""
    config = backend.endpoint_configs.get(config_name)
    if config is None:  # deleted meanwhile: AWS would roll back
        patch(endpoint, endpoint_status="InService", last_modified_time=utc_now())
        return
    patch(
        endpoint,
        endpoint_config_name=config_name,
        production_variants=endpoint._process_production_variants(config.production_variants),
        endpoint_status="InService",
        last_modified_time=utc_now(),
    )


# ------------------------------------------------------------------------- notebooks
def create_presigned_notebook_instance_url(self: Any) -> ActionResult:
    name = self._get_param("NotebookInstanceName")
    if name not in self.sagemaker_backend.notebook_instances:
        raise _not_found("notebook instance", name)
    # Well-formed like AWS's, but on the demo's own loopback address: nothing leaves the host.
    token = secrets.token_urlsafe(24)
    url = f"{state().notebook_url_base}/demo-notebook/{name}?authToken={token}"
    return ActionResult({"AuthorizedUrl": url})


def _notebook(self: Any) -> Any:
    name = self._get_param("NotebookInstanceName")
    notebook = self.sagemaker_backend.notebook_instances.get(name)
    if notebook is None:
        raise _not_found("notebook instance", name)
    return notebook


def _require(notebook: Any, allowed: set[str], action: str) -> None:
    if notebook.status not in allowed:
        raise ValidationError(
            message=f"Status ({notebook.status}) not in ([{', '.join(sorted(allowed))}]). "
            f"Unable to {action} the notebook instance {notebook.notebook_instance_name}."
        )


def start_notebook_instance(self: Any) -> ActionResult:
    with state().lock:
        notebook = _notebook(self)
        _require(notebook, {"Stopped", "Failed"}, "start")
        patch(notebook, status="Pending", last_modified_time=utc_now())
    return EmptyResult()


def stop_notebook_instance(self: Any) -> ActionResult:
    with state().lock:
        notebook = _notebook(self)
        _require(notebook, {"InService"}, "stop")
        patch(notebook, status="Stopping", last_modified_time=utc_now())
    return EmptyResult()


def update_notebook_instance(self: Any) -> ActionResult:
    with state().lock:
        notebook = _notebook(self)
        _require(notebook, {"Stopped"}, "update")
        changes: dict[str, Any] = {"status": "Updating", "last_modified_time": utc_now()}
        for param, attribute in (
            ("InstanceType", "instance_type"),
            ("VolumeSizeInGB", "volume_size_in_gb"),
            ("RoleArn", "role_arn"),
            ("LifecycleConfigName", "lifecycle_config_name"),
        ):
            value = self._get_param(param)
            if value is not None:
                changes[attribute] = value
        patch(notebook, **changes)
    return EmptyResult()


# -------------------------------------------------------------------------- HyperPod
def _cluster(self: Any) -> Any:
    name = self._get_param("ClusterName") or ""
    name = name.rsplit("/", 1)[-1]
    cluster = self.sagemaker_backend.clusters.get(name)
    if cluster is None:
        raise _not_found("cluster", name)
    return cluster


def _node_action(status: str, message: str, event: str) -> Any:
    """BatchReboot/BatchReplaceClusterNodes: the nodes leave Running for a few ticks."""

    def handler(self: Any) -> ActionResult:
        successful: list[str] = []
        failed: list[dict[str, str]] = []
        with state().lock:
            cluster = _cluster(self)
            for node_id in self._get_param("NodeIds") or []:
                node = cluster.nodes.get(node_id)
                if node is None:
                    failed.append(
                        {
                            "NodeId": node_id,
                            "ErrorCode": "InstanceIdNotFound",
                            "Message": f"Node {node_id} not found",
                        }
                    )
                    continue
                patch(node, status=status, status_message=message)
                add_cluster_event(
                    cluster,
                    event,
                    resource_type="Instance",
                    level="Warn" if "eplace" in event else "Info",
                    group=node.instance_group_name,
                    instance_id=node_id,
                )
                successful.append(node_id)
        return ActionResult({"Successful": successful, "Failed": failed})

    return handler


def batch_delete_cluster_nodes(self: Any) -> ActionResult:
    successful: list[str] = []
    failed: list[dict[str, str]] = []
    with state().lock:
        cluster = _cluster(self)
        nodes = dict(cluster.nodes)
        deleted: dict[str, int] = {}
        for node_id in self._get_param("NodeIds") or []:
            gone = nodes.pop(node_id, None)
            if gone is not None and gone.status != "ShuttingDown":
                name = gone.instance_group_name
                deleted[name] = deleted.get(name, 0) + 1
            if gone is None:
                failed.append(
                    {
                        "NodeId": node_id,
                        "Code": "NodeIdNotFound",
                        "Message": f"Node {node_id} not found",
                    }
                )
            else:
                successful.append(node_id)
        counts: dict[str, int] = {}
        for node in nodes.values():
            counts[node.instance_group_name] = counts.get(node.instance_group_name, 0) + 1
        # The target drops by the live nodes deleted (a group scaling keeps its direction).
        groups = [
            {
                **g,
                "CurrentCount": counts.get(g["InstanceGroupName"], 0),
                "TargetCount": max(
                    0, int(g["TargetCount"]) - deleted.get(g["InstanceGroupName"], 0)
                ),
            }
            for g in cluster.instance_groups
        ]
        patch(cluster, nodes=nodes, instance_groups=groups)
    return ActionResult({"Successful": successful, "Failed": failed})


def update_cluster(self: Any) -> ActionResult:
    """Scale instance groups: new nodes come up Pending, extra ones are shut down."""
    with state().lock:
        cluster = _cluster(self)
        wanted = {g["InstanceGroupName"]: g for g in self._get_param("InstanceGroups") or []}
        unknown = set(wanted) - {g["InstanceGroupName"] for g in cluster.instance_groups}
        if unknown:
            raise ValidationError(
                message=f"Instance group(s) not found: {', '.join(sorted(unknown))}"
            )
        nodes = dict(cluster.nodes)
        groups = []
        for group in cluster.instance_groups:
            spec = wanted.get(group["InstanceGroupName"])
            if spec is None:
                groups.append(group)
                continue
            members = [  # live ones: nodes shutting down no longer count
                n
                for n in nodes.values()
                if n.instance_group_name == group["InstanceGroupName"]
                and n.status != "ShuttingDown"
            ]
            target = int(spec["InstanceCount"])
            for node in members[target:]:
                patch(node, status="ShuttingDown", status_message="Scaling down")
            for index in range(len(members), target):
                node = ClusterNode(
                    region_name=cluster.region_name,
                    account_id=cluster.account_id,
                    cluster_name=cluster.cluster_name,
                    instance_group_name=group["InstanceGroupName"],
                    instance_type=group["InstanceType"],
                    life_cycle_config=group["LifeCycleConfig"],
                    execution_role=group["ExecutionRole"],
                    node_id="",
                    threads_per_core=group.get("ThreadsPerCore"),
                )
                instance_id = f"i-0{secrets.token_hex(8)}"
                demo_cluster_node(node, instance_id, len(nodes) + index, utc_now())
                patch(node, status="Pending", status_message="Provisioning the instance")
                nodes[instance_id] = node
            groups.append({**group, "TargetCount": target})
            add_cluster_event(
                cluster,
                f"Scaling instance group from {len(members)} to {target} instances",
                resource_type="InstanceGroup",
                group=group["InstanceGroupName"],
                metadata={
                    "InstanceGroupScaling": {"InstanceCount": len(members), "TargetCount": target}
                },
            )
        patch(cluster, nodes=nodes, instance_groups=groups, status="Updating")
    return ActionResult({"ClusterArn": cluster.arn})


def update_cluster_software(self: Any) -> ActionResult:
    """UpdateClusterSoftware: the cluster rolls its nodes to the latest image."""
    with state().lock:
        cluster = _cluster(self)
        if cluster.status != "InService":
            raise ValidationError(message=f"Cluster {cluster.cluster_name} is {cluster.status}")
        for node in cluster.nodes.values():  # the simulator brings each back to Running
            patch(node, status="SystemUpdating", status_message="Updating the software")
        patch(cluster, status="Updating")
        add_cluster_event(cluster, "Cluster software update started")
    return ActionResult({"ClusterArn": cluster.arn})


def start_cluster_health_check(self: Any) -> ActionResult:
    with state().lock:
        cluster = _cluster(self)
        wanted: set[str] = set()
        for config in self._get_param("DeepHealthCheckConfigurations") or []:
            wanted.update(config.get("InstanceIds") or [])
        for node in list(cluster.nodes.values()):
            if node.status == "Running" and (not wanted or node.instance_id in wanted):
                patch(
                    node,
                    status="DeepHealthCheckInProgress",
                    status_message="Running deep health checks",
                )
                add_cluster_event(
                    cluster,
                    "Deep health checks started (InstanceStress, InstanceConnectivity)",
                    resource_type="Instance",
                    group=node.instance_group_name,
                    instance_id=node.instance_id,
                )
    return ActionResult({"ClusterArn": cluster.arn})


# HyperPod cluster events. moto has no ListClusterEvents/DescribeClusterEvent: the demo
# keeps each cluster's events on its moto object (``demo_events``, newest last), so a moto
# reset drops them with the cluster. The seed writes a history, node actions and the
# simulator add to it, and these handlers answer like the API: filters, EventTime order
# (Descending by default), MaxResults pages with a NextToken.
EVENTS_PAGE_DEFAULT = 10


def _event_out(event: dict[str, Any], *, details: bool) -> dict[str, Any]:
    out = {k: v for k, v in event.items() if k != "EventDetails" or details}
    out["EventTime"] = event["EventTime"].replace(tzinfo=UTC).timestamp()
    return out


def _when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def list_cluster_events(self: Any) -> ActionResult:
    cluster = _cluster(self)
    group = self._get_param("InstanceGroupName")
    node = self._get_param("NodeId")
    kind = self._get_param("ResourceType")
    after, before = (_when(self._get_param(p)) for p in ("EventTimeAfter", "EventTimeBefore"))
    events = [
        e
        for e in list(getattr(cluster, "demo_events", []))
        if (not group or e.get("InstanceGroupName") == group)
        and (not node or e.get("InstanceId") == node)
        and (not kind or e["ResourceType"] == kind)
        and (after is None or e["EventTime"] > after)
        and (before is None or e["EventTime"] < before)
    ]
    descending = self._get_param("SortOrder", "Descending") != "Ascending"
    events.sort(key=lambda e: e["EventTime"], reverse=descending)
    size = self._get_int_param("MaxResults") or EVENTS_PAGE_DEFAULT
    token = self._get_param("NextToken")
    start = int(token) if token and str(token).isdigit() else 0
    page = events[start : start + size]
    result: dict[str, Any] = {"Events": [_event_out(e, details=False) for e in page]}
    if start + size < len(events):
        result["NextToken"] = str(start + size)
    return ActionResult(result)


def describe_cluster_event(self: Any) -> ActionResult:
    cluster = _cluster(self)
    wanted = self._get_param("EventId")
    for event in list(getattr(cluster, "demo_events", [])):
        if event["EventId"] == wanted:
            return ActionResult({"EventDetails": _event_out(event, details=True)})
    raise ValidationError(message=f"Event {wanted} not found for cluster {cluster.cluster_name}.")


# ---------------------------------------------------------------------- registry, studio
def delete_model_package(self: Any) -> ActionResult:
    name = self._get_param("ModelPackageName")
    backend = self.sagemaker_backend
    with state().lock:
        arn = backend.model_package_name_mapping.get(name, name)
        if backend.model_packages.pop(arn, None) is None:
            raise _not_found("model package", name)
    return EmptyResult()


def delete_model_package_group(self: Any) -> ActionResult:
    name = self._get_param("ModelPackageGroupName")
    backend = self.sagemaker_backend
    with state().lock:
        if name not in backend.model_package_groups:
            raise _not_found("model package group", name)
        if any(p.model_package_group_name == name for p in backend.model_packages.values()):
            raise ValidationError(message=f"Model package group {name} still has model packages.")
        del backend.model_package_groups[name]
    return EmptyResult()


# ---------------------------------------------------------------- managed MLflow servers
# (name, size, status, MLflow version, days old): one running, one stopped.
DEMO_TRACKING_SERVERS = (
    ("team-tracking", "Medium", "Started", "3.0", 40),
    ("research-sandbox", "Small", "Stopped", "2.16", 90),
)
# Where a start/stop may begin (AWS refuses the rest with a ValidationException).
TRACKING_STARTABLE = {"Stopped", "StartFailed"}
TRACKING_STOPPABLE = {"Created", "Started", "Updated", "StopFailed", "MaintenanceComplete"}


def seed_tracking_servers(demo_state: DemoState, account_id: str, region: str) -> None:
    """The demo's managed MLflow tracking servers (Describe shape, kept in the state)."""
    now = utc_now()
    for name, size, status, version, days in DEMO_TRACKING_SERVERS:
        created = now - timedelta(days=days)
        demo_state.mlflow_servers[name] = {
            "TrackingServerArn": (
                f"arn:aws:sagemaker:{region}:{account_id}:mlflow-tracking-server/{name}"
            ),
            "TrackingServerName": name,
            "ArtifactStoreUri": f"s3://sagemaker-{region}-{account_id}/mlflow/{name}",
            "TrackingServerSize": size,
            "MlflowVersion": version,
            "RoleArn": f"arn:aws:iam::{account_id}:role/SageMakerMlflowRole",
            "TrackingServerStatus": status,
            "IsActive": "Active" if status == "Started" else "Inactive",
            "TrackingServerUrl": f"https://t-{name}.{region}.experiments.sagemaker.aws",
            "WeeklyMaintenanceWindowStart": "Sun:02:00",
            "AutomaticModelRegistration": True,
            "CreationTime": created,
            "LastModifiedTime": created,
        }


def _tracking_server(self: Any) -> dict[str, Any]:
    name = self._get_param("TrackingServerName")
    server = state().mlflow_servers.get(name)
    if server is None:
        raise ResourceNotFound(message=f"Tracking server {name} does not exist.")
    return server


def list_mlflow_tracking_servers(self: Any) -> ActionResult:
    keys = (
        "TrackingServerArn",
        "TrackingServerName",
        "CreationTime",
        "LastModifiedTime",
        "TrackingServerStatus",
        "IsActive",
        "MlflowVersion",
    )
    with state().lock:
        servers = sorted(
            state().mlflow_servers.values(), key=lambda s: s["CreationTime"], reverse=True
        )
        summaries = [{k: server[k] for k in keys} for server in servers]
    return ActionResult({"TrackingServerSummaries": summaries})


def describe_mlflow_tracking_server(self: Any) -> ActionResult:
    with state().lock:
        return ActionResult(dict(_tracking_server(self)))


def _move_tracking_server(allowed: set[str], status: str, verb: str) -> Any:
    def handler(self: Any) -> ActionResult:
        with state().lock:
            server = _tracking_server(self)
            if server["TrackingServerStatus"] not in allowed:
                raise ValidationError(
                    message=f"Cannot {verb} tracking server {server['TrackingServerName']} "
                    f"in status {server['TrackingServerStatus']}."
                )
            server.update(TrackingServerStatus=status, LastModifiedTime=utc_now())
            return ActionResult({"TrackingServerArn": server["TrackingServerArn"]})

    return handler


def create_presigned_mlflow_tracking_server_url(self: Any) -> ActionResult:
    with state().lock:
        server = _tracking_server(self)
    # Well-formed, on the demo's own loopback address: nothing leaves the host.
    token = secrets.token_urlsafe(24)
    url = f"{state().notebook_url_base}/demo-mlflow/{server['TrackingServerName']}?token={token}"
    return ActionResult({"AuthorizedUrl": url})


def list_spaces(self: Any) -> ActionResult:
    return ActionResult({"Spaces": []})


def list_apps(self: Any) -> ActionResult:
    return ActionResult({"Apps": []})


HANDLERS: dict[str, Any] = {
    "stop_training_job": stop_training_job,
    "stop_processing_job": stop_processing_job,
    "stop_hyper_parameter_tuning_job": stop_hyper_parameter_tuning_job,
    "create_training_job": _wrap_create(SageMakerResponse.create_training_job, _training_started),
    "create_processing_job": _wrap_create(
        SageMakerResponse.create_processing_job, _processing_started
    ),
    "create_endpoint": _wrap_create(SageMakerResponse.create_endpoint, _endpoint_created),
    "create_hyper_parameter_tuning_job": _wrap_create(
        SageMakerResponse.create_hyper_parameter_tuning_job, _tuning_started
    ),
    "create_transform_job": _wrap_create(
        SageMakerResponse.create_transform_job, _transform_created
    ),
    "start_pipeline_execution": _wrap_create(
        SageMakerResponse.start_pipeline_execution, _execution_started
    ),
    "list_training_jobs": _sorted_list("training"),
    "list_processing_jobs": _sorted_list("processing"),
    "list_training_jobs_for_hyper_parameter_tuning_job": (
        list_training_jobs_for_hyper_parameter_tuning_job
    ),
    "update_endpoint": update_endpoint,
    "create_presigned_notebook_instance_url": create_presigned_notebook_instance_url,
    "start_notebook_instance": start_notebook_instance,
    "stop_notebook_instance": stop_notebook_instance,
    "update_notebook_instance": update_notebook_instance,
    "batch_reboot_cluster_nodes": _node_action(
        "Pending", "Rebooting the instance", "Reboot requested by BatchRebootClusterNodes"
    ),
    "batch_replace_cluster_nodes": _node_action(
        "Pending", "Replacing the instance", "Replacement requested by BatchReplaceClusterNodes"
    ),
    "batch_delete_cluster_nodes": batch_delete_cluster_nodes,
    "update_cluster": update_cluster,
    "update_cluster_software": update_cluster_software,
    "start_cluster_health_check": start_cluster_health_check,
    "list_cluster_events": list_cluster_events,
    "describe_cluster_event": describe_cluster_event,
    "delete_model_package": delete_model_package,
    "delete_model_package_group": delete_model_package_group,
    "list_spaces": list_spaces,
    "list_apps": list_apps,
    "list_mlflow_tracking_servers": list_mlflow_tracking_servers,
    "describe_mlflow_tracking_server": describe_mlflow_tracking_server,
    "start_mlflow_tracking_server": _move_tracking_server(TRACKING_STARTABLE, "Starting", "start"),
    "stop_mlflow_tracking_server": _move_tracking_server(TRACKING_STOPPABLE, "Stopping", "stop"),
    "create_presigned_mlflow_tracking_server_url": create_presigned_mlflow_tracking_server_url,
}


# --- sagemaker-runtime ------------------------------------------------------------------


def invoke_endpoint(self: Any) -> tuple[int, dict[str, str], str]:
    """A demo prediction instead of moto's fixed "body".

    Like SageMaker: an unknown or not-InService endpoint is refused; the variant is the
    requested TargetVariant or one drawn by the variants' current weights, so a 90/10
    split shows up in the answers; the body looks like what the model family returns.
    """
    import json
    import random
    from urllib.parse import unquote

    from moto.sagemaker.models import sagemaker_backends

    # /endpoints/<name>/invocations (moto's own handler never parses the name)
    name = unquote(str(self.path).split("?")[0].split("/")[2])
    backend = sagemaker_backends[self.current_account][self.region]
    endpoint = backend.endpoints.get(name)
    if endpoint is None or endpoint.endpoint_status not in {"InService", "Updating"}:
        why = "not found" if endpoint is None else f"is {endpoint.endpoint_status}"
        return _runtime_error(f"Endpoint {name} of account {self.current_account} {why}.")
    variants = [v for v in endpoint.production_variants if v.get("VariantName")]
    target = self.headers.get("X-Amzn-SageMaker-Target-Variant")
    if target:
        chosen = next((v for v in variants if v["VariantName"] == target), None)
        if chosen is None:
            return _runtime_error(f"Variant {target} not found for endpoint {name}.")
    else:
        weights = [float(v.get("CurrentWeight") or 0.0) for v in variants]
        if not variants or not any(weights):
            return _runtime_error(f"Endpoint {name} has no variant taking traffic.")
        chosen = random.choices(variants, weights=weights)[0]
    variant = str(chosen["VariantName"])
    if any(word in name for word in ("llama", "chat", "gen")):
        body: dict[str, Any] = {
            "generated_text": "Hello from the smconsole demo: this answer is fake.",
            "details": {"finish_reason": "eos_token", "generated_tokens": 12},
        }
    else:
        score = random.random()
        body = {"predictions": [{"score": round(score, 4), "label": int(score > 0.5)}]}
    body["demo"] = {"endpoint": name, "variant": variant}
    headers = {"Content-Type": "application/json", "x-Amzn-Invoked-Production-Variant": variant}
    return 200, headers, json.dumps(body)


def _runtime_error(message: str) -> tuple[int, dict[str, str], str]:
    import json

    # moto takes the HTTP status from a "status" header, not from the tuple.
    headers = {
        "Content-Type": "application/json",
        "x-amzn-ErrorType": "ValidationError",
        "status": "400",
    }
    return 400, headers, json.dumps({"message": message})


RUNTIME_HANDLERS: dict[str, Any] = {"invoke_endpoint": invoke_endpoint}


# --- production view (issue 16): inference components, scaling activities, percentiles ---
# moto has no inference components, no DescribeScalingActivities and no percentile
# statistics (GetMetricData with ``p99`` answers 500). Answers follow botocore's shapes.

# (account, region) -> inference component name -> Describe shape
INFERENCE_COMPONENTS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
# (account, region) -> scaling activities, newest last (DescribeScalingActivities shape)
SCALING_ACTIVITIES: dict[tuple[str, str], list[dict[str, Any]]] = {}


def add_inference_component(
    account_id: str,
    region: str,
    *,
    name: str,
    endpoint: str,
    variant: str,
    model: str,
    copies: int = 1,
    cpu_cores: float = 1.0,
    accelerators: float = 0.0,
    memory_mb: int = 1024,
    status: str = "InService",
) -> dict[str, Any]:
    """Store one inference component (the demo's seed and tests)."""
    now = utc_now()
    arn = f"arn:aws:sagemaker:{region}:{account_id}:inference-component/{name}"
    resources: dict[str, Any] = {
        "NumberOfCpuCoresRequired": cpu_cores,
        "MinMemoryRequiredInMb": memory_mb,
    }
    if accelerators:
        resources["NumberOfAcceleratorDevicesRequired"] = accelerators
    component = {
        "InferenceComponentName": name,
        "InferenceComponentArn": arn,
        "EndpointName": endpoint,
        "EndpointArn": f"arn:aws:sagemaker:{region}:{account_id}:endpoint/{endpoint}",
        "VariantName": variant,
        "Specification": {"ModelName": model, "ComputeResourceRequirements": resources},
        "RuntimeConfig": {"DesiredCopyCount": copies, "CurrentCopyCount": copies},
        "CreationTime": now,
        "LastModifiedTime": now,
        "InferenceComponentStatus": status,
    }
    INFERENCE_COMPONENTS.setdefault((account_id, region), {})[name] = component
    return component


def create_inference_component(self: Any) -> ActionResult:
    spec = self._get_param("Specification") or {}
    resources = spec.get("ComputeResourceRequirements") or {}
    runtime = self._get_param("RuntimeConfig") or {}
    made = add_inference_component(
        self.current_account,
        self.region,
        name=self._get_param("InferenceComponentName"),
        endpoint=self._get_param("EndpointName"),
        variant=self._get_param("VariantName") or "AllTraffic",
        model=str(spec.get("ModelName", "")),
        copies=int(runtime.get("CopyCount", 1)),
        cpu_cores=float(resources.get("NumberOfCpuCoresRequired", 1)),
        accelerators=float(resources.get("NumberOfAcceleratorDevicesRequired", 0)),
        memory_mb=int(resources.get("MinMemoryRequiredInMb", 1024)),
    )
    return ActionResult({"InferenceComponentArn": made["InferenceComponentArn"]})


def _components(self: Any) -> dict[str, dict[str, Any]]:
    return INFERENCE_COMPONENTS.setdefault((self.current_account, self.region), {})


def describe_inference_component(self: Any) -> ActionResult:
    name = self._get_param("InferenceComponentName")
    component = _components(self).get(name)
    if component is None:
        raise _not_found("inference component", name)
    return ActionResult(component)


def list_inference_components(self: Any) -> ActionResult:
    endpoint = self._get_param("EndpointNameEquals")
    keys = [
        "CreationTime",
        "InferenceComponentArn",
        "InferenceComponentName",
        "EndpointArn",
        "EndpointName",
        "VariantName",
        "InferenceComponentStatus",
        "LastModifiedTime",
    ]
    items = [
        {k: c[k] for k in keys if k in c}
        for c in _components(self).values()
        if not endpoint or c["EndpointName"] == endpoint
    ]
    return ActionResult({"InferenceComponents": items})


def delete_inference_component(self: Any) -> ActionResult:
    name = self._get_param("InferenceComponentName")
    if _components(self).pop(name, None) is None:
        raise _not_found("inference component", name)
    return EmptyResult()


# --- Pipelines: execution steps, stop, retry (moto has executions but no steps) ---------
# An execution's steps live on moto's execution object as ``demo_steps`` (the
# ListPipelineExecutionSteps item shape); the seed and tests set them with
# :func:`set_pipeline_execution`.


def _pipeline_execution(self: Any) -> Any:
    arn = str(self._get_param("PipelineExecutionArn") or "")
    for pipeline in self.sagemaker_backend.pipelines.values():
        execution = pipeline.pipeline_executions.get(arn)
        if execution is not None:
            return execution
    raise ResourceNotFound(message=f"Pipeline execution {arn} does not exist.")


def set_pipeline_execution(
    execution: Any, status: str, steps: list[dict[str, Any]], failure_reason: str = ""
) -> None:
    """Give a moto execution a status, a failure reason and steps (API item shape)."""
    patch(
        execution,
        pipeline_execution_status=status,
        pipeline_execution_failure_reason=failure_reason or None,
        last_modified_time=utc_now(),
    )
    execution.demo_steps = [dict(s) for s in steps]


def list_pipeline_execution_steps(self: Any) -> ActionResult:
    execution = _pipeline_execution(self)
    steps = list(getattr(execution, "demo_steps", []))
    steps.sort(
        key=lambda s: s.get("StartTime") or datetime.min,
        reverse=self._get_param("SortOrder", "Descending") != "Ascending",
    )
    size = self._get_int_param("MaxResults") or 50
    token = self._get_param("NextToken")
    start = int(token) if token and str(token).isdigit() else 0
    result: dict[str, Any] = {"PipelineExecutionSteps": steps[start : start + size]}
    if start + size < len(steps):
        result["NextToken"] = str(start + size)
    return ActionResult(result)


def _describe_pipeline_execution(self: Any) -> ActionResult:
    # moto answers FailureReason "" always: give the execution's own reason.
    execution = _pipeline_execution(self)
    answer = dict(self.sagemaker_backend.describe_pipeline_execution(execution.arn))
    answer["FailureReason"] = execution.pipeline_execution_failure_reason or ""
    answer["LastModifiedTime"] = execution.last_modified_time
    return ActionResult(answer)


def _list_pipeline_executions(self: Any) -> ActionResult:
    # moto answers the reason as the string "None" and in creation order: newest first.
    name = self._get_param("PipelineName")
    pipeline = self.sagemaker_backend.pipelines.get(name)
    if pipeline is None:
        raise ResourceNotFound(message=f"Pipeline {name} does not exist.")
    items = []
    for arn, execution in pipeline.pipeline_executions.items():
        item = {
            "PipelineExecutionArn": arn,
            "StartTime": execution.start_time,
            "PipelineExecutionStatus": execution.pipeline_execution_status,
            "PipelineExecutionDisplayName": execution.pipeline_execution_display_name,
        }
        if execution.pipeline_execution_failure_reason:
            item["PipelineExecutionFailureReason"] = execution.pipeline_execution_failure_reason
        items.append(item)
    items.sort(
        key=lambda i: i["StartTime"],
        reverse=self._get_param("SortOrder", "Descending") != "Ascending",
    )
    return ActionResult({"PipelineExecutionSummaries": items})


def stop_pipeline_execution(self: Any) -> ActionResult:
    with state().lock:
        execution = _pipeline_execution(self)
        if execution.pipeline_execution_status != "Executing":
            raise ValidationError(
                message=f"Pipeline execution is in status "
                f"{execution.pipeline_execution_status} and cannot be stopped."
            )
        steps = [
            {**s, "StepStatus": "Stopping"} if s.get("StepStatus") == "Executing" else s
            for s in getattr(execution, "demo_steps", [])
        ]
        set_pipeline_execution(execution, "Stopping", steps)
    return ActionResult({"PipelineExecutionArn": execution.arn})


def retry_pipeline_execution(self: Any) -> ActionResult:
    with state().lock:
        execution = _pipeline_execution(self)
        if execution.pipeline_execution_status != "Failed":
            raise ValidationError(
                message=f"Pipeline execution is in status "
                f"{execution.pipeline_execution_status}; only Failed executions can be retried."
            )
        now = utc_now()
        steps = []
        for step in getattr(execution, "demo_steps", []):
            if step.get("StepStatus") == "Failed":
                retried = {k: v for k, v in step.items() if k not in ("EndTime", "FailureReason")}
                retried.update(
                    StepStatus="Executing",
                    StartTime=now,
                    AttemptCount=int(step.get("AttemptCount") or 1) + 1,
                )
                steps.append(retried)
            else:
                steps.append(step)
        set_pipeline_execution(execution, "Executing", steps)
    return ActionResult({"PipelineExecutionArn": execution.arn})


HANDLERS.update(
    {
        "create_inference_component": create_inference_component,
        "describe_inference_component": describe_inference_component,
        "list_inference_components": list_inference_components,
        "delete_inference_component": delete_inference_component,
        "list_pipeline_execution_steps": list_pipeline_execution_steps,
        "describe_pipeline_execution": _describe_pipeline_execution,
        "list_pipeline_executions": _list_pipeline_executions,
        "stop_pipeline_execution": stop_pipeline_execution,
        "retry_pipeline_execution": retry_pipeline_execution,
    }
)


def add_scaling_activity(
    account_id: str,
    region: str,
    *,
    resource_id: str,
    status: str,
    description: str,
    cause: str,
    message: str = "",
    started: datetime | None = None,
    dimension: str = "sagemaker:variant:DesiredInstanceCount",
) -> dict[str, Any]:
    start = started or utc_now()
    activity: dict[str, Any] = {
        "ActivityId": str(uuid.uuid4()),
        "ServiceNamespace": "sagemaker",
        "ResourceId": resource_id,
        "ScalableDimension": dimension,
        "Description": description,
        "Cause": cause,
        "StartTime": start,
        "EndTime": start + timedelta(minutes=2),
        "StatusCode": status,
    }
    if message:
        activity["StatusMessage"] = message
    SCALING_ACTIVITIES.setdefault((account_id, region), []).append(activity)
    return activity


def describe_scaling_activities(self: Any) -> str:
    import json

    resource = self._get_param("ResourceId")
    limit = int(self._get_param("MaxResults") or 50)
    items = [
        {k: (v.timestamp() if isinstance(v, datetime) else v) for k, v in a.items()}
        for a in reversed(SCALING_ACTIVITIES.get((self.current_account, self.region), []))
        if not resource or a["ResourceId"] == resource
    ]
    return json.dumps({"ScalingActivities": items[:limit]})


def percentile_statistic(self: Any, stat: str) -> Any:
    """moto's statistics plus ``pNN`` over the values put (nearest rank)."""
    value = _PLAIN_STATISTIC(self, stat)
    if value is not None or not stat.startswith("p"):
        return value
    try:
        rank = float(stat[1:]) / 100.0
    except ValueError:
        return None
    values = sorted(self.metric_single_values_list)
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(rank * len(values)) - 1))]


def _plain_statistic() -> Any:
    from moto.cloudwatch.models import Statistics

    return Statistics.get_statistics_for_type


_PLAIN_STATISTIC = _plain_statistic()


def install_production_view() -> None:
    """Add the autoscaling and CloudWatch pieces (after :func:`install`; :func:`uninstall`
    restores them with the rest)."""
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
    from moto.cloudwatch.models import Statistics

    for cls, name, handler in (
        (
            ApplicationAutoScalingResponse,
            "describe_scaling_activities",
            describe_scaling_activities,
        ),
        (Statistics, "get_statistics_for_type", percentile_statistic),
    ):
        _saved[f"{cls.__name__}.{name}"] = (cls, name, cls.__dict__.get(name, _MISSING))
        setattr(cls, name, handler)


# --- Batch transform: StopTransformJob (moto has create/describe/list only) ------------


def stop_transform_job(self: Any) -> ActionResult:
    name = self._get_param("TransformJobName")
    with state().lock:
        job = self.sagemaker_backend.transform_jobs.get(name)
        if job is None:
            raise _not_found("transform job", name)
        _stop_job(job.transform_job_status, "transform job", name)
        patch(job, transform_job_status="Stopping", last_modified_time=utc_now())
    return EmptyResult()


HANDLERS["stop_transform_job"] = stop_transform_job


# --- Tuning: each trial's objective value (the ranking needs it) ------------------------


def _tuning_trials_with_objective(self: Any) -> ActionResult:
    """The listing above plus FinalHyperParameterTuningJobObjectiveMetric: the trial's
    final value of the tuning job's objective metric (from its FinalMetricDataList)."""
    answer = list_training_jobs_for_hyper_parameter_tuning_job(self)
    backend = self.sagemaker_backend
    tuning = backend.hyper_parameter_tuning_jobs[self._get_param("HyperParameterTuningJobName")]
    config = tuning.hyper_parameter_tuning_job_config or {}
    metric = (config.get("HyperParameterTuningJobObjective") or {}).get("MetricName", "")
    summaries = answer.result["TrainingJobSummaries"]  # type: ignore[index]
    for summary in summaries:
        job = backend.training_jobs.get(summary["TrainingJobName"])
        for final in getattr(job, "final_metric_data_list", None) or []:
            if final.get("MetricName") == metric:
                summary["FinalHyperParameterTuningJobObjectiveMetric"] = {
                    "Type": (config.get("HyperParameterTuningJobObjective") or {}).get("Type"),
                    "MetricName": metric,
                    "Value": float(final["Value"]),
                }
    return answer


HANDLERS["list_training_jobs_for_hyper_parameter_tuning_job"] = _tuning_trials_with_objective


# --- Service Quotas: ListServiceQuotas for sagemaker (moto knows only vpc defaults) -----
# Applied quotas by (instance type, usage): SAGEMAKER_QUOTAS in moto_state, set by the seed
# and tests.
_QUOTA_PAGE = 100


def sagemaker_quota_item(
    instance_type: str, usage: str, value: float, index: int
) -> dict[str, Any]:
    """One quota in ListServiceQuotas' item shape (botocore's ServiceQuota)."""
    code = f"L-{index:08X}"
    return {
        "ServiceCode": "sagemaker",
        "ServiceName": "Amazon SageMaker",
        "QuotaArn": f"arn:aws:servicequotas:us-east-1:123456789012:sagemaker/{code}",
        "QuotaCode": code,
        "QuotaName": f"{instance_type} for {usage} usage",
        "Value": float(value),
        "Unit": "None",
        "Adjustable": True,
        "GlobalQuota": False,
    }


def list_service_quotas(self: Any) -> str:
    import json

    params = json.loads(self.body or "{}")
    if params.get("ServiceCode") != "sagemaker":
        return json.dumps({"Quotas": []})
    items = [
        sagemaker_quota_item(kind, usage, value, index)
        for index, ((kind, usage), value) in enumerate(sorted(SAGEMAKER_QUOTAS.items()), 1)
    ]
    size = int(params.get("MaxResults") or _QUOTA_PAGE)
    token = params.get("NextToken")
    start = int(token) if token and str(token).isdigit() else 0
    answer: dict[str, Any] = {"Quotas": items[start : start + size]}
    if start + size < len(items):
        answer["NextToken"] = str(start + size)
    return json.dumps(answer)


QUOTA_HANDLERS: dict[str, Any] = {"list_service_quotas": list_service_quotas}
