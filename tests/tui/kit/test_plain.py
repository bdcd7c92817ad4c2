"""Outside text is never parsed as markup (screens/kit/plain.py).

Two halves: a scan of ``screens/`` so a new toast, title or status line cannot take the
markup path, and Pilot tests pushing the reproduced crashes (an error echoing ``[/x]``,
a log search for ``[/INST]`` with no match, a keymap id ``"[/x]"``, sbatch refusing
``--cpus-per-task=[/x]``) and a hostile corpus through toasts, banners, titles and the
search echo of every tab: no crash, the literal text on screen, no live ``@click``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.content import Content
from textual.widgets import Select, Static, TextArea
from textual.widgets._select import SelectCurrent
from textual.widgets._toast import Toast

from screens.endpoints.view import EndpointPreview
from screens.hyperpod.sbatch import SbatchScreen
from screens.kit.confirm import ConfirmDialog
from screens.kit.filter_bar import FilterBar
from screens.kit.plain import notify, plain, plain_text
from screens.logs.view import LogScreen
from screens.tabs import TABS
from tests.system.support import System
from tests.tui.conftest import ROLE, all_views, make_app, notifications, static_text, wait_until
from tests.tui.endpoints.test_endpoints_view import IMAGE
from tests.tui.endpoints.test_endpoints_view import open_tab as open_endpoints
from tests.tui.hyperpod.test_hyperpod_slurm import app_for as slurm_app_for
from tests.tui.logs.test_log_view import FAST, FakeSource, event, panel_of, view_of
from themes import STYLESHEETS

SCREENS = Path(__file__).resolve().parents[3] / "screens"

# Markup that crashes (unbalanced close), restyles, links, runs an action; an OSC 52
# clipboard write and a bidi override (their stripping is console/sanitize.py's job: here
# they only must not be parsed).
CORPUS = (
    "[/x]",
    "boom [/INST] end",
    "[bold red]alarm[/bold red]",
    "[link=https://evil.example]click me[/link]",
    "[@click=app.quit]quit[/]",
    "osc \x1b]52;c;aGVsbG8=\x07 end",
    "rtl \u202egnp.exe",
)
# How long a toast stays in these tests: until the test ends.
TOAST_SECONDS = 600.0


@pytest.fixture(autouse=True)
def lasting_toasts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every toast stays until the test ends, whatever timeout its caller gave.

    These tests read what a toast shows, not how long it shows it; a 2 s toast ("no match
    for ...") expired on a loaded machine before the test looked. Textual still makes,
    renders and stacks each toast; only its lifetime changes (the app's own ``notify``
    calls this one)."""
    notify_for = App.notify

    def lasting(self: App[Any], message: str, **options: Any) -> None:
        notify_for(self, message, **(options | {"timeout": TOAST_SECONDS}))

    monkeypatch.setattr(App, "notify", lasting)


# --- the scan ------------------------------------------------------------------------------
# Widgets/calls that parse a ``str`` argument as markup (Textual 8.2.8): Static/Label
# content and update(), Rich Table and DataTable cells and headers, OptionList/Select/
# SelectionList prompts, tab labels, buttons, palette hits.
MARKUP_SINKS = frozenset(
    {
        "Static",
        "Label",
        "update",
        "add_row",
        "add_column",
        "Option",
        "Selection",
        "Tab",
        "TabPane",
        "Button",
        "Hit",
        "DiscoveryHit",
    }
)
# Attributes whose str value Textual parses as markup.
MARKUP_ATTRIBUTES = frozenset({"border_title", "border_subtitle", "label"})
PARSERS = frozenset({"from_markup", "render_str", "from_text"})


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _built_str(node: ast.expr) -> bool:
    """A str assembled from values (f-string, +, %, .format, .join): may hold outside text."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return any(
            isinstance(side, ast.JoinedStr)
            or (isinstance(side, ast.Constant) and isinstance(side.value, str))
            for side in (node.left, node.right)
        ) or _built_str(node.left)
    if isinstance(node, ast.Call) and _name(node.func) in {"format", "join"}:
        return isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Constant)
    if isinstance(node, ast.IfExp):
        return _built_str(node.body) or _built_str(node.orelse)
    return False


def _offences(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.name
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            line = f"{where}:{node.lineno}"
            if isinstance(node.func, ast.Attribute) and name == "notify" and where != "plain.py":
                receiver = node.func.value  # only the App override may call super().notify
                is_super = isinstance(receiver, ast.Call) and _name(receiver.func) == "super"
                if not (where == "app.py" and is_super):
                    yield f"{line}: a toast not raised through screens.kit.plain.notify"
            if name in PARSERS:
                yield f"{line}: {name}() parses markup"
            for keyword in node.keywords:
                if keyword.arg == "markup" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    yield f"{line}: markup= other than False"
            if name in MARKUP_SINKS and any(_built_str(arg) for arg in node.args):
                yield f"{line}: a built str given to {name}() is parsed as markup"
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in MARKUP_ATTRIBUTES
                    and (_built_str(node.value) or isinstance(node.value, ast.Name))
                ):
                    yield f"{where}:{node.lineno}: {target.attr} = a str is parsed as markup"


def test_screens_never_hand_outside_text_to_the_markup_parser() -> None:
    found = [o for path in sorted(SCREENS.rglob("*.py")) for o in _offences(path)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'self.notify(f"no match for {q}")',
        'notify(self, "x", markup=True)',
        'self.border_title = f"{endpoint.name}"',
        'yield Static(f"run {run.label}")',
        'table.add_column(run.label + " x")',
        "Content.from_markup(text)",
        "tab.label = label",
    ],
)
def test_the_scan_catches_each_markup_path(source: str, tmp_path: Path) -> None:
    """The scan is not vacuous: each way back to the markup parser is reported."""
    probe = tmp_path / "probe.py"
    probe.write_text(f"def f(self, q, endpoint, run, table, text, tab, label):\n    {source}\n")
    assert list(_offences(probe))


# --- the helpers and toasts ----------------------------------------------------------------
def toast_contents(app: App[Any]) -> list[Content]:
    return [toast.render() for toast in app.screen.query(Toast)]


def no_live_actions(content: Content) -> bool:
    return all("@click" not in str(span.style) for span in content.spans)


class BareApp(App[None]):
    CSS_PATH = list(STYLESHEETS)


@pytest.mark.parametrize("text", CORPUS)
async def test_a_toast_static_and_title_show_the_corpus_literally(text: str) -> None:
    shown = text.replace("\x07", "")  # Content drops BEL; the rest is sanitize.py's job
    assert plain(text).plain == shown
    assert plain_text(text).plain == shown  # Rich drops it too
    app = BareApp()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        box = Static(plain("x"), id="box")
        await app.screen.mount(box)
        box.update(plain(text))
        box.border_title = plain(text)
        notify(box, text, title=text, severity="error")
        await pilot.pause()
        assert box.render().plain == shown  # type: ignore[union-attr]
        # The getter answers markup: escaped, it reads back as the same text.
        assert Content.from_markup(box.border_title or "").plain == shown
        await wait_until(pilot, lambda: toast_contents(app), what="the toast")
        (toast,) = toast_contents(app)
        assert toast.plain == f"{shown}\n{shown}" and no_live_actions(toast)
        if "@click" in text:
            await pilot.click(Toast)  # a click on the toast dismisses it: nothing else
            await pilot.pause()
        assert app.is_running


# --- the reproduced cases, on the real app ---------------------------------------------------
async def test_a_keymap_id_with_markup_is_reported_literally(sm: Any) -> None:
    # Unknown ids, and a known id bound to a key spelled as markup (footer, help).
    app = make_app(keymap={"[/x]": "x", "[@click=app.quit]": "y", "jobs.refresh": "[/x]"})
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_until(pilot, lambda: toast_contents(app), what="the keymap warning")
        (warning,) = [n for n in notifications(app) if "[keymap]" in n]
        assert "[/x]" in warning and "[@click=app.quit]" in warning
        toast = next(t for t in toast_contents(app) if "[keymap]" in t.plain)
        assert "[/x]" in toast.plain and no_live_actions(toast)
        # Even a caller asking for markup gets the literal text (Textual's own, a slip).
        app.notify("[/x] [b]bold[/b]", markup=True)
        await pilot.pause()
        assert any("[/x] [b]bold[/b]" in t.plain for t in toast_contents(app))
        await pilot.press("question_mark")  # the help screen lists the keymap's keys
        await pilot.pause()
        assert any("[/x]" in static_text(s) for s in app.screen.query(Static))
        assert app.is_running


async def test_an_error_echoing_markup_and_every_tabs_filter_echo_are_literal(sm: Any) -> None:
    """The filter of each tab: a bad regex whose error echoes ``[/x]`` (the reproduced
    crash), then a filter made of markup shown in the tab's info line."""
    app = make_app()
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await all_views(pilot, app)
        tried = []
        for spec in TABS:
            tab = spec.id
            await pilot.press(spec.key)
            await pilot.press("slash")
            await pilot.pause()
            bar = app.screen.focused
            if not isinstance(bar, FilterBar):
                continue  # Status has no filter
            tried.append(tab)
            # Toasts last (lasting_toasts): the one waited for below must be this tab's.
            app.clear_notifications()
            await wait_until(pilot, lambda: not toast_contents(app), what="no toast left")
            bar.value = "re:(?P<[/x]>a)"  # re's error echoes the group name
            await pilot.press("enter")
            await wait_until(
                pilot,
                lambda: any("'[/x]'" in t.plain for t in toast_contents(app)),
                what=f"the bad-regex error on {tab}",
            )
            await pilot.press("slash")
            bar.value = "[/x] [@click=app.quit]q[/]"
            await pilot.press("enter")
            await pilot.pause()
            infos = [static_text(s) for s in app.main_screen.query(".view-info, #jobs-info")]
            assert any("[/x] [@click=app.quit]q[/]" in info for info in infos), (tab, infos)
            assert app.is_running
        assert {"jobs", "endpoints", "notebooks", "registry", "experiments"} <= set(tried)


# --- the log view: search echo, banner, title --------------------------------------------------
class LogApp(App[None]):
    CSS_PATH = list(STYLESHEETS)

    def __init__(self, source: FakeSource) -> None:
        super().__init__()
        self.source = source

    def on_mount(self) -> None:
        self.push_screen(LogScreen(self.source, timing=FAST))


async def test_a_log_search_without_match_is_echoed_literally() -> None:
    source = FakeSource()
    source.push([event(i, f"step {i}") for i in range(5)])
    app = LogApp(source)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        view = view_of(app)
        await wait_until(pilot, lambda: len(view.buffer) == 5, what="5 lines")
        await pilot.press("slash")
        bar = app.screen.query_one("#log-search")
        bar.value = "[/INST]"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.press("n")
        await wait_until(
            pilot,
            lambda: any("no match for '[/INST]'" in t.plain for t in toast_contents(app)),
            what="the no-match toast",
        )
        assert "[/INST]" in panel_of(app).status_text()
        assert app.is_running


@pytest.mark.parametrize("text", CORPUS)
async def test_the_log_title_and_banner_show_remote_text_literally(text: str) -> None:
    source = FakeSource()
    source.label = f"training job {text}"  # type: ignore[misc]
    source.failing = RuntimeError(text)
    app = LogApp(source)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        banner = app.screen.query_one("#log-banner", Static)
        visible = text.split("\x1b", maxsplit=1)[0].split("\u202e", maxsplit=1)[0]
        await wait_until(pilot, lambda: visible in static_text(banner), what="the banner")
        title = app.screen.query_one("#log-title", Static)
        assert f"training job {visible}" in static_text(title)
        for widget in (banner, title):
            assert no_live_actions(widget.render())  # type: ignore[arg-type]
        assert app.is_running


# --- sbatch on the real test Slurm ---------------------------------------------------------------
async def test_an_sbatch_refusal_echoing_markup_keeps_the_editor_and_its_draft(
    system: System, tmp_path: Path
) -> None:
    """sbatch refuses ``--cpus-per-task=[/x]`` and its message echoes the value: the toast
    shows it literally, the editor stays open with the script, and ``escape`` then ``b``
    brings the same draft back (README: the draft is kept)."""
    script = (
        "#!/bin/bash\n#SBATCH --job-name=markup\n#SBATCH --cpus-per-task=[/x]\n"
        "#SBATCH --time=1\n#SBATCH --output=/dev/null\necho hi\n"
    )
    with system.scratch_dir("tui") as remote_dir:
        app = slurm_app_for(system, tmp_path / "known_hosts", remote_dir)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await pilot.press("5", "I")
            await wait_until(
                pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=60, what="key"
            )
            await pilot.press("y")
            await pilot.press("b")
            await wait_until(
                pilot, lambda: isinstance(app.screen, SbatchScreen), timeout=60, what="editor"
            )
            editor = app.screen
            assert isinstance(editor, SbatchScreen)
            area = editor.query_one(TextArea)
            await wait_until(pilot, lambda: "--partition" in area.text, timeout=60, what="tmpl")
            area.load_text(script)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: "ctrl+s again" in editor.lint_text, what="warnings")
            await pilot.press("ctrl+s")
            await wait_until(
                pilot, lambda: isinstance(app.screen, ConfirmDialog), timeout=60, what="confirm"
            )
            await pilot.press("y")
            await wait_until(
                pilot,
                lambda: any("[/x]" in t.plain for t in toast_contents(app)),
                timeout=60,
                what="sbatch's refusal",
            )
            assert app.screen is editor and area.text == script
            assert "submit failed" in editor.lint_text and "[/x]" in editor.lint_text
            await pilot.press("escape")
            await pilot.press("b")
            await wait_until(
                pilot, lambda: isinstance(app.screen, SbatchScreen), timeout=60, what="again"
            )
            assert app.screen.query_one(TextArea).text == script
            assert app.is_running


async def test_remote_names_in_the_endpoint_preview_title_and_invoke_choices_are_literal(
    sm: Any,
) -> None:
    """moto keeps names real AWS would refuse: they stand for any remote field."""
    config, variant = "cfg-[/x]", "[@click=app.quit]v"
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    sm.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": "m",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sm.create_endpoint(EndpointName="ep", EndpointConfigName=config)
    app = make_app()
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        rows = await open_endpoints(pilot, app, 1)
        preview = app.main_screen.query_one(EndpointPreview)
        await wait_until(pilot, lambda: preview.border_title, what="the preview's title")
        assert Content.from_markup(preview.border_title or "").plain == f"ep · config {config}"
        assert variant in static_text(preview)
        assert rows.has_focus
        await pilot.press("i")
        await wait_until(pilot, lambda: app.screen is not app.main_screen, what="the invoke screen")
        choice = app.screen.query_one("#invoke-variant", Select)
        choice.value = variant
        await pilot.pause()
        assert variant in static_text(choice.query_one(SelectCurrent).query_one(Static))
        assert app.is_running
