"""The values a service accepts, from botocore's own service model (its enums).

A syntactically fine ``ml.m5.huge`` would otherwise travel to AWS and come back as a
ValidationException listing 200 values. Checked here before anything is sent, with the
nearest valid values (difflib) as the hint. The model is parsed once per process by the
shared loader the clients use (console/aws/session.py), so this costs nothing extra
after the first client.
"""

from __future__ import annotations

import difflib
import functools

from console.errors import ValidationError

NEAREST = 3


@functools.cache
def allowed(shape: str, service: str = "sagemaker") -> frozenset[str]:
    """The enum of ``shape`` in ``service``'s model; empty when the shape has none."""
    from botocore.model import ServiceModel

    from console.aws.session import _shared_loader

    model = ServiceModel(_shared_loader().load_service_model(service, "service-2"))
    return frozenset(getattr(model.shape_for(shape), "enum", None) or ())


def nearest(value: str, choices: frozenset[str]) -> list[str]:
    """Up to three valid values closest to ``value`` (closest first)."""
    ordered = sorted(choices)
    close = difflib.get_close_matches(value, ordered, n=NEAREST, cutoff=0.5)
    if close:
        return close
    return difflib.get_close_matches(value, ordered, n=NEAREST, cutoff=0.0)


def check(value: str, shape: str, field: str, *, service: str = "sagemaker") -> str:
    """``value`` when the service model lists it for ``shape``; else a one-line refusal
    naming the nearest valid values. A shape without an enum accepts anything."""
    choices = allowed(shape, service)
    if not choices or value in choices:
        return value
    near = nearest(value, choices)
    raise ValidationError(
        f"{field} {value!r} is not one {service} accepts ({len(choices)} values in {shape})",
        f"nearest valid: {', '.join(near)}" if near else "see the AWS documentation",
    )


def instance_type(value: str, shape: str, field: str) -> str:
    """A SageMaker instance type, by syntax and then by the model's ``shape`` enum
    (TrainingInstanceType, ProcessingInstanceType, InstanceType for notebooks,
    ProductionVariantInstanceType for endpoints)."""
    from console import validate

    validate.instance_type(value, field)
    return check(value, shape, field)
