"""The behaviour model: the outcomes it allows, the freedoms of the errata, its verdicts."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from conformance._contract import ABSENT
from conformance._model import (
    AccountWorld,
    BehaviourModel,
    ModelRequest,
    State,
    lenient_reading,
    local_readings,
)
from conformance._operation import UPDATE_CAMPAIGN
from strategies import LENIENT_JSON, MALFORMED_JSON

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
CAMPAIGN = "camp_1"
WORLD = AccountWorld(
    campaign_id=CAMPAIGN,
    agents=frozenset({"agent_a", "agent_b"}),
    numbers=frozenset({"+14155552671", "+1234567"}),
    taken_names=frozenset({"Taken"}),
    foreign_agents=frozenset({"agent_foreign"}),
    foreign_numbers=frozenset({"+442071838750"}),
    disabled_numbers=frozenset({"+14155550199"}),
    variable_names=frozenset({"customer_name"}),
)
START = State(values={"campaignName": "Mine", "sipPhoneNumber": "+14155552671",
                      "agentId": "agent_a", "concurrentCalls": 5}, scheduled=False)
LA = {"isScheduled": True, "scheduledDate": "2026-09-25", "scheduledTime": "12:00:00",
      "scheduledTimezone": "America/Los_Angeles"}
LA_INSTANT = datetime(2026, 9, 25, 19, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def model() -> BehaviourModel:
    return BehaviourModel(UPDATE_CAMPAIGN.contract, WORLD, now=NOW)


def statuses(model: BehaviourModel, body: Any, **kwargs: Any) -> set[int]:
    return set(model.expect(START, ModelRequest(body, **kwargs)).outcomes)


def body_of(state: State, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "campaignId": CAMPAIGN,
        "campaignName": state.get("campaignName"),
        "campaignStatus": "scheduled" if state.scheduled else "live",
        "concurrentCalls": state.get("concurrentCalls"),
        "agent": {"agentId": state.get("agentId"), "name": "A", "status": "Live"},
        "phoneNumber": {"sipPhoneNumber": state.get("sipPhoneNumber")},
        "scheduled": state.scheduled,
        "scheduledDate": (min(state.instants).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                          if state.scheduled else None),
    }
    body.update(extra)
    return body


def test_a_valid_partial_update_changes_only_its_fields(model: BehaviourModel) -> None:
    outcome = model.expect(START, ModelRequest({"concurrentCalls": 9, "agentId": "agent_b"}))
    assert set(outcome.outcomes) == {200}
    after = outcome.outcomes[200]
    assert after.get("concurrentCalls") == 9 and after.get("agentId") == "agent_b"
    assert after.get("campaignName") == "Mine" and not after.scheduled


@pytest.mark.parametrize(("body", "allowed"), [
    ({"campaignName": ""}, {400}),
    ({"campaignName": "x" * 129}, {400}),
    ({"campaignName": "x" * 128}, {200}),
    ({"concurrentCalls": 0}, {400}),
    ({"concurrentCalls": 2**31}, {400}),
    ({"concurrentCalls": 2**31 - 1}, {200}),
    ({"concurrentCalls": True}, {400}),
    ({"concurrentCalls": 2.5}, {400}),
    ({"concurrentCalls": None}, {400}),
    ({"agentId": "a" * 65}, {400}),
    ({"agentId": "agent_unknown"}, {400, 404}),
    ({"agentId": "agent_foreign"}, {400, 403, 404}),
    ({"sipPhoneNumber": "+0123"}, {400}),
    ({"sipPhoneNumber": "+19995550000"}, {400, 404}),
    ({"sipPhoneNumber": "+442071838750"}, {400, 403, 404}),
    ({"isScheduled": "true"}, {400}),
    ({"isScheduled": True}, {400}),
    ({"campaignName": "Taken"}, {409}),
    ({"campaignName": "Mine"}, {200}),
    ({"campaignName": "Taken", "concurrentCalls": 0}, {400, 409}),
    ({"agentId": "agent_unknown", "concurrentCalls": 0}, {400}),
    ({"agentId": "agent_unknown", "sipPhoneNumber": "+442071838750"}, {400, 404}),
    ({"scheduledDate": "tomorrow"}, {200, 400}),
    ({"isScheduled": False, "scheduledTime": "25:00:00"}, {200, 400}),
    ({**LA, "scheduledTimezone": "Mars/Olympus"}, {400}),
    ({**LA, "scheduledDate": "2026-02-30"}, {400}),
    ({**LA, "scheduledDate": "2024-06-01"}, {400}),
    ({**LA, "scheduledDate": "2025-01-01", "scheduledTime": "23:00:00",
      "scheduledTimezone": "UTC"}, {200, 400}),
    ({**LA, "scheduledDate": "2026-09-25T00:00:00.000Z"}, {200, 400}),
    ({"dynamicVariables": {"customer_name": "Michael"}}, {200}),
    ({"dynamicVariables": {"customer_name": None}}, {400}),
    ({"dynamicVariables": {"other": "x"}}, {200, 400}),
    ({"clientReference": "x"}, {200, 400}),
])
def test_statuses_follow_the_contract_and_its_errata(model: BehaviourModel, body: Any,
                                                     allowed: set[int]) -> None:
    assert statuses(model, body) == allowed


# Every request is authenticated first; only a body that is no JSON object may be
# refused first, and an unknown campaign and a bad body are unordered (erratum
# refusal-precedence).
@pytest.mark.parametrize(("request_", "allowed"), [
    (ModelRequest({"concurrentCalls": 5}, credentials="missing"), {401}),
    (ModelRequest({"concurrentCalls": 0}, credentials="missing"), {401}),
    (ModelRequest({"campaignName": ""}, credentials="wrong", campaign="foreign"), {401}),
    (ModelRequest([1], credentials="missing"), {401, 400}),
    (ModelRequest(ABSENT, credentials="wrong", campaign="unknown"), {401, 400}),
    (ModelRequest({}, credentials="wrong"), {401}),
    (ModelRequest({}, credentials="wrong", campaign="unknown"), {401}),
    (ModelRequest({}, campaign="foreign"), {403, 404}),
    (ModelRequest({"concurrentCalls": 0}, campaign="foreign"), {403, 404, 400}),
    (ModelRequest({}, campaign="unknown"), {404}),
    (ModelRequest({"campaignName": ""}, campaign="unknown"), {404, 400}),
    (ModelRequest({**LA, "scheduledDate": "2026-03-08", "scheduledTime": "02:30:00",
                   "scheduledTimezone": "America/New_York"}, campaign="unknown"), {404, 400}),
    (ModelRequest(ABSENT), {400}),
    (ModelRequest([1]), {400}),
])
def test_credentials_first_then_campaign_and_body_refusals_unordered(model: BehaviourModel,
                                                  request_: ModelRequest,
                                                  allowed: set[int]) -> None:
    outcome = model.expect(START, request_)
    assert set(outcome.outcomes) == allowed
    assert all(after == START for after in outcome.outcomes.values())


def test_a_refused_request_leaves_the_state(model: BehaviourModel) -> None:
    outcome = model.expect(START, ModelRequest({"concurrentCalls": 9, "campaignName": ""}))
    assert outcome.outcomes == {400: START}


def test_a_schedule_in_a_dst_gap_may_take_either_reading_or_be_refused(
        model: BehaviourModel) -> None:
    gap = {**LA, "scheduledDate": "2026-03-08", "scheduledTime": "02:30:00",
           "scheduledTimezone": "America/New_York"}
    outcomes = model.expect(START, ModelRequest(gap)).outcomes
    assert outcomes[400] == START  # erratum dst-skipped-and-repeated-times
    after = outcomes[200]
    assert after.scheduled and len(after.instants) == 2
    for instant in after.instants:
        shown = body_of(START, scheduled=True, campaignStatus="scheduled",
                        scheduledDate=instant.strftime("%Y-%m-%dT%H:%M:%SZ"))
        verdict = model.judge(START, ModelRequest(gap), 200, shown)
        assert verdict.ok, verdict.reason
        assert verdict.state is not None and verdict.state.instants == {instant}


@pytest.mark.parametrize("zone", ["PST", "UTC+5", "+05:30", "Z"])
def test_a_zone_some_runtimes_take_may_be_taken_or_refused(model: BehaviourModel,
                                                           zone: str) -> None:
    request = ModelRequest({**LA, "scheduledTimezone": zone})
    outcomes = model.expect(START, request).outcomes
    assert set(outcomes) == {200, 400}  # erratum runtime-zone-aliases
    shown = body_of(START, scheduled=True, campaignStatus="scheduled",
                    scheduledDate="2026-09-25T12:00:00Z")
    assert model.judge(START, request, 200, shown).ok  # the runtime's reading, not judged
    unscheduled = body_of(START, scheduled=False, scheduledDate=None)
    assert not model.judge(START, request, 200, unscheduled).ok
    assert statuses(model, {**LA, "scheduledTimezone": "Mars/Olympus"}) == {400}


def test_the_judge_accepts_the_model_state_and_narrows_nothing_else(
        model: BehaviourModel) -> None:
    after = model.expect(START, ModelRequest(LA)).outcomes[200]
    assert after.instants == {LA_INSTANT}
    verdict = model.judge(START, ModelRequest(LA), 200, body_of(after))
    assert verdict.ok and verdict.state == after


@pytest.mark.parametrize("change", [
    {"campaignName": "Other"},
    {"concurrentCalls": 6},
    {"campaignId": "camp_2"},
    {"agent": {"agentId": "agent_b"}},
    {"scheduled": True},
    {"scheduledDate": "2026-09-25T19:00:00Z"},
    {"campaignStatus": "scheduled"},
])
def test_the_judge_refuses_a_body_that_departs_from_the_state(model: BehaviourModel,
                                                              change: dict[str, Any]) -> None:
    verdict = model.judge(START, ModelRequest({}), 200, body_of(START, **change))
    assert not verdict.ok and verdict.problems


def test_an_unscheduled_campaign_may_show_scheduled_date_null_or_absent(
        model: BehaviourModel) -> None:
    shown = body_of(START)
    assert model.judge(START, ModelRequest({}), 200, shown).ok
    del shown["scheduledDate"]
    assert model.judge(START, ModelRequest({}), 200, shown).ok
    shown["campaignStatus"] = "paused"
    assert model.judge(START, ModelRequest({}), 200, shown).ok


def test_ungoverned_properties_are_the_servers_business(model: BehaviourModel) -> None:
    shown = body_of(START, updatedAt="2025-01-01T00:00:00Z", version=7,
                    dynamicVariables={"customer_name": "x"})
    assert model.judge(START, ModelRequest({}), 200, shown).ok


def test_an_unexpected_status_is_named_with_the_expected_ones(model: BehaviourModel) -> None:
    verdict = model.judge(START, ModelRequest({"concurrentCalls": 0}), 200, body_of(START))
    assert not verdict.ok
    assert "answered 200" in verdict.reason and "400" in verdict.expected
    error = model.judge(START, ModelRequest({"concurrentCalls": 0}), 400, "plain text")
    assert not error.ok


def test_observe_reads_the_governed_state(model: BehaviourModel) -> None:
    after = model.expect(START, ModelRequest(LA)).outcomes[200]
    assert model.observe(body_of(after)) == after
    assert model.observe("not an object") is None


def test_every_bound_comes_from_the_contract() -> None:
    contract = UPDATE_CAMPAIGN.contract
    edited = copy.copy(contract)
    fields = dict(contract.fields)
    from dataclasses import replace
    fields["campaignName"] = replace(fields["campaignName"], max_length=10)
    fields["concurrentCalls"] = replace(fields["concurrentCalls"], maximum=20)
    object.__setattr__(edited, "fields", fields)
    narrow = BehaviourModel(edited, WORLD, now=NOW)
    assert set(narrow.expect(START, ModelRequest({"campaignName": "x" * 11})).outcomes) == {400}
    assert set(narrow.expect(START, ModelRequest({"concurrentCalls": 21})).outcomes) == {400}
    assert set(narrow.expect(START, ModelRequest({"concurrentCalls": 20})).outcomes) == {200}


def test_readings_of_an_ordinary_local_time_are_one() -> None:
    assert local_readings(datetime(2026, 9, 25).date(), datetime(2026, 9, 25, 12).time(),
                          "America/Los_Angeles") == {LA_INSTANT}


def test_the_world_comes_from_the_target_fixtures() -> None:
    from conformance._target import Fixtures

    fixtures = Fixtures(campaign_id="c", taken_campaign_name="T", agent_ids=("a",),
                        phone_numbers=("+1234567",), foreign_agent_id="f")
    world = AccountWorld.from_fixtures(fixtures)
    assert world.taken_names == {"T"} and world.foreign_agents == {"f"}
    assert world.foreign_numbers == frozenset()


# -- lenient JSON readings (erratum lenient-json-readings) -----------------


@pytest.mark.parametrize("raw, reading", [
    (b'{"concurrentCalls": 5} xyz', {"concurrentCalls": 5}),  # Jackson: what follows unread
    (b'{"a": 1}{"a": 2}', {"a": 1}),
    (b'/* c */ {"a": 1 // c\n}', {"a": 1}),  # Ruby: comments skipped
    (b'{"a": "\\x41\\n"}', {"a": "x41\n"}),  # Ruby: an unknown escape is its character
    (b'{"a": "/* kept */ // kept"}', {"a": "/* kept */ // kept"}),  # inside a string: text
])
def test_lenient_reading_is_what_those_parsers_read(raw, reading):
    assert lenient_reading(raw) == reading


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b'{"a": 1,}', b"{'a': 1}", b'{"a": 05}',
                                 b"/* open {}", b"\xff{}", b"", b'{"a": 1 xyz}'])
def test_no_mainstream_parser_reads_these(raw):
    assert lenient_reading(raw) is ABSENT


def test_the_generated_malformed_bodies_are_read_by_no_parser_and_the_lenient_ones_are():
    assert [raw for raw in MALFORMED_JSON if lenient_reading(raw) is not ABSENT] == []
    assert [raw for raw in LENIENT_JSON if lenient_reading(raw) is ABSENT] == []
