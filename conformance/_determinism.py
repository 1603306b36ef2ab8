"""The same seed, the same requests: what generation must not depend on.

Hypothesis mixes into what it draws the literals of the "local" modules
(those outside site-packages) that happen to be imported when it draws. A
second run in the same interpreter (the pytest plugin in a long session, a
test worker) has more modules loaded than the first, so the same seed drew
other bodies; a checkout and an installed package drew differently too. The
suite draws only from its strategies and the seed: `stable_generation` turns
the local-literal pool off for the process (Hypothesis's global constants
stay). It touches Hypothesis internals, so it is guarded: should they move,
nothing breaks, and the replay test says that determinism is lost.

A process that only runs the suite (the command line, the worker process)
turns the pool off for good (`stable_generation`); the engine turns it off
only while a check runs (`generation_of_the_suite`), so other Hypothesis
tests in the same process (a pytest session with the plugin) draw as
Hypothesis means them to.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["generation_of_the_suite", "stable_generation"]


def stable_generation() -> bool:
    """Generation independent of the modules loaded; True when it could be arranged."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - another Hypothesis layout
        return False
    if not hasattr(providers, "_get_local_constants") or not hasattr(providers,
                                                                      "CONSTANTS_CACHE"):
        return False  # pragma: no cover
    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()
    return True


@contextmanager
def generation_of_the_suite() -> Iterator[None]:
    """`stable_generation` for the duration of the block; Hypothesis's own
    local-literal pool is back afterwards (unless it was off before)."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - another Hypothesis layout
        yield
        return
    before = getattr(providers, "_get_local_constants", None)
    if before is None or not stable_generation():
        yield  # pragma: no cover - another Hypothesis layout
        return
    try:
        yield
    finally:
        providers._get_local_constants = before
        providers.CONSTANTS_CACHE.cache.clear()
