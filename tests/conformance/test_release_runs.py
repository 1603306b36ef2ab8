"""Exact replay of a seed, the HAR of a run, `replay` of a recorded failure, `run --baseline`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from suiterun import SuiteRunner

from conformance._baseline import Baseline, BaselineEntry, baseline_from_summary
from conformance._cli import main
from conformance._embedded import EmbeddedServer, start_embedded, target_toml
from conformance._target import Target

MUTANT = "name_max_129"
FAILING = "name_too_long_rejected"
OTHER_MUTANT = "auth_missing_key_accepted"
KEY_ENV = "RELEASE_RUNS_TEST_KEY"


def requests_of(har: Path) -> list[tuple[str, str, str, str | None]]:
    """Each request as sent: method, path (the port differs), headers, body; in order."""
    entries = json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]
    return [(e["request"]["method"], e["request"]["url"].split("/", 3)[3],
             json.dumps(e["request"]["headers"]), e["request"].get("postData", {}).get("text"))
            for e in entries]


def test_the_same_seed_sends_the_same_bytes_in_the_same_order(tmp_path: Path) -> None:
    """Two runs in one interpreter, one after the other: nothing may carry over."""
    hars = [tmp_path / "first.har", tmp_path / "second.har"]
    # "Earlier today" hangs on the whole hour of the server's clock: both runs
    # start it at the same pinned instant, never at the hour the tests run.
    with SuiteRunner(tmp_path, workers=1) as runner:
        first, second = runner.run_many([["run", "--no-allure", "--seed", "11", "--har", str(h),
                                          "--now", "2026-03-08T12:00:00Z"] for h in hars])
    assert first.code == second.code == 0, first.explain() + second.explain()
    sent_first, sent_second = requests_of(hars[0]), requests_of(hars[1])
    assert first.summary is not None
    assert len(sent_first) == first.summary["requests"]["sent"]
    assert sent_first == sent_second


# -- replay -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mutant_and_reference() -> Iterator[tuple[Target, Target]]:
    mutant, mutant_server = start_embedded(MUTANT)
    reference, reference_server = start_embedded()
    servers: list[EmbeddedServer] = [mutant_server, reference_server]
    try:
        yield mutant, reference
    finally:
        for server in servers:
            server.stop()


def test_the_har_is_har_1_2_with_the_key_redacted(
    mutant_and_reference: tuple[Target, Target], suite_runner: SuiteRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, reference = mutant_and_reference
    path = tmp_path / "reference.toml"
    path.write_text(target_toml(replace(reference, api_key_env=KEY_ENV)), encoding="utf-8")
    monkeypatch.setenv(KEY_ENV, str(reference.api_key))
    har = tmp_path / "run.har"
    run = suite_runner.run("run", "--no-allure", "--seed", "3", "--har", str(har),
                           "--target", str(path), "--check", "auth_wrong_key_is_401",
                           "--check", "auth_header_name_case_insensitive", "--check", FAILING)
    assert run.code == 0, run.explain()
    *_, har_line, verdict = run.output.strip().splitlines()
    assert har_line.startswith("HAR: ") and verdict.startswith("verdict: CONFORMANT"), run.output
    text = har.read_text(encoding="utf-8")
    assert str(reference.api_key) not in text
    log = json.loads(text)["log"]
    assert log["version"] == "1.2" and log["creator"]["name"]
    assert run.summary is not None
    assert len(log["entries"]) == run.summary["requests"]["sent"]
    for entry in log["entries"]:
        assert {"startedDateTime", "time", "request", "response", "cache", "timings"} <= set(entry)
        assert entry["response"]["status"] in (200, 400, 401, 404, 409)
    keys = {h["value"] for e in log["entries"] for h in e["request"]["headers"]
            if h["name"].lower() == "x-api-key"}
    assert "[redacted]" in keys
    checks = {e["_checkId"] for e in log["entries"]}
    assert {"auth_wrong_key_is_401", FAILING} <= checks


def test_replay_shows_a_failure_still_failing_and_then_passing_on_a_fixed_server(
    mutant_and_reference: tuple[Target, Target], suite_runner: SuiteRunner, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    mutant, reference = mutant_and_reference
    path = tmp_path / "mutant.toml"
    path.write_text(target_toml(replace(mutant, api_key_env=KEY_ENV)), encoding="utf-8")
    monkeypatch.setenv(KEY_ENV, str(mutant.api_key))
    run = suite_runner.run("run", "--no-allure", "--seed", "4", "--target", str(path),
                           "--check", FAILING)
    assert run.code == 1, run.explain()
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps(run.summary), encoding="utf-8")
    recorded = run.summary["failed"][0]["replay"]  # type: ignore[index]
    assert recorded["exchanges"][-1]["number"] == recorded["failing"]
    assert str(mutant.api_key) not in summary.read_text(encoding="utf-8")

    assert main(["replay", str(summary), "--check", FAILING]) == 1
    out = capsys.readouterr().out
    assert f"{FAILING}: STILL FAILS" in out
    assert str(mutant.api_key) not in out

    monkeypatch.setenv(KEY_ENV, str(reference.api_key))
    assert main(["replay", str(summary), "--check", FAILING,
                 "--base-url", reference.base_url]) == 0
    assert f"{FAILING}: PASSES NOW" in capsys.readouterr().out


def test_replay_of_a_check_that_did_not_fail_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"target": {"base_url": "http://127.0.0.1:9"},
                                   "checks": [], "failed": []}), encoding="utf-8")
    assert main(["replay", str(summary), "--check", FAILING]) == 2
    assert "did not fail" in capsys.readouterr().err


# -- baseline ---------------------------------------------------------------------------


def baseline_file(tmp_path: Path, summary: dict[str, Any], expires: date) -> Path:
    path = tmp_path / f"baseline-{expires.isoformat()}.json"
    path.write_text(baseline_from_summary(summary, reason="VENDOR-1", expires=expires).to_json(),
                    encoding="utf-8")
    return path


def test_run_with_a_baseline_fails_only_on_new_or_expired_entries(
    suite_runner: SuiteRunner, tmp_path: Path,
) -> None:
    recorded = suite_runner.run("run", "--no-allure", "--seed", "1", "--mutant", MUTANT,
                                "--check", FAILING)
    assert recorded.code == 1 and recorded.summary is not None, recorded.explain()
    current = baseline_file(tmp_path, recorded.summary, date(2999, 1, 1))
    expired = baseline_file(tmp_path, recorded.summary, date(2001, 1, 1))
    selection = ["--check", FAILING, "--check", "auth_missing_key_is_401"]
    same_fault, new_fault, old_entry, fixed = suite_runner.run_many([
        ["run", "--no-allure", "--seed", "2", "--mutant", MUTANT, "--baseline", str(current),
         *selection],
        ["run", "--no-allure", "--seed", "2", "--mutant", OTHER_MUTANT, "--baseline",
         str(current), *selection],
        ["run", "--no-allure", "--seed", "2", "--mutant", MUTANT, "--baseline", str(expired),
         *selection],
        ["run", "--no-allure", "--seed", "2", "--baseline", str(current), *selection],
    ])
    assert same_fault.code == 0, same_fault.explain()
    assert same_fault.summary is not None
    assert [(f["id"], f["known"]) for f in same_fault.summary["failed"]] == [(FAILING, True)]
    assert "every failure is a known one" in same_fault.output
    assert same_fault.output.strip().splitlines()[-1].startswith(
        "verdict: PASSED WITH 1 KNOWN FAILURES (baseline)")
    assert same_fault.summary["verdict"] == same_fault.output.strip().splitlines()[-1]

    assert new_fault.code == 1, new_fault.explain()
    assert new_fault.summary is not None
    assert all(not f["known"] for f in new_fault.summary["failed"])
    assert "new failure: auth_missing_key_is_401" in new_fault.output
    assert new_fault.output.strip().splitlines()[-1].endswith("(0 known from the baseline, 1 new)")
    assert f"now passes, remove it from the baseline: {FAILING}" in new_fault.output

    assert old_entry.code == 1, old_entry.explain()
    assert f"EXPIRED entry: {FAILING}" in old_entry.output

    assert fixed.code == 0, fixed.explain()
    assert f"now passes, remove it from the baseline: {FAILING}" in fixed.output


def test_baseline_command_writes_one_entry_per_failure_and_refuses_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    summary = {"exit_code": 1, "target": {"base_url": "http://x"},
               "checks": [{"id": FAILING, "outcome": "failed"}],
               "failed": [{"id": FAILING, "level": "MUST",
                           "message": "[MUST] x: y\n  Expected: 400\n  Actual:   200 {}"}]}
    source = tmp_path / "summary.json"
    source.write_text(json.dumps(summary), encoding="utf-8")
    out = tmp_path / "baseline.json"
    assert main(["baseline", "--from", str(source), "--out", str(out), "--reason", "T-1",
                 "--expires", "2999-12-31"]) == 0
    (entry,) = Baseline.load(out).entries
    assert isinstance(entry, BaselineEntry)
    assert (entry.id, entry.reason, entry.expires) == (FAILING, "T-1", date(2999, 12, 31))
    for bad in (["--expires", "31/12/2999"], ["--expires", "2000-01-01"]):
        assert main(["baseline", "--from", str(source), "--out", str(out), "--reason", "T-1",
                     *bad]) == 2
        assert "--expires" in capsys.readouterr().err
    assert main(["baseline", "--from", str(tmp_path / "missing.json"), "--out", str(out),
                 "--reason", "T-1", "--expires", "2999-12-31"]) == 2
    assert "Traceback" not in capsys.readouterr().err
