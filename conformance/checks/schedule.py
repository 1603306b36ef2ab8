"""Scheduling: isScheduled with scheduledDate, scheduledTime and scheduledTimezone.

Every schedule the suite has a server accept lies at least a year ahead, so
a staging campaign never dials because of the suite.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from strategies import (
    Schedule,
    dst_edge_schedules,
    dst_edges,
    invalid_bodies,
    past_schedules,
    schedule_earlier_today,
    schedules,
)

from .._catalogue import MUST, Cite, check
from .._client import Exchange
from .._context import Context
from .._model import NOT_ZONES, parse_instant, zone_names
from ._cites import OPERATION
from ._probing import (
    Sent,
    day_end,
    day_start,
    expect_kept,
    expect_unchanged,
    refuse_all,
    refuse_drawn,
    refuse_generated,
    send_all,
    send_drawn,
    send_one,
)

REQUEST = "/components/schemas/UpdateCampaignRequest/properties"
RESPONSE = "/components/schemas/CampaignResponse/properties"

IS_SCHEDULED = Cite(
    f"{REQUEST}/isScheduled/description",
    "When true, scheduledDate, scheduledTime, and scheduledTimezone are all required.",
)
HELD = Cite(
    f"{REQUEST}/isScheduled/description",
    "Whether this campaign should be held and launched at a future date and time "
    "instead of starting immediately.",
)
STATUS_SCHEDULED = Cite(
    f"{RESPONSE}/campaignStatus/description",
    "'scheduled' means the campaign is configured to launch at a future date and time.",
)
DATE_FORMAT = Cite(
    f"{REQUEST}/scheduledDate/description",
    "Date on which the campaign should launch, in YYYY-MM-DD format.",
)
FUTURE_DATE = Cite(f"{REQUEST}/scheduledDate/description", "Must be a future date.")
TIME_FORMAT = Cite(f"{REQUEST}/scheduledTime/description", "in HH:mm:ss format.")
IN_ZONE = Cite(
    f"{REQUEST}/scheduledTime/description",
    "Interpreted in the timezone specified by scheduledTimezone.",
)
IANA = Cite(
    f"{REQUEST}/scheduledTimezone/description",
    "IANA timezone name used to interpret scheduledDate and scheduledTime.",
)
RESPONSE_DATE = Cite(
    f"{RESPONSE}/scheduledDate/description",
    "The date and time when this campaign is scheduled to launch, including timezone.",
)
IGNORED = Cite(
    f"{REQUEST}/scheduledDate/description", "Ignored when isScheduled is false or omitted."
)
UNCHANGED = Cite(
    f"{OPERATION}/description",
    "Only fields provided in the request body are updated — omitted fields remain unchanged.",
)

# At least a year ahead: no campaign is ever made to dial by the suite.
LEAD = timedelta(days=366)


def schedule_body(schedule: Schedule) -> dict[str, Any]:
    return {"isScheduled": True, **schedule.fields}


def local_schedule(day: date, clock: time, zone: str) -> Schedule:
    """A schedule with the instants its local time denotes, computed with zoneinfo."""
    naive = datetime.combine(day, clock)
    instants = frozenset(
        naive.replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC) for fold in (0, 1)
    )
    return Schedule(day.isoformat(), clock.isoformat(), zone, instants)


def far_year(ctx: Context) -> int:
    """A year that starts more than a year from now."""
    return ctx.now().year + 2


def fixed_schedules(ctx: Context) -> list[tuple[str, Schedule]]:
    """Hand-picked schedules: the spec's example, DST both ways, odd offsets, day edges."""
    year = far_year(ctx)
    cases = [
        ("the spec's example (LA noon)", date(year, 9, 25), time(12), "America/Los_Angeles"),
        ("New York in summer (-04:00)", date(year, 7, 15), time(9, 30), "America/New_York"),
        ("New York in winter (-05:00)", date(year, 1, 15), time(9, 30), "America/New_York"),
        ("Kolkata (+05:30)", date(year, 3, 10), time(10), "Asia/Kolkata"),
        ("Kathmandu (+05:45)", date(year, 3, 10), time(10), "Asia/Kathmandu"),
        ("Lord Howe in summer (+11:00)", date(year, 1, 15), time(12), "Australia/Lord_Howe"),
        ("Lord Howe in winter (+10:30)", date(year, 7, 15), time(12), "Australia/Lord_Howe"),
        ("Chatham in summer (+13:45)", date(year, 1, 15), time(12), "Pacific/Chatham"),
        ("Chatham in winter (+12:45)", date(year, 7, 15), time(12), "Pacific/Chatham"),
        ("Kiritimati at midnight (+14:00)", date(year, 6, 1), time(0), "Pacific/Kiritimati"),
        ("Sydney in January (+11:00)", date(year, 1, 15), time(8), "Australia/Sydney"),
        ("Sydney in July (+10:00)", date(year, 7, 15), time(8), "Australia/Sydney"),
        ("Santiago in January (-03:00)", date(year, 1, 15), time(18), "America/Santiago"),
        ("Santiago in July (-04:00)", date(year, 7, 15), time(18), "America/Santiago"),
        ("00:00:00 in London's summer", date(year, 6, 30), time(0), "Europe/London"),
        ("23:59:59 on New Year's Eve", date(year, 12, 31), time(23, 59, 59), "Europe/London"),
    ]
    known = zone_names()
    return [(what, local_schedule(d, t, z)) for what, d, t, z in cases if z in known]


def show(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def expect_scheduled(ctx: Context, exchange: Exchange, *, sent: str) -> dict[str, Any]:
    """A 200 whose body says the campaign is scheduled."""
    body = ctx.expect_ok(exchange, sent=sent)
    if body.get("scheduled") is not True or body.get("campaignStatus") != "scheduled":
        ctx.fail(
            f"scheduled {body.get('scheduled')!r}, campaignStatus {body.get('campaignStatus')!r}",
            expected='scheduled true and campaignStatus "scheduled"',
            exchange=exchange,
            title=f"{sent}: accepted, but the campaign is not shown as scheduled",
        )
    return body


def rejected_unchanged(ctx: Context, cases: list[tuple[str, dict[str, Any]]]) -> None:
    """Each body is refused with 400, and the campaign is as it was afterwards."""
    before = ctx.state()
    refuse_all(ctx, cases, {400})
    expect_unchanged(ctx, before, what="the refused schedules")


def rejected_generated(ctx: Context, rule: str) -> None:
    """Bodies from invalid_bodies for ``rule``: each 400, nothing changed."""
    before = ctx.state()
    bodies = invalid_bodies(
        agent_ids=ctx.fixtures.agent_ids,
        phone_numbers=ctx.fixtures.phone_numbers,
        now=day_start(ctx),
        rules=[rule],
        contract=ctx.contract,
    )
    refuse_generated(ctx, bodies)
    expect_unchanged(ctx, before, what=f"bodies breaking {rule}")


def future_fields(ctx: Context) -> dict[str, Any]:
    return schedule_body(local_schedule(date(far_year(ctx), 6, 15), time(12), "Europe/London"))


# ---------------------------------------------------------------- checks


@check(
    id="future_schedule_accepted",
    level=MUST,
    area="schedule",
    cites=[HELD, IS_SCHEDULED, STATUS_SCHEDULED],
)
def future_schedule_accepted(ctx: Context) -> None:
    """A complete future schedule is accepted and the campaign is scheduled.

    Sends isScheduled true with a date, time and IANA zone at least a year
    ahead (generated across zones; local times a DST change skips or repeats
    are dst_edge_times_read_or_refused's); each answer is 200 with scheduled
    true and campaignStatus "scheduled".
    """
    what, fixed = fixed_schedules(ctx)[0]
    expect_scheduled(ctx, ctx.patch(schedule_body(fixed)), sent=f"a schedule: {what}")

    send_drawn(ctx, schedules(after=day_end(ctx) + LEAD), lambda schedule: scheduling(
        ctx, schedule, sent=f"a schedule {schedule.date} {schedule.time} {schedule.zone}"))


def scheduling(ctx: Context, schedule: Schedule, *, sent: str) -> Sent:
    """`schedule` sent, to be answered 200 with the campaign shown as scheduled."""
    def judge(exchange: Exchange) -> None:
        expect_scheduled(ctx, exchange, sent=sent)

    return {"body": schedule_body(schedule)}, judge


def instant_sent(ctx: Context, what: str, schedule: Schedule) -> Sent:
    """The schedule to send; its answer must show the instant it denotes."""
    return ({"body": schedule_body(schedule)},
            lambda exchange: expect_instant(ctx, what, schedule, exchange))


def expect_instant(ctx: Context, what: str, schedule: Schedule, exchange: Exchange) -> None:
    sent = f"a schedule {schedule.date} {schedule.time} {schedule.zone} ({what})"
    body = expect_scheduled(ctx, exchange, sent=sent)
    instant = parse_instant(body.get("scheduledDate"))
    readings = " or ".join(show(i) for i in sorted(schedule.instants))
    if instant is None:
        ctx.fail(
            f"scheduledDate {body.get('scheduledDate')!r}",
            expected=f"an ISO 8601 date-time with an offset denoting {readings}",
            exchange=exchange,
            title=f"{sent}: scheduledDate is not a date-time with an offset",
        )
    assert instant is not None
    if instant not in schedule.instants:
        ctx.fail(
            f"scheduledDate {body.get('scheduledDate')!r} ({show(instant)})",
            expected=readings,
            exchange=exchange,
            title=f"{sent}: scheduledDate is {show(instant)}, expected {readings}",
        )


@check(
    id="schedule_instant_matches_timezone",
    level=MUST,
    area="schedule",
    cites=[IN_ZONE, IANA, RESPONSE_DATE],
)
def schedule_instant_matches_timezone(ctx: Context) -> None:
    """The response's scheduledDate is the instant the local time denotes.

    Sends fixed schedules (the spec's example moved to a future year, New
    York summer and winter, +05:30, +05:45, Lord Howe, Chatham, Kiritimati,
    Sydney, Santiago, 00:00:00, 23:59:59) and generated ones; each answer's
    scheduledDate, read as a date-time with offset, must equal the instant
    computed with zoneinfo.
    """
    send_all(ctx, [instant_sent(ctx, what, schedule) for what, schedule in fixed_schedules(ctx)])
    send_drawn(ctx, schedules(after=day_end(ctx) + LEAD),
               lambda schedule: instant_sent(ctx, "generated", schedule))


# Zones whose changes the fixed cases take: an hour in the northern
# hemisphere, half an hour, and at midnight.
EDGE_ZONES = ("America/New_York", "Australia/Lord_Howe", "America/Havana")


@check(
    id="dst_edge_times_read_or_refused",
    level=MUST,
    area="schedule",
    cites=[IN_ZONE, IANA, RESPONSE_DATE],
)
def dst_edge_times_read_or_refused(ctx: Context) -> None:
    """A local time a DST change skips or repeats is read as one of the
    instants it may denote, or refused with 400.

    The document says the time is interpreted in scheduledTimezone, and no
    more: which reading a gap or an overlap takes, and whether it is taken
    at all, is the server's (erratum dst-skipped-and-repeated-times). Sends
    the middle of each change of New York, Lord Howe and Havana, and
    generated ones; each answer is a 200 whose scheduledDate is either
    reading, or a 400. When every one is refused, nothing may have changed.
    """
    before = ctx.state()
    year = far_year(ctx)
    known = zone_names()
    fixed = [(f"{zone}'s {kind}", schedule) for zone in EDGE_ZONES if zone in known
             for kind, schedule in dst_edges(zone=zone, year=year)]
    statuses: list[int | None] = []

    def edge_sent(what: str, schedule: Schedule) -> Sent:
        def judge(exchange: Exchange) -> None:
            statuses.append(exchange.status)
            sent = f"a schedule {schedule.date} {schedule.time} {schedule.zone} ({what})"
            ctx.expect_status(exchange, {200, 400}, sent=sent)
            if exchange.status == 200:
                expect_instant(ctx, what, schedule, exchange)

        return {"body": schedule_body(schedule)}, judge

    send_all(ctx, [edge_sent(what, schedule) for what, schedule in fixed])
    send_drawn(ctx, dst_edge_schedules(after=day_end(ctx) + LEAD),
               lambda schedule: edge_sent("generated", schedule))
    if statuses and all(status == 400 for status in statuses):
        expect_unchanged(ctx, before, what="refused schedules at DST changes")


@check(
    id="schedule_requires_date_time_zone",
    level=MUST,
    area="schedule",
    cites=[IS_SCHEDULED],
)
def schedule_requires_date_time_zone(ctx: Context) -> None:
    """isScheduled true without date, time and zone all present is a 400.

    Sends isScheduled true with a future schedule missing one, two or all
    three of scheduledDate, scheduledTime and scheduledTimezone; the campaign
    must not change.
    """
    full = future_fields(ctx)
    fields = ctx.contract.schedule_fields
    cases = []
    for missing in [left for size in range(1, len(fields) + 1)
                    for left in combinations(fields, size)]:
        body = {k: v for k, v in full.items() if k not in missing}
        cases.append((f"isScheduled true without {' and '.join(missing)}", body))
    rejected_unchanged(ctx, cases)


@check(
    id="past_schedule_rejected",
    level=MUST,
    area="schedule",
    cites=[FUTURE_DATE, IN_ZONE],
)
def past_schedule_rejected(ctx: Context) -> None:
    """A schedule whose instant has passed is refused with 400.

    Read as the instant of date, time and zone (erratum
    future-date-or-future-instant). Sends isScheduled true with yesterday
    and a year ago, then generated past schedules (more than the clock
    margin before the target's "now", as its Date header tells it); nothing
    may change.
    """
    now = ctx.now()
    yesterday = (now - timedelta(days=1)).date()
    cases = [
        ("a schedule yesterday", schedule_body(local_schedule(yesterday, time(12), "UTC"))),
        ("a schedule a year ago",
         schedule_body(local_schedule(yesterday.replace(day=1) - timedelta(days=365),
                                      time(9), "America/New_York"))),
    ]
    rejected_unchanged(ctx, cases)
    before = ctx.state()
    refuse_drawn(ctx, past_schedules(now=day_start(ctx), margin=ctx.margin()),
                 lambda s: (f"a past schedule {s.date} {s.time} {s.zone}",
                            {"body": schedule_body(s)}, {400}))
    expect_unchanged(ctx, before, what="past schedules")


# Where "today" is tried: each way a server may wrongly compare dates instead of
# instants, with the zones that can show it (the first decisive one is sent).
EAST_OF_UTC = ("Pacific/Kiritimati", "Pacific/Tongatapu", "Asia/Tokyo", "Asia/Kolkata",
               "Europe/Moscow")
WEST_OF_UTC = ("America/New_York", "America/Los_Angeles", "Pacific/Honolulu",
               "Pacific/Pago_Pago")


def wall_time_as_utc(schedule: Schedule) -> datetime:
    return datetime.combine(date.fromisoformat(schedule.date),
                            time.fromisoformat(schedule.time), tzinfo=UTC)


def today_cases(now: datetime, margin: timedelta
                ) -> tuple[list[tuple[str, Schedule]], list[str]]:
    """Schedules already past whose date is still today, one for each way of
    comparing dates; and why a way cannot be decisive at this hour."""
    ways = (
        ("by UTC date", ("UTC",), lambda s: True),
        # Its wall time read as UTC is still ahead: also shows a server ignoring the zone.
        ("by date in a zone east of UTC", EAST_OF_UTC,
         lambda s: wall_time_as_utc(s) > now + margin),
        ("by date in a zone west of UTC", WEST_OF_UTC, lambda s: True),
    )
    known = zone_names()
    cases, undecidable = [], []
    for way, zones, shows in ways:
        found = None
        for zone in (z for z in zones if z in known):
            schedule = schedule_earlier_today(now=now, margin=margin, zone=zone)
            if schedule is not None and shows(schedule):
                found = schedule
                break
        if found is None:
            undecidable.append(
                f"no time earlier today {way} lies more than {margin.total_seconds():.0f} s "
                f"in the past at {show(now)} (midnight is too recent there)")
        else:
            cases.append((way, found))
    return cases, undecidable


@check(
    id="past_time_today_rejected",
    level=MUST,
    area="schedule",
    cites=[FUTURE_DATE, IN_ZONE],
)
def past_time_today_rejected(ctx: Context) -> None:
    """A time earlier today, already past, is refused with 400.

    Sends isScheduled true with a time up to an hour before the target's
    "now" (its Date header, margin just above the measured skew and
    resolution) whose date is still today: in UTC, in a zone east of UTC
    (its wall time read as UTC still ahead) and in a zone west of it. A
    server comparing dates instead of instants accepts one of them at any
    hour; a way that cannot be decisive at this hour (midnight too recent)
    makes the check "not exercised", with the reason.
    """
    now, margin = ctx.now(), ctx.margin()
    cases, undecidable = today_cases(now, margin)
    rejected_unchanged(ctx, [
        (f"a schedule earlier today ({way}): {s.date} {s.time} {s.zone} = "
         f"{show(min(s.instants))}, before the target's now {show(now)} "
         f"[{ctx.clock.describe()}]", schedule_body(s))
        for way, s in cases
    ])
    if undecidable:
        ctx.not_exercised("; ".join(undecidable))


def bad_dates(year: int) -> list[str]:
    """Impossible or misformatted dates in a future ``year``."""
    common = year if year % 4 else year + 1
    return [
        f"{year}-02-30",
        f"{year}-13-01",
        f"{year}-00-10",
        f"{year}-04-31",
        f"{year}-01-32",
        f"{common}-02-29",
        f"{year}/06/15",
        f"{year}0615",
        f"15-06-{year}",
        f"{year}-6-15",
        f"{year % 100:02d}-06-15",
        f" {year}-06-15",
        f"{year}-06-15T",
        f"{year}-06-15Tnoon",
        f"{year}-06-15T25:99:99",
        "tomorrow",
        "",
    ]


@check(
    id="schedule_date_format_enforced",
    level=MUST,
    area="schedule",
    cites=[DATE_FORMAT, Cite(f"{REQUEST}/scheduledDate/format", "date")],
)
def schedule_date_format_enforced(ctx: Context) -> None:
    """scheduledDate is a real calendar date in YYYY-MM-DD, or a 400.

    With isScheduled true and a valid time and zone, sends impossible dates
    (30 February, month 13), other layouts and text after the date (never
    the date-time form of the spec's example: erratum
    request-scheduled-date-example-is-date-time); nothing may change.
    """
    full = future_fields(ctx)
    cases = [(f"scheduledDate {bad!r}", {**full, "scheduledDate": bad})
             for bad in bad_dates(far_year(ctx) + 1)]
    rejected_unchanged(ctx, cases)
    rejected_generated(ctx, "schedule_date_format_enforced")


BAD_TIMES = (
    "24:00:00",
    "25:00:00",
    "12:60:00",
    "12:00",
    "9:00:00",
    "7:00:00",
    "12:0:00",
    "120000",
    "12-00-00",
    " 12:00:00",
    "12:00:00 PM",
    "noon",
    "",
)


@check(
    id="schedule_time_format_enforced",
    level=MUST,
    area="schedule",
    cites=[TIME_FORMAT, Cite(f"{REQUEST}/scheduledTime/format", "time")],
)
def schedule_time_format_enforced(ctx: Context) -> None:
    """scheduledTime is HH:mm:ss from 00:00:00 to 23:59:59, or a 400.

    With isScheduled true and a valid future date and zone, sends 24:00:00,
    one-digit hours, missing seconds and other layouts (never offsets,
    fractions or leap seconds: erratum request-scheduled-time-format).
    """
    full = future_fields(ctx)
    cases = [(f"scheduledTime {bad!r}", {**full, "scheduledTime": bad}) for bad in BAD_TIMES]
    rejected_unchanged(ctx, cases)
    rejected_generated(ctx, "schedule_time_format_enforced")


@check(
    id="schedule_timezone_must_be_iana",
    level=MUST,
    area="schedule",
    cites=[IANA],
)
def schedule_timezone_must_be_iana(ctx: Context) -> None:
    """scheduledTimezone is an IANA zone name, or a 400.

    With isScheduled true and a valid future date and time, sends made-up
    regions, spaces for underscores, padded names, a trailing slash, paths
    and the empty string: names no common runtime takes as a zone. Names
    some runtimes do take (PST to Node's Intl, UTC+5 to java.time) are not
    sent: erratum runtime-zone-aliases.
    """
    full = future_fields(ctx)
    known = zone_names()
    cases = [(f"scheduledTimezone {bad!r}", {**full, "scheduledTimezone": bad})
             for bad in NOT_ZONES if bad not in known]
    rejected_unchanged(ctx, cases)
    rejected_generated(ctx, "schedule_timezone_must_be_iana")


def expect_unscheduled(ctx: Context, body: dict[str, Any], exchange: Exchange, *, sent: str
                       ) -> None:
    wrong = []
    if body.get("scheduled") is not False:
        wrong.append(f"scheduled {body.get('scheduled')!r}")
    if body.get("scheduledDate") is not None:
        wrong.append(f"scheduledDate {body.get('scheduledDate')!r}")
    if body.get("campaignStatus") == "scheduled":
        wrong.append('campaignStatus "scheduled"')
    if wrong:
        ctx.fail(
            ", ".join(wrong),
            expected="scheduled false, scheduledDate null or absent, "
            'campaignStatus not "scheduled"',
            exchange=exchange,
            title=f"{sent}: the schedule is still there",
        )


@check(
    id="unschedule_clears_schedule",
    level=MUST,
    area="schedule",
    cites=[Cite(f"{REQUEST}/isScheduled/description",
                "When false or omitted, the campaign starts as soon as it is created."),
           STATUS_SCHEDULED],
)
def unschedule_clears_schedule(ctx: Context) -> None:
    """isScheduled false clears a schedule (erratum omitted-is-scheduled).

    Schedules the campaign, then sends isScheduled false: the answer, and
    the campaign read again, show scheduled false, scheduledDate null or
    absent, and a campaignStatus other than "scheduled". Done twice.
    """
    for what, schedule in fixed_schedules(ctx)[:2]:
        expect_scheduled(ctx, ctx.patch(schedule_body(schedule)), sent=f"a schedule: {what}")
        sent = f"isScheduled false after a schedule ({what})"
        exchange = ctx.patch({"isScheduled": False})
        expect_unscheduled(ctx, ctx.expect_ok(exchange, sent=sent), exchange, sent=sent)
        reread = ctx.patch({})
        expect_unscheduled(ctx, ctx.expect_ok(reread, sent="an empty update"), reread,
                           sent=f"an empty update after {sent}")


MALFORMED_IGNORED: tuple[tuple[str, dict[str, Any]], ...] = (
    ("scheduledDate 'tomorrow'", {"scheduledDate": "tomorrow"}),
    ("scheduledTime '25:00:00'", {"scheduledTime": "25:00:00"}),
    ("scheduledTimezone 'Mars/Olympus'", {"scheduledTimezone": "Mars/Olympus"}),
    ("scheduledDate 20991231", {"scheduledDate": 20991231}),
)


def unmoved(ctx: Context, before: dict[str, Any], body: dict[str, Any], *, sent: str) -> Sent:
    """`body`, to be answered 200 with the schedule as `before` shows it."""
    def judge(exchange: Exchange) -> None:
        after = ctx.expect_ok(exchange, sent=sent)
        expect_kept(ctx, before, after, among=ctx.contract.governs(ctx.contract.schedule_flag),
                    expected="the schedule exactly as before", exchange=exchange,
                    title=lambda fields: f"{sent} changed the schedule ({fields})")

    return {"body": body}, judge


def typed_or_ignored(ctx: Context, body: dict[str, Any], *, sent: str) -> Sent:
    """`body`, to be answered 200 (ignored) or 400 (still typed)."""
    return {"body": body}, lambda exchange: ctx.expect_status(exchange, {200, 400}, sent=sent)


@check(
    id="schedule_fields_ignored_without_flag",
    level=MUST,
    area="schedule",
    cites=[IGNORED, UNCHANGED],
)
def schedule_fields_ignored_without_flag(ctx: Context) -> None:
    """Schedule fields without isScheduled true change nothing.

    Sends a well-formed future schedule without isScheduled, both to a
    scheduled and to an unscheduled campaign, and with isScheduled false:
    200 and the schedule as before. Malformed fields without the flag may
    be 200 or 400 (erratum ignored-schedule-fields-still-typed), never a
    5xx and never a change.
    """
    known, other = fixed_schedules(ctx)[:2]
    fields = {k: v for k, v in schedule_body(other[1]).items() if k != "isScheduled"}
    expect_scheduled(ctx, ctx.patch(schedule_body(known[1])), sent=f"a schedule: {known[0]}")
    for flag_state in ("scheduled", "unscheduled"):
        if flag_state == "unscheduled":
            ctx.expect_ok(ctx.patch({"isScheduled": False}), sent="isScheduled false")
        before = ctx.state()
        variants = [("without isScheduled", fields)]
        if flag_state == "unscheduled":
            variants.append(("with isScheduled false", {"isScheduled": False, **fields}))
        for how, body in variants:
            send_one(ctx, unmoved(ctx, before, body,
                                  sent=f"a future schedule {how} to a {flag_state} campaign"))
        # isScheduled false clears a schedule: sent to the unscheduled campaign only. Each
        # answer is judged on its own (whether they moved anything is judged after).
        prefixes = ({},) if flag_state == "scheduled" else ({}, {"isScheduled": False})
        sends = [typed_or_ignored(ctx, {**prefix, **malformed}, sent=f"{what} " + (
                      "with isScheduled false" if prefix else "without isScheduled"))
                  for what, malformed in MALFORMED_IGNORED for prefix in prefixes]
        send_all(ctx, sends)
        expect_unchanged(ctx, before, what="schedule fields sent without isScheduled true")
