"""Set-up errors are named, with exit 2, before any check: never a NOT CONFORMANT verdict."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from suiterun import SuiteRunner

from conformance._client import Client
from conformance._embedded import EmbeddedServer, start_embedded, target_toml
from conformance._preflight import SetupError, base_url_needs_target, preflight
from conformance._target import Secret, Target

KEY_ENV = "CONFORMANCE_PREFLIGHT_TEST_KEY"


@pytest.fixture(scope="module")
def reference() -> Iterator[tuple[Target, EmbeddedServer]]:
    target, server = start_embedded()
    try:
        yield replace(target, embedded=False, name="staging.toml"), server
    finally:
        server.stop()


def state(target: Target) -> dict[str, object]:
    client = Client(target)
    try:
        body = client.send(target.fixtures.campaign_id, body={}).json()
    finally:
        client.close()
    assert isinstance(body, dict)
    return body


def run_preflight(target: Target) -> dict[str, object] | None:
    client = Client(target)
    try:
        return preflight(client, target).original
    finally:
        client.close()


def test_a_correct_set_up_passes_and_leaves_the_campaign_as_found(
    reference: tuple[Target, EmbeddedServer],
) -> None:
    target, _ = reference
    before = state(target)
    assert run_preflight(target) == before
    assert state(target) == before


def test_a_refused_key_names_the_environment_variable_and_the_target(
    reference: tuple[Target, EmbeddedServer],
) -> None:
    target, _ = reference
    wrong = replace(target, api_key=Secret("not-the-key-at-all"), api_key_env=KEY_ENV)
    with pytest.raises(SetupError) as error:
        run_preflight(wrong)
    text = str(error.value)
    assert f"the key in ${KEY_ENV} was refused by staging.toml" in text
    assert "not-the-key-at-all" not in text


def test_an_unknown_campaign_names_campaign_id(
    reference: tuple[Target, EmbeddedServer],
) -> None:
    target, _ = reference
    wrong = replace(target, fixtures=replace(target.fixtures, campaign_id="camp_Typo0000000001"))
    with pytest.raises(SetupError, match=r"fixtures\.campaign_id 'camp_Typo0000000001'"):
        run_preflight(wrong)


def test_another_account_s_campaign_is_a_set_up_error(
    reference: tuple[Target, EmbeddedServer],
) -> None:
    target, _ = reference
    foreign = target.fixtures.foreign_campaign_id
    assert foreign is not None
    wrong = replace(target, fixtures=replace(target.fixtures, campaign_id=foreign))
    with pytest.raises(SetupError, match="campaign_id"):
        run_preflight(wrong)


@pytest.mark.parametrize("fixture", ["agent_ids", "phone_numbers"])
def test_a_fixture_the_target_refuses_is_named_and_the_campaign_is_put_back(
    fixture: str, reference: tuple[Target, EmbeddedServer],
) -> None:
    target, _ = reference
    before = state(target)
    values = getattr(target.fixtures, fixture)
    bogus = "agent_NoSuchAgent0000" if fixture == "agent_ids" else "+19999999999"
    wrong = replace(target, fixtures=replace(target.fixtures, **{fixture: (*values, bogus)}))
    with pytest.raises(SetupError) as error:
        run_preflight(wrong)
    assert f"fixtures.{fixture}[{len(values)}] {bogus!r}" in str(error.value)
    assert state(target) == before


@pytest.mark.parametrize("mutant", ["agent_id_max_63", "agent_id_min_2",
                                    "phone_15_digits_rejected"])
def test_a_fixture_on_a_bound_the_target_refuses_is_left_to_the_checks(mutant: str) -> None:
    """A 400 for a fixture on the contract's bound may be a bound cut short: no set-up error."""
    served, server = start_embedded(mutant)
    try:
        target = replace(served, embedded=False, name="staging.toml")
        assert run_preflight(target) is not None
        ordinary = replace(target, fixtures=replace(
            target.fixtures, agent_ids=(*target.fixtures.agent_ids, "agent_NoSuchAgent0000")))
        with pytest.raises(SetupError, match="agent_NoSuchAgent0000"):
            run_preflight(ordinary)
    finally:
        server.stop()


def test_bounds_of_agent_ids_and_numbers_are_read_from_the_contract() -> None:
    from conformance._operation import UPDATE_CAMPAIGN

    contract = UPDATE_CAMPAIGN.contract
    agent, phone = contract.field("agentId"), contract.field("sipPhoneNumber")
    assert agent.at_a_bound("A") and agent.at_a_bound("a" * 64)
    assert not agent.at_a_bound("agent_D5D0p7TUs66TTAEAx")
    assert phone.at_a_bound("+1234567") and phone.at_a_bound("+123456789012345")
    assert not phone.at_a_bound("+14155552671")


def test_base_url_alone_is_refused_and_with_a_target_file_allowed() -> None:
    assert base_url_needs_target("http://example.com", None) is not None
    assert base_url_needs_target("http://example.com", "staging.toml") is None
    assert base_url_needs_target(None, None) is None


# -- through the command line ---------------------------------------------------------


def test_set_up_errors_exit_2_without_a_verdict(
    reference: tuple[Target, EmbeddedServer], suite_runner: SuiteRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target, _ = reference
    typo = replace(target, fixtures=replace(target.fixtures, campaign_id="camp_Typo0000000001"))
    files = {
        "key": (target, "wrong-key-entirely"),
        "campaign": (typo, str(target.api_key)),
    }
    argvs = []
    for name, (shown, key) in files.items():
        path = tmp_path / f"{name}.toml"
        path.write_text(target_toml(replace(shown, api_key_env=f"{KEY_ENV}_{name.upper()}")),
                        encoding="utf-8")
        monkeypatch.setenv(f"{KEY_ENV}_{name.upper()}", key)
        argvs.append(["run", "--no-allure", "--seed", "1", "--target", str(path)])
    key_run, campaign_run = suite_runner.run_many(argvs)
    for run in (key_run, campaign_run):
        assert run.code == 2, run.explain()
        assert "verdict" not in run.output and "NOT CONFORMANT" not in run.output
    assert f"the key in ${KEY_ENV}_KEY was refused by" in key_run.output
    assert "wrong-key-entirely" not in key_run.output
    assert "fixtures.campaign_id 'camp_Typo0000000001'" in campaign_run.output


def test_base_url_without_a_target_file_exits_2(suite_runner: SuiteRunner) -> None:
    run = suite_runner.run("run", "--no-allure", "--base-url", "http://127.0.0.1:9")
    assert run.code == 2, run.explain()
    assert "--base-url needs --target" in run.output
