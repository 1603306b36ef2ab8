"""Request bodies for PATCH /v1/campaigns/{campaignId}: valid update bodies,
and invalid ones that each break exactly one rule of the contract."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import combinations, count
from types import MappingProxyType
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance._contract import Contract
from conformance._model import NOT_ZONES

from ._names import campaign_names, name_bounds, names_of_lengths
from ._phones import e164_numbers, invalid_e164_numbers
from ._raw import RawBody
from ._schedules import Schedule, past_schedules, schedules
from ._validation import (
    check_agent_ids,
    check_aware,
    check_bounds,
    check_contract,
    check_phone_numbers,
    check_strings,
    check_timedelta,
    iana_zone_names,
)

_400 = frozenset({400})
_400_404 = frozenset({400, 404})

#: Every rule (check id) an invalid body can break, with the statuses allowed
#: in answer to a body that breaks it.
RULES: Mapping[str, frozenset[int]] = MappingProxyType(
    {
        "name_empty_rejected": _400,
        "name_too_long_rejected": _400,
        "phone_pattern_enforced": _400,
        "unprovisioned_number_rejected": _400_404,
        "agent_id_length_enforced": _400,
        "unknown_agent_rejected": _400_404,
        "field_types_enforced": _400,
        "null_values_rejected": _400,
        "schedule_requires_date_time_zone": _400,
        "past_schedule_rejected": _400,
        "schedule_date_format_enforced": _400,
        "schedule_time_format_enforced": _400,
        "schedule_timezone_must_be_iana": _400,
        "concurrent_calls_range_enforced": _400,
        "dynamic_variables_values_enforced": _400,
        "malformed_json_rejected": _400,
        "non_object_body_rejected": _400,
        "missing_body_rejected": _400,
    }
)

#: A property the contract does not document; bodies may carry it (PATCH
#: bodies allow unknown properties) and servers should ignore it.
UNKNOWN_PROPERTY = "clientReference"


@dataclass(frozen=True)
class InvalidBody:
    """A request body that breaks exactly one rule of the contract.

    ``body`` is a JSON-able value (usually a dict; a list, str, number, bool
    or None for a non-object body, None meaning JSON ``null``) or a
    :class:`RawBody` for bytes that are no JSON value at all.  ``rule`` is
    the id of the broken rule, ``field`` the property at fault (None for
    body-level rules), ``statuses`` the answers allowed, and ``reason`` a
    short phrase saying what is wrong.
    """

    body: Any
    rule: str
    field: str | None
    statuses: frozenset[int]
    reason: str


# ---------------------------------------------------------------- values


def concurrent_calls(
    *,
    min_value: int | None = None,
    max_value: int | None = None,
    contract: Contract | None = None,
) -> st.SearchStrategy[int]:
    """Valid concurrentCalls: integers from min_value to max_value, often at the bounds.

    The bounds default to the contract's (a positive int32: 1 to 2147483647
    in the published document) and must lie within them.
    """
    allowed = check_contract(contract).field("concurrentCalls").integer_bounds
    low = allowed[0] if min_value is None else min_value
    high = allowed[1] if max_value is None else max_value
    low, high = check_bounds("min_value", low, "max_value", high, allowed)
    return st.one_of(
        st.sampled_from(sorted({low, high, min(max(5, low), high)})),
        st.integers(low, min(low + 99, high)),
        st.integers(low, high),
    )


_VARIABLE_NAMES = st.one_of(
    st.sampled_from(["customer_name", "first_name", "appointment_date", "amount_due"]),
    st.from_regex(r"[a-z_][a-z0-9_]{0,19}", fullmatch=True),
)
_SCALARS = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
)
# Values nested inside objects and arrays are unconstrained JSON, null included.
_NESTED = st.recursive(
    st.one_of(st.none(), _SCALARS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_VARIABLE_NAMES, inner, max_size=3)
    ),
    max_leaves=6,
)
_VARIABLE_VALUES = st.one_of(
    _SCALARS,
    st.dictionaries(_VARIABLE_NAMES, _NESTED, max_size=3),
    st.lists(_NESTED, max_size=3),
)


def dynamic_variables(*, names: Iterable[str] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Valid dynamicVariables: objects whose values are string, number,
    boolean, object or array (never null at the top level).

    With ``names``, keys are drawn from them only (the agent's variables).
    """
    if names is None:
        return st.dictionaries(_VARIABLE_NAMES, _VARIABLE_VALUES, max_size=4)
    keys = check_strings("names", names)
    if not keys:
        raise InvalidArgument("names must hold at least one variable name")
    return st.dictionaries(st.sampled_from(keys), _VARIABLE_VALUES, max_size=4)


def _untaken(name: str, taken: frozenset[str], max_size: int) -> str:
    """``name``, or ``name`` with a numeric suffix if another campaign has it."""
    for number in count():
        if name not in taken:
            return name
        suffix = str(number)
        name = name[: max_size - len(suffix)] + suffix
    raise AssertionError("unreachable")


def _unprovisioned(number: str, provisioned: frozenset[str]) -> str:
    """``number``, or ``number`` with its last digits replaced if provisioned."""
    digits = number[1:]
    for counter in count():
        if number not in provisioned:
            return number
        suffix = str(counter)
        number = "+" + digits[: len(digits) - len(suffix)] + suffix
    raise AssertionError("unreachable")


def _unknown_agent(agent_id: str, known: frozenset[str], max_size: int) -> str:
    """``agent_id``, or ``agent_id`` with a numeric suffix if it is known."""
    original = agent_id
    for counter in count():
        if agent_id not in known:
            return agent_id
        suffix = str(counter)
        agent_id = original[: max_size - len(suffix)] + suffix
    raise AssertionError("unreachable")


def _schedule_fields(schedule: Schedule, contract: Contract) -> dict[str, Any]:
    return {contract.schedule_flag: True, **schedule.fields}


def _agent_id_bounds(contract: Contract) -> tuple[int, int]:
    low, high = contract.field("agentId").length_bounds
    if high is None:
        raise InvalidArgument("the contract sets no maxLength for agentId")
    return low, high


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part)
    return merged


# ---------------------------------------------------------------- valid bodies


def update_bodies(
    *,
    agent_ids: Iterable[str],
    phone_numbers: Iterable[str],
    now: datetime,
    lead: timedelta = timedelta(days=365),
    taken_names: Iterable[str] = (),
    variable_names: Iterable[str] = (),
    unknown_properties: bool = False,
    contract: Contract | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid update bodies: any subset of the documented fields, valid for the account.

    agentId and sipPhoneNumber come from ``agent_ids`` and ``phone_numbers``
    (never drawn when the list is empty); campaignName avoids
    ``taken_names``.  Schedule fields come together: isScheduled true with a
    schedule from ``schedules(after=now + lead)``, isScheduled false alone,
    or no schedule field at all.  dynamicVariables are drawn only with
    ``variable_names`` (their keys must be the agent's variables).  With
    ``unknown_properties`` a body sometimes also carries the undocumented
    property ``clientReference``, which servers ignore.  Bounds and patterns
    come from ``contract`` (default: the published document).
    """
    rules = check_contract(contract)
    agents = check_agent_ids(agent_ids, rules)
    phones = check_phone_numbers(phone_numbers, rules)
    check_aware("now", now)
    check_timedelta("lead", lead)
    taken = frozenset(check_strings("taken_names", taken_names))
    longest = name_bounds(rules)[1]

    optional: dict[str, st.SearchStrategy[Any]] = {
        "campaignName": campaign_names(contract=rules).map(
            lambda name: _untaken(name, taken, longest)
        ),
    }
    if phones:
        optional["sipPhoneNumber"] = st.sampled_from(phones)
    if agents:
        optional["agentId"] = st.sampled_from(agents)
    optional["concurrentCalls"] = concurrent_calls(contract=rules)
    variables = check_strings("variable_names", variable_names)
    if variables:
        optional["dynamicVariables"] = dynamic_variables(names=variables)
    if unknown_properties:
        optional[UNKNOWN_PROPERTY] = st.text(max_size=10, alphabet="abcdef0123456789-")
    scheduling = st.one_of(
        st.just({}),
        st.just({rules.schedule_flag: False}),
        schedules(after=now + lead).map(lambda schedule: _schedule_fields(schedule, rules)),
    )
    return st.builds(_merge, st.fixed_dictionaries({}, optional=optional), scheduling)


# ---------------------------------------------------------------- invalid bodies

# A broken field: (body fields, field at fault, reason).
_Broken = tuple[dict[str, Any], str | None, str]


class _Account:
    """What the per-rule strategies need to know about the target account."""

    def __init__(
        self, agents: tuple[str, ...], phones: tuple[str, ...], now: datetime, contract: Contract
    ):
        self.agents = agents
        self.phones = phones
        self.now = now
        self.contract = contract
        self.future = schedules(after=now + timedelta(days=365))
        self.extras: dict[str, st.SearchStrategy[dict[str, Any]]] = {}
        if agents:
            self.extras["agentId"] = st.sampled_from(agents).map(lambda a: {"agentId": a})
        if phones:
            self.extras["sipPhoneNumber"] = st.sampled_from(phones).map(
                lambda p: {"sipPhoneNumber": p}
            )
        self.extras["concurrentCalls"] = concurrent_calls(contract=contract).map(
            lambda n: {"concurrentCalls": n}
        )
        self.extras["dynamicVariables"] = dynamic_variables().map(
            lambda v: {"dynamicVariables": v}
        )
        self.extras["schedule"] = st.one_of(
            st.just({contract.schedule_flag: False}), self.future.map(self.scheduled)
        )

    def scheduled(self, schedule: Schedule) -> dict[str, Any]:
        return _schedule_fields(schedule, self.contract)

    def group(self, field: str | None) -> str | None:
        """The schedule's fields form one group; every other field its own."""
        if field in self.contract.schedule_group:
            return "schedule"
        return field


@st.composite
def _with_extras(
    draw: st.DrawFn, account: _Account, broken: st.SearchStrategy[_Broken], rule: str
) -> InvalidBody:
    """Add up to two valid fields (never campaignName) to a broken one."""
    fields, field, reason = draw(broken)
    excluded = {account.group(field)} | {account.group(name) for name in fields}
    keys = [key for key in account.extras if key not in excluded]
    chosen = draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)) if keys else []
    extras = _merge(*(draw(account.extras[key]) for key in chosen))
    return InvalidBody(_merge(extras, fields), rule, field, RULES[rule], reason)


def _field(name: str, value: Any, reason: str) -> _Broken:
    return {name: value}, name, reason


# Characters for long or unknown identifiers.
_ID_CHARS = st.one_of(
    st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"),
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")),
)

_LONG_KINDS: dict[str, st.SearchStrategy[str]] = {
    "ASCII": st.sampled_from("abcXYZ019 -"),
    "multi-byte": st.sampled_from("éñ中文Жש"),
    "astral": st.sampled_from(["😀", "🚀", "𝔘", "𠀀"]),
}


@st.composite
def _long_names(draw: st.DrawFn, longest: int) -> _Broken:
    size = draw(st.one_of(st.just(longest + 1), st.integers(longest + 1, 4 * longest)))
    kind = draw(st.sampled_from(["ASCII", "multi-byte", "astral", "combining", "mixed"]))
    if kind == "combining":
        # e + COMBINING ACUTE ACCENT: two code points a character on screen.
        name = ("e\u0301" * size)[:size]
    elif kind == "mixed":
        name = draw(names_of_lengths(size, size))
    else:
        name = "".join(draw(st.lists(_LONG_KINDS[kind], min_size=size, max_size=size)))
    return _field("campaignName", name, f"campaignName of {size} code points ({kind})")


@st.composite
def _bad_agent_lengths(draw: st.DrawFn, bounds: tuple[int, int]) -> _Broken:
    shortest, longest = bounds
    too_short = list(range(shortest))[-1:]  # one character too few, if any length is
    size = draw(
        st.one_of(
            st.sampled_from([*too_short, longest + 1]),
            st.integers(longest + 1, max(300, longest + 1)),
        )
    )
    agent_id = "".join(draw(st.lists(_ID_CHARS, min_size=size, max_size=size)))
    return _field("agentId", agent_id, f"agentId of {size} characters")


@st.composite
def _unknown_agents(draw: st.DrawFn, known: frozenset[str], bounds: tuple[int, int]) -> _Broken:
    shortest, longest = max(bounds[0], 1), bounds[1]
    size = draw(
        st.one_of(
            st.sampled_from(sorted({shortest, longest})), st.integers(shortest, longest)
        )
    )
    agent_id = "".join(draw(st.lists(_ID_CHARS, min_size=size, max_size=size)))
    agent_id = _unknown_agent(agent_id, known, longest)
    return _field("agentId", agent_id, f"agentId {agent_id!r} is not an agent of the account")


# Values of another JSON type, by the type the contract gives a field.
_WRONG_BY_TYPE: dict[str, list[Any]] = {
    "string": [12345, 0, 1.5, True, False, [], ["x"], {}, {"value": "x"}],
    "boolean": ["true", "false", 1, 0, "yes", "True", [True], {}],
    # 5.0 is left out: drafts disagree on whether it is an integer.
    "integer": [1.5, 0.5, True, False, "5", [5], {"value": 5}, 2.25],
    "object": ["customer_name=Michael", '{"customer_name": "Michael"}', [], ["a"], 5, 1.5, True],
}
# Wrong types that look like the right value: a number, date or time as digits.
_LOOKALIKES: dict[str, list[Any]] = {
    "sipPhoneNumber": [14155552671, ["+14155552671"]],
    "scheduledDate": [20270925],
    "scheduledTime": [120000, 43200],
    "scheduledTimezone": [-8, 5.5],
}


def _wrong_types_of(contract: Contract) -> dict[str, list[Any]]:
    """For each field of the contract, values of a JSON type it does not allow."""
    return {
        name: [*_LOOKALIKES.get(name, ()), *_WRONG_BY_TYPE[rule.json_type]]
        for name, rule in contract.fields.items()
        if rule.json_type in _WRONG_BY_TYPE
    }


@st.composite
def _schedule_field_in_context(
    draw: st.DrawFn, account: _Account, field: str, value: Any
) -> dict[str, Any]:
    """``field`` set to ``value`` beside an otherwise valid future schedule."""
    fields = account.scheduled(draw(account.future))
    fields[field] = value
    return fields


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


@st.composite
def _wrong_types(draw: st.DrawFn, account: _Account) -> _Broken:
    wrong = _wrong_types_of(account.contract)
    field = draw(st.sampled_from(list(wrong)))
    value = draw(st.sampled_from(wrong[field]))
    fields = (
        draw(_schedule_field_in_context(account, field, value))
        if account.group(field) == "schedule"
        else {field: value}
    )
    return fields, field, f"{field} as {_json_type(value)} {value!r}"


@st.composite
def _nulls(draw: st.DrawFn, account: _Account) -> _Broken:
    field = draw(st.sampled_from(account.contract.field_names))
    fields = (
        draw(_schedule_field_in_context(account, field, None))
        if account.group(field) == "schedule"
        else {field: None}
    )
    return fields, field, f"{field} is null"


def _missing_parts(required: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Every non-empty set of the fields the schedule flag requires, smallest first."""
    return [left for size in range(1, len(required) + 1) for left in combinations(required, size)]


@st.composite
def _incomplete_schedules(draw: st.DrawFn, account: _Account) -> _Broken:
    missing = draw(st.sampled_from(_missing_parts(account.contract.schedule_fields)))
    fields = account.scheduled(draw(account.future))
    for name in missing:
        del fields[name]
    flag = account.contract.schedule_flag
    return fields, missing[0], f"{flag} true without " + " and ".join(missing)


@st.composite
def _past(draw: st.DrawFn, account: _Account) -> _Broken:
    schedule = draw(past_schedules(now=account.now))
    reason = f"schedule {schedule.date} {schedule.time} {schedule.zone} is in the past"
    return account.scheduled(schedule), "scheduledDate", reason


def _bad_dates(year: int) -> list[str]:
    """Impossible or misformatted dates, in or around a future ``year``."""
    common = next(y for y in count(year) if y % 4)  # a year without 29 February
    fullwidth = str(year).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    return [
        f"{year}-02-30",
        f"{year}-13-01",
        f"{year}-00-10",
        f"{year}-04-31",
        f"{year}-01-32",
        f"{year}-06-00",
        f"{common}-02-29",
        f"{year % 100:02d}-01-01",
        f"{year}/01/01",
        f"{year}0101",
        f"01-02-{year}",
        f" {year}-01-01",
        f"{year}-01-01 ",
        f"{year}-01-01\n",
        f"{year}-1-1",
        f"{year}-W01-1",
        f"{year}-001",
        f"+0{year}-01-01",
        f"{fullwidth}-01-01",
        "tomorrow",
        "",
    ]


@st.composite
def _misformatted_dates(draw: st.DrawFn, account: _Account) -> _Broken:
    schedule = draw(account.future)
    # The year after the schedule's: every wrong date a lenient server might
    # read still lies in the future.
    year = date.fromisoformat(schedule.date).year + 1
    bad = draw(st.sampled_from(_bad_dates(year)))
    fields = {**account.scheduled(schedule), "scheduledDate": bad}
    return fields, "scheduledDate", f"scheduledDate {bad!r}"


# 12:00:00.5 and 12:00:00Z are left out: RFC 3339 full-time allows them.
BAD_TIMES = (
    "24:00:00",
    "25:00:00",
    "12:60:00",
    "12:00:60",
    "12:00",
    "7:00:00",
    "12:0:00",
    "120000",
    "12-00-00",
    "12:00:00 ",
    " 12:00:00",
    "12:00:00\n",
    "12:00:00 PM",
    "\uff11\uff12:00:00",  # fullwidth digits
    "noon",
    "",
)


@st.composite
def _misformatted_times(draw: st.DrawFn, account: _Account) -> _Broken:
    bad = draw(st.sampled_from(BAD_TIMES))
    fields = {**account.scheduled(draw(account.future)), "scheduledTime": bad}
    return fields, "scheduledTime", f"scheduledTime {bad!r}"


@st.composite
def _unknown_zones(draw: st.DrawFn, account: _Account) -> _Broken:
    bad = draw(st.sampled_from(NOT_ZONES))
    fields = {**account.scheduled(draw(account.future)), "scheduledTimezone": bad}
    return fields, "scheduledTimezone", f"scheduledTimezone {bad!r} is not an IANA zone"


def _out_of_range(contract: Contract) -> st.SearchStrategy[int]:
    """Integers outside the contract's concurrentCalls bounds: just outside, the
    two's-complement minimum of the maximum's width and one below, and the
    widths other stacks overflow at."""
    low, high = contract.field("concurrentCalls").integer_bounds
    edges = [low - 1, low - 2, high + 1, -(high + 1), -(high + 2), 2**32, 2**63, 2**64]
    return st.one_of(
        st.sampled_from([n for n in edges if not low <= n <= high]),
        st.integers(max_value=low - 1),
        st.integers(min_value=high + 1),
    )


@st.composite
def _null_variables(draw: st.DrawFn) -> _Broken:
    variables = draw(dynamic_variables())
    key = draw(_VARIABLE_NAMES)
    while key in variables:
        key += "_"
    variables[key] = None
    return _field("dynamicVariables", variables, f"dynamicVariables[{key!r}] is null")


# Bodies RFC 8259 refuses and no mainstream parser reads by default: a server
# must refuse them.
MALFORMED_JSON = (
    b'{"concurrentCalls": 5',
    b'{"concurrentCalls": 5,}',
    b"{'concurrentCalls': 5}",
    b"{concurrentCalls: 5}",
    b'{"concurrentCalls" 5}',
    b'{"concurrentCalls": 5 xyz}',
    b'{"concurrentCalls": 5]',
    b'{"concurrentCalls": NaN}',
    b'{"concurrentCalls": Infinity}',
    b'{"concurrentCalls": 05}',
    b'{"concurrentCalls": +5}',
    b'{"concurrentCalls": 0x5}',
    b'{"isScheduled": True}',
    b'{"isScheduled": tru}',
    b'{"dynamicVariables": {"k": undefined}}',
    b'{"dynamicVariables": {"k": "line\nbreak"}}',
    b"{",
    b"}",
    b"[",
    b'"unterminated',
    b"   ",
)

# Bodies RFC 8259 refuses but a mainstream parser reads by default (erratum
# lenient-json-readings): text after the first value, which Jackson leaves
# unread; comments and unknown escapes, which Ruby's json library skips and
# takes literally. Refusing them is judged at SHOULD level (lenient_json_refused).
LENIENT_JSON = (
    b'{"concurrentCalls": 5} xyz',
    b'{"concurrentCalls": 5}}',
    b'{"concurrentCalls": 5}{"concurrentCalls": 6}',
    b'{"concurrentCalls": 5} // comment',
    b'/* comment */ {"concurrentCalls": 5}',
    b'{"concurrentCalls": 5 // comment\n}',
    b'{"dynamicVariables": {"k": "\\x41"}}',
)

NON_OBJECT_BODIES: tuple[Any, ...] = (
    [],
    [{"concurrentCalls": 5}],
    "concurrentCalls",
    '{"concurrentCalls": 5}',
    0,
    5,
    1.5,
    True,
    False,
    None,
)


def _body_level(rule: str, bodies: st.SearchStrategy[Any], reason: Callable[[Any], str]):
    return bodies.map(lambda body: InvalidBody(body, rule, None, RULES[rule], reason(body)))


def _describe_raw(body: RawBody) -> str:
    return f"malformed JSON {body.content[:40]!r}"


def _rule_strategies(account: _Account) -> dict[str, st.SearchStrategy[InvalidBody]]:
    known_agents = frozenset(account.agents)
    known_phones = frozenset(account.phones)
    contract = account.contract
    agent_bounds = _agent_id_bounds(contract)
    broken: dict[str, st.SearchStrategy[_Broken]] = {
        "name_empty_rejected": st.just(_field("campaignName", "", "empty campaignName")),
        "name_too_long_rejected": _long_names(name_bounds(contract)[1]),
        "phone_pattern_enforced": invalid_e164_numbers(contract=contract).map(
            lambda n: _field("sipPhoneNumber", n, f"sipPhoneNumber {n!r} breaks +E.164")
        ),
        "unprovisioned_number_rejected": e164_numbers(contract=contract)
        .map(lambda n: _unprovisioned(n, known_phones))
        .map(lambda n: _field("sipPhoneNumber", n, f"sipPhoneNumber {n} is not provisioned")),
        "agent_id_length_enforced": _bad_agent_lengths(agent_bounds),
        "unknown_agent_rejected": _unknown_agents(known_agents, agent_bounds),
        "field_types_enforced": _wrong_types(account),
        "null_values_rejected": _nulls(account),
        "schedule_requires_date_time_zone": _incomplete_schedules(account),
        "past_schedule_rejected": _past(account),
        "schedule_date_format_enforced": _misformatted_dates(account),
        "schedule_time_format_enforced": _misformatted_times(account),
        "schedule_timezone_must_be_iana": _unknown_zones(account),
        "concurrent_calls_range_enforced": _out_of_range(contract).map(
            lambda n: _field("concurrentCalls", n, f"concurrentCalls {n}")
        ),
        "dynamic_variables_values_enforced": _null_variables(),
    }
    strategies = {rule: _with_extras(account, fields, rule) for rule, fields in broken.items()}
    strategies["malformed_json_rejected"] = _body_level(
        "malformed_json_rejected",
        st.sampled_from(MALFORMED_JSON).map(RawBody),
        _describe_raw,
    )
    strategies["non_object_body_rejected"] = _body_level(
        "non_object_body_rejected",
        st.sampled_from(NON_OBJECT_BODIES),
        lambda body: f"whole body is the JSON {_json_type(body)} {body!r}",
    )
    strategies["missing_body_rejected"] = _body_level(
        "missing_body_rejected", st.just(RawBody(b"")), lambda _: "no body at all"
    )
    assert list(strategies) == [rule for rule in RULES if rule in strategies]
    return strategies


def invalid_bodies(
    *,
    agent_ids: Iterable[str],
    phone_numbers: Iterable[str],
    now: datetime,
    rules: Iterable[str] | None = None,
    contract: Contract | None = None,
) -> st.SearchStrategy[InvalidBody]:
    """Request bodies that each break exactly one rule, as InvalidBody values.

    Fields other than the broken one are valid for the account
    (``agent_ids``, ``phone_numbers``, schedules at least a year after
    ``now``); a body sometimes carries one or two of them, so a server that
    applies the valid part of a rejected request is caught.  No body carries
    a valid campaignName.  ``rules`` selects the rules to break (default: all
    of :data:`RULES`).  Bounds and patterns come from ``contract`` (default:
    the published document).
    """
    read = check_contract(contract)
    agents = check_agent_ids(agent_ids, read)
    phones = check_phone_numbers(phone_numbers, read)
    check_aware("now", now)
    if rules is None:
        selected = list(RULES)
    else:
        selected = list(dict.fromkeys(check_strings("rules", rules)))
        unknown = [rule for rule in selected if rule not in RULES]
        if unknown:
            raise InvalidArgument(f"unknown rules {unknown!r}; known rules: {list(RULES)}")
        if not selected:
            raise InvalidArgument("rules must name at least one rule")
    per_rule = _rule_strategies(_Account(agents, phones, now, read))
    return st.one_of([per_rule[rule] for rule in selected])


def _check_constants() -> None:
    known = iana_zone_names()
    assert not [zone for zone in NOT_ZONES if zone in known]


_check_constants()
