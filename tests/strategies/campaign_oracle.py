"""An independent oracle for UpdateCampaignRequest bodies.

``violations(body, ...)`` returns the ids of the rules a body breaks, worked
out from scratch: JSON Schema validation of UpdateCampaignRequest as found in
the document (Draft 4, with a "date" format check, and the ``format: time``
of scheduledTime replaced by the HH:mm:ss pattern the errata give), plus the
rules the schema cannot express (provisioned numbers, known agents, the
schedule rules, the int32 range, exact pattern matching).

Bounds, patterns and field lists are read from the contract model
(``conformance._contract``), the published document unless ``contract=``
names an edited one. It shares no code with the ``strategies`` package it
checks.
"""

from __future__ import annotations

import copy
import json
import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from jsonschema import Draft4Validator, FormatChecker

from conformance._contract import Contract
from conformance._operation import UPDATE_CAMPAIGN
from strategies import RawBody

PUBLISHED = UPDATE_CAMPAIGN.contract
DATE_SHAPE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
TIME_SHAPE = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])")


def _at_digit_bounds(contract: Contract) -> tuple[str, ...]:
    fewest, most = contract.field("sipPhoneNumber").digits or (0, 0)
    return ("+1" + "0" * (fewest - 1), "+" + "1234567890" * (most // 10) + "12345"[: most % 10])


# A small account used throughout the tests: ids and numbers at the bounds.
AGENT_IDS = ("agent_D5D0p7TUs66TTAEAx", "D5D0p7TUs66TTAEAx", "a",
             "x" * (PUBLISHED.field("agentId").max_length or 0))
PHONE_NUMBERS = ("+14155552671", "+442071838750", *_at_digit_bounds(PUBLISHED))
NOW = datetime(2026, 5, 5, 10, 6, 45, tzinfo=UTC)  # the spec's error timestamp

# Modest settings keep the whole directory fast.
QUICK = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# For find(): stops at the first example that fits and does not shrink it,
# so a big budget is cheap.
# Derandomized: a search that finds its example once finds it on every run.
REACH = settings(QUICK, max_examples=1000, phases=[Phase.generate], database=None,
                 derandomize=True)


def request_schema(contract: Contract = PUBLISHED) -> dict[str, Any]:
    """UpdateCampaignRequest from the document, with scheduledTime's format made
    the pattern the errata give it."""
    document = contract.spec.document
    schema = copy.deepcopy(document["components"]["schemas"]["UpdateCampaignRequest"])
    scheduled_time = schema["properties"]["scheduledTime"]
    del scheduled_time["format"]
    scheduled_time["pattern"] = contract.field("scheduledTime").pattern
    return schema


def _is_full_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = DATE_SHAPE.fullmatch(value)
    if match is None:
        return False
    date(*(int(part) for part in match.groups()))  # ValueError if impossible
    return True


_VALIDATORS: dict[int, tuple[Contract, Draft4Validator]] = {}


def validator(contract: Contract = PUBLISHED) -> Draft4Validator:
    built = _VALIDATORS.get(id(contract))
    if built is None or built[0] is not contract:
        formats = FormatChecker(formats=())
        formats.checks("date", raises=ValueError)(_is_full_date)
        schema = request_schema(contract)
        Draft4Validator.check_schema(schema)
        built = (contract, Draft4Validator(schema, format_checker=formats))
        _VALIDATORS[id(contract)] = built
    return built[1]


_SCHEMA_RULES = {
    ("campaignName", "minLength"): "name_empty_rejected",
    ("campaignName", "maxLength"): "name_too_long_rejected",
    ("agentId", "minLength"): "agent_id_length_enforced",
    ("agentId", "maxLength"): "agent_id_length_enforced",
    ("sipPhoneNumber", "pattern"): "phone_pattern_enforced",
    ("scheduledDate", "format"): "schedule_date_format_enforced",
    ("scheduledTime", "pattern"): "schedule_time_format_enforced",
}


def schema_violations(body: Any, contract: Contract = PUBLISHED) -> set[str]:
    """Rules broken according to JSON Schema validation alone."""
    found = set()
    for error in validator(contract).iter_errors(body):
        path = list(error.path)
        if not path:
            found.add("non_object_body_rejected" if error.validator == "type" else "schema?")
        elif path[0] == "dynamicVariables" and len(path) == 2 and error.instance is None:
            found.add("dynamic_variables_values_enforced")
        elif error.validator == "type":
            found.add("null_values_rejected" if error.instance is None else "field_types_enforced")
        else:
            found.add(_SCHEMA_RULES.get((path[0], error.validator), f"schema:{error.validator}"))
    return found


@cache
def iana_names() -> frozenset[str]:
    # "localtime" is the host's own zone file, not an IANA name.
    return frozenset(zoneinfo.available_timezones()) - {"localtime"}


def instants(date_text: str, time_text: str, zone: str) -> frozenset[datetime]:
    """UTC instants a local date and time may denote, from the zone's offsets."""
    year, month, day = (int(part) for part in DATE_SHAPE.fullmatch(date_text).groups())
    hour, minute, second = (int(part) for part in TIME_SHAPE.fullmatch(time_text).groups())
    wall = datetime(year, month, day, hour, minute, second)
    result = set()
    for fold in (0, 1):
        offset = wall.replace(tzinfo=zoneinfo.ZoneInfo(zone), fold=fold).utcoffset()
        result.add((wall - offset).replace(tzinfo=UTC))
    return frozenset(result)


def _valid_date(value: str) -> bool:
    try:
        return _is_full_date(value)
    except ValueError:
        return False


def field_violations(
    body: dict[str, Any],
    *,
    agent_ids: tuple[str, ...],
    phone_numbers: tuple[str, ...],
    now: datetime,
    taken_names: tuple[str, ...] = (),
    contract: Contract = PUBLISHED,
) -> set[str]:
    """Rules an object body breaks, by hand."""
    found: set[str] = set()
    wrong_type: set[str] = set()
    name_max = contract.field("campaignName").max_length or 0
    agent_min, agent_max = contract.field("agentId").length_bounds
    calls_min, calls_max = contract.field("concurrentCalls").integer_bounds
    phone = re.compile(contract.field("sipPhoneNumber").pattern.strip("^$").replace(r"\d", "[0-9]"))

    def typed(field: str, ok: bool) -> bool:
        if field not in body:
            return False
        if body[field] is None:
            found.add("null_values_rejected")
        elif not ok:
            found.add("field_types_enforced")
        else:
            return True
        wrong_type.add(field)
        return False

    for field in contract.string_fields:
        typed(field, isinstance(body.get(field), str))

    if "campaignName" in body and "campaignName" not in wrong_type:
        name = body["campaignName"]
        if name == "":
            found.add("name_empty_rejected")
        elif len(name) > name_max:
            found.add("name_too_long_rejected")
        elif name in taken_names:
            found.add("name_taken")
    if "sipPhoneNumber" in body and "sipPhoneNumber" not in wrong_type:
        number = body["sipPhoneNumber"]
        if phone.fullmatch(number) is None:
            found.add("phone_pattern_enforced")
        elif number not in phone_numbers:
            found.add("unprovisioned_number_rejected")
    if "agentId" in body and "agentId" not in wrong_type:
        agent = body["agentId"]
        if not agent_min <= len(agent) <= (agent_max or 0):
            found.add("agent_id_length_enforced")
        elif agent not in agent_ids:
            found.add("unknown_agent_rejected")

    value = body.get("concurrentCalls")
    if typed("concurrentCalls", isinstance(value, int) and not isinstance(value, bool)):
        if not calls_min <= value <= calls_max:
            found.add("concurrent_calls_range_enforced")

    variables = body.get("dynamicVariables")
    if typed("dynamicVariables", isinstance(variables, dict)):
        if any(item is None for item in variables.values()):
            found.add("dynamic_variables_values_enforced")

    # Formats are checked whenever the fields are present, as the schema does.
    date_text = body.get("scheduledDate")
    time_text = body.get("scheduledTime")
    zone = body.get("scheduledTimezone")
    date_ok = time_ok = zone_ok = False
    if "scheduledDate" in body and "scheduledDate" not in wrong_type:
        date_ok = _valid_date(date_text)
        if not date_ok:
            found.add("schedule_date_format_enforced")
    if "scheduledTime" in body and "scheduledTime" not in wrong_type:
        time_ok = TIME_SHAPE.fullmatch(time_text) is not None
        if not time_ok:
            found.add("schedule_time_format_enforced")

    if typed("isScheduled", isinstance(body.get("isScheduled"), bool)) and body["isScheduled"]:
        if any(field not in body for field in contract.schedule_fields):
            found.add("schedule_requires_date_time_zone")
        if "scheduledTimezone" in body and "scheduledTimezone" not in wrong_type:
            zone_ok = zone in iana_names()
            if not zone_ok:
                found.add("schedule_timezone_must_be_iana")
        if date_ok and time_ok and zone_ok:
            if min(instants(date_text, time_text, zone)) <= now:
                found.add("past_schedule_rejected")
    return found


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_raw(raw: RawBody) -> Any:
    """The JSON value in a RawBody; ValueError if there is none."""
    text = raw.content.decode("utf-8")  # no BOM allowed: it would be U+FEFF
    return json.loads(text, parse_constant=_reject_constant)


def violations(
    body: Any,
    *,
    agent_ids: tuple[str, ...] = AGENT_IDS,
    phone_numbers: tuple[str, ...] = PHONE_NUMBERS,
    now: datetime = NOW,
    taken_names: tuple[str, ...] = (),
    contract: Contract = PUBLISHED,
) -> set[str]:
    """Ids of the rules ``body`` breaks (empty for a valid update body), by the
    rules of ``contract``."""
    if isinstance(body, RawBody):
        if body.content == b"":
            return {"missing_body_rejected"}
        if body.content_type != "application/json":
            return {"wrong_content_type"}
        try:
            body = parse_raw(body)
        except ValueError:
            return {"malformed_json_rejected"}
    if not isinstance(body, dict):
        return {"non_object_body_rejected"}
    return schema_violations(body, contract) | field_violations(
        body,
        agent_ids=tuple(agent_ids),
        phone_numbers=tuple(phone_numbers),
        now=now,
        taken_names=tuple(taken_names),
        contract=contract,
    )


def json_round_trips(body: Any) -> bool:
    """Whether ``body`` survives strict JSON encoding and decoding unchanged."""
    text = json.dumps(body, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")  # raises on lone surrogates
    return json.loads(text) == body


def local_now(zone: str, now: datetime) -> datetime:
    return now.astimezone(zoneinfo.ZoneInfo(zone))


FIVE_YEARS = timedelta(days=5 * 366 + 2)
