"""Schedules (scheduledDate, scheduledTime, scheduledTimezone) together with the
instants they denote: future ones, past ones, and local times a DST change
skips or repeats (kept apart: a server may refuse those, erratum
dst-skipped-and-repeated-times)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from conformance._operation import UPDATE_CAMPAIGN

from ._validation import check_aware, check_timedelta, check_zones, iana_zone_names
from ._zones import time_zones

# How far before "now" a generated past schedule lies at least, unless told:
# above the skew and resolution of any reasonably synchronised clock, far below
# the hours that would make "earlier today" impossible after midnight.
PAST_MARGIN = timedelta(minutes=5)
_DAY_SECONDS = 24 * 60 * 60

# Zones whose clocks change, for local times inside DST gaps and overlaps.
DST_ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/St_Johns",
    "America/Havana",  # changes at midnight: 00:00 itself can be missing
    "America/Santiago",  # southern hemisphere, changes at midnight
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Lord_Howe",  # 30-minute shift
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Antarctica/Troll",  # 2-hour shift
)

# Zones ahead of UTC without DST: "earlier today" there may still be "today"
# in UTC, or even "tomorrow".
AHEAD_ZONES = (
    "Pacific/Kiritimati",
    "Pacific/Tongatapu",
    "Pacific/Fakaofo",
    "Pacific/Chatham",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Kathmandu",
    "Asia/Kolkata",
    "Australia/Brisbane",
    "Asia/Dubai",
)


@dataclass(frozen=True)
class Schedule:
    """A local launch time: date "YYYY-MM-DD", time "HH:mm:ss", IANA zone.

    ``instants`` holds the aware UTC datetimes the local time may denote: one
    normally, two (the fold=0 and fold=1 readings) for a local time that a
    DST change skips or repeats.
    """

    date: str
    time: str
    zone: str
    instants: frozenset[datetime]

    @property
    def fields(self) -> dict[str, str]:
        """The request body fields for this schedule, named as the contract names them."""
        roles = UPDATE_CAMPAIGN.contract.schedule_roles
        return {roles["date"]: self.date, roles["time"]: self.time, roles["zone"]: self.zone}


def local_instants(day: date, clock: time, zone: str) -> frozenset[datetime]:
    """The UTC instants a local date and time in ``zone`` may denote."""
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, clock)
    return frozenset(naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))


def make_schedule(day: date, clock: time, zone: str) -> Schedule:
    """The Schedule for a local date, time (whole seconds) and zone."""
    return Schedule(
        date=day.isoformat(),
        time=clock.replace(microsecond=0).isoformat(),
        zone=zone,
        instants=local_instants(day, clock, zone),
    )


@cache
def transitions(zone: str, year: int) -> tuple[tuple[datetime, timedelta, timedelta], ...]:
    """Offset changes of ``zone`` during ``year``: (first UTC second, old, new)."""
    tz = ZoneInfo(zone)

    def offset(instant: datetime) -> timedelta:
        result = instant.astimezone(tz).utcoffset()
        assert result is not None
        return result

    found = []
    step = timedelta(hours=6)
    current = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = offset(current)
    while current < end:
        following = current + step
        after = offset(following)
        if after != before:
            low, high = current, following
            while high - low > timedelta(seconds=1):
                middle = low + timedelta(seconds=(high - low).total_seconds() // 2)
                if offset(middle) == before:
                    low = middle
                else:
                    high = middle
            found.append((high, before, after))
            before = after
        current = following
    return tuple(found)


def _clock(seconds: int) -> time:
    return time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def clock_times() -> st.SearchStrategy[time]:
    """Times of day in whole seconds, often 00:00:00, 23:59:59 or 12:00:00."""
    return st.one_of(
        st.sampled_from([time(0, 0, 0), time(23, 59, 59), time(12, 0, 0)]),
        st.integers(0, _DAY_SECONDS - 1).map(_clock),
    )


def _zone_strategy(zones: tuple[str, ...] | None) -> st.SearchStrategy[str]:
    return time_zones() if zones is None else st.sampled_from(zones)


def _later_until(schedule_day: date, clock: time, zone: str, after: datetime) -> Schedule:
    """The schedule at ``clock`` on ``schedule_day``, moved on a day at a time
    until every instant it may denote is after ``after``."""
    schedule = make_schedule(schedule_day, clock, zone)
    while min(schedule.instants) <= after:
        schedule_day += timedelta(days=1)
        schedule = make_schedule(schedule_day, clock, zone)
    return schedule


@st.composite
def _future_days(draw: st.DrawFn, today: date) -> date:
    """A local date from two days after ``today`` to the end of its year + 4."""
    kind = draw(st.sampled_from(["near", "far", "leap day"]))
    if kind == "near":
        return today + timedelta(days=draw(st.integers(2, 60)))
    year = draw(st.integers(today.year + 1, today.year + 4))
    if kind == "leap day":
        leap = next(y for y in range(year, year + 8) if calendar.isleap(y))
        if leap <= today.year + 4:
            return date(leap, 2, 29)
    month = draw(st.one_of(st.sampled_from([1, 7, 12, 6]), st.integers(1, 12)))
    last = calendar.monthrange(year, month)[1]
    day = draw(st.one_of(st.sampled_from([1, last]), st.integers(1, last)))
    return date(year, month, day)


@st.composite
def _ordinary_schedules(
    draw: st.DrawFn, after: datetime, zones: st.SearchStrategy[str]
) -> Schedule:
    zone = draw(zones)
    today = after.astimezone(ZoneInfo(zone)).date()
    day = draw(_future_days(today))
    return _later_until(day, draw(clock_times()), zone, after)


@st.composite
def _dst_schedules(draw: st.DrawFn, after: datetime, zones: st.SearchStrategy[str]) -> Schedule:
    """Local times a DST change skips (gap) or repeats (overlap), when the
    drawn zone has one in the drawn year; an ordinary time otherwise."""
    zone = draw(zones)
    today = after.astimezone(ZoneInfo(zone)).date()
    year = draw(st.integers(today.year + 1, today.year + 4))
    changes = transitions(zone, year)
    if not changes:
        day = draw(_future_days(today))
        return _later_until(day, draw(clock_times()), zone, after)
    start, span = _changed_span(*draw(st.sampled_from(changes)))
    width = int(span.total_seconds())
    local = start + timedelta(seconds=draw(st.integers(0, width - 1)))
    return _later_until(local.date(), local.time(), zone, after)


def _changed_span(first_second: datetime, old: timedelta, new: timedelta
                  ) -> tuple[datetime, timedelta]:
    """The first (naive) local time an offset change skips or repeats, and for how long."""
    return first_second.replace(tzinfo=None) + min(old, new), abs(new - old)


def schedules(
    *, after: datetime, zones: Iterable[str] | None = None
) -> st.SearchStrategy[Schedule]:
    """Future schedules every conformant server accepts: every instant they may
    denote is strictly after ``after``, and the local time denotes one instant.

    ``after`` is an aware datetime, typically now plus a lead time.  Dates run
    from two days after ``after`` (in the schedule's zone) to the end of the
    fourth year after it, summer and winter in both hemispheres, leap days
    included; times include 00:00:00 and 23:59:59.  Local times that a DST
    change skips or repeats are left out (a server may refuse them, erratum
    dst-skipped-and-repeated-times): :func:`dst_edge_schedules` draws those.
    ``zones`` restricts the IANA zones used (default: :func:`time_zones`).
    """
    check_aware("after", after)
    zone_names = None if zones is None else check_zones(zones)
    return _ordinary_schedules(after, _zone_strategy(zone_names)).filter(
        lambda schedule: len(schedule.instants) == 1)


def dst_edge_schedules(
    *, after: datetime, zones: Iterable[str] | None = None
) -> st.SearchStrategy[Schedule]:
    """Future local times that a DST change skips (a gap) or repeats (an
    overlap): ``instants`` holds both readings, each strictly after ``after``.

    Zones default to a set whose clocks change (30-minute and 2-hour shifts,
    changes at midnight, both hemispheres); a zone without a change in the
    drawn year gives an ordinary time.
    """
    check_aware("after", after)
    zone_names = None if zones is None else check_zones(zones)
    dst_zones = (
        st.sampled_from([z for z in DST_ZONES if z in iana_zone_names()])
        if zone_names is None
        else st.sampled_from(zone_names)
    )
    return _dst_schedules(after, dst_zones)


def dst_edges(*, zone: str, year: int) -> tuple[tuple[str, Schedule], ...]:
    """The middle of each local time ``zone``'s clock changes skip ("gap") or
    repeat ("overlap") during ``year``, as ("gap" | "overlap", Schedule)."""
    found = []
    for first_second, old, new in transitions(zone, year):
        start, span = _changed_span(first_second, old, new)
        local = start + span / 2
        kind = "gap" if new > old else "overlap"
        found.append((kind, make_schedule(local.date(), local.time(), zone)))
    return tuple(found)


def _earlier_until(schedule_day: date, clock: time, zone: str, latest: datetime) -> Schedule:
    """The schedule at ``clock`` on ``schedule_day``, moved back a day at a
    time until every instant it may denote is at or before ``latest``."""
    schedule = make_schedule(schedule_day, clock, zone)
    while max(schedule.instants) > latest:
        schedule_day -= timedelta(days=1)
        schedule = make_schedule(schedule_day, clock, zone)
    return schedule


def _seconds(clock: time) -> int:
    return clock.hour * 3600 + clock.minute * 60 + clock.second


@st.composite
def _past_schedules_in(
    draw: st.DrawFn,
    zones: st.SearchStrategy[str],
    latest: datetime,
    days_back: st.SearchStrategy[int],
) -> Schedule:
    zone = draw(zones)
    back = draw(days_back)
    local_latest = latest.astimezone(ZoneInfo(zone))
    day = local_latest.date() - timedelta(days=back)
    if back == 0:
        clock = _clock(draw(st.integers(0, _seconds(local_latest.time()))))
    else:
        clock = draw(clock_times())
    return _earlier_until(day, clock, zone, latest)


def past_schedules(
    *, now: datetime, margin: timedelta = PAST_MARGIN
) -> st.SearchStrategy[Schedule]:
    """Past schedules: every instant they may denote is more than ``margin`` before ``now``.

    Includes earlier today (the local date is today's local date) in a zone
    ahead of UTC such as Pacific/Kiritimati or Asia/Tokyo whenever the local
    clock there is past the margin, yesterday, a year ago and other days up to
    ten years back, in many zones.  ``margin`` (default five minutes) is how
    far a case must lie from ``now`` to be decisive against the target's clock.
    """
    check_aware("now", now)
    check_timedelta("margin", margin)
    latest = now - margin - timedelta(seconds=1)
    known = iana_zone_names()
    earlier_today = [
        zone
        for zone in AHEAD_ZONES
        if zone in known
        and (offset := now.astimezone(ZoneInfo(zone)).utcoffset()) is not None
        and offset > timedelta(0)
        and latest.astimezone(ZoneInfo(zone)).date() == now.astimezone(ZoneInfo(zone)).date()
    ]
    days_back = st.one_of(st.sampled_from([0, 1, 365, 366]), st.integers(0, 3650))
    anywhere = _past_schedules_in(time_zones(), latest, days_back)
    if not earlier_today:
        return anywhere
    today_ahead = _past_schedules_in(st.sampled_from(earlier_today), latest, st.just(0))
    return st.one_of(today_ahead, anywhere)


def schedule_earlier_today(
    *, now: datetime, margin: timedelta, zone: str, back: timedelta = timedelta(hours=1)
) -> Schedule | None:
    """A schedule already past by more than ``margin`` whose local date, in ``zone``,
    is still today there -- or None when no such time exists at this hour.

    The whole UTC hour at or before ``now - back`` (an hour or two further in
    a DST overlap), or later if that would fall on yesterday's date in ``zone``.  "Today" is
    the local date of ``now + margin``, so the schedule's date is today's or
    later for any "now" within ``margin`` of ``now``, and every instant the
    local time may denote (both readings in a DST overlap) is at least
    ``margin`` before ``now``.  A server that decides "future" by comparing
    dates in ``zone`` accepts it; a correct one refuses it.
    """
    check_aware("now", now)
    check_timedelta("margin", margin)
    tz = ZoneInfo(zone)
    latest = (now - margin).astimezone(UTC).replace(microsecond=0)
    today = (now + margin).astimezone(tz).date()
    start_of_today = datetime.combine(today, time(0), tzinfo=tz).astimezone(UTC)
    while start_of_today.astimezone(tz).date() < today:  # a midnight a DST change skips
        start_of_today += timedelta(minutes=15)
    # Further back by an hour at a time when a DST overlap lets the local time
    # also denote an instant that has not passed yet.
    # The hour is floored so the same seed sends the same bytes all hour long.
    whole_hour = (now - back).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    for extra in range(3):
        instant = max(whole_hour - timedelta(hours=extra), start_of_today).astimezone(UTC)
        if instant.microsecond:
            instant = instant.replace(microsecond=0) + timedelta(seconds=1)
        if instant > latest:
            return None
        local = instant.astimezone(tz)
        schedule = make_schedule(local.date(), local.time(), zone)
        if local.date() == today and max(schedule.instants) <= latest:
            return schedule
    return None
