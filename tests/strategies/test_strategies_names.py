"""campaign_names(): valid names, lengths in code points, boundaries reached."""

import unicodedata

import pytest
from campaign_oracle import QUICK, REACH, json_round_trips, violations
from hypothesis import find, given
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from strategies import campaign_names


@QUICK
@given(campaign_names())
def test_names_are_valid(name):
    assert 1 <= len(name) <= 128
    assert violations({"campaignName": name}) == set()
    assert json_round_trips(name)
    assert not name[0].isspace() and not name[-1].isspace()


@QUICK
@given(st.data(), st.integers(1, 128), st.integers(0, 127))
def test_sizes_are_respected(data, low, extra):
    high = min(128, low + extra)
    name = data.draw(campaign_names(min_size=low, max_size=high))
    assert low <= len(name) <= high


@pytest.mark.parametrize(
    "condition",
    [
        lambda name: len(name) == 1,
        lambda name: len(name) == 128,
        lambda name: any(ord(c) > 0xFFFF for c in name),  # astral plane
        lambda name: any(0x80 <= ord(c) <= 0xFFFF for c in name),  # multi-byte
        lambda name: any(unicodedata.combining(c) for c in name),
        lambda name: " " in name,
    ],
    ids=["min", "max", "astral", "multi-byte", "combining", "inner space"],
)
def test_reaches(condition):
    find(campaign_names(), condition, settings=REACH)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"min_size": 0},
        {"max_size": 129},
        {"min_size": 10, "max_size": 9},
        {"min_size": "1"},
        {"max_size": True},
    ],
)
def test_bad_arguments_raise_at_definition(kwargs):
    with pytest.raises(InvalidArgument):
        campaign_names(**kwargs)
