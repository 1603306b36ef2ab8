"""Every mutant of the reference is caught by the checks that claim to catch it.

For each mutant the suite runs against it with only the mutant's `killed_by`
checks selected and a fixed seed; the run must fail, and each of those checks
must be the one failing. A SHOULD check only fails a run under --strict, so
runs that select one are strict.
"""

from __future__ import annotations

import pytest
from suiterun import SuiteRun, SuiteRunner

from conformance._catalogue import SHOULD, load_catalogue
from reference import MUTANTS

SEED = 20250101
CATALOGUE = load_catalogue()


def argv_for(name: str) -> list[str]:
    killed_by = MUTANTS[name].killed_by
    argv = ["run", "--mutant", name, "--no-allure", "--seed", str(SEED)]
    for check_id in killed_by:
        argv += ["--check", check_id]
    if any(c in CATALOGUE and CATALOGUE[c].level == SHOULD for c in killed_by):
        argv.append("--strict")
    return argv


@pytest.fixture(scope="module")
def mutant_runs(suite_runner: SuiteRunner) -> dict[str, SuiteRun]:
    names = sorted(MUTANTS)
    runs = suite_runner.run_many([argv_for(n) for n in names])
    return dict(zip(names, runs, strict=True))


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_killed_by_its_checks(name: str, mutant_runs: dict[str, SuiteRun]) -> None:
    run = mutant_runs[name]
    mutant = MUTANTS[name]
    context = f"mutant {name} ({mutant.description})\n{run.explain()}"
    missing = [c for c in mutant.killed_by if c not in CATALOGUE]
    assert not missing, f"killed_by names checks not in the catalogue: {missing}\n{context}"
    assert run.code == 1, f"expected exit code 1 (failed checks)\n{context}"
    outcomes = run.outcomes()
    survivors = {c: outcomes.get(c, "not run") for c in mutant.killed_by
                 if outcomes.get(c) != "failed"}
    assert not survivors, f"checks that did not fail: {survivors}\n{context}"
