"""Field rules: campaignName, sipPhoneNumber, agentId, concurrentCalls, dynamicVariables."""

from __future__ import annotations

import pytest
from refkit import TARGET, assert_error

# ---------------------------------------------------------- campaignName


@pytest.mark.parametrize(
    "name",
    [
        "x",
        "x" * 128,
        "é" * 128,
        "😀" * 128,
        "日本語のキャンペーン",
        " padded ",
        "spring renewal campaign",
        "Spring Renewal Campaign ",
        "Foreign Campaign",
        "\u0000",
    ],
)
def test_names_of_1_to_128_code_points_are_accepted_verbatim(client, name):
    response = client.patch({"campaignName": name})
    assert response.status_code == 200, response.text
    assert response.json()["campaignName"] == name
    assert client.world.primary.campaigns[TARGET].name == name


@pytest.mark.parametrize("name", ["", "x" * 129, "é" * 129, "😀" * 129])
def test_names_outside_1_to_128_code_points_are_400(client, name):
    assert_error(client.patch({"campaignName": name}), 400, "campaignName")


def test_name_with_an_unpaired_surrogate_is_400(client):
    raw = b'{"campaignName": "bad \\ud800 name"}'
    assert_error(client.patch(raw=raw), 400, "campaignName")


@pytest.mark.parametrize("value", [5, 1.5, True, [], {}, ["Q4"]])
def test_non_string_names_are_400(client, value):
    assert_error(client.patch({"campaignName": value}), 400, "campaignName")


def test_name_of_another_campaign_in_the_account_is_409(client):
    body = assert_error(client.patch({"campaignName": "Spring Renewal Campaign"}), 409)
    assert body["error"] == "Conflict"
    assert client.world.primary.campaigns[TARGET].name == "Q4 Outreach Campaign"


def test_own_current_name_is_not_a_conflict(client):
    assert client.patch({"campaignName": "Q4 Outreach Campaign"}).status_code == 200
    assert client.patch({"campaignName": "Renamed"}).status_code == 200
    assert client.patch({"campaignName": "Renamed"}).status_code == 200


def test_name_freed_by_a_rename_can_be_taken(client):
    taken = client.patch({"campaignName": "Q4 Outreach Campaign"}, campaign="camp_Taken000000001")
    assert taken.status_code == 409
    assert client.patch({"campaignName": "Freed"}).status_code == 200
    response = client.patch(
        {"campaignName": "Q4 Outreach Campaign"}, campaign="camp_Taken000000001"
    )
    assert response.status_code == 200


def test_field_errors_are_reported_before_a_conflict(client):
    body = {"campaignName": "Spring Renewal Campaign", "concurrentCalls": 0}
    assert_error(client.patch(body), 400, "concurrentCalls")


# ------------------------------------------------------- sipPhoneNumber


@pytest.mark.parametrize("number", ["+14155552671", "+1234567", "+123456789012345"])
def test_provisioned_active_numbers_are_accepted(client, number):
    response = client.patch({"sipPhoneNumber": number})
    assert response.status_code == 200
    phone = response.json()["phoneNumber"]
    assert phone["sipPhoneNumber"] == number
    assert set(phone) == {
        "sipPhoneNumber",
        "provider",
        "inboundAgentId",
        "outboundAgentId",
        "outboundPhoneNumber",
        "active",
        "terminationSipURI",
        "friendlyName",
    }
    assert phone["active"] is True


@pytest.mark.parametrize(
    "number",
    [
        "+123456",  # 6 digits (a legacy number of the account)
        "+1234567890123456",  # 16 digits (a legacy number of the account)
        "+14155552671\n",
        "+14155552671 ",
        " +14155552671",
        "+1 415 555 2671",
        "+1-415-555-2671",
        "14155552671",
        "0014155552671",
        "+04155552671",
        "+1\u0664\u0661\u0665\u0665\u0665\u0665\u0662\u0666\u0667\u0661",
        "+１４１５５５５２６７１",
        "+",
        "",
        "++14155552671",
    ],
)
def test_numbers_not_matching_the_pattern_are_400(client, number):
    assert_error(client.patch({"sipPhoneNumber": number}), 400, "sipPhoneNumber")


@pytest.mark.parametrize(
    "number",
    [
        "+14155559999",  # well formed, nobody's
        "+14155550199",  # the account's, but not active
        "+442071838750",  # another account's
    ],
)
def test_numbers_not_usable_by_the_account_are_400(client, number):
    assert_error(client.patch({"sipPhoneNumber": number}), 400, "sipPhoneNumber")


@pytest.mark.parametrize("value", [14155552671, True, ["+14155552671"], {"n": 1}])
def test_non_string_numbers_are_400(client, value):
    assert_error(client.patch({"sipPhoneNumber": value}), 400, "sipPhoneNumber")


# --------------------------------------------------------------- agentId


def test_every_agent_of_the_account_is_accepted(client):
    for agent_id in client.world.target_fixtures()["agent_ids"]:
        response = client.patch({"agentId": agent_id})
        assert response.status_code == 200, agent_id
        agent = response.json()["agent"]
        assert agent["agentId"] == agent_id
        assert agent == {
            "name": client.world.primary.agents[agent_id].name,
            "agentId": agent_id,
            "status": client.world.primary.agents[agent_id].status,
        }


def test_agent_ids_of_1_and_64_characters_are_accepted(client):
    for agent_id in ("A", client.world.target_fixtures()["agent_ids"][2]):
        assert client.patch({"agentId": agent_id}).status_code == 200


@pytest.mark.parametrize(
    "agent_id",
    [
        "",
        "agent_L0ngAg3ntIdent1f1erAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAZ",  # 65, exists
        "x" * 65,
        "agent_Unknown",
        "a",
        "agent_d5d0p7tus66ttaeax",
        "agent_F0re1gn0000001",
    ],
)
def test_agent_ids_outside_the_account_or_the_length_are_400(client, agent_id):
    assert_error(client.patch({"agentId": agent_id}), 400, "agentId")


@pytest.mark.parametrize("value", [1, True, ["A"], {"agentId": "A"}])
def test_non_string_agent_ids_are_400(client, value):
    assert_error(client.patch({"agentId": value}), 400, "agentId")


# ------------------------------------------------------- concurrentCalls


@pytest.mark.parametrize("value", [1, 2, 5, 100, 2147483646, 2147483647])
def test_concurrent_calls_from_1_to_int32_max_are_accepted(client, value):
    response = client.patch({"concurrentCalls": value})
    assert response.status_code == 200
    assert response.json()["concurrentCalls"] == value


@pytest.mark.parametrize("value", [0, -1, -2147483648, 2147483648, 10**20])
def test_concurrent_calls_out_of_range_are_400(client, value):
    assert_error(client.patch({"concurrentCalls": value}), 400, "concurrentCalls")


@pytest.mark.parametrize("raw", [b"5.0", b"5.5", b"1e1", b"true", b"false", b'"5"', b"[5]", b"{}"])
def test_concurrent_calls_of_other_json_types_are_400(client, raw):
    assert_error(client.patch(raw=b'{"concurrentCalls": ' + raw + b"}"), 400, "concurrentCalls")


@pytest.mark.parametrize("raw", [b"1", b"0", b'"true"', b'"false"', b"[]", b"{}"])
def test_is_scheduled_of_other_json_types_are_400(client, raw):
    assert_error(client.patch(raw=b'{"isScheduled": ' + raw + b"}"), 400, "isScheduled")


# ------------------------------------------------------ dynamicVariables


@pytest.mark.parametrize(
    "variables",
    [
        {},
        {"customer_name": "Michael"},
        {"n": 1, "f": 1.5, "big": 10**30, "t": True, "f2": False},
        {"obj": {"nested": None}, "arr": [1, None, "x"]},
    ],
)
def test_dynamic_variables_with_documented_value_types_replace_the_map(client, variables):
    response = client.patch({"dynamicVariables": variables})
    assert response.status_code == 200
    assert "dynamicVariables" not in response.json()
    assert client.world.primary.campaigns[TARGET].dynamic_variables == variables


@pytest.mark.parametrize("variables", [{"a": None}, {"ok": "x", "bad": None}])
def test_dynamic_variables_with_null_values_are_400(client, variables):
    assert_error(client.patch({"dynamicVariables": variables}), 400, "dynamicVariables")


@pytest.mark.parametrize("variables", [[], ["a"], "a=b", 1, True])
def test_dynamic_variables_that_are_not_objects_are_400(client, variables):
    assert_error(client.patch({"dynamicVariables": variables}), 400, "dynamicVariables")


def test_all_field_errors_are_reported_together(client):
    body = {
        "campaignName": "",
        "sipPhoneNumber": "123",
        "agentId": "agent_Unknown",
        "concurrentCalls": "5",
        "dynamicVariables": [],
        "isScheduled": "yes",
    }
    errors = assert_error(client.patch(body), 400)["validationErrors"]
    assert set(errors) == set(body)
