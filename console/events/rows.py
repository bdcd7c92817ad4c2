"""One describe per pushed change, as the row a view shows (through the services).

The TUI's live rows (screens/kit/live_rows.py) call these on the events consumer's thread:
one describe of just the resource that changed, mapped to the record its table holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from console.services.jobs import JobSummary

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.events.records import ResourceChanged
    from console.services.endpoints import Endpoint

# The kinds the Jobs tab lists (transform jobs are not listed there yet).
JOB_KINDS = ("training", "processing", "tuning")


def job_row(context: ConsoleContext, change: ResourceChanged) -> JobSummary | None:
    """The Jobs tab's row of the changed job (None: a kind the tab does not list)."""
    jobs = context.jobs
    if change.kind == "training":
        training = jobs.describe_training_job(change.name)
        return JobSummary(
            kind="training",
            name=training.name,
            status=training.status,
            arn=training.arn,
            created=training.created,
            modified=training.modified,
            ended=training.ended,
            secondary_status=training.secondary_status,
        )
    if change.kind == "processing":
        processing = jobs.describe_processing_job(change.name)
        return JobSummary(
            kind="processing",
            name=processing.name,
            status=processing.status,
            arn=processing.arn,
            created=processing.created,
            modified=processing.modified,
            ended=processing.ended,
        )
    if change.kind == "tuning":
        tuning = jobs.describe_tuning_job(change.name)
        return JobSummary(
            kind="tuning",
            name=tuning.name,
            status=tuning.status,
            arn=tuning.arn,
            created=tuning.created,
            modified=tuning.modified,
            ended=tuning.ended,
        )
    return None


def endpoint_row(context: ConsoleContext, change: ResourceChanged) -> Endpoint | None:
    """The Endpoints tab's row of the changed endpoint."""
    if change.kind != "endpoint":
        return None
    return context.endpoints.describe_endpoint(change.name)
