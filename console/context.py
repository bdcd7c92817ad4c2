"""One object that wires config -> session factory -> gate -> services.

The CLI builds one per invocation; the TUI builds one per AWS context (profile/region)
and swaps it on a switch, so results from the old context can be told apart and dropped.
Services are created lazily: a command that lists endpoints never imports the code for
HyperPod.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from console.audit import AuditLog
from console.aws.metrics import ApiMetrics
from console.aws.session import AwsContext, SessionFactory
from console.config import Config
from console.gate import MutationGate

if TYPE_CHECKING:
    from collections.abc import Callable

    from console.aws.call_watch import CallWatch
    from console.mlflow.service import MlflowService
    from console.services.autoscaling import AutoScalingService
    from console.services.cloudwatch import CloudWatchMetricsService
    from console.services.cost import CostService
    from console.services.endpoint_kinds import EndpointKindsService
    from console.services.endpoints import EndpointsService
    from console.services.evidence import EvidenceService
    from console.services.experiments import ExperimentsService
    from console.services.hyperpod import HyperPodService
    from console.services.iam import IamService
    from console.services.identity import IdentityService
    from console.services.jobs import JobsService
    from console.services.jobs_feed import JobsProgress, JobsSnapshot
    from console.services.jobs_prefetch import JobsPrefetch
    from console.services.logs import LogsService
    from console.services.mlflow_servers import TrackingServersService
    from console.services.models import ModelsService
    from console.services.notebooks import NotebooksService
    from console.services.pipelines import PipelinesService
    from console.services.pricing import PricingService
    from console.services.quotas import QuotasService
    from console.services.registry import RegistryService
    from console.services.status import StatusService
    from console.services.transform import TransformService
    from console.services.tuning import TuningService
    from console.tf_defaults import TerraformStatus


class ConsoleContext:
    def __init__(
        self,
        config: Config,
        *,
        source: str = "cli",
        metrics: ApiMetrics | None = None,
        terraform: TerraformStatus | None = None,
        watch: CallWatch | None = None,
        max_attempts: int | None = None,
    ) -> None:
        self.config = config
        # What the Terraform stack filled into ``config`` (see console.tf_defaults.prepare).
        self.terraform = terraform
        self.aws = AwsContext(
            profile=config.profile, region=config.region, endpoint_url=config.endpoint_url
        )
        self.sessions = SessionFactory(
            self.aws,
            metrics,
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            max_attempts=max_attempts,
            watch=watch,
        )
        self.audit = AuditLog(config.audit_path())
        self.gate = MutationGate(
            self.audit,
            self.aws,
            read_only=config.read_only,
            caller=lambda: self.identity.caller().arn,
            source=source,
        )
        # The first jobs listing, being made by a helper process (TUI start-up only).
        self._jobs_prefetch: JobsPrefetch | None = None

    def expect_prefetched_jobs(self, prefetch: JobsPrefetch | None) -> None:
        self._jobs_prefetch = prefetch

    def take_prefetched_jobs(
        self, *, wait: bool = True, on_page: Callable[[JobsProgress], object] | None = None
    ) -> JobsSnapshot | None:
        """The helper's jobs snapshot, once (None: none was made, it failed, or, with
        ``wait=False``, it has not answered yet and stays for a later call). While
        waiting, ``on_page`` hears of the pages the helper has read so far."""
        prefetch = self._jobs_prefetch
        if prefetch is None or not (wait or prefetch.answered()):
            return None
        self._jobs_prefetch = None
        return prefetch.take(self.sessions.metrics, on_page=on_page)

    def cancel_prefetch(self) -> None:
        prefetch, self._jobs_prefetch = self._jobs_prefetch, None
        if prefetch is not None:
            prefetch.cancel()

    @cached_property
    def identity(self) -> IdentityService:
        from console.services.identity import IdentityService

        return IdentityService(self.sessions, self.gate)

    @cached_property
    def jobs(self) -> JobsService:
        from console.services.jobs import JobsService

        return JobsService(self.sessions, self.gate)

    @cached_property
    def logs(self) -> LogsService:
        from console.services.logs import LogsService

        return LogsService(self.sessions, self.gate)

    @cached_property
    def models(self) -> ModelsService:
        from console.services.models import ModelsService

        return ModelsService(self.sessions, self.gate)

    @cached_property
    def endpoints(self) -> EndpointsService:
        from console.services.endpoints import EndpointsService

        return EndpointsService(self.sessions, self.gate)

    @cached_property
    def notebooks(self) -> NotebooksService:
        from console.services.notebooks import NotebooksService

        return NotebooksService(self.sessions, self.gate)

    @cached_property
    def pipelines(self) -> PipelinesService:
        from console.services.pipelines import PipelinesService

        return PipelinesService(self.sessions, self.gate)

    @cached_property
    def transform(self) -> TransformService:
        from console.services.transform import TransformService

        return TransformService(self.sessions, self.gate)

    @cached_property
    def tuning(self) -> TuningService:
        from console.services.tuning import TuningService

        return TuningService(self.sessions, self.gate)

    @cached_property
    def quotas(self) -> QuotasService:
        from console.services.quotas import QuotasService

        return QuotasService(self.sessions, self.gate)

    @cached_property
    def pricing(self) -> PricingService:
        from console.services.pricing import PricingService

        return PricingService(self.sessions, self.gate)

    @cached_property
    def cost(self) -> CostService:
        from console.services.cost import CostService

        return CostService(self.sessions, self.gate, pricing=self.pricing)

    @cached_property
    def experiments(self) -> ExperimentsService:
        from console.services.experiments import ExperimentsService

        return ExperimentsService(self.sessions, self.gate)

    @cached_property
    def registry(self) -> RegistryService:
        from console.services.registry import RegistryService

        return RegistryService(self.sessions, self.gate)

    @cached_property
    def evidence(self) -> EvidenceService:
        from console.services.evidence import EvidenceService

        return EvidenceService(self)

    @cached_property
    def iam(self) -> IamService:
        from console.services.iam import IamService

        return IamService(self.sessions, self.gate)

    @cached_property
    def hyperpod(self) -> HyperPodService:
        from console.services.hyperpod import HyperPodService

        return HyperPodService(self.sessions, self.gate)

    @cached_property
    def mlflow(self) -> MlflowService:
        """MLflow tracking + registry (mlflow itself is imported on the first call)."""
        from console.mlflow.service import MlflowService

        return MlflowService(self.config, self.sessions, self.gate)

    @cached_property
    def mlflow_servers(self) -> TrackingServersService:
        from console.services.mlflow_servers import TrackingServersService

        return TrackingServersService(self.sessions, self.gate)

    @cached_property
    def status(self) -> StatusService:
        from console.services.status import StatusService

        return StatusService(self)

    # --- production view (issue 16) ------------------------------------------------------
    @cached_property
    def cloudwatch(self) -> CloudWatchMetricsService:
        """CloudWatch metric series of endpoints and jobs (one batched call per refresh)."""
        from console.services.cloudwatch import CloudWatchMetricsService

        return CloudWatchMetricsService(self.sessions, self.gate)

    @cached_property
    def autoscaling(self) -> AutoScalingService:
        from console.services.autoscaling import AutoScalingService

        return AutoScalingService(self.sessions, self.gate)

    @cached_property
    def endpoint_kinds(self) -> EndpointKindsService:
        from console.services.endpoint_kinds import EndpointKindsService

        return EndpointKindsService(self.sessions, self.gate)
