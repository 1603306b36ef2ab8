"""Set-up errors named before any check runs.

A refused key, a mistyped `campaign_id` or a fixture the target does not know
are mistakes in the set-up, not faults of the server: reported as check
failures they read as dozens of regressions. `preflight` reads the campaign
with an empty update and, when that works, tries each agent and number of the
target file in a plain valid update, putting the original value back after
each. Whatever it finds wrong is a `SetupError` (exit code 2), never a verdict.

Answers the preflight cannot read as set-up errors (5xx, a broken body, no
answer at all) are left to the checks and to the run's own reachability test.

One refusal is ambiguous: a 400 (or 422) for a value that sits exactly on a
bound the contract sets (an agentId of minLength or maxLength characters, a
number with the pattern's fewest or most digits). It reads as "no such agent"
and as a server that cuts its bounds short; the fixture is there to exercise
the bound, so the preflight leaves it to the checks, whose failure names the
value and the bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ._client import BudgetExhausted, Client, Exchange
from ._target import Target

__all__ = ["Found", "SetupError", "preflight", "base_url_needs_target"]

# Answers by which a target refuses a value it does not know or not for this key.
REFUSED = frozenset({400, 403, 404, 409, 422})
# Of those, the ones a server also gives for a value it finds malformed.
MALFORMED = frozenset({400, 422})


class SetupError(Exception):
    """The set-up (key, target file, fixtures) is wrong; the message says which part."""


@dataclass(frozen=True)
class _Probe:
    fixture: str  # e.g. "agent_ids[1]"
    field: str  # the request property it is sent as
    value: str


def base_url_needs_target(base_url: str | None, target_file: str | None) -> str | None:
    """Why `--base-url` cannot be used here, or None when it can."""
    if base_url and not target_file:
        return ("--base-url needs --target FILE: the embedded reference's key and fixtures "
                "mean nothing to another server")
    return None


def _where(target: Target) -> str:
    return f"{target.name} ({target.base_url})" if target.name != target.base_url \
        else target.base_url


def _answer(exchange: Exchange) -> str:
    return f"{exchange.status} {exchange.body_text(160)}"


def judge_opening(target: Target, exchange: Exchange) -> None:
    """The empty update that reads the campaign: a 401, 403 or 404 is a set-up error."""
    fixtures_id = target.fixtures.campaign_id
    if exchange.status == 401:
        raise SetupError(
            f"the key in ${target.api_key_env} was refused by {_where(target)}: "
            f"{_answer(exchange)}. Check the key (and api_key_env in the target file)."
        )
    if exchange.status == 403:
        raise SetupError(
            f"the key in ${target.api_key_env} may not update fixtures.campaign_id "
            f"{fixtures_id!r} on {_where(target)}: {_answer(exchange)}. The campaign must "
            "belong to the key's account."
        )
    if exchange.status == 404:
        raise SetupError(
            f"fixtures.campaign_id {fixtures_id!r} is not a campaign {_where(target)} knows "
            f"for this key: {_answer(exchange)}"
        )


def _probes(target: Target) -> list[_Probe]:
    fixtures = target.fixtures
    probes = [_Probe(f"agent_ids[{i}]", "agentId", v) for i, v in enumerate(fixtures.agent_ids)]
    probes += [_Probe(f"phone_numbers[{i}]", "sipPhoneNumber", v)
               for i, v in enumerate(fixtures.phone_numbers)]
    return probes


def _current(original: dict[str, Any], field: str) -> str | None:
    holder = original.get("agent" if field == "agentId" else "phoneNumber")
    value = holder.get(field) if isinstance(holder, dict) else None
    return value if isinstance(value, str) and value else None


@dataclass
class Found:
    """What the preflight read: the campaign (None if unreadable) and why it stopped early."""

    original: dict[str, Any] | None = None
    stopped: str | None = None  # the request budget ran out during the preflight
    opening: Exchange | None = None  # the empty update that read the campaign


def preflight(client: Client, target: Target) -> Found:
    """Name set-up errors before any check; returns the campaign as read.

    Raises SetupError naming the key, the campaign id or the fixture at fault.
    Its requests count in the run's budget; a budget spent here ends the
    preflight (`Found.stopped`) rather than raising.
    """
    opening = client.send(target.fixtures.campaign_id, body={})
    if opening.status is None:
        # Unreachable or silent: the engine's opening judges it (exit 3).
        return Found(opening=opening)
    judge_opening(target, opening)
    original = opening.json_or_none()
    if opening.status != 200 or not isinstance(original, dict):
        return Found(opening=opening)
    try:
        _try_fixtures(client, target, original)
    except BudgetExhausted as exc:
        return Found(original, str(exc), opening)
    return Found(original, opening=opening)


def _try_fixtures(client: Client, target: Target, original: dict[str, Any]) -> None:
    for probe in _probes(target):
        before = _current(original, probe.field)
        tried = client.send(target.fixtures.campaign_id, body={probe.field: probe.value})
        if tried.status is None:
            return  # no answer is no verdict on the fixture; the checks meet it again
        if before is not None and before != probe.value and tried.status == 200:
            client.send(target.fixtures.campaign_id, body={probe.field: before},
                        exempt=True)
        if tried.status in MALFORMED and _on_a_bound(client, probe):
            continue  # the checks judge it: a bound cut short, or no such value
        if tried.status in REFUSED:
            raise SetupError(
                f"fixtures.{probe.fixture} {probe.value!r} was refused by {_where(target)} "
                f"in a plain valid update of the campaign ({{{probe.field!r}: "
                f"{probe.value!r}}}): {_answer(tried)}. List only {probe.field} values "
                "of the key's own account."
            )


def _on_a_bound(client: Client, probe: _Probe) -> bool:
    rule = client.operation.contract.field(probe.field)
    return rule.admits(probe.value) and rule.at_a_bound(probe.value)


def setup_preflight(run: Any) -> None:
    """The engine's preflight hook: a set-up mistake ends the run with exit 2, no verdict.

    Embedded targets take their fixtures from the server itself, so they need none.
    """
    from ._target import TargetError

    if run.target.embedded:
        return
    try:
        found = preflight(run.client, run.target)  # a spent budget then stops the run
    except SetupError as exc:
        raise TargetError(f"set-up: {run.redact(str(exc))}") from None
    run.opening = found.opening  # the engine's opening read, already sent
