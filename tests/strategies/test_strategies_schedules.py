"""schedules() and past_schedules(): instants checked against zoneinfo directly."""

import dataclasses
import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from campaign_oracle import FIVE_YEARS, NOW, QUICK, REACH, instants, local_now, violations
from hypothesis import find, given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies import (
    Schedule,
    dst_edge_schedules,
    dst_edges,
    past_schedules,
    schedule_earlier_today,
    schedules,
)
from strategies._schedules import PAST_MARGIN, make_schedule

AFTER = NOW + timedelta(days=365)
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}")
# Several moments of the day: Kiritimati (UTC+14) is just past midnight at 10:30Z.
NOWS = [
    NOW,
    datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2026, 6, 30, 10, 30, tzinfo=UTC),
    datetime(2026, 6, 30, 11, 59, 59, tzinfo=UTC),
    datetime(2026, 3, 29, 15, 30, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2027, 3, 14, 2, 30, tzinfo=timezone(timedelta(hours=-5))),
]


def test_los_angeles_example():
    schedule = make_schedule(date(2025, 9, 25), time(12, 0, 0), "America/Los_Angeles")
    assert schedule.fields == {
        "scheduledDate": "2025-09-25",
        "scheduledTime": "12:00:00",
        "scheduledTimezone": "America/Los_Angeles",
    }
    assert schedule.instants == {datetime(2025, 9, 25, 19, 0, 0, tzinfo=UTC)}
    assert schedule.instants == instants("2025-09-25", "12:00:00", "America/Los_Angeles")


def test_schedules_are_frozen():
    schedule = make_schedule(date(2030, 1, 1), time(0, 0, 0), "UTC")
    assert isinstance(schedule, Schedule)
    with pytest.raises(dataclasses.FrozenInstanceError):
        schedule.zone = "Europe/London"


def _check_shape(schedule):
    assert DATE.fullmatch(schedule.date) and TIME.fullmatch(schedule.time)
    assert schedule.zone in zoneinfo.available_timezones()
    assert schedule.instants == instants(schedule.date, schedule.time, schedule.zone)
    assert len(schedule.instants) in (1, 2)
    assert all(instant.utcoffset() == timedelta(0) for instant in schedule.instants)


@QUICK
@given(st.sampled_from(NOWS).flatmap(lambda now: st.tuples(st.just(now), schedules(after=now))))
def test_future_schedules_are_after(args):
    after, schedule = args
    _check_shape(schedule)
    assert len(schedule.instants) == 1  # no DST edge: every server must take it
    assert min(schedule.instants) > after
    assert max(schedule.instants) < after + FIVE_YEARS
    body = {"isScheduled": True, **schedule.fields}
    assert violations(body, now=after) == set()


@QUICK
@given(schedules(after=AFTER, zones=["Australia/Lord_Howe", "Asia/Kathmandu"]))
def test_zones_are_respected(schedule):
    assert schedule.zone in ("Australia/Lord_Howe", "Asia/Kathmandu")
    assert min(schedule.instants) > AFTER


def _month(schedule):
    return int(schedule.date[5:7])


def _southern(zone):
    return zone.startswith(("Australia/", "Pacific/Auckland", "America/Santiago"))


@pytest.mark.parametrize(
    "condition",
    [
        lambda s: s.zone == "Australia/Lord_Howe",
        lambda s: s.time == "00:00:00",
        lambda s: s.time == "23:59:59",
        lambda s: _month(s) in (6, 7) and _southern(s.zone),
        lambda s: _month(s) in (12, 1) and _southern(s.zone),
        lambda s: _month(s) in (6, 7) and s.zone.startswith("Europe/"),
        lambda s: s.date.endswith("-02-29"),
        lambda s: min(s.instants) < AFTER + timedelta(days=7),
    ],
    ids=["Lord Howe", "midnight", "last second", "southern winter",
         "southern summer", "northern summer", "leap day", "soon after"],
)
def test_future_schedules_reach(condition):
    find(schedules(after=AFTER), condition, settings=REACH)


@pytest.mark.parametrize(
    "condition",
    [
        lambda s: s.instants and min(s.instants) < max(s.instants)
        and s.zone == "Australia/Lord_Howe",
        lambda s: len(s.instants) == 2 and s.zone == "Antarctica/Troll",
        lambda s: len(s.instants) == 2 and s.zone == "America/Havana" and s.time < "01:00:00",
    ],
    ids=["Lord Howe's half hour", "Troll's two hours", "Havana at midnight"],
)
def test_dst_edge_schedules_reach(condition):
    find(dst_edge_schedules(after=AFTER), condition, settings=REACH)


@QUICK
@given(st.sampled_from(NOWS).flatmap(
    lambda now: st.tuples(st.just(now), dst_edge_schedules(after=now))))
def test_dst_edge_schedules_are_after(args):
    after, schedule = args
    _check_shape(schedule)
    assert min(schedule.instants) > after


def test_gap_reading_both_sides():
    schedule = find(
        dst_edge_schedules(after=AFTER, zones=["America/New_York"]),
        lambda s: len(s.instants) == 2 and s.date[5:7] == "03",
        settings=REACH,
    )
    early, late = sorted(schedule.instants)
    assert late - early == timedelta(hours=1)


def test_dst_edges_are_the_middle_of_each_change():
    edges = dict(dst_edges(zone="America/New_York", year=2030))
    assert edges["gap"].date == "2030-03-10" and edges["gap"].time == "02:30:00"
    assert edges["overlap"].date == "2030-11-03" and edges["overlap"].time == "01:30:00"
    assert all(len(s.instants) == 2 for s in edges.values())
    assert dst_edges(zone="Asia/Kolkata", year=2030) == ()


@QUICK
@given(st.sampled_from(NOWS).flatmap(lambda now: st.tuples(st.just(now), past_schedules(now=now))))
def test_past_schedules_lie_more_than_the_default_margin_before(args):
    now, schedule = args
    _check_shape(schedule)
    assert max(schedule.instants) < now - PAST_MARGIN
    body = {"isScheduled": True, **schedule.fields}
    assert violations(body, now=now) == {"past_schedule_rejected"}


def _earlier_today_ahead(now):
    def condition(schedule):
        here = local_now(schedule.zone, now)
        return schedule.date == here.date().isoformat() and here.utcoffset() > timedelta(0)

    return condition


@QUICK
@given(st.sampled_from(NOWS).flatmap(lambda now: st.tuples(
    st.just(now), past_schedules(now=now, margin=timedelta(seconds=40)))))
def test_past_schedules_keep_the_margin_they_are_given(args):
    now, schedule = args
    assert max(schedule.instants) < now - timedelta(seconds=40)


@pytest.mark.parametrize("now", NOWS, ids=[n.isoformat() for n in NOWS])
def test_past_schedules_reach_earlier_today_ahead_of_utc(now):
    find(past_schedules(now=now), _earlier_today_ahead(now), settings=REACH)


def test_earlier_today_where_utc_is_still_yesterday():
    # At 22:06Z on 5 May it is 12:06 on 6 May in Kiritimati: "today" there is
    # a date UTC has not reached yet.
    now = datetime(2026, 5, 5, 22, 6, 45, tzinfo=UTC)
    schedule = find(
        past_schedules(now=now),
        lambda s: s.zone == "Pacific/Kiritimati" and s.date == "2026-05-06",
        settings=REACH,
    )
    assert max(schedule.instants) < now - PAST_MARGIN


@pytest.mark.parametrize("days", [1, 365], ids=["yesterday", "last year"])
def test_past_schedules_reach_days_back(days):
    def condition(schedule):
        today = local_now(schedule.zone, NOW).date()
        return date.fromisoformat(schedule.date) == today - timedelta(days=days)

    find(past_schedules(now=NOW), condition, settings=REACH)


@pytest.mark.parametrize(
    "make",
    [
        lambda: schedules(after=datetime(2030, 1, 1)),
        lambda: schedules(after="2030-01-01"),
        lambda: schedules(after=AFTER, zones=[]),
        lambda: schedules(after=AFTER, zones="UTC"),
        lambda: schedules(after=AFTER, zones=["Mars/Olympus"]),
        lambda: schedules(after=AFTER, zones=["localtime"]),
        lambda: past_schedules(now=datetime(2030, 1, 1)),
        lambda: past_schedules(now=None),
        lambda: past_schedules(now=AFTER, margin=timedelta(seconds=-1)),
        lambda: past_schedules(now=AFTER, margin=60),
    ],
    ids=["naive", "str", "no zones", "zones as str", "unknown zone", "localtime", "naive now",
         "None now", "negative margin", "margin as int"],
)
def test_bad_arguments_raise_at_definition(make):
    with pytest.raises(InvalidArgument):
        make()


_EARLIER_TODAY_ZONES = ["UTC", "Pacific/Kiritimati", "Asia/Kathmandu", "America/New_York",
                        "Pacific/Pago_Pago", "Europe/London", "America/Havana"]


@QUICK
@given(
    now=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31),
                     timezones=st.just(UTC)),
    margin=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(minutes=20)),
    zone=st.sampled_from(_EARLIER_TODAY_ZONES),
)
def test_a_schedule_earlier_today_is_past_and_still_today(now, margin, zone):
    schedule = schedule_earlier_today(now=now, margin=margin, zone=zone)
    today = local_now(zone, now + margin).date()
    if schedule is None:
        # Only when today's local midnight (or a DST overlap after it) is too recent.
        assert local_now(zone, now - margin - timedelta(hours=3, seconds=2)).date() < today
        return
    _check_shape(schedule)
    assert max(schedule.instants) <= now - margin
    assert schedule.date == today.isoformat()
    assert min(schedule.instants) >= now - timedelta(hours=3, seconds=1)


def test_a_schedule_earlier_today_is_past_in_every_reading_of_a_dst_overlap():
    # 01:30 EST, the second pass of New York's repeated hour. Whichever local
    # time is chosen, every instant it may denote lies before "now", so a
    # server reading it either way must refuse it.
    now = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    margin = timedelta(seconds=31)
    schedule = schedule_earlier_today(now=now, margin=margin, zone="America/New_York")
    assert schedule is not None
    assert max(schedule.instants) <= now - margin
    assert schedule.date == "2026-11-01"


def test_a_schedule_earlier_today_is_the_same_all_hour():
    # Floored to the whole UTC hour: the same seed sends the same bytes all hour.
    zone = "Asia/Tokyo"
    early = schedule_earlier_today(now=datetime(2026, 5, 5, 12, 1, tzinfo=UTC),
                                   margin=timedelta(seconds=31), zone=zone)
    late = schedule_earlier_today(now=datetime(2026, 5, 5, 12, 59, tzinfo=UTC),
                                  margin=timedelta(seconds=31), zone=zone)
    assert early is not None and early == late


def test_a_schedule_earlier_today_at_0040_utc_is_after_midnight_utc():
    now = datetime(2026, 3, 8, 0, 40, tzinfo=UTC)
    schedule = schedule_earlier_today(now=now, margin=timedelta(seconds=31), zone="UTC")
    assert schedule is not None and schedule.date == "2026-03-08"
    assert schedule_earlier_today(now=now.replace(minute=0, second=20),
                                  margin=timedelta(seconds=31), zone="UTC") is None
