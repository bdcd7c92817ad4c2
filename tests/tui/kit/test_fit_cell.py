"""Fitting a value into a cell (issue 15): numbers are never cut, names keep the part
that tells rows apart (the shared prefix and then the middle give way first)."""

from __future__ import annotations

import math

from hypothesis import assume, given
from hypothesis import strategies as st
from rich.cells import cell_len

from screens.kit.formatting import ELLIPSIS, common_prefix, fit_cell, is_number

NAMES = st.text(alphabet="abcxyz0189-_:./", min_size=1, max_size=40)
WIDTHS = st.integers(min_value=1, max_value=40)
FLOATS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)


def _half_unit(shown: str) -> float:
    """Half a unit in the last place ``shown`` writes (its rounding error at most)."""
    body = shown.rstrip("%")
    mantissa, _e, exponent = body.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10 ** (int(exponent or 0) - decimals)


@given(FLOATS, st.integers(min_value=0, max_value=8), WIDTHS)
def test_numbers_are_rounded_never_cut(number: float, decimals: int, width: int) -> None:
    value = f"{number:.{decimals}f}"
    cell = fit_cell(value, width)
    assert cell_len(cell) == width
    shown = cell.strip()
    assert ELLIPSIS not in cell
    if set(shown) == {"#"}:
        return  # too narrow for any honest form: says so, never a wrong number
    assert is_number(shown)
    exact = float(value)
    assert math.isclose(float(shown), exact, abs_tol=_half_unit(shown) * 1.0001 + 1e-12)


@given(FLOATS, st.integers(min_value=0, max_value=6))
def test_a_number_that_fits_is_shown_as_it_is(number: float, decimals: int) -> None:
    value = f"{number:.{decimals}f}"
    assert fit_cell(value, len(value)).strip() == value


@given(NAMES, WIDTHS, st.text(alphabet="abc-", max_size=6))
def test_every_cell_is_exactly_its_width(value: str, width: int, prefix: str) -> None:
    assert cell_len(fit_cell(value, width, prefix)) == width
    assert cell_len(fit_cell(value, width)) == width


@given(NAMES, NAMES, WIDTHS)
def test_distinct_names_stay_distinct_when_the_width_allows(a: str, b: str, width: int) -> None:
    assume(a != b and not is_number(a) and not is_number(b))
    prefix = common_prefix([a, b])
    # The width allows: what is left after the shared prefix fits beside the "…".
    assume(max(len(a), len(b)) - len(prefix) + 1 <= width)
    assert fit_cell(a, width, prefix) != fit_cell(b, width, prefix)


@given(NAMES, NAMES, WIDTHS)
def test_distinct_names_stay_distinct_with_middle_ellipsis(a: str, b: str, width: int) -> None:
    """Without a shared prefix to drop, names that differ in their last cells stay apart."""
    assume(not is_number(a) and not is_number(b))
    tail = (width - 1) - (width - 1) // 3
    assume(tail > 0 and a[-tail:] != b[-tail:])
    assert fit_cell(a, width) != fit_cell(b, width)


def test_the_cases_operators_met() -> None:
    runs = ["xgb-churn-2026-12-05-a1b2", "xgb-churn-2026-12-05-c3d4"]
    prefix = common_prefix(runs)
    assert prefix == "xgb-churn-2026-12-05-"
    assert [fit_cell(r, 12, prefix) for r in runs] == ["…-12-05-a1b2", "…-12-05-c3d4"]
    assert [fit_cell(r, 5, prefix) for r in runs] == ["…a1b2", "…c3d4"]
    assert fit_cell("0.943217", 4) == "0.94"
    assert fit_cell("0.943217", 6) == "0.9432"
    assert fit_cell("validation:logloss", 12).endswith(":logloss")
    assert fit_cell("12%", 2) == "##"
    assert fit_cell("Instance failed deep health checks", 12) == "Instance fa…"
    # A Slurm reason in the Nodes column's place (HyperPod queue at 80 columns).
    assert fit_cell("(JobArrayTaskLimit)", 12) == "(JobArrayT…)"
    assert common_prefix(["same", "same"]) == ""
    assert common_prefix(["ab", "ac"]) == ""  # a prefix ends at a separator


@given(NAMES, WIDTHS)
def test_a_reason_in_parentheses_is_cut_at_its_end_and_stays_closed(
    reason: str, width: int
) -> None:
    value = f"({reason})"
    cell = fit_cell(value, width)
    assert cell_len(cell) == width
    if len(value) > width >= 4:
        assert cell.startswith("(") and cell.endswith("…)") and reason.startswith(cell[1:-2])


@given(
    st.lists(
        st.tuples(st.sampled_from(["auc", "logloss", "f1", "rmse"]), FLOATS), min_size=1, max_size=4
    ),
    st.integers(min_value=2, max_value=40),
)
def test_prose_is_never_cut_inside_a_number(metrics: list[tuple[str, float]], width: int) -> None:
    """Issue 15 walkthrough: the Registry's Key metrics at 80x24 read ``logloss 0.…``."""
    value = " · ".join(f"{name} {number:.4g}" for name, number in metrics)
    cell = fit_cell(value, width)
    assert cell_len(cell) == width
    numbers = {f"{number:.4g}" for _, number in metrics}
    for token in cell.rstrip(" " + ELLIPSIS).split():
        if is_number(token):
            assert token in numbers, (value, cell)


def test_key_metrics_keep_whole_numbers() -> None:
    assert fit_cell("auc 0.8894 · logloss 0.2627", 24) == "auc 0.8894 · logloss …  "
