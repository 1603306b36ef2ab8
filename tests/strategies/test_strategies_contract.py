"""Strategies follow the contract they are given: a model with other bounds and
another phone pattern changes what they generate, judged by the oracle reading
that same model."""

import pytest
from campaign_oracle import NOW, PUBLISHED, QUICK, REACH, violations
from hypothesis import find, given
from hypothesis.errors import InvalidArgument

from strategies import (
    campaign_names,
    concurrent_calls,
    e164_numbers,
    invalid_bodies,
    invalid_e164_numbers,
    update_bodies,
)

EDITED = PUBLISHED.with_fields(
    campaignName={"max_length": 40},
    agentId={"min_length": 3, "max_length": 50},
    sipPhoneNumber={"pattern": r"^\+[1-9][0-9]{6,10}$"},
    concurrentCalls={"maximum": 500},
)
ACCOUNT = {"agent_ids": ["agent_1", "x" * 50], "phone_numbers": ["+14155552671"], "now": NOW}


@QUICK
@given(campaign_names(contract=EDITED))
def test_names_keep_the_edited_length(name):
    assert 1 <= len(name) <= 40


def test_names_reach_the_edited_maximum_and_no_further():
    find(campaign_names(contract=EDITED), lambda name: len(name) == 40, settings=REACH)
    with pytest.raises(InvalidArgument):
        campaign_names(contract=EDITED, max_size=41)


@QUICK
@given(e164_numbers(contract=EDITED))
def test_numbers_keep_the_edited_digit_count(number):
    assert 7 <= len(number) - 1 <= 11
    assert violations({"sipPhoneNumber": number}, phone_numbers=(number,), contract=EDITED) == set()


def test_invalid_numbers_reach_one_digit_past_the_edited_pattern():
    find(invalid_e164_numbers(contract=EDITED),
         lambda n: n[1:].isdigit() and len(n) - 1 == 12, settings=REACH)


@QUICK
@given(concurrent_calls(contract=EDITED))
def test_concurrent_calls_keep_the_edited_maximum(value):
    assert 1 <= value <= 500


@QUICK
@given(update_bodies(**ACCOUNT, contract=EDITED))
def test_valid_bodies_are_valid_under_the_edited_contract(body):
    assert violations(body, agent_ids=tuple(ACCOUNT["agent_ids"]),
                      phone_numbers=tuple(ACCOUNT["phone_numbers"]), contract=EDITED) == set()


@pytest.mark.parametrize(
    ("rule", "condition"),
    [
        ("name_too_long_rejected", lambda e: len(e.body["campaignName"]) == 41),
        ("agent_id_length_enforced", lambda e: len(e.body["agentId"]) == 51),
        ("agent_id_length_enforced", lambda e: len(e.body["agentId"]) == 2),
        ("concurrent_calls_range_enforced", lambda e: e.body["concurrentCalls"] == 501),
        ("phone_pattern_enforced", lambda e: len(e.body["sipPhoneNumber"]) == 13),
    ],
)
def test_invalid_bodies_break_the_edited_bounds(rule, condition):
    found = find(invalid_bodies(**ACCOUNT, rules=[rule], contract=EDITED), condition,
                 settings=REACH)
    assert violations(found.body, agent_ids=tuple(ACCOUNT["agent_ids"]),
                      phone_numbers=tuple(ACCOUNT["phone_numbers"]), contract=EDITED) == {rule}


@QUICK
@given(invalid_bodies(**ACCOUNT, contract=EDITED))
def test_every_invalid_body_breaks_its_rule_under_the_edited_contract(example):
    assert violations(example.body, agent_ids=tuple(ACCOUNT["agent_ids"]),
                      phone_numbers=tuple(ACCOUNT["phone_numbers"]),
                      contract=EDITED) == {example.rule}


def test_an_account_outside_the_edited_bounds_is_refused_at_definition():
    with pytest.raises(InvalidArgument):
        update_bodies(agent_ids=["x" * 51], phone_numbers=[], now=NOW, contract=EDITED)
    with pytest.raises(InvalidArgument):
        update_bodies(agent_ids=[], phone_numbers=["+123456789012"], now=NOW, contract=EDITED)
    with pytest.raises(InvalidArgument):
        campaign_names(contract="the published one")
