"""pytest plugin: a thin face of the engine, one pytest item per check.

The target is resolved like pytest-base-url resolves its URL: the
`--conformance-target` option, then the CONFORMANCE_TARGET environment
variable, then the `conformance_target` ini value; with none of them the
embedded reference server is started on a free loopback port. The options are
the CLI's (conformance/_options.py), prefixed `--conformance-`.

The plugin only acts when the suite's module (conformance/_suite.py) is
collected; in any other pytest run it stays silent. Selection, order,
outcomes, the restore and the verdict are the engine's (conformance/_engine.py);
this module only turns each check's Result into a pytest outcome.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ._events import Outcome, Result

SUITE_MODULE = "_suite.py"

_ENGINE_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    from ._options import add_to_pytest

    add_to_pytest(parser.getgroup("conformance", "SigmaMind campaign conformance suite"))
    parser.addini("conformance_target", "target file for the conformance suite")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "conformance_check(id): a check of the conformance suite")


def _is_suite_item(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).name == SUITE_MODULE and item.name.startswith("test_")


class _TerminalStream:
    """pytest's terminal writer as a stream for the engine's terminal reporter.

    Lines written while a check runs get past pytest's output capture. pytest
    shows the progress (its dots); the areas' lines open the closing block.
    """

    def __init__(self, config: pytest.Config, reporter: Any) -> None:
        self.reporter = reporter
        self.capture = config.pluginmanager.get_plugin("capturemanager")

    def write(self, text: str) -> None:
        if self.capture is None:
            self.reporter.write(text)
            return
        with self.capture.global_and_fixture_disabled():
            self.reporter.write(text)

    def flush(self) -> None:
        self.reporter.flush()

    def isatty(self) -> bool:
        return False


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    suite_items = {i.name.removeprefix("test_"): i for i in items if _is_suite_item(i)}
    if not suite_items:
        return
    from ._catalogue import load_catalogue
    from ._engine import Engine, SelectionError, select
    from ._options import build_run, values_from_pytest
    from ._reporters import Broadcast, SummaryJson, Terminal
    from ._target import TargetError

    values = values_from_pytest(config)
    catalogue = {cid: c for cid, c in load_catalogue().items() if cid in suite_items}
    try:
        checks = select(catalogue, level=values["level"], ids=values["check"])
        run = build_run(values)
    except (SelectionError, TargetError) as exc:
        raise pytest.UsageError(str(exc)) from None
    chosen = [suite_items[c.id] for c in checks]
    for item in chosen:
        item.add_marker(pytest.mark.conformance_check(item.name.removeprefix("test_")))
    dropped = [i for i in suite_items.values() if i not in chosen]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = [i for i in items if not _is_suite_item(i)] + chosen
    reporters: list[Any] = []
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        reporters.append(Terminal(_TerminalStream(config, terminal),  # type: ignore[arg-type]
                                  areas_as_they_end=False))
    if values.get("summary_json"):
        reporters.append(SummaryJson(values["summary_json"]))
    from ._preflight import setup_preflight

    engine = Engine(run, checks, preflight=[setup_preflight])
    try:
        engine.start(Broadcast(reporters))
    except TargetError as exc:  # a preflight hook found a set-up mistake
        raise pytest.UsageError(str(exc)) from None
    config.stash[_ENGINE_KEY] = engine


@pytest.fixture(scope="session")
def conformance_engine(request: pytest.FixtureRequest) -> Any:
    engine = request.config.stash.get(_ENGINE_KEY, None)
    if engine is None:
        pytest.skip("the conformance run was not set up")
    return engine


def drive(engine: Any, check_id: str) -> None:
    """Run one check through the engine and give pytest its outcome."""
    check = next(c for c in engine.checks if c.id == check_id)
    outcome(engine.run_check(check))


def outcome(result: Result) -> None:
    if result.outcome in (Outcome.FAILED, Outcome.ERRORED):
        pytest.fail(result.message, pytrace=False)
    if result.outcome is Outcome.NON_STRICT:
        title = result.failure.title if result.failure is not None else result.message
        pytest.xfail(f"SHOULD (non-strict): {title}")
    if result.outcome in (Outcome.SKIPPED, Outcome.NOT_EXERCISED):
        pytest.skip(result.message)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    engine = session.config.stash.get(_ENGINE_KEY, None)
    if engine is None:
        return
    finished = engine.finish()
    xmlpath = getattr(session.config.option, "xmlpath", None)
    if xmlpath and Path(xmlpath).is_file():
        from ._report import name_junit_cases

        name_junit_cases(Path(xmlpath), {c.id: c for c in engine.checks})
    if finished.exit_code > int(session.exitstatus) or finished.exit_code == 3:
        session.exitstatus = finished.exit_code
