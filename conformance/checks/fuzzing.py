"""Fuzzing with Schemathesis: requests generated from the contract itself.

Schemathesis generates cases for the operation (positive: bodies valid under
UpdateCampaignRequest; negative: bodies that break it) from the overlaid
document, with the path fixed to the target's campaign. Each case goes out
through the suite's own client, so it is recorded, budgeted and redacted.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from .._catalogue import MUST, Cite, check
from .._client import Exchange
from .._context import Context
from .._restore import restore_body
from .._spec import Spec
from ._cites import OPERATION
from ._probing import Sent, send_drawn

# Generated schedules nearer than this are not sent: no campaign may dial
# because of the suite.
LEAD = timedelta(days=366)

REQUEST_SCHEMA = Cite(
    f"{OPERATION}/requestBody/content/application~1json/schema/$ref",
    "#/components/schemas/UpdateCampaignRequest",
)
RESPONSES = Cite(f"{OPERATION}/responses/200/content/application~1json/schema/$ref",
                 "#/components/schemas/CampaignResponse")
BAD_REQUEST = Cite(f"{OPERATION}/responses/400/description", "Bad Request")


class Skipped(Exception):
    """A generated case the check does not send (and why)."""


@cache
def _operation(spec_sha: str, document_json: str, operation_id: str) -> Any:
    import schemathesis

    schema = schemathesis.openapi.from_dict(json.loads(document_json), config=schemathesis.Config())
    return schema.find_operation_by_id(operation_id)


def operation(spec: Spec, operation_id: str) -> Any:
    """The operation to generate from. Without its security scheme: the client
    sends the key itself, and negative cases spent on a broken key header
    (auth has its own checks) would leave few for the body."""
    document = spec.request_document()
    document.pop("security", None)
    document.get("components", {}).pop("securitySchemes", None)
    return _operation(spec.sha256, json.dumps(document), operation_id)


def cases(ctx: Context, mode: str) -> Any:
    """Schemathesis cases in ``mode`` ("positive" or "negative") for this campaign."""
    from schemathesis import GenerationMode

    return operation(ctx.spec, ctx.operation.operation_id).as_strategy(
        generation_mode=GenerationMode(mode),
        path_parameters={ctx.operation.path_parameter: ctx.campaign_id},
        # A placeholder, so no key is generated; the client sends the real one.
        headers={ctx.contract.security_header: "placeholder"},
    )


@cache
def request_validator(spec_sha: str, schema_json: str) -> Any:
    import jsonschema

    document = json.loads(schema_json)
    schema = document["components"]["schemas"]["UpdateCampaignRequest"]
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker(["date"]))


def body_breaks_request(ctx: Context, body: Any) -> str | None:
    """How a parsed JSON body breaks UpdateCampaignRequest, where a 200 would be wrong.

    Schedule fields without isScheduled true may be ignored (erratum
    ignored-schedule-fields-still-typed), and a date-time scheduledDate may
    be accepted (erratum request-scheduled-date-example-is-date-time).
    """
    if isinstance(body, dict):
        body = dict(body)
        if body.get("isScheduled") is not True:
            for name in ctx.contract.schedule_fields:
                body.pop(name, None)
        day = body.get("scheduledDate")
        if isinstance(day, str) and len(day) > 10 and day[10] == "T":
            try:
                datetime.fromisoformat(day.replace("Z", "+00:00"))
                body["scheduledDate"] = day[:10]
            except ValueError:
                pass
    validator = request_validator(ctx.spec.sha256, json.dumps(ctx.spec.request_schema()))
    error = next(iter(validator.iter_errors(body)), None)
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path)
    return f"{'/' + where if where else 'body'}: {error.message}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def raw_breaks_request(ctx: Context, raw: bytes | None) -> str | None:
    """How request bytes break the contract (None: they are a valid body)."""
    if raw is None:
        return "no body (the request body is required)"
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return f"not JSON: {raw[:40]!r}"
    return body_breaks_request(ctx, body)


def encode(body: Any) -> bytes:
    try:
        text = json.dumps(body, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise Skipped(f"not sendable as JSON: {exc}") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates: JSON can carry them as escapes.
        return json.dumps(body, ensure_ascii=True, allow_nan=False).encode("ascii")


def negated_elsewhere(case: Any) -> list[str]:
    """Parts of a case other than the body that Schemathesis made invalid."""
    meta = getattr(case, "_meta", None)
    components = getattr(meta, "components", None) or {}
    return [
        str(location) for location, info in components.items()
        if "body" not in str(location).lower() and "negative" in str(getattr(info, "mode", ""))
    ]


def too_soon(body: Any, now: datetime) -> bool:
    """Whether the body would schedule the campaign less than LEAD from now."""
    if not isinstance(body, dict) or body.get("isScheduled") is not True:
        return False
    day = body.get("scheduledDate")
    if not isinstance(day, str):
        return False
    try:
        when = date.fromisoformat(day[:10])
    except ValueError:
        return False
    return (now - timedelta(days=2)).date() <= when <= (now + LEAD).date()


def call_for_case(ctx: Context, case: Any) -> tuple[bytes | None, dict[str, Any]]:
    """The bytes one generated case sends, and `Context.patch`'s arguments for it;
    raises Skipped for a case the suite does not send."""
    from schemathesis.core import NOT_SET

    elsewhere = negated_elsewhere(case)
    if elsewhere:
        raise Skipped(f"negated outside the body ({', '.join(elsewhere)})")
    if case.body is NOT_SET:
        return None, {}
    if too_soon(case.body, ctx.now()):
        raise Skipped("a schedule less than a year ahead")
    raw = case.body if isinstance(case.body, bytes) else encode(case.body)
    return raw, {"raw": raw, "content_type": case.media_type or "application/json"}


def fuzz(ctx: Context, mode: str, judge: Any) -> None:
    """Draw ``fuzz_examples`` cases, send each, and judge it; restore the campaign after.

    Each answer is judged on its own, so without shrinking (the quick profile)
    the cases are drawn first and sent a batch at a time (`send_drawn`).
    """
    before = ctx.state()

    def make(case: Any) -> Sent | None:
        try:
            raw, call = call_for_case(ctx, case)
        except Skipped:
            return None
        return call, lambda exchange: judge(raw, exchange)

    sent = 0
    try:
        sent = send_drawn(ctx, cases(ctx, mode), make, max_examples=ctx.profile.fuzz_examples)
    finally:
        restore = restore_body(before, contract=ctx.contract, now=ctx.now())
        if restore:
            ctx.patch(restore)
    if not sent:
        ctx.not_exercised(f"no {mode} case could be sent")


@check(
    id="fuzzed_valid_requests_conform",
    level=MUST,
    area="fuzzing",
    cites=[REQUEST_SCHEMA, RESPONSES],
)
def fuzzed_valid_requests_conform(ctx: Context) -> None:
    """Generated valid bodies get a documented, well-formed answer.

    Schemathesis, positive mode: bodies valid under UpdateCampaignRequest.
    Each answer is 200, 400, 403 or 404 for agents and numbers that are not
    the account's, 409 only for a campaignName; never a 5xx; and it matches
    the documented schema for its status.
    """
    documented = ctx.spec.documented_statuses(ctx.operation)

    def judge(raw: bytes | None, exchange: Exchange) -> None:
        body = json.loads(raw) if raw else {}
        fields = set(body) if isinstance(body, dict) else set()
        allowed = {200, 400}
        if "campaignName" in fields:
            allowed |= {409}  # a generated name may be taken
        if fields & {"agentId", "sipPhoneNumber"}:
            allowed |= {403, 404}  # generated ids are not the account's (erratum)
        ctx.expect_status(exchange, allowed & documented,
                          sent="a generated body valid under UpdateCampaignRequest")
        assert exchange.status is not None
        problems = ctx.spec.validate_response(
            ctx.operation, path=exchange.path, status=exchange.status,
            content_type=exchange.content_type, body=exchange.response_body,
        )
        if problems:
            ctx.fail(
                f"{exchange.status}: {problems[0].message}",
                expected=f"a {exchange.status} answer as the document describes it",
                exchange=exchange,
                title=f"the answer to a generated valid body breaks the document "
                f"({problems[0].kind})",
            )

    fuzz(ctx, "positive", judge)


@check(
    id="fuzzed_invalid_requests_rejected",
    level=MUST,
    area="fuzzing",
    cites=[REQUEST_SCHEMA, BAD_REQUEST],
)
def fuzzed_invalid_requests_rejected(ctx: Context) -> None:
    """Generated invalid bodies get a documented 4xx, never a 2xx or 5xx.

    Schemathesis, negative mode: bodies that break UpdateCampaignRequest
    (wrong types, patterns, lengths, not JSON at all). A 200 counts only
    when the body really breaks the schema (checked with jsonschema, Draft 4,
    with the errata's tolerances); other cases negated outside the body are
    not sent.
    """
    documented = ctx.spec.documented_statuses(ctx.operation)
    refusals = {s for s in documented if 400 <= s < 500} - {401}

    def judge(raw: bytes | None, exchange: Exchange) -> None:
        assert exchange.status is not None
        if exchange.status < 300:
            broken = raw_breaks_request(ctx, raw)
            if broken is None:
                return  # still a valid body under the overlay
            ctx.fail(
                f"{exchange.status} for a body that breaks UpdateCampaignRequest ({broken})",
                expected="400 (or another documented 4xx)",
                exchange=exchange,
                title=f"a generated invalid body was accepted: {broken}",
            )
        ctx.expect_status(exchange, refusals,
                          sent="a generated body that breaks UpdateCampaignRequest")

    fuzz(ctx, "negative", judge)
