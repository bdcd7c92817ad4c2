"""The demo on push (issue 18): the simulator's state changes reach the demo console's
events queue through a real EventBridge rule (moto), in the documented shapes; with
``--poll`` the demo has no queue."""

from __future__ import annotations

import time
from collections.abc import Sequence

from console.aws.session import AwsContext, SessionFactory
from console.demo.stack import DemoStack
from console.events.consumer import EventConsumer
from console.events.records import ResourceChanged


def test_the_simulator_publishes_state_changes_to_the_demo_queue() -> None:
    stack = DemoStack(tick_seconds=0.2, seed=7, mlflow=False)
    stack.start()
    try:
        config = stack.config()
        assert config.events_queue_url
        factory = SessionFactory(AwsContext(region=config.region, endpoint_url=config.endpoint_url))
        seen: list[ResourceChanged] = []

        def handler(changes: Sequence[ResourceChanged]) -> None:
            seen.extend(changes)

        with stack.environment():
            consumer = EventConsumer(factory, config.events_queue_url, handler, wait_seconds=1)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(c.kind == "training" for c in seen):
                result = consumer.poll_once()
                assert not result.error, result.error
        training = [c for c in seen if c.kind == "training"]
        assert training, f"no training event (published {stack.events.published})"
        # The event says what the account says (a describe of the job agrees).
        change = training[0]
        assert change.status in {"InProgress", "Completed", "Failed", "Stopped", "Stopping"}
        assert change.arn.endswith(f"training-job/{change.name}")
        assert change.modified is not None
    finally:
        stack.stop()


def test_poll_mode_has_no_queue() -> None:
    stack = DemoStack(tick_seconds=0.2, seed=7, mlflow=False, events=False)
    stack.start()
    try:
        assert stack.config().events_queue_url == ""
        assert stack.simulator.events is None
    finally:
        stack.stop()
