"""Argument checks shared by the strategy functions.

Every public strategy function checks its arguments when it is called, so a
mistake surfaces where the strategy is defined rather than deep inside a test
run.  All failures raise :class:`hypothesis.errors.InvalidArgument`.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from hypothesis.errors import InvalidArgument

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
NAME_MAX = 128
AGENT_ID_MAX = 64
INT32_MAX = 2**31 - 1


@cache
def iana_zone_names() -> frozenset[str]:
    """Return the IANA zone names known to :mod:`zoneinfo` on this system.

    ``localtime`` is a copy of the host's zone that some systems keep in the
    zoneinfo directory; it is not an IANA name, so it is left out.
    """
    return frozenset(zoneinfo.available_timezones() - {"localtime"})


def is_e164(value: object) -> bool:
    return isinstance(value, str) and E164.fullmatch(value) is not None


def check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name}={value!r} must be an int")
    return value


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


def check_agent_ids(value: object) -> tuple[str, ...]:
    ids = check_strings("agent_ids", value)
    for agent_id in ids:
        if not 1 <= len(agent_id) <= AGENT_ID_MAX:
            raise InvalidArgument(
                f"agent_ids contains {agent_id!r}, which is not 1..{AGENT_ID_MAX} characters"
            )
    return tuple(dict.fromkeys(ids))


def check_phone_numbers(value: object) -> tuple[str, ...]:
    numbers = check_strings("phone_numbers", value)
    for number in numbers:
        if not is_e164(number):
            raise InvalidArgument(
                f"phone_numbers contains {number!r}, which does not match "
                r"^\+[1-9][0-9]{6,14}$"
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
