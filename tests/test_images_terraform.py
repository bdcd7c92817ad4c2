"""The image catalog (offline, from sagemaker-core) and the tf-* commands (real terraform,
a provider-free config, so it runs offline)."""

from __future__ import annotations

import json
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
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(tmp_path / "no.tfrc"))
    return directory


def _audit(home: Path) -> list[dict[str, Any]]:
    path = home / ".local/state/smconsole/audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


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

    audit = [(r["action"], r["target"], r["outcome"]) for r in _audit(isolated_env)]
    assert audit == [("tf-apply", "demo", "ok"), ("tf-destroy", "demo", "ok")]


def test_tf_apply_confirms_and_read_only_refuses(
    aws: Any, run_cli: Any, tf_dir: Path, isolated_env: Path
) -> None:
    no_tty = run_cli("tf-apply", "demo")
    assert no_tty.exit_code == 4 and "pass --yes" in no_tty.stderr
    assert "Changes to Outputs" in no_tty.stdout  # the plan was shown before asking

    read_only = run_cli("--read-only", "tf-destroy", "demo", "--yes")
    assert read_only.exit_code == 3 and "read-only" in read_only.stderr
    assert read_only.stdout == ""  # refused before planning

    assert _audit(isolated_env) == []
    assert not (tf_dir / "terraform.tfstate").exists()
    assert not list(tf_dir.glob(".smconsole-*.tfplan"))


def test_tf_bad_input(
    run_cli: Any, tf_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_stack = run_cli("tf-plan", "bad stack!")
    assert bad_stack.exit_code == 2 and "stack name" in bad_stack.stderr

    (tf_dir / "broken.tf").write_text('output "z" {\n')
    failed = run_cli("tf-plan", "demo")
    assert failed.exit_code == 1
    assert failed.stderr.splitlines()[0] == "error: terraform plan failed (exit 1)"
    (tf_dir / "broken.tf").unlink()

    monkeypatch.setenv("SMCONSOLE_TERRAFORM_DIR", str(tmp_path / "missing"))
    missing = run_cli("tf-init")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("SMCONSOLE_TERRAFORM_DIR", str(empty))
    no_tf = run_cli("tf-output")
    assert no_tf.exit_code == 2 and "no Terraform configuration" in no_tf.stderr
    for result in (bad_stack, failed, missing, no_tf):
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
