"""Variants: the reference taking the other side wherever the contract allows two.

Where mutants prove that every check can fail, variants prove that no check
fails a correct server that reads the contract differently from the
reference (see spec/errata.yaml). Each is a small subclass of
:class:`~reference.Rules` overriding one choice; a conformance run against
any of them must pass every MUST check. ``strict_ok`` is False for a variant
that only departs from a SHOULD rule (it must pass without ``--strict``).
Traits of transport that no Rules method decides (compression, chunking,
closed connections, 429s, latency) come as ASGI middleware (``wrap``) or
uvicorn options (``server``), from reference/_transport.py.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from conformance._model import compatibility_zone_names, local_readings

from ._rules import ApiError, Invalid, Rules, _reject_constant, format_instant
from ._transport import (
    Chunked,
    Compressed,
    ConnectionClose,
    Latency,
    ProxyBodyLimit,
    RateLimited,
    Wrap,
    wrapped_by,
)
from ._world import Account, Campaign
from .mutants import AuthAfterParsing

__all__ = ["VARIANTS", "Variant", "variant"]


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    strict_ok: bool
    rules: type[Rules]
    # Transport traits a Rules subclass cannot express: ASGI middleware around
    # the app, and uvicorn options (reference/_transport.py).
    wrap: Wrap | None = None
    server: Mapping[str, Any] = field(default_factory=dict)


VARIANTS: dict[str, Variant] = {}


def variant(
    name: str, description: str, *, strict_ok: bool = True, wrap: Wrap | None = None,
    server: Mapping[str, Any] | None = None,
) -> Callable[[type[Rules]], type[Rules]]:
    def register(cls: type[Rules]) -> type[Rules]:
        if name in VARIANTS or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"bad or duplicate variant name {name!r}")
        VARIANTS[name] = Variant(name, description, strict_ok, cls, wrap, dict(server or {}))
        return cls

    return register


@variant("foreign_campaign_404", "another account's campaign answers 404, as if unknown")
class ForeignCampaign404(Rules):
    def lookup_campaign(self, account: Account, campaign_id: str) -> Campaign:
        try:
            return super().lookup_campaign(account, campaign_id)
        except ApiError as err:
            if err.status == 403:
                raise ApiError(404, "The requested campaign was not found") from None
            raise


@variant("unknown_references_404", "an unknown or foreign agent or number answers 404")
class UnknownReferences404(Rules):
    def reject(self, campaign: Campaign, changes: dict[str, Any], errors: dict[str, str]) -> None:
        missing = {"no such agent in this account", "not an active outbound number of this account"}
        if errors and set(errors.values()) <= missing:
            raise ApiError(404, "The requested resource was not found", errors)
        super().reject(campaign, changes, errors)


@variant("unscheduled_fields_absent",
         "scheduledDate is left out (not null) when unscheduled, and errors is null")
class UnscheduledFieldsAbsent(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        if body["scheduledDate"] is None:
            del body["scheduledDate"]
        if not body["errors"]:
            body["errors"] = None
        return body


@variant("schedule_with_offset",
         "scheduledDate is rendered in the campaign's zone with its offset, no milliseconds")
class ScheduleWithOffset(Rules):
    def render_scheduled_date(self, campaign: Campaign) -> str | None:
        if campaign.schedule is None:
            return None
        local = campaign.schedule.at.astimezone(ZoneInfo(campaign.schedule.timezone))
        return local.isoformat(timespec="seconds")


@variant("ignored_schedule_fields_unchecked",
         "schedule fields are not even type-checked without isScheduled true")
class IgnoredScheduleFieldsUnchecked(Rules):
    def validate(
        self, body: dict[str, Any], account: Account
    ) -> tuple[dict[str, Any], dict[str, str]]:
        if body.get("isScheduled") is not True:
            body = {k: v for k, v in body.items()
                    if k not in ("scheduledDate", "scheduledTime", "scheduledTimezone")}
        return super().validate(body, account)


@variant("date_time_form_accepted",
         "scheduledDate also accepts the date-time form of the document's example")
class DateTimeFormAccepted(Rules):
    def clean_scheduled_date(self, value: Any) -> date:
        if isinstance(value, str) and re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00(\.000)?Z", value
        ):
            value = value[:10]
        return super().clean_scheduled_date(value)


@variant("integral_numbers_accepted", "concurrentCalls 5.0 is read as 5 (later JSON Schema drafts)")
class IntegralNumbersAccepted(Rules):
    def clean_concurrent_calls(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super().clean_concurrent_calls(value)


@variant("future_by_whole_date",
         "\"must be a future date\" read as a date after today in the schedule's zone")
class FutureByWholeDate(Rules):
    def resolve_schedule(self, cleaned: dict[str, Any], body: dict[str, Any],
                         errors: dict[str, str]) -> Any:
        schedule = super().resolve_schedule(cleaned, body, errors)
        if schedule is None or schedule is False or schedule is True:
            return schedule
        today = self.now().astimezone(ZoneInfo(cleaned["timezone"])).date()
        if cleaned["date"] <= today:
            errors["scheduledDate"] = "must be a future date"
            return None
        return schedule


@variant("dst_later_reading", "an ambiguous or skipped local time takes the later reading")
class DstLaterReading(Rules):
    def schedule_instant(self, day: date, clock: time, zone: str) -> datetime:
        local = datetime.combine(day, clock).replace(tzinfo=ZoneInfo(zone), fold=1)
        return local.astimezone(UTC)


@variant("dst_edges_refused",
         "a local time a DST change skips or repeats is refused with 400, as java.time's "
         "strict resolver does (erratum dst-skipped-and-repeated-times)")
class DstEdgesRefused(Rules):
    def schedule_instant(self, day: date, clock: time, zone: str) -> datetime:
        readings = local_readings(day, clock, zone)
        if len(readings) > 1:
            raise Invalid(f"{clock} on {day} is skipped or repeated by a DST change in {zone}")
        return super().schedule_instant(day, clock, zone)


@variant("runtime_zone_aliases_accepted",
         "scheduledTimezone also takes the names its runtime knows: PST, IST, CST, AST and "
         "BST as Node's Intl (ICU) reads them, UTC+5, GMT+05:30, +05:30 and Z as java.time's "
         "ZoneId.of does (erratum runtime-zone-aliases)")
class RuntimeZoneAliasesAccepted(Rules):
    FIXED = {"UTC+5": timedelta(hours=5), "GMT+05:30": timedelta(hours=5, minutes=30),
             "+05:30": timedelta(hours=5, minutes=30), "Z": timedelta(0)}
    ICU = {"PST": "America/Los_Angeles", "IST": "Asia/Kolkata", "CST": "America/Chicago",
           "AST": "America/Halifax", "BST": "Asia/Dhaka"}

    def clean_scheduled_timezone(self, value: Any) -> str:
        if isinstance(value, str) and (value in self.FIXED or value in self.ICU):
            return value
        return super().clean_scheduled_timezone(value)

    def schedule_instant(self, day: date, clock: time, zone: str) -> datetime:
        if zone in self.FIXED:
            return datetime.combine(day, clock, tzinfo=timezone(self.FIXED[zone])).astimezone(UTC)
        return super().schedule_instant(day, clock, self.ICU.get(zone, zone))


@variant("charset_and_extra_fields",
         "answers carry a charset parameter and undocumented extra fields")
class CharsetAndExtraFields(Rules):
    def json_response(self, content: Any, status: int, headers: dict[str, str] | None = None,
                      media_type: str = "application/json") -> Any:
        if isinstance(content, dict):
            content = {**content, "requestId": "req-0001"}
        return super().json_response(content, status, headers,
                                     media_type="application/json; charset=utf-8")


@variant("unknown_properties_rejected",
         "unknown properties are refused with 400 (a SHOULD departure only)", strict_ok=False)
class UnknownPropertiesRejected(Rules):
    def unknown_property(self, key: str, value: Any, errors: dict[str, str]) -> None:
        errors[key] = "unknown property"


@variant("lenient_json_readings",
         "JSON read as Spring's Jackson and Ruby's json read it: the first value, what follows "
         "it unread; comments skipped; an unknown escape taken as its character (SHOULD only)",
         strict_ok=False)
class LenientJsonReadings(Rules):
    def decode_json(self, text: str) -> Any:
        try:
            return super().decode_json(text)
        except ValueError:
            pass
        for candidate in (text, _without_comments_and_odd_escapes(text)):
            try:
                return json.JSONDecoder(parse_constant=_reject_constant).raw_decode(
                    candidate.strip())[0]
            except ValueError:
                continue
        raise ValueError("not JSON, even read leniently")


def _without_comments_and_odd_escapes(text: str) -> str:
    # Good enough for bodies without slashes or asterisks inside their strings.
    text = re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.DOTALL)
    return re.sub(r'\\([^"\\/bfnrtu])', r"\1", text)


@variant("error_path_of_examples",
         "error bodies give the documented examples' path /v1/campaigns (SHOULD only)",
         strict_ok=False)
class ErrorPathOfExamples(Rules):
    def error_body(self, status: int, message: str, path: str,
                   validation_errors: dict[str, str] | None) -> dict[str, Any]:
        return super().error_body(status, message, "/v1/campaigns", validation_errors)


@variant("validation_errors_absent",
         "validation errors are not itemised by field (SHOULD only)", strict_ok=False)
class NoValidationErrors(Rules):
    def error_body(self, status: int, message: str, path: str,
                   validation_errors: dict[str, str] | None) -> dict[str, Any]:
        return super().error_body(status, message, path, None)



# ---------------------------------------------------------------- the zoo
# Ordinary traits of real deployments, none of which the contract governs:
# content codings, chunked bodies, closed connections, undocumented and moving
# fields, error types, a clock a little off, rate limits, latency.

@variant("gzip_responses", "every body gzip-compressed when the request offers gzip",
         wrap=wrapped_by(Compressed, coding="gzip"))
class GzipResponses(Rules):
    pass


@variant("deflate_responses", "every body deflate-compressed when the request offers deflate",
         wrap=wrapped_by(Compressed, coding="deflate"))
class DeflateResponses(Rules):
    pass


@variant("br_responses", "every body Brotli-compressed when the request offers br",
         wrap=wrapped_by(Compressed, coding="br"))
class BrResponses(Rules):
    pass


@variant("chunked_responses", "bodies sent chunked, in 37-byte pieces, without Content-Length",
         wrap=wrapped_by(Chunked))
class ChunkedResponses(Rules):
    pass


@variant("connection_close", "Connection: close on every response", wrap=ConnectionClose)
class ConnectionCloseEveryTime(Rules):
    pass


@variant("proxy_body_limit",
         "behind a reverse proxy that answers a body over 1 MiB itself: 413 with its HTML "
         "page (nginx's client_max_body_size 1m), as HTTP allows (erratum "
         "http-refusals-of-bodies); a SHOULD departure", strict_ok=False, wrap=ProxyBodyLimit)
class ProxyBodyLimit413(Rules):
    pass


@variant("unsupported_media_type_415",
         "a request not sent as application/json, no Content-Type at all included, is "
         "refused with 415, as Spring does (it reads a missing one as "
         "application/octet-stream; erratum http-refusals-of-bodies); a SHOULD departure",
         strict_ok=False)
class UnsupportedMediaType415(Rules):
    def check_content_type(self, content_type: str | None) -> None:
        try:
            super().check_content_type(content_type)
        except ApiError:
            shown = content_type or "application/octet-stream"
            raise ApiError(415, f"Content-Type '{shown}' is not supported") from None


@variant("long_ids_414",
         "a campaignId over 100 characters is refused with 414 before any lookup, as "
         "Fastify's maxParamLength does (erratum http-refusals-of-bodies); a SHOULD departure",
         strict_ok=False)
class LongIds414(Rules):
    def lookup_campaign(self, account: Account, campaign_id: str) -> Campaign:
        if len(campaign_id) > 100:
            raise ApiError(414, "URI Too Long")
        return super().lookup_campaign(account, campaign_id)


@variant("idle_connections_closed",
         "kept-alive connections closed by the server after 50 ms idle",
         server={"timeout_keep_alive": 0.05})
class IdleConnectionsClosed(Rules):
    pass


@variant("moving_and_echoed_fields",
         "200 bodies carry createdAt, a moving updatedAt and version, an ETag header and the "
         "echoed dynamicVariables; agent and phoneNumber carry extras; error bodies a "
         "per-request requestId")
class MovingAndEchoedFields(Rules):
    CREATED = "2025-01-02T03:04:05.000Z"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.versions: dict[str, int] = {}
        self.requests = 0

    def apply(self, campaign: Campaign, changes: dict[str, Any]) -> None:
        super().apply(campaign, changes)
        self.versions[campaign.campaign_id] = self.versions.get(campaign.campaign_id, 0) + 1

    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        body["agent"]["voice"] = {"provider": "acme", "speed": 1.0}
        body["phoneNumber"]["lastUsedAt"] = format_instant(self.now())
        return {
            **body,
            "createdAt": self.CREATED,
            "updatedAt": format_instant(self.now()),
            "version": self.versions.get(campaign.campaign_id, 0),
            "dynamicVariables": campaign.dynamic_variables,
        }

    def success_response(self, body: dict[str, Any]) -> Any:
        etag = f'W/"{body["campaignId"]}-{body["version"]}"'
        return self.json_response(body, 200, headers={"ETag": etag})

    def error_body(self, status: int, message: str, path: str,
                   validation_errors: dict[str, str] | None) -> dict[str, Any]:
        self.requests += 1
        return {**super().error_body(status, message, path, validation_errors),
                "requestId": f"req-{self.requests:08d}", "documentation": "https://example.test/e"}


ERROR_TYPES = {400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 403: "FORBIDDEN",
               404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT",
               500: "INTERNAL_ERROR"}


@variant("error_types", "Error.error is an error type (VALIDATION_ERROR, NOT_FOUND, ...)")
class ErrorTypes(Rules):
    def error_body(self, status: int, message: str, path: str,
                   validation_errors: dict[str, str] | None) -> dict[str, Any]:
        body = super().error_body(status, message, path, validation_errors)
        return {**body, "error": ERROR_TYPES.get(status, "REQUEST_FAILED")}


@variant("validation_errors_as_arrays",
         "validationErrors maps each field to an array of messages")
class ValidationErrorsAsArrays(Rules):
    def error_body(self, status: int, message: str, path: str,
                   validation_errors: dict[str, str] | None) -> dict[str, Any]:
        body = super().error_body(status, message, path, None)
        if validation_errors is not None:
            body["validationErrors"] = {k: [v, "see the documentation"]
                                        for k, v in validation_errors.items()}
        return body


class _SkewedClock(Rules):
    """A server whose clock is off by SKEW, in its decisions and its Date header."""

    SKEW = timedelta(0)

    def now(self) -> datetime:
        return super().now() + self.SKEW


@variant("clock_two_minutes_ahead", "the server's clock runs two minutes ahead")
class ClockTwoMinutesAhead(_SkewedClock):
    SKEW = timedelta(minutes=2)


@variant("clock_two_minutes_behind", "the server's clock runs two minutes behind")
class ClockTwoMinutesBehind(_SkewedClock):
    SKEW = timedelta(minutes=-2)


@variant("rate_limited_now_and_then",
         "every 64th request is answered 429 with Retry-After: 1, before the app sees it",
         wrap=wrapped_by(RateLimited, every=64, retry_after="1"))
class RateLimitedNowAndThen(Rules):
    pass


@variant("unavailable_now_and_then",
         "every 64th request is answered 503 with Retry-After: 1 (a service shedding load), "
         "before the app sees it",
         wrap=wrapped_by(RateLimited, every=64, retry_after="1", status=503))
class UnavailableNowAndThen(Rules):
    pass


@variant("slow_responses", "every response 100 ms late", wrap=wrapped_by(Latency, seconds=0.1))
class SlowResponses(Rules):
    pass


# ===================================================================== errata audit
# The other side of errata found by the audit of every schema the operation
# reaches (spec/errata.yaml).


@variant("errors_absent_when_empty",
         "the errors property is left out when there are none (erratum errors-presence)")
class ErrorsAbsentWhenEmpty(Rules):
    def render_campaign(self, campaign: Campaign) -> dict[str, Any]:
        body = super().render_campaign(campaign)
        if not body["errors"]:
            del body["errors"]
        return body


@variant("control_characters_refused",
         "a campaignName holding a control character is refused with 400 "
         "(erratum campaign-name-control-characters)")
class ControlCharactersRefused(Rules):
    def clean_campaign_name(self, value: Any) -> str:
        name = super().clean_campaign_name(value)
        if any(unicodedata.category(c) == "Cc" for c in name):
            raise Invalid("must not hold control characters")
        return name


@variant("compatibility_zones_refused",
         "a scheduledTimezone the database keeps only as a link (EST, US/Eastern, "
         "Asia/Calcutta) is refused with 400, as PHP's identifier list does; UTC is taken "
         "(erratum iana-compatibility-names)")
class CompatibilityZonesRefused(Rules):
    LINKS = compatibility_zone_names()

    def clean_scheduled_timezone(self, value: Any) -> str:
        zone = super().clean_scheduled_timezone(value)
        if zone in self.LINKS:
            raise Invalid("must be a time zone identifier, not an alias kept for compatibility")
        return zone


@variant("parsing_before_auth",
         "the body is parsed before the API key is looked at, as by a JSON parser mounted "
         "for the whole app: malformed JSON without a key gets its 400 "
         "(erratum refusal-precedence); a SHOULD departure", strict_ok=False)
class ParsingBeforeAuth(AuthAfterParsing):
    pass
