"""Schemathesis's cases for the fuzzing checks, drawn and described as plain values.

Kept apart from the checks (conformance/checks/fuzzing.py) and light on
imports (Hypothesis and, when drawing, Schemathesis; nothing of the client,
the contract or openapi-core), so the worker process that draws them
beforehand (`conformance/_prepared.py`) starts quickly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from ._profiles import Profile, given_seeded


class Skipped(Exception):
    """A generated case the check does not send (and why)."""


@cache
def schemathesis_operation(spec_sha: str, document_json: str, operation_id: str) -> Any:
    import schemathesis

    schema = schemathesis.openapi.from_dict(json.loads(document_json), config=schemathesis.Config())
    return schema.find_operation_by_id(operation_id)


def cases_of(operation: Any, mode: str, path_parameters: dict[str, str],
             security_header: str) -> Any:
    """Schemathesis cases in ``mode`` ("positive" or "negative") for one resource."""
    from schemathesis import GenerationMode

    return operation.as_strategy(
        generation_mode=GenerationMode(mode),
        path_parameters=path_parameters,
        # A placeholder, so no key is generated; the client sends the real one.
        headers={security_header: "placeholder"},
    )


def encode(body: Any) -> bytes:
    try:
        text = json.dumps(body, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise Skipped(f"not sendable as JSON: {exc}") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates: JSON can carry them as escapes.
        return json.dumps(body, ensure_ascii=True, allow_nan=False).encode("ascii")


def negated_elsewhere(case: Any) -> list[str]:
    """Parts of a case other than the body that Schemathesis made invalid."""
    meta = getattr(case, "_meta", None)
    components = getattr(meta, "components", None) or {}
    return [
        str(location) for location, info in components.items()
        if "body" not in str(location).lower() and "negative" in str(getattr(info, "mode", ""))
    ]


@dataclass(frozen=True)
class Drawn:
    """One generated case as the suite would send it: its bytes and media type,
    or why it is not sent. Plain values, so a worker process can draw them."""

    raw: bytes | None = None
    content_type: str = "application/json"
    body: Any = None
    skipped: str | None = None


def describe_case(case: Any) -> Drawn:
    """What one Schemathesis case sends, or why the suite does not send it."""
    from schemathesis.core import NOT_SET

    elsewhere = negated_elsewhere(case)
    if elsewhere:
        return Drawn(skipped=f"negated outside the body ({', '.join(elsewhere)})")
    if case.body is NOT_SET:
        return Drawn()
    try:
        raw = case.body if isinstance(case.body, bytes) else encode(case.body)
    except Skipped as exc:
        return Drawn(skipped=str(exc))
    return Drawn(raw, case.media_type or "application/json", case.body)


def draw_cases(profile: Profile, seed: int, spec_sha: str, document_json: str,
               operation_id: str, mode: str, path_parameters: dict[str, str],
               security_header: str, max_examples: int) -> list[Drawn]:
    """Every case Hypothesis draws from Schemathesis's strategy for `mode`, described."""
    drawn: list[Drawn] = []

    def generated(case: Any) -> None:
        drawn.append(describe_case(case))

    strategy = cases_of(schemathesis_operation(spec_sha, document_json, operation_id), mode,
                        path_parameters, security_header)
    given_seeded(profile, seed, generated, strategy, max_examples=max_examples)()
    return drawn
