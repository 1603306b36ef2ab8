"""`python -m conformance`: its exit codes, its listings, and `serve`.

Exit codes of `run`: 0 conformant, 1 the target failed checks, 2 usage or
configuration error, 3 target unreachable or run aborted.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from suiterun import ROOT, SuiteRunner

from conformance._catalogue import load_catalogue
from conformance._cli import main
from reference import MUTANTS

PASSING_CHECK = "auth_missing_key_is_401"
KILLING_MUTANT = "auth_missing_key_accepted"
KEY_ENV = "CONFORMANCE_CLI_TEST_KEY"

TARGET_TOML = """\
base_url = "{base_url}"
api_key_env = "{key_env}"

[fixtures]
campaign_id = "camp_XiQEBcj9cc5TFRB4"
taken_campaign_name = "Spring Renewal Campaign"
agent_ids = ["agent_D5D0p7TUs66TTAEAx"]
phone_numbers = ["+14155552671"]
"""


def python_env() -> dict[str, str]:
    pythonpath = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "PYTHONPATH": pythonpath, "PYTHONUNBUFFERED": "1"}


def conformance_process(*argv: str, timeout: float = 120, cwd: Path | None = None,
                        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", *argv], capture_output=True,
                          text=True, env={**python_env(), **(env or {})}, timeout=timeout,
                          check=False, cwd=cwd)


def write_target(path: Path, base_url: str) -> Path:
    path.write_text(TARGET_TOML.format(base_url=base_url, key_env=KEY_ENV), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- exit codes ---------------------------------------------------------------


def test_a_passing_selection_against_the_reference_exits_0(suite_runner: SuiteRunner) -> None:
    run = suite_runner.run("run", "--no-allure", "--seed", "1", "--check", PASSING_CHECK)
    assert run.code == 0, run.explain()
    assert run.outcomes() == {PASSING_CHECK: "passed"}


def test_a_mutant_caught_by_the_selection_exits_1(suite_runner: SuiteRunner) -> None:
    run = suite_runner.run("run", "--no-allure", "--seed", "1", "--mutant", KILLING_MUTANT,
                           "--check", PASSING_CHECK)
    assert run.code == 1, run.explain()
    assert run.outcomes() == {PASSING_CHECK: "failed"}


def test_the_process_exit_code_is_the_run_s(tmp_path: Path) -> None:
    """The exit code reaches the shell, not only main()'s return value."""
    done = conformance_process("run", "--no-allure", "--seed", "1", "--mutant", KILLING_MUTANT,
                               "--check", PASSING_CHECK, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"[MUST] {PASSING_CHECK}" in done.stdout


def test_hypothesis_keeps_its_data_in_the_user_cache_not_where_the_suite_runs(
    tmp_path: Path,
) -> None:
    cache, workdir = tmp_path / "cache", tmp_path / "work"
    workdir.mkdir()
    env = {"XDG_CACHE_HOME": str(cache), "HYPOTHESIS_STORAGE_DIRECTORY": ""}
    done = conformance_process("run", "--no-allure", "--seed", "1", "--check",
                               "unknown_properties_ignored", cwd=workdir, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (workdir / ".hypothesis").exists()
    assert (cache / "sigmamind-campaign-conformance" / "hypothesis" / "unicode_data").is_dir()


def test_an_unknown_check_id_exits_2(suite_runner: SuiteRunner) -> None:
    run = suite_runner.run("run", "--no-allure", "--check", "no_such_check")
    assert run.code == 2, run.explain()
    assert "no_such_check" in run.output


def test_an_unknown_mutant_exits_2(suite_runner: SuiteRunner) -> None:
    run = suite_runner.run("run", "--no-allure", "--mutant", "no_such_mutant")
    assert run.code == 2, run.explain()
    assert "no_such_mutant" in run.output


@pytest.mark.parametrize("argv", [
    pytest.param(["run", "--level", "nope"], id="bad-level"),
    pytest.param(["run", "--profile", "nope"], id="bad-profile"),
    pytest.param(["run", "--seed", "x"], id="bad-seed"),
    pytest.param(["launch"], id="bad-command"),
])
def test_a_bad_option_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_a_bad_option_exits_2_from_the_shell() -> None:
    done = conformance_process("run", "--level", "nope")
    assert done.returncode == 2
    assert "--level" in done.stderr


@pytest.mark.parametrize("content", [
    pytest.param(None, id="missing-file"),
    pytest.param("base_url = [unclosed", id="not-toml"),
    pytest.param('base_url = "ftp://example.com"\n', id="not-http"),
    pytest.param(TARGET_TOML.format(base_url="http://127.0.0.1:9", key_env=KEY_ENV)
                 .replace('campaign_id = "camp_XiQEBcj9cc5TFRB4"\n', ""), id="no-campaign-id"),
])
def test_a_bad_target_file_exits_2(
    content: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(KEY_ENV, "some-key")
    path = tmp_path / "target.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["run", "--no-allure", "--target", str(path)]) == 2
    assert "error:" in capsys.readouterr().err


def test_a_target_file_without_its_key_in_the_environment_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    path = write_target(tmp_path / "target.toml", "http://127.0.0.1:9")
    assert main(["run", "--no-allure", "--target", str(path)]) == 2
    assert KEY_ENV in capsys.readouterr().err


def test_target_and_mutant_together_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(KEY_ENV, "some-key")
    path = write_target(tmp_path / "target.toml", "http://127.0.0.1:9")
    assert main(["run", "--no-allure", "--target", str(path), "--mutant", KILLING_MUTANT]) == 2
    assert "--mutant" in capsys.readouterr().err


def test_an_unreachable_target_exits_3(
    suite_runner: SuiteRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "some-key")
    path = write_target(tmp_path / "target.toml", "http://127.0.0.1:9")
    run = suite_runner.run("run", "--no-allure", "--target", str(path), "--check", PASSING_CHECK)
    assert run.code == 3, run.explain()
    assert "unreachable" in run.output
    assert "some-key" not in run.output


# -- listings -----------------------------------------------------------------


def test_list_checks_prints_the_catalogue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--list-checks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    catalogue = load_catalogue()
    assert [line.split()[0] for line in lines] == list(catalogue)
    for line, check in zip(lines, catalogue.values(), strict=True):
        assert check.level in line.split()
        assert check.requirement in line


def test_serve_list_mutants_prints_every_mutant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--list-mutants"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == sorted(MUTANTS)
    for line in lines:
        name = line.split(":")[0]
        assert all(check_id in line for check_id in MUTANTS[name].killed_by)


# -- serve --------------------------------------------------------------------


@dataclass
class Served:
    base_url: str
    target_toml: str
    key_env: str
    key: str


@pytest.fixture
def served() -> Iterator[Served]:
    """`python -m conformance serve` on a free port, until the test ends."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        text=True, env=python_env(),
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []

        def read() -> None:
            for line in process.stdout:  # type: ignore[union-attr]
                lines.append(line)
                if line.startswith("export "):
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(30)
        assert lines and lines[-1].startswith("export "), f"serve printed: {lines}"
        export = lines[-1].removeprefix("export ").strip()
        key_env, _, quoted = export.partition("=")
        toml = "".join(line for line in lines if not line.startswith(("#", "export ")))
        wait_for_port(port)
        yield Served(f"http://127.0.0.1:{port}", toml, key_env, quoted.strip('"'))
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"serve did not listen on port {port}")


def test_serve_prints_a_target_file_and_a_key_that_work(
    served: Served, suite_runner: SuiteRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert f'base_url = "{served.base_url}"' in served.target_toml
    assert f'api_key_env = "{served.key_env}"' in served.target_toml
    assert served.key
    path = tmp_path / "target.toml"
    path.write_text(served.target_toml, encoding="utf-8")
    monkeypatch.setenv(served.key_env, served.key)
    run = suite_runner.run("run", "--no-allure", "--seed", "1", "--target", str(path),
                           "--check", PASSING_CHECK)
    assert run.code == 0, run.explain()
    assert run.outcomes() == {PASSING_CHECK: "passed"}
    assert run.summary is not None
    assert run.summary["target"]["base_url"] == served.base_url
    assert served.key not in run.output


def test_serve_with_a_bad_fixtures_file_exits_2_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "fixtures.toml"
    bad.write_text("x = 1\n", encoding="utf-8")
    for path in (bad, tmp_path / "missing.toml"):
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "serve", "--fixtures", str(path)],
            capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 2
        assert done.stderr.startswith("error: --fixtures:"), done.stderr
        assert "Traceback" not in done.stderr


def test_list_checks_into_a_closed_pipe_prints_no_traceback() -> None:
    done = subprocess.run(
        f"{sys.executable} -m conformance run --list-checks | head -1",
        shell=True, capture_output=True, text=True, timeout=60,
    )
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr, done.stderr


# -- the pytest face ------------------------------------------------------------------


def pytest_face(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs",
         "conformance._suite", "-q", *argv],
        capture_output=True, text=True, env=python_env(), timeout=120, check=False,
        cwd=ROOT,
    )


# Both runs write the checkout's reports/ (their working directory): one xdist
# worker runs them, one after the other.
@pytest.mark.xdist_group("pytest_face")
@pytest.mark.parametrize(("mutant", "code", "outcome"), [
    pytest.param(None, 0, "1 passed", id="reference"),
    pytest.param(KILLING_MUTANT, 1, "1 failed", id="mutant"),
])
def test_the_pytest_face_runs_one_item_per_check_through_the_engine(
    mutant: str | None, code: int, outcome: str, tmp_path: Path
) -> None:
    summary = tmp_path / "summary.json"
    argv = ["--conformance-check", PASSING_CHECK, "--conformance-seed", "1",
            "--conformance-summary-json", str(summary)]
    if mutant:
        argv += ["--conformance-mutant", mutant]
    done = pytest_face(*argv)
    assert done.returncode == code, done.stdout + done.stderr
    assert outcome in done.stdout
    # pytest's progress and the area's line never share a line
    assert re.search(rf"^auth: {outcome}$", done.stdout, re.M), done.stdout
    assert not re.search(r"^[.FEsx]+[A-Za-z]+: \d", done.stdout, re.M), done.stdout
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert {c["id"]: c["outcome"] for c in data["checks"]} == {
        PASSING_CHECK: outcome.split()[1]}
    assert data["restore"]["status"] == "restored"


def test_each_run_sets_aside_what_it_finds_loaded_after_giving_back_what_an_earlier_one_did(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A process that runs the suite many times (the tests' worker interpreters)
    # must not keep the first run's set-aside heap for good: each run gives it
    # back to the collector, then sets aside what is alive now.
    import gc

    from conformance import _cli

    calls: list[str] = []
    monkeypatch.setattr(gc, "unfreeze", lambda: calls.append("unfreeze"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    _cli._set_aside_what_is_loaded()
    _cli._set_aside_what_is_loaded()
    assert calls == ["unfreeze", "freeze", "unfreeze", "freeze"]
