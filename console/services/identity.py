"""Who the console is acting as (STS GetCallerIdentity)."""

from __future__ import annotations

from dataclasses import dataclass

from console.records import Record
from console.services.base import Service


@dataclass(frozen=True)
class CallerIdentity(Record):
    account: str
    arn: str
    user_id: str


class IdentityService(Service):
    SERVICE = "sts"

    def caller(self) -> CallerIdentity:
        data = self.call(self.client.get_caller_identity)
        return CallerIdentity(
            account=str(data.get("Account", "")),
            arn=str(data.get("Arn", "")),
            user_id=str(data.get("UserId", "")),
        )
