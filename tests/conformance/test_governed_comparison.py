"""Two bodies are compared only in what the contract governs."""

from __future__ import annotations

import copy

from conformance.checks._probing import changed_fields, governed
from conformance.checks.responses import error_kind_complaint

CAMPAIGN = {
    "campaignId": "camp_1",
    "campaignName": "Q4",
    "campaignStatus": "live",
    "scheduledDate": None,
    "concurrentCalls": 5,
    "agent": {"name": "A", "agentId": "agent_1", "status": "Live"},
    "phoneNumber": {"sipPhoneNumber": "+14155552671", "active": True},
    "errors": [],
    "scheduled": False,
}


def moved_on(body: dict) -> dict:
    """The same campaign as a server with moving, echoed and nested extras shows it."""
    after = copy.deepcopy(body)
    after |= {"updatedAt": "2026-01-01T00:00:01Z", "version": 7,
              "dynamicVariables": {"customer_name": "Ann"}}
    after["agent"]["voice"] = {"speed": 1.5}
    after["phoneNumber"]["lastUsedAt"] = "now"
    return after


def test_undocumented_fields_that_move_are_not_changes():
    before = CAMPAIGN | {"updatedAt": "2026-01-01T00:00:00Z", "version": 6}
    assert changed_fields(before, moved_on(CAMPAIGN)) == []


def test_a_governed_change_is_still_found_beside_moving_fields():
    after = moved_on(CAMPAIGN)
    after["concurrentCalls"] = 6
    after["agent"]["agentId"] = "agent_2"
    assert changed_fields(CAMPAIGN, after) == ["agent", "concurrentCalls"]


def test_a_governed_property_that_disappears_is_a_change():
    after = {k: v for k, v in CAMPAIGN.items() if k != "campaignName"}
    assert changed_fields(CAMPAIGN, after) == ["campaignName"]


def test_the_governed_view_keeps_error_properties_and_drops_the_rest():
    error = {"status": 400, "error": "Bad Request", "message": "m", "path": "/p",
             "timestamp": "t", "validationErrors": {"campaignName": ["too short"]},
             "requestId": "req-1"}
    assert set(governed(error, "Error")) == set(error) - {"requestId"}


def test_error_may_carry_a_type_or_any_rfc_name_of_the_reason_phrase():
    for value, status in [("Bad Request", 400), ("VALIDATION_ERROR", 400), ("NOT_FOUND", 404),
                          ("ValidationError", 400), ("not found", 404),
                          ("Payload Too Large", 413), ("Content Too Large", 413)]:
        assert error_kind_complaint(value, status) is None, value
    for value, status in [("Error", 400), ("ERROR", 500), ("Something failed", 400),
                          ("", 404), (None, 400), (404, 404)]:
        assert error_kind_complaint(value, status) is not None, value
