"""Every mutation the console can make: refused in read-only mode, audited when allowed.

The list of mutations is not kept by hand: ``tests/support/mutations.py`` reads every
``mutate(...)`` / ``gate.run(...)`` call in ``console/``. A new mutation without a case
here fails ``test_every_gated_action_has_a_case``. Each case runs twice against the moto
server: read-only (ReadOnlyError, a "refused" audit record, no mutating call sent) and
allowed (an audit record with the real outcome, "ok" or "error").
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.errors import ReadOnlyError, SmError
from console.services.bench import run_bench
from console.services.jobs import ProcessingSpec, TrainingSpec
from console.services.models import ModelSpec, VariantSpec
from console.services.traffic_guard import TrafficGuard
from console.services.transform import TransformSpec
from tests.support.helpers import audit_records
from tests.support.mutations import gated_actions
from tests.support.registry import pending_version

ROLE = "arn:aws:iam::123456789012:role/sm"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/img:1"
CLUSTER_SPEC = {
    "ClusterName": "hp-new",
    "InstanceGroups": [
        {
            "InstanceGroupName": "workers",
            "InstanceType": "ml.c5.xlarge",
            "InstanceCount": 1,
            "ExecutionRole": ROLE,
            "ThreadsPerCore": 1,
            "LifeCycleConfig": {"SourceS3Uri": "s3://sagemaker-lc/x", "OnCreate": "on_create.sh"},
        }
    ],
}

TUNING_SPEC = {
    "HyperParameterTuningJobConfig": {
        "Strategy": "Bayesian",
        "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "auc"},
        "ResourceLimits": {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 1},
    },
    "TrainingJobDefinition": {
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://output-bkt/o"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    },
}

Case = Callable[[ConsoleContext, dict[str, str]], Any]


def slurm(context: ConsoleContext) -> Any:
    """A Slurm client whose transport cannot connect (port 9): allowed, its mutations fail
    (and are audited as errors); read-only, they are refused before any connection."""
    from console.remote.ssh import SshTarget, SshTransport
    from console.slurm.client import SlurmClient

    target = SshTarget("127.0.0.1", 9, "nobody", allow_agent=False, look_for_keys=False)
    return SlurmClient(SshTransport(target), context.gate)


def lifecycle(context: ConsoleContext) -> Any:
    from console.services.hyperpod_lifecycle import ClusterLifecycle

    return ClusterLifecycle(context.hyperpod)


CASES: dict[str, Case] = {
    "training-create": lambda c, s: c.jobs.create_training_job(
        TrainingSpec("t-new", IMAGE, "s3://input-bkt/d", "s3://output-bkt/o", ROLE)
    ),
    "training-stop": lambda c, s: c.jobs.stop_training_job("job-1"),
    "processing-create": lambda c, s: c.jobs.create_processing_job(
        ProcessingSpec("p-new", IMAGE, "s3://input-bkt/d", "s3://output-bkt/o", ROLE)
    ),
    "processing-stop": lambda c, s: c.jobs.stop_processing_job("proc-1"),
    "tuning-stop": lambda c, s: c.jobs.stop_tuning_job("tune-1"),
    "model-create": lambda c, s: c.models.create_model(
        ModelSpec("m-new", IMAGE, "s3://models-bkt/model.tar.gz", ROLE)
    ),
    "model-delete": lambda c, s: c.models.delete_model("model-1"),
    "endpoint-config-create": lambda c, s: c.models.create_endpoint_config(
        "cfg-new", [VariantSpec(model="model-1")]
    ),
    "endpoint-config-delete": lambda c, s: c.models.delete_endpoint_config("cfg-1"),
    "endpoint-create": lambda c, s: c.endpoints.create_endpoint("ep-new", "cfg-1"),
    "endpoint-update": lambda c, s: c.endpoints.update_endpoint("ep-1", "cfg-1"),
    "endpoint-delete": lambda c, s: c.endpoints.delete_endpoint("ep-1"),
    "endpoint-invoke": lambda c, s: c.endpoints.invoke("ep-1", '{"x": 1}'),
    "endpoint-weights": lambda c, s: c.endpoints.update_variant_weights("ep-1", {"AllTraffic": 1}),
    "notebook-create": lambda c, s: c.notebooks.create_notebook("nb-new", ROLE),
    "notebook-start": lambda c, s: c.notebooks.start_notebook("nb-1"),
    "notebook-stop": lambda c, s: c.notebooks.stop_notebook("nb-1"),
    "notebook-delete": lambda c, s: c.notebooks.delete_notebook("nb-1"),
    "experiment-create": lambda c, s: c.experiments.create_experiment("exp-new"),
    "experiment-delete": lambda c, s: c.experiments.delete_experiment("exp-empty"),
    "trial-create": lambda c, s: c.experiments.create_trial("trial-new", "exp-1"),
    "trial-delete": lambda c, s: c.experiments.delete_trial("trial-1"),
    "model-package-group-create": lambda c, s: c.registry.create_group("grp-new"),
    "model-package-group-delete": lambda c, s: c.registry.delete_group("grp-empty"),
    "model-package-delete": lambda c, s: c.registry.delete_package(s["package"]),
    "model-package-approve": lambda c, s: c.registry.update_approval(s["package"], "Approved"),
    "model-package-reject": lambda c, s: c.registry.update_approval(s["package"], "Rejected"),
    "model-package-update": lambda c, s: c.registry.update_approval(
        s["package"], "PendingManualApproval"
    ),
    "role-create": lambda c, s: c.iam.create_execution_role("role-new"),
    "role-delete": lambda c, s: c.iam.delete_role("role-1"),
    "cluster-create": lambda c, s: c.hyperpod.create_cluster(CLUSTER_SPEC),
    "cluster-node-reboot": lambda c, s: c.hyperpod.reboot_nodes("hp-1", ["workers-0"]),
    "cluster-node-replace": lambda c, s: c.hyperpod.replace_nodes("hp-1", ["workers-0"]),
    "cluster-node-health-check": lambda c, s: c.hyperpod.start_health_check(
        "hp-1", "workers", ["workers-0"]
    ),
    "hyperpod-scale": lambda c, s: lifecycle(c).scale("hp-1", "workers", 2),
    "hyperpod-update-software": lambda c, s: lifecycle(c).update_software("hp-1"),
    "hyperpod-delete-nodes": lambda c, s: lifecycle(c).delete_nodes(
        "hp-1", ["workers-0"], None, force=True
    ),
    "slurm-submit": lambda c, s: slurm(c).submit("#!/bin/bash\ntrue\n", name="ro-case"),
    "slurm-cancel": lambda c, s: slurm(c).cancel("999999"),
    "slurm-hold": lambda c, s: slurm(c).hold("999999"),
    "slurm-release": lambda c, s: slurm(c).release("999999"),
    "slurm-requeue": lambda c, s: slurm(c).requeue("999999"),
    "slurm-time-limit": lambda c, s: slurm(c).set_time_limit("999999", "10"),
    "slurm-signal": lambda c, s: slurm(c).signal("999999", "USR1"),
    "slurm-suspend": lambda c, s: slurm(c).suspend("999999"),
    "slurm-unsuspend": lambda c, s: slurm(c).unsuspend("999999"),
    "slurm-drain": lambda c, s: slurm(c).drain("node-1", "ro case"),
    "slurm-resume": lambda c, s: slurm(c).resume("node-1"),
    "mlflow-alias": lambda c, s: c.mlflow.set_alias(s["mlflow_model"], "ro-case", 1),
    "mlflow-server-start": lambda c, s: c.mlflow_servers.start_server("ts-1"),
    "mlflow-server-stop": lambda c, s: c.mlflow_servers.stop_server("ts-1"),
    "autoscaling-set": lambda c, s: c.autoscaling.set_capacity(
        "endpoint/ep-1/variant/AllTraffic", "sagemaker:variant:DesiredInstanceCount", 1, 3
    ),
    "autoscaling-suspend": lambda c, s: c.autoscaling.set_suspended(
        "endpoint/ep-1/variant/AllTraffic", "sagemaker:variant:DesiredInstanceCount", True
    ),
    "autoscaling-resume": lambda c, s: c.autoscaling.set_suspended(
        "endpoint/ep-1/variant/AllTraffic", "sagemaker:variant:DesiredInstanceCount", False
    ),
    "endpoint-bench": lambda c, s: run_bench(c.endpoints, "ep-1", '{"x": 1}', requests=1, rate=10),
    "endpoint-weights-rollback": lambda c, s: TrafficGuard(c.endpoints, c.cloudwatch).rollback(
        "ep-1", {"AllTraffic": 1.0}, "a case"
    ),
    "pipeline-execution-start": lambda c, s: c.pipelines.start_execution("pl-1"),
    "transform-create": lambda c, s: c.transform.create_transform_job(
        TransformSpec("xf-new", "model-1", "s3://input-bkt/d", "s3://output-bkt/o")
    ),
    "transform-stop": lambda c, s: c.transform.stop_transform_job("xf-1"),
    "tuning-create": lambda c, s: c.tuning.create("tune-new", TUNING_SPEC),
    "pipeline-execution-stop": lambda c, s: c.pipelines.stop_execution(s["running"]),
    "pipeline-execution-retry": lambda c, s: c.pipelines.retry_execution(s["failed"]),
}

# Calls whose action name is computed: where they are, and which actions they produce.
DYNAMIC = {
    "console.services.base:mutate": set(),  # the helper itself, not a call site
    "console.services.base:mutate_checked": set(),  # likewise
    "console.services.notebooks:_mutate": set(),  # forwards literal names (counted above)
    "console.services.registry:update_approval": {
        "model-package-approve",
        "model-package-reject",
        "model-package-update",
    },
    "console.services.hyperpod:_node_action": {"cluster-node-reboot", "cluster-node-replace"},
    "console.cli.commands.terraform:_change": {"tf-apply", "tf-destroy"},
    "console.slurm.client:_control": {
        "slurm-hold",
        "slurm-release",
        "slurm-requeue",
        "slurm-time-limit",
        "slurm-signal",
        "slurm-suspend",
        "slurm-unsuspend",
    },
    "console.slurm.client:_node_update": {"slurm-drain", "slurm-resume"},
    "console.services.autoscaling:set_suspended": {"autoscaling-suspend", "autoscaling-resume"},
}
# Terraform runs a local binary, not an AWS call: covered through the CLI below.
CLI_ONLY = {"tf-apply", "tf-destroy"}


def test_every_gated_action_has_a_case() -> None:
    literal, dynamic = gated_actions()
    assert dynamic == set(DYNAMIC), "a computed action name: add it to DYNAMIC with its actions"
    every = literal | set().union(*DYNAMIC.values())
    assert every - CLI_ONLY == set(CASES), "a mutation without a read-only/audit case"


def seed(aws: Any) -> dict[str, str]:
    """Resources the cases act on (reads that precede a mutation must succeed)."""
    sm = aws.client("sagemaker")
    common = {"RoleArn": ROLE}
    sm.create_training_job(
        TrainingJobName="job-1",
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        OutputDataConfig={"S3OutputPath": "s3://output-bkt/o"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
        **common,
    )
    sm.create_model(
        ModelName="model-1",
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://models-bkt/m.tar.gz"},
        ExecutionRoleArn=ROLE,
    )
    sm.create_endpoint_config(
        EndpointConfigName="cfg-1",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "model-1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sm.create_endpoint(EndpointName="ep-1", EndpointConfigName="cfg-1")
    sm.create_notebook_instance(NotebookInstanceName="nb-1", InstanceType="ml.t3.medium", **common)
    sm.stop_notebook_instance(NotebookInstanceName="nb-1")
    sm.create_experiment(ExperimentName="exp-1")
    sm.create_experiment(ExperimentName="exp-empty")
    sm.create_trial(TrialName="trial-1", ExperimentName="exp-1")
    package = pending_version(aws, "grp-1")
    sm.create_model_package_group(ModelPackageGroupName="grp-empty")
    aws.client("iam").create_role(
        RoleName="role-1",
        AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
        '"Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    )
    sm.create_cluster(ClusterName="hp-1", InstanceGroups=[{**CLUSTER_SPEC["InstanceGroups"][0]}])
    aws.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/ep-1/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=1,
        MaxCapacity=2,
    )
    return {"package": package, **pipeline_executions(sm)}


def pipeline_executions(sm: Any) -> dict[str, str]:
    """A pipeline with one running and one failed execution (moto's server runs in this
    process: its execution objects are set directly; its executions never move)."""
    from moto.sagemaker.models import sagemaker_backends

    sm.create_pipeline(PipelineName="pl-1", PipelineDefinition='{"Steps": []}', RoleArn=ROLE)
    running = sm.start_pipeline_execution(PipelineName="pl-1")["PipelineExecutionArn"]
    failed = sm.start_pipeline_execution(PipelineName="pl-1")["PipelineExecutionArn"]
    executions = sagemaker_backends["123456789012"]["us-east-1"].pipelines["pl-1"]
    executions.pipeline_executions[running].pipeline_execution_status = "Executing"
    executions.pipeline_executions[failed].pipeline_execution_status = "Failed"
    return {"running": running, "failed": failed}


def mutating_calls(context: ConsoleContext) -> list[str]:
    """Operation names of mutating calls that reach the wire through this context."""
    from console.aws.session import is_mutating

    sent: list[str] = []
    for service in ("sagemaker", "sagemaker-runtime", "iam"):
        client = context.sessions.client(service)
        client.meta.events.register(
            "before-call",
            lambda model, **_: sent.append(model.name) if is_mutating(model.name) else None,
        )
    return sent


@pytest.fixture
def seeded(aws, mlflow_sqlite, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_sqlite.uri)
    return {**seed(aws), "mlflow_model": mlflow_sqlite.alias_model}


@pytest.mark.parametrize("action", sorted(CASES))
def test_read_only_refuses(action: str, seeded, monkeypatch) -> None:
    monkeypatch.setenv("SMCONSOLE_READ_ONLY", "true")
    context = ConsoleContext(load_config())
    sent = mutating_calls(context)
    with pytest.raises(ReadOnlyError):
        CASES[action](context, seeded)
    assert sent == []
    records = list(context.audit.records())
    assert [(r.action, r.outcome) for r in records] == [(action, "refused")]


@pytest.mark.parametrize("action", sorted(CASES))
def test_allowed_mutation_is_audited(action: str, seeded) -> None:
    context = ConsoleContext(load_config())
    try:
        CASES[action](context, seeded)
        expected = "ok"
    except SmError:
        expected = "error"  # e.g. not supported by moto: still audited, as an error
    records = [r for r in context.audit.records() if r.action == action]
    assert records, f"{action} left no audit record"
    assert records[-1].outcome == expected
    assert records[-1].caller.startswith("arn:aws:")


# --- the CLI: every mutating command refused in read-only mode, before asking -----------

CLI_ARGS: dict[str, tuple[str, ...]] = {
    "training-create": ("t", IMAGE, "s3://input-bkt/d", "s3://output-bkt/o", "--role", ROLE),
    "training-stop": ("job-1", "--yes"),
    "processing-create": ("p", IMAGE, "s3://input-bkt/d", "s3://output-bkt/o", "--role", ROLE),
    "processing-stop": ("proc-1", "--yes"),
    "model-create": ("m", IMAGE, "s3://models-bkt/m.tar.gz", "--role", ROLE),
    "model-delete": ("model-1", "--yes"),
    "endpoint-config-create": ("cfg-2", "model-1"),
    "endpoint-config-delete": ("cfg-1", "--yes"),
    "endpoint-create": ("ep-2", "cfg-1"),
    "endpoint-update": ("ep-1", "cfg-1", "--yes"),
    "endpoint-delete": ("ep-1", "--yes"),
    "endpoint-invoke": ("ep-1", '{"x": 1}'),
    "endpoint-weights": ("ep-1", "AllTraffic=1", "--yes"),
    "notebook-create": ("nb-2", "--role", ROLE),
    "notebook-start": ("nb-1",),
    "notebook-stop": ("nb-1", "--yes"),
    "notebook-delete": ("nb-1", "--yes"),
    "experiment-create": ("exp-2",),
    "experiment-delete": ("exp-empty", "--yes"),
    "trial-create": ("trial-2", "exp-1"),
    "trial-delete": ("trial-1", "--yes"),
    "model-package-group-create": ("grp-2",),
    "model-package-group-delete": ("grp-empty", "--yes"),
    "model-package-delete": ("{package}", "--yes"),
    "model-package-approve": ("{package}", "--yes"),
    "model-package-reject": ("{package}", "--yes"),
    "role-create": ("role-2",),
    "role-delete": ("role-1", "--yes"),
    "cluster-create": ("{spec}",),
    "cluster-node-reboot": ("hp-1", "workers-0", "--yes"),
    "cluster-node-replace": ("hp-1", "workers-0", "--yes"),
    "cluster-node-health-check": ("hp-1", "workers-0", "--yes"),
    "hyperpod-scale": ("hp-1", "workers", "2", "--yes"),
    "hyperpod-update-software": ("hp-1", "--yes"),
    "hyperpod-delete-nodes": ("hp-1", "workers-0", "--force", "--yes"),
    "slurm-submit": ("{script}", "--local"),
    "slurm-cancel": ("999999", "--yes", "--local"),
    "slurm-hold": ("999999", "999998", "--yes", "--local"),
    "slurm-release": ("999999", "--yes", "--local"),
    "slurm-requeue": ("999999", "--yes", "--local"),
    "slurm-time-limit": ("999999", "10", "--yes", "--local"),
    "slurm-signal": ("999999", "USR1", "--yes", "--local"),
    "slurm-suspend": ("999999", "--yes", "--local"),
    "slurm-unsuspend": ("999999", "--yes", "--local"),
    "slurm-drain": ("node-1", "--reason", "ro case", "--yes", "--local"),
    "slurm-resume": ("node-1", "--yes", "--local"),
    "mlflow-alias": ("alias-target", "ro-case", "1", "--yes"),
    "mlflow-server-start": ("ts-1", "--yes"),
    "mlflow-server-stop": ("ts-1", "--yes"),
    "endpoint-autoscaling-set": ("ep-1", "AllTraffic", "--min", "1", "--max", "3", "--yes"),
    "endpoint-bench": ("ep-1", "--requests", "1", "--yes"),
    "tf-apply": ("stack-a", "--yes"),
    "tf-destroy": ("stack-a", "--yes"),
    "pipeline-execution-start": ("pl-1", "--yes"),
    "transform-create": ("xf-2", "model-1", "s3://input-bkt/d", "s3://output-bkt/o"),
    "transform-stop": ("xf-1", "--yes"),
    "tuning-stop": ("tune-1", "--yes"),
    "tuning-create": ("tune-2", "--from-json", "{tuning_spec}"),
    "pipeline-execution-stop": ("{running}", "--yes"),
    "pipeline-execution-retry": ("{failed}", "--yes"),
}


def test_every_mutating_cli_command_has_a_case() -> None:
    from console.cli.main import load_commands

    commands = set(load_commands().commands)
    literal, _ = gated_actions()
    every = literal | set().union(*DYNAMIC.values())
    assert (every & commands) - set(CLI_ARGS) == set()


@pytest.mark.parametrize("command", sorted(CLI_ARGS))
def test_cli_read_only_refuses(command: str, seeded, run_cli, tmp_path: Path) -> None:
    import json

    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(CLUSTER_SPEC))
    tuning_spec = tmp_path / "tuning.json"
    tuning_spec.write_text(json.dumps(TUNING_SPEC))
    script = tmp_path / "job.sbatch"
    script.write_text("#!/bin/bash\ntrue\n")
    fill = {
        "{package}": seeded["package"],
        "{spec}": str(spec),
        "{script}": str(script),
        "{tuning_spec}": str(tuning_spec),
        "{running}": seeded["running"],
        "{failed}": seeded["failed"],
    }
    args = [fill.get(a, a) for a in CLI_ARGS[command]]
    result = run_cli("--read-only", command, *args)
    assert result.exit_code == 3, (result.stdout, result.stderr)
    assert result.stderr.startswith("error: read-only mode:")
    # Refused before anything was sent, and audited as such (every kind, not only creates).
    assert [r["outcome"] for r in audit_records(intents=True)] == ["refused"]


# tf-apply/tf-destroy ask only after a plan, which needs an initialised stack: their
# confirm() is the same function, walked here through every other command.
ASKING = sorted(c for c, a in CLI_ARGS.items() if "--yes" in a and not c.startswith("tf-"))


@pytest.mark.parametrize("command", ASKING)
def test_cli_not_confirmed_is_refused_and_audited(
    command: str, seeded, run_cli, tmp_path: Path
) -> None:
    """Without --yes and no terminal to ask on: exit 4, a "refused" record, nothing sent."""
    fill = {k: seeded[k.strip("{}")] for k in ("{package}", "{running}", "{failed}")}
    args = [fill.get(a, a) for a in CLI_ARGS[command] if a != "--yes"]
    result = run_cli(command, *args)
    assert result.exit_code == 4, (result.stdout, result.stderr)
    records = audit_records(intents=True)
    assert [r["outcome"] for r in records] == ["refused"], records
    assert "confirmation" in records[0]["detail"]
