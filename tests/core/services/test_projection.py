"""The projected cost of a create/start/scale against the demo's Price List (cached as
the console reads it): values computed by hand, the caps, and unknown prices."""

from __future__ import annotations

from typing import Any

import pytest

from console.config import load_config
from console.context import ConsoleContext
from console.demo.prices import TABLE, write_demo_prices
from console.errors import ConfigError
from console.services.projection import CostCapError, cost_cap, project_hourly, project_job


def context(**overrides: Any) -> ConsoleContext:
    return ConsoleContext(load_config(overrides=overrides or None))


@pytest.fixture
def priced(aws: Any) -> None:
    config = load_config()
    write_demo_prices(config.region or "us-east-1", config.endpoint_url or aws.url)


def test_a_job_costs_at_most_price_times_count_times_runtime(priced: None) -> None:
    ctx = context()
    got = project_job(ctx.pricing, ctx.config, "big", "training", "ml.g5.12xlarge", 2, 7200)
    assert TABLE[("Training", "ml.g5.12xlarge")] == 7.09
    assert got.usd == pytest.approx(28.36)  # 7.09 x 2 x 2 h
    assert got.shown == "$28.36" and not got.hourly
    assert got.line == (
        "projected cost: at most $28.36 (2 x ml.g5.12xlarge at $7.09/h for up to 2 h)"
    )
    assert got.refusal is None and got.warning == ""


def test_hourly_sums_every_need(priced: None) -> None:
    ctx = context()
    needs = [("endpoint", "ml.m5.large", 2), ("endpoint", "ml.g5.xlarge", 1)]
    got = project_hourly(ctx.pricing, ctx.config, "ep", needs)
    assert got.usd == pytest.approx(2 * 0.115 + 1.408)  # 1.638
    assert got.shown == "$1.638/h"
    assert "2 x ml.m5.large, 1 x ml.g5.xlarge" in got.line


def test_caps_refuse_with_the_numbers(priced: None) -> None:
    ctx = context(max_job_cost="20", max_hourly_cost="1")
    job = project_job(ctx.pricing, ctx.config, "big", "training", "ml.g5.12xlarge", 2, 7200)
    assert isinstance(job.refusal, CostCapError)
    assert "$28.36" in job.refusal.message and "max_job_cost $20.00" in job.refusal.message
    hourly = project_hourly(ctx.pricing, ctx.config, "ep", [("endpoint", "ml.g5.xlarge", 1)])
    assert hourly.refusal is not None and "max_hourly_cost $1.00" in hourly.refusal.message
    fits = project_hourly(ctx.pricing, ctx.config, "ep", [("endpoint", "ml.m5.large", 1)])
    assert fits.refusal is None


def test_unknown_prices_never_block(priced: None, aws: Any) -> None:
    ctx = context(max_job_cost="1")
    unknown = project_job(ctx.pricing, ctx.config, "j", "training", "ml.trn1.32xlarge", 1, 60)
    assert unknown.usd is None and unknown.refusal is None and unknown.shown == "?"
    assert "no training price for ml.trn1.32xlarge" in unknown.warning


def test_a_local_stack_without_prices_is_quiet(aws: Any) -> None:
    ctx = context()  # no cache: the local endpoint has no Price List API
    got = project_hourly(ctx.pricing, ctx.config, "nb", [("notebook", "ml.t3.medium", 1)])
    assert got.usd is None and got.warning == "" and "?" in got.line


@pytest.mark.parametrize("bad", ["-5", "nan", "inf", "lots", "0"])
def test_a_bad_cap_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="max_job_cost"):
        cost_cap(load_config(overrides={"max_job_cost": bad}), "max_job_cost")
