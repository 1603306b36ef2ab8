"""Mutant registry, and for each mutant one probe whose answer differs from the reference."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from refkit import FOREIGN, TAKEN, TARGET, Client

from reference import MUTANTS, Rules, load_world
from reference.history_mutants import HISTORY_MUTANTS
from reference.mutants import mutant

# ------------------------------------------------------------------ registry


def test_registry_holds_at_least_45_mutants():
    assert len(MUTANTS) >= 45


# Registration (reference.mutant) already refuses a duplicate or non-snake_case
# name, killed_by empty or naming an unknown check, and rules that are not a
# subclass of Rules; what it cannot refuse is checked here.
def test_each_mutant_has_a_description_and_its_own_rules():
    assert all(entry.description.strip() for entry in MUTANTS.values())
    assert len({entry.rules for entry in MUTANTS.values()}) == len(MUTANTS)


def test_mutant_records_are_frozen():
    entry = next(iter(MUTANTS.values()))
    with pytest.raises(AttributeError):
        entry.name = "other"  # type: ignore[misc]


def test_registration_refuses_no_killer_and_duplicates():
    with pytest.raises(ValueError, match="names no check"):
        mutant("brand_new", "x", ())(type("X", (Rules,), {}))
    with pytest.raises(ValueError, match="duplicate"):
        mutant("name_max_129", "x", ("name_too_long_rejected",))(type("Y", (Rules,), {}))


# -------------------------------------------------------------------- probes


@dataclass(frozen=True)
class Step:
    body: Any = field(default_factory=dict)
    campaign: str = TARGET
    key: str | None = "primary"
    raw: bytes | None = None
    content_type: str | None = "application/json"
    # "{key}" in these stands for the primary key.
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""


def P(*steps: Step) -> tuple[Step, ...]:
    return steps


def body(payload: Any, **kwargs: Any) -> tuple[Step, ...]:
    return (Step(body=payload, **kwargs),)


def scheduled(day: str, clock: str, zone: str) -> dict[str, Any]:
    return {
        "isScheduled": True,
        "scheduledDate": day,
        "scheduledTime": clock,
        "scheduledTimezone": zone,
    }


LA = scheduled("2025-09-25", "12:00:00", "America/Los_Angeles")
NO_KEY = body({}, key=None)
BAD_FIELD = body({"concurrentCalls": 0})
AGENT_64 = "agent_L0ngAg3ntIdent1f1er" + "A" * 39
ARABIC = "".join(chr(0x0660 + int(d)) for d in "4155552671")

PROBES: dict[str, tuple[Step, ...]] = {
    "auth_missing_key_accepted": NO_KEY,
    "auth_any_key_accepted": body({}, key="not-a-key"),
    "auth_after_validation": P(Step(raw=b"{", key=None)),
    "auth_after_parsing": P(Step(raw=b"{", key=None)),
    "not_found_before_auth": body({}, key=None, campaign="camp_Nope"),
    "campaign_id_case_insensitive": body({}, campaign=TARGET.upper()),
    "header_name_case_sensitive": body({}),
    "foreign_campaign_updatable": body({}, campaign=FOREIGN),
    "unknown_campaign_is_400": body({}, campaign="camp_Nope"),
    "api_key_echoed": body({}, campaign="camp_Nope"),
    "foreign_agent_accepted": body({"agentId": "agent_F0re1gn0000001"}),
    "foreign_number_accepted": body({"sipPhoneNumber": "+442071838750"}),
    "unknown_agent_accepted": body({"agentId": "agent_Nope"}),
    "unprovisioned_number_accepted": body({"sipPhoneNumber": "+14155559999"}),
    "inactive_number_accepted": body({"sipPhoneNumber": "+14155550199"}),
    "nested_json_server_error": P(Step(raw=b"[" * 100_000)),
    "null_dynamic_variable_server_error": body({"dynamicVariables": {"a": None}}),
    "unsupported_media_type_415": P(Step(raw=b"{}", content_type="text/plain")),
    "payload_too_large_413": P(Step(raw=b"{" + b" " * (1 << 20) + b"}")),
    "non_object_body_accepted": body([]),
    "empty_body_accepted": P(Step(raw=b"")),
    "empty_object_rejected": body({}),
    "unknown_properties_rejected": body({"colour": "blue"}),
    "null_means_unset": body({"campaignName": None}),
    "trailing_garbage_accepted": P(Step(raw=b"{} xyz")),
    "name_min_0": body({"campaignName": ""}),
    "name_max_129": body({"campaignName": "x" * 129}),
    "name_max_127": body({"campaignName": "x" * 128}),
    "name_length_utf8_bytes": body({"campaignName": "é" * 128}),
    "name_length_utf16_units": body({"campaignName": "😀" * 100}),
    "name_trimmed": body({"campaignName": "  Padded  "}),
    "name_uniqueness_not_enforced": body({"campaignName": "Spring Renewal Campaign"}),
    "name_index_never_pruned": P(Step(body={"campaignName": "Renamed for a while"}),
                                 Step(body={"campaignName": "Q4 Outreach Campaign"})),
    "own_name_conflict": body({"campaignName": "Q4 Outreach Campaign"}),
    "name_unique_across_accounts": body({"campaignName": "Foreign Campaign"}),
    "name_number_coerced": body({"campaignName": 123}),
    "phone_6_digits_accepted": body({"sipPhoneNumber": "+123456"}),
    "phone_15_digits_rejected": body({"sipPhoneNumber": "+123456789012345"}),
    "phone_16_digits_accepted": body({"sipPhoneNumber": "+1234567890123456"}),
    "phone_trailing_newline_accepted": body({"sipPhoneNumber": "+14155552671\n"}),
    "phone_unicode_digits_accepted": body({"sipPhoneNumber": "+1" + ARABIC}),
    "phone_separators_stripped": body({"sipPhoneNumber": "+1 415-555-2671"}),
    "phone_plus_added": body({"sipPhoneNumber": "14155552671"}),
    "agent_id_max_65": body({"agentId": AGENT_64 + "Z"}),
    "agent_id_max_63": body({"agentId": AGENT_64}),
    "agent_id_min_2": body({"agentId": "A"}),
    "schedule_requirements_missing": body({"isScheduled": True, "scheduledDate": "2025-09-25"}),
    "past_schedule_accepted": body(scheduled("2024-06-01", "12:00:00", "UTC")),
    # The test clock is 2025-01-01T12:00:00Z: 06:00 UTC that day is already past.
    "schedule_today_by_utc_date": body(scheduled("2025-01-01", "06:00:00", "UTC")),
    # 20:00 in Tokyo is 11:00Z, past; still today there, and ahead of 12:00Z or
    # of Los Angeles' 04:00 as a wall time.
    "schedule_today_by_local_date": body(scheduled("2025-01-01", "20:00:00", "Asia/Tokyo")),
    "schedule_future_ignores_zone": body(scheduled("2025-01-01", "20:00:00", "Asia/Tokyo")),
    "schedule_future_by_wall_time": body(scheduled("2025-01-01", "20:00:00", "Asia/Tokyo")),
    "schedule_timezone_ignored": body(LA),
    "schedule_offset_sign_flipped": body(LA),
    "schedule_dst_ignored": body(LA),
    "dst_gap_crashes": body(scheduled("2030-03-10", "02:30:00", "America/New_York")),
    "scheduled_date_local_time_labelled_utc": body(LA),
    "schedule_applied_without_flag": body({k: v for k, v in LA.items() if k != "isScheduled"}),
    "unschedule_not_clearing": body({"isScheduled": False}, campaign=TAKEN),
    "unschedule_status_stays_scheduled": body({"isScheduled": False}, campaign=TAKEN),
    "scheduled_status_not_updated": body(LA),
    "scheduled_flag_not_updated": body(LA),
    "schedule_date_datetime_accepted": body(LA | {"scheduledDate": "2025-09-25T00:00:00.000Z"}),
    "schedule_date_lenient_calendar": body(LA | {"scheduledDate": "2025-02-30"}),
    "schedule_time_24_accepted": body(LA | {"scheduledTime": "24:00:00"}),
    "schedule_time_single_digit_hour": body(LA | {"scheduledTime": "9:00:00"}),
    "schedule_timezone_unknown_as_utc": body(LA | {"scheduledTimezone": "Mars/Olympus_Mons"}),
    "concurrent_calls_zero_accepted": body({"concurrentCalls": 0}),
    "concurrent_calls_int32_max_rejected": body({"concurrentCalls": 2147483647}),
    "concurrent_calls_int32_overflow_accepted": body({"concurrentCalls": 2147483648}),
    "concurrent_calls_string_coerced": body({"concurrentCalls": "5"}),
    "concurrent_calls_bool_accepted": body({"concurrentCalls": True}),
    "concurrent_calls_float_accepted": body({"concurrentCalls": 2.5}),
    "is_scheduled_string_coerced": body({"isScheduled": "false"}),
    "dynamic_variables_null_value_accepted": body({"dynamicVariables": {"a": None}}),
    "dynamic_variables_nested_rejected": body({"dynamicVariables": {"a": {"b": [1]}}}),
    "dynamic_variables_array_accepted": body({"dynamicVariables": []}),
    "put_semantics": body({"campaignName": "Renamed"}),
    "partial_application": P(Step(body={"campaignName": "Half", "concurrentCalls": 0}), Step()),
    "sip_phone_number_not_saved": body({"sipPhoneNumber": "+1234567"}),
    "response_rendered_before_update": body({"campaignName": "Renamed"}),
    "agent_from_phone_number": body({"agentId": "agent_T3st1ngAg3nt0001"}),
    "created_201": body({}),
    "validation_422_fastapi": BAD_FIELD,
    "error_status_field_missing": NO_KEY,
    "error_status_field_mismatch": NO_KEY,
    "error_reason_phrase_wrong": NO_KEY,
    "error_path_collection": NO_KEY,
    "error_text_plain": NO_KEY,
    "response_text_plain": body({}),
    "validation_errors_missing": BAD_FIELD,
    "validation_errors_snake_case_keys": BAD_FIELD,
    "campaign_id_without_prefix": body({}),
    "concurrent_calls_as_string": body({}),
    "agent_missing_in_response": body({}),
    "errors_as_string": body({}),
    "hang_on_non_ascii_name": body({"campaignName": "Café"}),
    "wrong_types_ignored": body({"concurrentCalls": "5"}),
    "scheduled_flag_as_string": body({}),
    "unreadable_body_as_empty": body(None, raw=b"{not json"),
    "field_names_case_insensitive": body({"CampaignName": "Renamed By Case"}),
    "key_accepted_in_query": body({}, key=None, query="api_key={key}"),
    "key_accepted_as_bearer": body({}, key=None, headers={"Authorization": "Bearer {key}"}),
    "key_accepted_in_cookie": body({}, key=None, headers={"Cookie": "X-API-Key={key}"}),
    "name_html_escaped": body({"campaignName": "<b>Q4 & Co</b>"}),
    "name_normalised_nfc": body({"campaignName": "Cafe\u0301"}),
    "name_format_characters_stripped": body({"campaignName": "Out\u200dreach"}),
    "name_astral_replaced": body({"campaignName": "Calls \U0001f4de"}),
    "name_quotes_doubled": body({"campaignName": "O'Brien"}),
    "name_backslashes_stripped": body({"campaignName": "C:\\q4"}),
    "name_control_characters_stripped": body({"campaignName": "Line\x00Break"}),
    "content_type_exact_match": P(Step(raw=b"{}", content_type="application/json; charset=utf-8")),
    "content_type_case_sensitive": P(Step(raw=b"{}", content_type="Application/JSON")),
    "json_whitespace_refused": P(Step(raw=b'{\n\t"concurrentCalls": 3\n}')),
    "json_unicode_escapes_refused": P(Step(raw=b'{"campaignName": "\\u00e9t\\u00e9"}')),
    "json_solidus_escape_refused": P(Step(raw=b'{"campaignName": "a\\/b"}')),
}

PROBE_TIMEOUT = 1.0


def run(rules: type[Rules], steps: tuple[Step, ...]) -> tuple[Any, ...]:
    """Answer of the last step as (status, media type, body without timestamp)."""
    client = Client(load_world(), rules)
    try:
        answer: tuple[Any, ...] = ()
        for step in steps:
            raw = step.raw if step.raw is not None else json.dumps(step.body).encode()
            try:
                query = "?" + step.query.format(key=client.key) if step.query else ""
                response = client.patch(
                    raw=raw,
                    campaign=step.campaign + query,
                    key=step.key,
                    content_type=step.content_type,
                    headers={k: v.format(key=client.key) for k, v in step.headers.items()},
                    timeout=PROBE_TIMEOUT,
                )
            except TimeoutError:
                return ("no answer",)
            try:
                content: Any = response.json()
            except ValueError:
                content = response.text
            if isinstance(content, dict):
                content.pop("timestamp", None)
                content = {k: v for k, v in content.items() if k != "message" or "key" in v}
            answer = (response.status_code, response.headers.get("content-type"), content)
        return answer
    finally:
        client.close()


def test_every_mutant_has_a_probe():
    # Sequence-only mutants answer every single request as the reference does:
    # tests/reference/test_history_mutants.py probes them with histories.
    assert set(PROBES) == set(MUTANTS) - set(HISTORY_MUTANTS)


@pytest.mark.parametrize("name", sorted(PROBES))
def test_mutant_answers_its_probe_differently_from_the_reference(name):
    steps = PROBES[name]
    reference_answer = run(Rules, steps)
    assert reference_answer != ("no answer",)
    assert reference_answer[0] < 500
    assert run(MUTANTS[name].rules, steps) != reference_answer


def test_the_reference_answers_every_probe_without_server_errors():
    for name, steps in PROBES.items():
        answer = run(Rules, steps)
        assert answer[0] < 500, name
        assert answer[1].startswith("application/json"), name


def test_hang_is_cancellable():
    client = Client(load_world(), MUTANTS["hang_on_non_ascii_name"].rules)
    try:
        with pytest.raises(asyncio.TimeoutError):
            client.patch({"campaignName": "Ünïcode"}, timeout=0.2)
        assert client.patch({"campaignName": "ascii"}, timeout=1).status_code == 200
    finally:
        client.close()
