"""One run of the suite against one target: what it was given and what it found.

`Run` is the state every face reads (the engine fills it, reporters render
it): target, contract, settings, the recorded client, each check's Result,
how the campaign was left, and why the run ended. It knows nothing of pytest
or of any output; conformance/_engine.py drives it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from . import __version__
from ._catalogue import Check, CheckFailure
from ._client import Client, Exchange, Redactor
from ._clock import TargetClock
from ._context import Context
from ._events import Outcome, Restore, Result, StopReason
from ._operation import UPDATE_CAMPAIGN, Operation
from ._prepared import Job
from ._profiles import Profile
from ._restore import restore_body
from ._spec import ERRATA_DETECTORS, Spec
from ._target import Target

E = TypeVar("E", bound=BaseException)

__all__ = ["Run", "RunAborted", "Result", "failure_of", "restore_body"]


class RunAborted(Exception):
    """The run cannot go on (target unreachable, budget spent); exit code 3."""


@dataclass
class Run:
    target: Target
    spec: Spec
    profile: Profile
    seed: int
    level: str
    strict: bool
    server: Any = None
    operation: Operation = UPDATE_CAMPAIGN
    redact: Redactor = field(default_factory=Redactor)
    results: dict[str, Result] = field(default_factory=dict)
    aborted: str | None = None
    stop_reason: StopReason | None = None
    original: dict[str, Any] | None = None
    opening: Exchange | None = None  # a state read a preflight already sent, reused by the engine
    restore: Restore = field(default_factory=lambda: Restore("skipped", "not attempted"))
    clock: Callable[[], float] = time.monotonic
    target_clock: TargetClock = field(default_factory=TargetClock)  # "now" as the target sees it
    transport: Any = None  # an httpx transport in place of the network (in-process tests)
    # Checks' declared work started in the worker process, by check id (`Engine._prepare`).
    prepared: dict[str, tuple[Future[Any], Job]] = field(default_factory=dict)
    started: float = field(init=False)
    client: Client = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()
        self.client = Client(self.target, redactor=self.redact, operation=self.operation,
                             transport=self.transport)

    def stop(self, reason: StopReason, why: str) -> None:
        """The run goes no further than the check in progress; the first reason stands."""
        if self.stop_reason is None:
            self.stop_reason = reason
            self.aborted = why

    def context(self, check: Check) -> Context:
        return Context(
            target=self.target,
            client=self.client,
            spec=self.spec,
            profile=self.profile,
            seed=self.seed,
            level=self.level,
            check=check,
            clock=self.target_clock,
            prepared=self.prepared.get(check.id),
        )

    def exchanges_of(self, check_id: str) -> list[Exchange]:
        return [e for e in self.client.exchanges if e.check_id == check_id]

    def errata_exercised(self) -> list[str]:
        seen: list[str] = []
        for erratum in self.spec.errata:
            detector = ERRATA_DETECTORS.get(erratum.exercised or "")
            if detector is None:
                continue
            for exchange in self.client.exchanges:
                if exchange.status == 200 and detector(exchange.json_or_none()):
                    seen.append(erratum.id)
                    break
        return seen

    def summary(self, exit_code: int, verdict: str = "") -> dict[str, Any]:
        counts: dict[str, int] = {}
        for result in self.results.values():
            counts[str(result.outcome)] = counts.get(str(result.outcome), 0) + 1
        stats = self.client.stats
        return {
            "suite": "sigmamind-campaign-conformance",
            "suite_version": __version__,
            "target": {
                "name": self.target.name,
                "base_url": self.target.base_url,
                "insecure": self.target.insecure,
                "ca_bundle": self.target.ca_bundle is not None,
            },
            "spec": {"version": self.spec.version, "sha256": self.spec.sha256},
            "seed": self.seed,
            "profile": self.profile.name,
            "level": self.level,
            "strict": self.strict,
            "exit_code": exit_code,
            "verdict": self.redact(verdict),
            "ended": str(self.stop_reason or StopReason.COMPLETE),
            "aborted": self.aborted,
            "counts": counts,
            "requests": {
                "sent": stats.sent,
                "retried_after_429_or_503": stats.retried,
                "median_seconds": stats.median(),
                "worst_seconds": stats.worst(),
                "at_once": self.target.parallel,
                "one_at_a_time_since": self.client.one_at_a_time,
            },
            "wall_seconds": round(self.clock() - self.started, 3),
            "restore": self.restore.as_dict(self.redact),
            "clock": self.target_clock.describe(),
            "errata_exercised": self.errata_exercised(),
            "checks": [
                {
                    "id": r.check.id,
                    "level": r.check.level,
                    "area": r.check.area,
                    "outcome": str(r.outcome),
                    "message": self.redact(r.message),
                    "requests": r.requests,
                }
                for r in self.results.values()
            ],
            "failed": [
                {"id": r.check.id, "level": r.check.level, "message": self.redact(r.message)}
                for r in self.results.values()
                if r.outcome in (Outcome.FAILED, Outcome.NON_STRICT, Outcome.ERRORED)
            ],
        }


def failure_of(exc: BaseException | None) -> CheckFailure | None:
    """The CheckFailure inside `exc`, looking through Hypothesis's exception groups."""
    return exception_of(exc, CheckFailure)


def exception_of(exc: BaseException | None, kind: type[E]) -> E | None:
    """The first `kind` exception in `exc`, its groups (Hypothesis's) or its causes."""
    if exc is None:
        return None
    if isinstance(exc, kind):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = exception_of(inner, kind)
            if found is not None:
                return found
    return exception_of(exc.__cause__, kind) if exc.__cause__ is not exc else None
