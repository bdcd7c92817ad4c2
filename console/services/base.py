"""What every service shares: the session factory, the gate, pagination, translation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from console.aws.session import SessionFactory
from console.gate import MutationGate

T = TypeVar("T")


class Service:
    """Base for the per-area services. Subclasses name their boto3 service in ``SERVICE``."""

    SERVICE = "sagemaker"

    def __init__(self, sessions: SessionFactory, gate: MutationGate) -> None:
        self.sessions = sessions
        self.gate = gate

    @property
    def client(self) -> Any:
        return self.sessions.client(self.SERVICE)

    def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call a read API, translating any failure into an ``SmError``."""
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            raise self.sessions.translate(exc) from exc

    def paginate(
        self,
        operation: str,
        result_key: str,
        *,
        limit: int | None = None,
        client: Any = None,
        **params: Any,
    ) -> Iterator[dict[str, Any]]:
        """Yield items of ``result_key`` across all pages, stopping after ``limit``.

        Reads lazily, page by page, so a caller that wants the newest 50 never pays for
        the whole account history. ``PageSize`` is set because moto returns everything
        in one page without it (real AWS defaults to 10).
        """
        client = client or self.client
        try:
            paginator = client.get_paginator(operation)
            config: dict[str, Any] = {"PageSize": 100}
            if limit is not None:
                config["MaxItems"] = limit
            count = 0
            for page in paginator.paginate(**params, PaginationConfig=config):
                for item in page.get(result_key, []):
                    yield item
                    count += 1
                    if limit is not None and count >= limit:
                        return
        except Exception as exc:
            raise self.sessions.translate(exc) from exc

    def mutate(
        self,
        action: str,
        target: str,
        params: dict[str, Any] | None,
        fn: Callable[..., T],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> T:
        """Run a mutating API call through the gate (read-only check + audit)."""
        return self.gate.run(action, target, params, lambda: fn(*args, **kwargs))
