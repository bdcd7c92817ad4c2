"""Issue #15, CLI: what a new operator trips on, each against the moto server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.aws.credential_source import describe_method
from console.services.iam import DEFAULT_ROLE_NAME
from tests.support.helpers import audit_records


# --- status: where the credentials come from ------------------------------------------
def test_status_says_credentials_come_from_the_environment(aws: Any, run_cli: Any) -> None:
    result = run_cli("status")
    assert result.exit_code == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("Credentials"))
    assert "environment (AWS_ACCESS_KEY_ID)" in line
    assert (
        run_cli("status", "--json")
        .json()["overview"]["credential_source"]
        .startswith("environment")
    )


def test_status_says_credentials_come_from_a_profile(
    aws: Any, run_cli: Any, isolated_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    aws_dir = isolated_env / ".aws"
    aws_dir.mkdir()
    (aws_dir / "credentials").write_text(
        "[ops]\naws_access_key_id = testing\naws_secret_access_key = testing\n"
    )
    result = run_cli("--profile", "ops", "status", "--json")
    assert result.exit_code == 0, result.stderr
    source = result.json()["overview"]["credential_source"]
    assert source == "profile ops (shared credentials file)"


@pytest.mark.parametrize(
    ("method", "words"),
    [
        ("sso", "SSO (profile dev)"),
        ("iam-role", "instance role (EC2 instance metadata)"),
        ("container-role", "container role (ECS/EKS)"),
        ("assume-role", "assumed role (profile dev)"),
        (None, "none found"),
        ("something-new", "something-new"),
    ],
)
def test_credential_methods_in_words(method: str | None, words: str) -> None:
    assert describe_method(method, "dev") == words


# --- defaults and enumerations ----------------------------------------------------------
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sm-exec"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/train:latest"
S3 = ("s3://input-bkt/d", "s3://output-bkt/o")


def error_lines(result: Any) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_refused_with_hint(result: Any, code: int, text: str) -> str:
    """Exit ``code``, one ``error:`` line holding ``text`` and a ``hint:`` line; the hint."""
    lines = error_lines(result)
    assert result.exit_code == code, (result.stdout, result.stderr)
    errors = [i for i, line in enumerate(lines) if line.startswith("error: ")]
    assert len(errors) == 1, lines
    assert text in lines[errors[0]], lines
    assert lines[errors[0] + 1].startswith("hint: "), lines
    return lines[errors[0] + 1]


def test_training_and_processing_default_to_m5_large(aws: Any, run_cli: Any) -> None:
    sm = aws.client("sagemaker")
    assert run_cli("training-create", "t-default", IMAGE, *S3, "--role", ROLE).exit_code == 0
    described = sm.describe_training_job(TrainingJobName="t-default")
    assert described["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    assert run_cli("processing-create", "p-default", IMAGE, *S3, "--role", ROLE).exit_code == 0
    # moto's describe leaves ProcessingResources out: the audited request says what was sent.
    sent = audit_records()[-1]["params"]
    assert sent["ProcessingResources"]["ClusterConfig"]["InstanceType"] == "ml.m5.large"
    assert "[default: ml.m5.large]" in run_cli("training-create", "--help").stdout


@pytest.mark.parametrize(
    ("args", "shape", "nearest"),
    [
        (
            ("training-create", "t1", IMAGE, *S3, "--role", ROLE, "--instance-type", "ml.m5.huge"),
            "TrainingInstanceType",
            "ml.m5.large",
        ),
        # A notebook type, not a training type in botocore's model.
        (
            (
                "training-create",
                "t2",
                IMAGE,
                *S3,
                "--role",
                ROLE,
                "--instance-type",
                "ml.t2.medium",
            ),
            "TrainingInstanceType",
            "ml.t3.medium",
        ),
        (
            (
                "processing-create",
                "p1",
                IMAGE,
                *S3,
                "--role",
                ROLE,
                "--instance-type",
                "ml.m5.huge",
            ),
            "ProcessingInstanceType",
            "ml.m5.large",
        ),
        (
            ("notebook-create", "nb1", "ml.m5.huge", "--role", ROLE),
            "InstanceType",
            "ml.m5.xlarge",
        ),
        # Endpoints cannot run on ml.t3.medium (the model's ProductionVariantInstanceType).
        (
            ("endpoint-config-create", "cfg1", "some-model", "ml.t3.medium"),
            "ProductionVariantInstanceType",
            "ml.t2.medium",
        ),
    ],
)
def test_instance_types_checked_against_the_service_model(
    aws: Any, run_cli: Any, args: tuple[str, ...], shape: str, nearest: str
) -> None:
    from console.aws.enums import allowed

    result = run_cli(*args)
    hint = assert_refused_with_hint(result, 2, shape)
    suggested = hint.removeprefix("hint: nearest valid: ").split(", ")
    assert nearest in suggested
    assert set(suggested) <= allowed(shape)
    sm = aws.client("sagemaker")
    # Refused before sending: nothing was created.
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []
    assert sm.list_processing_jobs()["ProcessingJobSummaries"] == []
    assert sm.list_notebook_instances()["NotebookInstances"] == []
    assert sm.list_endpoint_configs()["EndpointConfigs"] == []


def test_enum_check_accepts_every_listed_value() -> None:
    from console.aws.enums import allowed, check

    for value in sorted(allowed("TrainingInstanceType"))[:20]:
        assert check(value, "TrainingInstanceType", "training instance type") == value
    # A shape with no enum accepts anything.
    assert check("anything", "TrainingJobName", "name") == "anything"


# --- role-create, then the quick start's next step ------------------------------------
@pytest.fixture
def iam_aws(aws: Any) -> Any:
    """moto with the AWS managed policy role-create attaches (see test_iam_hyperpod)."""
    from console.demo.moto_extras import add_managed_policies

    add_managed_policies(account_id=ACCOUNT)
    return aws


def test_quick_start_role_create_then_notebook_create(iam_aws: Any, run_cli: Any) -> None:
    created = run_cli("role-create")
    assert created.exit_code == 0, created.stderr
    arn = iam_aws.client("iam").get_role(RoleName=DEFAULT_ROLE_NAME)["Role"]["Arn"]
    assert "use it from now on" in created.stdout
    notebook = run_cli("notebook-create", "my-notebook")
    assert notebook.exit_code == 0, notebook.stderr
    assert f"using {arn}" in notebook.stderr
    assert f'execution_role_arn = "{arn}"' in notebook.stderr
    sm = iam_aws.client("sagemaker")
    assert sm.describe_notebook_instance(NotebookInstanceName="my-notebook")["RoleArn"] == arn
    # A configured role wins, and nothing is said.
    training = run_cli("training-create", "tj", IMAGE, *S3, "--role", ROLE)
    assert training.exit_code == 0 and "note:" not in training.stderr


def test_without_any_role_the_error_names_role_create(aws: Any, run_cli: Any) -> None:
    result = run_cli("notebook-create", "my-notebook")
    hint = assert_refused_with_hint(result, 2, "no execution role given")
    assert "smconsole role-create" in hint


def test_role_create_failure_leaves_no_half_made_role(aws: Any, run_cli: Any) -> None:
    # Without the AWS managed policy in moto, attaching it fails after the role is made.
    iam = aws.client("iam")
    result = run_cli("role-create", "half-role")
    hint = assert_refused_with_hint(result, 5, "attaching AmazonSageMakerFullAccess failed")
    assert "the role was deleted again: nothing is left behind" in result.stderr
    assert "AmazonSageMakerFullAccess" in hint
    assert iam.list_roles()["Roles"] == []
    record = audit_records()[-1]
    assert (record["action"], record["target"], record["outcome"]) == (
        "role-create",
        "half-role",
        "error",
    )
    assert "nothing is left behind" in record["detail"]


def test_role_create_completing_an_existing_role_keeps_it(aws: Any, run_cli: Any) -> None:
    import json

    from console.services.iam import TRUST_POLICY

    iam = aws.client("iam")
    iam.create_role(RoleName="mine", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))
    result = run_cli("role-create", "mine")
    assert_refused_with_hint(result, 5, "attaching AmazonSageMakerFullAccess failed")
    assert "nothing was made" in result.stderr
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["mine"]


# --- every error line has a hint line --------------------------------------------------
def make_group_with_a_version(aws: Any) -> str:
    sm = aws.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="churn")
    arn: str = sm.create_model_package(
        ModelPackageGroupName="churn",
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://models-bkt/m.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    return arn


def test_every_error_path_has_a_hint(aws: Any, run_cli: Any, tmp_path: Path) -> None:
    sm = aws.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="running-nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    package = make_group_with_a_version(aws)
    ghost = package.rsplit("/", 1)[0] + "/99"
    (tmp_path / "dir.json").mkdir()
    cases: list[tuple[tuple[str, ...], int, str, str]] = [
        # (args, exit code, in the error line, in the hint line)
        (("training-describe", "nope"), 5, "", "list command"),
        (("training-logs", "nope"), 5, "training job nope not found", "training-list"),
        (("processing-describe", "nope"), 5, "", ""),
        (("notebook-url", "nope"), 5, "notebook instance nope not found", ""),
        (("notebook-describe", "nope"), 5, "not found", ""),
        (("notebook-start", "nope"), 5, "not found", ""),
        (("notebook-start", "running-nb"), 10, "already InService", "notebook-url running-nb"),
        (("endpoint-describe", "nope"), 5, "", ""),
        (("endpoint-invoke", "nope", "{bad json"), 2, "not valid JSON", "double quotes"),
        (("endpoint-invoke", "nope", "@missing.json"), 2, "does not exist", "check the path"),
        (("endpoint-invoke", "nope", f"@{tmp_path / 'dir.json'}"), 2, "directory", ""),
        (
            ("training-create", "t", IMAGE, *S3, "--role", ROLE, "--instance-count", "0"),
            2,
            "instance count must be 1-100",
            "1 to 100",
        ),
        (
            ("training-create", "t", IMAGE, *S3, "--role", ROLE, "--instance-count", "101"),
            2,
            "instance count",
            "",
        ),
        (("training-create", "t", IMAGE, *S3, "--role", ROLE, "--hp", "nokey"), 2, "KEY=VALUE", ""),
        (("training-create", "t", IMAGE, *S3, "--role", "arn:aws:s3:::b"), 2, "ARN", ""),
        (("training-create", "t", IMAGE, "in/d", S3[1], "--role", ROLE), 2, "s3://", ""),
        (("training-create", "t" * 64, IMAGE, *S3, "--role", ROLE), 2, "at most 63", ""),
        (
            ("model-package-group-delete", "churn", "--yes"),
            10,
            "still has 1 model package",
            "model-package-delete",
        ),
        (("model-package-delete", ghost, "--yes"), 5, "", ""),
        (("model-package-delete", "not-an-arn", "--yes"), 2, "not an ARN", ""),
        (("role-delete", "ghost", "--yes"), 5, "role ghost not found", ""),
        (("model-describe", "nope"), 5, "", ""),
        (("experiment-describe", "nope"), 5, "", ""),
        (("endpoint-config-create", "c", "m", "ml.m5.large", "0"), 2, "", ""),
    ]
    for args, code, in_error, in_hint in cases:
        result = run_cli(*args)
        hint = assert_refused_with_hint(result, code, in_error)
        assert in_hint in hint, (args, hint)
        assert "Traceback" not in result.stderr
    # training-logs of an unknown job is "not found", not "try --follow".
    assert "--follow" not in run_cli("training-logs", "nope").stderr


def test_cli_throttling_hint_says_what_to_do() -> None:
    from console.cli.main import CLI_RETRY_HINT, report
    from console.errors import translate

    class Throttled(Exception):
        pass

    from botocore.exceptions import ClientError

    error = translate(
        ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "ListJobs")
    )
    import click.testing

    runner = click.testing.CliRunner()

    @click.command()
    def show() -> None:
        report(error)

    result = runner.invoke(show)
    assert f"hint: {CLI_RETRY_HINT}" in result.stderr
    assert "AWS_MAX_ATTEMPTS" in CLI_RETRY_HINT


def test_aws_max_attempts_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    from console.aws.session import AwsContext, SessionFactory

    factory = SessionFactory(AwsContext(region="us-east-1"))
    assert factory.max_attempts() == SessionFactory.MAX_ATTEMPTS
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "10")
    assert factory.max_attempts() == 10
    retries = factory.client("sagemaker").meta.config.retries
    # Ten attempts in all, as AWS_MAX_ATTEMPTS means (botocore's "max_attempts" in a
    # client config counts retries: it made one attempt more than asked).
    assert retries == {"mode": "adaptive", "total_max_attempts": 10}
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "lots")
    assert factory.max_attempts() == SessionFactory.MAX_ATTEMPTS


# --- model-package-delete ---------------------------------------------------------------
@pytest.fixture
def moto_deletes_packages(aws: Any) -> Any:
    """moto lacks DeleteModelPackage; the demo's handler (console/demo/moto_extras.py)
    supplies it while the test runs, as `smconsole demo` does."""
    from console.demo import moto_extras

    moto_extras.install(moto_extras.DemoState(notebook_url_base="http://127.0.0.1:9"))
    try:
        yield aws
    finally:
        moto_extras.uninstall()


def test_model_package_delete_then_group_delete(moto_deletes_packages: Any, run_cli: Any) -> None:
    aws = moto_deletes_packages
    package = make_group_with_a_version(aws)
    refused = run_cli("model-package-group-delete", "churn", "--yes")
    assert "model-package-delete" in assert_refused_with_hint(refused, 10, "still has")
    # Read-only: refused before asking, audited.
    assert_refused_with_hint(
        run_cli("--read-only", "model-package-delete", package), 3, "read-only"
    )
    assert audit_records(intents=True)[-1]["outcome"] == "refused"
    # No terminal to ask on and no --yes: refused, audited, nothing sent.
    assert_refused_with_hint(run_cli("model-package-delete", package), 4, "needs confirmation")
    assert audit_records(intents=True)[-1]["outcome"] == "refused"
    sm = aws.client("sagemaker")
    assert len(sm.list_model_packages(ModelPackageGroupName="churn")["ModelPackageSummaryList"])
    deleted = run_cli("model-package-delete", package, "--yes")
    assert deleted.exit_code == 0, deleted.stderr
    assert f"deleted model package {package}" in deleted.stdout
    records = [r for r in audit_records(intents=True) if r["action"] == "model-package-delete"]
    assert [r["outcome"] for r in records[-2:]] == ["intent", "ok"]
    assert records[-1]["target"] == package
    assert run_cli("model-package-group-delete", "churn", "--yes").exit_code == 0


# --- tables: never a word cut; images: versions, names, URIs, regions ------------------
@pytest.fixture
def terminal_80(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables drawn for an 80-column terminal (the CLI runner's stdout is a pipe)."""
    import sys

    from rich.console import Console

    import console.cli.output as output

    monkeypatch.setattr(
        output,
        "_console",
        lambda: Console(file=sys.stdout, width=80, highlight=False, color_system=None),
    )


def test_table_cells_never_wrap_mid_word(terminal_80: None, aws: Any, run_cli: Any) -> None:
    make_group_with_a_version(aws)
    result = run_cli("model-package-list", "churn")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    # More content than 80 columns: cells wrap at spaces only (the date and time part).
    assert len(lines) == 3 and lines[2].split() == [lines[2].strip()]
    assert "PendingManualApproval" in lines[1]
    assert "s3://models-bkt/m.tar.gz" in lines[1]


@given(
    st.lists(
        st.lists(
            st.text(alphabet=st.sampled_from("ab- ./:"), min_size=0, max_size=40),
            min_size=3,
            max_size=3,
        ),
        min_size=1,
        max_size=5,
    ),
    st.integers(min_value=10, max_value=120),
)
def test_layout_keeps_every_word_whole(rows: list[list[str]], width: int) -> None:
    from console.cli.table_layout import layout

    headers = ["Name", "Status", "Description"]
    widths, wrapped = layout(headers, rows, width)
    for row, cells in zip(rows, wrapped, strict=True):
        for text, lines, column_width in zip(row, cells, widths, strict=True):
            # The same words, in order, none split across lines.
            assert " ".join(lines).split() == text.split()
            for line in lines:
                assert len(line) <= column_width or " " not in line.strip()


def test_images_version_prefix_case_and_whole_uris(terminal_80: None, run_cli: Any) -> None:
    result = run_cli("images", "PyTorch", "--version", "2.0")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line.split() for line in lines[1:] if line.strip()]
    versions = {row[1] for row in rows}
    assert versions and all(v == "2.0" or v.startswith("2.0.") for v in versions)
    assert any(v.startswith("2.0.") for v in versions)
    # Every URI whole on one line (copy-paste works), ending the line.
    uris = [row[-1] for row in rows]
    assert all(
        uri.startswith("763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:")
        for uri in uris
    )
    as_json = run_cli("--json", "images", "pytorch", "--version", "2.0")
    assert sorted(r["uri"] for r in as_json.json()) == sorted(uris)
    assert run_cli("images", "XGBOOST", "--latest", "1").exit_code == 0


def test_images_and_jobs_warn_about_another_region(aws: Any, run_cli: Any) -> None:
    other = run_cli("--json", "images", "xgboost", "--latest", "1", "--region", "eu-west-1")
    assert other.exit_code == 0
    assert "warning: these images are in eu-west-1; jobs run in us-east-1" in other.stderr
    same = run_cli("--json", "images", "xgboost", "--latest", "1")
    assert "warning" not in same.stderr
    image = other.json()[0]["uri"]
    created = run_cli("training-create", "far-image", image, *S3, "--role", ROLE)
    assert created.exit_code == 0, created.stderr
    assert "warning: the image is in ECR in eu-west-1, the job runs in us-east-1" in created.stderr
    near = run_cli("training-create", "near-image", IMAGE, *S3, "--role", ROLE)
    assert "warning" not in near.stderr


# --- long waits say what they wait for; --timeout --------------------------------------
@pytest.fixture
def black_hole() -> Any:
    """A server that accepts connections and never answers."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in held:
            conn.close()
        server.close()


def test_a_silent_server_shows_progress_and_timeout_is_honoured(
    black_hole: str, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from console.aws import call_watch

    # The runner's stderr is not a terminal: there the first line comes after 10 s.
    monkeypatch.setattr(call_watch, "QUIET_AFTER_SECONDS", call_watch.AFTER_SECONDS)

    started = time.monotonic()
    result = run_cli("--endpoint-url", black_hole, "--timeout", "2.5", "training-list")
    elapsed = time.monotonic() - started
    # One attempt of 2.5 s (not 30 s x attempts, nor two of 2.5 s: issue 15 walkthrough,
    # `--timeout 5` gave up after 10 s); the rest is the process starting.
    assert elapsed < 5, elapsed
    assert "waiting for sagemaker ListTrainingJobs (1s so far; giving up after --timeout 2.5s)" in (
        result.stderr
    )
    hint = assert_refused_with_hint(result, 8, "timed out")
    assert hint


def test_call_watch_is_quiet_for_quick_calls() -> None:
    import time

    from console.aws.call_watch import CallWatch

    said: list[str] = []
    watch = CallWatch(said.append, after=0.2, every=0.2)
    watch.started("sagemaker ListTrainingJobs")
    watch.finished()
    time.sleep(0.4)
    assert said == []
    watch.started("sagemaker DescribeEndpoint")
    time.sleep(0.5)
    watch.finished()
    time.sleep(0.3)
    assert said and all(line.startswith("waiting for sagemaker DescribeEndpoint") for line in said)
    count = len(said)
    time.sleep(0.3)
    assert len(said) == count  # nothing after the answer


# --- --wait ------------------------------------------------------------------------------
def make_endpoint_config(aws: Any) -> None:
    sm = aws.client("sagemaker")
    sm.create_model(
        ModelName="m1",
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://models-bkt/m.tar.gz"},
        ExecutionRoleArn=ROLE,
    )
    for config in ("cfg-a", "cfg-b"):
        sm.create_endpoint_config(
            EndpointConfigName=config,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "m1",
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 1,
                    "InitialVariantWeight": 1.0,
                }
            ],
        )


def test_endpoint_create_and_notebook_start_wait(aws: Any, run_cli: Any) -> None:
    make_endpoint_config(aws)
    created = run_cli("endpoint-create", "ep1", "cfg-a", "--wait")
    assert created.exit_code == 0, created.stderr
    assert "endpoint ep1 is InService" in created.stderr
    sm = aws.client("sagemaker")
    assert sm.describe_endpoint(EndpointName="ep1")["EndpointStatus"] == "InService"

    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    sm.stop_notebook_instance(NotebookInstanceName="nb")
    started = run_cli("notebook-start", "nb", "--wait")
    assert started.exit_code == 0, started.stderr
    assert "notebook nb is InService" in started.stderr
    for command in ("endpoint-create", "endpoint-update", "notebook-start"):
        assert "--wait" in run_cli(command, "--help").stdout


def test_wait_prints_progress_and_stops_waiting(aws: Any) -> None:
    """The demo's moto handlers move a started notebook to Pending (and, with no
    simulator running, leave it there): the wait reports each check, then gives up."""
    from console.cli.waiting import wait_in_service
    from console.demo import moto_extras
    from console.errors import ConflictError, NotFoundError
    from tests.support.helpers import context

    sm = aws.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    sm.stop_notebook_instance(NotebookInstanceName="nb")
    ctx = context()
    moto_extras.install(moto_extras.DemoState(notebook_url_base="http://127.0.0.1:9"))
    try:
        ctx.notebooks.start_notebook("nb")
        said: list[str] = []
        with pytest.raises(ConflictError, match="still Pending") as stopped:
            wait_in_service(
                ctx.sessions.client("sagemaker"),
                "notebook_instance_in_service",
                {"NotebookInstanceName": "nb"},
                what="notebook nb",
                status_field="NotebookInstanceStatus",
                describe="notebook-describe nb",
                max_minutes=0.01,
                delay=0.1,
                say=said.append,
                translate=ctx.sessions.translate,
            )
        assert stopped.value.hint
        assert len(said) >= 2
        assert all(line.startswith("waiting for notebook nb: Pending (") for line in said)
    finally:
        moto_extras.uninstall()
    with pytest.raises(NotFoundError):
        wait_in_service(
            ctx.sessions.client("sagemaker"),
            "notebook_instance_in_service",
            {"NotebookInstanceName": "ghost"},
            what="notebook ghost",
            status_field="NotebookInstanceStatus",
            describe="notebook-describe ghost",
            delay=0.1,
            translate=ctx.sessions.translate,
        )


def test_notebook_start_while_stopping_says_so_before_sending(aws: Any, run_cli: Any) -> None:
    """Issue 15 walkthrough: `notebook-stop` then `notebook-start` printed AWS's
    "Status (Stopping) not in ([Failed, Stopped])" with the hint "nothing was sent;
    correct the value". Now refused before sending, saying when it can start."""
    from console.demo import moto_extras

    sm = aws.client("sagemaker")
    sm.create_notebook_instance(
        NotebookInstanceName="nb", InstanceType="ml.t3.medium", RoleArn=ROLE
    )
    moto_extras.install(moto_extras.DemoState(notebook_url_base="http://127.0.0.1:9"))
    try:
        sm.stop_notebook_instance(NotebookInstanceName="nb")
        status = sm.describe_notebook_instance(NotebookInstanceName="nb")
        assert status["NotebookInstanceStatus"] == "Stopping"
        result = run_cli("notebook-start", "nb")
    finally:
        moto_extras.uninstall()
    hint = assert_refused_with_hint(result, 10, "is Stopping")
    assert "once it is Stopped" in hint and "notebook-describe nb" in hint


def test_a_validation_error_aws_answered_does_not_say_nothing_was_sent() -> None:
    """Our own checks refuse before sending; a ValidationException came from AWS."""
    from botocore.exceptions import ClientError

    from console.errors import AWS_REFUSED_HINT, ValidationError, translate

    answer: Any = {
        "Error": {"Code": "ValidationException", "Message": "Status (Stopping) not in"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    error = translate(ClientError(answer, "StartNotebookInstance"))
    assert isinstance(error, ValidationError)
    assert error.hint == AWS_REFUSED_HINT
    assert "nothing was sent" in (ValidationError("a bad value").hint or "")
