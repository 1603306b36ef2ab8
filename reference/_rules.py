"""The behaviour of ``PATCH /v1/campaigns/{campaignId}``, one small method per rule.

Order of checks: method (405), API key (401), campaign lookup (404, 403),
body (400), fields (400, all field errors at once; references to agents and
numbers are checked for fields that are otherwise valid, in the same pass),
name uniqueness (409). Nothing is changed unless every check passes.

Every limit and pattern is read from the contract model (``Contract``, the
published document unless :func:`~reference.create_app` is given another), as
a :class:`Limit` a mutant can shift.

Documented choices where the contract leaves room:

* A campaign of another account answers 403 (a client may accept 403 or 404).
  An unknown campaign answers 404.
* 405 (with ``Allow: PATCH``) is decided before authentication.
* A wrong or missing Content-Type, a body over 1 MiB, malformed or non-UTF-8
  JSON, NaN/Infinity literals, nesting too deep to parse, and any top level
  other than an object all answer 400 -- never 415 or 413.
* No coercion: ``true`` is not an integer, ``"5"`` is not an integer, ``5.0``
  is not an integer, ``1`` is not a boolean. ``null`` for a documented field
  is 400 (no schema property is nullable). Unknown properties are ignored and
  duplicate keys keep the last value.
* ``campaignName`` length is counted in Unicode code points; uniqueness among
  the account's other campaigns uses exact comparison (no case folding, no
  trimming). Names holding unpaired surrogates are refused (not Unicode text).
* ``sipPhoneNumber`` must fully match the document's pattern (ASCII digits, no
  trailing newline) and be an active number of the account. No normalisation.
* ``scheduledDate`` is a calendar date ``YYYY-MM-DD`` (the date-time form of
  the spec's example is refused); ``scheduledTime`` is ``HH:mm:ss`` from
  00:00:00 to 23:59:59; ``scheduledTimezone`` is a name in
  ``zoneinfo.available_timezones()`` (less ``localtime``/``Factory``).
* A local time that is ambiguous or skipped by a DST change is resolved with
  ``fold=0`` (the offset in force before the transition).
* Without ``isScheduled: true`` the three schedule fields are ignored -- they
  change nothing -- but they are still type and format checked (a malformed
  value is 400). The future-instant rule applies only with ``isScheduled: true``.
  An instant that cannot be represented in UTC (year 9999 west of Greenwich)
  is 400 on ``scheduledDate``.
* ``isScheduled: false`` clears the schedule; a "scheduled" campaign becomes
  "live", other statuses stay.
* The error body's ``path`` is the percent-decoded request path.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from functools import lru_cache
from http import HTTPStatus
from typing import Any, overload
from zoneinfo import ZoneInfo, available_timezones

from starlette.requests import Request
from starlette.responses import Response

from conformance._contract import Contract, python_pattern
from conformance._operation import UPDATE_CAMPAIGN

from ._world import Account, Agent, Campaign, PhoneNumber, Schedule, World

logger = logging.getLogger("reference")

__all__ = ["ApiError", "Invalid", "Limit", "Rules", "SKIP", "format_instant"]


class ApiError(Exception):
    """An error answer: HTTP status, message and (for 400) field errors."""

    def __init__(
        self,
        status: int,
        message: str,
        validation_errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.validation_errors = validation_errors
        self.headers = headers or {}


class Invalid(Exception):
    """A field value breaks the contract; the message goes to validationErrors."""


SKIP = object()
"""Returned by a field cleaner to mean: treat the field as absent."""


def format_instant(at: datetime) -> str:
    """``2025-09-25T19:00:00.000Z``: UTC, milliseconds, Z."""
    at = at.astimezone(UTC)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones() - {"localtime", "Factory", "posixrules"})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# How the reference handles each documented field: (cleaner method, key in
# the change set). Which fields are documented is the contract's to say.
BINDINGS: dict[str, tuple[str, str]] = {
    "campaignName": ("clean_campaign_name", "name"),
    "sipPhoneNumber": ("clean_sip_phone_number", "phone"),
    "agentId": ("clean_agent_id", "agent"),
    "isScheduled": ("clean_is_scheduled", "is_scheduled"),
    "scheduledDate": ("clean_scheduled_date", "date"),
    "scheduledTime": ("clean_scheduled_time", "time"),
    "scheduledTimezone": ("clean_scheduled_timezone", "timezone"),
    "concurrentCalls": ("clean_concurrent_calls", "concurrent_calls"),
    "dynamicVariables": ("clean_dynamic_variables", "dynamic_variables"),
}


def _written_pattern(written: str | None) -> str:
    """A regex for a format written as letters (YYYY-MM-DD): each letter one ASCII digit."""
    if not written:
        raise ValueError("the contract writes no format for the field")
    return "".join("[0-9]" if ch.isalpha() else re.escape(ch) for ch in written)


class Limit:
    """A limit or pattern of the rules, read from the contract they serve.

    On an instance it is the value read from ``rules.contract``; on the class
    it is the descriptor itself, so a mutant moves a bound relative to the
    contract's: ``NAME_MAX = Rules.NAME_MAX.shifted(1)``.
    """

    def __init__(self, read: Callable[[Contract], Any]) -> None:
        self.read = read

    @overload
    def __get__(self, rules: None, owner: type) -> Limit: ...
    @overload
    def __get__(self, rules: Rules, owner: type) -> Any: ...
    def __get__(self, rules: Rules | None, owner: type) -> Any:
        return self if rules is None else self.read(rules.contract)

    def shifted(self, by: int) -> Limit:
        """The limit moved by `by` (for a mutant's off-by-one)."""
        return Limit(lambda contract: self.read(contract) + by)


class Rules:
    """Reference behaviour. Subclasses override one method or limit to inject a fault."""

    NAME_MIN = Limit(lambda c: c.field("campaignName").length_bounds[0])
    NAME_MAX = Limit(lambda c: c.field("campaignName").max_length)
    AGENT_ID_MIN = Limit(lambda c: c.field("agentId").length_bounds[0])
    AGENT_ID_MAX = Limit(lambda c: c.field("agentId").max_length)
    CONCURRENT_MIN = Limit(lambda c: c.field("concurrentCalls").integer_bounds[0])
    CONCURRENT_MAX = Limit(lambda c: c.field("concurrentCalls").integer_bounds[1])
    PHONE_PATTERN = Limit(lambda c: python_pattern(c.field("sipPhoneNumber").pattern or ""))
    DATE_PATTERN = Limit(lambda c: _written_pattern(c.field("scheduledDate").written_format))
    TIME_PATTERN = Limit(lambda c: python_pattern(c.field("scheduledTime").pattern or ""))
    MAX_BODY_BYTES = 1 << 20
    API_KEY_HEADER = Limit(lambda c: c.security_header.lower())
    ALLOWED_METHODS = Limit(lambda c: (c.method,))
    STATUS_WHEN_SCHEDULED = "scheduled"
    STATUS_WHEN_UNSCHEDULED = "live"

    def __init__(
        self,
        world: World,
        *,
        clock: Callable[[], datetime] | None = None,
        contract: Contract | None = None,
    ) -> None:
        self.world = world
        self._clock = clock
        self.contract = contract if contract is not None else UPDATE_CAMPAIGN.contract
        unbound = [name for name in self.contract.field_names if name not in BINDINGS]
        if unbound:
            raise ValueError(f"the reference implements no field {', '.join(unbound)}")

    def binding(self, name: str) -> tuple[str, str]:
        """(cleaner method, change-set key) of documented field `name`."""
        return BINDINGS[name]

    # ------------------------------------------------------------ entry

    async def respond(self, request: Request) -> Response:
        """Answer one request on the campaign route; never raises."""
        try:
            if request.method not in self.ALLOWED_METHODS:
                raise ApiError(
                    405,
                    "Method not allowed; use PATCH",
                    headers={"Allow": ", ".join(self.ALLOWED_METHODS)},
                )
            return await self.handle(request)
        except ApiError as err:
            return self.error_response(request, err)
        except Exception:  # the contract allows no 5xx; this is the last resort
            logger.exception("unexpected error answering %s", request.scope.get("path"))
            return self.error_response(request, ApiError(500, "Unexpected server error"))

    async def handle(self, request: Request) -> Response:
        account = self.authenticate(request)
        campaign = self.lookup_campaign(account, request.path_params["campaignId"])
        self.check_content_type(request.headers.get("content-type"))
        body = self.parse_json(await self.read_body(request))
        with self.world.lock:
            changes, errors = self.validate(body, account)
            if errors:
                self.reject(campaign, changes, errors)
            if "name" in changes and self.name_conflicts(account, campaign, changes["name"]):
                raise ApiError(409, "A campaign with this name already exists in the account")
            self.apply(campaign, changes)
            return self.success_response(self.render_campaign(campaign))

    def now(self) -> datetime:
        """The server's clock: the injected one, else this machine's."""
        return self._clock() if self._clock is not None else datetime.now(UTC)

    # ------------------------------------------------------------ auth

    def api_key(self, request: Request) -> str | None:
        return request.headers.get(self.API_KEY_HEADER)

    def authenticate(self, request: Request) -> Account:
        key = self.api_key(request)
        account = self.world.account_for_key(key) if key else None
        if account is None:
            raise ApiError(401, "X-API-Key is missing or invalid")
        return account

    def lookup_campaign(self, account: Account, campaign_id: str) -> Campaign:
        found = self.world.find_campaign(campaign_id)
        if found is None:
            raise ApiError(404, "The requested campaign was not found")
        owner, campaign = found
        if owner is not account:
            raise ApiError(403, "Access denied for this resource")
        return campaign

    # ------------------------------------------------------------ body

    def body_error(self, message: str) -> ApiError:
        return ApiError(400, message, {"body": message})

    def check_content_type(self, content_type: str | None) -> None:
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media == "application/json" or re.fullmatch(r"application/[^/\s]+\+json", media):
            return
        raise self.body_error("Content-Type must be application/json")

    async def read_body(self, request: Request) -> bytes:
        cached = getattr(request.state, "raw_body", None)
        if cached is not None:
            return cached
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.MAX_BODY_BYTES:
            raise self.body_error("Request body is larger than 1 MiB")
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > self.MAX_BODY_BYTES:
                raise self.body_error("Request body is larger than 1 MiB")
            chunks.append(chunk)
        raw = b"".join(chunks)
        request.state.raw_body = raw
        return raw

    def decode_json(self, text: str) -> Any:
        return json.loads(text, parse_constant=_reject_constant)

    def parse_json(self, raw: bytes) -> dict[str, Any]:
        if not raw.strip():
            raise self.body_error("Request body is required")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.body_error("Request body is not valid UTF-8") from None
        try:
            body = self.decode_json(text)
        except RecursionError:
            raise self.body_error("Request body is nested too deeply") from None
        except ValueError:
            raise self.body_error("Request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise self.body_error("Request body must be a JSON object")
        return body

    # ------------------------------------------------------------ fields

    def validate(
        self, body: dict[str, Any], account: Account
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Clean every documented field present; return (changes, field errors)."""
        cleaned: dict[str, Any] = {}
        errors: dict[str, str] = {}
        known = self.contract.field_names
        for key, value in body.items():
            if key not in known:
                self.unknown_property(key, value, errors)
        for name in known:
            if name not in body:
                continue
            cleaner, slot = self.binding(name)
            value = body[name]
            try:
                result = self.null_value(name) if value is None else getattr(self, cleaner)(value)
            except Invalid as exc:
                errors[name] = str(exc)
                continue
            if result is not SKIP:
                cleaned[slot] = result
        self.check_references(account, cleaned, errors)
        changes = {k: v for k, v in cleaned.items() if k not in ("date", "time", "timezone")}
        changes.pop("is_scheduled", None)
        schedule = self.resolve_schedule(cleaned, body, errors)
        if schedule is not None:
            changes["schedule"] = schedule
        return changes, errors

    def unknown_property(self, key: str, value: Any, errors: dict[str, str]) -> None:
        """Unknown top-level properties are ignored."""

    def null_value(self, name: str) -> Any:
        raise Invalid("must not be null")

    def name_length(self, value: str) -> int:
        return len(value)

    def clean_campaign_name(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        length = self.name_length(value)
        if length < self.NAME_MIN or length > self.NAME_MAX:
            raise Invalid(f"must be {self.NAME_MIN} to {self.NAME_MAX} characters long")
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            raise Invalid("must be valid Unicode text (unpaired surrogate)")
        return value

    def phone_matches(self, value: str) -> bool:
        return re.fullmatch(self.PHONE_PATTERN, value) is not None

    def clean_sip_phone_number(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if not self.phone_matches(value):
            raise Invalid("must be an E.164 number such as +14155552671")
        return value

    def clean_agent_id(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if not self.AGENT_ID_MIN <= len(value) <= self.AGENT_ID_MAX:
            raise Invalid(f"must be {self.AGENT_ID_MIN} to {self.AGENT_ID_MAX} characters long")
        return value

    def clean_is_scheduled(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise Invalid("must be a boolean")
        return value

    def clean_scheduled_date(self, value: Any) -> date:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if re.fullmatch(self.DATE_PATTERN, value) is None:
            raise Invalid("must be a date in YYYY-MM-DD format")
        try:
            year, month, day = (int(part) for part in value.split("-"))
            return date(year, month, day)
        except ValueError:
            raise Invalid("must be a real calendar date") from None

    def clean_scheduled_time(self, value: Any) -> time:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if re.fullmatch(self.TIME_PATTERN, value) is None:
            raise Invalid("must be a time in HH:mm:ss format, 00:00:00 to 23:59:59")
        hour, minute, second = (int(part) for part in value.split(":"))
        return time(hour, minute, second)

    def clean_scheduled_timezone(self, value: Any) -> str:
        if not isinstance(value, str):
            raise Invalid("must be a string")
        if value not in _zone_names():
            raise Invalid("must be an IANA time zone name such as America/Los_Angeles")
        return value

    def clean_concurrent_calls(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("must be an integer")
        if not self.CONCURRENT_MIN <= value <= self.CONCURRENT_MAX:
            raise Invalid(f"must be from {self.CONCURRENT_MIN} to {self.CONCURRENT_MAX}")
        return value

    def dynamic_value_ok(self, value: Any) -> bool:
        return isinstance(value, str | int | float | bool | dict | list)

    def clean_dynamic_variables(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise Invalid("must be an object")
        for item in value.values():
            if not self.dynamic_value_ok(item):
                raise Invalid("values must be strings, numbers, booleans, objects or arrays")
        return dict(value)

    # ------------------------------------------------------------ references

    def find_agent(self, account: Account, agent_id: str) -> Agent | None:
        return account.agents.get(agent_id)

    def find_phone_number(self, account: Account, number: str) -> PhoneNumber | None:
        found = account.phone_numbers.get(number)
        return found if found is not None and found.active else None

    def check_references(
        self, account: Account, cleaned: dict[str, Any], errors: dict[str, str]
    ) -> None:
        """Replace agent/phone ids by the account's records, or record an error."""
        if "agent" in cleaned:
            agent = self.find_agent(account, cleaned["agent"])
            if agent is None:
                errors["agentId"] = "no such agent in this account"
                del cleaned["agent"]
            else:
                cleaned["agent"] = agent
        if "phone" in cleaned:
            number = self.find_phone_number(account, cleaned["phone"])
            if number is None:
                errors["sipPhoneNumber"] = "not an active outbound number of this account"
                del cleaned["phone"]
            else:
                cleaned["phone"] = number

    # ------------------------------------------------------------ schedule

    def resolve_schedule(
        self, cleaned: dict[str, Any], body: dict[str, Any], errors: dict[str, str]
    ) -> Schedule | bool | None:
        """Schedule to set, False to clear, None to leave the schedule alone."""
        flag = cleaned.get("is_scheduled")
        if flag is None:
            return None  # isScheduled omitted (or invalid): schedule fields are ignored
        if flag is False:
            return False
        missing = False
        flag_name = self.contract.schedule_flag
        for name in self.contract.schedule_fields:
            slot = self.binding(name)[1]
            if name not in body:
                errors[name] = f"required when {flag_name} is true"
                missing = True
            elif slot not in cleaned:
                missing = True  # already reported as invalid
        if missing:
            return None
        try:
            at = self.schedule_instant(cleaned["date"], cleaned["time"], cleaned["timezone"])
        except OverflowError:
            errors["scheduledDate"] = "the scheduled instant is out of range"
            return None
        except Invalid as exc:  # a reading a variant refuses
            errors["scheduledTime"] = str(exc)
            return None
        if not self.is_future(at):
            errors["scheduledDate"] = "the scheduled date and time must be in the future"
            return None
        return Schedule(at=at, timezone=cleaned["timezone"])

    def schedule_instant(self, day: date, clock: time, zone: str) -> datetime:
        local = datetime.combine(day, clock).replace(tzinfo=ZoneInfo(zone), fold=0)
        return local.astimezone(UTC)

    def is_future(self, at: datetime) -> bool:
        return at > self.now()

    # ------------------------------------------------------------ outcome

    def reject(self, campaign: Campaign, changes: dict[str, Any], errors: dict[str, str]) -> None:
        raise ApiError(400, "Invalid request parameters", errors)

    def name_conflicts(self, account: Account, campaign: Campaign, name: str) -> bool:
        return any(
            other.name == name for other in account.campaigns.values() if other is not campaign
        )

    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        if "name" in changes:
            campaign.name = changes["name"]
        if "phone" in changes:
            campaign.phone_number = changes["phone"]
        if "agent" in changes:
            campaign.agent = changes["agent"]
        if "concurrent_calls" in changes:
            campaign.concurrent_calls = changes["concurrent_calls"]
        if "dynamic_variables" in changes:
            campaign.dynamic_variables = changes["dynamic_variables"]
        if "schedule" in changes:
            self.apply_schedule(campaign, changes["schedule"])

    def apply_schedule(self, campaign: Campaign, schedule: Schedule | bool) -> None:
        if isinstance(schedule, Schedule):
            campaign.schedule = schedule
            campaign.status = self.STATUS_WHEN_SCHEDULED
        else:
            campaign.schedule = None
            if campaign.status == self.STATUS_WHEN_SCHEDULED:
                campaign.status = self.STATUS_WHEN_UNSCHEDULED

    # ------------------------------------------------------------ rendering

    def render_scheduled_date(self, campaign: Campaign) -> str | None:
        return format_instant(campaign.schedule.at) if campaign.schedule else None

    def render_agent(self, agent: Agent) -> dict[str, Any]:
        return {"name": agent.name, "agentId": agent.agent_id, "status": agent.status}

    def render_phone_number(self, number: PhoneNumber) -> dict[str, Any]:
        return {
            "sipPhoneNumber": number.sip_phone_number,
            "provider": number.provider,
            "inboundAgentId": number.inbound_agent_id,
            "outboundAgentId": number.outbound_agent_id,
            "outboundPhoneNumber": number.outbound_phone_number,
            "active": number.active,
            "terminationSipURI": number.termination_sip_uri,
            "friendlyName": number.friendly_name,
        }

    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        return {
            "campaignId": campaign.campaign_id,
            "campaignName": campaign.name,
            "campaignStatus": campaign.status,
            "scheduledDate": self.render_scheduled_date(campaign),
            "concurrentCalls": campaign.concurrent_calls,
            "agent": self.render_agent(campaign.agent),
            "phoneNumber": self.render_phone_number(campaign.phone_number),
            "errors": list(campaign.errors),
            "scheduled": campaign.schedule is not None,
        }

    def json_response(
        self,
        content: Any,
        status: int,
        headers: dict[str, str] | None = None,
        media_type: str = "application/json",
    ) -> Response:
        payload = json.dumps(content, ensure_ascii=False, allow_nan=False).encode("utf-8")
        return Response(payload, status_code=status, headers=headers, media_type=media_type)

    def success_response(self, body: dict[str, Any]) -> Response:
        return self.json_response(body, 200)

    def error_body(
        self, status: int, message: str, path: str, validation_errors: dict[str, str] | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "timestamp": format_instant(self.now()),
            "status": status,
            "error": HTTPStatus(status).phrase,
            "message": message,
            "path": path,
        }
        if validation_errors is not None:
            body["validationErrors"] = dict(validation_errors)
        return body

    def error_response(self, request: Request, err: ApiError) -> Response:
        path = request.scope.get("root_path", "") + request.scope.get("path", "")
        body = self.error_body(err.status, err.message, path, err.validation_errors)
        return self.json_response(body, err.status, headers=err.headers)
