"""Run the real ``terraform`` on a copy of ``tf/`` against the test moto server, offline.

The AWS provider comes from a filesystem mirror (``/opt/tf-plugins`` on these machines), so
``terraform init`` needs no network. tf/ configures no provider (it is a module): the copy
gets the provider file smconsole itself adds when it runs tf/ (console/terraform.py), and
a ``moto_override.tf`` that points the provider's endpoints at moto with fake credentials
(an override file merges into that ``provider "aws"`` block, or into an example's own), so
``tf/`` itself stays exactly what operators apply.

Machines without Terraform or the mirror skip these tests with the reason; with ``CI`` set
(CI sets ``CI=true``) the skip becomes a failure, so CI can never pass by skipping them.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TF_SOURCE = ROOT / "tf"
PROVIDER = "registry.terraform.io/hashicorp/aws"
# Where these machines keep the AWS provider; another mirror can be named with the variable.
MIRROR = Path(os.environ.get("SMCONSOLE_TF_MIRROR", "/opt/tf-plugins"))
# What the moto override points at moto; every service tf/ touches must be listed.
MOTO_SERVICES = (
    "s3",
    "iam",
    "sts",
    "sagemaker",
    "logs",
    "ec2",
    "cloudformation",
    "kms",
    "fsx",
    "sns",
    "sqs",
    "events",
)
# Files of a working copy that must not be copied into the test's own copy.
_NOT_COPIED = (
    ".terraform",
    "terraform.tfstate*",
    ".terraform.lock.hcl",
    "*_override.tf",
    "*.tfplan",
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    """Skip with ``reason``; in CI, fail instead (a skipped check proves nothing there)."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: this must run in CI)")
    pytest.skip(f"{reason} (set CI=true to make this a failure)")


def require_terraform() -> str:
    """The terraform binary, when it and the provider mirror are present; else skip/fail."""
    binary = shutil.which("terraform")
    if binary is None:
        skip_or_fail("terraform is not installed: the tf/ checks run the real terraform")
    assert binary is not None
    if not (MIRROR / PROVIDER).is_dir():
        skip_or_fail(f"no AWS provider mirror at {MIRROR}: terraform init needs it offline")
    return binary


def write_cli_config(path: Path) -> Path:
    """A CLI config that installs the AWS provider from the mirror and nothing from the net."""
    path.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{MIRROR}"\n'
        f'    include = ["{PROVIDER}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{PROVIDER}"]\n'
        "  }\n"
        "}\n"
    )
    return path


def moto_override(url: str) -> str:
    """The provider settings that send every call of tf/ to the moto server at ``url``."""
    endpoints = "\n".join(f'    {name} = "{url}"' for name in MOTO_SERVICES)
    return (
        'provider "aws" {\n'
        '  access_key                  = "testing"\n'
        '  secret_key                  = "testing"\n'
        "  skip_credentials_validation = true\n"
        "  skip_metadata_api_check     = true\n"
        "  skip_requesting_account_id  = true\n"
        "  s3_use_path_style           = true\n"
        "  endpoints {\n"
        f"{endpoints}\n"
        "  }\n"
        "}\n"
    )


@dataclass
class TfWorkdir:
    """An initialised copy of tf/ wired to one moto server."""

    directory: Path
    cli_config: Path
    moto_url: str
    binary: str

    def env(self) -> dict[str, str]:
        """The environment terraform (and smconsole's tf-* commands) must run with."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_"))}
        env.update(
            TF_CLI_CONFIG_FILE=str(self.cli_config),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",  # no version check call home
            # A safety net: any client outside the override still lands on moto.
            AWS_ENDPOINT_URL=self.moto_url,
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_EC2_METADATA_DISABLED="true",
        )
        # Each terraform command starts the AWS provider several times, and each start
        # spends seconds of CPU building its schema, much of it in Go's garbage collector:
        # a larger GC target cuts that CPU by about 30% for ~25% more memory.
        env.setdefault("GOGC", "400")
        return env

    def run(
        self, *args: str, timeout: float = 240, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``terraform ARGS`` in the copy; a failure shows terraform's whole output."""
        done = subprocess.run(
            [self.binary, *args],
            cwd=self.directory,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            command = " ".join(args)
            raise AssertionError(
                f"terraform {command} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            )
        return done

    def plan_json(self, *args: str) -> dict[str, Any]:
        """Plan (no refresh of existing state) and return ``terraform show -json`` of it."""
        plan = self.directory / "check.tfplan"
        self.run("plan", "-no-color", "-input=false", f"-out={plan}", *args)
        shown = self.run("show", "-json", str(plan))
        plan.unlink()
        result: dict[str, Any] = json.loads(shown.stdout)
        return result


def make_workdir(
    destination: Path,
    moto_url: str,
    *,
    init: bool = True,
    provider_file: bool = True,
    example: str = "",
) -> TfWorkdir:
    """Copy tf/ to ``destination``, add the moto override and run ``terraform init``.

    ``provider_file``: add the provider file smconsole adds to its own working copies
    (False: leave that to the console under test). ``example``: work in
    ``examples/EXAMPLE`` of the copy (a root module with its own provider block).
    """
    binary = require_terraform()
    shutil.copytree(TF_SOURCE, destination, ignore=shutil.ignore_patterns(*_NOT_COPIED))
    cli_config = write_cli_config(destination.parent / f"{destination.name}.tfrc")
    directory = destination / "examples" / example if example else destination
    if not directory.is_dir():
        raise AssertionError(f"no example {example} in tf/examples")
    if provider_file and not example:
        from console.terraform import add_provider_file

        assert add_provider_file(directory), "tf/ configures a provider itself"
    (directory / "moto_override.tf").write_text(moto_override(moto_url))
    workdir = TfWorkdir(directory, cli_config, moto_url, binary)
    if init:
        workdir.run("init", "-no-color", "-input=false")
    return workdir


# --- what moto 5.2.5 lacks for the AWS provider ------------------------------------------
# The provider reads back every resource it creates and waits on states; three answers of
# moto's SageMaker backend differ from AWS in ways that break that (each patched below,
# in-process: the test moto server runs in the test process). Nothing else is patched.


def patch_moto_for_terraform(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core.responses import ActionResult
    from moto.sagemaker.exceptions import ResourceNotFound
    from moto.sagemaker.models import SageMakerModelBackend
    from moto.sagemaker.responses import SageMakerResponse

    create_domain = SageMakerResponse.create_domain

    def create_domain_with_id(self: Any) -> Any:
        # AWS answers CreateDomain with DomainId too; the provider waits on that id.
        result: Any = create_domain(self)
        arn = str(result.result["DomainArn"])
        return ActionResult({**result.result, "DomainId": arn.rsplit("/", 1)[1]})

    describe_domain = SageMakerModelBackend.describe_domain

    def describe_domain_not_found(self: Any, domain_id: str) -> Any:
        # AWS says ResourceNotFound for a deleted domain (moto: ValidationException), which
        # is what the provider's delete waiter waits for.
        if domain_id not in self.domains:
            raise ResourceNotFound(f"Domain {domain_id} does not exist")
        return describe_domain(self, domain_id)

    resource_from_arn = SageMakerModelBackend._get_resource_from_arn

    def resource_with_lifecycle_configs(self: Any, arn: str) -> Any:
        # Notebook lifecycle configs are taggable in AWS; moto's ListTags answers 500 for
        # them, which the provider retries for minutes.
        kind, _, name = arn.rsplit(":", maxsplit=1)[-1].partition("/")
        if kind == "notebook-instance-lifecycle-config":
            config = self.notebook_instance_lifecycle_configurations[name]
            if not hasattr(config, "tags"):
                config.tags = []
            return config
        return resource_from_arn(self, arn)

    monkeypatch.setattr(SageMakerResponse, "create_domain", create_domain_with_id)
    monkeypatch.setattr(SageMakerModelBackend, "describe_domain", describe_domain_not_found)
    monkeypatch.setattr(
        SageMakerModelBackend, "_get_resource_from_arn", resource_with_lifecycle_configs
    )


def computed_once(factory: pytest.TempPathFactory, name: str, produce: Callable[[], str]) -> str:
    """``produce()`` once per test session, shared by the xdist workers (a plan costs
    seconds of CPU; two workers making the same one would only compete for the cores)."""
    base = factory.getbasetemp()
    # Under xdist each worker's base is a child of the session's directory.
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    result, lock = root / name, root / f"{name}.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not result.exists():
            result.write_text(produce())
        return result.read_text()


def resources(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every planned resource of a ``terraform show -json`` plan, child modules included."""

    def walk(module: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield from module.get("resources", [])
        for child in module.get("child_modules", []):
            yield from walk(child)

    yield from walk(plan["planned_values"]["root_module"])


# --- tf/README.md: the input and output tables, generated from the .tf files ------------
# `python -m tests.support.terraform` rewrites them; tests/core/test_tf_module.py fails when the
# README differs from what this generates (python-hcl2 is a dev dependency: no other tool).

README = TF_SOURCE / "README.md"
_BEGIN = "<!-- BEGIN GENERATED {name}: python -m tests.support.terraform -->"
_END = "<!-- END GENERATED {name} -->"


def _parse_blocks(path: Path, kind: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """``kind "name" {...}`` blocks in file order: (name, raw body, body with plain strings).

    The raw body keeps string quotes, so a default of ``""`` and one of ``0`` stay apart."""
    import hcl2

    def load(strip: bool) -> dict[str, Any]:
        options = hcl2.SerializationOptions(strip_string_quotes=strip, explicit_blocks=False)
        parsed: dict[str, Any] = hcl2.loads(path.read_text(), serialization_options=options)
        return parsed

    raw, plain = load(False), load(True)
    return [
        (name, body, plain_body)
        for block, plain_block in zip(raw.get(kind, []), plain.get(kind, []), strict=True)
        for body, (name, plain_body) in zip(block.values(), plain_block.items(), strict=True)
    ]


def _hcl(value: Any) -> str:
    """A default value as HCL (strings arrive still quoted from the raw parse)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{k} = {_hcl(v)}" for k, v in value.items()) + " }"
    return str(value)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _type(expression: str) -> str:
    text = str(expression)
    return text[2:-1] if text.startswith("${") and text.endswith("}") else text


def inputs_table() -> str:
    rows = ["| Name | Type | Default | Description |", "|---|---|---|---|"]
    for name, raw, plain in _parse_blocks(TF_SOURCE / "variables.tf", "variable"):
        default = f"`{_hcl(raw['default'])}`" if "default" in raw else "required"
        rows.append(
            f"| `{name}` | `{_cell(_type(plain['type']))}` | {_cell(default)} "
            f"| {_cell(plain['description'])} |"
        )
    return "\n".join(rows)


def outputs_table() -> str:
    rows = ["| Name | Description |", "|---|---|"]
    for name, _raw, plain in _parse_blocks(TF_SOURCE / "outputs.tf", "output"):
        rows.append(f"| `{name}` | {_cell(plain['description'])} |")
    return "\n".join(rows)


def generated_readme(text: str) -> str:
    """``text`` (the README) with both generated tables replaced by fresh ones."""
    for name, table in (("inputs", inputs_table()), ("outputs", outputs_table())):
        begin, end = _BEGIN.format(name=name), _END.format(name=name)
        head, found, rest = text.partition(begin)
        if not found or end not in rest:
            raise ValueError(f"README.md has no {begin} ... {end} section")
        text = f"{head}{begin}\n{table}\n{end}{rest.split(end, 1)[1]}"
    return text


if __name__ == "__main__":
    README.write_text(generated_readme(README.read_text()))
    print(f"wrote the input and output tables of {README}")
