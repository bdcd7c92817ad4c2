"""Evidence (candidate vs approved vs serving), approval history and batch approvals.

Against the moto server: the serving version is found through a real endpoint -> config
-> model chain, by model data and by package ARN.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from console.audit import AuditRecord
from console.errors import ValidationError
from console.services.approval_history import approval_history, split_package_arn
from console.services.evidence import (
    BETTER,
    SAME,
    WORSE,
    build_evidence,
    compare,
    lower_is_better,
)
from console.services.registry import ModelPackage
from tests.support.helpers import assert_one_error, audit_records, context
from tests.support.registry import ACCOUNT, REGION, add_version, seed_churn, serve


@pytest.fixture
def churn(aws: Any) -> dict[str, str]:
    """v1 Approved and serving on churn-prod (by model data); v2 Rejected; v3 pending."""
    return seed_churn(aws)


# --- the better/worse rule ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "lower"),
    [
        ("validation:logloss", True),
        ("eval_loss", True),
        ("train:loss", True),
        ("rmse", True),
        ("mse", True),
        ("MeanAbsoluteError", True),
        ("eval:perplexity", True),
        ("p99_latency", True),
        ("validation:error", True),
        ("auc", False),
        ("validation:accuracy", False),
        ("eval:f1", False),
        ("r2", False),
        ("precision", False),
    ],
)
def test_lower_is_better_by_name(name: str, lower: bool) -> None:
    assert lower_is_better(name) is lower


def test_compare_directions_and_unknowns() -> None:
    assert compare(0.9, 0.8, lower=False) == BETTER
    assert compare(0.9, 0.8, lower=True) == WORSE
    assert compare(0.3, 0.3 + 1e-15, lower=True) == SAME
    assert compare(None, 0.8, lower=False) == ""
    assert compare(0.8, None, lower=False) == ""
    assert compare(float("nan"), 0.8, lower=False) == ""


# --- evidence -------------------------------------------------------------------------------
def test_evidence_against_approved_and_serving_by_model_data(churn: dict[str, str]) -> None:
    evidence = context().evidence.evidence(churn["v3"])
    assert evidence.candidate.version == 3
    assert evidence.approved is not None and evidence.approved.version == 1
    assert evidence.serving is not None and evidence.serving.version == 1
    [place] = evidence.serving_at
    assert (place.endpoint, place.variant, place.matched_by) == (
        "churn-prod",
        "AllTraffic",
        "model data",
    )
    rows = {m.name: m for m in evidence.metrics}
    assert (rows["auc"].vs_approved, rows["auc"].vs_serving) == (BETTER, BETTER)
    assert rows["logloss"].lower_is_better
    assert (rows["logloss"].candidate, rows["logloss"].approved) == (0.35, 0.30)
    assert rows["logloss"].vs_approved == WORSE
    assert (evidence.better_count, evidence.worse_count) == (1, 1)
    assert evidence.notes == ()


def test_serving_found_by_package_arn_and_cached_until_endpoint_changes(
    aws: Any, churn: dict[str, str]
) -> None:
    serve(aws, "churn-canary", {"ModelPackageName": churn["v2"]})
    ctx = context()
    evidence = ctx.evidence.evidence(churn["v3"])
    places = {(p.endpoint, p.version, p.matched_by) for p in evidence.serving_at}
    assert places == {("churn-prod", 1, "model data"), ("churn-canary", 2, "package")}
    # A tie (one variant each): the newer version is "the serving one".
    assert evidence.serving is not None and evidence.serving.version == 2
    assert {m.name: m.vs_serving for m in evidence.metrics} == {"auc": BETTER, "logloss": BETTER}
    before = ctx.sessions.metrics.calls_total()
    ctx.evidence.serving_models()
    # Unchanged endpoints: one ListEndpoints, no describes.
    assert ctx.sessions.metrics.calls_total() - before == 1


def test_evidence_notes_when_nothing_to_compare(aws: Any) -> None:
    aws.client("s3").create_bucket(Bucket="reports")
    aws.client("sagemaker").create_model_package_group(ModelPackageGroupName="fresh")
    arn = add_version(aws, "fresh", 1, "PendingManualApproval", None)
    evidence = context().evidence.evidence(arn)
    assert (evidence.approved, evidence.serving, evidence.metrics) == (None, None, ())
    assert evidence.notes == (
        "no other version of this group is Approved",
        "no endpoint serves a version of this group",
        "the candidate has no ModelMetrics report",
    )


def _package(version: int, status: str, metrics: dict[str, float]) -> ModelPackage:
    return ModelPackage(
        group="g",
        version=version,
        arn=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/g/{version}",
        approval_status=status,
        status="Completed",
        created=None,
        modified=None,
        modified_by="",
        description="",
        approval_description="",
        model_data_url=f"s3://m/{version}",
        image="",
        metric_reports={},
        metrics=metrics,
    )


def test_build_evidence_lists_metrics_of_every_side() -> None:
    candidate = _package(3, "PendingManualApproval", {"rmse": 1.0})
    approved = _package(2, "Approved", {"rmse": 1.2, "r2": 0.7})
    older = _package(1, "Approved", {"rmse": 9.0})
    evidence = build_evidence(candidate, [candidate, approved, older], [])
    assert evidence.approved == approved  # the newest Approved one
    assert [(m.name, m.candidate, m.vs_approved) for m in evidence.metrics] == [
        ("rmse", 1.0, BETTER),
        ("r2", None, ""),
    ]


# --- batch ----------------------------------------------------------------------------------
def test_batch_reports_each_package_and_a_conflict_hides_nothing(
    aws: Any, churn: dict[str, str]
) -> None:
    sm = aws.client("sagemaker")
    v4 = add_version(aws, "churn", 4, "PendingManualApproval", {"auc": 0.91})
    ghost = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/churn/99"
    # Another operator rejects v4 after our operator saw it pending.
    sm.update_model_package(ModelPackageArn=v4, ModelApprovalStatus="Rejected")
    results = context().registry.update_approvals(
        [
            (churn["v3"], "PendingManualApproval"),
            (v4, "PendingManualApproval"),
            (ghost, "PendingManualApproval"),
        ],
        "Approved",
        "beats v1 on AUC",
    )
    assert [r.outcome for r in results] == ["ok", "conflict", "error"]
    assert results[0].package is not None and results[0].package.approval_status == "Approved"
    assert "changed meanwhile: now Rejected" in results[1].message
    assert sm.describe_model_package(ModelPackageName=churn["v3"])["ApprovalDescription"] == (
        "beats v1 on AUC"
    )
    assert sm.describe_model_package(ModelPackageName=v4)["ModelApprovalStatus"] == "Rejected"
    approvals = [r for r in audit_records() if r["action"] == "model-package-approve"]
    # One record per package the gate saw: the conflict is audited as a failed attempt;
    # the unknown ARN failed its read, before anything could be attempted.
    assert [(r["target"], r["outcome"]) for r in approvals] == [
        (churn["v3"], "ok"),
        (v4, "error"),
    ]
    assert approvals[1]["detail"].startswith("package changed meanwhile: now Rejected")


def test_batch_read_only_refuses_each_and_audits_each(
    churn: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMCONSOLE_READ_ONLY", "true")
    results = context().registry.update_approvals(
        [(churn["v3"], None), (churn["v2"], None)], "Rejected"
    )
    assert [r.outcome for r in results] == ["refused", "refused"]
    assert [(r["target"], r["outcome"]) for r in audit_records()] == [
        (churn["v3"], "refused"),
        (churn["v2"], "refused"),
    ]


def test_batch_validates_the_whole_batch_first(churn: dict[str, str]) -> None:
    ctx = context()
    with pytest.raises(ValidationError):
        ctx.registry.update_approvals([(churn["v3"], None)], "Shipped")
    with pytest.raises(ValidationError):
        ctx.registry.update_approvals([(churn["v3"], None)], "Approved", "x" * 1025)
    assert audit_records() == []


# --- history --------------------------------------------------------------------------------
def test_history_merges_audit_and_registry_newest_first(aws: Any, churn: dict[str, str]) -> None:
    ctx = context()
    ctx.registry.update_approval(
        churn["v3"], "Approved", "AUC up", expected_status="PendingManualApproval"
    )
    history = ctx.evidence.history("churn")
    # Our approval of v3 is one event from both sources, on top.
    top = history[0]
    assert (top.version, top.action, top.comment, top.source) == (
        3,
        "Approved",
        "AUC up",
        "audit+registry",
    )
    assert top.by.startswith("arn:aws:") and top.previous == "PendingManualApproval"
    # Decisions made elsewhere (the registry's own fields) are there too, once each.
    decided = [(e.version, e.action) for e in history if e.action != "Registered"]
    assert sorted(decided) == [(1, "Approved"), (2, "Rejected"), (3, "Approved")]
    assert sorted(e.version for e in history if e.action == "Registered") == [1, 2, 3]
    times = [e.time for e in history if e.time is not None]
    assert times == sorted(times, reverse=True)


def test_history_keeps_refused_attempts_and_ignores_other_groups() -> None:
    now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/g/1"

    def record(action: str, target: str, outcome: str, minutes: int) -> AuditRecord:
        return AuditRecord(
            time=(now + timedelta(minutes=minutes)).isoformat(),
            caller="arn:aws:iam::1:user/ops",
            profile="",
            region=REGION,
            action=action,
            target=target,
            params={"ModelApprovalStatus": "Approved", "ApprovalDescription": "ok"},
            outcome=outcome,
        )

    records = [
        record("model-package-approve", arn, "refused", 0),
        record("model-package-approve", arn.replace("/g/", "/other/"), "ok", 1),
        record("endpoint-delete", "ep", "ok", 2),
    ]
    history = approval_history([], records, "g")
    assert [(e.version, e.outcome, e.source) for e in history] == [(1, "refused", "audit")]
    assert split_package_arn(arn) == ("g", 1)
    assert split_package_arn("arn:aws:sagemaker:r:1:model/x") == ("", None)


# --- CLI ------------------------------------------------------------------------------------
def test_cli_describe_shows_evidence(run_cli: Any, churn: dict[str, str]) -> None:
    result = run_cli("model-package-describe", churn["v3"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "churn/3" in out and "PendingManualApproval" in out
    assert "churn-prod/AllTraffic serves v1 (by model data)" in out
    assert "Approved v1" in out and "Serving v1" in out
    auc = next(line for line in out.splitlines() if line.startswith("auc"))
    assert auc.split() == ["auc", "0.93", "0.9", "better", "0.9", "better"]
    logloss = next(line for line in out.splitlines() if line.startswith("logloss"))
    assert "(lower is better)" in logloss and "worse" in logloss
    data = run_cli("model-package-describe", churn["v3"], "--json").json()
    assert data["approved"]["version"] == 1 and data["serving_at"][0]["endpoint"] == "churn-prod"
    assert {m["name"]: m["vs_approved"] for m in data["metrics"]} == {
        "auc": "better",
        "logloss": "worse",
    }


def test_cli_history(run_cli: Any, churn: dict[str, str]) -> None:
    assert (
        run_cli("model-package-approve", churn["v3"], "--comment", "AUC up", "--yes").exit_code == 0
    )
    history = run_cli("model-package-history", "churn", "--json").json()
    assert (history[0]["version"], history[0]["action"], history[0]["comment"]) == (
        3,
        "Approved",
        "AUC up",
    )
    table = run_cli("model-package-history", "churn")
    assert table.exit_code == 0 and "audit+registry" in table.stdout
    assert_one_error(run_cli("model-package-history", "ghost"), 5)


def test_cli_batch_reject_with_a_conflict_exits_10(
    aws: Any, run_cli: Any, churn: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sm = aws.client("sagemaker")
    v4 = add_version(aws, "churn", 4, "PendingManualApproval", None)
    import console.cli.commands.registry as commands

    asked: list[str] = []
    confirm = commands.confirm

    def colleague_approves_while_asked(*args: Any, **kwargs: Any) -> None:
        asked.append(kwargs["prompt"])
        sm.update_model_package(ModelPackageArn=v4, ModelApprovalStatus="Approved")
        confirm(*args, **kwargs)

    monkeypatch.setattr(commands, "confirm", colleague_approves_while_asked)
    result = run_cli("model-package-reject", churn["v3"], v4, "--comment", "drift", "--yes")
    assert asked == [
        "Reject 2 model packages?\n  churn/3 (now PendingManualApproval)\n"
        "  churn/4 (now PendingManualApproval)"
    ]
    assert "rejected model package churn/3" in result.stdout
    assert result.exit_code == 10
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("conflict: churn/4: package changed meanwhile: now Approved")
    assert lines[1] == (
        "error: 1 of 2 model packages not rejected: changed by someone else meanwhile"
    )
    assert sm.describe_model_package(ModelPackageName=v4)["ModelApprovalStatus"] == "Approved"
    assert sm.describe_model_package(ModelPackageName=churn["v3"])["ModelApprovalStatus"] == (
        "Rejected"
    )


def test_cli_single_conflict_is_one_line_exit_10(
    aws: Any, run_cli: Any, churn: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sm = aws.client("sagemaker")
    import console.cli.commands.registry as commands

    confirm = commands.confirm

    def colleague_rejects_while_asked(*args: Any, **kwargs: Any) -> None:
        sm.update_model_package(ModelPackageArn=churn["v3"], ModelApprovalStatus="Rejected")
        confirm(*args, **kwargs)

    monkeypatch.setattr(commands, "confirm", colleague_rejects_while_asked)
    result = run_cli("model-package-approve", churn["v3"], "--yes")
    assert_one_error(result, 10, "package changed meanwhile: now Rejected")


def test_cli_batch_needs_a_terminal_or_yes_and_respects_read_only(
    run_cli: Any, churn: dict[str, str]
) -> None:
    assert_one_error(
        run_cli("model-package-approve", churn["v3"], churn["v2"]), 4, "needs confirmation"
    )
    assert_one_error(
        run_cli("--read-only", "model-package-approve", churn["v3"], churn["v2"], "--yes"), 3
    )
    assert_one_error(run_cli("model-package-approve", churn["v3"], "bad", "--yes"), 2)
    # Not confirmed and read-only: refused and audited; bad input: nothing to audit.
    assert [r["outcome"] for r in audit_records()] == ["refused", "refused"]
