"""Sequence-only mutants: every single request on a fresh server is answered as the
reference answers it; a history (or two requests at once) shows the fault."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from refkit import FOREIGN, TAKEN, TARGET, Client
from test_reference_mutants import PROBES, Step

from reference import MUTANTS, Rules, load_world
from reference.history_mutants import HISTORY_MUTANTS

AGENT_B = "agent_T3st1ngAg3nt0001"
NUMBER_B = "+1234567"
LA = {"isScheduled": True, "scheduledDate": "2027-09-25", "scheduledTime": "12:00:00",
      "scheduledTimezone": "America/Los_Angeles"}
BERLIN = {"isScheduled": True, "scheduledDate": "2027-03-20", "scheduledTime": "09:15:00",
          "scheduledTimezone": "Europe/Berlin"}
DST_GAP = {"isScheduled": True, "scheduledDate": "2027-03-14", "scheduledTime": "02:30:00",
           "scheduledTimezone": "America/New_York"}

# Single requests beside every one-step probe of the other mutants: each kind of
# request the histories send, on each campaign, with and without a key.
SINGLES: list[Step] = [
    Step(body={}),
    Step(body={"campaignName": "Renamed"}),
    Step(body={"campaignName": "Q4 Outreach Campaign"}),
    Step(body={"campaignName": "Spring Renewal Campaign"}),
    Step(body={"agentId": AGENT_B}),
    Step(body={"agentId": "agent_D5D0p7TUs66TTAEAx"}),
    Step(body={"sipPhoneNumber": NUMBER_B}),
    Step(body={"sipPhoneNumber": "+14155552671"}),
    Step(body={"concurrentCalls": 5}),
    Step(body={"concurrentCalls": 9}),
    Step(body=LA),
    Step(body=BERLIN),
    Step(body=DST_GAP),
    Step(body={"isScheduled": False}),
    Step(body={"isScheduled": False}, campaign=TAKEN),
    Step(body=LA, campaign=TAKEN),
    Step(body={"campaignName": "Renamed", "concurrentCalls": 0}),
    Step(body={"campaignName": "Spring Renewal Campaign", "concurrentCalls": 7}),
    Step(body={"campaignName": "Renamed", "agentId": AGENT_B, "sipPhoneNumber": NUMBER_B,
               "concurrentCalls": 3, **LA}),
    Step(body={"scheduledDate": "tomorrow"}),
    Step(body={"campaignName": "Renamed"}, key=None),
    Step(body={"campaignName": "Renamed"}, key="wrong"),
    Step(body={"campaignName": "Renamed"}, campaign=FOREIGN),
    Step(body={"campaignName": "Renamed"}, campaign="camp_Nope"),
    *(steps[0] for steps in PROBES.values() if len(steps) == 1),
]

# For each mutant but the two concurrency ones: a history whose last answer
# differs from the reference's.
HISTORIES: dict[str, list[Any]] = {
    "earlier_name_refused": [{"campaignName": "B"}, {"campaignName": "Q4 Outreach Campaign"}],
    "repeated_body_cached": [{}, {"concurrentCalls": 9}, {}],
    "schedule_relocalised_on_write": [LA, {"concurrentCalls": 9}],
    "calls_frozen_after_six_writes": [{"concurrentCalls": n} for n in range(2, 10)],
    "calls_reset_after_unschedule": [LA, {"concurrentCalls": 9}, {"isScheduled": False},
                                     {"agentId": AGENT_B}],
    "released_number_refused": [{"sipPhoneNumber": NUMBER_B}, {"sipPhoneNumber": "+14155552671"}],
    "reschedule_status_stuck": [LA, {"isScheduled": False}, BERLIN],
    "rename_loses_schedule": [LA, {"campaignName": "B"}],
    "agent_change_resets_calls": [{"concurrentCalls": 9}, {"agentId": AGENT_B}],
    "number_change_restores_first_agent": [{"agentId": AGENT_B}, {"sipPhoneNumber": NUMBER_B}],
    "refused_rename_applied_later": [{"campaignName": "Spring Renewal Campaign"},
                                     {"concurrentCalls": 9}],
    "refused_fields_applied_later": [{"concurrentCalls": 9, "campaignName": ""},
                                     {"agentId": AGENT_B}],
    "unschedule_undone_by_read": [LA, {"isScheduled": False}, {"concurrentCalls": 9}, {}],
    "same_calls_as_last_write_conflict": [{"concurrentCalls": 9}, {"concurrentCalls": 9}],
    "second_unschedule_refused": [LA, {"isScheduled": False}, {"isScheduled": False}],
}
CONCURRENT = {"lost_update_read_modify_write", "concurrent_same_name_conflict"}


def answer(response: Any) -> tuple[Any, ...]:
    try:
        content: Any = response.json()
    except ValueError:
        content = response.text
    if isinstance(content, dict):
        content.pop("timestamp", None)
    return (response.status_code, response.headers.get("content-type"), content)


def single(rules: type[Rules], step: Step) -> tuple[Any, ...]:
    client = Client(load_world(), rules)
    try:
        raw = step.raw if step.raw is not None else json.dumps(step.body).encode()
        return answer(client.patch(raw=raw, campaign=step.campaign, key=step.key,
                                   content_type=step.content_type, timeout=2.0))
    finally:
        client.close()


def history(rules: type[Rules], bodies: list[Any]) -> list[tuple[Any, ...]]:
    client = Client(load_world(), rules)
    try:
        return [answer(client.patch(body)) for body in bodies]
    finally:
        client.close()


def at_once(rules: type[Rules], bodies: list[Any]) -> tuple[list[tuple[Any, ...]], Any]:
    """Send `bodies` concurrently, then read the campaign back."""
    client = Client(load_world(), rules)
    try:
        async def all_together() -> list[Any]:
            headers = {"Content-Type": "application/json", "X-API-Key": client.key}
            return await asyncio.gather(*(
                client.http.patch(f"/v1/campaigns/{TARGET}", headers=headers,
                                  content=json.dumps(b).encode()) for b in bodies))

        answers = [answer(r) for r in client.loop.run_until_complete(all_together())]
        return answers, client.patch({}).json()
    finally:
        client.close()


def test_there_are_at_least_fifteen_and_all_are_registered() -> None:
    assert len(HISTORY_MUTANTS) >= 15
    assert set(HISTORY_MUTANTS) <= set(MUTANTS)
    assert set(HISTORIES) | CONCURRENT == set(HISTORY_MUTANTS)


@pytest.fixture(scope="module")
def reference_answers() -> list[tuple[Any, ...]]:
    return [single(Rules, step) for step in SINGLES]


@pytest.fixture
def no_race_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests one after the other never meet in the concurrency mutants' race
    window; they take the same path without waiting it out."""
    monkeypatch.setattr("reference.history_mutants.RACE_WINDOW", 0)


@pytest.mark.parametrize("name", HISTORY_MUTANTS)
@pytest.mark.usefixtures("no_race_window")
def test_every_single_request_on_a_fresh_server_is_answered_as_the_reference(
        name: str, reference_answers: list[tuple[Any, ...]]) -> None:
    rules = MUTANTS[name].rules
    for step, expected in zip(SINGLES, reference_answers, strict=True):
        assert single(rules, step) == expected, f"{name} differs on {step}"


@pytest.mark.parametrize("name", sorted(HISTORIES))
def test_a_history_shows_the_fault(name: str) -> None:
    bodies = HISTORIES[name]
    assert history(MUTANTS[name].rules, bodies)[-1] != history(Rules, bodies)[-1]


@pytest.mark.parametrize("name", sorted(CONCURRENT))
@pytest.mark.usefixtures("no_race_window")
def test_a_concurrency_mutant_keeps_every_sequential_history(name: str) -> None:
    for bodies in HISTORIES.values():
        assert history(MUTANTS[name].rules, bodies) == history(Rules, bodies)


def test_a_read_modify_write_loses_a_concurrent_update() -> None:
    bodies = [{"campaignName": "Renamed"}, {"concurrentCalls": 9}]
    _, reference = at_once(Rules, bodies)
    _, mutant = at_once(MUTANTS["lost_update_read_modify_write"].rules, bodies)
    assert (reference["campaignName"], reference["concurrentCalls"]) == ("Renamed", 9)
    assert (mutant["campaignName"], mutant["concurrentCalls"]) != ("Renamed", 9)


def test_the_same_rename_at_once_conflicts_with_itself() -> None:
    bodies = [{"campaignName": "Renamed"}] * 2
    reference, _ = at_once(Rules, bodies)
    mutant, _ = at_once(MUTANTS["concurrent_same_name_conflict"].rules, bodies)
    assert [a[0] for a in reference] == [200, 200]
    assert sorted(a[0] for a in mutant) == [200, 409]
