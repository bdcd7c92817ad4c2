"""The ledger on its own: any order of deliveries (duplicates, stale ones, describes seen by
the poller in between) ends showing the newest state, applied in increasing order only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from console.events.coalesce import coalesce
from console.events.ledger import Ledger
from console.events.records import ResourceChanged, ResourceKey

T0 = datetime(2026, 1, 1, tzinfo=UTC)
STATUS_AT = ["InProgress", "InProgress", "Stopping", "Completed", "Failed", "Stopped"]

# (version index, event id number, observed-by-a-describe?)
deliveries = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 8), st.booleans()), min_size=1, max_size=40
)


def _change(version: int, event: int) -> ResourceChanged:
    return ResourceChanged(
        kind="training",
        name="j",
        arn="",
        status=STATUS_AT[version],
        event_time=T0,
        modified=T0 + timedelta(seconds=version),
        event_id=f"{version}-{event}",
    )


@settings(max_examples=300, deadline=None)
@given(deliveries, st.integers(1, 5))
def test_newest_wins_and_nothing_applies_twice(
    plan: list[tuple[int, int, bool]], batch: int
) -> None:
    ledger = Ledger()
    shown: list[tuple[datetime, str]] = []
    newest_seen = -1
    for start in range(0, len(plan), batch):
        chunk = plan[start : start + batch]
        for version, _, observed in chunk:
            if observed:  # the poller described the resource at this version
                when = T0 + timedelta(seconds=version)
                ledger.observe(ResourceKey("training", "j"), when, STATUS_AT[version])
                newest_seen = max(newest_seen, version)
        fresh = [c for c in (_change(v, e) for v, e, _ in chunk) if ledger.accept(c)]
        for change in coalesce(fresh):
            assert change.modified is not None
            shown.append((change.modified, change.status))
            ledger.commit(change)
        newest_seen = max([newest_seen, *(v for v, _, _ in chunk)])
        applied = ledger.applied(ResourceKey("training", "j"))
        assert applied is not None
        assert applied.version == T0 + timedelta(seconds=newest_seen)
    times = [when for when, _ in shown]
    assert times == sorted(set(times))  # strictly increasing: never twice, never backwards
