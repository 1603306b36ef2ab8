"""Every mutant of the reference is caught by the checks that claim to catch it.

For each mutant the suite runs against it with only the mutant's `killed_by`
checks selected and a fixed seed; the run must fail, and each of those checks
must be the one failing. A SHOULD check only fails a run under --strict, so
runs that select one are strict.

The mutant comparing UTC dates is also run through the command line with the
embedded server's clock pinned (--now) just after midnight UTC, where a
two-hour margin once let it pass, and the reference beside it; every
time-dependent mutant at every pinned hour is in test_clock_pinned.py.
"""

from __future__ import annotations

import pytest
from suiterun import SuiteRun, SuiteRunner

from conformance._catalogue import SHOULD, load_catalogue
from reference import MUTANTS

SEED = 20250101
CATALOGUE = load_catalogue()


# The hours at which a server comparing UTC dates once passed as CONFORMANT.
PINNED = ("2026-03-08T00:40:00Z", "2026-03-08T01:30:00Z")
NOW_CHECKS = ("past_schedule_rejected", "past_time_today_rejected", "future_schedule_accepted")
FUTURE_MUTANTS = ("schedule_today_by_utc_date",)


# A mutant that stalls (30 s) is caught by requests going unanswered: 2 s each
# shows that as well as the default 10 s.
STALLING = ("hang_on_non_ascii_name",)

# Every kill is judged with the server's clock pinned, never at the hour the tests run.
NOON = "2026-03-08T12:00:00Z"


def argv_for(name: str, now: str = NOON) -> list[str]:
    killed_by = MUTANTS[name].killed_by
    argv = ["run", "--mutant", name, "--no-allure", "--seed", str(SEED), "--now", now]
    for check_id in killed_by:
        argv += ["--check", check_id]
    if any(c in CATALOGUE and CATALOGUE[c].level == SHOULD for c in killed_by):
        argv.append("--strict")
    if name in STALLING:
        argv += ["--timeout", "2"]
    return argv


# One run per test (on the session's worker interpreters), so that xdist
# spreads the mutants over its workers.
@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_killed_by_its_checks(name: str, suite_runner: SuiteRunner) -> None:
    run = suite_runner.run(*argv_for(name))
    mutant = MUTANTS[name]
    context = f"mutant {name} ({mutant.description})\n{run.explain()}"
    assert run.code == 1, f"expected exit code 1 (failed checks)\n{context}"
    outcomes = run.outcomes()
    survivors = {c: outcomes.get(c, "not run") for c in mutant.killed_by
                 if outcomes.get(c) != "failed"}
    assert not survivors, f"checks that did not fail: {survivors}\n{context}"


@pytest.fixture(scope="module")
def pinned_runs(suite_runner: SuiteRunner) -> dict[tuple[str, str], SuiteRun]:
    keys = [(name, now) for now in PINNED for name in FUTURE_MUTANTS]
    checks = [arg for c in NOW_CHECKS for arg in ("--check", c)]
    reference = [["run", "--no-allure", "--seed", str(SEED), "--strict", "--now", PINNED[0],
                  *checks]]
    runs = suite_runner.run_many([argv_for(n, now) for n, now in keys] + reference)
    return dict(zip([*keys, ("reference", PINNED[0])], runs, strict=True))


@pytest.mark.parametrize("now", PINNED)
@pytest.mark.parametrize("name", FUTURE_MUTANTS)
def test_a_future_mutant_is_killed_with_the_servers_clock_pinned(
    name: str, now: str, pinned_runs: dict[tuple[str, str], SuiteRun]
) -> None:
    run = pinned_runs[(name, now)]
    assert run.code == 1, run.explain()
    assert all(run.outcomes().get(c) == "failed" for c in MUTANTS[name].killed_by), run.explain()


def test_the_reference_passes_the_time_checks_with_its_clock_pinned(
    pinned_runs: dict[tuple[str, str], SuiteRun]
) -> None:
    run = pinned_runs[("reference", PINNED[0])]
    assert run.code == 0, run.explain()
    assert run.outcomes() == dict.fromkeys(NOW_CHECKS, "passed"), run.explain()
    # Judged by the server's pinned clock, read from its Date header, not by ours.
    assert run.summary is not None and "behind ours" in run.summary["clock"], run.summary
