"""The create-training-job form (``ctrl+n`` on the Jobs tab) and its "copy as CLI command".

Every field is checked by the same :meth:`TrainingSpec.validated` the CLI uses, as the
operator types; the status line shows the first problem, or the equivalent
``smconsole training-create …`` line (``ctrl+y`` copies it, also in read-only mode, so a
form can be turned into a script without creating anything). ``ctrl+s`` creates: refused
up front in read-only mode, confirmed through the one confirm dialog, run in a worker
through the gated service. A failed create keeps the form open with everything typed;
cancelling keeps a draft that the next ``ctrl+n`` reopens.

The image can be typed, or picked from the SageMaker SDK's image catalog for the region
(loaded in a worker: importing the SDK takes a few seconds, so it is never done up front).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from console import validate
from console.equivalents import training_create_command
from console.errors import SmError, ValidationError, translate
from console.services.jobs import TrainingSpec
from console.services.projection import project_job
from screens.kit.confirm import ConfirmDialog, refused_read_only, with_cost
from screens.kit.footer import ConsoleFooter
from screens.kit.host import console_host
from screens.kit.key_order import TextEditor, TextInput, focus_now
from screens.kit.plain import notify
from screens.kit.work import run_for_context

if TYPE_CHECKING:
    from console.config import Config
    from console.context import ConsoleContext
    from console.images import ImageRecord

COMMON_INSTANCE_TYPES = (
    "ml.m5.large",
    "ml.m5.xlarge",
    "ml.m5.2xlarge",
    "ml.c5.xlarge",
    "ml.c5.2xlarge",
    "ml.g4dn.xlarge",
    "ml.g5.xlarge",
    "ml.g5.2xlarge",
    "ml.g5.12xlarge",
    "ml.p3.2xlarge",
    "ml.p4d.24xlarge",
    "ml.p5.48xlarge",
    "ml.trn1.32xlarge",
)


def training_instance_types() -> tuple[str, ...]:
    """The suggested types botocore's model accepts for training (the form never offers
    one that create would refuse, e.g. ``ml.t3.medium``)."""
    from console.aws import enums

    accepted = enums.allowed("TrainingInstanceType")
    return tuple(t for t in COMMON_INSTANCE_TYPES if not accepted or t in accepted)


# (input id, label, TrainingSpec attribute) of the one-line text fields, in form order.
TEXT_FIELDS = (
    ("tf-name", "Job name", "name"),
    ("tf-image", "Image URI", "image"),
    ("tf-input", "Input S3 URI", "s3_input"),
    ("tf-output", "Output S3 URI", "s3_output"),
    ("tf-role", "Execution role", "role_arn"),
    ("tf-instance-type", "Instance type", "instance_type"),
    ("tf-count", "Instance count", "instance_count"),
    ("tf-volume", "Volume (GB)", "volume_gb"),
    ("tf-runtime", "Max runtime (s)", "max_runtime_seconds"),
)
SPOT_FIELDS = (
    ("tf-max-wait", "Max wait (s)", "max_wait_seconds"),
    ("tf-checkpoint", "Checkpoint S3 URI", "checkpoint_uri"),
)
INTEGER_FIELDS = frozenset(
    {"instance_count", "volume_gb", "max_runtime_seconds", "max_wait_seconds"}
)


@dataclass
class TrainingDraft:
    """What the operator typed; it outlives the form so a cancel loses nothing."""

    values: dict[str, str] = field(default_factory=dict)
    spot: bool = False
    hyperparameters: str = ""
    environment: str = ""

    @classmethod
    def from_config(cls, config: Config, now: datetime | None = None) -> TrainingDraft:
        """A fresh draft: a unique name and what the config (or Terraform) knows."""
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        buckets = config.buckets
        spec = TrainingSpec(name=f"train-{stamp}", image="", s3_input="", s3_output="", role_arn="")
        values = {attribute: str(getattr(spec, attribute)) for _, _, attribute in TEXT_FIELDS}
        values |= {
            "image": "",
            "s3_input": f"s3://{buckets.input}/train/" if buckets.input else "",
            "s3_output": f"s3://{buckets.output}/" if buckets.output else "",
            "role_arn": config.execution_role_arn,
            "max_wait_seconds": "",
            "checkpoint_uri": "",
        }
        return cls(values=values)

    def spec(self) -> TrainingSpec:
        """The draft as a validated spec; SmError (one line) on the first problem."""
        values = self.values

        def number(attribute: str, label: str) -> int | None:
            text = values.get(attribute, "").strip()
            if not text:
                return None
            try:
                return int(text)
            except ValueError:
                raise ValidationError(f"{label} must be a whole number, got {text!r}") from None

        labels = {attribute: label for _, label, attribute in (*TEXT_FIELDS, *SPOT_FIELDS)}
        numbers = {a: number(a, labels[a].lower()) for a in INTEGER_FIELDS}
        for attribute in ("instance_count", "volume_gb", "max_runtime_seconds"):
            if numbers[attribute] is None:
                raise ValidationError(f"{labels[attribute].lower()} is empty")
        return TrainingSpec(
            name=values.get("name", "").strip(),
            image=values.get("image", "").strip(),
            s3_input=values.get("s3_input", "").strip(),
            s3_output=values.get("s3_output", "").strip(),
            role_arn=values.get("role_arn", "").strip(),
            instance_type=values.get("instance_type", "").strip(),
            instance_count=numbers["instance_count"] or 0,
            volume_gb=numbers["volume_gb"] or 0,
            max_runtime_seconds=numbers["max_runtime_seconds"] or 0,
            spot=self.spot,
            max_wait_seconds=numbers["max_wait_seconds"] if self.spot else None,
            checkpoint_uri=values.get("checkpoint_uri", "").strip(),
            hyperparameters=_lines(self.hyperparameters, "hyperparameter"),
            environment=_lines(self.environment, "environment variable"),
        ).validated()


def _lines(text: str, what: str) -> dict[str, str]:
    """KEY=VALUE per line (blank lines and # comments skipped)."""
    pairs = [
        line.strip()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    return validate.key_values(pairs, what)


@dataclass
class TrainingCreated(Message):
    generation: int
    name: str
    arn: str = ""
    error: SmError | None = None


# Catalog per region, for the life of the process (it comes from files in the SDK).
_CATALOG: dict[str, tuple[ImageRecord, ...]] = {}


def spot_label(on: bool) -> str:
    """Spelled out: a compact checkbox shows its state by colour alone (not on a bastion)."""
    return "yes: spot capacity (needs max wait)" if on else "no: on-demand capacity"


def image_label(image: ImageRecord) -> str:
    processor = f" {image.processor}" if image.processor else ""
    python = f" ({image.py_version})" if image.py_version else ""
    return f"{image.framework} {image.version}{processor}{python}"


class TrainingForm(ModalScreen[str | None]):
    """Fill in a training job; dismisses with the created job's name, or None."""

    BINDINGS = [
        Binding("ctrl+s", "create", "Create", id="training_form.create"),
        Binding("ctrl+y", "copy_cli", "Copy as CLI", id="training_form.copy_cli"),
        Binding("ctrl+g,escape", "cancel", "Cancel", id="training_form.cancel"),
    ]

    def __init__(self, draft: TrainingDraft, *, default_role: str = "") -> None:
        super().__init__()
        self.draft = draft
        self.default_role = default_role
        self.command = ""
        self.problem = ""

    # --- layout ----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        values = self.draft.values
        with Vertical(id="tf-box"):
            yield Label(Content("New training job"), id="tf-title")
            with VerticalScroll(id="tf-body"):
                with Grid(classes="tf-grid"):
                    yield Label("Catalog image", classes="tf-label")
                    yield Select[str](
                        [],
                        prompt="loading the image catalog…",
                        id="tf-catalog",
                        compact=True,
                    )
                    for input_id, label, attribute in TEXT_FIELDS:
                        yield Label(label, classes="tf-label")
                        yield self._input(input_id, attribute, values)
                    yield Label("Managed spot", classes="tf-label")
                    yield Checkbox(
                        spot_label(self.draft.spot), self.draft.spot, id="tf-spot", compact=True
                    )
                    for input_id, label, attribute in SPOT_FIELDS:
                        yield Label(label, classes="tf-label tf-spot-only")
                        yield self._input(input_id, attribute, values, spot_only=True)
                yield Label("Hyperparameters (KEY=VALUE per line)", classes="tf-label")
                yield TextEditor(self.draft.hyperparameters, id="tf-hp", classes="tf-pairs")
                yield Label("Environment (KEY=VALUE per line)", classes="tf-label")
                yield TextEditor(self.draft.environment, id="tf-env", classes="tf-pairs")
            yield Static(Content(""), id="tf-status")
            with Horizontal(id="tf-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Copy as CLI", id="copy", compact=True)
                yield Button("Create", id="create", variant="primary", compact=True)
        # The form's own keys (ctrl+s...), not the screen's under it.
        yield ConsoleFooter()

    def _input(
        self, input_id: str, attribute: str, values: dict[str, str], *, spot_only: bool = False
    ) -> Input:
        integer = attribute in INTEGER_FIELDS
        suggester = (
            SuggestFromList(training_instance_types(), case_sensitive=False)
            if attribute == "instance_type"
            else None
        )
        widget = TextInput(
            values.get(attribute, ""),
            type="integer" if integer else "text",
            suggester=suggester,
            compact=True,
            id=input_id,
            classes="tf-input tf-spot-only" if spot_only else "tf-input",
        )
        widget.disabled = spot_only and not self.draft.spot
        return widget

    def on_mount(self) -> None:
        focus_now(self.query_one("#tf-name", Input))
        self._check()
        self._load_catalog()

    # --- the image catalog --------------------------------------------------------------------
    def _load_catalog(self) -> None:
        region = console_host(self).context.sessions.region
        if region in _CATALOG:
            self._show_catalog(_CATALOG[region])
            return

        def load(context: ConsoleContext) -> tuple[ImageRecord, ...]:
            from console.images import list_images  # the SDK catalog: only when asked

            return tuple(list_images(None, region, "training"))

        def loaded(images: tuple[ImageRecord, ...]) -> None:
            _CATALOG[region] = images
            self._show_catalog(images)

        def failed(error: SmError) -> None:
            select = self.query_one("#tf-catalog", Select)
            select.prompt = f"catalog unavailable: {error.message}"

        run_for_context(self, load, done=loaded, failed=failed, name="image catalog")

    def _show_catalog(self, images: tuple[ImageRecord, ...]) -> None:
        select: Select[str] = self.query_one("#tf-catalog", Select)
        select.set_options((image_label(image), image.uri) for image in images if image.uri)
        select.prompt = f"pick one of {len(images)} SDK images (or type a URI below)"

    @on(Select.Changed, "#tf-catalog")
    def _catalog_picked(self, event: Select.Changed) -> None:
        event.stop()
        if isinstance(event.value, str):
            self.query_one("#tf-image", Input).value = event.value

    # --- keeping the draft and the status line current -----------------------------------------
    @on(Input.Changed, ".tf-input")
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        fields = {input_id: attribute for input_id, _, attribute in (*TEXT_FIELDS, *SPOT_FIELDS)}
        if event.input.id in fields:
            self.draft.values[fields[event.input.id]] = event.value
            self._check()

    @on(Checkbox.Changed, "#tf-spot")
    def _spot_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.draft.spot = event.value
        event.checkbox.label = spot_label(event.value)
        for widget in self.query(".tf-spot-only").results(Input):
            widget.disabled = not event.value
        self._check()

    @on(TextArea.Changed, ".tf-pairs")
    def _pairs_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if event.text_area.id == "tf-hp":
            self.draft.hyperparameters = event.text_area.text
        else:
            self.draft.environment = event.text_area.text
        self._check()

    def _check(self) -> TrainingSpec | None:
        """Validate the draft; show the CLI line, or the first problem."""
        status = self.query_one("#tf-status", Static)
        try:
            spec = self.draft.spec()
        except SmError as exc:
            self.problem, self.command = exc.one_line(), ""
            status.update(Content(f"fix: {self.problem}"))
            status.add_class("-problem")
            return None
        self.problem = ""
        self.command = training_create_command(spec, default_role=self.default_role)
        status.update(Content(f"$ {self.command}"))
        status.remove_class("-problem")
        return spec

    # --- actions -------------------------------------------------------------------------------
    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        actions = {"cancel": self.action_cancel, "copy": self.action_copy_cli}
        actions.get(event.button.id or "", self.action_create)()

    def action_copy_cli(self) -> None:
        if self._check() is None:
            notify(self, self.problem, severity="warning", title="not a valid job yet")
            return
        self.app.copy_to_clipboard(self.command)
        notify(
            self,
            "training-create command copied (OSC 52; in tmux: set -g set-clipboard on)",
            title="copied",
            timeout=4,
        )

    def action_create(self) -> None:
        # Read-only: refuse at once, before checking fields the operator would then fix
        # for nothing (the form still fills in and copies as a CLI command).
        name = self.draft.values.get("name", "").strip() or "(unnamed)"
        if refused_read_only(self, "training-create", name):
            return
        spec = self._check()
        if spec is None:
            notify(self, self.problem, severity="error", title="cannot create yet")
            return
        spot = " on spot capacity" if spec.spot else ""

        def opened(cost: str) -> None:
            dialog = ConfirmDialog(
                "Create training job?",
                f"{spec.name}: {spec.instance_count} x {spec.instance_type}{spot}, "
                f"up to {spec.max_runtime_seconds} s, reading {spec.s3_input}. "
                "Billing starts when instances launch.",
                change=("training-create", spec.name),
                confirm_label="Create job",
                cost=cost,
            )
            self.app.push_screen(dialog, lambda confirmed: self._confirmed(spec, confirmed))

        def within_quota(warnings: list[str]) -> None:
            for warning in warnings:
                notify(self, warning, severity="warning", title="quota", timeout=6)
            # At most price x count x max runtime, read first; above max_job_cost: refused.
            with_cost(
                self,
                ("training-create", spec.name),
                lambda context: project_job(
                    context.pricing,
                    context.config,
                    spec.name,
                    "training",
                    spec.instance_type,
                    spec.instance_count,
                    spec.max_runtime_seconds,
                ),
                opened,
            )

        self._preflight(spec, within_quota)

    def _preflight(self, spec: TrainingSpec, then: Callable[[list[str]], None]) -> None:
        """The quota pre-flight (issue 17), as the CLI's ``training-create``: over the
        training quota of the type, one audited refusal with the limit, the use and a hint,
        shown on the form, and no dialog opens; an unknown quota is a warning and goes on."""

        def check(context: ConsoleContext) -> list[str]:
            warnings: list[str] = []
            context.quotas.guard(
                "training-create",
                spec.name,
                [("training", spec.instance_type, spec.instance_count)],
                warn=warnings.append,
            )
            return warnings

        def refused(error: SmError) -> None:
            status = self.query_one("#tf-status", Static)
            status.update(Content(f"refused: {error.one_line()}"))
            status.add_class("-problem")
            notify(self, error.one_line(), severity="error", title="over quota: not created")

        run_for_context(self, check, done=then, failed=refused, name="quota-preflight")

    def _confirmed(self, spec: TrainingSpec, confirmed: bool | None) -> None:
        if not confirmed:
            return
        host = console_host(self)
        generation, context = host.generation, host.context
        self.query_one("#tf-status", Static).update(Content(f"creating {spec.name}…"))

        def work() -> None:
            try:
                arn = context.jobs.create_training_job(spec)
            except Exception as exc:
                self.post_message(TrainingCreated(generation, spec.name, error=translate(exc)))
            else:
                self.post_message(TrainingCreated(generation, spec.name, arn))

        self.run_worker(work, name=f"create {spec.name}", thread=True, exit_on_error=False)

    @on(TrainingCreated)
    def _created(self, message: TrainingCreated) -> None:
        message.stop()
        if message.error is not None:
            # The form stays with everything typed: fix and retry.
            self.query_one("#tf-status", Static).update(
                Content(f"create failed: {message.error.one_line()}")
            )
            self.query_one("#tf-status", Static).add_class("-problem")
            notify(self, message.error.one_line(), severity="error", title="create failed")
            return
        self.dismiss(message.name)

    def action_cancel(self) -> None:
        self.dismiss(None)
