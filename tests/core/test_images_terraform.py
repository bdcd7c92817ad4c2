"""The image catalog (offline, from sagemaker-core) and the tf-* commands (real terraform,
a provider-free config, so it runs offline)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from console import images, terraform
from console.errors import ConfigError, ToolMissingError, ValidationError

# --- images -------------------------------------------------------------------------


def test_pytorch_training_images_in_us_east_1() -> None:
    records = images.list_images("pytorch", "us-east-1", "training")

    assert len(records) > 20
    assert all(r.framework == "pytorch" and r.scope == "training" for r in records)
    assert {r.processor for r in records} == {"cpu", "gpu"}
    uris = [r.uri for r in records]
    assert all(".dkr.ecr.us-east-1.amazonaws.com/" in uri for uri in uris)
    assert any(
        uri.startswith("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:")
        for uri in uris
    )
    # Newest first, and a known image is there with its tag.
    newest = records[0]
    assert newest.uri.endswith(f":{newest.version}-{newest.processor}-{newest.py_version}")
    from sagemaker.core import image_uris

    expected = image_uris.retrieve(
        "pytorch",
        "us-east-1",
        version="2.5.1",
        py_version="py311",
        instance_type="ml.g5.xlarge",
        image_scope="training",
    )
    assert expected in uris


def test_images_filters_and_other_shapes() -> None:
    one = images.list_images("pytorch", "eu-west-1", "inference", version="2.5.1")
    assert one and {r.version for r in one} == {"2.5.1"}
    assert all("eu-west-1" in r.uri and "inference" in r.uri for r in one)

    newest_two = images.list_images("xgboost", "us-east-1", latest=2)
    assert len({r.version for r in newest_two}) == 2 and all(r.processor == "" for r in newest_two)

    hf = images.list_images("huggingface", "us-east-1", latest=1)
    assert hf and all(r.base_framework.startswith(("pytorch", "tensorflow")) for r in hf)

    every = images.list_images(None, "us-east-1")
    assert {"pytorch", "xgboost", "tensorflow"} <= {r.framework for r in every}
    assert len({(r.framework, r.version) for r in every}) == len({r.framework for r in every})


def test_images_bad_input() -> None:
    with pytest.raises(ValidationError, match="unknown framework 'pytorc'") as caught:
        images.list_images("pytorc")
    assert caught.value.hint and "pytorch" in caught.value.hint
    with pytest.raises(ValidationError, match="not an AWS region"):
        images.list_images("pytorch", "Mars")
    with pytest.raises(ValidationError, match="scope"):
        images.list_images("pytorch", scope="eia")


def test_images_cli(run_cli: Any) -> None:
    table = run_cli("images", "pytorch", "--latest", "1")
    assert table.exit_code == 0, table.stderr
    assert "pytorch-training:" in table.stdout and "us-east-1" in table.stdout

    as_json = run_cli("images", "sklearn", "--region", "ap-northeast-1", "--json")
    assert as_json.exit_code == 0, as_json.stderr
    rows = as_json.json()
    assert rows and all(".ap-northeast-1." in r["uri"] for r in rows)
    assert set(rows[0]) == {
        "framework",
        "version",
        "py_version",
        "scope",
        "processor",
        "uri",
        "base_framework",
    }

    inference = run_cli("--json", "images", "djl-lmi", "--scope", "inference", "--latest", "1")
    assert inference.exit_code == 0 and inference.json()[0]["scope"] == "inference"


def test_images_cli_region_defaults_to_config(
    run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    result = run_cli("--json", "images", "xgboost", "--latest", "1")
    assert result.exit_code == 0 and ".eu-central-1." in result.json()[0]["uri"]


def test_images_cli_bad_input(run_cli: Any) -> None:
    unknown = run_cli("images", "pytorc")
    assert unknown.exit_code == 2
    first = unknown.stderr.splitlines()[0]
    assert first == "error: unknown framework 'pytorc'"
    assert "pytorch" in unknown.stderr

    nothing = run_cli("images", "djl-lmi", "--scope", "training")
    assert nothing.exit_code == 2 and "no training images of djl-lmi" in nothing.stderr

    region = run_cli("images", "pytorch", "--region", "nowhere")
    scope = run_cli("images", "pytorch", "--scope", "eia")
    assert region.exit_code == 2 and scope.exit_code == 2
    for result in (unknown, nothing, region, scope):
        assert "Traceback" not in result.stderr


# --- terraform ----------------------------------------------------------------------

TF_CONFIG = """
variable "stack_name" {}

output "x" {
  value = "y"
}

output "stack" {
  value = var.stack_name
}

output "secret" {
  value     = "s3cr3t"
  sensitive = true
}

output "nums" {
  value = [1, 2]
}
"""


@pytest.fixture
def tf_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "stack"
    directory.mkdir()
    (directory / "main.tf").write_text(TF_CONFIG)
    monkeypatch.setenv("SMCONSOLE_TERRAFORM_DIR", str(directory))
    empty_cli_config = tmp_path / "empty.tfrc"  # no provider installation settings needed
    empty_cli_config.write_text("")
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(empty_cli_config))
    return directory


def _audit(home: Path) -> list[dict[str, Any]]:
    """The audit's outcome records (the ``intent`` record written before each call is left
    out: every intent here has its outcome after it)."""
    path = home / ".local/state/smconsole/audit.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    return [row for row in rows if row["outcome"] != "intent"]


def _outcomes(home: Path) -> list[tuple[str, str, str]]:
    return [(r["action"], r["target"], r["outcome"]) for r in _audit(home)]


def test_tf_init_plan_apply_output_destroy(
    aws: Any, run_cli: Any, tf_dir: Path, isolated_env: Path
) -> None:
    init = run_cli("tf-init")
    assert init.exit_code == 0, init.stdout + init.stderr
    assert "Terraform has been successfully initialized" in init.stdout

    plan = run_cli("tf-plan", "demo")
    assert plan.exit_code == 0, plan.stdout
    assert 'stack  = "demo"' in plan.stdout or 'stack = "demo"' in plan.stdout
    assert "\x1b[" not in plan.stdout  # -no-color when not on a terminal

    empty = run_cli("tf-output")
    assert empty.exit_code == 0 and "no outputs" in empty.stderr

    apply = run_cli("tf-apply", "demo", "--yes")
    assert apply.exit_code == 0, apply.stdout + apply.stderr
    assert "Apply complete!" in apply.stdout
    assert not list(tf_dir.glob(".smconsole-*.tfplan"))  # the plan file is cleaned up

    as_json = run_cli("tf-output", "--json")
    assert as_json.exit_code == 0, as_json.stderr
    assert as_json.json() == {"x": "y", "stack": "demo", "secret": "s3cr3t", "nums": [1, 2]}
    human = run_cli("tf-output")
    assert human.stdout.splitlines() == [
        "nums = [1, 2]",
        "secret = (sensitive)",
        "stack = demo",
        "x = y",
    ]
    assert terraform.read_outputs(tf_dir)["stack"] == "demo"

    destroy = run_cli("tf-destroy", "demo", "--yes")
    assert destroy.exit_code == 0, destroy.stdout + destroy.stderr
    assert run_cli("tf-output", "--json").json() == {}
    # The emptied workspace is gone too: the stack has no state left anywhere.
    assert not (tf_dir / "terraform.tfstate.d" / "demo").exists()

    assert _outcomes(isolated_env) == [("tf-apply", "demo", "ok"), ("tf-destroy", "demo", "ok")]


def test_tf_stacks_keep_separate_state(
    aws: Any, run_cli: Any, tf_dir: Path, isolated_env: Path
) -> None:
    """One workspace per stack: destroying stack B leaves stack A and its state alone."""
    (tf_dir / "size.tf").write_text(
        'variable "size" {\n  default = "small"\n}\noutput "size" {\n  value = var.size\n}\n'
    )
    (tf_dir / "stacks").mkdir()
    (tf_dir / "stacks" / "beta.tfvars").write_text('size = "large"\n')  # beta's own settings
    for stack in ("alpha", "beta"):
        applied = run_cli("tf-apply", stack, "--yes")
        assert applied.exit_code == 0, applied.stdout + applied.stderr
    assert (tf_dir / "terraform.tfstate.d" / "alpha" / "terraform.tfstate").is_file()
    assert (tf_dir / "terraform.tfstate.d" / "beta" / "terraform.tfstate").is_file()
    assert not (tf_dir / "terraform.tfstate").exists()  # nothing in the shared default

    # Planning beta again changes nothing: its own state already has stack = "beta" and
    # the size from stacks/beta.tfvars.
    again = run_cli("tf-plan", "beta")
    assert again.exit_code == 0 and "No changes" in again.stdout
    assert run_cli("tf-output", "beta", "--json").json()["size"] == "large"

    destroyed = run_cli("tf-destroy", "beta", "--yes")
    assert destroyed.exit_code == 0, destroyed.stdout + destroyed.stderr
    assert 'Deleted workspace "beta"!' in destroyed.stdout

    alpha = run_cli("tf-output", "alpha", "--json")
    assert alpha.exit_code == 0, alpha.stderr
    assert alpha.json()["stack"] == "alpha" and alpha.json()["size"] == "small"
    assert terraform.read_outputs(tf_dir, stack="alpha")["stack"] == "alpha"
    gone = run_cli("tf-output", "beta", "--json")
    assert gone.exit_code == 5 and gone.stderr.startswith(
        "error: no Terraform state for stack beta"
    )
    assert not (tf_dir / "terraform.tfstate.d" / "beta").exists()  # reading created nothing


def test_tf_apply_confirms_and_read_only_refuses(
    aws: Any, run_cli: Any, tf_dir: Path, isolated_env: Path
) -> None:
    no_tty = run_cli("tf-apply", "demo")
    assert no_tty.exit_code == 4 and "pass --yes" in no_tty.stderr
    assert "Changes to Outputs" in no_tty.stdout  # the plan was shown before asking

    read_only = run_cli("--read-only", "tf-destroy", "demo", "--yes")
    assert read_only.exit_code == 3 and "read-only" in read_only.stderr
    assert read_only.stdout == ""  # refused before planning

    # Both refusals are audited (not confirmed; read-only), and nothing was applied.
    assert _outcomes(isolated_env) == [
        ("tf-apply", "demo", "refused"),
        ("tf-destroy", "demo", "refused"),
    ]
    assert not list(tf_dir.glob("**/terraform.tfstate"))
    assert not list(tf_dir.glob(".smconsole-*.tfplan"))


def tree_snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    """Every file, link and directory under ``root``: kind, size and mtime (ns)."""
    shot: dict[str, tuple[str, int, int]] = {}
    for path in [root, *root.rglob("*")]:
        info = path.lstat()
        kind = "link" if path.is_symlink() else "dir" if path.is_dir() else "file"
        size = 0 if kind == "dir" else info.st_size
        shot[str(path.relative_to(root))] = (kind, size, info.st_mtime_ns)
    return shot


def test_tf_previews_change_nothing_in_the_stack_directory(
    aws: Any, run_cli: Any, tf_dir: Path, isolated_env: Path
) -> None:
    """tf-plan, and an apply/destroy refused or not confirmed, leave tf/ as it was:
    no workspace created or selected, no plan file, no file touched."""
    assert run_cli("tf-init").exit_code == 0
    before = tree_snapshot(tf_dir)
    plan = run_cli("tf-plan", "fresh")  # a stack with no workspace yet
    assert plan.exit_code == 0, plan.stdout + plan.stderr
    assert 'stack  = "fresh"' in plan.stdout or 'stack = "fresh"' in plan.stdout
    unconfirmed = run_cli("tf-apply", "fresh")  # no terminal, no --yes: not confirmed
    assert unconfirmed.exit_code == 4 and "Changes to Outputs" in unconfirmed.stdout
    refused = run_cli("--read-only", "tf-apply", "fresh", "--yes")
    assert refused.exit_code == 3
    assert tree_snapshot(tf_dir) == before
    assert not (tf_dir / "terraform.tfstate.d").exists()

    # A stack that exists: previews neither select its workspace nor touch its state.
    assert run_cli("tf-apply", "kept", "--yes").exit_code == 0
    applied = tree_snapshot(tf_dir)
    assert (tf_dir / "terraform.tfstate.d" / "kept" / "terraform.tfstate").is_file()
    (tf_dir / "extra.tf").write_text('output "more" {\n  value = 1\n}\n')
    applied = tree_snapshot(tf_dir)
    again = run_cli("tf-plan", "kept")
    assert again.exit_code == 0 and "more" in again.stdout
    assert run_cli("tf-plan", "other").exit_code == 0
    assert run_cli("tf-destroy", "kept").exit_code == 4  # not confirmed
    assert tree_snapshot(tf_dir) == applied
    assert _outcomes(isolated_env) == [
        ("tf-apply", "fresh", "refused"),  # not confirmed
        ("tf-apply", "fresh", "refused"),  # read-only
        ("tf-apply", "kept", "ok"),
        ("tf-destroy", "kept", "refused"),  # not confirmed
    ]


def test_tf_bad_input(
    run_cli: Any, tf_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_stack = run_cli("tf-plan", "bad stack!")
    assert bad_stack.exit_code == 2 and "stack name" in bad_stack.stderr
    # Stack names become bucket names and workspaces: lower case, 3-32, no "--".
    for name in ("Demo", "ab", "a--b", "x" * 33, "9lives", "demo-"):
        refused = run_cli("tf-apply", name, "--yes")
        assert refused.exit_code == 2, name
        assert refused.stderr.startswith("error: stack name"), refused.stderr
    assert not (tf_dir / "terraform.tfstate.d").exists()  # refused before terraform ran
    bad_output = run_cli("tf-output", "No Such")
    assert bad_output.exit_code == 2 and "stack name" in bad_output.stderr

    (tf_dir / "broken.tf").write_text('output "z" {\n')
    failed = run_cli("tf-plan", "demo")
    assert failed.exit_code == 1
    assert failed.stderr.splitlines()[0] == "error: terraform workspace select failed (exit 1)"
    assert not (tf_dir / "terraform.tfstate.d").exists()  # it failed in the preview's copy
    assert "broken.tf" in failed.stdout  # terraform's own diagnostic was shown
    (tf_dir / "broken.tf").unlink()

    monkeypatch.setenv("SMCONSOLE_TERRAFORM_DIR", str(tmp_path / "missing"))
    missing = run_cli("tf-init")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("SMCONSOLE_TERRAFORM_DIR", str(empty))
    no_tf = run_cli("tf-output")
    assert no_tf.exit_code == 2 and "no Terraform configuration" in no_tf.stderr
    for result in (bad_stack, bad_output, failed, missing, no_tf):
        assert "Traceback" not in result.stderr


def test_tf_without_terraform_or_tofu(
    run_cli: Any, tf_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "")

    result = run_cli("tf-plan", "demo")

    assert result.exit_code == ToolMissingError.exit_code
    assert (
        result.stderr.splitlines()[0]
        == "error: neither terraform nor tofu is installed (or on PATH)"
    )
    assert len(result.stderr.splitlines()) == 2  # the error and one hint
    with pytest.raises(ToolMissingError):
        terraform.find_binary(path="")


def test_find_binary_falls_back_to_tofu(tmp_path: Path) -> None:
    fake = tmp_path / "tofu"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    assert terraform.find_binary(path=str(tmp_path)) == str(fake)
    real = shutil.which("terraform")
    assert real and terraform.find_binary() == real


def test_read_outputs_from_a_file(tmp_path: Path) -> None:
    saved = tmp_path / "outputs.json"
    saved.write_text(
        json.dumps(
            {
                "bucket": {"sensitive": False, "type": "string", "value": "my-bucket"},
                "ids": {"sensitive": False, "type": ["list", "number"], "value": [1, 2]},
            }
        )
    )
    assert terraform.read_outputs(saved) == {"bucket": "my-bucket", "ids": [1, 2]}

    plain = tmp_path / "plain.json"
    plain.write_text('{"role_arn": "arn:aws:iam::123456789012:role/x"}')
    assert terraform.read_outputs(plain) == {"role_arn": "arn:aws:iam::123456789012:role/x"}

    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    with pytest.raises(ValidationError, match="JSON object"):
        terraform.read_outputs(bad)
    bad.write_text("{nope")
    with pytest.raises(ValidationError, match="not valid JSON"):
        terraform.read_outputs(bad)
    with pytest.raises(ConfigError, match="do not exist"):
        terraform.read_outputs(tmp_path / "absent.json")


def test_default_dir_is_the_shipped_tf_directory() -> None:
    import console

    shipped = Path(console.__file__).resolve().parent.parent / "tf"
    assert terraform.default_dir() == (shipped if shipped.is_dir() else Path.cwd() / "tf")


# --- defaults from the stack's outputs (console/tf_defaults.py) ----------------------------

STACK_OUTPUTS = {
    "stack_name": {"sensitive": False, "type": "string", "value": "prod"},
    "region": {"sensitive": False, "type": "string", "value": "eu-west-1"},
    "execution_role_arn": {
        "sensitive": False,
        "type": "string",
        "value": "arn:aws:iam::123456789012:role/prod-sagemaker-execution",
    },
    "input_bucket": {"sensitive": False, "type": "string", "value": "prod-input-123456789012"},
    "output_bucket": {"sensitive": False, "type": "string", "value": "prod-output-123456789012"},
    "models_bucket": {"sensitive": False, "type": "string", "value": "prod-models-123456789012"},
    "tracking_server_arn": {
        "sensitive": False,
        "type": "string",
        "value": "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/prod-mlflow",
    },
    "cluster_name": {"sensitive": False, "type": "string", "value": "prod-hyperpod"},
    "bucket_arns": {"sensitive": False, "type": ["map", "string"], "value": {"input": "arn"}},
}


def test_defaults_from_a_saved_outputs_file_fill_only_empty_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.config import load_config
    from console.tf_defaults import apply_defaults, describe, load_defaults

    saved = tmp_path / "outputs.json"
    saved.write_text(json.dumps(STACK_OUTPUTS))
    monkeypatch.setenv("SMCONSOLE_TERRAFORM_OUTPUTS_FILE", str(saved))
    monkeypatch.setenv("SMCONSOLE_BUCKETS_MODELS", "my-own-models")  # set: must win
    monkeypatch.delenv("AWS_REGION")
    config = load_config()

    defaults = load_defaults(config)
    assert defaults is not None and defaults.source == str(saved)
    applied = apply_defaults(config, defaults)

    assert config.execution_role_arn == "arn:aws:iam::123456789012:role/prod-sagemaker-execution"
    assert (config.buckets.input, config.buckets.output) == (
        "prod-input-123456789012",
        "prod-output-123456789012",
    )
    assert config.buckets.models == "my-own-models"
    assert config.mlflow_tracking_uri.endswith(":mlflow-tracking-server/prod-mlflow")
    assert config.ssh.cluster == "prod-hyperpod" and config.region == "eu-west-1"
    assert applied.applied == (
        "execution_role_arn",
        "buckets.input",
        "buckets.output",
        "mlflow_tracking_uri",
        "ssh.cluster",
        "region",
    )
    assert describe(applied) == (
        "from Terraform (prod): execution_role_arn, buckets.input, buckets.output, "
        "mlflow_tracking_uri, ssh.cluster, region"
    )
    assert applied.to_dict()["cluster_name"] == "prod-hyperpod"


def test_defaults_from_terraform_output_in_the_stack_dir(
    aws: Any, run_cli: Any, tf_dir: Path, isolated_env: Path
) -> None:
    from console.config import load_config
    from console.tf_defaults import load_defaults, safe_load

    (tf_dir / "main.tf").write_text(
        'variable "stack_name" {}\n'
        'output "stack_name" {\n  value = var.stack_name\n}\n'
        'output "execution_role_arn" {\n'
        '  value = "arn:aws:iam::123456789012:role/${var.stack_name}-sagemaker-execution"\n}\n'
        'output "tracking_server_arn" {\n  value = null\n}\n'
    )
    assert load_defaults(load_config()) is None  # no state yet: nothing to offer
    assert run_cli("tf-apply", "qa-1", "--yes").exit_code == 0

    defaults = load_defaults(load_config(), stack="qa-1")
    assert defaults is not None
    assert defaults.execution_role_arn == "arn:aws:iam::123456789012:role/qa-1-sagemaker-execution"
    assert defaults.tracking_server_arn == ""  # a part switched off (null) offers nothing
    assert defaults.source == f"terraform output in {tf_dir} (stack qa-1)"
    assert load_defaults(load_config(), stack="other") is None  # never applied
    assert safe_load(load_config(), stack="qa-1")[0] == defaults

    # The console picks the only stack with local state by itself, and caches its outputs
    # until the state changes (a CLI command must not pay for `terraform output` each time).
    from console.tf_defaults import local_stacks, prepare

    config = load_config()
    assert list(local_stacks(config)) == ["qa-1"]
    status = prepare(config)
    assert config.execution_role_arn.endswith(":role/qa-1-sagemaker-execution")
    assert status.describe() == "from Terraform (qa-1): execution_role_arn"
    monkeypatch_path = os.environ["PATH"]
    os.environ["PATH"] = ""  # no terraform now: the cache answers
    try:
        again = load_config()
        assert prepare(again).defaults is not None
        assert again.execution_role_arn == config.execution_role_arn
    finally:
        os.environ["PATH"] = monkeypatch_path
    result = run_cli("--json", "training-list")  # any command: the stack's role is picked up
    assert result.exit_code == 0 and "warning" not in result.stderr

    assert run_cli("tf-apply", "qa-2", "--yes").exit_code == 0
    several = prepare(load_config())
    assert several.defaults is None and "several stacks (qa-1, qa-2)" in several.error
    assert prepare(load_config(overrides={"terraform_stack": "qa-2"})).defaults is not None


def test_defaults_when_there_is_nothing_to_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from console.config import load_config
    from console.tf_defaults import describe, load_defaults, safe_load

    monkeypatch.setenv("SMCONSOLE_TERRAFORM_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match="does not exist"):  # a directory named must exist
        load_defaults(load_config())
    defaults, error = safe_load(load_config())
    assert defaults is None and "terraform directory" in error and "does not exist" in error

    monkeypatch.delenv("SMCONSOLE_TERRAFORM_DIR")
    monkeypatch.setenv("PATH", "")  # no terraform: no defaults, no error
    monkeypatch.setattr("console.terraform.default_dir", lambda: tmp_path)
    (tmp_path / "main.tf").write_text("")
    assert load_defaults(load_config()) is None
    assert describe(None) == "no Terraform stack found (tf-apply STACK creates one)"

    monkeypatch.setenv("SMCONSOLE_TERRAFORM_OUTPUTS_FILE", str(tmp_path / "gone.json"))
    with pytest.raises(ConfigError, match=r"terraform_outputs_file .* does not exist"):
        load_defaults(load_config())
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    monkeypatch.setenv("SMCONSOLE_TERRAFORM_OUTPUTS_FILE", str(broken))
    defaults, error = safe_load(load_config())
    assert defaults is None and error.startswith("terraform outputs are not valid JSON")


def test_tf_previews_of_the_real_module_change_nothing(
    aws: Any, run_cli: Any, tmp_path: Path, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The shipped tf/ (real AWS provider from the mirror, against moto): tf-plan and an
    unconfirmed tf-apply leave the initialised directory exactly as it was."""
    from tests.support.terraform import make_workdir

    # As shipped: no provider block in tf/ (the console adds one to its working copy only).
    work = make_workdir(tmp_path / "tf", aws.url, provider_file=False)
    for name, value in work.env().items():
        if name.startswith(("TF_", "CHECKPOINT")):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("SMCONSOLE_TERRAFORM_DIR", str(work.directory))
    before = tree_snapshot(work.directory)
    plan = run_cli("tf-plan", "preview")
    assert plan.exit_code == 0, plan.stdout[-3000:] + plan.stderr
    assert "aws_s3_bucket" in plan.stdout
    unconfirmed = run_cli("tf-apply", "preview")
    assert unconfirmed.exit_code == 4, unconfirmed.stdout[-3000:] + unconfirmed.stderr
    assert tree_snapshot(work.directory) == before
    assert _outcomes(isolated_env) == [("tf-apply", "preview", "refused")]  # not confirmed


def test_a_provider_file_only_where_the_aws_provider_is_used_and_not_configured(
    tmp_path: Path,
) -> None:
    """tf/ is a module without a provider block: the console's working copy gets one. A
    root with its own provider block (an example), or one without AWS, is left alone."""
    shipped = terraform.default_dir()
    assert terraform.needs_provider_file(shipped)
    assert not terraform.needs_provider_file(shipped / "examples" / "minimal")

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "main.tf").write_text(TF_CONFIG)
    assert not terraform.needs_provider_file(plain)  # no AWS at all: no provider to add

    module = tmp_path / "module"
    module.mkdir()
    (module / "main.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    # An override file merges into a provider block; it configures none by itself.
    (module / "moto_override.tf").write_text('provider "aws" {\n  region = "eu-west-1"\n}\n')
    assert terraform.needs_provider_file(module)
    assert terraform.add_provider_file(module)
    written = (module / terraform.PROVIDER_FILE).read_text()
    assert 'provider "aws" {' in written and 'variable "region" {' in written
    assert not terraform.needs_provider_file(module)  # once is enough
    assert not terraform.add_provider_file(module)

    as_json = tmp_path / "json"
    as_json.mkdir()
    (as_json / "main.tf").write_text('data "aws_region" "here" {}\n')
    (as_json / "provider.tf.json").write_text(json.dumps({"provider": {"aws": {"region": "x"}}}))
    assert not terraform.needs_provider_file(as_json)
