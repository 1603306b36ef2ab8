"""e164_numbers() and invalid_e164_numbers()."""

import re

import pytest
from campaign_oracle import QUICK, REACH, violations
from hypothesis import find, given

from strategies import e164_numbers, invalid_e164_numbers

PATTERN = re.compile(r"\+[1-9][0-9]{6,14}")


@QUICK
@given(e164_numbers())
def test_valid_numbers_match(number):
    assert PATTERN.fullmatch(number)
    assert violations({"sipPhoneNumber": number}, phone_numbers=(number,)) == set()


@pytest.mark.parametrize("digits", [7, 15])
def test_valid_numbers_reach_the_bounds(digits):
    find(e164_numbers(), lambda n: len(n) == digits + 1, settings=REACH)


@QUICK
@given(invalid_e164_numbers())
def test_invalid_numbers_break_the_pattern(number):
    assert isinstance(number, str)
    assert not PATTERN.fullmatch(number)
    assert violations({"sipPhoneNumber": number}) == {"phone_pattern_enforced"}


@pytest.mark.parametrize(
    "condition",
    [
        lambda n: n == "",
        lambda n: n == "+",
        lambda n: n[:1].isdigit(),
        lambda n: n.startswith("+0"),
        lambda n: " " in n.strip(),
        lambda n: "-" in n,
        lambda n: "." in n,
        lambda n: "(" in n,
        lambda n: n.startswith("+") and n[1:].isascii() and n[1:].isdigit() and len(n) == 7,
        lambda n: n.startswith("+") and n[1:].isascii() and n[1:].isdigit() and len(n) == 17,
        lambda n: any(c.isalpha() for c in n),
        lambda n: "\u0663" in n,
        lambda n: "\uff13" in n,
        lambda n: n.endswith("\n"),
        lambda n: n.startswith(" "),
        lambda n: n.endswith(" "),
        lambda n: n.startswith("++"),
    ],
    ids=[
        "empty", "plus only", "no plus", "leading zero", "space", "dash", "dot", "parentheses",
        "6 digits", "16 digits", "letter", "arabic-indic", "fullwidth", "newline",
        "leading space", "trailing space", "double plus",
    ],
)
def test_invalid_numbers_reach(condition):
    find(invalid_e164_numbers(), condition, settings=REACH)
