"""Work a check can have done in another process while the checks before it run.

Against a fast target a run is its client's CPU: the target's core sits
mostly idle. Some of a check's work depends on nothing the target answers:
the fuzzing checks' cases (importing Schemathesis, building its schema,
drawing from its strategies) are a fifth of a quick run's CPU. A check may
declare that work as a :class:`Job`; the engine hands it to one worker
process as soon as the target has answered its first request, and the check
takes the result when its turn comes (:meth:`Context.prepared`).

The job computes exactly what the check would compute itself: the same seed,
and the same generation (`stable_generation`, as in the run's own process).
Whatever goes wrong with the worker (no process can be started, it
dies, the job raises) only means the check does the work itself.

The worker is a plain child interpreter (`python -c`, the parent's
``sys.path`` and Hypothesis storage), not a multiprocessing one: it never imports the parent's
``__main__`` (a script embedding the engine needs no main guard), it is in a
session of its own (a Ctrl-C at the terminal reaches the run, not the
worker), and it ends when the parent closes its input, so the parent's exit
never waits for it. One worker serves the whole process and is kept between
runs (the pytest face and the project's tests run many in one process).
Jobs and results travel as pickles over its standard input and output.
"""

from __future__ import annotations

import atexit
import json
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import IO, Any

from ._profiles import hypothesis_home

__all__ = ["Job", "outcome", "submit"]


@dataclass(frozen=True)
class Job:
    """A module-level function and its (picklable) arguments."""

    func: Callable[..., Any]
    args: tuple[Any, ...]

    def __call__(self) -> Any:
        return self.func(*self.args)


class WorkerGone(Exception):
    """The worker process ended before it answered."""


class _Worker:
    def __init__(self) -> None:
        code = (f"import sys; sys.path[:] = {json.dumps(sys.path)}; "
                "from conformance._prepared import serve; serve()")
        # Hypothesis's data where the run keeps it: the Unicode tables the run has
        # built are read, not built again (seconds each).
        self.home = hypothesis_home()
        env = {**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": self.home}
        self._process = subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True, env=env)
        self._waiting: dict[int, Future[Any]] = {}
        self._lock = threading.Lock()
        self._next = 0
        self.alive = True
        threading.Thread(target=self._read, name="prepared-results", daemon=True).start()

    def submit(self, job: Job) -> Future[Any]:
        future: Future[Any] = Future()
        message = pickle.dumps((self._next, job.func, job.args))
        with self._lock:
            if not self.alive:
                raise WorkerGone("the worker has ended")
            self._waiting[self._next] = future
            self._next += 1
            stdin = self._process.stdin
            assert stdin is not None
            stdin.write(message)
            stdin.flush()
        return future

    def _read(self) -> None:
        stdout = self._process.stdout
        assert stdout is not None
        try:
            while True:
                number, ok, value = pickle.load(stdout)
                with self._lock:
                    future = self._waiting.pop(number)
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(RuntimeError(value))
        except Exception:  # EOF or garbage: the worker is gone
            pass
        with self._lock:
            self.alive = False
            waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            future.set_exception(WorkerGone("the worker ended before it answered"))

    def close(self) -> None:
        try:
            if self._process.stdin is not None:
                self._process.stdin.close()  # the worker ends after its current job
        except OSError:
            pass


_lock = threading.Lock()
_worker: _Worker | None = None


def _close() -> None:
    if _worker is not None:
        _worker.close()


atexit.register(_close)


def submit(job: Job) -> Future[Any] | None:
    """Start `job` in the worker; None if no worker can take it."""
    global _worker
    try:
        with _lock:
            if _worker is None or not _worker.alive or _worker.home != hypothesis_home():
                if _worker is not None:
                    _worker.close()
                _worker = _Worker()
            worker = _worker
        return worker.submit(job)
    except Exception:  # no process can be started here, or the worker broke
        return None


def outcome(future: Future[Any] | None, job: Job) -> Any:
    """The job's result: the worker's, or computed here if the worker failed."""
    if future is not None:
        try:
            return future.result()
        except Exception:
            pass
    return job()


def serve(source: IO[bytes] | None = None, sink: IO[bytes] | None = None) -> None:
    """The worker's loop: run each job read from `source`, write its result to `sink`."""
    from ._determinism import stable_generation

    source = source or sys.stdin.buffer
    sink = sink or sys.stdout.buffer
    # Drawn as the run itself draws: from the strategies and the seed only, not
    # from the literals of whatever modules this process happens to have loaded.
    stable_generation()
    # Nothing the jobs print may corrupt the results' stream.
    sys.stdout = sys.stderr
    while True:
        try:
            number, func, args = pickle.load(source)
        except EOFError:
            return
        try:
            reply = (number, True, func(*args))
        except BaseException as exc:  # sent back: the check does the work itself
            reply = (number, False, f"{type(exc).__name__}: {exc}")
        try:
            data = pickle.dumps(reply)
        except Exception as exc:
            data = pickle.dumps((number, False, f"unpicklable result: {exc}"))
        sink.write(data)
        sink.flush()
