"""Fixtures of the suite's own tests; the runner itself lives in suiterun.py.

Tests that run the suite (through the worker interpreters of suiterun.py or a
child process) are marked `suite` here, from what they use, so the fast tier
is everything else: `pytest tests -m "not suite"` (`tox -e fast`).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import pytest
from suiterun import SuiteRunner

# What a test (or a fixture it uses) calls when it runs the suite or a child process.
_RUNS_THE_SUITE = ("suite_runner", "run_suite(", "conformance_process(", "subprocess.")


@pytest.fixture(scope="session")
def suite_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteRunner]:
    yield SuiteRunner(tmp_path_factory.mktemp("suite-runs"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs the whole suite many times (deselect with -m 'not slow')"
    )
    config.addinivalue_line(
        "markers", "suite: runs the suite or a child process (the fast tier is -m 'not suite')"
    )


def _sources(item: pytest.Item) -> Iterator[str]:
    function = getattr(item, "function", None)
    if function is not None:
        yield inspect.getsource(function)
    info = getattr(item, "_fixtureinfo", None)
    for definitions in (info.name2fixturedefs.values() if info else ()):
        for definition in definitions:
            try:
                yield inspect.getsource(definition.func)
            except (OSError, TypeError):
                continue


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "suite_runner" in getattr(item, "fixturenames", ()) or any(
            marker in source for source in _sources(item) for marker in _RUNS_THE_SUITE
        ):
            item.add_marker(pytest.mark.suite)
