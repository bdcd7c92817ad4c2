"""Bench: the cost of listing jobs through our services, and of a steady-state poll.

Not a test: run on demand (`.venv/bin/python bench/listing_cost.py`), prints one JSON line.

One moto server on 127.0.0.1 (in this process, in a thread), with the demo's moto
extras installed so lists honour ``SortBy``/``SortOrder`` as AWS does (plain moto pages in
insertion order, which would make "newest first" meaningless). ``--jobs`` training jobs
are put straight into moto's backend (creating 5,000 over HTTP takes ~40 s), one minute
apart.

1. Full listing, alternately ``--runs`` times each: a bare boto3 paginator
   (``list_training_jobs``, same parameters and page size as ours, summaries collected
   into a list) vs ``JobsService.list_training_jobs()`` (our session factory, retries,
   API metrics, error translation, typed records). Target: ours <= 1.1x bare (medians).
2. Steady-state poll: an ``IncrementalLister`` (``JobsService.training_lister()``, what
   the Jobs tab polls with) lists everything once while the 5 newest jobs are
   InProgress; then those 5 finish and 5 new jobs start (10 changed jobs), and one more
   refresh runs. API calls are counted with the session's ``ApiMetrics``. Target: <= 2
   calls (a naive relist is one call per 100 jobs). The whole Jobs-tab poll
   (``JobsFeed``: training, processing and tuning listers) is counted too, for reference.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ACCOUNT = "123456789012"
REGION = "us-east-1"
TARGET_RATIO = 1.1
TARGET_POLL_CALLS = 2
PAGE_SIZE = 100  # what console.services.base.Service.pages asks for


def isolate(endpoint: str, home: Path) -> None:
    """Environment as the tests set it: no real config, fake credentials, moto only."""
    for name in list(os.environ):
        if name.startswith(("AWS_", "SMCONSOLE_", "MLFLOW_")):
            del os.environ[name]
    os.environ.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".local/state"),
            "AWS_CONFIG_FILE": str(home / ".aws/config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws/credentials"),
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": endpoint,
        }
    )


def seed(count: int) -> Any:
    """``count`` Completed training jobs in moto's backend, created one minute apart."""
    from moto.sagemaker.models import sagemaker_backends

    backend = sagemaker_backends[ACCOUNT][REGION]
    base = datetime(2026, 1, 1)  # naive UTC, as moto keeps its own times
    for i in range(count):
        job = backend.create_training_job(
            training_job_name=f"bench-{i:05d}",
            hyper_parameters={"lr": "0.1"},
            algorithm_specification={
                "TrainingImage": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1",
                "TrainingInputMode": "File",
            },
            role_arn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
            input_data_config=[],
            output_data_config={"S3OutputPath": "s3://out/bench"},
            resource_config={
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            vpc_config={},
            stopping_condition={"MaxRuntimeInSeconds": 3600},
            tags=[],
            enable_network_isolation=False,
            enable_inter_container_traffic_encryption=False,
            enable_managed_spot_training=False,
            checkpoint_config={},
            debug_hook_config={},
            debug_rule_configurations=[],
            tensor_board_output_config={},
            experiment_config={},
        )
        created = base + timedelta(minutes=i)
        job.creation_time = job.last_modified_time = created
        job.training_end_time = created + timedelta(minutes=5)
    return backend


def bare_listing(client: Any) -> int:
    paginator = client.get_paginator("list_training_jobs")
    summaries: list[dict[str, Any]] = []
    for page in paginator.paginate(
        SortBy="CreationTime",
        SortOrder="Descending",
        PaginationConfig={"PageSize": PAGE_SIZE},
    ):
        summaries.extend(page.get("TrainingJobSummaries", []))
    return len(summaries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import boto3

    from console.config import load_config
    from console.context import ConsoleContext
    from console.demo.moto_extras import DemoState, install, uninstall
    from console.services.jobs_feed import JobsFeed
    from tests.support.moto_server import start_moto_server

    server = start_moto_server()
    install(DemoState(notebook_url_base="https://notebooks.invalid"))
    try:
        with tempfile.TemporaryDirectory() as tmp:
            isolate(server.url, Path(tmp))
            backend = seed(args.jobs)
            context = ConsoleContext(load_config(), source="cli")
            jobs = context.jobs
            client = boto3.client(
                "sagemaker",
                endpoint_url=server.url,
                region_name=REGION,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
            # Warm both paths (clients built, models loaded, moto's first call done).
            client.list_training_jobs(MaxResults=1)
            next(iter(jobs.list_training_jobs(limit=1)))

            bare_s: list[float] = []
            ours_s: list[float] = []
            for _ in range(args.runs):
                started = time.perf_counter()
                bare_count = bare_listing(client)
                bare_s.append(time.perf_counter() - started)
                started = time.perf_counter()
                ours_count = len(list(jobs.list_training_jobs()))
                ours_s.append(time.perf_counter() - started)
            assert bare_count == ours_count == args.jobs, (bare_count, ours_count)

            # Steady state: the 5 newest are running when the lister first lists.
            newest = [f"bench-{i:05d}" for i in range(args.jobs - 5, args.jobs)]
            for name in newest:
                backend.training_jobs[name].training_job_status = "InProgress"
                backend.training_jobs[name].training_end_time = None
            metrics = context.sessions.metrics
            lister = jobs.training_lister()
            before = metrics.calls_total("sagemaker")
            first = lister.refresh()
            full_calls = metrics.calls_total("sagemaker") - before
            feed = JobsFeed(context)
            feed.fetch()

            now = datetime.now(UTC).replace(tzinfo=None)
            for name in newest:
                job = backend.training_jobs[name]
                job.training_job_status = "Completed"
                job.training_end_time = job.last_modified_time = now
            for i in range(5):
                client.create_training_job(
                    TrainingJobName=f"bench-new-{i}",
                    AlgorithmSpecification={
                        "TrainingImage": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/train:1",
                        "TrainingInputMode": "File",
                    },
                    RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
                    OutputDataConfig={"S3OutputPath": "s3://out/bench"},
                    ResourceConfig={
                        "InstanceType": "ml.m5.large",
                        "InstanceCount": 1,
                        "VolumeSizeInGB": 10,
                    },
                    StoppingCondition={"MaxRuntimeInSeconds": 3600},
                )
            before = metrics.calls_total("sagemaker")
            delta = lister.refresh()
            poll_calls = metrics.calls_total("sagemaker") - before
            before = metrics.calls_total("sagemaker")
            snapshot = feed.fetch()
            feed_calls = metrics.calls_total("sagemaker") - before
    finally:
        uninstall()
        server.stop()

    bare = statistics.median(bare_s)
    ours = statistics.median(ours_s)
    ratio = ours / bare
    print(
        json.dumps(
            {
                "bench": "listing_cost",
                "jobs": args.jobs,
                "runs": args.runs,
                "bare_boto3_s": round(bare, 3),
                "ours_s": round(ours, 3),
                "ratio": round(ratio, 3),
                "target_ratio": TARGET_RATIO,
                "bare_runs_s": [round(v, 3) for v in bare_s],
                "ours_runs_s": [round(v, 3) for v in ours_s],
                "full_listing_calls": full_calls,
                "first_listing_items": len(first.items),
                "steady_poll_changed_jobs": len(delta.changed),
                "steady_poll_items": len(delta.items),
                "steady_poll_calls": poll_calls,
                "target_poll_calls": TARGET_POLL_CALLS,
                "jobs_tab_poll_calls": feed_calls,
                "jobs_tab_poll_items": len(snapshot.items),
                "load_average_1m": round(os.getloadavg()[0], 2),
                "meets_target": ratio <= TARGET_RATIO and poll_calls <= TARGET_POLL_CALLS,
            }
        )
    )


if __name__ == "__main__":
    main()
