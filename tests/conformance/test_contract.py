"""The contract model reads every rule from the document: edit the document, the model follows."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import Phase, find, settings

from conformance._catalogue import CheckFailure, load_catalogue
from conformance._client import Client
from conformance._context import Context
from conformance._contract import (
    ABSENT,
    Contract,
    ContractError,
    build_contract,
    contract_of,
    load_contract,
)
from conformance._operation import UPDATE_CAMPAIGN
from conformance._profiles import PROFILES
from conformance._spec import SPEC_DIR, load_spec
from conformance._target import Fixtures, Secret, Target
from reference import World, create_app, load_world, serve_in_thread
from strategies import campaign_names, e164_numbers, invalid_bodies, invalid_e164_numbers

NOW = datetime(2026, 5, 5, 10, 6, 45, tzinfo=UTC)


def edited_copy(tmp_path: Path, edit) -> Path:
    """A copy of spec/ with `edit(document)` applied to openapi.yaml."""
    for name in ("openapi.yaml", "errata.yaml"):
        shutil.copy(SPEC_DIR / name, tmp_path / name)
    document = yaml.safe_load((tmp_path / "openapi.yaml").read_text(encoding="utf-8"))
    edit(document)
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(document, allow_unicode=True),
                                           encoding="utf-8")
    return tmp_path


def request_property(document: dict, name: str) -> dict:
    return document["components"]["schemas"]["UpdateCampaignRequest"]["properties"][name]


def test_operation_read_from_the_document() -> None:
    contract = load_contract(operation_id="updateCampaign")
    assert contract is UPDATE_CAMPAIGN.contract and contract.operation_id == "updateCampaign"
    assert (contract.method, contract.path_template) == ("PATCH", "/v1/campaigns/{campaignId}")
    assert contract.security_header == "X-API-Key"
    assert contract.statuses == {200, 400, 401, 403, 404, 409, 500}
    assert contract.response_schemas[200] == "CampaignResponse"
    assert contract.path(campaignId="a/b c") == "/v1/campaigns/a%2Fb%20c"


def test_bounds_and_prose_rules() -> None:
    contract = UPDATE_CAMPAIGN.contract
    assert contract.field("campaignName").length_bounds == (1, 128)
    assert contract.field("campaignName").unique
    assert contract.field("agentId").length_bounds == (1, 64)
    assert contract.field("concurrentCalls").integer_bounds == (1, 2**31 - 1)
    assert contract.field("scheduledDate").future
    assert contract.schedule_fields == ("scheduledDate", "scheduledTime", "scheduledTimezone")
    assert contract.schedule_flag == "isScheduled"
    phone = contract.field("sipPhoneNumber")
    assert phone.matches("+14155552671")
    assert not phone.matches("+14155552671\n")
    assert not phone.matches("+\u0661\u0664\u0661\u0665\u0665\u0665\u0665\u0662\u0666\u0667\u0661")


def test_where_each_field_is_shown() -> None:
    contract = UPDATE_CAMPAIGN.contract
    body = {"campaignName": "A", "agent": {"agentId": "x"}, "phoneNumber": {}, "scheduled": True}
    assert contract.shown(body, "campaignName") == "A"
    assert contract.shown(body, "agentId") == "x"
    assert contract.shown(body, "sipPhoneNumber") is ABSENT
    assert contract.shown(body, "isScheduled") is True
    assert not contract.field("dynamicVariables").readable
    assert "dynamicVariables" not in contract.restorable_fields


def test_governed_view_drops_what_the_schemas_do_not_list() -> None:
    contract = UPDATE_CAMPAIGN.contract
    body = {"campaignId": "c", "updatedAt": "now", "version": 3,
            "agent": {"agentId": "a", "etag": "x"}, "dynamicVariables": {"a": 1}}
    assert contract.governed_view(body) == {"campaignId": "c", "agent": {"agentId": "a"}}
    error = {"status": 400, "message": "m", "traceId": "t"}
    assert contract.governed_view(error, "Error") == {"status": 400, "message": "m"}


def test_what_each_field_governs_in_a_200_body() -> None:
    contract = UPDATE_CAMPAIGN.contract
    assert contract.governs("campaignName") == ("campaignName",)
    assert contract.governs("agentId") == ("agent",)
    assert contract.governs("sipPhoneNumber") == ("phoneNumber",)
    assert contract.governs("dynamicVariables") == ()
    schedule = {"scheduled", "scheduledDate", "campaignStatus"}
    for name in contract.schedule_group:
        assert set(contract.governs(name)) == schedule
    assert contract.schedule_status == ("campaignStatus", "scheduled")
    assert contract.schedule_roles == {"date": "scheduledDate", "time": "scheduledTime",
                                       "zone": "scheduledTimezone"}


def test_the_phone_pattern_read_as_digit_counts() -> None:
    from dataclasses import replace

    phone = UPDATE_CAMPAIGN.contract.field("sipPhoneNumber")
    assert phone.digits == (7, 15)
    assert replace(phone, pattern=r"^\+[1-9]\d{2,3}$").digits == (3, 4)
    assert replace(phone, pattern=r"^[a-z]+$").digits is None


def test_values_the_schema_admits_by_themselves() -> None:
    contract = UPDATE_CAMPAIGN.contract
    name, calls = contract.field("campaignName"), contract.field("concurrentCalls")
    assert name.admits("x" * 128) and not name.admits("x" * 129) and not name.admits("")
    assert calls.admits(2**31 - 1) and not calls.admits(2**31) and not calls.admits(True)
    assert not contract.field("sipPhoneNumber").admits("+14155552671\n")
    assert not contract.field("isScheduled").admits(None)
    variables = contract.field("dynamicVariables")
    assert variables.admits({"a": [1], "b": {"c": None}}) and not variables.admits({"a": None})


def test_a_contract_is_built_once_per_loaded_document() -> None:
    spec = load_spec()
    assert contract_of(spec, UPDATE_CAMPAIGN) is contract_of(spec, UPDATE_CAMPAIGN)
    assert contract_of(spec, UPDATE_CAMPAIGN).field_names == UPDATE_CAMPAIGN.contract.field_names


def test_an_edited_bound_is_followed(tmp_path: Path) -> None:
    def edit(document: dict) -> None:
        request_property(document, "campaignName")["maxLength"] = 40
        request_property(document, "agentId")["minLength"] = 3

    contract = build_contract(load_spec(edited_copy(tmp_path, edit)), UPDATE_CAMPAIGN)
    assert contract.field("campaignName").length_bounds == (1, 40)
    assert contract.field("agentId").length_bounds == (3, 64)


def test_a_prose_rule_no_longer_in_the_document_fails_loading(tmp_path: Path) -> None:
    def edit(document: dict) -> None:
        prop = request_property(document, "concurrentCalls")
        prop["description"] = prop["description"].replace("Must be a positive integer.", "")

    with pytest.raises(ContractError, match="positive integer"):
        build_contract(load_spec(edited_copy(tmp_path, edit)), UPDATE_CAMPAIGN)


# ---------------------------------------------------------------- the edited copy
#
# One edit of the document (campaignName maxLength 128 -> 40, agentId
# maxLength 64 -> 50, sipPhoneNumber 7..15 digits -> 7..13) and everything
# that reads the contract follows: the strategies generate to the new bounds,
# the reference server enforces them, and the checks send them.


def _edit_bounds(document: dict) -> None:
    request_property(document, "campaignName")["maxLength"] = 40
    request_property(document, "agentId")["maxLength"] = 50
    request_property(document, "sipPhoneNumber")["pattern"] = r"^\+[1-9][0-9]{6,12}$"


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> Contract:
    return build_contract(load_spec(edited_copy(tmp_path_factory.mktemp("spec"), _edit_bounds)),
                          UPDATE_CAMPAIGN)


def test_the_edited_copy_is_read(edited: Contract) -> None:
    assert edited.field("campaignName").length_bounds == (1, 40)
    assert edited.field("agentId").length_bounds == (1, 50)
    assert edited.field("sipPhoneNumber").digits == (7, 13)
    assert UPDATE_CAMPAIGN.contract.field("sipPhoneNumber").digits == (7, 15)


def test_strategies_follow_the_edited_copy(edited: Contract) -> None:
    reach = settings(max_examples=1000, phases=[Phase.generate], database=None, deadline=None)
    assert len(find(campaign_names(contract=edited), lambda n: len(n) >= 40, settings=reach)) == 40
    too_long = find(
        invalid_bodies(agent_ids=[], phone_numbers=[], now=NOW, contract=edited,
                       rules=["name_too_long_rejected"]),
        lambda e: True, settings=reach,
    )
    assert len(too_long.body["campaignName"]) > 40
    number = find(e164_numbers(contract=edited), lambda n: len(n) - 1 >= 13, settings=reach)
    assert len(number) - 1 == 13 and edited.field("sipPhoneNumber").matches(number)
    bad = find(invalid_e164_numbers(contract=edited),
               lambda n: n[1:].isdigit() and len(n) - 1 == 14, settings=reach)
    assert not edited.field("sipPhoneNumber").matches(bad)


@pytest.fixture(scope="module")
def served(edited: Contract) -> Iterator[tuple[World, str]]:
    world = load_world(contract=edited)
    with serve_in_thread(create_app(world, contract=edited)) as server:
        yield world, f"http://{server.host}:{server.port}"


def test_the_reference_enforces_the_edited_copy(served: tuple[World, str]) -> None:
    world, base_url = served
    headers = {"X-API-Key": world.primary_key}
    url = f"{base_url}/v1/campaigns/{world.target_campaign_id}"
    with httpx.Client(headers=headers) as http:
        assert http.patch(url, json={"campaignName": "é" * 40}).status_code == 200
        assert http.patch(url, json={"campaignName": "é" * 41}).status_code == 400
        assert http.patch(url, json={"agentId": "a" * 51}).status_code == 400
        assert http.patch(url, json={"sipPhoneNumber": "+123456789012345"}).status_code == 400


def _context(edited: Contract, base_url: str, world: World, check_id: str) -> Context:
    fixtures = world.target_fixtures()
    fixtures["agent_ids"] = tuple(a for a in fixtures["agent_ids"]
                                  if edited.field("agentId").admits(a))
    fixtures["phone_numbers"] = tuple(n for n in fixtures["phone_numbers"]
                                      if edited.field("sipPhoneNumber").matches(n))
    fixtures["outbound_disabled_numbers"] = tuple(fixtures["outbound_disabled_numbers"])
    target = Target(base_url=base_url, fixtures=Fixtures(**fixtures),
                    api_key=Secret(world.primary_key), embedded=True)
    return Context(target=target, client=Client(target), spec=edited.spec,
                   profile=PROFILES["quick"], seed=1, level="full",
                   check=load_catalogue()[check_id])


def _sent(ctx: Context, field: str) -> list[tuple[Any, int | None]]:
    """(value of `field`, status) for every request of the check that sent it."""
    out = []
    for exchange in ctx.client.exchanges:
        body = json.loads(exchange.request_body or b"null")
        if isinstance(body, dict) and isinstance(body.get(field), str):
            out.append((body[field], exchange.status))
    return out


@pytest.mark.parametrize(
    ("check_id", "field", "accepted", "refused"),
    [
        ("name_length_bounds_accepted", "campaignName", 40, None),
        ("name_too_long_rejected", "campaignName", None, 41),
        ("agent_id_length_enforced", "agentId", None, 51),
    ],
)
def test_the_checks_send_the_edited_bounds(
    edited: Contract, served: tuple[World, str], check_id: str, field: str,
    accepted: int | None, refused: int | None,
) -> None:
    world, base_url = served
    ctx = _context(edited, base_url, world, check_id)
    ctx.check.func(ctx)  # the reference of the edited copy passes
    lengths = [(len(value), status) for value, status in _sent(ctx, field)]
    if accepted is not None:
        assert max(n for n, status in lengths if status == 200) == accepted
    if refused is not None:
        assert refused in {n for n, status in lengths if status == 400}
        assert all(status != 200 for n, status in lengths if n >= refused)


def test_checks_of_the_edited_copy_fail_the_published_reference(edited: Contract) -> None:
    world = load_world()
    with serve_in_thread(create_app(world)) as server:
        ctx = _context(edited, f"http://{server.host}:{server.port}", world,
                       "name_too_long_rejected")
        with pytest.raises(CheckFailure, match="41 code points"):
            ctx.check.func(ctx)
