"""The suite as pytest sees it: one test function per check of the catalogue.

Run it through `python -m conformance run` (the engine alone), or with pytest:
`pytest --pyargs conformance._suite --conformance-target target.toml`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance._catalogue import Check, load_catalogue
from conformance.plugin import drive


def _test_for(check: Check) -> Callable[[Any], None]:
    def test(conformance_engine: Any) -> None:
        drive(conformance_engine, check.id)

    test.__name__ = f"test_{check.id}"
    test.__qualname__ = test.__name__
    test.__doc__ = check.requirement
    return test


for _check in load_catalogue().values():
    globals()[f"test_{_check.id}"] = _test_for(_check)
