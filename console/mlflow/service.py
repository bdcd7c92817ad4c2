"""The MLflow service: experiments, runs, metric history, registry, aliases and lineage.

Reached as ``context.mlflow``. Every mlflow call goes through :meth:`MlflowService._call`:
inside :func:`~console.mlflow.quiet.quiet` (nothing reaches the terminal) and with any
failure translated into one :class:`SmError` line. mlflow itself is imported on first
use, inside a method, never at start-up.

The tracking URI comes from the config (``mlflow_tracking_uri``, or
``MLFLOW_TRACKING_URI`` through the config loader): an ``http(s)://`` tracking server or
a SageMaker managed tracking server ARN (both through our REST client, requests signed
with SigV4 from the console's AWS session for an ARN), or a ``sqlite:///`` (or other SQL)
store through mlflow itself (the ``mlflow-local`` extra). We never
fall back to mlflow's own default (``sqlite:///mlflow.db`` in the current directory):
an operator would silently get an empty store.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from console import validate
from console.aws.session import SessionFactory
from console.config import Config
from console.errors import ConfigError, NotFoundError, SmError, ValidationError, translate
from console.gate import MutationGate
from console.mlflow.loading import mlflow_imports
from console.mlflow.quiet import quiet, silence_loggers
from console.mlflow.records import (
    JOB_TAGS,
    Artifact,
    MetricPoint,
    MlflowExperiment,
    MlflowRun,
    ModelVersion,
    PackageLink,
    RegisteredModel,
    RunLineage,
    version_str,
)

T = TypeVar("T")

# search_runs pages: 1,000 is mlflow's own default page and what a REST server answers
# quickly; 5,000 runs are five requests.
RUN_PAGE_SIZE = 1000
EXPERIMENT_PAGE_SIZE = 1000
_SQL_SCHEMES = ("sqlite", "postgresql", "mysql", "mssql")
_ARN = re.compile(r"^arn:aws[\w-]*:sagemaker:[\w-]+:\d{12}:mlflow-(tracking-server|app)/[\w-]+$")
_ALIAS = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_VERSION_ALIAS = re.compile(r"^v\d+$", re.I)
_RUN_ID = re.compile(r"^[0-9a-fA-F]{8,64}$")
# Run counts: only the most recently updated experiments are counted, and a count is
# reused for COUNT_TTL seconds (counting lists runs; the Experiments tab polls). "No runs
# yet" is reused only briefly: a new experiment gets its first runs soon, and recounting
# an empty one is cheap (MLflow does not touch an experiment's last_update_time when a
# run is created, so there is no cheaper sign of change).
COUNTED_EXPERIMENTS = 50
COUNT_TTL = 120.0
EMPTY_COUNT_TTL = 10.0
# Tag on a run naming the model package group its packages go to (optional).
GROUP_TAG = "sagemaker.model_package_group"


def check_tracking_uri(uri: str, what: str = "mlflow_tracking_uri") -> str:
    """Accept http(s), SQL stores and SageMaker tracking server ARNs; refuse the rest."""
    uri = uri.strip()
    if not uri:
        raise ConfigError(
            "no MLflow tracking URI configured",
            "set mlflow_tracking_uri in the config or MLFLOW_TRACKING_URI "
            "(http(s)://host:port, sqlite:///path.db or a SageMaker tracking server ARN)",
        )
    if uri.startswith("arn:"):
        if not _ARN.match(uri):
            raise ConfigError(
                f"{what}: not a SageMaker MLflow tracking server ARN: {uri[:120]}",
                "expected arn:aws:sagemaker:REGION:ACCOUNT:mlflow-tracking-server/NAME",
            )
        return uri
    scheme = urlsplit(uri).scheme.split("+")[0].lower()
    if scheme in {"http", "https"} and urlsplit(uri).netloc:
        return uri
    if scheme in _SQL_SCHEMES:
        return uri
    if scheme in {"", "file"}:
        raise ConfigError(
            f"{what}: file stores are not supported: {uri[:120]}",
            "use a sqlite:///path.db store or an http(s) tracking server",
        )
    raise ConfigError(f"{what}: unsupported scheme {scheme!r} in {uri[:120]}")


def display_uri(uri: str) -> str:
    """The URI without a password (``http://user:secret@host`` -> ``http://user@host``)."""
    if uri.startswith("arn:"):
        return uri
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    netloc = (parts.username or "") + "@" + (parts.hostname or "")
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _quote(value: str) -> str:
    """A string literal for MLflow's search syntax."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_id(value: str) -> str:
    value = value.strip()
    if not _RUN_ID.match(value):
        raise ValidationError(f"not an MLflow run id: {value[:60]!r}", "a run id is 32 hex digits")
    return value


def alias_name(value: str) -> str:
    """MLflow's alias rules, checked here so a bad alias never reaches the gate."""
    if not _ALIAS.match(value):
        raise ValidationError(
            f"invalid alias {value[:60]!r}", "letters, digits, '_' and '-' only (e.g. champion)"
        )
    if value.lower() == "latest" or _VERSION_ALIAS.match(value):
        raise ValidationError(f"alias {value!r} is reserved by MLflow", "pick another name")
    return value


def version_number(value: str | int) -> str:
    text = version_str(value)
    if not text.isdigit() or int(text) < 1:
        raise ValidationError(f"model version must be a positive number, got {text[:20]!r}")
    return str(int(text))


def model_name(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 256 or any(ord(c) < 32 for c in value):
        raise ValidationError(f"invalid registered model name: {value[:60]!r}")
    return value


class MlflowService:
    """One MLflow client (tracking + registry) for one console context."""

    def __init__(self, config: Config, sessions: SessionFactory, gate: MutationGate) -> None:
        self.config = config
        self.sessions = sessions
        self.gate = gate
        self._lock = threading.Lock()
        self._client: Any = None
        self._counts: dict[tuple[str, int], tuple[float, int]] = {}

    # --- connection -------------------------------------------------------------------

    @property
    def tracking_uri(self) -> str:
        return check_tracking_uri(self.config.mlflow_tracking_uri)

    @property
    def registry_uri(self) -> str:
        if self.config.mlflow_registry_uri:
            return check_tracking_uri(self.config.mlflow_registry_uri, "mlflow_registry_uri")
        return self.tracking_uri

    @property
    def configured(self) -> bool:
        return bool(self.config.mlflow_tracking_uri.strip())

    def describe_target(self) -> str:
        """Where we read from, for titles and errors (password removed)."""
        return display_uri(self.config.mlflow_tracking_uri or "(no tracking URI)")

    @property
    def mlflow_client(self) -> Any:
        """The client, created on first use: our REST client for an ``http(s)://`` server
        or a SageMaker ARN (no mlflow import: console/mlflow/rest.py says why), mlflow's
        own ``MlflowClient`` for a local SQL store (the ``mlflow-local`` extra).

        Not called ``client``: the IAM policy scanner (tests/core/test_tf_policies.py) reads
        ``self.client.<op>`` as a boto3 call.
        """
        tracking, registry = self.tracking_uri, self.registry_uri
        with self._lock:
            if self._client is None:
                self._client = self._new_client(tracking, registry)
            return self._client

    def _new_client(self, tracking: str, registry: str) -> Any:
        from console.mlflow.rest import is_rest_uri, rest_client

        if is_rest_uri(tracking) and is_rest_uri(registry):
            return rest_client(tracking, registry, self._aws_credentials)
        from console.extras import MLFLOW_LOCAL, require

        require(MLFLOW_LOCAL)
        with quiet():
            try:
                with mlflow_imports():
                    from mlflow.tracking import MlflowClient

                    silence_loggers()  # importing mlflow configures its own logger
                    return MlflowClient(tracking_uri=tracking, registry_uri=registry)
            except Exception as exc:
                raise self._translate(exc) from exc

    def _aws_credentials(self) -> Any:
        """The console's AWS credentials now (for signing requests to an ARN): looked up
        per request, so a re-login or a new session is used at once."""
        return self.sessions.session.get_credentials()

    def _translate(self, exc: BaseException) -> SmError:
        return translate(exc, profile=self.sessions.context.profile)

    def _call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Call mlflow quietly; any failure becomes one SmError line."""
        with quiet():
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                raise self._translate(exc) from exc

    # --- experiments ------------------------------------------------------------------

    def list_experiments(
        self, *, name_contains: str | None = None, with_counts: bool = False, count_cap: int = 1000
    ) -> list[MlflowExperiment]:
        """Active experiments, most recently updated first; optionally with run counts
        (capped: counting a 5,000-run experiment exactly would list all of it)."""
        client = self.mlflow_client
        filter_string = f"name LIKE {_quote('%' + name_contains + '%')}" if name_contains else ""
        found: list[MlflowExperiment] = []
        token: str | None = None
        while True:
            page = self._call(
                client.search_experiments,
                max_results=EXPERIMENT_PAGE_SIZE,
                filter_string=filter_string or None,
                order_by=["last_update_time DESC"],
                page_token=token,
            )
            found.extend(MlflowExperiment.from_mlflow(e) for e in page)
            token = getattr(page, "token", None)
            if not token:
                break
        if with_counts:
            found = [
                self._with_count(e, count_cap) if index < COUNTED_EXPERIMENTS else e
                for index, e in enumerate(found)
            ]
        return found

    def _with_count(self, experiment: MlflowExperiment, cap: int) -> MlflowExperiment:
        """The experiment with its (capped) run count, cached for ``COUNT_TTL`` seconds
        (``EMPTY_COUNT_TTL`` for none): a poll every 30 s must not list every experiment's
        runs every time."""
        import time
        from dataclasses import replace

        now = time.monotonic()
        key = (experiment.experiment_id, cap)
        cached = self._counts.get(key)
        if cached is None or now - cached[0] > (COUNT_TTL if cached[1] else EMPTY_COUNT_TTL):
            page = self._call(
                self.mlflow_client.search_runs, [experiment.experiment_id], max_results=cap + 1
            )
            cached = (now, len(page))
            self._counts[key] = cached
        count = cached[1]
        return replace(experiment, run_count=min(count, cap), runs_capped=count > cap)

    def forget_run_counts(self) -> None:
        """Count every experiment's runs afresh on the next listing (an explicit refresh)."""
        self._counts.clear()

    def get_experiment(self, ref: str) -> MlflowExperiment:
        """An experiment by id or by name."""
        ref = ref.strip()
        if not ref:
            raise ValidationError("no experiment given")
        client = self.mlflow_client
        found: Any = None
        if ref.isdigit():
            try:
                found = self._call(client.get_experiment, ref)
            except NotFoundError:
                found = None
        if found is None:
            found = self._call(client.get_experiment_by_name, ref)
        if found is None:
            raise NotFoundError(
                f"MLflow experiment {ref!r} not found", "list them: smconsole mlflow-experiments"
            )
        return MlflowExperiment.from_mlflow(found)

    # --- runs -------------------------------------------------------------------------

    def run_pages(
        self,
        experiment_ids: Sequence[str],
        *,
        filter_string: str = "",
        order_by: Sequence[str] | None = None,
        page_size: int = RUN_PAGE_SIZE,
    ) -> Iterator[list[MlflowRun]]:
        """Yield runs a page at a time (one request each), following page tokens."""
        client = self.mlflow_client
        token: str | None = None
        while True:
            page = self._call(
                client.search_runs,
                list(experiment_ids),
                filter_string=filter_string,
                max_results=page_size,
                order_by=list(order_by or ["attributes.start_time DESC"]),
                page_token=token,
            )
            yield [MlflowRun.from_mlflow(r) for r in page]
            token = getattr(page, "token", None)
            if not token:
                return

    def list_runs(
        self,
        experiment: str,
        *,
        filter_string: str = "",
        order_by: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[MlflowRun]:
        """Runs of one experiment (id or name), newest first, every page unless ``limit``."""
        experiment_id = self.get_experiment(experiment).experiment_id
        runs: list[MlflowRun] = []
        size = min(RUN_PAGE_SIZE, limit) if limit else RUN_PAGE_SIZE
        for page in self.run_pages(
            [experiment_id], filter_string=filter_string, order_by=order_by, page_size=size
        ):
            runs.extend(page)
            if limit is not None and len(runs) >= limit:
                return runs[:limit]
        return runs

    def get_run(self, run: str) -> MlflowRun:
        found = self._call(self.mlflow_client.get_run, run_id(run))
        return MlflowRun.from_mlflow(found)

    def metric_history(self, run: str, key: str) -> list[MetricPoint]:
        """Every logged value of one metric, by step (then time)."""
        if not key.strip():
            raise ValidationError("no metric key given")
        points = self._call(self.mlflow_client.get_metric_history, run_id(run), key)
        history = [MetricPoint.from_mlflow(m) for m in points]
        history.sort(key=lambda p: (p.step, p.timestamp.timestamp() if p.timestamp else 0.0))
        if not history:
            raise NotFoundError(f"run {run} has no metric {key!r}")
        return history

    def metric_histories(
        self, runs: Iterable[str], keys: Iterable[str]
    ) -> dict[tuple[str, str], list[MetricPoint]]:
        """Histories for several runs and keys; a run without a key is left out."""
        out: dict[tuple[str, str], list[MetricPoint]] = {}
        for run in runs:
            for key in keys:
                try:
                    out[(run, key)] = self.metric_history(run, key)
                except NotFoundError:
                    continue
        return out

    def list_artifacts(self, run: str, path: str = "") -> list[Artifact]:
        found = self._call(self.mlflow_client.list_artifacts, run_id(run), path or None)
        return [Artifact.from_mlflow(f) for f in found]

    # --- registry ---------------------------------------------------------------------

    def list_registered_models(self, *, name_contains: str | None = None) -> list[RegisteredModel]:
        client = self.mlflow_client
        filter_string = f"name LIKE {_quote('%' + name_contains + '%')}" if name_contains else None
        models: list[RegisteredModel] = []
        token: str | None = None
        while True:
            page = self._call(
                client.search_registered_models,
                filter_string=filter_string,
                max_results=1000,
                page_token=token,
            )
            models.extend(RegisteredModel.from_mlflow(m) for m in page)
            token = getattr(page, "token", None)
            if not token:
                break
        return sorted(models, key=lambda m: m.name.lower())

    def get_registered_model(self, name: str) -> RegisteredModel:
        return RegisteredModel.from_mlflow(
            self._call(self.mlflow_client.get_registered_model, model_name(name))
        )

    def list_model_versions(self, name: str) -> list[ModelVersion]:
        """All versions of a model, newest first."""
        return self._search_versions(f"name={_quote(model_name(name))}")

    def model_versions_for_run(self, run: str) -> list[ModelVersion]:
        return self._search_versions(f"run_id={_quote(run_id(run))}")

    def _search_versions(self, filter_string: str) -> list[ModelVersion]:
        client = self.mlflow_client
        versions: list[ModelVersion] = []
        token: str | None = None
        while True:
            page = self._call(
                client.search_model_versions,
                filter_string=filter_string,
                max_results=1000,
                page_token=token,
            )
            versions.extend(ModelVersion.from_mlflow(v) for v in page)
            token = getattr(page, "token", None)
            if not token:
                break
        return sorted(self._with_aliases(versions), key=lambda v: (v.name, -v.version_number))

    def _with_aliases(self, versions: list[ModelVersion]) -> list[ModelVersion]:
        """search_model_versions leaves aliases out: take them from each model once."""
        from dataclasses import replace

        aliases: dict[str, dict[str, str]] = {}
        for name in {v.name for v in versions}:
            try:
                aliases[name] = self.get_registered_model(name).aliases
            except NotFoundError:
                aliases[name] = {}
        return [
            replace(
                v,
                aliases=tuple(sorted(a for a, n in aliases[v.name].items() if n == v.version)),
            )
            for v in versions
        ]

    def set_alias(self, model: str, alias: str, version: str | int) -> str:
        """Point ``alias`` at ``version`` (moving it if it exists); returns the version it
        pointed at before ("" if new). A mutation: read-only refuses it, the gate audits
        it with the previous version, so "who moved champion from 3 to 4" is answerable."""
        model, alias, version = model_name(model), alias_name(alias), version_number(version)
        target = f"{model}@{alias}"
        current = ""
        if not self.gate.read_only:  # read-only: refused (and audited) below, no reads
            self._call(self.mlflow_client.get_model_version, model, version)  # "not found" first
            current = self.get_registered_model(model).aliases.get(alias, "")
        params = {"model": model, "alias": alias, "version": version, "previous": current}

        def apply() -> None:
            with quiet():
                self.mlflow_client.set_registered_model_alias(model, alias, version)

        self.gate.run("mlflow-alias", target, params, apply)
        return current

    # --- lineage ----------------------------------------------------------------------

    def run_for_training_job(self, job_name: str, *, mlflow_run_id: str = "") -> MlflowRun | None:
        """The run of a SageMaker training job: DescribeTrainingJob's MlflowDetails when the
        caller has it, else a run tagged with the job name (``JOB_TAGS``), newest first."""
        validate.name(job_name, "training job name")
        if mlflow_run_id:
            try:
                return self.get_run(mlflow_run_id)
            except NotFoundError:
                pass  # the run was deleted or lives elsewhere: try the tags
        experiments = [e.experiment_id for e in self.list_experiments()]
        if not experiments:
            return None
        for tag in JOB_TAGS:
            filter_string = f"tags.`{tag}` = {_quote(job_name)}"
            for start in range(0, len(experiments), 100):
                chunk = experiments[start : start + 100]
                for page in self.run_pages(chunk, filter_string=filter_string, page_size=10):
                    if page:
                        return page[0]
                    break
        return None

    def training_job_run(self, job: Any) -> MlflowRun | None:
        """The run for a :class:`~console.services.jobs.TrainingJob` record."""
        return self.run_for_training_job(job.name, mlflow_run_id=job.mlflow_run_id)

    def lineage(self, run: str) -> RunLineage:
        """From a run: its training job, the registry versions and SageMaker packages made
        from it. Package lookup: see :meth:`packages_for_run`."""
        found = self.get_run(run)
        versions = self.model_versions_for_run(found.run_id)
        packages = self.packages_for_run(found, versions)
        return RunLineage(
            run_id=found.run_id,
            training_job=found.training_job,
            model_versions=tuple(versions),
            packages=tuple(packages),
        )

    def packages_for_run(
        self, run: MlflowRun, versions: Sequence[ModelVersion] = ()
    ) -> list[PackageLink]:
        """SageMaker model packages made from ``run`` (see
        :class:`console.services.mlflow_lineage.PackageLinksService` for the rules)."""
        from console.services.mlflow_lineage import PackageLinksService

        groups: list[str] = []
        for name in [run.tags.get(GROUP_TAG, ""), *(v.name for v in versions)]:
            if name and name not in groups:
                groups.append(name)
        links = PackageLinksService(self.sessions, self.gate)
        return links.packages_for(run.run_id, run.training_job, groups)
