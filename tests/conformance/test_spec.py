"""The contract as the suite reads it: the verbatim document, its errata overlay,
and the response validation every check relies on."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conformance._operation import UPDATE_CAMPAIGN
from conformance._spec import (
    ERRATA_DETECTORS,
    SPEC_DIR,
    VALIDATED_SHA256,
    Problem,
    Spec,
    SpecError,
    load_spec,
    quote_found,
    resolve_pointer,
    validate_document,
)
from reference import create_app, load_world

OPERATION_POINTER = load_spec().operation_pointer(UPDATE_CAMPAIGN)

SCHEMAS = "/components/schemas"
NULLABLE_BY_ERRATA = ("scheduledDate", "errors")


@pytest.fixture(scope="module")
def spec() -> Spec:
    return load_spec()


@pytest.fixture(scope="module")
def reference_exchanges() -> dict[str, httpx.Response]:
    """A 200 and a 400 exactly as the reference answers them (in process, no socket)."""
    world = load_world()
    fixtures = world.target_fixtures()

    async def exchange() -> dict[str, httpx.Response]:
        transport = httpx.ASGITransport(app=create_app(world))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            path = f"/v1/campaigns/{fixtures['campaign_id']}"
            headers = {"X-API-Key": world.primary_key}
            return {
                "ok": await http.patch(path, json={}, headers=headers),
                "invalid": await http.patch(path, json={"campaignName": ""}, headers=headers),
            }

    return asyncio.run(exchange())


def validate(spec: Spec, *, status: int = 200, content_type: str = "application/json",
             body: Any) -> list[Problem]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return spec.validate_response(
        UPDATE_CAMPAIGN, path="/v1/campaigns/camp_XiQEBcj9cc5TFRB4", status=status,
        content_type=content_type, body=raw,
    )


def test_the_document_loads_as_valid_openapi_3_0(spec: Spec) -> None:
    assert spec.document["openapi"].startswith("3.0")
    assert resolve_pointer(spec.document, OPERATION_POINTER)["requestBody"]
    assert spec.documented_statuses(UPDATE_CAMPAIGN) >= {200, 400, 401, 403, 404, 409, 500}


def test_the_shipped_document_is_the_one_validated_here(spec: Spec) -> None:
    # load_spec does not validate the document whose hash is VALIDATED_SHA256:
    # this test does, and holds the hash to the shipped file.
    validate_document(spec.document)
    assert spec.sha256 == VALIDATED_SHA256


def test_any_other_document_is_validated_when_loaded(tmp_path: Path) -> None:
    text = (SPEC_DIR / "openapi.yaml").read_text(encoding="utf-8")
    (tmp_path / "openapi.yaml").write_text(
        text.replace("openapi: 3.0.1", "openapi: 3.0.1\nnot_a_field: 1", 1), encoding="utf-8")
    (tmp_path / "errata.yaml").write_bytes((SPEC_DIR / "errata.yaml").read_bytes())
    with pytest.raises(SpecError, match="not valid OpenAPI 3.0"):
        load_spec(tmp_path)


def test_the_file_is_kept_verbatim(spec: Spec) -> None:
    text = (SPEC_DIR / "openapi.yaml").read_text(encoding="utf-8")
    assert spec.text == text
    assert spec.sha256 == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert spec.document == yaml.safe_load(text)


@pytest.mark.parametrize("field", NULLABLE_BY_ERRATA)
def test_the_overlay_makes_documented_nulls_nullable_in_memory_only(
    spec: Spec, field: str
) -> None:
    pointer = f"{SCHEMAS}/CampaignResponse/properties/{field}"
    assert resolve_pointer(spec.overlaid, pointer).get("nullable") is True
    assert "nullable" not in resolve_pointer(spec.document, pointer)


def test_building_the_request_schema_leaves_document_and_overlay_alone(spec: Spec) -> None:
    document, overlaid = copy.deepcopy(spec.document), copy.deepcopy(spec.overlaid)
    request = spec.request_schema()
    time_schema = f"{SCHEMAS}/UpdateCampaignRequest/properties/scheduledTime"
    assert "format" not in resolve_pointer(request, time_schema)
    assert "pattern" in resolve_pointer(request, time_schema)
    assert spec.document == document
    assert spec.overlaid == overlaid


def test_a_second_load_gives_the_same_contract(spec: Spec, tmp_path: Path) -> None:
    for name in ("openapi.yaml", "errata.yaml"):
        (tmp_path / name).write_bytes((SPEC_DIR / name).read_bytes())
    again = load_spec(tmp_path)
    assert again.sha256 == spec.sha256
    assert again.overlaid == spec.overlaid


def _fresh_spec(tmp_path: Path) -> Spec:
    """A Spec of its own (load_spec keeps one per directory)."""
    for name in ("openapi.yaml", "errata.yaml"):
        (tmp_path / name).write_bytes((SPEC_DIR / name).read_bytes())
    return load_spec(tmp_path)


def test_the_judge_built_beside_the_run_is_built_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openapi_core import OpenAPI

    spec = _fresh_spec(tmp_path)
    real = OpenAPI.from_dict.__func__  # type: ignore[attr-defined]
    builders: list[str] = []
    entered, release = threading.Event(), threading.Event()

    def from_dict(cls: type, data: Any, **kwargs: Any) -> Any:
        builders.append(threading.current_thread().name)
        entered.set()
        release.wait(30)
        return real(cls, data, **kwargs)

    monkeypatch.setattr(OpenAPI, "from_dict", classmethod(from_dict))
    spec.build_judge_beside()
    assert entered.wait(30)
    spec.build_judge_beside()  # a second call while it builds starts no second build
    got: list[Any] = []
    judge = threading.Thread(target=lambda: got.append(spec.openapi_core))
    judge.start()  # the run's first judgement, while the thread still builds
    release.set()
    judge.join(30)
    assert builders == ["openapi-core"]
    assert got == [spec.openapi_core]
    assert isinstance(got[0], OpenAPI)


def test_a_judge_that_fails_to_build_beside_fails_at_the_first_judgement(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openapi_core import OpenAPI

    spec = _fresh_spec(tmp_path)
    builders: list[str] = []
    tried = threading.Event()

    def from_dict(cls: type, data: Any, **kwargs: Any) -> Any:
        builders.append(threading.current_thread().name)
        tried.set()
        raise RuntimeError("openapi-core is broken here")

    monkeypatch.setattr(OpenAPI, "from_dict", classmethod(from_dict))
    spec.build_judge_beside()
    assert tried.wait(30)
    with pytest.raises(RuntimeError, match="broken here"):
        _ = spec.openapi_core
    assert builders == ["openapi-core", threading.current_thread().name]


def test_the_reference_answers_conform(
    spec: Spec, reference_exchanges: dict[str, httpx.Response]
) -> None:
    for response in reference_exchanges.values():
        problems = spec.validate_response(
            UPDATE_CAMPAIGN, path=response.request.url.path, status=response.status_code,
            content_type=response.headers["content-type"], body=response.content,
        )
        assert problems == [], f"{response.status_code} {response.text}"


def _whole_openapi_core_validation(spec: Spec, status: int, media: str, body: bytes
                                   ) -> list[Problem]:
    """openapi-core's iter_response_errors on a mock exchange, with no shortcut."""
    from openapi_core.testing import MockRequest, MockResponse

    from conformance._spec import _VALIDATION_HOST, _describe, _openapi

    request = MockRequest(_VALIDATION_HOST, "patch", "/v1/campaigns/camp_X",
                          view_args={"campaignId": "camp_X"}, data=b"{}")
    response = MockResponse(body, status_code=status, content_type=media)
    return [p for error in _openapi(spec).iter_response_errors(request, response)
            for p in _describe(error)]


def test_the_judgement_of_a_body_is_openapi_cores_whole_validation(
    spec: Spec, reference_exchanges: dict[str, httpx.Response]
) -> None:
    ok = reference_exchanges["ok"].json()
    error = reference_exchanges["invalid"].json()
    bodies = [
        (200, "application/json", ok),
        (200, "application/json", {**ok, "campaignId": 5}),
        (200, "application/json", {**ok, "concurrentCalls": "3", "campaignStatus": "NOPE"}),
        (200, "application/json", {**ok, "scheduledDate": None, "errors": None}),
        (200, "application/json", [ok]),
        (400, "application/json", error),
        (400, "application/json", {**error, "status": "400"}),
        (404, "application/json", None),
        (200, "application/json", b"{"),
        (200, "text/plain", b"hi"),
        (409, "application/problem+json", error),
    ]
    judged = []
    for status, media, body in bodies:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        expected = _whole_openapi_core_validation(spec, status, media, raw)
        # twice: the second answer comes from what the first one kept
        for _ in range(2):
            assert validate(spec, status=status, content_type=media, body=raw) == expected
        judged.append(bool(expected))
    assert judged.count(True) >= 7 and judged.count(False) >= 2


def test_a_200_with_scheduled_date_null_is_accepted(
    spec: Spec, reference_exchanges: dict[str, httpx.Response]
) -> None:
    body = reference_exchanges["ok"].json()
    body.update(scheduledDate=None, errors=None, scheduled=False)
    assert validate(spec, body=body) == []


def test_a_200_with_scheduled_date_null_breaks_the_verbatim_document(
    spec: Spec, reference_exchanges: dict[str, httpx.Response]
) -> None:
    """The overlay is what tolerates the null: the document alone does not."""
    from openapi_core import OpenAPI
    from openapi_core.testing import MockRequest, MockResponse

    body = reference_exchanges["ok"].json()
    body["scheduledDate"] = None
    request = MockRequest("https://api.sigmamind.ai", "patch", "/v1/campaigns/c",
                          view_args={"campaignId": "c"}, data=b"{}")
    response = MockResponse(json.dumps(body).encode(), status_code=200,
                            content_type="application/json")
    errors = list(OpenAPI.from_dict(copy.deepcopy(spec.document))
                  .iter_response_errors(request, response))
    assert errors


def test_an_undocumented_status_is_rejected(spec: Spec) -> None:
    problems = validate(spec, status=418, body={"message": "teapot"})
    assert [p.kind for p in problems] == ["status"]


@pytest.mark.parametrize("content_type", ["text/plain", "text/html; charset=utf-8"])
def test_a_wrong_content_type_is_rejected(
    spec: Spec, reference_exchanges: dict[str, httpx.Response], content_type: str
) -> None:
    problems = validate(spec, content_type=content_type, body=reference_exchanges["ok"].content)
    assert problems
    assert {p.kind for p in problems} == {"content-type"}


def test_concurrent_calls_as_a_string_is_rejected(
    spec: Spec, reference_exchanges: dict[str, httpx.Response]
) -> None:
    body = reference_exchanges["ok"].json()
    body["concurrentCalls"] = "5"
    problems = validate(spec, body=body)
    assert problems
    assert all(p.kind == "schema" for p in problems)
    assert any("concurrentCalls" in p.message for p in problems)


def test_an_error_with_a_timestamp_that_is_not_a_date_time_is_rejected(
    spec: Spec, reference_exchanges: dict[str, httpx.Response]
) -> None:
    body = reference_exchanges["invalid"].json()
    assert validate(spec, status=400, body=body) == []
    body["timestamp"] = "nope"
    problems = validate(spec, status=400, body=body)
    assert problems
    assert any("timestamp" in p.message for p in problems)


def test_an_error_body_with_wrongly_typed_fields_is_rejected(spec: Spec) -> None:
    problems = validate(spec, status=404, body={"status": "Not Found", "timestamp": 3})
    assert problems


# ---------------------------------------------------------------- quotes at their pointer

_NAME = f"{SCHEMAS}/UpdateCampaignRequest/properties/campaignName"
_AGENT = f"{SCHEMAS}/UpdateCampaignRequest/properties/agentId"


@pytest.mark.parametrize(
    ("pointer", "quote", "found"),
    [
        pytest.param(f"{_NAME}/description", "Must be unique within your account.", True,
                     id="a sentence of the description"),
        pytest.param(f"{_NAME}/description", "Must be unique within your account. Used", False,
                     id="words the description does not hold in that order"),
        pytest.param(f"{_AGENT}/description", "Must be unique within your account.", False,
                     id="a sentence of another field's description"),
        pytest.param(f"{_NAME}/maxLength", "128", True, id="a number equal to the quote"),
        pytest.param(f"{_AGENT}/maxLength", "128", False, id="a number the document has elsewhere"),
        pytest.param(f"{_NAME}/maxLength", "12", False, id="a number that only starts the same"),
        pytest.param(f"{OPERATION_POINTER}/requestBody/required", "true", True,
                     id="a boolean as YAML writes it"),
        pytest.param(f"{OPERATION_POINTER}/requestBody/required", "required: true", False,
                     id="a boolean quoted with its key"),
        pytest.param(f"{SCHEMAS}/CampaignResponse/properties/campaignStatus/enum", "paused", True,
                     id="an enum value"),
        pytest.param(f"{SCHEMAS}/CampaignResponse/properties/campaignStatus/enum", "Live", False,
                     id="another enum's value"),
        pytest.param(f"{OPERATION_POINTER}/requestBody/content", "application/json", True,
                     id="a key of a mapping"),
        pytest.param(f"{OPERATION_POINTER}/requestBody/content", "text/plain", False,
                     id="a key the mapping lacks"),
        pytest.param(f"{_NAME}/description", "", False, id="an empty quote"),
    ],
)
def test_a_quote_counts_only_in_the_value_at_its_pointer(
    spec: Spec, pointer: str, quote: str, found: bool
) -> None:
    assert quote_found(spec, pointer, quote) is found


def test_a_quote_at_a_pointer_that_does_not_resolve_raises(spec: Spec) -> None:
    with pytest.raises(KeyError):
        quote_found(spec, f"{_NAME}/pattern", "128")


def test_an_erratum_naming_an_unknown_detector_is_refused(tmp_path: Path) -> None:
    (tmp_path / "openapi.yaml").write_bytes((SPEC_DIR / "openapi.yaml").read_bytes())
    errata = yaml.safe_load((SPEC_DIR / "errata.yaml").read_text(encoding="utf-8"))
    errata[0]["exercised"] = "no_such_detector"
    (tmp_path / "errata.yaml").write_text(yaml.safe_dump(errata), encoding="utf-8")
    with pytest.raises(SpecError, match="unknown detector 'no_such_detector'"):
        load_spec(tmp_path)


@pytest.mark.parametrize(
    ("detector", "body", "seen"),
    [
        ("errors_absent", {"campaignId": "c"}, True),
        ("errors_absent", {"campaignId": "c", "errors": []}, False),
        ("errors_null", {"errors": None}, True),
        ("errors_null", {"errors": []}, False),
    ],
)
def test_errata_detectors_tell_the_side_taken(detector: str, body: Any, seen: bool) -> None:
    assert ERRATA_DETECTORS[detector](body) is seen
