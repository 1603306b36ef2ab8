"""Verdicts that do not depend on the hour: the server's clock pinned at awkward instants.

The reference, each conformant variant that reads the clock or decides on
schedules, and each time-dependent mutant (one whose killed_by names a
schedule or behaviour check) is served in process
with its clock started at each pinned instant; the suite's checks run against
it through the suite's own client, reading the server's clock from its Date
header as they would on any target. Every kill must happen at every pin, and
no correct server may fail a time-dependent check at any pin.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from conformance._catalogue import CheckFailure, NotExercised, load_catalogue
from conformance._client import Client
from conformance._clock import StartedClock, TargetClock
from conformance._context import Context
from conformance._embedded import embedded_fixtures
from conformance._engine import RESTORE_CHECK
from conformance._profiles import PROFILES
from conformance._spec import load_spec
from conformance._target import Secret, Target
from reference import MUTANTS, VARIANTS, Rules, create_app, load_world

PINS = {
    "00:40Z": datetime(2026, 3, 8, 0, 40, tzinfo=UTC),
    "01:30Z": datetime(2026, 3, 8, 1, 30, tzinfo=UTC),
    "12:00Z": datetime(2026, 3, 8, 12, 0, tzinfo=UTC),
    "23:30Z": datetime(2026, 3, 8, 23, 30, tzinfo=UTC),
    # 03:30 in New York, half an hour after its clocks sprang forward.
    "New York DST": datetime(2026, 3, 8, 7, 30, tzinfo=UTC),
    # 02:30 in London, half an hour after its clocks sprang forward.
    "London DST": datetime(2026, 3, 29, 1, 30, tzinfo=UTC),
    # 01:30 in New York, the first pass of its repeated hour, then the second.
    "New York fall back": datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
    "New York repeated hour": datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
}
SEED = 20250101
CATALOGUE = load_catalogue()
SPEC = load_spec()
TIME_AREAS = ("schedule", "behaviour")
# Checks whose cases are chosen from "now" at the scale of hours; correct servers
# run these at every pin (the others of the areas above read only the year).
NOW_CHECKS = ("past_schedule_rejected", "past_time_today_rejected", "future_schedule_accepted")
# The restore is judged by the engine after every check (not by a check this
# in-process harness runs); the pinned CLI runs cover it.
TIME_MUTANTS = sorted(
    name for name, mutant in MUTANTS.items()
    if any(c in CATALOGUE and CATALOGUE[c].area in TIME_AREAS and c != RESTORE_CHECK
           for c in mutant.killed_by)
)
# What a Rules subclass overrides when it reads the clock or decides "future".
TIME_METHODS = ("now", "is_future", "resolve_schedule", "schedule_instant",
                "render_scheduled_date", "apply_schedule", "validate", "clean_scheduled_date",
                "clean_scheduled_time", "clean_scheduled_timezone")


def reads_time(rules: type[Rules]) -> bool:
    return any(name in vars(cls) for cls in rules.__mro__[:rules.__mro__.index(Rules)]
               for name in TIME_METHODS)


CONFORMANT = {"reference": Rules} | {
    f"variant {name}": variant.rules for name, variant in sorted(VARIANTS.items())
    if reads_time(variant.rules)
}


class InProcess(httpx.BaseTransport):
    """A synchronous httpx transport over an ASGI app (no socket, no thread).

    Requests sent at once (a batch of refusals) are answered one after another:
    the event loop is not shared between threads.
    """

    def __init__(self, app: Any, *, dated: bool = True) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._loop = asyncio.new_event_loop()
        self._dated = dated
        self._one_at_a_time = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def answer() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            body = b"".join([chunk async for chunk in response.stream])  # type: ignore[union-attr]
            headers = httpx.Headers(response.headers)
            if not self._dated:
                del headers["date"]
            return httpx.Response(response.status_code, headers=headers,
                                  stream=httpx.ByteStream(body))

        with self._one_at_a_time:
            return self._loop.run_until_complete(answer())

    def close(self) -> None:
        """Each check's client closes its transport; the server outlives them."""

    def shutdown(self) -> None:
        self._loop.close()


class PinnedServer:
    """One server (reference, variant or mutant) whose clock starts at ``pin``."""

    def __init__(self, rules: type[Rules], pin: datetime, *, dated: bool = True) -> None:
        world = load_world()
        self.pin = pin
        self.dated = dated
        self.transport = InProcess(create_app(world, rules=rules, clock=StartedClock(pin).now),
                                   dated=dated)
        self.target = Target(base_url="http://127.0.0.1:9", fixtures=embedded_fixtures(world),
                             api_key=Secret(world.primary_key), name="pinned", embedded=True)

    def outcome(self, check_id: str) -> tuple[str, str]:
        """Run one check as the suite does; (outcome, message)."""
        check = CATALOGUE[check_id]
        client = Client(self.target, transport=self.transport)
        client.current_check = check_id
        # Without a Date header the suite falls back on its own clock: pinned here too.
        ours = None if self.dated else StartedClock(self.pin)
        ctx = Context(target=self.target, client=client, spec=SPEC, profile=PROFILES["quick"],
                      seed=SEED, level="full", check=check, clock=TargetClock(ours))
        try:
            check.func(ctx)
        except CheckFailure as failure:
            return "failed", failure.title
        except NotExercised as skipped:
            return "not-exercised", str(skipped)
        finally:
            client.close()
        return "passed", ctx.clock.describe()

    def close(self) -> None:
        self.transport.shutdown()


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[PinnedServer] = []

    def start(rules: type[Rules], pin: datetime, *, dated: bool = True) -> PinnedServer:
        servers.append(PinnedServer(rules, pin, dated=dated))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_time_dependent_mutants_and_variants_are_found() -> None:
    for name in ("schedule_today_by_utc_date", "schedule_today_by_local_date",
                 "schedule_future_ignores_zone", "schedule_future_by_wall_time"):
        assert name in TIME_MUTANTS
    for name in ("future_by_whole_date", "dst_later_reading"):
        assert f"variant {name}" in CONFORMANT
    assert "variant foreign_campaign_404" not in CONFORMANT


@pytest.mark.parametrize("pin", list(PINS.values()), ids=list(PINS))
@pytest.mark.parametrize("name", TIME_MUTANTS)
def test_a_time_dependent_mutant_is_killed_at_every_pin(name: str, pin: datetime, serve: Any
                                                        ) -> None:
    server = serve(MUTANTS[name].rules, pin)
    survivors = {}
    for check_id in MUTANTS[name].killed_by:
        outcome, message = server.outcome(check_id)
        if outcome != "failed":
            survivors[check_id] = f"{outcome}: {message}"
    assert not survivors, f"{name} ({MUTANTS[name].description}) at {pin}: {survivors}"


@pytest.mark.parametrize("pin", list(PINS.values()), ids=list(PINS))
@pytest.mark.parametrize("name", sorted(CONFORMANT))
def test_a_correct_server_passes_the_time_checks_at_every_pin(name: str, pin: datetime,
                                                              serve: Any) -> None:
    server = serve(CONFORMANT[name], pin)
    outcomes = {check_id: server.outcome(check_id) for check_id in NOW_CHECKS}
    wrong = {c: o for c, o in outcomes.items() if o[0] != "passed"}
    assert not wrong, f"{name} at {pin}: {wrong}"


def test_the_suite_reads_the_pinned_clock_from_the_date_header(serve: Any) -> None:
    pin = PINS["00:40Z"]
    server = serve(Rules, pin)
    client = Client(server.target, transport=server.transport)
    ctx = Context(target=server.target, client=client, spec=SPEC, profile=PROFILES["quick"],
                  seed=SEED, level="full", check=CATALOGUE["past_time_today_rejected"],
                  clock=TargetClock())
    # The pinned server's clock started at `pin` and has run only a moment since.
    assert pin - timedelta(seconds=2) <= ctx.now() <= pin + timedelta(minutes=1)
    assert timedelta(seconds=30) < ctx.margin() < timedelta(minutes=2)
    client.close()


@pytest.mark.parametrize("pin", [datetime(2026, 3, 8, 0, 0, 10, tzinfo=UTC)], ids=["00:00:10Z"])
def test_a_case_that_cannot_be_decisive_is_not_exercised(pin: datetime, serve: Any) -> None:
    # Ten seconds after midnight UTC no past time is still today in UTC: the
    # check says so instead of passing, and still sends the decisive cases.
    outcome, message = serve(Rules, pin).outcome("past_time_today_rejected")
    assert outcome == "not-exercised"
    assert "by UTC date" in message and "midnight is too recent" in message
    killed, _ = serve(MUTANTS["schedule_today_by_local_date"].rules, pin).outcome(
        "past_time_today_rejected")
    assert killed == "failed"


@pytest.mark.parametrize("pin", [PINS["00:40Z"], PINS["London DST"]], ids=["00:40Z", "London DST"])
def test_without_a_date_header_our_clock_and_its_margin_still_decide(pin: datetime,
                                                                     serve: Any) -> None:
    reference = serve(Rules, pin, dated=False)
    outcome, message = reference.outcome("past_time_today_rejected")
    assert outcome == "passed", message
    assert "no Date header" in message and "margin 5 min" in message
    for name in ("schedule_today_by_utc_date", "schedule_future_ignores_zone"):
        killed, _ = serve(MUTANTS[name].rules, pin, dated=False).outcome(
            "past_time_today_rejected")
        assert killed == "failed", name
