"""Authentication, routing, error shape and body parsing of the reference server."""

from __future__ import annotations

import json
import re

import pytest
from refkit import FOREIGN, TARGET, assert_error

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z")

# ------------------------------------------------------------------ auth


@pytest.mark.parametrize("key", [None, "", "not-a-key", " "])
def test_missing_or_unknown_key_is_401(client, key):
    body = assert_error(client.patch({}, key=key), 401)
    assert body["error"] == "Unauthorized"


def test_key_of_the_primary_account_with_whitespace_is_not_accepted(client):
    assert_error(client.patch({}, key=client.key + " "), 401)


@pytest.mark.parametrize(
    ("raw", "content_type", "campaign"),
    [
        (b"{", "application/json", TARGET),
        (b"[]", "application/json", TARGET),
        (b"", None, TARGET),
        (b'{"campaignName": ""}', "application/json", TARGET),
        (b"{}", "application/json", "camp_DoesNotExist"),
        (b"{}", "application/json", FOREIGN),
        (b"x" * (2 << 20), "text/plain", TARGET),
    ],
)
def test_auth_is_checked_before_anything_else(client, raw, content_type, campaign):
    response = client.patch(raw=raw, content_type=content_type, campaign=campaign, key=None)
    assert_error(response, 401)


@pytest.mark.parametrize("name", ["x-api-key", "X-API-KEY", "x-Api-Key"])
def test_header_name_is_case_insensitive(client, name):
    response = client.patch({}, key=None, headers={name: client.key})
    assert response.status_code == 200


def test_foreign_campaign_is_403(client):
    body = assert_error(client.patch({"campaignName": "Mine now"}, campaign=FOREIGN), 403)
    assert body["error"] == "Forbidden"
    assert client.world.foreign.campaigns[FOREIGN].name == "Foreign Campaign"


def test_foreign_account_key_cannot_touch_account_a(client):
    foreign_key = client.world.foreign.api_key
    assert_error(client.patch({}, key=foreign_key), 403)
    assert client.patch({}, key=foreign_key, campaign=FOREIGN).status_code == 200


@pytest.mark.parametrize("campaign", ["camp_DoesNotExist", "camp_xiqebcj9cc5tfrb4", "%20", "null"])
def test_unknown_campaign_is_404(client, campaign):
    assert_error(client.patch({}, campaign=campaign), 404)


def test_api_key_is_never_echoed(client):
    key = client.key
    responses = [
        client.patch({}),
        client.patch({"campaignName": ""}),
        client.patch(raw=b"{"),
        client.patch({}, campaign="camp_DoesNotExist"),
        client.patch({}, campaign=FOREIGN),
        client.patch({"campaignName": "Spring Renewal Campaign"}),
        client.patch({}, key=key + "x"),
        client.request("GET", f"/v1/campaigns/{TARGET}", headers={"X-API-Key": key}),
    ]
    for response in responses:
        assert key not in response.text
        assert all(key not in value for value in response.headers.values())


# --------------------------------------------------------------- routing


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "FOO"])
def test_other_methods_are_405_with_allow_patch(client, method):
    response = client.request(method, f"/v1/campaigns/{TARGET}", headers={"X-API-Key": client.key})
    assert response.status_code == 405
    assert response.headers["allow"] == "PATCH"
    if method != "HEAD":
        assert_error(response, 405)


@pytest.mark.parametrize(
    "path", ["/", "/v1/campaigns", "/v1/campaigns/", f"/v1/campaigns/{TARGET}/", "/v2/x"]
)
def test_other_paths_are_404_json(client, path):
    response = client.request("PATCH", path, headers={"X-API-Key": client.key})
    body = assert_error(response, 404)
    assert body["path"] == path


@pytest.mark.parametrize(
    ("request_kwargs", "status", "phrase"),
    [
        ({"body": {}, "key": None}, 401, "Unauthorized"),
        ({"body": {}, "campaign": FOREIGN}, 403, "Forbidden"),
        ({"body": {}, "campaign": "camp_Nope"}, 404, "Not Found"),
        ({"body": {"campaignName": "Spring Renewal Campaign"}}, 409, "Conflict"),
        ({"body": {"concurrentCalls": 0}}, 400, "Bad Request"),
    ],
)
def test_error_body_has_timestamp_status_reason_message_and_path(
    client, request_kwargs, status, phrase
):
    response = client.patch(**request_kwargs)
    body = assert_error(response, status)
    assert TIMESTAMP.fullmatch(body["timestamp"])
    assert body["error"] == phrase
    assert isinstance(body["message"], str) and body["message"]
    campaign = request_kwargs.get("campaign", TARGET)
    assert body["path"] == f"/v1/campaigns/{campaign}"
    assert ("validationErrors" in body) == (status == 400)


def test_error_path_is_the_decoded_request_path(client):
    body = assert_error(client.patch({}, campaign="camp%20odd"), 404)
    assert body["path"] == "/v1/campaigns/camp odd"


# ------------------------------------------------------------------ body


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/merge-patch+json",
    ],
)
def test_json_content_types_are_accepted(client, content_type):
    assert client.patch({}, content_type=content_type).status_code == 200


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "text/json", ""]
)
def test_other_content_types_are_400_not_415(client, content_type):
    assert_error(client.patch({}, content_type=content_type), 400, "body")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"{",
        b"{'campaignName': 'x'}",
        b'{"campaignName": "x",}',
        b"{} xyz",
        b'{"concurrentCalls": NaN}',
        b'{"concurrentCalls": Infinity}',
        b"\xff\xfe{}",
        b'{"campaignName": "\xc3"}',
        b"\xef\xbb\xbf{}",
        b"[]",
        b'[{"campaignName": "x"}]',
        b'"text"',
        b"42",
        b"null",
        b"true",
        b'{"concurrentCalls": ' + b"9" * 5000 + b"}",
    ],
)
def test_bodies_that_are_not_one_json_object_are_400(client, raw):
    assert_error(client.patch(raw=raw), 400, "body")
    assert client.world.primary.campaigns[TARGET].name == "Q4 Outreach Campaign"


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_deeply_nested_json_is_400(client, depth):
    assert_error(client.patch(raw=b"[" * depth + b"]" * depth), 400, "body")
    nested = b'{"dynamicVariables": {"a": ' + b"[" * depth + b"]" * depth + b"}}"
    assert client.patch(raw=nested).status_code in (200, 400)


def test_body_over_one_mebibyte_is_400_not_413(client):
    raw = b'{"campaignName": "x"' + b" " * (1 << 20) + b"}"
    assert_error(client.patch(raw=raw), 400, "body")


def test_body_of_exactly_one_mebibyte_is_read(client):
    head = b'{"campaignName": "Big"'
    raw = head + b" " * ((1 << 20) - len(head) - 1) + b"}"
    assert len(raw) == 1 << 20
    assert client.patch(raw=raw).json()["campaignName"] == "Big"


def test_empty_object_changes_nothing_and_returns_the_campaign(client):
    before = client.patch({}).json()
    after = client.patch({})
    assert after.status_code == 200
    assert after.json() == before
    assert before["campaignName"] == "Q4 Outreach Campaign"


def test_unknown_properties_are_ignored(client):
    response = client.patch({"campaignName": "Renamed", "colour": None, "campaignStatus": "paused"})
    assert response.status_code == 200
    assert response.json()["campaignName"] == "Renamed"
    assert response.json()["campaignStatus"] == "live"


def test_duplicate_keys_keep_the_last_value(client):
    raw = b'{"campaignName": "First", "campaignName": "Second"}'
    assert client.patch(raw=raw).json()["campaignName"] == "Second"


@pytest.mark.parametrize(
    "field",
    [
        "campaignName",
        "sipPhoneNumber",
        "agentId",
        "isScheduled",
        "scheduledDate",
        "scheduledTime",
        "scheduledTimezone",
        "concurrentCalls",
        "dynamicVariables",
    ],
)
def test_null_for_any_documented_field_is_400(client, field):
    assert_error(client.patch({field: None}), 400, field)


def test_success_content_type_is_json(client):
    response = client.patch({})
    assert response.headers["content-type"].split(";")[0] == "application/json"
    json.loads(response.content.decode("utf-8"))
