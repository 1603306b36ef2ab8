"""Two servers, the same seeded cases: where do their answers differ?

    python -m conformance diff --target candidate.toml --against staging.toml --seed 7

For a release candidate against the current staging, or a vendor's mock
against a real server. Each target uses its own key and fixtures; a case is
written with the first target's fixtures and sent to the second with them
mapped (its campaign, taken name, the agent and number at the same index).
Both campaigns are first brought to the same state (a name, the first agent
and number, one concurrent call, not scheduled), then receive the fixed
cases and the bodies Hypothesis draws from the seed, one case to each in
turn; at the end both are put back as they were found.

What is compared is what the contract governs: the status, and the
properties the response schema of that status lists (read from the document
by `governed_properties`). Values are compared after mapping, except where
the contract governs only the shape: an Error's `timestamp` (the time of the
answer) and `message` (prose), the keys rather than the wording of
`validationErrors`, and the account data beside the ids of the nested agent
and phone number (names, providers of two different accounts).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ._client import Client, Exchange
from ._contract import contract_of
from ._operation import UPDATE_CAMPAIGN
from ._spec import Spec
from ._target import Target

__all__ = ["Case", "Difference", "diff_targets", "governed_properties"]

# Properties whose value the contract leaves to the server: compared by presence and type.
SHAPE_ONLY = {("Error", "timestamp"), ("Error", "message")}
KEYS_ONLY = {("Error", "validationErrors")}
# Nested objects: the property that identifies them is compared by value, the rest by shape.
IDENTITY = {"agent": "agentId", "phoneNumber": "sipPhoneNumber"}
UNKNOWN_CAMPAIGN = "camp_DiffNoSuchCampaign01"


def governed_properties(spec: Spec, status: int) -> tuple[str, dict[str, list[str]]] | None:
    """The schema name of a documented status's JSON body and its properties, read
    from the contract model.

    Nested object properties map to the properties of their own schema; a
    scalar property maps to an empty list. None for an undocumented status.
    """
    contract = contract_of(spec, UPDATE_CAMPAIGN)
    name = contract.response_schemas.get(status)
    if name is None:
        return None
    properties: dict[str, list[str]] = {}
    for prop, sub in contract.schema(name).get("properties", {}).items():
        properties[prop] = list(sub.get("properties", {})) if "properties" in sub else []
    return name, properties


@dataclass(frozen=True)
class Case:
    what: str
    body: Any  # a JSON value, or a RawBody
    campaign: str | None = None  # None: the fixture campaign


@dataclass
class Difference:
    case: Case
    field: str
    first: Any
    second: Any
    exchanges: tuple[Exchange, Exchange]

    def lines(self, names: tuple[str, str]) -> list[str]:
        a, b = self.exchanges
        return [
            f"{self.case.what}: {self.field} differs",
            f"  request:  {a.method} {a.path} body {a.request_text(300)}",
            f"  {names[0]}: {json.dumps(self.first, ensure_ascii=False, default=str)[:300]}"
            f"  ({a.outcome()})",
            f"  {names[1]}: {json.dumps(self.second, ensure_ascii=False, default=str)[:300]}"
            f"  ({b.outcome()})",
        ]


@dataclass
class DiffResult:
    cases: int = 0
    differences: list[Difference] = field(default_factory=list)
    restore: dict[str, str] = field(default_factory=dict)


# -- mapping fixtures -----------------------------------------------------------------


def fixture_mapping(a: Target, b: Target) -> dict[str, str]:
    """A's fixture values to B's: campaign, taken name, agents and numbers by index."""
    fa, fb = a.fixtures, b.fixtures
    mapping = {fa.campaign_id: fb.campaign_id, fa.taken_campaign_name: fb.taken_campaign_name}
    for ours, theirs in ((fa.agent_ids, fb.agent_ids), (fa.phone_numbers, fb.phone_numbers)):
        for index, value in enumerate(ours):
            mapping[value] = theirs[index % len(theirs)]
    return mapping


def mapped(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        for old, new in mapping.items():
            if old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {mapped(k, mapping): mapped(v, mapping) for k, v in value.items()}
    if isinstance(value, list):
        return [mapped(v, mapping) for v in value]
    return value


# -- cases --------------------------------------------------------------------------------


def _drawn(strategy: Any, count: int, seed: int) -> list[Any]:
    import hypothesis
    from hypothesis import HealthCheck, Phase

    values: list[Any] = []

    @hypothesis.seed(seed)
    @hypothesis.settings(max_examples=count, database=None, deadline=None,
                         phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @hypothesis.given(strategy)
    def collect(value: Any) -> None:
        values.append(value)

    collect()
    return values


def cases(target: Target, *, seed: int, examples: int, day: datetime) -> list[Case]:
    """Fixed cases, then bodies drawn from `seed`, all written with `target`'s fixtures.

    `day` anchors schedules (a date, not a time: the same seed and day draw the
    same cases).
    """
    from strategies import invalid_bodies, update_bodies

    fx = target.fixtures
    anchor = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    fixed = [
        Case("an empty update", {}),
        Case("a new name", {"campaignName": f"Conformance diff {seed}"}),
        Case("the taken name", {"campaignName": fx.taken_campaign_name}),
        Case("a name of 129 characters", {"campaignName": "n" * 129}),
        Case("concurrentCalls 0", {"concurrentCalls": 0}),
        Case("an unknown campaign", {}, campaign=UNKNOWN_CAMPAIGN),
        *[Case(f"agent {n}", {"agentId": agent}) for n, agent in enumerate(fx.agent_ids)],
        *[Case(f"number {n}", {"sipPhoneNumber": phone})
          for n, phone in enumerate(fx.phone_numbers)],
    ]
    valid = update_bodies(agent_ids=fx.agent_ids, phone_numbers=fx.phone_numbers, now=anchor,
                          taken_names=(fx.taken_campaign_name,))
    invalid = invalid_bodies(agent_ids=fx.agent_ids, phone_numbers=fx.phone_numbers, now=anchor)
    half = max(1, examples // 2)
    drawn = [Case("a generated valid update", body) for body in _drawn(valid, half, seed)]
    drawn += [Case(f"a generated invalid update ({case.reason})", case.body)
              for case in _drawn(invalid, examples - half, seed + 1)]
    return fixed + drawn[:examples]


# -- comparing ----------------------------------------------------------------------------


def _kind(value: Any) -> str:
    return "absent" if value is _ABSENT else type(value).__name__


_ABSENT: Any = object()


def compare(spec: Spec, a: Exchange, b: Exchange, mapping: dict[str, str]) -> list[
        tuple[str, Any, Any]]:
    """(field, A's value mapped to B, B's value) for each governed difference."""
    if a.status != b.status:
        return [("status", a.status, b.status)]
    if a.status is None:
        return []
    governed = governed_properties(spec, a.status)
    body_a, body_b = a.json_or_none(), b.json_or_none()
    if governed is None or not isinstance(body_a, dict) or not isinstance(body_b, dict):
        return [] if (body_a is None) == (body_b is None) else [("body", body_a, body_b)]
    schema, properties = governed
    found: list[tuple[str, Any, Any]] = []
    for prop, nested in properties.items():
        va = mapped(body_a.get(prop, _ABSENT), mapping)
        vb = body_b.get(prop, _ABSENT)
        if (schema, prop) in SHAPE_ONLY:
            if _kind(va) != _kind(vb):
                found.append((prop, _kind(va), _kind(vb)))
        elif (schema, prop) in KEYS_ONLY:
            keys_a = sorted(va) if isinstance(va, dict) else _kind(va)
            keys_b = sorted(vb) if isinstance(vb, dict) else _kind(vb)
            if keys_a != keys_b:
                found.append((f"{prop} (keys)", keys_a, keys_b))
        elif nested and isinstance(va, dict) and isinstance(vb, dict):
            for sub in nested:
                sa, sb = va.get(sub, _ABSENT), vb.get(sub, _ABSENT)
                same = sa == sb if IDENTITY.get(prop) == sub else _kind(sa) == _kind(sb)
                if not same:
                    found.append((f"{prop}.{sub}", sa if sa is not _ABSENT else "absent",
                                  sb if sb is not _ABSENT else "absent"))
        elif va != vb:
            found.append((prop, "absent" if va is _ABSENT else va,
                          "absent" if vb is _ABSENT else vb))
    return found


# -- running ------------------------------------------------------------------------------


def _send(client: Client, campaign: str, body: Any) -> Exchange:
    from strategies import RawBody

    if isinstance(body, RawBody):
        return client.send(campaign, raw=body.content, content_type=body.content_type)
    return client.send(campaign, body=body)


def _restore(client: Client, target: Target, original: dict[str, Any] | None) -> str:
    if original is None:
        return "skipped: the campaign could not be read at the start"
    body = client.operation.restore_body(original)
    if not body:
        return "nothing to restore"
    exchange = client.send(target.fixtures.campaign_id, body=body, exempt=True)
    if exchange.status == 200:
        return f"restored ({', '.join(sorted(body))})"
    return f"FAILED: {exchange.outcome()}"


def diff_targets(spec: Spec, a: Target, b: Target, *, seed: int, examples: int,
                 day: datetime) -> DiffResult:
    """Send the same cases to `a` and `b`, compare, restore both campaigns."""
    mapping = fixture_mapping(a, b)
    result = DiffResult()
    clients = (Client(a), Client(b))
    originals: list[dict[str, Any] | None] = []
    try:
        for client, target in zip(clients, (a, b), strict=True):
            read = client.send(target.fixtures.campaign_id, body={})
            body = read.json_or_none()
            originals.append(body if read.status == 200 and isinstance(body, dict) else None)
        common = {"campaignName": f"Conformance diff base {seed}",
                  "agentId": a.fixtures.agent_ids[0], "sipPhoneNumber": a.fixtures.phone_numbers[0],
                  "concurrentCalls": 1, "isScheduled": False}
        all_cases = [Case("the common starting state", common),
                     *cases(a, seed=seed, examples=examples, day=day)]
        for case in all_cases:
            campaign = case.campaign or a.fixtures.campaign_id
            sent_a = _send(clients[0], campaign, case.body)
            sent_b = _send(clients[1], mapped(campaign, mapping), mapped(case.body, mapping))
            result.cases += 1
            for name, first, second in compare(spec, sent_a, sent_b, mapping):
                result.differences.append(Difference(case, name, first, second,
                                                     (sent_a, sent_b)))
    finally:
        for client, target, original in zip(clients, (a, b), originals, strict=False):
            result.restore[target.name] = _restore(client, target, original)
        for client in clients:
            client.close()
    return result


def report(result: DiffResult, a: Target, b: Target, out: Any = None) -> None:
    out = out or sys.stdout
    from ._client import Redactor

    redact = Redactor(a.api_key, b.api_key)
    names = (a.name, b.name)
    for difference in result.differences:
        print(redact("\n".join(difference.lines(names))), file=out)
    for name, note in result.restore.items():
        print(f"campaign restore ({name}): {note}", file=out)
    print(f"diff: {len(result.differences)} difference(s) in {result.cases} cases "
          f"between {a.name} and {b.name}", file=out)


def run_diff_command(args: Any) -> int:
    from ._preflight import SetupError, preflight
    from ._spec import load_spec
    from ._target import TargetError, load_target

    try:
        targets = [load_target(args.target), load_target(args.against)]
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for target in targets:
        client = Client(target)
        try:
            if client.send(target.fixtures.campaign_id, body={}).status is None:
                print(f"error: {target.name} ({target.base_url}) is unreachable",
                      file=sys.stderr)
                return 3
            preflight(client, target)
        except SetupError as exc:
            print(f"error: set-up: {exc}", file=sys.stderr)
            return 2
        finally:
            client.close()
    if args.examples < 0:
        print("error: --examples: expected 0 or more", file=sys.stderr)
        return 2
    result = diff_targets(load_spec(), targets[0], targets[1], seed=args.seed,
                          examples=args.examples, day=datetime.now(UTC))
    report(result, targets[0], targets[1])
    return 0 if not result.differences else 1

