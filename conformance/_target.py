"""Where the suite points: the target file, its fixtures and its limits.

A target file is TOML:

    base_url = "https://staging.example.com"
    api_key_env = "SIGMAMIND_API_KEY"
    [fixtures]
    campaign_id = "camp_..."
    taken_campaign_name = "..."
    agent_ids = ["agent_..."]
    phone_numbers = ["+1..."]
    # optional: foreign_campaign_id, foreign_agent_id, foreign_phone_number,
    #           foreign_campaign_name, outbound_disabled_numbers,
    #           dynamic_variable_names
    [limits]        # optional, see Limits
    timeout = 10.0

The API key is read only from the environment variable named by api_key_env.
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_API_KEY_ENV = "SIGMAMIND_API_KEY"


class TargetError(Exception):
    """The target file or settings are unusable; the message names the field."""


@dataclass(frozen=True)
class Fixtures:
    campaign_id: str
    taken_campaign_name: str
    agent_ids: tuple[str, ...]
    phone_numbers: tuple[str, ...]
    foreign_campaign_id: str | None = None
    foreign_agent_id: str | None = None
    foreign_phone_number: str | None = None
    foreign_campaign_name: str | None = None
    outbound_disabled_numbers: tuple[str, ...] = ()
    dynamic_variable_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Limits:
    """How hard the suite may press the target."""

    timeout: float = 10.0  # seconds per request
    rate_limit: float | None = None  # requests per second; None is unlimited
    max_requests: int | None = None  # whole-run request budget
    time_budget: float | None = None  # whole-run seconds
    max_retry_after: float = 30.0  # longest Retry-After honoured on a 429
    concurrency: int | None = None  # parallel requests the concurrency checks may send


class Secret(str):
    """A string that does not show itself in repr()."""

    def __repr__(self) -> str:
        return "'[redacted]'"


# Requests that may go out at once (Target.parallel): the concurrency checks' and
# independent requests'. A loopback target (the developer's own server or mock)
# gets as many as any target may: a server that answers in 100 ms then gives its
# verdict in about 42 s instead of 52 s with 3 (bench/bounds.md).
MAX_PARALLEL = 8
LOOPBACK_PARALLEL = MAX_PARALLEL


@dataclass(frozen=True)
class Target:
    base_url: str
    fixtures: Fixtures
    api_key: Secret = field(repr=False)
    api_key_env: str = DEFAULT_API_KEY_ENV
    limits: Limits = Limits()
    name: str = "target"
    ca_bundle: str | None = None
    insecure: bool = False
    embedded: bool = False

    @property
    def is_loopback(self) -> bool:
        host = (urlsplit(self.base_url).hostname or "").lower()
        return host in {"localhost", "::1"} or host.startswith("127.")

    @property
    def parallel(self) -> int:
        """How many requests may go out at once: ``--concurrency N`` (``[limits]
        concurrency``), at most MAX_PARALLEL; without it LOOPBACK_PARALLEL against
        a loopback target, and one at a time anywhere else (parallel requests to
        a shared server are opt-in)."""
        configured = self.limits.concurrency
        if configured is None:
            return LOOPBACK_PARALLEL if self.is_loopback else 1
        return max(1, min(configured, MAX_PARALLEL))

    def with_base_url(self, base_url: str) -> Target:
        return replace(self, base_url=check_base_url(base_url, "--base-url"))


_FIXTURE_STRINGS = ("campaign_id", "taken_campaign_name")
_OPTIONAL_STRINGS = (
    "foreign_campaign_id",
    "foreign_agent_id",
    "foreign_phone_number",
    "foreign_campaign_name",
)
_LIST_FIELDS = ("agent_ids", "phone_numbers")
_OPTIONAL_LISTS = ("dynamic_variable_names", "outbound_disabled_numbers")
_TOP_LEVEL = {"base_url", "api_key_env", "fixtures", "limits"}


def check_base_url(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TargetError(f"{where}: expected a URL such as https://staging.example.com")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetError(f"{where}: {value!r} is not an http(s) URL with a host")
    if parts.query or parts.fragment:
        raise TargetError(f"{where}: {value!r} must not carry a query or fragment")
    return value.strip().rstrip("/")


def _string(table: dict[str, Any], key: str, where: str, *, required: bool) -> str | None:
    if key not in table:
        if required:
            raise TargetError(f"{where}.{key}: missing (a non-empty string)")
        return None
    value = table[key]
    if not isinstance(value, str) or not value:
        raise TargetError(f"{where}.{key}: expected a non-empty string, got {value!r}")
    return value


def _strings(table: dict[str, Any], key: str, where: str, *, required: bool) -> tuple[str, ...]:
    if key not in table:
        if required:
            raise TargetError(f"{where}.{key}: missing (a list of at least one string)")
        return ()
    value = table[key]
    if (
        not isinstance(value, list)
        or (required and not value)
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise TargetError(f"{where}.{key}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)


def parse_fixtures(table: Any, where: str = "fixtures") -> Fixtures:
    if not isinstance(table, dict):
        raise TargetError(f"{where}: missing table [fixtures]")
    known = set(_FIXTURE_STRINGS + _OPTIONAL_STRINGS + _LIST_FIELDS + _OPTIONAL_LISTS)
    unknown = sorted(set(table) - known)
    if unknown:
        names = ", ".join(sorted(known))
        raise TargetError(f"{where}.{unknown[0]}: unknown field (known: {names})")
    values: dict[str, Any] = {}
    for key in _FIXTURE_STRINGS:
        values[key] = _string(table, key, where, required=True)
    for key in _OPTIONAL_STRINGS:
        values[key] = _string(table, key, where, required=False)
    for key in _LIST_FIELDS:
        values[key] = _strings(table, key, where, required=True)
    for key in _OPTIONAL_LISTS:
        values[key] = _strings(table, key, where, required=False)
    return Fixtures(**values)


def parse_limits(table: Any, where: str = "limits") -> Limits:
    if table is None:
        return Limits()
    if not isinstance(table, dict):
        raise TargetError(f"{where}: expected a table")
    defaults = Limits()
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in defaults.__dataclass_fields__:
            known = ", ".join(defaults.__dataclass_fields__)
            raise TargetError(f"{where}.{key}: unknown field (known: {known})")
        values[key] = check_limit(key, value, f"{where}.{key}")
    return replace(defaults, **values)


def check_limit(key: str, value: Any, where: str) -> Any:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if key in ("max_requests", "concurrency"):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise TargetError(f"{where}: expected a whole number of at least 1, got {value!r}")
        return value
    if not number or not math.isfinite(value) or value <= 0:
        raise TargetError(f"{where}: expected a positive number, got {value!r}")
    return float(value)


def load_target(path: str | Path, *, environ: dict[str, str] | None = None) -> Target:
    """Read and check a target file; TargetError names what is wrong."""
    environ = dict(os.environ) if environ is None else environ
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TargetError(f"target file {str(path)!r}: cannot be read ({exc.strerror})") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise TargetError(f"target file {str(path)!r}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"target file {str(path)!r}: not valid TOML ({exc})") from None
    unknown = sorted(set(data) - _TOP_LEVEL)
    if unknown:
        raise TargetError(f"{unknown[0]}: unknown field (known: {', '.join(sorted(_TOP_LEVEL))})")
    if "base_url" not in data:
        raise TargetError("base_url: missing (the URL of the server under test)")
    base_url = check_base_url(data["base_url"], "base_url")
    key_env = data.get("api_key_env", DEFAULT_API_KEY_ENV)
    if not isinstance(key_env, str) or not key_env:
        raise TargetError(f"api_key_env: expected an environment variable name, got {key_env!r}")
    fixtures = parse_fixtures(data.get("fixtures"))
    limits = parse_limits(data.get("limits"))
    key = environ.get(key_env, "")
    if not key:
        raise TargetError(
            f"api_key_env: environment variable {key_env} is not set "
            "(the API key is read from the environment only)"
        )
    return Target(
        base_url=base_url,
        fixtures=fixtures,
        api_key=Secret(key),
        api_key_env=key_env,
        limits=limits,
        name=str(path),
    )
