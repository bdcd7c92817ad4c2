"""A small MLflow REST client: the calls the console makes, without the mlflow package.

Importing ``mlflow`` (even ``mlflow-skinny`` beside pandas) costs ~190 MB of memory and
2 s: it pulls pandas, pyarrow and scipy through its dataset and model modules. The
console only reads experiments, runs, metric histories, artifacts lists and the
registry, and moves an alias: twelve REST calls, made here with urllib3 (already a
botocore dependency). So an ``http(s)://`` tracking server or a SageMaker managed one
(an ARN) needs no mlflow at all; only a local SQL store (``sqlite:///``) does (the
``mlflow-local`` extra, :mod:`console.mlflow.service`).

What it keeps from mlflow's own client, so the rest of the console cannot tell:
- the same REST calls (same HTTP method and path: the IAM actions a SageMaker managed
  server checks, tests/core/test_tf_policies.py), the same page tokens;
- entity objects with mlflow's attribute names (:class:`Entity`), read by
  ``console.mlflow.records``' ``from_mlflow``;
- mlflow's settings: ``MLFLOW_HTTP_REQUEST_TIMEOUT`` / ``_MAX_RETRIES`` /
  ``_BACKOFF_FACTOR``, ``MLFLOW_TRACKING_USERNAME``/``_PASSWORD``/``_TOKEN``,
  ``MLFLOW_TRACKING_INSECURE_TLS``, ``MLFLOW_TRACKING_SERVER_CERT_PATH``,
  ``MLFLOW_TRACKING_CLIENT_CERT_PATH``; the proxy environment (``HTTPS_PROXY``,
  ``NO_PROXY``) like ``requests``;
- mlflow's error shapes (:class:`RestError` with ``error_code``, and "API request to
  URL failed ..." texts), so :func:`console.mlflow.errors.translate_mlflow` is the one
  translation for both paths;
- for an ARN: the sagemaker-mlflow plugin's endpoint, routing header and SigV4 signing
  (service ``sagemaker-mlflow``), with credentials from the console's own session (so
  ``--profile`` applies). ``AWS_ENDPOINT_URL_SAGEMAKER_MLFLOW`` overrides the endpoint,
  as the AWS SDKs' per-service variables do.

Reads are retried on 408/429/5xx and connection errors like mlflow's client does; the
one mutation (setting an alias) only when the connection was never made: never blindly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from console.mlflow.quiet import HTTP_DEFAULTS

API = "/api/2.0/mlflow"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# SageMaker managed MLflow (what the sagemaker-mlflow plugin does for an ARN).
ARN_SERVICE = {"mlflow-tracking-server": "sagemaker-mlflow", "mlflow-app": "sagemaker"}
ARN_HEADER = {
    "mlflow-tracking-server": "x-mlflow-sm-tracking-server-arn",
    "mlflow-app": "x-sm-mlflow-app-arn",
}
ENDPOINT_ENV = "AWS_ENDPOINT_URL_SAGEMAKER_MLFLOW"


class RestError(Exception):
    """A failed REST call, shaped like mlflow's ``RestException`` (``error_code``)."""

    def __init__(self, message: str, error_code: str = "", status: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code
        self.status = status


class Entity:
    """An mlflow entity as plain attributes (``experiment.name``, ``run.info.run_id``)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"Entity({self.__dict__!r})"


class Page(list[Any]):
    """One page of a search, with the token of the next (``None``: last page)."""

    token: str | None = None


def _settings(name: str) -> str:
    key = f"MLFLOW_HTTP_REQUEST_{name}"
    return os.environ.get(key) or HTTP_DEFAULTS[key]


def _pairs(items: Any) -> dict[str, str]:
    """``[{key, value}, ...]`` (REST tags/params) -> dict."""
    return {str(i.get("key", "")): str(i.get("value", "")) for i in items or ()}


def _experiment(d: Mapping[str, Any]) -> Entity:
    return Entity(
        experiment_id=str(d.get("experiment_id", "")),
        name=str(d.get("name", "")),
        artifact_location=d.get("artifact_location", ""),
        lifecycle_stage=d.get("lifecycle_stage", ""),
        creation_time=d.get("creation_time"),
        last_update_time=d.get("last_update_time"),
        tags=_pairs(d.get("tags")),
    )


def _run(d: Mapping[str, Any]) -> Entity:
    info, data = d.get("info") or {}, d.get("data") or {}
    return Entity(
        info=Entity(
            run_id=info.get("run_id") or info.get("run_uuid", ""),
            run_name=info.get("run_name", ""),
            experiment_id=str(info.get("experiment_id", "")),
            status=info.get("status", ""),
            start_time=info.get("start_time"),
            end_time=info.get("end_time"),
            user_id=info.get("user_id", ""),
            artifact_uri=info.get("artifact_uri", ""),
            lifecycle_stage=info.get("lifecycle_stage", ""),
        ),
        data=Entity(
            params=_pairs(data.get("params")),
            tags=_pairs(data.get("tags")),
            # The run's latest value of each metric (what mlflow's RunData.metrics holds).
            metrics={str(m["key"]): m.get("value") for m in data.get("metrics") or ()},
        ),
    )


def _metric(d: Mapping[str, Any]) -> Entity:
    return Entity(
        key=d.get("key", ""),
        value=d.get("value"),
        timestamp=d.get("timestamp"),
        step=d.get("step", 0),
    )


def _version(d: Mapping[str, Any]) -> Entity:
    return Entity(
        name=d.get("name", ""),
        version=d.get("version", ""),
        status=d.get("status", ""),
        run_id=d.get("run_id", ""),
        source=d.get("source", ""),
        aliases=list(d.get("aliases") or ()),
        tags=_pairs(d.get("tags")),
        description=d.get("description", ""),
        creation_timestamp=d.get("creation_timestamp"),
        last_updated_timestamp=d.get("last_updated_timestamp"),
        current_stage=d.get("current_stage", ""),
    )


def _model(d: Mapping[str, Any]) -> Entity:
    return Entity(
        name=d.get("name", ""),
        description=d.get("description", ""),
        creation_timestamp=d.get("creation_timestamp"),
        last_updated_timestamp=d.get("last_updated_timestamp"),
        aliases={str(a.get("alias", "")): a.get("version", "") for a in d.get("aliases") or ()},
        tags=_pairs(d.get("tags")),
        latest_versions=[_version(v) for v in d.get("latest_versions") or ()],
    )


def arn_parts(arn: str) -> tuple[str, str, str]:
    """(partition, region, resource type) of a SageMaker MLflow ARN."""
    fields = arn.split(":", 5)
    return fields[1], fields[3], fields[5].split("/", 1)[0]


def arn_endpoint(arn: str) -> str:
    """The regional endpoint the sagemaker-mlflow plugin sends an ARN's calls to."""
    override = os.environ.get(ENDPOINT_ENV, "").strip()
    if override:
        return override.rstrip("/")
    partition, region, kind = arn_parts(arn)
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    if kind == "mlflow-app":
        return f"https://mlflow.sagemaker.{region}.app.{suffix}"
    return f"https://{region}.experiments.sagemaker.{suffix}"


class MlflowRestClient:
    """The subset of ``mlflow.tracking.MlflowClient`` the console calls, over REST.

    ``signer`` (for an ARN) adds SigV4 headers to each request: ``signer(method, url,
    body, headers)``. Thread-safe: urllib3 pools are.
    """

    def __init__(
        self,
        uri: str,
        *,
        headers: Mapping[str, str] | None = None,
        signer: Callable[[str, str, bytes, dict[str, str]], None] | None = None,
    ) -> None:
        import urllib3

        parts = urlsplit(uri)
        self.headers = {"Content-Type": "application/json", **(headers or {})}
        user = os.environ.get("MLFLOW_TRACKING_USERNAME") or parts.username
        password = os.environ.get("MLFLOW_TRACKING_PASSWORD") or parts.password
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        if user and password:
            basic = base64.b64encode(f"{user}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {basic}"
        elif token:
            self.headers["Authorization"] = f"Bearer {token}"
        netloc = parts.hostname or ""
        if ":" in netloc:  # IPv6 literal
            netloc = f"[{netloc}]"
        if parts.port:
            netloc += f":{parts.port}"
        self.base = urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        self.signer = signer
        self.timeout = float(_settings("TIMEOUT"))
        self.retries = int(_settings("MAX_RETRIES"))
        self.backoff = float(_settings("BACKOFF_FACTOR"))
        tls: dict[str, Any] = {}
        if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() == "true":
            tls["cert_reqs"] = "CERT_NONE"
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        elif os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH"):
            tls["ca_certs"] = os.environ["MLFLOW_TRACKING_SERVER_CERT_PATH"]
        if os.environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH"):
            tls["cert_file"] = os.environ["MLFLOW_TRACKING_CLIENT_CERT_PATH"]
        proxy = self._proxy(parts.scheme, parts.hostname or "")
        self.pool: Any = urllib3.ProxyManager(proxy, **tls) if proxy else urllib3.PoolManager(**tls)

    @staticmethod
    def _proxy(scheme: str, host: str) -> str:
        """The proxy ``requests`` would use (``HTTPS_PROXY``/``NO_PROXY``), or ""."""
        proxy = urllib.request.getproxies().get(scheme, "")
        if not proxy or urllib.request.proxy_bypass(host):
            return ""
        return proxy

    # --- transport --------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        mutation: bool = False,
    ) -> dict[str, Any]:
        import urllib3
        from urllib3.util import Retry

        url = f"{self.base}{API}/{path}"
        payload = b""
        if method == "GET" and body:
            url += "?" + urlencode(
                [(k, v) for k, v in body.items() if v is not None and not isinstance(v, list)]
                + [(k, i) for k, v in body.items() if isinstance(v, list) for i in v],
                quote_via=quote,  # spaces as %20: what SigV4 signs and the server reads
            )
        elif body is not None:
            payload = json.dumps({k: v for k, v in body.items() if v is not None}).encode()
        headers = dict(self.headers)
        if self.signer is not None:
            self.signer(method, url, payload, headers)
        retry = Retry(
            total=self.retries,
            connect=self.retries,
            read=0 if mutation else self.retries,
            status=0 if mutation else self.retries,
            other=0 if mutation else self.retries,
            backoff_factor=self.backoff,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # our searches are POSTs, and reads
            raise_on_status=True,
            respect_retry_after_header=True,
        )
        try:
            response = self.pool.request(
                method,
                url,
                body=payload or None,
                headers=headers,
                retries=retry,
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                redirect=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            # mlflow's wording, so the one translation reads "where" and "why" from it.
            raise RestError(f"API request to {url} failed with exception {exc}") from exc
        text = response.data.decode("utf-8", errors="replace")
        if 200 <= response.status < 300:
            try:
                answer = json.loads(text) if text.strip() else {}
            except ValueError as exc:
                raise RestError(
                    f"API request to {url} answered with something that is not JSON"
                ) from exc
            return answer if isinstance(answer, dict) else {}
        try:
            error = json.loads(text)
        except ValueError:
            error = None
        if isinstance(error, dict) and (error.get("message") or error.get("error_code")):
            code = str(error.get("error_code") or "")
            message = str(error.get("message") or "")
            raise RestError(f"{code}: {message}" if code else message, code, response.status)
        raise RestError(
            f"API request to endpoint {url} failed with error code {response.status} != 200. "
            f"Response body: '{text[:500]}'",
            "",
            response.status,
        )

    def _pages(self, answer: Mapping[str, Any], key: str, make: Callable[[Any], Entity]) -> Page:
        page = Page(make(item) for item in answer.get(key) or ())
        page.token = answer.get("next_page_token") or None
        return page

    # --- tracking ---------------------------------------------------------------------

    def search_experiments(
        self,
        *,
        max_results: int = 1000,
        filter_string: str | None = None,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page:
        answer = self._request(
            "POST",
            "experiments/search",
            {
                "max_results": max_results,
                "filter": filter_string or None,
                "order_by": list(order_by or ()),
                "page_token": page_token,
                "view_type": "ACTIVE_ONLY",
            },
        )
        return self._pages(answer, "experiments", _experiment)

    def get_experiment(self, experiment_id: str) -> Entity:
        answer = self._request("GET", "experiments/get", {"experiment_id": experiment_id})
        return _experiment(answer.get("experiment") or {})

    def get_experiment_by_name(self, name: str) -> Entity | None:
        """``None`` when there is none (mlflow's client does the same)."""
        try:
            answer = self._request("GET", "experiments/get-by-name", {"experiment_name": name})
        except RestError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise
        return _experiment(answer.get("experiment") or {})

    def search_runs(
        self,
        experiment_ids: Sequence[str],
        filter_string: str = "",
        *,
        max_results: int = 1000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page:
        answer = self._request(
            "POST",
            "runs/search",
            {
                "experiment_ids": list(experiment_ids),
                "filter": filter_string or "",
                "run_view_type": "ACTIVE_ONLY",
                "max_results": max_results,
                "order_by": list(order_by or ()),
                "page_token": page_token,
            },
        )
        return self._pages(answer, "runs", _run)

    def get_run(self, run_id: str) -> Entity:
        return _run(self._request("GET", "runs/get", {"run_id": run_id}).get("run") or {})

    def get_metric_history(self, run_id: str, key: str) -> list[Entity]:
        """Every page of one metric's history."""
        points: list[Entity] = []
        token: str | None = None
        while True:
            answer = self._request(
                "GET",
                "metrics/get-history",
                {"run_id": run_id, "metric_key": key, "max_results": 25000, "page_token": token},
            )
            points.extend(_metric(m) for m in answer.get("metrics") or ())
            token = answer.get("next_page_token") or None
            if not token:
                return points

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[Entity]:
        files: list[Entity] = []
        token: str | None = None
        while True:
            answer = self._request(
                "GET", "artifacts/list", {"run_id": run_id, "path": path, "page_token": token}
            )
            files.extend(
                Entity(
                    path=f.get("path", ""),
                    is_dir=bool(f.get("is_dir")),
                    file_size=int(f["file_size"]) if f.get("file_size") is not None else None,
                )
                for f in answer.get("files") or ()
            )
            token = answer.get("next_page_token") or None
            if not token:
                return files

    # --- registry ---------------------------------------------------------------------

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = 100,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page:
        answer = self._request(
            "GET",
            "registered-models/search",
            {
                "filter": filter_string or None,
                "max_results": max_results,
                "order_by": list(order_by or ()),
                "page_token": page_token,
            },
        )
        return self._pages(answer, "registered_models", _model)

    def get_registered_model(self, name: str) -> Entity:
        answer = self._request("GET", "registered-models/get", {"name": name})
        return _model(answer.get("registered_model") or {})

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = 10000,
        order_by: Sequence[str] | None = None,
        page_token: str | None = None,
    ) -> Page:
        answer = self._request(
            "GET",
            "model-versions/search",
            {
                "filter": filter_string or None,
                "max_results": max_results,
                "order_by": list(order_by or ()),
                "page_token": page_token,
            },
        )
        return self._pages(answer, "model_versions", _version)

    def get_model_version(self, name: str, version: str) -> Entity:
        answer = self._request("GET", "model-versions/get", {"name": name, "version": version})
        return _version(answer.get("model_version") or {})

    def set_registered_model_alias(self, name: str, alias: str, version: str) -> None:
        self._request(
            "POST",
            "registered-models/alias",
            {"name": name, "alias": alias, "version": str(version)},
            mutation=True,
        )


def sigv4_signer(
    arn: str, credentials: Callable[[], Any]
) -> Callable[[str, str, bytes, dict[str, str]], None]:
    """Sign each request as the sagemaker-mlflow plugin does (``credentials()`` returns
    botocore credentials; called per request so refreshed ones are used)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    _, region, kind = arn_parts(arn)
    service = ARN_SERVICE[kind]

    def sign(method: str, url: str, body: bytes, headers: dict[str, str]) -> None:
        creds = credentials()
        if creds is None:
            from botocore.exceptions import NoCredentialsError

            raise NoCredentialsError()
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(creds.get_frozen_credentials(), service, region).add_auth(request)
        headers.update(dict(request.headers.items()))

    return sign


REGISTRY_METHODS = frozenset(
    {
        "search_registered_models",
        "get_registered_model",
        "search_model_versions",
        "get_model_version",
        "set_registered_model_alias",
    }
)


class SplitClient:
    """Tracking calls to one server, registry calls to another (``mlflow_registry_uri``)."""

    def __init__(self, tracking: MlflowRestClient, registry: MlflowRestClient) -> None:
        self.tracking = tracking
        self.registry = registry

    def __getattr__(self, name: str) -> Any:
        return getattr(self.registry if name in REGISTRY_METHODS else self.tracking, name)


def is_rest_uri(uri: str) -> bool:
    """Whether the REST client serves ``uri`` (an http(s) server or a SageMaker ARN)."""
    return uri.startswith("arn:") or urlsplit(uri).scheme.lower() in {"http", "https"}


def rest_client(
    tracking: str, registry: str, credentials: Callable[[], Any]
) -> MlflowRestClient | SplitClient:
    """The client for a tracking and a registry URI (both :func:`is_rest_uri`)."""
    client = client_for(tracking, credentials)
    if registry == tracking:
        return client
    return SplitClient(client, client_for(registry, credentials))


def client_for(uri: str, credentials: Callable[[], Any]) -> MlflowRestClient:
    """A REST client for an ``http(s)://`` URI or a SageMaker MLflow ARN."""
    if uri.startswith("arn:"):
        _, _, kind = arn_parts(uri)
        return MlflowRestClient(
            arn_endpoint(uri),
            headers={ARN_HEADER[kind]: uri},
            signer=sigv4_signer(uri, credentials),
        )
    return MlflowRestClient(uri)
