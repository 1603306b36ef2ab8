"""Work a check can have done in another process while the checks before it run.

Against a fast target a run is its client's CPU: the target's core sits
mostly idle. Some of a check's work depends on nothing the target answers:
the fuzzing checks' cases (importing Schemathesis, building its schema,
drawing from its strategies) are a fifth of a quick run's CPU. A check may
declare that work as a :class:`Job`; the engine hands it to one worker
process as soon as the target has answered its first request, and the check
takes the result when its turn comes (:meth:`Context.prepared`).

The job computes exactly what the check would compute itself, from the same
seed, so a run's requests are the same with or without the worker. Whatever
goes wrong with the worker (no process can be started, it dies, it raises)
only means the check does the work itself.

One worker serves the whole process and is kept between runs (the pytest face
and the project's tests run many in one process); it ignores SIGINT, so a
Ctrl-C reaches the run, not the worker's stack.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

__all__ = ["Job", "submit", "outcome"]


@dataclass(frozen=True)
class Job:
    """A module-level function and its (picklable) arguments."""

    func: Callable[..., Any]
    args: tuple[Any, ...]

    def __call__(self) -> Any:
        return self.func(*self.args)


_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker() -> ProcessPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ProcessPoolExecutor(
                max_workers=1,
                # Not fork: the run may have threads (the embedded server, the
                # client's batches) whose locks a forked child would inherit held.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_ignore_sigint,
            )
        return _pool


def submit(job: Job) -> Future[Any] | None:
    """Start `job` in the worker; None if no worker can take it."""
    global _pool
    try:
        return _worker().submit(job.func, *job.args)
    except Exception:  # no process can be started here, or the worker broke
        with _lock:
            _pool = None
        return None


def outcome(future: Future[Any] | None, job: Job) -> Any:
    """The job's result: the worker's, or computed here if the worker failed."""
    if future is not None:
        try:
            return future.result()
        except Exception:
            pass
    return job()
