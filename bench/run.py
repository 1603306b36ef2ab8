"""Benchmark: this suite against plain Schemathesis, on the reference and every mutant.

    python bench/run.py [--quick] [--jobs 2] [--output bench/results.md]

Both tools are run as a user would run them, from their command lines, each
against a fresh server (bench/counting_server.py: the reference or one
mutant) that counts the HTTP requests reaching it.

- conformance: `python -m conformance run --target FILE --strict --no-allure
  --profile quick --seed 1`. Strict, so SHOULD findings count as findings. A
  mutant is killed when the run exits 1 with at least one failed check.
- Schemathesis: `st run spec/openapi.yaml --url URL -H "X-API-Key: ..."`,
  restricted to the operation under test (UPDATE_CAMPAIGN: PATCH
  /v1/campaigns/{campaignId}), the campaign id fixed through a
  schemathesis.toml `[parameters]` entry ("path.campaignId"), seed 1, no
  example database, default phases and example counts. First it runs with all
  of its checks against the reference (a few seeds); every check that fails
  there is excluded from then on, so both tools start from zero false
  positives. A mutant is killed when a remaining check reports a failure.

Columns: mutants killed (of N); false positives (checks failing against the
reference, union over the timed runs); requests (counted by the server, for
one run against the reference, and in total over all mutant runs); wall time
(median of three runs against the reference, process start to exit).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "spec" / "openapi.yaml"
SERVER = Path(__file__).resolve().parent / "counting_server.py"
SEED = 1
CALIBRATION_SEEDS = (1, 2, 3)
TIMED_RUNS = 3
RUN_TIMEOUT = 600
QUICK_SAMPLE = 8


def python_env(**extra: str) -> dict[str, str]:
    """The checkout first on the path, whatever the installed copy says; bytecode
    cached as Python does by default (an environment that turns that off would
    compile this checkout's modules on every run, and not the installed tools')."""
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": pythonpath, **extra}


@dataclass
class Served:
    info: dict[str, Any]
    requests: int | None = None


@contextmanager
def server(mutant: str | None) -> Iterator[Served]:
    command = [sys.executable, str(SERVER)] + (["--mutant", mutant] if mutant else [])
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, text=True, env=python_env())
    assert process.stdout is not None
    served = Served(json.loads(process.stdout.readline()))
    try:
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            tail, _ = process.communicate(timeout=15)
            served.requests = json.loads(tail.strip().splitlines()[-1])["requests"]
        except (subprocess.TimeoutExpired, ValueError, IndexError, KeyError):
            process.kill()
            process.wait()


@dataclass
class Outcome:
    tool: str
    target: str
    exit_code: int
    wall: float
    requests: int | None
    findings: list[str] = field(default_factory=list)  # failing check names
    errors: list[str] = field(default_factory=list)
    self_reported_requests: int | None = None
    requests_by_check: dict[str, int] = field(default_factory=dict)

    @property
    def killed(self) -> bool:
        return bool(self.findings)


# -- the two tools ------------------------------------------------------------


def run_conformance(mutant: str | None, workdir: Path) -> Outcome:
    with server(mutant) as served:
        target = workdir / "target.toml"
        target.write_text(served.info["target_toml"], encoding="utf-8")
        summary_path = workdir / "summary.json"
        command = [sys.executable, "-m", "conformance", "run", "--target", str(target),
                   "--strict", "--no-allure", "--profile", "quick", "--seed", str(SEED),
                   "--summary-json", str(summary_path)]
        env = python_env(**{served.info["key_env"]: served.info["key"]})
        started = time.monotonic()
        done = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, check=False)
        wall = time.monotonic() - started
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        summary = {}
    checks = summary.get("checks", [])
    return Outcome(
        tool="conformance",
        target=mutant or "reference",
        exit_code=done.returncode,
        wall=wall,
        requests=served.requests,
        findings=sorted(c["id"] for c in checks if c["outcome"] in ("failed", "non-strict")),
        errors=sorted(c["id"] for c in checks if c["outcome"] == "error")
        or ([f"exit {done.returncode}: {done.stderr.strip()[-300:]}"] if not summary else []),
        self_reported_requests=summary.get("requests", {}).get("sent"),
        requests_by_check={c["id"]: int(c.get("requests") or 0) for c in checks},
    )


def schemathesis_command(served: Served, workdir: Path, seed: int, excluded: list[str]
                         ) -> list[str]:
    from conformance._operation import UPDATE_CAMPAIGN as operation

    config = workdir / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        f'"path.{operation.path_parameter}" = {json.dumps(served.info["campaign_id"])}\n',
        encoding="utf-8",
    )
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    command = [
        st, "--config-file", str(config), "run", str(SPEC),
        "--url", served.info["base_url"],
        "--header", f"{operation.contract.security_header}: {served.info['key']}",
        "--include-path", operation.path_template, "--include-method", operation.method,
        "--seed", str(seed), "--generation-database", "none",
        "--request-timeout", "10",
        "--report", "ndjson,json", "--report-dir", str(workdir / "report"),
        "--no-color",
    ]
    if excluded:
        command += ["--exclude-checks", ",".join(excluded)]
    return command


def run_schemathesis(mutant: str | None, workdir: Path, *, excluded: list[str],
                     seed: int = SEED) -> tuple[Outcome, dict[str, str]]:
    """The outcome, and for each failing check the first failure's title."""
    report = workdir / "report"
    shutil.rmtree(report, ignore_errors=True)
    with server(mutant) as served:
        command = schemathesis_command(served, workdir, seed, excluded)
        started = time.monotonic()
        done = subprocess.run(command, cwd=workdir, capture_output=True, text=True,
                              timeout=RUN_TIMEOUT, check=False, env=python_env())
        wall = time.monotonic() - started
    failing: dict[str, str] = {}
    errors: list[str] = []
    for path in report.glob("ndjson-*.ndjson"):
        for line in path.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if finished:
                for results in finished["recorder"].get("checks", {}).values():
                    for result in results:
                        if result["status"] == "failure":
                            info = result.get("failure_info") or {}
                            title = (info.get("failure") or {}).get("title", "")
                            failing.setdefault(result["name"], title)
            non_fatal = event.get("NonFatalError")
            if non_fatal:
                errors.append(str(non_fatal.get("info", {}).get("title", "error"))[:200])
    if done.returncode not in (0, 1) or (done.returncode == 1 and not failing and not errors):
        errors.append(f"exit {done.returncode}: {done.stdout.strip()[-300:]}")
    outcome = Outcome(
        tool="schemathesis",
        target=mutant or "reference",
        exit_code=done.returncode,
        wall=wall,
        requests=served.requests,
        findings=sorted(failing),
        errors=errors,
    )
    return outcome, failing


# -- the benchmark ------------------------------------------------------------


@dataclass
class Bench:
    mutants: list[str]
    jobs: int
    scratch: Path
    excluded: dict[str, str] = field(default_factory=dict)
    timed: dict[str, list[Outcome]] = field(default_factory=dict)
    matrix: dict[str, dict[str, Outcome]] = field(default_factory=dict)
    _n: int = 0

    def workdir(self) -> Path:
        self._n += 1
        path = self.scratch / f"run-{self._n}"
        path.mkdir()
        return path

    def calibrate(self) -> None:
        """Schemathesis checks that fail the reference: excluded from then on."""
        for seed in CALIBRATION_SEEDS:
            _, failing = run_schemathesis(None, self.workdir(), excluded=[], seed=seed)
            for name, title in failing.items():
                self.excluded.setdefault(name, f"{title} (seed {seed})")
        log(f"Schemathesis checks failing the reference, excluded: "
            f"{', '.join(sorted(self.excluded)) or 'none'}")

    def time_reference(self) -> None:
        excluded = sorted(self.excluded)
        self.timed = {"conformance": [], "schemathesis": []}
        for n in range(TIMED_RUNS):
            self.timed["conformance"].append(run_conformance(None, self.workdir()))
            self.timed["schemathesis"].append(
                run_schemathesis(None, self.workdir(), excluded=excluded)[0])
            log(f"reference run {n + 1}/{TIMED_RUNS}: "
                + ", ".join(f"{t} {o[-1].wall:.1f} s" for t, o in self.timed.items()))

    def run_mutants(self) -> None:
        excluded = sorted(self.excluded)
        jobs: list[tuple[str, str]] = [(m, t) for m in self.mutants
                                       for t in ("conformance", "schemathesis")]
        dirs = {job: self.workdir() for job in jobs}

        def one(job: tuple[str, str]) -> Outcome:
            mutant, tool = job
            if tool == "conformance":
                return run_conformance(mutant, dirs[job])
            return run_schemathesis(mutant, dirs[job], excluded=excluded)[0]

        done = 0
        with ThreadPoolExecutor(self.jobs) as pool:
            for job, outcome in zip(jobs, pool.map(one, jobs), strict=True):
                self.matrix.setdefault(job[0], {})[job[1]] = outcome
                done += 1
                if done % 20 == 0 or done == len(jobs):
                    log(f"mutant runs: {done}/{len(jobs)}")

    # -- reporting ----------------------------------------------------------
    def timing(self) -> str:
        """Wall times on the reference, alternating runs, and their ratio."""
        walls = {tool: [o.wall for o in runs] for tool, runs in self.timed.items()}
        medians = {tool: statistics.median(w) for tool, w in walls.items()}
        lines = [f"{tool}: " + ", ".join(f"{w:.2f} s" for w in runs)
                 + f" (median {medians[tool]:.2f} s)" for tool, runs in walls.items()]
        ratio = medians["conformance"] / medians["schemathesis"]
        lines.append(f"ratio conformance / schemathesis: {ratio:.2f}")
        return "\n".join(lines)

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for tool in ("conformance", "schemathesis"):
            timed = self.timed[tool]
            runs = [self.matrix[m][tool] for m in self.mutants]
            false_positives = sorted({f for o in timed for f in o.findings + o.errors})
            rows.append({
                "tool": tool,
                "killed": sum(o.killed for o in runs),
                "of": len(runs),
                "false_positives": false_positives,
                "requests_reference": timed[0].requests,
                "requests_mutants": sum(o.requests or 0 for o in runs),
                "wall": statistics.median(o.wall for o in timed),
            })
        return rows

    def table(self) -> str:
        header = ("| tool | mutants killed | false positives | requests (reference run) "
                  "| requests (all mutant runs) | wall time (median of 3) |")
        lines = [header, "|---|---|---|---|---|---|"]
        for row in self.rows():
            fp = len(row["false_positives"])
            fp_text = f"{fp} ({', '.join(row['false_positives'])})" if fp else "0"
            lines.append(
                f"| {row['tool']} | {row['killed']} / {row['of']} | {fp_text} "
                f"| {row['requests_reference']} | {row['requests_mutants']} "
                f"| {row['wall']:.1f} s |"
            )
        return "\n".join(lines)

    def markdown(self, command: str) -> str:
        from reference import MUTANTS

        out = [
            "# Benchmark: conformance suite vs. plain Schemathesis",
            "",
            "Generated by `bench/run.py`; do not edit. Reproduce with:",
            "",
            f"    {command}",
            "",
            self.table(),
            "",
            "How each column is measured is described in `bench/run.py`.",
            "",
            "## Schemathesis checks excluded",
            "",
            "Run with all its checks against the reference "
            f"(seeds {', '.join(map(str, CALIBRATION_SEEDS))}), these failed there, so they are "
            "left out of every other run:",
            "",
        ]
        out += [f"- `{name}`: {why}" for name, why in sorted(self.excluded.items())] or ["- none"]
        ours_sent = [o.self_reported_requests for o in self.timed["conformance"]]
        out += [
            "",
            f"The conformance suite's own count of requests sent against the reference "
            f"(summary `requests.sent`): {ours_sent[0]}; the server counted "
            f"{self.timed['conformance'][0].requests}.",
            "",
            "## Per mutant",
            "",
            "A cell names the checks that failed (the mutant is killed) or reads"
            " `survived`.",
            "",
            "| mutant | meant to be killed by | conformance | schemathesis |",
            "|---|---|---|---|",
        ]
        for name in self.mutants:
            cells = []
            for tool in ("conformance", "schemathesis"):
                outcome = self.matrix[name][tool]
                text = ", ".join(outcome.findings) if outcome.killed else "survived"
                if outcome.errors:
                    text += f" (errors: {'; '.join(outcome.errors)[:200]})"
                cells.append(text.replace("|", "\\|"))
            killed_by = ", ".join(MUTANTS[name].killed_by)
            out.append(f"| `{name}` | {killed_by} | {cells[0]} | {cells[1]} |")
        out += ["", *self.per_check()]
        survivors = [m for m in self.mutants if not self.matrix[m]["conformance"].killed]
        out += ["", "## Mutants the conformance suite lets survive", ""]
        out += [f"- `{m}`: {MUTANTS[m].description}" for m in survivors] or ["- none"]
        return "\n".join(out) + "\n"


    def per_check(self) -> list[str]:
        """Kills per request of each check: what its requests buy."""
        sent = self.timed["conformance"][0].requests_by_check
        kills = {check: 0 for check in sent}
        only = {check: 0 for check in sent}
        for name in self.mutants:
            findings = self.matrix[name]["conformance"].findings
            for check in findings:
                kills[check] = kills.get(check, 0) + 1
            if len(findings) == 1:
                only[findings[0]] = only.get(findings[0], 0) + 1
        out = [
            "## Kills per request, per check",
            "",
            "Requests: what the check sent in the first timed run against the reference "
            "(the summary's per-check count, which includes its state reads). Kills: mutants "
            "in whose run the check failed; alone: mutants no other check caught.",
            "",
            "| check | requests | kills | alone | kills per 100 requests |",
            "|---|---|---|---|---|",
        ]
        for check in sorted(kills, key=lambda c: (-kills[c] / max(sent.get(c, 0), 1), c)):
            n = sent.get(check, 0)
            rate = f"{100 * kills[check] / n:.1f}" if n else "-"
            out.append(f"| `{check}` | {n} | {kills[check]} | {only[check]} | {rate} |")
        total = sum(sent.values())
        out += ["", f"All checks: {total} requests against the reference, "
                f"{sum(1 for m in self.mutants if self.matrix[m]['conformance'].killed)} "
                f"mutants killed."]
        return out


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sample(names: list[str], size: int) -> list[str]:
    """An even spread over the sorted names (every area, not the first few)."""
    if size >= len(names):
        return names
    step = len(names) / size
    return [names[int(i * step)] for i in range(size)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"only {QUICK_SAMPLE} mutants spread over the list")
    parser.add_argument("--mutant", action="append", default=[], metavar="NAME",
                        help="only these mutants (repeatable)")
    parser.add_argument("--jobs", type=int, default=2, help="mutant runs in parallel (2)")
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "results.md",
                        help="the generated per-mutant matrix (bench/results.md)")
    parser.add_argument("--timing-only", action="store_true",
                        help="only the wall-time comparison on the reference (alternating runs)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from reference import MUTANTS

    unknown = [m for m in args.mutant if m not in MUTANTS]
    if unknown:
        parser.error(f"unknown mutant(s): {', '.join(unknown)}")
    mutants = args.mutant or sample(sorted(MUTANTS), QUICK_SAMPLE if args.quick else len(MUTANTS))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        bench = Bench(mutants=mutants, jobs=max(1, args.jobs), scratch=Path(scratch))
        bench.calibrate()
        bench.time_reference()
        if args.timing_only:
            print(bench.timing())
            return 0
        bench.run_mutants()
    command = "python bench/run.py" + (" --quick" if args.quick else "") + "".join(
        f" --mutant {m}" for m in args.mutant)
    args.output.write_text(bench.markdown(command), encoding="utf-8")
    print(bench.table())
    log(f"matrix written to {args.output}; {time.monotonic() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
