"""Update semantics: the response record, partial updates, atomicity, stability, no 5xx."""

from __future__ import annotations

import pytest
from refkit import TAKEN, TARGET, assert_error

RESPONSE_FIELDS = {
    "campaignId",
    "campaignName",
    "campaignStatus",
    "scheduledDate",
    "concurrentCalls",
    "agent",
    "phoneNumber",
    "errors",
    "scheduled",
}


def test_response_carries_every_campaign_field(client):
    body = client.patch({}).json()
    assert set(body) == RESPONSE_FIELDS
    assert body["campaignId"] == TARGET
    assert body["campaignName"] == "Q4 Outreach Campaign"
    assert body["campaignStatus"] == "live"
    assert body["scheduledDate"] is None
    assert body["concurrentCalls"] == 5
    assert body["agent"] == {
        "name": "New AI Agent",
        "agentId": "agent_D5D0p7TUs66TTAEAx",
        "status": "Live",
    }
    assert body["phoneNumber"] == {
        "sipPhoneNumber": "+14155552671",
        "provider": "twilio",
        "inboundAgentId": "agent_D5D0p7TUs66TTAEAx",
        "outboundAgentId": "agent_D5D0p7TUs66TTAEAx",
        "outboundPhoneNumber": "+14155550100",
        "active": True,
        "terminationSipURI": "sip.twilio.com",
        "friendlyName": "Support Line - US",
    }
    assert body["errors"] == []
    assert body["scheduled"] is False


def test_response_reflects_every_updated_field(client):
    body = client.patch(
        {
            "campaignName": "Winter Push",
            "sipPhoneNumber": "+1234567",
            "agentId": "agent_T3st1ngAg3nt0001",
            "concurrentCalls": 12,
            "dynamicVariables": {"customer_name": "Ada"},
            "isScheduled": True,
            "scheduledDate": "2025-09-25",
            "scheduledTime": "12:00:00",
            "scheduledTimezone": "America/Los_Angeles",
        }
    ).json()
    assert body["campaignName"] == "Winter Push"
    assert body["phoneNumber"]["sipPhoneNumber"] == "+1234567"
    assert body["phoneNumber"]["provider"] == "telnyx"
    assert body["agent"]["agentId"] == "agent_T3st1ngAg3nt0001"
    assert body["agent"]["status"] == "Testing"
    assert body["concurrentCalls"] == 12
    assert body["scheduledDate"] == "2025-09-25T19:00:00.000Z"
    assert client.patch({}).json() == body


@pytest.mark.parametrize(
    "update",
    [
        {"campaignName": "Only Name"},
        {"concurrentCalls": 9},
        {"agentId": "A"},
        {"sipPhoneNumber": "+123456789012345"},
        {"dynamicVariables": {"x": 1}},
    ],
)
def test_omitted_fields_stay_unchanged(client, update):
    before = client.patch({}).json()
    after = client.patch(update).json()
    changed = {key for key in RESPONSE_FIELDS if before[key] != after[key]}
    expected = {
        "campaignName": {"campaignName"},
        "concurrentCalls": {"concurrentCalls"},
        "agentId": {"agent"},
        "sipPhoneNumber": {"phoneNumber"},
        "dynamicVariables": set(),
    }[next(iter(update))]
    assert changed == expected


def test_dynamic_variables_survive_updates_that_omit_them(client):
    client.patch({"dynamicVariables": {"keep": "me"}})
    client.patch({"campaignName": "Other"})
    assert client.world.primary.campaigns[TARGET].dynamic_variables == {"keep": "me"}


@pytest.mark.parametrize(
    ("update", "status"),
    [
        ({"campaignName": "Half Done", "concurrentCalls": 0}, 400),
        ({"campaignName": "Half Done", "agentId": "agent_Unknown"}, 400),
        ({"concurrentCalls": 7, "sipPhoneNumber": "+14155559999"}, 400),
        ({"concurrentCalls": 7, "dynamicVariables": {"a": None}}, 400),
        ({"concurrentCalls": 7, "isScheduled": True, "scheduledDate": "2025-09-25"}, 400),
        ({"concurrentCalls": 7, "campaignName": "Spring Renewal Campaign"}, 409),
        (
            {
                "agentId": "A",
                "isScheduled": True,
                "scheduledDate": "2020-01-01",
                "scheduledTime": "00:00:00",
                "scheduledTimezone": "UTC",
            },
            400,
        ),
    ],
)
def test_a_rejected_request_changes_nothing(client, update, status):
    before = client.patch({}).json()
    variables = dict(client.world.primary.campaigns[TARGET].dynamic_variables)
    assert_error(client.patch(update), status)
    assert client.patch({}).json() == before
    assert client.world.primary.campaigns[TARGET].dynamic_variables == variables


@pytest.mark.parametrize(
    "update",
    [
        {"campaignName": "Twice"},
        {"concurrentCalls": 3, "agentId": "A"},
        {
            "isScheduled": True,
            "scheduledDate": "2025-09-25",
            "scheduledTime": "12:00:00",
            "scheduledTimezone": "America/Los_Angeles",
        },
        {"isScheduled": False},
        {"campaignName": "Spring Renewal Campaign"},
        {"concurrentCalls": 0},
    ],
)
def test_the_same_request_twice_gives_the_same_answer(client, update):
    first, second = client.patch(update), client.patch(update)
    assert first.status_code == second.status_code
    strip = lambda r: {k: v for k, v in r.json().items() if k != "timestamp"}  # noqa: E731
    assert strip(first) == strip(second)


def test_other_campaigns_are_not_touched(client):
    before = client.patch({}, campaign=TAKEN).json()
    client.patch({"campaignName": "Solo", "concurrentCalls": 99, "isScheduled": False})
    assert client.patch({}, campaign=TAKEN).json() == before


HOSTILE_BODIES = [
    b'{"campaignName": "' + "\u202e\u0000\ufeff".encode() + b'"}',
    b'{"campaignName": "\\udc00\\ud800"}',
    b'{"sipPhoneNumber": "' + b"+1" * 5000 + b'"}',
    b'{"agentId": "' + b"A" * 100_000 + b'"}',
    b'{"scheduledTimezone": "\\u0000"}',
    b'{"scheduledTimezone": "' + b"A/" * 500 + b'"}',
    b'{"isScheduled": true, "scheduledDate": "9999-12-31", "scheduledTime": "23:59:59", '
    b'"scheduledTimezone": "Etc/GMT+12"}',
    b'{"isScheduled": true, "scheduledDate": "0001-01-01", "scheduledTime": "00:00:00", '
    b'"scheduledTimezone": "Etc/GMT-14"}',
    b'{"isScheduled": true, "scheduledDate": "0000-01-01", "scheduledTime": "00:00:00", '
    b'"scheduledTimezone": "UTC"}',
    b'{"concurrentCalls": 1e400}',
    b'{"concurrentCalls": -0}',
    b'{"concurrentCalls": 1' + b"0" * 4400 + b"}",
    b'{"dynamicVariables": {"x": 1e400, "y": -1e400}}',
    b'{"dynamicVariables": {"": {"": {"": []}}}}',
    b'{"__proto__": {"admin": true}, "constructor": null}',
    b'{"campaignName": "a", "campaignName": 1}',
    b"\x00",
    b"\x80\x81",
    b"{" * 50_000,
]


@pytest.mark.parametrize("raw", HOSTILE_BODIES)
def test_hostile_bodies_never_cause_a_server_error(client, raw):
    response = client.patch(raw=raw)
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/campaigns/%00",
        "/v1/campaigns/%ff%fe",
        "/v1/campaigns/" + "x" * 10_000,
        "/v1/campaigns/..%2f..%2fetc",
        "/v1/campaigns/camp_XiQEBcj9cc5TFRB4?campaignId=camp_F0re1gn00000001",
    ],
)
def test_hostile_paths_never_cause_a_server_error(client, path):
    response = client.request("PATCH", path, headers={"X-API-Key": client.key}, content=b"{}")
    assert response.status_code < 500
    assert response.headers["content-type"].startswith("application/json")


def test_an_unexpected_fault_becomes_a_json_500():
    from refkit import Client

    from reference import Rules, load_world

    class Broken(Rules):
        def apply(self, campaign, changes):
            raise RuntimeError("boom")

    broken = Client(load_world(), Broken)
    try:
        body = assert_error(broken.patch({}), 500)
        assert body["error"] == "Internal Server Error"
        assert "boom" not in body["message"]
    finally:
        broken.close()
