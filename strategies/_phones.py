"""Phone numbers for sipPhoneNumber: valid +E.164 strings, and strings that
break the contract's pattern (^\\+[1-9][0-9]{6,14}$ in the published
document) in one readable way each."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance._contract import Contract

from ._validation import check_bounds, check_contract


def digit_bounds(contract: Contract) -> tuple[int, int]:
    """(fewest, most) digits the contract's sipPhoneNumber pattern allows after '+'."""
    phone = contract.field("sipPhoneNumber")
    if phone.digits is None:
        raise InvalidArgument(f"sipPhoneNumber's pattern {phone.pattern!r} is not +E.164-shaped")
    return phone.digits


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


def e164_numbers(
    *,
    min_digits: int | None = None,
    max_digits: int | None = None,
    contract: Contract | None = None,
) -> st.SearchStrategy[str]:
    """Pattern-valid +E.164 numbers: '+', a digit 1-9, then more ASCII digits.

    The digit count (after '+') defaults to what the contract's pattern
    allows, 7 to 15 in the published document, and is often exactly one of
    the bounds; it must lie within the pattern's.  Nothing says the number
    is provisioned in any account.
    """
    allowed = digit_bounds(check_contract(contract))
    low = allowed[0] if min_digits is None else min_digits
    high = allowed[1] if max_digits is None else max_digits
    low, high = check_bounds("min_digits", low, "max_digits", high, allowed)
    return _digit_strings(low, high).map(lambda digits: "+" + digits)


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
    ("tel: prefix", lambda d, _: "tel:+" + d),
]


def _count_defects(fewest: int, most: int) -> list[tuple[str, _Defect]]:
    """Digit counts just outside [fewest, most], and further out."""
    def repeated(d: str, size: int) -> str:
        return "+" + (d * (size // len(d) + 1))[:size]

    return [
        (f"{fewest - 1} digits", lambda d, _: repeated(d, fewest - 1)),
        (f"{most + 1} digits", lambda d, _: repeated(d, most + 1)),
        ("too few digits", lambda d, i: repeated(d, 1 + i % (fewest - 1))),
        ("too many digits", lambda d, i: repeated(d, most + 1 + i % 9)),
    ]


@st.composite
def _mutated(draw: st.DrawFn, fewest: int, most: int) -> str:
    _, defect = draw(st.sampled_from(_DEFECTS + _count_defects(fewest, most)))
    digits = draw(_digit_strings(fewest, most))
    position = draw(st.integers(0, most))
    return defect(digits, position)


def invalid_e164_numbers(*, contract: Contract | None = None) -> st.SearchStrategy[str]:
    """Strings that do not fully match the contract's sipPhoneNumber pattern.

    Each example has one readable defect: no '+', a 0 after '+', a space,
    dash, dot or parentheses inside, one digit too few or too many (6 or 16
    in the published document), a letter, a non-ASCII digit (Arabic-Indic
    '٣', fullwidth '３'), a trailing newline, a leading or trailing space,
    '++', the empty string, or just '+'.
    """
    fewest, most = digit_bounds(check_contract(contract))
    if fewest < 2:
        raise InvalidArgument("the pattern allows a number of one digit: no count too small")
    return _mutated(fewest, most)
