"""Variants: the reference taking the other side wherever the contract allows two.

Where mutants prove that every check can fail, variants prove that no check
fails a correct server that reads the contract differently from the
reference (see spec/errata.yaml). Each is a small subclass of
:class:`~reference.Rules` overriding one choice; a conformance run against
any of them must pass every MUST check. ``strict_ok`` is False for a variant
that only departs from a SHOULD rule (it must pass without ``--strict``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ._rules import ApiError, Invalid, Rules
from ._world import Account, Campaign

__all__ = ["VARIANTS", "Variant", "variant"]


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    strict_ok: bool
    rules: type[Rules]


VARIANTS: dict[str, Variant] = {}


def variant(
    name: str, description: str, *, strict_ok: bool = True
) -> Callable[[type[Rules]], type[Rules]]:
    def register(cls: type[Rules]) -> type[Rules]:
        if name in VARIANTS or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(f"bad or duplicate variant name {name!r}")
        VARIANTS[name] = Variant(name, description, strict_ok, cls)
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
