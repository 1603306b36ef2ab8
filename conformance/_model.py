"""The behaviour model: what a correct server may answer, given the campaign and a request.

Given the campaign's state (the properties the contract governs, as a 200
body shows them) and one request (body, credentials, which campaign), the
model gives the set of acceptable outcomes: each status the contract allows,
with the state after it. Every freedom the errata grant is a second outcome
rather than a choice made here:

- another account's campaign: 403 or 404 (foreign-campaign-status); another
  account's agent or number: 400, 403 or 404; an unknown agent or number,
  or one not enabled for outbound calls: 400 or 404;
- an unscheduled campaign shows scheduledDate null or leaves it out
  (response-scheduled-date-null, scheduled-date-presence), and any
  campaignStatus but "scheduled";
- a schedule whose local time a DST change skips or repeats may denote
  either instant (the fold=0 and fold=1 readings), or be refused with 400
  (dst-skipped-and-repeated-times);
- a schedule field sent without ``isScheduled: true`` changes nothing when
  well formed; a malformed one is ignored (200) or refused (400)
  (ignored-schedule-fields-still-typed);
- a schedule too close to "now" for the target's clock to be decisive is
  accepted or refused (future-date-or-future-instant); so is the example's
  date-time form of scheduledDate (request-scheduled-date-example-is-date-time);
- a body that is both invalid and renames to a taken name is 400 or 409:
  the contract does not order the two.

Every bound, pattern and field map is read from the :class:`Contract`; what
the account holds (agents, numbers, the taken name, foreign ids) from the
target file's fixtures. :meth:`BehaviourModel.judge` is the one entry point
a check needs: the state before, the request and the answer in, a
:class:`Verdict` with its reasons and the state after out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, available_timezones

from ._contract import ABSENT, JSON_TYPES, Contract, FieldRule, python_pattern
from ._target import Fixtures

__all__ = [
    "ABSENT",
    "AccountWorld",
    "BehaviourModel",
    "Expectation",
    "ModelRequest",
    "State",
    "Verdict",
    "lenient_reading",
]

# The response property that tells the campaign's lifecycle, and the value the
# prose ties to a schedule ("'scheduled' means the campaign is configured to
# launch at a future date and time").
STATUS_PROPERTY = "campaignStatus"
SCHEDULED = "scheduled"
# How far from "now" a schedule must lie for a verdict on "must be a future
# date" to hold whichever reading a server takes (instant or whole date).
DECISIVE_MARGIN = timedelta(days=2)
_EXAMPLE_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T00:00:00(\.000)?Z")

REFUSED = frozenset({400})
UNKNOWN_REFERENCE = frozenset({400, 404})
FOREIGN_REFERENCE = frozenset({400, 403, 404})


@dataclass(frozen=True)
class AccountWorld:
    """What the target file says the account holds."""

    campaign_id: str
    agents: frozenset[str]
    numbers: frozenset[str]
    taken_names: frozenset[str]
    foreign_agents: frozenset[str] = frozenset()
    foreign_numbers: frozenset[str] = frozenset()
    disabled_numbers: frozenset[str] = frozenset()
    variable_names: frozenset[str] = frozenset()
    foreign_campaign_id: str | None = None

    @classmethod
    def from_fixtures(cls, fixtures: Fixtures) -> AccountWorld:
        def some(value: str | None) -> frozenset[str]:
            return frozenset({value}) if value else frozenset()

        return cls(
            campaign_id=fixtures.campaign_id,
            agents=frozenset(fixtures.agent_ids),
            numbers=frozenset(fixtures.phone_numbers),
            taken_names=frozenset({fixtures.taken_campaign_name}),
            foreign_agents=some(fixtures.foreign_agent_id),
            foreign_numbers=some(fixtures.foreign_phone_number),
            disabled_numbers=frozenset(fixtures.outbound_disabled_numbers),
            variable_names=frozenset(fixtures.dynamic_variable_names),
            foreign_campaign_id=fixtures.foreign_campaign_id,
        )


@dataclass(frozen=True)
class State:
    """The campaign as the contract governs it.

    ``values`` holds what a 200 body shows for each plain request field
    (campaignName, agentId, sipPhoneNumber, concurrentCalls); ``instants``
    the UTC instants the schedule may denote (empty when unscheduled; two
    for a local time a DST change skips or repeats, narrowed to one once a
    server has shown its reading).
    """

    values: Mapping[str, Any]
    scheduled: bool
    instants: frozenset[datetime] = frozenset()

    def get(self, name: str) -> Any:
        return self.values.get(name, ABSENT)

    def with_values(self, **changes: Any) -> State:
        return replace(self, values={**self.values, **changes})

    def describe(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.values.items()]
        if self.scheduled:
            parts.append("scheduled at " + (" or ".join(show(i) for i in sorted(self.instants))
                                            or "an instant not judged"))
        else:
            parts.append("not scheduled")
        return ", ".join(parts)


@dataclass(frozen=True)
class ModelRequest:
    """One request as the model sees it.

    ``body`` is the JSON value sent (ABSENT: no body); ``credentials`` is
    "valid", "missing" or "wrong"; ``campaign`` is "own", "foreign" or
    "unknown".
    """

    body: Any
    credentials: str = "valid"
    campaign: str = "own"


@dataclass(frozen=True)
class Expectation:
    """Every acceptable answer: status -> the state after it, and why."""

    outcomes: Mapping[int, State]
    reasons: tuple[str, ...] = ()

    @property
    def statuses(self) -> frozenset[int]:
        return frozenset(self.outcomes)

    def describe(self) -> str:
        ordered = sorted(self.outcomes)
        statuses = ordered[0] if len(ordered) == 1 else " or ".join(str(s) for s in ordered)
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"{statuses}{why}"


@dataclass(frozen=True)
class Verdict:
    """The model's judgement of one answer."""

    ok: bool
    expected: str
    problems: tuple[str, ...] = ()
    state: State | None = None  # the state after (as far as the answer shows it)

    @property
    def reason(self) -> str:
        return "; ".join(self.problems)


@dataclass
class _Findings:
    """What validating a body found: errors with their statuses, and freedoms."""

    errors: list[tuple[str, frozenset[int]]] = field(default_factory=list)
    either: list[str] = field(default_factory=list)  # accepted or refused with 400
    changes: dict[str, Any] = field(default_factory=dict)
    schedule: Any = ABSENT  # ABSENT: untouched; False: cleared; frozenset: new instants


def show(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 date-time with an offset, as an aware datetime; None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and parsed.utcoffset() is not None else None


@cache
def zone_names() -> frozenset[str]:
    """The IANA zone names this machine knows (its zoneinfo, less the non-IANA
    entries some systems keep beside them): what scheduledTimezone may be."""
    return frozenset(available_timezones() - {"localtime", "Factory", "posixrules"})


@cache
def compatibility_zone_names() -> frozenset[str]:
    """IANA names that are links to another zone (EST, US/Eastern,
    Asia/Calcutta): kept by the tz database for compatibility, and refused by
    some stacks (Java's ZoneId has no EST; PHP's identifier list has none of
    them). UTC aside, which every stack knows. Read from the tzdata package's
    zic input (``L target link`` lines); none when it cannot be read."""
    from importlib.resources import files

    try:
        text = files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError):
        return frozenset()
    links = (line.split() for line in text.splitlines() if line.startswith("L "))
    return frozenset(parts[2] for parts in links if len(parts) == 3) - {"UTC"}


# Zone names that are not IANA names yet common runtimes take as zones (erratum
# runtime-zone-aliases): ICU's legacy three-letter IDs, which Node's Intl takes
# (PST, IST), and java.time's offset IDs, which ZoneId.of takes (UTC+5,
# GMT+05:30, +05:30, Z). A server may refuse them or read them as its runtime
# does; the suite sends them as neither valid nor invalid.
RUNTIME_ZONE_ALIASES = frozenset({"PST", "IST", "CST", "AST", "BST", "UTC+5", "GMT+05:30",
                                  "+05:30", "Z"})
# Names no common runtime takes as a zone (Python's zoneinfo, Node's Intl,
# java.time, PHP): what the suite sends as a scheduledTimezone that must be
# refused.
NOT_ZONES = (
    "Mars/Olympus",
    "Europe/Atlantis",
    "America/Los Angeles",
    "america/los angeles",
    "CEST",
    "Asia/Kolkata/",
    "America/",
    " America/Los_Angeles",
    "America/Los_Angeles ",
    "America/Los_Angeles\n",
    "../../etc/passwd",
    "/usr/share/zoneinfo/UTC",
    "",
)


# HTTP's own refusals of a request the operation does not describe at the
# HTTP level (erratum http-refusals-of-bodies): where the contract asks for a
# 400, a server may answer such a request with HTTP's status instead, and
# its body is HTTP's too (a proxy's HTML page).
BODY_LIMIT = 1024 * 1024
# RFC 2616 (3.2.1): "Servers ought to be cautious about depending on URI lengths
# above 255 bytes"; frameworks refuse long path parameters themselves (Fastify's
# maxParamLength is 100 characters).
URI_LIMIT = 255
HTTP_REFUSALS = {413: "a body over 1 MiB", 414: "a path over 255 bytes",
                 415: "a body not sent as JSON in UTF-8"}


class Answered(Protocol):
    """What http_refusal reads of an exchange (conformance._client.Exchange)."""

    @property
    def status(self) -> int | None: ...
    @property
    def request_headers(self) -> Mapping[str, str]: ...
    @property
    def request_body(self) -> bytes | None: ...
    @property
    def path(self) -> str: ...


def http_refusal(exchange: Answered) -> str | None:
    """What HTTP-level refusal a 413, 414 or 415 answers (None when the status
    answers none: a 415 to JSON in UTF-8, a 413 to a small body, a 414 to a
    short path)."""
    if exchange.status == 413 and len(exchange.request_body or b"") > BODY_LIMIT:
        return HTTP_REFUSALS[413]
    if exchange.status == 414 and len(exchange.path.encode()) > URI_LIMIT:
        return HTTP_REFUSALS[414]
    if exchange.status == 415:
        sent = next((v for k, v in exchange.request_headers.items()
                     if k.lower() == "content-type"), "")
        media, _, parameters = sent.partition(";")
        charset = parameters.lower().replace(" ", "").replace('"', "")
        json_utf8 = media.strip().lower() == "application/json" and (
            "charset=" not in charset or "charset=utf-8" in charset)
        if not json_utf8:
            return HTTP_REFUSALS[415]
    return None


def local_readings(day: date, clock: time, zone: str) -> frozenset[datetime]:
    """The UTC instants a local date and time in `zone` may denote (two across a DST change)."""
    naive = datetime.combine(day, clock)
    return frozenset(
        naive.replace(tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC) for fold in (0, 1)
    )


class BehaviourModel:
    """The contract's behaviour for one account, as outcomes a server may choose from."""

    def __init__(self, contract: Contract, world: AccountWorld, *, now: datetime) -> None:
        self.contract = contract
        self.world = world
        self.now = now
        self.flag = contract.schedule_flag
        self.schedule_parts = contract.schedule_fields
        self.plain = tuple(
            name for name, rule in contract.fields.items()
            if rule.readable and not rule.schedule_part and name != self.flag
        )
        status_schema = contract.schema("CampaignResponse")["properties"][STATUS_PROPERTY]
        if SCHEDULED not in status_schema.get("enum", ()):
            raise ValueError(f"{STATUS_PROPERTY} no longer lists {SCHEDULED!r}")

    # -- reading what a server shows ------------------------------------
    def observe(self, body: Any) -> State | None:
        """The governed state a 200 body shows (None when it is no object)."""
        if not isinstance(body, dict):
            return None
        values = {name: self.contract.shown(body, name) for name in self.plain}
        scheduled = self.contract.shown(body, self.flag) is True
        instant = parse_instant(self.contract.shown(body, self.schedule_parts[0]))
        instants = frozenset({instant.astimezone(UTC)}) if scheduled and instant else frozenset()
        return State(values=values, scheduled=scheduled, instants=instants)

    def differences(self, expected: State, body: Any) -> list[str]:
        """Where a 200 body departs from `expected` (governed properties only)."""
        if not isinstance(body, dict):
            return ["the body is not a JSON object"]
        found: list[str] = []
        shown_id = body.get("campaignId", ABSENT)
        if shown_id != self.world.campaign_id:
            found.append(f"campaignId {shown_id!r}, the path has {self.world.campaign_id!r}")
        for name in self.plain:
            want, got = expected.get(name), self.contract.shown(body, name)
            if want is not ABSENT and got != want:
                found.append(f"{'.'.join(self.contract.fields[name].shown_as or (name,))} "
                             f"{got!r}, expected {want!r}")
        flag_shown = ".".join(self.contract.fields[self.flag].shown_as or (self.flag,))
        date_shown = ".".join(self.contract.fields[self.schedule_parts[0]].shown_as or ("?",))
        shown_flag = self.contract.shown(body, self.flag)
        shown_date = self.contract.shown(body, self.schedule_parts[0])
        status = body.get(STATUS_PROPERTY, ABSENT)
        if expected.scheduled:
            instant = parse_instant(shown_date)
            if shown_flag is not True:
                found.append(f"{flag_shown} {shown_flag!r}, expected true")
            if expected.instants and (
                    instant is None or instant.astimezone(UTC) not in expected.instants):
                readings = " or ".join(show(i) for i in sorted(expected.instants))
                found.append(f"{date_shown} {shown_date!r}, expected {readings}")
            if status != SCHEDULED:
                found.append(f"{STATUS_PROPERTY} {status!r}, expected {SCHEDULED!r}")
        else:
            if shown_flag is not False:
                found.append(f"{flag_shown} {shown_flag!r}, expected false")
            if shown_date not in (None, ABSENT):
                found.append(f"{date_shown} {shown_date!r}, expected null or absent")
            if status == SCHEDULED:
                found.append(f"{STATUS_PROPERTY} {SCHEDULED!r} on an unscheduled campaign")
        return found

    # -- what may happen --------------------------------------------------
    def expect(self, state: State, request: ModelRequest) -> Expectation:
        """Every status a correct server may answer `request` with, and the state after.

        Every request is authenticated first (erratum refusal-precedence): a
        request without a valid key gets 401 whatever its campaign and its
        body's values, and only a body that is no JSON object at all may get
        its 400 first, as a JSON parser mounted for the whole app gives it
        (auth_checked_before_parsing asks for 401 there too, at SHOULD level).
        With a valid key, an unknown or foreign campaign and a body the server
        may refuse are two refusals in no said order.
        """
        if request.credentials != "valid":
            refusals: dict[int, State] = {401: state}
            reasons = [f"{request.credentials} API key"]
            if not isinstance(request.body, dict):
                refusals[400] = state
                reasons.append("or the 400 of a body that is no JSON object, parsed first")
            return Expectation(refusals, tuple(reasons))
        if request.campaign == "own":
            return self._expect_body(state, request.body)
        if request.campaign == "unknown":
            refusals, reasons = {404: state}, ["unknown campaign"]
        else:
            refusals = {403: state, 404: state}
            reasons = ["another account's campaign: 403 or 404"]
        body = self._expect_body(state, request.body)
        if 400 in body.outcomes:
            refusals[400] = state
            reasons.append(f"or the body's 400, unordered ({'; '.join(body.reasons)})")
        return Expectation(refusals, tuple(reasons))

    def _expect_body(self, state: State, body: Any) -> Expectation:
        """What a correct server may answer a body sent with a valid key to the campaign."""
        if not isinstance(body, dict):
            what = "no body" if body is ABSENT else "a body that is not a JSON object"
            return Expectation({400: state}, (what,))
        found = _Findings()
        for name, value in body.items():
            rule = self.contract.fields.get(name)
            if rule is None:
                found.either.append(f"unknown property {name!r} (SHOULD be ignored)")
            elif rule.schedule_part:
                continue
            elif name == self.flag:
                self._flag(rule, value, found)
            else:
                self._plain(rule, value, found)
        self._schedule(body, found)
        return self._outcomes(state, body, found)

    def _plain(self, rule: FieldRule, value: Any, found: _Findings) -> None:
        problem = value_problem(rule, value)
        if problem:
            found.errors.append((f"{rule.name} {problem}", REFUSED))
            return
        if rule.reference == "agent":
            statuses = self._reference(value, self.world.agents, self.world.foreign_agents)
        elif rule.reference == "phone_number":
            statuses = self._reference(value, self.world.numbers, self.world.foreign_numbers)
        else:
            statuses = None
        if statuses is not None:
            found.errors.append((f"{rule.name} {value!r} is not one of the account's", statuses))
            return
        if rule.keys == "agent_variables":
            unknown = sorted(set(value) - self.world.variable_names)
            if unknown:
                found.either.append(f"{rule.name} keys {unknown} not known to be the agent's")
        if rule.readable:
            found.changes[rule.name] = value

    def _reference(self, value: str, own: frozenset[str],
                   foreign: frozenset[str]) -> frozenset[int] | None:
        if value in own:
            return None
        return FOREIGN_REFERENCE if value in foreign else UNKNOWN_REFERENCE

    def _flag(self, rule: FieldRule, value: Any, found: _Findings) -> None:
        problem = value_problem(rule, value)
        if problem:
            found.errors.append((f"{rule.name} {problem}", REFUSED))

    def _schedule(self, body: dict[str, Any], found: _Findings) -> None:
        flag = body.get(self.flag, ABSENT)
        problems: dict[str, str] = {}
        for name in self.schedule_parts:
            if name in body:
                problem = self._schedule_part_problem(name, body[name], flag is True)
                if problem:
                    problems[name] = problem
        if flag is not True:
            # Ignored without the flag: a malformed part may still be refused.
            for name, problem in problems.items():
                found.either.append(f"{name} {problem} sent without {self.flag} true")
            if flag is False:
                found.schedule = False
            return
        missing = [n for n in self.schedule_parts if n not in body]
        zone_part = self.schedule_parts[2]
        alias = problems.keys() == {zone_part} and body[zone_part] in RUNTIME_ZONE_ALIASES
        if alias:
            del problems[zone_part]
        for name in missing:
            found.errors.append((f"{name} missing with {self.flag} true", REFUSED))
        for name, problem in problems.items():
            found.errors.append((f"{name} {problem}", REFUSED))
        if missing or problems:
            return
        if alias:
            found.either.append(f"{zone_part} {body[zone_part]!r} is no IANA name, but a zone "
                                "to some runtimes (erratum runtime-zone-aliases)")
            found.schedule = frozenset()  # scheduled; the instant is the runtime's reading
            return
        day, clock, zone = (body[n] for n in self.schedule_parts)
        if _EXAMPLE_DATE_TIME.fullmatch(day):
            found.either.append("scheduledDate in the example's date-time form")
            day = day[:10]
        try:
            readings = local_readings(date.fromisoformat(day), time.fromisoformat(clock), zone)
        except (OverflowError, ValueError):
            found.either.append("a schedule instant out of range")
            return
        today = self.now.astimezone(ZoneInfo(zone)).date()
        local_day = date.fromisoformat(day)
        if min(readings) > self.now + DECISIVE_MARGIN and local_day > today:
            if len(readings) > 1:
                found.either.append(f"{clock} on {day} in {zone} is skipped or repeated "
                                    "by a DST change (erratum dst-skipped-and-repeated-times)")
            found.schedule = readings
        elif max(readings) < self.now - DECISIVE_MARGIN and local_day < today:
            found.errors.append(("a schedule in the past", REFUSED))
        else:
            found.either.append("a schedule too close to now to be decisive")
            found.schedule = readings

    def _schedule_part_problem(self, name: str, value: Any, flagged: bool) -> str | None:
        rule = self.contract.fields[name]
        if rule.format == "date" and isinstance(value, str) and _EXAMPLE_DATE_TIME.fullmatch(value):
            # Neither required nor refused: judged as a freedom below when flagged.
            return None if flagged else "in the example's date-time form"
        return value_problem(rule, value)

    def _outcomes(self, state: State, body: dict[str, Any], found: _Findings) -> Expectation:
        reasons = [why for why, _ in found.errors] + found.either
        name = found.changes.get("campaignName", ABSENT)
        taken = (name is not ABSENT and name in self.world.taken_names
                 and name != state.get("campaignName"))
        outcomes: dict[int, State] = {}
        if found.errors:
            sets = [statuses for _, statuses in found.errors]
            common = frozenset.intersection(*sets)
            for status in common or frozenset.union(*sets):
                outcomes[status] = state
            if taken:
                outcomes[409] = state
                reasons.append("the name is another campaign's (400 and 409 unordered)")
            return Expectation(outcomes, tuple(reasons))
        if found.either:
            outcomes[400] = state
        if taken:
            outcomes[409] = state
            reasons.append("the name is another campaign's")
            return Expectation(outcomes, tuple(reasons))
        after = state.with_values(**{k: v for k, v in found.changes.items() if k in self.plain})
        if found.schedule is False:
            after = replace(after, scheduled=False, instants=frozenset())
        elif isinstance(found.schedule, frozenset):
            after = replace(after, scheduled=True, instants=found.schedule)
        outcomes[200] = after
        return Expectation(outcomes, tuple(reasons))

    # -- judging one answer ---------------------------------------------
    def judge(self, state: State, request: ModelRequest, status: int | None,
              body: Any) -> Verdict:
        """Whether (status, body) is an acceptable answer to `request` in `state`."""
        expectation = self.expect(state, request)
        expected = expectation.describe()
        if status is None or status not in expectation.outcomes:
            return Verdict(False, expected, (f"answered {status}, expected {expected}",))
        after = expectation.outcomes[status]
        if status != 200:
            if not isinstance(body, dict):
                return Verdict(False, expected, (f"{status} without an Error object body",))
            return Verdict(True, expected, state=after)
        problems = self.differences(after, body)
        if problems:
            return Verdict(False, f"200 showing {after.describe()}", tuple(problems))
        shown = self.observe(body)
        assert shown is not None
        return Verdict(True, expected, state=replace(after, instants=shown.instants))


# JSON escapes RFC 8259 defines; Ruby's parser takes any other escaped character as itself.
_JSON_ESCAPES = frozenset('"\\/bfnrtu')


def _ruby_json_text(text: str) -> str | None:
    """`text` as Ruby's json library reads it by default: /* */ and // comments
    outside strings skipped, and a backslash before a character that is no JSON
    escape dropped ("\\x41" is "x41"). None when a comment is left open."""
    out: list[str] = []
    index, in_string = 0, False
    while index < len(text):
        char = text[index]
        if in_string and char == "\\" and index + 1 < len(text):
            escaped = text[index + 1]
            out.append(text[index:index + 2] if escaped in _JSON_ESCAPES else escaped)
            index += 2
            continue
        if char == '"':
            in_string = not in_string
        elif not in_string and text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                return None
            out.append(" ")
            index = end + 2
            continue
        elif not in_string and text.startswith("//", index):
            end = text.find("\n", index)
            index = len(text) if end < 0 else end
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def lenient_reading(raw: bytes) -> Any:
    """What a mainstream JSON parser makes by default of a body RFC 8259 refuses
    (erratum lenient-json-readings), or ABSENT when none reads it.

    Jackson 2, which Spring Boot 3 reads request bodies with, reads the first
    value and leaves what follows it unread (FAIL_ON_TRAILING_TOKENS is off
    by default until Jackson 3); Ruby's json library skips /* */ and //
    comments and takes an unknown escape's character as itself. Python's NaN
    and Infinity are no reading here: no field takes a float, so either
    reading of them is refused.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ABSENT
    decoder = json.JSONDecoder(parse_constant=_no_constants)
    for candidate in (text, _ruby_json_text(text)):
        if candidate is None:
            continue
        try:
            return decoder.raw_decode(candidate.strip())[0]
        except ValueError:
            continue
    return ABSENT


def value_problem(rule: FieldRule, value: Any) -> str | None:
    """What is wrong with `value` for `rule` by the contract alone (None: nothing)."""
    if value is None:
        return None if rule.nullable else "is null"
    if not rule.has_json_type(value):
        return f"{value!r} is not of type {rule.json_type}"
    if isinstance(value, str):
        low, high = rule.length_bounds
        if len(value) < low or (high is not None and len(value) > high):
            return f"of {len(value)} code points is outside {low}..{high}"
        if rule.pattern and re.fullmatch(python_pattern(rule.pattern), value) is None:
            return f"{value!r} does not match {rule.pattern}"
        if rule.format == "date" and not _is_calendar_date(value):
            return f"{value!r} is not a YYYY-MM-DD date"
        if rule.iana_zone and value not in zone_names():
            return f"{value!r} is not an IANA time zone"
    if isinstance(value, int) and not isinstance(value, bool) and rule.json_type == "integer":
        low_i, high_i = rule.integer_bounds
        if not low_i <= value <= high_i:
            return f"{value} is outside {low_i}..{high_i}"
    if isinstance(value, dict) and rule.value_types:
        allowed = tuple(t for name in rule.value_types for t in JSON_TYPES.get(name, ()))
        wrong = [k for k, v in value.items() if v is None or not isinstance(v, allowed)]
        if wrong:
            return f"has values of undocumented types ({', '.join(map(repr, wrong))})"
    if rule.enum is not None and value not in rule.enum:
        return f"{value!r} is not one of {list(rule.enum)}"
    return None


def _is_calendar_date(value: str) -> bool:
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) is None:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True

