"""Validators: accept what AWS accepts, refuse the rest with one line, never crash."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console import validate
from console.errors import ValidationError

AWS_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")


@pytest.mark.parametrize("good", ["a", "job-1", "A1-b2--c3", "x" * 63])
def test_names_accepted(good: str) -> None:
    assert validate.name(good) == good


@pytest.mark.parametrize("bad", ["", "-a", "a-", "a_b", "a b", "x" * 64, "a;rm", "é"])
def test_names_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        validate.name(bad)


@settings(max_examples=300)
@given(st.text(max_size=80))
def test_name_matches_the_aws_rule(text: str) -> None:
    expected = bool(text) and len(text) <= 63 and AWS_NAME.match(text) is not None
    try:
        validate.name(text)
        accepted = True
    except ValidationError as exc:
        accepted = False
        assert "\n" not in exc.message
    assert accepted == expected


@pytest.mark.parametrize("good", ["s3://bucket", "s3://my-bucket/path/to/x", "s3://a.b-c/k"])
def test_s3_accepted(good: str) -> None:
    assert validate.s3_uri(good) == good


@pytest.mark.parametrize(
    "bad", ["bucket/x", "s3:/bucket", "s3://", "s3://B/x", "s3://a..b/x", "s3://ok/x y", "http://x"]
)
def test_s3_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        validate.s3_uri(bad)


@pytest.mark.parametrize(
    "good", ["ml.m5.xlarge", "ml.p4d.24xlarge", "ml.g5.2xlarge", "ml.t3.medium"]
)
def test_instance_types(good: str) -> None:
    assert validate.instance_type(good) == good


@pytest.mark.parametrize("bad", ["m5.xlarge", "ml.m5", "ML.M5.XLARGE", "ml..x", "ml.m5.xlarge;"])
def test_instance_types_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        validate.instance_type(bad)


def test_arns() -> None:
    assert validate.role_arn("arn:aws:iam::123456789012:role/service-role/sm")
    with pytest.raises(ValidationError, match="sagemaker ARN, expected iam"):
        validate.role_arn("arn:aws:sagemaker:us-east-1:123456789012:endpoint/x")
    with pytest.raises(ValidationError, match="not an IAM role"):
        validate.role_arn("arn:aws:iam::123456789012:user/bob")
    with pytest.raises(ValidationError):
        validate.arn("arn:aws:iam::123:role/x")


def test_json_payload_reports_position() -> None:
    assert validate.json_payload('{"a": [1, 2]}') == {"a": [1, 2]}
    with pytest.raises(ValidationError, match="line 1 column 7"):
        validate.json_payload('{"a": }')
    with pytest.raises(ValidationError, match="JSON object"):
        validate.json_object("[1]")


def test_key_values() -> None:
    assert validate.key_values(["lr=0.1", "epochs=3", "empty="], "--hp") == {
        "lr": "0.1",
        "epochs": "3",
        "empty": "",
    }
    with pytest.raises(ValidationError, match="KEY=VALUE"):
        validate.key_values(["novalue"], "--hp")


def test_positive_int() -> None:
    assert validate.positive_int("3", "count") == 3
    for bad in ("0", "-1", "x", None, True, "101"):
        with pytest.raises(ValidationError):
            validate.positive_int(bad, "count", maximum=100)


VALIDATORS = [
    validate.name,
    validate.s3_uri,
    validate.instance_type,
    validate.arn,
    validate.role_arn,
    validate.role_name,
    validate.image_uri,
    validate.json_payload,
]


@settings(max_examples=200)
@given(
    st.sampled_from(VALIDATORS),
    st.one_of(st.text(max_size=300), st.binary().map(lambda b: b.decode("latin-1"))),
)
def test_validators_never_crash(fn, text: str) -> None:
    try:
        fn(text)
    except ValidationError as exc:
        assert exc.message and "\n" not in exc.message


@settings(max_examples=200)
@given(
    st.recursive(
        st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_json_payload_round_trips(value) -> None:
    import json

    assert validate.json_payload(json.dumps(value)) == value


def test_json_payload_deep_nesting_is_one_line() -> None:
    with pytest.raises(ValidationError, match="nested too deeply"):
        validate.json_payload("[" * 100_000 + "]" * 100_000)


def test_choice_matches_case_insensitively_and_names_the_field() -> None:
    from console.errors import ValidationError
    from console.validate import choice

    assert choice(None, ("InService", "Failed"), "endpoint status") is None
    assert choice(" inservice ", ("InService", "Failed"), "endpoint status") == "InService"
    with pytest.raises(ValidationError, match="unknown endpoint status 'Running'") as info:
        choice("Running", ("InService", "Failed"), "endpoint status")
    assert info.value.hint == "one of InService, Failed"
