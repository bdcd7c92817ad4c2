"""The entry point: help grouped like the seed, version, errors as one line, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

import console
from console.cli.root import SECTIONS

ROOT = Path(__file__).resolve().parents[3]

SEED_COMMANDS = [
    "tf-init",
    "tf-plan",
    "tf-apply",
    "tf-destroy",
    "tf-output",
    "training-create",
    "training-list",
    "training-describe",
    "training-stop",
    "training-logs",
    "processing-create",
    "processing-list",
    "processing-describe",
    "processing-stop",
    "notebook-create",
    "notebook-list",
    "notebook-describe",
    "notebook-start",
    "notebook-stop",
    "notebook-delete",
    "notebook-url",
    "model-create",
    "model-list",
    "model-describe",
    "model-delete",
    "endpoint-config-create",
    "endpoint-config-list",
    "endpoint-config-delete",
    "endpoint-create",
    "endpoint-list",
    "endpoint-describe",
    "endpoint-update",
    "endpoint-delete",
    "endpoint-invoke",
    "experiment-create",
    "experiment-list",
    "experiment-describe",
    "experiment-delete",
    "trial-create",
    "trial-list",
    "trial-delete",
    "model-package-group-create",
    "model-package-group-list",
    "model-package-group-delete",
    "model-package-list",
    "role-create",
    "role-delete",
    "role-list",
    "status",
    "images",
]


def test_every_seed_command_is_listed_in_help(run_cli) -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    missing = [name for name in SEED_COMMANDS if f"  {name} " not in result.stdout + " "]
    assert missing == []


def test_help_is_grouped_in_section_order(run_cli) -> None:
    out = run_cli("--help").stdout
    headings = [
        line.rstrip(":")
        for line in out.splitlines()
        if line.endswith(":") and not line.startswith(" ")
    ]
    known = [h for h in headings if h in SECTIONS]
    assert known == sorted(known, key=SECTIONS.index)
    assert {"Training jobs", "Endpoints", "Model registry", "Terraform"} <= set(known)


def test_version(run_cli) -> None:
    result = run_cli("--version")
    assert result.exit_code == 0
    assert console.__version__ in result.stdout


def test_unknown_command_is_usage_error(run_cli) -> None:
    result = run_cli("trainng-list")
    assert result.exit_code == 2
    assert "No such command" in result.stderr


@pytest.mark.parametrize(
    ("args", "error", "hint"),
    [
        (("trainng-list",), "No such command 'trainng-list'", "`smconsole --help` lists every"),
        (("--region",), "'--region' requires an argument", "`smconsole --help` lists every"),
        (
            ("training-create", "only-a-name"),
            "Missing argument 'IMAGE'",
            "usage: smconsole training-create [OPTIONS] NAME IMAGE S3_IN S3_OUT; "
            "`smconsole training-create --help` lists every option",
        ),
        (("training-list", "--stat", "Failed"), "Did you mean '--status'?", "training-list --help"),
        (("training-list", "--status", "Bogus"), "'Bogus' is not one of", "training-list --help"),
    ],
)
def test_usage_errors_are_one_error_and_one_hint(
    run_cli, args: tuple[str, ...], error: str, hint: str
) -> None:
    """Issue 15 walkthrough: Click's own usage errors printed `Usage: …`, `Try …` and
    `Error: …` (three lines, capital E), unlike every other error's `error:` + `hint:`."""
    result = run_cli(*args)
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("error: ") and error in lines[0]
    assert lines[1].startswith("hint: ") and hint in lines[1]


def test_a_refused_enum_value_lists_the_values_as_aws_spells_them(run_cli, aws) -> None:
    """Issue 15: `--status Bogus` listed 'inprogress', 'completed'... (click's folded
    forms); the values are AWS's, as the API, the tables and --json spell them. Typing
    them in any case still works."""
    result = run_cli("training-list", "--status", "Bogus")
    assert result.exit_code == 2
    assert "is not one of InProgress, Completed, Failed, Stopping, Stopped" in result.stderr
    assert "inprogress" not in result.stderr
    assert run_cli("training-list", "--status", "inprogress").exit_code == 0


def test_every_enum_option_keeps_aws_spelling() -> None:
    """Every choice of every command: case-insensitive ones are AwsChoice (the one place
    the refusal is worded), and each refusal names the values exactly as declared."""
    from console.cli.main import load_commands
    from console.cli.root import AwsChoice

    seen = 0
    for name, command in load_commands().commands.items():
        for param in command.params:
            kind = param.type
            if not isinstance(kind, click.Choice):
                continue
            seen += 1
            assert kind.case_sensitive or isinstance(kind, AwsChoice), (name, param.name)
            message = kind.get_invalid_choice_message("bogus", None)
            assert all(str(choice) in message for choice in kind.choices), (name, message)
    assert seen >= 5


def test_grouped_alias(run_cli, aws) -> None:
    assert run_cli("training", "list").exit_code == 0


def test_read_command_json_shape(run_cli, aws) -> None:
    sm = aws.client("sagemaker")
    sm.create_training_job(
        TrainingJobName="j-1",
        AlgorithmSpecification={"TrainingImage": "img:1", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/sm",
        OutputDataConfig={"S3OutputPath": "s3://out/x"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )
    both = [run_cli("--json", "training-list"), run_cli("training-list", "--json")]
    for result in both:
        assert result.exit_code == 0
        (row,) = result.json()
        assert row["name"] == "j-1"
        assert row["created"].endswith("+00:00")  # ISO 8601 with zone


def test_no_traceback_as_real_process(tmp_path: Path) -> None:
    """The installed console script itself: bad input -> one line, exit 2, no traceback."""
    exe = Path(sys.executable).parent / "smconsole"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "y",
        "AWS_REGION": "us-east-1",
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "XDG_STATE_HOME": str(tmp_path / "s"),
    }
    result = subprocess.run(
        [str(exe), "training-describe", "not_valid!"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "error: training job name 'not_valid!' is not a valid SageMaker name"
    )
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # error + hint


def test_no_arguments_without_terminal_is_one_line(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "smconsole"
    result = subprocess.run(
        [str(exe)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: the full-screen console needs a terminal")
    assert "Traceback" not in result.stderr


def test_unreachable_endpoint_exit_code(run_cli, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    result = run_cli("training-list")
    assert result.exit_code == 8
    assert result.stderr.startswith("error: could not connect")
