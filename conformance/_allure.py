"""Allure results for a run: one result per check, one step per request sent.

allure-pytest writes the result files; this module shapes what goes into them.
While a check runs, `Client.on_exchange` turns each exchange into a step with
three attachments (request, response, curl). When the check is over, and
before allure-pytest writes its result, `finish` gives the result its title
(the requirement), labels (epic, feature = area, story = check id, severity,
level tag), links to the cited sentences, a description, and the status the
suite decided:

    passed          passed
    failed          failed        (a MUST rule, or a SHOULD rule under --strict)
    non-strict      broken        (a SHOULD rule, reported, not failing the run)
    error           broken        (the run was aborted, or the check itself broke)
    skipped         skipped
    not-exercised   skipped

At the end of the session `write_run_files` adds environment.properties and
categories.json to the results directory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from allure_commons.model2 import (
    Attachment,
    Label,
    Link,
    Parameter,
    Status,
    StatusDetails,
    TestResult,
    TestStepResult,
)
from allure_commons.utils import md5

from . import __version__
from ._catalogue import MUST, SPEC_FILE, Check

if TYPE_CHECKING:
    from ._client import Exchange
    from ._run import Result, Run

EPIC = "SigmaMind API: Update Campaign"
RESPONSE_BODY_CAP = 64 * 1024
# From the HTML report to the copy of the contract render_html puts beside it,
# so the links work wherever the report directory is uploaded or opened.
SPEC_LINK = SPEC_FILE.rsplit("/", 1)[-1]

SEVERITY = {MUST: "critical"}
STATUS = {
    "passed": Status.PASSED,
    "failed": Status.FAILED,
    "non-strict": Status.BROKEN,
    "error": Status.BROKEN,
    "skipped": Status.SKIPPED,
    "not-exercised": Status.SKIPPED,
}
# Labels allure-pytest adds that say nothing about a check.
NOISE_LABELS = {"thread", "package", "suite", "parentSuite", "subSuite", "tag"}

# One definition serves both report generations: `legacy_categories` turns it
# into categories.json (Allure 2, whole-message regex), and the Allure 3 config
# takes the same rules with label matchers added (`allure3_categories`).
CATEGORIES: tuple[dict[str, Any], ...] = (
    {"name": "MUST failures", "statuses": ["failed"], "message": r"\[MUST\] .*"},
    {"name": "SHOULD failures (strict)", "statuses": ["failed"], "message": r"\[SHOULD\] .*"},
    {"name": "SHOULD failures (non-strict, the run still passes)", "statuses": ["broken"],
     "message": r"\[SHOULD, non-strict\] .*"},
    {"name": "Target unreachable or run aborted", "statuses": ["broken", "skipped"],
     "message": r"\[aborted\] .*"},
    {"name": "Suite errors (the check itself broke)", "statuses": ["broken"],
     "message": r"\[suite error\] .*"},
    # New failures above, failures a baseline lists (run --baseline) after them.
    {"name": "Known failures (listed in the baseline)", "statuses": ["failed", "broken"],
     "message": r"\[known\] .*"},
)
# Spec errata are informational: they are no category (categories collect
# failures); the report's metadata lists those the run exercised, and each
# result that exercised one carries the tag "erratum: ID".


def legacy_categories() -> list[dict[str, Any]]:
    return [
        {"name": c["name"], "matchedStatuses": c["statuses"], "messageRegex": c["message"]}
        for c in CATEGORIES
    ]


def allure3_categories() -> list[dict[str, Any]]:
    rules = []
    for c in CATEGORIES:
        matchers: list[dict[str, Any]] = [
            {"statuses": c["statuses"], "message": "^" + c["message"]}
        ]
        rules.append({"name": c["name"], "matchers": matchers, "expand": True})
    return rules


def _now_ms() -> int:
    return int(time.time() * 1000)


class AttachmentWriter:
    """Writes attachment files on a background thread.

    A run sends about a thousand requests, three attachments each; opening a
    file costs up to a millisecond on a slow file system, which done inline
    would add seconds to the run. The files are needed only when the report
    is rendered, after `close`.
    """

    def __init__(self, results_dir: Path) -> None:
        self.results_dir = results_dir
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="allure-attach")
        self._pending: list[Future[None]] = []

    def attach(self, step: TestStepResult, name: str, text: str, extension: str = "txt") -> None:
        source = f"{uuid4()}-attachment.{extension}"
        self._pending.append(self._pool.submit(self._write, source, text))
        step.attachments.append(Attachment(name=name, source=source, type="text/plain"))

    def _write(self, source: str, text: str) -> None:
        with open(self.results_dir / source, "w", encoding="utf-8") as handle:
            handle.write(text)

    def close(self) -> None:
        """Wait for every file; the first write that failed is raised."""
        self._pool.shutdown(wait=True)
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()


def request_text(exchange: Exchange) -> str:
    lines = [f"{exchange.method} {exchange.url}"]
    lines += [f"{name}: {value}" for name, value in exchange.request_headers.items()]
    body = exchange.request_text(RESPONSE_BODY_CAP)
    return "\n".join(lines) + "\n\n" + body + "\n"


def response_text(exchange: Exchange) -> str:
    if exchange.status is None:
        return f"no response: {exchange.error}\n"
    lines = [f"HTTP {exchange.status}  ({exchange.elapsed * 1000:.1f} ms)"]
    lines += [f"{name}: {value}" for name, value in exchange.response_headers.items()]
    return "\n".join(lines) + "\n\n" + exchange.body_text(RESPONSE_BODY_CAP) + "\n"


def step_name(exchange: Exchange) -> str:
    outcome = str(exchange.status) if exchange.status is not None else (exchange.error or "?")
    together = f"  (one of {exchange.batch} sent at once)" if exchange.batch > 1 else ""
    return f"#{exchange.number} {exchange.method} {exchange.path} → {outcome}{together}"


class AllureWriter:
    """Shapes allure-pytest's results for the checks of one run."""

    def __init__(self, config: Any, run: Run) -> None:
        self.run = run
        self.results_dir = Path(config.option.allure_report_dir).resolve()
        self._listener = config.pluginmanager.get_plugin("allure_listener")
        self._current: TestResult | None = None
        self._steps: dict[int, TestStepResult] = {}
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.files = AttachmentWriter(self.results_dir)

    # -- while a check runs -------------------------------------------
    def begin(self) -> None:
        self._current = self._listener.allure_logger.get_test(None)
        self._steps = {}

    def end(self) -> None:
        self._current = None

    def on_exchange(self, exchange: Exchange) -> None:
        test = self._current
        if test is None:  # the opening read and the final restore belong to no check
            return
        redact = self.run.redact
        stop = _now_ms()
        step = TestStepResult(
            name=redact(step_name(exchange)),
            status=Status.PASSED if exchange.status is not None else Status.BROKEN,
            start=stop - int(exchange.elapsed * 1000),
            stop=stop,
        )
        self.files.attach(step, "request", redact(request_text(exchange)))
        self.files.attach(step, "response", redact(response_text(exchange)))
        self.files.attach(step, "curl", redact(exchange.curl()) + "\n", "sh")
        test.steps.append(step)
        self._steps[exchange.number] = step

    # -- when a check is over -----------------------------------------
    def finish(self, check: Check, result: Result | None, failing: Exchange | None) -> None:
        test = self._listener.allure_logger.get_test(None)
        if test is None:
            return
        run = self.run
        test.name = check.requirement
        test.fullName = f"sigmamind.update_campaign.{check.id}"
        test.testCaseId = test.historyId = md5(test.fullName)
        test.titlePath = [EPIC, check.area]
        test.description = describe(check)
        test.labels = [label for label in test.labels if label.name not in NOISE_LABELS]
        test.labels += [
            Label("epic", EPIC),
            Label("feature", check.area),
            Label("story", check.id),
            Label("suite", check.area),
            Label("severity", SEVERITY.get(check.level, "normal")),
            Label("tag", check.level),
        ]
        test.links += [
            Link("link", f"{SPEC_LINK}#{cite.pointer}", link_name(cite.pointer))
            for cite in check.cites
        ]
        test.parameters += [
            Parameter(name="seed", value=str(run.seed), excluded=True),
            Parameter(name="target", value=run.redact(run.target.base_url), excluded=True),
        ]
        if result is None:
            return
        test.status = STATUS[result.outcome]
        message, trace = outcome_text(check, result, strict=run.strict)
        if result.outcome == "non-strict":
            # Allure has no status for it: the title says what the amber means.
            test.name = f"[SHOULD, non-strict: reported, the run passes] {check.requirement}"
            test.labels.append(Label("tag", "non-strict"))
        errata = self.errata_of(check)
        test.labels += [Label("tag", f"erratum: {e}") for e in errata]
        if message:
            test.statusDetails = StatusDetails(message=run.redact(message),
                                               trace=run.redact(trace) or None)
        for exchange in run.exchanges_of(check.id):
            if exchange.superseded and exchange.number in self._steps:
                self._steps[exchange.number].name += (
                    ", set aside: the same request was sent again alone and judged")
        if failing is not None and failing.number in self._steps:
            self._steps[failing.number].status = test.status
            self._steps[failing.number].name += "  (the failing request)"

    def errata_of(self, check: Check) -> list[str]:
        from ._spec import ERRATA_DETECTORS

        found = []
        for erratum in self.run.spec.errata:
            detector = ERRATA_DETECTORS.get(erratum.exercised or "")
            if detector is None:
                continue
            if any(e.status == 200 and detector(e.json_or_none())
                   for e in self.run.exchanges_of(check.id)):
                found.append(erratum.id)
        return found

    # -- at the end of the session ------------------------------------
    def write_run_files(self) -> None:
        self.files.close()
        write_run_files(self.results_dir, self.run)


def outcome_text(check: Check, result: Result, *, strict: bool) -> tuple[str, str]:
    """The one-line message (categories match it) and the full text of an outcome."""
    head = f"{check.id}: {result.message.splitlines()[0] if result.message else ''}"
    if result.outcome == "failed":
        first = result.message.splitlines()[0] if result.message else f"[{check.level}] {head}"
        return first, result.message
    if result.outcome == "non-strict":
        first = result.message.splitlines()[0].removeprefix(f"[{check.level}] ")
        return f"[SHOULD, non-strict] {first}", result.message
    if result.outcome == "error":
        kind = result.error_kind or "aborted"
        return f"[{kind}] {head}", result.message
    if result.error_kind == "aborted":  # skipped: the run stopped before this check
        return f"[aborted] {check.id}: {result.message}", ""
    if result.outcome in ("skipped", "not-exercised"):
        return result.message, ""
    return "", ""


def link_name(pointer: str, width: int = 64) -> str:
    """The pointer as a link's name; a long one keeps its end, the part that differs."""
    name = f"openapi.yaml#{pointer}"
    return name if len(name) <= width else "openapi.yaml#…" + pointer[-(width - 14):]


def describe(check: Check) -> str:
    """The result's description (Markdown): the rule, its level and the sentences cited."""
    lines = [f"**{check.level}** · area `{check.area}` · check `{check.id}`", ""]
    lines += [check.requirement, ""]
    if check.description:
        lines += [check.description, ""]
    lines.append("The contract says:")
    lines.append("")
    for cite in check.cites:
        lines.append(f"> {cite.quote}")
        lines.append(">")
        lines.append(f"> — `openapi.yaml#{cite.pointer}`")
        lines.append("")
    return "\n".join(lines)


def environment_properties(run: Run) -> dict[str, str]:
    return {
        "target": run.target.name,
        "target.url": run.redact(run.target.base_url),
        "spec.version": str(run.spec.version),
        "spec.sha256": str(run.spec.sha256),
        "suite.version": __version__,
        "profile": run.profile.name,
        "level": run.level,
        "seed": str(run.seed),
        "strict": str(run.strict).lower(),
        "insecure": str(bool(run.target.insecure)).lower(),
    }


def _property_line(key: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("\n", "\\n")
    return f"{key}={escaped}"


def write_run_files(results_dir: Path, run: Run) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    props = environment_properties(run)
    (results_dir / "environment.properties").write_text(
        "\n".join(_property_line(k, v) for k, v in props.items()) + "\n", encoding="utf-8"
    )
    (results_dir / "categories.json").write_text(
        json.dumps(legacy_categories(), indent=2) + "\n", encoding="utf-8"
    )
    if run.aborted and not run.results:
        write_aborted_result(results_dir, run)


def write_aborted_result(results_dir: Path, run: Run) -> None:
    """A run aborted before any check leaves one result that says why."""
    now = _now_ms()
    full_name = "sigmamind.update_campaign.target_reachable"
    result = {
        "uuid": str(uuid4()),
        "name": "The target answers the suite's first request.",
        "fullName": full_name,
        "historyId": md5(full_name),
        "testCaseId": md5(full_name),
        "status": Status.BROKEN,
        "statusDetails": {"message": run.redact(f"[aborted] {run.aborted}")},
        "stage": "finished",
        "start": now,
        "stop": now,
        "labels": [{"name": "epic", "value": EPIC}, {"name": "feature", "value": "run"},
                   {"name": "severity", "value": "blocker"}],
    }
    (results_dir / f"{result['uuid']}-result.json").write_text(
        json.dumps(result, indent=2) + "\n", encoding="utf-8"
    )


def result_files(results_dir: Path) -> Iterable[dict[str, Any]]:
    """The test results in a results directory, parsed."""
    for path in sorted(results_dir.glob("*-result.json")):
        yield json.loads(path.read_text(encoding="utf-8"))
