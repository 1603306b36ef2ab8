"""Phone numbers for sipPhoneNumber: valid +E.164 strings, and strings that
break the pattern ^\\+[1-9][0-9]{6,14}$ in one readable way each."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

MIN_DIGITS = 7
MAX_DIGITS = 15


@st.composite
def _digit_strings(draw: st.DrawFn, min_digits: int, max_digits: int) -> str:
    count = draw(
        st.one_of(
            st.sampled_from(sorted({min_digits, max_digits})),
            st.integers(min_digits, max_digits),
        )
    )
    first = draw(st.sampled_from("123456789"))
    rest = draw(st.lists(st.sampled_from("0123456789"), min_size=count - 1, max_size=count - 1))
    return first + "".join(rest)


def e164_numbers() -> st.SearchStrategy[str]:
    """Pattern-valid +E.164 numbers: '+', a digit 1-9, then 6..14 ASCII digits.

    Digit counts are often exactly 7 or 15.  Nothing says the number is
    provisioned in any account.
    """
    return _digit_strings(MIN_DIGITS, MAX_DIGITS).map(lambda digits: "+" + digits)


# Each defect turns the digits of a valid number (without '+') and a position
# into an invalid string.
_Defect = Callable[[str, int], str]


def _insert(separator: str) -> _Defect:
    return lambda digits, i: "+" + digits[: 1 + i % (len(digits) - 1)] + separator + digits[
        1 + i % (len(digits) - 1) :
    ]


def _replace_digit(replacement: str) -> _Defect:
    def defect(digits: str, i: int) -> str:
        i %= len(digits)
        return "+" + digits[:i] + replacement + digits[i + 1 :]

    return defect


def _grouped(digits: str, _: int) -> str:
    country, area, rest = digits[:1], digits[1:4], digits[4:]
    return f"+{country} ({area}) {rest[:3]}-{rest[3:]}"


_DEFECTS: list[tuple[str, _Defect]] = [
    ("no plus", lambda d, _: d),
    ("leading zero", lambda d, _: "+0" + d[1:]),
    ("space inside", _insert(" ")),
    ("dash inside", _insert("-")),
    ("dot inside", _insert(".")),
    ("parentheses", _grouped),
    ("letter", _replace_digit("O")),
    ("arabic-indic digit", _replace_digit("\u0663")),  # ٣
    ("fullwidth digit", _replace_digit("\uff13")),  # ３
    ("extended arabic-indic digit", _replace_digit("\u06f3")),  # ۳
    ("trailing newline", lambda d, _: "+" + d + "\n"),
    ("leading space", lambda d, _: " +" + d),
    ("trailing space", lambda d, _: "+" + d + " "),
    ("double plus", lambda d, _: "++" + d),
    ("plus at end", lambda d, _: d + "+"),
]

_DEFECTS += [
    ("empty", lambda d, _: ""),
    ("plus only", lambda d, _: "+"),
    ("6 digits", lambda d, _: "+" + d[:6]),
    ("16 digits", lambda d, _: "+" + (d * 3)[:16]),
    ("too few digits", lambda d, i: "+" + d[: 1 + i % 6]),
    ("too many digits", lambda d, i: "+" + (d * 3)[: 16 + i % 9]),
    ("tel: prefix", lambda d, _: "tel:+" + d),
]


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    _, defect = draw(st.sampled_from(_DEFECTS))
    digits = draw(_digit_strings(MIN_DIGITS, MAX_DIGITS))
    position = draw(st.integers(0, MAX_DIGITS))
    return defect(digits, position)


def invalid_e164_numbers() -> st.SearchStrategy[str]:
    """Strings that do not fully match ^\\+[1-9][0-9]{6,14}$.

    Each example has one readable defect: no '+', a 0 after '+', a space,
    dash, dot or parentheses inside, 6 or 16 digits, a letter, a non-ASCII
    digit (Arabic-Indic '٣', fullwidth '３'), a trailing newline, a leading or
    trailing space, '++', the empty string, or just '+'.
    """
    return _mutated()
