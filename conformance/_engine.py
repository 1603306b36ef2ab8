"""The engine: selects, orders and runs the checks of one run, and says what happens.

It imports no test runner and writes no output. `Engine.execute(emit)` runs
the whole life cycle and hands every event (conformance/_events.py) to `emit`:

    preflight hooks  ->  read the campaign's state  ->  each check in order
        ->  restore the campaign (judged like any update)  ->  verdict

A preflight hook is a function of the Run, called before the first request;
it raises TargetError for a set-up mistake (the CLI exits 2, nothing sent).
The CLI runs it whole; the pytest plugin drives the same steps one check per
pytest item (`start`, `run_check`, `finish`). How a run ended is a value
(StopReason) on RunFinished, never inferred from what was printed.

Bounded: a whole-run time budget (DEFAULT_TIME_BUDGET unless the target file or
an option sets one), the request budget, a first state read or
NOT_ANSWERING_AFTER consecutive requests without an answer ("target not
answering"), SIGINT and SIGTERM all stop the run with exit 3, after the
restore is attempted; an incomplete run is never CONFORMANT.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
import unittest
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from types import FrameType
from typing import Any

from ._catalogue import AREAS, MUST, SHOULD, Check, CheckFailure, load_catalogue
from ._client import BudgetExhausted, Exchange
from ._determinism import generation_of_the_suite
from ._events import (
    CheckFinished,
    CheckStarted,
    ErrorKind,
    Event,
    ExchangeAnswered,
    Outcome,
    Restore,
    RestoreFinished,
    Result,
    RunFinished,
    RunStarted,
    StopReason,
)
from ._prepared import submit
from ._profiles import unicode_tables_built
from ._run import Run, exception_of, failure_of
from ._target import TargetError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ABORTED = 0, 1, 2, 3
# Seconds a whole run may take unless the target file or --time-budget says otherwise.
DEFAULT_TIME_BUDGET = {"quick": 900.0, "deep": 3600.0}
# Requests in a row without any answer after which a state read decides whether the
# target is "not answering" (the run stops) or hangs on those inputs only (checks fail).
NOT_ANSWERING_AFTER = 3
RESTORE_CHECK = "campaign_takes_back_its_values"

Emit = Callable[[Event], None]
Preflight = Callable[[Run], None]


class SelectionError(ValueError):
    """The selection names no check, or a check that does not exist."""


def select(
    catalogue: dict[str, Check],
    *,
    level: str,
    ids: Sequence[str] = (),
    keyword: str | None = None,
) -> list[Check]:
    """The checks of a run, in the order they run: final checks (judging the run) last."""
    unknown = sorted(set(ids) - set(catalogue))
    if unknown:
        raise SelectionError(f"--check: unknown check id {unknown[0]!r} (see --list-checks)")
    matches = _keyword_matcher(keyword)
    chosen = [
        c for c in catalogue.values()
        if level in c.levels and (not ids or c.id in ids) and matches(c)
    ]
    if not chosen:
        raise SelectionError("no check matches the selection (see --list-checks)")
    order = {cid: n for n, cid in enumerate(catalogue)}
    return sorted(chosen, key=lambda c: (c.final, c.id == RESTORE_CHECK, order[c.id]))


def _keyword_matcher(keyword: str | None) -> Callable[[Check], bool]:
    """`-k` as pytest reads it (and, or, not, parentheses; words match names)."""
    if not keyword:
        return lambda check: True
    from _pytest.mark.expression import Expression  # a standalone parser, not pytest's run

    try:
        expression = Expression.compile(keyword)
    except Exception as exc:  # pytest's ParseError
        raise SelectionError(f"-k: {exc}") from None

    def matches(check: Check) -> bool:
        names = (f"test_{check.id}", check.area)
        def word_matches(word: str, /, **_: Any) -> bool:
            return any(word.lower() in name.lower() for name in names)

        return bool(expression.evaluate(word_matches))

    return matches


def with_default_budget(run_target: Any, profile: str) -> Any:
    """The target with the default whole-run time budget when none was given."""
    if run_target.limits.time_budget is not None:
        return run_target
    budget = DEFAULT_TIME_BUDGET.get(profile, DEFAULT_TIME_BUDGET["quick"])
    return replace(run_target, limits=replace(run_target.limits, time_budget=budget))


class Engine:
    """Runs `checks` against `run`'s target; every step is an event."""

    def __init__(
        self,
        run: Run,
        checks: Iterable[Check],
        *,
        preflight: Sequence[Preflight] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.run = run
        self.checks = tuple(checks)
        self.preflight = tuple(preflight)
        self.clock = clock
        self._emit: Emit = lambda event: None
        self._current: Check | None = None
        self._unanswered = 0
        self._restoring = False
        self._probing = False
        self._done = 0
        run.client.on_exchange = self._on_exchange

    # -- the whole run ---------------------------------------------------
    def execute(self, emit: Emit) -> RunFinished:
        """Run everything, handing each event to `emit`; returns the last event."""
        previous = _catch_signals()
        try:
            self.start(emit)
            if self.run.stop_reason is None:  # a target that never answered runs no check
                for check in self.checks:
                    self.run_check(check)
            return self.finish()
        finally:
            _restore_signals(previous)

    # -- the steps, for faces that drive them one by one (pytest) -----------
    def start(self, emit: Emit) -> None:
        self._emit = emit
        emit(RunStarted(self.run, self.checks))
        try:
            for hook in self.preflight:
                hook(self.run)
            self._open()
            if self.run.stop_reason is None:
                self._prepare()
        except KeyboardInterrupt:
            self.run.stop(StopReason.INTERRUPTED, "interrupted before the first check")
        except TargetError:
            # A set-up mistake found before any check (exit 2): nothing to restore.
            self.run.client.close()
            if self.run.server is not None:
                self.run.server.stop()
            raise

    def run_check(self, check: Check) -> Result:
        index = self._done
        self._done += 1
        self._emit(CheckStarted(check, index, len(self.checks)))
        try:
            with generation_of_the_suite():  # the same seed, the same draws, in any process
                result = self._judge(check)
        except KeyboardInterrupt:
            self.run.stop(StopReason.INTERRUPTED, "interrupted")
            result = Result(check, Outcome.ERRORED, "interrupted", error_kind=ErrorKind.ABORTED)
        result.requests = len(self.run.exchanges_of(check.id))
        self.run.results[check.id] = result
        self._emit(CheckFinished(result, index, len(self.checks)))
        return result

    def finish(self) -> RunFinished:
        run = self.run
        try:
            if RESTORE_CHECK not in run.results or run.restore.status == "skipped":
                self._restore(None)
        except KeyboardInterrupt:
            run.stop(StopReason.INTERRUPTED, "interrupted")
            run.restore = self._left_changed("not completed", "interrupted during the restore")
        self._emit(RestoreFinished(run.restore))
        run.client.close()
        if run.server is not None:
            run.server.stop()
        code = exit_code(run)
        line = verdict(run)
        finished = RunFinished(run, run.stop_reason or StopReason.COMPLETE, line, code,
                               run.summary(code, line))
        self._emit(finished)
        return finished

    # -- opening -------------------------------------------------------------
    def _open(self) -> None:
        """Check the target answers, and record the campaign as it was found."""
        run = self.run
        exchange = run.opening if run.opening is not None else self._send_state_read()
        if exchange is None:
            return
        run.target_clock.observe_exchange(exchange.response_headers.get("date"), exchange.elapsed,
                                          answered=exchange.status is not None)
        if exchange.error is not None and exchange.error.startswith("connection failed"):
            run.stop(StopReason.UNREACHABLE,
                     f"target {run.target.base_url} is unreachable: {exchange.error}")
        elif exchange.error is not None and _silent(exchange):
            run.stop(StopReason.UNREACHABLE,
                     f"target not answering: the first request got {exchange.error}")
        elif exchange.status == 200:
            body = exchange.json_or_none()
            if isinstance(body, dict):
                run.original = body

    def _prepare(self) -> None:
        """Start the checks' declared work in the worker process (`_prepared`), now
        that the target answers: a run that ends at its first request starts none.
        openapi-core, which judges answers, is built meanwhile in a thread."""
        self.run.spec.build_judge_beside()
        declared = {check.id: check.prepare(self.run.context(check)) for check in self.checks
                    if check.prepare is not None and not self._missing(check)}
        jobs = {check_id: job for check_id, job in declared.items() if job is not None}
        if jobs:
            unicode_tables_built()  # needed here too; the worker then reads them
        for check_id, job in jobs.items():
            future = submit(job)
            if future is not None:
                self.run.prepared[check_id] = future, job

    def _missing(self, check: Check) -> list[str]:
        """The optional fixtures `check` needs that the target file lacks."""
        return [n for n in check.needs if not getattr(self.run.target.fixtures, n)]

    def _send_state_read(self) -> Exchange | None:
        run = self.run
        try:
            return run.client.send(self._resource_id, body=run.operation.state_read)
        except BudgetExhausted as exc:
            run.stop(StopReason.BUDGET_SPENT, f"run stopped: {exc}")
            return None

    @property
    def _resource_id(self) -> str:
        return str(getattr(self.run.target.fixtures, self.run.operation.resource_fixture))

    # -- one check -------------------------------------------------------------
    def _judge(self, check: Check) -> Result:
        run = self.run
        if run.stop_reason is not None:
            return Result(check, Outcome.SKIPPED, f"not run: {run.aborted}",
                          error_kind=ErrorKind.ABORTED)
        missing = self._missing(check)
        if missing:
            from ._catalogue import MissingFixture

            return Result(check, Outcome.SKIPPED, str(MissingFixture(missing)))
        started = self.clock()
        self._current = check
        run.client.current_check = check.id
        try:
            check.func(run.context(check))
            if check.id == RESTORE_CHECK:
                self._restore(check)
                if run.restore.failure is not None:
                    raise run.restore.failure
                if not run.restore.ok:
                    return Result(check, Outcome.ERRORED, run.restore.note,
                                  self.clock() - started, error_kind=ErrorKind.ABORTED)
        except KeyboardInterrupt:
            raise
        except Exception as exc:
            return self._classify(check, exc, self.clock() - started)
        finally:
            self._current = None
            run.client.current_check = None
        return Result(check, Outcome.PASSED, duration=self.clock() - started)

    def _classify(self, check: Check, exc: BaseException, duration: float) -> Result:
        run = self.run
        if isinstance(exc, BudgetExhausted) or run.client.exhausted is not None:
            # Hypothesis may wrap the budget's exception (a group, a flaky report).
            if run.stop_reason is None:
                run.stop(StopReason.BUDGET_SPENT, f"run stopped: {run.client.exhausted or exc}")
            return Result(check, Outcome.ERRORED, str(run.aborted), duration,
                          error_kind=ErrorKind.ABORTED)
        skipped = exception_of(exc, unittest.SkipTest)
        if skipped is not None:
            reason = str(skipped)
            kind = Outcome.NOT_EXERCISED if reason.startswith("not exercised") else Outcome.SKIPPED
            return Result(check, kind, reason, duration)
        failure = failure_of(exc)
        if failure is None:
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            text = run.redact(f"[{check.level}] {check.id}: the check itself broke: {detail}")
            return Result(check, Outcome.ERRORED, text, duration, error_kind=ErrorKind.SUITE)
        rendered = failure.render(check, run.redact)
        notes = [n for n in getattr(exc, "__notes__", []) if n.strip()]
        if notes:
            rendered += "\n" + run.redact("\n".join(f"  {n}" for n in notes))
        rendered += f"\n  Seed: --seed {run.seed}"
        outcome = (Outcome.NON_STRICT if check.level == SHOULD and not run.strict
                   else Outcome.FAILED)
        return Result(check, outcome, rendered, duration, failure=failure)

    # -- exchanges -------------------------------------------------------------
    def _on_exchange(self, exchange: Exchange) -> None:
        self._emit(ExchangeAnswered(exchange, self._current))
        if self._probing or self._restoring:
            return
        if not _silent(exchange):
            self._unanswered = 0
            return
        self._unanswered += 1
        if self._unanswered < NOT_ANSWERING_AFTER or self.run.client.exhausted is not None:
            return
        # A target may hang on some inputs only (a fault the checks report); it is
        # "not answering" when a plain state read gets no answer either.
        run = self.run
        self._probing = True
        try:
            probe = run.client.send(self._resource_id, body=run.operation.state_read)
        finally:
            self._probing = False
        if not _silent(probe):
            self._unanswered = 0
            return
        why = (f"target not answering: {self._unanswered} requests in a row and a state "
               f"read got no answer (last: {probe.error})")
        answered = next((e for e in reversed(run.client.exchanges) if e.status is not None), None)
        if answered is not None and (probe.error or "").startswith("connection failed"):
            # It answered before and now refuses connections: a server that stopped,
            # most likely on one of the requests sent just then.
            why += (f"; it answered up to request {answered.number}, then refused "
                    f"connections: it may have stopped on a request sent then (--har keeps them)")
        run.client.exhausted = why
        run.stop(StopReason.UNREACHABLE, why)
        raise BudgetExhausted(why)

    # -- the restore -----------------------------------------------------------
    def _restore(self, check: Check | None) -> None:
        """Put the campaign back as found: an ordinary update, judged like any other."""
        run = self.run
        if run.original is None:
            run.restore = Restore("skipped",
                                  "skipped: the campaign's state could not be read at the start")
            return
        body = run.operation.restore_body(run.original, now=run.target_clock.now())
        if not body:
            run.restore = Restore("nothing to restore", "nothing to restore")
            return
        self._restoring = True
        try:
            exchange = run.client.send(self._resource_id, body=body, exempt=True)
        finally:
            self._restoring = False
        if exchange.error is not None:
            run.restore = self._left_changed(
                "not completed", f"not completed: {exchange.error}", exchange)
            run.stop(StopReason.UNREACHABLE,
                     f"the campaign restore got no answer: {exchange.error}")
            return
        # At level schema (a static mock) only shapes are judged, not what an update keeps.
        failure = judge_restore(run, body, exchange) if run.level == "full" else None
        if failure is None and exchange.status != 200:
            run.restore = Restore("refused", f"not done: {exchange.outcome()}", exchange=exchange)
            return
        if failure is not None:
            restore = self._left_changed("refused", f"FAILED: {exchange.outcome()} "
                                         f"{exchange.body_text(200)}", exchange)
            restore.failure = failure
            if check is None:  # judged even when its check was not selected
                restore_check = load_catalogue().get(RESTORE_CHECK)
                if restore_check is not None:
                    result = self._classify(restore_check, failure, 0.0)
                    result.requests = 1
                    run.results[RESTORE_CHECK] = result
                    self._emit(CheckFinished(result, len(self.checks), len(self.checks)))
            run.restore = restore
            return
        run.restore = Restore("restored", f"restored ({', '.join(sorted(body))})",
                              exchange=exchange)

    def _left_changed(self, status: str, note: str, exchange: Exchange | None = None) -> Restore:
        """What is known to differ from the start: the last state the target showed."""
        run = self.run
        before = run.operation.restore_body(run.original or {})
        now: dict[str, Any] = {}
        for seen in reversed(run.client.exchanges):
            body = seen.json_or_none() if seen.status == 200 else None
            if isinstance(body, dict) and seen.path == run.operation.path_for(self._resource_id):
                now = run.operation.restore_body(body)
                break
        changed = {name: (value, now.get(name)) for name, value in before.items()
                   if now.get(name) != value}
        fields = ", ".join(f"{k} {b!r} -> {a!r}" for k, (b, a) in changed.items())
        if changed:
            note += f"; left changed: {fields}; fix the campaign by hand"
        else:
            note += "; the last state seen matched the start, check the campaign by hand"
        return Restore(status, note, changed, exchange=exchange)


def judge_restore(run: Run, body: dict[str, Any], exchange: Exchange) -> CheckFailure | None:
    """A restore sends the campaign's own earlier values: the contract requires a 200 showing them.

    The body's shape is judged by the response checks like every other 200's.
    """
    if exchange.status != 200:
        return CheckFailure(
            f"{exchange.status} {exchange.body_text(200)}",
            expected="200: the campaign's own earlier values (its name was unique while it "
                     "held it, and no other campaign took it since)",
            exchange=exchange,
            title=f"the campaign cannot take back the values it had: answered {exchange.status}",
        )
    shown = run.operation.restore_body(exchange.json_or_none() or {})
    differ = {k: (v, shown.get(k)) for k, v in body.items() if shown.get(k) != v}
    if differ:
        k, (sent, got) = next(iter(differ.items()))
        return CheckFailure(f"{k} shown as {got!r}", expected=f"{k} {sent!r}", exchange=exchange,
                            title=f"the restore was answered 200 but {k} is not the value sent")
    return None


def _silent(exchange: Exchange) -> bool:
    """No answer at all: a timeout or a refused connection (not a broken answer)."""
    error = exchange.error or ""
    return exchange.status is None and error.startswith(("no response within", "connection failed"))


# -- verdict and exit code ----------------------------------------------------------

def failing(run: Run) -> tuple[int, int]:
    """(MUST failures, SHOULD failures) of the run, errors of the suite included."""
    outcomes = list(run.results.values())
    must = sum(1 for r in outcomes
               if r.check.level == MUST and r.outcome in (Outcome.FAILED, Outcome.ERRORED))
    should = sum(1 for r in outcomes if r.check.level == SHOULD
                 and r.outcome in (Outcome.FAILED, Outcome.NON_STRICT, Outcome.ERRORED))
    return must, should


def exit_code(run: Run) -> int:
    must, should = failing(run)
    if run.stop_reason is not None:
        return EXIT_ABORTED
    if run.restore.status == "not completed":
        return EXIT_ABORTED
    if must or (should and run.strict) or run.restore.failure is not None:
        return EXIT_FAILED
    return EXIT_OK


def verdict(run: Run) -> str:
    """One line a release engineer can act on."""
    must, should = failing(run)
    if run.stop_reason is not None:
        # The checks that ran: not those skipped because the run had stopped.
        ran = sum(1 for r in run.results.values()
                  if not (r.outcome is Outcome.SKIPPED and r.error_kind is ErrorKind.ABORTED))
        return (f"verdict: RUN ABORTED after {ran} checks "
                f"({run.redact(run.aborted or str(run.stop_reason))})")
    if run.restore.status == "not completed":
        return f"verdict: RUN INCOMPLETE: the campaign restore did not complete ({run.target.name})"
    if must or (should and run.strict):
        return (f"verdict: NOT CONFORMANT: {must} MUST and {should} SHOULD checks failed "
                f"against {run.target.name}")
    note = f" ({should} SHOULD checks failed, non-strict)" if should else ""
    return f"verdict: CONFORMANT at level {run.level}{note}: {run.target.name}"


def area_index(area: str) -> int:
    return AREAS.index(area) if area in AREAS else len(AREAS)


# -- signals ---------------------------------------------------------------------------

def _catch_signals() -> dict[int, Any] | None:
    """SIGINT (re-enabled even if the parent ignored it) and SIGTERM interrupt the run."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous: dict[int, Any] = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        previous[signum] = signal.getsignal(signum)
        signal.signal(signum, interrupt)
    return previous


def _restore_signals(previous: dict[int, Any] | None) -> None:
    for signum, handler in (previous or {}).items():
        signal.signal(signum, handler)
