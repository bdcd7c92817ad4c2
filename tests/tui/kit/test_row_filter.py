"""The `/` filter language."""

from __future__ import annotations

from screens.kit.row_filter import RowFilter

COLUMNS = ("type", "name", "status", "secondary")
ROWS = {
    "a": {
        "type": "training",
        "name": "llama-ft-v3",
        "status": "InProgress",
        "secondary": "Training",
    },
    "b": {"type": "training", "name": "llama-ft-v2-oom", "status": "Failed", "secondary": "Failed"},
    "c": {"type": "processing", "name": "prep-failed-rows", "status": "Completed", "secondary": ""},
    "d": {"type": "tuning", "name": "sweep-07", "status": "Completed", "secondary": ""},
}


def kept(text: str) -> set[str]:
    row_filter = RowFilter.parse(text, COLUMNS)
    return {key for key, row in ROWS.items() if row_filter.matches(row)}


def test_empty_filter_keeps_everything() -> None:
    assert kept("") == set(ROWS)
    assert kept("   ") == set(ROWS)
    assert not RowFilter.parse("").active


def test_substring_is_case_insensitive_across_columns() -> None:
    assert kept("LLAMA") == {"a", "b"}
    assert kept("failed") == {"b", "c"}  # status of b, name of c


def test_inverted() -> None:
    assert kept("!llama") == {"c", "d"}
    assert kept("! llama") == {"c", "d"}


def test_explicit_regex() -> None:
    assert kept("re:^llama-ft-v\\d$") == {"a"}
    assert kept("re:sweep|prep") == {"c", "d"}


def test_regex_syntax_without_prefix() -> None:
    assert kept("^prep") == {"c"}
    assert kept("v[23]") == {"a", "b"}


def test_column_scoped_and_aliases() -> None:
    assert kept("status:failed") == {"b"}
    assert kept("state:failed") == {"b"}
    assert kept("kind:tuning") == {"d"}
    assert kept("type:training") == {"a", "b"}
    assert kept("!status:re:^(Completed)$") == {"a", "b"}


def test_unknown_column_prefix_is_plain_text() -> None:
    # "foo:" is not a column, so the whole text is searched for.
    assert kept("foo:bar") == set()


def test_bad_explicit_regex_reports_and_filters_nothing() -> None:
    row_filter = RowFilter.parse("re:(unclosed", COLUMNS)
    assert row_filter.error is not None and "bad regex" in row_filter.error
    assert not row_filter.active
    assert all(row_filter.matches(row) for row in ROWS.values())


def test_regex_looking_text_that_is_not_a_regex_falls_back_to_substring() -> None:
    rows = {"x": {"name": "job(1"}, "y": {"name": "job2"}}
    row_filter = RowFilter.parse("job(", ("name",))
    assert row_filter.error is None
    assert {k for k, row in rows.items() if row_filter.matches(row)} == {"x"}
