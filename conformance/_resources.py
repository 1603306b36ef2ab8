"""Files the suite ships with: the contract, its errata and the reference fixtures.

An installed package carries `spec/` as `conformance/contract/` (package data,
see pyproject.toml) and reads it through importlib.resources; a checkout run
without installing reads the top-level `spec/` folder users see.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["contract_dir"]

CONTRACT_FILES = ("openapi.yaml", "errata.yaml")


def contract_dir() -> Path:
    """The directory holding openapi.yaml and errata.yaml."""
    shipped = Path(str(resources.files("conformance") / "contract"))
    if all((shipped / name).is_file() for name in CONTRACT_FILES):
        return shipped
    return Path(__file__).resolve().parent.parent / "spec"
