"""time_zones()."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from campaign_oracle import QUICK, REACH
from hypothesis import find, given

from conformance._model import compatibility_zone_names
from strategies import time_zones


@QUICK
@given(time_zones())
def test_zones_are_available(zone):
    assert zone in zoneinfo.available_timezones()
    assert zone != "localtime"


@QUICK
@given(time_zones())
def test_zones_are_never_names_kept_for_compatibility(zone):
    # erratum iana-compatibility-names: a server may refuse EST or Asia/Calcutta
    assert zone not in compatibility_zone_names()


def test_the_compatibility_names_are_the_database_links_but_utc():
    names = compatibility_zone_names()
    assert {"EST", "US/Eastern", "Asia/Calcutta"} <= names
    assert not names & {"UTC", "Etc/UTC", "Etc/GMT+5", "America/Los_Angeles", "Asia/Kolkata"}


def _offset(zone):
    return zoneinfo.ZoneInfo(zone).utcoffset(datetime(2027, 1, 15, tzinfo=UTC).replace(tzinfo=None))


@pytest.mark.parametrize(
    "condition",
    [
        lambda z: _offset(z) == timedelta(hours=5, minutes=30),
        lambda z: _offset(z).seconds % 3600 == 45 * 60,
        lambda z: _offset(z) >= timedelta(hours=13),
        lambda z: _offset(z) == timedelta(hours=14),
        lambda z: _offset(z) <= timedelta(hours=-10),
        lambda z: z == "Australia/Lord_Howe",
        lambda z: z == "UTC",
        lambda z: z.startswith("Etc/GMT+"),
        lambda z: z.startswith("Australia/"),
        lambda z: z.startswith("America/"),
    ],
    ids=["+05:30", "45 minutes", "+13", "+14", "-10 or less", "Lord Howe", "UTC", "Etc/GMT+",
         "southern", "western"],
)
def test_zones_reach(condition):
    find(time_zones(), condition, settings=REACH)
