"""Fixture loading: the default world, fresh copies, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference import FixtureError, load_world
from reference._world import DEFAULT_FIXTURES

EXPECTED_TARGET_KEYS = {
    "campaign_id",
    "taken_campaign_name",
    "agent_ids",
    "phone_numbers",
    "foreign_campaign_id",
    "foreign_agent_id",
    "foreign_phone_number",
    "foreign_campaign_name",
    "outbound_disabled_numbers",
}


def test_default_fixtures_describe_accounts_a_and_b():
    world = load_world()
    fixtures = world.target_fixtures()
    assert set(fixtures) == EXPECTED_TARGET_KEYS
    assert fixtures["campaign_id"] == "camp_XiQEBcj9cc5TFRB4"
    assert fixtures["taken_campaign_name"] == "Spring Renewal Campaign"
    assert fixtures["phone_numbers"] == ["+14155552671", "+1234567", "+123456789012345"]
    assert fixtures["foreign_campaign_id"] == "camp_F0re1gn00000001"
    assert fixtures["foreign_agent_id"] == "agent_F0re1gn0000001"
    assert fixtures["foreign_phone_number"] == "+442071838750"
    assert fixtures["foreign_campaign_name"] == "Foreign Campaign"
    assert fixtures["outbound_disabled_numbers"] == ["+14155550199"]


def test_default_agents_include_the_boundary_lengths_1_and_64():
    agent_ids = load_world().target_fixtures()["agent_ids"]
    assert "agent_D5D0p7TUs66TTAEAx" in agent_ids
    assert "agent_T3st1ngAg3nt0001" in agent_ids
    assert sorted(len(a) for a in agent_ids)[0] == 1
    assert max(len(a) for a in agent_ids) == 64
    assert all(1 <= len(a) <= 64 for a in agent_ids)


def test_out_of_contract_records_are_one_step_past_each_boundary():
    world = load_world()
    extra = world.out_of_contract_fixtures()
    longest = max(world.target_fixtures()["agent_ids"], key=len)
    assert [len(a) for a in extra["agent_ids"]] == [65]
    assert extra["agent_ids"][0].startswith(longest)
    assert extra["phone_numbers"] == ["+123456", "+1234567890123456"]
    assert extra["inactive_phone_numbers"] == ["+14155550199"]


def test_target_campaign_starts_live_and_unscheduled():
    world = load_world()
    campaign = world.primary.campaigns["camp_XiQEBcj9cc5TFRB4"]
    assert campaign.name == "Q4 Outreach Campaign"
    assert campaign.status == "live"
    assert campaign.schedule is None
    assert campaign.concurrent_calls == 5
    assert campaign.agent.agent_id == "agent_D5D0p7TUs66TTAEAx"
    assert campaign.phone_number.sip_phone_number == "+14155552671"
    assert campaign.errors == []


def test_generated_api_keys_are_distinct_and_fresh_per_load():
    first, second = load_world(), load_world()
    keys = {a.api_key for a in first.accounts.values()}
    assert len(keys) == 2
    assert first.primary_key != second.primary_key
    assert len(first.primary_key) >= 24


def test_each_load_returns_an_independent_world():
    first, second = load_world(), load_world()
    first.primary.campaigns["camp_XiQEBcj9cc5TFRB4"].name = "Changed"
    assert second.primary.campaigns["camp_XiQEBcj9cc5TFRB4"].name == "Q4 Outreach Campaign"
    assert load_world().primary.campaigns["camp_XiQEBcj9cc5TFRB4"].name == "Q4 Outreach Campaign"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "fixtures.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_api_keys_given_in_the_file_are_used(tmp_path):
    text = DEFAULT_FIXTURES.read_text(encoding="utf-8")
    text = text.replace('id = "acct_alpha"\n', 'id = "acct_alpha"\napi_key = "alpha-key"\n')
    world = load_world(_write(tmp_path, text))
    assert world.primary_key == "alpha-key"
    assert world.account_for_key("alpha-key") is world.primary


def test_path_may_be_a_string(tmp_path):
    path = _write(tmp_path, DEFAULT_FIXTURES.read_text(encoding="utf-8"))
    assert load_world(str(path)).target_fixtures()["campaign_id"] == "camp_XiQEBcj9cc5TFRB4"


def test_missing_file_raises_fixture_error(tmp_path):
    with pytest.raises(FixtureError, match="cannot read"):
        load_world(tmp_path / "absent.toml")


def test_invalid_toml_raises_fixture_error(tmp_path):
    with pytest.raises(FixtureError, match="not valid TOML"):
        load_world(_write(tmp_path, "accounts = [\n"))


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('status = "Testing"', 'status = "Sleeping"', r"accounts\[0\]\.agents\[1\]\.status"),
        (
            'provider = "telnyx"',
            'provider = "vonage"',
            r"accounts\[0\]\.phone_numbers\[1\]\.provider",
        ),
        (
            "concurrent_calls = 5",
            "concurrent_calls = 0",
            r"accounts\[0\]\.campaigns\[0\]\.concurrent_calls",
        ),
        (
            "concurrent_calls = 5",
            'concurrent_calls = "5"',
            r"accounts\[0\]\.campaigns\[0\]\.concurrent_calls",
        ),
        ('name = "Beta Agent"', "name = 7", r"accounts\[0\]\.agents\[1\]\.name"),
        ("active = false", 'active = "no"', r"accounts\[0\]\.phone_numbers\[3\]\.active"),
        (
            'agent_id = "agent_T3st1ngAg3nt0001"\nsip_phone_number = "+1234567"',
            'agent_id = "agent_Missing"\nsip_phone_number = "+1234567"',
            r"accounts\[0\]\.campaigns\[1\]\.agent_id",
        ),
        (
            'scheduled_at = "2099-03-20T16:00:00Z"',
            'scheduled_at = "soon"',
            r"accounts\[0\]\.campaigns\[1\]\.scheduled_at",
        ),
        (
            'target_campaign = "camp_XiQEBcj9cc5TFRB4"',
            'target_campaign = "camp_F0re1gn00000001"',
            "target_campaign",
        ),
        ('primary_account = "acct_alpha"', 'primary_account = "acct_gamma"', "primary_account"),
        (
            'name = "Spring Renewal Campaign"',
            'name = "Q4 Outreach Campaign"',
            r"campaigns\[1\]\.name",
        ),
    ],
)
def test_bad_fixture_values_name_the_field(tmp_path, old, new, field):
    text = DEFAULT_FIXTURES.read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(FixtureError, match=field):
        load_world(_write(tmp_path, text.replace(old, new, 1)))


def test_duplicate_api_keys_are_refused(tmp_path):
    text = DEFAULT_FIXTURES.read_text(encoding="utf-8")
    text = text.replace('id = "acct_alpha"\n', 'id = "acct_alpha"\napi_key = "same"\n')
    text = text.replace('id = "acct_beta"\n', 'id = "acct_beta"\napi_key = "same"\n')
    with pytest.raises(FixtureError, match=r"accounts\[1\]\.api_key"):
        load_world(_write(tmp_path, text))


def test_a_world_needs_a_foreign_account(tmp_path):
    text = DEFAULT_FIXTURES.read_text(encoding="utf-8")
    text = text[: text.index('[[accounts]]\nid = "acct_beta"')]
    with pytest.raises(FixtureError, match="at least two accounts"):
        load_world(_write(tmp_path, text))
