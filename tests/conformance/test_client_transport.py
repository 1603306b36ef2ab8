"""Transport is never contract: the client judges what a response means, not its bytes.

Content codings are undone (within the body cap, bombs included), charset
parameters are honoured, and a request that met a kept-alive connection the
server had closed while idle is sent again once, on a fresh connection.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib

import brotli
import pytest
from misbehaving import API_KEY, MisbehavingServer, Request, answer, response_bytes

from conformance._client import BODY_CAP, Client
from conformance._codings import ACCEPT_ENCODING, BodyDecoder, DecodingFailed
from conformance._target import Fixtures, Limits, Secret, Target

BODY = {"campaignId": "camp_1", "campaignName": "Zoë 中文 😀", "concurrentCalls": 3}
RAW = json.dumps(BODY, ensure_ascii=False).encode("utf-8")


def make_target(base_url: str) -> Target:
    fixtures = Fixtures(campaign_id="camp_1", taken_campaign_name="Taken",
                        agent_ids=("agent_one",), phone_numbers=("+14155550100",))
    return Target(base_url=base_url, fixtures=fixtures, api_key=Secret(API_KEY),
                  limits=Limits(timeout=5))


def exchange_with(handler, *, times: int = 1):
    with MisbehavingServer(handler) as server:
        client = Client(make_target(server.base_url))
        try:
            exchanges = [client.send("camp_1", body={}) for _ in range(times)]
        finally:
            client.close()
    return exchanges, server


def raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


ENCODED = {
    "gzip": gzip.compress(RAW),
    "x-gzip": gzip.compress(RAW),
    "deflate": zlib.compress(RAW),
    "br": brotli.compress(RAW),
    "gzip, br": brotli.compress(gzip.compress(RAW)),
}


@pytest.mark.parametrize("coding", sorted(ENCODED))
def test_a_compressed_body_is_judged_decoded_and_recorded_as_received(coding):
    encoded = ENCODED[coding]
    (exchange,), server = exchange_with(
        answer(200, encoded, headers=(("Content-Encoding", coding),)))
    assert exchange.error is None
    assert exchange.json() == BODY
    assert exchange.response_headers["content-encoding"] == coding
    assert exchange.wire_length == len(encoded) and exchange.response_body == RAW
    assert server.requests[0].headers["accept-encoding"] == ACCEPT_ENCODING


def test_raw_deflate_some_servers_send_is_read_too():
    (exchange,), _ = exchange_with(
        answer(200, raw_deflate(RAW), headers=(("Content-Encoding", "deflate"),)))
    assert exchange.json() == BODY


@pytest.mark.parametrize("coding,pack", [("gzip", gzip.compress), ("br", brotli.compress),
                                         ("deflate", zlib.compress)])
def test_a_decompression_bomb_is_cut_at_the_cap(coding, pack):
    bomb = pack(b"[" + b" " * (64 * BODY_CAP))
    assert len(bomb) < BODY_CAP // 4
    (exchange,), _ = exchange_with(answer(200, bomb, headers=(("Content-Encoding", coding),)))
    assert exchange.error is None
    assert exchange.truncated and len(exchange.response_body) == BODY_CAP
    with pytest.raises(ValueError, match="not read in full"):
        exchange.json()


def test_the_decoder_never_inflates_past_the_cap():
    decoder = BodyDecoder("gzip", 1000)
    out = decoder.feed(gzip.compress(b"x" * 10_000_000))
    assert len(out) == 1001 and decoder.over_cap
    assert decoder.feed(b"more") == b""


@pytest.mark.parametrize("coding,body,reason", [
    ("gzip", gzip.compress(RAW, mtime=0)[:-12], "ends early"),
    ("gzip", b"not gzip at all", "gzip"),
    ("br", b"\xff" * 40, "br"),
    ("zstd", RAW, "was not offered"),
])
def test_a_body_not_in_its_coding_is_an_error_with_the_reason(coding, body, reason):
    (exchange,), _ = exchange_with(answer(200, body, headers=(("Content-Encoding", coding),)))
    assert exchange.error is not None and reason in exchange.error
    assert exchange.status == 200  # what did arrive stays on the record


def test_an_empty_body_is_empty_in_any_coding():
    (exchange,), _ = exchange_with(answer(401, b"", headers=(("Content-Encoding", "gzip"),)))
    assert exchange.error is None and exchange.status == 401 and exchange.response_body == b""


def test_an_unknown_coding_is_refused_up_front():
    with pytest.raises(DecodingFailed):
        BodyDecoder("compress", 10)


@pytest.mark.parametrize("content_type,encoding", [
    ("application/json; charset=utf-8", "utf-8"),
    ("application/json;charset=\"UTF-8\"", "utf-8"),
    ("application/json; charset=iso-8859-1", "iso-8859-1"),
    ("application/json; charset=no-such-charset", "utf-8"),
])
def test_charset_parameters_are_honoured(content_type, encoding):
    body = {"campaignName": "Zoë"}
    raw = json.dumps(body, ensure_ascii=False).encode(encoding)
    (exchange,), _ = exchange_with(answer(200, raw, content_type))
    assert exchange.json() == body


def chunked(pieces: list[bytes]) -> bytes:
    head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    return head + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"


def test_a_chunked_compressed_body_is_read_whole():
    encoded = gzip.compress(RAW)

    async def handle(request: Request, writer: asyncio.StreamWriter) -> bool:
        pieces = [encoded[i:i + 5] for i in range(0, len(encoded), 5)]
        data = chunked(pieces).replace(b"chunked\r\n", b"chunked\r\nContent-Encoding: gzip\r\n", 1)
        writer.write(data)
        await writer.drain()
        return True

    (exchange,), _ = exchange_with(handle)
    assert exchange.json() == BODY


class ClosesIdleConnections:
    """Answers the first request of each connection; any later one on the same
    connection finds it closed (the server's idle timeout won the race)."""

    def __init__(self, *, partial: bool = False) -> None:
        self.partial = partial
        self.connections: set[int] = set()

    async def __call__(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        if id(writer) in self.connections:
            if self.partial:  # an answer had begun: the request reached the server
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"cam")
                await writer.drain()
            return False
        self.connections.add(id(writer))
        writer.write(response_bytes(200, RAW))
        await writer.drain()
        return True


def test_a_kept_alive_connection_closed_while_idle_is_retried_once_on_a_fresh_one():
    exchanges, server = exchange_with(ClosesIdleConnections(), times=3)
    assert [e.status for e in exchanges] == [200, 200, 200]
    assert all(e.error is None for e in exchanges)
    assert [e.retries for e in exchanges] == [0, 1, 1]
    assert len(server.requests) == 5


def test_a_request_that_got_part_of_an_answer_is_never_sent_again():
    exchanges, server = exchange_with(ClosesIdleConnections(partial=True), times=2)
    assert exchanges[0].status == 200 and exchanges[0].error is None
    assert exchanges[1].error is not None and "mid-response" in exchanges[1].error
    assert exchanges[1].retries == 0
    assert len(server.requests) == 2


def test_a_fresh_connection_closed_without_an_answer_is_not_retried():
    async def close(request: Request, writer: asyncio.StreamWriter) -> bool:
        return False

    (exchange,), server = exchange_with(close)
    assert exchange.error is not None and exchange.retries == 0
    assert len(server.requests) == 1


def test_connection_close_on_every_answer_costs_nothing():
    (first, second), server = exchange_with(
        answer(200, RAW, headers=(("Connection", "close"),)), times=2)
    assert first.json() == second.json() == BODY
    assert first.retries == second.retries == 0


def test_raw_deflate_is_recognised_even_fed_a_byte_at_a_time():
    decoder = BodyDecoder("deflate", BODY_CAP)
    out = b"".join(decoder.feed(bytes([b])) for b in raw_deflate(RAW))
    decoder.finish()
    assert out == RAW


def test_a_cookie_an_answer_sets_is_never_sent_back():
    # Each request goes out as recorded (and as its curl line shows): a session
    # cookie kept between requests would, for one, authenticate a request sent
    # without the key.
    (first, second), server = exchange_with(
        answer(200, RAW, headers=(("Set-Cookie", "session=abc; Path=/"),)), times=2)
    assert first.status == second.status == 200
    assert [r.headers.get("cookie") for r in server.requests] == [None, None]
    assert "cookie" not in {name.lower() for name in second.request_headers}
