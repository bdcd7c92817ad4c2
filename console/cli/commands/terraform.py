"""tf-*: create, inspect and destroy the console's stack with terraform (or tofu).

tf-apply and tf-destroy change real infrastructure: they show the plan, ask (unless
--yes), and run through the mutation gate, so read-only mode refuses them and the audit
log records them like any other mutation. Each stack is its own Terraform workspace (see
console/terraform.py), so stacks never share state.
"""

from __future__ import annotations

import json
import sys

import click

from console.cli.output import print_json
from console.cli.root import (
    Invocation,
    command,
    confirm,
    json_option,
    pass_invocation,
    wants_json,
    yes_option,
)
from console.terraform import Terraform, TerraformError, check_stack, terraform_dir

SECTION = "Terraform"


def _terraform(inv: Invocation) -> Terraform:
    directory = terraform_dir(inv.config.terraform_dir)
    return Terraform(directory, echo=click.echo, color=sys.stdout.isatty())


def _change(inv: Invocation, stack: str, *, destroy: bool, yes: bool) -> None:
    """Plan to a file, show it, confirm, then apply exactly that plan through the gate."""
    action = "tf-destroy" if destroy else "tf-apply"
    check_stack(stack)
    inv.console.gate.precheck(action, stack)  # refuse before planning in read-only mode
    tf = _terraform(inv)
    # The plan is made in a throwaway copy: refused or not confirmed, the stack
    # directory is left as it was (no workspace created or selected, no plan file).
    with tf.sandbox(stack) as preview:
        plan = preview.plan_file(stack, destroy=destroy)
        preview.plan(stack, destroy=destroy, out=plan)
        verb = "Destroy" if destroy else "Apply"
        confirm(inv, action, stack, yes=yes, prompt=f"{verb} this plan to stack {stack}?")
        params = {"stack_name": stack, "directory": str(tf.directory)}
        inv.console.gate.run(action, stack, params, lambda: tf.apply_plan(plan, stack))
    if destroy:
        try:
            tf.forget_stack(stack)
        except TerraformError as exc:  # the stack is gone; only the bookkeeping is left
            click.echo(f"note: workspace {stack} was kept: {exc}", err=True)


@command("tf-init", SECTION, short_help="terraform init in the stack directory.")
@pass_invocation
def tf_init(inv: Invocation) -> None:
    _terraform(inv).init()


@command("tf-plan", SECTION, short_help="Show what tf-apply STACK would change.")
@click.argument("stack")
@pass_invocation
def tf_plan(inv: Invocation, stack: str) -> None:
    check_stack(stack)
    with _terraform(inv).sandbox(stack) as preview:  # a preview changes nothing in tf/
        preview.plan(stack)


@command("tf-apply", SECTION, short_help="Create or update stack STACK (asks first).")
@click.argument("stack")
@yes_option
@pass_invocation
def tf_apply(inv: Invocation, stack: str, yes: bool) -> None:
    _change(inv, stack, destroy=False, yes=yes)


@command("tf-destroy", SECTION, short_help="Destroy stack STACK (asks first).")
@click.argument("stack")
@yes_option
@pass_invocation
def tf_destroy(inv: Invocation, stack: str, yes: bool) -> None:
    _change(inv, stack, destroy=True, yes=yes)


@command("tf-output", SECTION, short_help="Print the outputs of STACK (default: the last used).")
@click.argument("stack", required=False, default="")
@json_option
@pass_invocation
def tf_output(inv: Invocation, stack: str, json_output: bool) -> None:
    if stack:
        check_stack(stack)
    outputs = _terraform(inv).outputs(stack)
    if wants_json(inv, json_output):
        print_json({name: output.value for name, output in outputs.items()})
        return
    if not outputs:
        click.echo("no outputs (has the stack been applied?)", err=True)
        return
    from console.sanitize import inert

    for name, output in outputs.items():
        if output.sensitive:
            shown = "(sensitive)"
        elif isinstance(output.value, str):
            shown = output.value
        else:
            shown = json.dumps(output.value)
        click.echo(f"{inert(name)} = {inert(shown)}")
