"""Touching live moto objects from the demo: its clock and the one safe way to change them.

Apart from the seed and the handlers (:mod:`console.demo.moto_extras`) so that both, and
the cluster node helpers they share (:mod:`console.demo.cluster_nodes`), import it
without importing each other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def utc_now() -> datetime:
    """Naive UTC, the form moto keeps its own timestamps in (mixing forms breaks filters)."""
    return datetime.now(UTC).replace(tzinfo=None)


def patch(obj: Any, **values: Any) -> None:
    """Set attributes on a live moto object in one atomic step.

    moto builds describe responses by iterating the object's ``__dict__`` in a server
    thread; adding a key while that runs raises "dictionary changed size during
    iteration". Swapping in a new dict is atomic, so a concurrent reader sees the old
    state or the new one, never a half-written mix.
    """
    merged = dict(obj.__dict__)
    merged.update(values)
    obj.__dict__ = merged


# Service Quotas' applied limits by (instance type, usage), served by the moto extras'
# ListServiceQuotas: the seed and tests set them (here, so the seed needs no moto_extras).
SAGEMAKER_QUOTAS: dict[tuple[str, str], float] = {}


def caller_context(account_id: str, principal: str = "user/moto") -> dict[str, Any]:
    """A UserContext (CreatedBy) naming an IAM identity, as AWS gives for a caller that is
    not a Studio user; ``user/moto`` is who moto's STS says the demo's operator is."""
    return {
        "IamIdentity": {
            "Arn": f"arn:aws:sts::{account_id}:{principal}",
            "PrincipalId": f"AIDA{account_id}DEMO",
        }
    }
