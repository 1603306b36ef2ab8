"""What the engine says while it runs: typed events, typed outcomes, typed failures.

    RunStarted          the target, the seed, the checks selected
    ExchangeAnswered    one request sent and what came back (or why nothing did)
    CheckStarted        a check begins (its position among the selected)
    CheckFinished       a check's Result: an Outcome, the reason, the failure as a value
    RestoreFinished     how the campaign was left (Restore)
    RunFinished         the verdict, the exit code and why the run ended (StopReason)

Reporters (conformance/_reporters.py) consume these; none of them parses text
another one wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._catalogue import Check, CheckFailure
    from ._client import Exchange
    from ._run import Run


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NON_STRICT = "non-strict"  # a SHOULD rule broken, reported, not failing the run
    SKIPPED = "skipped"  # a missing optional fixture, or the run stopped before the check
    NOT_EXERCISED = "not-exercised"  # the rule's precondition never occurred
    ERRORED = "error"  # the check itself broke, or the run stopped during it


class StopReason(StrEnum):
    COMPLETE = "complete"
    BUDGET_SPENT = "budget spent"
    UNREACHABLE = "target unreachable"
    INTERRUPTED = "interrupted"


class ErrorKind(StrEnum):
    """Why a check ended ERRORED: the suite's own fault or the run stopping under it."""

    SUITE = "suite error"
    ABORTED = "aborted"


@dataclass
class Result:
    check: Check
    outcome: Outcome
    message: str = ""  # the rendered failure, or the reason of a skip
    duration: float = 0.0
    requests: int = 0
    failure: CheckFailure | None = None
    error_kind: ErrorKind | None = None


@dataclass
class Restore:
    """How the run left the campaign: a value every reporter reads the same way."""

    status: str  # restored | nothing to restore | skipped | refused | not completed
    note: str
    changed: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # field: (before, now)
    failure: CheckFailure | None = None
    exchange: Exchange | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("restored", "nothing to restore")

    @property
    def line(self) -> str:
        return f"campaign restore: {self.note}"

    def as_dict(self, redact: Any = str) -> dict[str, Any]:
        return {
            "status": self.status,
            "note": redact(self.note),
            "left_changed": [
                {"field": name, "before": before, "after": after}
                for name, (before, after) in self.changed.items()
            ],
        }


@dataclass(frozen=True)
class RunStarted:
    run: Run
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class ExchangeAnswered:
    exchange: Exchange
    check: Check | None


@dataclass(frozen=True)
class CheckStarted:
    check: Check
    index: int
    total: int


@dataclass(frozen=True)
class CheckFinished:
    result: Result
    index: int
    total: int


@dataclass(frozen=True)
class RestoreFinished:
    restore: Restore


@dataclass(frozen=True)
class RunFinished:
    run: Run
    reason: StopReason
    verdict: str
    exit_code: int
    summary: dict[str, Any]


Event = RunStarted | ExchangeAnswered | CheckStarted | CheckFinished | RestoreFinished | RunFinished
