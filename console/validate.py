"""Validation of operator input before anything is sent to AWS.

Each validator returns the cleaned value or raises :class:`ValidationError` with one line
that names the field, what was wrong and what is expected. Validators are pure functions
(no I/O) so they are cheap to call on every keystroke in a form, and fuzzed by Hypothesis.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from console.errors import ValidationError

NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*$")
NAME_MAX = 63
S3_URI_RE = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])(?:/(?P<key>.*))?$")
INSTANCE_TYPE_RE = re.compile(r"^ml\.[a-z0-9]+[a-z0-9-]*\.[a-z0-9]+$")
ARN_RE = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):(?P<service>[a-z0-9\-]+):"
    r"(?P<region>[a-z0-9\-]*):(?P<account>\d{12}|aws|):(?P<resource>.+)$"
)
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
IMAGE_RE = re.compile(r"^[a-z0-9][a-z0-9._\-/:@]*$", re.I)
# What to do when a create has no execution role (every create that needs one says this).
NO_ROLE_HINT = (
    "pass --role ARN, set execution_role_arn in the config, or run `smconsole role-create`"
)
# EC2 instance families as SageMaker prints them (ml.<family>.<size>), no dots elsewhere.


def _show(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def name(value: str, field: str = "name", max_len: int = NAME_MAX) -> str:
    """A SageMaker resource name: 1-63 chars, alphanumerics and hyphens, no edge hyphen."""
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{field} is empty", "use 1-63 letters, digits and hyphens")
    if len(value) > max_len:
        raise ValidationError(
            f"{field} is {len(value)} characters long, at most {max_len} allowed",
            f"shorten it to {max_len} characters or fewer",
        )
    if not NAME_RE.match(value):
        raise ValidationError(
            f"{field} {_show(value)} is not a valid SageMaker name",
            "use letters, digits and hyphens; start and end with a letter or digit",
        )
    return value


def s3_uri(value: str, field: str = "S3 URI") -> str:
    """An ``s3://bucket[/key]`` URI with a plausible bucket name."""
    if not isinstance(value, str) or not value.startswith("s3://"):
        raise ValidationError(
            f"{field} {_show(value)} must start with s3://", "expected s3://bucket/prefix"
        )
    match = S3_URI_RE.match(value)
    if not match or ".." in match.group("bucket") or any(c in value for c in "\n\r\t "):
        raise ValidationError(
            f"{field} {_show(value)} is not a valid S3 URI", "expected s3://bucket/prefix"
        )
    return value


def instance_type(value: str, field: str = "instance type") -> str:
    """A SageMaker instance type such as ``ml.m5.xlarge``."""
    if not isinstance(value, str) or not INSTANCE_TYPE_RE.match(value):
        raise ValidationError(
            f"{field} {_show(value)} is not a SageMaker instance type", "e.g. ml.m5.xlarge"
        )
    return value


def positive_int(value: Any, field: str, *, maximum: int | None = None) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{field} must be a whole number, got {_show(value)}", "e.g. 1"
        ) from None
    if isinstance(value, bool) or number < 1 or (maximum is not None and number > maximum):
        bound = f"1-{maximum}" if maximum else "at least 1"
        raise ValidationError(
            f"{field} must be {bound}, got {_show(value)}",
            f"pass a whole number from 1 to {maximum}" if maximum else "pass 1 or more",
        )
    return number


def arn(value: str, field: str = "ARN", service: str | None = None) -> str:
    """An AWS ARN, optionally of one service (``iam``, ``sagemaker``, …)."""
    match = ARN_RE.match(value) if isinstance(value, str) else None
    if not match or any(c.isspace() for c in value):
        raise ValidationError(f"{field} {_show(value)} is not an ARN", "arn:aws:SERVICE:…")
    if service and match.group("service") != service:
        raise ValidationError(
            f"{field} {_show(value)} is a {match.group('service')} ARN, expected {service}",
            f"pass an arn:aws:{service}:… ARN",
        )
    return value


def role_arn(value: str, field: str = "execution role") -> str:
    arn(value, field, service="iam")
    if ":role/" not in value:
        raise ValidationError(
            f"{field} {_show(value)} is not an IAM role ARN",
            "e.g. arn:aws:iam::123456789012:role/NAME (`smconsole role-list --sagemaker`)",
        )
    return value


def role_name(value: str, field: str = "role name") -> str:
    if not isinstance(value, str) or not ROLE_NAME_RE.match(value):
        raise ValidationError(
            f"{field} {_show(value)} is not a valid IAM role name",
            "1-64 characters: letters, digits and +=,.@_-",
        )
    return value


def image_uri(value: str, field: str = "image") -> str:
    """A container image reference (ECR URI or name:tag); no spaces or control chars."""
    if not isinstance(value, str) or not value or len(value) > 255 or not IMAGE_RE.match(value):
        raise ValidationError(
            f"{field} {_show(value)} is not a container image URI",
            "e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag (see `smconsole images`)",
        )
    return value


def json_payload(text: str, field: str = "payload") -> Any:
    """Parse JSON given by a person, with the line/column of the first mistake."""
    if not isinstance(text, str):
        raise ValidationError(f"{field} must be text", "pass JSON text or @file.json")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{field} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            "JSON wants double quotes around keys and strings (quote the whole payload "
            "for the shell), or pass @file.json",
        ) from None
    except RecursionError:
        raise ValidationError(
            f"{field} is nested too deeply", "flatten it; at most ~900 levels are read"
        ) from None


def json_object(text: str, field: str = "JSON") -> dict[str, Any]:
    value = json_payload(text, field)
    if not isinstance(value, dict):
        raise ValidationError(
            f"{field} must be a JSON object ({{...}}), got {type(value).__name__}",
            'e.g. {"key": "value"}',
        )
    return value


KV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,255}$")


def choice(value: str | None, allowed: Sequence[str], field: str) -> str | None:
    """``value`` matched case-insensitively to one of ``allowed`` (its canonical spelling);
    None passes through (no filter). Status filters of every list command use this."""
    if value is None:
        return None
    for candidate in allowed:
        if candidate.lower() == str(value).strip().lower():
            return candidate
    raise ValidationError(f"unknown {field} {_show(value)}", f"one of {', '.join(allowed)}")


def key_values(pairs: list[str] | tuple[str, ...], field: str) -> dict[str, str]:
    """``KEY=VALUE`` pairs (hyperparameters, environment) into a dict."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not KV_KEY_RE.match(key):
            raise ValidationError(
                f"{field} {_show(pair)} must look like KEY=VALUE", f"e.g. {field} lr=0.01"
            )
        out[key] = value
    return out
