"""The operator policies in tf/policies/ cover exactly the AWS calls the console makes.

The calls are collected from the console's own source (console/, the demo excluded) with
``ast``: ``self.client.<op>``, a client held in a variable (``client = self.client``,
``runtime = self.sessions.client("sagemaker-runtime")``), and operation names given as
strings (``self.paginate("list_roles", ...)``, ``getattr(self.client, operation)``, the
Status tab's list specs). botocore's service models turn each snake_case name into the
exact operation name, which is the IAM action (with a few documented exceptions).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.support.mlflow_seed import MlflowSeed

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "tf" / "policies"
SCANNED = ROOT / "console"
NOT_SCANNED = {SCANNED / "demo"}  # the demo drives moto itself, never a real account

# boto3 service -> IAM service prefix (sagemaker-runtime's InvokeEndpoint is sagemaker:).
IAM_PREFIX = {"sagemaker-runtime": "sagemaker"}
# Operations whose IAM action is named differently from the API operation.
IAM_ACTION = {("s3", "HeadObject"): "s3:GetObject", ("s3", "ListObjectsV2"): "s3:ListBucket"}
# Calls that need no permission at all.
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}
# What the operator policy grants beyond the console's own calls, and why AWS needs it.
IMPLIED = {
    # Every create call the console makes passes a role (RoleArn / ExecutionRole): AWS
    # checks that the caller may pass it to SageMaker.
    "iam:PassRole": "CreateTrainingJob",
    # Creating with Tags (HyperPod cluster specs carry them) needs sagemaker:AddTags.
    "sagemaker:AddTags": "CreateCluster",
}
# Reads AWS cannot scope to a resource (their IAM "resource types" are none): "*" only.
UNSCOPABLE = frozenset(
    {
        "cloudwatch:GetMetricData",
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DescribeScalingActivities",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:DescribeScheduledActions",
    }
)
READ_PREFIXES = ("Describe", "List", "Get", "Search", "BatchDescribe", "BatchGet")


@cache
def _operations(service: str) -> dict[str, str]:
    """snake_case method name -> API operation name, from botocore's model (offline)."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    where: str

    @property
    def action(self) -> str:
        mapped = IAM_ACTION.get((self.service, self.operation))
        return mapped or f"{IAM_PREFIX.get(self.service, self.service)}:{self.operation}"

    @property
    def is_read(self) -> bool:
        """The console's own split (its read-only gate), not a guess from the name: a call
        ``smconsole --read-only`` makes must be in the read-only policy, or a read-only user
        is denied what the console offers them (CreatePresignedNotebookInstanceUrl)."""
        from console.aws.session import is_mutating

        return not is_mutating(self.operation)

    @property
    def looks_like_a_read(self) -> bool:
        return self.operation.startswith(READ_PREFIXES)


def _string(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _module_service(tree: ast.Module) -> str:
    """The boto3 service of a module's ``self.client``: its class's SERVICE, else sagemaker
    (the base Service's default)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "SERVICE" for t in node.targets
        ):
            value = _string(node.value)
            if value:
                return value
    return "sagemaker"


def _client_variables(tree: ast.Module, default: str) -> dict[str, str]:
    """Local names bound to a client: ``x = self.client`` or ``x = ....client("svc")``."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target, value = node.targets[0], node.value
        if not isinstance(target, ast.Name):
            continue
        if isinstance(value, ast.Attribute) and value.attr == "client":
            names[target.id] = default
        elif (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr == "client"
            and value.args
            and (service := _string(value.args[0]))
        ):
            names[target.id] = service
    return names


def _calls_in(path: Path) -> Iterator[Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    default = _module_service(tree)
    variables = _client_variables(tree, default)
    where = str(path.relative_to(ROOT))
    talks_to_aws = False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        base = node.value
        service = None
        if isinstance(base, ast.Attribute) and base.attr == "client":
            service = default  # self.client.<op>
        elif isinstance(base, ast.Name) and base.id in variables:
            service = variables[base.id]  # client.<op>, runtime.<op>
        if service is not None:
            talks_to_aws = True
            if node.attr in _operations(service):
                yield Call(service, _operations(service)[node.attr], where)
        if node.attr in {"paginate", "pages", "get_paginator", "client"}:
            talks_to_aws = True
    if not talks_to_aws:
        return
    # Operation names passed as strings (paginate("list_x"), getattr(client, "op"), specs).
    for node in ast.walk(tree):
        name = _string(node)
        if name and name in _operations(default):
            yield Call(default, _operations(default)[name], where)


def console_calls() -> list[Call]:
    files = [
        path
        for path in sorted(SCANNED.rglob("*.py"))
        if not any(path.is_relative_to(skip) for skip in NOT_SCANNED)
    ]
    return [call for path in files for call in _calls_in(path)]


def _render(template: Path) -> dict[str, Any]:
    """A policy template with its ${...} placeholders filled like iam.tf fills them."""
    text = template.read_text(encoding="utf-8")
    text = re.sub(r"\$\{jsonencode\((\w+)\)\}", r'["arn:placeholder-partition:list:::\1"]', text)
    text = re.sub(r"\$\{(\w+)\}", r"placeholder-\1", text)
    document: dict[str, Any] = json.loads(text)
    return document


def _statements(name: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = _render(POLICIES / name)["Statement"]
    return statements


def _actions(statements: list[dict[str, Any]]) -> set[str]:
    found: set[str] = set()
    for statement in statements:
        actions = statement["Action"]
        found.update([actions] if isinstance(actions, str) else actions)
    return found


READ_ONLY = "read-only.json.tftpl"
OPERATOR = ("operator.json.tftpl", "operator-roles.json.tftpl")


# --- the scanner sees every way the console reaches AWS -----------------------------------


def test_scanner_finds_each_calling_pattern() -> None:
    calls = {(c.action, c.where) for c in console_calls()}
    expected = {
        # self.call(self.client.describe_training_job, ...)
        ("sagemaker:DescribeTrainingJob", "console/services/jobs.py"),
        # self.mutate(..., self.client.create_training_job, ...)
        ("sagemaker:CreateTrainingJob", "console/services/jobs.py"),
        # self.paginate("list_roles", ...) in a service whose SERVICE is "iam"
        ("iam:ListRoles", "console/services/iam.py"),
        # client = self.client; client.create_role(...)
        ("iam:CreateRole", "console/services/iam.py"),
        # runtime = self.sessions.client("sagemaker-runtime"); runtime.invoke_endpoint(...)
        ("sagemaker:InvokeEndpoint", "console/services/endpoints.py"),
        # s3 = self.sessions.client("s3"); self.call(s3.get_object, ...)
        ("s3:GetObject", "console/services/registry.py"),
        # getattr(self.client, operation) with the name passed as a string
        ("sagemaker:BatchReplaceClusterNodes", "console/services/hyperpod.py"),
        # the Status tab's _ListSpec("...", "list_clusters", ...)
        ("sagemaker:ListClusters", "console/services/status.py"),
        # logs: SERVICE = "logs"
        ("logs:GetLogEvents", "console/services/logs.py"),
    }
    assert expected <= calls, expected - calls
    # Nothing outside the services builds its own client: they are the only AWS callers,
    # with the gate's read-back after a lost answer (console/aws/readback.py), whose
    # describes the policies must allow as well.
    callers = {str(p.relative_to(ROOT)) for p in (SCANNED / "services").glob("*.py")}
    assert {where for _, where in calls} <= callers | {"console/aws/readback.py"}
    assert ("sagemaker:DescribeTrainingJob", "console/aws/readback.py") in calls


# --- the policies match the calls -----------------------------------------------------------


def test_read_only_policy_grants_exactly_what_the_console_reads() -> None:
    reads = {c.action for c in console_calls() if c.is_read} - NEEDS_NO_PERMISSION
    granted = _actions(_statements(READ_ONLY))

    missing = reads - granted
    assert not missing, f"the read-only policy lacks {sorted(missing)}: add them"
    extra = granted - reads
    assert not extra, f"the read-only policy grants calls the console never makes: {extra}"


def test_console_read_mutation_split_matches_the_two_policies() -> None:
    """Both directions of the console's classification against the policies: every call the
    gate lets through in read-only mode is in the read-only policy (so `smconsole --read-only
    notebook-url` works for a read-only user), every gated call is only in the operator's."""
    from console.aws.session import is_mutating

    calls = console_calls()
    read_only = _actions(_statements(READ_ONLY))
    operator = _actions([s for name in OPERATOR for s in _statements(name)])
    for call in calls:
        if call.action in NEEDS_NO_PERMISSION:
            continue
        if is_mutating(call.operation):
            assert call.action in operator and call.action not in read_only, call
        else:
            assert call.action in read_only and call.action not in operator, call
    # The calls whose name looks like a change but that the console treats as reads.
    unusual = {c.action for c in calls if c.is_read and not c.looks_like_a_read}
    assert {
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "sagemaker:CreatePresignedMlflowTrackingServerUrl",
    } <= unusual


def test_operator_policy_covers_every_mutation_and_grants_no_other() -> None:
    calls = console_calls()
    writes = {c.action for c in calls if not c.is_read}
    assert writes, "the scanner found no mutations at all"
    operator = _actions([s for name in OPERATOR for s in _statements(name)])
    granted = operator | _actions(_statements(READ_ONLY))  # iam.tf merges both

    missing = writes - granted
    assert not missing, f"the operator policy lacks {sorted(missing)}: add them"
    extra = operator - writes - set(IMPLIED)
    assert not extra, f"the operator policy grants mutations the console never makes: {extra}"
    # Each implied grant is there for a call the console really makes.
    actions = {c.action for c in calls}
    for implied, because in IMPLIED.items():
        assert implied in operator and f"{because}" in {a.split(":")[1] for a in actions}


def test_gated_operations_and_policy_reads_agree() -> None:
    """What the console treats as a mutation (its gate) is never in the read-only policy."""
    from console.aws.session import is_mutating

    granted = _actions(_statements(READ_ONLY))
    assert not [a for a in granted if is_mutating(a.split(":")[1])]


# --- the policies are scoped ------------------------------------------------------------------


# Reads AWS has no resource for, that are not List* calls (the Price List API).
UNSCOPABLE_READS = frozenset({"pricing:GetProducts"})


@pytest.mark.parametrize("name", [READ_ONLY, *OPERATOR])
def test_policy_templates_are_scoped(name: str) -> None:
    statements = _statements(name)
    sids = [s["Sid"] for s in statements]
    assert len(sids) == len(set(sids)), "statement ids must be unique (iam.tf merges them)"
    for statement in statements:
        assert statement["Effect"] == "Allow"
        actions = _actions([statement])
        assert not [a for a in actions if "*" in a], f"{statement['Sid']}: no wildcard actions"
        resources = statement["Resource"]
        resources = [resources] if isinstance(resources, str) else resources
        if "*" in resources:
            # Only calls AWS cannot scope to a resource may have "*".
            assert resources == ["*"]
            assert all(
                a.split(":")[1].startswith("List") or a in UNSCOPABLE | UNSCOPABLE_READS
                for a in actions
            ), statement["Sid"]
        else:
            assert all(r.startswith("arn:placeholder-partition:") for r in resources), resources


def test_pass_role_is_limited_to_sagemaker() -> None:
    (statement,) = [s for s in _statements("operator.json.tftpl") if "iam:PassRole" in s["Action"]]
    assert statement["Condition"] == {
        "StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}
    }
    (attach,) = [
        s for s in _statements("operator-roles.json.tftpl") if "iam:AttachRolePolicy" in s["Action"]
    ]
    assert attach["Condition"]["ArnEquals"]["iam:PolicyARN"].endswith(
        ":iam::aws:policy/AmazonSageMakerFullAccess"
    )


# --- MLflow at a SageMaker managed tracking server ---------------------------------------------
#
# With a tracking server ARN as the tracking URI, every MLflow REST call is signed and
# checked as ``sagemaker-mlflow:<RPC name>`` (SearchRuns, GetMetricHistory, ...) on the
# server's ARN. The console's only MLflow caller is MlflowService; the test below runs each
# of its public methods through a recording proxy in front of a real `mlflow server`, names
# every REST call from mlflow's own protobuf service definitions, and checks the MLflow
# policy templates grant exactly those. The console lists artifacts through the server
# (ListArtifacts); s3:ListBucket stays granted for mlflow's own client (the SDK, notebooks),
# which lists an S3 artifact store itself.

MLFLOW_READ_ONLY = "mlflow-read-only.json.tftpl"
MLFLOW_OPERATOR = "mlflow-operator.json.tftpl"
ARTIFACT_LISTING = "s3:ListBucket"


@pytest.fixture
def recorded_mlflow_calls(
    mlflow_env: MlflowSeed, aws: Any, monkeypatch: pytest.MonkeyPatch
) -> dict[str, set[str]]:
    """MlflowService method -> the MLflow actions its REST calls need, from the wire."""
    import inspect

    from console.mlflow.service import MlflowService
    from tests.support.fault_proxy import FaultProxy
    from tests.support.helpers import context
    from tests.support.mlflow_routes import rpc_name

    proxy = FaultProxy(mlflow_env.uri).start()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", proxy.url)
    service = context().mlflow
    run = mlflow_env.runs[0]
    found_run = service.get_run(run)
    calls: dict[str, Any] = {
        "describe_target": service.describe_target,
        "list_experiments": lambda: service.list_experiments(with_counts=True),
        "forget_run_counts": service.forget_run_counts,  # no call: clears a cache
        "get_experiment": lambda: (
            service.get_experiment(mlflow_env.experiment_id),
            service.get_experiment(mlflow_env.experiment),
        ),
        "run_pages": lambda: list(service.run_pages([mlflow_env.experiment_id], page_size=2)),
        "list_runs": lambda: service.list_runs(mlflow_env.experiment),
        "get_run": lambda: service.get_run(run),
        "metric_history": lambda: service.metric_history(run, "loss"),
        "metric_histories": lambda: service.metric_histories([run], ["loss"]),
        "list_artifacts": lambda: service.list_artifacts(run),
        "list_registered_models": service.list_registered_models,
        "get_registered_model": lambda: service.get_registered_model(mlflow_env.model),
        "list_model_versions": lambda: service.list_model_versions(mlflow_env.model),
        "model_versions_for_run": lambda: service.model_versions_for_run(run),
        "set_alias": lambda: service.set_alias(mlflow_env.alias_model, "challenger", 1),
        "run_for_training_job": lambda: service.run_for_training_job(mlflow_env.jobs[1]),
        "training_job_run": lambda: service.run_for_training_job(mlflow_env.jobs[2]),
        "lineage": lambda: service.lineage(run),
        "packages_for_run": lambda: service.packages_for_run(found_run),
    }
    public = {
        name
        for name, value in inspect.getmembers(MlflowService, inspect.isfunction)
        if not name.startswith("_")
    }
    assert public == set(calls), f"exercise every public method here: {public ^ set(calls)}"
    needs: dict[str, set[str]] = {}
    try:
        for name, call in calls.items():
            del proxy.seen[:]
            call()
            needs[name] = {
                f"sagemaker-mlflow:{rpc_name(*s.action.split(' ', 1))}" for s in proxy.seen
            }
    finally:
        proxy.stop()
    needs["list_artifacts"].add(ARTIFACT_LISTING)
    return needs


def test_the_mlflow_policies_grant_exactly_what_the_console_calls(
    recorded_mlflow_calls: dict[str, set[str]],
) -> None:
    needed = set().union(*recorded_mlflow_calls.values())
    writes = {a for a in needed if not a.split(":")[1].startswith(READ_PREFIXES)}
    assert writes == {"sagemaker-mlflow:SetRegisteredModelAlias"}
    assert writes <= recorded_mlflow_calls["set_alias"]
    reads = needed - writes
    assert {"sagemaker-mlflow:SearchRuns", "sagemaker-mlflow:GetMetricHistory"} <= reads

    read_only = _actions(_statements(MLFLOW_READ_ONLY))
    assert read_only == reads, (
        f"add {sorted(reads - read_only)}, remove {sorted(read_only - reads)}"
    )
    assert all(a.split(":")[1].startswith(READ_PREFIXES) for a in read_only)
    operator = _actions(_statements(MLFLOW_OPERATOR))
    assert operator == writes


def _uses_mlflow(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "mlflow":
            return True
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "mlflow" for a in node.names
        ):
            return True
        if isinstance(node, ast.Attribute) and node.attr == "mlflow_client":
            return True
    return False


def test_only_the_mlflow_service_calls_mlflow() -> None:
    """So exercising MlflowService's public methods (above) covers every MLflow call."""
    callers = {
        str(path.relative_to(ROOT))
        for path in SCANNED.rglob("*.py")
        if not any(path.is_relative_to(skip) for skip in NOT_SCANNED) and _uses_mlflow(path)
    }
    assert callers == {"console/mlflow/service.py"}
