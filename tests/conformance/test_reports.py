"""The reports of a run: Allure results, HTML, JUnit, summary, and no secret in any of them.

Three real runs of `python -m conformance run`, started together:
- against a mutant that serves requests without a key (one check fails);
- the same, with no Node.js on PATH (no HTML, one line saying how to get it);
- against the embedded reference through a target file, with its real key as
  a canary that no file the run writes, and no output, may contain.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conformance._allure import CATEGORIES, EPIC
from conformance._catalogue import load_catalogue
from conformance._embedded import start_embedded, target_toml
from conformance._report import allure_command

MUTANT = "auth_missing_key_accepted"
FAILING = "auth_missing_key_is_401"
PASSING = "auth_wrong_key_is_401"
KEY_ENV = "REPORT_TEST_API_KEY"


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str
    root: Path

    @property
    def results(self) -> Path:
        return self.root / "results"

    def allure_results(self) -> list[dict[str, Any]]:
        return [json.loads(p.read_text(encoding="utf-8"))
                for p in self.results.glob("*-result.json")]

    def result_of(self, check_id: str) -> dict[str, Any]:
        for result in self.allure_results():
            if {"name": "story", "value": check_id} in result["labels"]:
                return result
        raise AssertionError(f"no Allure result for {check_id}")


def _argv(root: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "conformance", "run", "--seed", "7",
        "--alluredir", str(root / "results"), "--junitxml", str(root / "junit.xml"),
        "--summary-json", str(root / "summary.json"), "--html", str(root / "html"),
        "--history", str(root / "history.jsonl"), *extra,
    ]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Finished]]:
    target, server = start_embedded()
    try:
        key = str(target.api_key)
        roots = {name: tmp_path_factory.mktemp(name) for name in ("mutant", "no_node", "canary")}
        target_file = roots["canary"] / "target.toml"
        toml = target_toml(target).replace(f'"{target.api_key_env}"', f'"{KEY_ENV}"')
        target_file.write_text(toml, encoding="utf-8")
        checks = ["--check", FAILING, "--check", PASSING]
        no_node_path = os.path.dirname(sys.executable)
        jobs = {
            "mutant": (_argv(roots["mutant"], "--mutant", MUTANT, *checks), {}),
            "no_node": (_argv(roots["no_node"], "--mutant", MUTANT, *checks),
                        {"PATH": no_node_path}),
            "canary": (_argv(roots["canary"], "--target", str(target_file)), {KEY_ENV: key}),
        }
        started = {
            name: subprocess.Popen(
                argv, cwd=roots[name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True, env={**os.environ, "NO_COLOR": "1", **env},
            )
            for name, (argv, env) in jobs.items()
        }
        finished = {}
        for name, process in started.items():
            out, err = process.communicate(timeout=180)
            finished[name] = Finished(process.returncode, out, err, roots[name])
        finished["canary"].key = key  # type: ignore[attr-defined]
        yield finished
    finally:
        server.stop()


needs_html = pytest.mark.skipif(
    isinstance(allure_command(), str),
    reason=f"no HTML report here: {allure_command()} (run `npm ci`)",
)


def report_data(index: Path) -> str:
    """The single-file report's text with its embedded data files decoded."""
    html = index.read_text(encoding="utf-8")
    decoded = [base64.b64decode(blob).decode("utf-8", "replace")
               for blob in re.findall(r'd\("[^"]+","([A-Za-z0-9+/=]+)"', html)]
    return "\n".join([html, *decoded])


# -- Allure results ---------------------------------------------------------

def test_failed_check_is_a_failed_result_named_by_its_requirement(runs: dict[str, Finished]):
    check = load_catalogue()[FAILING]
    result = runs["mutant"].result_of(FAILING)
    assert result["status"] == "failed"
    assert result["name"] == check.requirement
    assert result["statusDetails"]["message"].startswith(f"[MUST] {FAILING}: ")
    trace = result["statusDetails"]["trace"]
    for part in ("Requirement:", "Expected:", "Actual:", "Reproduce: curl", "Seed: --seed 7"):
        assert part in trace


def test_result_labels_say_epic_area_check_and_level(runs: dict[str, Finished]):
    labels = {(x["name"], x["value"]) for x in runs["mutant"].result_of(FAILING)["labels"]}
    assert {("epic", EPIC), ("feature", "auth"), ("story", FAILING),
            ("severity", "critical"), ("tag", "MUST")} <= labels


def test_result_links_to_the_cited_sentences(runs: dict[str, Finished]):
    result = runs["mutant"].result_of(FAILING)
    pointers = [cite.pointer for cite in load_catalogue()[FAILING].cites]
    assert [link["url"].partition("#")[2] for link in result["links"]] == pointers
    assert all(link["name"].startswith("openapi.yaml#") for link in result["links"])
    assert all(cite.quote in result["description"] for cite in load_catalogue()[FAILING].cites)


def test_each_request_is_a_step_with_request_response_and_curl(runs: dict[str, Finished]):
    finished = runs["mutant"]
    steps = finished.result_of(FAILING)["steps"]
    assert steps and all(s["name"].startswith("#") for s in steps)
    for step in steps:
        names = [a["name"] for a in step["attachments"]]
        assert names == ["request", "response", "curl"]
        for attachment in step["attachments"]:
            assert (finished.results / attachment["source"]).is_file()
    failing = [s for s in steps if s["status"] == "failed"]
    assert len(failing) == 1 and "(the failing request)" in failing[0]["name"]
    request = (finished.results / failing[0]["attachments"][0]["source"]).read_text()
    assert request.startswith("PATCH ") and "X-API-Key" not in request
    curl = (finished.results / failing[0]["attachments"][2]["source"]).read_text()
    assert curl.startswith("curl ")


def test_passed_check_is_a_passed_result(runs: dict[str, Finished]):
    assert runs["mutant"].result_of(PASSING)["status"] == "passed"


def test_environment_and_categories_describe_the_run(runs: dict[str, Finished]):
    results = runs["mutant"].results
    props = dict(line.split("=", 1) for line in
                 (results / "environment.properties").read_text().splitlines())
    assert props["seed"] == "7" and props["profile"] == "quick" and props["strict"] == "false"
    assert props["target"] == f"embedded mutant {MUTANT}"
    assert len(props["spec.sha256"]) == 64
    assert {"suite.version", "level", "insecure", "target.url", "spec.version"} <= set(props)
    categories = json.loads((results / "categories.json").read_text())
    assert [c["name"] for c in categories] == [c["name"] for c in CATEGORIES]
    message = runs["mutant"].result_of(FAILING)["statusDetails"]["message"]
    matching = [c["name"] for c in categories
                if "failed" in c["matchedStatuses"] and re.fullmatch(c["messageRegex"], message)]
    assert matching == ["MUST failures"]


# -- JUnit, summary, exit code ----------------------------------------------

def test_junit_and_summary_agree_with_the_exit_code(runs: dict[str, Finished]):
    finished = runs["mutant"]
    assert finished.code == 1, finished.stdout + finished.stderr
    summary = json.loads((finished.root / "summary.json").read_text())
    assert summary["exit_code"] == 1
    assert [f["id"] for f in summary["failed"]] == [FAILING]
    cases = {c.get("name"): c for c in ET.parse(finished.root / "junit.xml").iter("testcase")}
    assert set(cases) == {FAILING, PASSING}
    failure = cases[FAILING].find("failure")
    assert failure is not None and failure.get("message", "").startswith(f"[MUST] {FAILING}: ")
    assert "Expected:" in (failure.text or "")
    assert cases[PASSING].find("failure") is None


# -- HTML ---------------------------------------------------------------------

@needs_html
def test_html_report_renders_offline_and_shows_the_failure(runs: dict[str, Finished]):
    finished = runs["mutant"]
    index = finished.root / "html" / "index.html"
    assert index.is_file(), finished.stdout
    assert f"HTML report: {index}" in finished.stdout
    data = report_data(index)
    assert FAILING in data and load_catalogue()[FAILING].requirement in data
    assert not re.search(r'<script[^>]+src="https?://', data)  # nothing fetched from a network
    assert (finished.root / "history.jsonl").read_text().strip()


def test_without_node_the_run_still_reports_and_says_how_to_get_html(runs: dict[str, Finished]):
    finished = runs["no_node"]
    assert finished.code == 1
    for written in ("junit.xml", "summary.json", "results/categories.json"):
        assert (finished.root / written).is_file()
    assert not (finished.root / "html").exists()
    hints = [line for line in (finished.stdout + finished.stderr).splitlines()
             if "HTML report" in line]
    assert len(hints) == 1 and "npm ci" in hints[0] and "python -m conformance report" in hints[0]


# -- the API key ----------------------------------------------------------------

def _fragments(secret: str, length: int = 12) -> list[str]:
    """Every run of `length` characters of the secret, lower-cased.

    The auth checks send near misses of the key (one character short, case
    swapped); a report that shows one of them has as good as shown the key.
    """
    secret = secret.lower()
    return [secret[i:i + length] for i in range(len(secret) - length + 1)]


def _written_texts(finished: Finished) -> dict[str, str]:
    """Every file the run wrote (the HTML with its data decoded), and its output."""
    written = [p for p in finished.root.rglob("*") if p.is_file() and p.name != "target.toml"]
    assert len(written) > 100  # results, attachments, JUnit, summary, HTML, history
    texts = {"stdout": finished.stdout, "stderr": finished.stderr}
    for path in written:
        texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
        if path.name == "index.html":
            texts[f"{path} (decoded)"] = report_data(path)
    return texts


def test_the_api_key_is_written_nowhere(runs: dict[str, Finished]):
    finished = runs["canary"]
    key = finished.key  # type: ignore[attr-defined]
    assert finished.code in (0, 1), finished.stdout + finished.stderr
    texts = _written_texts(finished)
    assert any(name.endswith("index.html") for name in texts) or isinstance(allure_command(), str)
    assert [name for name, text in texts.items() if key in text] == []


def test_no_near_miss_of_the_api_key_is_written(runs: dict[str, Finished]):
    fragments = _fragments(runs["canary"].key)  # type: ignore[attr-defined]
    texts = _written_texts(runs["canary"])
    assert [name for name, text in texts.items()
            if any(f in text.lower() for f in fragments)] == []
