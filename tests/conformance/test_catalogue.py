"""The catalogue of checks, checked against itself, the contract and the mutants.

Registration already refuses an unknown level or area, a duplicate id and a
mutant naming an unknown check (conformance/_catalogue.py, reference/mutants.py);
what it cannot refuse is checked here. Every check must be findable (a
stable snake_case id), justified (each citation
resolves in spec/openapi.yaml and quotes it word for word), stated plainly
(a short requirement line), and proven (every rule is named by at least
one mutant that breaks it, and a mutant names only checks of the catalogue).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from conformance._catalogue import Check, load_catalogue
from conformance._cli import main
from conformance._spec import Erratum, fold, load_spec, quote_found, resolve_pointer
from reference import MUTANTS

SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
REQUIREMENT_MAX = 70
BANNED_IN_REQUIREMENT = ("should", "test that")

CATALOGUE = load_catalogue()
CHECKS = list(CATALOGUE.values())
SPEC = load_spec()


def by_id(checks: list[Check]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in checks]


@pytest.mark.parametrize("check", by_id(CHECKS))
def test_id_is_snake_case(check: Check) -> None:
    assert SNAKE_CASE.fullmatch(check.id), f"{check.id} is not snake_case"


def test_every_check_a_mutant_names_is_in_the_catalogue() -> None:
    unknown = {m.name: [c for c in m.killed_by if c not in CATALOGUE] for m in MUTANTS.values()}
    assert not {name: ids for name, ids in unknown.items() if ids}


@pytest.mark.parametrize("check", by_id(CHECKS))
def test_requirement_is_one_short_plain_line(check: Check) -> None:
    requirement = check.requirement
    assert requirement != check.id, f"{check.id} has no docstring"
    assert len(requirement) <= REQUIREMENT_MAX, (
        f"{check.id}: requirement is {len(requirement)} characters (max {REQUIREMENT_MAX}): "
        f"{requirement!r}"
    )
    lowered = requirement.lower()
    for banned in BANNED_IN_REQUIREMENT:
        assert banned not in lowered, f"{check.id}: requirement says {banned!r}: {requirement!r}"
    assert check.description, f"{check.id}: the docstring does not say what is sent"


@pytest.mark.parametrize("check", by_id(CHECKS))
def test_every_citation_resolves_and_quotes_the_document(check: Check) -> None:
    for cite in check.cites:  # at least one: registration refuses a check citing nothing
        try:
            resolve_pointer(SPEC.document, cite.pointer)
        except (KeyError, IndexError, ValueError):
            pytest.fail(f"{check.id}: {cite.pointer} does not resolve in openapi.yaml")
        assert quote_found(SPEC, cite.pointer, cite.quote), (
            f"{check.id}: {cite.quote!r} is not found at {cite.pointer}"
        )


@pytest.mark.parametrize("check", by_id(CHECKS))
def test_every_rule_is_broken_by_a_mutant(check: Check) -> None:
    killers = [m.name for m in MUTANTS.values() if check.id in m.killed_by]
    assert killers, f"no mutant names the {check.level} check {check.id} in its killed_by"


@pytest.mark.parametrize("erratum", [pytest.param(e, id=e.id) for e in SPEC.errata])
def test_every_erratum_quotes_both_sides(erratum: Erratum) -> None:
    assert len(erratum.sides) >= 2, f"{erratum.id} has fewer than two sides"
    assert erratum.decision, f"{erratum.id} records no decision"
    for side in erratum.sides:
        try:
            resolve_pointer(SPEC.document, side.pointer)
        except (KeyError, IndexError, ValueError):
            pytest.fail(f"{erratum.id}: {side.pointer} does not resolve in openapi.yaml")
        assert quote_found(SPEC, side.pointer, side.quote), (
            f"{erratum.id}: {side.quote!r} is not found at {side.pointer}"
        )


def _wrong_pointers(pointer: str) -> list[str]:
    """The same keyword of another field, then nodes about something else entirely."""
    moved = []
    for field, other in (("campaignName", "agentId"), ("agentId", "campaignName"),
                         ("scheduledDate", "scheduledTime"), ("scheduledTime", "scheduledDate"),
                         ("concurrentCalls", "isScheduled"), ("isScheduled", "concurrentCalls")):
        if f"/properties/{field}/" in pointer:
            moved.append(pointer.replace(f"/properties/{field}/", f"/properties/{other}/"))
    return [*moved, "/components/schemas/AgentResponse/description", "/info/description"]


_CITED = sorted(
    {(c.pointer, c.quote) for check in CHECKS for c in check.cites}
    | {(s.pointer, s.quote) for erratum in SPEC.errata for s in erratum.sides}
)


@pytest.mark.parametrize(("pointer", "quote"), _CITED)
def test_a_quote_moved_to_a_wrong_pointer_is_refused(pointer: str, quote: str) -> None:
    """The strict rule can fail: a quote the document holds is refused at another node."""
    assert fold(quote) in fold(SPEC.text), f"{quote!r} is nowhere in the document"
    assert quote_found(SPEC, pointer, quote)
    wrong = []
    for candidate in _wrong_pointers(pointer):
        try:
            value = resolve_pointer(SPEC.document, candidate)
        except KeyError:
            continue
        if fold(quote) not in fold(yaml.safe_dump(value, allow_unicode=True)):
            wrong.append(candidate)
    assert wrong, f"no node to move {quote!r} to"
    assert not quote_found(SPEC, wrong[0], quote), f"{quote!r} accepted at {wrong[0]}"


def test_erratum_ids_are_unique() -> None:
    ids = [e.id for e in SPEC.errata]
    assert len(ids) == len(set(ids))


def test_list_checks_prints_every_id(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--list-checks"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert listed == set(CATALOGUE)
