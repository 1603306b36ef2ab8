"""One run of the suite against one target: set-up, each check, restore, summary."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from . import __version__
from ._catalogue import Check, CheckFailure
from ._client import BudgetExhausted, Client, Exchange, Redactor
from ._clock import TargetClock
from ._context import Context, Profile
from ._restore import restore_body
from ._spec import ERRATA_DETECTORS, Spec
from ._target import Target

# Fields the suite can put back as it found them, read from a 200 body.
RESTORABLE = ("campaignName", "agentId", "sipPhoneNumber", "concurrentCalls", "schedule")


class RunAborted(Exception):
    """The run cannot go on (target unreachable, budget spent); exit code 3."""


@dataclass
class Result:
    check: Check
    outcome: str  # passed, failed, non-strict, skipped, not-exercised, error
    message: str = ""
    duration: float = 0.0
    requests: int = 0


@dataclass
class Run:
    target: Target
    spec: Spec
    profile: Profile
    seed: int
    level: str
    strict: bool
    server: Any = None
    redact: Redactor = field(default_factory=Redactor)
    results: dict[str, Result] = field(default_factory=dict)
    aborted: str | None = None
    original: dict[str, Any] | None = None
    restore_note: str = "not attempted"
    started: float = field(default_factory=time.monotonic)
    clock: TargetClock = field(default_factory=TargetClock)
    client: Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = Client(self.target, redactor=self.redact)
        self.consecutive_unreachable = 0

    # -- life cycle -------------------------------------------------------
    def open(self) -> None:
        """Check the target answers, and record the campaign as it was found."""
        exchange = self.client.send("PATCH", self.target.fixtures.campaign_id, body={})
        self.clock.observe_exchange(exchange.response_headers.get("date"), exchange.elapsed,
                                    answered=exchange.status is not None)
        if exchange.error is not None and exchange.error.startswith("connection failed"):
            raise RunAborted(f"target {self.target.base_url} is unreachable: {exchange.error}")
        if exchange.status == 200:
            body = exchange.json_or_none()
            if isinstance(body, dict):
                self.original = body

    def close(self) -> None:
        try:
            self.restore()
        finally:
            self.client.close()
            if self.server is not None:
                self.server.stop()

    def restore(self) -> None:
        """Put name, agent, number, concurrent calls and schedule back as found."""
        if self.original is None:
            self.restore_note = "skipped: the campaign's state could not be read at the start"
            return
        body = restore_body(self.original, now=self.clock.now())
        if not body:
            self.restore_note = "nothing to restore"
            return
        exchange = self.client.send(
            "PATCH", self.target.fixtures.campaign_id, body=body, exempt=True
        )
        if exchange.status == 200:
            self.restore_note = f"restored ({', '.join(sorted(body))})"
        else:
            self.restore_note = f"FAILED: {exchange.outcome()} {exchange.body_text(200)}"

    # -- checks -----------------------------------------------------------
    def context(self, check: Check) -> Context:
        return Context(
            target=self.target,
            client=self.client,
            spec=self.spec,
            profile=self.profile,
            seed=self.seed,
            level=self.level,
            check=check,
            clock=self.clock,
        )

    def execute(self, check: Check) -> None:
        if self.aborted:
            pytest.skip(f"not run: {self.aborted}")
        missing = [n for n in check.needs if not getattr(self.target.fixtures, n)]
        if missing:
            from ._catalogue import MissingFixture

            raise MissingFixture(missing)
        self.client.current_check = check.id
        try:
            check.func(self.context(check))
        except BudgetExhausted as exc:
            self.aborted = f"run stopped: {exc}"
            raise RunAborted(self.aborted) from None
        except Exception:
            # Hypothesis may wrap the budget's exception (a group, a flaky report).
            if self.client.exhausted is not None:
                self.aborted = f"run stopped: {self.client.exhausted}"
                raise RunAborted(self.aborted) from None
            raise
        finally:
            self.client.current_check = None

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

    def summary(self, exit_code: int) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for result in self.results.values():
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
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
            "aborted": self.aborted,
            "counts": counts,
            "requests": {
                "sent": stats.sent,
                "retried_after_429": stats.retried,
                "median_seconds": stats.median(),
                "worst_seconds": stats.worst(),
            },
            "wall_seconds": round(time.monotonic() - self.started, 3),
            "restore": self.restore_note,
            "clock": self.clock.describe(),
            "errata_exercised": self.errata_exercised(),
            "checks": [
                {
                    "id": r.check.id,
                    "level": r.check.level,
                    "area": r.check.area,
                    "outcome": r.outcome,
                    "message": self.redact(r.message),
                    "requests": r.requests,
                }
                for r in self.results.values()
            ],
            "failed": [
                {"id": r.check.id, "level": r.check.level, "message": self.redact(r.message)}
                for r in self.results.values()
                if r.outcome in ("failed", "non-strict", "error")
            ],
        }


def failure_of(exc: BaseException | None) -> CheckFailure | None:
    """The CheckFailure inside `exc`, looking through Hypothesis's exception groups."""
    if exc is None:
        return None
    if isinstance(exc, CheckFailure):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = failure_of(inner)
            if found is not None:
                return found
    return failure_of(exc.__cause__) if exc.__cause__ is not exc else None
