"""Files named on the command line are read up to a cap, never by trusting ``st_size``.

``@/dev/zero`` and ``/dev/urandom`` report a size of 0 and never end; a FIFO has no
size at all. Each must be refused with exit 2 after at most cap + 1 bytes, before
anything is sent (no audit record), against the moto server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.cli.commands import endpoints, hyperpod, slurm
from tests.support.helpers import assert_one_error, audit_records
from tests.support.moto_server import MotoServer

CAP = 4096


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoints, "MAX_PAYLOAD_FILE_BYTES", CAP)
    monkeypatch.setattr(hyperpod, "SPEC_MAX_BYTES", CAP)
    monkeypatch.setattr(slurm, "SCRIPT_MAX_BYTES", CAP)


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    """A FIFO fed by a writer that offers 8 x the cap (finite: a reader with no cap
    would read it all and go on, so the test fails instead of hanging)."""
    path = tmp_path / "payload.fifo"
    os.mkfifo(path)
    sent: list[int] = []

    def feed() -> None:
        try:
            with path.open("wb") as handle:
                for _ in range(8):
                    handle.write(b"7" * CAP)
                    sent.append(CAP)
        except BrokenPipeError:  # the reader stopped at the cap and closed its end
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    yield path
    # A reader that never opened the FIFO leaves the writer blocked in open(): unblock it.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        os.close(fd)
    except OSError:
        pass
    writer.join(timeout=10)


def test_invoke_refuses_dev_zero_at_the_default_cap(aws: MotoServer, tmp_path: Path) -> None:
    """The real entry point in a subprocess: without a cap on the read it never ends."""
    env = {**os.environ, "AWS_ENDPOINT_URL": aws.url}
    done = subprocess.run(
        [sys.executable, "-m", "console.cli.main", "endpoint-invoke", "fraud", "@/dev/zero"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "payload file /dev/zero is larger than 25 MiB" in done.stderr
    assert "Traceback" not in done.stderr
    assert audit_records() == []


@pytest.mark.usefixtures("small_caps")
def test_invoke_refuses_dev_urandom_above_a_small_cap(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("endpoint-invoke", "fraud", "@/dev/urandom")
    assert_one_error(result, 2, "larger than 4096 bytes")
    assert audit_records() == []


@pytest.mark.usefixtures("small_caps")
def test_invoke_refuses_a_fifo_above_the_cap(aws: MotoServer, run_cli: Any, fifo: Path) -> None:
    result = run_cli("endpoint-invoke", "fraud", f"@{fifo}")
    assert_one_error(result, 2, "larger than 4096 bytes")
    assert audit_records() == []


@pytest.mark.usefixtures("small_caps")
def test_invoke_refuses_stdin_above_the_cap(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("endpoint-invoke", "fraud", "-", input="[" + "1," * CAP + "1]")
    assert_one_error(result, 2, "the payload on stdin is larger than 4096 bytes")
    assert audit_records() == []


@pytest.mark.usefixtures("small_caps")
def test_invoke_accepts_a_payload_of_exactly_the_cap(
    aws: MotoServer, run_cli: Any, tmp_path: Path
) -> None:
    payload = tmp_path / "p.json"
    payload.write_text('"' + "a" * (CAP - 2) + '"')
    result = run_cli("endpoint-invoke", "fraud", f"@{payload}")
    assert result.exit_code == 0, result.stderr
    assert audit_records()[-1]["params"]["PayloadBytes"] == CAP


@pytest.mark.usefixtures("small_caps")
@pytest.mark.parametrize("source", ["/dev/zero", "fifo"])
def test_cluster_spec_and_sbatch_script_are_capped(
    aws: MotoServer, run_cli: Any, fifo: Path, source: str
) -> None:
    path = str(fifo) if source == "fifo" else source
    assert_one_error(run_cli("cluster-create", path), 2, "cluster spec")
    assert audit_records() == []


@pytest.mark.usefixtures("small_caps")
def test_sbatch_script_is_capped(run_cli: Any) -> None:
    assert_one_error(run_cli("slurm-submit", "/dev/zero", "--local"), 2, "larger than 4096")
