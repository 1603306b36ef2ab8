"""Benchmark: how long a run takes to end on targets a release engineer fears.

    python bench/bounds.py [--output bench/bounds.md]

Each case is the suite's command line, as a user runs it, timed from process
start to exit, with the default options (request timeout, time budget):

- a target that accepts connections and never answers: the run must end with
  exit 3 ("target not answering"), no traceback, within 60 s;
- a target that answers every request 100 ms late (the embedded conformant
  variant `slow_responses`, quick profile): the verdict, its wall time and the
  requests sent; with the defaults (8 independent requests at once on
  loopback), one request at a time (`--concurrency 1`), and served on this
  machine's network address (a remote server to the suite: one request at a
  time and 10 per second by default), with the defaults and with
  `--concurrency 8 --rate-limit 25`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KEY_ENV = "BENCH_HANGING_KEY"


@contextmanager
def hanging_server() -> Iterator[str]:
    """A loopback port that accepts connections, reads them, and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            held.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        listener.close()


def run(argv: list[str], workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    summary = workdir / "summary.json"
    summary.unlink(missing_ok=True)
    command = [sys.executable, "-m", "conformance", *argv, "--no-allure",
               "--summary-json", str(summary)]
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    started = time.monotonic()
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": pythonpath, **env}, check=False)
    wall = time.monotonic() - started
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    lines = done.stdout.strip().splitlines()
    return {
        "exit": done.returncode,
        "wall": wall,
        "last_line": lines[-1] if lines else "",
        "traceback": "Traceback" in done.stdout + done.stderr,
        "requests": data.get("requests", {}).get("sent"),
        "ended": data.get("ended"),
    }


def hanging(workdir: Path) -> dict[str, Any]:
    target = workdir / "hanging.toml"
    with hanging_server() as base_url:
        target.write_text(
            f'base_url = "{base_url}"\napi_key_env = "{KEY_ENV}"\n\n[fixtures]\n'
            'campaign_id = "camp_1"\ntaken_campaign_name = "Taken"\n'
            'agent_ids = ["agent_one"]\nphone_numbers = ["+14155550100"]\n',
            encoding="utf-8",
        )
        return run(["run", "--target", str(target)], workdir, {KEY_ENV: "bench-key"})


def slow(workdir: Path, *options: str) -> dict[str, Any]:
    return run(["run", "--variant", "slow_responses", "--seed", "1", *options], workdir, {})


def own_address() -> str:
    """This machine's address on its network (not loopback): where a run is a remote one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        return str(probe.getsockname()[0])


@contextmanager
def served_remotely(workdir: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """The slow variant served on every interface, and a target file that reaches it by
    this machine's network address: the suite treats it as a remote server (one
    request at a time, 10 per second, unless told otherwise)."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    server = subprocess.Popen(
        [sys.executable, "-m", "conformance", "serve", "--host", "0.0.0.0", "--port", str(port),
         "--variant", "slow_responses"], cwd=workdir, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": pythonpath})
    try:
        assert server.stdout is not None
        lines: list[str] = []
        for line in server.stdout:
            lines.append(line)
            if line.startswith("export "):
                break
        name, _, value = lines[-1].removeprefix("export ").strip().partition("=")
        toml = "".join(lines[:-1]).replace("0.0.0.0", own_address())
        target = workdir / "remote.toml"
        target.write_text(toml, encoding="utf-8")
        yield target, {name: value.strip('"')}
    finally:
        server.terminate()
        server.wait(10)


def remote(workdir: Path, *options: str) -> dict[str, Any]:
    with served_remotely(workdir) as (target, env):
        return run(["run", "--target", str(target), "--seed", "1", *options], workdir, env)


def markdown(results: dict[str, dict[str, Any]], command: str) -> str:
    rows = [
        "| target | exit | wall time | requests | how it ended | traceback |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        rows.append(f"| {name} | {r['exit']} | {r['wall']:.1f} s | {r['requests']} | "
                    f"{r['ended']} | {'yes' if r['traceback'] else 'no'} |")
    last = "\n".join(f"- {name}: `{r['last_line']}`" for name, r in results.items())
    return (f"# Bounded runs\n\nProduced by `{command}` (default options unless a row names "
            f"others: request timeout, time budget, quick profile; on loopback 8 independent "
            f"requests at once; elsewhere one at a time, 10 per second).\n\n"
            + "\n".join(rows) + "\n\nLast lines:\n\n" + last + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="write the results as Markdown here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        results = {
            "never answers": hanging(work),
            "answers 100 ms late (slow_responses), on loopback": slow(work),
            "the same, one request at a time (`--concurrency 1`)":
                slow(work, "--concurrency", "1"),
            "the same served on the network address (a remote server)": remote(work),
            "the same remote, `--concurrency 8 --rate-limit 25`":
                remote(work, "--concurrency", "8", "--rate-limit", "25"),
        }
    text = markdown(results, "python bench/bounds.py")
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
