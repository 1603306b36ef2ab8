"""hostile_payloads(): raw bodies, cheap to draw, each hostile in its own way."""

import json
import time

import pytest
from campaign_oracle import QUICK, REACH
from hypothesis import find, given

from strategies import RawBody, hostile_payloads
from strategies._hostile import DEPTH, MIB, hostile_payload_list

PAYLOADS = dict(hostile_payload_list())


@QUICK
@given(hostile_payloads())
def test_payloads_are_raw_bodies(payload):
    assert isinstance(payload, RawBody)
    assert payload.content
    assert len(repr(payload)) < 200  # readable even for 2 MiB


def test_drawing_is_cheap():
    # The CPU time of this process, which other processes' load does not stretch.
    started = time.process_time()
    find(hostile_payloads(), lambda p: len(p.content) > 2 * MIB, settings=REACH)
    assert time.process_time() - started < 5


def _utf8(content):
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize(
    "condition",
    [
        lambda p: len(p.content) >= 2 * MIB and p.content_type == "application/json",
        lambda p: p.content.count(b"[") >= DEPTH,
        lambda p: p.content.count(b"{") >= DEPTH,
        lambda p: not _utf8(p.content),
        lambda p: p.content.startswith(b"\xef\xbb\xbf"),
        lambda p: b"\x00" in p.content,
        lambda p: b"\\u0000" in p.content,
        lambda p: p.content_type == "text/plain",
        lambda p: p.content_type == "application/xml",
        lambda p: p.content_type == "multipart/form-data",
        lambda p: p.content_type == "application/x-www-form-urlencoded",
        lambda p: max(len(key) for key in json.loads(p.content)) >= 100_000
        if p.content.startswith(b'{"k') else False,
        lambda p: p.content.startswith(b'{"padding0"') and len(json.loads(p.content)) == 10_000,
    ],
    ids=["2 MiB", "deep arrays", "deep objects", "invalid UTF-8", "BOM", "NUL", "escaped NUL",
         "text/plain", "xml", "multipart", "form", "long key", "10000 keys"],
)
def test_payloads_include(condition):
    assert any(condition(payload) for payload in PAYLOADS.values())
    find(hostile_payloads(), condition, settings=REACH)
