"""Mutants: the reference with exactly one deliberate fault each.

Each mutant is a small subclass of :class:`~reference.Rules` overriding one
method or one limit, registered with :func:`mutant`. ``killed_by`` names the
checks of the conformance suite that should notice the fault (ids of its
catalogue, ``conformance._catalogue.load_catalogue()``; tests/conformance/
test_catalogue.py holds every name to it, and every check to being named).
Serve one with ``create_app(world, rules=MUTANTS[name].rules)``.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import Response

from conformance._contract import Contract

from ._rules import SKIP, ApiError, Invalid, Limit, Rules
from ._world import Account, Agent, Campaign, PhoneNumber, Schedule

__all__ = ["MUTANTS", "Mutant", "mutant"]


@dataclass(frozen=True)
class Mutant:
    """One faulty variant of the reference behaviour."""

    name: str
    description: str
    killed_by: tuple[str, ...]
    rules: type[Rules]


MUTANTS: dict[str, Mutant] = {}


def mutant(
    name: str, description: str, killed_by: tuple[str, ...]
) -> Callable[[type[Rules]], type[Rules]]:
    """Register the decorated Rules subclass as mutant ``name``."""

    def register(cls: type[Rules]) -> type[Rules]:
        if name in MUTANTS:
            raise ValueError(f"duplicate mutant name {name!r}")
        if not re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", name):
            raise ValueError(f"mutant name {name!r} is not snake_case")
        if not killed_by:
            raise ValueError(f"mutant {name!r}: names no check that kills it")
        if not issubclass(cls, Rules) or cls is Rules:
            raise TypeError(f"mutant {name!r} must subclass Rules")
        MUTANTS[name] = Mutant(name, description, tuple(killed_by), cls)
        return cls

    return register


# ===================================================================== auth


@mutant(
    "auth_missing_key_accepted",
    "a request without X-API-Key is served as the primary account",
    ("auth_missing_key_is_401",),
)
class AuthMissingKeyAccepted(Rules):
    def authenticate(self, request: Request) -> Account:
        if self.api_key(request) is None:
            return self.world.primary
        return super().authenticate(request)


@mutant(
    "auth_any_key_accepted",
    "any non-empty X-API-Key is accepted (unknown keys act as the primary account)",
    ("auth_wrong_key_is_401",),
)
class AuthAnyKeyAccepted(Rules):
    def authenticate(self, request: Request) -> Account:
        key = self.api_key(request)
        if key and self.world.account_for_key(key) is None:
            return self.world.primary
        return super().authenticate(request)


@mutant(
    "auth_after_validation",
    "the body is parsed and validated before the API key: bad bodies get 400 without a key",
    ("auth_checked_before_validation",),
)
class AuthAfterValidation(Rules):
    async def handle(self, request: Request) -> Response:
        self.check_content_type(request.headers.get("content-type"))
        body = self.parse_json(await self.read_body(request))
        _, errors = self.validate(body, self.world.primary)
        if errors:
            raise ApiError(400, "Invalid request parameters", errors)
        return await super().handle(request)


@mutant(
    "auth_after_parsing",
    "the body is parsed before the API key, as by a JSON parser mounted for the whole app: "
    "malformed JSON without a key gets 400",
    ("auth_checked_before_parsing",),
)
class AuthAfterParsing(Rules):
    async def handle(self, request: Request) -> Response:
        self.check_content_type(request.headers.get("content-type"))
        self.parse_json(await self.read_body(request))
        return await super().handle(request)


@mutant(
    "campaign_id_case_insensitive",
    "the campaign is looked up ignoring case, as under a case-insensitive database "
    "collation: CAMP_XIQ... updates camp_XiQ...",
    ("unknown_campaign_is_404",),
)
class CampaignIdCaseInsensitive(Rules):
    def lookup_campaign(self, account: Account, campaign_id: str) -> Campaign:
        for owner in self.world.accounts.values():
            for known in owner.campaigns:
                if known.casefold() == campaign_id.casefold():
                    return super().lookup_campaign(account, known)
        return super().lookup_campaign(account, campaign_id)


@mutant(
    "not_found_before_auth",
    "an unknown campaignId answers 404 even without an API key",
    ("auth_checked_before_validation",),
)
class NotFoundBeforeAuth(Rules):
    async def handle(self, request: Request) -> Response:
        if self.world.find_campaign(request.path_params["campaignId"]) is None:
            raise ApiError(404, "The requested campaign was not found")
        return await super().handle(request)


@mutant(
    "header_name_case_sensitive",
    "the key is looked up under the exact name 'X-API-Key'; as HTTP stacks deliver header "
    "names lower-cased, no spelling of the header is ever recognised",
    ("auth_header_name_case_insensitive",),
)
class HeaderNameCaseSensitive(Rules):
    def api_key(self, request: Request) -> str | None:
        for name, value in request.headers.raw:
            if name == b"X-API-Key":
                return value.decode("latin-1")
        return None


@mutant(
    "foreign_campaign_updatable",
    "a campaign of another account is updated (200) instead of refused",
    ("foreign_campaign_refused",),
)
class ForeignCampaignUpdatable(Rules):
    def lookup_campaign(self, account: Account, campaign_id: str) -> Campaign:
        found = self.world.find_campaign(campaign_id)
        if found is None:
            raise ApiError(404, "The requested campaign was not found")
        return found[1]


@mutant(
    "unknown_campaign_is_400",
    "an unknown campaignId answers 400 instead of 404",
    ("unknown_campaign_is_404",),
)
class UnknownCampaignIs400(Rules):
    def lookup_campaign(self, account: Account, campaign_id: str) -> Campaign:
        if self.world.find_campaign(campaign_id) is None:
            raise ApiError(400, "Invalid campaignId", {"campaignId": "no such campaign"})
        return super().lookup_campaign(account, campaign_id)


@mutant(
    "api_key_echoed",
    "error messages repeat the X-API-Key the client sent",
    ("api_key_not_echoed",),
)
class ApiKeyEchoed(Rules):
    def error_response(self, request: Request, err: ApiError) -> Response:
        key = self.api_key(request)
        if key:
            err = ApiError(
                err.status, f"{err.message} (key {key})", err.validation_errors, err.headers
            )
        return super().error_response(request, err)


# ================================================================ references


@mutant(
    "foreign_agent_accepted",
    "agentId may name an agent of another account",
    ("foreign_agent_refused",),
)
class ForeignAgentAccepted(Rules):
    def find_agent(self, account: Account, agent_id: str) -> Agent | None:
        for other in self.world.accounts.values():
            if agent_id in other.agents:
                return other.agents[agent_id]
        return None


@mutant(
    "foreign_number_accepted",
    "sipPhoneNumber may name a number of another account",
    ("foreign_number_refused",),
)
class ForeignNumberAccepted(Rules):
    def find_phone_number(self, account: Account, number: str) -> PhoneNumber | None:
        for other in self.world.accounts.values():
            found = other.phone_numbers.get(number)
            if found is not None and found.active:
                return found
        return None


@mutant(
    "unknown_agent_accepted",
    "an agentId of no agent is accepted (a placeholder agent is attached)",
    ("unknown_agent_rejected",),
)
class UnknownAgentAccepted(Rules):
    def find_agent(self, account: Account, agent_id: str) -> Agent | None:
        return super().find_agent(account, agent_id) or Agent(agent_id, "Unknown Agent", "Live")


@mutant(
    "unprovisioned_number_accepted",
    "a well-formed number the account does not own is accepted as a BYO number",
    ("unprovisioned_number_rejected",),
)
class UnprovisionedNumberAccepted(Rules):
    def find_phone_number(self, account: Account, number: str) -> PhoneNumber | None:
        found = super().find_phone_number(account, number)
        if found is None and number not in account.phone_numbers:
            found = PhoneNumber(number, "byo", "", "", number, True, "", number)
        return found


@mutant(
    "inactive_number_accepted",
    "a number of the account that is not active for outbound calls is accepted",
    ("outbound_disabled_number_rejected",),
)
class InactiveNumberAccepted(Rules):
    def find_phone_number(self, account: Account, number: str) -> PhoneNumber | None:
        return account.phone_numbers.get(number)


# ===================================================================== body


@mutant(
    "nested_json_server_error",
    "JSON nested too deeply for the parser crashes the handler (500)",
    ("no_server_errors",),
)
class NestedJsonServerError(Rules):
    def decode_json(self, text: str) -> Any:
        try:
            return super().decode_json(text)
        except RecursionError as exc:
            raise RuntimeError("parser stack exhausted") from exc


@mutant(
    "null_dynamic_variable_server_error",
    "a null value inside dynamicVariables crashes the handler (500)",
    ("no_server_errors", "dynamic_variables_values_enforced"),
)
class NullDynamicVariableServerError(Rules):
    def dynamic_value_ok(self, value: Any) -> bool:
        if value is None:
            raise TypeError("NoneType in dynamicVariables")
        return super().dynamic_value_ok(value)


@mutant(
    "unsupported_media_type_415",
    "a Content-Type other than JSON answers 415, which the operation does not document",
    ("refusals_use_documented_statuses",),
)
class UnsupportedMediaType415(Rules):
    def check_content_type(self, content_type: str | None) -> None:
        try:
            super().check_content_type(content_type)
        except ApiError:
            raise ApiError(415, "Content-Type must be application/json") from None


@mutant(
    "payload_too_large_413",
    "a body over 1 MiB answers 413, which the operation does not document",
    ("refusals_use_documented_statuses",),
)
class PayloadTooLarge413(Rules):
    def body_error(self, message: str) -> ApiError:
        if "1 MiB" in message:
            return ApiError(413, message)
        return super().body_error(message)


@mutant(
    "non_object_body_accepted",
    "a JSON body that is not an object (array, string, number, null) is taken as {}",
    ("non_object_body_rejected",),
)
class NonObjectBodyAccepted(Rules):
    def parse_json(self, raw: bytes) -> dict[str, Any]:
        try:
            value = json.loads(raw)
        except (ValueError, RecursionError):
            return super().parse_json(raw)
        return value if isinstance(value, dict) else {}


@mutant(
    "empty_body_accepted",
    "an empty body is taken as {} instead of refused",
    ("missing_body_rejected",),
)
class EmptyBodyAccepted(Rules):
    def parse_json(self, raw: bytes) -> dict[str, Any]:
        return super().parse_json(raw) if raw.strip() else {}


@mutant(
    "empty_object_rejected",
    "the empty object {} is refused with 400 instead of changing nothing",
    ("empty_object_changes_nothing",),
)
class EmptyObjectRejected(Rules):
    def validate(
        self, body: dict[str, Any], account: Account
    ) -> tuple[dict[str, Any], dict[str, str]]:
        if not body:
            return {}, {"body": "at least one field is required"}
        return super().validate(body, account)


@mutant(
    "unknown_properties_rejected",
    "unknown top-level properties are refused with 400 instead of ignored",
    ("unknown_properties_ignored",),
)
class UnknownPropertiesRejected(Rules):
    def unknown_property(self, key: str, value: Any, errors: dict[str, str]) -> None:
        errors["body"] = "unknown property"


@mutant(
    "null_means_unset",
    "null for a documented field is accepted and treated as if the field were omitted",
    ("null_values_rejected",),
)
class NullMeansUnset(Rules):
    def null_value(self, name: str) -> Any:
        return SKIP


@mutant(
    "trailing_garbage_accepted",
    "text after the JSON object is ignored ('{} xyz' is accepted), as Jackson does by default",
    ("lenient_json_refused",),
)
class TrailingGarbageAccepted(Rules):
    def decode_json(self, text: str) -> Any:
        return json.JSONDecoder().raw_decode(text.lstrip())[0]


# ===================================================================== name


@mutant("name_min_0", "an empty campaignName is accepted", ("name_empty_rejected",))
class NameMin0(Rules):
    NAME_MIN = Rules.NAME_MIN.shifted(-1)


@mutant(
    "name_max_129",
    "a campaignName of 129 characters is accepted",
    ("name_too_long_rejected",),
)
class NameMax129(Rules):
    NAME_MAX = Rules.NAME_MAX.shifted(1)


@mutant(
    "name_max_127",
    "a campaignName of 128 characters is refused",
    ("name_length_bounds_accepted",),
)
class NameMax127(Rules):
    NAME_MAX = Rules.NAME_MAX.shifted(-1)


@mutant(
    "name_length_utf8_bytes",
    "campaignName length is counted in UTF-8 bytes: 128 non-ASCII characters are refused",
    ("name_length_bounds_accepted",),
)
class NameLengthUtf8Bytes(Rules):
    def name_length(self, value: str) -> int:
        return len(value.encode("utf-8", "surrogatepass"))


@mutant(
    "name_length_utf16_units",
    "campaignName length is counted in UTF-16 code units: astral characters count twice",
    ("name_length_bounds_accepted",),
)
class NameLengthUtf16Units(Rules):
    def name_length(self, value: str) -> int:
        return len(value.encode("utf-16-le", "surrogatepass")) // 2


@mutant(
    "name_trimmed",
    "campaignName is stored with surrounding whitespace stripped",
    ("response_reflects_update",),
)
class NameTrimmed(Rules):
    def clean_campaign_name(self, value: Any) -> str:
        return super().clean_campaign_name(value).strip()


@mutant(
    "name_uniqueness_not_enforced",
    "a campaignName already used by another campaign of the account is accepted",
    ("name_taken_is_409",),
)
class NameUniquenessNotEnforced(Rules):
    def name_conflicts(self, account: Account, campaign: Campaign, name: str) -> bool:
        return False


@mutant(
    "own_name_conflict",
    "re-sending the campaign's own current name answers 409",
    ("own_name_is_not_conflict", "repeated_update_is_stable"),
)
class OwnNameConflict(Rules):
    def name_conflicts(self, account: Account, campaign: Campaign, name: str) -> bool:
        return any(other.name == name for other in account.campaigns.values())


@mutant(
    "name_unique_across_accounts",
    "a campaignName used by a campaign of another account answers 409",
    ("foreign_name_is_not_conflict",),
)
class NameUniqueAcrossAccounts(Rules):
    def name_conflicts(self, account: Account, campaign: Campaign, name: str) -> bool:
        return any(
            other.name == name
            for owner in self.world.accounts.values()
            for other in owner.campaigns.values()
            if other is not campaign
        )


@mutant(
    "name_number_coerced",
    "a number given as campaignName is converted to its decimal string",
    ("field_types_enforced",),
)
class NameNumberCoerced(Rules):
    def clean_campaign_name(self, value: Any) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        return super().clean_campaign_name(value)


# ==================================================================== phone


def _digits_moved(*, fewest: int = 0, most: int = 0) -> Limit:
    """The document's +E.164 pattern with its digit counts moved."""

    def read(contract: Contract) -> str:
        digits = contract.field("sipPhoneNumber").digits
        assert digits is not None, "the phone mutants need a +E.164-shaped pattern"
        low, high = digits[0] - 1 + fewest, digits[1] - 1 + most
        return rf"\+[1-9][0-9]{{{low},{high}}}"

    return Limit(read)


@mutant(
    "phone_6_digits_accepted",
    "the phone pattern allows 6 digits after '+' ({5,14} instead of {6,14})",
    ("phone_pattern_enforced",),
)
class Phone6DigitsAccepted(Rules):
    PHONE_PATTERN = _digits_moved(fewest=-1)


@mutant(
    "phone_15_digits_rejected",
    "the phone pattern stops at 14 digits ({6,13} instead of {6,14})",
    ("provisioned_numbers_accepted",),
)
class Phone15DigitsRejected(Rules):
    PHONE_PATTERN = _digits_moved(most=-1)


@mutant(
    "phone_16_digits_accepted",
    "the phone pattern allows 16 digits ({6,15} instead of {6,14})",
    ("phone_pattern_enforced",),
)
class Phone16DigitsAccepted(Rules):
    PHONE_PATTERN = _digits_moved(most=1)


@mutant(
    "phone_trailing_newline_accepted",
    "the pattern is checked with re.match and '$', which also matches before a final "
    "newline, and the newline is dropped before the lookup: '+14155552671\\n' is accepted",
    ("phone_pattern_enforced",),
)
class PhoneTrailingNewlineAccepted(Rules):
    def clean_sip_phone_number(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if re.match(self.contract.field("sipPhoneNumber").pattern or "", value) is None:
            raise Invalid("must be an E.164 number")
        return value.rstrip("\n")


@mutant(
    "phone_unicode_digits_accepted",
    "the pattern uses \\d, so non-ASCII digits pass and are folded to ASCII before the lookup",
    ("phone_pattern_enforced",),
)
class PhoneUnicodeDigitsAccepted(Rules):
    def clean_sip_phone_number(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if re.fullmatch(self.PHONE_PATTERN.replace("[0-9]", r"\d"), value) is None:
            raise Invalid("must be an E.164 number")
        return "".join(str(unicodedata.digit(ch, ch)) for ch in value)


@mutant(
    "phone_separators_stripped",
    "spaces, dashes, dots and parentheses are removed from sipPhoneNumber before checking",
    ("phone_pattern_enforced",),
)
class PhoneSeparatorsStripped(Rules):
    def clean_sip_phone_number(self, value: Any) -> str:
        if isinstance(value, str):
            value = re.sub(r"[ \-.()]", "", value)
        return super().clean_sip_phone_number(value)


@mutant(
    "phone_plus_added",
    "a sipPhoneNumber without the leading '+' gets one added",
    ("phone_pattern_enforced",),
)
class PhonePlusAdded(Rules):
    def clean_sip_phone_number(self, value: Any) -> str:
        if isinstance(value, str) and value[:1].isdigit():
            value = "+" + value
        return super().clean_sip_phone_number(value)


# ==================================================================== agent


@mutant(
    "agent_id_max_65",
    "an agentId of 65 characters passes the length check",
    ("agent_id_length_enforced",),
)
class AgentIdMax65(Rules):
    AGENT_ID_MAX = Rules.AGENT_ID_MAX.shifted(1)


@mutant(
    "agent_id_max_63",
    "an agentId of 64 characters is refused",
    ("known_agents_accepted", "agent_id_length_enforced"),
)
class AgentIdMax63(Rules):
    AGENT_ID_MAX = Rules.AGENT_ID_MAX.shifted(-1)


@mutant(
    "agent_id_min_2",
    "an agentId of 1 character is refused",
    ("known_agents_accepted", "agent_id_length_enforced"),
)
class AgentIdMin2(Rules):
    AGENT_ID_MIN = Rules.AGENT_ID_MIN.shifted(1)


# ================================================================= schedule


@mutant(
    "schedule_requirements_missing",
    "isScheduled true without scheduledTime/scheduledTimezone is accepted "
    "(time defaults to 00:00:00, zone to UTC)",
    ("schedule_requires_date_time_zone",),
)
class ScheduleRequirementsMissing(Rules):
    def resolve_schedule(
        self, cleaned: dict[str, Any], body: dict[str, Any], errors: dict[str, str]
    ) -> Schedule | bool | None:
        defaults = {"scheduledTime": ("time", time(0)), "scheduledTimezone": ("timezone", "UTC")}
        body = dict(body)
        for name, (slot, default) in defaults.items():
            if name not in body:
                body[name] = default
                cleaned[slot] = default
        return super().resolve_schedule(cleaned, body, errors)


@mutant(
    "past_schedule_accepted",
    "a schedule instant in the past is accepted",
    ("past_schedule_rejected",),
)
class PastScheduleAccepted(Rules):
    def is_future(self, at: datetime) -> bool:
        return True


@mutant(
    "schedule_today_by_utc_date",
    "'in the future' is decided by comparing the instant's UTC date with today's UTC date, "
    "so an earlier time today is accepted",
    ("past_time_today_rejected",),
)
class ScheduleTodayByUtcDate(Rules):
    def is_future(self, at: datetime) -> bool:
        return at.astimezone(UTC).date() >= self.now().astimezone(UTC).date()


@mutant(
    "schedule_timezone_ignored",
    "scheduledDate/scheduledTime are read as UTC whatever scheduledTimezone says",
    ("schedule_instant_matches_timezone",),
)
class ScheduleTimezoneIgnored(Rules):
    def schedule_instant(self, day: date, clock: time, zone: str) -> datetime:
        return datetime.combine(day, clock, tzinfo=UTC)


@mutant(
    "schedule_offset_sign_flipped",
    "the zone's UTC offset is added instead of subtracted (LA noon becomes 05:00Z)",
    ("schedule_instant_matches_timezone",),
)
class ScheduleOffsetSignFlipped(Rules):
    def schedule_instant(self, day: date, clock: time, zone: str) -> datetime:
        local = datetime.combine(day, clock)
        offset = ZoneInfo(zone).utcoffset(local) or timedelta(0)
        return local.replace(tzinfo=UTC) + offset


@mutant(
    "schedule_dst_ignored",
    "the zone's standard offset is used all year (daylight saving time ignored)",
    ("schedule_instant_matches_timezone",),
)
class ScheduleDstIgnored(Rules):
    def schedule_instant(self, day: date, clock: time, zone: str) -> datetime:
        local = datetime.combine(day, clock)
        tz = ZoneInfo(zone)
        standard = (tz.utcoffset(local) or timedelta(0)) - (tz.dst(local) or timedelta(0))
        return local.replace(tzinfo=UTC) - standard


@mutant(
    "dst_gap_crashes",
    "a local time a DST change skips crashes the handler (500): its local reading "
    "does not round-trip, and an assertion says it must",
    ("dst_edge_times_read_or_refused",),
)
class DstGapCrashes(Rules):
    def schedule_instant(self, day: date, clock: time, zone: str) -> datetime:
        at = super().schedule_instant(day, clock, zone)
        if at.astimezone(ZoneInfo(zone)).replace(tzinfo=None) != datetime.combine(day, clock):
            raise RuntimeError("local time does not round-trip")
        return at


@mutant(
    "scheduled_date_local_time_labelled_utc",
    "the response scheduledDate is the local wall-clock time of the zone, labelled Z",
    ("schedule_instant_matches_timezone",),
)
class ScheduledDateLocalTimeLabelledUtc(Rules):
    def render_scheduled_date(self, campaign: Campaign) -> str | None:
        if campaign.schedule is None:
            return None
        local = campaign.schedule.at.astimezone(ZoneInfo(campaign.schedule.timezone))
        return local.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@mutant(
    "schedule_applied_without_flag",
    "scheduledDate/Time/Timezone sent without isScheduled schedule the campaign",
    ("schedule_fields_ignored_without_flag",),
)
class ScheduleAppliedWithoutFlag(Rules):
    def resolve_schedule(
        self, cleaned: dict[str, Any], body: dict[str, Any], errors: dict[str, str]
    ) -> Schedule | bool | None:
        if "isScheduled" not in body and {"date", "time", "timezone"} <= cleaned.keys():
            cleaned = {**cleaned, "is_scheduled": True}
        return super().resolve_schedule(cleaned, body, errors)


@mutant(
    "unschedule_not_clearing",
    "isScheduled false leaves an existing schedule in place",
    ("unschedule_clears_schedule",),
)
class UnscheduleNotClearing(Rules):
    def apply_schedule(self, campaign: Campaign, schedule: Schedule | bool) -> None:
        if isinstance(schedule, Schedule):
            super().apply_schedule(campaign, schedule)


@mutant(
    "unschedule_status_stays_scheduled",
    "isScheduled false clears the schedule but campaignStatus stays 'scheduled'",
    ("unschedule_clears_schedule",),
)
class UnscheduleStatusStaysScheduled(Rules):
    STATUS_WHEN_UNSCHEDULED = "scheduled"


@mutant(
    "scheduled_status_not_updated",
    "scheduling stores the instant but leaves campaignStatus as it was",
    ("future_schedule_accepted",),
)
class ScheduledStatusNotUpdated(Rules):
    def apply_schedule(self, campaign: Campaign, schedule: Schedule | bool) -> None:
        status = campaign.status
        super().apply_schedule(campaign, schedule)
        if isinstance(schedule, Schedule):
            campaign.status = status


@mutant(
    "scheduled_flag_not_updated",
    "the response field 'scheduled' is always false",
    ("future_schedule_accepted", "response_reflects_update"),
)
class ScheduledFlagNotUpdated(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        return {**super().render_campaign(campaign), "scheduled": False}


@mutant(
    "schedule_date_datetime_accepted",
    "a date-time such as '2099-09-25T00:00:00.000Z' is accepted as scheduledDate",
    ("schedule_date_format_enforced",),
)
class ScheduleDateDatetimeAccepted(Rules):
    def clean_scheduled_date(self, value: Any) -> date:
        if isinstance(value, str) and value[10:11] == "T":
            value = value[:10]
        return super().clean_scheduled_date(value)


@mutant(
    "schedule_date_lenient_calendar",
    "impossible dates roll over (2099-02-30 is read as 2099-03-02)",
    ("schedule_date_format_enforced",),
)
class ScheduleDateLenientCalendar(Rules):
    def clean_scheduled_date(self, value: Any) -> date:
        if isinstance(value, str) and re.fullmatch(self.DATE_PATTERN, value):
            year, month, day = (int(part) for part in value.split("-"))
            if 1 <= month <= 12 and year >= 1:
                try:
                    return date(year, month, 1) + timedelta(days=day - 1)
                except OverflowError:
                    pass
        return super().clean_scheduled_date(value)


@mutant(
    "schedule_time_24_accepted",
    "scheduledTime '24:00:00' is accepted (read as 00:00:00)",
    ("schedule_time_format_enforced",),
)
class ScheduleTime24Accepted(Rules):
    def clean_scheduled_time(self, value: Any) -> time:
        if value == "24:00:00":
            return time(0)
        return super().clean_scheduled_time(value)


@mutant(
    "schedule_time_single_digit_hour",
    "scheduledTime accepts a one-digit hour such as '9:00:00'",
    ("schedule_time_format_enforced",),
)
class ScheduleTimeSingleDigitHour(Rules):
    TIME_PATTERN = r"(?:[01]?[0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"


@mutant(
    "schedule_timezone_unknown_as_utc",
    "an unknown scheduledTimezone is silently replaced by UTC",
    ("schedule_timezone_must_be_iana",),
)
class ScheduleTimezoneUnknownAsUtc(Rules):
    def clean_scheduled_timezone(self, value: Any) -> str:
        try:
            return super().clean_scheduled_timezone(value)
        except Invalid:
            if isinstance(value, str):
                return "UTC"
            raise


# ========================================================== concurrentCalls


@mutant(
    "concurrent_calls_zero_accepted",
    "concurrentCalls 0 is accepted",
    ("concurrent_calls_range_enforced",),
)
class ConcurrentCallsZeroAccepted(Rules):
    CONCURRENT_MIN = Rules.CONCURRENT_MIN.shifted(-1)


@mutant(
    "concurrent_calls_int32_max_rejected",
    "concurrentCalls 2147483647 (the int32 maximum) is refused",
    ("concurrent_calls_bounds_accepted",),
)
class ConcurrentCallsInt32MaxRejected(Rules):
    CONCURRENT_MAX = Rules.CONCURRENT_MAX.shifted(-1)


@mutant(
    "concurrent_calls_int32_overflow_accepted",
    "concurrentCalls 2147483648 (beyond int32) is accepted",
    ("concurrent_calls_range_enforced",),
)
class ConcurrentCallsInt32OverflowAccepted(Rules):
    CONCURRENT_MAX = Rules.CONCURRENT_MAX.shifted(1)


@mutant(
    "concurrent_calls_string_coerced",
    'a numeric string such as "5" is accepted as concurrentCalls',
    ("field_types_enforced",),
)
class ConcurrentCallsStringCoerced(Rules):
    def clean_concurrent_calls(self, value: Any) -> int:
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,12}", value.strip()):
            value = int(value)
        return super().clean_concurrent_calls(value)


@mutant(
    "concurrent_calls_bool_accepted",
    "true is accepted as concurrentCalls 1 (bool is an int subclass)",
    ("field_types_enforced",),
)
class ConcurrentCallsBoolAccepted(Rules):
    def clean_concurrent_calls(self, value: Any) -> int:
        return super().clean_concurrent_calls(int(value) if isinstance(value, bool) else value)


@mutant(
    "concurrent_calls_float_accepted",
    "a fractional concurrentCalls such as 2.5 is truncated to an integer and accepted",
    ("field_types_enforced",),
)
class ConcurrentCallsFloatAccepted(Rules):
    def clean_concurrent_calls(self, value: Any) -> int:
        if isinstance(value, float):
            value = int(value)
        return super().clean_concurrent_calls(value)


@mutant(
    "is_scheduled_string_coerced",
    'isScheduled accepts the strings "true" and "false"',
    ("field_types_enforced",),
)
class IsScheduledStringCoerced(Rules):
    def clean_is_scheduled(self, value: Any) -> bool:
        if value in ("true", "false"):
            return value == "true"
        return super().clean_is_scheduled(value)


# ========================================================= dynamicVariables


@mutant(
    "dynamic_variables_null_value_accepted",
    "null values inside dynamicVariables are accepted",
    ("dynamic_variables_values_enforced",),
)
class DynamicVariablesNullValueAccepted(Rules):
    def dynamic_value_ok(self, value: Any) -> bool:
        return value is None or super().dynamic_value_ok(value)


@mutant(
    "dynamic_variables_nested_rejected",
    "object and array values inside dynamicVariables are refused",
    ("dynamic_variables_accepted",),
)
class DynamicVariablesNestedRejected(Rules):
    def dynamic_value_ok(self, value: Any) -> bool:
        return not isinstance(value, dict | list) and super().dynamic_value_ok(value)


@mutant(
    "dynamic_variables_array_accepted",
    "dynamicVariables given as an array is accepted (and stored as an empty map)",
    ("field_types_enforced",),
)
class DynamicVariablesArrayAccepted(Rules):
    def clean_dynamic_variables(self, value: Any) -> dict[str, Any]:
        return {} if isinstance(value, list) else super().clean_dynamic_variables(value)


# ================================================================ semantics


@mutant(
    "put_semantics",
    "omitted fields are reset to defaults (concurrentCalls 1, no schedule, no variables)",
    ("omitted_fields_unchanged",),
)
class PutSemantics(Rules):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        changes = {
            "concurrent_calls": 1,
            "dynamic_variables": {},
            "schedule": False,
            **changes,
        }
        super().apply(campaign, changes)


@mutant(
    "partial_application",
    "valid fields of a rejected request are saved anyway",
    ("rejected_request_changes_nothing",),
)
class PartialApplication(Rules):
    def reject(self, campaign: Campaign, changes: dict[str, Any], errors: dict[str, str]) -> None:
        self.apply(campaign, changes)
        super().reject(campaign, changes, errors)


@mutant(
    "sip_phone_number_not_saved",
    "a valid sipPhoneNumber is accepted but not stored; the response shows the old number",
    ("response_reflects_update",),
)
class SipPhoneNumberNotSaved(Rules):
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        super().apply(campaign, {k: v for k, v in changes.items() if k != "phone"})


@mutant(
    "response_rendered_before_update",
    "the 200 body describes the campaign as it was before the update",
    ("response_reflects_update",),
)
class ResponseRenderedBeforeUpdate(Rules):
    # apply() and success_response() run back to back under the world's lock,
    # so the snapshot taken by one is the one the other answers with.
    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        self._before = self.render_campaign(campaign)
        super().apply(campaign, changes)

    def success_response(self, body: dict[str, Any]) -> Response:
        return super().success_response(self._before)


@mutant(
    "agent_from_phone_number",
    "the response agent is the phone number's outbound agent, not the campaign's agent",
    ("response_reflects_update",),
)
class AgentFromPhoneNumber(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        wanted = campaign.phone_number.outbound_agent_id
        for account in self.world.accounts.values():
            if wanted in account.agents:
                body["agent"] = self.render_agent(account.agents[wanted])
        return body


# ================================================================= response


@mutant(
    "created_201", "a successful update answers 201 instead of 200", ("status_code_documented",)
)
class Created201(Rules):
    def success_response(self, body: dict[str, Any]) -> Response:
        return self.json_response(body, 201)


@mutant(
    "validation_422_fastapi",
    "invalid fields answer 422 with a FastAPI-style {'detail': [...]} body",
    ("status_code_documented",),
)
class Validation422Fastapi(Rules):
    def error_response(self, request: Request, err: ApiError) -> Response:
        fields = err.validation_errors or {}
        if err.status != 400 or not fields or "body" in fields:
            return super().error_response(request, err)
        detail = [
            {"type": "value_error", "loc": ["body", field], "msg": message, "input": None}
            for field, message in fields.items()
        ]
        return self.json_response({"detail": detail}, 422)


@mutant(
    "error_status_field_missing",
    "error bodies have no 'status' property",
    ("error_status_matches_http", "response_matches_schema"),
)
class ErrorStatusFieldMissing(Rules):
    def error_body(
        self, status: int, message: str, path: str, validation_errors: dict[str, str] | None
    ) -> dict[str, Any]:
        body = super().error_body(status, message, path, validation_errors)
        del body["status"]
        return body


@mutant(
    "error_status_field_mismatch",
    "every error body says status 400, whatever the HTTP status",
    ("error_status_matches_http",),
)
class ErrorStatusFieldMismatch(Rules):
    def error_body(
        self, status: int, message: str, path: str, validation_errors: dict[str, str] | None
    ) -> dict[str, Any]:
        return super().error_body(status, message, path, validation_errors) | {"status": 400}


@mutant(
    "error_reason_phrase_wrong",
    "the error body's 'error' is the generic word 'Error' instead of the reason phrase",
    ("error_reason_phrase_matches",),
)
class ErrorReasonPhraseWrong(Rules):
    def error_body(
        self, status: int, message: str, path: str, validation_errors: dict[str, str] | None
    ) -> dict[str, Any]:
        return super().error_body(status, message, path, validation_errors) | {"error": "Error"}


@mutant(
    "error_path_collection",
    "the error body's 'path' is '/v1/campaigns' (as in the spec's examples), not the request path",
    ("error_path_is_request_path",),
)
class ErrorPathCollection(Rules):
    def error_body(
        self, status: int, message: str, path: str, validation_errors: dict[str, str] | None
    ) -> dict[str, Any]:
        return super().error_body(status, message, "/v1/campaigns", validation_errors)


@mutant(
    "error_text_plain",
    "error responses are served as text/plain",
    ("response_content_type_is_json",),
)
class ErrorTextPlain(Rules):
    def error_response(self, request: Request, err: ApiError) -> Response:
        response = super().error_response(request, err)
        response.headers["content-type"] = "text/plain; charset=utf-8"
        return response


@mutant(
    "response_text_plain",
    "successful responses are served as text/plain",
    ("response_content_type_is_json",),
)
class ResponseTextPlain(Rules):
    def success_response(self, body: dict[str, Any]) -> Response:
        return self.json_response(body, 200, media_type="text/plain")


@mutant(
    "validation_errors_missing",
    "400 answers carry no validationErrors",
    ("validation_errors_name_fields",),
)
class ValidationErrorsMissing(Rules):
    def error_body(
        self, status: int, message: str, path: str, validation_errors: dict[str, str] | None
    ) -> dict[str, Any]:
        return super().error_body(status, message, path, None)


@mutant(
    "validation_errors_snake_case_keys",
    "validationErrors are keyed by snake_case names (campaign_name) instead of request fields",
    ("validation_errors_name_fields",),
)
class ValidationErrorsSnakeCaseKeys(Rules):
    def error_body(
        self, status: int, message: str, path: str, validation_errors: dict[str, str] | None
    ) -> dict[str, Any]:
        if validation_errors is not None:
            validation_errors = {
                re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower(): value
                for key, value in validation_errors.items()
            }
        return super().error_body(status, message, path, validation_errors)


@mutant(
    "campaign_id_without_prefix",
    "the response campaignId drops the 'camp_' prefix of the path's id",
    ("response_reflects_update",),
)
class CampaignIdWithoutPrefix(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        return body | {"campaignId": campaign.campaign_id.removeprefix("camp_")}


@mutant(
    "concurrent_calls_as_string",
    "the response concurrentCalls is a string",
    ("response_matches_schema",),
)
class ConcurrentCallsAsString(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        return body | {"concurrentCalls": str(campaign.concurrent_calls)}


@mutant(
    "agent_missing_in_response",
    "the response has no agent object",
    ("response_matches_schema", "response_reflects_update"),
)
class AgentMissingInResponse(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        del body["agent"]
        return body


@mutant(
    "errors_as_string",
    "the response 'errors' is a string instead of an array",
    ("response_matches_schema",),
)
class ErrorsAsString(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        return body | {"errors": "; ".join(campaign.errors)}


@mutant(
    "hang_on_non_ascii_name",
    "a request whose campaignName holds a non-ASCII character stalls for 30 s",
    ("every_request_answered",),
)
class HangOnNonAsciiName(Rules):
    HANG_SECONDS = 30.0

    async def handle(self, request: Request) -> Response:
        try:
            body = self.parse_json(await self.read_body(request))
        except ApiError:
            body = {}
        name = body.get("campaignName")
        if isinstance(name, str) and not name.isascii():
            await asyncio.sleep(self.HANG_SECONDS)
        return await super().handle(request)


_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "campaignName": lambda v: isinstance(v, str),
    "sipPhoneNumber": lambda v: isinstance(v, str),
    "agentId": lambda v: isinstance(v, str),
    "isScheduled": lambda v: isinstance(v, bool),
    "scheduledDate": lambda v: isinstance(v, str),
    "scheduledTime": lambda v: isinstance(v, str),
    "scheduledTimezone": lambda v: isinstance(v, str),
    "concurrentCalls": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "dynamicVariables": lambda v: isinstance(v, dict),
}


@mutant(
    "wrong_types_ignored",
    "a field of the wrong JSON type is silently dropped instead of rejected",
    ("field_types_enforced",),
)
class WrongTypesIgnored(Rules):
    def validate(
        self, body: dict[str, Any], account: Account
    ) -> tuple[dict[str, Any], dict[str, str]]:
        kept = {
            key: value
            for key, value in body.items()
            if value is None or key not in _JSON_TYPES or _JSON_TYPES[key](value)
        }
        return super().validate(kept, account)


@mutant(
    "scheduled_flag_as_string",
    "the response 'scheduled' is the string \"true\"/\"false\" instead of a boolean",
    ("response_matches_schema", "fuzzed_valid_requests_conform"),
)
class ScheduledFlagAsString(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        return body | {"scheduled": "true" if body.get("scheduled") else "false"}


@mutant(
    "unreadable_body_as_empty",
    "a body that is not UTF-8 JSON is taken as an empty update (200)",
    ("malformed_json_rejected", "fuzzed_invalid_requests_rejected"),
)
class UnreadableBodyAsEmpty(Rules):
    def parse_json(self, raw: bytes) -> dict[str, Any]:
        try:
            raw.decode("utf-8")
            json.loads(raw)
        except ValueError:
            return {}
        return super().parse_json(raw)


@mutant(
    "field_names_case_insensitive",
    "body members are bound to the fields whatever their case, as Go's encoding/json and "
    "ASP.NET Core's web defaults bind them: CampaignName sets campaignName",
    ("field_names_match_case_exactly",),
)
class FieldNamesCaseInsensitive(Rules):
    def parse_json(self, raw: bytes) -> dict[str, Any]:
        body = super().parse_json(raw)
        folded = {name.casefold(): name for name in self.contract.field_names}
        return {folded.get(key.casefold(), key): value for key, value in body.items()}


# ===================================================================== hostile-but-legal
# strings, equivalent HTTP forms, credentials in other channels (errata audit).

@mutant(
    "key_accepted_in_query",
    "the key is also taken from the query parameters api_key, apiKey or X-API-Key",
    ("auth_key_only_in_header",),
)
class KeyAcceptedInQuery(Rules):
    def api_key(self, request: Request) -> str | None:
        params = request.query_params
        return (super().api_key(request) or params.get("api_key") or params.get("apiKey")
                or params.get("X-API-Key"))


@mutant(
    "key_accepted_as_bearer",
    "the key is also taken from Authorization: Bearer",
    ("auth_key_only_in_header",),
)
class KeyAcceptedAsBearer(Rules):
    def api_key(self, request: Request) -> str | None:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials:
            return super().api_key(request) or credentials
        return super().api_key(request)


@mutant(
    "key_accepted_in_cookie",
    "the key is also taken from a cookie named X-API-Key or api_key",
    ("auth_key_only_in_header",),
)
class KeyAcceptedInCookie(Rules):
    def api_key(self, request: Request) -> str | None:
        cookies = request.cookies
        return super().api_key(request) or cookies.get("X-API-Key") or cookies.get("api_key")


class _StoredNameRewritten(Rules):
    """Stores (and echoes) campaignName as `stored` rewrites it."""

    def stored(self, name: str) -> str:
        return name

    def clean_campaign_name(self, value: Any) -> str:
        return self.stored(super().clean_campaign_name(value))


@mutant(
    "name_html_escaped",
    "campaignName is stored HTML-escaped (< as &lt;, quotes as &quot;)",
    ("name_hostile_strings_echoed",),
)
class NameHtmlEscaped(_StoredNameRewritten):
    def stored(self, name: str) -> str:
        return html.escape(name)


@mutant(
    "name_normalised_nfc",
    "campaignName is stored in Unicode normalisation form C (e + U+0301 becomes é)",
    ("name_hostile_strings_echoed",),
)
class NameNormalisedNfc(_StoredNameRewritten):
    def stored(self, name: str) -> str:
        return unicodedata.normalize("NFC", name)


@mutant(
    "name_format_characters_stripped",
    "invisible format characters (zero-width joiner, RLM, BOM) are dropped from campaignName",
    ("name_hostile_strings_echoed",),
)
class NameFormatCharactersStripped(_StoredNameRewritten):
    def stored(self, name: str) -> str:
        return "".join(c for c in name if unicodedata.category(c) != "Cf")


@mutant(
    "name_astral_replaced",
    "characters beyond U+FFFF in campaignName become U+FFFD (a three-byte UTF-8 store)",
    ("name_hostile_strings_echoed",),
)
class NameAstralReplaced(_StoredNameRewritten):
    def stored(self, name: str) -> str:
        return "".join(c if ord(c) <= 0xFFFF else "\ufffd" for c in name)


@mutant(
    "name_quotes_doubled",
    "single quotes in campaignName are stored doubled (naive SQL escaping)",
    ("name_hostile_strings_echoed",),
)
class NameQuotesDoubled(_StoredNameRewritten):
    def stored(self, name: str) -> str:
        return name.replace("'", "''")


@mutant(
    "name_backslashes_stripped",
    "backslashes are removed from campaignName (an unescaping step run once too often)",
    ("name_hostile_strings_echoed",),
)
class NameBackslashesStripped(_StoredNameRewritten):
    def stored(self, name: str) -> str:
        return name.replace("\\", "")


@mutant(
    "name_control_characters_stripped",
    "control characters are silently dropped from campaignName (200, name changed)",
    ("name_control_characters_kept_or_refused",),
)
class NameControlCharactersStripped(_StoredNameRewritten):
    def stored(self, name: str) -> str:
        return "".join(c for c in name if unicodedata.category(c) != "Cc")


@mutant(
    "content_type_exact_match",
    "only the exact Content-Type 'application/json' is accepted (a charset or capitals: 400)",
    ("media_type_variants_accepted",),
)
class ContentTypeExactMatch(Rules):
    def check_content_type(self, content_type: str | None) -> None:
        if content_type != "application/json":
            raise self.body_error("Content-Type must be application/json")


@mutant(
    "content_type_case_sensitive",
    "the media type is compared case-sensitively (parameters are allowed)",
    ("media_type_variants_accepted",),
)
class ContentTypeCaseSensitive(Rules):
    def check_content_type(self, content_type: str | None) -> None:
        if (content_type or "").split(";", 1)[0].strip() != "application/json":
            raise self.body_error("Content-Type must be application/json")


@mutant(
    "json_whitespace_refused",
    "a body with tabs or line breaks between tokens is refused as malformed",
    ("equivalent_json_forms_accepted",),
)
class JsonWhitespaceRefused(Rules):
    def parse_json(self, raw: bytes) -> dict[str, Any]:
        if re.search(rb"[\t\r\n]", raw):
            raise self.body_error("Request body is not valid JSON")
        return super().parse_json(raw)


@mutant(
    "json_unicode_escapes_refused",
    "a body holding a \\u escape is refused (a filter against escaped payloads)",
    ("equivalent_json_forms_accepted", "name_hostile_strings_echoed"),
)
class JsonUnicodeEscapesRefused(Rules):
    def parse_json(self, raw: bytes) -> dict[str, Any]:
        if b"\\u" in raw:
            raise self.body_error("Request body holds escaped characters")
        return super().parse_json(raw)


@mutant(
    "json_solidus_escape_refused",
    "the legal escape \\/ is refused as malformed JSON",
    ("equivalent_json_forms_accepted",),
)
class JsonSolidusEscapeRefused(Rules):
    def parse_json(self, raw: bytes) -> dict[str, Any]:
        if re.search(rb"(?<!\\)(?:\\\\)*\\/", raw):
            raise self.body_error("Request body is not valid JSON")
        return super().parse_json(raw)


# ============================================ "future" decided without the clock's instant
# Each way of getting "must be a future date" wrong that compares something other
# than the instant with the server's "now"; the suite must catch each at any hour.


class _FutureFromLocalFields(Rules):
    """Keeps the schedule's local date, time and zone for is_future (not a mutant).

    Validation runs under the world's lock, so the fields stay those of the
    request being judged.
    """

    local: tuple[date, time, str]

    def resolve_schedule(
        self, cleaned: dict[str, Any], body: dict[str, Any], errors: dict[str, str]
    ) -> Schedule | bool | None:
        if {"date", "time", "timezone"} <= cleaned.keys():
            self.local = cleaned["date"], cleaned["time"], cleaned["timezone"]
        return super().resolve_schedule(cleaned, body, errors)


@mutant(
    "schedule_today_by_local_date",
    "'in the future' compares the schedule's date with today's date in its own zone, "
    "so an earlier time today is accepted",
    ("past_time_today_rejected",),
)
class ScheduleTodayByLocalDate(_FutureFromLocalFields):
    def is_future(self, at: datetime) -> bool:
        day, _, zone = self.local
        return day >= self.now().astimezone(ZoneInfo(zone)).date()


@mutant(
    "schedule_future_ignores_zone",
    "'in the future' reads scheduledDate/scheduledTime as UTC (the stored instant "
    "honours the zone), so a past time in a zone east of UTC is accepted",
    ("past_time_today_rejected",),
)
class ScheduleFutureIgnoresZone(_FutureFromLocalFields):
    def is_future(self, at: datetime) -> bool:
        day, clock, _ = self.local
        return datetime.combine(day, clock, tzinfo=UTC) > self.now()


@mutant(
    "schedule_future_by_wall_time",
    "'in the future' compares the schedule's wall-clock date and time with the server's "
    "own wall clock (America/Los_Angeles), ignoring both zones",
    ("past_time_today_rejected",),
)
class ScheduleFutureByWallTime(_FutureFromLocalFields):
    SERVER_ZONE = "America/Los_Angeles"

    def is_future(self, at: datetime) -> bool:
        day, clock, _ = self.local
        server_wall = self.now().astimezone(ZoneInfo(self.SERVER_ZONE)).replace(tzinfo=None)
        return datetime.combine(day, clock) > server_wall


# ================================================================ the restore
# A fault that shows only when the suite puts the campaign back as it found it.


@mutant(
    "name_index_never_pruned",
    "a name once held stays taken for good: a campaign cannot take back its own earlier name",
    ("campaign_takes_back_its_values",),
)
class NameIndexNeverPruned(Rules):
    def name_conflicts(self, account: Account, campaign: Campaign, name: str) -> bool:
        held: set[str] = self.__dict__.setdefault("_ever_held", set())
        held.update(c.name for c in account.campaigns.values())
        return name != campaign.name and name in held or super().name_conflicts(
            account, campaign, name)


# Faults only a history reveals live in their own module; importing it registers them.
from . import history_mutants  # noqa: E402,F401
