"""IANA time zone names from around the world, biased towards the unusual ones."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance._model import compatibility_zone_names

from ._validation import iana_zone_names

# Zones chosen for what makes them awkward, not for population.
NOTABLE_ZONES = (
    "UTC",
    "America/Los_Angeles",  # the spec's own example
    "Europe/London",  # DST, offset 0 in winter
    "Asia/Kolkata",  # +05:30
    "America/St_Johns",  # -03:30 / -02:30
    "Australia/Adelaide",  # +09:30 / +10:30, southern DST
    "Australia/Darwin",  # +09:30, no DST
    "Asia/Kathmandu",  # +05:45
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Tongatapu",  # +13
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
    "Pacific/Honolulu",  # -10
    "Pacific/Marquesas",  # -09:30
    "Australia/Lord_Howe",  # 30-minute DST
    "America/Santiago",  # southern DST, shifts at midnight
    "America/Havana",  # DST shifts at midnight
    "America/Sao_Paulo",
    "America/New_York",
    "America/Anchorage",
    "Europe/Berlin",
    "Europe/Moscow",
    "Africa/Casablanca",
    "Africa/Johannesburg",
    "Asia/Tokyo",
    "Asia/Tehran",  # +03:30
    "Asia/Yangon",  # +06:30
    "Australia/Eucla",  # +08:45
    "Pacific/Auckland",
    "Antarctica/Troll",  # +00 / +02 DST
    "Etc/GMT+5",  # POSIX sign: this is UTC-5
    "Etc/GMT-14",
    "Etc/GMT+12",
    "PST8PDT",  # a POSIX-style rule zone
)


def time_zones() -> st.SearchStrategy[str]:
    """IANA time zone names, all in ``zoneinfo.available_timezones()``, and
    none of the names the database keeps as links for compatibility (EST,
    US/Eastern, Asia/Calcutta), UTC aside.

    Mostly drawn from a list of awkward zones: both hemispheres, half-hour
    (Asia/Kolkata) and 45-minute (Asia/Kathmandu, Pacific/Chatham) offsets,
    +13/+14 (Pacific/Tongatapu, Pacific/Kiritimati), negative offsets,
    Australia/Lord_Howe with its 30-minute DST, UTC and Etc/GMT+5; otherwise
    any region/city zone.
    """
    # Zones, not the names kept for compatibility (erratum iana-compatibility-names):
    # a server may refuse those.
    known = iana_zone_names() - compatibility_zone_names()
    notable = [zone for zone in NOTABLE_ZONES if zone in known]
    regional = sorted(
        zone
        for zone in known
        if zone.split("/")[0]
        in {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe",
            "Indian", "Pacific", "Etc"}
    )
    return st.one_of(st.sampled_from(notable), st.sampled_from(regional))
