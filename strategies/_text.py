"""Hostile-but-legal text: JSON strings a careful server stores and returns as sent.

Names built from the pieces real stores, templates and escapers trip over:
combining marks, right-to-left scripts, astral-plane characters and emoji
sequences joined with zero-width joiners, quotes and backslashes, HTML- and
SQL-looking text. None holds a control character, a surrogate, a private-use
or unassigned code point, or whitespace at either end (erratum
campaign-name-control-characters); control characters are kept apart in
:data:`CONTROL_CHARACTERS`. And :func:`json_encodings`: the ways JSON writes
one value (whitespace, \\u escapes), each of which means the same.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance._contract import Contract

from ._names import name_bounds
from ._raw import RawBody
from ._validation import check_contract, check_int

# (what it is, the text). Each is a valid campaignName on its own.
HOSTILE_TEXTS: tuple[tuple[str, str], ...] = (
    ("combining marks (decomposed é, stacked marks)", "Cafe\u0301 Z\u0351\u0307a\u0334\u0323lgo"),
    ("precomposed and decomposed forms side by side",
     "\u00e9 e\u0301 \u00c5 A\u030a \u1e69 s\u0323\u0307"),
    ("right-to-left text (Hebrew, Arabic) with a mark", "קמפיין \u200fحملة 2024"),
    ("right-to-left then left-to-right", "שלום Outreach مرحبا"),
    ("astral-plane letters", "\U0001d518\U0001d52b\U0001d526 \U00020000\U0002a6d6"),
    ("emoji", "📞 Outreach 🚀 😀"),
    ("emoji joined with zero-width joiners",
     "👩\u200d💻 👨\u200d👩\u200d👧\u200d👦 🏳\ufe0f\u200d🌈"),
    ("flags and skin tones", "🇺🇸🇮🇳 👍🏽 👋🏿"),
    ("zero-width characters inside words", "Out\u200breach\u200c Cam\u2060paign\ufeffQ4"),
    ("double quotes", 'The "Q4" Campaign ""'),
    ("single quotes and backticks", "O'Brien's `Q4` 'push'"),
    ("backslashes", "C:\\campaigns\\new \\n \\u0041 \\\\"),
    ("a JSON-looking string", '{"campaignName": "x", "a": [1, "\\""]}'),
    ("HTML markup", "<script>alert('x')</script><b>Q4</b>"),
    ("HTML entities", "&lt;b&gt; &amp;amp; &#39; &quot;"),
    ("SQL-looking text", "Robert'); DROP TABLE campaigns;--"),
    ("SQL comparison injection", "' OR '1'='1' /* x */"),
    ("template and shell syntax", "{{7*7}} ${7*7} $(id) %s %n"),
    ("URL- and path-looking text", "../../etc/passwd?a=1&b=%00#frag"),
)

# Control characters: legal in a JSON string (escaped), refused by many stores.
CONTROL_CHARACTERS: tuple[tuple[str, str], ...] = (
    ("U+0000 (NUL)", "\x00"),
    ("U+0009 (tab)", "\t"),
    ("U+000A (line feed)", "\n"),
    ("U+000D (carriage return)", "\r"),
    ("U+001B (escape)", "\x1b"),
    ("U+007F (delete)", "\x7f"),
    ("U+0085 (next line)", "\x85"),
)

_PIECES = st.sampled_from([text for _, text in HOSTILE_TEXTS])
_CUT = st.sampled_from(["", " ", "-", "·"])


@st.composite
def _mixed(draw: st.DrawFn, max_size: int) -> str:
    parts = draw(st.lists(st.tuples(_PIECES, _CUT), min_size=1, max_size=3))
    text = "".join(piece + cut for piece, cut in parts).strip()
    # Cut in code points, never leaving whitespace or a lone joiner at the end.
    text = text[:max_size].rstrip().rstrip("\u200d")
    return text or "Q"


def hostile_names(
    *, max_size: int | None = None, contract: Contract | None = None
) -> st.SearchStrategy[str]:
    """Valid campaignName values made of hostile-but-legal pieces.

    Mixes of :data:`HOSTILE_TEXTS` (combining marks, right-to-left text,
    emoji with zero-width joiners, quotes, backslashes, HTML and SQL) of at
    most ``max_size`` code points, never with whitespace at either end.
    ``max_size`` is between 1 and the contract's maxLength (its default).
    """
    longest = name_bounds(check_contract(contract))[1]
    if max_size is None:
        max_size = longest
    check_int("max_size", max_size)
    if not 1 <= max_size <= longest:
        raise InvalidArgument(f"need 1 <= max_size <= {longest}, got max_size={max_size}")
    return _mixed(max_size)


def _escaped(text: str) -> str:
    """A JSON string literal with every character a \\u escape (astral: surrogate pairs)."""
    units = text.encode("utf-16-be")
    return '"' + "".join(f"\\u{units[i]:02x}{units[i + 1]:02x}"
                         for i in range(0, len(units), 2)) + '"'


def _all_escaped(value: Any) -> str:
    if isinstance(value, str):
        return _escaped(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_escaped(k)}:{_all_escaped(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_all_escaped(v) for v in value) + "]"
    return json.dumps(value)


def json_encodings(*, value: Any) -> tuple[tuple[str, RawBody], ...]:
    """The same JSON value written in each way RFC 8259 allows, as (what, RawBody).

    Compact UTF-8; insignificant whitespace (space, tab, CR, LF) around every
    token and around the whole text (section 2); non-ASCII characters as
    \\u escapes, astral ones as surrogate pairs (section 7); every character
    of every key and string as a \\u escape; the solidus as \\/ where a string
    holds one. Each parses to ``value``. ``value`` must be JSON-serialisable.
    """
    try:
        compact = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise InvalidArgument(f"value={value!r} is not a JSON value: {exc}") from None
    spaced = json.dumps(value, ensure_ascii=False, indent="\t",
                        separators=(" \r\n,\t ", " :\n "))
    forms = [
        ("compact UTF-8", compact),
        ("insignificant whitespace around every token", "\r\n \t" + spaced + " \n\t\r\n"),
        ("non-ASCII characters as \\u escapes",
         json.dumps(value, ensure_ascii=True, separators=(",", ":"))),
        ("every character of every key and string as a \\u escape", _all_escaped(value)),
    ]
    if "/" in compact:
        forms.append(("the solidus escaped as \\/", compact.replace("/", "\\/")))
    return tuple((what, RawBody(text.encode("utf-8"))) for what, text in forms)
