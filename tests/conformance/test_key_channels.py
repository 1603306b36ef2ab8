"""The key offered outside the X-API-Key header is sent as asked and never shown.

auth_key_only_in_header puts the real key in query strings, Authorization
headers and cookies; the recorded exchange, its URL and its curl line must
hold [redacted] instead, and the curl line must read the key from the
environment so it still reproduces the request.
"""

from __future__ import annotations

import os
import subprocess
from urllib.parse import unquote

import httpx
import pytest

from conformance._client import REDACTED, Client, Exchange, Redactor
from conformance._target import Fixtures, Secret, Target
from conformance.checks.auth import other_channels

KEY = "sk_live_Zq9+/key=&x"  # characters a query string must percent-encode
ENV = "CONFORMANCE_TEST_KEY"


def client_seeing(seen: list[httpx.Request], key: str = KEY) -> Client:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(401, headers={"content-type": "application/json"},
                              stream=httpx.ByteStream(b'{"status": 401}'))

    fixtures = Fixtures(campaign_id="camp_1", taken_campaign_name="Taken",
                        agent_ids=("agent_1",), phone_numbers=("+14155550100",))
    target = Target(base_url="http://127.0.0.1:9", fixtures=fixtures, api_key=Secret(key),
                    api_key_env=ENV)
    return Client(target, transport=httpx.MockTransport(answer))


def shown(exchange: Exchange) -> str:
    return " ".join([exchange.url, str(exchange.request_headers), exchange.curl(),
                     (exchange.request_body or b"").decode()])


@pytest.mark.parametrize(("what", "channel"), other_channels(KEY),
                         ids=[what for what, _ in other_channels(KEY)])
def test_every_channel_reaches_the_server_and_is_redacted(what: str, channel: dict) -> None:
    seen: list[httpx.Request] = []
    client = client_seeing(seen)
    exchange = client.send("camp_1", body={"concurrentCalls": 2}, api_key=None,
                           **channel)
    client.close()
    (request,) = seen
    assert "x-api-key" not in request.headers
    arrived = unquote(str(request.url) + " " + " ".join(request.headers.values()))
    assert KEY in arrived, what
    text = shown(exchange)
    assert KEY not in text
    assert "sk_live" not in text
    assert REDACTED in exchange.url + str(exchange.request_headers)


PLAIN_KEY = "sk_test_4f2a9c0d1e"  # a key a URL carries as it is


@pytest.mark.parametrize(
    ("channel", "expanded"),
    [({"query": {"api_key": PLAIN_KEY, "page": "1"}}, f"?api_key={PLAIN_KEY}&page=1"),
     ({"headers": {"Authorization": f"Bearer {PLAIN_KEY}"}}, f"Authorization: Bearer {PLAIN_KEY}"),
     ({"headers": {"Cookie": f"X-API-Key={PLAIN_KEY}"}}, f"Cookie: X-API-Key={PLAIN_KEY}")],
    ids=["query", "bearer", "cookie"],
)
def test_the_curl_line_reads_the_key_from_the_environment(channel: dict, expanded: str) -> None:
    client = client_seeing([], PLAIN_KEY)
    exchange = client.send("camp_1", body={}, api_key=None, **channel)
    client.close()
    line = exchange.curl()
    assert PLAIN_KEY not in line and f"${ENV}" in line
    # The shell expands the variable back into the very request that was sent.
    arguments = subprocess.run(
        ["bash", "-c", 'curl() { printf "%s\\n" "$@"; }; ' + line],
        capture_output=True, text=True, env={**os.environ, ENV: PLAIN_KEY}, check=True,
    ).stdout.splitlines()
    assert any(argument.endswith(expanded) for argument in arguments), arguments


def test_the_header_form_is_unchanged() -> None:
    client = client_seeing([])
    exchange = client.send("camp_1", body={})
    client.close()
    assert exchange.request_headers["X-API-Key"] == REDACTED
    assert f'-H "X-API-Key: ${ENV}"' in exchange.curl()


def test_a_short_key_is_redacted_where_it_stands_alone_not_inside_words() -> None:
    redact = Redactor("k")
    text = 'check: X-API-Key: k, "k", ?api_key=k&x=1'
    assert redact(text) == f'check: X-API-Key: {REDACTED}, "{REDACTED}", ?api_key={REDACTED}&x=1'
    assert redact.bytes(b"check k") == b"check " + REDACTED.encode()


def test_a_long_key_is_redacted_wherever_it_occurs() -> None:
    key = "sk_live_0123456789"
    assert Redactor(key)(f"x{key}x") == f"x{REDACTED}x"


def test_a_key_inside_a_body_of_megabytes_is_redacted_however_the_body_is_made() -> None:
    key, short = "sk_live_0123456789", "xyz"
    redact = Redactor(key, short)
    padding = b"x" * (2 * 1024 * 1024)
    assert redact.bytes(padding) == padding  # no byte of "sk_live_..." in it: one memchr
    body = padding + key.encode() + b" " + short.encode() + b" " + padding
    assert redact.bytes(body) == (padding + REDACTED.encode() + b" " + REDACTED.encode()
                                  + b" " + padding)
    assert Redactor("xxxxxxxx").bytes(b"x" * 100_000) == REDACTED.encode() * 12_500
