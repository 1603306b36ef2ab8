"""Running the suite many times, fast: in-process runs inside fresh interpreters.

A run of `python -m conformance run` pays about two seconds to import pytest,
Hypothesis and Schemathesis before its first request. The tests here start a
few long-lived worker interpreters instead, once per test session (per xdist
worker), and keep them until the session ends; each runs
`conformance._cli.main` once per job, in process, with the environment the
job was submitted in, and writes the exit code and the run's summary to a
file. The workers never share state with the pytest run that starts them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKERS = 2
# The checkout first on the path: an editable install recorded before a package
# had its __init__.py would otherwise shadow it with an empty namespace package.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# One worker: reads job files named on stdin, one per line, runs each. The
# embedded server a run starts is forked from the worker, whose imports are
# done, rather than started as a fresh `python -m conformance._embedded`
# (about half a second of imports, for each of some two hundred runs); it is
# the same server, serving the same app, ended the same way.
_WORKER = r"""
import contextlib, io, json, os, signal, subprocess, sys, time, types
import uvicorn
import conformance._embedded as embedded
from conformance._cli import main


class Forked:
    # What the embedded server's owner uses of a Popen.
    def __init__(self, argv):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(read)
                os.dup2(write, 1)
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
                sys.stdout = open(1, "w", closefd=False)
                sys.stderr = sys.__stderr__
                embedded._serve_child(argv)
            finally:
                os._exit(0)
        os.close(write)
        self.pid, self.returncode = pid, None
        self.stdout = open(read, encoding="utf-8")

    def poll(self):
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["embedded"], timeout)
            time.sleep(0.005)
        return self.returncode

    def send_signal(self, signum):
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self):
        self.send_signal(signal.SIGTERM)

    def kill(self):
        self.send_signal(signal.SIGKILL)


def popen(command, **options):
    if list(command[1:3]) == ["-m", "conformance._embedded"]:
        return Forked(list(command[3:]))
    return subprocess.Popen(command, **options)


embedded.subprocess = types.SimpleNamespace(**{**vars(subprocess), "Popen": popen})

for line in sys.stdin:
    job = json.loads(line)
    os.environ.clear()
    os.environ.update(job["env"])
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            code = main(job["argv"])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException as exc:
            code = -1
            print(f"worker: {type(exc).__name__}: {exc}")
    with open(job["result"], "w", encoding="utf-8") as handle:
        json.dump({"code": code, "output": output.getvalue()[-20000:]}, handle)
    print(job["result"], flush=True)
"""


@dataclass
class SuiteRun:
    """The outcome of one `python -m conformance run`."""

    argv: list[str]
    code: int
    output: str
    summary: dict[str, Any] | None

    def outcomes(self) -> dict[str, str]:
        checks = (self.summary or {}).get("checks", [])
        return {c["id"]: c["outcome"] for c in checks}

    def explain(self) -> str:
        failed = (self.summary or {}).get("failed", [])
        lines = [f"argv: {' '.join(self.argv)}", f"exit code: {self.code}"]
        lines += [f"  {f['id']} [{f['level']}]: {f['message'][:600]}" for f in failed]
        if self.summary is None or self.code not in (0, 1):
            lines.append(self.output[-3000:])
        return "\n".join(lines)


class _Worker:
    """One worker interpreter, started at once, fed one job at a time."""

    def __init__(self, workdir: Path) -> None:
        pythonpath = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": pythonpath}
        self._errors = tempfile.TemporaryFile("w+")
        self._process = subprocess.Popen(
            [sys.executable, "-c", _WORKER], cwd=workdir, env=env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._errors,
        )

    def run(self, job: dict[str, Any]) -> bool:
        """False once the worker has died (the job then has no result file)."""
        assert self._process.stdin is not None and self._process.stdout is not None
        try:
            self._process.stdin.write(json.dumps(job) + "\n")
            self._process.stdin.flush()
        except OSError:
            return False
        return bool(self._process.stdout.readline())

    def close(self) -> None:
        if self._process.stdin is not None:
            try:
                self._process.stdin.close()
            except OSError:
                pass
        try:
            self._process.wait(60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(10)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._errors.close()


@dataclass
class SuiteRunner:
    """Runs suite invocations on a few worker interpreters kept for the session."""

    workdir: Path
    workers: int = WORKERS
    _count: int = field(default=0, init=False)
    _idle: list[_Worker] = field(default_factory=list, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def run_many(self, argvs: Sequence[Sequence[str]]) -> list[SuiteRun]:
        """Each argv is `run ...` without --summary-json (added here); order is kept.

        Each job runs with the environment as it is now (a test's monkeypatched
        key included), whenever its worker was started."""
        jobs = []
        environment = dict(os.environ)
        for argv in argvs:
            self._count += 1
            summary = self.workdir / f"summary-{self._count}.json"
            full = [*argv, "--summary-json", str(summary)]
            jobs.append({"argv": full, "result": str(self.workdir / f"result-{self._count}.json"),
                         "summary": str(summary), "env": environment})
        queue = list(reversed(jobs))

        def feed() -> None:
            worker: _Worker | None = None
            while True:
                with self._lock:
                    if not queue:
                        break
                    job = queue.pop()
                    if worker is None:
                        worker = self._idle.pop() if self._idle else None
                if worker is None:
                    worker = _Worker(self.workdir)
                if not worker.run(job):
                    worker.close()  # it died; the next job gets a fresh one
                    worker = None
            if worker is not None:
                with self._lock:
                    self._idle.append(worker)

        threads = [threading.Thread(target=feed) for _ in range(min(self.workers, len(jobs)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [self._collect(job) for job in jobs]

    def close(self) -> None:
        """Ends the worker interpreters (each finishes its job first)."""
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.close()

    def __enter__(self) -> SuiteRunner:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def run(self, *argv: str) -> SuiteRun:
        return self.run_many([list(argv)])[0]

    @staticmethod
    def _collect(job: dict[str, Any]) -> SuiteRun:
        try:
            result = json.loads(Path(job["result"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result = {"code": -1, "output": "the worker interpreter died during this run"}
        try:
            summary = json.loads(Path(job["summary"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = None
        return SuiteRun(job["argv"], int(result["code"]), result["output"], summary)
