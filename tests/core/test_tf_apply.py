"""tf/ applied for real against moto, the way its users apply it: each example (a root
module with its own provider block around the module) and the all-on configuration of
tf/ itself apply, a second ``terraform plan -detailed-exitcode`` is empty, and destroy
leaves nothing behind. The HyperPod example is planned with everything known.

The all-on configuration is applied and destroyed by smconsole itself (``tf-apply``,
``tf-destroy``, as an operator does) and read back by the console in between (its
commands, and the settings it takes from the stack's outputs): one apply serves both
(each apply costs minutes of a test worker).

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
import os
import re
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from console.terraform import PROVIDER_FILE, add_provider_file
from tests.core.test_tf_module import _statement_resources
from tests.core.test_tf_policies import OPERATOR, READ_ONLY, _actions, _statements
from tests.support.helpers import CliResult
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


def second_plan(work: TfWorkdir, *args: str) -> list[Change]:
    """What a second plan would change: [] when ``plan -detailed-exitcode`` says nothing."""
    plan = work.directory / "second.tfplan"
    done = work.run(
        "plan",
        "-no-color",
        "-input=false",
        "-detailed-exitcode",
        f"-out={plan}",
        *args,
        check=False,
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
    nothing_left(aws, stack)


def nothing_left(aws: MotoServer, stack: str) -> None:
    """No bucket, role, policy, notebook, domain, VPC endpoint or security group is left."""
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
    # No kms_key_arn: the module's default encryption, SSE-S3.
    encryption = aws.client("s3").get_bucket_encryption(Bucket=outputs["buckets"]["models"])
    (rule,) = encryption["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
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


ALL_ON = "allon"  # the stack


def smconsole(env: dict[str, str], *args: str) -> CliResult:
    """``smconsole ARGS`` in a process of its own, with ``env``: these checks run in
    threads, and the in-process CLI would read (and the test would set) the one
    environment every thread shares."""
    done = subprocess.run(
        [sys.executable, "-m", "console.cli.main", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def audited(env: dict[str, str]) -> list[tuple[str, str, str]]:
    """The outcome records (each mutation's ``intent`` record before it is left out)."""
    path = Path(env["XDG_STATE_HOME"]) / "smconsole" / "audit.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r["action"], r["target"], r["outcome"]) for r in rows if r["outcome"] != "intent"]


def check_all_on(environment: dict[str, str], aws: MotoServer, directory: Path) -> None:
    """tf/ with every option moto can apply, applied and destroyed by smconsole itself
    (``tf-apply``, ``tf-destroy``) and read by the console in between; its second plan
    shows every gap, and only those."""
    network = private_network(aws)
    key = aws.client("kms").create_key(Description="smconsole test")["KeyMetadata"]["Arn"]
    # No provider file: tf/ has no provider block, and the console adds one to its copy.
    work = make_workdir(directory, aws.url, provider_file=False)
    assert not (work.directory / PROVIDER_FILE).exists()
    options: dict[str, Any] = {
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
    env = {
        **environment,
        **{k: v for k, v in work.env().items() if k.startswith(("TF_", "CHECKPOINT", "GOGC"))},
        "AWS_ENDPOINT_URL": aws.url,
        "SMCONSOLE_TERRAFORM_DIR": str(work.directory),
    }

    applied = smconsole(env, "tf-apply", ALL_ON, "--yes")
    assert applied.exit_code == 0, applied.stdout[-3000:] + applied.stderr
    assert "Apply complete!" in applied.stdout
    assert (work.directory / "terraform.tfstate.d" / ALL_ON / "terraform.tfstate").is_file()
    assert not (work.directory / PROVIDER_FILE).exists()  # only in its copies

    check_buckets(aws, key)
    role_arn = check_roles_and_policies(aws, key)
    domain_id = check_sagemaker(env, aws, role_arn)
    outputs = check_outputs(env, work, role_arn, domain_id)

    # The all-on options reached S3.
    rules = aws.client("s3").get_bucket_lifecycle_configuration(Bucket=outputs["models_bucket"])
    (tiering,) = [r for r in rules["Rules"] if r["ID"] == "intelligent-tiering"]
    assert tiering["Transitions"] == [{"Days": 30, "StorageClass": "INTELLIGENT_TIERING"}]
    assert bucket_tags(aws, outputs["models_bucket"]) == {
        "team": "ml-platform",
        "smconsole:stack": ALL_ON,
        "ManagedBy": "terraform",
    }

    # A second plan, in the workspace tf-apply chose, with the provider its copies get.
    assert add_provider_file(work.directory)
    try:
        changes = second_plan(work, f"-var=stack_name={ALL_ON}")
    finally:
        (work.directory / PROVIDER_FILE).unlink()
        (work.directory / "second.tfplan").unlink(missing_ok=True)
    assert unexplained(changes) == []
    # The list of moto's gaps is exact: every one shows here (domain and notebook are on).
    assert {(kind, attribute) for _, kind, attribute in changes} == set(MOTO_READBACK_GAPS)

    destroyed = smconsole(env, "tf-destroy", ALL_ON, "--yes")
    assert destroyed.exit_code == 0, destroyed.stdout[-3000:] + destroyed.stderr
    # (a saved destroy plan reports as an apply)
    assert re.search(
        r"Apply complete! Resources: 0 added, 0 changed, \d+ destroyed", destroyed.stdout
    )
    nothing_left(aws, ALL_ON)
    assert not (work.directory / "terraform.tfstate.d" / ALL_ON).exists()
    assert audited(env) == [("tf-apply", ALL_ON, "ok"), ("tf-destroy", ALL_ON, "ok")]


def check_buckets(aws: MotoServer, key: str) -> None:
    """The data buckets as AWS (moto) sees them, and their access-log bucket."""
    s3 = aws.client("s3")
    logs_bucket = f"{ALL_ON}-use1-access-logs-{ACCOUNT}"
    for purpose in ("input", "output", "models"):
        bucket = f"{ALL_ON}-use1-{purpose}-{ACCOUNT}"
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
            "Rules"
        ]
        assert rule["ApplyServerSideEncryptionByDefault"] == {
            "SSEAlgorithm": "aws:kms",
            "KMSMasterKeyID": key,
        }
        assert rule["BucketKeyEnabled"] is True
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert block == dict.fromkeys(
            ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"),
            True,
        )
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        (tls,) = [s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport"]
        assert tls["Effect"] == "Deny" and tls["Condition"]["Bool"]["aws:SecureTransport"] in (
            "false",
            ["false"],
        )
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        (noncurrent,) = [r for r in rules if r["ID"] == "expire-noncurrent-versions"]
        assert noncurrent["NoncurrentVersionExpiration"]["NoncurrentDays"] == 90
        assert noncurrent["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7
        ownership = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]
        assert ownership["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        logging_to = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
        assert logging_to == {"TargetBucket": logs_bucket, "TargetPrefix": f"{bucket}/"}
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
        assert tags["smconsole:stack"] == ALL_ON and tags["team"] == "ml-platform"
    # S3 server access log delivery cannot write SSE-KMS: the log bucket keeps SSE-S3.
    (rule,) = s3.get_bucket_encryption(Bucket=logs_bucket)["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def check_roles_and_policies(aws: MotoServer, key: str) -> str:
    """The execution role and the console's three policies; the role's ARN."""
    iam = aws.client("iam")
    role_name = f"{ALL_ON}-use1-sagemaker-execution"
    role = iam.get_role(RoleName=role_name)["Role"]
    attached = iam.list_attached_role_policies(RoleName=role_name)
    assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == [role_name]
    granted = {}
    for name in ("read-only", "operator", "operator-roles"):
        arn = f"arn:aws:iam::{ACCOUNT}:policy/{ALL_ON}-use1-smconsole-{name}"
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]
        statements = document["Document"]["Statement"]
        # With kms_key_arn the readers also get kms:Decrypt on that key (iam.tf kms_read),
        # beside what the templates say.
        decrypt = [s for s in statements if s.get("Sid") == "DecryptStackObjects"]
        expected = [] if name == "operator-roles" else [(["kms:Decrypt"], key)]
        assert [(s["Action"], s["Resource"]) for s in decrypt] == expected
        templated = {
            **document["Document"],
            "Statement": [s for s in statements if s not in decrypt],
        }
        granted[name] = {a for actions, _ in _statement_resources(templated) for a in actions}
    # What reached IAM is what the templates say (the test of the templates covers AWS).
    assert granted["read-only"] == _actions(_statements(READ_ONLY))
    assert granted["operator"] | granted["operator-roles"] == granted["read-only"] | _actions(
        [s for name in OPERATOR for s in _statements(name)]
    )
    # Role management only in its own policy.
    changes = granted["operator"] - granted["read-only"]
    assert [a for a in changes if a.startswith("iam:")] == ["iam:PassRole"]
    assert not [a for a in granted["operator"] if a.startswith("sagemaker-mlflow:")]  # no server
    arn: str = role["Arn"]
    return arn


def check_sagemaker(env: dict[str, str], aws: MotoServer, role_arn: str) -> str:
    """The notebook, through the console and as moto has it; the Studio domain's id."""
    notebook_name = f"{ALL_ON}-notebook"
    notebook = smconsole(env, "notebook-describe", notebook_name, "--json")
    assert notebook.exit_code == 0, notebook.stderr
    sagemaker = aws.client("sagemaker")
    plain = sagemaker.describe_notebook_instance(NotebookInstanceName=notebook_name)
    assert plain["RoleArn"] == role_arn
    assert plain["NotebookInstanceLifecycleConfigName"] == f"{ALL_ON}-autostop"
    assert plain["DirectInternetAccess"] == "Disabled" and plain["RootAccess"] == "Disabled"
    assert notebook.json()["name"] == notebook_name
    (domain,) = sagemaker.list_domains()["Domains"]
    assert domain["DomainName"] == f"{ALL_ON}-studio"
    domain_id: str = domain["DomainId"]
    return domain_id


def check_outputs(
    env: dict[str, str], work: TfWorkdir, role_arn: str, domain_id: str
) -> dict[str, Any]:
    """The stack's outputs as the console reads them (``tf-output``, and the settings it
    takes from them: from the state, and from a saved copy); the outputs."""
    shown = smconsole(env, "tf-output", ALL_ON, "--json")
    assert shown.exit_code == 0, shown.stderr
    outputs: dict[str, Any] = shown.json()
    assert outputs["execution_role_arn"] == role_arn
    assert outputs["models_bucket"] == f"{ALL_ON}-use1-models-{ACCOUNT}"
    assert outputs["notebook_name"] == f"{ALL_ON}-notebook"
    assert outputs["domain_id"] == domain_id
    # Outputs of parts switched off are null, which terraform output leaves out.
    assert "tracking_server_arn" not in outputs and "cluster_name" not in outputs

    from console.config import load_config
    from console.tf_defaults import apply_defaults, describe, load_defaults

    config = load_config(env=env)
    assert config.execution_role_arn == "" and config.buckets.output == ""
    defaults = load_defaults(config, stack=ALL_ON)
    assert defaults is not None and defaults.execution_role_arn == role_arn
    applied = apply_defaults(config, defaults)
    assert config.execution_role_arn == role_arn
    assert (config.buckets.input, config.buckets.output, config.buckets.models) == tuple(
        f"{ALL_ON}-use1-{p}-{ACCOUNT}" for p in ("input", "output", "models")
    )
    assert set(applied.applied) == {
        "execution_role_arn",
        "buckets.input",
        "buckets.output",
        "buckets.models",
    }  # region came from the environment already; MLflow and HyperPod are off
    assert describe(applied).startswith(f"from Terraform ({ALL_ON}): execution_role_arn")

    # The same from a saved copy of the outputs (a machine without terraform or the state).
    saved = work.directory.parent / "outputs.json"
    # (the plain `terraform output` reads the selected workspace: the one tf-apply chose)
    saved.write_text(work.run("output", "-json", "-no-color").stdout)
    from_file = load_defaults(
        load_config(env={**env, "SMCONSOLE_TERRAFORM_OUTPUTS_FILE": str(saved)})
    )
    assert from_file is not None and from_file.settings() == defaults.settings()
    return outputs


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
        "all-on": partial(check_all_on, dict(os.environ)),  # read here, once, by one thread
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
