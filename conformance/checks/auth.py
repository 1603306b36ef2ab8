"""Authentication: the X-API-Key header, checked before anything else."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .._catalogue import MUST, SHOULD, Cite, check
from .._client import Exchange
from .._context import Context
from ._cites import OPERATION
from ._probing import (
    Probe,
    changed_fields,
    expect_unchanged,
    refuse_each,
    send_each,
    visible_change,
)

SECURITY = Cite(
    "/components/securitySchemes/apiKeyAuth/description",
    "Authenticate every request by passing your API key in the `X-API-Key` header.",
)
UNAUTHORIZED = Cite(
    f"{OPERATION}/responses/401/content/application~1json"
    "/examples/default/value/message",
    "X-API-Key is missing or invalid",
)
FORBIDDEN = Cite(f"{OPERATION}/responses/403/description", "Forbidden")
NOT_FOUND = Cite(f"{OPERATION}/responses/404/description", "Not Found")

WRONG_KEYS = (
    "not-a-real-key",
    "x",
    "Bearer not-a-real-key",
    "0000000000000000000000000000000000000000",
)


def _wrong_keys(ctx: Context) -> list[str]:
    """Keys that must not authenticate: invented ones and near misses of the real key."""
    real = str(ctx.target.api_key)
    near = [real + "x", real[:-1], real.swapcase() if real.swapcase() != real else real + "X"]
    return [k for k in (*WRONG_KEYS, *near) if k and k != real and k.isprintable()]


@check(
    id="auth_missing_key_is_401",
    level=MUST,
    area="auth",
    cites=[SECURITY, UNAUTHORIZED],
    schema_level=True,
)
def auth_missing_key_is_401(ctx: Context) -> None:
    """A request without X-API-Key is answered 401 with an Error body.

    Sends an empty update and a valid name change without the header; the
    campaign must stay as it was.
    """
    before = ctx.state()
    refuse_each(ctx, [("no X-API-Key header", {"body": body, "api_key": None}, {401})
                      for body in ({}, {"concurrentCalls": 7})])
    after = ctx.state()
    if changed_fields(before, after):
        ctx.fail(
            "the campaign changed",
            expected="an unauthenticated update changes nothing",
            title="a request without a key changed the campaign",
        )


@check(
    id="auth_wrong_key_is_401",
    level=MUST,
    area="auth",
    cites=[SECURITY, UNAUTHORIZED],
    schema_level=True,
)
def auth_wrong_key_is_401(ctx: Context) -> None:
    """A request with an unknown X-API-Key is answered 401.

    Sends updates with invented keys, an empty key, and near misses of the
    real key (one character more or less, case swapped).
    """
    refuse_each(ctx, [("an X-API-Key that is not a key",
                       {"body": {"concurrentCalls": 3}, "api_key": key}, {401})
                      for key in ["", *_wrong_keys(ctx)]])


@check(
    id="auth_checked_before_validation",
    level=MUST,
    area="auth",
    cites=[SECURITY, UNAUTHORIZED],
)
def auth_checked_before_validation(ctx: Context) -> None:
    """The key is judged before the body's values or the campaign id.

    Every request is to be authenticated (erratum refusal-precedence).
    Without a key and with a wrong one, sends an empty campaignName, an
    unknown agent, and an empty update of an unknown campaign id: each is
    401, not 400 or 404, and the campaign does not change.
    """
    unknown_id = "camp_does_not_exist_0000"
    sent: list[tuple[str, dict[str, Any]]] = [
        ("an empty campaignName", {"body": {"campaignName": ""}}),
        ("an unknown agent", {"body": {"agentId": "agent_does_not_exist_0000"}}),
        ("an unknown campaign id", {"body": {}, "campaign_id": unknown_id}),
    ]
    before = ctx.state()
    refuse_each(ctx, _without_a_valid_key(sent))
    expect_unchanged(ctx, before, what="requests without a valid key")


@check(
    id="auth_checked_before_parsing",
    level=SHOULD,
    area="auth",
    cites=[SECURITY, UNAUTHORIZED],
)
def auth_checked_before_parsing(ctx: Context) -> None:
    """The key is judged before the body is parsed.

    Without a key and with a wrong one, sends malformed JSON and a JSON
    array: each should be 401. A JSON parser mounted for the whole app
    (Express's) refuses such a body with 400 before the key is looked at,
    which the model allows (erratum refusal-precedence): a SHOULD.
    """
    sent: list[tuple[str, dict[str, Any]]] = [
        ("malformed JSON", {"raw": b"{not json"}),
        ("a JSON array", {"body": []}),
    ]
    refuse_each(ctx, _without_a_valid_key(sent))


def _without_a_valid_key(sent: list[tuple[str, dict[str, Any]]]) -> list[Probe]:
    """Each request of `sent` without a key and with a wrong one: 401 for each."""
    return [(f"{'no key' if key is None else 'a wrong key'} and {what}",
             {**call, "api_key": key}, {401})
            for key in (None, "not-a-real-key") for what, call in sent]


@check(
    id="auth_header_name_case_insensitive",
    level=MUST,
    area="auth",
    cites=[
        SECURITY,
        Cite("/components/securitySchemes/apiKeyAuth/name", "X-API-Key"),
    ],
)
def auth_header_name_case_insensitive(ctx: Context) -> None:
    """The key is accepted whatever the case of the header name.

    Header names are case-insensitive (RFC 9110, section 5.1). Sends an
    empty update with the header spelled x-api-key, X-API-KEY and X-Api-Key.
    """
    key = str(ctx.target.api_key)
    names = ("x-api-key", "X-API-KEY", "X-Api-Key")

    def accepted(index: int, exchange: Exchange) -> None:
        ctx.expect_ok(exchange, sent=f"the key in a header named {names[index]}")

    send_each(ctx, [{"body": {}, "api_key": None, "headers": {name: key}} for name in names],
              accepted)


@check(
    id="foreign_campaign_refused",
    level=MUST,
    area="auth",
    cites=[FORBIDDEN, NOT_FOUND],
    needs=("foreign_campaign_id",),
)
def foreign_campaign_refused(ctx: Context) -> None:
    """Another account's campaign cannot be updated: 403 or 404.

    Sends an empty update and a concurrentCalls change to the foreign
    campaign with this account's key.
    """
    foreign = ctx.fixtures.foreign_campaign_id
    assert foreign is not None
    refuse_each(ctx, [("another account's campaign id",
                       {"body": body, "campaign_id": foreign}, {403, 404})
                      for body in ({}, {"concurrentCalls": 2})])


@check(
    id="api_key_not_echoed",
    level=SHOULD,
    area="auth",
    cites=[SECURITY],
    final=True,
    schema_level=True,
)
def api_key_not_echoed(ctx: Context) -> None:
    """No response carries the API key, in its headers or its body.

    Looks at every response of the run, hostile requests included, after
    the probe set of the response checks and an invalid number of its own.
    """
    # Imported here: a module-level import would register the response checks
    # ahead of these in the catalogue.
    from .responses import judge_each

    key = str(ctx.target.api_key)

    def verdict(exchange: Exchange) -> str | None:
        in_headers = any(key in value for value in exchange.response_headers.values())
        if in_headers or key.encode() in exchange.response_body:
            return f"{exchange.status} answer contains the key"
        return None

    ctx.patch({"sipPhoneNumber": "not a number"})
    judge_each(ctx, verdict, expected="no response echoes X-API-Key",
               title="a response echoes the API key", hostile=True)


# ---------------------------------------------------------------- other channels

IN_HEADER = Cite("/components/securitySchemes/apiKeyAuth/in", "header")
KEY_HEADER_ONLY = Cite("/tags/12/description",
                       "Each key must be included in the X-API-Key request header.")


def other_channels(key: str) -> list[tuple[str, dict[str, Any]]]:
    """Ways to offer the key other than the X-API-Key header: (what, patch arguments)."""
    channels: list[tuple[str, dict[str, Any]]] = [
        (f"the key in the query parameter {name}", {"query": {name: key}})
        for name in ("api_key", "apiKey", "X-API-Key", "x-api-key", "key", "token")
    ]
    for scheme in ("Bearer", "ApiKey", "Api-Key", "Token"):
        channels.append((f"the key as Authorization: {scheme}",
                         {"headers": {"Authorization": f"{scheme} {key}"}}))
    channels.append(("the key as the whole Authorization header",
                     {"headers": {"Authorization": key}}))
    for cookie in ("X-API-Key", "api_key", "apiKey"):
        channels.append((f"the key in a cookie named {cookie}",
                         {"headers": {"Cookie": f"{cookie}={quote(key, safe='')}"}}))
    return channels


@check(
    id="auth_key_only_in_header",
    level=MUST,
    area="auth",
    cites=[IN_HEADER, KEY_HEADER_ONLY, UNAUTHORIZED],
)
def auth_key_only_in_header(ctx: Context) -> None:
    """The key offered anywhere but the X-API-Key header is answered 401.

    The security scheme is an API key in the header X-API-Key. Without that
    header, sends a valid concurrentCalls change with the real key in query
    parameters (api_key, apiKey, X-API-Key ...), in Authorization (Bearer,
    ApiKey, Token, bare) and in cookies; each must be 401 and the campaign
    must not change. (Basic is not tried: its encoded key could not be
    redacted from the record.)
    """
    before = ctx.state()
    change = visible_change(before)
    refuse_each(ctx, [(f"{what}, no X-API-Key header",
                       {"body": change, "api_key": None, **channel}, {401})
                      for what, channel in other_channels(str(ctx.target.api_key))])
    expect_unchanged(ctx, before, what="keys offered outside the X-API-Key header")
