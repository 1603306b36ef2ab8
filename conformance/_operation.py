"""The operation under test, as one value: the only place its method and path are written.

Everything that sends a request (the client), reads or restores the campaign's
state (the engine) or validates a response (the spec) asks this object.
Testing another operation means another `Operation` value, not edits spread
over the client, the context and the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class Operation:
    """One HTTP operation of the contract and how the suite handles its resource."""

    method: str
    path_template: str
    path_parameter: str
    resource_fixture: str  # the target file's fixture naming the resource the suite may change
    restorable: tuple[str, ...]  # request fields the suite can put back as it found them

    def path_for(self, resource_id: str) -> str:
        return self.path_template.replace(
            "{" + self.path_parameter + "}", quote(resource_id, safe="")
        )

    @property
    def pointer(self) -> str:
        """The operation's JSON Pointer in the document."""
        escaped = self.path_template.replace("~", "~0").replace("/", "~1")
        return f"/paths/{escaped}/{self.method.lower()}"

    @property
    def state_read(self) -> dict[str, Any]:
        """The request body that reads the resource without changing it (an empty update)."""
        return {}

    def restore_body(self, state: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
        """The update that puts the resource back to `state` (a 200 body)."""
        return restore_body(state, now=now)


UPDATE_CAMPAIGN = Operation(
    method="PATCH",
    path_template="/v1/campaigns/{campaignId}",
    path_parameter="campaignId",
    resource_fixture="campaign_id",
    restorable=("campaignName", "agentId", "sipPhoneNumber", "concurrentCalls", "schedule"),
)


def restore_body(state: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
    """The update that puts a campaign back to `state` (a 200 body)."""
    body: dict[str, Any] = {}
    if isinstance(state.get("campaignName"), str) and state["campaignName"]:
        body["campaignName"] = state["campaignName"]
    agent = state.get("agent")
    if isinstance(agent, dict) and isinstance(agent.get("agentId"), str) and agent["agentId"]:
        body["agentId"] = agent["agentId"]
    phone = state.get("phoneNumber")
    if isinstance(phone, dict) and isinstance(phone.get("sipPhoneNumber"), str):
        body["sipPhoneNumber"] = phone["sipPhoneNumber"]
    calls = state.get("concurrentCalls")
    if isinstance(calls, int) and not isinstance(calls, bool) and calls > 0:
        body["concurrentCalls"] = calls
    schedule = state.get("scheduledDate")
    if state.get("scheduled") is True and isinstance(schedule, str):
        try:
            instant = datetime.fromisoformat(schedule.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            instant = None
        if instant is not None and instant > (now or datetime.now(UTC)):
            body.update(
                isScheduled=True,
                scheduledDate=instant.strftime("%Y-%m-%d"),
                scheduledTime=instant.strftime("%H:%M:%S"),
                scheduledTimezone="UTC",
            )
    elif state.get("scheduled") is False:
        body["isScheduled"] = False
    return body
