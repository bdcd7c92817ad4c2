"""Read-backs: after a mutation's answer was lost, did the change take effect?

One table maps every mutating AWS operation the console sends to the describe call that
tells: ``True`` (it took effect), ``False`` (it did not), ``None`` (cannot tell). The gate
uses it for any mutation whose answer was lost, unreadable or a 5xx, unless the service
passed its own, finer ``reconcile`` (an endpoint moving to a given config, weights...).
The request parameters come from the call that was sent (see ``SentMutation``), so a
read-back names exactly the resource the call named.

A new mutating call without an entry here is read back as "cannot tell" (audited
``unknown``); tests/core/aws/test_answers.py checks every operation the services call has one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from console.errors import NotFoundError, translate

_STOPPED = frozenset({"Stopping", "Stopped", "Completed", "Failed"})
_GONE = "<gone>"


class _Sent(Protocol):
    @property
    def client(self) -> Any: ...
    @property
    def operation(self) -> str: ...
    @property
    def params(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReadBack:
    """``describe(**{describe_key: params[param_key]})`` and what it must show."""

    describe: str  # the client method, e.g. "describe_training_job"
    param_key: str  # the request parameter naming the resource
    describe_key: str  # the describe call's parameter for it
    status_key: str = ""  # the status field read ("" for exists/gone only)
    # What shows it took effect: "exists", "gone", or a set of statuses (may hold _GONE).
    applied: str | frozenset[str] = "exists"
    # For updates: the describe field that must equal the request's field of that name.
    equals: str = ""
    # Instead of describe: (paginated list call, result key, name field). For resources
    # whose describe cannot say "not found" reliably (moto answers a missing experiment
    # or trial with a 500); the list says "there" or "not there" either way.
    listing: tuple[str, str, str] | None = None


def _exists(describe: str, key: str, describe_key: str = "") -> ReadBack:
    return ReadBack(describe, key, describe_key or key)


def _gone(describe: str, key: str, status_key: str = "", going: str = "Deleting") -> ReadBack:
    statuses = frozenset({_GONE, going}) if status_key else frozenset({_GONE})
    return ReadBack(describe, key, key, status_key, statuses)


def _status(describe: str, key: str, status_key: str, *statuses: str) -> ReadBack:
    return ReadBack(describe, key, key, status_key, frozenset(statuses))


READ_BACKS: Mapping[str, ReadBack] = {
    # training / processing / tuning
    "CreateTrainingJob": _exists("describe_training_job", "TrainingJobName"),
    "StopTrainingJob": _status(
        "describe_training_job", "TrainingJobName", "TrainingJobStatus", *_STOPPED
    ),
    "CreateProcessingJob": _exists("describe_processing_job", "ProcessingJobName"),
    "StopProcessingJob": _status(
        "describe_processing_job", "ProcessingJobName", "ProcessingJobStatus", *_STOPPED
    ),
    "CreateHyperParameterTuningJob": _exists(
        "describe_hyper_parameter_tuning_job", "HyperParameterTuningJobName"
    ),
    "CreateTransformJob": _exists("describe_transform_job", "TransformJobName"),
    "StopTransformJob": _status(
        "describe_transform_job", "TransformJobName", "TransformJobStatus", *_STOPPED
    ),
    "StopHyperParameterTuningJob": _status(
        "describe_hyper_parameter_tuning_job",
        "HyperParameterTuningJobName",
        "HyperParameterTuningJobStatus",
        *_STOPPED,
    ),
    # models and endpoints
    "CreateModel": _exists("describe_model", "ModelName"),
    "DeleteModel": _gone("describe_model", "ModelName"),
    "CreateEndpointConfig": _exists("describe_endpoint_config", "EndpointConfigName"),
    "DeleteEndpointConfig": _gone("describe_endpoint_config", "EndpointConfigName"),
    "CreateEndpoint": _exists("describe_endpoint", "EndpointName"),
    "DeleteEndpoint": _gone("describe_endpoint", "EndpointName", "EndpointStatus"),
    "UpdateEndpoint": ReadBack(
        "describe_endpoint", "EndpointName", "EndpointName", equals="EndpointConfigName"
    ),
    # notebooks
    "CreateNotebookInstance": _exists("describe_notebook_instance", "NotebookInstanceName"),
    "StartNotebookInstance": _status(
        "describe_notebook_instance",
        "NotebookInstanceName",
        "NotebookInstanceStatus",
        "Pending",
        "InService",
    ),
    "StopNotebookInstance": _status(
        "describe_notebook_instance",
        "NotebookInstanceName",
        "NotebookInstanceStatus",
        "Stopping",
        "Stopped",
    ),
    "DeleteNotebookInstance": _gone(
        "describe_notebook_instance", "NotebookInstanceName", "NotebookInstanceStatus"
    ),
    # experiments
    "CreateExperiment": ReadBack(
        "", "ExperimentName", "", listing=("list_experiments", "ExperimentSummaries", "")
    ),
    "DeleteExperiment": ReadBack(
        "",
        "ExperimentName",
        "",
        applied="gone",
        listing=("list_experiments", "ExperimentSummaries", ""),
    ),
    "CreateTrial": ReadBack("", "TrialName", "", listing=("list_trials", "TrialSummaries", "")),
    "DeleteTrial": ReadBack(
        "", "TrialName", "", applied="gone", listing=("list_trials", "TrialSummaries", "")
    ),
    # model registry
    "CreateModelPackageGroup": _exists("describe_model_package_group", "ModelPackageGroupName"),
    "DeleteModelPackageGroup": _gone(
        "describe_model_package_group", "ModelPackageGroupName", "ModelPackageGroupStatus"
    ),
    "DeleteModelPackage": _gone("describe_model_package", "ModelPackageName"),
    "UpdateModelPackage": ReadBack(
        "describe_model_package",
        "ModelPackageArn",
        "ModelPackageName",
        equals="ModelApprovalStatus",
    ),
    # HyperPod
    "CreateCluster": _exists("describe_cluster", "ClusterName"),
    # MLflow tracking servers
    "StartMlflowTrackingServer": _status(
        "describe_mlflow_tracking_server",
        "TrackingServerName",
        "TrackingServerStatus",
        "Starting",
        "Started",
    ),
    "StopMlflowTrackingServer": _status(
        "describe_mlflow_tracking_server",
        "TrackingServerName",
        "TrackingServerStatus",
        "Stopping",
        "Stopped",
    ),
    # IAM
    "CreateRole": _exists("get_role", "RoleName"),
    "DeleteRole": _gone("get_role", "RoleName"),
}
# Operations no table entry can settle: the outcome stays "unknown" (an invocation's side
# effects live in the model; a node reboot leaves no lasting state to look at), unless the
# service passes its own reconcile (endpoint weights: EndpointsService.update_variant_weights).
CANNOT_TELL = frozenset(
    {
        "UpdateEndpointWeightsAndCapacities",
        "InvokeEndpoint",
        "BatchRebootClusterNodes",
        "BatchReplaceClusterNodes",
        "StartClusterHealthCheck",
        # HyperPod lifecycle: console/services/hyperpod_lifecycle.py passes its own.
        "UpdateCluster",
        "UpdateClusterSoftware",
        "BatchDeleteClusterNodes",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "PutRolePolicy",
        "DeleteRolePolicy",
        # Pipelines: stop/retry pass their own read-back (the execution's status); a
        # start makes a new execution no read can tell from the earlier ones.
        "StartPipelineExecution",
        "StopPipelineExecution",
        "RetryPipelineExecution",
    }
)


def reader_for(sent: _Sent) -> Callable[[], bool | None] | None:
    """A read-back for the call that was sent, or None when none can tell."""
    spec = READ_BACKS.get(sent.operation)
    if spec is None or spec.param_key not in sent.params:
        return None
    return lambda: read_back(sent.client, spec, sent.params)


def read_back(client: Any, spec: ReadBack, params: Mapping[str, Any]) -> bool | None:
    """Run ``spec`` against ``client``: True / False / None (see module doc)."""
    if spec.listing is not None:
        operation, key, field = spec.listing
        name = params[spec.param_key]
        pages = client.get_paginator(operation).paginate(PaginationConfig={"PageSize": 100})
        there = any(
            item.get(field or spec.param_key) == name
            for page in pages
            for item in page.get(key, [])
        )
        return there if spec.applied == "exists" else not there
    try:
        data = getattr(client, spec.describe)(**{spec.describe_key: params[spec.param_key]})
    except Exception as exc:
        if isinstance(translate(exc), NotFoundError):
            if spec.applied == "exists":
                return False
            return isinstance(spec.applied, frozenset) and _GONE in spec.applied
        raise
    if spec.equals:
        return bool(data.get(spec.equals) == params.get(spec.equals))
    if spec.applied == "exists":
        return True
    if isinstance(spec.applied, frozenset):
        return str(data.get(spec.status_key, "")) in spec.applied
    return None
