"""Argument checks shared by the strategy functions.

Every public strategy function checks its arguments when it is called, so a
mistake surfaces where the strategy is defined rather than deep inside a test
run.  All failures raise :class:`hypothesis.errors.InvalidArgument`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from hypothesis.errors import InvalidArgument

from conformance._contract import Contract
from conformance._operation import UPDATE_CAMPAIGN


@cache
def iana_zone_names() -> frozenset[str]:
    """Return the IANA zone names known to :mod:`zoneinfo` on this system.

    ``localtime`` is a copy of the host's zone that some systems keep in the
    zoneinfo directory; it is not an IANA name, so it is left out.
    """
    return frozenset(zoneinfo.available_timezones() - {"localtime"})


def check_contract(value: object) -> Contract:
    """The contract a strategy reads its bounds from: `value`, or the published one."""
    if value is None:
        return UPDATE_CAMPAIGN.contract
    if not isinstance(value, Contract):
        raise InvalidArgument(f"contract={value!r} must be a Contract (UPDATE_CAMPAIGN.contract)")
    return value


def check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an int")
    return value


def check_bounds(
    low_name: str, low: object, high_name: str, high: object, allowed: tuple[int, int]
) -> tuple[int, int]:
    """Both bounds ints with allowed[0] <= low <= high <= allowed[1]."""
    check_int(low_name, low)
    check_int(high_name, high)
    assert isinstance(low, int) and isinstance(high, int)
    if not allowed[0] <= low <= high <= allowed[1]:
        raise InvalidArgument(
            f"need {allowed[0]} <= {low_name} <= {high_name} <= {allowed[1]}, "
            f"got {low_name}={low}, {high_name}={high}"
        )
    return low, high


def check_aware(name: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidArgument(f"{name}={value!r} must be a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidArgument(f"{name}={value!r} must be timezone-aware")
    return value


def check_timedelta(name: str, value: object) -> timedelta:
    if not isinstance(value, timedelta):
        raise InvalidArgument(f"{name}={value!r} must be a timedelta")
    if value < timedelta(0):
        raise InvalidArgument(f"{name}={value!r} must not be negative")
    return value


def check_strings(name: str, value: object) -> tuple[str, ...]:
    """Check that ``value`` is a collection of strings (not one string)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidArgument(
            f"{name}={value!r} must be a collection of strings, such as a list"
        )
    items = tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise InvalidArgument(f"{name} contains {item!r}, which is not a string")
    return items


def check_agent_ids(value: object, contract: Contract) -> tuple[str, ...]:
    ids = check_strings("agent_ids", value)
    low, high = contract.field("agentId").length_bounds
    for agent_id in ids:
        if not low <= len(agent_id) <= (high if high is not None else len(agent_id)):
            raise InvalidArgument(
                f"agent_ids contains {agent_id!r}, which is not {low}..{high} characters"
            )
    return tuple(dict.fromkeys(ids))


def check_phone_numbers(value: object, contract: Contract) -> tuple[str, ...]:
    numbers = check_strings("phone_numbers", value)
    phone = contract.field("sipPhoneNumber")
    for number in numbers:
        if not phone.matches(number):
            raise InvalidArgument(
                f"phone_numbers contains {number!r}, which does not match {phone.pattern}"
            )
    return tuple(dict.fromkeys(numbers))


def check_zones(value: object) -> tuple[str, ...]:
    zones = check_strings("zones", value)
    if not zones:
        raise InvalidArgument("zones must not be empty")
    known = iana_zone_names()
    for zone in zones:
        if zone not in known:
            raise InvalidArgument(f"zones contains {zone!r}, which is not an IANA zone name")
    return tuple(dict.fromkeys(zones))
