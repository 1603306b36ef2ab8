"""The contract model reads every rule from the document: edit the document, the model follows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from conformance._contract import ABSENT, ContractError, build_contract, load_contract
from conformance._spec import SPEC_DIR, load_spec


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
    contract = load_contract()
    assert (contract.method, contract.path_template) == ("PATCH", "/v1/campaigns/{campaignId}")
    assert contract.security_header == "X-API-Key"
    assert contract.statuses == {200, 400, 401, 403, 404, 409, 500}
    assert contract.response_schemas[200] == "CampaignResponse"
    assert contract.path(campaignId="a/b c") == "/v1/campaigns/a%2Fb%20c"


def test_bounds_and_prose_rules() -> None:
    contract = load_contract()
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
    contract = load_contract()
    body = {"campaignName": "A", "agent": {"agentId": "x"}, "phoneNumber": {}, "scheduled": True}
    assert contract.shown(body, "campaignName") == "A"
    assert contract.shown(body, "agentId") == "x"
    assert contract.shown(body, "sipPhoneNumber") is ABSENT
    assert contract.shown(body, "isScheduled") is True
    assert not contract.field("dynamicVariables").readable
    assert "dynamicVariables" not in contract.restorable_fields


def test_governed_view_drops_what_the_schemas_do_not_list() -> None:
    contract = load_contract()
    body = {"campaignId": "c", "updatedAt": "now", "version": 3,
            "agent": {"agentId": "a", "etag": "x"}, "dynamicVariables": {"a": 1}}
    assert contract.governed_view(body) == {"campaignId": "c", "agent": {"agentId": "a"}}
    error = {"status": 400, "message": "m", "traceId": "t"}
    assert contract.governed_view(error, "Error") == {"status": 400, "message": "m"}


def test_an_edited_bound_is_followed(tmp_path: Path) -> None:
    def edit(document: dict) -> None:
        request_property(document, "campaignName")["maxLength"] = 40
        request_property(document, "agentId")["minLength"] = 3

    contract = build_contract(load_spec(edited_copy(tmp_path, edit)))
    assert contract.field("campaignName").length_bounds == (1, 40)
    assert contract.field("agentId").length_bounds == (3, 64)


def test_a_prose_rule_no_longer_in_the_document_fails_loading(tmp_path: Path) -> None:
    def edit(document: dict) -> None:
        prop = request_property(document, "concurrentCalls")
        prop["description"] = prop["description"].replace("Must be a positive integer.", "")

    with pytest.raises(ContractError, match="positive integer"):
        build_contract(load_spec(edited_copy(tmp_path, edit)))
