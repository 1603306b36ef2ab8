"""The request body: a JSON object, required, partial, typed, without nulls."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from strategies import LENIENT_JSON, UNKNOWN_PROPERTY, RawBody, json_encodings

from .._catalogue import MUST, SHOULD, Cite, check
from .._client import Exchange
from .._context import Context
from .._model import ModelRequest
from ._cites import OPERATION
from ._probing import (
    Case,
    Sent,
    call_for,
    distinct_updates,
    expect_kept,
    expect_unchanged,
    fresh_name,
    future_schedule,
    invalid_cases,
    model_for,
    refuse_all,
    refuse_generated,
    send_all,
    send_drawn,
    send_one,
    visible_change,
)

_SCHEMA = "/components/schemas/UpdateCampaignRequest"

MEDIA_TYPE = Cite(f"{OPERATION}/requestBody/content", "application/json")
OBJECT = Cite(f"{_SCHEMA}/type", "object")
REQUIRED = Cite(f"{OPERATION}/requestBody/required", "true")
PARTIAL = Cite(
    f"{OPERATION}/description",
    "Only fields provided in the request body are updated — omitted fields remain unchanged.",
)
BAD_REQUEST = Cite(f"{OPERATION}/responses/400/description", "Bad Request")



# ---------------------------------------------------------------- JSON syntax

MALFORMED = (
    b'{"concurrentCalls": 5',
    b'{"concurrentCalls": 5,}',
    b"{'concurrentCalls': 5}",
    b"{concurrentCalls: 5}",
    b'{"concurrentCalls": 5 xyz}',
    b'{"concurrentCalls": NaN}',
    b'{"concurrentCalls": 05}',
    b'{"isScheduled": True}',
    b"{",
    b"\xff\xfe{}",
)


@check(
    id="malformed_json_rejected",
    level=MUST,
    area="body",
    cites=[MEDIA_TYPE, BAD_REQUEST],
)
def malformed_json_rejected(ctx: Context) -> None:
    """A body that is not valid JSON (RFC 8259) is rejected with 400.

    Sends truncated objects, trailing commas, single quotes, bare keys,
    garbage inside the object, NaN, leading zeros, Python literals, invalid
    UTF-8, and generated malformed bodies, none of which a mainstream parser
    reads; the campaign must not change. (Text after the object, comments and
    unknown escapes, which some do read, are lenient_json_refused's.)
    """
    before = ctx.state()
    cases = [(f"malformed JSON {raw!r}", RawBody(raw)) for raw in MALFORMED]
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "malformed_json_rejected"))
    expect_unchanged(ctx, before, what="malformed JSON bodies")


@check(
    id="lenient_json_refused",
    level=SHOULD,
    area="body",
    cites=[MEDIA_TYPE, BAD_REQUEST],
)
def lenient_json_refused(ctx: Context) -> None:
    """JSON that only lenient parsers read is rejected with 400.

    Jackson (Spring's) leaves text after the first value unread; Ruby's json
    library skips comments and reads an unknown escape as its character
    (erratum lenient-json-readings). Sends a valid object followed by text,
    a brace or a second object, comments before, inside and after it, and a
    "\\x41" escape: each is refused with 400, and the campaign must not change.
    """
    before = ctx.state()
    cases = [(f"JSON only a lenient parser reads {raw!r}", RawBody(raw)) for raw in LENIENT_JSON]
    refuse_all(ctx, cases, {400})
    expect_unchanged(ctx, before, what="JSON only a lenient parser reads")


NON_OBJECTS: tuple[Any, ...] = ([], [{"concurrentCalls": 5}], "concurrentCalls", 5, 1.5,
                                True, False, None)


@check(
    id="non_object_body_rejected",
    level=MUST,
    area="body",
    cites=[OBJECT, BAD_REQUEST],
)
def non_object_body_rejected(ctx: Context) -> None:
    """A JSON body that is not an object is rejected with 400.

    Sends arrays (empty and holding a valid update), a string, numbers,
    booleans and null; the campaign must not change.
    """
    before = ctx.state()
    cases = [(f"the JSON value {json_text(body)} as the whole body", body)
             for body in NON_OBJECTS]
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "non_object_body_rejected"),
                     max_examples=max(2, ctx.profile.max_examples // 2))
    expect_unchanged(ctx, before, what="bodies that are not objects")


def json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@check(
    id="missing_body_rejected",
    level=MUST,
    area="body",
    cites=[REQUIRED, BAD_REQUEST],
)
def missing_body_rejected(ctx: Context) -> None:
    """A request without a body is rejected with 400 (the body is required).

    Sends no body at all (no Content-Type), an empty body declared as
    application/json, and a body of whitespace only. The first is not sent
    as JSON, so HTTP's 415 refuses it too (erratum http-refusals-of-bodies:
    Spring answers so).
    """
    before = ctx.state()
    ctx.expect_rejected(ctx.patch(), {400}, sent="no body and no Content-Type")
    cases: list[Case] = [
        ("an empty body with Content-Type application/json", RawBody(b"")),
        ("a body of whitespace only", RawBody(b" \r\n\t ")),
    ]
    refuse_all(ctx, cases, {400})
    expect_unchanged(ctx, before, what="requests without a body")


# ---------------------------------------------------------------- partial updates


@check(
    id="empty_object_changes_nothing",
    level=MUST,
    area="body",
    cites=[PARTIAL, Cite(f"{OPERATION}/responses/200/description", "OK")],
)
def empty_object_changes_nothing(ctx: Context) -> None:
    """The empty object {} is answered 200 and changes no field.

    Sets a fresh name and concurrentCalls, keeps the 200 body as the state,
    then sends {} twice: each answer must equal that state, field by field.
    """
    start = ctx.expect_ok(ctx.patch({}), sent="the empty object {}")
    body = {"campaignName": fresh_name(ctx), **visible_change(start)}
    state = ctx.expect_ok(ctx.patch(body), sent=f"a valid update {body}")
    for attempt in ("first", "second"):
        exchange = ctx.patch({})
        after = ctx.expect_ok(exchange, sent=f"the empty object {{}} ({attempt} time)")
        expect_kept(ctx, state, after, expected="every field as the previous update left it",
                    exchange=exchange, title=lambda fields: f"an empty update changed {fields}")


# Properties the request does not document, some named like response fields
# a careless server might copy from the body.
UNKNOWN_PROPERTIES: dict[str, Any] = {
    UNKNOWN_PROPERTY: "ref-0001",
    "campaignId": "camp_NotThisOne00000",
    "campaignStatus": "completed",
    "scheduled": True,
    "errors": ["Row 1: injected"],
    "agent": {"agentId": "agent_Injected", "name": "Injected", "status": "Disabled"},
    "phoneNumber": {"sipPhoneNumber": "+19999999999"},
    "extra": {"nested": [1, None, {"deep": "value"}]},
}
_NAMES = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,24}", fullmatch=True)


def _unknown_names(ctx: Context) -> st.SearchStrategy[str]:
    """Property names the request does not document. Names equal to a documented
    field but for case are left out: field_names_match_case_exactly sends those."""
    documented = {name.casefold() for name in ctx.contract.field_names}
    return _NAMES.filter(lambda name: name.casefold() not in documented)
_UNKNOWN_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12),
                            st.lists(st.integers(), max_size=3))


@check(
    id="unknown_properties_ignored",
    level=SHOULD,
    area="body",
    cites=[
        Cite(f"{_SCHEMA}/properties", "campaignName"),
        PARTIAL,
    ],
)
def unknown_properties_ignored(ctx: Context) -> None:
    """Properties the request does not document are ignored, not refused.

    UpdateCampaignRequest sets no additionalProperties, so JSON Schema allows
    others. Sends a valid change of concurrentCalls with undocumented
    properties (some named like response fields: campaignId,
    campaignStatus, errors, scheduled): 200, the change applied, and
    nothing else changed.
    """
    before = ctx.state()
    latest = before

    def probe(extra: dict[str, Any], what: str) -> Sent:
        # Each probe changes only concurrentCalls, to a value of its own: whatever
        # order a batch is applied in, an answer is the campaign as it was with
        # that one value.
        nonlocal latest
        change = visible_change(latest)
        latest = {**latest, **change}
        expected = {**before, **change}

        def judge(exchange: Exchange) -> None:
            after = ctx.expect_ok(exchange, sent=f"a valid update with {what}")
            expect_kept(ctx, expected, after, exchange=exchange,
                        expected=f"only concurrentCalls becomes {change['concurrentCalls']}",
                        title=lambda fields: f"{what} changed {fields}")

        return {"body": {**extra, **change}}, judge

    send_one(ctx, probe(UNKNOWN_PROPERTIES,
                        "undocumented properties " + ", ".join(UNKNOWN_PROPERTIES)))
    extras = st.dictionaries(_unknown_names(ctx), _UNKNOWN_VALUES, min_size=1, max_size=3)
    send_drawn(ctx, extras,
               lambda extra: probe(extra, f"undocumented properties {sorted(extra)}"),
               max_examples=max(3, ctx.profile.max_examples // 2))


# How a name may be spelled in other case alone: as a struct field's name is
# bound (Go's encoding/json, ASP.NET Core's web defaults match names
# case-insensitively), and in deep also all capitals and all small letters.
_RESPELLINGS = {
    "quick": (lambda name: name[:1].upper() + name[1:],),
    "deep": (lambda name: name[:1].upper() + name[1:], str.upper, str.lower),
}


@check(
    id="field_names_match_case_exactly",
    level=MUST,
    area="body",
    cites=[
        Cite(f"{_SCHEMA}/properties", "campaignName"),
        PARTIAL,
    ],
)
def field_names_match_case_exactly(ctx: Context) -> None:
    """A member named like a field in another case changes nothing.

    JSON Schema matches property names exactly: {"CampaignName": ...} is an
    undocumented property, and campaignName is omitted, so it stays. Sends
    a valid change of each field (name, calls, agent, number, a schedule)
    under its name in other case (CampaignName; deep also CAMPAIGNNAME and
    campaignname): each is ignored (200, the campaign as it was) or refused
    with 400, as the model says, and the campaign read afterwards is
    unchanged.
    """
    model = model_for(ctx)
    before = ctx.state()
    state = model.observe(before)
    if state is None:
        ctx.not_exercised("the campaign read with an empty update is not one the model reads")
    respellings = _RESPELLINGS.get(ctx.profile.name, _RESPELLINGS["quick"])
    bodies = [{respell(name): value for name, value in update.items()}
              for update in distinct_updates(ctx, state, 0)
              for respell in respellings]
    bodies = [body for body in bodies if not set(body) & set(ctx.contract.field_names)]

    # One at a time, each judged against the campaign as it was: none may
    # change it, and the first that does is the failure shown.
    for body in bodies:
        exchange = ctx.patch(**call_for(body))
        verdict = model.judge(state, ModelRequest(body), exchange.status, exchange.json_or_none())
        if not verdict.ok:
            ctx.fail(verdict.reason, expected=verdict.expected, exchange=exchange,
                     title=f"{', '.join(body)}, named in other case than the fields, "
                           "was taken for them")
    expect_unchanged(ctx, before, what="fields named in other case")


# ---------------------------------------------------------------- values


def _in_context(ctx: Context, field: str, value: Any) -> dict[str, Any]:
    """`field` set to `value`; schedule fields beside an otherwise valid schedule."""
    if field in ctx.contract.schedule_fields:
        return {**future_schedule(ctx), field: value}
    return {field: value}


@check(
    id="null_values_rejected",
    level=MUST,
    area="body",
    cites=[
        Cite(f"{_SCHEMA}/properties/campaignName/type", "string"),
        Cite(f"{_SCHEMA}/properties/concurrentCalls/type", "integer"),
        BAD_REQUEST,
    ],
)
def null_values_rejected(ctx: Context) -> None:
    """null for any documented field is rejected with 400.

    No property of UpdateCampaignRequest is nullable (OpenAPI 3.0 says so
    with nullable: true). Sends each field as null, the schedule fields
    beside an otherwise valid future schedule, then generated cases; the
    campaign must not change.
    """
    before = ctx.state()
    cases = [(f"{field}: null", _in_context(ctx, field, None))
             for field in ctx.contract.field_names]
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "null_values_rejected"))
    expect_unchanged(ctx, before, what="bodies with null fields")


# One or more values of a wrong JSON type per field. 5.0 is left out: OpenAPI
# 3.0's draft calls it no integer, later JSON Schema drafts and most JSON
# parsers do, so a server may take either side (erratum integer-valued-numbers).
WRONG_TYPES: tuple[tuple[str, Any], ...] = (
    ("campaignName", 12345),
    ("campaignName", True),
    ("campaignName", ["Q4"]),
    ("sipPhoneNumber", 14155552671),
    ("sipPhoneNumber", {"number": "+14155552671"}),
    ("agentId", 42),
    ("agentId", ["agent"]),
    ("isScheduled", "true"),
    ("isScheduled", "false"),
    ("isScheduled", 1),
    ("scheduledDate", 20990925),
    ("scheduledTime", 43200),
    ("scheduledTimezone", -8),
    ("concurrentCalls", "5"),
    ("concurrentCalls", True),
    ("concurrentCalls", 2.5),
    ("concurrentCalls", [5]),
    ("dynamicVariables", []),
    ("dynamicVariables", ["customer_name"]),
    ("dynamicVariables", '{"customer_name": "Michael"}'),
    ("dynamicVariables", 5),
)


def _wrong_type_body(ctx: Context, field: str, value: Any) -> dict[str, Any]:
    if field == "isScheduled" and value in ("true", 1):
        return {k: v for k, v in future_schedule(ctx).items() if k != field} | {field: value}
    return _in_context(ctx, field, value)


@check(
    id="field_types_enforced",
    level=MUST,
    area="body",
    cites=[
        Cite(f"{_SCHEMA}/properties/concurrentCalls/type", "integer"),
        Cite(f"{_SCHEMA}/properties/isScheduled/type", "boolean"),
        Cite(f"{_SCHEMA}/properties/dynamicVariables/type", "object"),
        Cite(f"{_SCHEMA}/properties/campaignName/type", "string"),
        BAD_REQUEST,
    ],
)
def field_types_enforced(ctx: Context) -> None:
    """A field of the wrong JSON type is rejected with 400, never coerced.

    Sends every field with values of other types: numbers for strings,
    strings and 1 for isScheduled, "5", true and 2.5 for concurrentCalls,
    arrays and strings for
    dynamicVariables; schedule fields beside a valid schedule. Then
    generated cases; the campaign must not change.
    """
    before = ctx.state()
    cases = [
        (f"{field} as the JSON {json_text(value)}", _wrong_type_body(ctx, field, value))
        for field, value in WRONG_TYPES
    ]
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "field_types_enforced"))
    expect_unchanged(ctx, before, what="bodies with fields of the wrong type")


# ---------------------------------------------------------------- equivalent HTTP forms

# Content-Type values that name application/json as RFC 9110 (section 8.3.1:
# type and subtype are case-insensitive, parameters may follow) and RFC 8259
# (no charset parameter is defined; "adding one really has no effect on
# compliant recipients") allow.
EQUIVALENT_MEDIA_TYPES = (
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "application/json; charset=\"utf-8\"",
    "Application/JSON",
    "APPLICATION/JSON; CHARSET=UTF-8",
)


def _showing(ctx: Context, call: dict[str, Any], change: dict[str, Any], *, what: str) -> Sent:
    """`call`, to be answered 200 with a body that shows every field of `change` as sent."""
    def judge(exchange: Exchange) -> None:
        body = ctx.expect_ok(exchange, sent=what)
        wrong = {k: body.get(k, "(absent)") for k, v in change.items() if body.get(k) != v}
        if wrong:
            ctx.fail(
                ", ".join(f"{k} {ascii(v)}" for k, v in wrong.items()),
                expected=", ".join(f"{k} {ascii(v)}" for k, v in change.items() if k in wrong),
                exchange=exchange,
                title=f"{what}: accepted, but the change is not shown",
            )

    return call, judge


@check(
    id="media_type_variants_accepted",
    level=MUST,
    area="body",
    cites=[MEDIA_TYPE],
)
def media_type_variants_accepted(ctx: Context) -> None:
    """application/json with a charset or in other letter case is accepted.

    Media types are case-insensitive and take parameters (RFC 9110, section
    8.3.1); a charset on application/json changes nothing (RFC 8259). Sends
    a valid concurrentCalls change under Content-Type values such as
    "application/json; charset=utf-8" and "APPLICATION/JSON": each must be
    200 and show the change.
    """
    before = ctx.state()
    sends: list[Sent] = []
    for media_type in EQUIVALENT_MEDIA_TYPES:
        change = visible_change(before)
        sends.append(_showing(ctx, {"body": change, "content_type": media_type}, change,
                              what=f"a valid update as {media_type}"))
        before = {**before, **change}
    send_all(ctx, sends)


@check(
    id="equivalent_json_forms_accepted",
    level=MUST,
    area="body",
    cites=[MEDIA_TYPE, PARTIAL],
)
def equivalent_json_forms_accepted(ctx: Context) -> None:
    """A JSON body means the same however RFC 8259 lets it be written.

    Sends one valid update (a fresh name with non-ASCII, astral and "/"
    characters, and a concurrentCalls change) compact, with insignificant
    whitespace around every token, with non-ASCII as \\u escapes, with
    every character of keys and strings escaped, and with \\/ for the
    solidus: each must be 200 and show the update.
    """
    state = ctx.state()

    def next_change() -> dict[str, Any]:
        return {"campaignName": fresh_name(ctx, "Façade/Ü 😀"), **visible_change(state)}

    # One form each, each with its own name and concurrentCalls: the answers
    # of a batch tell apart.
    change = next_change()
    sends: list[Sent] = []
    for index in range(len(json_encodings(value=change))):
        form, raw = json_encodings(value=change)[index]
        sends.append(_showing(ctx, call_for(raw), change, what=f"a valid update written as {form}"))
        state = {**state, **change}
        change = next_change()
    send_all(ctx, sends)
