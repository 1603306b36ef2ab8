"""Hostile request bodies: raw bytes no server should answer with a 5xx.

Each payload is built directly as bytes (once, on first use), not drawn
through Hypothesis, so even the 2 MiB one costs next to nothing.  Where a
payload carries data, it sits in the undocumented property "padding" or in
concurrentCalls, so a server that accepts it changes nothing important.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from hypothesis import strategies as st

from ._raw import RawBody

JSON = "application/json"
MIB = 1024 * 1024
DEPTH = 100_000
_SMALL = b'{"concurrentCalls": 2}'


def _big_object() -> RawBody:
    # 2 MiB of payload, plus the few bytes of JSON around it.
    return RawBody(b'{"padding": "' + b"x" * (2 * MIB) + b'"}', JSON)


def _deep_nesting() -> RawBody:
    return RawBody(b'{"padding": ' + b"[" * DEPTH + b"]" * DEPTH + b"}", JSON)


def _deep_objects() -> RawBody:
    return RawBody(b'{"padding": ' + b'{"a": ' * DEPTH + b"1" + b"}" * DEPTH + b"}", JSON)


def _long_key() -> RawBody:
    return RawBody(b'{"' + b"k" * (256 * 1024) + b'": 1}', JSON)


def _many_keys() -> RawBody:
    keys = b", ".join(b'"padding%d": %d' % (i, i) for i in range(10_000))
    return RawBody(b"{" + keys + b"}", JSON)


def _huge_integer() -> RawBody:
    # More digits than many parsers allow (CPython's default limit is 4300).
    return RawBody(b'{"concurrentCalls": 1' + b"0" * 5000 + b"}", JSON)


_FIXED: tuple[tuple[str, RawBody], ...] = (
    ("invalid UTF-8 in a string", RawBody(b'{"padding": "\xc3\x28\xff"}', JSON)),
    ("invalid UTF-8 in a key", RawBody(b'{"\xff\xfe": 1}', JSON)),
    ("truncated UTF-8 sequence", RawBody(b'{"padding": "\xe4\xb8"}', JSON)),
    ("UTF-8 byte order mark", RawBody(b"\xef\xbb\xbf" + _SMALL, JSON)),
    ("UTF-16 body", RawBody(_SMALL.decode().encode("utf-16"), JSON)),
    ("raw NUL byte in a string", RawBody(b'{"padding": "a\x00b"}', JSON)),
    ("escaped NUL in a string", RawBody(b'{"padding": "a\\u0000b"}', JSON)),
    ("NUL in a dynamic variable", RawBody(b'{"dynamicVariables": {"k": "\\u0000"}}', JSON)),
    ("NUL byte after the JSON", RawBody(_SMALL + b"\x00", JSON)),
    ("lone surrogate escape", RawBody(b'{"padding": "\\ud800"}', JSON)),
    ("duplicate keys", RawBody(b'{"concurrentCalls": 2, "concurrentCalls": 0}', JSON)),
    ("number overflowing a double", RawBody(b'{"concurrentCalls": 1e400}', JSON)),
    ("text/plain", RawBody(_SMALL, "text/plain")),
    ("application/xml", RawBody(_SMALL, "application/xml")),
    ("multipart/form-data without boundary", RawBody(_SMALL, "multipart/form-data")),
    ("form-urlencoded", RawBody(_SMALL, "application/x-www-form-urlencoded")),
    ("JSON with charset=utf-16", RawBody(_SMALL, "application/json; charset=utf-16")),
    ("malformed content type", RawBody(_SMALL, "application/json;;;=")),
)

_BUILT: tuple[tuple[str, Callable[[], RawBody]], ...] = (
    ("2 MiB JSON object", _big_object),
    ("arrays nested 100000 deep", _deep_nesting),
    ("objects nested 100000 deep", _deep_objects),
    ("256 KiB key", _long_key),
    ("10000 keys", _many_keys),
    ("5001-digit integer", _huge_integer),
)


@cache
def hostile_payload_list() -> tuple[tuple[str, RawBody], ...]:
    """Every hostile payload with a short description, built once."""
    return _FIXED + tuple((label, build()) for label, build in _BUILT)


def hostile_payloads() -> st.SearchStrategy[RawBody]:
    """RawBody values no server should answer with a 5xx.

    A 2 MiB JSON object, JSON nested 100000 levels deep, invalid UTF-8, a
    UTF-8 byte order mark, NUL bytes, duplicate keys, a 5001-digit integer,
    wrong content types (text/plain, application/xml, multipart/form-data,
    application/x-www-form-urlencoded) with JSON content, a 256 KiB key and
    10000 keys.  All of them are generated on first use and then reused.
    """
    labels = [label for label, _ in _FIXED] + [label for label, _ in _BUILT]
    return st.sampled_from(range(len(labels))).map(lambda i: hostile_payload_list()[i][1])
