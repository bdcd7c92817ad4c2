"""Hostile remote text never reaches the terminal as escape sequences or bidi controls.

The sanitiser (console/sanitize.py) runs where remote text becomes a record
(``Record.__post_init__``) or an error (``SmError``). These tests push the corpus in
tests/support/hostile.py through the sanitiser, every record type, the error path and
the CLI commands against the moto server and a real MLflow sqlite store.
"""

from __future__ import annotations

import csv
import importlib
import io
import json
import pkgutil
import types
import typing
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import console
from console.errors import SmError, translate
from console.records import Record
from console.sanitize import CF_RANGES, clean, clean_block, csv_cell, inert
from tests.support.hostile import (
    BIDI_CONTROLS,
    CORPUS,
    HOSTILE,
    HOSTILE_SHORT,
    OSC52,
    assert_inert_output,
    assert_inert_value,
)
from tests.support.moto_server import MotoServer

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"

# --- the sanitiser ------------------------------------------------------------------------


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_every_corpus_string_is_made_inert_single_and_multi_line(text: str) -> None:
    single = clean(text)
    assert_inert_output(single)
    assert "\n" not in single and "\t" not in single
    block = clean_block(text)
    assert_inert_output(block)
    assert "\t" not in block
    assert clean(single) == single and clean_block(block) == block  # idempotent


def test_sequences_are_shown_whole_and_visibly_never_run() -> None:
    assert clean(OSC52) == "␛]52;c;ZXZpbCBjbGlwYm9hcmQ=␇"
    assert clean("\x1b]0;t\x1b\\x") == "␛]0;t␛\\x"
    assert clean("\x1b[2J\x1b[?25l\x1bc") == "␛[2J␛[?25l␛c"
    assert clean("\x1bP1$qm\x1b\\") == "␛P1$qm␛\\"
    assert clean("\x9d0;t\x9c\x9b2J") == "⟨U+009D⟩0;t⟨U+009C⟩⟨U+009B⟩2J"
    # Colour/style (SGR) is dropped: common in logs, and a way to hide text.
    assert clean("\x1b[31mred\x1b[0m \x1b[8mhidden\x1b[m \x9b1mb") == "red hidden b"


def test_controls_and_format_characters_are_shown_visibly() -> None:
    assert clean("a\x00b\x07c\x08d\x7fe\rf") == "a␀b␇c␈d␡e␍f"
    assert clean("\u202eevil\u2066x\u2069\u200e\u061c") == (
        "⟨U+202E⟩evil⟨U+2066⟩x⟨U+2069⟩⟨U+200E⟩⟨U+061C⟩"
    )
    assert clean("a\u200bb\ufeffc\u2060d\u00ade\u2028f") == (
        "a⟨U+200B⟩b⟨U+FEFF⟩c⟨U+2060⟩d⟨U+00AD⟩e⟨U+2028⟩f"
    )
    assert clean("one\ntwo\tthree") == "one⏎two three"
    assert clean_block("one\r\ntwo\tthree\n\tx") == "one\ntwo three\n    x"
    # Ordinary text, accents, CJK, emoji and NBSP pass unchanged.
    for text in ("plain", "café ñ", "日本語", "🚀 done", "a\u00a0b", "[bold]x[/]"):
        assert clean(text) == text
    assert inert("x" * 50, 10) == "x" * 9 + "…"


def test_the_format_character_list_is_unicode_category_cf() -> None:
    listed = {c for a, b in CF_RANGES for c in range(a, b + 1)}
    actual = {c for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
    assert actual <= listed, sorted(hex(c) for c in actual - listed)
    for code in listed:
        assert clean(chr(code)) == f"⟨U+{code:04X}⟩"


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "' =1"),
        ("\r=1", "'␍=1"),
        ("-0.5", "-0.5"),
        ("+3e-4", "+3e-4"),
        ("-12", "-12"),
        ("ok", "ok"),
        (OSC52, "␛]52;c;ZXZpbCBjbGlwYm9hcmQ=␇"),
    ],
)
def test_csv_cells_are_inert_and_never_formulas(cell: str, shown: str) -> None:
    assert csv_cell(cell) == shown


# --- every record type ----------------------------------------------------------------------


def _record_classes() -> list[type[Record]]:
    for module in pkgutil.walk_packages(console.__path__, "console."):
        importlib.import_module(module.name)
    found: list[type[Record]] = []
    todo: list[type[Record]] = [Record]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            found.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _sample(hint: Any) -> Any:
    """A value of type ``hint`` with the hostile string in every string it holds."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is str or hint is Any:
        return HOSTILE
    if origin in (typing.Union, types.UnionType):
        for arg in args:  # prefer a string-carrying member
            if arg is str:
                return HOSTILE
        return _sample(next(a for a in args if a is not type(None)))
    if origin is typing.Literal:
        return args[0]
    if origin is tuple:
        return () if not args else tuple(_sample(a) for a in args if a is not Ellipsis)
    if origin is list:
        return [_sample(args[0])]
    if origin in (frozenset, set):
        return frozenset({_sample(args[0])})
    if origin is dict:
        return {_sample(args[0]): _sample(args[1])}
    if hint is bool:
        return False
    if hint is int:
        return 1
    if hint is float:
        return 0.5
    if hint is datetime:
        return _NOW
    if hint is timedelta:
        return timedelta(minutes=1)
    if hint is bytes:
        return b"\x1b]52;c;eA==\x07"
    if isinstance(hint, type) and issubclass(hint, Record):
        return _build(hint)
    raise TypeError(f"no sample for {hint!r}")


def _hints(cls: type[Record]) -> dict[str, Any]:
    # Some modules import a nested record's class only for type checking: resolve by name.
    names = {c.__name__: c for c in RECORD_CLASSES}
    return typing.get_type_hints(cls, localns=names)


def _build(cls: type[Record]) -> Record:
    import dataclasses

    hints = _hints(cls)
    values = {f.name: _sample(hints[f.name]) for f in dataclasses.fields(cls) if f.init}  # type: ignore[arg-type]
    return cls(**values)


RECORD_CLASSES = _record_classes()


def test_the_walk_finds_the_record_modules() -> None:
    modules = {cls.__module__ for cls in RECORD_CLASSES}
    for expected in (
        "console.services.jobs",
        "console.services.registry",
        "console.services.approval_history",
        "console.services.experiments",
        "console.services.endpoints",
        "console.services.logs",
        "console.mlflow.records",
        "console.slurm.records",
    ):
        assert expected in modules
    assert len(RECORD_CLASSES) > 50


@pytest.mark.parametrize("cls", RECORD_CLASSES, ids=lambda c: c.__qualname__)
def test_every_string_field_of_every_record_is_sanitised(cls: type[Record]) -> None:
    record = _build(cls)
    verbatim = cls.VERBATIM_FIELDS
    shown = {k: v for k, v in record.to_dict().items() if k not in verbatim}
    assert_inert_value(shown, where=f"{cls.__qualname__}.to_dict()")
    for name in verbatim:  # operands, byte-exact (shown only through the sanitiser)
        assert getattr(record, name) == HOSTILE, name
    hints = _hints(cls)
    block = cls.BLOCK_FIELDS
    for name, hint in hints.items():
        if hint is str and name not in verbatim:  # exactly the sanitised text
            expected = clean_block(HOSTILE) if name in block else clean(HOSTILE)
            assert getattr(record, name) == expected, name


def test_only_remote_paths_the_console_acts_on_are_kept_verbatim() -> None:
    """Every other field is made inert when the record is built; the exceptions are
    operands (a path tailed or cleaned up), listed here so a new one is a decision."""
    verbatim = {(c.__qualname__, f) for c in RECORD_CLASSES for f in c.VERBATIM_FIELDS}
    assert verbatim == {
        ("SlurmJob", "stdout"),
        ("SlurmJob", "stderr"),
        ("SubmitResult", "script_path"),
    }


def test_json_keeps_the_text_escaped() -> None:
    from console.cli.output import print_json
    from console.services.logs import LogEvent

    event = LogEvent(timestamp=_NOW, stream="s", host="algo-1", message="a\u202eb\x1b[2Jc\nd")
    buffer = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(buffer):
        print_json(event)
    out = buffer.getvalue()
    assert out.isascii()  # ensure_ascii: ⟨ ⟩ ␛ and friends leave as \u escapes
    assert json.loads(out)["message"] == "a⟨U+202E⟩b␛[2Jc\nd"


# --- errors ---------------------------------------------------------------------------------


def test_errors_carrying_remote_text_are_inert() -> None:
    from botocore.exceptions import ClientError

    for code in ("ValidationException", "AccessDenied", "ResourceInUse", "Odd"):
        exc = ClientError({"Error": {"Code": code, "Message": HOSTILE}}, "DescribeTrainingJob")
        error = translate(exc)
        assert_inert_output(error.message + (error.hint or ""))
        assert "\n" not in error.message
    error = SmError(HOSTILE, hint=HOSTILE_SHORT)
    assert_inert_output(error.message + str(error.hint) + error.one_line() + str(error))


def test_mlflow_server_error_messages_are_inert() -> None:
    from mlflow.exceptions import MlflowException

    error = translate(MlflowException(HOSTILE))
    assert_inert_output(error.one_line())


# --- the CLI against moto ------------------------------------------------------------------


def _all_output(result: Any) -> str:
    return str(result.stdout) + str(result.stderr)


def test_training_failure_reason_in_describe_and_json(aws: MotoServer, run_cli: Any) -> None:
    from moto.sagemaker.models import sagemaker_backends

    aws.client("sagemaker").create_training_job(
        TrainingJobName="bad-job",
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://b/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )
    job = sagemaker_backends["123456789012"]["us-east-1"].training_jobs["bad-job"]
    job.failure_reason = HOSTILE  # what AlgorithmError text from the container looks like

    shown = run_cli("training-describe", "bad-job")
    assert shown.exit_code == 0, shown.stderr
    assert "␛]52;c;" in shown.stdout  # visible, not run
    assert_inert_output(_all_output(shown), where="training-describe")

    as_json = run_cli("training-describe", "bad-job", "--json")
    assert as_json.exit_code == 0, as_json.stderr
    assert as_json.stdout.isascii()
    # A failure reason is a paragraph (a traceback): its lines are kept, nothing else.
    assert json.loads(as_json.stdout)["failure_reason"] == clean_block(HOSTILE)


def test_a_failure_reason_keeps_its_lines() -> None:
    """SageMaker's AlgorithmError text is several lines; the detail shows them as lines,
    not joined by ⏎, while escapes in it stay visible."""
    from console.services.jobs import TrainingJob

    reason = 'AlgorithmError: ExecuteUserScriptError:\nExitCode 1\n\x1b]52;c;eA==\x07"NCCL"'
    job = _build(TrainingJob)
    shown = type(job)(**{**job.__dict__, "failure_reason": reason}).failure_reason
    assert shown.splitlines()[:2] == ["AlgorithmError: ExecuteUserScriptError:", "ExitCode 1"]
    assert "\x1b" not in shown and "␛]52;c;eA==␇" in shown


def test_model_package_approval_note_and_description(aws: MotoServer, run_cli: Any) -> None:
    client = aws.client("sagemaker")
    client.create_model_package_group(ModelPackageGroupName="fraud")
    arn = client.create_model_package(
        ModelPackageGroupName="fraud",
        ModelPackageDescription=HOSTILE,
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://b/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus="PendingManualApproval",
    )["ModelPackageArn"]
    client.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription=HOSTILE
    )
    for args in (("model-package-describe", arn), ("model-package-list", "fraud")):
        result = run_cli(*args)
        assert result.exit_code == 0, result.stderr
        assert_inert_output(_all_output(result), where=args[0])
    described = run_cli("model-package-describe", arn)
    assert "⟨U+202E⟩" in described.stdout


def test_endpoint_variant_labels(aws: MotoServer, run_cli: Any) -> None:
    client = aws.client("sagemaker")
    client.create_model(
        ModelName="m1",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://b/model.tar.gz"},
    )
    client.create_endpoint_config(
        EndpointConfigName="cfg",
        ProductionVariants=[
            {
                "VariantName": HOSTILE_SHORT,
                "ModelName": "m1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    client.create_endpoint(EndpointName="ep", EndpointConfigName="cfg")
    for args in (("endpoint-describe", "ep"), ("endpoint-config-describe", "cfg")):
        result = run_cli(*args)
        assert result.exit_code == 0, result.stderr
        assert "␛]52;c;" in result.stdout, result.stdout
        assert_inert_output(_all_output(result), where=args[0])


def test_trial_component_parameters(aws: MotoServer) -> None:
    from tests.support.helpers import context

    client = aws.client("sagemaker")
    client.create_experiment(ExperimentName="exp")
    client.create_trial(TrialName="trial", ExperimentName="exp")
    client.create_trial_component(
        TrialComponentName="tc",
        DisplayName=HOSTILE_SHORT,
        Parameters={"lr": {"StringValue": HOSTILE}, "x": {"NumberValue": 1.0}},
    )
    client.associate_trial_component(TrialComponentName="tc", TrialName="trial")
    service = context().experiments
    listed = list(service.list_trial_components("trial"))
    assert listed
    assert_inert_value(listed, where="trial components")
    component = service.describe_trial_component("tc")
    assert_inert_value(component, where="trial component")
    assert "␛]52;c;" in str(component.to_dict())


# --- MLflow: a real sqlite store ------------------------------------------------------------


@pytest.fixture
def hostile_mlflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from mlflow.entities import Metric, Param, RunTag

    from console.mlflow.quiet import quiet
    from tests.support.mlflow_seed import client

    uri = f"sqlite:///{tmp_path / 'hostile.db'}"
    c = client(uri)
    with quiet():
        exp = c.create_experiment("hostile", artifact_location=(tmp_path / "a").as_uri())
        run = c.create_run(exp, run_name=HOSTILE, tags={"note": HOSTILE, "formula": "=1+2"})
        c.log_batch(
            run.info.run_id,
            metrics=[Metric("loss", -0.5, 0, 0)],
            params=[Param("lr", HOSTILE), Param("cmd", "@SUM(A1)")],
            tags=[RunTag("neg", "-0.25")],
        )
        c.set_terminated(run.info.run_id)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    return uri


def test_mlflow_runs_table_csv_and_json(hostile_mlflow: str, run_cli: Any) -> None:
    table = run_cli("mlflow-runs", "hostile")
    assert table.exit_code == 0, table.stderr
    assert_inert_output(_all_output(table), where="mlflow-runs")

    spec = "name,params.lr,params.cmd,tags.note,tags.formula,tags.neg,metrics.loss"
    as_csv = run_cli("mlflow-runs", "hostile", "--columns", spec, "--csv")
    assert as_csv.exit_code == 0, as_csv.stderr
    assert_inert_output(as_csv.stdout.replace("\n", ""), where="mlflow-runs --csv")
    header, row = list(csv.reader(io.StringIO(as_csv.stdout)))
    cells = dict(zip(header, row, strict=True))
    values = list(cells.values())
    assert clean(HOSTILE) in values
    assert "'@SUM(A1)" in values and "'=1+2" in values
    assert "-0.25" in values and "-0.5" in values  # numbers stay numbers

    as_json = run_cli("mlflow-runs", "hostile", "--columns", spec, "--json")
    assert as_json.exit_code == 0, as_json.stderr
    assert as_json.stdout.isascii()
    assert clean(HOSTILE) in json.loads(as_json.stdout)[0].values()


def test_no_bidi_control_survives_anywhere_in_the_corpus() -> None:
    for text in CORPUS:
        assert not (set(clean(text)) & BIDI_CONTROLS)
        assert not (set(clean_block(text)) & BIDI_CONTROLS)
