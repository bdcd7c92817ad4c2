"""SSH over AWS Systems Manager: how HyperPod's nodes are reached.

HyperPod nodes have no public address; the documented way in is an SSM session used as
the SSH ProxyCommand:

    aws ssm start-session --target sagemaker-cluster:<cluster-id>_<group>-<instance-id>
        --document-name AWS-StartSSHSession --parameters portNumber=%p

This module picks the node to land on from the cluster's instance groups (the group
whose Slurm ``NodeType`` is Login, else Controller: read from the API, never guessed
from names), builds that command as an argv (no shell), checks that ``aws`` and
``session-manager-plugin`` exist, and turns the AWS CLI's own complaints
(``TargetNotConnected``, a missing document, expired credentials) into one clear line.
"""

from __future__ import annotations

import shlex
import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.errors import (
    AccessDeniedError,
    CredentialsError,
    NotFoundError,
    SmError,
    ToolMissingError,
    UnreachableError,
    ValidationError,
)
from console.remote.proxy import ProcessSocket
from console.remote.ssh import SshTarget, SshTransport, _translate

if TYPE_CHECKING:
    from console.services.hyperpod import Cluster, ClusterNode, HyperPodService

SSM_DOCUMENT = "AWS-StartSSHSession"
CLI_INSTALL_HINT = (
    "install the AWS CLI v2: https://docs.aws.amazon.com/cli/latest/userguide/"
    "getting-started-install.html"
)
PLUGIN_INSTALL_HINT = (
    "install the Session Manager plugin: https://docs.aws.amazon.com/systems-manager/latest/"
    "userguide/session-manager-working-with-install-plugin.html"
)
LOGIN_NODE_TYPES = ("Login", "Controller")  # preference order


@dataclass(frozen=True)
class SsmNode:
    """The node an SSM session lands on, and why it was chosen."""

    cluster: str
    cluster_id: str
    group: str
    node_type: str  # Login | Controller (from SlurmConfig.NodeType)
    instance_id: str
    hostname: str = ""

    @property
    def target(self) -> str:
        return ssm_target(self.cluster_id, self.group, self.instance_id)


def ssm_target(cluster_id: str, group: str, instance_id: str) -> str:
    """``sagemaker-cluster:<cluster-id>_<group>-<instance-id>`` (validated pieces)."""
    for label, value in (("cluster id", cluster_id), ("group", group), ("node", instance_id)):
        if not value or not all(c.isalnum() or c in "-_." for c in value):
            raise ValidationError(f"{label} {value!r} cannot be part of an SSM target")
    return f"sagemaker-cluster:{cluster_id}_{group}-{instance_id}"


def choose_login_node(
    hyperpod: HyperPodService,
    cluster: str,
    *,
    group: str | None = None,
    instance_id: str | None = None,
) -> SsmNode:
    """The node to open SSM sessions to: a Running node of the Login group, else of the
    Controller group (Slurm ``NodeType`` from DescribeCluster). ``group`` and
    ``instance_id`` pin the choice."""
    described = hyperpod.describe_cluster(cluster)
    if described.orchestrator == "EKS":
        raise ValidationError(
            f"cluster {described.name} is orchestrated by EKS: it has no Slurm login node"
        )
    chosen = _choose_group(described, group)
    nodes = [
        n for n in hyperpod.list_nodes(described.name, group=chosen.name) if n.group == chosen.name
    ]
    if instance_id:
        nodes = [n for n in nodes if n.instance_id == instance_id]
        if not nodes:
            raise NotFoundError(f"node {instance_id} is not in group {chosen.name}")
    running = [n for n in nodes if n.status == "Running"]
    if not running:
        states = ", ".join(sorted({f"{n.instance_id}: {n.status}" for n in nodes})) or "none"
        raise UnreachableError(
            f"no Running node in instance group {chosen.name} of {described.name} ({states})",
            "wait for the node, or pick one with --ssm-node",
        )
    node: ClusterNode = running[0]
    return SsmNode(
        cluster=described.name,
        cluster_id=described.cluster_id,
        group=chosen.name,
        node_type=chosen.slurm_node_type,
        instance_id=node.instance_id,
        hostname=node.hostname,
    )


def _choose_group(cluster: Cluster, group: str | None) -> Any:
    groups = list(cluster.instance_groups)
    if group:
        for candidate in groups:
            if candidate.name == group:
                return candidate
        names = ", ".join(g.name for g in groups) or "none"
        raise NotFoundError(f"cluster {cluster.name} has no instance group {group!r} ({names})")
    for node_type in LOGIN_NODE_TYPES:
        for candidate in groups:
            if candidate.slurm_node_type == node_type:
                return candidate
    raise ValidationError(
        f"cluster {cluster.name} has no instance group with Slurm NodeType Login or Controller",
        "pick the group to land on with --ssm-group",
    )


def start_session_argv(
    target: str, port: int = 22, *, region: str = "", profile: str = ""
) -> list[str]:
    """The ``aws ssm start-session`` argv for one SSH connection to ``target``."""
    argv = [
        "aws",
        "ssm",
        "start-session",
        "--target",
        target,
        "--document-name",
        SSM_DOCUMENT,
        "--parameters",
        f"portNumber={port}",
    ]
    if region:
        argv += ["--region", region]
    if profile:
        argv += ["--profile", profile]
    return argv


def check_tools() -> None:
    """Both programs an SSM SSH session needs, or a clear message naming the missing one."""
    if shutil.which("aws") is None:
        raise ToolMissingError(
            "the AWS CLI (`aws`) is not installed: SSH over SSM needs it", CLI_INSTALL_HINT
        )
    if shutil.which("session-manager-plugin") is None:
        raise ToolMissingError(
            "the Session Manager plugin (`session-manager-plugin`) is not installed: "
            "SSH over SSM needs it",
            PLUGIN_INSTALL_HINT,
        )


def explain_stderr(text: str, target: str) -> SmError | None:
    """The AWS CLI's complaint about a session, as one of our errors (None if unknown)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    joined = " ".join(lines)
    last = lines[-1][:300]
    if "TargetNotConnected" in joined:
        return UnreachableError(
            f"the SSM target {target} is not connected",
            "the node's SSM agent is offline or the node is not Running; "
            "check `smconsole cluster-nodes CLUSTER`",
        )
    if "InvalidDocument" in joined or (SSM_DOCUMENT in joined and "not" in joined.lower()):
        return NotFoundError(
            f"the SSM document {SSM_DOCUMENT} is missing or not usable in this account/region",
            "it is an AWS-managed document: check --region and the SSM console",
        )
    if "SessionManagerPlugin is not found" in joined or "session-manager-plugin" in joined:
        return ToolMissingError(
            "the Session Manager plugin (`session-manager-plugin`) is not installed",
            PLUGIN_INSTALL_HINT,
        )
    if "AccessDenied" in joined:
        return AccessDeniedError(
            f"not allowed to start an SSM session to {target}: {last}",
            "the role needs ssm:StartSession on the cluster's targets",
        )
    if any(
        word in joined
        for word in ("ExpiredToken", "Unable to locate credentials", "security token", "sso")
    ):
        return CredentialsError(
            f"AWS credentials for the SSM session are missing or expired: {last}",
            "refresh them, e.g. `aws sso login`",
        )
    return UnreachableError(f"the SSM session to {target} failed: {last}")


class SsmTransport(SshTransport):
    """SSH to a HyperPod node through ``aws ssm start-session`` as ProxyCommand."""

    kind = "ssm"

    def __init__(self, target: SshTarget, node: SsmNode, *, region: str = "", profile: str = ""):
        self.node = node
        self.region = region
        self.profile = profile
        super().__init__(target, proxy_factory=self._start_proxy)

    def _start_proxy(self, hop: SshTarget) -> ProcessSocket:
        check_tools()
        argv = start_session_argv(
            self.node.target, hop.port, region=self.region, profile=self.profile
        )
        return ProcessSocket(argv, missing_hint=CLI_INSTALL_HINT)

    def _explain(self, exc: BaseException, hop: SshTarget, sock: Any) -> SmError:
        if isinstance(exc, SmError):
            return exc
        import paramiko

        if isinstance(sock, ProcessSocket) and not isinstance(
            exc, paramiko.AuthenticationException | paramiko.BadHostKeyException
        ):
            explained = explain_stderr(sock.error_text(), self.node.target)
            if explained is not None:
                return explained
        return _translate(exc, hop)

    @property
    def destination(self) -> str:
        return f"{self.target.user}@{self.node.target}" if self.target.user else self.node.target

    def describe(self) -> str:
        proxy = shlex.join(
            start_session_argv("%h", region=self.region, profile=self.profile)
        ).replace("portNumber=22", "portNumber=%p")
        argv = ["ssh", "-o", f"ProxyCommand={proxy}"]
        for identity in self.target.identity_files[:1]:
            argv += ["-i", identity]
        user = f"{self.target.user}@" if self.target.user else ""
        return shlex.join([*argv, f"{user}{self.node.target}"])


def ssm_ssh_target(node: SsmNode, base: SshTarget) -> SshTarget:
    """The SSH hop for ``node``: known by its SSM target name in known_hosts, port 22."""
    from dataclasses import replace

    return replace(base, host=node.target, port=22, jumps=(), proxy_command="", alias=node.target)
