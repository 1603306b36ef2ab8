"""restore_body reads what to put back, and where a 200 body shows it, from the Contract."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from test_contract import edited_copy, request_property

from conformance._contract import build_contract
from conformance._operation import UPDATE_CAMPAIGN
from conformance._restore import restore_body
from conformance._spec import load_spec

NOW = datetime(2026, 5, 5, 10, 6, 45, tzinfo=UTC)
STATE = {
    "campaignId": "camp_1",
    "campaignName": "Q4 Outreach Campaign",
    "campaignStatus": "scheduled",
    "scheduledDate": "2027-09-25T19:00:00.000Z",
    "concurrentCalls": 5,
    "agent": {"name": "A", "agentId": "agent_1", "status": "Live"},
    "phoneNumber": {"sipPhoneNumber": "+14155552671", "provider": "twilio"},
    "errors": [],
    "scheduled": True,
    "updatedAt": "2026-05-05T10:00:00Z",
}


def test_every_restorable_field_is_put_back_from_where_the_body_shows_it() -> None:
    assert UPDATE_CAMPAIGN.restore_body(STATE, now=NOW) == {
        "campaignName": "Q4 Outreach Campaign",
        "sipPhoneNumber": "+14155552671",
        "agentId": "agent_1",
        "concurrentCalls": 5,
        "isScheduled": True,
        "scheduledDate": "2027-09-25",
        "scheduledTime": "19:00:00",
        "scheduledTimezone": "UTC",
    }


def test_a_schedule_no_longer_ahead_is_left_alone_and_unscheduled_is_cleared() -> None:
    later = datetime(2028, 1, 1, tzinfo=UTC)
    assert "isScheduled" not in UPDATE_CAMPAIGN.restore_body(STATE, now=later)
    unscheduled = {**STATE, "scheduled": False, "scheduledDate": None}
    assert UPDATE_CAMPAIGN.restore_body(unscheduled, now=NOW)["isScheduled"] is False


def test_values_the_contract_refuses_are_not_sent() -> None:
    odd = {**STATE, "concurrentCalls": True, "agent": {"agentId": "x" * 65},
           "phoneNumber": {"sipPhoneNumber": "4155552671"}, "campaignName": ""}
    body = UPDATE_CAMPAIGN.restore_body(odd, now=NOW)
    assert not {"concurrentCalls", "agentId", "sipPhoneNumber", "campaignName"} & set(body)


def test_restore_follows_an_edited_contract(tmp_path: Path) -> None:
    def edit(document: dict) -> None:
        request_property(document, "campaignName")["maxLength"] = 10

    contract = build_contract(load_spec(edited_copy(tmp_path, edit)), UPDATE_CAMPAIGN)
    assert "campaignName" in UPDATE_CAMPAIGN.restore_body(STATE, now=NOW)
    assert "campaignName" not in restore_body(STATE, contract=contract, now=NOW)
