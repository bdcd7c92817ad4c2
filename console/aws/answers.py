"""What counts as an answer: the check every AWS response passes before botocore parses it.

botocore reads a 200 generously: an empty JSON body parses to ``{}``, garbage or a proxy's
HTML login page to ``{"message": "<html>…"}``, and a body cut short under a matching
Content-Length to whatever is left. A listing then reads as "no training jobs" and a create
as done while the server never got the call. So a successful (2xx) answer counts only if

- it is not an HTML page (a captive portal or corporate proxy answering for AWS);
- for the JSON protocols, the body is one JSON object (an empty body only where the
  operation has no output); for the query protocol (STS, IAM), the body is XML whose root
  is ``<OperationResponse>``;
- the members the service model marks *required* in the output are there: every required
  list or map (``TrainingJobSummaries``: a missing list would read as "none"), and at
  least one of the others (``{}`` or ``{"message": …}`` is not a describe or a create's
  ``TrainingJobArn``). Not all of them: local stacks such as moto leave out a few
  required members (``CreatedBy``, ``ModelPackageName``) in answers that are otherwise
  whole.

Anything else raises :class:`UnreadableAnswerError` (exit 8, "unreadable answer from
<service> (<host>)"). Raised from the ``before-parse`` hook, it is never retried by
botocore; a mutation whose answer is unreadable is audited ``unknown`` and read back.
Streaming and raw-payload outputs (InvokeEndpoint's body, log streams) are left alone:
their bytes are the caller's data, not an AWS answer shape.
"""

from __future__ import annotations

import json
from typing import Any

from console.errors import UnreadableAnswerError


def has_idempotency_token(operation_model: Any) -> bool:
    """True when botocore fills an idempotency token (e.g. ClientToken) for the call: a
    resend then carries the same token and AWS applies the change once."""
    shape = getattr(operation_model, "input_shape", None)
    members = getattr(shape, "members", None) or {}
    return any(member.metadata.get("idempotencyToken") for member in members.values())


def unreadable_reason(operation_model: Any, response_dict: dict[str, Any]) -> str:
    """Why a 2xx answer is not an answer ("" when it is one, or is not ours to judge)."""
    status = response_dict.get("status_code")
    if not isinstance(status, int) or not 200 <= status < 300 or status == 204:
        return ""
    if str(getattr(operation_model, "http", {}).get("method", "")).upper() == "HEAD":
        return ""
    output = getattr(operation_model, "output_shape", None)
    if output is None or getattr(operation_model, "has_streaming_output", False):
        return ""
    if output.serialization.get("payload"):
        return ""  # a raw payload (InvokeEndpoint's Body): the caller's bytes
    body = response_dict.get("body")
    if not isinstance(body, bytes | bytearray):
        return ""
    headers = response_dict.get("headers") or {}
    content_type = str(headers.get("content-type", "")).lower()
    protocol = str(operation_model.metadata.get("protocol", ""))
    start = body.lstrip()[:15].lower()
    # Judged by the body: some servers (moto among them) label JSON answers text/html, and
    # a proxy's page labelled anything starts like a document.
    if start.startswith((b"<!doctype", b"<html")) or (
        "html" in content_type and start.startswith(b"<") and protocol != "query"
    ):
        return "an HTML page, not an AWS answer"
    if protocol in ("json", "rest-json"):
        parsed = _json_object(bytes(body), required=bool(output.members))
        if isinstance(parsed, str):
            return parsed
    elif protocol == "query":
        parsed = _query_result(bytes(body), operation_model.name)
        if isinstance(parsed, str):
            return parsed
    else:
        return ""
    required = list(output.required_members)
    missing = [name for name in required if name not in parsed]
    lists = [name for name in missing if output.members[name].type_name in ("list", "map")]
    if lists or (missing and len(missing) == len(required)):
        return f"the answer lacks {', '.join(sorted(lists or missing)[:3])}"
    return ""


def _json_object(body: bytes, *, required: bool) -> dict[str, Any] | str:
    if not body.strip():
        return "an empty body" if required else {}
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "not JSON (cut short or garbled)"
    if not isinstance(parsed, dict):
        return "not a JSON object"
    return parsed


def _query_result(body: bytes, operation: str) -> dict[str, Any] | str:
    """The members present in a query-protocol answer's ``<OperationResult>``."""
    from xml.etree import ElementTree

    if not body.strip():
        return "an empty body"
    try:
        root = ElementTree.fromstring(body)  # noqa: S314 - AWS XML, no DTDs/entities expanded
    except ElementTree.ParseError:
        return "not XML (cut short or garbled)"
    if _local(root.tag) != f"{operation}Response":
        return f"an XML document that is not a {operation} answer"
    members: dict[str, Any] = {}
    for child in root:
        if _local(child.tag) == f"{operation}Result":
            members.update({_local(item.tag): True for item in child})
    return members


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def check_answer(
    service: str, host: str, operation_model: Any, response_dict: dict[str, Any]
) -> None:
    """Raise :class:`UnreadableAnswerError` unless the answer counts (see module doc)."""
    reason = unreadable_reason(operation_model, response_dict)
    if reason:
        raise UnreadableAnswerError(service, host, reason)
