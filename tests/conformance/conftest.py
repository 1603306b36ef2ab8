"""Fixtures of the suite's own tests; the runner itself lives in suiterun.py.

Tests that run the suite (through the worker interpreters of suiterun.py or a
child process) are marked `suite` here, from what they use, so the fast tier
is everything else: `pytest tests -m "not suite"` (`tox -e fast`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterator

import pytest
from suiterun import SuiteRunner

# What a test (or a fixture it uses) calls when it runs the suite or a child process.
_RUNS_THE_SUITE = ("suite_runner", "SuiteRunner(", "run_suite(", "conformance_process(",
                   "pytest_face(", "subprocess.", "start_embedded(", "independent_server(")


@pytest.fixture(scope="session")
def suite_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteRunner]:
    with SuiteRunner(tmp_path_factory.mktemp("suite-runs")) as runner:
        yield runner


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs the whole suite many times (deselect with -m 'not slow')"
    )
    config.addinivalue_line(
        "markers", "suite: runs the suite or a child process (the fast tier is -m 'not suite')"
    )


# Cached: the items of one parametrized test, and the tests using one fixture,
# share a function (reading its source again costs seconds per collection).
@functools.cache
def _source_of(function: object) -> str:
    try:
        return inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def _sources(item: pytest.Item) -> Iterator[str]:
    function = getattr(item, "function", None)
    if function is not None:
        yield _source_of(function)
    info = getattr(item, "_fixtureinfo", None)
    for definitions in (info.name2fixturedefs.values() if info else ()):
        for definition in definitions:
            yield _source_of(definition.func)


def _module_fixture_group(item: pytest.Item) -> str | None:
    """The module's name when the item uses a module-scoped fixture of its own module."""
    module = getattr(item, "module", None)
    info = getattr(item, "_fixtureinfo", None)
    if module is None or info is None:
        return None
    for definitions in info.name2fixturedefs.values():
        for definition in definitions:
            if definition.scope == "module" and \
                    getattr(definition.func, "__module__", None) == module.__name__:
                return module.__name__
    return None


# First, so that xdist (--dist loadgroup) sees the groups added here.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "suite_runner" in getattr(item, "fixturenames", ()) or any(
            marker in source for source in _sources(item) for marker in _RUNS_THE_SUITE
        ):
            item.add_marker(pytest.mark.suite)
        # The tests sharing a module fixture (servers started, a run made) go
        # to one xdist worker, which builds that fixture once.
        group = _module_fixture_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


# pytest-xdist 3.8 names an item's group by appending "@group" to its node id
# through the legacy `_nodeid` attribute, which pytest 9.2's structured ids no
# longer read (pytest-xdist issue 1386): without this, --dist loadgroup spreads
# the tests of one group over the workers, each building the group's module
# fixture again. Last, so that a fixed xdist (its suffix present) is left alone.
# (pytest registers only hooks named pytest_*, hence the name and specname.)
@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_groups_in_node_ids(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                         for mark in item.iter_markers("xdist_group")})
        if groups and "@" not in item.nodeid.rpartition("]")[2]:
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(groups)}")  # type: ignore[attr-defined]
