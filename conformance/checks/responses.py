"""Responses and errors: what every answer of the run looks like.

These checks judge every PATCH exchange of the run (they run last), and each
first sends a small probe set of its own so it is exercised when run alone.
Exchanges sent with hostile payloads are judged by ``no_server_errors`` only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from .._catalogue import MUST, SHOULD, Cite, check
from .._client import Exchange
from .._context import Context
from .._model import BODY_LIMIT, http_refusal
from .._spec import Problem
from ._cites import OPERATION
from ._probing import send_each

ERROR_EXAMPLE = f"{OPERATION}/responses/400/content/application~1json/examples/default/value"

RESPONSES = Cite(f"{OPERATION}/responses/200/description", "OK")
JSON_CONTENT = Cite(f"{OPERATION}/responses/200/content", "application/json")
CAMPAIGN_RESPONSE = Cite(
    "/components/schemas/CampaignResponse/description",
    "Includes the campaign's identity, current status, schedule configuration, "
    "the agent handling calls, and the caller phone number used to dial contacts.",
)
ERROR_SCHEMA = Cite("/components/schemas/Error/description", "Standard error response")
ERROR_STATUS = Cite("/components/schemas/Error/properties/status/description", "HTTP status code")
ERROR_PHRASE = Cite(
    "/components/schemas/Error/properties/error/description", "Error type or HTTP status message"
)
ERROR_PATH = Cite(
    "/components/schemas/Error/properties/path/description", "Request path where error occurred"
)
VALIDATION_ERRORS = Cite(
    "/components/schemas/Error/properties/validationErrors/description",
    "Field validation errors (if any)",
)
SERVER_ERROR = Cite(
    f"{OPERATION}/responses/500/content/application~1json/examples/default/value/message",
    "Unexpected server error",
)

UNKNOWN_CAMPAIGN_ID = "camp_conformance_unknown_0000"

# Properties a 200 body carries: the ones CAMPAIGN_RESPONSE says it includes
# (scheduledDate may be absent, erratum scheduled-date-presence).
CAMPAIGN_PRESENT = ("campaignId", "campaignStatus", "agent", "phoneNumber")
# Properties every Error body carries: every documented example has them.
ERROR_PRESENT = ("status", "message")


# ---------------------------------------------------------------- probing


def _send(ctx: Context, body: Any = None, **kwargs: Any) -> Exchange:
    """One probe through the recorded client; an unanswered probe is recorded, not raised."""
    if body is not None:
        kwargs["body"] = body
    return ctx.client.send(kwargs.pop("campaign_id", ctx.campaign_id), **kwargs)


def probe(ctx: Context) -> None:
    """The small probe set a check of this module sends first, once per run.

    An empty update, a valid change (concurrentCalls one up, then back), an
    invalid name, no key, an unknown campaign id and malformed JSON. These
    checks judge every exchange of the run, so the set one of them sent is
    judged by all the others too; a check run alone sends it itself.
    """
    if PROBE_SET in ctx.client.sent_once:
        return
    _send_probe_set(ctx)
    ctx.client.sent_once.add(PROBE_SET)


PROBE_SET = "the responses' probe set"


def _send_probe_set(ctx: Context) -> None:
    current = _send(ctx, {}).json_or_none()
    calls = current.get("concurrentCalls") if isinstance(current, dict) else None
    rule = ctx.contract.field("concurrentCalls")
    if isinstance(calls, int) and rule.admits(calls) and rule.admits(calls + 1):
        _send(ctx, {"concurrentCalls": calls + 1})
        _send(ctx, {"concurrentCalls": calls})
    # The rest do not depend on each other: sent at once, judged by the run-wide checks.
    send_each(ctx, [{"body": {"campaignName": ""}}, {"body": {}, "api_key": None},
                    {"body": {}, "campaign_id": UNKNOWN_CAMPAIGN_ID}, {"raw": b"{not json"}],
              lambda index, exchange: None, unanswered_fails=False)


def judged(ctx: Context, *, hostile: bool = False) -> list[Exchange]:
    """The run's answered exchanges of the operation (hostile ones only when asked).

    A request sent beside others and then again alone (Exchange.superseded) is
    judged by the answer it got alone, not this one.
    """
    return [
        e
        for e in ctx.client.exchanges
        if e.method == ctx.operation.method
        and not e.superseded
        and e.error is None
        and e.status is not None
        and (hostile or not e.hostile)
    ]


def report(
    ctx: Context,
    offending: list[tuple[Exchange, str]],
    *,
    total: int,
    expected: str,
    title: str,
) -> None:
    """Fail with the first offending exchange and a count of the others."""
    if not total:
        ctx.not_exercised("no response to judge")
    if not offending:
        return
    first, what = offending[0]
    others = len(offending) - 1
    more = f"; {others} more of the run's {total} responses too" if others else ""
    ctx.fail(
        f"response {first.number}: {what}{more}",
        expected=expected,
        exchange=first,
        title=f"{title} ({len(offending)} of {total} responses)",
    )


def media_type(exchange: Exchange) -> str:
    return exchange.content_type.split(";", 1)[0].strip().lower()


def error_body(exchange: Exchange) -> dict[str, Any] | None:
    """The parsed body of an error answer (4xx/5xx) that is a JSON object."""
    if exchange.status is None or exchange.status < 400:
        return None
    body = exchange.json_or_none()
    return body if isinstance(body, dict) else None


def problems_of(ctx: Context, exchange: Exchange) -> list[Problem]:
    assert exchange.status is not None
    return ctx.spec.validate_response(
        ctx.operation,
        path=exchange.path,
        status=exchange.status,
        content_type=exchange.content_type,
        body=exchange.response_body,
    )


def judge_each(
    ctx: Context,
    verdict: Callable[[Exchange], str | None],
    *,
    expected: str,
    title: str,
    select: Callable[[Exchange], bool] = lambda _: True,
    hostile: bool = False,
) -> None:
    """Probe, then apply ``verdict`` (a complaint or None) to every selected exchange."""
    probe(ctx)
    pool = [e for e in judged(ctx, hostile=hostile) if select(e)]
    offending = [(e, what) for e in pool if (what := verdict(e)) is not None]
    report(ctx, offending, total=len(pool), expected=expected, title=title)


# ---------------------------------------------------------------- checks


def limit_probes(ctx: Context) -> None:
    """A 2 MiB body and a text/plain one: requests outside what the operation describes."""
    _send(ctx, raw=b'{"padding": "' + b"x" * (2 * BODY_LIMIT) + b'"}')
    _send(ctx, raw=b'{"concurrentCalls": 2}', content_type="text/plain")


@check(
    id="status_code_documented",
    level=MUST,
    area="responses",
    cites=[RESPONSES, Cite(f"{OPERATION}/responses/409/description", "Conflict")],
    final=True,
    schema_level=True,
)
def status_code_documented(ctx: Context) -> None:
    """Every status is one the operation documents: 200, 400, 401, ... 500.

    Judges every response of the run (redirects count as undocumented); sends
    the probe set plus a 2 MiB body and a text/plain body of its own. HTTP's
    own 413 for a body over 1 MiB, 414 for a path over 255 bytes and 415 for
    a body not sent as JSON are left to refusals_use_documented_statuses
    (erratum http-refusals-of-bodies).
    """
    limit_probes(ctx)
    documented = ctx.spec.documented_statuses(ctx.operation)
    listed = ", ".join(str(s) for s in sorted(documented))
    judge_each(
        ctx,
        lambda e: None if e.status in documented or http_refusal(e)
        else f"status {e.status} is not documented",
        expected=f"one of the documented statuses {listed}",
        title="a response has a status the operation does not document",
    )


@check(
    id="refusals_use_documented_statuses",
    level=SHOULD,
    area="responses",
    cites=[Cite(f"{OPERATION}/responses/400/description", "Bad Request"),
           Cite(f"{OPERATION}/requestBody/content", "application/json")],
    final=True,
    schema_level=True,
)
def refusals_use_documented_statuses(ctx: Context) -> None:
    """An oversized or non-JSON body or a long path gets a documented status.

    Sends a 2 MiB body and a text/plain body (and judges every such request
    of the run, and every path over 255 bytes): HTTP's own 413, 414 or 415
    keeps the contract (erratum http-refusals-of-bodies), but the operation
    documents 400 and 404 for them.
    """
    limit_probes(ctx)
    judge_each(
        ctx,
        lambda e: None if not http_refusal(e)
        else f"{http_refusal(e)} answered {e.status}, not a documented status",
        expected="400 or 404, the statuses the operation documents for a request it refuses",
        title="a refusal uses a status the operation does not document",
    )


@check(
    id="response_content_type_is_json",
    level=MUST,
    area="responses",
    cites=[JSON_CONTENT],
    final=True,
    schema_level=True,
)
def response_content_type_is_json(ctx: Context) -> None:
    """Every response, success or error, is served as application/json.

    Judges the Content-Type of every response of the run after the probe set
    whose status the operation documents: the document describes the content
    of those. A status it does not document is status_code_documented's
    concern, and the body of HTTP's own 413 or 415 (a proxy's HTML page,
    erratum http-refusals-of-bodies) is not the operation's.
    """
    documented = ctx.spec.documented_statuses(ctx.operation)
    judge_each(
        ctx,
        lambda e: None
        if media_type(e) == "application/json"
        else f"{e.status} served as {e.content_type or '(no Content-Type)'!r}",
        expected="Content-Type application/json",
        title="a response is not served as application/json",
        select=lambda e: e.status in documented,
    )


def _schema_complaint(ctx: Context, exchange: Exchange) -> str | None:
    assert exchange.status is not None
    if exchange.status not in ctx.spec.documented_statuses(ctx.operation):
        return None  # status_code_documented's concern
    found = [p for p in problems_of(ctx, exchange) if p.kind == "schema"]
    if found:
        return f"{exchange.status} body breaks the schema: {found[0].message}"
    if media_type(exchange) != "application/json":
        return None  # response_content_type_is_json's concern
    body = exchange.json_or_none()
    required = CAMPAIGN_PRESENT if exchange.status == 200 else ERROR_PRESENT
    if not isinstance(body, dict):
        return f"{exchange.status} body is not a JSON object"
    missing = [name for name in required if name not in body]
    if missing:
        schema = "CampaignResponse" if exchange.status == 200 else "Error"
        return f"{exchange.status} {schema} body lacks {', '.join(missing)}"
    return None


@check(
    id="response_matches_schema",
    level=MUST,
    area="responses",
    cites=[
        Cite(f"{OPERATION}/responses/200/content/application~1json/schema/$ref",
             "#/components/schemas/CampaignResponse"),
        CAMPAIGN_RESPONSE,
        ERROR_SCHEMA,
        Cite(f"{ERROR_EXAMPLE}/status", "400"),
    ],
    final=True,
    schema_level=True,
)
def response_matches_schema(ctx: Context) -> None:
    """A 200 body is a CampaignResponse and an error body an Error.

    Validates every response of the run against the document (with the errata
    overlay). A 200 body also carries campaignId, campaignStatus, agent and
    phoneNumber (the record "includes" them); an Error carries status and
    message, as every documented example does.
    """
    judge_each(
        ctx,
        lambda e: _schema_complaint(ctx, e),
        expected="a body valid under the documented schema for its status",
        title="a response body breaks its schema",
    )


def _is_error(exchange: Exchange) -> bool:
    return error_body(exchange) is not None


@check(
    id="error_status_matches_http",
    level=MUST,
    area="errors",
    cites=[ERROR_STATUS],
    final=True,
    schema_level=True,
)
def error_status_matches_http(ctx: Context) -> None:
    """An Error body's status equals the HTTP status of its response.

    Judges every error answer (4xx, 5xx) of the run whose body is a JSON object.
    """
    def verdict(e: Exchange) -> str | None:
        body = error_body(e)
        assert body is not None
        value = body.get("status", "(absent)")
        ok = value == e.status and type(value) is int
        return None if ok else f"HTTP {e.status} with Error.status {json.dumps(value)}"

    judge_each(ctx, verdict, expected="Error.status equal to the HTTP status",
               title="Error.status differs from the HTTP status", select=_is_error)


# Words that say "an error" without saying which: "Error" alone is no error type.
GENERIC_ERROR_WORDS = frozenset({"error", "exception", "failure", "fault"})
_TYPE_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[_.:-][A-Za-z0-9]+)*")


def _words(token: str) -> list[str]:
    """NOT_FOUND, NotFound, not-found and Not Found all give ["not", "found"]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", token)
    return [w for w in re.split(r"[\s_.:-]+", spaced.lower()) if w]


# Reason phrases RFC 9110 renamed: every registered name is the status's message.
OTHER_PHRASES = {
    413: ("Payload Too Large", "Content Too Large"),
    414: ("URI Too Long",),
    416: ("Range Not Satisfiable",),
    422: ("Unprocessable Content",),
}


def error_kind_complaint(value: Any, status: int) -> str | None:
    """Why ``value`` is neither the reason phrase of ``status`` nor an error type."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return None
    phrases = (phrase, *OTHER_PHRASES.get(status, ()))
    if isinstance(value, str) and any(_words(value) == _words(p) for p in phrases):
        return None  # the HTTP status message, in any case or spelling of its words
    if isinstance(value, str) and _TYPE_TOKEN.fullmatch(value):
        if set(_words(value)) - GENERIC_ERROR_WORDS:
            return None  # an error type: VALIDATION_ERROR, NOT_FOUND, ValidationError
        return (f"HTTP {status} with Error.error {json.dumps(value)}: a generic word, "
                f"neither {phrase!r} nor a type naming the kind of error")
    return f"HTTP {status} with Error.error {json.dumps(value)}, not {phrase!r} or an error type"


@check(
    id="error_reason_phrase_matches",
    level=SHOULD,
    area="errors",
    cites=[ERROR_PHRASE, Cite(f"{ERROR_EXAMPLE}/error", "Bad Request")],
    final=True,
    schema_level=True,
)
def error_reason_phrase_matches(ctx: Context) -> None:
    """An Error body's error is its status's reason phrase or an error type.

    400 "Bad Request", 404 "Not Found", ... (letter case, spaces and
    underscores aside), or one identifier naming the kind of error
    (VALIDATION_ERROR, NOT_FOUND; erratum error-type-or-status-message),
    for every error answer of the run; the bare word "Error" names none.
    """
    def verdict(e: Exchange) -> str | None:
        body = error_body(e)
        assert body is not None and e.status is not None
        return error_kind_complaint(body.get("error"), e.status)

    judge_each(ctx, verdict,
               expected="Error.error: the status's reason phrase or an error type",
               title="Error.error is neither the reason phrase nor an error type",
               select=_is_error)


@check(
    id="error_path_is_request_path",
    level=SHOULD,
    area="errors",
    cites=[ERROR_PATH, Cite(f"{ERROR_EXAMPLE}/path", "/v1/campaigns")],
    final=True,
    schema_level=True,
)
def error_path_is_request_path(ctx: Context) -> None:
    """An Error body's path is the path of the request it answers.

    The path as sent, percent-decoded, or encoded in between (Starlette
    re-encodes "?" and "#" and leaves "=" and "&"): the same path once decoded
    (erratum error-example-path), for every error answer of the run that
    carries a path.
    """
    def verdict(e: Exchange) -> str | None:
        body = error_body(e)
        assert body is not None
        if "path" not in body:
            return None
        value = body["path"]
        if value == e.path or (isinstance(value, str) and unquote(value) == unquote(e.path)):
            return None
        return f"request to {e.path} answered with Error.path {json.dumps(value)}"

    judge_each(ctx, verdict, expected="Error.path equal to the request path",
               title="Error.path is not the request path", select=_is_error)


def _single_field_probes(ctx: Context) -> list[tuple[str, dict[str, Any]]]:
    """(field, body) pairs, each body wrong in exactly that field."""
    future = {
        "isScheduled": True,
        "scheduledDate": f"{ctx.now().year + 2}-06-15",
        "scheduledTime": "12:00:00",
        "scheduledTimezone": "Europe/London",
    }
    return [
        ("campaignName", {"campaignName": ""}),
        ("sipPhoneNumber", {"sipPhoneNumber": "not a number"}),
        ("agentId", {"agentId": ""}),
        ("concurrentCalls", {"concurrentCalls": 0}),
        ("isScheduled", {"isScheduled": "yes"}),
        ("scheduledDate", {**future, "scheduledDate": "tomorrow"}),
        ("scheduledTime", {**future, "scheduledTime": "noon"}),
        ("scheduledTimezone", {**future, "scheduledTimezone": "Mars/Olympus"}),
        ("dynamicVariables", {"dynamicVariables": "customer_name=Michael"}),
    ]


def names_field(errors: dict[str, Any], field: str) -> bool:
    """Whether a key of validationErrors names ``field`` (also as body.field or body/field)."""
    for key in errors:
        if not isinstance(key, str):
            continue
        tokens = key.replace("/", ".").replace("[", ".").replace("]", "").split(".")
        if key == field or field in tokens:
            return True
    return False


@check(
    id="validation_errors_name_fields",
    level=SHOULD,
    area="errors",
    cites=[VALIDATION_ERRORS, Cite("/components/schemas/Error/properties/validationErrors/type",
                                   "object")],
    final=True,
    schema_level=True,
)
def validation_errors_name_fields(ctx: Context) -> None:
    """A 400 for a bad field carries validationErrors naming that field.

    Sends one bad field at a time (each documented field once); each 400
    must carry validationErrors, an object with a key naming the field.
    """
    def verdict(e: Exchange, field: str) -> str | None:
        errors = (error_body(e) or {}).get("validationErrors")
        if not isinstance(errors, dict):
            return f"400 for a bad {field} without a validationErrors object"
        if not names_field(errors, field):
            return f"400 for a bad {field}: validationErrors keys {sorted(map(str, errors))}"
        return None

    expected = "validationErrors with a key naming the bad field"
    title = "validationErrors does not name the bad field"
    probes = list(_single_field_probes(ctx))

    def judge(index: int, exchange: Exchange) -> None:
        if exchange.status == 400 and (what := verdict(exchange, probes[index][0])):
            ctx.fail(what, expected=expected, exchange=exchange, title=title)

    answers = send_each(ctx, [{"body": body} for _, body in probes], judge,
                        unanswered_fails=False)
    if not any(e.status == 400 for e in answers):
        ctx.not_exercised("no 400 to judge")


NULL_PROBES: tuple[dict[str, Any], ...] = (
    {"dynamicVariables": {"customer_name": None}},
    {"dynamicVariables": {"customer_name": {"nested": None}}},
    {"campaignName": None},
    {"isScheduled": True, "scheduledDate": None, "scheduledTime": None,
     "scheduledTimezone": None},
    {"concurrentCalls": 2**64},
    {"concurrentCalls": 1e300},
    {"isScheduled": True, "scheduledDate": "9999-12-31", "scheduledTime": "23:59:59",
     "scheduledTimezone": "Pacific/Kiritimati"},
    {"isScheduled": True, "scheduledDate": "0001-01-01", "scheduledTime": "00:00:00",
     "scheduledTimezone": "Pacific/Pago_Pago"},
)


@check(
    id="no_server_errors",
    level=MUST,
    area="responses",
    cites=[SERVER_ERROR, Cite(f"{OPERATION}/responses/500/description", "Internal Server Error")],
    final=True,
    schema_level=True,
)
def no_server_errors(ctx: Context) -> None:
    """No request of the run, however hostile, is answered with a 5xx.

    A 500 is documented, but as a fault: the suite sends nothing a correct
    server cannot answer. Sends the probe set, nulls and extreme values in
    fields, and every hostile payload (2 MiB, deep nesting, bad UTF-8, ...).
    """
    from strategies._hostile import hostile_payload_list

    def server_error(e: Exchange) -> str | None:
        if e.status is None or e.status < 500:
            return None
        return f"answered {e.status}" + (" to a hostile payload" if e.hostile else "")

    expected = "a status below 500 (a 4xx for what cannot be served)"
    title = "the target answered with a server error"

    def judge(_: int, exchange: Exchange) -> None:
        if (what := server_error(exchange)) is not None:
            ctx.fail(what, expected=expected, exchange=exchange, title=title)

    calls = [{"body": body} for body in NULL_PROBES] + [
        {"raw": payload.content, "content_type": payload.content_type, "hostile": True}
        for _, payload in hostile_payload_list()]
    send_each(ctx, calls, judge, unanswered_fails=False)
    judge_each(ctx, server_error, expected=expected, title=title, hostile=True)


@check(
    id="every_request_answered",
    level=MUST,
    area="responses",
    cites=[RESPONSES],
    final=True,
    schema_level=True,
)
def every_request_answered(ctx: Context) -> None:
    """Every request of the run gets a complete HTTP answer in time.

    Judges every request of the run: none may time out or lose its
    connection. Sends the probe set plus names with non-ASCII characters.
    """
    probe(ctx)
    _send(ctx, {"campaignName": "é中😀" * 43})
    pool = [e for e in ctx.client.exchanges if not e.superseded]
    offending = [(e, e.error) for e in pool if e.error is not None]
    report(ctx, offending, total=len(pool),
           expected="an HTTP response within the timeout",
           title="a request got no answer")
