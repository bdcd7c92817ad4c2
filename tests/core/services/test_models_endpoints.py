"""Models, endpoint configs and endpoints: services and CLI over a real moto server."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from console.errors import NotFoundError, NotSupportedError, ValidationError
from console.services.endpoints import EndpointsService
from console.services.models import ModelSpec, ModelsService, VariantSpec
from tests.support.helpers import audit_records, context
from tests.support.moto_server import MotoServer

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1"
DATA = "s3://models-bucket/run-1/model.tar.gz"
PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud/3"


# --- helpers ------------------------------------------------------------------------
def make_model(aws: MotoServer, name: str = "fraud-v1", **container: Any) -> None:
    primary = {"Image": IMAGE, "ModelDataUrl": DATA, "Environment": {"API_TOKEN": "s3cr3t"}}
    primary.update(container)
    aws.client("sagemaker").create_model(
        ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer=primary
    )


def make_ab_endpoint(aws: MotoServer, name: str = "fraud") -> None:
    """An endpoint with two variants (blue, green) serving two models, 1:1."""
    client = aws.client("sagemaker")
    make_model(aws, "fraud-v1")
    make_model(aws, "fraud-v2", ModelPackageName=PACKAGE_ARN)
    client.create_endpoint_config(
        EndpointConfigName=f"{name}-ab",
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": model,
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
            for variant, model in (("blue", "fraud-v1"), ("green", "fraud-v2"))
        ],
    )
    client.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-ab")


def queue_invoke_result(aws: MotoServer, body: str, variant: str, ctype: str) -> None:
    results = {
        "results": [
            {
                "Body": body,
                "ContentType": ctype,
                "InvokedProductionVariant": variant,
                "CustomAttributes": "",
            }
        ]
    }
    request = urllib.request.Request(
        f"{aws.url}/moto-api/static/sagemaker/endpoint-results",
        data=json.dumps(results).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status in (200, 201)


def assert_one_line_error(result: Any, exit_code: int | None = None) -> None:
    assert result.exit_code != 0, result.stdout
    if exit_code is not None:
        assert result.exit_code == exit_code, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("error: "), result.stderr
    assert len(lines) <= 2
    if len(lines) == 2:
        assert lines[1].startswith("hint: ")


@pytest.fixture
def moto_update_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    """Teach the in-process moto server UpdateEndpoint (moto 5.2.5 lacks it)."""
    from moto.core.responses import ActionResult
    from moto.sagemaker.responses import SageMakerResponse

    def update_endpoint(self: Any) -> ActionResult:
        backend = self.sagemaker_backend
        name = self._get_param("EndpointName")
        config_name = self._get_param("EndpointConfigName")
        backend.describe_endpoint(name)  # raises the real "Could not find endpoint"
        config = backend.describe_endpoint_config(config_name)
        endpoint = backend.endpoints[name]
        endpoint.endpoint_config_name = config_name
        endpoint.production_variants = endpoint._process_production_variants(
            config["ProductionVariants"]
        )
        return ActionResult({"EndpointArn": endpoint.arn})

    monkeypatch.setattr(SageMakerResponse, "update_endpoint", update_endpoint, raising=False)


# --- models: service ----------------------------------------------------------------
def test_create_model_records_environment_names_only(aws: MotoServer) -> None:
    spec = ModelSpec("fraud-v1", IMAGE, DATA, ROLE, environment={"API_TOKEN": "s3cr3t", "A": "1"})
    arn = context().models.create_model(spec)

    raw = aws.client("sagemaker").describe_model(ModelName="fraud-v1")
    assert arn == raw["ModelArn"]
    model = context().models.describe_model("fraud-v1")
    assert model.image == IMAGE
    assert model.model_data_url == DATA
    assert model.role_arn == ROLE
    assert model.environment_keys == ("A", "API_TOKEN")
    assert "s3cr3t" not in json.dumps(model.to_dict())
    (record,) = audit_records()
    assert record["action"] == "model-create"
    assert record["outcome"] == "ok"
    assert record["params"]["EnvironmentKeys"] == ["A", "API_TOKEN"]
    assert "s3cr3t" not in json.dumps(record)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (ModelSpec("bad_name", IMAGE, DATA, ROLE), "model name"),
        (ModelSpec("m", "has space", DATA, ROLE), "image"),
        (ModelSpec("m", IMAGE, "https://x/model.tar.gz", ROLE), "must start with s3://"),
        (ModelSpec("m", IMAGE, DATA, ""), "no execution role"),
        (ModelSpec("m", IMAGE, DATA, "arn:aws:s3:::bucket"), "expected iam"),
    ],
)
def test_create_model_refuses_bad_input_before_sending(
    aws: MotoServer, spec: ModelSpec, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        context().models.create_model(spec)
    assert aws.client("sagemaker").list_models()["Models"] == []
    assert audit_records() == []


def test_model_describe_missing_is_not_found(aws: MotoServer) -> None:
    with pytest.raises(NotFoundError):
        context().models.describe_model("nope")


def test_endpoint_config_variant_checks(aws: MotoServer) -> None:
    models = context().models
    with pytest.raises(ValidationError, match="unique"):
        models.create_endpoint_config("c", [VariantSpec("m", "a"), VariantSpec("m", "a")])
    with pytest.raises(ValidationError, match="weight above 0"):
        models.create_endpoint_config("c", [VariantSpec("m", weight=0.0)])
    with pytest.raises(ValidationError, match="instance type"):
        models.create_endpoint_config("c", [VariantSpec("m", instance_type="m5.large")])
    with pytest.raises(ValidationError, match="at least one variant"):
        models.create_endpoint_config("c", [])
    assert aws.client("sagemaker").list_endpoint_configs()["EndpointConfigs"] == []


def test_endpoint_config_roundtrip(aws: MotoServer) -> None:
    make_model(aws)
    models = context().models
    models.create_endpoint_config(
        "fraud-cfg", [VariantSpec("fraud-v1", instance_type="ml.c5.xlarge", instance_count=2)]
    )
    config = models.describe_endpoint_config("fraud-cfg")
    (variant,) = config.variants
    assert (variant.name, variant.model, variant.instance_type) == (
        "AllTraffic",
        "fraud-v1",
        "ml.c5.xlarge",
    )
    assert (variant.initial_count, variant.initial_weight) == (2, 1.0)
    assert [c.name for c in models.list_endpoint_configs()] == ["fraud-cfg"]
    models.delete_endpoint_config("fraud-cfg")
    assert list(models.list_endpoint_configs()) == []


# --- endpoints: service -------------------------------------------------------------
def test_describe_endpoint_variants_and_split(aws: MotoServer) -> None:
    make_ab_endpoint(aws)
    endpoint = context().endpoints.describe_endpoint("fraud")
    assert endpoint.status == "InService"
    assert endpoint.config_name == "fraud-ab"
    assert [v.name for v in endpoint.variants] == ["blue", "green"]
    assert endpoint.variants[0].current_instance_count == 1
    assert endpoint.traffic_split() == {"blue": 0.5, "green": 0.5}


def test_update_variant_weights_shifts_traffic_and_audits(aws: MotoServer) -> None:
    make_ab_endpoint(aws)
    endpoint = context().endpoints.update_variant_weights(
        "fraud", {"blue": 3, "green": 1}, {"green": 2}
    )
    assert endpoint.traffic_split(desired=True) == {"blue": 0.75, "green": 0.25}
    raw = aws.client("sagemaker").describe_endpoint(EndpointName="fraud")["ProductionVariants"]
    assert [(v["DesiredWeight"], v["DesiredInstanceCount"]) for v in raw] == [(3.0, 1), (1.0, 2)]
    (record,) = audit_records()
    assert record["action"] == "endpoint-weights"
    assert record["target"] == "fraud"
    assert record["outcome"] == "ok"


@pytest.mark.parametrize(
    ("weights", "counts", "message"),
    [
        ({"purple": 1.0}, {}, "has no variant purple"),
        ({"blue": -1.0}, {}, ">= 0"),
        ({"blue": float("nan")}, {}, ">= 0"),
        ({"blue": 0.0, "green": 0.0}, {}, "every variant would get weight 0"),
        ({"blue": 1.0}, {"green": 0}, "instance count of green"),
        ({}, {}, "at least one"),
    ],
)
def test_update_variant_weights_refuses_bad_input(
    aws: MotoServer, weights: dict[str, float], counts: dict[str, int], message: str
) -> None:
    make_ab_endpoint(aws)
    with pytest.raises(ValidationError, match=message):
        context().endpoints.update_variant_weights("fraud", weights, counts)
    assert audit_records() == []


def test_invoke_returns_queued_result_and_audits_size_only(aws: MotoServer) -> None:
    make_ab_endpoint(aws)
    queue_invoke_result(aws, '{"score": 0.93}', "green", "application/json")
    payload = '{"features": [1, 2, 3], "card": "4111111111111111"}'
    result = context().endpoints.invoke(
        "fraud", payload, accept="application/json", target_variant="green"
    )
    assert result.body == b'{"score": 0.93}'
    assert result.text == '{"score": 0.93}'
    assert result.invoked_variant == "green"
    assert result.content_type == "application/json"
    assert result.latency_ms > 0
    (record,) = audit_records()
    assert record["action"] == "endpoint-invoke"
    assert record["params"] == {
        "Accept": "application/json",
        "ContentType": "application/json",
        "PayloadBytes": len(payload),
        "TargetVariant": "green",
    }
    assert "4111" not in json.dumps(record)


def test_invoke_default_moto_body(aws: MotoServer) -> None:
    result = context().endpoints.invoke("anything", b"1,2,3", content_type="text/csv")
    assert result.body == b"body"


@pytest.mark.parametrize(
    ("payload", "kwargs", "message"),
    [
        ('{"a": ', {}, "not valid JSON"),
        ("", {}, "empty"),
        ("{}", {"content_type": "json"}, "not a MIME type"),
        ("{}", {"target_variant": "bad variant"}, "target variant"),
    ],
)
def test_invoke_refuses_bad_input(
    aws: MotoServer, payload: str, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        context().endpoints.invoke("fraud", payload, **kwargs)
    assert audit_records() == []


def test_serving_model_data_follows_endpoint_to_models(aws: MotoServer) -> None:
    make_ab_endpoint(aws)
    serving = context().endpoints.serving_model_data("fraud")
    assert [(s.variant, s.model, s.model_data_url) for s in serving] == [
        ("blue", "fraud-v1", DATA),
        ("green", "fraud-v2", DATA),
    ]
    assert [s.model_package_arn for s in serving] == ["", PACKAGE_ARN]
    assert {s.config_name for s in serving} == {"fraud-ab"}


def test_update_endpoint_is_not_supported_on_moto_and_audited(aws: MotoServer) -> None:
    make_ab_endpoint(aws)
    with pytest.raises(NotSupportedError):
        context().endpoints.update_endpoint("fraud", "fraud-ab")
    (record,) = audit_records()
    assert (record["action"], record["outcome"]) == ("endpoint-update", "error")


def test_services_are_wired_in_context(aws: MotoServer) -> None:
    ctx = context()
    assert isinstance(ctx.models, ModelsService)
    assert isinstance(ctx.endpoints, EndpointsService)


# --- CLI: models ----------------------------------------------------------------------
def test_cli_model_create_and_describe_match_boto3(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli(
        "model-create", "fraud-v1", IMAGE, DATA, "--role", ROLE, "--env", "API_TOKEN=s3cr3t"
    )
    assert result.exit_code == 0, result.stderr
    assert "created model fraud-v1" in result.stdout

    described = run_cli("model-describe", "fraud-v1", "--json")
    assert described.exit_code == 0, described.stderr
    raw = aws.client("sagemaker").describe_model(ModelName="fraud-v1")
    data = described.json()
    assert data["name"] == raw["ModelName"]
    assert data["arn"] == raw["ModelArn"]
    assert data["image"] == raw["PrimaryContainer"]["Image"]
    assert data["model_data_url"] == raw["PrimaryContainer"]["ModelDataUrl"]
    assert data["role_arn"] == raw["ExecutionRoleArn"]
    assert data["environment_keys"] == ["API_TOKEN"]
    assert "s3cr3t" not in described.stdout

    people = run_cli("model-describe", "fraud-v1")
    assert people.exit_code == 0
    assert DATA in people.stdout
    assert "API_TOKEN" in people.stdout
    assert "s3cr3t" not in people.stdout


def test_cli_model_create_uses_config_role(
    aws: MotoServer, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMCONSOLE_EXECUTION_ROLE_ARN", ROLE)
    result = run_cli("model-create", "fraud-v1", IMAGE, DATA)
    assert result.exit_code == 0, result.stderr
    assert aws.client("sagemaker").describe_model(ModelName="fraud-v1")["ExecutionRoleArn"] == ROLE


def test_cli_model_create_without_role_is_a_clear_error(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("model-create", "fraud-v1", IMAGE, DATA)
    assert_one_line_error(result, exit_code=2)
    assert "no execution role" in result.stderr
    assert "--role" in result.stderr


def test_cli_model_create_bad_s3_uri(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("model-create", "fraud-v1", IMAGE, "model.tar.gz", "--role", ROLE)
    assert_one_line_error(result, exit_code=2)
    assert aws.client("sagemaker").list_models()["Models"] == []


def test_cli_model_list_json_matches_boto3(aws: MotoServer, run_cli: Any) -> None:
    make_model(aws, "fraud-v1")
    make_model(aws, "fraud-v2")
    result = run_cli("--json", "model-list")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").list_models()["Models"]
    assert sorted(m["name"] for m in result.json()) == sorted(m["ModelName"] for m in raw)
    assert {m["arn"] for m in result.json()} == {m["ModelArn"] for m in raw}
    table = run_cli("model-list", "--limit", "1")
    assert table.exit_code == 0
    assert len([line for line in table.stdout.splitlines() if "fraud-v" in line]) == 1


def test_cli_model_list_bad_limit(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("model-list", "--limit", "0")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr


def test_cli_model_describe_missing(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("model-describe", "nope")
    assert_one_line_error(result, exit_code=5)


def test_cli_model_delete(aws: MotoServer, run_cli: Any) -> None:
    make_model(aws)
    result = run_cli("model-delete", "fraud-v1", "--yes")
    assert result.exit_code == 0, result.stderr
    assert aws.client("sagemaker").list_models()["Models"] == []
    assert [r["action"] for r in audit_records()] == ["model-delete"]


def test_cli_model_delete_needs_confirmation(aws: MotoServer, run_cli: Any) -> None:
    make_model(aws)
    result = run_cli("model-delete", "fraud-v1")
    assert_one_line_error(result, exit_code=4)
    assert len(aws.client("sagemaker").list_models()["Models"]) == 1


def test_cli_model_delete_bad_name(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("model-delete", "bad_name", "--yes")
    assert_one_line_error(result, exit_code=2)


def test_cli_read_only_refuses_model_create_and_audits(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("--read-only", "model-create", "fraud-v1", IMAGE, DATA, "--role", ROLE)
    assert_one_line_error(result, exit_code=3)
    assert "read-only" in result.stderr
    assert aws.client("sagemaker").list_models()["Models"] == []
    (record,) = audit_records()
    assert (record["action"], record["outcome"]) == ("model-create", "refused")


# --- CLI: endpoint configs ------------------------------------------------------------
def test_cli_endpoint_config_create_defaults(aws: MotoServer, run_cli: Any) -> None:
    make_model(aws)
    result = run_cli("endpoint-config-create", "fraud-cfg", "fraud-v1")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").describe_endpoint_config(EndpointConfigName="fraud-cfg")
    (variant,) = raw["ProductionVariants"]
    assert variant["InstanceType"] == "ml.m5.large"
    assert variant["InitialInstanceCount"] == 1
    assert variant["ModelName"] == "fraud-v1"


def test_cli_endpoint_config_create_ab(aws: MotoServer, run_cli: Any) -> None:
    make_model(aws, "fraud-v1")
    make_model(aws, "fraud-v2")
    result = run_cli(
        "endpoint-config-create",
        "fraud-ab",
        "fraud-v1",
        "ml.c5.xlarge",
        "2",
        "--variant-name",
        "blue",
        "--add-variant",
        "green=fraud-v2:0.5",
    )
    assert result.exit_code == 0, result.stderr
    described = run_cli("endpoint-config-describe", "fraud-ab", "--json")
    assert described.exit_code == 0
    raw = aws.client("sagemaker").describe_endpoint_config(EndpointConfigName="fraud-ab")
    assert [
        (v["name"], v["model"], v["instance_type"], v["initial_count"], v["initial_weight"])
        for v in described.json()["variants"]
    ] == [
        (
            v["VariantName"],
            v["ModelName"],
            v["InstanceType"],
            v["InitialInstanceCount"],
            v["InitialVariantWeight"],
        )
        for v in raw["ProductionVariants"]
    ]
    people = run_cli("endpoint-config-describe", "fraud-ab")
    flat = " ".join(people.stdout.split())  # the table wraps at the terminal width
    assert "Variant green fraud-v2 on 2 x ml.c5.xlarge, weight 0.5" in flat


@pytest.mark.parametrize(
    "args",
    [
        ("fraud-cfg", "fraud-v1", "m5.large"),
        ("fraud-cfg", "fraud-v1", "ml.m5.large", "0"),
        ("fraud-cfg", "fraud-v1", "ml.m5.large", "two"),
        ("fraud-cfg", "fraud-v1", "--add-variant", "green"),
    ],
)
def test_cli_endpoint_config_create_bad_input(
    aws: MotoServer, run_cli: Any, args: tuple[str, ...]
) -> None:
    make_model(aws)
    result = run_cli("endpoint-config-create", *args)
    assert_one_line_error(result, exit_code=2)
    assert aws.client("sagemaker").list_endpoint_configs()["EndpointConfigs"] == []


def test_cli_endpoint_config_create_missing_model(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("endpoint-config-create", "fraud-cfg", "nope")
    assert_one_line_error(result, exit_code=5)
    (record,) = audit_records()
    assert record["outcome"] == "error"


def test_cli_endpoint_config_list_json_matches_boto3(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    result = run_cli("endpoint-config-list", "--json")
    assert result.exit_code == 0
    raw = aws.client("sagemaker").list_endpoint_configs()["EndpointConfigs"]
    assert [(c["name"], c["arn"]) for c in result.json()] == [
        (c["EndpointConfigName"], c["EndpointConfigArn"]) for c in raw
    ]
    table = run_cli("endpoint-config-list")
    assert "fraud-ab" in table.stdout


def test_cli_endpoint_config_list_bad_limit(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("endpoint-config-list", "--limit", "-3")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr


def test_cli_endpoint_config_describe_missing(aws: MotoServer, run_cli: Any) -> None:
    assert_one_line_error(run_cli("endpoint-config-describe", "nope"), exit_code=5)


def test_cli_endpoint_config_delete(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    result = run_cli("endpoint-config-delete", "fraud-ab", "-y")
    assert result.exit_code == 0, result.stderr
    assert aws.client("sagemaker").list_endpoint_configs()["EndpointConfigs"] == []


def test_cli_endpoint_config_delete_missing(aws: MotoServer, run_cli: Any) -> None:
    assert_one_line_error(run_cli("endpoint-config-delete", "nope", "--yes"), exit_code=5)


# --- CLI: endpoints -------------------------------------------------------------------
def test_cli_endpoint_create(aws: MotoServer, run_cli: Any) -> None:
    make_model(aws)
    run_cli("endpoint-config-create", "fraud-cfg", "fraud-v1")
    result = run_cli("endpoint-create", "fraud", "fraud-cfg", "--json")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").describe_endpoint(EndpointName="fraud")
    assert result.json() == {"name": "fraud", "arn": raw["EndpointArn"]}


def test_cli_endpoint_create_missing_config(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("endpoint-create", "fraud", "nope")
    assert_one_line_error(result, exit_code=5)
    assert aws.client("sagemaker").list_endpoints()["Endpoints"] == []


def test_cli_endpoint_create_bad_name(aws: MotoServer, run_cli: Any) -> None:
    assert_one_line_error(run_cli("endpoint-create", "fraud_1", "cfg"), exit_code=2)


def test_cli_endpoint_list_json_matches_boto3(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws, "fraud")
    make_ab_endpoint(aws, "churn")
    result = run_cli("endpoint-list", "--json", "--status", "inservice")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").list_endpoints()["Endpoints"]
    assert sorted((e["name"], e["status"], e["arn"]) for e in result.json()) == sorted(
        (e["EndpointName"], e["EndpointStatus"], e["EndpointArn"]) for e in raw
    )
    table = run_cli("endpoint-list")
    assert "fraud" in table.stdout
    assert "InService" in table.stdout


def test_cli_endpoint_list_bad_status(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("endpoint-list", "--status", "Running")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr


def test_cli_endpoint_describe_json_matches_boto3(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    result = run_cli("endpoint-describe", "fraud", "--json")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").describe_endpoint(EndpointName="fraud")
    data = result.json()
    assert (data["name"], data["status"], data["config_name"]) == (
        raw["EndpointName"],
        raw["EndpointStatus"],
        raw["EndpointConfigName"],
    )
    assert [
        (v["name"], v["current_weight"], v["desired_weight"], v["current_instance_count"])
        for v in data["variants"]
    ] == [
        (v["VariantName"], v["CurrentWeight"], v["DesiredWeight"], v["CurrentInstanceCount"])
        for v in raw["ProductionVariants"]
    ]
    people = run_cli("endpoint-describe", "fraud")
    assert "Variant blue" in people.stdout
    assert "50% of traffic" in people.stdout


def test_cli_endpoint_describe_missing(aws: MotoServer, run_cli: Any) -> None:
    assert_one_line_error(run_cli("endpoint-describe", "nope"), exit_code=5)


def test_cli_endpoint_update(aws: MotoServer, run_cli: Any, moto_update_endpoint: None) -> None:
    make_ab_endpoint(aws)
    aws.client("sagemaker").create_endpoint_config(
        EndpointConfigName="fraud-v2-only",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "fraud-v2",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            }
        ],
    )
    result = run_cli("endpoint-update", "fraud", "fraud-v2-only", "--yes")
    assert result.exit_code == 0, result.stderr
    raw = aws.client("sagemaker").describe_endpoint(EndpointName="fraud")
    assert raw["EndpointConfigName"] == "fraud-v2-only"
    (record,) = audit_records()
    assert record["params"] == {"EndpointConfigName": "fraud-v2-only"}


def test_cli_endpoint_update_asks_first(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    result = run_cli("endpoint-update", "fraud", "other-cfg")
    assert_one_line_error(result, exit_code=4)
    assert "--yes" in result.stderr
    (record,) = audit_records()  # not confirmed: refused, and audited as such
    assert (record["action"], record["outcome"]) == ("endpoint-update", "refused")


def test_cli_endpoint_update_bad_config_name(aws: MotoServer, run_cli: Any) -> None:
    assert_one_line_error(run_cli("endpoint-update", "fraud", "bad cfg", "--yes"), exit_code=2)


def test_cli_endpoint_delete(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    result = run_cli("endpoint-delete", "fraud", "--yes")
    assert result.exit_code == 0, result.stderr
    assert aws.client("sagemaker").list_endpoints()["Endpoints"] == []
    assert [r["action"] for r in audit_records()] == ["endpoint-delete"]


def test_cli_endpoint_delete_missing(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("endpoint-delete", "nope", "--yes")
    assert_one_line_error(result, exit_code=5)
    (record,) = audit_records()
    assert record["outcome"] == "error"


def test_cli_endpoint_invoke_prints_body(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    queue_invoke_result(aws, '{"score": 0.93}', "blue", "application/json")
    result = run_cli("endpoint-invoke", "fraud", '{"features": [1, 2]}')
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == '{"score": 0.93}'
    assert "variant blue" in result.stderr
    (record,) = audit_records()
    assert record["params"]["PayloadBytes"] == len('{"features": [1, 2]}')


def test_cli_endpoint_invoke_json_from_file(aws: MotoServer, run_cli: Any, tmp_path: Path) -> None:
    make_ab_endpoint(aws)
    queue_invoke_result(aws, "[0.1, 0.9]", "green", "application/json")
    payload = tmp_path / "request.json"
    payload.write_text('{"instances": [[1, 2, 3]]}')
    result = run_cli(
        "endpoint-invoke", "fraud", f"@{payload}", "--target-variant", "green", "--json"
    )
    assert result.exit_code == 0, result.stderr
    data = result.json()
    assert data["body"] == "[0.1, 0.9]"
    assert data["variant"] == "green"
    assert data["content_type"] == "application/json"
    assert data["latency_ms"] > 0
    assert audit_records()[0]["params"]["TargetVariant"] == "green"


def test_cli_endpoint_invoke_from_stdin(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    queue_invoke_result(aws, "ok", "blue", "text/plain")
    result = run_cli("endpoint-invoke", "fraud", "-", input='{"from": "stdin"}')
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "ok"
    assert audit_records()[0]["params"]["PayloadBytes"] == len('{"from": "stdin"}')


def test_cli_endpoint_invoke_csv_is_not_checked_as_json(aws: MotoServer, run_cli: Any) -> None:
    result = run_cli("endpoint-invoke", "fraud", "1,2,3", "--content-type", "text/csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "body"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fraud", '{"features": [1, 2'), "not valid JSON"),
        (("fraud", "@/nonexistent/request.json"), "does not exist"),
        (("fraud", "{}", "--content-type", "json"), "not a MIME type"),
        (("bad_name", "{}"), "endpoint name"),
    ],
)
def test_cli_endpoint_invoke_bad_input(
    aws: MotoServer, run_cli: Any, args: tuple[str, ...], message: str
) -> None:
    result = run_cli("endpoint-invoke", *args)
    assert_one_line_error(result, exit_code=2)
    assert message in result.stderr
    assert audit_records() == []


def test_cli_endpoint_weights_prints_new_split(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    result = run_cli("endpoint-weights", "fraud", "blue=90", "green=10", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "blue" in result.stdout and "90.0%" in result.stdout
    assert "green" in result.stdout and "10.0%" in result.stdout
    raw = aws.client("sagemaker").describe_endpoint(EndpointName="fraud")["ProductionVariants"]
    assert [v["DesiredWeight"] for v in raw] == [90.0, 10.0]

    as_json = run_cli("endpoint-weights", "fraud", "green=30", "--count", "green=2", "-y", "--json")
    assert as_json.exit_code == 0, as_json.stderr
    variants = {v["name"]: v for v in as_json.json()["variants"]}
    assert variants["blue"]["desired_weight"] == 90.0  # untouched
    assert (variants["green"]["desired_weight"], variants["green"]["desired_instance_count"]) == (
        30.0,
        2,
    )


@pytest.mark.parametrize("bad", [True, False], ids=["5xx-burst", "healthy"])
def test_cli_endpoint_weights_guard_ends_non_zero_when_it_rolls_back(
    aws: MotoServer, run_cli: Any, monkeypatch: pytest.MonkeyPatch, bad: bool
) -> None:
    """A rolled-back shift is not a success for a script (`... --guard 5xx<1% && next`):
    the split printed is the restored one and the run ends on `error:` with exit 14."""
    from datetime import UTC, datetime, timedelta

    from console.services import traffic_guard

    make_ab_endpoint(aws)
    dims = [{"Name": "EndpointName", "Value": "fraud"}, {"Name": "VariantName", "Value": "green"}]
    aws.client("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[
            {
                "MetricName": metric,
                "Dimensions": dims,
                "Timestamp": datetime.now(UTC) - timedelta(seconds=5),
                "Value": value,
            }
            for metric, value in (("Invocations", 100.0), ("Invocation5XXErrors", 12.0 * bad))
        ],
    )

    class QuickGuard(traffic_guard.TrafficGuard):
        """Looks at once, its clock 40 s further at each look (no real waiting)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            started, looks = datetime.now(UTC), iter(range(1000))
            super().__init__(
                *args,
                sleep=lambda _s: None,
                now=lambda: started + timedelta(seconds=40 * next(looks)),
                interval=0,
            )

    monkeypatch.setattr(traffic_guard, "TrafficGuard", QuickGuard)
    result = run_cli(
        "endpoint-weights", "fraud", "blue=10", "green=90", "--guard", "5xx<1%",
        "--guard-minutes", "1", "--yes",
    )  # fmt: skip
    raw = aws.client("sagemaker").describe_endpoint(EndpointName="fraud")["ProductionVariants"]
    weights = [v["DesiredWeight"] for v in raw]
    if bad:
        assert result.exit_code == 14, result.stderr
        assert "Traceback" not in result.stderr
        *_, error, hint = result.stderr.strip().splitlines()  # after the guard's progress
        assert error.startswith("error: ") and hint.startswith("hint: ")
        assert "guard rolled the shift back: green: 5xx rate 12.00% (12 of 100)" in result.stderr
        assert weights == [1.0, 1.0]
        assert "50.0%" in result.stdout  # the restored split is what is printed
    else:
        assert result.exit_code == 0, result.stderr
        assert "no breach" in result.stderr and weights == [10.0, 90.0]


def test_cli_endpoint_weights_asks_first(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    result = run_cli("endpoint-weights", "fraud", "blue=90", "green=10")
    assert_one_line_error(result, exit_code=4)
    raw = aws.client("sagemaker").describe_endpoint(EndpointName="fraud")["ProductionVariants"]
    assert [v["DesiredWeight"] for v in raw] == [1.0, 1.0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("blue=-1",), ">= 0"),
        (("blue=lots",), "must be a number"),
        (("blue",), "VARIANT=WEIGHT"),
        (("purple=1",), "has no variant purple"),
        (("blue=0", "green=0"), "weight 0"),
        (("blue=1", "--count", "blue=0"), "instance count"),
        ((), "at least one"),
    ],
)
def test_cli_endpoint_weights_bad_input(
    aws: MotoServer, run_cli: Any, args: tuple[str, ...], message: str
) -> None:
    make_ab_endpoint(aws)
    result = run_cli("endpoint-weights", "fraud", *args, "--yes")
    assert_one_line_error(result, exit_code=2)
    assert message in result.stderr
    assert audit_records() == []


def test_cli_read_only_refuses_endpoint_weights(aws: MotoServer, run_cli: Any) -> None:
    make_ab_endpoint(aws)
    result = run_cli("--read-only", "endpoint-weights", "fraud", "blue=2", "--yes")
    assert_one_line_error(result, exit_code=3)
    raw = aws.client("sagemaker").describe_endpoint(EndpointName="fraud")["ProductionVariants"]
    assert [v["DesiredWeight"] for v in raw] == [1.0, 1.0]


def test_cli_help_lists_sections(run_cli: Any) -> None:
    result = run_cli("--help")
    assert result.exit_code == 0
    for heading in ("Models:", "Endpoint configs:", "Endpoints:"):
        assert heading in result.stdout
    assert "endpoint-weights" in result.stdout
