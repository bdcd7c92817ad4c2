"""Application Auto Scaling for endpoint variants and inference components.

For each variant (``endpoint/NAME/variant/VARIANT``) or inference component
(``inference-component/NAME``): the scalable target (min/max, suspended state), its
policies (target tracking, step), scheduled actions and the recent scaling activities with
their causes and failures ("insufficient capacity"). Min/max edits and suspend/resume are
``RegisterScalableTarget`` calls, through the gate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from console import validate
from console.errors import NotFoundError, ValidationError
from console.records import Record, as_datetime
from console.services.base import Service

if TYPE_CHECKING:
    from console.services.pricing import PricingService
    from console.services.projection import CostProjection

NAMESPACE = "sagemaker"
VARIANT_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
COMPONENT_DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
MAX_CAPACITY = 1000


def variant_resource(endpoint: str, variant: str) -> str:
    return f"endpoint/{endpoint}/variant/{variant}"


def component_resource(component: str) -> str:
    return f"inference-component/{component}"


@dataclass(frozen=True)
class ScalableTarget(Record):
    resource_id: str
    dimension: str
    min_capacity: int
    max_capacity: int
    scale_in_suspended: bool
    scale_out_suspended: bool
    scheduled_suspended: bool
    created: datetime | None

    @property
    def suspended(self) -> bool:
        return self.scale_in_suspended or self.scale_out_suspended or self.scheduled_suspended

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ScalableTarget:
        state = d.get("SuspendedState") or {}
        return cls(
            resource_id=str(d.get("ResourceId", "")),
            dimension=str(d.get("ScalableDimension", "")),
            min_capacity=int(d.get("MinCapacity") or 0),
            max_capacity=int(d.get("MaxCapacity") or 0),
            scale_in_suspended=bool(state.get("DynamicScalingInSuspended")),
            scale_out_suspended=bool(state.get("DynamicScalingOutSuspended")),
            scheduled_suspended=bool(state.get("ScheduledScalingSuspended")),
            created=as_datetime(d.get("CreationTime")),
        )


@dataclass(frozen=True)
class ScalingPolicy(Record):
    name: str
    resource_id: str
    kind: str  # TargetTrackingScaling | StepScaling | PredictiveScaling
    summary: str

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ScalingPolicy:
        kind = str(d.get("PolicyType", ""))
        summary = ""
        tracking = d.get("TargetTrackingScalingPolicyConfiguration") or {}
        if tracking:
            predefined = (tracking.get("PredefinedMetricSpecification") or {}).get(
                "PredefinedMetricType"
            )
            custom = (tracking.get("CustomizedMetricSpecification") or {}).get("MetricName")
            summary = f"target {tracking.get('TargetValue')} of {predefined or custom or '?'}"
            if tracking.get("DisableScaleIn"):
                summary += ", scale-in disabled"
        step = d.get("StepScalingPolicyConfiguration") or {}
        if step:
            adjustments = step.get("StepAdjustments") or []
            summary = (
                f"{step.get('AdjustmentType', '')}, {len(adjustments)} step(s), "
                f"cooldown {step.get('Cooldown', '-')} s"
            )
        return cls(
            name=str(d.get("PolicyName", "")),
            resource_id=str(d.get("ResourceId", "")),
            kind=kind,
            summary=summary,
        )


@dataclass(frozen=True)
class ScheduledAction(Record):
    name: str
    resource_id: str
    schedule: str
    min_capacity: int | None
    max_capacity: int | None

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ScheduledAction:
        action = d.get("ScalableTargetAction") or {}
        low, high = action.get("MinCapacity"), action.get("MaxCapacity")
        return cls(
            name=str(d.get("ScheduledActionName", "")),
            resource_id=str(d.get("ResourceId", "")),
            schedule=str(d.get("Schedule", "")),
            min_capacity=int(low) if low is not None else None,
            max_capacity=int(high) if high is not None else None,
        )


@dataclass(frozen=True)
class ScalingActivity(Record):
    """One thing the autoscaler did or failed to do, and why."""

    BLOCK_FIELDS: ClassVar[frozenset[str]] = frozenset({"details"})

    resource_id: str
    status: str  # Pending | InProgress | Successful | Overridden | Unfulfilled | Failed
    description: str
    cause: str
    message: str
    details: str
    started: datetime | None
    ended: datetime | None
    not_scaled: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.status in ("Failed", "Unfulfilled")

    @classmethod
    def from_api(cls, d: Mapping[str, Any]) -> ScalingActivity:
        reasons = tuple(
            str(r.get("Code", "")) for r in d.get("NotScaledReasons") or [] if isinstance(r, dict)
        )
        return cls(
            resource_id=str(d.get("ResourceId", "")),
            status=str(d.get("StatusCode", "")),
            description=str(d.get("Description", "")),
            cause=str(d.get("Cause", "")),
            message=str(d.get("StatusMessage", "") or ""),
            details=str(d.get("Details", "") or ""),
            started=as_datetime(d.get("StartTime")),
            ended=as_datetime(d.get("EndTime")),
            not_scaled=reasons,
        )


@dataclass(frozen=True)
class ScalingView(Record):
    """Everything about one endpoint's scaling, for the CLI and the detail."""

    endpoint: str
    targets: tuple[ScalableTarget, ...]
    policies: tuple[ScalingPolicy, ...]
    scheduled: tuple[ScheduledAction, ...]
    activities: tuple[ScalingActivity, ...]


class AutoScalingService(Service):
    SERVICE = "application-autoscaling"

    def _all(self, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request = dict(params, ServiceNamespace=NAMESPACE)
        while True:
            answer = self.call(getattr(self.client, operation), **request)
            items.extend(answer.get(key) or [])
            token = answer.get("NextToken")
            if not token:
                return items
            request["NextToken"] = token

    def scaling(
        self,
        endpoint: str,
        variants: Sequence[str],
        components: Sequence[str] = (),
        *,
        activities: int = 20,
    ) -> ScalingView:
        """Targets, policies, schedules and the newest activities of an endpoint's variants
        (and its inference components): four calls whatever the number of variants."""
        validate.name(endpoint, "endpoint name")
        resources = [variant_resource(endpoint, v) for v in variants]
        resources += [component_resource(c) for c in components]
        if not resources:
            return ScalingView(endpoint, (), (), (), ())
        targets = self._all("describe_scalable_targets", "ScalableTargets", ResourceIds=resources)
        wanted = set(resources)
        policies = [
            p
            for p in self._all("describe_scaling_policies", "ScalingPolicies")
            if p.get("ResourceId") in wanted
        ]
        scheduled = [
            s
            for s in self._all("describe_scheduled_actions", "ScheduledActions")
            if s.get("ResourceId") in wanted
        ]
        found: list[ScalingActivity] = []
        for resource in resources:
            if resource not in {t.get("ResourceId") for t in targets}:
                continue
            answer = self.call(
                self.client.describe_scaling_activities,
                ServiceNamespace=NAMESPACE,
                ResourceId=resource,
                MaxResults=activities,
                IncludeNotScaledActivities=True,
            )
            found.extend(ScalingActivity.from_api(a) for a in answer.get("ScalingActivities") or [])
        found.sort(key=lambda a: a.started.timestamp() if a.started else 0.0, reverse=True)
        return ScalingView(
            endpoint=endpoint,
            targets=tuple(ScalableTarget.from_api(t) for t in targets),
            policies=tuple(ScalingPolicy.from_api(p) for p in policies),
            scheduled=tuple(ScheduledAction.from_api(s) for s in scheduled),
            activities=tuple(found[:activities]),
        )

    def target(self, resource: str) -> ScalableTarget:
        answer = self.call(
            self.client.describe_scalable_targets,
            ServiceNamespace=NAMESPACE,
            ResourceIds=[resource],
        )
        items = answer.get("ScalableTargets") or []
        if not items:
            raise NotFoundError(
                f"{resource} has no scalable target",
                "autoscaling is not set up for it: register one first (AWS console or CLI)",
            )
        return ScalableTarget.from_api(items[0])

    @staticmethod
    def check_capacity(minimum: int, maximum: int) -> None:
        validate.positive_int(maximum, "max capacity", maximum=MAX_CAPACITY)
        if not isinstance(minimum, int) or minimum < 0:
            raise ValidationError(f"min capacity must be >= 0, got {minimum!r}")
        if minimum > maximum:
            raise ValidationError(
                f"min capacity {minimum} is above max capacity {maximum}", "use --min <= --max"
            )

    def set_capacity(
        self,
        resource: str,
        dimension: str,
        minimum: int,
        maximum: int,
        *,
        warn: Callable[[str], None] | None = None,
    ) -> ScalableTarget:
        """Change min/max of an existing target (RegisterScalableTarget updates it).

        Raising a variant's max is checked against the endpoint quota of its instance
        type first (it may scale out to it): over the quota, refused before sending."""
        self.check_capacity(minimum, maximum)
        before = self.target(resource)  # not found: say so before anything is sent
        if maximum > before.max_capacity:
            self._preflight(resource, maximum, warn)

        def applied() -> bool:
            now = self.target(resource)
            return (now.min_capacity, now.max_capacity) == (minimum, maximum)

        self.mutate_checked(
            "autoscaling-set",
            resource,
            {"MinCapacity": minimum, "MaxCapacity": maximum},
            lambda: self.client.register_scalable_target(
                ServiceNamespace=NAMESPACE,
                ResourceId=resource,
                ScalableDimension=dimension,
                MinCapacity=minimum,
                MaxCapacity=maximum,
            ),
            applied,
        )
        return self.target(resource)

    def _preflight(self, resource: str, maximum: int, warn: Callable[[str], None] | None) -> None:
        """The quota check of a variant's new max (an inference component's copies share
        the endpoint's instances: nothing to check)."""
        from console.services.quotas import QuotasService

        parts = resource.split("/")
        needs: list[tuple[str, str, int]] = []
        if len(parts) == 4 and parts[0] == "endpoint" and parts[2] == "variant":
            instance_type, current = self._variant_instances(parts[1], parts[3])
            needs.append(("endpoint", instance_type, maximum - current))
        QuotasService(self.sessions, self.gate).guard("autoscaling-set", resource, needs, warn=warn)

    def max_cost(
        self, pricing: PricingService, config: Any, resource: str, old_max: int, new_max: int
    ) -> CostProjection | None:
        """The worst-case change per hour of raising a variant's max: (new - old max) x
        the variant's instance price, refused when the variant at its new max is above
        ``max_hourly_cost``. None when the max does not rise, or the target is an
        inference component (its copies share the endpoint's instances: no new ones).
        Reads the endpoint and prices: call it off the UI thread."""
        from console.services.projection import CostProjection, project_scale

        parts = resource.split("/")
        if new_max <= old_max or not (
            len(parts) == 4 and parts[0] == "endpoint" and parts[2] == "variant"
        ):
            return None
        instance_type, _current = self._variant_instances(parts[1], parts[3])
        if not instance_type:  # serverless: billed per request, no instances to price
            why = f"variant {parts[3]} has no instance type (serverless?)"
            return CostProjection(None, True, f"projected cost: ? ({why})", "", None)
        return project_scale(
            pricing,
            config,
            resource,
            "endpoint",
            instance_type,
            old_max,
            new_max,
            label=parts[3],
            worst_case=True,
        )

    def _variant_instances(self, endpoint: str, variant: str) -> tuple[str, int]:
        """The variant's instance type and current instance count ("", 0 if unknown)."""
        sm: Any = self.sessions.client("sagemaker")
        data = self.call(sm.describe_endpoint, EndpointName=endpoint)
        config = self.call(
            sm.describe_endpoint_config, EndpointConfigName=data["EndpointConfigName"]
        )
        kind = next(
            (
                str(v.get("InstanceType") or "")
                for v in config.get("ProductionVariants") or []
                if v.get("VariantName") == variant
            ),
            "",
        )
        current = next(
            (
                int(v.get("CurrentInstanceCount") or 0)
                for v in data.get("ProductionVariants") or []
                if v.get("VariantName") == variant
            ),
            0,
        )
        return kind, current

    def set_suspended(self, resource: str, dimension: str, suspended: bool) -> ScalableTarget:
        """Pause (or resume) dynamic and scheduled scaling of a target."""
        self.target(resource)
        state = {
            "DynamicScalingInSuspended": suspended,
            "DynamicScalingOutSuspended": suspended,
            "ScheduledScalingSuspended": suspended,
        }
        self.mutate_checked(
            "autoscaling-suspend" if suspended else "autoscaling-resume",
            resource,
            {"SuspendedState": state},
            lambda: self.client.register_scalable_target(
                ServiceNamespace=NAMESPACE,
                ResourceId=resource,
                ScalableDimension=dimension,
                SuspendedState=state,
            ),
            lambda: self.target(resource).suspended == suspended,
        )
        return self.target(resource)
