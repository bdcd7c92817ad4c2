"""The SageMaker SDK's catalog of prebuilt container images (Deep Learning Containers,
built-in algorithms), resolved for one region.

The catalog ships inside ``sagemaker-core`` as JSON, so this works offline and needs no
credentials. ``sagemaker.core`` costs ~2.7 s to import: it is imported inside functions
only, never on the console's start-up path.

URIs come from the SDK's own ``image_uris.retrieve`` (the tag rules differ per framework
and are not ours to copy). ``retrieve`` reloads botocore's endpoint data on every call
(~65 ms); while listing we hold a cached resolver in its place so a framework's ~100
images resolve in well under a second.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from console.errors import ValidationError
from console.records import Record

DEFAULT_REGION = "us-east-1"
SCOPES = ("training", "inference")
# Frameworks people ask for first; shown in the "unknown framework" hint.
POPULAR = ("pytorch", "tensorflow", "huggingface", "xgboost", "sklearn", "djl-lmi", "vllm")
# One instance type per processor kind, so ``retrieve`` picks that processor's image.
_INSTANCE_FOR_PROCESSOR = {
    "cpu": "ml.m5.xlarge",
    "gpu": "ml.g5.xlarge",
    "inf": "ml.inf2.xlarge",
    "trn": "ml.trn1.2xlarge",
}
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# Hugging Face configs nest each version by the framework underneath (``pytorch2.9.0``).
_BASE_FRAMEWORK_RE = re.compile(r"^(pytorch|tensorflow)\d")
_lock = threading.Lock()


@dataclass(frozen=True)
class ImageRecord(Record):
    """One prebuilt image: what it runs, for which scope and processor, and its ECR URI."""

    framework: str
    version: str
    py_version: str
    scope: str
    processor: str  # cpu | gpu | inf | trn | "" (one image for all)
    uri: str
    base_framework: str = ""  # e.g. pytorch2.9.0 for Hugging Face images


def _image_uris() -> Any:
    from console.extras import SDK, require

    require(SDK)  # the catalog ships with the SageMaker SDK: the `sdk` extra
    from sagemaker.core import image_uris

    # The SDK logs every defaulted argument (INFO) and every scope it falls back to
    # (WARNING) while we enumerate the catalog; none of it is news to the operator, and
    # under the TUI it would only be noise.
    logging.getLogger("sagemaker").setLevel(logging.ERROR)
    return image_uris


def list_frameworks() -> list[str]:
    """Every framework or algorithm name the bundled catalog knows, sorted."""
    return list(_frameworks())


@functools.cache
def _frameworks() -> tuple[str, ...]:
    # Reads ~80 JSON files (~0.5 s); the bundled catalog cannot change while we run.
    return tuple(_image_uris().list_frameworks())


def check_region(region: str) -> str:
    if not isinstance(region, str) or not _REGION_RE.match(region):
        raise ValidationError(f"region {region!r} is not an AWS region name", "e.g. us-east-1")
    return region


def check_framework(framework: str) -> str:
    """The framework name, or a one-line error listing a few known ones."""
    known = list_frameworks()
    if framework in known:
        return framework
    wanted = framework.strip().lower() if isinstance(framework, str) else ""
    for name in known:  # `PyTorch`, `XGBoost`: the catalog's names are lower-case
        if name.lower() == wanted:
            return name
    close = [name for name in known if framework and framework.lower() in name]
    examples = (close or [name for name in POPULAR if name in known])[:7]
    raise ValidationError(
        f"unknown framework {framework!r}",
        f"known ones include {', '.join(examples)} ({len(known)} in all: `smconsole images`)",
    )


def version_matches(candidate: str, wanted: str) -> bool:
    """``--version 2.0`` means 2.0 and every 2.0.x (not 2.01): equal, or a prefix ending
    at a dot."""
    wanted = wanted.strip()
    return candidate == wanted or candidate.startswith(wanted.rstrip(".") + ".")


# An ECR registry host: ACCOUNT.dkr.ecr[-fips].REGION.amazonaws.com[.cn]
_ECR_HOST_RE = re.compile(
    r"^\d{12}\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?/"
)


def image_region(uri: str) -> str:
    """The region of an ECR image URI; "" for anything else (Docker Hub, a name:tag)."""
    match = _ECR_HOST_RE.match(uri) if isinstance(uri, str) else None
    return match.group("region") if match else ""


def region_mismatch(uri: str, region: str) -> str:
    """A warning when ``uri`` lives in another region's ECR than the job's; else ""."""
    where = image_region(uri)
    if not where or not region or where == region:
        return ""
    return (
        f"the image is in ECR in {where}, the job runs in {region}; SageMaker may not pull "
        f"it across regions (prebuilt images for {region}: `smconsole images FRAMEWORK "
        f"--region {region}`)"
    )


def _version_key(version: str) -> tuple[int, Any]:
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def _scope_config(config: dict[str, Any], scope: str) -> dict[str, Any] | None:
    """The part of a framework's config that applies to ``scope`` (None: no such scope)."""
    if "versions" in config:
        scopes = config.get("scope")
        return config if not scopes or scope in scopes else None
    sub = config.get(scope)
    return sub if isinstance(sub, dict) and "versions" in sub else None


def _py_versions(version_config: dict[str, Any]) -> list[str | None]:
    if "repository" in version_config:
        return list(version_config.get("py_versions") or []) or [None]
    nested = [k for k, v in version_config.items() if isinstance(v, dict) and "repository" in v]
    return list(nested) or [None]


def _variants(version_config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(base framework, config) pairs of one version: one pair unless nested by base."""
    nested = [
        (key, value)
        for key, value in version_config.items()
        if _BASE_FRAMEWORK_RE.match(key) and isinstance(value, dict)
    ]
    return nested or [("", version_config)]


def _processors(config: dict[str, Any], version_config: dict[str, Any]) -> list[str | None]:
    found = config.get("processors") or version_config.get("processors")
    if not found:
        for value in version_config.values():
            if isinstance(value, dict) and value.get("processors"):
                found = value["processors"]
                break
    return list(found or []) or [None]


@contextlib.contextmanager
def _cached_endpoint_resolver(image_uris: Any) -> Iterator[None]:
    """Let ``retrieve`` reuse one botocore endpoint resolver while we list (see module doc)."""
    utils: Any = getattr(image_uris, "utils", None)
    original = getattr(utils, "_botocore_resolver", None)
    if original is None:  # a newer SDK changed its internals: just be slower
        yield
        return
    with _lock:
        utils._botocore_resolver = functools.lru_cache(maxsize=1)(original)
        try:
            yield
        finally:
            utils._botocore_resolver = original


def _framework_images(
    image_uris: Any,
    framework: str,
    region: str,
    scope: str,
    *,
    version: str | None,
    latest: int | None,
) -> list[ImageRecord]:
    config = _scope_config(image_uris.config_for_framework(framework), scope)
    if config is None:
        return []
    versions = sorted(config["versions"], key=_version_key, reverse=True)
    if version is not None:
        versions = [v for v in versions if version_matches(v, version)]
    elif latest is not None:
        versions = versions[:latest]
    out: list[ImageRecord] = []
    for number in versions:
        for base, variant in _variants(config["versions"][number]):
            for py_version in _py_versions(variant):
                for processor in _processors(config, variant):
                    uri = _retrieve(
                        image_uris, framework, region, scope, number, base, py_version, processor
                    )
                    if uri:
                        out.append(
                            ImageRecord(
                                framework=framework,
                                version=number,
                                py_version=py_version or "",
                                scope=scope,
                                processor=processor or "",
                                uri=uri,
                                base_framework=base,
                            )
                        )
    return out


def _retrieve(
    image_uris: Any,
    framework: str,
    region: str,
    scope: str,
    version: str,
    base: str,
    py_version: str | None,
    processor: str | None,
) -> str:
    """The SDK's URI for one combination, or "" when the SDK refuses it."""
    instance_type = _INSTANCE_FOR_PROCESSOR.get(processor or "")
    if processor and instance_type is None:
        return ""  # a special-purpose processor (e.g. "neuron"): not listed
    try:
        return str(
            image_uris.retrieve(
                framework,
                region,
                version=version,
                py_version=py_version,
                instance_type=instance_type,
                image_scope=scope,
                base_framework_version=base or None,
            )
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""  # combinations that need arguments this listing cannot guess


def list_images(
    framework: str | None = None,
    region: str = DEFAULT_REGION,
    scope: str = "training",
    *,
    version: str | None = None,
    latest: int | None = None,
) -> list[ImageRecord]:
    """Images for ``framework`` (every version, newest first) in ``region`` and ``scope``.

    With no framework: the newest version of every framework that has ``scope``.
    ``version`` keeps that version and its patch versions (``2.0`` finds 2.0.x);
    ``latest`` keeps the newest N versions.
    """
    if scope not in SCOPES:
        raise ValidationError(f"unknown image scope {scope!r}", f"one of {', '.join(SCOPES)}")
    check_region(region)
    image_uris = _image_uris()
    names = [check_framework(framework)] if framework else list_frameworks()
    if framework is None and latest is None:
        latest = 1
    out: list[ImageRecord] = []
    with _cached_endpoint_resolver(image_uris):
        for name in names:
            out.extend(
                _framework_images(image_uris, name, region, scope, version=version, latest=latest)
            )
    return out
