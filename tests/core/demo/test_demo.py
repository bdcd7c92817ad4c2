"""The demo stack: a seeded, simulated SageMaker account on loopback (`smconsole demo`).

One stack serves the whole file (it takes a few seconds to start). Everything is checked
over HTTP with plain boto3 clients and through the real CLI entry point, as an operator
pointed at the demo would see it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from console.demo.seed import TRAINING_LOG_GROUP
from console.demo.stack import DemoStack, is_loopback_url
from console.errors import SmError

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoStack]:
    # mlflow's store module warns about sqlalchemy internals when imported. The demo
    # filters that for real runs, but pytest resets filters around every test phase and
    # the import happens on the demo's background thread, between phases: import it here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import mlflow.store.tracking.sqlalchemy_store  # noqa: F401
    stack = DemoStack(tick_seconds=0.25, seed=7)
    started = time.perf_counter()
    stack.start()
    stack.startup_seconds = time.perf_counter() - started  # type: ignore[attr-defined]
    try:
        yield stack
    finally:
        stack.stop()
    from moto.sagemaker.responses import SageMakerResponse

    # moto is back to itself for the rest of the suite: no demo handlers left behind.
    assert "stop_training_job" not in SageMakerResponse.__dict__
    # The MLflow thread may still be migrating its store; once it ends, nothing is left.
    assert stack.mlflow_done.wait(120)
    assert stack.tmpdir is not None and not stack.tmpdir.exists()


@pytest.fixture
def client(demo: DemoStack) -> Callable[[str], Any]:
    import boto3

    factory: Any = boto3.client  # typed per service name; ours is a plain str

    def make(service: str) -> Any:
        return factory(
            service,
            endpoint_url=demo.url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    return make


@pytest.fixture
def on_demo(demo: DemoStack, monkeypatch: pytest.MonkeyPatch) -> DemoStack:
    """The environment an operator gets by sourcing `demo --serve --env-file`."""
    for name, value in demo.env().items():
        monkeypatch.setenv(name, value)
    return demo


def wait_for(condition: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def all_training_jobs(sm: Any) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = []
    for page in sm.get_paginator("list_training_jobs").paginate(PaginationConfig={"PageSize": 100}):
        jobs.extend(page["TrainingJobSummaries"])
    return jobs


def test_starts_fast_and_labels_itself(demo: DemoStack) -> None:
    # "Anyone can try it in a minute": ~2 s seeding on an idle box; bench/startup.py has
    # the figures, this only catches a demo that no longer comes up in reasonable time.
    assert demo.world.seconds < 60.0
    assert demo.startup_seconds < 60.0  # type: ignore[attr-defined]
    assert "fake data" in demo.label
    assert demo.shell_lines()[0].startswith("# smconsole DEMO")


def test_training_jobs_in_every_state(on_demo: DemoStack, client: Any, run_cli: Any) -> None:
    jobs = all_training_jobs(client("sagemaker"))
    assert len(jobs) >= 50
    states = Counter(j["TrainingJobStatus"] for j in jobs)
    assert {"InProgress", "Completed", "Failed", "Stopped"} <= set(states)
    assert states["Completed"] > states["Failed"]
    names = {j["TrainingJobName"] for j in jobs}
    assert any(n.startswith("llama-ft-20") for n in names)
    assert any(n.startswith("xgb-churn-") for n in names)
    assert any(n.startswith("resnet50-") for n in names)

    result = run_cli("training-list", "--json")
    assert result.exit_code == 0, result.stderr
    listed = result.json()
    assert len(listed) >= 50
    assert {"InProgress", "Completed", "Failed", "Stopped"} <= {j["status"] for j in listed}
    created = [j["created"] for j in listed]
    assert created == sorted(created, reverse=True)  # newest first, as on AWS
    assert {j["name"] for j in listed} >= names  # jobs are only ever added


def test_history_has_failures_spot_savings_and_transitions(
    on_demo: DemoStack, client: Any, run_cli: Any
) -> None:
    sm = client("sagemaker")
    oom = sm.describe_training_job(TrainingJobName=on_demo.world.oom_job)
    assert oom["TrainingJobStatus"] == "Failed"
    assert oom["FailureReason"].startswith("AlgorithmError")
    assert "CUDA out of memory" in oom["FailureReason"]
    assert [t["Status"] for t in oom["SecondaryStatusTransitions"]][-1] == "Failed"

    spot = []
    for job in all_training_jobs(sm):
        if job["TrainingJobStatus"] != "Completed":
            continue
        detail = sm.describe_training_job(TrainingJobName=job["TrainingJobName"])
        if detail.get("EnableManagedSpotTraining"):
            spot.append(detail)
    assert spot, "no completed spot jobs"
    assert all(d["BillableTimeInSeconds"] < d["TrainingTimeInSeconds"] for d in spot)
    assert any(
        "Interrupted" in [t["Status"] for t in d["SecondaryStatusTransitions"]] for d in spot
    )
    completed = spot[0]
    assert {m["MetricName"] for m in completed["FinalMetricDataList"]}
    assert completed["ModelArtifacts"]["S3ModelArtifacts"].endswith("model.tar.gz")

    result = run_cli("training-describe", completed["TrainingJobName"], "--json")
    assert result.exit_code == 0, result.stderr
    shown = result.json()
    assert shown["billable_seconds"] < shown["training_seconds"]
    assert [t["status"] for t in shown["transitions"]][-1] == "Completed"


def test_multi_host_logs(demo: DemoStack, client: Any) -> None:
    logs = client("logs")
    job = demo.world.multi_host_job
    streams = logs.describe_log_streams(
        logGroupName=TRAINING_LOG_GROUP, logStreamNamePrefix=f"{job}/"
    )
    names = sorted(s["logStreamName"] for s in streams["logStreams"])
    assert [n.split("/")[1].rsplit("-", 1)[0] for n in names] == ["algo-1", "algo-2"]
    lines = {
        name: [
            e["message"]
            for e in logs.get_log_events(
                logGroupName=TRAINING_LOG_GROUP, logStreamName=name, startFromHead=True
            )["events"]
        ]
        for name in names
    }
    assert all(len(v) > 10 for v in lines.values())
    assert any("NCCL INFO" in line for line in lines[names[1]])
    assert any("'loss'" in line for line in lines[names[0]])
    merged = logs.filter_log_events(logGroupName=TRAINING_LOG_GROUP, logStreamNames=names)["events"]
    hosts = [
        e["logStreamName"].split("/")[1][:6] for e in sorted(merged, key=lambda e: e["timestamp"])
    ]
    assert "algo-1" in hosts[:20] and "algo-2" in hosts[:20]  # interleaved, not one after the other

    oom_streams = logs.describe_log_streams(
        logGroupName=TRAINING_LOG_GROUP, logStreamNamePrefix=f"{demo.world.oom_job}/"
    )
    text = "\n".join(
        e["message"]
        for s in oom_streams["logStreams"]
        for e in logs.get_log_events(
            logGroupName=TRAINING_LOG_GROUP, logStreamName=s["logStreamName"]
        )["events"]
    )
    assert "torch.OutOfMemoryError: CUDA out of memory" in text
    assert "Traceback (most recent call last):" in text


def test_endpoints_and_ab_split(
    demo: DemoStack, client: Any, run_cli: Any, on_demo: DemoStack
) -> None:
    sm = client("sagemaker")
    endpoints = sm.list_endpoints()["Endpoints"]
    assert sorted(e["EndpointName"] for e in endpoints) == sorted(demo.world.endpoints)
    assert len(endpoints) == 7  # and one serverless, async, inference-component (issue 16),
    # and one idle for the Cost section (issue 17)
    ab = sm.describe_endpoint(EndpointName=demo.world.ab_endpoint)
    weights = [v["CurrentWeight"] for v in ab["ProductionVariants"]]
    assert weights == [0.5, 0.5]
    # The endpoint created last comes up a few ticks after the demo starts.
    wait_for(
        lambda: all(
            sm.describe_endpoint(EndpointName=n)["EndpointStatus"] == "InService"
            for n in demo.world.endpoints
        )
    )
    assert run_cli("training-list", "--status", "Failed", "--json").exit_code == 0


def test_registry_has_every_approval_state(demo: DemoStack, client: Any) -> None:
    sm = client("sagemaker")
    groups = [
        g["ModelPackageGroupName"]
        for g in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]
    ]
    assert sorted(groups) == sorted(demo.world.package_groups)
    statuses: Counter[str] = Counter()
    for group in groups:
        for package in sm.list_model_packages(ModelPackageGroupName=group)[
            "ModelPackageSummaryList"
        ]:
            statuses[package["ModelApprovalStatus"]] += 1
            detail = sm.describe_model_package(ModelPackageName=package["ModelPackageArn"])
            assert detail["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"].startswith("s3://")
            assert detail["CustomerMetadataProperties"]
    assert {"Approved", "Rejected", "PendingManualApproval"} <= set(statuses)
    experiments = {e["ExperimentName"] for e in sm.list_experiments()["ExperimentSummaries"]}
    assert {"churn-xgb", "llama3-finetune"} <= experiments
    trials = sm.list_trials(ExperimentName="churn-xgb")["TrialSummaries"]
    assert trials
    components = sm.list_trial_components(TrialName=trials[0]["TrialName"])
    name = components["TrialComponentSummaries"][0]["TrialComponentName"]
    # The component names its training job: the Experiments tab jumps there with `j`.
    source = sm.describe_trial_component(TrialComponentName=name)["Sources"][0]["SourceArn"]
    assert source.split(":")[5].startswith("training-job/")


def test_registry_evidence_has_something_to_show(on_demo: DemoStack) -> None:
    """churn-xgb: v3 Approved and serving churn-xgb-prod; v4 pending, with metrics to compare."""
    from tests.support.helpers import context

    ctx = context()
    pending = ctx.registry.list_packages("churn-xgb", status="pending")
    candidate = next(p for p in pending if p.version == 4)
    evidence = ctx.evidence.evidence(candidate.arn)
    assert evidence.approved is not None and evidence.approved.version == 3
    assert evidence.serving is not None and evidence.serving.version == 3
    assert any(s.endpoint == "churn-xgb-prod" for s in evidence.serving_at)
    names = {m.name for m in evidence.metrics}
    assert {"auc", "logloss"} <= names
    assert all(m.vs_approved in {"better", "worse", "same"} for m in evidence.metrics)
    history = ctx.evidence.history("churn-xgb")
    assert any(e.by == "ml-platform-lead" and e.action == "Approved" for e in history)


def test_hyperpod_cluster(demo: DemoStack, client: Any) -> None:
    sm = client("sagemaker")
    cluster = sm.describe_cluster(ClusterName=demo.world.cluster_name)
    groups = {g["InstanceGroupName"]: g for g in cluster["InstanceGroups"]}
    assert len(groups) == 3
    assert {g["SlurmConfig"]["NodeType"] for g in groups.values()} == {
        "Controller",
        "Login",
        "Compute",
    }
    nodes = sm.list_cluster_nodes(ClusterName=demo.world.cluster_name)["ClusterNodeSummaries"]
    assert len(nodes) == sum(g["CurrentCount"] for g in groups.values()) == 6
    assert all(n["InstanceId"].startswith("i-0") for n in nodes)
    detail = sm.describe_cluster_node(
        ClusterName=demo.world.cluster_name, NodeId=nodes[0]["InstanceId"]
    )["NodeDetails"]
    assert detail["PrivateDnsHostname"].startswith("ip-127-")
    assert is_loopback_url(f"http://{detail['PrivatePrimaryIp']}/")


def test_simulated_slurm_joins_the_hyperpod_nodes(on_demo: DemoStack, run_cli: Any) -> None:
    """The demo's config points the Slurm commands at a simulated cluster whose nodes are
    the moto cluster's compute instances, matched by host name."""
    rows = run_cli("slurm-nodes", "--json")
    assert rows.exit_code == 0, rows.stderr
    every = rows.json()
    joined = [r for r in every if r["slurm"]]
    assert len(joined) == 4 and all(r["instance"] for r in joined)
    assert {r["instance"]["group"] for r in joined} == {"gpu-workers"}
    # controller and login instances are no Slurm nodes: listed after, without Slurm state
    assert {r["instance"]["group"] for r in every if not r["slurm"]} == {"controller", "login"}
    failed = [r for r in joined if r["instance"]["status"] == "Failure"]
    assert [r["slurm"]["state"] for r in failed] == ["DOWN"]
    info = run_cli("slurm-connect", "--json").json()
    assert "simulated cluster" in info["destination"]
    queue = run_cli("slurm-queue", "--all", "--json").json()
    pretrain = next(j for j in queue if j["name"] == "llama3-70b-pretrain")
    gpus = run_cli("slurm-gpus", pretrain["job_id"], "--json").json()
    flags = [g["flags"] for n in gpus["nodes"] for g in n["gpus"] if g["flags"]]
    assert flags == [["straggler"]] and len(gpus["nodes"]) == 2


async def test_tui_hyperpod_tab_is_alive_on_the_demo(on_demo: DemoStack) -> None:
    """`smconsole demo`: the HyperPod tab shows the simulated cluster, labelled as such,
    its Slurm nodes joined with the moto cluster's instances."""
    from console.context import ConsoleContext
    from screens.app import create_app
    from screens.hyperpod.tables import NodesTable, QueueTable
    from tests.tui.conftest import wait_until

    app = create_app(ConsoleContext(on_demo.config(), source="tui"), demo_label=on_demo.label)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("5")
        nodes = app.main_screen.query_one("#hp-nodes-table", NodesTable)
        await wait_until(pilot, lambda: nodes.total_count >= 6, timeout=30, what="nodes")
        joined = [nodes.items[k] for k in nodes.shown_keys() if nodes.items[k].slurm]
        assert len(joined) == 4 and all(r.instance for r in joined)
        head = str(app.main_screen.query_one("#hyperpod-head").content)  # type: ignore[attr-defined]
        assert "simulated cluster (demo)" in head
        await pilot.press("j")
        queue = app.main_screen.query_one("#hp-queue-table", QueueTable)
        await wait_until(pilot, lambda: queue.total_count >= 2, timeout=30, what="jobs")


def test_cluster_events_on_the_demo(on_demo: DemoStack, run_cli: Any) -> None:
    """moto has no cluster events; the demo's handlers keep a seeded history, and node
    actions and the simulator add to it, as HyperPod would."""
    cluster = on_demo.world.cluster_name
    events = run_cli("cluster-events", cluster, "--json").json()
    times = [e["time"] for e in events]
    assert times == sorted(times, reverse=True) and len(events) >= 20
    levels = {e["level"] for e in events}
    assert {"Info", "Warn", "Error"} <= levels
    failure = next(e for e in events if e["level"] == "Error")
    assert "Xid 79" in failure["description"]
    detail = run_cli("cluster-event-describe", cluster, failure["event_id"], "--json").json()
    assert dict(detail["details"])["Instance.FailureMessage"].endswith("Xid 79")
    groups = run_cli("cluster-events", cluster, "--group", "controller", "--json").json()
    assert groups and {e["group"] for e in groups} == {"controller"}

    nodes = run_cli("cluster-nodes", cluster, "--json").json()
    healthy = next(
        n["instance_id"] for n in nodes if n["group"] == "gpu-workers" and n["status"] == "Running"
    )
    started = run_cli("cluster-node-health-check", cluster, healthy, "--yes")
    assert started.exit_code == 0, started.stderr
    assert f"started on {healthy} (group gpu-workers)" in started.stdout

    def node_events() -> list[str]:
        rows = run_cli("cluster-events", cluster, "--node", healthy, "--json").json()
        return [r["description"] for r in rows]

    assert node_events()[0].startswith("Deep health checks started")
    # the simulator finishes the checks and says so
    wait_for(lambda: node_events()[0].startswith("Deep health checks passed"))


async def test_tui_events_pane_on_the_demo(on_demo: DemoStack) -> None:
    from console.context import ConsoleContext
    from screens.app import create_app
    from screens.hyperpod.events import EventsTable
    from tests.tui.conftest import wait_until

    app = create_app(ConsoleContext(on_demo.config(), source="tui"), demo_label=on_demo.label)
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("5", "e")
        table = app.main_screen.query_one("#hp-events-table", EventsTable)
        await wait_until(pilot, lambda: table.total_count >= 20, timeout=30, what="events")
        levels = {table.items[k].level for k in table.shown_keys()}
        assert {"Info", "Warn", "Error"} <= levels


def test_tuning_best_follows_the_trials_that_finish(on_demo: DemoStack, client: Any) -> None:
    """A trial that finishes better than the best so far becomes the tuning job's
    BestTrainingJob (issue 15: the detail said "Best 001" while its ranking put 003 first
    with the ★ on row 3). The console's ranking then marks its first row."""
    from moto.sagemaker.models import sagemaker_backends

    from console.context import ConsoleContext
    from console.demo.moto_state import patch
    from console.demo.seed import FAMILIES
    from console.demo.simulator import Simulator

    sm, xgb, name = client("sagemaker"), FAMILIES["xgb"], "walk15-best-hpo"
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "HyperParameterTuningJobObjective": {
                "Type": "Maximize",
                "MetricName": "validation:auc",
            },
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 2},
        },
        TrainingJobDefinition={
            "AlgorithmSpecification": {"TrainingImage": xgb.image, "TrainingInputMode": "File"},
            "RoleArn": on_demo.world.role_arn,
            "OutputDataConfig": {"S3OutputPath": "s3://nowhere/hpo/"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 5,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        },
    )
    backend = sagemaker_backends[on_demo.world.account_id][on_demo.world.region]
    eager = Simulator(on_demo.world, on_demo.state, seed=5)
    tuning = backend.hyper_parameter_tuning_jobs[name]
    now = eager.clock()
    with on_demo.state.lock:
        patch(tuning, hyper_parameter_tuning_job_status="InProgress")
        for trial, auc in ((f"{name}-001", 0.81), (f"{name}-002", 0.93)):
            eager._create_job(backend, xgb, trial, 1, False, now, tuning=tuning)
            patch(
                backend.training_jobs[trial],
                training_job_status="Completed",
                training_end_time=now,
                final_metric_data_list=[
                    {"MetricName": "validation:auc", "Value": auc, "Timestamp": now}
                ],
            )
    eager.tick()
    best = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert best["BestTrainingJob"]["TrainingJobName"] == f"{name}-002"
    assert best["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == 0.93
    detail = ConsoleContext(on_demo.config(), source="cli").tuning.detail(name)
    assert [(t.name, t.best) for t in detail.trials] == [
        (f"{name}-002", True),
        (f"{name}-001", False),
    ]


def test_hyperpod_notebook_and_tuning_actions_move_like_aws(demo: DemoStack, client: Any) -> None:
    sm, cluster = client("sagemaker"), demo.world.cluster_name
    nodes = sm.list_cluster_nodes(ClusterName=cluster)["ClusterNodeSummaries"]
    failed = [n["InstanceId"] for n in nodes if n["InstanceStatus"]["Status"] == "Failure"]
    assert len(failed) == 1  # the demo's "which node is bad?" case
    replaced = sm.batch_replace_cluster_nodes(ClusterName=cluster, NodeIds=[*failed, "i-0missing"])
    assert replaced["Successful"] == failed
    assert replaced["Failed"][0]["NodeId"] == "i-0missing"
    workers = next(
        g
        for g in sm.describe_cluster(ClusterName=cluster)["InstanceGroups"]
        if g["InstanceGroupName"] == "gpu-workers"
    )
    grow = {
        k: workers[k]
        for k in ("InstanceGroupName", "InstanceType", "LifeCycleConfig", "ExecutionRole")
    }
    sm.update_cluster(ClusterName=cluster, InstanceGroups=[{**grow, "InstanceCount": 5}])
    assert sm.describe_cluster(ClusterName=cluster)["ClusterStatus"] == "Updating"
    wait_for(lambda: sm.describe_cluster(ClusterName=cluster)["ClusterStatus"] == "InService")
    nodes = sm.list_cluster_nodes(ClusterName=cluster)["ClusterNodeSummaries"]
    assert len(nodes) == 7 and {n["InstanceStatus"]["Status"] for n in nodes} == {"Running"}

    sm.stop_notebook_instance(NotebookInstanceName="ds-exploration")
    assert (
        sm.describe_notebook_instance(NotebookInstanceName="ds-exploration")[
            "NotebookInstanceStatus"
        ]
        == "Stopping"
    )
    wait_for(
        lambda: (
            sm.describe_notebook_instance(NotebookInstanceName="ds-exploration")[
                "NotebookInstanceStatus"
            ]
            == "Stopped"
        )
    )
    sm.start_notebook_instance(NotebookInstanceName="ds-exploration")
    wait_for(
        lambda: (
            sm.describe_notebook_instance(NotebookInstanceName="ds-exploration")[
                "NotebookInstanceStatus"
            ]
            == "InService"
        )
    )

    from console.demo.seed import PIPELINE_NAME

    running = sm.list_pipeline_executions(PipelineName=PIPELINE_NAME)["PipelineExecutionSummaries"]
    (executing,) = [e for e in running if e["PipelineExecutionStatus"] == "Executing"]
    arn = executing["PipelineExecutionArn"]
    sm.stop_pipeline_execution(PipelineExecutionArn=arn)
    assert sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"] in (
        "Stopping",
        "Stopped",
    )
    wait_for(  # it stayed Stopping forever
        lambda: (
            sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
            == "Stopped"
        )
    )
    steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)["PipelineExecutionSteps"]
    assert "Stopping" not in {s["StepStatus"] for s in steps}

    seeded = "xgb-churn-hpo-1123-0140"
    children = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=seeded
    )["TrainingJobSummaries"]
    assert len(children) >= 4 and all(c["TrainingJobName"].startswith(seeded) for c in children)
    # The seeded search may have finished by now (the simulator runs its trials): stop one
    # made here, which starts InProgress as on AWS and gets its first trials.
    spec = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=seeded)
    tuning = "demo-hpo-by-hand"
    sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=tuning,
        HyperParameterTuningJobConfig=spec["HyperParameterTuningJobConfig"],
        TrainingJobDefinition=spec["TrainingJobDefinition"],
    )
    described = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=tuning)
    assert described["HyperParameterTuningJobStatus"] == "InProgress"
    wait_for(
        lambda: sm.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=tuning
        )["TrainingJobSummaries"]
    )
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=tuning)
    wait_for(
        lambda: (
            sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=tuning)[
                "HyperParameterTuningJobStatus"
            ]
            == "Stopped"
        )
    )


def test_demo_only_calls_moto_lacks(demo: DemoStack, client: Any) -> None:
    sm = client("sagemaker")
    url = sm.create_presigned_notebook_instance_url(NotebookInstanceName="ds-exploration")[
        "AuthorizedUrl"
    ]
    assert url.startswith(demo.url) and "authToken=" in url
    notebooks = {
        n["NotebookInstanceName"]: n["NotebookInstanceStatus"]
        for n in sm.list_notebook_instances()["NotebookInstances"]
    }
    assert notebooks == {"ds-exploration": "InService", "gpu-prototyping": "Stopped"}

    sm.update_endpoint(EndpointName="churn-xgb-prod", EndpointConfigName="churn-xgb-prod-config-v4")
    assert sm.describe_endpoint(EndpointName="churn-xgb-prod")["EndpointStatus"] == "Updating"
    done = wait_for(
        lambda: (
            (d := sm.describe_endpoint(EndpointName="churn-xgb-prod"))["EndpointStatus"]
            == "InService"
            and d
        )
    )
    assert done["EndpointConfigName"] == "churn-xgb-prod-config-v4"

    # A transform job created without tags can be tagged and its tags listed (moto alone
    # keeps None and answers both with a 500; the scoring pipeline's job is tagged so).
    scored = sm.list_tags(
        ResourceArn=sm.describe_transform_job(TransformJobName="churn-batch-score-1124")[
            "TransformJobArn"
        ]
    )["Tags"]
    assert {"Key": "sagemaker:pipeline-step-name", "Value": "Score"} in scored
    by_hand = sm.create_transform_job(
        TransformJobName="demo-score-by-hand",
        ModelName=sm.describe_transform_job(TransformJobName="churn-batch-score-1124")["ModelName"],
        TransformInput={
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in/"}}
        },
        TransformOutput={"S3OutputPath": "s3://b/out/"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )["TransformJobArn"]
    assert sm.list_tags(ResourceArn=by_hand)["Tags"] == []
    sm.add_tags(ResourceArn=by_hand, Tags=[{"Key": "team", "Value": "risk"}])
    assert sm.list_tags(ResourceArn=by_hand)["Tags"] == [{"Key": "team", "Value": "risk"}]

    # A job created during the demo starts InProgress (moto alone makes it Completed at once).
    request = {
        "TrainingJobName": "demo-made-by-hand",
        "AlgorithmSpecification": {
            "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "TrainingInputMode": "File",
        },
        "RoleArn": demo.world.role_arn,
        "OutputDataConfig": {"S3OutputPath": f"s3://{demo.world.buckets['output']}/by-hand/"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 1,
            "VolumeSizeInGB": 30,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    sm.create_training_job(**request)
    assert (
        sm.describe_training_job(TrainingJobName="demo-made-by-hand")["TrainingJobStatus"]
        == "InProgress"
    )

    # ... and the simulator walks it through its secondary statuses.
    wait_for(
        lambda: (
            len(
                sm.describe_training_job(TrainingJobName="demo-made-by-hand")[
                    "SecondaryStatusTransitions"
                ]
            )
            >= 3
        )
    )

    # Stopping a processing job goes through Stopping (moto alone jumps to Stopped).
    sm.create_processing_job(
        ProcessingJobName="demo-preprocess-by-hand",
        RoleArn=demo.world.role_arn,
        AppSpecification={"ImageUri": request["AlgorithmSpecification"]["TrainingImage"]},
        ProcessingResources={
            "ClusterConfig": {
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 30,
            }
        },
    )
    described = sm.describe_processing_job(ProcessingJobName="demo-preprocess-by-hand")
    assert described["ProcessingJobStatus"] == "InProgress"
    assert described["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.xlarge"
    sm.stop_processing_job(ProcessingJobName="demo-preprocess-by-hand")
    assert (
        sm.describe_processing_job(ProcessingJobName="demo-preprocess-by-hand")[
            "ProcessingJobStatus"
        ]
        == "Stopping"
    )
    wait_for(
        lambda: (
            sm.describe_processing_job(ProcessingJobName="demo-preprocess-by-hand")[
                "ProcessingJobStatus"
            ]
            == "Stopped"
        )
    )


def test_managed_mlflow_servers_start_stop_and_url(on_demo: DemoStack, run_cli: Any) -> None:
    """moto has no managed MLflow: the demo's servers list, start (Starting -> Started by
    the simulator), refuse a start of a running one, and give a loopback presigned URL."""
    from tests.support.helpers import context

    service = context().mlflow_servers
    servers = {s.name: s for s in service.list_servers()}
    assert {n: s.status for n, s in servers.items()} == {
        "team-tracking": "Started",
        "research-sandbox": "Stopped",
    }
    assert service.describe_server("team-tracking").size == "Medium"
    assert service.presigned_url("team-tracking").startswith(on_demo.url)
    result = run_cli("mlflow-server-start", "team-tracking", "--yes")
    assert result.exit_code != 0 and "in status Started" in result.stderr
    service.start_server("research-sandbox")
    assert service.describe_server("research-sandbox").status == "Starting"
    wait_for(lambda: service.describe_server("research-sandbox").status == "Started")
    service.stop_server("research-sandbox")
    wait_for(lambda: service.describe_server("research-sandbox").status == "Stopped")


def test_simulator_moves_an_in_progress_job(demo: DemoStack, client: Any) -> None:
    sm, logs = client("sagemaker"), client("logs")
    job = demo.world.long_running_job
    stream = next(iter(demo.world.plans[job].streams))

    def snapshot() -> tuple[int, str]:
        events = logs.get_log_events(
            logGroupName=TRAINING_LOG_GROUP, logStreamName=stream, startFromHead=True
        )["events"]
        return len(events), str(sm.describe_training_job(TrainingJobName=job)["LastModifiedTime"])

    before = snapshot()
    after = wait_for(lambda: (s := snapshot())[0] > before[0] and s[1] != before[1] and s)
    assert after[0] > before[0]
    assert demo.simulator.last_error == ""


def test_simulator_brings_new_work(demo: DemoStack, client: Any) -> None:
    from console.demo.simulator import Simulator

    sm = client("sagemaker")

    def pending() -> int:
        return sum(
            len(
                sm.list_model_packages(
                    ModelPackageGroupName=g, ModelApprovalStatus="PendingManualApproval"
                )["ModelPackageSummaryList"]
            )
            for g in demo.world.package_groups
        )

    names_before, pending_before = {j["TrainingJobName"] for j in all_training_jobs(sm)}, pending()
    # A second simulator on the same world, told to add work on every tick, ticked by hand.
    # (">=": the demo's own simulator may add work meanwhile too.)
    eager = Simulator(demo.world, demo.state, new_job_every=1, new_package_every=1, seed=99)
    eager.tick()
    assert eager.new_jobs == 1 and eager.last_error == ""
    new = [j for j in all_training_jobs(sm) if j["TrainingJobName"] not in names_before]
    assert new and all(j["TrainingJobStatus"] == "InProgress" for j in new)
    assert {j["SecondaryStatus"] for j in new} & {"Starting", "Downloading"}
    assert pending() >= pending_before + 1
    # The new candidate carries its evaluation report: the evidence pane has numbers.
    newest = max(
        (
            p
            for g in demo.world.package_groups
            for p in sm.list_model_packages(ModelPackageGroupName=g)["ModelPackageSummaryList"]
        ),
        key=lambda p: p["CreationTime"],
    )
    detail = sm.describe_model_package(ModelPackageName=newest["ModelPackageArn"])
    uri = detail["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]
    bucket, _, key = uri[len("s3://") :].partition("/")
    report = json.loads(client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert any(values for values in report.values())


def test_training_stop_on_the_demo(on_demo: DemoStack, client: Any, run_cli: Any) -> None:
    sm = client("sagemaker")
    job = on_demo.world.long_running_job
    assert sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] == "InProgress"
    result = run_cli("training-stop", job, "--yes")
    assert result.exit_code == 0, result.stderr
    assert "stopping training job" in result.stdout
    assert sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] in {
        "Stopping",
        "Stopped",
    }
    stopped = wait_for(
        lambda: (
            (d := sm.describe_training_job(TrainingJobName=job))["TrainingJobStatus"] == "Stopped"
            and d
        )
    )
    assert [t["Status"] for t in stopped["SecondaryStatusTransitions"]][-2:] == [
        "Stopping",
        "Stopped",
    ]
    assert stopped["TrainingTimeInSeconds"] > 0

    again = run_cli("training-stop", job, "--yes")  # already stopped: AWS refuses, so do we
    assert again.exit_code != 0
    assert again.stderr.startswith("error:") and "Traceback" not in again.stderr
    assert "Stopped" in again.stderr


def test_env_points_only_at_loopback(demo: DemoStack) -> None:
    env = demo.env()
    assert is_loopback_url(env["AWS_ENDPOINT_URL"])
    assert env["AWS_ENDPOINT_URL"] == demo.url
    assert env["AWS_REGION"] == "us-east-1"
    assert env["SMCONSOLE_DEMO"] == "1"
    assert env["MLFLOW_TRACKING_URI"] == f"sqlite:///{demo.tmpdir}/mlflow.db"
    assert "testing" not in env["AWS_ACCESS_KEY_ID"] and "not-real" in env["AWS_SECRET_ACCESS_KEY"]
    assert all(
        is_loopback_url(value) for name, value in env.items() if name.startswith("AWS_ENDPOINT_URL")
    )
    config = demo.config()
    assert config.endpoint_url == demo.url and config.execution_role_arn == demo.world.role_arn
    assert config.buckets.output and config.audit_log.startswith(str(demo.tmpdir))

    real = {
        "AWS_PROFILE": "prod",
        "AWS_SESSION_TOKEN": "x",
        "AWS_ENDPOINT_URL_SAGEMAKER": "https://api.sagemaker.us-east-1.amazonaws.com",
        "SMCONSOLE_PROFILE": "prod",
        "PATH": "/bin",
    }
    child = demo.child_env(real)
    assert not {
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL_SAGEMAKER",
        "SMCONSOLE_PROFILE",
    } & set(child)
    assert child["PATH"] == "/bin" and child["AWS_ENDPOINT_URL"] == demo.url


def test_refuses_anything_but_loopback(demo: DemoStack) -> None:
    for host in ("0.0.0.0", "10.1.2.3", "example.com"):
        with pytest.raises(SmError, match="loopback"):
            DemoStack(host=host).start()
    with pytest.raises(SmError, match="already running"):
        DemoStack().start()
    assert is_loopback_url("http://127.0.0.1:5000") and is_loopback_url("http://[::1]:1")
    assert not is_loopback_url("https://sagemaker.us-east-1.amazonaws.com")


def test_demo_command_rejects_bad_options(run_cli: Any) -> None:
    result = run_cli("demo", "--tick", "0")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr and "--tick" in result.stderr


def test_demo_serve_as_a_real_process(tmp_path: Path) -> None:
    env_file = tmp_path / "demo.env"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "console.cli.main",
            "demo",
            "--serve",
            "--env-file",
            str(env_file),
            "--no-mlflow",
            "--tick",
            "0.5",
        ],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: env_file.exists() and "SMCONSOLE_DEMO" in env_file.read_text(), timeout=60)
        exports = env_file.read_text()
        # Another shell: each command its own process, all on the one simulated cluster.
        shell = _sourced(exports)
        script = tmp_path / "from-shell.sbatch"
        script.write_text(
            "#!/bin/bash\n#SBATCH --job-name=from-another-shell\n#SBATCH --output=o-%j.out\n"
            "srun --auto-resume=1 python t.py --checkpoint-dir /fsx/c\n"
        )
        submitted = _smconsole(shell, "slurm-submit", str(script), "--json")
        job_id = json.loads(submitted)["job_id"]
        queue = json.loads(_smconsole(shell, "slurm-queue", "--json"))
        assert {j["job_id"]: j["name"] for j in queue}[job_id] == "from-another-shell"
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert exports.startswith("# smconsole DEMO")
    assert exports.strip() == stdout.strip()
    endpoint = next(
        line.split("=", 1)[1]
        for line in exports.splitlines()
        if line.startswith("export AWS_ENDPOINT_URL=")
    )
    assert is_loopback_url(endpoint)
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines and all(line.startswith("[demo]") for line in lines)
    assert "source " in stderr and "demo stopped" in lines[-1]
    assert "Traceback" not in stderr
    assert not env_file.exists()  # stale exports are not left behind
    config = next(
        line.split("=", 1)[1]
        for line in exports.splitlines()
        if line.startswith("export SMCONSOLE_CONFIG=")
    )
    assert not Path(config).parent.exists()


def _sourced(exports: str) -> dict[str, str]:
    """The environment a shell has after `source` of the demo's exports."""
    import shlex

    env = dict(os.environ)
    for line in exports.splitlines():
        words = shlex.split(line, comments=True)
        if words[:1] == ["unset"]:
            for name in words[1:]:
                env.pop(name, None)
        elif words[:1] == ["export"]:
            name, _, value = words[1].partition("=")
            env[name] = value
    return env


def _smconsole(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "console.cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_mlflow_store_is_seeded(demo: DemoStack, client: Any) -> None:
    # Last: it fills in the background while the tests above run.
    assert demo.wait_for_mlflow(timeout=120), demo.mlflow_error
    from mlflow.tracking import MlflowClient

    mlflow = MlflowClient(tracking_uri=demo.mlflow_uri, registry_uri=demo.mlflow_uri)
    experiments = {e.name: e.experiment_id for e in mlflow.search_experiments()}
    assert {"churn-xgb", "llama3-finetune", "resnet50-defects"} <= set(experiments)
    finished = mlflow.search_runs([experiments["churn-xgb"]], "attributes.status = 'FINISHED'")
    # Runs seeded finished (the simulator's jobs log theirs as they train: see the next
    # test; a run seeded while its job trained has only part of its curve).
    assert demo.mlflow_result is not None
    links = demo.mlflow_result.links
    seeded = {links[r.job][1] for r in demo.world.runs if r.status == "FINISHED" and r.job in links}
    runs = [r for r in finished if r.info.run_id in seeded]
    assert runs
    job = runs[0].data.tags["sagemaker.training_job"]
    assert job in demo.world.training_jobs
    history = mlflow.get_metric_history(runs[0].info.run_id, "validation:auc")
    assert len(history) >= 40
    champion = mlflow.get_model_version_by_alias("churn-xgb", "champion")
    assert champion.run_id in {r.info.run_id for r in runs}
    linked = client("sagemaker").describe_training_job(TrainingJobName=job)
    assert linked["MlflowDetails"]["MlflowRunId"] == runs[0].info.run_id
    # Every job that was training at start-up has its run: the first jump an operator tries.
    from console.demo.seed import FAMILIES

    running = {
        r.job for r in demo.world.runs if r.status == "RUNNING" and FAMILIES[r.family].experiment
    }
    assert running
    found = mlflow.search_runs(list(experiments.values()), max_results=1000)
    assert {r.data.tags["sagemaker.training_job"] for r in found} >= running


def test_mlflow_runs_follow_the_simulated_jobs(
    on_demo: DemoStack, client: Any, run_cli: Any
) -> None:
    """A training job's run grows a point per tick while it trains, and ends with it."""
    assert on_demo.wait_for_mlflow(timeout=120), on_demo.mlflow_error
    assert on_demo.simulator is not None
    tracker = wait_for(lambda: on_demo.simulator.run_tracker)  # type: ignore[union-attr]
    from mlflow.tracking import MlflowClient

    mlflow = MlflowClient(tracking_uri=on_demo.mlflow_uri, registry_uri=on_demo.mlflow_uri)
    sm = client("sagemaker")

    def training_with_a_run() -> tuple[str, str] | None:
        for job, run_id in list(tracker.runs.items()):
            described = sm.describe_training_job(TrainingJobName=job)
            if described["SecondaryStatus"] == "Training":
                return job, run_id
        return None

    job, run_id = wait_for(training_with_a_run)
    metric = sorted(mlflow.get_run(run_id).data.metrics)[0]
    points = len(mlflow.get_metric_history(run_id, metric))
    wait_for(lambda: len(mlflow.get_metric_history(run_id, metric)) > points)
    assert mlflow.get_run(run_id).info.status == "RUNNING"

    assert run_cli("training-stop", job, "--yes").exit_code == 0
    wait_for(lambda: mlflow.get_run(run_id).info.status == "KILLED")


def test_demo_lineage_through_the_console(on_demo: DemoStack) -> None:
    """Issue 4's story on the demo: a training job -> its MLflow run (MlflowDetails) ->
    the registry versions and the SageMaker model package made from it."""
    assert on_demo.wait_for_mlflow(timeout=120), on_demo.mlflow_error
    from console.config import load_config
    from console.context import ConsoleContext

    context = ConsoleContext(load_config())
    job_name = next(j for j in on_demo.world.packaged_jobs if j.startswith("xgb-churn"))
    job = context.jobs.describe_training_job(job_name)
    run = context.mlflow.training_job_run(job)
    assert run is not None and run.run_id == job.mlflow_run_id
    lineage = context.mlflow.lineage(run.run_id)
    assert lineage.training_job == job_name
    assert [v.name for v in lineage.model_versions] == ["churn-xgb"]
    assert [(p.group, p.reason) for p in lineage.packages] == [
        ("churn-xgb", "metadata training_job")
    ]
    assert len(context.mlflow.metric_history(run.run_id, "validation:auc")) >= 2
    champion = context.mlflow.get_registered_model("churn-xgb").aliases["champion"]
    assert champion.isdigit()


def test_every_seed_command_works_on_the_demo(
    on_demo: DemoStack, client: Any, run_cli: Any
) -> None:
    """The foundation's promise: each seed script command runs against the demo endpoint.

    tf-* are not here: they drive a local terraform binary, not the endpoint
    (tests/core/test_images_terraform.py covers them).
    """
    sm = client("sagemaker")

    def first(command: str, *args: str) -> str:
        result = run_cli("--json", command, *args)
        assert result.exit_code == 0, result.stderr
        return str(result.json()[0]["name"])

    def ok(*args: str) -> str:
        result = run_cli(*args)
        assert result.exit_code == 0, f"{' '.join(args)}: {result.stderr}"
        return result.stdout

    done = first("training-list", "--status", "Completed", "--limit", "1")
    proc = first("processing-list", "--limit", "1")
    endpoint, notebook = first("endpoint-list"), first("notebook-list")
    model, experiment = first("model-list"), first("experiment-list")
    group = first("model-package-group-list")
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    inputs = ("s3://demo-input-bkt/d", "s3://demo-output-bkt/o")

    ok("status")
    assert done in ok("training-list")
    assert done in ok("training-describe", done)
    # The newest Completed job may be one another test made by hand, with no logs: read
    # the logs of a job the seed wrote them for.
    assert ok("training-logs", on_demo.world.multi_host_job).strip()
    ok("training-create", "tour-job", image, *inputs)
    ok("training-stop", "tour-job", "--yes")  # just created: the simulator can't finish it first
    assert proc in ok("processing-describe", proc)
    ok("processing-create", "tour-proc", image, *inputs)
    ok("processing-stop", "tour-proc", "--yes")
    ok("notebook-describe", notebook)
    assert "http" in ok("notebook-url", notebook)
    ok("notebook-create", "tour-nb")
    ok("notebook-stop", "tour-nb", "--yes")
    wait_for(
        lambda: (
            sm.describe_notebook_instance(NotebookInstanceName="tour-nb")["NotebookInstanceStatus"]
            == "Stopped"
        )
    )
    ok("notebook-start", "tour-nb")
    ok("model-describe", model)
    ok("model-create", "tour-model", image, "s3://demo-models-bkt/m.tar.gz")
    ok("endpoint-config-create", "tour-cfg", "tour-model", "ml.m5.large", "1")
    assert "tour-cfg" in ok("endpoint-config-list")
    ok("endpoint-create", "tour-ep", "tour-cfg")
    ok("endpoint-describe", endpoint)
    ok("endpoint-invoke", endpoint, '{"instances": [1, 2]}')
    wait_for(lambda: sm.describe_endpoint(EndpointName="tour-ep")["EndpointStatus"] == "InService")
    ok("endpoint-update", "tour-ep", "tour-cfg", "--yes")
    wait_for(lambda: sm.describe_endpoint(EndpointName="tour-ep")["EndpointStatus"] == "InService")
    ok("endpoint-delete", "tour-ep", "--yes")
    ok("endpoint-config-delete", "tour-cfg", "--yes")
    ok("model-delete", "tour-model", "--yes")
    ok("experiment-describe", experiment)
    ok("experiment-create", "tour-exp")
    ok("trial-create", "tour-trial", "tour-exp")
    assert "tour-trial" in ok("trial-list", "tour-exp")
    ok("trial-delete", "tour-trial", "--yes")
    ok("experiment-delete", "tour-exp", "--yes")
    ok("model-package-list", group)
    ok("model-package-group-create", "tour-grp")
    ok("model-package-group-delete", "tour-grp", "--yes")
    ok("role-create", "tour-role")
    assert "tour-role" in ok("role-list")
    ok("role-delete", "tour-role", "--yes")
    assert "pytorch" in ok("images", "pytorch", "--latest", "1")
    ok("cluster-list")


def test_invoke_answers_like_a_model_and_follows_the_weights(
    on_demo: DemoStack, client: Any, run_cli: Any
) -> None:
    sm = client("sagemaker")
    split = next(
        e["EndpointName"]
        for e in sm.list_endpoints()["Endpoints"]
        if len(sm.describe_endpoint(EndpointName=e["EndpointName"])["ProductionVariants"]) == 2
    )
    variants = [
        v["VariantName"] for v in sm.describe_endpoint(EndpointName=split)["ProductionVariants"]
    ]
    seen = set()
    for _ in range(30):
        result = run_cli("--json", "endpoint-invoke", split, '{"inputs": "hi"}')
        assert result.exit_code == 0, result.stderr
        answer = result.json()
        seen.add(answer["variant"])
        assert "demo" in answer["body"]
    assert seen == set(variants)  # a 50/50 split answers from both variants
    pinned = run_cli("--json", "endpoint-invoke", split, "{}", "--target-variant", variants[1])
    assert pinned.json()["variant"] == variants[1]
    missing = run_cli("endpoint-invoke", "no-such-endpoint", "{}")
    assert missing.exit_code != 0
    assert "not found" in missing.stderr


async def test_experiments_tour_by_keys(on_demo: DemoStack) -> None:
    """On the demo, keys only: SageMaker Experiments down to a component and its job; the
    managed MLflow servers; the Registry evidence with the candidate's MLflow run."""
    from screens.jobs.detail import JobDetailScreen
    from screens.mlflow.servers import ServersScreen, ServersTable
    from screens.registry.evidence import EvidencePane
    from screens.sm_experiments.table import ComponentsTable, SmExperimentsTable, TrialsTable
    from screens.sm_experiments.view import ComponentsScreen, SmExperimentsScreen, TrialsScreen
    from tests.tui.conftest import make_app, static_text, wait_until

    assert on_demo.mlflow_done.wait(120)
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("3", "e")
        await wait_until(pilot, lambda: isinstance(app.screen, SmExperimentsScreen))
        experiments = app.screen.query_one(SmExperimentsTable)
        await wait_until(pilot, lambda: "churn-xgb" in experiments.items, what="experiments")
        experiments.move_cursor(row=experiments.get_row_index("churn-xgb"))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TrialsScreen))
        trials = app.screen.query_one(TrialsTable)
        await wait_until(pilot, lambda: trials.total_count > 0, what="trials")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ComponentsScreen))
        components = app.screen.query_one(ComponentsTable)
        await wait_until(pilot, lambda: components.total_count == 1, what="component")
        component = components.cursor_item()
        assert component is not None and component.source_job is not None
        assert component.metrics  # the job's final metrics
        await pilot.press("j")
        await wait_until(pilot, lambda: isinstance(app.screen, JobDetailScreen), what="job")
        assert app.screen.job_name == component.source_job[1]  # type: ignore[attr-defined]
        await pilot.press("escape", "3", "T")
        await wait_until(pilot, lambda: isinstance(app.screen, ServersScreen), what="servers")
        servers = app.screen.query_one(ServersTable)
        await wait_until(pilot, lambda: servers.total_count == 2, what="servers listed")
        await pilot.press("q", "4")
        pane = app.main_screen.query_one(EvidencePane)
        await wait_until(
            pilot, lambda: "MLflow run" in static_text(pane), timeout=30, what="run evidence"
        )


def test_two_clusters_and_delete_refused_on_a_busy_node(on_demo: DemoStack, run_cli: Any) -> None:
    """The demo's account has two clusters; a node running a job of the simulated Slurm
    is not deleted without --force (and nothing is sent)."""
    listed = run_cli("cluster-list", "--json").json()
    assert [c["name"] for c in listed] == ["gpu-cluster-prod", "gpu-cluster-dev"]
    rows = run_cli("slurm-nodes", "--json").json()
    busy = next(
        r
        for r in rows
        if r["slurm"] and r["instance"] and r["slurm"]["state"] in {"MIXED", "ALLOCATED"}
    )
    instance = busy["instance"]["instance_id"]
    result = run_cli("hyperpod-delete-nodes", "gpu-cluster-prod", instance, "--yes")
    assert result.exit_code == 10, result.stderr
    assert f"{instance} (gpu-workers, Running): {busy['name']} " in result.stderr
    assert "refusing to delete node(s) running jobs" in result.stderr
    nodes = run_cli("cluster-nodes", "gpu-cluster-prod", "--json").json()
    assert instance in {n["instance_id"] for n in nodes}
    dev = run_cli("cluster-nodes", "gpu-cluster-dev", "--json").json()
    assert len(dev) == 3
    other = run_cli("hyperpod-delete-nodes", "gpu-cluster-dev", dev[0]["instance_id"], "--yes")
    assert other.exit_code == 10 and "cannot see the Slurm state" in other.stderr


def test_a_retried_pipeline_step_runs_a_new_job_and_the_execution_ends(
    on_demo: DemoStack, client: Any
) -> None:
    """RetryPipelineExecution in the demo: the failed Train step runs a new job (the
    failed one stays Failed) and the execution ends with it. Before, the retried step
    pointed at the old job and stayed Executing forever."""
    from moto.sagemaker.models import sagemaker_backends

    from console.demo.moto_state import patch
    from console.demo.seed import PIPELINE_NAME

    sm = client("sagemaker")

    def train_step(execution: str) -> dict[str, Any]:
        steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=execution)
        (train,) = [s for s in steps["PipelineExecutionSteps"] if s["StepName"] == "Train"]
        return dict(train)

    executions = sm.list_pipeline_executions(PipelineName=PIPELINE_NAME)
    (failed,) = [  # the seeded OOM failure (another test may have failed another one)
        e["PipelineExecutionArn"]
        for e in executions["PipelineExecutionSummaries"]
        if e["PipelineExecutionStatus"] == "Failed"
        and train_step(e["PipelineExecutionArn"])["Metadata"]["TrainingJob"]["Arn"].endswith(
            on_demo.world.oom_job
        )
    ]
    sm.retry_pipeline_execution(
        PipelineExecutionArn=failed, ClientRequestToken="retry-of-the-failed-execution-0001"
    )
    arn = wait_for(
        lambda: (
            (a := train_step(failed)["Metadata"]["TrainingJob"]["Arn"]).endswith("-retry2") and a
        )
    )
    job = arn.rsplit("/", 1)[-1]
    assert train_step(failed)["StepStatus"] == "Executing"
    assert sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] == "InProgress"
    old = sm.describe_training_job(TrainingJobName=on_demo.world.oom_job)
    assert old["TrainingJobStatus"] == "Failed"
    # The new job's run is the simulator's (tested with the jobs); end it here.
    backend = sagemaker_backends[on_demo.world.account_id][on_demo.world.region]
    with on_demo.state.lock:
        patch(backend.training_jobs[job], training_job_status="Completed")
    wait_for(
        lambda: (
            sm.describe_pipeline_execution(PipelineExecutionArn=failed)["PipelineExecutionStatus"]
            == "Succeeded"
        )
    )
    steps = sm.list_pipeline_execution_steps(PipelineExecutionArn=failed)["PipelineExecutionSteps"]
    assert {s["StepName"]: s["StepStatus"] for s in steps} == {
        "Preprocess": "Succeeded",
        "Train": "Succeeded",
        "Evaluate": "Succeeded",
        "Register": "Succeeded",
    }
    assert train_step(failed)["AttemptCount"] == 2


def test_a_started_pipeline_execution_runs_its_steps_as_its_caller(
    on_demo: DemoStack, client: Any
) -> None:
    """StartPipelineExecution in the demo behaves as on AWS: Executing, started by the
    caller's IAM identity, its steps in the definition's order with the Training step
    running a job, and it ends with that job. moto alone made it Succeeded at once, with
    no steps, "started by fake-user-profile-name"; the seeded runs name their scheduler."""
    from moto.sagemaker.models import sagemaker_backends

    from console.context import ConsoleContext
    from console.demo.moto_state import patch
    from console.demo.seed import PIPELINE_NAME

    sm = client("sagemaker")
    arn = sm.start_pipeline_execution(PipelineName=PIPELINE_NAME)["PipelineExecutionArn"]
    described = sm.describe_pipeline_execution(PipelineExecutionArn=arn)
    assert described["PipelineExecutionStatus"] == "Executing"
    assert described["CreatedBy"]["IamIdentity"]["Arn"].endswith(":user/moto")

    def steps() -> dict[str, dict[str, Any]]:
        listed = sm.list_pipeline_execution_steps(PipelineExecutionArn=arn)
        return {s["StepName"]: s for s in listed["PipelineExecutionSteps"]}

    wait_for(lambda: "Train" in steps())
    assert {n: s["StepStatus"] for n, s in steps().items()} == {
        "Preprocess": "Succeeded",
        "Train": "Executing",
    }
    job = steps()["Train"]["Metadata"]["TrainingJob"]["Arn"].rsplit("/", 1)[-1]
    assert sm.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] == "InProgress"
    backend = sagemaker_backends[on_demo.world.account_id][on_demo.world.region]
    with on_demo.state.lock:  # the job's run is the simulator's (tested with the jobs)
        patch(backend.training_jobs[job], training_job_status="Completed")
    wait_for(
        lambda: (
            sm.describe_pipeline_execution(PipelineExecutionArn=arn)["PipelineExecutionStatus"]
            == "Succeeded"
        )
    )
    assert [s["StepStatus"] for s in steps().values()] == ["Succeeded"] * 4

    pipelines = ConsoleContext(on_demo.config(), source="cli").pipelines
    who = {
        e.arn: pipelines.describe_execution(e.arn, with_steps=False).started_by
        for e in pipelines.list_executions(PIPELINE_NAME)
    }
    assert who.pop(arn).endswith(":user/moto")
    assert all("assumed-role/sagemaker-pipelines-scheduler/nightly" in w for w in who.values())
