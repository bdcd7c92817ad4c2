"""Which profiles and regions the operator can switch to (local files only, no API call).

The TUI's context dialog offers these; reading ``~/.aws/config`` and botocore's bundled
endpoint data is cheap and offline, so it happens on demand. botocore is imported on
demand too: the TUI imports this module at start-up, before it needs botocore.
"""

from __future__ import annotations

import re

from console.errors import ValidationError

REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d{1,2}$")


def available_profiles() -> list[str]:
    """Profile names from the shared config and credentials files, sorted, "default" first."""
    import botocore.session
    from botocore.exceptions import BotoCoreError

    try:
        names = set(botocore.session.Session().available_profiles)
    except (BotoCoreError, OSError, ValueError):
        # A broken ~/.aws/config must not break the console: offer what we can.
        names = set()
    names.add("default")
    return sorted(names, key=lambda name: (name != "default", name))


def sagemaker_regions() -> list[str]:
    """Regions where SageMaker exists (botocore's bundled endpoint data)."""
    import botocore.session

    session = botocore.session.Session()
    regions = set(session.get_available_regions("sagemaker"))
    for partition in ("aws-us-gov", "aws-cn"):
        regions |= set(session.get_available_regions("sagemaker", partition_name=partition))
    return sorted(regions)


def region_name(value: str) -> str:
    """A region code such as ``eu-west-1`` (not a display name such as "Ireland")."""
    value = value.strip()
    if not REGION_PATTERN.match(value):
        raise ValidationError(
            f"not a region code: {value!r}", "use a code such as us-east-1 or eu-west-1"
        )
    return value
