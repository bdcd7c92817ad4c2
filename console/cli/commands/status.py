"""status and images: the account at a glance, and the prebuilt image catalog."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from console.cli.output import print_fields, print_json, print_table
from console.cli.root import Invocation, command, json_option, pass_invocation, wants_json
from console.errors import ValidationError

if TYPE_CHECKING:
    from console.services.status import ResourceCount

SECTION = "Logs and status"


def _states(row: ResourceCount) -> str:
    if row.error:
        return f"error: {row.error}"
    return ", ".join(f"{state}={n}" for state, n in row.by_state.items()) or "-"


def _total(row: ResourceCount) -> str:
    if row.error:
        return "?"
    return f"{row.total}+" if row.capped else str(row.total)


@command("status", SECTION, short_help="Who and where you are, counts by state, API budget.")
@json_option
@pass_invocation
def status(inv: Invocation, json_output: bool) -> None:
    service = inv.console.status
    overview = service.overview()
    budget = service.api_budget()
    if wants_json(inv, json_output):
        print_json({"overview": overview, "api_budget": budget})
        return
    endpoint = f"{overview.endpoint_url} (local)" if overview.endpoint_url else "AWS"
    print_fields(
        [
            ("Caller", overview.caller_arn or f"unknown ({overview.identity_error})"),
            ("Account", overview.account or None),
            ("Profile", overview.profile or "default"),
            ("Credentials", overview.credential_source or None),
            ("Region", overview.region or None),
            ("Endpoint", endpoint),
        ]
    )
    click.echo("")
    print_table(
        overview.counts,
        [
            ("Resource", lambda row: row.resource),
            ("Total", _total),
            ("By state", _states),
        ],
        status_column=None,
    )
    click.echo("")
    click.echo("API budget (this run)")
    print_table(
        budget.services,
        [
            ("Service", lambda row: row.service),
            ("Calls/min", lambda row: row.calls_last_minute),
            ("Calls", lambda row: row.calls_total),
            ("Throttled", lambda row: row.throttles_total),
            ("Errors", lambda row: row.errors_total),
        ],
        status_column=None,
        empty="no API calls yet",
    )
    if budget.last_error:
        click.echo(f"last error: {budget.last_error}")


IMAGE_COLUMNS = [
    ("Framework", lambda row: row.framework),
    ("Version", lambda row: row.version),
    ("Python", lambda row: row.py_version),
    ("Processor", lambda row: row.processor),
    ("URI", lambda row: row.uri),
]


@command("images", SECTION, short_help="Prebuilt SageMaker images (ECR URIs) for a framework.")
@click.argument("framework", required=False)
@click.option("--region", "image_region", metavar="REGION", help="Default: config region.")
@click.option(
    "--scope",
    type=click.Choice(["training", "inference"]),
    default="training",
    show_default=True,
)
@click.option("--version", "version", metavar="VERSION", help="Only this framework version.")
@click.option("--latest", type=click.IntRange(min=1), help="Only the newest N versions.")
@json_option
@pass_invocation
def images(
    inv: Invocation,
    framework: str | None,
    image_region: str | None,
    scope: str,
    version: str | None,
    latest: int | None,
    json_output: bool,
) -> None:
    """List image URIs of FRAMEWORK (every version, newest first) for a region; with no
    FRAMEWORK, the newest image of every framework. Works offline (the SDK's catalog)."""
    from console import images as catalog

    job_region = inv.config.region or catalog.DEFAULT_REGION
    region = image_region or job_region
    records = catalog.list_images(framework, region, scope, version=version, latest=latest)
    if not records:
        what = f"{framework} {version}" if version else (framework or "any framework")
        raise ValidationError(
            f"no {scope} images of {what} in {region}",
            "try another --scope, --region or --version (`smconsole images FRAMEWORK`)",
        )
    if region != job_region:
        click.secho(
            f"warning: these images are in {region}; jobs run in {job_region} (the config's "
            "region) and may not pull them across regions",
            fg="yellow",
            err=True,
        )
    if wants_json(inv, json_output):
        print_json(records)
    else:
        print_table(records, IMAGE_COLUMNS, status_column=None)
