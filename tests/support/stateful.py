"""The budget of the model-based (Hypothesis stateful) tests, in one place.

The suite runs a small budget so each machine stays well under ~20 s; ``bench/stateful.py``
sets ``STATEFUL_EXAMPLES`` to run the same machines with a large one.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("STATEFUL_EXAMPLES", "60"))
# Steps per example: long enough for add/leave/come-back sequences, short enough to shrink.
STEPS = int(os.environ.get("STATEFUL_STEPS", "30"))

STATEFUL = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    # The bench counts failures from the run; the database would replay old ones.
    database=None,
)
