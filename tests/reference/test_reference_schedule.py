"""Scheduling: required fields, formats, time-zone arithmetic, future rule, unscheduling."""

from __future__ import annotations

import pytest
from refkit import TAKEN, TARGET, assert_error


def schedule(day: str, clock: str, zone: str) -> dict[str, object]:
    return {
        "isScheduled": True,
        "scheduledDate": day,
        "scheduledTime": clock,
        "scheduledTimezone": zone,
    }


def test_the_spec_example_instant_is_19_00_utc(client):
    response = client.patch(schedule("2025-09-25", "12:00:00", "America/Los_Angeles"))
    assert response.status_code == 200
    body = response.json()
    assert body["scheduledDate"] == "2025-09-25T19:00:00.000Z"
    assert body["scheduled"] is True
    assert body["campaignStatus"] == "scheduled"


@pytest.mark.parametrize(
    ("day", "clock", "zone", "instant"),
    [
        ("2025-07-01", "12:00:00", "America/New_York", "2025-07-01T16:00:00.000Z"),
        ("2025-12-01", "12:00:00", "America/New_York", "2025-12-01T17:00:00.000Z"),
        ("2025-07-01", "12:00:00", "Asia/Kolkata", "2025-07-01T06:30:00.000Z"),
        ("2025-07-01", "12:00:00", "Asia/Kathmandu", "2025-07-01T06:15:00.000Z"),
        ("2025-07-01", "12:00:00", "Australia/Lord_Howe", "2025-07-01T01:30:00.000Z"),
        ("2025-12-01", "12:00:00", "Australia/Lord_Howe", "2025-12-01T01:00:00.000Z"),
        ("2025-07-01", "12:00:00", "Europe/London", "2025-07-01T11:00:00.000Z"),
        ("2025-12-31", "23:59:59", "UTC", "2025-12-31T23:59:59.000Z"),
        ("2025-03-01", "00:00:00", "Pacific/Kiritimati", "2025-02-28T10:00:00.000Z"),
        ("2025-03-01", "00:00:00", "Etc/GMT+12", "2025-03-01T12:00:00.000Z"),
    ],
)
def test_the_instant_follows_the_zone_offset_on_that_date(client, day, clock, zone, instant):
    response = client.patch(schedule(day, clock, zone))
    assert response.status_code == 200, response.text
    assert response.json()["scheduledDate"] == instant


def test_an_ambiguous_local_time_takes_the_first_occurrence(client):
    # 01:30 happens twice in New York on 2025-11-02; fold=0 is the EDT one.
    response = client.patch(schedule("2025-11-02", "01:30:00", "America/New_York"))
    assert response.json()["scheduledDate"] == "2025-11-02T05:30:00.000Z"


def test_a_skipped_local_time_uses_the_offset_before_the_change(client):
    # 02:30 does not exist in New York on 2025-03-09; fold=0 reads it with EST.
    response = client.patch(schedule("2025-03-09", "02:30:00", "America/New_York"))
    assert response.json()["scheduledDate"] == "2025-03-09T07:30:00.000Z"


def test_the_instant_must_be_strictly_after_now(client):
    # The test clock says 2025-01-01T12:00:00Z.
    assert_error(client.patch(schedule("2025-01-01", "12:00:00", "UTC")), 400, "scheduledDate")
    assert client.patch(schedule("2025-01-01", "12:00:01", "UTC")).status_code == 200


@pytest.mark.parametrize(
    ("day", "clock", "zone"),
    [
        ("2024-12-31", "23:59:59", "UTC"),
        ("2025-01-01", "06:00:00", "UTC"),
        ("2025-01-01", "13:00:00", "Europe/Paris"),  # 12:00Z
    ],
)
def test_past_instants_are_400(client, day, clock, zone):
    assert_error(client.patch(schedule(day, clock, zone)), 400, "scheduledDate")
    assert client.world.primary.campaigns[TARGET].schedule is None


def test_a_date_that_is_today_in_the_zone_but_later_in_utc_is_future(client):
    # 2025-01-01 23:00 in Tokyo is 14:00Z, two hours after the clock.
    assert client.patch(schedule("2025-01-01", "23:00:00", "Asia/Tokyo")).status_code == 200


@pytest.mark.parametrize("missing", ["scheduledDate", "scheduledTime", "scheduledTimezone"])
def test_each_schedule_field_is_required_with_is_scheduled_true(client, missing):
    body = schedule("2025-09-25", "12:00:00", "America/Los_Angeles")
    del body[missing]
    assert_error(client.patch(body), 400, missing)


def test_is_scheduled_true_alone_names_all_three_fields(client):
    errors = assert_error(client.patch({"isScheduled": True}), 400)["validationErrors"]
    assert set(errors) == {"scheduledDate", "scheduledTime", "scheduledTimezone"}


@pytest.mark.parametrize(
    "day",
    [
        "2025-09-25T00:00:00.000Z",
        "2025-9-25",
        "25-09-2025",
        "2025/09/25",
        "2025-02-29",
        "2025-04-31",
        "2025-13-01",
        "2025-00-10",
        "2025-09-00",
        "20250925",
        "2025-09-25 ",
        "２０２５-09-25",
        "",
    ],
)
def test_scheduled_date_must_be_a_calendar_date(client, day):
    body = schedule(day, "12:00:00", "UTC")
    assert_error(client.patch(body), 400, "scheduledDate")


def test_leap_day_is_a_calendar_date(client):
    assert client.patch(schedule("2028-02-29", "12:00:00", "UTC")).status_code == 200


@pytest.mark.parametrize(
    "clock",
    [
        "24:00:00",
        "23:60:00",
        "23:59:60",
        "9:00:00",
        "12:00",
        "12:00:00.000",
        "12:00:00Z",
        "12:00:00+01:00",
        "12-00-00",
        " 12:00:00",
        "",
    ],
)
def test_scheduled_time_must_be_hh_mm_ss(client, clock):
    assert_error(client.patch(schedule("2025-09-25", clock, "UTC")), 400, "scheduledTime")


@pytest.mark.parametrize("clock", ["00:00:00", "23:59:59"])
def test_scheduled_time_bounds_are_accepted(client, clock):
    assert client.patch(schedule("2025-09-25", clock, "UTC")).status_code == 200


@pytest.mark.parametrize(
    "zone",
    [
        "",
        "UTC+5",
        "PST",
        "america/los_angeles",
        "America/Los Angeles",
        "Mars/Olympus_Mons",
        "../../etc/passwd",
        "/usr/share/zoneinfo/UTC",
        "localtime",
        "Factory",
        "+05:30",
    ],
)
def test_scheduled_timezone_must_be_an_iana_name(client, zone):
    assert_error(client.patch(schedule("2025-09-25", "12:00:00", zone)), 400, "scheduledTimezone")


@pytest.mark.parametrize(
    ("field", "value"),
    [("scheduledDate", 20250925), ("scheduledTime", 43200), ("scheduledTimezone", ["UTC"])],
)
def test_schedule_fields_must_be_strings(client, field, value):
    body = schedule("2025-09-25", "12:00:00", "UTC") | {field: value}
    assert_error(client.patch(body), 400, field)


def test_unschedule_clears_the_schedule_and_makes_the_campaign_live(client):
    response = client.patch({"isScheduled": False}, campaign=TAKEN)
    assert response.status_code == 200
    body = response.json()
    assert body["scheduled"] is False
    assert body["scheduledDate"] is None
    assert body["campaignStatus"] == "live"


def test_schedule_then_unschedule_round_trip(client):
    client.patch(schedule("2025-09-25", "12:00:00", "America/Los_Angeles"))
    body = client.patch({"isScheduled": False}).json()
    assert (body["scheduled"], body["scheduledDate"], body["campaignStatus"]) == (
        False,
        None,
        "live",
    )


def test_unschedule_keeps_a_paused_status(client):
    client.world.primary.campaigns[TARGET].status = "paused"
    assert client.patch({"isScheduled": False}).json()["campaignStatus"] == "paused"


def test_schedule_fields_without_the_flag_change_nothing(client):
    before = client.patch({}, campaign=TAKEN).json()
    fields = schedule("2025-09-25", "12:00:00", "America/Los_Angeles")
    del fields["isScheduled"]
    assert client.patch(fields, campaign=TAKEN).json() == before
    assert client.patch(fields).json()["scheduled"] is False


def test_schedule_fields_with_is_scheduled_false_change_nothing_but_clearing(client):
    body = schedule("2024-01-01", "12:00:00", "UTC") | {"isScheduled": False}
    response = client.patch(body, campaign=TAKEN)
    assert response.status_code == 200
    assert response.json()["scheduledDate"] is None


def test_past_schedule_fields_without_the_flag_are_not_checked_for_the_future(client):
    fields = {
        "scheduledDate": "2000-01-01",
        "scheduledTime": "00:00:00",
        "scheduledTimezone": "UTC",
    }
    assert client.patch(fields).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("scheduledDate", "2025-02-30"), ("scheduledTime", "25:00:00"), ("scheduledTimezone", 5)],
)
def test_malformed_schedule_fields_without_the_flag_are_still_400(client, field, value):
    assert_error(client.patch({field: value}), 400, field)


def test_rescheduling_a_scheduled_campaign_moves_the_instant(client):
    response = client.patch(schedule("2025-06-01", "08:00:00", "Europe/Berlin"), campaign=TAKEN)
    assert response.json()["scheduledDate"] == "2025-06-01T06:00:00.000Z"
    assert response.json()["campaignStatus"] == "scheduled"
