"""update_bodies() and invalid_bodies(), judged by the independent oracle."""

from datetime import datetime, timedelta

import pytest
from campaign_oracle import (
    AGENT_IDS,
    NOW,
    PHONE_NUMBERS,
    QUICK,
    REACH,
    instants,
    json_round_trips,
    violations,
)
from hypothesis import find, given, settings
from hypothesis.errors import InvalidArgument

from strategies import (
    RULES,
    UNKNOWN_PROPERTY,
    InvalidBody,
    RawBody,
    invalid_bodies,
    update_bodies,
)
from strategies._bodies import _unknown_agent, _unprovisioned, _untaken

EXPECTED_RULES = {
    "name_empty_rejected": {400},
    "name_too_long_rejected": {400},
    "phone_pattern_enforced": {400},
    "unprovisioned_number_rejected": {400, 404},
    "agent_id_length_enforced": {400},
    "unknown_agent_rejected": {400, 404},
    "field_types_enforced": {400},
    "null_values_rejected": {400},
    "schedule_requires_date_time_zone": {400},
    "past_schedule_rejected": {400},
    "schedule_date_format_enforced": {400},
    "schedule_time_format_enforced": {400},
    "schedule_timezone_must_be_iana": {400},
    "concurrent_calls_range_enforced": {400},
    "dynamic_variables_values_enforced": {400},
    "malformed_json_rejected": {400},
    "non_object_body_rejected": {400},
    "missing_body_rejected": {400},
}
TAKEN = ("a", "Q4 Outreach Campaign", "0")
SCHEDULE = ("scheduledDate", "scheduledTime", "scheduledTimezone")
ACCOUNT = {"agent_ids": AGENT_IDS, "phone_numbers": PHONE_NUMBERS, "now": NOW}


def test_rules_and_statuses():
    assert {rule: set(statuses) for rule, statuses in RULES.items()} == EXPECTED_RULES


# ---------------------------------------------------------------- update_bodies


@QUICK
@given(update_bodies(**ACCOUNT, taken_names=TAKEN))
def test_update_bodies_are_valid(body):
    assert violations(body, taken_names=TAKEN) == set()
    assert json_round_trips(body)
    present = [field for field in SCHEDULE if field in body]
    if present:
        assert body["isScheduled"] is True and len(present) == 3
        when = instants(body["scheduledDate"], body["scheduledTime"], body["scheduledTimezone"])
        assert min(when) > NOW + timedelta(days=365)


@QUICK
@given(update_bodies(agent_ids=[], phone_numbers=[], now=NOW, lead=timedelta(hours=1)))
def test_empty_account_lists_leave_fields_out(body):
    assert "agentId" not in body and "sipPhoneNumber" not in body
    assert violations(body, agent_ids=(), phone_numbers=()) == set()


@pytest.mark.parametrize(
    "condition",
    [
        lambda b: b == {},
        lambda b: "campaignName" in b,
        lambda b: b.get("agentId") == AGENT_IDS[-1],
        lambda b: b.get("sipPhoneNumber") == PHONE_NUMBERS[-1],
        lambda b: b.get("isScheduled") is True,
        lambda b: b.get("isScheduled") is False,
        lambda b: len(b.get("dynamicVariables", {})) >= 2,
        lambda b: b.get("concurrentCalls") == 2**31 - 1,
        lambda b: len(b) >= 6,
    ],
    ids=["empty", "name", "last agent", "last number", "scheduled", "not scheduled",
         "variables", "int32 max", "many fields"],
)
def test_update_bodies_reach(condition):
    find(update_bodies(**ACCOUNT, variable_names=VARIABLES), condition, settings=REACH)


VARIABLES = ("customer_name", "appointment_day")


@QUICK
@given(update_bodies(**ACCOUNT))
def test_no_variables_or_unknown_properties_unless_asked(body):
    assert "dynamicVariables" not in body and UNKNOWN_PROPERTY not in body


@QUICK
@given(update_bodies(**ACCOUNT, variable_names=VARIABLES, unknown_properties=True))
def test_variables_use_only_the_given_names(body):
    assert set(body.get("dynamicVariables", {})) <= set(VARIABLES)
    assert violations(body) == set()


def test_taken_names_are_avoided():
    taken = frozenset({"a", "a0", "b" * 128, "b" * 127 + "0"})
    assert _untaken("a", taken, 128) == "a01"
    assert _untaken("b" * 128, taken, 128) == "b" * 127 + "1"
    assert _untaken("c", taken, 128) == "c"


# ---------------------------------------------------------------- invalid_bodies


def _check(example, *, agent_ids=AGENT_IDS, phone_numbers=PHONE_NUMBERS):
    assert isinstance(example, InvalidBody)
    assert example.statuses == RULES[example.rule]
    assert example.reason
    found = violations(example.body, agent_ids=agent_ids, phone_numbers=phone_numbers)
    assert found == {example.rule}, example.reason
    if isinstance(example.body, dict):
        assert json_round_trips(example.body)
        assert example.field in example.body or example.rule == "schedule_requires_date_time_zone"
        # Never a valid campaignName, which could clash with another campaign.
        if "campaignName" in example.body:
            assert example.field == "campaignName"
    elif not isinstance(example.body, RawBody):
        assert json_round_trips(example.body) and example.field is None


@settings(QUICK, max_examples=100)
@given(invalid_bodies(**ACCOUNT))
def test_invalid_bodies_break_exactly_their_rule(example):
    _check(example)


@pytest.mark.parametrize("rule", list(EXPECTED_RULES))
def test_every_rule_can_be_generated(rule):
    @settings(QUICK, max_examples=15)
    @given(invalid_bodies(**ACCOUNT, rules=[rule]))
    def check(example):
        assert example.rule == rule
        _check(example)

    check()


@settings(QUICK, max_examples=60)
@given(invalid_bodies(agent_ids=[], phone_numbers=[], now=NOW))
def test_invalid_bodies_for_an_empty_account(example):
    _check(example, agent_ids=(), phone_numbers=())


def test_sometimes_valid_fields_ride_along():
    find(
        invalid_bodies(**ACCOUNT, rules=["concurrent_calls_range_enforced"]),
        lambda e: len(e.body) >= 3 or (len(e.body) == 2 and "isScheduled" not in e.body),
        settings=REACH,
    )


@pytest.mark.parametrize(
    ("rule", "condition"),
    [
        ("name_too_long_rejected", lambda e: len(e.body["campaignName"]) == 129),
        ("name_too_long_rejected", lambda e: any(ord(c) > 0xFFFF for c in e.body["campaignName"])),
        ("name_too_long_rejected", lambda e: "\u0301" in e.body["campaignName"]),
        ("agent_id_length_enforced", lambda e: e.body["agentId"] == ""),
        ("agent_id_length_enforced", lambda e: len(e.body["agentId"]) == 65),
        ("unknown_agent_rejected", lambda e: len(e.body["agentId"]) == 64),
        ("field_types_enforced", lambda e: e.body.get("concurrentCalls") == "5"),
        ("field_types_enforced", lambda e: e.body.get("isScheduled") == "false"),
        ("null_values_rejected", lambda e: e.field == "scheduledTimezone"),
        ("schedule_requires_date_time_zone", lambda e: e.body == {"isScheduled": True}),
        ("schedule_date_format_enforced", lambda e: e.body["scheduledDate"].endswith("-02-30")),
        ("schedule_time_format_enforced", lambda e: e.body["scheduledTime"] == "24:00:00"),
        ("schedule_timezone_must_be_iana", lambda e: e.body["scheduledTimezone"] == "Mars/Olympus"),
        ("concurrent_calls_range_enforced", lambda e: e.body["concurrentCalls"] == 2**31),
        ("concurrent_calls_range_enforced", lambda e: e.body["concurrentCalls"] < 0),
        ("malformed_json_rejected", lambda e: e.body.content == b"{"),
        ("non_object_body_rejected", lambda e: e.body is None),
        ("non_object_body_rejected", lambda e: isinstance(e.body, list)),
    ],
)
def test_invalid_bodies_reach(rule, condition):
    find(invalid_bodies(**ACCOUNT, rules=[rule]), condition, settings=REACH)


def test_unprovisioned_numbers_and_unknown_agents_avoid_the_account():
    provisioned = frozenset({"+1000000", "+1000001"})
    assert _unprovisioned("+1000000", provisioned) == "+1000002"
    assert _unprovisioned("+4420718387", provisioned) == "+4420718387"
    known = frozenset({"a", "a0", "x" * 64})
    assert _unknown_agent("a", known, 64) == "a1"
    assert _unknown_agent("x" * 64, known, 64) == "x" * 63 + "0"


@pytest.mark.parametrize(
    "make",
    [
        lambda: invalid_bodies(**ACCOUNT, rules=["no_such_rule"]),
        lambda: invalid_bodies(**ACCOUNT, rules="name_empty_rejected"),
        lambda: invalid_bodies(**ACCOUNT, rules=[]),
        lambda: invalid_bodies(agent_ids="agent_1", phone_numbers=[], now=NOW),
        lambda: invalid_bodies(agent_ids=[1], phone_numbers=[], now=NOW),
        lambda: invalid_bodies(agent_ids=["x" * 65], phone_numbers=[], now=NOW),
        lambda: invalid_bodies(agent_ids=[], phone_numbers=["4155552671"], now=NOW),
        lambda: invalid_bodies(agent_ids=[], phone_numbers=[], now=datetime(2026, 1, 1)),
        lambda: update_bodies(agent_ids=None, phone_numbers=[], now=NOW),
        lambda: update_bodies(agent_ids=[], phone_numbers="+14155552671", now=NOW),
        lambda: update_bodies(agent_ids=[], phone_numbers=[], now=NOW, lead=-timedelta(days=1)),
        lambda: update_bodies(agent_ids=[], phone_numbers=[], now=NOW, lead=3600),
        lambda: update_bodies(agent_ids=[], phone_numbers=[], now=NOW, taken_names=5),
        lambda: update_bodies(agent_ids=[], phone_numbers=[], now=NOW.replace(tzinfo=None)),
    ],
)
def test_bad_arguments_raise_at_definition(make):
    with pytest.raises(InvalidArgument):
        make()
