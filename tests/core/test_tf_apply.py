"""tf/ applied for real against moto, the way its users apply it: each example (a root
module with its own provider block around the module) and the all-on configuration of
tf/ itself apply, a second ``terraform plan -detailed-exitcode`` is empty, and destroy
leaves nothing behind. The HyperPod example is planned with everything known.

A second plan may only show moto's read-back gaps (MOTO_READBACK_GAPS): attributes the
provider sets and reads back, which moto 5.2.5 accepts and never returns. Each is listed
with why, and the all-on check makes sure the list is exact (a gap moto closes must leave it).
Parts moto cannot create at all are left out of the applies here (NOT_APPLIED_ON_MOTO);
the all-on plan in test_tf_module.py covers them (names, policies, checkov).

Where Terraform or its provider mirror is missing these skip with the reason (fail when
CI=true); see tests/support/terraform.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto_server import MotoServer, start_moto_process
from tests.support.terraform import (
    TfWorkdir,
    make_workdir,
    patch_moto_for_terraform,
    require_terraform,
)

ACCOUNT = "123456789012"  # moto's account
PATCH_MOTO = "tests.support.terraform:patch_moto_for_terraform"  # for moto child processes

# (resource type, attribute) -> why a second plan against moto shows it. Nothing else may.
MOTO_READBACK_GAPS: dict[tuple[str, str], str] = {
    ("aws_sagemaker_domain", "tag_propagation"): (
        "moto's DescribeDomain never returns TagPropagation, so the provider's default "
        "(DISABLED) reads back as unset"
    ),
    ("aws_sagemaker_notebook_instance", "instance_metadata_service_configuration"): (
        "moto's DescribeNotebookInstance never returns InstanceMetadataServiceConfiguration "
        "(IMDSv2 only, set at create)"
    ),
    ("aws_sagemaker_notebook_instance_lifecycle_configuration", "tags"): (
        "moto drops the Tags of CreateNotebookInstanceLifecycleConfig and keeps none for "
        "lifecycle configs (tests/support/terraform.py answers its ListTags with none)"
    ),
    ("aws_sagemaker_notebook_instance_lifecycle_configuration", "tags_all"): (
        "the same tags, as the provider's merged view"
    ),
}

# Options of tf/ that moto 5.2.5 cannot apply at all, and why.
NOT_APPLIED_ON_MOTO: dict[str, str] = {
    "create_mlflow": "moto has no managed MLflow (CreateMlflowTrackingServer)",
    "create_hyperpod": "moto's CloudFormation cannot create AWS::SageMaker::Cluster",
    "create_fsx_lustre": (
        "moto's FSx answers without a Lifecycle, so the provider's wait for AVAILABLE never ends"
    ),
    "domain_user_profiles": (
        "moto has no CreateUserProfile (the provider retries it for its whole timeout)"
    ),
    "archive_access_after_days": "moto has no PutBucketIntelligentTieringConfiguration",
    "deep_archive_access_after_days": "moto has no PutBucketIntelligentTieringConfiguration",
}

Change = tuple[str, str, str]  # address, resource type, attribute (or the action)


def second_plan(work: TfWorkdir) -> list[Change]:
    """What a second plan would change: [] when ``plan -detailed-exitcode`` says nothing."""
    plan = work.directory / "second.tfplan"
    done = work.run(
        "plan", "-no-color", "-input=false", "-detailed-exitcode", f"-out={plan}", check=False
    )
    assert done.returncode in (0, 2), done.stdout + done.stderr
    if done.returncode == 0:
        return []
    shown: dict[str, Any] = json.loads(work.run("show", "-json", str(plan)).stdout)
    changes: list[Change] = []
    for resource in shown.get("resource_changes", []):
        change = resource["change"]
        if change["actions"] in (["no-op"], ["read"]):
            continue
        if change["actions"] != ["update"]:  # create/delete/replace: never a read-back gap
            changes.append((resource["address"], resource["type"], "/".join(change["actions"])))
            continue
        before, after = change["before"] or {}, change["after"] or {}
        unknown = change.get("after_unknown") or {}
        changes += [
            (resource["address"], resource["type"], key)
            for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key) or unknown.get(key)
        ]
    for name, change in shown.get("output_changes", {}).items():
        if change["actions"] != ["no-op"]:
            changes.append((f"output.{name}", "output", "/".join(change["actions"])))
    assert changes, "plan said 2 (changes) and shows none"
    return changes


def unexplained(changes: list[Change]) -> list[Change]:
    return [c for c in changes if (c[1], c[2]) not in MOTO_READBACK_GAPS]


def apply(work: TfWorkdir) -> dict[str, Any]:
    """``terraform apply`` and the outputs it left (values by name)."""
    work.run("apply", "-auto-approve", "-no-color", "-input=false", timeout=900)
    outputs = json.loads(work.run("output", "-json", "-no-color").stdout)
    return {name: entry["value"] for name, entry in outputs.items()}


def destroy_leaves_nothing(work: TfWorkdir, aws: MotoServer, stack: str) -> None:
    work.run("destroy", "-auto-approve", "-no-color", "-input=false", timeout=900)
    assert work.run("state", "list", "-no-color").stdout.strip() == ""
    prefix = f"{stack}-"
    buckets = [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith((prefix, f"sagemaker-{prefix}"))]
    iam = aws.client("iam")
    assert not [r for r in iam.list_roles()["Roles"] if r["RoleName"].startswith(prefix)]
    policies = iam.list_policies(Scope="Local")["Policies"]
    assert not [p for p in policies if p["PolicyName"].startswith(prefix)]
    sagemaker = aws.client("sagemaker")
    assert sagemaker.list_notebook_instances()["NotebookInstances"] == []
    assert sagemaker.list_domains()["Domains"] == []
    ec2 = aws.client("ec2")
    # Deleted endpoints stay listed for a while (state "deleted"), in AWS as in moto.
    endpoints = ec2.describe_vpc_endpoints()["VpcEndpoints"]
    assert [e["VpcEndpointId"] for e in endpoints if e["State"].lower() != "deleted"] == []
    groups = ec2.describe_security_groups()["SecurityGroups"]
    assert not [g for g in groups if g["GroupName"].startswith(prefix)]


def write_tfvars(work: TfWorkdir, values: dict[str, Any]) -> None:
    (work.directory / "terraform.tfvars").write_text(
        "".join(f"{name} = {json.dumps(value)}\n" for name, value in values.items())
    )


def private_network(aws: MotoServer) -> dict[str, Any]:
    """A VPC with two private subnets and their route table, as an operator brings one."""
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{n}.0/24")["Subnet"]["SubnetId"]
        for n in (1, 2)
    ]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    return {"vpc_id": vpc, "subnet_ids": subnets, "route_table_ids": [table]}


def bucket_tags(aws: MotoServer, bucket: str) -> dict[str, str]:
    tag_set = aws.client("s3").get_bucket_tagging(Bucket=bucket)["TagSet"]
    return {t["Key"]: t["Value"] for t in tag_set}


# --- the examples and tf/ itself with every option moto can apply --------------------------
# Each apply spends about a minute idle in the provider: aws_s3_bucket_lifecycle_configuration
# confirms the rules it put by reading them back every 5 s for 55 s, and no provider or
# resource setting shortens that (moto answers with the rules put from the first read; a
# shorter create timeout only turns the wait into an error, "last state: 'true'"). So the
# four applies run at once, each against a moto of its own in a child process (in-process
# moto servers all share one state, and each apply counts what it made and destroy left).

EXAMPLES = {"minimal": "minimal", "notebook": "notebook", "vpc-domain": "studio"}  # -> stack


def check_example(example: str, aws: MotoServer, directory: Path) -> None:
    """An example applies, a second plan shows only moto's gaps, destroy leaves nothing."""
    work = make_workdir(directory, aws.url, example=example)
    stack = EXAMPLES[example]
    if example == "vpc-domain":
        # No user profile here: moto has no CreateUserProfile (NOT_APPLIED_ON_MOTO); the
        # example's default creates one, which the all-on plan covers.
        write_tfvars(work, {**private_network(aws), "user_profiles": []})

    outputs = apply(work)
    assert outputs["execution_role_arn"] == (
        f"arn:aws:iam::{ACCOUNT}:role/{stack}-use1-sagemaker-execution"
    )
    assert outputs["buckets"]["models"] == f"{stack}-use1-models-{ACCOUNT}"
    # The example's tags (provider default_tags and the module's tags) and the stack's own.
    assert bucket_tags(aws, outputs["buckets"]["models"]) == {
        "team": "ml-platform",
        "cost-center": "ml-1234",
        "smconsole:stack": stack,
        "ManagedBy": "terraform",
    }
    if example == "notebook":
        notebook = aws.client("sagemaker").describe_notebook_instance(
            NotebookInstanceName=outputs["notebook_name"]
        )
        assert notebook["NotebookInstanceLifecycleConfigName"] == "notebook-autostop"
    if example == "vpc-domain":
        (domain,) = aws.client("sagemaker").list_domains()["Domains"]
        assert domain["DomainId"] == outputs["domain_id"]
        endpoints = aws.client("ec2").describe_vpc_endpoints()["VpcEndpoints"]
        assert len(endpoints) == 7  # six interface endpoints and the S3 gateway

    assert unexplained(second_plan(work)) == []
    destroy_leaves_nothing(work, aws, stack)


def check_all_on(aws: MotoServer, directory: Path) -> None:
    """tf/ with every option moto can apply; its second plan shows every gap, and only those."""
    network = private_network(aws)
    key = aws.client("kms").create_key(Description="smconsole test")["KeyMetadata"]["Arn"]
    work = make_workdir(directory, aws.url)
    options: dict[str, Any] = {
        "stack_name": "allon",
        "create_notebook": True,
        "create_domain": True,
        **network,
        "enable_access_logging": True,
        "operator_manages_roles": True,
        "kms_key_arn": key,
        "intelligent_tiering_after_days": 30,
        "force_destroy_buckets": True,  # the log bucket fills with moto's access logs
        "tags": {"team": "ml-platform"},
    }
    assert not set(options) & set(NOT_APPLIED_ON_MOTO)
    write_tfvars(work, options)

    outputs = apply(work)
    assert outputs["models_bucket"] == f"allon-use1-models-{ACCOUNT}"
    rules = aws.client("s3").get_bucket_lifecycle_configuration(Bucket=outputs["models_bucket"])
    (tiering,) = [r for r in rules["Rules"] if r["ID"] == "intelligent-tiering"]
    assert tiering["Transitions"] == [{"Days": 30, "StorageClass": "INTELLIGENT_TIERING"}]
    assert bucket_tags(aws, outputs["models_bucket"]) == {
        "team": "ml-platform",
        "smconsole:stack": "allon",
        "ManagedBy": "terraform",
    }

    changes = second_plan(work)
    assert unexplained(changes) == []
    # The list of moto's gaps is exact: every one shows here (domain and notebook are on).
    assert {(kind, attribute) for _, kind, attribute in changes} == set(MOTO_READBACK_GAPS)
    destroy_leaves_nothing(work, aws, "allon")


def on_own_moto(check: Callable[[MotoServer, Path], None], directory: Path) -> None:
    aws = start_moto_process(PATCH_MOTO)
    try:
        check(aws, directory)
    finally:
        aws.stop()


@pytest.mark.slow
@pytest.mark.timeout(1800)  # four applies' CPU on a loaded two-core machine
def test_examples_and_all_on_apply_plan_empty_and_destroy(tmp_path: Path) -> None:
    require_terraform()  # skip (or fail in CI) here, not in four threads
    checks: dict[str, Callable[[MotoServer, Path], None]] = {
        **{f"example {name}": partial(check_example, name) for name in EXAMPLES},
        "all-on": check_all_on,
    }
    with ThreadPoolExecutor(max_workers=len(checks)) as pool:
        running = {
            name: pool.submit(on_own_moto, check, tmp_path / name.replace(" ", "-"))
            for name, check in checks.items()
        }
    failed: list[BaseException] = []
    for name, future in running.items():
        error = future.exception()
        if error is not None:
            error.add_note(f"(in {name})")
            failed.append(error)
    if failed:
        raise BaseExceptionGroup(f"{len(failed)} of {len(checks)} tf/ applies failed", failed)


# --- the HyperPod example --------------------------------------------------------------


@pytest.mark.slow
def test_hyperpod_example_plans_with_everything_known(
    aws: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HyperPod and FSx cannot be created on moto (NOT_APPLIED_ON_MOTO); the plan is what a
    reviewer approves, so everything that decides the cluster must be known in it."""
    patch_moto_for_terraform(monkeypatch)
    scripts = tmp_path / "lifecycle"
    scripts.mkdir()
    (scripts / "on_create.sh").write_text("#!/bin/bash\n")
    work = make_workdir(tmp_path / "tf", aws.url, example="hyperpod")
    network = private_network(aws)
    write_tfvars(
        work,
        {"vpc_id": network["vpc_id"], "subnet_ids": network["subnet_ids"]}
        | {"lifecycle_scripts_dir": str(scripts)},
    )
    plan = work.plan_json()
    changes = {c["address"]: c["change"] for c in plan["resource_changes"]}
    stack = changes["module.smconsole.aws_cloudformation_stack.hyperpod[0]"]
    assert "template_body" not in stack["after_unknown"]  # the whole cluster, at plan time
    template = json.loads(stack["after"]["template_body"])
    cluster = template["Resources"]["Cluster"]["Properties"]
    assert cluster["ClusterName"] == "hpc-hyperpod"
    assert cluster["VpcConfig"]["Subnets"] == network["subnet_ids"]
    roles = {g["ExecutionRole"] for g in cluster["InstanceGroups"]}
    assert roles == {f"arn:aws:iam::{ACCOUNT}:role/hpc-use1-hyperpod-instance"}
    # Only what AWS assigns at apply is unknown: the security group id enters as a parameter.
    assert stack["after_unknown"].get("parameters") is True
    fsx = changes["module.smconsole.aws_fsx_lustre_file_system.this[0]"]
    assert fsx["after"]["subnet_ids"] == network["subnet_ids"][:1]
    policies = [c for a, c in changes.items() if ".aws_iam_policy." in a]
    assert policies and all("policy" not in c["after_unknown"] for c in policies)
