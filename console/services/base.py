"""What every service shares: the session factory, the gate, pagination, translation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from console.aws.session import SessionFactory
from console.gate import MutationGate

T = TypeVar("T")
# Items per list call: moto returns everything in one page without it (AWS defaults to 10).
PAGE_SIZE = 100


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

    @staticmethod
    def newest_first(status: str | None = None, name_contains: str | None = None) -> dict[str, Any]:
        """The request parameters of a SageMaker list call: newest first, optional filters.

        ``status`` must already be checked (each service knows its own status words).
        """
        params: dict[str, Any] = {"SortBy": "CreationTime", "SortOrder": "Descending"}
        if status is not None:
            params["StatusEquals"] = status
        if name_contains:
            params["NameContains"] = name_contains
        return params

    def pages(
        self, operation: str, result_key: str, *, client: Any = None, **params: Any
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield each page's items of ``result_key``, one API call per page.

        ``PageSize`` is set because moto returns everything in one page without it (real
        AWS defaults to 10). Closing the generator early requests no further pages.
        """
        client = client or self.client
        try:
            paginator = client.get_paginator(operation)
            for page in paginator.paginate(**params, PaginationConfig={"PageSize": PAGE_SIZE}):
                yield list(page.get(result_key, []))
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
        """Yield items across all pages, lazily, stopping after ``limit`` items.

        A caller that wants the newest 50 never pays for the whole account history.
        """
        count = 0
        for page in self.pages(operation, result_key, client=client, **params):
            for item in page:
                yield item
                count += 1
                if limit is not None and count >= limit:
                    return

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
        """Run a mutating API call through the gate (read-only check + audit).

        A change whose answer was lost but that reading back confirmed returns ``{}``
        (the answer's fields are gone), so callers reading ``result.get(...)`` still work.
        """
        result = self.gate.run(action, target, params, lambda: fn(*args, **kwargs))
        return cast(T, {}) if result is None else result

    def mutate_checked(
        self,
        action: str,
        target: str,
        params: dict[str, Any] | None,
        call: Callable[[], T],
        reconcile: Callable[[], bool | None],
    ) -> T:
        """:meth:`mutate` for changes that can be confirmed by reading state back.

        ``reconcile`` answers "did it take effect?" (True/False/None) when the answer to
        ``call`` is lost; see :meth:`MutationGate.run`.
        """
        return self.gate.run(action, target, params, call, reconcile=reconcile)
