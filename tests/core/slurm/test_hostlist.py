"""Slurm host lists: expand/compress round trip (Hypothesis), Slurm's own forms, and the
fit to a table cell (issue 15: ``…12,…31-1-13`` at 80 columns)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.sanitize import inert
from console.slurm.hostlist import compress, expand, fit_hostlist
from tests.support.hostile import CORPUS, assert_inert_value


def test_slurms_forms_expand() -> None:
    assert expand("ip-10-1-1-[12,31]") == ["ip-10-1-1-12", "ip-10-1-1-31"]
    assert expand("node[01-03],gpu7") == ["node01", "node02", "node03", "gpu7"]
    assert expand("a[1-2]-b[1-2]") == ["a1-b1", "a1-b2", "a2-b1", "a2-b2"]
    assert expand("") == [] and expand("login") == ["login"]
    for bad in ("n[1-", "n[a-b]", "n[3-1]"):
        with pytest.raises(ValueError):
            expand(bad)


def test_compress_writes_what_slurm_writes() -> None:
    assert compress(["ip-10-1-1-13", "ip-10-1-1-12", "ip-10-1-1-31"]) == "ip-10-1-1-[12-13,31]"
    assert compress(["node09", "node10", "node11"]) == "node[09-11]"
    assert compress(["n9", "n10", "login"]) == "n[9-10],login"
    assert compress(["ip-10-1-1-14"]) == "ip-10-1-1-14"


NAMES = st.lists(
    st.builds(
        lambda prefix, number, padded: f"{prefix}{str(number).zfill(3) if padded else number}",
        st.sampled_from(["ip-10-1-1-", "node", "gpu-a", "x"]),
        st.integers(0, 400),
        st.booleans(),
    ),
    min_size=1,
    max_size=40,
    unique=True,
)


@given(NAMES)
def test_compress_then_expand_gives_the_same_hosts(names: list[str]) -> None:
    expression = compress(names)
    assert sorted(expand(expression)) == sorted(names)
    assert len(expression) <= sum(len(n) + 1 for n in names)


@given(NAMES, st.integers(1, 30))
def test_a_fitted_list_never_overflows_and_never_shows_a_cut_number(
    names: list[str], width: int
) -> None:
    fitted = fit_hostlist(",".join(names), width)
    full = compress(names)
    assert len(fitted) <= width
    count = re.fullmatch(rf"{len(names)}( nodes|n)?", fitted)
    assert fitted == full or count or (fitted.startswith("…") and full.endswith(fitted[1:]))
    if fitted.startswith("…") and "[" in fitted:  # the bracketed numbers are all there
        assert fitted[fitted.index("[") :] == full[full.rindex("[") :]


def test_the_80_column_cases() -> None:
    two = "ip-127-31-1-12,ip-127-31-1-13"
    assert fit_hostlist(two, 30) == "ip-127-31-1-[12-13]"
    assert fit_hostlist(two, 12) == "…1-[12-13]"  # the numbers that differ, whole
    assert fit_hostlist("ip-127-31-1-14", 12) == "…127-31-1-14"
    many = ",".join(f"ip-10-{i}-0-{j}" for i in range(4) for j in range(3, 9, 2))
    assert fit_hostlist(many, 12) == "12 nodes"
    assert fit_hostlist("ip-10-1-1-[12,31]", 40) == "ip-10-1-1-[12,31]"


@given(st.sampled_from(CORPUS), st.integers(1, 40))
def test_hostile_node_text_is_fitted_inert(text: str, width: int) -> None:
    """A node list is outside text: sanitised first (as the parsers do), then fitted
    without growing, crashing or turning back into control characters."""
    value = inert(f"ip-10-1-1-[1-2],{text}", 200)
    fitted = fit_hostlist(value, width)
    assert len(fitted) <= width
    assert_inert_value(fitted)
