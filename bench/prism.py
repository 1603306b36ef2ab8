"""Run the suite against Stoplight Prism mocking the contract, and compare with bench/prism.md.

    npm ci                       # installs the pinned @stoplight/prism-cli
    python bench/prism.py        # exit 0: outcomes as documented; 1: they differ
    python bench/prism.py --write   # rewrite the documented outcome table
    python bench/prism.py --timeout 5 --beside pytest tests ...   # both at once

Prism is started on a free loopback port, given a target file (its examples'
ids; any non-empty key, Prism does not check it), and the suite is run at
`--level schema` and at the full level with a fixed seed. The per-check
outcomes are compared with the table between the outcome markers in
bench/prism.md; exit 2 when Prism or the suite cannot run at all.

With `--beside COMMAND...` the command (the project's tests, in `tox -e
tests`) runs at the same time: the Prism runs mostly wait on Prism, the
tests mostly on the CPU. What this script has to say is printed once the
command is done; the exit code is the command's when it failed, else this
check's. Beside a busy CPU Prism answers slower: give it `--timeout 5`.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "bench" / "prism.md"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
BEGIN, END = "<!-- outcomes:begin -->", "<!-- outcomes:end -->"
LEVELS = ("schema", "full")
KEY_ENV = "PRISM_API_KEY"
SEED = "1"

# Ids from the contract's own examples, which is what Prism answers with.
TARGET = """\
base_url = "{base_url}"
api_key_env = "{key_env}"

[fixtures]
campaign_id = "camp_XiQEBcj9cc5TFRB4"
taken_campaign_name = "Q3 Outreach Campaign"
agent_ids = ["agent_D5D0p7TUs66TTAEAx"]
phone_numbers = ["+14155552671"]
foreign_campaign_id = "camp_belongs_to_someone_else"
foreign_agent_id = "agent_belongs_to_someone_else"
foreign_phone_number = "+14155550199"
dynamic_variable_names = ["customer_name"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def run_level(level: str, target: Path, workdir: Path,
              timeout: float) -> tuple[int, dict[str, str], float]:
    summary = workdir / f"summary-{level}.json"
    command = [sys.executable, "-m", "conformance", "run", "--target", str(target),
               "--no-allure", "--seed", SEED, "--summary-json", str(summary), "--level", level,
               # Prism never answers a body that is not JSON: do not wait 10 s for each.
               "--timeout", str(timeout),
               # One request at a time, as against any server not on loopback: Prism
               # exits on a body with a property name outside Latin-1 (bench/prism.md),
               # which a check stopped at its first failure never sends, but a batch
               # already in flight may carry.
               "--concurrency", "1"]
    env = {**os.environ, KEY_ENV: "any-non-empty-key"}
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    seconds = time.monotonic() - started
    if done.returncode not in (0, 1) or not summary.exists():
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"prism: the {level} run ended with exit {done.returncode}")
    data = json.loads(summary.read_text(encoding="utf-8"))
    return done.returncode, {c["id"]: c["outcome"] for c in data["checks"]}, seconds


def documented() -> dict[str, dict[str, str]]:
    """check id -> level -> outcome, from the table in bench/prism.md."""
    text = DOC.read_text(encoding="utf-8")
    table = text.split(BEGIN, 1)[1].split(END, 1)[0]
    outcomes: dict[str, dict[str, str]] = {}
    for line in table.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("check", "") or set(cells[0]) <= {"-", ":"}:
            continue
        outcomes[cells[0]] = dict(zip(LEVELS, cells[1:], strict=True))
    return outcomes


def render(measured: dict[str, dict[str, str]]) -> str:
    rows = ["| check | schema | full |", "| --- | --- | --- |"]
    for check_id, by_level in measured.items():
        rows.append(f"| `{check_id}` | {by_level.get('schema', '-')} | {by_level['full']} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true",
                        help="rewrite the outcome table in bench/prism.md with what was measured")
    parser.add_argument("--timeout", type=float, default=1.0, metavar="SECONDS",
                        help="the suite's request timeout (Prism never answers some bodies: 1)")
    parser.add_argument("--beside", nargs=argparse.REMAINDER, metavar="COMMAND",
                        help="run COMMAND at the same time (the rest of the command line)")
    args = parser.parse_args(argv)
    if not args.beside:
        return check(args.write, args.timeout)
    beside = subprocess.Popen(args.beside)
    said = io.StringIO()
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
            try:
                code = check(args.write, args.timeout)
            except SystemExit as stopped:  # a run that could not end: said, once COMMAND is done
                if not isinstance(stopped.code, int):
                    print(stopped.code)
                code = stopped.code if isinstance(stopped.code, int) else 2
    except BaseException:
        beside.terminate()
        beside.wait()
        sys.stdout.write(said.getvalue())
        raise
    beside_code = beside.wait()
    sys.stdout.write(said.getvalue())
    return beside_code or code


def check(write: bool, timeout: float) -> int:
    """Measure Prism's outcomes at both levels; compare them with bench/prism.md (or
    write them there)."""
    if not PRISM.exists():
        print("prism: node_modules/.bin/prism is missing; run `npm ci` first", file=sys.stderr)
        return 2
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="prism-bench-") as tmp:
        workdir = Path(tmp)
        log = (workdir / "prism.log").open("wb")
        prism = subprocess.Popen(
            [str(PRISM), "mock", str(ROOT / "spec" / "openapi.yaml"), "-p", str(port),
             "-h", "127.0.0.1"],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
        try:
            if not wait_for_port(port, prism, 60):
                log.flush()
                sys.stderr.write((workdir / "prism.log").read_text(errors="replace")[-4000:])
                print("prism: Prism did not start listening", file=sys.stderr)
                return 2
            target = workdir / "target.toml"
            target.write_text(TARGET.format(base_url=f"http://127.0.0.1:{port}",
                                            key_env=KEY_ENV), encoding="utf-8")
            measured: dict[str, dict[str, str]] = {}
            # Prism keeps no state and the runs mostly wait on it: both levels at once.
            with ThreadPoolExecutor(len(LEVELS)) as pool:
                finished = list(pool.map(
                    lambda level: run_level(level, target, workdir, timeout), LEVELS))
            for level, (code, outcomes, seconds) in zip(LEVELS, finished, strict=True):
                counts: dict[str, int] = {}
                for check_id, outcome in outcomes.items():
                    measured.setdefault(check_id, {})[level] = outcome
                    counts[outcome] = counts.get(outcome, 0) + 1
                print(f"prism: level {level}: exit {code} in {seconds:.1f} s, "
                      + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
        finally:
            prism.terminate()
            try:
                prism.wait(10)
            except subprocess.TimeoutExpired:
                prism.kill()
                prism.wait(5)
            log.close()
    if write:
        text = DOC.read_text(encoding="utf-8")
        head, rest = text.split(BEGIN, 1)
        DOC.write_text(head + BEGIN + "\n" + render(measured) + "\n" + END
                       + rest.split(END, 1)[1], encoding="utf-8")
        print(f"prism: wrote {len(measured)} outcomes to {DOC.relative_to(ROOT)}")
        return 0
    expected = documented()
    differences = []
    for check_id in sorted(set(expected) | set(measured)):
        for level in LEVELS:
            want = expected.get(check_id, {}).get(level, "-")
            got = measured.get(check_id, {}).get(level, "-")
            if want != got:
                differences.append(f"  {check_id} at level {level}: documented {want}, got {got}")
    if differences:
        print("prism: outcomes differ from bench/prism.md:\n" + "\n".join(differences))
        return 1
    print(f"prism: all {len(measured)} checks as documented in bench/prism.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
