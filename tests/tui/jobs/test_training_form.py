"""The create-training-job form: validation as you type, copy as CLI (round-tripped through
the real CLI), create through confirm + gate, failures and cancels lose nothing."""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from console.config import load_config
from console.errors import ValidationError
from screens.jobs.training_form import (
    COMMON_INSTANCE_TYPES,
    TrainingDraft,
    TrainingForm,
    training_instance_types,
)
from screens.kit.confirm import ConfirmDialog
from screens.main import MainScreen
from tests.support.helpers import audit_records
from tests.tui.conftest import ROLE, make_app, notifications, static_text, wait_for_rows, wait_until

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1"


def fill(form: TrainingForm, **values: str) -> None:
    for input_id, value in values.items():
        form.query_one(f"#tf-{input_id.replace('_', '-')}", Input).value = value


def status_line(form: TrainingForm) -> str:
    return static_text(form.query_one("#tf-status", Static)).strip()


async def open_form(pilot: Any, app: Any) -> TrainingForm:
    await pilot.press("ctrl+n")
    await wait_until(pilot, lambda: isinstance(app.screen, TrainingForm), what="the form")
    form = app.screen
    assert isinstance(form, TrainingForm)
    return form


def test_the_form_offers_only_types_training_accepts_and_defaults_like_the_cli() -> None:
    from console.aws.enums import allowed
    from console.services.jobs import DEFAULT_JOB_INSTANCE_TYPE

    offered = training_instance_types()
    assert offered and set(offered) <= allowed("TrainingInstanceType")
    assert set(offered) <= set(COMMON_INSTANCE_TYPES)
    draft = TrainingDraft.from_config(load_config(overrides={"execution_role_arn": ROLE}))
    assert draft.values["instance_type"] == DEFAULT_JOB_INSTANCE_TYPE == "ml.m5.large"


def test_draft_defaults_come_from_the_config() -> None:
    config = load_config(
        overrides={"execution_role_arn": ROLE, "buckets": {"input": "in-b", "output": "out-b"}}
    )
    draft = TrainingDraft.from_config(config, now=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    assert draft.values["name"] == "train-20261123-080000"
    assert draft.values["s3_input"] == "s3://in-b/train/"
    assert draft.values["s3_output"] == "s3://out-b/"
    assert draft.values["role_arn"] == ROLE
    assert draft.values["instance_count"] == "1" and draft.values["max_wait_seconds"] == ""
    draft.values["image"] = IMAGE
    draft.hyperparameters = "# learning rate\nlr=0.1\n\nepochs=3\n"
    spec = draft.spec()
    assert spec.hyperparameters == {"lr": "0.1", "epochs": "3"}
    draft.values["volume_gb"] = "lots"
    with pytest.raises(ValidationError, match="volume \\(gb\\) must be a whole number"):
        draft.spec()


async def test_copy_as_cli_round_trips_through_the_real_cli(sm: Any, run_cli: Any) -> None:
    app = make_app(execution_role_arn=ROLE)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app)
        assert "image" in status_line(form)  # the first problem: no image yet
        fill(
            form,
            name="job with 'odd' name",
            image=IMAGE,
            input="s3://bucket/in",
            output="s3://bucket/out",
            instance_type="ml.g5.xlarge",
            count="2",
        )
        await pilot.pause()
        assert "not a valid SageMaker name" in status_line(form)  # spaces and quotes
        fill(form, name="rt-job")
        form.query_one("#tf-spot", Checkbox).value = True
        await pilot.pause()
        fill(form, max_wait="90000", checkpoint="s3://bucket/ckpt")
        form.query_one("#tf-hp", TextArea).text = "lr=0.1\nnote=it's $HOME\n"
        await pilot.pause()
        assert form.problem == "" and "$ smconsole training-create rt-job" in status_line(form)
        await pilot.press("ctrl+y")
        assert any("copied" in n for n in notifications(app))
        command = form.command

    argv = shlex.split(command)
    assert argv[:2] == ["smconsole", "training-create"]
    assert "--role" not in argv  # the config's role is the default
    result = run_cli(*argv[1:], "--role", ROLE)
    assert result.exit_code == 0, result.stderr
    job = sm.describe_training_job(TrainingJobName="rt-job")
    assert job["ResourceConfig"]["InstanceType"] == "ml.g5.xlarge"
    assert job["ResourceConfig"]["InstanceCount"] == 2
    assert job["HyperParameters"] == {"lr": "0.1", "note": "it's $HOME"}
    assert job["CheckpointConfig"]["S3Uri"] == "s3://bucket/ckpt"
    assert job["StoppingCondition"]["MaxWaitTimeInSeconds"] == 90000


async def test_create_confirms_runs_through_the_gate_and_lists_the_job(sm: Any) -> None:
    app = make_app(execution_role_arn=ROLE)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot, app)
        fill(form, name="form-job", image=IMAGE, input="s3://bucket/in", output="s3://bucket/out")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmDialog), what="confirm")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="created")
        await wait_for_rows(pilot, app, 1)
        assert any("form-job created" in n for n in notifications(app))
        assert sm.describe_training_job(TrainingJobName="form-job")["RoleArn"] == ROLE
        (record,) = [r for r in audit_records() if r["action"] == "training-create"]
        assert record["target"] == "form-job" and record["outcome"] == "ok"

        # The next form starts afresh (a new name), not from the created job's draft.
        form = await open_form(pilot, app)
        assert form.query_one("#tf-name", Input).value.startswith("train-")


async def test_an_invalid_create_is_refused_and_cancel_keeps_a_draft(sm: Any) -> None:
    app = make_app(execution_role_arn=ROLE)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot, app)
        fill(form, name="Bad_Name!", image=IMAGE, input="s3://bucket/in", output="s3://bucket/out")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TrainingForm)  # refused before confirm: invalid name
        assert "cannot create yet" in " ".join(n.title or "" for n in app._notifications)
        fill(form, name="keep-me", volume="50")
        await pilot.pause()
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="cancelled")
        form = await open_form(pilot, app)
        assert form.query_one("#tf-name", Input).value == "keep-me"
        assert form.query_one("#tf-volume", Input).value == "50"


async def test_read_only_refuses_n_and_the_form_does_not_open(sm: Any) -> None:
    """The form can only end in a create: in read-only mode `ctrl+n` is refused up front."""
    app = make_app(execution_role_arn=ROLE, read_only=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("1")
        await pilot.press("ctrl+n")
        await wait_until(pilot, lambda: notifications(app), what="the refusal")
        await pilot.pause()
        assert [n for n in notifications(app) if "read-only" in n] == [
            "read-only mode: training-create (new job) refused (start without --read-only "
            "(or set read_only = false) to make changes)"
        ]
        assert len(app.screen_stack) == 1 and not isinstance(app.screen, TrainingForm)
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []


async def test_a_form_pushed_in_read_only_still_refuses_create(sm: Any) -> None:
    """Defence in depth: should the form ever open in read-only mode, ctrl+s is gated."""
    app = make_app(execution_role_arn=ROLE, read_only=True)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("1")
        await pilot.pause()
        draft = TrainingDraft.from_config(app.context.config)
        await app.push_screen(TrainingForm(draft, default_role=ROLE))
        await wait_until(pilot, lambda: isinstance(app.screen, TrainingForm), what="the form")
        form = app.screen
        assert isinstance(form, TrainingForm)
        fill(form, name="ro-job", image=IMAGE, input="s3://bucket/in", output="s3://bucket/out")
        await pilot.pause()
        await pilot.press("ctrl+y")
        assert form.command.startswith("smconsole training-create ro-job"), form.problem
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TrainingForm)  # no confirm dialog
        assert any("read-only" in n for n in notifications(app))
    assert sm.list_training_jobs()["TrainingJobSummaries"] == []


async def test_the_sdk_catalog_fills_the_image(sm: Any) -> None:
    app = make_app(execution_role_arn=ROLE)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot, app)
        select: Select[str] = form.query_one("#tf-catalog", Select)
        await wait_until(pilot, lambda: len(select._options) > 10, timeout=30, what="catalog")
        uris = [value for _label, value in select._options if isinstance(value, str)]
        pytorch = next(uri for uri in uris if "pytorch-training" in uri)
        select.value = pytorch
        await pilot.pause()
        assert form.query_one("#tf-image", Input).value == pytorch
