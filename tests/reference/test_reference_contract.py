"""The reference reads its limits from the contract it serves, and a mutant's
fault is a shift of the contract's limit, so it follows an edited contract too."""

from dataclasses import replace

import pytest

from conformance._operation import UPDATE_CAMPAIGN
from reference import MUTANTS, Invalid, Rules, load_world
from reference._rules import Limit

PUBLISHED = UPDATE_CAMPAIGN.contract


EDITED = PUBLISHED.with_fields(
    campaignName={"max_length": 40},
    agentId={"max_length": 50},
    sipPhoneNumber={"pattern": r"^\+[1-9][0-9]{6,12}$"},
    concurrentCalls={"maximum": 500},
)


@pytest.fixture(scope="module")
def world():
    return load_world()


def test_limits_are_read_from_the_published_contract(world):
    rules = Rules(world)
    assert (rules.NAME_MIN, rules.NAME_MAX) == PUBLISHED.field("campaignName").length_bounds
    assert (rules.AGENT_ID_MIN, rules.AGENT_ID_MAX) == PUBLISHED.field("agentId").length_bounds
    assert (rules.CONCURRENT_MIN, rules.CONCURRENT_MAX) == (1, 2**31 - 1)
    assert rules.API_KEY_HEADER == "x-api-key" and rules.ALLOWED_METHODS == ("PATCH",)
    assert isinstance(Rules.NAME_MAX, Limit)


def test_the_reference_follows_an_edited_contract(world):
    rules = Rules(world, contract=EDITED)
    assert rules.clean_campaign_name("é" * 40) == "é" * 40
    for clean, value in [
        (rules.clean_campaign_name, "é" * 41),
        (rules.clean_agent_id, "a" * 51),
        (rules.clean_sip_phone_number, "+12345678901234"),
        (rules.clean_concurrent_calls, 501),
    ]:
        with pytest.raises(Invalid):
            clean(value)
    assert rules.clean_sip_phone_number("+1234567890123") == "+1234567890123"


@pytest.mark.parametrize(
    ("mutant", "accepted"),
    [
        ("name_max_129", ("clean_campaign_name", "x" * 41)),
        ("agent_id_max_65", ("clean_agent_id", "a" * 51)),
        ("concurrent_calls_int32_overflow_accepted", ("clean_concurrent_calls", 501)),
        ("phone_16_digits_accepted", ("clean_sip_phone_number", "+12345678901234")),
    ],
)
def test_a_mutant_shifts_the_limit_of_the_contract_it_serves(world, mutant, accepted):
    method, value = accepted
    assert getattr(MUTANTS[mutant].rules(world, contract=EDITED), method)(value) == value
    with pytest.raises(Invalid):
        getattr(Rules(world, contract=EDITED), method)(value)


def test_a_contract_field_the_reference_does_not_implement_stops_it(world):
    fields = {**PUBLISHED.fields, "priority": replace(PUBLISHED.field("concurrentCalls"),
                                                      name="priority")}
    with pytest.raises(ValueError, match="priority"):
        Rules(world, contract=replace(PUBLISHED, fields=fields))
