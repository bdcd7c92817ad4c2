"""From settings and command-line options to a connected transport.

One small typed description (:class:`ConnectionSpec`) of how to reach the cluster, built
from the config's ``[ssh]`` section overlaid with the CLI's ``--ssh/--jump/--ssm/--local``
options (or the TUI's connection dialog), and one function that turns it into a
:class:`~console.remote.base.Transport`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from console.config import SshSettings
from console.errors import ConfigError, ValidationError
from console.remote.base import Transport

if TYPE_CHECKING:
    from console.services.hyperpod import HyperPodService

KINDS = ("ssh", "ssm", "local", "demo")
# Kinds whose transport lives outside the core and is found by entry point (group
# ``smconsole.transports`` in pyproject): the core never imports the demo, yet a shell
# pointed at a running demo (transport = "demo" in its config) still gets its cluster.
PLUGGED = {"demo": "demo"}  # kind -> the extra that provides it
TRANSPORT_GROUP = "smconsole.transports"
PluggedOpener = Callable[["HyperPodService | None", str], Transport]


@dataclass(frozen=True)
class ConnectionSpec:
    kind: str = "ssh"  # ssh | ssm | local
    host: str = ""  # --ssh: an alias from ~/.ssh/config or [user@]host[:port]
    user: str = ""
    port: int | None = None  # None: from ~/.ssh/config, else 22
    jump: str | None = None  # None: from ~/.ssh/config; "" for none
    identity_file: str = ""
    known_hosts: str = ""
    accept_new_host_keys: bool | None = None  # None: StrictHostKeyChecking from config
    keepalive: int | None = None
    cluster: str = ""  # --ssm: the HyperPod cluster name or ARN
    ssm_group: str = ""
    ssm_node: str = ""
    region: str = ""
    profile: str = ""
    ssh_config: str = ""  # path of the ssh config file ("" = ~/.ssh/config)

    @classmethod
    def from_settings(cls, settings: SshSettings, *, region: str = "", profile: str = "") -> Any:
        """The config file's ``[ssh]`` section (port 22 there means "not set")."""
        return cls(
            kind=settings.transport,
            host=settings.host,
            user=settings.user,
            port=settings.port if settings.port != 22 else None,
            jump=settings.jump or None,
            identity_file=settings.identity_file,
            known_hosts=settings.known_hosts,
            accept_new_host_keys=settings.accept_new_host_keys or None,
            keepalive=settings.keepalive,
            cluster=settings.cluster,
            region=region,
            profile=profile,
        )

    def with_options(
        self,
        *,
        ssh: str | None = None,
        ssm: str | None = None,
        local: bool = False,
        **fields: Any,
    ) -> ConnectionSpec:
        """This spec with command-line options applied (they win over the config)."""
        chosen = [
            name for name, given in (("--ssh", ssh), ("--ssm", ssm), ("--local", local)) if given
        ]
        if len(chosen) > 1:
            raise ValidationError(f"choose one of {', '.join(chosen)}")
        spec = self
        if ssh:
            spec = replace(spec, kind="ssh", host=ssh)
        elif ssm:
            spec = replace(spec, kind="ssm", cluster=ssm)
        elif local:
            spec = replace(spec, kind="local")
        given = {key: value for key, value in fields.items() if value not in (None, "")}
        return replace(spec, **given)


def _plugged_opener(kind: str) -> PluggedOpener:
    """The opener registered for ``kind`` (``opener(hyperpod_or_None, cluster)``)."""
    from importlib.metadata import entry_points

    from console.extras import EXTRAS, ExtraMissingError, require

    extra = next(e for e in EXTRAS if e.name == PLUGGED[kind])
    require(extra)
    for point in entry_points(group=TRANSPORT_GROUP, name=kind):
        opener: PluggedOpener = point.load()
        return opener
    raise ExtraMissingError(
        f"transport {kind!r} is not installed (no {TRANSPORT_GROUP} entry point)",
        f"pip install 'smconsole[{extra.name}]' (from a clone: uv sync)",
    )


def open_transport(
    spec: ConnectionSpec,
    *,
    hyperpod: Callable[[], HyperPodService] | None = None,
) -> Transport:
    """A transport for ``spec`` (SSH ones connect lazily, on first use)."""
    if spec.kind not in KINDS:
        raise ConfigError(f"unknown transport {spec.kind!r}", f"use one of {', '.join(KINDS)}")
    if spec.kind == "local":
        from console.remote.local import LocalTransport

        return LocalTransport()
    if spec.kind in PLUGGED:  # e.g. the demo's simulated cluster: no connection at all
        return _plugged_opener(spec.kind)(hyperpod() if hyperpod else None, spec.cluster)
    from console.remote.ssh import SshTransport, load_ssh_config, resolve_target

    config = load_ssh_config(spec.ssh_config or None)
    if spec.kind == "ssh":
        if not spec.host:
            raise ValidationError(
                "no host to connect to",
                "pass --ssh HOST (an alias from ~/.ssh/config works), --ssm CLUSTER or --local",
            )
        target = resolve_target(
            spec.host,
            user=spec.user or None,
            port=spec.port,
            identity_file=spec.identity_file or None,
            jump=spec.jump,
            known_hosts=spec.known_hosts or None,
            accept_new=spec.accept_new_host_keys,
            keepalive=spec.keepalive,
            ssh_config=config,
        )
        return SshTransport(target)
    # SSM: the node comes from the HyperPod API; SSH settings (user, key, known_hosts)
    # still apply to the SSH session inside the SSM tunnel.
    if not spec.cluster:
        raise ValidationError("no HyperPod cluster given", "pass --ssm CLUSTER")
    if hyperpod is None:
        raise ConfigError("SSH over SSM needs the HyperPod service")
    from console.remote.ssm import SsmTransport, check_tools, choose_login_node, ssm_ssh_target

    check_tools()
    node = choose_login_node(
        hyperpod(),
        spec.cluster,
        group=spec.ssm_group or None,
        instance_id=spec.ssm_node or None,
    )
    base = resolve_target(
        node.target,  # `Host sagemaker-cluster:*` entries in ~/.ssh/config apply
        user=spec.user or None,
        identity_file=spec.identity_file or None,
        jump="",
        known_hosts=spec.known_hosts or None,
        accept_new=spec.accept_new_host_keys,
        keepalive=spec.keepalive,
        ssh_config=config,
    )
    return SsmTransport(ssm_ssh_target(node, base), node, region=spec.region, profile=spec.profile)
