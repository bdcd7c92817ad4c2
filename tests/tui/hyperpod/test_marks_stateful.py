"""The queue pane's marks against a plain model (Hypothesis stateful): toggling, rows
leaving and coming back with polls, clearing; an action's targets are always the marked
rows that are shown, in shown order, or else the cursor's row, and never a row that is
gone."""

from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from screens.hyperpod.marks import Marks

KEYS = st.sampled_from([f"{n}" for n in range(1, 9)] + ["14_1", "14_[2-3]"])


class MarksMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.marks = Marks()
        self.model: set[str] = set()
        self.present: list[str] = ["1", "2", "3"]

    @rule(key=KEYS)
    def toggle(self, key: str) -> None:
        now = self.marks.toggle(key, self.present)
        if key in self.model:
            self.model.discard(key)
        elif key in self.present:
            self.model.add(key)
        assert now == (key in self.model)

    @rule(rows=st.lists(KEYS, unique=True, max_size=8))
    def poll(self, rows: list[str]) -> None:
        gone = self.marks.keep(rows)
        assert gone == self.model - set(rows)
        self.model &= set(rows)
        self.present = rows

    @rule()
    def clear(self) -> None:
        assert self.marks.clear() == self.model
        self.model = set()

    @rule(cursor=st.one_of(st.none(), KEYS), shown_count=st.integers(0, 8))
    def targets(self, cursor: str | None, shown_count: int) -> None:
        shown = self.present[:shown_count]  # a filter shows some of the rows
        got = self.marks.targets(shown, cursor)
        marked = [k for k in shown if k in self.model]
        assert got == (marked or ([cursor] if cursor is not None else []))

    @invariant()
    def same_as_model(self) -> None:
        assert len(self.marks) == len(self.model)
        assert all(k in self.marks for k in self.model)
        assert self.model <= set(self.present)


TestMarks = MarksMachine.TestCase
TestMarks.settings = settings(max_examples=150, stateful_step_count=30, deadline=None)
