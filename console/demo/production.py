"""The demo's production view: metrics, autoscaling and one endpoint of each kind.

Seeded once (:func:`seed_production`) and fed by the simulator (:meth:`ProductionFeed.tick`)
with ``PutMetricData`` to the demo's moto server:

- every endpoint gets a daily traffic shape (invocations) split between its variants by
  their current weights (a 10/90 shift shows on the charts), latency and a few 4xx; the
  instance metrics follow the instance type (no GPU metrics on CPU instances, none at all
  for serverless);
- the serverless endpoint's cold starts (ModelSetupTime), the async endpoint's queue
  (ApproximateBacklogSize) and each serving inference component's own metrics;
  ``llama3-chat-prod``'s ``v2-candidate`` shows a latency bump and a 5xx burst that starts
  when traffic shifts to it (the guard's story);
- a four-host GPU training job has one idle GPU (algo-3) and one straggler (algo-4);
- scalable targets, policies, a scheduled action and scaling activities, one of which
  failed for insufficient capacity (the "why did it not scale" story);
- one serverless, one async and one inference-component endpoint.

History is kept short (3 h at 5-minute points, the last hour per minute): moto scans
every stored point for each query and period.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from console.demo.moto_state import SAGEMAKER_QUOTAS, patch, utc_now

if TYPE_CHECKING:
    from console.demo.seed import JobPlan

SERVERLESS = "fraud-score-serverless"
ASYNC = "doc-summarise-async"
COMPONENTS = "genai-shared-ic"
GPU_JOB = "llama3-finetune-gpu-demo"
GPU_HOSTS = 4
# No other demo job uses it: its training quota (one host above the job's) stays close to
# the limit for as long as the job runs, so a second job of the type is refused.
GPU_INSTANCE_TYPE = "ml.p5.48xlarge"
AB_ENDPOINT = "llama3-chat-prod"
CANDIDATE = "v2-candidate"


def _traffic(moment: datetime, base: float) -> float:
    """Invocations per minute: a daily curve peaking mid-afternoon, never zero."""
    hour = moment.hour + moment.minute / 60.0
    return base * (0.55 + 0.45 * math.sin((hour - 9.0) / 24.0 * 2 * math.pi))


# The inference components' copies (the second one is scaled to zero: no traffic).
COMPONENT_COPIES = {"genai-llama3-8b": 2, "genai-bert-embed": 0}
COMPONENT_NAMESPACE = "/aws/sagemaker/InferenceComponents"
# Instance families with GPUs: only their hosts publish GPU metrics.
GPU_FAMILIES = ("ml.g", "ml.p")


def has_gpu(instance_type: str | None) -> bool:
    """Whether an instance type has GPUs (``ml.g4dn.xlarge`` yes, ``ml.m5.xlarge`` no)."""
    return bool(instance_type) and str(instance_type).startswith(GPU_FAMILIES)


def _datum(name: str, dims: list[dict[str, Any]], moment: datetime, value: float) -> dict[str, Any]:
    return {"MetricName": name, "Dimensions": dims, "Timestamp": moment, "Value": max(0.0, value)}


@dataclass
class ProductionFeed:
    """Writes one minute of metrics per call; remembers the last minute written.

    Each endpoint's traffic is split between its variants by their current weights (read
    from the moto backend every minute), so a 10/90 shift shows on the charts."""

    cloudwatch: Any
    variants: dict[str, list[str]]
    # Seeding writes history straight into moto's backend (480 PutMetricData over HTTP
    # cost ~7 s of start-up); the simulator's minutes go through PutMetricData.
    backend: Any = None
    rng: random.Random = field(default_factory=lambda: random.Random(16))
    last_minute: datetime | None = None
    # (endpoint, variant) -> instance type; None: serverless (no instance metrics)
    instance_types: dict[tuple[str, str], str | None] = field(default_factory=dict)

    def weights(self, endpoint: str) -> dict[str, float]:
        """The variants' current weights as shares of 1 (equal when unknown)."""
        from moto.sagemaker.models import sagemaker_backends

        names = self.variants.get(endpoint, [])
        for backend in _backends(sagemaker_backends):
            record = backend.endpoints.get(endpoint)
            if record is None:
                continue
            found = {
                str(v.get("VariantName")): float(v.get("CurrentWeight") or 0.0)
                for v in record.production_variants
            }
            total = sum(found.get(n, 0.0) for n in names)
            if total > 0:
                return {n: found.get(n, 0.0) / total for n in names}
        return {n: 1.0 / len(names) for n in names} if names else {}

    def candidate_share(self, moment: datetime) -> float:
        return self.weights(AB_ENDPOINT).get(CANDIDATE, 0.0)

    def minute(self, moment: datetime, *, candidate_share: float | None = None) -> None:
        shares = {endpoint: self.weights(endpoint) for endpoint in self.variants}
        if candidate_share is not None and AB_ENDPOINT in shares:
            others = [v for v in shares[AB_ENDPOINT] if v != CANDIDATE]
            shares[AB_ENDPOINT] = {v: (1.0 - candidate_share) / len(others) for v in others}
            shares[AB_ENDPOINT][CANDIDATE] = candidate_share
        for namespace, items in self.minute_data(moment, shares).items():
            for start in range(0, len(items), 500):
                chunk = items[start : start + 500]
                if self.backend is not None:
                    self.backend.put_metric_data(namespace, chunk)
                else:
                    self.cloudwatch.put_metric_data(Namespace=namespace, MetricData=chunk)
        self.last_minute = moment

    def minute_data(
        self, moment: datetime, shares: dict[str, dict[str, float]]
    ) -> dict[str, list[dict[str, Any]]]:
        """One minute of every metric by namespace, traffic split by ``shares``."""
        data: list[dict[str, Any]] = []
        hosts: list[dict[str, Any]] = []
        components: list[dict[str, Any]] = []
        share = shares.get(AB_ENDPOINT, {}).get(CANDIDATE, 0.0)
        for endpoint, variants in self.variants.items():
            traffic = _traffic(moment, 240.0)
            for variant in variants:
                dims = [
                    {"Name": "EndpointName", "Value": endpoint},
                    {"Name": "VariantName", "Value": variant},
                ]
                calls = traffic * shares.get(endpoint, {}).get(variant, 0.0)
                errors_5xx = 0.0
                latency = 38_000.0 + self.rng.gauss(0, 2_500)
                if endpoint == AB_ENDPOINT and variant == CANDIDATE and share > 0.5:
                    # the candidate buckles under most of the traffic
                    errors_5xx = calls * 0.06
                    latency *= 1.8
                elif endpoint == AB_ENDPOINT and variant == CANDIDATE:
                    errors_5xx = calls * 0.004

                data.append(_datum("Invocations", dims, moment, calls))
                data.append(_datum("Invocation5XXErrors", dims, moment, errors_5xx))
                data.append(_datum("Invocation4XXErrors", dims, moment, calls * 0.01))
                for _ in range(3):
                    value = latency * self.rng.uniform(0.7, 1.6)
                    data.append(_datum("ModelLatency", dims, moment, value))
                value = 1_800.0 + self.rng.gauss(0, 200)
                data.append(_datum("OverheadLatency", dims, moment, value))
                if endpoint == SERVERLESS:
                    data += self._cold_starts(dims, moment)
                kind = self.instance_types.get((endpoint, variant), "ml.m5.xlarge")
                if kind is None:  # serverless: no instances, no instance metrics
                    continue
                gauges = [
                    ("CPUUtilization", 35.0 + calls / 10.0),
                    ("MemoryUtilization", 61.0),
                    ("DiskUtilization", 43.0),
                ]
                if has_gpu(kind):
                    gauges += [
                        ("GPUUtilization", 55.0 + calls / 8.0),
                        ("GPUMemoryUtilization", 64.0),
                    ]
                for metric, value in gauges:
                    hosts.append(_datum(metric, dims, moment, value + self.rng.gauss(0, 2)))
            if endpoint == ASYNC:
                dims = [{"Name": "EndpointName", "Value": endpoint}]
                # the queue fills over 20 minutes and drains: a sawtooth
                backlog = 4.0 + 36.0 * (moment.minute % 20) / 20.0 + self.rng.gauss(0, 1)
                data.append(_datum("ApproximateBacklogSize", dims, moment, backlog))
                data.append(_datum("HasBacklogWithoutCapacity", dims, moment, 0.0))
            if endpoint == COMPONENTS:
                data_c, components_c = self._components(moment, traffic)
                data += data_c
                components += components_c
        loss = [
            {
                "MetricName": "train:loss",
                "Dimensions": [{"Name": "TrainingJobName", "Value": GPU_JOB}],
                "Timestamp": moment,
                "Value": 2.0 * math.exp(-(moment.minute % 60) / 25.0) + 0.3,
            }
        ]
        return {
            "AWS/SageMaker": data,
            "/aws/sagemaker/Endpoints": hosts,
            COMPONENT_NAMESPACE: components,
            "/aws/sagemaker/TrainingJobs": self._gpu_hosts(moment),
            "TrainingJobs": loss,
        }

    def _cold_starts(self, dims: list[dict[str, Any]], moment: datetime) -> list[dict[str, Any]]:
        """A serverless cold start every 7 minutes: ModelSetupTime in microseconds (its
        SampleCount is the number of cold starts)."""
        if (moment.hour * 60 + moment.minute) % 7:
            return []
        setup = 2_400_000.0 + self.rng.uniform(0, 1_600_000)
        return [_datum("ModelSetupTime", dims, moment, setup)]

    def _components(
        self, moment: datetime, traffic: float
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Each inference component's own traffic, latency and utilisation; one scaled to
        zero publishes nothing (as on AWS: no copies, no metrics)."""
        serving = [name for name, copies in COMPONENT_COPIES.items() if copies]
        data: list[dict[str, Any]] = []
        utilisation: list[dict[str, Any]] = []
        for name in serving:
            dims = [{"Name": "InferenceComponentName", "Value": name}]
            calls = traffic / len(serving)
            data.append(_datum("Invocations", dims, moment, calls))
            data.append(_datum("Invocation5XXErrors", dims, moment, calls * 0.002))
            for _ in range(3):
                value = 52_000.0 * self.rng.uniform(0.7, 1.6)
                data.append(_datum("ModelLatency", dims, moment, value))
            for metric, value in (
                ("CPUUtilizationNormalized", 18.0 + calls / 20.0),
                ("GPUUtilizationNormalized", 40.0 + calls / 8.0),
            ):
                utilisation.append(_datum(metric, dims, moment, value + self.rng.gauss(0, 2)))
        return data, utilisation

    def _gpu_hosts(self, moment: datetime) -> list[dict[str, Any]]:
        """The GPU job's four hosts: algo-3 idle, algo-4 a straggler, algo-2's disk full."""
        gpu_hosts: list[dict[str, Any]] = []
        for index in range(1, GPU_HOSTS + 1):
            dims = [{"Name": "Host", "Value": f"{GPU_JOB}/algo-{index}"}]
            gpu = {3: 2.0, 4: 22.0}.get(index, 88.0) + self.rng.gauss(0, 1.5)
            for metric, value in (
                ("GPUUtilization", gpu),
                ("GPUMemoryUtilization", 20.0 if index == 3 else 76.0),
                ("CPUUtilization", 45.0),
                ("MemoryUtilization", 58.0),
                ("DiskUtilization", 93.0 if index == 2 else 40.0),
            ):
                gpu_hosts.append(_datum(metric, dims, moment, value))
        return gpu_hosts

    def tick(self, now: datetime) -> None:
        """Write the minutes since the last one written (at most 5 at once)."""
        current = now.replace(second=0, microsecond=0)
        if self.last_minute is None:
            self.minute(current)
            return
        step = self.last_minute + timedelta(minutes=1)
        written = 0
        while step <= current and written < 5:
            self.minute(step)
            step += timedelta(minutes=1)
            written += 1


def _backends(registry: Any) -> list[Any]:
    found = []
    for account in registry.values():
        for backend in account.values():
            found.append(backend)
    return found


def seed_production(url: str, world: Any, now: datetime | None = None) -> ProductionFeed:
    """Endpoint kinds, autoscaling and 3 h of metrics. Returns the feed for the simulator.

    Runs after :func:`console.demo.seed.seed_demo` (it uses its models and configs)."""
    from botocore.config import Config as BotoConfig
    from moto.sagemaker.models import sagemaker_backends

    from console.aws.session import new_boto3_session
    from console.demo import moto_extras
    from console.demo.seed import FAKE_ACCESS_KEY, FAKE_SECRET_KEY

    now = now or utc_now()
    config = BotoConfig(proxies={}, retries={"max_attempts": 2, "mode": "standard"})
    session = new_boto3_session(
        aws_access_key_id=FAKE_ACCESS_KEY,
        aws_secret_access_key=FAKE_SECRET_KEY,
        region_name=world.region,
    )
    sm = session.client("sagemaker", endpoint_url=url, config=config)
    scaling = session.client("application-autoscaling", endpoint_url=url, config=config)
    cloudwatch = session.client("cloudwatch", endpoint_url=url, config=config)
    backend = sagemaker_backends[world.account_id][world.region]
    # A model of its own: serving a registry package here would change what the Registry
    # tab's evidence calls "serving".
    model = "fraud-score-v1"
    sm.create_model(
        ModelName=model,
        ExecutionRoleArn=world.role_arn,
        PrimaryContainer={
            "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
            "ModelDataUrl": f"s3://{world.buckets['models']}/fraud-score/v1/model.tar.gz",
        },
    )
    sm.create_endpoint_config(
        EndpointConfigName=f"{COMPONENTS}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InstanceType": "ml.g4dn.12xlarge",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    sm.create_endpoint_config(
        EndpointConfigName=f"{SERVERLESS}-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": model,
                "InitialVariantWeight": 1.0,
                "ServerlessConfig": {
                    "MemorySizeInMB": 3072,
                    "MaxConcurrency": 20,
                    "ProvisionedConcurrency": 2,
                },
            }
        ],
    )
    for name, config_name in (
        (ASYNC, "bert-sentiment-dev-config"),
        (COMPONENTS, f"{COMPONENTS}-config"),
        (SERVERLESS, f"{SERVERLESS}-config"),
    ):
        sm.create_endpoint(EndpointName=name, EndpointConfigName=config_name)
        patch(backend.endpoints[name], endpoint_status="InService")
        world.endpoints.append(name)
    _gpu_job(sm, backend, world, now)
    patch(
        backend.endpoints[ASYNC],
        async_inference_config={
            "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
            "OutputConfig": {
                "S3OutputPath": f"s3://{world.buckets['models']}/async/out/",
                "S3FailurePath": f"s3://{world.buckets['models']}/async/failed/",
            },
        },
    )
    for name, model_name, copies, gpus in (
        ("genai-llama3-8b", "llama3-chat-v1", COMPONENT_COPIES["genai-llama3-8b"], 1),
        ("genai-bert-embed", "bert-sentiment-v1", COMPONENT_COPIES["genai-bert-embed"], 0),
    ):
        moto_extras.add_inference_component(
            world.account_id,
            world.region,
            name=name,
            endpoint=COMPONENTS,
            variant="AllTraffic",
            model=model_name,
            copies=copies,
            accelerators=gpus,
            cpu_cores=4.0,
            memory_mb=16384,
        )
    # autoscaling: the A/B endpoint's candidate is capped and once failed to grow
    dimension = "sagemaker:variant:DesiredInstanceCount"
    for variant, low, high in (("v1-baseline", 1, 4), (CANDIDATE, 1, 2)):
        resource = f"endpoint/{AB_ENDPOINT}/variant/{variant}"
        scaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=dimension,
            MinCapacity=low,
            MaxCapacity=high,
        )
        scaling.put_scaling_policy(
            PolicyName=f"{variant}-invocations-per-instance",
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension=dimension,
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
            },
        )
    scaling.put_scheduled_action(
        ServiceNamespace="sagemaker",
        ScheduledActionName="night-floor",
        ResourceId=f"endpoint/{AB_ENDPOINT}/variant/v1-baseline",
        ScalableDimension=dimension,
        Schedule="cron(0 22 * * ? *)",
        ScalableTargetAction={"MinCapacity": 1, "MaxCapacity": 2},
    )
    alarm = "monitor alarm TargetTracking-endpoint/llama3-chat-prod-AlarmHigh in state ALARM"
    for ago, variant, status, text, message in (
        (150, "v1-baseline", "Successful", "Setting desired instance count to 2.", ""),
        (95, "v1-baseline", "Successful", "Setting desired instance count to 3.", ""),
        (
            40,
            CANDIDATE,
            "Failed",
            "Setting desired instance count to 3.",
            "Failed to set desired instance count to 3: the account-level service limit "
            "'ml.g4dn.12xlarge for endpoint usage' is 2 instances (insufficient capacity)",
        ),
        (
            12,
            CANDIDATE,
            "Unfulfilled",
            "Setting desired instance count to 3.",
            "Unable to scale out: maximum capacity 2 reached",
        ),
    ):
        moto_extras.add_scaling_activity(
            world.account_id,
            world.region,
            resource_id=f"endpoint/{AB_ENDPOINT}/variant/{variant}",
            status=status,
            description=text,
            cause=f"{alarm} triggered policy {variant}-invocations-per-instance",
            message=message,
            started=now - timedelta(minutes=ago),
        )
    variants = {
        "churn-xgb-prod": ["AllTraffic"],
        AB_ENDPOINT: ["v1-baseline", CANDIDATE],
        SERVERLESS: ["AllTraffic"],
        ASYNC: ["AllTraffic"],
        COMPONENTS: ["AllTraffic"],
    }
    from moto.cloudwatch.models import cloudwatch_backends

    feed = ProductionFeed(
        cloudwatch,
        variants,
        backend=cloudwatch_backends[world.account_id][world.region],
        instance_types=_instance_types(backend, variants),
    )
    start = now.replace(second=0, microsecond=0)
    # every 5 minutes for 3 h, then every minute of the last hour
    history = [m for m in range(180, 0, -1) if m <= 60 or m % 5 == 0]
    for minutes in history:
        feed.minute(start - timedelta(minutes=minutes), candidate_share=0.5)
    feed.last_minute = start - timedelta(minutes=1)
    feed.backend = None
    return feed


def _instance_types(
    backend: Any, variants: dict[str, list[str]]
) -> dict[tuple[str, str], str | None]:
    """Each variant's instance type from its endpoint config (None: serverless)."""
    found: dict[tuple[str, str], str | None] = {}
    for endpoint in variants:
        record = backend.endpoints.get(endpoint)
        config = backend.endpoint_configs.get(record.endpoint_config_name) if record else None
        for variant in config.production_variants if config else []:
            kind = variant.get("InstanceType")
            found[(endpoint, str(variant.get("VariantName")))] = str(kind) if kind else None
    return found


def _gpu_job(sm: Any, backend: Any, world: Any, now: datetime) -> None:
    """A running four-host GPU fine-tune whose hosts the feed describes, started two
    hours ago (its idle GPU has been idle for a while: the Jobs table's duration and
    cost so far say so too, instead of a few seconds and $0.00)."""
    from console.demo.seed import transition

    sm.create_training_job(
        TrainingJobName=GPU_JOB,
        AlgorithmSpecification={
            "TrainingImage": "763104351884.dkr.ecr.us-east-1.amazonaws.com/"
            "pytorch-training:2.3.0-gpu-py311",
            "TrainingInputMode": "File",
        },
        RoleArn=world.role_arn,
        OutputDataConfig={"S3OutputPath": f"s3://{world.buckets['models']}/llama3-finetune/"},
        ResourceConfig={
            "InstanceType": GPU_INSTANCE_TYPE,
            "InstanceCount": GPU_HOSTS,
            "VolumeSizeInGB": 500,
        },
        StoppingCondition={"MaxRuntimeInSeconds": 86400},
    )
    job = backend.training_jobs[GPU_JOB]
    spec = dict(job.algorithm_specification)
    spec["MetricDefinitions"] = [{"Name": "train:loss", "Regex": "loss=([0-9.]+)"}]
    created = now - timedelta(hours=2)
    started, training = created + timedelta(minutes=4), created + timedelta(minutes=9)
    patch(
        job,
        algorithm_specification=spec,
        training_job_status="InProgress",
        secondary_status="Training",
        creation_time=created,
        training_start_time=started,
        last_modified_time=now,
        secondary_status_transitions=[
            transition("Starting", created, started),
            transition("Downloading", started, training),
            transition("Training", training),
        ],
    )
    world.plans[GPU_JOB] = gpu_job_plan(created)
    # Its type's training quota: one instance above the job's own (no other job uses it).
    SAGEMAKER_QUOTAS[(GPU_INSTANCE_TYPE, "training job")] = float(GPU_HOSTS + 1)


# Ticks the GPU job still trains for: its idle GPU is the story of issue 16, so it must be
# running whenever an operator gets to it (an adopted plan ended it after ~7 minutes).
GPU_JOB_TICKS = 24_000


def gpu_job_plan(created: datetime) -> JobPlan:
    """The simulator's plan for the GPU job: a third of the way through a run longer than
    any demo session (GPU_JOB_TICKS at 1.5 s a tick: ten hours), never failing."""
    from console.demo.seed import FAMILIES, JobPlan, draw_finals, stream_names

    family = FAMILIES["llama"]
    total = family.steps_per_tick * GPU_JOB_TICKS * 3 // 2
    return JobPlan(
        name=GPU_JOB,
        family=family.key,
        hosts=GPU_HOSTS,
        streams=stream_names(GPU_JOB, GPU_HOSTS, created),
        total_steps=total,
        step=total // 3,
        outcome="Completed",
        finals=draw_finals(family, random.Random(GPU_HOSTS)),
    )
