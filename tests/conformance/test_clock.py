"""The injected clock: the target's clock read from its Date headers, margins, --now."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from conformance._clock import (
    COVERED_SKEW,
    DATE_RESOLUTION,
    MARGIN_FLOOR,
    NO_DATE_MARGIN,
    StartedClock,
    TargetClock,
    parse_instant_option,
)

OURS = datetime(2026, 3, 8, 12, 0, 0, tzinfo=UTC)


class Fixed:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def date_header(at: datetime) -> str:
    return format_datetime(at.astimezone(UTC), usegmt=True)


def test_without_a_date_header_our_clock_is_used_with_the_stated_margin() -> None:
    clock = TargetClock(Fixed(OURS))
    clock.observe_exchange(None, 0.01)
    assert clock.now() == OURS
    assert clock.margin == NO_DATE_MARGIN
    assert "no Date header" in clock.describe() and "5 min" in clock.describe()


@pytest.mark.parametrize("skew", [timedelta(minutes=2), -timedelta(minutes=2),
                                  -timedelta(hours=11, minutes=20)],
                         ids=["2 min ahead", "2 min behind", "pinned hours behind"])
def test_the_targets_skew_is_measured_from_its_date_header(skew: timedelta) -> None:
    clock = TargetClock(Fixed(OURS))
    clock.observe(date_header(OURS + skew), received=OURS, elapsed=0.0)
    # Date has whole seconds: the middle of the second it names.
    assert clock.offset == skew + DATE_RESOLUTION / 2
    assert clock.now() == OURS + skew + DATE_RESOLUTION / 2
    side = "ahead of" if skew > timedelta(0) else "behind"
    assert side in clock.describe()


@pytest.mark.parametrize("skew", [timedelta(minutes=2), -timedelta(minutes=2)],
                         ids=["2 min ahead", "2 min behind"])
def test_a_small_skew_is_inside_the_margin(skew: timedelta) -> None:
    # A case past by the target's clock is then past by ours too.
    clock = TargetClock(Fixed(OURS))
    clock.observe(date_header(OURS + skew), received=OURS, elapsed=0.0)
    assert abs(clock.offset) + MARGIN_FLOOR < clock.margin < abs(clock.offset) + timedelta(
        minutes=1)
    assert clock.now() - clock.margin < OURS - MARGIN_FLOOR


def test_a_skew_of_hours_is_taken_as_the_targets_clock() -> None:
    # A pinned test server, or a clock nobody synchronises: its Date header decides.
    clock = TargetClock(Fixed(OURS))
    clock.observe(date_header(OURS - timedelta(hours=11)), received=OURS, elapsed=0.0)
    assert clock.margin < MARGIN_FLOOR + 2 * DATE_RESOLUTION
    assert COVERED_SKEW < timedelta(hours=1)


def test_the_median_of_the_first_readings_is_kept() -> None:
    clock = TargetClock(Fixed(OURS), samples=3)
    for seconds in (10, 500, 12):  # one reading delayed by a slow proxy
        clock.observe(date_header(OURS + timedelta(seconds=seconds)), received=OURS, elapsed=0)
    clock.observe(date_header(OURS + timedelta(hours=5)), received=OURS, elapsed=0)  # ignored
    assert clock.offset == timedelta(seconds=12.5)
    # The readings disagree by 490 s: the margin says so.
    assert clock.margin >= timedelta(seconds=490) + MARGIN_FLOOR


def test_a_long_round_trip_widens_the_margin() -> None:
    clock = TargetClock(Fixed(OURS))
    clock.observe(date_header(OURS), received=OURS, elapsed=4.0)
    assert clock.offset == timedelta(seconds=2.5)  # answered half way through
    # Resolution, the round trip, and the (small) offset itself.
    assert clock.margin == (MARGIN_FLOOR + DATE_RESOLUTION + timedelta(seconds=4)
                            + timedelta(seconds=2.5))


@pytest.mark.parametrize("header", ["yesterday", "Sun, 08 Mar 2026 99:00:00 GMT", ""])
def test_an_unreadable_date_header_measures_nothing(header: str) -> None:
    clock = TargetClock(Fixed(OURS))
    clock.observe_exchange(header, 0.01)
    assert not clock.measured
    assert clock.exchanges_seen == 1
    assert clock.margin == NO_DATE_MARGIN


def test_an_exchange_without_an_answer_is_seen_but_measures_nothing() -> None:
    clock = TargetClock(Fixed(OURS))
    clock.observe_exchange(date_header(OURS), 0.01, answered=False)
    assert clock.exchanges_seen == 1 and not clock.measured


def test_a_started_clock_runs_on_from_its_instant() -> None:
    ticks = iter([100.0, 100.0, 160.5])
    clock = StartedClock(datetime(2026, 3, 8, 1, 30, tzinfo=UTC), elapsed=lambda: next(ticks))
    assert clock.now() == datetime(2026, 3, 8, 1, 30, tzinfo=UTC)
    assert clock.now() == datetime(2026, 3, 8, 1, 31, 0, 500000, tzinfo=UTC)


def test_a_started_clock_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError):
        StartedClock(datetime(2026, 3, 8, 1, 30))


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-08T01:30:00Z", datetime(2026, 3, 8, 1, 30, tzinfo=UTC)),
    ("2026-03-08T01:30:00z", datetime(2026, 3, 8, 1, 30, tzinfo=UTC)),
    ("2026-03-07T20:30:00-05:00", datetime(2026, 3, 8, 1, 30, tzinfo=UTC)),
])
def test_now_options_read_instants_with_offsets(text: str, expected: datetime) -> None:
    assert parse_instant_option(text) == expected


@pytest.mark.parametrize("text", ["2026-03-08T01:30:00", "tomorrow", ""])
def test_now_options_refuse_what_is_not_an_instant(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as raised:
        parse_instant_option(text)
    assert "2026-03-08T01:30:00Z" in str(raised.value)


@pytest.mark.parametrize("command", ["run", "serve"])
def test_a_bad_now_is_a_usage_error_naming_the_option(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance._cli import main

    with pytest.raises(SystemExit) as raised:
        main([command, "--now", "08/03/2026 01:30"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "--now" in err and "2026-03-08T01:30:00Z" in err and "Traceback" not in err


def test_now_cannot_set_a_real_targets_clock(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conformance._cli import main

    path = tmp_path / "target.toml"
    path.write_text('base_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    assert main(["run", "--no-allure", "--target", str(path),
                 "--now", "2026-03-08T01:30:00Z"]) == 2
    assert "--now" in capsys.readouterr().err


def test_a_retry_after_date_is_read_against_the_answers_own_date() -> None:
    from conformance._client import _retry_after

    # A server whose clock is months away from ours still means "in five seconds".
    assert _retry_after("Sun, 08 Mar 2026 01:30:05 GMT", "Sun, 08 Mar 2026 01:30:00 GMT") == 5.0
    assert _retry_after("Sun, 08 Mar 2026 01:29:00 GMT", "Sun, 08 Mar 2026 01:30:00 GMT") == 0.0
