"""The baseline's pure parts: fingerprints that ignore generated values, apply_baseline."""

from __future__ import annotations

from datetime import date
from typing import Any

from conformance._baseline import Baseline, apply_baseline, baseline_from_summary, fingerprint

TODAY = date(2026, 6, 1)


def message(expected: str, actual: str, title: str = "x") -> str:
    return f"[MUST] c: {title}\n  Expected: {expected}\n  Actual:   {actual}\n  Seed: --seed 9"


def summary(*failures: tuple[str, str, str], passed: tuple[str, ...] = ()) -> dict[str, Any]:
    failing = any(o in ("failed", "error") for _, o, _ in failures)
    return {
        "exit_code": 1 if failing else 0,
        "verdict": "verdict: NOT CONFORMANT: 1 MUST and 0 SHOULD checks failed against t"
        if failing else "verdict: CONFORMANT at level full: t",
        "target": {"name": "t"}, "level": "full",
        "checks": [{"id": i, "outcome": o} for i, o, _ in failures]
        + [{"id": i, "outcome": "passed"} for i in passed],
        "failed": [{"id": i, "level": "MUST", "message": m} for i, _, m in failures],
    }


def test_fingerprints_ignore_generated_names_dates_and_numbers_in_words() -> None:
    one = message("the campaign exactly as it was before 'Conformance ab12-3'",
                  "campaignName: 'a' -> 'b'", title="name 'Conformance ab12-3' 2027-06-15")
    two = message("the campaign exactly as it was before 'Conformance ff09-7'",
                  "campaignName: 'c' -> 'd'", title="name 'Conformance ff09-7' 2028-01-02")
    assert fingerprint("c", "MUST", "failed", one) == fingerprint("c", "MUST", "failed", two)


def test_fingerprints_tell_apart_other_statuses_expected_or_answered() -> None:
    base = fingerprint("c", "MUST", "failed", message("400", "200 {}"))
    assert fingerprint("c", "MUST", "failed", message("400", "500 {}")) != base
    assert fingerprint("c", "MUST", "failed", message("400 or 404", "200 {}")) != base
    assert fingerprint("d", "MUST", "failed", message("400", "200 {}")) != base


def test_every_failure_listed_exits_0_and_is_marked_known() -> None:
    run = summary(("a", "failed", message("400", "200 {}")))
    applied = apply_baseline(run, baseline_from_summary(run, reason="T", expires=TODAY), TODAY)
    assert applied.exit_code == 0
    assert applied.summary["failed"][0]["known"] is True
    assert applied.summary["verdict"] == \
        "verdict: PASSED WITH 1 KNOWN FAILURES (baseline) at level full: t"
    assert run["failed"][0].get("known") is None  # the input is left as it was


def test_a_new_failure_or_an_expired_entry_exits_1() -> None:
    old = summary(("a", "failed", message("400", "200 {}")))
    listed = baseline_from_summary(old, reason="T", expires=TODAY)
    new = summary(("a", "failed", message("400", "200 {}")),
                  ("b", "failed", message("409", "200 {}")))
    applied = apply_baseline(new, listed, TODAY)
    assert applied.exit_code == 1 and applied.new == ["b"] and applied.known == ["a"]
    assert applied.summary["verdict"].startswith("verdict: NOT CONFORMANT")
    assert applied.summary["verdict"].endswith("(1 known from the baseline, 1 new)")
    expired = apply_baseline(old, listed, date(2026, 6, 2))
    assert expired.exit_code == 1 and [e.id for e in expired.expired] == ["a"]
    assert expired.summary["failed"][0]["known"] is False


def test_listed_failures_that_now_pass_are_named_and_other_exit_codes_stand() -> None:
    old = summary(("a", "failed", message("400", "200 {}")))
    listed = baseline_from_summary(old, reason="T", expires=TODAY)
    fixed = apply_baseline(summary(passed=("a",)), listed, TODAY)
    assert fixed.exit_code == 0 and [e.id for e in fixed.now_passing] == ["a"]
    assert fixed.summary["verdict"] == "verdict: CONFORMANT at level full: t"
    aborted = dict(old, exit_code=3, verdict="verdict: RUN ABORTED after 2 checks (x)")
    stays = apply_baseline(aborted, listed, TODAY)
    assert stays.exit_code == 3 and stays.summary["verdict"] == aborted["verdict"]


def test_a_baseline_reads_back_what_it_wrote(tmp_path: Any) -> None:
    run = summary(("a", "failed", message("400", "200 {}")), ("b", "error", "[MUST] b: boom"))
    written = baseline_from_summary(run, reason="T-9", expires=TODAY)
    path = tmp_path / "b.json"
    path.write_text(written.to_json(), encoding="utf-8")
    assert Baseline.load(path) == Baseline(tuple(sorted(written.entries, key=lambda e: e.id)))
