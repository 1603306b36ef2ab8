"""The oracle itself, on hand-written bodies, before it judges the strategies."""

import pytest
from campaign_oracle import NOW, instants, schema_violations, violations

from strategies import RawBody

SPEC_EXAMPLE = {
    "campaignName": "Q4 Outreach Campaign",
    "sipPhoneNumber": "+14155552671",
    "agentId": "D5D0p7TUs66TTAEAx",
    "isScheduled": True,
    "scheduledDate": "2026-09-25",
    "scheduledTime": "12:00:00",
    "scheduledTimezone": "America/Los_Angeles",
    "concurrentCalls": 5,
    "dynamicVariables": {"customer_name": "Michael"},
}


def test_spec_example_is_valid_in_the_future():
    assert violations(SPEC_EXAMPLE) == set()
    assert violations({}) == set()
    assert violations({"isScheduled": False}) == set()
    assert violations({"unknownProperty": None}) == set()


def test_los_angeles_example():
    (instant,) = instants("2025-09-25", "12:00:00", "America/Los_Angeles")
    assert instant.isoformat() == "2025-09-25T19:00:00+00:00"


def test_gap_and_overlap_have_two_readings():
    assert len(instants("2027-03-14", "02:30:00", "America/New_York")) == 2  # gap
    assert len(instants("2027-11-07", "01:30:00", "America/New_York")) == 2  # overlap
    assert len(instants("2027-04-04", "01:45:00", "Australia/Lord_Howe")) == 2


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"campaignName": ""}, "name_empty_rejected"),
        ({"campaignName": "😀" * 129}, "name_too_long_rejected"),
        ({"sipPhoneNumber": "+14155552671\n"}, "phone_pattern_enforced"),
        ({"sipPhoneNumber": "+1415555267\u0663"}, "phone_pattern_enforced"),
        ({"sipPhoneNumber": "+14155550000"}, "unprovisioned_number_rejected"),
        ({"agentId": "y" * 65}, "agent_id_length_enforced"),
        ({"agentId": "nobody"}, "unknown_agent_rejected"),
        ({"concurrentCalls": 5.0}, "field_types_enforced"),
        ({"concurrentCalls": True}, "field_types_enforced"),
        ({"isScheduled": "true"}, "field_types_enforced"),
        ({"agentId": None}, "null_values_rejected"),
        ({"isScheduled": True, "scheduledDate": "2030-01-01"}, "schedule_requires_date_time_zone"),
        (
            {
                **SPEC_EXAMPLE,
                "scheduledDate": "2026-05-05",
                "scheduledTime": "22:00:00",
                "scheduledTimezone": "Pacific/Kiritimati",
            },
            "past_schedule_rejected",
        ),
        ({**SPEC_EXAMPLE, "scheduledDate": "2027-02-29"}, "schedule_date_format_enforced"),
        ({**SPEC_EXAMPLE, "scheduledDate": "20270101"}, "schedule_date_format_enforced"),
        ({**SPEC_EXAMPLE, "scheduledTime": "12:00:00\n"}, "schedule_time_format_enforced"),
        ({**SPEC_EXAMPLE, "scheduledTime": "24:00:00"}, "schedule_time_format_enforced"),
        ({**SPEC_EXAMPLE, "scheduledTimezone": "PST"}, "schedule_timezone_must_be_iana"),
        ({**SPEC_EXAMPLE, "scheduledTimezone": "localtime"}, "schedule_timezone_must_be_iana"),
        ({"concurrentCalls": 2**31}, "concurrent_calls_range_enforced"),
        ({"dynamicVariables": {"a": None}}, "dynamic_variables_values_enforced"),
        (RawBody(b'{"concurrentCalls": NaN}'), "malformed_json_rejected"),
        (RawBody(b"\xef\xbb\xbf{}"), "malformed_json_rejected"),
        (RawBody(b"[]"), "non_object_body_rejected"),
        (None, "non_object_body_rejected"),
        (RawBody(b""), "missing_body_rejected"),
    ],
)
def test_single_rules(body, rule):
    assert violations(body) == {rule}


def test_timezones_are_ignored_unless_scheduled():
    assert violations({"scheduledTimezone": "PST"}) == set()
    assert violations({"isScheduled": False, "scheduledTimezone": "PST"}) == set()


def test_schema_alone_misses_what_the_hand_rules_catch():
    # Python's re.search lets "$" match before a final newline.
    assert schema_violations({"sipPhoneNumber": "+14155552671\n"}) == set()
    assert schema_violations({"concurrentCalls": 0}) == set()
    assert schema_violations({"dynamicVariables": {"a": {"b": None}}}) == set()


def test_kiritimati_earlier_today_is_past():
    # 22:00 on 5 May in Kiritimati (UTC+14) is 08:00Z on 5 May: before NOW.
    (instant,) = instants("2026-05-05", "22:00:00", "Pacific/Kiritimati")
    assert instant < NOW
