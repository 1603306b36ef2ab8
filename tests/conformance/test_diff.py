"""`diff`: the same seeded cases to two servers; differences in what the contract governs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conformance._cli import main
from conformance._client import Client
from conformance._diff import cases, diff_targets, governed_properties
from conformance._embedded import EmbeddedServer, start_embedded, target_toml
from conformance._spec import load_spec
from conformance._target import Target

DAY = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)
MUTANT = "name_max_129"


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, tuple[Target, EmbeddedServer]]]:
    started = {"first": start_embedded(), "second": start_embedded(),
               "mutant": start_embedded(MUTANT)}
    try:
        yield {name: (replace(t, name=name), s) for name, (t, s) in started.items()}
    finally:
        for _, server in started.values():
            server.stop()


def state(target: Target) -> object:
    client = Client(target)
    try:
        return client.send(target.fixtures.campaign_id, body={}).json()
    finally:
        client.close()


def test_the_reference_against_itself_differs_nowhere_and_both_are_restored(
    servers: dict[str, tuple[Target, EmbeddedServer]],
) -> None:
    a, b = servers["first"][0], servers["second"][0]
    before = state(a), state(b)
    result = diff_targets(load_spec(), a, b, seed=3, examples=20, day=DAY)
    assert result.cases > 20
    assert result.differences == [], [d.lines(("a", "b")) for d in result.differences]
    assert (state(a), state(b)) == before
    assert all(note.startswith("restored") for note in result.restore.values()), result.restore


def test_a_mutant_differs_where_its_fault_is(
    servers: dict[str, tuple[Target, EmbeddedServer]],
) -> None:
    a, mutant = servers["first"][0], servers["mutant"][0]
    result = diff_targets(load_spec(), a, mutant, seed=3, examples=10, day=DAY)
    found = {(d.case.what, d.field, d.first, d.second) for d in result.differences}
    assert ("a name of 129 characters", "status", 400, 200) in found


def test_the_same_seed_and_day_give_the_same_cases(
    servers: dict[str, tuple[Target, EmbeddedServer]],
) -> None:
    target = servers["first"][0]
    first = cases(target, seed=5, examples=12, day=DAY)
    again = cases(target, seed=5, examples=12, day=DAY.replace(hour=23))
    assert [(c.what, repr(c.body)) for c in first] == [(c.what, repr(c.body)) for c in again]
    other = cases(target, seed=6, examples=12, day=DAY)
    assert [repr(c.body) for c in first] != [repr(c.body) for c in other]


def test_governed_properties_are_read_from_the_response_schemas() -> None:
    name, properties = governed_properties(load_spec(), 200) or ("", {})
    assert name == "CampaignResponse"
    assert "agentId" in properties["agent"] and properties["campaignName"] == []
    error = governed_properties(load_spec(), 404)
    assert error is not None and error[0] == "Error" and "validationErrors" in error[1]
    assert governed_properties(load_spec(), 418) is None


def test_the_command_exits_0_without_differences_and_1_with_them(
    servers: dict[str, tuple[Target, EmbeddedServer]], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    files = {}
    for name in ("first", "second", "mutant"):
        target = servers[name][0]
        env = f"DIFF_TEST_KEY_{name.upper()}"
        monkeypatch.setenv(env, str(target.api_key))
        files[name] = tmp_path / f"{name}.toml"
        files[name].write_text(target_toml(replace(target, api_key_env=env)), encoding="utf-8")
    same = main(["diff", "--target", str(files["first"]), "--against", str(files["second"]),
                 "--examples", "6"])
    out = capsys.readouterr().out
    assert same == 0, out
    assert "diff: 0 difference(s)" in out
    differ = main(["diff", "--target", str(files["first"]), "--against", str(files["mutant"]),
                   "--examples", "6"])
    out = capsys.readouterr().out
    assert differ == 1, out
    assert "a name of 129 characters: status differs" in out
    for name in ("first", "second", "mutant"):
        assert str(servers[name][0].api_key) not in out
