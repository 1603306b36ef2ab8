"""The catalogue of checks and the ways a check can end.

Exception tree:

    CheckFailure (AssertionError)   the target broke the rule; Expected / Actual
    NotExercised (unittest.SkipTest)    the rule's precondition never occurred
    MissingFixture (unittest.SkipTest)  the target file lacks an optional fixture

Both skips are unittest's, which Hypothesis re-raises at once and pytest
reports as skipped, so the catalogue needs no test runner.

A check is a plain function registered with `@check(...)`. Its docstring's
first line states the rule; the rest says what is sent.
"""

from __future__ import annotations

import inspect
import unittest
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import Exchange
    from ._context import Context
    from ._prepared import Job

MUST = "MUST"
SHOULD = "SHOULD"

AREAS = (
    "auth",
    "campaignId",
    "body",
    "campaignName",
    "sipPhoneNumber",
    "agentId",
    "schedule",
    "concurrentCalls",
    "dynamicVariables",
    "behaviour",
    "responses",
    "errors",
    "fuzzing",
    "histories",
)

SPEC_FILE = "spec/openapi.yaml"


@dataclass(frozen=True)
class Cite:
    """A sentence of the contract: where it stands and its words."""

    pointer: str
    quote: str

    @property
    def location(self) -> str:
        return f"openapi.yaml#{self.pointer}"


@dataclass(frozen=True)
class Check:
    id: str
    level: str
    area: str
    cites: tuple[Cite, ...]
    func: Callable[[Context], None] = field(repr=False, compare=False)
    needs: tuple[str, ...] = ()
    schema_level: bool = False
    final: bool = False
    # Work that depends on nothing the target answers, done beforehand in a
    # worker process while earlier checks run (conformance/_prepared.py).
    prepare: Callable[[Context], Job | None] | None = field(default=None, repr=False,
                                                            compare=False)

    @property
    def requirement(self) -> str:
        return (inspect.getdoc(self.func) or self.id).splitlines()[0]

    @property
    def description(self) -> str:
        doc = inspect.getdoc(self.func) or ""
        return doc.partition("\n")[2].strip()

    @property
    def levels(self) -> tuple[str, ...]:
        return ("schema", "full") if self.schema_level else ("full",)


CATALOGUE: dict[str, Check] = {}


def check(
    *,
    id: str,
    level: str,
    area: str,
    cites: list[Cite] | tuple[Cite, ...],
    needs: tuple[str, ...] = (),
    schema_level: bool = False,
    final: bool = False,
    prepare: Callable[[Context], Job | None] | None = None,
) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    """Register a check. `final` checks run after all others (they judge the whole run);
    `prepare` gives the Job the check will ask `Context.prepared` for, if any."""
    if level not in (MUST, SHOULD):
        raise ValueError(f"{id}: level must be MUST or SHOULD")
    if area not in AREAS:
        raise ValueError(f"{id}: unknown area {area!r}")
    if not cites:
        raise ValueError(f"{id}: a check cites at least one sentence")

    def register(func: Callable[[Context], None]) -> Callable[[Context], None]:
        if id in CATALOGUE:
            raise ValueError(f"duplicate check id {id}")
        CATALOGUE[id] = Check(
            id=id,
            level=level,
            area=area,
            cites=tuple(cites),
            func=func,
            needs=needs,
            schema_level=schema_level,
            final=final,
            prepare=prepare,
        )
        return func

    return register


class CheckFailure(AssertionError):
    """The target broke the rule of the running check."""

    def __init__(
        self,
        actual: str,
        *,
        expected: str,
        exchange: Exchange | None = None,
        title: str | None = None,
    ) -> None:
        self.actual = actual
        self.expected = expected
        self.exchange = exchange
        self.title = title or actual
        super().__init__(title or actual)

    def render(self, check: Check, redact: Callable[[str], str] = str) -> str:
        lines = [
            f"[{check.level}] {check.id}: {self.title}",
            f"  Requirement: {check.requirement}",
        ]
        for cite in check.cites[:2]:
            lines.append(f"  Spec: {cite.location}")
            lines.append(f'        "{cite.quote}"')
        lines.append(f"  Expected: {self.expected}")
        lines.append(f"  Actual:   {self.actual}")
        if self.exchange is not None:
            lines.append(f"  Request:  {self.exchange.method} {self.exchange.path} "
                         f"body {self.exchange.request_text(300)}")
            if self.exchange.status is not None:
                lines.append(f"  Response: {self.exchange.status} {self.exchange.body_text(300)}")
            lines.append(f"  Reproduce: {self.exchange.curl()}")
        return redact("\n".join(lines))


class NotExercised(unittest.SkipTest):
    """The check's precondition never occurred; it is neither passed nor failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"not exercised: {reason}")


class MissingFixture(unittest.SkipTest):
    def __init__(self, names: list[str]) -> None:
        super().__init__(f"missing fixture: {', '.join(names)} (optional in the target file)")


def load_catalogue() -> dict[str, Check]:
    """Import every check module and return the catalogue in its stable order."""
    from . import checks  # noqa: F401  (registers the checks)

    return CATALOGUE


def describe(check_: Check) -> dict[str, Any]:
    return {
        "id": check_.id,
        "level": check_.level,
        "area": check_.area,
        "requirement": check_.requirement,
        "levels": list(check_.levels),
        "needs": list(check_.needs),
        "cites": [{"pointer": c.pointer, "quote": c.quote} for c in check_.cites],
    }
