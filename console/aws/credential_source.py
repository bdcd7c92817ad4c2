"""Where the credentials come from, in words an operator recognises.

botocore's resolver records which provider answered (``Credentials.method``): `status`
shows it so an operator can tell an expired SSO session from stale keys in the
environment or an instance role they did not expect.
"""

from __future__ import annotations

from typing import Any

# botocore provider method -> what to call it. ``{profile}`` is the profile in use.
_METHODS = {
    "env": "environment (AWS_ACCESS_KEY_ID)",
    "explicit": "given explicitly",
    "shared-credentials-file": "profile {profile} (shared credentials file)",
    "config-file": "profile {profile} (config file)",
    "sso": "SSO (profile {profile})",
    "login": "console login (profile {profile})",
    "assume-role": "assumed role (profile {profile})",
    "assume-role-with-web-identity": "web identity token (assumed role)",
    "custom-process": "credential_process (profile {profile})",
    "container-role": "container role (ECS/EKS)",
    "iam-role": "instance role (EC2 instance metadata)",
    "boto-config": "boto config file",
}


def describe_method(method: str | None, profile: str = "") -> str:
    """``Credentials.method`` in words; unknown methods are shown as they are."""
    if not method:
        return "none found"
    words = _METHODS.get(method, method)
    return words.format(profile=profile or "default")


def credential_source(session: Any, profile: str = "") -> str:
    """Resolve the session's credentials (no AWS call for keys and profiles) and say where
    they came from; never raises (a broken profile reads as the error)."""
    try:
        credentials = session.get_credentials()
    except Exception as exc:  # a profile that cannot be resolved: say so, do not fail status
        return f"unresolved ({type(exc).__name__})"
    return describe_method(getattr(credentials, "method", None), profile)
