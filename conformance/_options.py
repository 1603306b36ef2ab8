"""One table of run options: the CLI, the pytest plugin and the target file read it.

Each `Option` is declared once with its help; `add_to_argparse` gives the CLI
`--name`, `add_to_pytest` gives the plugin `--conformance-name`, and the
limits (`timeout`, `rate_limit`, `max_requests`, `time_budget`) are also keys
of the target file's `[limits]` table, an option overriding the file.
`build_run` turns the values, whichever face read them, into a Run.
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ._clock import parse_instant_option
from ._profiles import PROFILES
from ._run import Run
from ._target import TargetError, check_base_url, check_limit, load_target


@dataclass(frozen=True)
class Option:
    name: str  # attribute name; the flag is --name with dashes
    help: str
    type: Callable[[str], Any] | None = None
    default: Any = None
    choices: tuple[str, ...] | None = None
    metavar: str | None = None
    flag: bool = False  # store_true
    repeat: bool = False  # append
    limit: bool = False  # also a key of the target file's [limits]
    group: str = "what to run"

    @property
    def dashed(self) -> str:
        return self.name.replace("_", "-")

    def kwargs(self) -> dict[str, Any]:
        if self.flag:
            return {"action": "store_true", "help": self.help}
        kwargs: dict[str, Any] = {"help": self.help, "default": self.default}
        if self.repeat:
            kwargs.update(action="append", default=[])
        if self.type is not None:
            kwargs["type"] = self.type
        if self.choices:
            kwargs["choices"] = self.choices
        if self.metavar:
            kwargs["metavar"] = self.metavar
        return kwargs


OPTIONS: tuple[Option, ...] = (
    Option("target", "target file (TOML); default: the embedded reference server",
           metavar="FILE", group="target"),
    Option("base_url", "override the target file's base_url", metavar="URL", group="target"),
    Option("mutant", "run against an embedded mutant of the reference", metavar="NAME",
           group="target"),
    Option("variant", "run against an embedded conformant variant of the reference",
           metavar="NAME", group="target"),
    Option("now", "embedded targets only: their clock starts at this instant "
           "(e.g. 2026-03-08T01:30:00Z) and then advances in real time",
           type=parse_instant_option, metavar="INSTANT", group="target"),
    Option("level", "schema: response shapes and statuses only, for static mocks; "
           "full: the behaviour too (default)", choices=("schema", "full"), default="full"),
    Option("profile", "quick (default, CI) or deep (nightly: many more generated examples)",
           choices=tuple(sorted(PROFILES)), default="quick"),
    Option("seed", "seed for generated data; the same seed repeats the run", type=int),
    Option("strict", "SHOULD-level failures fail the run too", flag=True),
    Option("check", "run only this check (repeatable)", metavar="ID", repeat=True),
    Option("timeout", "seconds to wait for each response (default 10)", type=float,
           metavar="N", limit=True, group="safety"),
    Option("rate_limit", "requests per second on average, a batch of up to --concurrency "
           "leaving together (default: unlimited on loopback, 10 elsewhere)",
           type=float, metavar="N", limit=True, group="safety"),
    Option("max_requests", "request budget of the whole run", type=int, metavar="N",
           limit=True, group="safety"),
    Option("time_budget", "seconds the whole run may take (default 900 quick, 3600 deep)",
           type=float, metavar="N", limit=True, group="safety"),
    Option("concurrency", "send up to N requests at once: the concurrency checks, and "
           "requests that do not depend on each other (default 3 on loopback; "
           "elsewhere one at a time, and the concurrency checks are not exercised)", type=int,
           metavar="N", limit=True, group="safety"),
    Option("ca_bundle", "CA bundle for a target behind a private CA", metavar="FILE",
           group="safety"),
    Option("insecure", "do not verify TLS certificates (warned about in the run and report)",
           flag=True, group="safety"),
    Option("summary_json", "write a machine-readable JSON summary", metavar="FILE",
           group="output"),
)

PYTEST_PREFIX = "conformance_"


def add_to_argparse(parser: argparse.ArgumentParser) -> dict[str, Any]:
    """Every option as `--name` in argument groups; returns the groups by name."""
    groups: dict[str, Any] = {}
    for option in OPTIONS:
        group = groups.get(option.group)
        if group is None:
            group = groups[option.group] = parser.add_argument_group(option.group)
        group.add_argument(f"--{option.dashed}", **option.kwargs())
    return groups


def add_to_pytest(group: Any) -> None:
    """Every option as `--conformance-name` (values typed as the CLI types them)."""
    for option in OPTIONS:
        group.addoption(f"--conformance-{option.dashed}", dest=PYTEST_PREFIX + option.name,
                        **option.kwargs())


def values_from_pytest(config: Any) -> dict[str, Any]:
    values = {o.name: config.getoption(PYTEST_PREFIX + o.name) for o in OPTIONS}
    if not values["target"]:
        values["target"] = os.environ.get("CONFORMANCE_TARGET") or \
            config.getini("conformance_target") or None
    return values


def build_run(values: dict[str, Any]) -> Run:
    """The Run the values describe; set-up mistakes raise TargetError (exit 2)."""
    from ._engine import with_default_budget
    from ._spec import SpecError, load_spec

    try:
        spec = load_spec()
    except SpecError as exc:
        raise TargetError(f"contract: {exc}") from None
    from ._preflight import base_url_needs_target

    refused = base_url_needs_target(values.get("base_url"), values.get("target"))
    if refused:
        raise TargetError(refused)
    embedded = [f"--{n}" for n in ("mutant", "variant") if values.get(n)]
    if values.get("target") and embedded:
        raise TargetError(f"--target and {embedded[0]} exclude each other")
    if len(embedded) == 2:
        raise TargetError("--mutant and --variant exclude each other")
    if values.get("target") and values.get("now") is not None:
        raise TargetError("--now sets only an embedded target's clock; it excludes --target")
    server = None
    try:
        if values.get("target"):
            target = load_target(values["target"])
        else:
            from ._embedded import start_embedded

            target, server = start_embedded(values.get("mutant"), variant=values.get("variant"),
                                            now=values.get("now"))
        if values.get("base_url"):
            target = target.with_base_url(check_base_url(values["base_url"], "--base-url"))
        changes = {o.name: check_limit(o.name, values[o.name], f"--{o.dashed}")
                   for o in OPTIONS if o.limit and values.get(o.name) is not None}
        target = replace(
            target,
            limits=replace(target.limits, **changes),
            ca_bundle=values.get("ca_bundle") or target.ca_bundle,
            insecure=bool(values.get("insecure")),
        )
        if target.ca_bundle and not Path(target.ca_bundle).is_file():
            raise TargetError(f"--ca-bundle: {target.ca_bundle!r} is not a readable file")
    except TargetError:
        if server is not None:
            server.stop()
        raise
    profile = values.get("profile") or "quick"
    seed = values.get("seed")
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    return Run(
        target=with_default_budget(target, profile),
        spec=spec,
        profile=PROFILES[profile],
        seed=seed,
        level=values.get("level") or "full",
        strict=bool(values.get("strict")),
        server=server,
    )
