"""pytest plugin: runs the conformance suite and reports it.

The target is resolved like pytest-base-url resolves its URL: the
`--conformance-target` option, then the CONFORMANCE_TARGET environment
variable, then the `conformance_target` ini value; with none of them the
embedded reference server is started on a free loopback port.

The plugin only acts when the suite's module (conformance/_suite.py) is
collected; in any other pytest run it stays silent.
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from ._catalogue import MUST, SHOULD, Check, load_catalogue
from ._context import PROFILES
from ._run import Result, Run, RunAborted, failure_of
from ._spec import SpecError, load_spec
from ._target import TargetError, check_base_url, check_limit, load_target

SUITE_MODULE = "_suite.py"
EXIT_ABORTED = 3

_RUN_KEY = pytest.StashKey[Run]()
_ITEMS_KEY = pytest.StashKey[dict[str, Check]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "SigmaMind campaign conformance suite")
    group.addoption("--conformance-target", metavar="FILE",
                    help="target file (TOML); default: the embedded reference server")
    group.addoption("--conformance-base-url", metavar="URL",
                    help="override the target file's base_url")
    group.addoption("--conformance-mutant", metavar="NAME",
                    help="run against an embedded mutant of the reference server")
    group.addoption("--conformance-variant", metavar="NAME",
                    help="run against an embedded conformant variant of the reference")
    group.addoption("--conformance-level", choices=("schema", "full"), default="full",
                    help="schema: response shapes and statuses only (static mocks); "
                         "full: the behaviour too (default)")
    group.addoption("--conformance-profile", choices=sorted(PROFILES), default="quick",
                    help="quick (default) or deep (many more generated examples)")
    group.addoption("--conformance-seed", type=int, default=None,
                    help="seed for generated data; the same seed repeats the run")
    group.addoption("--conformance-strict", action="store_true",
                    help="SHOULD-level failures fail the run too")
    group.addoption("--conformance-check", action="append", default=[], metavar="ID",
                    help="run only this check (repeatable)")
    group.addoption("--conformance-summary", metavar="FILE",
                    help="write a machine-readable JSON summary")
    for name, help_text in (
        ("timeout", "seconds to wait for each response (default 10)"),
        ("rate-limit", "requests per second (default: unlimited on loopback, 10 elsewhere)"),
        ("max-requests", "request budget of the whole run"),
        ("time-budget", "seconds the whole run may take"),
    ):
        group.addoption(f"--conformance-{name}", metavar="N", help=help_text)
    group.addoption("--conformance-ca-bundle", metavar="FILE",
                    help="CA bundle for a target behind a private CA")
    group.addoption("--conformance-insecure", action="store_true",
                    help="do not verify TLS (warned about in the run and the report)")
    parser.addini("conformance_target", "target file for the conformance suite")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance_check(id): a check of the conformance suite")


def _is_suite_item(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).name == SUITE_MODULE and item.name.startswith("test_")


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    suite_items = [i for i in items if _is_suite_item(i)]
    if not suite_items:
        return
    catalogue = load_catalogue()
    level = config.getoption("conformance_level")
    wanted = set(config.getoption("conformance_check") or [])
    unknown = sorted(wanted - set(catalogue))
    if unknown:
        raise pytest.UsageError(f"--check: unknown check id {unknown[0]!r} (see --list-checks)")
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    by_item: dict[str, Check] = {}
    for item in items:
        if not _is_suite_item(item):
            keep.append(item)
            continue
        check = catalogue[item.name.removeprefix("test_")]
        if (wanted and check.id not in wanted) or level not in check.levels:
            dropped.append(item)
            continue
        by_item[item.nodeid] = check
        item.add_marker(pytest.mark.conformance_check(check.id))
        keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    # Checks that judge the whole run (final) go last, in catalogue order.
    order = {cid: n for n, cid in enumerate(catalogue)}
    keep.sort(key=lambda i: (
        1 if i.nodeid in by_item else 0,
        by_item[i.nodeid].final if i.nodeid in by_item else False,
        order.get(by_item[i.nodeid].id, 0) if i.nodeid in by_item else 0,
    ))
    items[:] = keep
    config.stash[_ITEMS_KEY] = by_item
    if by_item:
        run = config.stash[_RUN_KEY] = _start_run(config)
        from ._report import ReportingPlugin

        config.pluginmanager.register(ReportingPlugin(config, run, by_item), "conformance-reports")
        if run.aborted:
            config.hook.pytest_deselected(items=[i for i in items if i.nodeid in by_item])
            items[:] = [i for i in items if i.nodeid not in by_item]


def _limits_from_options(config: pytest.Config, target: Any) -> Any:
    from dataclasses import replace

    changes = {}
    for option, key in (("timeout", "timeout"), ("rate_limit", "rate_limit"),
                        ("max_requests", "max_requests"), ("time_budget", "time_budget")):
        raw = config.getoption(f"conformance_{option}")
        if raw is None:
            continue
        flag = "--" + option.replace("_", "-")
        try:
            value: Any = int(raw) if key == "max_requests" else float(raw)
        except ValueError:
            raise TargetError(f"{flag}: expected a number, got {raw!r}") from None
        changes[key] = check_limit(key, value, flag)
    return replace(target.limits, **changes) if changes else target.limits


def _start_run(config: pytest.Config) -> Run:
    from dataclasses import replace

    try:
        spec = load_spec()
    except SpecError as exc:
        raise pytest.UsageError(f"contract: {exc}") from None
    path = (
        config.getoption("conformance_target")
        or os.environ.get("CONFORMANCE_TARGET")
        or config.getini("conformance_target")
    )
    server = None
    try:
        if path:
            target = load_target(path)
        else:
            from ._embedded import start_embedded

            target, server = start_embedded(config.getoption("conformance_mutant"),
                                            variant=config.getoption("conformance_variant"))
        base_url = config.getoption("conformance_base_url")
        from ._preflight import base_url_needs_target

        refused = base_url_needs_target(base_url, path)
        if refused:
            raise TargetError(refused)
        if base_url:
            target = target.with_base_url(check_base_url(base_url, "--base-url"))
        target = replace(
            target,
            limits=_limits_from_options(config, target),
            ca_bundle=config.getoption("conformance_ca_bundle") or target.ca_bundle,
            insecure=bool(config.getoption("conformance_insecure")),
        )
        if target.ca_bundle and not Path(target.ca_bundle).is_file():
            raise TargetError(f"--ca-bundle: {target.ca_bundle!r} is not a readable file")
    except TargetError as exc:
        if server is not None:
            server.stop()
        raise pytest.UsageError(str(exc)) from None
    from ._determinism import stable_generation

    stable_generation()  # the same seed draws the same bodies in any interpreter
    seed = config.getoption("conformance_seed")
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    run = Run(
        target=target,
        spec=spec,
        profile=PROFILES[config.getoption("conformance_profile")],
        seed=seed,
        level=config.getoption("conformance_level"),
        strict=bool(config.getoption("conformance_strict")),
        server=server,
    )
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"conformance: target {target.name} ({target.base_url}), seed {seed}, "
            f"profile {run.profile.name}, level {run.level}"
            + (", strict" if run.strict else "")
        )
        if target.insecure:
            reporter.write_line("WARNING: TLS verification is disabled (--insecure)", red=True)
    try:
        if target.embedded or not _preflight(run):
            run.open()
    except RunAborted as exc:
        # No check runs; pytest_sessionfinish restores nothing and exits 3.
        run.aborted = str(exc)
        if reporter is not None:
            reporter.write_line(f"conformance: run aborted: {run.redact(run.aborted)}", red=True)
    return run


def _preflight(run: Run) -> bool:
    """Set-up errors (refused key, unknown campaign or fixture) stop the run with exit 2.

    Its requests are the run's (counted in the budget, recorded). True when it
    read the campaign, which then needs no second opening read.
    """
    from ._preflight import SetupError, preflight

    try:
        found = preflight(run.client, run.target)
    except SetupError as exc:
        run.client.close()
        raise pytest.UsageError(f"set-up: {run.redact(str(exc))}") from None
    if found.original is None:
        return False
    run.original = found.original
    if found.stopped:
        raise RunAborted(f"run stopped: {found.stopped}")
    return True


@pytest.fixture(scope="session")
def conformance_run(request: pytest.FixtureRequest) -> Run:
    run = request.config.stash.get(_RUN_KEY, None)
    if run is None:
        pytest.skip("the conformance run was not set up")
    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    check = item.config.stash.get(_ITEMS_KEY, {}).get(item.nodeid)
    run = item.config.stash.get(_RUN_KEY, None)
    if check is None or run is None:
        return
    report = outcome.get_result()
    if call.when == "setup" and report.skipped:
        _record(run, check, "skipped", _skip_reason(report), call.duration)
        return
    if call.when != "call":
        return
    excinfo = call.excinfo
    if excinfo is None:
        _record(run, check, "passed", "", call.duration)
        return
    if isinstance(excinfo.value, RunAborted):
        report.longrepr = run.redact(f"[{check.level}] {check.id}: {excinfo.value}")
        _record(run, check, "error", str(excinfo.value), call.duration)
        return
    if report.skipped:
        reason = _skip_reason(report)
        kind = "not-exercised" if reason.startswith("not exercised") else "skipped"
        _record(run, check, kind, reason, call.duration)
        return
    failure = failure_of(excinfo.value)
    if failure is None:
        text = run.redact(f"[{check.level}] {check.id}: the check itself broke: "
                          f"{type(excinfo.value).__name__}: {excinfo.value}")
        report.longrepr = text + "\n" + run.redact(str(report.longrepr))
        _record(run, check, "error", text, call.duration)
        return
    rendered = failure.render(check, run.redact)
    notes = [n for n in getattr(excinfo.value, "__notes__", []) if n.strip()]
    if notes:
        rendered += "\n" + run.redact("\n".join(f"  {n}" for n in notes))
    rendered += f"\n  Seed: --seed {run.seed}"
    report.longrepr = rendered
    if check.level == SHOULD and not run.strict:
        report.outcome = "skipped"
        report.wasxfail = f"SHOULD (non-strict): {run.redact(failure.title)}"
        _record(run, check, "non-strict", rendered, call.duration)
    else:
        _record(run, check, "failed", rendered, call.duration)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _record(run: Run, check: Check, outcome: str, message: str, duration: float) -> None:
    run.results[check.id] = Result(
        check=check,
        outcome=outcome,
        message=message,
        duration=duration,
        requests=len(run.exchanges_of(check.id)),
    )


_SYMBOLS = {
    "passed": ("PASS", "green"),
    "failed": ("FAIL", "red"),
    "error": ("ERROR", "red"),
    "non-strict": ("NON-STRICT", "yellow"),
    "skipped": ("SKIP", "yellow"),
    "not-exercised": ("NOT EXERCISED", "yellow"),
}


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    run = config.stash.get(_RUN_KEY, None)
    if run is None:
        return
    tr = terminalreporter
    tr.section("conformance", sep="=")
    current_area = None
    for result in sorted(run.results.values(), key=lambda r: _area_order(r.check)):
        if result.check.area != current_area:
            current_area = result.check.area
            tr.write_line(f"{current_area}:")
        label, colour = _SYMBOLS[result.outcome]
        extra = ""
        if result.outcome in ("skipped", "not-exercised"):
            extra = f"  ({result.message})"
        tr.write(f"  {label:<13} ", **{colour: True})
        tr.write_line(f"[{result.check.level}] {result.check.id}{extra}")
    tr.write_line("")
    tr.write_line(f"{'area':<18}{'passed':>7}{'failed':>7}{'non-strict':>11}{'skipped':>8}"
                  f"{'not exercised':>15}")
    areas: dict[str, dict[str, int]] = {}
    for result in run.results.values():
        row = areas.setdefault(result.check.area, {})
        key = "failed" if result.outcome == "error" else result.outcome
        row[key] = row.get(key, 0) + 1
    for area in sorted(areas, key=_area_index):
        row = areas[area]
        tr.write_line(f"{area:<18}{row.get('passed', 0):>7}{row.get('failed', 0):>7}"
                      f"{row.get('non-strict', 0):>11}{row.get('skipped', 0):>8}"
                      f"{row.get('not-exercised', 0):>15}")
    stats = run.client.stats
    median, worst = stats.median(), stats.worst()
    tr.write_line("")
    tr.write_line(
        f"requests sent: {stats.sent}"
        + (f", median {median * 1000:.1f} ms, worst {worst * 1000:.1f} ms"
           if median is not None and worst is not None else "")
        + (f", {stats.retried} retried after 429" if stats.retried else "")
    )
    errata = run.errata_exercised()
    if errata:
        tr.write_line(f"spec errata exercised (informational): {', '.join(errata)}")
    if run.aborted:
        tr.write_line(f"RUN ABORTED: {run.redact(run.aborted)}", red=True)
    tr.write_line(f"campaign restore: {run.restore_note}")
    tr.write_line(f"reproduce this run: --seed {run.seed}")
    tr.write_line(_verdict(run), bold=True,
                  **{"red" if "NOT" in _verdict(run) or run.aborted else "green": True})


def _verdict(run: Run) -> str:
    """One line a release engineer can act on."""
    outcomes = list(run.results.values())
    must = sum(1 for r in outcomes if r.outcome in ("failed", "error") and r.check.level == MUST)
    should = sum(1 for r in outcomes
                 if r.check.level == SHOULD and r.outcome in ("failed", "non-strict", "error"))
    if run.aborted:
        return f"verdict: RUN ABORTED after {len(outcomes)} checks ({run.redact(run.aborted)})"
    if must or (should and run.strict):
        return (f"verdict: NOT CONFORMANT: {must} MUST and {should} SHOULD checks failed "
                f"against {run.target.name}")
    note = f" ({should} SHOULD checks failed, non-strict)" if should else ""
    return f"verdict: CONFORMANT at level {run.level}{note}: {run.target.name}"


def _area_index(area: str) -> int:
    from ._catalogue import AREAS

    return AREAS.index(area) if area in AREAS else len(AREAS)


def _area_order(check: Check) -> tuple[int, int]:
    return (_area_index(check.area), 0 if check.level == MUST else 1)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    run = config.stash.get(_RUN_KEY, None)
    if run is None:
        return
    run.close()
    if run.aborted:
        session.exitstatus = EXIT_ABORTED
    path = config.getoption("conformance_summary")
    if path:
        code = int(session.exitstatus)
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(json.dumps(run.summary(code), indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"conformance: cannot write summary {path}: {exc.strerror}", file=sys.stderr)
