"""An unhandled error in the full-screen console: a report file, one line, exit 70.

Before, Textual printed its traceback (locals included) and ``smconsole`` exited 0, so a
crash on a poll (issue 14: a keyed table's KeyError) looked like a normal quit.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from console.cli import tui
from console.cli.main import main
from console.config import state_dir
from screens import app as app_module
from screens.app import SmConsoleApp


class Boom(KeyError):
    pass


class CrashingApp(SmConsoleApp):
    """The real app, headless, that fails in a timer as a poll's handler would."""

    def on_mount(self) -> None:
        super().on_mount()
        self.set_timer(0.2, self._fail)

    def _fail(self) -> None:
        raise Boom("job-\x1b]52;c;ZXZpbA==\x07x\nnext")

    def run(self, *args: Any, **kwargs: Any) -> None:
        kwargs["headless"] = True
        return super().run(*args, **kwargs)


def test_the_console_crashing_exits_70_with_one_line_and_a_report(
    sm: Any, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(app_module, "create_app", lambda context, **_: CrashingApp(context))
    with pytest.raises(SystemExit) as exited:
        main([])
    code = exited.value.code
    out, err = capfd.readouterr()
    assert code == tui.CRASH_EXIT
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert line.startswith("smconsole crashed: Boom: ")
    # Remote text in the message cannot drive the terminal, nor break the line.
    assert "\x1b" not in line and "\x07" not in line
    assert "Traceback" not in err and "Traceback" not in out
    report = Path(line.rsplit("; report: ", 1)[1])
    assert report.parent == state_dir() / "crashes"
    text = report.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text
    assert "_fail" in text and "Boom" in text
    assert "\x1b" not in text


def test_a_crash_report_names_the_error_and_two_crashes_keep_both(tmp_path: Path) -> None:
    try:
        {"1": 1}["4"]
    except KeyError as error:
        caught = error
    first = tui.write_crash_report(caught, directory=tmp_path)
    second = tui.write_crash_report(caught, directory=tmp_path)
    assert first != second
    assert "KeyError: '4'" in first.read_text(encoding="utf-8")
    assert tui.crash_line(caught, first) == f"smconsole crashed: KeyError: '4'; report: {first}"


def test_an_unwritable_state_dir_puts_the_report_in_the_temp_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocked = tmp_path / "state"
    blocked.write_text("a file where the directory should be", encoding="utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked))
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    with pytest.raises(SystemExit) as exited:
        tui.exit_on_crash(RuntimeError("lost"))
    assert exited.value.code == tui.CRASH_EXIT
    err = capsys.readouterr().err
    assert err.startswith("smconsole crashed: RuntimeError: lost; report: ")
    assert Path(err.strip().rsplit("report: ", 1)[1]).parent == tmp_path
