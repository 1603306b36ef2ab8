"""The release engineer's commands and run options, kept apart from the run loop.

Subcommands `baseline`, `replay` and `diff`, and what `run` does around the
pytest session for `--baseline` and `--har`: a small pytest plugin collects the
run (its exchanges and each failure's failing exchange) and, once the session
is over, the summary gets what replay needs and the baseline's marks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ABORTED = 0, 1, 2, 3
DEFAULT_SUMMARY = "reports/summary.json"
DEFAULT_JUNIT = "reports/junit.xml"


def _today() -> date:
    return datetime.now(UTC).date()


# -- parsers -------------------------------------------------------------------------


def add_release_commands(sub: Any) -> None:
    baseline = sub.add_parser("baseline", help="write a known-failure baseline from a summary")
    baseline.add_argument("--from", dest="source", metavar="SUMMARY", required=True,
                          help="summary JSON of a run (run --summary-json)")
    baseline.add_argument("--out", metavar="FILE", required=True, help="baseline file to write")
    baseline.add_argument("--reason", metavar="TEXT", required=True,
                          help="why these failures are accepted (a ticket, a vendor's answer)")
    baseline.add_argument("--expires", metavar="YYYY-MM-DD", required=True,
                          help="the day after which the entries no longer excuse a failure")

    replay = sub.add_parser("replay", help="re-send the failing requests of a recorded run")
    replay.add_argument("summary", metavar="SUMMARY", help="summary JSON of a run")
    replay.add_argument("--check", action="append", default=[], metavar="ID",
                        help="replay this check's failure (repeatable; default: every failure)")
    replay.add_argument("--base-url", metavar="URL",
                        help="send to this server instead of the recorded one")

    diff = sub.add_parser("diff", help="send the same seeded cases to two servers and compare")
    diff.add_argument("--target", metavar="A.toml", required=True, help="first target file")
    diff.add_argument("--against", metavar="B.toml", required=True, help="second target file")
    diff.add_argument("--seed", type=int, default=1, help="seed of the cases (default 1)")
    diff.add_argument("--examples", type=int, default=40,
                      help="generated cases besides the fixed ones (default 40)")


# -- run --baseline / --har ------------------------------------------------------------


@dataclass
class Prepared:
    baseline: Any = None
    verdict: str | None = None  # the verdict line as the baseline tells it
    started: datetime = field(default_factory=lambda: datetime.now(UTC))


def before_run(args: argparse.Namespace) -> Prepared | int:
    """Check --baseline before anything is sent; default the output files."""
    prepared = Prepared()
    if args.baseline:
        from ._baseline import Baseline, BaselineError

        try:
            prepared.baseline = Baseline.load(args.baseline)
        except BaselineError as exc:
            print(f"error: --baseline: {exc}", file=sys.stderr)
            return EXIT_USAGE
    # Each run replaces the previous run's files: the summary and JUnit XML are
    # always written, to reports/ unless named.
    if args.summary_json is None:
        args.summary_json = DEFAULT_SUMMARY
    if args.junitxml is None:
        args.junitxml = DEFAULT_JUNIT
    return prepared


def after_run(args: argparse.Namespace, finished: Any, prepared: Prepared) -> int:
    """Write the HAR, add replay data and the baseline's marks to the summary; the exit code."""
    run, code = finished.run, finished.exit_code
    if getattr(args, "har", None):
        from ._har import write_har

        try:
            write_har(args.har, run.client.exchanges, redact=run.redact, started=prepared.started)
            print(f"HAR: {args.har} ({len(run.client.exchanges)} exchanges)")
        except OSError as exc:
            print(f"conformance: cannot write HAR {args.har}: {exc.strerror}", file=sys.stderr)
    path = Path(args.summary_json)
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return int(code)
    failing = {r.check.id: (r.failure.exchange, r.failure.expected)
               for r in run.results.values() if r.failure is not None}
    _add_replay_data(summary, run, failing)
    if prepared.baseline is not None:
        from ._baseline import apply_baseline, mark_allure_results

        applied = apply_baseline(summary, prepared.baseline, _today())
        summary = applied.summary
        for line in applied.lines(args.baseline):
            print(line)
        if not args.no_allure:
            mark_allure_results(args.alluredir, set(applied.known))
        if code in (EXIT_OK, EXIT_FAILED):  # an incomplete run stays exit 3
            code = applied.exit_code
        prepared.verdict = run.redact(summary["verdict"])
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return int(code)


def _add_replay_data(summary: dict[str, Any], run: Any,
                     failing: dict[str, tuple[Any, str]]) -> None:
    from ._replay import replay_data

    summary["target"].setdefault("api_key_env", run.target.api_key_env)
    for failure in summary.get("failed", []):
        exchange, expected = failing.get(failure["id"], (None, ""))
        data = replay_data(run.exchanges_of(failure["id"]), exchange, expected, run.redact,
                           run.target.api_key_env)
        if data is not None:
            failure["replay"] = data


# -- baseline ----------------------------------------------------------------------------


def _baseline(args: argparse.Namespace) -> int:
    from ._baseline import BaselineError, baseline_from_summary, parse_expiry, read_summary

    if not args.reason.strip():
        print("error: --reason: say why these failures are accepted", file=sys.stderr)
        return EXIT_USAGE
    try:
        expires = parse_expiry(args.expires)
        summary = read_summary(args.source)
    except BaselineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if expires < _today():
        print(f"error: --expires: {args.expires} has already passed", file=sys.stderr)
        return EXIT_USAGE
    baseline = baseline_from_summary(summary, reason=args.reason.strip(), expires=expires)
    try:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(baseline.to_json(), encoding="utf-8")
    except OSError as exc:
        print(f"error: --out: cannot write {args.out} ({exc.strerror})", file=sys.stderr)
        return EXIT_USAGE
    print(f"baseline {args.out}: {len(baseline.entries)} known failure(s), "
          f"expiring {expires.isoformat()}")
    for entry in baseline.entries:
        print(f"  {entry.id} {entry.fingerprint}")
    return EXIT_OK


# -- replay ------------------------------------------------------------------------------


def _replay(args: argparse.Namespace) -> int:
    from ._baseline import BaselineError, read_summary
    from ._replay import replay, sender
    from ._target import TargetError, check_base_url

    try:
        summary = read_summary(args.summary)
        base_url = check_base_url(args.base_url, "--base-url") if args.base_url else None
    except (BaselineError, TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    failures = {f["id"]: f for f in summary["failed"]}
    wanted = args.check or list(failures)
    unknown = [c for c in wanted if c not in failures]
    if unknown:
        listed = ", ".join(failures) or "none"
        print(f"error: --check: {unknown[0]} did not fail in this run (failures: {listed})",
              file=sys.stderr)
        return EXIT_USAGE
    missing = [c for c in wanted if "replay" not in failures[c]]
    if missing:
        print(f"error: the summary keeps no requests for {missing[0]} (written by a run "
              "without replay data?)", file=sys.stderr)
        return EXIT_USAGE
    key_env = summary["target"].get("api_key_env", "SIGMAMIND_API_KEY")
    key = os.environ.get(key_env, "")
    if not key:
        print(f"error: environment variable {key_env} is not set (the key the run used)",
              file=sys.stderr)
        return EXIT_USAGE
    send, close = sender(key, base_url=base_url, recorded_base=summary["target"]["base_url"],
                         insecure=bool(summary["target"].get("insecure")))
    verdicts = []
    try:
        for check_id in wanted:
            verdicts.append(replay(check_id, failures[check_id]["replay"], send))
    finally:
        close()
    for verdict in verdicts:
        print(f"{verdict.check_id}: {verdict.state.upper()}")
        for line in verdict.lines:
            print(f"  {line}".replace(key, "[redacted]"))
    return EXIT_OK if all(v.state == "passes now" for v in verdicts) else EXIT_FAILED


def _diff(args: argparse.Namespace) -> int:
    from ._diff import run_diff_command

    return run_diff_command(args)


RELEASE_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "baseline": _baseline,
    "replay": _replay,
    "diff": _diff,
}

