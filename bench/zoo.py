"""Benchmark: the suite against faults written apart from it.

    python bench/zoo.py [--seed N] [--output bench/zoo.md] [NAME ...]

reference/drf/ is an independent implementation (Django REST Framework),
and reference/drf/FAULTS.md lists thirty faults someone who had read neither
the suite nor its reference, mutants or errata put into it, each behind
`--fault NAME`. For each, the suite's command line runs against the server
started with that fault (quick profile, the given seed, as a user runs it);
a fault is caught when the run's verdict is NOT CONFORMANT (exit 1), and the
MUST checks that failed say how. SHOULD checks that failed are listed too;
they do not make the verdict.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from conformance._embedded import embedded_fixtures, target_toml  # noqa: E402
from conformance._target import Secret, Target  # noqa: E402
from reference._independent import IndependentServer  # noqa: E402

KEY_ENV = "BENCH_ZOO_KEY"
FAULTS = ROOT / "reference" / "drf" / "FAULTS.md"


def faults() -> list[tuple[str, str]]:
    """(name, what is wrong) for each row of FAULTS.md's table."""
    rows = []
    for line in FAULTS.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.split(" | ")]
        if len(cells) >= 4 and cells[0] not in ("NAME",) and not cells[0].startswith("---"):
            rows.append((cells[0], cells[1]))
    return rows


@dataclass(frozen=True)
class Result:
    name: str
    exit: int
    wall: float
    must: list[str]
    should: list[str]


def run_one(name: str, seed: int, workdir: Path) -> Result:
    with IndependentServer("drf", args=("--fault", name)) as server:
        target = Target(base_url=server.base_url, fixtures=embedded_fixtures(server.world),
                        api_key=Secret(server.world.primary_key), api_key_env=KEY_ENV,
                        name=f"drf --fault {name}")
        target_file = workdir / f"{name}.toml"
        target_file.write_text(target_toml(target), encoding="utf-8")
        summary = workdir / f"{name}.json"
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "conformance", "run", "--target", str(target_file),
             "--seed", str(seed), "--no-allure", "--no-report", "--summary-json", str(summary)],
            cwd=ROOT, env={**os.environ, KEY_ENV: server.world.primary_key},
            capture_output=True, text=True)
        wall = time.monotonic() - started
    failed = json.loads(summary.read_text(encoding="utf-8")).get("failed", [])
    return Result(name, done.returncode, wall,
                  must=[f["id"] for f in failed if f["level"] == "MUST"],
                  should=[f["id"] for f in failed if f["level"] != "MUST"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path)
    parser.add_argument("names", nargs="*", help="faults to run (default: all)")
    args = parser.parse_args()
    table = faults()
    chosen = [(n, w) for n, w in table if not args.names or n in args.names]
    results = []
    with tempfile.TemporaryDirectory(prefix="zoo-") as tmp:
        for name, _ in chosen:
            result = run_one(name, args.seed, Path(tmp))
            results.append(result)
            print(f"{name}: exit {result.exit} in {result.wall:.1f} s {' '.join(result.must)}",
                  flush=True)
    caught = sum(1 for r in results if r.exit == 1)
    lines = [
        "# The suite against faults written apart from it",
        "",
        f"`python bench/zoo.py --seed {args.seed}`: the quick profile against each fault of",
        "reference/drf/FAULTS.md (the DRF implementation started with `--fault NAME`).",
        "",
        f"**{caught} of {len(results)} faults caught** (verdict NOT CONFORMANT).",
        "",
        "| fault | what is wrong | verdict | MUST checks failed | SHOULD checks failed |",
        "|---|---|---|---|---|",
    ]
    what = dict(table)
    for r in results:
        verdict = {0: "passed", 1: "**caught**"}.get(r.exit, f"exit {r.exit}")
        lines.append(f"| `{r.name}` | {what[r.name]} | {verdict} | "
                     f"{', '.join(r.must) or '-'} | {', '.join(r.should) or '-'} |")
    text = "\n".join(lines) + "\n"
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    print(f"{caught} of {len(results)} faults caught")
    return 0


if __name__ == "__main__":
    sys.exit(main())
