"""One lazily opened Slurm client for a long-lived front end (the TUI's HyperPod tab).

The CLI opens a transport per command; the TUI keeps one for the session, opened on first
use inside a worker thread (connecting blocks) and shared by the tab's pollers and
actions. Opening is serialized by a lock; a failure is not cached, so the next poll tries
again (after the operator accepted a host key, fixed the config…). No Textual here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from console.errors import ConfigError, SmError
from console.remote.connect import ConnectionSpec, open_transport
from console.slurm.client import SlurmClient

if TYPE_CHECKING:
    from console.context import ConsoleContext
    from console.gate import MutationGate
    from console.remote.base import Transport
    from console.remote.errors import UnknownHostKey
    from console.services.hyperpod import HyperPodService


class SlurmSession:
    """Where Slurm is reached (from the config), and the client once it is."""

    def __init__(
        self,
        spec: ConnectionSpec,
        *,
        hyperpod: Callable[[], HyperPodService] | None = None,
        gate: MutationGate | None = None,
        remote_dir: str = "~/.smconsole/jobs",
        nvidia_smi: str = "nvidia-smi",
        opener: Callable[[ConnectionSpec], Transport] | None = None,
    ) -> None:
        self.spec = spec
        self._hyperpod = hyperpod
        self._gate = gate
        self.remote_dir = remote_dir
        self.nvidia_smi = nvidia_smi
        self._opener = opener
        self._client: SlurmClient | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_context(cls, context: ConsoleContext) -> SlurmSession:
        config = context.config
        spec = ConnectionSpec.from_settings(
            config.ssh, region=config.region, profile=config.profile
        )
        return cls(
            spec,
            hyperpod=lambda: context.hyperpod,
            gate=context.gate,
            remote_dir=config.ssh.remote_dir,
            nvidia_smi=config.ssh.nvidia_smi,
        )

    @property
    def configured(self) -> bool:
        """Whether the config says where Slurm is at all."""
        spec = self.spec
        if spec.kind in {"local", "demo"}:
            return True
        return bool(spec.host if spec.kind == "ssh" else spec.cluster)

    @property
    def label(self) -> str:
        spec = self.spec
        if spec.kind == "demo":
            return "simulated cluster (demo)"
        if spec.kind == "local":
            return "this machine"
        if spec.kind == "ssm":
            return f"SSM to {spec.cluster}"
        return f"ssh {spec.host}" if spec.host else "not configured"

    def client(self) -> SlurmClient:
        """The connected client, opening it on first use (call from a worker thread)."""
        with self._lock:
            if self._client is None:
                if not self.configured:
                    raise ConfigError(
                        "no Slurm connection is configured",
                        "set [ssh] transport and host (or cluster for ssm) in the config",
                    )
                if self._opener is not None:
                    transport = self._opener(self.spec)
                else:
                    transport = open_transport(self.spec, hyperpod=self._hyperpod)
                client = SlurmClient(
                    transport,
                    self._gate,
                    remote_dir=self.remote_dir,
                    hyperpod=self.spec.kind in {"ssm", "demo"},
                )
                try:
                    client.user()  # connects: host-key and auth problems surface here
                except SmError:
                    client.transport.close()
                    raise
                self._client = client
            return self._client

    @property
    def follows_cluster(self) -> bool:
        """Whether this Slurm is reached through the chosen HyperPod cluster (SSM, the
        demo), so choosing another cluster means another Slurm; SSH goes to one host."""
        return self.spec.kind in {"ssm", "demo"}

    def for_cluster(self, cluster: str) -> SlurmSession:
        """This session, or (when it follows the cluster and that changed) a new one for
        ``cluster``, this one closed."""
        if not self.follows_cluster or self.spec.cluster == cluster:
            return self
        self.close()
        spec = replace(self.spec, cluster=cluster, ssm_node="")
        return SlurmSession(
            spec,
            hyperpod=self._hyperpod,
            gate=self._gate,
            remote_dir=self.remote_dir,
            nvidia_smi=self.nvidia_smi,
            opener=self._opener,
        )

    def trust(self, unknown: UnknownHostKey) -> None:
        """Record the key the operator checked, then connect afresh on next use."""
        from console.remote.ssh import trust_host_key

        trust_host_key(unknown)
        self.close()

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.transport.close()
