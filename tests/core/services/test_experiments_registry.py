"""Experiments/trials and the model registry: services and CLI over a real moto server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from console.errors import ConflictError, NotFoundError, NotSupportedError, ValidationError
from console.services.registry import approval_status, parse_metric_report
from tests.support.helpers import assert_one_error, audit_records, context

ACCOUNT = "123456789012"
REGION = "us-east-1"


# --- helpers --------------------------------------------------------------------------
def package_arn(group: str, version: int) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{group}/{version}"


def add_package(
    sm: Any,
    group: str,
    *,
    status: str = "PendingManualApproval",
    description: str = "",
    stats_uri: str | None = None,
) -> str:
    params: dict[str, Any] = {
        "ModelPackageGroupName": group,
        "ModelApprovalStatus": status,
        "InferenceSpecification": {
            "Containers": [
                {
                    "Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/model:1",
                    "ModelDataUrl": f"s3://models/{group}/{description or 'm'}.tar.gz",
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    }
    if description:
        params["ModelPackageDescription"] = description
    if stats_uri:
        params["ModelMetrics"] = {
            "ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": stats_uri}}
        }
    return str(sm.create_model_package(**params)["ModelPackageArn"])


# --- experiments: service ---------------------------------------------------------------
def test_experiment_lifecycle_matches_boto3(aws: Any) -> None:
    sm = aws.client("sagemaker")
    service = context().experiments
    arn = service.create_experiment("exp-a", "first try")
    assert arn == sm.describe_experiment(ExperimentName="exp-a")["ExperimentArn"]
    experiment = service.describe_experiment("exp-a")
    assert (experiment.name, experiment.arn) == ("exp-a", arn)
    assert experiment.created is not None and experiment.created.tzinfo is not None
    assert [e.name for e in service.list_experiments()] == ["exp-a"]

    service.create_trial("trial-1", "exp-a")
    trial = service.describe_trial("trial-1")
    assert (trial.name, trial.experiment_name) == ("trial-1", "exp-a")
    assert [t.name for t in service.list_trials("exp-a")] == ["trial-1"]
    boto_trials = sm.list_trials(ExperimentName="exp-a")["TrialSummaries"]
    assert [t.arn for t in service.list_trials("exp-a")] == [t["TrialArn"] for t in boto_trials]


def test_missing_experiment_is_not_found(aws: Any) -> None:
    service = context().experiments
    # moto answers this describe with a bare HTTP 500; we still say "not found".
    with pytest.raises(NotFoundError, match="experiment ghost not found"):
        service.describe_experiment("ghost")
    with pytest.raises(NotFoundError):
        service.create_trial("trial-1", "ghost")
    assert aws.client("sagemaker").list_trials()["TrialSummaries"] == []


def test_create_existing_trial_is_refused(aws: Any) -> None:
    service = context().experiments
    service.create_experiment("exp-a")
    service.create_trial("t-1", "exp-a")
    with pytest.raises(ConflictError, match="trial t-1 already exists"):
        service.create_trial("t-1", "exp-a")


def test_duplicate_name_refusal_from_aws_is_a_conflict() -> None:
    from console.services.experiments import _already_exists

    refusal = ValidationError("CreateExperiment: Experiment 'exp-a' already exists.")
    mapped = _already_exists(refusal, "experiment exp-a")
    assert isinstance(mapped, ConflictError)
    assert mapped.message == "experiment exp-a already exists"
    other = ValidationError("CreateExperiment: name too long")
    assert _already_exists(other, "experiment exp-a") is other


def test_delete_experiment_with_trials_is_refused_with_count(aws: Any) -> None:
    service = context().experiments
    service.create_experiment("exp-a")
    service.create_trial("t-1", "exp-a")
    service.create_trial("t-2", "exp-a")
    with pytest.raises(ConflictError) as caught:
        service.delete_experiment("exp-a")
    assert caught.value.message == "experiment exp-a still has 2 trials: delete them first"
    service.delete_trial("t-1")
    service.delete_trial("t-2")
    service.delete_experiment("exp-a")
    assert aws.client("sagemaker").list_experiments()["ExperimentSummaries"] == []


def test_trial_components_parameters_and_metrics(aws: Any) -> None:
    from moto.sagemaker.models import sagemaker_backends

    sm = aws.client("sagemaker")
    service = context().experiments
    service.create_experiment("exp-a")
    service.create_trial("t-1", "exp-a")
    sm.create_trial_component(
        TrialComponentName="tc-1",
        Parameters={"lr": {"NumberValue": 0.01}, "optimizer": {"StringValue": "adam"}},
        Status={"PrimaryStatus": "Completed", "Message": "done"},
    )
    sm.associate_trial_component(TrialName="t-1", TrialComponentName="tc-1")
    # moto has no API to log metrics: set them on the backend, as the SDK would log them.
    component = sagemaker_backends[ACCOUNT][REGION].trial_components["tc-1"]
    component.metrics = {
        "loss": {"Values": {0: {"Value": 0.9}, 1: {"Value": 0.5}}, "Timestamp": 1_700_000_000}
    }

    assert [c.name for c in service.list_trial_components("t-1")] == ["tc-1"]
    described = service.describe_trial_component("tc-1")
    assert described.parameters == {"lr": 0.01, "optimizer": "adam"}
    assert (described.status, described.status_message) == ("Completed", "done")
    (loss,) = described.metrics
    boto_loss = sm.describe_trial_component(TrialComponentName="tc-1")["Metrics"][0]
    assert (loss.name, loss.last, loss.minimum, loss.maximum, loss.count) == (
        "loss",
        boto_loss["Last"],
        boto_loss["Min"],
        boto_loss["Max"],
        boto_loss["Count"],
    )
    with pytest.raises(ConflictError, match="still has 1 trial component"):
        service.delete_trial("t-1")


def test_experiment_names_validated_before_sending(aws: Any) -> None:
    ctx = context()
    with pytest.raises(ValidationError):
        ctx.experiments.create_experiment("bad name")
    with pytest.raises(ValidationError):
        ctx.experiments.create_trial("t" * 121, "exp")
    assert ctx.sessions.metrics.calls_total() == 0


# --- experiments: CLI -----------------------------------------------------------------
def test_cli_experiment_create_list_describe(run_cli: Any, aws: Any) -> None:
    sm = aws.client("sagemaker")
    created = run_cli("experiment-create", "exp-a", "--description", "baseline")
    assert created.exit_code == 0, created.stderr
    assert "created experiment exp-a" in created.stdout
    record = audit_records()[-1]
    assert (record["action"], record["target"], record["outcome"]) == (
        "experiment-create",
        "exp-a",
        "ok",
    )
    assert record["params"]["Description"] == "baseline"
    context().experiments.create_trial("trial-1", "exp-a")

    listed = run_cli("--json", "experiment-list")  # the global form of --json
    assert listed.exit_code == 0
    assert [(r["name"], r["arn"]) for r in listed.json()] == [
        (b["ExperimentName"], b["ExperimentArn"])
        for b in sm.list_experiments()["ExperimentSummaries"]
    ]
    described = run_cli("experiment-describe", "exp-a", "--json").json()
    assert described["arn"] == sm.describe_experiment(ExperimentName="exp-a")["ExperimentArn"]
    assert described["created"].endswith("+00:00")
    assert [t["name"] for t in described["trials"]] == ["trial-1"]
    human = run_cli("experiment-describe", "exp-a")
    assert human.exit_code == 0 and "trial-1" in human.stdout


def test_cli_experiment_bad_input(run_cli: Any, aws: Any) -> None:
    assert_one_error(run_cli("experiment-create", "bad_name!"), 2, "not a valid SageMaker name")
    assert_one_error(run_cli("experiment-describe", "bad_name"), 2, "not a valid SageMaker name")
    assert_one_error(run_cli("--endpoint-url", "nowhere", "experiment-list"), 2, "endpoint_url")


def test_cli_experiment_delete_confirms_and_refuses_with_trials(run_cli: Any, aws: Any) -> None:
    sm = aws.client("sagemaker")
    service = context().experiments
    service.create_experiment("exp-a")
    service.create_trial("t-1", "exp-a")
    # No terminal and no --yes: refuse rather than guess.
    assert_one_error(run_cli("experiment-delete", "exp-a"), 4, "needs confirmation")
    assert_one_error(
        run_cli("experiment-delete", "exp-a", "--yes"),
        10,
        "experiment exp-a still has 1 trial: delete them first",
    )
    service.delete_trial("t-1")
    deleted = run_cli("experiment-delete", "exp-a", "--yes")
    assert deleted.exit_code == 0 and "deleted experiment exp-a" in deleted.stdout
    assert sm.list_experiments()["ExperimentSummaries"] == []
    assert_one_error(run_cli("experiment-delete", "no such!", "--yes"), 2)


def test_cli_trials(run_cli: Any, aws: Any) -> None:
    sm = aws.client("sagemaker")
    context().experiments.create_experiment("exp-a")
    assert run_cli("trial-create", "t-1", "exp-a", "--json").json()["experiment"] == "exp-a"
    listed = run_cli("trial-list", "exp-a", "--json")
    assert [r["arn"] for r in listed.json()] == [
        t["TrialArn"] for t in sm.list_trials(ExperimentName="exp-a")["TrialSummaries"]
    ]
    assert_one_error(run_cli("trial-create", "bad name", "exp-a"), 2)
    assert_one_error(run_cli("trial-list", "bad name"), 2)
    assert_one_error(run_cli("trial-delete", "ghost", "--yes"), 5)
    assert_one_error(run_cli("trial-delete", "t-1"), 4)
    assert run_cli("trial-delete", "t-1", "--yes").exit_code == 0
    assert sm.list_trials()["TrialSummaries"] == []


def test_read_only_refuses_experiment_create_and_audits(run_cli: Any, aws: Any) -> None:
    result = run_cli("--read-only", "experiment-create", "exp-a")
    assert_one_error(result, 3, "read-only mode")
    assert aws.client("sagemaker").list_experiments()["ExperimentSummaries"] == []
    (record,) = audit_records()
    assert (record["action"], record["target"], record["outcome"]) == (
        "experiment-create",
        "exp-a",
        "refused",
    )


# --- registry: service ----------------------------------------------------------------
def test_approval_status_aliases() -> None:
    assert approval_status("pending") == "PendingManualApproval"
    assert approval_status("APPROVED") == "Approved"
    assert approval_status("Rejected") == "Rejected"
    with pytest.raises(ValidationError, match="unknown approval status"):
        approval_status("maybe")


def test_parse_metric_report_formats() -> None:
    monitor = {
        "version": 0.0,
        "dataset": {"item_count": 100},
        "binary_classification_metrics": {
            "confusion_matrix": {"0": {"0": 5}},
            "accuracy": {"value": 0.91, "standard_deviation": 0.01},
            "auc": {"value": 0.95},
            "roc_curve": {"false_positive_rates": [0.0, 1.0]},
        },
    }
    assert parse_metric_report(monitor) == {"accuracy": 0.91, "auc": 0.95}
    assert parse_metric_report({"rmse": 1.5, "ok": True}) == {"rmse": 1.5}
    assert parse_metric_report([1, 2]) == {}


def test_groups_create_list_describe(aws: Any) -> None:
    sm = aws.client("sagemaker")
    registry = context().registry
    arn = registry.create_group("churn", "churn models")
    group = registry.describe_group("churn")
    assert (group.arn, group.description) == (arn, "churn models")
    boto = sm.list_model_package_groups()["ModelPackageGroupSummaryList"]
    assert [g.arn for g in registry.list_groups()] == [b["ModelPackageGroupArn"] for b in boto]
    with pytest.raises(ConflictError, match="already exists"):
        registry.create_group("churn", "would replace the description in moto")
    assert (
        sm.describe_model_package_group(ModelPackageGroupName="churn")[
            "ModelPackageGroupDescription"
        ]
        == "churn models"
    )


def test_group_delete_refused_while_it_has_packages(aws: Any) -> None:
    sm = aws.client("sagemaker")
    registry = context().registry
    registry.create_group("churn")
    add_package(sm, "churn")
    with pytest.raises(ConflictError, match="still has 1 model package: delete them first"):
        registry.delete_group("churn")
    registry.create_group("empty")
    # moto lacks DeleteModelPackageGroup: the call is made and reported as such.
    with pytest.raises(NotSupportedError):
        registry.delete_group("empty")


def test_packages_newest_first_with_details_and_metrics(aws: Any) -> None:
    sm = aws.client("sagemaker")
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="reports")
    s3.put_object(
        Bucket="reports",
        Key="v2/statistics.json",
        Body=json.dumps({"regression_metrics": {"rmse": {"value": 1.25}, "r2": {"value": 0.8}}}),
    )
    registry = context().registry
    registry.create_group("churn")
    add_package(sm, "churn", description="one", status="Rejected")
    add_package(sm, "churn", description="two", stats_uri="s3://reports/v2/statistics.json")
    add_package(sm, "churn", description="three", stats_uri="s3://reports/missing.json")

    packages = registry.list_packages("churn")
    assert [p.version for p in packages] == [3, 2, 1]
    newest, second, oldest = packages
    assert second.metrics == {"rmse": 1.25, "r2": 0.8}
    assert second.metric_reports == {"ModelQuality.Statistics": "s3://reports/v2/statistics.json"}
    assert newest.metrics == {}  # unreadable report: no numbers, no failure
    assert oldest.approval_status == "Rejected"
    boto = sm.describe_model_package(ModelPackageName=package_arn("churn", 2))
    assert second.model_data_url == boto["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
    assert second.description == boto["ModelPackageDescription"] == "two"

    pending = registry.list_packages("churn", status="pending")
    assert [p.version for p in pending] == [3, 2]
    assert [p.version for p in registry.list_packages("churn", status="Rejected")] == [1]
    with pytest.raises(NotFoundError):
        registry.list_packages("ghost")
    with pytest.raises(ValidationError):
        registry.list_packages("churn", status="done")


def test_update_approval_happy_path_and_action_names(aws: Any) -> None:
    sm = aws.client("sagemaker")
    registry = context().registry
    registry.create_group("churn")
    arn = add_package(sm, "churn")
    updated = registry.update_approval(
        arn, "approved", "beats v0 on AUC", expected_status="PendingManualApproval"
    )
    assert updated.approval_status == "Approved"
    boto = sm.describe_model_package(ModelPackageName=arn)
    assert boto["ModelApprovalStatus"] == "Approved"
    assert boto["ApprovalDescription"] == "beats v0 on AUC"
    registry.update_approval(arn, "Rejected", "regression found")
    registry.update_approval(arn, "PendingManualApproval", "re-evaluate")
    actions = [
        (r["action"], r["params"]["PreviousStatus"])
        for r in audit_records()
        if "PreviousStatus" in r["params"]
    ]
    assert actions == [
        ("model-package-approve", "PendingManualApproval"),
        ("model-package-reject", "Approved"),
        ("model-package-update", "Rejected"),
    ]


def test_update_approval_refuses_when_changed_meanwhile(aws: Any) -> None:
    sm = aws.client("sagemaker")
    registry = context().registry
    registry.create_group("churn")
    arn = add_package(sm, "churn")
    seen = registry.describe_package(arn).approval_status
    assert seen == "PendingManualApproval"
    # A colleague approves while our operator is still looking at the pending version.
    sm.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="ship it"
    )
    with pytest.raises(ConflictError) as caught:
        registry.update_approval(arn, "Rejected", "too slow", expected_status=seen)
    assert caught.value.message.startswith(
        "package changed meanwhile: now Approved by someone else"
    )
    boto = sm.describe_model_package(ModelPackageName=arn)
    assert (boto["ModelApprovalStatus"], boto["ApprovalDescription"]) == ("Approved", "ship it")
    # The attempt is audited as such: nothing was written, and why.
    [record] = [r for r in audit_records() if "PreviousStatus" in r["params"]]
    assert (record["action"], record["outcome"]) == ("model-package-reject", "error")
    assert record["detail"].startswith("package changed meanwhile: now Approved")
    assert record["params"]["ExpectedStatus"] == "PendingManualApproval"


def test_update_approval_validates_before_sending(aws: Any) -> None:
    ctx = context()
    with pytest.raises(ValidationError, match="unknown approval status"):
        ctx.registry.update_approval(package_arn("churn", 1), "Deployed")
    with pytest.raises(ValidationError, match="is not an ARN"):
        ctx.registry.update_approval("churn/1", "Approved")
    with pytest.raises(ValidationError, match="does not name a model package"):
        ctx.registry.update_approval(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/x", "Approved")
    with pytest.raises(ValidationError, match="comment is longer"):
        ctx.registry.update_approval(package_arn("churn", 1), "Approved", "x" * 1025)
    assert ctx.sessions.metrics.calls_total() == 0


# --- registry: CLI --------------------------------------------------------------------
def test_cli_group_create_list_delete(run_cli: Any, aws: Any) -> None:
    sm = aws.client("sagemaker")
    created = run_cli("model-package-group-create", "churn", "--description", "churn models")
    assert created.exit_code == 0 and "created model package group churn" in created.stdout
    listed = run_cli("model-package-group-list", "--json").json()
    boto = sm.list_model_package_groups()["ModelPackageGroupSummaryList"]
    assert [(r["name"], r["arn"], r["description"]) for r in listed] == [
        (b["ModelPackageGroupName"], b["ModelPackageGroupArn"], b["ModelPackageGroupDescription"])
        for b in boto
    ]
    add_package(sm, "churn")
    assert_one_error(run_cli("model-package-group-delete", "churn"), 4, "needs confirmation")
    assert_one_error(
        run_cli("model-package-group-delete", "churn", "--yes"), 10, "still has 1 model package"
    )


def test_cli_group_bad_input(run_cli: Any, aws: Any) -> None:
    assert_one_error(run_cli("model-package-group-create", "bad name"), 2)
    assert_one_error(run_cli("model-package-group-delete", "g" * 64, "--yes"), 2)
    assert_one_error(run_cli("model-package-group-delete", "ghost", "--yes"), 5)
    assert_one_error(
        run_cli("--endpoint-url", "nowhere", "model-package-group-list"), 2, "endpoint_url"
    )


def test_cli_package_list_matches_boto3(run_cli: Any, aws: Any) -> None:
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    add_package(sm, "churn", description="one", status="Approved")
    add_package(sm, "churn", description="two")
    rows = run_cli("model-package-list", "churn", "--json").json()
    assert [r["version"] for r in rows] == [2, 1]
    for row in rows:
        boto = sm.describe_model_package(ModelPackageName=row["arn"])
        assert row["approval_status"] == boto["ModelApprovalStatus"]
        assert row["description"] == boto["ModelPackageDescription"]
        assert row["created"].endswith("+00:00")
    table = run_cli("model-package-list", "churn", "--status", "approved")
    assert "s3://models/churn/one.tar.gz" in table.stdout and "two" not in table.stdout
    assert_one_error(run_cli("model-package-list", "churn", "--status", "shipped"), 2)
    assert_one_error(run_cli("model-package-list", "ghost"), 5)


def test_cli_approve_and_reject(run_cli: Any, aws: Any) -> None:
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    first = add_package(sm, "churn")
    second = add_package(sm, "churn")
    approved = run_cli("model-package-approve", first, "--comment", "AUC 0.95", "--yes")
    assert approved.exit_code == 0, approved.stderr
    assert "approved model package churn/1 (was PendingManualApproval)" in approved.stdout
    boto = sm.describe_model_package(ModelPackageName=first)
    assert (boto["ModelApprovalStatus"], boto["ApprovalDescription"]) == ("Approved", "AUC 0.95")
    rejected = run_cli("model-package-reject", second, "--yes", "--json")
    assert rejected.exit_code == 0
    assert rejected.json()["approval_status"] == "Rejected"
    assert sm.describe_model_package(ModelPackageName=second)["ModelApprovalStatus"] == "Rejected"
    assert [r["action"] for r in audit_records()] == [
        "model-package-approve",
        "model-package-reject",
    ]


def test_cli_approve_bad_input(run_cli: Any, aws: Any) -> None:
    assert_one_error(run_cli("model-package-approve", "churn/1", "--yes"), 2, "is not an ARN")
    assert_one_error(run_cli("model-package-reject", package_arn("ghost", 1), "--yes"), 5)
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    arn = add_package(sm, "churn")
    assert_one_error(run_cli("model-package-approve", arn), 4, "needs confirmation")
    assert_one_error(run_cli("--read-only", "model-package-approve", arn, "--yes"), 3)
    assert sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == (
        "PendingManualApproval"
    )
