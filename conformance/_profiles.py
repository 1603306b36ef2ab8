"""The run's profiles and its use of Hypothesis: settings and seeded tests.

Light on purpose (Hypothesis and nothing of the suite's): the worker process
that draws a check's cases beforehand (`conformance/_prepared.py`) imports
this and not the client, the contract or openapi-core.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis
from hypothesis import HealthCheck, Phase

__all__ = ["PROFILES", "Profile", "given_seeded", "hypothesis_home", "hypothesis_settings",
           "unicode_tables_built"]


@dataclass(frozen=True)
class Profile:
    name: str
    max_examples: int
    shrink: bool
    fuzz_examples: int


# The quick profile's generated examples are few on purpose: each check sends its
# decisive fixed cases first, then one generated example (more where a check asks
# for a floor). One kills what four did, measured at seeds 1 and 2 on the
# mutants and on both fault zoos written apart from the suite (bench/timing.md),
# for 87 fewer requests a run. Deep is the wide net.
PROFILES = {
    "quick": Profile("quick", max_examples=1, shrink=False, fuzz_examples=12),
    "deep": Profile("deep", max_examples=120, shrink=True, fuzz_examples=400),
}


def hypothesis_settings(profile: Profile, **changes: Any) -> hypothesis.settings:
    """A run's Hypothesis settings: its profile's phases, no database, no deadline."""
    phases = [Phase.explicit, Phase.generate]
    if profile.shrink:
        phases.append(Phase.shrink)
    return hypothesis.settings(
        **{
            "deadline": None,
            "database": None,
            "phases": phases,
            "suppress_health_check": list(HealthCheck),
            "print_blob": False,
            "derandomize": False,
            **changes,
        }
    )


def given_seeded(profile: Profile, seed: int, fn: Callable[..., None], *args: Any,
                 max_examples: int | None = None, **kwargs: Any) -> Callable[[], None]:
    """`fn` under hypothesis.given, with `profile`'s settings and a fixed seed: the
    same values in any process (`Context.given`, and work done beforehand)."""
    test = hypothesis.given(*args, **kwargs)(fn)
    test = hypothesis_settings(profile, max_examples=max_examples or profile.max_examples)(test)
    # No database, so no key: Hypothesis would otherwise hash the test's
    # source (inspect and tokenize) on every run of every check, about 4 %
    # of a run's CPU. An attribute it reads when present.
    test._hypothesis_internal_database_key = None  # type: ignore[attr-defined]
    return hypothesis.seed(seed)(test)  # type: ignore[no-any-return]


def unicode_tables_built() -> bool:
    """Have Hypothesis build the Unicode tables its text strategies need (the
    character map and the UTF-8 codec's intervals), which it keeps in its
    storage directory; True when they could be built.

    Built from nothing they take seconds (the codec's, about 3 s here: every
    code point encoded in turn). The run's own strategies and the worker's
    (Schemathesis's) both need them: built once here, before the worker
    starts, the worker reads them from the disk instead of building them a
    second time beside the run. A Hypothesis internal, so guarded.
    """
    try:
        from hypothesis.internal.charmap import charmap, intervals_from_codec
    except ImportError:  # pragma: no cover - another Hypothesis layout
        return False
    charmap()
    intervals_from_codec("utf-8")
    return True


def hypothesis_home() -> str:
    """Where Hypothesis keeps its data in this process (the CLI points it at the
    user's cache: `conformance._cli.use_the_user_cache`), for a worker process
    to use the same tables."""
    from hypothesis.configuration import storage_directory

    return str(storage_directory(intent_to_write=False).home_directory)
