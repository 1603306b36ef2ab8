"""Time, injected: the one place the suite reads a clock.

    Clock          anything with now() -> an aware UTC datetime
      SystemClock    this machine's clock
      StartedClock   starts at a given instant, then advances in real time
                     (the reference's --now; the project's tests)
    TargetClock    the target's clock: ours plus the offset its Date headers
                   show, with the margin a "past" or "future" case must keep

Checks never ask this machine what time it is: a case that depends on "now"
is judged against the target's clock (RFC 9110 section 6.6.1: the Date header
is the origin's clock, in whole seconds), with a margin just above what the
measurement cannot tell apart.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol

__all__ = [
    "Clock",
    "COVERED_SKEW",
    "DATE_RESOLUTION",
    "MARGIN_FLOOR",
    "NO_DATE_MARGIN",
    "SAMPLES",
    "StartedClock",
    "SystemClock",
    "TargetClock",
    "parse_instant_option",
]

# The first exchanges whose Date header is read; the median of their offsets is kept.
SAMPLES = 5
# IMF-fixdate carries whole seconds.
DATE_RESOLUTION = timedelta(seconds=1)
# Added to what the measurement cannot resolve: a server deciding "now" a little
# after it stamps Date, a proxy stamping Date with its own, NTP-synchronised, clock.
MARGIN_FLOOR = timedelta(seconds=30)
# A target that sends no Date header is judged by our clock with this margin.
NO_DATE_MARGIN = timedelta(minutes=5)
# A skew up to this is added to the margin, so a case is past (or future) by our
# clock too: Date may come from another clock (a proxy, a CDN) than the one that
# decides. A larger skew is no synchronised clock's: the Date header is trusted.
COVERED_SKEW = timedelta(minutes=15)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        ...


class SystemClock:
    """This machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class StartedClock:
    """A clock that reads ``start`` when created and then advances in real time."""

    def __init__(self, start: datetime, *, elapsed: Callable[[], float] = time.monotonic) -> None:
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValueError(f"start must be an aware datetime, got {start!r}")
        self.start = start.astimezone(UTC)
        self._elapsed = elapsed
        self._origin = elapsed()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self._elapsed() - self._origin)


class InstantError(argparse.ArgumentTypeError, ValueError):
    """A --now value that is not an ISO 8601 date-time with an offset."""


def parse_instant_option(text: str) -> datetime:
    """``2026-03-08T01:30:00Z`` (an offset is required) as an aware UTC datetime.

    Raises :class:`InstantError`, which argparse reports as a usage error.
    """
    try:
        parsed = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise InstantError(f"not an ISO 8601 date-time: {text!r} "
                         "(expected e.g. 2026-03-08T01:30:00Z)") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InstantError(f"needs an offset or Z: {text!r} (e.g. 2026-03-08T01:30:00Z)")
    return parsed.astimezone(UTC)


def _seconds(delta: timedelta) -> str:
    total = abs(delta.total_seconds())
    if total < 120:
        return f"{total:.1f} s" if total < 10 else f"{total:.0f} s"
    minutes, seconds = divmod(round(total), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else "", f"{seconds} s" if seconds else ""]
    return " ".join(p for p in parts if p)


class TargetClock:
    """The target's clock, measured against ours from its Date response headers.

    Each reading takes the Date header of one exchange (whole seconds: the
    target's clock was somewhere in [Date, Date + 1 s) while it answered) and
    our clock's instants around the exchange; its offset is the middle of
    what it allows. The first :data:`SAMPLES` readings are kept and their
    median is the offset. The margin covers the Date resolution, the longest
    round trip, the spread of the readings, the offset itself when it is at
    most :data:`COVERED_SKEW`, and :data:`MARGIN_FLOOR`; without any Date
    header it is :data:`NO_DATE_MARGIN` on our own clock.
    """

    def __init__(self, base: Clock | None = None, *, samples: int = SAMPLES) -> None:
        self.base: Clock = base if base is not None else SystemClock()
        self.samples = samples
        self._offsets: list[timedelta] = []
        self._longest_trip = timedelta(0)
        self.exchanges_seen = 0
        self._lock = threading.Lock()

    # -- measuring ----------------------------------------------------------
    def observe(self, date_header: str | None, *, received: datetime, elapsed: float) -> None:
        """Record one exchange: its Date header (if any), our instant when the
        answer was complete, and the seconds the exchange took."""
        if len(self._offsets) >= self.samples or not date_header:
            return
        try:
            stamped = parsedate_to_datetime(date_header)
        except (TypeError, ValueError, IndexError):
            return  # an unreadable Date header says nothing about the clock
        if stamped.tzinfo is None:
            return
        trip = timedelta(seconds=max(0.0, elapsed))
        middle = received - trip / 2
        offset = stamped.astimezone(UTC) + DATE_RESOLUTION / 2 - middle
        with self._lock:
            if len(self._offsets) < self.samples:
                self._offsets.append(offset)
                self._longest_trip = max(self._longest_trip, trip)

    def observe_exchange(self, date_header: str | None, elapsed: float, *,
                         answered: bool = True) -> None:
        """:meth:`observe` for an exchange that has just completed (``answered``:
        it got an HTTP response, so a missing Date header is news)."""
        self.exchanges_seen += 1
        if answered and len(self._offsets) < self.samples:
            self.observe(date_header, received=self.base.now(), elapsed=elapsed)

    # -- reading ------------------------------------------------------------
    @property
    def measured(self) -> bool:
        return bool(self._offsets)

    @property
    def offset(self) -> timedelta:
        """How far the target's clock is ahead of ours (negative: behind)."""
        with self._lock:
            if not self._offsets:
                return timedelta(0)
            return statistics.median_low(sorted(self._offsets))

    @property
    def margin(self) -> timedelta:
        """How far a case must lie from the target's "now" to be decisive."""
        if not self._offsets:
            return NO_DATE_MARGIN
        skew = abs(self.offset)
        with self._lock:
            spread = max(self._offsets) - min(self._offsets)
            margin = MARGIN_FLOOR + DATE_RESOLUTION + self._longest_trip + spread
        return margin + skew if skew <= COVERED_SKEW else margin

    def now(self) -> datetime:
        """The target's current instant as well as we know it."""
        return self.base.now() + self.offset

    def describe(self) -> str:
        if not self.measured:
            return (f"no Date header from the target: judged by our clock, "
                    f"margin {_seconds(self.margin)}")
        offset = self.offset
        if abs(offset) < DATE_RESOLUTION:
            relation = "agrees with ours"
        else:
            side = "ahead of" if offset > timedelta(0) else "behind"
            relation = f"{_seconds(offset)} {side} ours"
        return (f"target clock (Date header, {len(self._offsets)} reading"
                f"{'s' if len(self._offsets) != 1 else ''}) {relation}, "
                f"margin {_seconds(self.margin)}")
