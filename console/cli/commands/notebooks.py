"""notebook-*: the seed's notebook instance commands."""

from __future__ import annotations

import click

from console.cli.output import emit, field_col
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    list_options,
    pass_invocation,
    report_created,
    wants_json,
    yes_option,
)
from console.cli.waiting import WAIT_OPTION_HELP, wait_in_service
from console.errors import NotSupportedError
from console.services.notebooks import (
    DEFAULT_NOTEBOOK_INSTANCE_TYPE,
    DEFAULT_VOLUME_GB,
    NOTEBOOK_STATUSES,
    Notebook,
)
from console.validate import name as valid_name

SECTION = "Notebooks"

NOTEBOOK_COLUMNS = [
    field_col("Name", "name"),
    field_col("Status", "status"),
    field_col("Instance", "instance_type"),
    field_col("Created", "created"),
]


def notebook_fields(notebook: Notebook) -> list[tuple[str, object]]:
    return [
        ("Name", notebook.name),
        ("Status", notebook.status),
        ("Failure reason", notebook.failure_reason or None),
        ("Instance", notebook.instance_type),
        ("Volume (GB)", notebook.volume_gb),
        ("URL", notebook.url or None),
        ("Role", notebook.role_arn),
        ("Internet access", notebook.direct_internet_access or None),
        ("Root access", notebook.root_access or None),
        ("Lifecycle config", notebook.lifecycle_config or None),
        ("Subnet", notebook.subnet_id or None),
        ("Created", notebook.created),
        ("Modified", notebook.modified),
        ("ARN", notebook.arn),
    ]


@command("notebook-create", SECTION, short_help="Create a notebook instance (ml.t3.medium).")
@click.argument("name")
@click.argument("instance_type", default=DEFAULT_NOTEBOOK_INSTANCE_TYPE, required=False)
@click.option("--role", "role_arn", metavar="ARN", help="Execution role (default: config).")
@click.option("--volume-gb", default=DEFAULT_VOLUME_GB, show_default=True, type=int)
@json_option
@pass_invocation
def notebook_create(
    inv: Invocation,
    *,
    name: str,
    instance_type: str,
    role_arn: str | None,
    volume_gb: int,
    json_output: bool,
) -> None:
    arn = inv.console.notebooks.create_notebook(
        name,
        inv.execution_role(role_arn),
        instance_type=instance_type,
        volume_gb=volume_gb,
    )
    report_created(inv, json_output, f"creating notebook instance {name}", name=name, arn=arn)


@command("notebook-list", SECTION, short_help="List notebook instances, newest first.")
@list_options(NOTEBOOK_STATUSES)
@pass_invocation
def notebook_list(
    inv: Invocation,
    *,
    status: str | None,
    name_contains: str | None,
    limit: int | None,
    json_output: bool,
) -> None:
    notebooks = inv.console.notebooks.list_notebooks(
        status=status, name_contains=name_contains, limit=limit
    )
    emit(
        wants_json(inv, json_output),
        notebooks,
        columns=NOTEBOOK_COLUMNS,
        empty="no notebook instances",
    )


@command("notebook-describe", SECTION, short_help="Show a notebook instance in detail.")
@click.argument("name")
@json_option
@pass_invocation
def notebook_describe(inv: Invocation, name: str, json_output: bool) -> None:
    notebook = inv.console.notebooks.describe_notebook(name)
    emit(wants_json(inv, json_output), notebook, fields=notebook_fields)


@command("notebook-start", SECTION, short_help="Start a stopped notebook instance.")
@click.argument("name")
@click.option("--wait", is_flag=True, help=WAIT_OPTION_HELP)
@pass_invocation
def notebook_start(inv: Invocation, name: str, wait: bool) -> None:
    from console.cli.commands.quotas import preflight

    instance = inv.console.notebooks.describe_notebook(name).instance_type
    preflight(inv, "notebook-start", name, [("notebook", instance, 1)])
    inv.console.notebooks.start_notebook(name)
    click.echo(f"starting notebook instance {name}")
    if wait:
        wait_in_service(
            inv.console.sessions.client("sagemaker"),
            "notebook_instance_in_service",
            {"NotebookInstanceName": name},
            what=f"notebook {name}",
            status_field="NotebookInstanceStatus",
            describe=f"notebook-describe {name}",
            translate=inv.console.sessions.translate,
        )


@command("notebook-stop", SECTION, short_help="Stop a notebook instance (asks first).")
@click.argument("name")
@yes_option
@pass_invocation
def notebook_stop(inv: Invocation, name: str, yes: bool) -> None:
    valid_name(name, "notebook instance name")
    confirm(
        inv,
        "notebook-stop",
        name,
        yes=yes,
        prompt=f"Stop notebook instance {name}? (unsaved kernels are lost)",
    )
    inv.console.notebooks.stop_notebook(name)
    click.echo(f"stopping notebook instance {name}")


@command(
    "notebook-delete",
    SECTION,
    short_help="Delete a stopped notebook instance (asks first).",
)
@click.argument("name")
@yes_option
@pass_invocation
def notebook_delete(inv: Invocation, name: str, yes: bool) -> None:
    valid_name(name, "notebook instance name")
    confirm(
        inv,
        "notebook-delete",
        name,
        yes=yes,
        prompt=f"Delete notebook instance {name}? (its volume is deleted too)",
    )
    inv.console.notebooks.delete_notebook(name)
    click.echo(f"deleting notebook instance {name}")


@command("notebook-url", SECTION, short_help="Print a URL that opens the notebook's Jupyter.")
@click.argument("name")
@click.option(
    "--session-seconds",
    type=int,
    default=None,
    help="How long the presigned URL's session lasts (1800-43200).",
)
@json_option
@pass_invocation
def notebook_url(
    inv: Invocation, *, name: str, session_seconds: int | None, json_output: bool
) -> None:
    """Print a presigned URL; on endpoints without one (moto), the AWS console page."""
    service = inv.console.notebooks
    try:
        url, presigned = (
            service.presigned_url(name, session_seconds=session_seconds),
            True,
        )
    except NotSupportedError:
        service.describe_notebook(name)  # an unknown name: "not found", not a console page
        url, presigned = service.console_url(name), False
    if wants_json(inv, json_output):
        emit(True, {"name": name, "url": url, "presigned": presigned})
        return
    click.echo(url)
    if not presigned:
        click.echo(
            "note: this endpoint cannot presign URLs (a presigned URL needs real AWS); "
            "this is the AWS console page of the notebook instance",
            err=True,
        )
