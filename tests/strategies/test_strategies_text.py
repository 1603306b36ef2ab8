"""Hostile-but-legal names and the equivalent ways JSON writes one value."""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis.errors import InvalidArgument

from strategies import CONTROL_CHARACTERS, HOSTILE_TEXTS, hostile_names, json_encodings

NEVER_IN_A_NAME = {"Cc", "Cs", "Co", "Cn", "Zl", "Zp"}


@pytest.mark.parametrize(("kind", "text"), HOSTILE_TEXTS, ids=[k for k, _ in HOSTILE_TEXTS])
def test_each_hostile_text_is_a_valid_name_without_controls(kind: str, text: str) -> None:
    assert 1 <= len(text) <= 100
    assert text == text.strip()
    assert not {unicodedata.category(c) for c in text} & NEVER_IN_A_NAME


def test_the_hostile_texts_cover_what_they_claim() -> None:
    joined = "".join(text for _, text in HOSTILE_TEXTS)
    categories = {unicodedata.category(c) for c in joined}
    assert {"Mn", "Cf", "So"} <= categories  # combining marks, joiners, emoji
    assert any(ord(c) > 0xFFFF for c in joined)  # astral plane
    assert any(unicodedata.bidirectional(c) in ("R", "AL") for c in joined)  # right-to-left
    assert "\u200d" in joined and '"' in joined and "\\" in joined and "<" in joined
    assert unicodedata.normalize("NFC", joined) != joined  # decomposed forms


def test_control_characters_are_all_controls() -> None:
    assert all(unicodedata.category(c) == "Cc" for _, c in CONTROL_CHARACTERS)
    assert "\x00" in {c for _, c in CONTROL_CHARACTERS}


@given(hostile_names(max_size=40))
def test_hostile_names_are_valid_names(name: str) -> None:
    assert 1 <= len(name) <= 40
    assert name == name.strip()
    assert not {unicodedata.category(c) for c in name} & NEVER_IN_A_NAME


@pytest.mark.parametrize("max_size", [0, 129, True, 2.0])
def test_hostile_names_refuse_bad_bounds(max_size: object) -> None:
    with pytest.raises(InvalidArgument):
        hostile_names(max_size=max_size)  # type: ignore[arg-type]


VALUE = {"campaignName": "a/é😀\"\\ \u200d", "concurrentCalls": 3,
         "dynamicVariables": {"k": [True, None, 1.5, {"n": "/"}]}}


def test_every_encoding_parses_to_the_same_value_and_differs_in_bytes() -> None:
    encodings = json_encodings(value=VALUE)
    assert [what for what, _ in encodings] == [
        "compact UTF-8",
        "insignificant whitespace around every token",
        "non-ASCII characters as \\u escapes",
        "every character of every key and string as a \\u escape",
        "the solidus escaped as \\/",
    ]
    contents = [raw.content for _, raw in encodings]
    assert len(set(contents)) == len(contents)
    for content in contents:
        assert json.loads(content) == VALUE


def test_the_encodings_are_what_they_say() -> None:
    forms = {what: raw.content for what, raw in json_encodings(value=VALUE)}
    assert forms["non-ASCII characters as \\u escapes"].isascii()
    assert b"\\ud83d\\ude00" in forms["non-ASCII characters as \\u escapes"]
    escaped = forms["every character of every key and string as a \\u escape"]
    assert b"campaignName" not in escaped and b"\\u0063\\u0061" in escaped
    assert b"\t" in forms["insignificant whitespace around every token"]
    assert b"\\/" in forms["the solidus escaped as \\/"]


def test_no_solidus_no_solidus_form() -> None:
    assert len(json_encodings(value={"concurrentCalls": 2})) == 4


def test_a_value_that_is_not_json_is_refused() -> None:
    with pytest.raises(InvalidArgument):
        json_encodings(value={"x": float("nan")})
