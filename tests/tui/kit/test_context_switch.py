"""Switching profile and region at runtime: the dialog, the header, and fresh data."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import boto3
import pytest
from textual.widgets import Input, Select, Static

from console.aws.profiles import available_profiles, region_name, sagemaker_regions
from console.errors import ValidationError
from screens.kit.context_switch import ContextDialog
from screens.kit.header import ContextBar
from screens.main import MainScreen
from screens.status.view import StatusView
from tests.tui.conftest import (
    create_training_job,
    jobs_table,
    make_app,
    static_text,
    wait_for_rows,
    wait_until,
)


def write_profiles(text: str) -> None:
    path = Path(os.environ["AWS_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


OPS_PROFILE = """
[profile ops]
aws_access_key_id = testing
aws_secret_access_key = testing
region = us-east-1
"""


def test_profiles_and_regions_come_from_local_files(aws: Any) -> None:
    write_profiles(OPS_PROFILE + "[profile zeta]\nregion = eu-west-1\n")
    assert available_profiles() == ["default", "ops", "zeta"]
    regions = sagemaker_regions()
    assert {"us-east-1", "eu-west-1", "us-gov-west-1"} <= set(regions)
    assert region_name(" eu-west-1 ") == "eu-west-1"
    for bad in ("Ireland", "eu-west", "us-east-1; rm -rf /", ""):
        with pytest.raises(ValidationError, match="not a region code"):
            region_name(bad)


def test_a_broken_aws_config_still_offers_default(aws: Any) -> None:
    write_profiles("[profile ops\nthis is not ini")
    assert available_profiles() == ["default"]


async def test_switch_profile_and_region_shows_the_other_accounts_jobs(sm: Any, aws: Any) -> None:
    write_profiles(OPS_PROFILE)
    create_training_job(sm, "east-job")
    west = boto3.client("sagemaker", region_name="eu-west-1", endpoint_url=aws.url)
    create_training_job(west, "west-job")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_rows(pilot, app, 1)
        assert jobs_table(app).shown_keys() == ["training:east-job"]

        await pilot.press("C")
        await wait_until(pilot, lambda: isinstance(app.screen, ContextDialog), what="dialog")
        dialog = app.screen
        dialog.query_one("#context-profile", Select).value = "ops"
        region = dialog.query_one("#context-region", Input)
        region.focus()
        region.value = ""
        await pilot.press(*"Ireland", "enter")
        error = static_text(dialog.query_one("#context-error", Static))
        assert "not a region code" in error and app.screen is dialog  # nothing lost
        region.value = ""
        await pilot.press(*"eu-west-1", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="applied")

        assert app.generation == 1
        assert app.context.config.profile == "ops" and app.context.sessions.region == "eu-west-1"
        header = app.main_screen.query_one(ContextBar)
        assert "ops@eu-west-1" in header.text
        await wait_until(
            pilot, lambda: jobs_table(app).shown_keys() == ["training:west-job"], what="west"
        )
        await pilot.press("7")
        identity = static_text(app.main_screen.query_one(StatusView).query_one("#status-identity"))
        assert "ops" in identity and "eu-west-1" in identity

        # Cancel keeps everything as it is.
        await pilot.press("C")
        await wait_until(pilot, lambda: isinstance(app.screen, ContextDialog), what="dialog")
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), what="cancelled")
        assert app.generation == 1
