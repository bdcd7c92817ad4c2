"""tf/ checked for real, offline: terraform fmt/validate/plan on a copy of it against the test
moto server, and checkov over it. The full apply -> console -> destroy through smconsole is
in test_tf_apply.py (its all-on apply: one apply serves both); managed MLflow and the
HyperPod CloudFormation stack are planned only (moto has neither).

Where Terraform or its provider mirror is missing the terraform tests skip with the reason
(fail when CI=true); see tests/support/terraform.py.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto_server import MotoServer
from tests.support.terraform import (
    README,
    TF_SOURCE,
    TfWorkdir,
    computed_once,
    generated_readme,
    inputs_table,
    make_workdir,
    outputs_table,
    require_terraform,
    resources,
)

ACCOUNT = "123456789012"  # moto's account
KMS_KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0c0e2b67-9d3c-4f5e-8a6b-1b2c3d4e5f60"
CHECKOV = "checkov==3.2.*"  # in its own environment: it pins boto3 and ships its own hcl2
TAGS = {"team": "ml-platform", "cost-center": "ml-1234"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, moto_server: MotoServer) -> TfWorkdir:
    """One initialised copy of tf/ for the plans (they write no state)."""
    return make_workdir(tmp_path_factory.mktemp("tfplan") / "tf", moto_server.url)


@pytest.fixture(scope="module")
def lifecycle_scripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scripts = tmp_path_factory.getbasetemp() / "lifecycle"  # the same path in every plan
    if scripts.exists():
        return scripts
    scripts.mkdir()
    (scripts / "on_create.sh").write_text("#!/bin/bash\nexec python3 lifecycle_script.py\n")
    (scripts / "utils").mkdir()
    (scripts / "utils" / "motd.txt").write_text("welcome\n")
    (scripts / "provisioning_parameters.json").write_text("{}")  # replaced by the module's
    return scripts


def _tfvars(values: dict[str, Any]) -> list[str]:
    return [
        f"-var={name}={json.dumps(v) if not isinstance(v, str) else v}"
        for name, v in values.items()
    ]


def everything_on(scripts: Path) -> dict[str, Any]:
    return {
        "stack_name": "full",
        "create_notebook": True,
        "create_domain": True,
        "create_mlflow": True,
        "create_hyperpod": True,
        "hyperpod_lifecycle_scripts_dir": str(scripts),
        "hyperpod_login_count": 1,
        "vpc_id": "vpc-0123456789abcdef0",
        "subnet_ids": ["subnet-0123456789abcdef0", "subnet-0fedcba987654321f"],
        "enable_access_logging": True,
        "operator_manages_roles": True,
        "kms_key_arn": KMS_KEY,
        "create_fsx_lustre": True,
        "enable_console_events": True,
        "console_events_consumers": ["alice", "bob"],
        "domain_user_profiles": ["alice"],
        "intelligent_tiering_after_days": 30,
        "archive_access_after_days": 90,
        "deep_archive_access_after_days": 180,
        "tags": TAGS,
    }


@pytest.fixture(scope="module")
def full_plan(
    tmp_path_factory: pytest.TempPathFactory, moto_server: MotoServer, lifecycle_scripts: Path
) -> dict[str, Any]:
    """``terraform show -json`` of a plan with every optional part on (made once a session)."""

    def produce() -> str:
        work = make_workdir(tmp_path_factory.mktemp("tffull") / "tf", moto_server.url)
        return json.dumps(work.plan_json(*_tfvars(everything_on(lifecycle_scripts))))

    plan: dict[str, Any] = json.loads(computed_once(tmp_path_factory, "full-plan.json", produce))
    return plan


@pytest.fixture(scope="module")
def default_plan(
    tmp_path_factory: pytest.TempPathFactory, moto_server: MotoServer
) -> dict[str, Any]:
    """The plan of the module with every variable at its default (made once a session)."""

    def produce() -> str:
        work = make_workdir(tmp_path_factory.mktemp("tfdefault") / "tf", moto_server.url)
        return json.dumps(work.plan_json("-var=stack_name=plain"))

    plan: dict[str, Any] = json.loads(computed_once(tmp_path_factory, "default-plan.json", produce))
    return plan


def _by_address(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["address"]: r["values"] for r in resources(plan)}


def _policy(values: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(values["policy"])
    return document


def _statement_resources(document: dict[str, Any]) -> Iterator[tuple[set[str], list[str]]]:
    for statement in document["Statement"]:
        actions = statement["Action"]
        found = statement["Resource"]
        yield (
            {actions} if isinstance(actions, str) else set(actions),
            [found] if isinstance(found, str) else found,
        )


# --- the files ----------------------------------------------------------------------------------


def test_tf_files_are_formatted(tmp_path: Path) -> None:
    binary = require_terraform()
    checked = subprocess.run(
        [binary, "fmt", "-check", "-recursive", "-diff", "-no-color", str(TF_SOURCE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The example is HCL too, just not named .tfvars (so terraform does not load it).
    example = tmp_path / "example.tfvars"
    shutil.copy(TF_SOURCE / "terraform.tfvars.example", example)
    checked = subprocess.run(
        [binary, "fmt", "-check", "-diff", "-no-color", str(example)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout


def test_tf_validates(workdir: TfWorkdir) -> None:
    result = json.loads(workdir.run("validate", "-json", "-no-color").stdout)
    assert result["valid"], result["diagnostics"]
    assert result["error_count"] == 0 and result["warning_count"] == 0, result["diagnostics"]


def _parse(path: Path) -> dict[str, Any]:
    """One .tf file through python-hcl2 (the classic dict shape; a syntax error raises)."""
    import hcl2

    options = hcl2.SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    parsed: dict[str, Any] = hcl2.loads(path.read_text(), serialization_options=options)
    return parsed


def _blocks(path: Path, kind: str) -> dict[str, dict[str, Any]]:
    """``kind "name" { ... }`` blocks of a file by name (variables, outputs)."""
    return {name: body for block in _parse(path).get(kind, []) for name, body in block.items()}


def _references(node: Any) -> set[str]:
    """Every ``var.x`` in the parsed expressions of a file (comments are not expressions)."""
    if isinstance(node, dict):
        return set().union(*(_references(v) for k, v in node.items() if k != "__comments__"))
    if isinstance(node, list):
        return set().union(*(_references(v) for v in node))
    return set(re.findall(r"\bvar\.(\w+)", node)) if isinstance(node, str) else set()


def test_every_tf_file_parses() -> None:
    files = sorted(TF_SOURCE.rglob("*.tf"))
    assert len(files) >= 8
    for path in files:
        assert isinstance(_parse(path), dict), path


@pytest.mark.parametrize("module", [TF_SOURCE, TF_SOURCE / "modules" / "secure-bucket"])
def test_every_variable_is_declared_used_and_described(module: Path) -> None:
    variables = _blocks(module / "variables.tf", "variable")
    assert variables
    used: set[str] = set()
    for path in sorted(module.glob("*.tf")):
        parsed = _parse(path)
        if path.name == "variables.tf":  # validations refer to their own variable
            parsed = {k: v for k, v in parsed.items() if k != "variable"}
        used |= _references(parsed)

    assert used <= set(variables), f"used but not declared: {used - set(variables)}"
    assert set(variables) <= used, f"declared but never used: {set(variables) - used}"
    for name, body in variables.items():
        assert len(body.get("description", "")) >= 10, f"{name}: description"
        assert "type" in body, f"{name}: type"


def test_readme_tables_are_generated_from_the_tf_files() -> None:
    """tf/README.md's input and output tables are what ``python -m tests.support.terraform``
    generates from variables.tf and outputs.tf: a variable added, removed or re-described
    without regenerating them fails here."""
    readme = README.read_text()
    assert readme == generated_readme(readme), "run: python -m tests.support.terraform"
    for name in _blocks(TF_SOURCE / "variables.tf", "variable"):
        assert f"| `{name}` |" in inputs_table()
    for name in _blocks(TF_SOURCE / "outputs.tf", "output"):
        assert f"| `{name}` |" in outputs_table()
    # The generator sees types and defaults as HCL: required, strings, null and maps apart.
    rows = {row.split(" | ")[0]: row for row in inputs_table().splitlines()}
    assert rows["| `stack_name`"].split(" | ")[2] == "required"
    assert rows["| `kms_key_arn`"].split(" | ")[1:3] == ["`string`", '`""`']
    assert rows["| `create_vpc_endpoints`"].split(" | ")[1:3] == ["`bool`", "`null`"]
    assert rows["| `tags`"].split(" | ")[1:3] == ["`map(string)`", "`{}`"]


def test_the_module_configures_no_provider() -> None:
    """A child module must not configure its provider: the caller's region, credentials and
    default_tags apply (and the module can be used with count/for_each)."""
    for path in TF_SOURCE.rglob("*.tf"):
        if "examples" in path.parts:
            continue
        assert "provider" not in _parse(path), path
    versions = _parse(TF_SOURCE / "versions.tf")["terraform"][0]
    assert versions["required_providers"][0]["aws"]["source"] == "hashicorp/aws"
    examples = sorted(p.name for p in (TF_SOURCE / "examples").iterdir())
    assert examples == ["hyperpod", "minimal", "notebook", "vpc-domain"]
    for example in examples:
        parsed = _parse(TF_SOURCE / "examples" / example / "main.tf")
        (provider,) = parsed["provider"]
        assert provider["aws"]["default_tags"][0]["tags"] == "${var.tags}", example
        (module,) = parsed["module"]
        assert module["smconsole"]["source"] == "../..", example
        assert module["smconsole"]["tags"] == "${var.tags}", example


# --- plans ----------------------------------------------------------------------------------------


def test_plan_with_every_option_on(full_plan: dict[str, Any], lifecycle_scripts: Path) -> None:
    planned = _by_address(full_plan)
    buckets = {v["bucket"] for a, v in planned.items() if a.endswith(".aws_s3_bucket.this")}
    assert buckets == {
        f"full-use1-input-{ACCOUNT}",
        f"full-use1-output-{ACCOUNT}",
        f"full-use1-models-{ACCOUNT}",
        f"full-use1-access-logs-{ACCOUNT}",
        f"sagemaker-full-use1-hp-{ACCOUNT}",
    }
    # The customer key on the data buckets; the log bucket stays SSE-S3 (log delivery).
    sse = {
        a.split(".aws_s3")[0]: v["rule"][0]["apply_server_side_encryption_by_default"][0]
        for a, v in planned.items()
        if a.endswith("aws_s3_bucket_server_side_encryption_configuration.this")
    }
    assert sse.pop("module.access_logs[0]")["sse_algorithm"] == "AES256"
    assert {s["sse_algorithm"] for s in sse.values()} == {"aws:kms"}
    assert {s["kms_master_key_id"] for s in sse.values()} == {KMS_KEY}
    logged = {v["target_prefix"] for a, v in planned.items() if "aws_s3_bucket_logging" in a}
    assert logged == {f"{b}/" for b in buckets - {f"full-use1-access-logs-{ACCOUNT}"}}

    notebook = planned["aws_sagemaker_notebook_instance.this[0]"]
    assert notebook["direct_internet_access"] == "Disabled"  # in the VPC
    assert notebook["root_access"] == "Disabled"
    assert notebook["subnet_id"] == "subnet-0123456789abcdef0"
    assert notebook["kms_key_id"] == KMS_KEY
    assert notebook["lifecycle_config_name"] == "full-autostop"
    autostop = planned["aws_sagemaker_notebook_instance_lifecycle_configuration.autostop[0]"]
    import base64

    script = base64.b64decode(autostop["on_start"]).decode()
    assert "IDLE_SECONDS=$((60 * 60))" in script and "stop_notebook_instance" in script

    domain = planned["aws_sagemaker_domain.this[0]"]
    assert domain["app_network_access_type"] == "VpcOnly" and domain["auth_mode"] == "IAM"

    mlflow = planned["aws_sagemaker_mlflow_tracking_server.this[0]"]
    assert mlflow["artifact_store_uri"] == f"s3://full-use1-models-{ACCOUNT}/mlflow"
    # In the VPC the template is still known at plan time (reviewable; checkov reads it):
    # the security group id, known only after apply, enters as a stack parameter.
    stack = planned["aws_cloudformation_stack.hyperpod[0]"]
    template = json.loads(stack["template_body"])
    vpc = template["Resources"]["Cluster"]["Properties"]["VpcConfig"]
    assert vpc == {
        "SecurityGroupIds": [{"Ref": "SecurityGroupId"}],
        "Subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba987654321f"],
    }
    assert set(template["Parameters"]) == {"SecurityGroupId"}
    # FSx for Lustre, handed to the lifecycle scripts (they mount it at /fsx).
    fsx = planned["aws_fsx_lustre_file_system.this[0]"]
    assert fsx["subnet_ids"] == ["subnet-0123456789abcdef0"] and fsx["kms_key_id"] == KMS_KEY
    # Studio in VpcOnly: its endpoints and the user profiles asked for.
    endpoints = {v["service_name"] for a, v in planned.items() if a.startswith("aws_vpc_endpoint.")}
    assert endpoints == {
        f"com.amazonaws.us-east-1.{s}"
        for s in ("sagemaker.api", "sagemaker.runtime", "sts", "logs", "ecr.api", "ecr.dkr", "s3")
    }
    assert planned['aws_sagemaker_user_profile.this["alice"]']["user_profile_name"] == "alice"

    # Console events: rule -> topic -> one queue per consumer, each locked to its sender.
    rule = planned["aws_cloudwatch_event_rule.console_events[0]"]
    pattern = json.loads(rule["event_pattern"])
    assert pattern["source"] == ["aws.sagemaker"]
    from console.events.parse import DETAIL_TYPES

    assert sorted(pattern["detail-type"]) == sorted(DETAIL_TYPES)
    rule_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:rule/full-console-events"
    topic_arn = f"arn:aws:sns:us-east-1:{ACCOUNT}:full-console-events"
    topic_policy = json.loads(planned["aws_sns_topic_policy.console_events[0]"]["policy"])
    [publish] = topic_policy["Statement"]
    assert publish["Principal"] == {"Service": "events.amazonaws.com"}
    assert publish["Condition"] == {"ArnEquals": {"aws:SourceArn": rule_arn}}
    for name in ("alice", "bob"):
        queue = planned[f'aws_sqs_queue.console_events["{name}"]']
        assert queue["name"] == f"full-console-events-{name}"
        assert queue["kms_master_key_id"] == KMS_KEY
        assert 3600 <= queue["message_retention_seconds"] <= 24 * 3600
        assert queue["receive_wait_time_seconds"] == 20
        queue_policy = json.loads(
            planned[f'aws_sqs_queue_policy.console_events["{name}"]']["policy"]
        )
        [send] = queue_policy["Statement"]
        assert send["Principal"] == {"Service": "sns.amazonaws.com"}
        assert send["Condition"] == {"ArnEquals": {"aws:SourceArn": topic_arn}}
        assert planned[f'aws_sns_topic_subscription.console_events["{name}"]'][
            "raw_message_delivery"
        ]
    read = json.loads(planned["aws_iam_policy.console_events[0]"]["policy"])
    assert read["Statement"][0]["Resource"] == [
        f"arn:aws:sqs:us-east-1:{ACCOUNT}:full-console-events-{n}" for n in ("alice", "bob")
    ]
    assert "sqs:SendMessage" not in read["Statement"][0]["Action"]


# Resource types that bill by the hour (or per endpoint-hour) merely by existing.
BILLED_BY_THE_HOUR = (
    "aws_sagemaker_notebook_instance",
    "aws_sagemaker_mlflow_tracking_server",
    "aws_cloudformation_stack",  # the HyperPod cluster
    "aws_fsx_lustre_file_system",
    "aws_vpc_endpoint",  # interface endpoints bill per hour and AZ
)


@pytest.mark.parametrize("plan_name", ["full_plan", "default_plan"])
def test_every_taggable_resource_carries_the_tags(
    plan_name: str, request: pytest.FixtureRequest
) -> None:
    """``tags`` lands on each resource that has the argument, merged with the stack's own
    two, without relying on the caller's provider default_tags."""
    plan: dict[str, Any] = request.getfixturevalue(plan_name)
    stack = {"full_plan": "full", "default_plan": "plain"}[plan_name]
    wanted = {"smconsole:stack": stack, "ManagedBy": "terraform"}
    if plan_name == "full_plan":
        wanted |= TAGS
    taggable = [r for r in resources(plan) if r["mode"] == "managed" and "tags" in r["values"]]
    untagged = [r["address"] for r in taggable if (r["values"]["tags"] or {}) != wanted]
    assert untagged == []
    kinds = {r["type"] for r in taggable}
    assert {"aws_s3_bucket", "aws_iam_role", "aws_iam_policy"} <= kinds
    if plan_name == "full_plan":  # every optional part, each tagged
        assert kinds >= {
            "aws_security_group",
            "aws_sagemaker_notebook_instance",
            "aws_sagemaker_notebook_instance_lifecycle_configuration",
            "aws_sagemaker_domain",
            "aws_sagemaker_user_profile",
            "aws_vpc_endpoint",
            "aws_sagemaker_mlflow_tracking_server",
            "aws_fsx_lustre_file_system",
            "aws_cloudformation_stack",
            "aws_s3_object",
        }


def test_example_tfvars_create_nothing_billed_by_the_hour(workdir: TfWorkdir) -> None:
    plan = workdir.plan_json(
        f"-var-file={TF_SOURCE / 'terraform.tfvars.example'}", "-var=stack_name=example"
    )
    kinds = {r["type"] for r in resources(plan) if r["mode"] == "managed"}
    assert "aws_s3_bucket" in kinds and "aws_iam_role" in kinds
    assert not kinds & set(BILLED_BY_THE_HOUR), kinds & set(BILLED_BY_THE_HOUR)


def test_lifecycle_options_reach_every_data_bucket(full_plan: dict[str, Any]) -> None:
    planned = _by_address(full_plan)
    data = ("input", "output", "models", "hyperpod")
    for purpose in data:
        prefix = f'module.bucket["{purpose}"]'
        rules = planned[f"{prefix}.aws_s3_bucket_lifecycle_configuration.this"]["rule"]
        (tiering,) = [r for r in rules if r["id"] == "intelligent-tiering"]
        assert tiering["transition"] == [
            {"date": None, "days": 30, "storage_class": "INTELLIGENT_TIERING"}
        ]
        tiers = planned[f"{prefix}.aws_s3_bucket_intelligent_tiering_configuration.this[0]"]
        assert {(t["access_tier"], t["days"]) for t in tiers["tiering"]} == {
            ("ARCHIVE_ACCESS", 90),
            ("DEEP_ARCHIVE_ACCESS", 180),
        }
    # The access-log bucket only expires its logs: no tiering for objects that are deleted.
    assert not [a for a in planned if a.startswith("module.access_logs") and "tiering" in a]


def _autostop_python(plan: dict[str, Any]) -> str:
    """The Python checker inside the rendered on-start script of the notebook."""
    import base64

    values = _by_address(plan)[
        "aws_sagemaker_notebook_instance_lifecycle_configuration.autostop[0]"
    ]
    script = base64.b64decode(values["on_start"]).decode()
    return script.split("<<'PYTHON'\n", 1)[1].split("\nPYTHON\n", 1)[0]


_LONG_AGO = "2000-01-01T00:00:00.000000Z"


@pytest.mark.parametrize(
    ("kernel", "terminal", "idle_limit", "stops"),
    [
        ({"execution_state": "idle", "last_activity": _LONG_AGO}, None, 1, True),
        ({"execution_state": "busy", "last_activity": _LONG_AGO}, None, 1, False),
        ({"execution_state": "idle", "last_activity": "NOW"}, None, 3600, False),
        # Someone working in a terminal is not idle, whatever the kernels do.
        ({"execution_state": "idle", "last_activity": _LONG_AGO}, "NOW", 3600, False),
        ({"execution_state": "idle", "last_activity": _LONG_AGO}, _LONG_AGO, 1, True),
    ],
)
def test_notebook_stops_itself_only_when_idle(
    full_plan: dict[str, Any],
    tmp_path: Path,
    kernel: dict[str, str],
    terminal: str | None,
    idle_limit: int,
    stops: bool,
) -> None:
    import http.server
    import sys
    import threading
    from datetime import UTC, datetime

    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    if kernel["last_activity"] == "NOW":
        kernel = {**kernel, "last_activity": now}
    replies = {
        "/api/sessions": json.dumps([{"kernel": kernel}]).encode(),
        "/api/terminals": json.dumps(
            []
            if terminal is None
            else [{"name": "1", "last_activity": terminal.replace("NOW", now)}]
        ).encode(),
    }

    class Jupyter(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = replies[self.path]
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Jupyter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake = tmp_path / "fake" / "boto3"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "import json, os\n"
        "class _SageMaker:\n"
        "    def stop_notebook_instance(self, **request):\n"
        "        with open(os.environ['STOPPED'], 'a') as log:\n"
        "            log.write(json.dumps(request))\n"
        "def client(service, region_name):\n"
        "    assert (service, region_name) == ('sagemaker', 'eu-west-1')\n"
        "    return _SageMaker()\n"
    )
    metadata = tmp_path / "resource-metadata.json"
    metadata.write_text(
        json.dumps(
            {
                "ResourceName": "full-notebook",
                "ResourceArn": (
                    f"arn:aws:sagemaker:eu-west-1:{ACCOUNT}:notebook-instance/full-notebook"
                ),
            }
        )
    )
    checker = tmp_path / "autostop.py"
    checker.write_text(_autostop_python(full_plan))
    stopped = tmp_path / "stopped.json"
    try:
        done = subprocess.run(
            [sys.executable, str(checker), str(idle_limit)],
            env={
                "PYTHONPATH": str(fake.parent),
                "AUTOSTOP_SESSIONS_URL": f"http://127.0.0.1:{server.server_port}/api/sessions",
                "AUTOSTOP_TERMINALS_URL": f"http://127.0.0.1:{server.server_port}/api/terminals",
                "AUTOSTOP_METADATA": str(metadata),
                "STOPPED": str(stopped),
            },
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    if stops:
        assert json.loads(stopped.read_text()) == {"NotebookInstanceName": "full-notebook"}
        assert done.stdout.startswith("full-notebook: idle for ")
    else:
        assert not stopped.exists() and done.stdout == ""


def test_notebook_start_does_not_fail_without_crontab(
    full_plan: dict[str, Any], tmp_path: Path
) -> None:
    """An on-start script that fails leaves the notebook Failed: without crontab the
    script falls back to a background loop, says so in its log, and exits 0."""
    import base64
    import os
    import signal

    values = _by_address(full_plan)[
        "aws_sagemaker_notebook_instance_lifecycle_configuration.autostop[0]"
    ]
    script = tmp_path / "on-start.sh"
    script.write_bytes(base64.b64decode(values["on_start"]))
    tools = tmp_path / "bin"  # a PATH with what the script uses, and no crontab
    tools.mkdir()
    for tool in ("bash", "cat", "chmod", "date", "grep", "nohup", "sleep", "python3"):
        found = shutil.which(tool)
        assert found, tool
        (tools / tool).symlink_to(found)
    log = tmp_path / "autostop.log"
    done = subprocess.run(
        ["/bin/bash", str(script)],
        env={
            "PATH": str(tools),
            "AUTOSTOP_CHECKER": str(tmp_path / "autostop.py"),
            "AUTOSTOP_LOG": str(log),
        },
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "autostop.py").read_text().startswith('"""Stop this notebook')
    line = log.read_text()
    assert "crontab unavailable, checked by a background loop" in line, line
    match = re.search(r"\(pid (\d+)\)", line)
    assert match, line
    os.kill(int(match.group(1)), signal.SIGTERM)  # the loop this test started


def test_planned_iam_is_scoped(full_plan: dict[str, Any]) -> None:
    planned = _by_address(full_plan)
    policies = {a: v for a, v in planned.items() if a.startswith("aws_iam_policy.")}
    # Built from names, every policy is known at plan time (reviewable, and checkov sees it).
    assert set(policies) == {
        "aws_iam_policy.execution",
        "aws_iam_policy.mlflow[0]",
        "aws_iam_policy.hyperpod[0]",
        "aws_iam_policy.read_only",
        "aws_iam_policy.operator",
        "aws_iam_policy.operator_roles[0]",
        "aws_iam_policy.console_events[0]",
    }
    # IAM refuses a managed policy over 6,144 characters (whitespace not counted). The
    # operator policy with everything on is now within 100 of it (issues 16/17 added
    # calls): the next granted call must go in a policy of its own (as operator_roles).
    for address, values in policies.items():
        compact = json.dumps(_policy(values), separators=(",", ":"))
        assert len(compact) <= 6144, (address, len(compact))
    # The stack's buckets, and the SageMaker SDK's default bucket (the execution role's).
    stack_buckets = re.compile(
        rf"^arn:aws:s3:::(full-use1-\w+|sagemaker-full-use1-hp|sagemaker-us-east-1)-{ACCOUNT}(/.*)?$"
    )
    for address, values in policies.items():
        for actions, found in _statement_resources(_policy(values)):
            s3 = {a for a in actions if a.startswith("s3:")}
            assert "s3:*" not in s3, address
            if s3:
                assert all(stack_buckets.match(r) for r in found), (address, found)
    attachments = {v.get("policy_arn") for a, v in planned.items() if "policy_attachment" in a}
    assert not [arn for arn in attachments if arn and "FullAccess" in arn]

    # The operator policy is the read-only one plus the mutations; PassRole only for the
    # stack's execution role and the operator-managed roles.
    read_only = _policy(policies["aws_iam_policy.read_only"])["Statement"]
    operator = _policy(policies["aws_iam_policy.operator"])["Statement"]
    assert operator[: len(read_only)] == read_only
    (pass_role,) = [s for s in operator if s["Sid"] == "PassExecutionRolesToSageMaker"]
    assert pass_role["Resource"] == [
        f"arn:aws:iam::{ACCOUNT}:role/full-use1-sagemaker-execution",
        f"arn:aws:iam::{ACCOUNT}:role/full-use1-hyperpod-instance",  # cluster-create passes it
        f"arn:aws:iam::{ACCOUNT}:role/smconsole-*",
    ]
    assert "DecryptStackObjects" in {s["Sid"] for s in read_only}  # the KMS key, for reports
    # The stack's MLflow server: reads for both policies, alias moves for operators only;
    # run artifacts are listed straight from its store.
    by_sid = {s["Sid"]: s for s in operator}
    server = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}:mlflow-tracking-server/full-mlflow"
    assert by_sid["MlflowRead"] in read_only and by_sid["MlflowRead"]["Resource"] == [server]
    assert "MlflowMoveAliases" not in {s["Sid"] for s in read_only}
    assert by_sid["MlflowMoveAliases"]["Resource"] == [server]
    assert by_sid["MlflowArtifactsList"]["Resource"] == f"arn:aws:s3:::full-use1-models-{ACCOUNT}"

    trust = json.loads(planned["aws_iam_role.execution"]["assume_role_policy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _condition_holds(condition: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    """The condition operators the stack's policies use; a key missing from the request's
    context fails the condition, as in IAM."""
    for operator, keys in condition.items():
        for key, wanted in keys.items():
            if key not in context:
                return False
            value = context[key]
            if operator in {"StringEquals", "ArnEquals"}:
                matched = value in _listed(wanted)
            elif operator in {"StringLike", "ArnLike"}:
                matched = any(fnmatch.fnmatchcase(value, w) for w in _listed(wanted))
            else:
                raise AssertionError(f"teach the simulator {operator}")
            if not matched:
                return False
    return True


def simulate(
    document: dict[str, Any], action: str, resource: str, context: dict[str, str] | None = None
) -> bool:
    """IAM's answer for one request against one identity policy with Allow statements only
    (the stack's policies have no Deny): the action and resource wildcards (``*``, ``?``,
    case-insensitive actions) and the conditions above."""
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        if not any(
            fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _listed(statement["Action"])
        ):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in _listed(statement["Resource"])):
            continue
        if _condition_holds(statement.get("Condition", {}), context or {}):
            return True
    return False


_SM = f"arn:aws:sagemaker:us-east-1:{ACCOUNT}"
_SDK_BUCKET = f"arn:aws:s3:::sagemaker-us-east-1-{ACCOUNT}"
_ROLE = f"arn:aws:iam::{ACCOUNT}:role/full-use1-sagemaker-execution"
_JOB = "pytorch-training-2026-12-05-15-00-00-000"
# The seed's notebook workflow with the SageMaker Python SDK, as the IAM requests it makes
# under the execution role: get_execution_role(), default_bucket(), Estimator.fit(),
# deploy(), predict(), then the cleanup (delete_endpoint / delete_model).
NOTEBOOK_WORKFLOW: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "get_execution_role",
        "sagemaker:DescribeNotebookInstance",
        f"{_SM}:notebook-instance/full-notebook",
        {},
    ),
    (
        "get_execution_role (Studio)",
        "sagemaker:DescribeUserProfile",
        f"{_SM}:user-profile/d-abc/alice",
        {},
    ),
    ("get_execution_role (Studio)", "sagemaker:DescribeDomain", f"{_SM}:domain/d-abc", {}),
    ("default_bucket", "s3:ListBucket", _SDK_BUCKET, {}),
    ("default_bucket", "s3:CreateBucket", _SDK_BUCKET, {}),
    ("fit: upload code", "s3:PutObject", f"{_SDK_BUCKET}/{_JOB}/source/sourcedir.tar.gz", {}),
    ("fit: read data", "s3:GetObject", f"arn:aws:s3:::full-use1-input-{ACCOUNT}/train/x.csv", {}),
    ("fit", "iam:PassRole", _ROLE, {"iam:PassedToService": "sagemaker.amazonaws.com"}),
    ("fit", "sagemaker:CreateTrainingJob", f"{_SM}:training-job/{_JOB}", {}),
    ("fit", "sagemaker:DescribeTrainingJob", f"{_SM}:training-job/{_JOB}", {}),
    (
        "fit(logs=True)",
        "logs:DescribeLogStreams",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs",
        {},
    ),
    (
        "fit(logs=True)",
        "logs:GetLogEvents",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs:log-stream:{_JOB}/algo-1",
        {},
    ),
    ("deploy", "sagemaker:CreateModel", f"{_SM}:model/{_JOB}", {}),
    ("deploy", "sagemaker:CreateEndpointConfig", f"{_SM}:endpoint-config/{_JOB}", {}),
    ("deploy", "sagemaker:CreateEndpoint", f"{_SM}:endpoint/{_JOB}", {}),
    ("deploy", "sagemaker:DescribeEndpoint", f"{_SM}:endpoint/{_JOB}", {}),
    ("predict", "sagemaker:InvokeEndpoint", f"{_SM}:endpoint/{_JOB}", {}),
    ("cleanup", "sagemaker:DeleteEndpoint", f"{_SM}:endpoint/{_JOB}", {}),
    ("cleanup", "sagemaker:DeleteEndpointConfig", f"{_SM}:endpoint-config/{_JOB}", {}),
    ("cleanup", "sagemaker:DeleteModel", f"{_SM}:model/{_JOB}", {}),
]


def test_the_notebook_workflow_is_allowed_by_the_execution_role(full_plan: dict[str, Any]) -> None:
    policy = _policy(_by_address(full_plan)["aws_iam_policy.execution"])
    denied = [
        (step, action, resource)
        for step, action, resource, context in NOTEBOOK_WORKFLOW
        if not simulate(policy, action, resource, context)
    ]
    assert denied == [], denied
    # ... and no more than that: the role passes only itself, only to SageMaker, and
    # reaches no bucket outside the stack and the SDK's default one.
    other_role = f"arn:aws:iam::{ACCOUNT}:role/admin"
    assert not simulate(
        policy, "iam:PassRole", other_role, {"iam:PassedToService": "sagemaker.amazonaws.com"}
    )
    assert not simulate(policy, "iam:PassRole", _ROLE, {"iam:PassedToService": "ec2.amazonaws.com"})
    assert not simulate(policy, "s3:GetObject", "arn:aws:s3:::someone-elses-bucket/x")
    assert not simulate(policy, "s3:CreateBucket", "arn:aws:s3:::sagemaker-eu-west-1-999999999999")
    assert not simulate(policy, "sagemaker:DeleteDomain", f"{_SM}:domain/d-abc")


def test_example_tfvars_plan_with_hyperpod_outside_a_vpc(
    workdir: TfWorkdir, lifecycle_scripts: Path
) -> None:
    """The example's values are valid; HyperPod without a VPC shows its whole template."""
    plan = workdir.plan_json(
        f"-var-file={TF_SOURCE / 'terraform.tfvars.example'}",
        *_tfvars(
            {
                "stack_name": "example",
                "create_notebook": True,  # the example leaves it off (it bills)
                "create_hyperpod": True,
                "hyperpod_lifecycle_scripts_dir": str(lifecycle_scripts),
                "hyperpod_login_count": 0,
            }
        ),
    )
    planned = _by_address(plan)
    assert "aws_sagemaker_notebook_instance.this[0]" in planned  # asked for above
    assert not [a for a in planned if "domain" in a or "mlflow" in a or "security_group" in a]
    assert {v["bucket"] for a, v in planned.items() if a.endswith(".aws_s3_bucket.this")} == {
        f"example-use1-{p}-{ACCOUNT}" for p in ("input", "output", "models")
    } | {f"sagemaker-example-use1-hp-{ACCOUNT}"}
    # Without a VPC the notebook needs direct internet access.
    notebook = planned["aws_sagemaker_notebook_instance.this[0]"]
    assert notebook["direct_internet_access"] == "Enabled"

    # HyperPod: the CloudFormation template, the uploaded scripts, the generated parameters.
    stack = planned["aws_cloudformation_stack.hyperpod[0]"]
    template = json.loads(stack["template_body"])
    cluster = template["Resources"]["Cluster"]
    assert cluster["Type"] == "AWS::SageMaker::Cluster"
    assert cluster["Properties"]["ClusterName"] == "example-hyperpod"
    assert "VpcConfig" not in cluster["Properties"]  # HyperPod's own network without one
    assert "Parameters" not in template and not stack.get("parameters")
    groups = {g["InstanceGroupName"]: g for g in cluster["Properties"]["InstanceGroups"]}
    assert list(groups) == ["controller", "compute"]  # hyperpod_login_count = 0
    assert (groups["controller"]["InstanceCount"], groups["compute"]["InstanceCount"]) == (1, 2)
    assert groups["compute"]["InstanceType"] == "ml.g5.8xlarge"
    assert {g["ThreadsPerCore"] for g in groups.values()} == {1}
    assert {g["ExecutionRole"] for g in groups.values()} == {
        f"arn:aws:iam::{ACCOUNT}:role/example-use1-hyperpod-instance"
    }
    assert {json.dumps(g["LifeCycleConfig"], sort_keys=True) for g in groups.values()} == {
        json.dumps(
            {
                "OnCreate": "on_create.sh",
                "SourceS3Uri": f"s3://sagemaker-example-use1-hp-{ACCOUNT}/lifecycle/",
            },
            sort_keys=True,
        )
    }
    assert template["Outputs"]["ClusterArn"]["Value"] == {"Fn::GetAtt": ["Cluster", "ClusterArn"]}
    uploaded = {v["key"] for a, v in planned.items() if a.startswith("aws_s3_object.")}
    assert uploaded == {
        "lifecycle/on_create.sh",
        "lifecycle/utils/motd.txt",
        "lifecycle/provisioning_parameters.json",  # generated; the directory's copy is not sent
    }
    parameters = json.loads(planned["aws_s3_object.hyperpod_provisioning[0]"]["content"])
    assert parameters == {
        "version": "1.0.0",
        "workload_manager": "slurm",
        "controller_group": "controller",
        "worker_groups": [{"instance_group_name": "compute", "partition_name": "compute"}],
    }
    instance_role = planned["aws_iam_role_policy_attachment.hyperpod_managed[0]"]
    assert instance_role["policy_arn"].endswith(":policy/AmazonSageMakerClusterInstanceRolePolicy")


def test_terraform_test_suite(workdir: TfWorkdir) -> None:
    """tf/tests/*.tftest.hcl: every bad value and every missing companion part is refused
    at plan time (mocked provider: fast, and part of the module for its adopters)."""
    runs = sum(
        len(re.findall(r'^run "', path.read_text(), re.M))
        for path in (TF_SOURCE / "tests").glob("*.tftest.hcl")
    )
    assert runs >= 5
    done = workdir.run("test", "-no-color", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Success! {runs} passed, 0 failed." in done.stdout


# --- checkov ------------------------------------------------------------------------------------

# checkov's plan mode cannot link a bucket to its versioning/lifecycle resources when buckets
# are module instances made with for_each, so it reports those two as missing on every
# bucket. They are judged by the directory scan (which links them) and asserted on the plan
# and on moto above; the plan scan is there for what only it can see: the rendered IAM
# policies (templates) and every resource with its real values. (KMS-by-default, CKV_AWS_145,
# is an inline skip on the bucket with its reason, so it is not hidden here.)
PLAN_MODE_BLIND = ("CKV2_AWS_61", "CKV_AWS_21")


def _checkov(*args: str, cwd: Path) -> subprocess.Popen[str]:
    # uv is a locked dev dependency of the project, so it is in this very venv: found the
    # way `.ci/dev.py` installed it, never on PATH (pip's `--user` bin dir often is not).
    command = [sys.executable, "-m", "uv", "tool", "run", "--from", CHECKOV, "checkov", *args]
    command += ["--skip-download", "--quiet", "--compact", "--output", "json"]
    return subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _failures(process: subprocess.Popen[str]) -> tuple[list[str], dict[str, int]]:
    """Failed checks (one line each) and the summary counts of one checkov run."""
    stdout, stderr = process.communicate(timeout=240)
    assert process.returncode in (0, 1), stderr[-2000:]
    reports = json.loads(stdout)
    reports = reports if isinstance(reports, list) else [reports]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']})"
        for report in reports
        for c in report["results"].get("failed_checks", [])
    ]
    totals: dict[str, int] = {}
    for report in reports:
        for key in ("passed", "failed", "skipped", "parsing_errors"):
            totals[key] = totals.get(key, 0) + int(report["summary"][key])
    return failed, totals


def test_checkov_finds_nothing(
    full_plan: dict[str, Any], default_plan: dict[str, Any], tmp_path: Path
) -> None:
    """The directory, the default plan (no KMS key, nothing optional) and the all-on plan."""
    copy = tmp_path / "tf"
    shutil.copytree(TF_SOURCE, copy, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    plans = {"full": full_plan, "default": default_plan}
    for name, plan in plans.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(plan))
    # Every scan at once: each spends most of its time starting up.
    directory = _checkov("-d", "tf", "--framework", "terraform", cwd=tmp_path)
    planned = {
        name: _checkov(
            "-f",
            f"{name}.json",
            "--repo-root-for-plan-enrichment",
            "tf",
            "--framework",
            "terraform_plan",
            "--skip-check",
            ",".join(PLAN_MODE_BLIND),
            cwd=tmp_path,
        )
        for name in plans
    }
    failed, totals = _failures(directory)
    assert failed == [], failed
    assert totals["parsing_errors"] == 0 and totals["passed"] > 50, totals
    assert totals["skipped"] > 0  # the inline skips were read (each with its reason in the source)
    for name, process in planned.items():
        failed, totals = _failures(process)
        assert failed == [], (name, failed)
        assert totals["parsing_errors"] == 0 and totals["passed"] > 60, (name, totals)
        # The bucket's KMS-by-default skip is read from the source in plan mode too.
        assert totals["skipped"] > 0, (name, totals)


def test_every_checkov_skip_has_a_reason() -> None:
    skips = [
        (path.name, line.strip())
        for path in TF_SOURCE.rglob("*.tf")
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips
    for name, line in skips:
        match = re.search(r"checkov:skip=(CKV2?_AWS_\d+):(.+)$", line)
        assert match, f"{name}: {line}"
        assert len(match.group(2).split()) >= 8, f"{name}: give a reason a reviewer accepts"
