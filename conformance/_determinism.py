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
"""

from __future__ import annotations

__all__ = ["stable_generation"]


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
