"""Mutants: the reference with one deliberate fault each."""
from __future__ import annotations

from dataclasses import dataclass

from ._rules import Rules

CHECK_IDS: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mutant:
    name: str
    description: str
    killed_by: tuple[str, ...]
    rules: type[Rules]


MUTANTS: dict[str, Mutant] = {}
