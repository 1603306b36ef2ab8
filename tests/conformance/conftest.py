"""Fixtures of the suite's own tests; the runner itself lives in suiterun.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from suiterun import SuiteRunner


@pytest.fixture(scope="session")
def suite_runner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteRunner]:
    yield SuiteRunner(tmp_path_factory.mktemp("suite-runs"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs the whole suite many times (deselect with -m 'not slow')"
    )
