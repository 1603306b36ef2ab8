"""Reporters: each consumes the engine's events and writes one output.

    Terminal     one line per area as it completes, failures as they happen, a
                 live progress line on a terminal, the verdict last
    JUnit        one test case per check, named by its id, classed by area
    Allure       one result per check, one step per request (conformance/_allure.py
                 shapes them), plus the run files
    SummaryJson  the run's summary, a value the engine computed

`reporters_for(values)` registers them from the run's options; a new output
is a new class with `handle(event)`.
"""

from __future__ import annotations

import json
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from ._engine import RESTORE_CHECK
from ._events import (
    CheckFinished,
    CheckStarted,
    ErrorKind,
    Event,
    ExchangeAnswered,
    Outcome,
    RunFinished,
    RunStarted,
)

_AREA_WORDS = (
    (Outcome.PASSED, "passed"),
    (Outcome.FAILED, "failed"),
    (Outcome.ERRORED, "errored"),
    (Outcome.NON_STRICT, "non-strict"),
    (Outcome.SKIPPED, "skipped"),
    (Outcome.NOT_EXERCISED, "not exercised"),
)


class Terminal:
    """What a person watching the run reads; the verdict is always the last line."""

    def __init__(self, stream: TextIO | None = None, *, live: bool | None = None,
                 clock: Any = time.monotonic, hold_verdict: bool = False,
                 areas_as_they_end: bool = True) -> None:
        self.stream = stream or sys.stdout
        # Off under a test runner that prints its own progress (the pytest
        # face): the area lines then open the closing block instead.
        self.areas_as_they_end = areas_as_they_end
        self._held: list[str] = []
        # Held back when the caller still prints after the run (HAR, baseline,
        # report), so that the verdict stays the last line: `print_verdict()`.
        self.hold_verdict = hold_verdict
        self.verdict: str | None = None
        self.live = self.stream.isatty() if live is None else live
        self.clock = clock
        self._started = 0.0
        self._left: Counter[str] = Counter()
        self._areas: dict[str, Counter[Outcome]] = {}
        self._done = 0
        self._total = 0
        self._current = ""
        self._progress_at = 0.0
        self._progress_shown = False
        self.run: Any = None

    def _line(self, text: str = "") -> None:
        if self._progress_shown:
            self.stream.write("\r\x1b[2K")
            self._progress_shown = False
        self.stream.write(text + "\n")
        self.stream.flush()

    def _progress(self) -> None:
        if not self.live or self.run is None:
            return
        self._progress_at = self.clock()
        text = (f"[{self._done}/{self._total}] requests {self.run.client.stats.sent}, "
                f"{self.clock() - self._started:.0f} s, {self._current}")
        self.stream.write("\r\x1b[2K" + text[:160])
        self.stream.flush()
        self._progress_shown = True

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._started_run(event)
        elif isinstance(event, CheckStarted):
            self._current = event.check.id
            self._progress()
        elif isinstance(event, ExchangeAnswered):
            if self.live and self.clock() - self._progress_at > 0.25:
                self._progress()
        elif isinstance(event, CheckFinished):
            self._finished_check(event)
        elif isinstance(event, RunFinished):
            self._finished_run(event)

    def _started_run(self, event: RunStarted) -> None:
        run = self.run = event.run
        self._started = self.clock()
        self._total = len(event.checks)
        self._left = Counter(c.area for c in event.checks)
        self._line(f"conformance: target {run.target.name} ({run.redact(run.target.base_url)}), "
                   f"seed {run.seed}, profile {run.profile.name}, level {run.level}"
                   + (", strict" if run.strict else "")
                   + f", {self._total} checks")
        if run.target.insecure:
            self._line("WARNING: TLS verification is disabled (--insecure)")

    def _finished_check(self, event: CheckFinished) -> None:
        result, run = event.result, self.run
        self._done += 1
        if result.outcome in (Outcome.FAILED, Outcome.ERRORED) and \
                result.error_kind is not ErrorKind.ABORTED and self.areas_as_they_end:
            self._line(run.redact(result.message))
        area = result.check.area
        self._areas.setdefault(area, Counter())[result.outcome] += 1
        self._left[area] -= 1
        if self._left[area] == 0:
            counts = self._areas[area]
            words = [f"{counts[o]} {w}" for o, w in _AREA_WORDS if counts[o]]
            if self.areas_as_they_end:
                self._line(f"{area}: {', '.join(words)}")
            else:
                self._held.append(f"{area}: {', '.join(words)}")
        self._progress()

    def _finished_run(self, event: RunFinished) -> None:
        run = event.run
        if run.aborted and not run.results:
            self._line(f"conformance: run aborted: {run.redact(run.aborted)}")
        self._line()
        for line in self._held:
            self._line(line)
        for result in run.results.values():
            if result.outcome is Outcome.NON_STRICT and result.failure is not None:
                self._line(f"SHOULD (non-strict) {result.check.id}: "
                           f"{run.redact(result.failure.title)}")
            elif result.outcome is Outcome.NOT_EXERCISED or (
                    result.outcome is Outcome.SKIPPED and result.error_kind is None):
                self._line(f"{result.outcome} {result.check.id}: {run.redact(result.message)}")
        stats = run.client.stats
        median, worst = stats.median(), stats.worst()
        self._line(
            f"requests sent: {stats.sent}"
            + (f", median {median * 1000:.1f} ms, worst {worst * 1000:.1f} ms"
               if median is not None and worst is not None else "")
            + (f", {stats.retried} retried after a 429 or 503" if stats.retried else "")
            + f", {self.clock() - self._started:.1f} s"
            + (f", independent ones up to {run.target.parallel} at once"
               if run.target.parallel > 1 else "")
        )
        if run.client.one_at_a_time:
            self._line(f"one at a time since {run.redact(run.client.one_at_a_time)}")
        errata = run.errata_exercised()
        if errata:
            self._line(f"spec errata exercised (informational): {', '.join(errata)}")
        if run.aborted:
            self._line(f"RUN ABORTED: {run.redact(run.aborted)}")
        self._line(run.redact(run.restore.line))
        self._line(f"time judged by: {run.target_clock.describe()}")
        self._line(f"reproduce this run: --seed {run.seed}")
        self.verdict = event.verdict
        if not self.hold_verdict:
            self.print_verdict()

    def print_verdict(self) -> None:
        """The verdict line, once, if the run finished."""
        if self.verdict is not None:
            self._line(self.verdict)
            self.verdict = None


class JUnit:
    """JUnit XML: one test case per check, named by its id, classed by area."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def handle(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        run = event.run
        results = list(run.results.values())
        counts = Counter(r.outcome for r in results)
        suite = ET.Element("testsuite", {
            "name": "conformance",
            "tests": str(len(results)),
            "failures": str(counts[Outcome.FAILED]),
            "errors": str(counts[Outcome.ERRORED]),
            "skipped": str(counts[Outcome.SKIPPED] + counts[Outcome.NOT_EXERCISED]
                           + counts[Outcome.NON_STRICT]),
            "time": f"{sum(r.duration for r in results):.3f}",
        })
        for result in results:
            case = ET.SubElement(suite, "testcase", {
                "classname": f"conformance.{result.check.area}",
                "name": result.check.id,
                "time": f"{result.duration:.3f}",
            })
            message = run.redact(result.message)
            first = message.splitlines()[0] if message else ""
            tag = {Outcome.FAILED: "failure", Outcome.ERRORED: "error"}.get(result.outcome)
            if tag is not None:
                ET.SubElement(case, tag, {"message": first}).text = message
            elif result.outcome is not Outcome.PASSED:
                ET.SubElement(case, "skipped", {"type": str(result.outcome), "message": first})
        suites = ET.Element("testsuites")
        suites.append(suite)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            ET.ElementTree(suites).write(self.path, encoding="utf-8", xml_declaration=True)
        except OSError as exc:
            print(f"conformance: cannot write JUnit XML {self.path}: {exc.strerror}",
                  file=sys.stderr)


class SummaryJson:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def handle(self, event: Event) -> None:
        if not isinstance(event, RunFinished):
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(event.summary, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"conformance: cannot write summary {self.path}: {exc.strerror}",
                  file=sys.stderr)


_ALLURE_FILES = ("*-result.json", "*-container.json", "*-attachment.*",
                 "environment.properties", "categories.json")


class Allure:
    """Allure results written by the suite itself, shaped by conformance/_allure.py."""

    def __init__(self, results_dir: str | Path) -> None:
        self.results_dir = Path(results_dir).resolve()
        self.writer: Any = None
        self._test: Any = None
        self._failing: Any = None

    # AllureWriter asks allure-pytest's listener for the test in progress; this is it.
    def get_test(self, _uuid: Any) -> Any:
        return self._test

    def handle(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._begin_run(event)
        elif isinstance(event, CheckStarted):
            self._new_test()
            self.writer.begin()
        elif isinstance(event, ExchangeAnswered):
            if self._test is not None:
                self.writer.on_exchange(event.exchange)
        elif isinstance(event, CheckFinished):
            self._finish(event)
        elif isinstance(event, RunFinished):
            self._end_run(event)

    def _begin_run(self, event: RunStarted) -> None:
        from ._allure import AllureWriter

        self.results_dir.mkdir(parents=True, exist_ok=True)
        for pattern in _ALLURE_FILES:  # a fresh run leaves no result of an earlier one
            for old in self.results_dir.glob(pattern):
                old.unlink(missing_ok=True)
        listener = SimpleNamespace(allure_logger=self)
        config = SimpleNamespace(
            option=SimpleNamespace(allure_report_dir=str(self.results_dir)),
            pluginmanager=SimpleNamespace(get_plugin=lambda name: listener),
        )
        self.writer = AllureWriter(config, event.run)

    def _new_test(self) -> None:
        from uuid import uuid4

        from allure_commons.model2 import TestResult

        from ._allure import _now_ms

        self._test = TestResult(uuid=str(uuid4()), start=_now_ms())

    def _finish(self, event: CheckFinished) -> None:
        from allure_commons.logger import AllureFileLogger
        from allure_commons.model2 import Status

        from ._allure import _now_ms

        if self._test is None:  # the restore, judged without its check selected
            self._new_test()
        result = event.result
        failing = result.failure.exchange if result.failure is not None else None
        self.writer.finish(result.check, result, failing)
        test = self._test
        test.stop = _now_ms()
        test.stage = "finished"
        if test.status is None:
            test.status = Status.PASSED
        self.writer.end()
        self._test = None
        AllureFileLogger(self.results_dir).report_result(test)

    def _end_run(self, event: RunFinished) -> None:
        from ._allure import _property_line, write_run_files

        run = event.run
        try:
            self.writer.files.close()
            write_run_files(self.results_dir, run)
            with open(self.results_dir / "environment.properties", "a", encoding="utf-8") as f:
                f.write(_property_line("restore", run.redact(run.restore.note)) + "\n")
                f.write(_property_line("ended", str(event.reason)) + "\n")
            judged = run.results.get(RESTORE_CHECK)
            if not run.restore.ok and (judged is None or judged.failure is None):
                self._restore_result(event)
        except OSError as exc:
            print(f"conformance: cannot write Allure run files: {exc}")

    def _restore_result(self, event: RunFinished) -> None:
        """A campaign left changed is a result of its own, whatever check was selected."""
        from allure_commons.logger import AllureFileLogger
        from allure_commons.model2 import Label, Status, StatusDetails

        from ._allure import EPIC, _now_ms

        run = event.run
        self._new_test()
        test = self._test
        test.name = "The campaign is left as the suite found it"
        test.fullName = "sigmamind.update_campaign.campaign_restore"
        test.status = Status.BROKEN
        test.statusDetails = StatusDetails(message=run.redact(f"[aborted] {run.restore.line}"))
        test.labels = [Label("epic", EPIC), Label("feature", "run"),
                       Label("severity", "blocker")]
        test.stop, test.stage = _now_ms(), "finished"
        self._test = None
        AllureFileLogger(self.results_dir).report_result(test)


def reporters_for(values: dict[str, Any], *, stream: TextIO | None = None,
                  hold_verdict: bool = False) -> list[Any]:
    """The reporters a run's options ask for; the terminal always, first."""
    reporters: list[Any] = [Terminal(stream, hold_verdict=hold_verdict)]
    if values.get("junitxml"):
        reporters.append(JUnit(values["junitxml"]))
    if values.get("alluredir") and not values.get("no_allure"):
        reporters.append(Allure(values["alluredir"]))
    if values.get("summary_json"):
        reporters.append(SummaryJson(values["summary_json"]))
    return reporters


class Broadcast:
    """Hands every event to each reporter in turn; the terminal last, so the verdict ends."""

    def __init__(self, reporters: list[Any]) -> None:
        self.reporters = sorted(reporters, key=lambda r: isinstance(r, Terminal))

    def __call__(self, event: Event) -> None:
        for reporter in self.reporters:
            reporter.handle(event)
