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
from .._fuzzcases import Drawn, cases_of, describe_case, draw_cases, schemathesis_operation
from .._prepared import Job
from .._restore import restore_body
from .._spec import Spec
from ._cites import OPERATION
from ._probing import Sent, send_all, send_drawn

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


def document_json(spec: Spec) -> str:
    """The document to generate from. Without its security scheme: the client
    sends the key itself, and negative cases spent on a broken key header
    (auth has its own checks) would leave few for the body."""
    document = spec.request_document()
    document.pop("security", None)
    document.get("components", {}).pop("securitySchemes", None)
    return json.dumps(document)


def operation(spec: Spec, operation_id: str) -> Any:
    """The operation to generate from (`document_json`)."""
    return schemathesis_operation(spec.sha256, document_json(spec), operation_id)


def cases(ctx: Context, mode: str) -> Any:
    """Schemathesis cases in ``mode`` for this run's campaign."""
    return cases_of(operation(ctx.spec, ctx.operation.operation_id), mode,
                    {ctx.operation.path_parameter: ctx.campaign_id},
                    ctx.contract.security_header)


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


def draw_job(ctx: Context, mode: str) -> Job | None:
    """The check's cases as a Job a worker process can draw beforehand: only
    without shrinking (the quick profile), where they are all drawn before any
    is sent. The seed is the one `send_drawn` would give them, so they are the
    same cases either way."""
    if ctx.profile.shrink:
        return None
    return Job(draw_cases, (ctx.profile, ctx.seed_for("generated"), ctx.spec.sha256,
                            document_json(ctx.spec), ctx.operation.operation_id, mode,
                            {ctx.operation.path_parameter: ctx.campaign_id},
                            ctx.contract.security_header, ctx.profile.fuzz_examples))


def sent_for(ctx: Context, drawn: Drawn) -> dict[str, Any] | None:
    """`Context.patch`'s arguments for a drawn case, or None for one not sent."""
    if drawn.skipped is not None or too_soon(drawn.body, ctx.now()):
        return None  # a schedule less than a year ahead is never sent
    if drawn.raw is None:
        return {}
    return {"raw": drawn.raw, "content_type": drawn.content_type}


def fuzz(ctx: Context, mode: str, judge: Any) -> None:
    """Draw ``fuzz_examples`` cases, send each, and judge it; restore the campaign after.

    Each answer is judged on its own, so without shrinking (the quick profile)
    the cases are drawn first, by the worker process if the engine started
    the check's Job there (`Context.prepared`), and sent a batch at a time.
    With shrinking each is sent as drawn, so a failure shrinks (`send_drawn`).
    """
    before = ctx.state()

    def make(drawn: Drawn) -> Sent | None:
        call = sent_for(ctx, drawn)
        if call is None:
            return None
        return call, lambda exchange: judge(call.get("raw"), exchange)

    sent = 0
    try:
        drawn = ctx.prepared()
        if drawn is None:
            sent = send_drawn(ctx, cases(ctx, mode), lambda case: make(describe_case(case)),
                              max_examples=ctx.profile.fuzz_examples)
        else:
            sends = [s for s in map(make, drawn) if s is not None]
            send_all(ctx, sends)
            sent = len(sends)
    finally:
        restore = restore_body(before, contract=ctx.contract, now=ctx.now())
        if restore:
            ctx.patch(restore)
    if not sent:
        ctx.not_exercised(f"no {mode} case could be sent")


def _prepare_positive(ctx: Context) -> Job | None:
    return draw_job(ctx, "positive")


def _prepare_negative(ctx: Context) -> Job | None:
    return draw_job(ctx, "negative")


@check(
    id="fuzzed_valid_requests_conform",
    level=MUST,
    area="fuzzing",
    cites=[REQUEST_SCHEMA, RESPONSES],
    prepare=_prepare_positive,
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
    prepare=_prepare_negative,
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
