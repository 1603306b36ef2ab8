"""The machinery serves whichever operation it is given: nothing in the client, the
contract or the spec's judgement assumes updateCampaign.

A copy of the document gains a second operation, ``PUT /v2/things/{thingId}``
(operationId ``replaceThing``), whose documented statuses (200, 410, 422) and
success schema (ThingResponse, which requires ``label`` as a string) differ
from updateCampaign's. Built from that copy, the operation reads its method,
path and parameter from the document, the client sends its method to its path,
and the spec judges its answers by its own responses, beside updateCampaign's
in the same document.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from test_contract import edited_copy

from conformance._client import Client
from conformance._contract import build_contract
from conformance._operation import UPDATE_CAMPAIGN, Operation, operation_of
from conformance._spec import Spec, SpecError, load_spec, resolve_pointer
from conformance._target import Fixtures, Secret, Target

THING_ID = "replaceThing"
JSON = "application/json"


def _error(description: str) -> dict:
    return {"description": description,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _add_thing(document: dict) -> None:
    schemas = document["components"]["schemas"]
    schemas["ThingRequest"] = {"type": "object", "properties": {
        "label": {"type": "string", "maxLength": 10, "description": "What the thing is called."},
    }}
    schemas["ThingResponse"] = {"type": "object", "required": ["thingId", "label"], "properties": {
        "thingId": {"type": "string"},
        "label": {"type": "string"},
    }}
    document["paths"]["/v2/things/{thingId}"] = {"put": {
        "operationId": THING_ID,
        "summary": "Replace a thing",
        "parameters": [{"name": "thingId", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "requestBody": {"required": True, "content": {
            JSON: {"schema": {"$ref": "#/components/schemas/ThingRequest"}}}},
        "responses": {
            "200": {"description": "OK", "content": {
                JSON: {"schema": {"$ref": "#/components/schemas/ThingResponse"}}}},
            "410": _error("Gone"),
            "422": _error("Unprocessable"),
        },
    }}


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Spec:
    return load_spec(edited_copy(tmp_path_factory.mktemp("things"), _add_thing))


@pytest.fixture(scope="module")
def thing(spec: Spec) -> Operation:
    return operation_of(build_contract(spec, THING_ID), resource_fixture="campaign_id")


def test_the_operation_reads_its_method_path_and_parameter_from_the_document(
    spec: Spec, thing: Operation
) -> None:
    assert (thing.operation_id, thing.method, thing.path_template, thing.path_parameter) == (
        THING_ID, "PUT", "/v2/things/{thingId}", "thingId")
    assert thing.pointer == "/paths/~1v2~1things~1{thingId}/put"
    assert spec.operation_pointer(thing) == thing.pointer
    assert resolve_pointer(spec.document, thing.pointer)["operationId"] == THING_ID
    assert spec.operation(THING_ID) is resolve_pointer(spec.document, thing.pointer)
    assert thing.path_for("a/b c") == "/v2/things/a%2Fb%20c"
    assert thing.restorable == ("label",)  # ThingResponse shows it
    # updateCampaign, read from the same document, is still itself
    campaign = build_contract(spec, UPDATE_CAMPAIGN)
    assert (campaign.method, campaign.path_template) == ("PATCH", "/v1/campaigns/{campaignId}")
    assert spec.operation_pointer(UPDATE_CAMPAIGN) == UPDATE_CAMPAIGN.pointer != thing.pointer


def test_a_moved_operation_is_found_where_the_document_puts_it(tmp_path: Path) -> None:
    def move(document: dict) -> None:
        document["paths"]["/v9/campaign-updates/{id}"] = {
            "post": document["paths"].pop("/v1/campaigns/{campaignId}")["patch"]}
        document["paths"]["/v9/campaign-updates/{id}"]["post"]["parameters"][0]["name"] = "id"

    moved = operation_of(build_contract(load_spec(edited_copy(tmp_path, move)), UPDATE_CAMPAIGN),
                         resource_fixture="campaign_id")
    assert (moved.method, moved.path_template, moved.path_parameter) == (
        "POST", "/v9/campaign-updates/{id}", "id")
    with pytest.raises(SpecError, match="no operation 'noSuchOperation'"):
        build_contract(load_spec(edited_copy(tmp_path, move)), "noSuchOperation")


def _client(operation: Operation, seen: list[httpx.Request]) -> Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers={"content-type": JSON},
                              stream=httpx.ByteStream(b'{"thingId": "th_1", "label": "x"}'))

    fixtures = Fixtures(campaign_id="th_1", taken_campaign_name="Taken",
                        agent_ids=("agent_1",), phone_numbers=("+14155550100",))
    target = Target(base_url="http://127.0.0.1:9", fixtures=fixtures, api_key=Secret("k" * 12))
    return Client(target, transport=httpx.MockTransport(answer), operation=operation)


def test_the_client_sends_the_operations_method_to_its_path(thing: Operation) -> None:
    seen: list[httpx.Request] = []
    client = _client(thing, seen)
    try:
        alone = client.send("th/1", body={"label": "x"})
        batch = client.send_parallel([{"campaign_id": "th_2", "body": {}},
                                      {"campaign_id": "th_3", "body": {}}])
    finally:
        client.close()
    assert [(r.method, r.url.raw_path) for r in seen[:1]] == [("PUT", b"/v2/things/th%2F1")]
    assert sorted((r.method, r.url.path) for r in seen[1:]) == [
        ("PUT", "/v2/things/th_2"), ("PUT", "/v2/things/th_3")]
    assert [(e.method, e.path) for e in (alone, *batch)] == [
        ("PUT", "/v2/things/th%2F1"), ("PUT", "/v2/things/th_2"), ("PUT", "/v2/things/th_3")]
    assert " -X PUT " in alone.curl()

    campaign_seen: list[httpx.Request] = []
    campaign = _client(UPDATE_CAMPAIGN, campaign_seen)
    try:
        campaign.send("camp_1", body={})
    finally:
        campaign.close()
    assert [(r.method, r.url.path) for r in campaign_seen] == [("PATCH", "/v1/campaigns/camp_1")]


def _judge(spec: Spec, operation: Operation, status: int, body: object,
           media: str = JSON) -> set[str]:
    path = operation.path_for("th_1")
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return {p.kind for p in spec.validate_response(operation, path=path, status=status,
                                                   content_type=media, body=raw)}


def test_the_spec_judges_by_the_operations_own_responses(spec: Spec, thing: Operation) -> None:
    assert spec.documented_statuses(thing) == {200, 410, 422}
    assert spec.documented_statuses(THING_ID) == {200, 410, 422}
    assert spec.documented_statuses(UPDATE_CAMPAIGN) == {200, 400, 401, 403, 404, 409, 500}
    error = {"status": 410, "message": "gone"}
    assert _judge(spec, thing, 410, error) == set()
    assert _judge(spec, UPDATE_CAMPAIGN, 410, error) == {"status"}
    assert _judge(spec, thing, 404, error) == {"status"}
    assert _judge(spec, UPDATE_CAMPAIGN, 404, error) == set()
    # one body, two operations, each judged by its own success schema; the
    # judgements kept for one operation are not handed to the other
    unlabelled = {"thingId": "th_1", "label": 5}
    for _ in range(2):
        assert _judge(spec, thing, 200, unlabelled) == {"schema"}
        assert _judge(spec, UPDATE_CAMPAIGN, 200, unlabelled) == set()
    assert _judge(spec, thing, 200, {"thingId": "th_1", "label": "x"}) == set()
    # a body that is not JSON takes openapi-core's whole validation, against
    # the request this operation makes (its method, its path)
    assert _judge(spec, thing, 200, b"hi", media="text/plain") == {"content-type"}
