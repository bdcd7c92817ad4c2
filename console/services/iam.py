"""IAM roles for SageMaker: list them, create an execution role, delete one cleanly.

Creating is idempotent like the seed script: an existing role with the name is reused
(after checking SageMaker may assume it) and only what is missing is added, so a run cut
short half-way can simply be repeated. Deleting detaches and removes every policy first,
since IAM refuses to delete a role that still has any.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from console import validate
from console.errors import (
    ConflictError,
    NotFoundError,
    ResponseLostError,
    SmError,
    ValidationError,
)
from console.records import Record, as_datetime
from console.services.base import Service

DEFAULT_ROLE_NAME = "smconsole-sagemaker-execution-role"
SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"
MANAGED_POLICY_NAME = "AmazonSageMakerFullAccess"
S3_POLICY_NAME = "smconsole-s3-access"
ROLE_DESCRIPTION = "SageMaker execution role created by smconsole"

TRUST_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": SAGEMAKER_PRINCIPAL},
            "Action": "sts:AssumeRole",
        }
    ],
}


def partition_for(region: str) -> str:
    """The ARN partition of a region (policy ARNs differ in China and GovCloud)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def managed_policy_arn(region: str = "") -> str:
    return f"arn:{partition_for(region)}:iam::aws:policy/{MANAGED_POLICY_NAME}"


def bucket_name(value: str) -> str:
    """A bucket given as ``name`` or ``s3://name[/prefix]``; returns the name."""
    text = value if isinstance(value, str) else ""
    uri = text if text.startswith("s3://") else f"s3://{text}"
    match = validate.S3_URI_RE.match(uri)
    if not text or not match or ".." in match.group("bucket"):
        raise ValidationError(f"bucket {value!r} is not a valid S3 bucket name", "e.g. my-bucket")
    return match.group("bucket")


def s3_policy(buckets: list[str], partition: str = "aws") -> dict[str, Any]:
    """Read/write access to exactly these buckets, nothing else."""
    bucket_arns = [f"arn:{partition}:s3:::{b}" for b in buckets]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:ListBucket", "s3:GetBucketLocation"],
                "Resource": bucket_arns,
            },
            {
                "Effect": "Allow",
                "Action": [
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:AbortMultipartUpload",
                ],
                "Resource": [f"{arn}/*" for arn in bucket_arns],
            },
        ],
    }


def _document(value: Any) -> dict[str, Any]:
    """A policy document: boto3 decodes it, but raw responses carry URL-encoded JSON."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            parsed = json.loads(urllib.parse.unquote(value))
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def trusts_sagemaker(trust_policy: Any) -> bool:
    """True when the trust policy lets SageMaker assume the role."""
    for statement in _as_list(_document(trust_policy).get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = {str(a) for a in _as_list(statement.get("Action"))}
        if not actions & {"sts:AssumeRole", "sts:*", "*"}:
            continue
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if SAGEMAKER_PRINCIPAL in services:
            return True
    return False


@dataclass(frozen=True)
class Role(Record):
    name: str
    arn: str
    path: str
    created: datetime | None
    description: str
    sagemaker_trusted: bool
    max_session_seconds: int | None = None
    last_used: datetime | None = None
    managed_policies: tuple[str, ...] = ()
    inline_policies: tuple[str, ...] = ()

    @classmethod
    def from_api(
        cls,
        d: dict[str, Any],
        managed: tuple[str, ...] = (),
        inline: tuple[str, ...] = (),
    ) -> Role:
        return cls(
            name=d["RoleName"],
            arn=d.get("Arn", ""),
            path=d.get("Path", "/") or "/",
            created=as_datetime(d.get("CreateDate")),
            description=d.get("Description", "") or "",
            sagemaker_trusted=trusts_sagemaker(d.get("AssumeRolePolicyDocument")),
            max_session_seconds=d.get("MaxSessionDuration"),
            last_used=as_datetime((d.get("RoleLastUsed") or {}).get("LastUsedDate")),
            managed_policies=managed,
            inline_policies=inline,
        )


@dataclass(frozen=True)
class RoleCreated(Record):
    """What ``create_execution_role`` did: ``created`` is False when the role existed."""

    name: str
    arn: str
    created: bool
    changes: tuple[str, ...]


class IamService(Service):
    """IAM roles as SageMaker operators need them."""

    SERVICE = "iam"

    def list_roles(self, *, sagemaker_only: bool = False) -> Iterator[Role]:
        for item in self.paginate("list_roles", "Roles"):
            role = Role.from_api(item)
            if not sagemaker_only or role.sagemaker_trusted:
                yield role

    def _get_role(self, name: str) -> dict[str, Any] | None:
        try:
            data = self.call(self.client.get_role, RoleName=name)
        except NotFoundError:
            return None
        role = data.get("Role")
        return role if isinstance(role, dict) else None

    def _attached(self, name: str) -> tuple[str, ...]:
        return tuple(
            str(p.get("PolicyArn", ""))
            for p in self.paginate("list_attached_role_policies", "AttachedPolicies", RoleName=name)
        )

    def _inline(self, name: str) -> tuple[str, ...]:
        return tuple(
            str(p) for p in self.paginate("list_role_policies", "PolicyNames", RoleName=name)
        )

    def find_role(self, name: str) -> Role | None:
        """The role called ``name``, or None when there is none (one GetRole call)."""
        validate.role_name(name)
        data = self._get_role(name)
        return None if data is None else Role.from_api(data)

    def describe_role(self, name: str) -> Role:
        validate.role_name(name)
        data = self._get_role(name)
        if data is None:
            raise NotFoundError(f"role {name} not found")
        return Role.from_api(data, self._attached(name), self._inline(name))

    def create_execution_role(
        self, name: str = DEFAULT_ROLE_NAME, *, buckets: list[str] | tuple[str, ...] = ()
    ) -> RoleCreated:
        """Create (or complete) a SageMaker execution role.

        Trust policy for ``sagemaker.amazonaws.com``, the ``AmazonSageMakerFullAccess``
        managed policy, and an inline policy scoped to ``buckets`` when any are given.
        """
        validate.role_name(name)
        names = sorted({bucket_name(b) for b in buckets})
        partition = partition_for(self.sessions.region)
        policy_arn = managed_policy_arn(self.sessions.region)
        existing = self._get_role(name)
        if existing is not None and not trusts_sagemaker(existing.get("AssumeRolePolicyDocument")):
            raise ConflictError(
                f"role {name} already exists and SageMaker cannot assume it",
                "choose another name, or add sagemaker.amazonaws.com to its trust policy",
            )
        attached = self._attached(name) if existing is not None else ()
        inline = self._inline(name) if existing is not None else ()
        steps: list[str] = []
        if existing is None:
            steps.append("create role")
        if policy_arn not in attached:
            steps.append(f"attach {MANAGED_POLICY_NAME}")
        if names:
            steps.append(f"{'replace' if S3_POLICY_NAME in inline else 'put'} {S3_POLICY_NAME}")
        if not steps:
            return RoleCreated(name, str(existing["Arn"]) if existing else "", False, ())

        client = self.client
        done: list[str] = []  # steps that went through, to undo on a later failure
        doing = ["create role"]  # the step under way

        def run() -> str:
            arn = str(existing["Arn"]) if existing else ""
            try:
                if existing is None:
                    created = client.create_role(
                        RoleName=name,
                        AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                        Description=ROLE_DESCRIPTION,
                    )
                    arn = str(created["Role"]["Arn"])
                    done.append("create role")
                if policy_arn not in attached:
                    doing[0] = "attach"
                    client.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
                    done.append("attach")
                if names:
                    doing[0] = "put"
                    client.put_role_policy(
                        RoleName=name,
                        PolicyName=S3_POLICY_NAME,
                        PolicyDocument=json.dumps(s3_policy(names, partition)),
                    )
            except ResponseLostError:
                raise  # the gate reads the state back; nothing is undone blindly
            except Exception as exc:
                raise self._undo(name, policy_arn, doing[0], done, exc) from exc
            return arn

        audited = {"steps": steps, "buckets": names, "managed_policy": policy_arn}
        arn = self.mutate("role-create", name, audited, run)
        return RoleCreated(name, arn, existing is None, tuple(steps))

    def _undo(
        self, name: str, policy_arn: str, step: str, done: list[str], exc: Exception
    ) -> SmError:
        """A step of role-create failed: take back what this run made (a role it created,
        the policy it attached) so no half-made role is left, and say what happened."""
        error: SmError = self.sessions.translate(exc)
        failed = {
            "create role": "creating the role",
            "attach": f"attaching {MANAGED_POLICY_NAME}",
            "put": f"putting {S3_POLICY_NAME}",
        }[step]
        client = self.client
        undone = "nothing was made"
        try:
            if "attach" in done:
                client.detach_role_policy(RoleName=name, PolicyArn=policy_arn)
                undone = f"{MANAGED_POLICY_NAME} was detached again"
            if "create role" in done:
                client.delete_role(RoleName=name)
                undone = "the role was deleted again: nothing is left behind"
        except Exception as undo_exc:
            left: SmError = self.sessions.translate(undo_exc)
            return type(error)(
                f"role-create {name}: {failed} failed ({error.message}); "
                f"undoing failed too ({left.message})",
                f"remove what is left with `smconsole role-delete {name} --yes`, then retry",
            )
        hint = error.hint or "fix the cause, then run role-create again"
        if step == "attach" and isinstance(error, NotFoundError):
            hint = (
                f"the AWS managed policy {MANAGED_POLICY_NAME} is not in this account's "
                "partition/endpoint (local stacks need it loaded); run role-create again "
                "once it is"
            )
        return type(error)(f"role-create {name}: {failed} failed ({error.message}); {undone}", hint)

    def delete_role(self, name: str) -> tuple[str, ...]:
        """Detach managed policies, delete inline ones, leave instance profiles, delete.

        Returns the steps taken. All of it is one audited ``role-delete`` action.
        """
        role = self.describe_role(name)
        profiles = tuple(
            str(p.get("InstanceProfileName", ""))
            for p in self.paginate(
                "list_instance_profiles_for_role", "InstanceProfiles", RoleName=name
            )
        )
        steps = (
            *(f"detach {arn}" for arn in role.managed_policies),
            *(f"delete inline {policy}" for policy in role.inline_policies),
            *(f"remove from instance profile {p}" for p in profiles),
            "delete role",
        )
        client = self.client

        def run() -> None:
            for arn in role.managed_policies:
                client.detach_role_policy(RoleName=name, PolicyArn=arn)
            for policy in role.inline_policies:
                client.delete_role_policy(RoleName=name, PolicyName=policy)
            for profile in profiles:
                client.remove_role_from_instance_profile(InstanceProfileName=profile, RoleName=name)
            client.delete_role(RoleName=name)

        self.mutate("role-delete", name, {"steps": list(steps)}, run)
        return steps
