"""The Reason cell shows what went wrong, not SageMaker's wrapper around it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.demo.seed import FAILURES
from screens.jobs.table import reason_headline
from tests.support.hostile import CORPUS


@pytest.mark.parametrize(
    ("key", "headline"),
    [
        ("oom", "AlgorithmError: torch.OutOfMemoryError: CUDA out of memory."),
        ("keyerror", "AlgorithmError: KeyError: 'label'"),
        ("nan", "AlgorithmError: xgboost.core.XGBoostError: [04:12:44]"),
        ("capacity", "CapacityError: Unable to provision requested ML compute"),
    ],
)
def test_a_scripts_error_comes_before_the_wrapper(key: str, headline: str) -> None:
    """`AlgorithmError: ExecuteUserScriptError:` / `ExitCode 1` / `ErrorMessage "…"`: the
    cell read `AlgorithmError: Exe…` for every failed script."""
    assert reason_headline(FAILURES[key].reason, 200).startswith(headline)


def test_the_cell_leaves_the_category_to_the_detail() -> None:
    reason = FAILURES["keyerror"].reason
    assert reason_headline(reason, category=False) == "KeyError: 'label'"
    assert reason_headline(FAILURES["oom"].reason, 24, category=False) == "torch.OutOfMemoryError:…"
    assert reason_headline("CapacityError: none left", category=False) == "CapacityError: none left"


def test_a_plain_reason_is_its_first_line_cut_to_the_width() -> None:
    assert reason_headline("\n  ClientError: no such key\nmore") == "ClientError: no such key"
    assert reason_headline("x" * 50, 10) == "x" * 9 + "…"
    assert reason_headline("") == ""


@given(st.one_of(st.sampled_from(CORPUS), st.text()), st.integers(min_value=2, max_value=80))
def test_any_reason_gives_one_line_within_the_width(text: str, width: int) -> None:
    line = reason_headline(text, width)
    assert "\n" not in line and "\r" not in line and len(line) <= width
