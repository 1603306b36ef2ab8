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

import inspect
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

WORKERS = 2
# The checkout first on the path: an editable install recorded before a package
# had its __init__.py would otherwise shadow it with an empty namespace package.
ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

# One worker: reads jobs, one JSON line each on stdin, runs each. The embedded
# server a run starts is forked from the worker, whose imports are done, rather
# than started as a fresh `python -m conformance._embedded` (about half a second
# of imports, for each of some two hundred runs): the worker installs its own
# launcher (conformance._embedded's seam). It is the same server, serving the
# same app, ended the same way (SIGTERM, SIGKILL if it lingers); only its exit,
# which uvicorn takes 0.1 to 0.2 s to reach, is awaited on a thread of its own,
# not by the run that is done with it.
_WORKER = r"""
import contextlib, importlib, io, json, os, signal, sys, threading, time, traceback
import uvicorn
import conformance._embedded as embedded
from conformance._cli import main


class Forked:
    # The server child: its pid and the read end of its stdout.
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
        self.pid, self.stopped = pid, False
        self.stdout = open(read, encoding="utf-8")


def reap(pid, grace=5.0):
    deadline = time.monotonic() + grace
    while not os.waitpid(pid, os.WNOHANG)[0]:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return
        time.sleep(0.01)


class ForkLauncher:
    def __init__(self):
        self.reapers = []

    def start(self, argv):
        return Forked(argv)

    def stop(self, child):
        # Once: after its reaper has reaped it, its pid may be another process's.
        if child.stopped:
            return
        child.stopped = True
        child.stdout.close()
        try:
            os.kill(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        reaper = threading.Thread(target=reap, args=(child.pid,), daemon=True)
        reaper.start()
        self.reapers = [r for r in self.reapers if r.is_alive()] + [reaper]

    def close(self):
        for reaper in self.reapers:
            reaper.join()


def call(job):
    # A function of a test module, run here with the job's arguments.
    if job["path"] not in sys.path:
        sys.path.insert(0, job["path"])
    function = getattr(importlib.import_module(job["module"]), job["function"])
    return 0, function(*job["args"])


def run(job):
    # As `python -m conformance` would end: SystemExit's code, 1 and a traceback
    # for an exception that escapes.
    try:
        return main(job["argv"]), None
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0, None
        print(exc.code, file=sys.stderr)
        return 1, None


launcher = ForkLauncher()
embedded.use_launcher(launcher)
home = os.getcwd()
for line in sys.stdin:
    job = json.loads(line)
    os.environ.clear()
    os.environ.update(job["env"])
    os.chdir(job.get("cwd") or home)
    output = io.StringIO()
    value = None
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            code, value = (call if "function" in job else run)(job)
        except BaseException:
            code = -1 if "function" in job else 1
            traceback.print_exc()
    with open(job["result"], "w", encoding="utf-8") as handle:
        json.dump({"code": code, "output": output.getvalue()[-200000:], "value": value}, handle)
    print(job["result"], flush=True)
launcher.close()
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

    def run_many(self, argvs: Sequence[Sequence[str]], *, env: Mapping[str, str] | None = None,
                 cwd: Path | None = None) -> list[SuiteRun]:
        """Each argv is `run ...`; order is kept. Its summary is read from its
        --summary-json, or from a file of the runner's when it has none (added here).

        Each job runs with the environment as it is now (a test's monkeypatched
        key included) and `env` over it, whenever its worker was started, in `cwd`
        (else the runner's directory)."""
        jobs = []
        for argv in argvs:
            job = self._job(env, cwd)
            if "--summary-json" in argv:
                given = Path(argv[list(argv).index("--summary-json") + 1])
                job.update(argv=list(argv), summary=str((cwd or self.workdir) / given))
            else:
                job.update(argv=[*argv, "--summary-json", job["summary"]])
            jobs.append(job)
        self._perform(jobs)
        return [self._collect(job) for job in jobs]

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """`function(*args)` in a worker interpreter: what it returns (JSON, as JSON
        gives it back). `function` is a module-level function of a test module; an
        exception it raises is an AssertionError here, with what the worker printed."""
        job = self._job()
        job.update(path=str(Path(inspect.getfile(function)).parent),
                   module=function.__module__, function=function.__qualname__, args=list(args))
        self._perform([job])
        result = self._result(job)
        if result["code"] != 0:
            raise AssertionError(f"{function.__qualname__}{tuple(args)!r} in a worker "
                                 f"interpreter: {result['output']}")
        return result["value"]

    def _job(self, env: Mapping[str, str] | None = None,
             cwd: Path | None = None) -> dict[str, Any]:
        self._count += 1
        return {"result": str(self.workdir / f"result-{self._count}.json"),
                "summary": str(self.workdir / f"summary-{self._count}.json"),
                "env": {**os.environ, **(env or {})}, "cwd": str(cwd) if cwd else None}

    def _perform(self, jobs: list[dict[str, Any]]) -> None:
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

    def run(self, *argv: str, env: Mapping[str, str] | None = None,
            cwd: Path | None = None) -> SuiteRun:
        return self.run_many([list(argv)], env=env, cwd=cwd)[0]

    @staticmethod
    def _result(job: dict[str, Any]) -> dict[str, Any]:
        try:
            return dict(json.loads(Path(job["result"]).read_text(encoding="utf-8")))
        except (OSError, ValueError):
            return {"code": -1, "output": "the worker interpreter died during this job"}

    @classmethod
    def _collect(cls, job: dict[str, Any]) -> SuiteRun:
        result = cls._result(job)
        try:
            summary = json.loads(Path(job["summary"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = None
        return SuiteRun(job["argv"], int(result["code"]), result["output"], summary)
