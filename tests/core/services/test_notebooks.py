"""Notebook instances: service and CLI over a real moto server."""

from __future__ import annotations

from typing import Any

import pytest

from console.errors import ConflictError, NotFoundError, NotSupportedError, ValidationError
from console.services.notebooks import NotebooksService, console_url
from tests.support.helpers import audit_records, context
from tests.support.moto_server import MotoServer

ROLE = "arn:aws:iam::123456789012:role/NotebookRole"


def make_notebook(aws: MotoServer, name: str = "research", stopped: bool = False) -> None:
    aws.client("sagemaker").create_notebook_instance(
        NotebookInstanceName=name, InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    if stopped:
        aws.client("sagemaker").stop_notebook_instance(NotebookInstanceName=name)


def status_of(aws: MotoServer, name: str = "research") -> str:
    return str(
        aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName=name)[
            "NotebookInstanceStatus"
        ]
    )


def assert_one_line_error(result: Any, exit_code: int | None = None) -> None:
    assert result.exit_code != 0, result.stdout
    if exit_code is not None:
        assert result.exit_code == exit_code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("error: "), result.stderr
    assert len(lines) <= 2
    if len(lines) == 2:
        assert lines[1].startswith("hint: ")


@pytest.fixture
def moto_presigned_url(monkeypatch: pytest.MonkeyPatch) -> None:
    """Teach the in-process moto server CreatePresignedNotebookInstanceUrl."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    def create_presigned_notebook_instance_url(self: Any) -> ActionResult:
        name = self._get_param("NotebookInstanceName")
        notebook = self.sagemaker_backend.get_notebook_instance(name)
        return ActionResult({"AuthorizedUrl": f"https://{notebook.url}?authToken=abc"})

    monkeypatch.setattr(
        SageMakerResponse,
        "create_presigned_notebook_instance_url",
        create_presigned_notebook_instance_url,
        raising=False,
    )


# --- service ------------------------------------------------------------------------
def test_create_and_describe_notebook(aws: MotoServer) -> None:
    service = context().notebooks
    assert isinstance(service, NotebooksService)
    arn = service.create_notebook("research", ROLE, instance_type="ml.t3.large", volume_gb=20)
    notebook = service.describe_notebook("research")
    raw = aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName="research")
    assert arn == notebook.arn == raw["NotebookInstanceArn"]
    assert notebook.status == raw["NotebookInstanceStatus"]
    assert (notebook.instance_type, notebook.volume_gb, notebook.role_arn) == (
        "ml.t3.large",
        20,
        ROLE,
    )
    (record,) = audit_records()
    assert (record["action"], record["target"], record["outcome"]) == (
        "notebook-create",
        "research",
        "ok",
    )
    assert record["params"]["InstanceType"] == "ml.t3.large"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "bad name"}, "notebook instance name"),
        ({"role_arn": ""}, "no execution role"),
        ({"role_arn": "arn:aws:iam::123456789012:user/bob"}, "not an IAM role"),
        ({"instance_type": "t3.medium"}, "instance type"),
        ({"volume_gb": 2}, "at least 5"),
    ],
)
def test_create_notebook_refuses_bad_input(
    aws: MotoServer, kwargs: dict[str, Any], message: str
) -> None:
    args: dict[str, Any] = {"name": "research", "role_arn": ROLE}
    args.update(kwargs)
    name, role = args.pop("name"), args.pop("role_arn")
    with pytest.raises(ValidationError, match=message):
        context().notebooks.create_notebook(name, role, **args)
    assert aws.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []
    assert audit_records() == []


def test_missing_notebook_is_not_found(aws: MotoServer) -> None:
    service = context().notebooks
    with pytest.raises(NotFoundError, match="research"):
        service.describe_notebook("research")
    with pytest.raises(NotFoundError):
        service.stop_notebook("research")
    (record,) = audit_records()
    assert (record["action"], record["outcome"]) == ("notebook-stop", "error")


def test_start_stop_delete(aws: MotoServer) -> None:
    make_notebook(aws)
    service = context().notebooks
    with pytest.raises(ConflictError, match="is InService") as refused:
        service.delete_notebook("research")
    assert refused.value.hint is not None
    assert "notebook-stop research" in refused.value.hint
    service.stop_notebook("research")
    assert status_of(aws) == "Stopped"
    service.start_notebook("research")
    assert status_of(aws) == "InService"
    service.stop_notebook("research")
    service.delete_notebook("research")
    assert aws.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []
    assert [r["action"] for r in audit_records()] == [
        "notebook-stop",
        "notebook-start",
        "notebook-stop",
        "notebook-delete",
    ]


def test_list_notebooks_filters(aws: MotoServer) -> None:
    make_notebook(aws, "research")
    make_notebook(aws, "scratch", stopped=True)
    service = context().notebooks
    assert sorted(n.name for n in service.list_notebooks()) == ["research", "scratch"]
    assert [n.name for n in service.list_notebooks(status="stopped")] == ["scratch"]
    assert [n.name for n in service.list_notebooks(name_contains="res")] == ["research"]
    with pytest.raises(ValidationError, match="unknown notebook instance status"):
        list(service.list_notebooks(status="Running"))


def test_presigned_url_not_supported_on_moto_and_not_gated(aws: MotoServer) -> None:
    make_notebook(aws)
    with pytest.raises(NotSupportedError):
        context().notebooks.presigned_url("research")
    assert audit_records() == []


def test_presigned_url_session_bounds(aws: MotoServer) -> None:
    with pytest.raises(ValidationError, match="1800-43200"):
        context().notebooks.presigned_url("research", session_seconds=60)


def test_console_url() -> None:
    assert console_url("eu-west-1", "research") == (
        "https://eu-west-1.console.aws.amazon.com/sagemaker/home?region=eu-west-1"
        "#/notebook-instances/research"
    )


# --- CLI ----------------------------------------------------------------------------
def test_cli_notebook_create(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("notebook-create", "research", "--role", ROLE)
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName="research")
    assert raw["InstanceType"] == "ml.t3.medium"
    assert raw["NotebookInstanceArn"] in result.stdout


def test_cli_notebook_create_with_type_and_config_role(
    aws: MotoServer, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMCONSOLE_EXECUTION_ROLE_ARN", ROLE)
    result = run_cli("notebook-create", "research", "ml.t3.large", "--json")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName="research")
    assert result.json() == {"name": "research", "arn": raw["NotebookInstanceArn"]}
    assert (raw["InstanceType"], raw["RoleArn"]) == ("ml.t3.large", ROLE)


def test_cli_notebook_create_without_role(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("notebook-create", "research")
    assert_one_line_error(result, exit_code=2)
    assert "no execution role" in result.stderr


def test_cli_notebook_create_bad_instance_type(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("notebook-create", "research", "t3.medium", "--role", ROLE)
    assert_one_line_error(result, exit_code=2)
    assert aws.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []


def test_cli_read_only_refuses_notebook_create(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("--read-only", "notebook-create", "research", "--role", ROLE)
    assert_one_line_error(result, exit_code=3)
    assert aws.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []
    (record,) = audit_records()
    assert (record["action"], record["outcome"]) == ("notebook-create", "refused")


def test_cli_notebook_list_json_matches_boto3(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws, "research")
    make_notebook(aws, "scratch", stopped=True)
    result = run_cli("--json", "notebook-list")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").list_notebook_instances()["NotebookInstances"]
    assert sorted(
        (n["name"], n["status"], n["instance_type"], n["arn"]) for n in result.json()
    ) == sorted(
        (
            n["NotebookInstanceName"],
            n["NotebookInstanceStatus"],
            n["InstanceType"],
            n["NotebookInstanceArn"],
        )
        for n in raw
    )
    table = run_cli("notebook-list", "--status", "Stopped")
    assert "scratch" in table.stdout
    assert "research" not in table.stdout


def test_cli_notebook_list_bad_status(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("notebook-list", "--status", "Running")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr


def test_cli_notebook_describe_json_matches_boto3(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws)
    result = run_cli("notebook-describe", "research", "--json")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").describe_notebook_instance(NotebookInstanceName="research")
    data = result.json()
    assert (data["name"], data["status"], data["url"], data["role_arn"], data["volume_gb"]) == (
        raw["NotebookInstanceName"],
        raw["NotebookInstanceStatus"],
        raw["Url"],
        raw["RoleArn"],
        raw["VolumeSizeInGB"],
    )
    people = run_cli("notebook-describe", "research")
    assert "InService" in people.stdout
    assert raw["Url"] in people.stdout


def test_cli_notebook_describe_missing(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("notebook-describe", "research")
    assert_one_line_error(result, exit_code=5)
    assert "not found" in result.stderr


def test_cli_notebook_start(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws, stopped=True)
    result = run_cli("notebook-start", "research")
    assert result.exit_code == 0, result.stderr
    assert status_of(aws) == "InService"


def test_cli_notebook_start_missing(aws: MotoServer, run_cli: Any) -> None:
    assert_one_line_error(run_cli("notebook-start", "research"), exit_code=5)


def test_cli_notebook_stop(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws)
    result = run_cli("notebook-stop", "research", "--yes")
    assert result.exit_code == 0, result.stderr
    assert status_of(aws) == "Stopped"


def test_cli_notebook_stop_asks_first(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws)
    result = run_cli("notebook-stop", "research")
    assert_one_line_error(result, exit_code=4)
    assert status_of(aws) == "InService"


def test_cli_notebook_stop_bad_name(aws: MotoServer, run_cli: Any) -> None:
    assert_one_line_error(run_cli("notebook-stop", "re search", "--yes"), exit_code=2)


def test_cli_notebook_delete(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws, stopped=True)
    result = run_cli("notebook-delete", "research", "--yes")
    assert result.exit_code == 0, result.stderr
    assert aws.client("sagemaker").list_notebook_instances()["NotebookInstances"] == []
    assert [r["action"] for r in audit_records()] == ["notebook-delete"]


def test_cli_notebook_delete_running_is_refused(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws)
    result = run_cli("notebook-delete", "research", "--yes")
    assert_one_line_error(result, exit_code=10)
    assert "notebook-stop research" in result.stderr
    assert status_of(aws) == "InService"


def test_cli_notebook_delete_asks_first(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws, stopped=True)
    assert_one_line_error(run_cli("notebook-delete", "research"), exit_code=4)
    assert status_of(aws) == "Stopped"


def test_cli_notebook_url_falls_back_to_console(aws: MotoServer, run_cli: Any) -> None:
    make_notebook(aws)
    result = run_cli("notebook-url", "research")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == console_url("us-east-1", "research")
    assert "presigned URL needs real AWS" in result.stderr
    as_json = run_cli("notebook-url", "research", "--json")
    assert as_json.json() == {
        "name": "research",
        "url": console_url("us-east-1", "research"),
        "presigned": False,
    }


def test_cli_notebook_url_presigned(
    aws: MotoServer, run_cli: Any, moto_presigned_url: None
) -> None:
    make_notebook(aws)
    result = run_cli("notebook-url", "research", "--session-seconds", "3600")
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout.strip() == "https://research.notebook.us-east-1.sagemaker.aws?authToken=abc"
    )
    assert result.stderr == ""
    assert audit_records() == []  # read-like: not gated, not audited


def test_cli_notebook_url_bad_input(aws: MotoServer, run_cli: Any) -> None:
    assert_one_line_error(run_cli("notebook-url", "bad_name"), exit_code=2)
    result = run_cli("notebook-url", "research", "--session-seconds", "10")
    assert_one_line_error(result, exit_code=2)


def test_cli_help_lists_notebooks(run_cli: Any) -> None:
    result = run_cli("--help")
    assert "Notebooks:" in result.stdout
    assert "notebook-url" in result.stdout
