"""The local transport: smconsole runs on the login node itself.

Programs run as subprocesses of this process (no shell), so the quoting rules are moot;
the same argv a remote transport would send is executed directly.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from console.errors import SmError, ToolMissingError
from console.remote.base import DEFAULT_TIMEOUT, MAX_OUTPUT_BYTES, Process, Result, Transport
from console.remote.base import command_line as _validated
from console.remote.errors import RemoteTimeoutError


class LocalProcess(Process):
    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        super().__init__()
        self.popen = popen

    def read(self, timeout: float) -> bytes | None:
        stdout = self.popen.stdout
        assert stdout is not None
        ready, _, _ = select.select([stdout], [], [], max(timeout, 0))
        if not ready:
            return None
        return os.read(stdout.fileno(), 65536)

    @property
    def exit_status(self) -> int | None:
        return self.popen.poll()

    def close(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        if self.popen.stdout is not None:
            self.popen.stdout.close()


class LocalTransport(Transport):
    kind = "local"

    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = env

    @property
    def destination(self) -> str:
        return "local"

    def describe(self) -> str:
        return "(this machine: no connection)"

    def home(self) -> str:
        return str(Path.home())

    def run(
        self,
        argv: Sequence[str],
        *,
        input: bytes | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> Result:
        _validated(argv)
        try:
            done = subprocess.run(
                list(argv),
                input=input,
                capture_output=True,
                timeout=timeout,
                env=self.env,
                check=False,
            )
        except FileNotFoundError:
            raise ToolMissingError(
                f"`{argv[0]}` is not installed on this machine",
                "run smconsole on the cluster's login node, or connect with --ssh/--ssm",
            ) from None
        except subprocess.TimeoutExpired:
            raise RemoteTimeoutError(f"`{argv[0]}` did not finish in {timeout:.0f} s") from None
        except OSError as exc:
            raise SmError(f"cannot run `{argv[0]}`: {exc.strerror or exc}") from None
        stdout, stderr = done.stdout[:MAX_OUTPUT_BYTES], done.stderr[:MAX_OUTPUT_BYTES]
        return Result(
            done.returncode,
            stdout.decode("utf-8", "replace"),
            stderr.decode("utf-8", "replace"),
        )

    def spawn(self, argv: Sequence[str], *, merge_stderr: bool = True) -> Process:
        _validated(argv)
        try:
            popen = subprocess.Popen(
                list(argv),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT if merge_stderr else subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                env=self.env,
                start_new_session=True,  # its own process group: close() ends all of it
            )
        except FileNotFoundError:
            raise ToolMissingError(f"`{argv[0]}` is not installed on this machine") from None
        return LocalProcess(popen)

    def put_file(self, path: str, data: bytes, *, mode: int = 0o600) -> str:
        target = Path(self.expand_path(path))
        try:
            target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(tmp, mode)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise SmError(f"cannot write {target}: {exc.strerror or exc}") from None
        return str(target)
