"""Valid campaign names: as many code points as the contract allows, mixing ASCII,
multi-byte, astral and combining characters, with lengths often at the bounds."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from conformance._contract import Contract

from ._validation import check_bounds, check_contract

ASCII = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.&#")
MULTI_BYTE = st.sampled_from("éñüßøÅçЖжשعक中文日本한국ŁŻ€")
ASTRAL = st.sampled_from(["😀", "🚀", "📞", "𝔘", "𝕏", "𠀀", "🇺", "🏳"])
COMBINING = st.sampled_from(["\u0301", "\u0308", "\u0323", "\u20dd", "\u0338"])
# Characters JSON carries safely and that no reasonable server strips or
# rejects: no control characters, surrogates, private-use or unassigned code
# points, and no line/paragraph separators.
ANY_CHAR = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")
)

# Inner characters may be spaces; first and last ones are never whitespace,
# so trimming a name cannot change it.
_INNER = st.one_of(ASCII, st.just(" "), MULTI_BYTE, ASTRAL, COMBINING, ANY_CHAR)
_EDGE = st.one_of(
    ASCII,
    MULTI_BYTE,
    ASTRAL,
    st.characters(
        codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Zs", "Cf")
    ),
)


def name_lengths(min_size: int, max_size: int) -> st.SearchStrategy[int]:
    """Lengths in [min_size, max_size], often exactly one of the bounds."""
    return st.one_of(
        st.sampled_from(sorted({min_size, max_size})),
        st.integers(min_size, max_size),
    )


@st.composite
def names_of_lengths(draw: st.DrawFn, min_size: int, max_size: int) -> str:
    size = draw(name_lengths(min_size, max_size))
    if size == 1:
        return draw(_EDGE)
    inner = draw(st.lists(_INNER, min_size=size - 2, max_size=size - 2))
    return draw(_EDGE) + "".join(inner) + draw(_EDGE)


def name_bounds(contract: Contract) -> tuple[int, int]:
    """The lengths campaignName allows, in code points (at least 1: a name is seen)."""
    low, high = contract.field("campaignName").length_bounds
    if high is None:
        raise InvalidArgument("the contract sets no maxLength for campaignName")
    return max(low, 1), high


def campaign_names(
    *, min_size: int | None = None, max_size: int | None = None, contract: Contract | None = None
) -> st.SearchStrategy[str]:
    """Valid campaignName values: strings of min_size..max_size code points.

    Mixes ASCII, multi-byte (é, 中), astral-plane (😀, 𝔘) and combining
    characters, with spaces inside but never at either end.  Length is counted
    in code points, as JSON Schema counts it, and is often exactly min_size or
    max_size.  The bounds default to the contract's minLength and maxLength
    (1 and 128 in the published document) and must lie within them.
    """
    allowed = name_bounds(check_contract(contract))
    low = allowed[0] if min_size is None else min_size
    high = allowed[1] if max_size is None else max_size
    return names_of_lengths(*check_bounds("min_size", low, "max_size", high, allowed))
