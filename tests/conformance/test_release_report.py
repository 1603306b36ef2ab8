"""The report a release engineer opens first: verdict on top, no score, contract beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance._cli import main
from conformance._report import (
    REPORT_STYLE,
    allure_command,
    prepare_results,
    release_properties,
    render_html,
    verdict_of,
)


def summary(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "target": {"name": "staging.toml", "base_url": "https://staging.example.com"},
        "seed": 5, "profile": "quick", "level": "full", "strict": False, "exit_code": 1,
        "aborted": None, "requests": {"sent": 812},
        "restore": {"status": "restored", "note": "restored (campaignName)", "left_changed": []},
        "errata_exercised": ["response-scheduled-date-null"],
        "checks": [{"id": "a", "level": "MUST", "outcome": "failed"},
                   {"id": "b", "level": "SHOULD", "outcome": "non-strict"},
                   {"id": "c", "level": "MUST", "outcome": "passed"}],
        "failed": [],
    }
    return {**base, **changes}


def test_the_verdict_is_the_terminal_s_last_line_as_the_summary_keeps_it() -> None:
    line = "verdict: NOT CONFORMANT: 1 MUST and 1 SHOULD checks failed against staging.toml"
    assert verdict_of(summary(verdict=line)) == line.removeprefix("verdict: ")
    assert release_properties(summary(verdict=line))["verdict"] == line.removeprefix("verdict: ")
    assert verdict_of(summary()).startswith("?")  # a summary without one says so


def test_the_metadata_opens_with_verdict_target_seed_level_restore_and_requests(
    tmp_path: Path,
) -> None:
    (tmp_path / "environment.properties").write_text("suite.version=0.1.0\nseed=5\n")
    prepare_results(tmp_path, summary())
    lines = (tmp_path / "environment.properties").read_text().splitlines()
    keys = [line.split("=", 1)[0] for line in lines]
    assert keys[:7] == ["verdict", "target", "target.url", "seed", "level", "restore",
                        "requests"]
    assert "suite.version=0.1.0" in lines and keys.count("seed") == 1
    assert "restore=restored (campaignName)" in lines
    assert release_properties(summary())["errata_exercised"].endswith("(informational)")


def test_the_anonymous_tear_down_of_the_session_fixture_is_dropped(tmp_path: Path) -> None:
    container = tmp_path / "x-container.json"
    container.write_text(json.dumps({"afters": [
        {"name": "conformance_run::<lambda>", "start": 1},
        {"name": "restore the campaign", "status": "passed"}]}))
    prepare_results(tmp_path, None)
    afters = json.loads(container.read_text())["afters"]
    assert [a["name"] for a in afters] == ["restore the campaign"]


@pytest.mark.skipif(isinstance(allure_command(), str), reason="no Allure command line here")
def test_the_html_has_the_contract_beside_it_wraps_lines_and_hides_the_score(
    tmp_path: Path,
) -> None:
    results = tmp_path / "results"
    results.mkdir()
    (results / "r-result.json").write_text(json.dumps({
        "uuid": "r", "name": "A rule.", "fullName": "x.y", "historyId": "h", "status": "failed",
        "statusDetails": {"message": "[MUST] a: " + "long " * 80}, "stage": "finished",
        "start": 1, "stop": 2, "labels": [{"name": "story", "value": "a"}],
        "links": [{"type": "link", "url": "openapi.yaml#/paths", "name": "openapi.yaml#/paths"}],
    }))
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(summary()))
    rendered = render_html(results, tmp_path / "html", None, summary=path)
    assert rendered.ok, rendered.message
    html = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert REPORT_STYLE in html
    assert (tmp_path / "html" / "openapi.yaml").is_file()
    assert (tmp_path / "html" / "errata.yaml").is_file()


def test_a_run_replaces_the_previous_run_s_summary_and_junit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in ("summary.json", "junit.xml"):
        (reports / name).write_text("from an earlier run")
    assert main(["run", "--no-allure", "--seed", "21", "--check", "auth_missing_key_is_401"]) == 0
    assert json.loads((reports / "summary.json").read_text())["seed"] == 21
    assert "auth_missing_key_is_401" in (reports / "junit.xml").read_text()
