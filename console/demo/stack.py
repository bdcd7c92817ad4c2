"""The demo stack: moto on loopback, seeded and simulated, plus a local MLflow store.

:class:`DemoStack` is what `smconsole demo` runs. It must never touch real AWS: the server
binds 127.0.0.1 only (anything else is refused), every client it makes carries fake
credentials and an explicit loopback endpoint, and the environment it hands to other tools
(:meth:`DemoStack.env`, :meth:`DemoStack.unset_vars`) replaces the operator's profile,
credentials, endpoint overrides and config file with the demo's own.

Start-up stays fast (usable in ~2 s): moto is imported and seeded on the calling thread;
MLflow (several seconds to import and migrate) fills in on a background thread and
reports through :attr:`DemoStack.mlflow_ready` / :attr:`DemoStack.mlflow_error`.
"""

from __future__ import annotations

import atexit
import ipaddress
import logging
import os
import shlex
import shutil
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import urlsplit

from console.config import Buckets, Config
from console.errors import SmError

DEMO_LABEL = "smconsole DEMO (local moto stack, fake data, no AWS account)"

# Variables that would send a demo tool to a real account or mix in real credentials.
_UNSET_ALWAYS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "MLFLOW_REGISTRY_URI",
)


def is_loopback_host(host: str) -> bool:
    """True for localhost and any 127.0.0.0/8 or ::1 address."""
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and is_loopback_host(parts.hostname or "")


class DemoStack:
    """A seeded, simulated SageMaker account on loopback. One per process; a context manager."""

    _active: ClassVar[DemoStack | None] = None
    _guard: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self,
        *,
        tick_seconds: float = 1.5,
        seed: int = 7,
        simulate: bool = True,
        mlflow: bool = True,
        host: str = "127.0.0.1",
        events: bool = True,
    ) -> None:
        self.tick_seconds = tick_seconds
        # On push (issue 18): an EventBridge rule -> SQS queue the console reads; False
        # (``smconsole demo --poll``): the console polls as before.
        self.with_events = events
        self.events: Any = None
        self.seed = seed
        self.simulate = simulate
        self.with_mlflow = mlflow
        self.host = host
        self.url = ""
        self.tmpdir: Path | None = None
        self.world: Any = None
        self.state: Any = None
        self.simulator: Any = None
        self.mlflow_ready = threading.Event()
        self.mlflow_done = threading.Event()
        self.mlflow_error = ""
        self.mlflow_result: Any = None
        self._server: Any = None
        self._extras_installed = False
        self._stopping = threading.Event()
        self._mlflow_thread: threading.Thread | None = None
        self._prices_files: set[Path] = set()

    # -- life cycle ---------------------------------------------------------------------
    def start(self) -> DemoStack:
        if not is_loopback_host(self.host):
            raise SmError(
                f"the demo stack only binds loopback, not {self.host!r}",
                "it is a local toy; it never serves other machines",
            )
        with DemoStack._guard:
            if DemoStack._active is not None:
                raise SmError("a demo stack is already running in this process")
            DemoStack._active = self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.tmpdir = Path(tempfile.mkdtemp(prefix="smconsole-demo-"))
        logging.getLogger("werkzeug").disabled = True
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=self.host, port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        self._verify()
        # moto's backends are process-wide: start from nothing (and leave nothing behind).
        self._reset_backends()
        from console.demo import moto_extras
        from console.demo.seed import seed_demo
        from console.demo.simulator import Simulator

        self.world = seed_demo(self.url, seed=self.seed)
        self.state = moto_extras.DemoState(notebook_url_base=self.url)
        moto_extras.install(self.state)
        moto_extras.install_production_view()
        moto_extras.seed_tracking_servers(self.state, self.world.account_id, self.world.region)
        moto_extras.add_managed_policies()
        self._extras_installed = True
        self.simulator = Simulator(
            self.world, self.state, tick_seconds=self.tick_seconds, seed=self.seed + 4
        )
        from console.demo.production import seed_production

        self.simulator.production = seed_production(self.url, self.world)
        if self.with_events:
            self._start_events()
        if self.simulate:
            self.simulator.start()
        self._write_files()
        if self.with_mlflow:
            self._mlflow_thread = threading.Thread(
                target=self._seed_mlflow, name="smconsole-demo-mlflow", daemon=True
            )
            self._mlflow_thread.start()
        else:
            self.mlflow_done.set()

    def _start_events(self) -> None:
        from botocore.config import Config as BotoConfig

        from console.aws.session import new_boto3_session
        from console.demo.events import DemoEvents
        from console.demo.seed import FAKE_ACCESS_KEY, FAKE_SECRET_KEY

        session = new_boto3_session(
            aws_access_key_id=FAKE_ACCESS_KEY,
            aws_secret_access_key=FAKE_SECRET_KEY,
            region_name=self.world.region,
        )
        config = BotoConfig(proxies={}, retries={"max_attempts": 2, "mode": "standard"})
        self.events = DemoEvents.create(session, self.url, config)
        # The seeded world is the baseline: only later changes are published.
        from moto.sagemaker.models import sagemaker_backends

        backend = sagemaker_backends[self.world.account_id][self.world.region]
        with self.state.lock:
            self.events.changes(backend, datetime.now(UTC))
        self.simulator.events = self.events

    def stop(self) -> None:
        """Stop the simulator, restore moto, stop the server, remove the temp dir."""
        self._stopping.set()
        if self.simulator is not None:
            self.simulator.stop()
        from console.demo.slurm import forget_clusters

        forget_clusters()  # this process's simulated clusters were this demo's
        for path in self._prices_files:
            path.unlink(missing_ok=True)
        self._prices_files.clear()
        if self._extras_installed:
            from console.demo import moto_extras

            moto_extras.uninstall()
            self._extras_installed = False
        if self._server is not None:
            with suppress(OSError):
                self._reset_backends()
            self._server.stop()
            self._server = None
        if self._mlflow_thread is not None:
            # Mid-import or mid-migration it may take seconds; it is a daemon and checks
            # ``_stopping`` between runs, so do not hold the operator's Ctrl-C hostage.
            self._mlflow_thread.join(timeout=2.0)
            if self._mlflow_thread.is_alive() and self.tmpdir is not None:
                # mlflow recreates the store's directory when it opens it: the thread
                # removes it again when it ends, and so does the exit of this process.
                atexit.register(shutil.rmtree, self.tmpdir, True)
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        with DemoStack._guard:
            if DemoStack._active is self:
                DemoStack._active = None

    def __enter__(self) -> DemoStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what other tools need ----------------------------------------------------------
    @property
    def label(self) -> str:
        """Shown by the full-screen console next to "DEMO" in its header."""
        return f"fake data, local stack {self.url.removeprefix('http://')}"

    @property
    def mlflow_uri(self) -> str:
        return f"sqlite:///{self._dir() / 'mlflow.db'}"

    @property
    def config_path(self) -> Path:
        return self._dir() / "config.toml"

    @property
    def env_path(self) -> Path:
        return self._dir() / "env.sh"

    def config(self) -> Config:
        """A console config pointing at this stack (and only at it)."""
        world = self._world()
        config = Config(
            region=world.region,
            endpoint_url=self.url,
            mlflow_tracking_uri=self.mlflow_uri,
            mlflow_registry_uri=self.mlflow_uri,
            execution_role_arn=world.role_arn,
            audit_log=str(self._dir() / "audit.jsonl"),
            buckets=Buckets(
                input=world.buckets["input"],
                output=world.buckets["output"],
                models=world.buckets["models"],
            ),
            source=str(self.config_path),
        )
        if self.events is not None:
            config.events_queue_url = self.events.queue_url
        config.ssh.cluster = world.cluster_name
        config.ssh.transport = "demo"  # a simulated Slurm: the demo has no machines
        return config

    def env(self) -> dict[str, str]:
        """Environment variables that point AWS tools, MLflow and smconsole at the demo."""
        from console.demo.seed import FAKE_ACCESS_KEY, FAKE_SECRET_KEY

        world = self._world()
        no_proxy = ",".join(
            dict.fromkeys(
                ["127.0.0.1", "localhost", "::1"]
                + [h for h in os.environ.get("NO_PROXY", "").split(",") if h.strip()]
            )
        )
        env = {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_KEY,
            "AWS_REGION": world.region,
            "AWS_DEFAULT_REGION": world.region,
            # Empty files of our own: no profile of the operator's (SSO, credential_process,
            # per-service endpoints) can be picked up by a tool pointed at the demo.
            "AWS_CONFIG_FILE": str(self._dir() / "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self._dir() / "aws-credentials"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "NO_PROXY": no_proxy,
            "no_proxy": no_proxy,
            "MLFLOW_TRACKING_URI": self.mlflow_uri,
            "SMCONSOLE_CONFIG": str(self.config_path),
            "SMCONSOLE_DEMO": "1",
            # The simulated Slurm keeps its state here: every command pointed at this
            # demo (in any shell) sees the same cluster; the next demo starts afresh.
            "SMCONSOLE_DEMO_SLURM_DIR": str(self._dir()),
        }
        self._verify(env)
        return env

    def unset_vars(self, environ: Mapping[str, str] | None = None) -> list[str]:
        """Variables to remove from ``environ`` so nothing of the real account leaks in."""
        environ = os.environ if environ is None else environ
        ours = set(self.env())
        names = [n for n in _UNSET_ALWAYS if n in environ]
        names += sorted(
            n
            for n in environ
            if (n.startswith("AWS_ENDPOINT_URL_") or n.startswith("SMCONSOLE_")) and n not in ours
        )
        return names

    def child_env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """A full environment for a subprocess that should talk to the demo."""
        base = dict(os.environ if base is None else base)
        for name in self.unset_vars(base):
            base.pop(name, None)
        base.update(self.env())
        return base

    def shell_lines(self) -> list[str]:
        """`unset`/`export` lines (shell-quoted) that point a shell at the demo."""
        lines = [f"# {DEMO_LABEL}", f"# endpoint {self.url}; stop the demo and these go stale"]
        unset = self.unset_vars()
        if unset:
            lines.append("unset " + " ".join(unset))
        lines += [f"export {k}={shlex.quote(v)}" for k, v in self.env().items()]
        return lines

    def publish_prices(self) -> Path:
        """The demo's static prices where the console caches the prices of this stack's
        endpoint (moto has no Price List API; see :mod:`console.demo.prices`): every
        console and command pointed at the demo reads them. Removed by :meth:`stop`."""
        from console.demo.prices import write_demo_prices

        path = write_demo_prices(self._world().region, self.url)
        self._prices_files.add(path)
        return path

    @contextmanager
    def environment(self) -> Iterator[None]:
        """Point this process at the demo (os.environ), restoring it afterwards; the
        demo's prices are published first (the operator's cache dir, as they run)."""
        self.publish_prices()
        unset, env = self.unset_vars(), self.env()
        saved = {name: os.environ.get(name) for name in [*unset, *env]}
        try:
            for name in unset:
                os.environ.pop(name, None)
            os.environ.update(env)
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def wait_for_mlflow(self, timeout: float) -> bool:
        """True once the MLflow store is seeded; False on timeout or failure."""
        self.mlflow_done.wait(timeout)
        return self.mlflow_ready.is_set()

    # -- internals ----------------------------------------------------------------------
    def _dir(self) -> Path:
        if self.tmpdir is None:
            raise SmError("the demo stack is not running")
        return self.tmpdir

    def _world(self) -> Any:
        if self.world is None:
            raise SmError("the demo stack is not running")
        return self.world

    def _verify(self, env: Mapping[str, str] | None = None) -> None:
        """Refuse anything that would point a demo client away from this machine."""
        if not is_loopback_url(self.url):
            raise SmError(f"refusing to run the demo on a non-loopback endpoint: {self.url}")
        for name, value in (env or {}).items():
            if name.startswith("AWS_ENDPOINT_URL") and not is_loopback_url(value):
                raise SmError(f"refusing a demo environment with {name}={value}")
        if env and not env.get("MLFLOW_TRACKING_URI", "").startswith(f"sqlite:///{self._dir()}"):
            raise SmError("refusing a demo environment whose MLflow store is outside the demo")

    def _reset_backends(self) -> None:
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        # Loopback only (checked by _verify), never through a proxy.
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with opener.open(request, timeout=10) as response:
            response.read()

    def _write_files(self) -> None:
        from console.config import save_config

        save_config(self.config(), self.config_path)
        for name in ("aws-config", "aws-credentials"):
            (self._dir() / name).write_text("# smconsole demo: intentionally empty\n")
        self.env_path.write_text("\n".join(self.shell_lines()) + "\n")

    def _seed_mlflow(self) -> None:
        try:
            from console.demo.mlflow_seed import seed_mlflow

            result = seed_mlflow(
                self.mlflow_uri,
                self._dir() / "mlartifacts",
                self._world().runs,
                should_stop=self._stopping.is_set,
                packaged_jobs=self._world().packaged_jobs,
            )
            if self._stopping.is_set():
                return
            self._link_runs(result.links)
            if self.simulator is not None:  # runs follow the jobs from now on
                from console.demo.mlflow_live import LiveRuns

                known = {job: run for job, (_, run) in result.links.items()}
                self.simulator.run_tracker = LiveRuns(self.mlflow_uri, result.experiments, known)
            self.mlflow_result = result
            self.mlflow_ready.set()
        except Exception as exc:  # never crash the demo: report it instead
            self.mlflow_error = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            if self._stopping.is_set() and self.tmpdir is not None:
                shutil.rmtree(self.tmpdir, ignore_errors=True)  # stopped meanwhile
            self.mlflow_done.set()

    def _link_runs(self, links: Mapping[str, tuple[str, str]]) -> None:
        """Show each job's MLflow run in DescribeTrainingJob (MlflowDetails), as AWS does."""
        from moto.sagemaker.models import sagemaker_backends

        from console.demo.moto_state import patch

        world = self._world()
        backend = sagemaker_backends[world.account_id][world.region]
        with self.state.lock:
            for job_name, (experiment_id, run_id) in links.items():
                job = backend.training_jobs.get(job_name)
                if job is not None:
                    patch(
                        job,
                        mlflow_details={"MlflowExperimentId": experiment_id, "MlflowRunId": run_id},
                    )
