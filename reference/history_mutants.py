"""Sequence-only mutants: faults that no single request on a fresh server shows.

Each answers every single request on a fresh server exactly as the reference
does (tests/reference/test_history_mutants.py sends the same scripted
requests to fresh servers and compares), and misbehaves only after a history:
a name index never pruned, a cache that answers with the state before the
last write, a stored instant re-localised on every unrelated write, a fault
that starts after a number of writes, a read-modify-write that loses a
concurrent update, a value refused once the campaign has left it, a field
reset by an unrelated update after an unschedule, and more of the faults
real implementations have. They are killed by the histories check or by the
concurrency checks, never needed by a single-request check.
"""

from __future__ import annotations

import asyncio
import copy
import json
from contextvars import ContextVar
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from ._rules import ApiError, Rules
from ._world import Account, Campaign, PhoneNumber, Schedule
from .mutants import mutant

__all__ = ["HISTORY_MUTANTS"]

HISTORIES = ("histories_follow_the_model",)
# How long a faulty handler leaves the event loop between reading and writing:
# long enough for a concurrent request to get in.
RACE_WINDOW = 0.05
_READ: ContextVar[Campaign | None] = ContextVar("campaign_as_read", default=None)


class _Remembering(Rules):
    """A reference that keeps some memory between requests (the fault lives there)."""

    def memory(self, name: str, factory: Any = dict) -> Any:
        store = self.__dict__.setdefault("_memory", {})
        if name not in store:
            store[name] = factory()
        return store[name]

    def first_seen(self, campaign: Campaign) -> Campaign:
        """The campaign as this server first served it (a stale copy some faults keep)."""
        seen = self.memory("first_seen")
        if campaign.campaign_id not in seen:
            seen[campaign.campaign_id] = copy.copy(campaign)
        return seen[campaign.campaign_id]  # type: ignore[no-any-return]

    def lookup_campaign(self, account: Account, campaign_id: str) -> Campaign:
        campaign = super().lookup_campaign(account, campaign_id)
        self.first_seen(campaign)
        return campaign


@mutant(
    "earlier_name_refused",
    "a name index never pruned: every name the campaign once had stays reserved (409)",
    HISTORIES,
)
class EarlierNameRefused(_Remembering):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        if "name" in changes and changes["name"] != campaign.name:
            self.memory("retired", set).add(campaign.name)
        super().apply(campaign, changes)

    def name_conflicts(self, account: Account, campaign: Campaign, name: str) -> bool:
        retired = name in self.memory("retired", set) and name != campaign.name
        return retired or super().name_conflicts(account, campaign, name)


@mutant(
    "repeated_body_cached",
    "answers are cached by request body and invalidated only by a rename: a repeated "
    "body gets the answer of its first time and changes nothing",
    HISTORIES,
)
class RepeatedBodyCached(_Remembering):
    async def handle(self, request: Request) -> Response:
        raw = await self.read_body(request)
        key = (request.path_params["campaignId"], self.api_key(request), raw)
        cache = self.memory("cache")
        if key in cache:
            return self.success_response(cache[key])
        response = await super().handle(request)
        if response.status_code == 200:
            cache[key] = json.loads(bytes(response.body))
        return response

    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        if "name" in changes and changes["name"] != campaign.name:
            self.memory("cache").clear()
        super().apply(campaign, changes)


@mutant(
    "schedule_relocalised_on_write",
    "every write that leaves the schedule alone re-reads the stored UTC wall time in the "
    "campaign's zone, moving the launch by the zone's offset",
    HISTORIES,
)
class ScheduleRelocalisedOnWrite(Rules):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        super().apply(campaign, changes)
        if changes and "schedule" not in changes and campaign.schedule is not None:
            wall = campaign.schedule.at.replace(tzinfo=None)
            zone = ZoneInfo(campaign.schedule.timezone)
            campaign.schedule = Schedule(wall.replace(tzinfo=zone).astimezone(UTC),
                                         campaign.schedule.timezone)


@mutant(
    "calls_frozen_after_six_writes",
    "a write counter overflows: from the seventh successful write on, concurrentCalls "
    "changes are answered 200 but not saved",
    HISTORIES,
)
class CallsFrozenAfterSixWrites(_Remembering):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        writes = self.memory("writes", lambda: [0])
        if changes:
            writes[0] += 1
        if writes[0] > 6:
            changes = {k: v for k, v in changes.items() if k != "concurrent_calls"}
        super().apply(campaign, changes)


@mutant(
    "calls_reset_after_unschedule",
    "after a scheduled campaign is unscheduled, the next update that omits concurrentCalls "
    "resets it to 1",
    HISTORIES,
)
class CallsResetAfterUnschedule(_Remembering):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        pending = self.memory("pending", set)
        was_scheduled = campaign.schedule is not None
        if changes and campaign.campaign_id in pending and "concurrent_calls" not in changes:
            pending.discard(campaign.campaign_id)
            changes = {**changes, "concurrent_calls": 1}
        super().apply(campaign, changes)
        if changes.get("schedule") is False and was_scheduled:
            pending.add(campaign.campaign_id)


@mutant(
    "lost_update_read_modify_write",
    "a read-modify-write without a lock: the campaign is copied, changed and written back "
    "whole, so a concurrent update of another field is lost",
    ("concurrent_updates_all_applied",),
)
class LostUpdateReadModifyWrite(Rules):
    async def handle(self, request: Request) -> Response:
        found = self.world.find_campaign(request.path_params["campaignId"])
        _READ.set(copy.copy(found[1]) if found else None)
        if found and request.headers.get("content-length", "0") not in ("0", "2"):
            await asyncio.sleep(RACE_WINDOW)  # anything but an empty update waits
        return await super().handle(request)

    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        working = _READ.get()
        if working is None or working.campaign_id != campaign.campaign_id:
            return super().apply(campaign, changes)
        super().apply(working, changes)  # the copy read before the wait, written back whole
        campaign.__dict__.update(working.__dict__)


@mutant(
    "concurrent_same_name_conflict",
    "a rename reserves the name while it is being saved; the same rename arriving meanwhile "
    "is answered 409",
    ("concurrent_identical_updates_agree",),
)
class ConcurrentSameNameConflict(_Remembering):
    async def handle(self, request: Request) -> Response:
        account = self.authenticate(request)
        self.lookup_campaign(account, request.path_params["campaignId"])
        self.check_content_type(request.headers.get("content-type"))
        try:
            body = json.loads(await self.read_body(request))
        except (ValueError, RecursionError):
            body = None
        name = body.get("campaignName") if isinstance(body, dict) else None
        if not isinstance(name, str):
            return await super().handle(request)
        reserved = self.memory("reserved", set)
        if name in reserved:
            raise ApiError(409, "A campaign with this name already exists in the account")
        reserved.add(name)
        try:
            await asyncio.sleep(RACE_WINDOW)
            return await super().handle(request)
        finally:
            reserved.discard(name)


@mutant(
    "released_number_refused",
    "a number the campaign stops using is released: switching back to it is refused (400)",
    HISTORIES,
)
class ReleasedNumberRefused(_Remembering):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        new = changes.get("phone")
        if new is not None and new is not campaign.phone_number:
            self.memory("released", set).add(campaign.phone_number.sip_phone_number)
            self.memory("released", set).discard(new.sip_phone_number)
        super().apply(campaign, changes)

    def find_phone_number(self, account: Account, number: str) -> PhoneNumber | None:
        if number in self.memory("released", set):
            return None
        return super().find_phone_number(account, number)


@mutant(
    "reschedule_status_stuck",
    "once a scheduled campaign has been unscheduled, a new schedule is saved but its "
    "campaignStatus stays 'live'",
    HISTORIES,
)
class RescheduleStatusStuck(_Remembering):
    def apply_schedule(self, campaign: Campaign, schedule: Schedule | bool) -> None:
        stuck = self.memory("stuck", set)
        if schedule is False and campaign.schedule is not None:
            stuck.add(campaign.campaign_id)
        status = campaign.status
        super().apply_schedule(campaign, schedule)
        if isinstance(schedule, Schedule) and campaign.campaign_id in stuck:
            campaign.status = status if status != self.STATUS_WHEN_SCHEDULED else (
                self.STATUS_WHEN_UNSCHEDULED)


@mutant(
    "rename_loses_schedule",
    "a rename rewrites the record without its schedule: a scheduled campaign renamed is "
    "no longer scheduled",
    HISTORIES,
)
class RenameLosesSchedule(Rules):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        renamed = "name" in changes and changes["name"] != campaign.name
        super().apply(campaign, changes)
        if renamed and "schedule" not in changes and campaign.schedule is not None:
            self.apply_schedule(campaign, False)


@mutant(
    "agent_change_resets_calls",
    "changing the agent reloads the campaign's defaults: concurrentCalls goes back to its "
    "value at creation",
    HISTORIES,
)
class AgentChangeResetsCalls(_Remembering):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        agent = changes.get("agent")
        if agent is not None and agent is not campaign.agent and "concurrent_calls" not in changes:
            changes = {**changes, "concurrent_calls": self.first_seen(campaign).concurrent_calls}
        super().apply(campaign, changes)


@mutant(
    "number_change_restores_first_agent",
    "changing the number saves a stale copy of the campaign: the agent goes back to the "
    "one it had when first served",
    HISTORIES,
)
class NumberChangeRestoresFirstAgent(_Remembering):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        phone = changes.get("phone")
        if phone is not None and phone is not campaign.phone_number and "agent" not in changes:
            changes = {**changes, "agent": self.first_seen(campaign).agent}
        super().apply(campaign, changes)


@mutant(
    "refused_rename_applied_later",
    "a rename refused with 409 stays queued and is applied with the next successful update",
    HISTORIES,
)
class RefusedRenameAppliedLater(_Remembering):
    def name_conflicts(self, account: Account, campaign: Campaign, name: str) -> bool:
        conflict = super().name_conflicts(account, campaign, name)
        if conflict:
            self.memory("queued")[campaign.campaign_id] = name
        return conflict

    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        queued = self.memory("queued")
        if changes and "name" not in changes and campaign.campaign_id in queued:
            changes = {**changes, "name": queued.pop(campaign.campaign_id)}
        super().apply(campaign, changes)


@mutant(
    "refused_fields_applied_later",
    "the valid fields of a request refused with 400 are kept and applied with the next "
    "successful update",
    HISTORIES,
)
class RefusedFieldsAppliedLater(_Remembering):
    def reject(self, campaign: Campaign, changes: dict[str, Any], errors: dict[str, str]) -> None:
        self.memory("stashed")[campaign.campaign_id] = dict(changes)
        super().reject(campaign, changes, errors)

    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        stashed = self.memory("stashed")
        if changes and stashed.get(campaign.campaign_id):
            changes = {**stashed.pop(campaign.campaign_id), **changes}
        super().apply(campaign, changes)


@mutant(
    "unschedule_undone_by_read",
    "an unschedule is kept only in a write cache: a later empty update reloads the record "
    "and the old schedule is back",
    HISTORIES,
)
class UnscheduleUndoneByRead(_Remembering):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        previous = self.memory("previous")
        if not changes and campaign.campaign_id in previous:
            campaign.schedule, campaign.status = previous.pop(campaign.campaign_id)
            return
        if changes.get("schedule") is False and campaign.schedule is not None:
            previous[campaign.campaign_id] = (campaign.schedule, campaign.status)
        elif isinstance(changes.get("schedule"), Schedule):
            previous.pop(campaign.campaign_id, None)
        super().apply(campaign, changes)


@mutant(
    "same_calls_as_last_write_conflict",
    "a 'no change' guard compares with the last written concurrentCalls: writing that "
    "value again is refused with 409",
    HISTORIES,
)
class SameCallsAsLastWriteConflict(_Remembering):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        written = self.memory("written")
        calls = changes.get("concurrent_calls")
        if calls is not None and written.get(campaign.campaign_id) == calls:
            raise ApiError(409, "Conflict with the current state of the resource")
        if calls is not None:
            written[campaign.campaign_id] = calls
        super().apply(campaign, changes)


@mutant(
    "second_unschedule_refused",
    "a campaign that was scheduled once and unscheduled refuses a second isScheduled false "
    "with 400 ('not scheduled')",
    HISTORIES,
)
class SecondUnscheduleRefused(_Remembering):
    def resolve_schedule(self, cleaned: dict[str, Any], body: dict[str, Any],
                         errors: dict[str, str]) -> Schedule | bool | None:
        result = super().resolve_schedule(cleaned, body, errors)
        current = self.memory("current")
        if result is False and current.get("unscheduled_once") and not current.get("scheduled"):
            errors["isScheduled"] = "the campaign is not scheduled"
            return None
        return result

    def apply_schedule(self, campaign: Campaign, schedule: Schedule | bool) -> None:
        current = self.memory("current")
        if schedule is False and campaign.schedule is not None:
            current["unscheduled_once"] = True
        super().apply_schedule(campaign, schedule)
        current["scheduled"] = campaign.schedule is not None

    def lookup_campaign(self, account: Account, campaign_id: str) -> Campaign:
        campaign = super().lookup_campaign(account, campaign_id)
        self.memory("current")["scheduled"] = campaign.schedule is not None
        return campaign


HISTORY_MUTANTS: tuple[str, ...] = (
    "earlier_name_refused",
    "repeated_body_cached",
    "schedule_relocalised_on_write",
    "calls_frozen_after_six_writes",
    "calls_reset_after_unschedule",
    "lost_update_read_modify_write",
    "concurrent_same_name_conflict",
    "released_number_refused",
    "reschedule_status_stuck",
    "rename_loses_schedule",
    "agent_change_resets_calls",
    "number_change_restores_first_agent",
    "refused_rename_applied_later",
    "refused_fields_applied_later",
    "unschedule_undone_by_read",
    "same_calls_as_last_write_conflict",
    "second_unschedule_refused",
)

