"""The suite against the Stoplight Prism mock gives the outcomes bench/prism.md documents.

`python bench/prism.py` as a user runs it (Prism from `npm ci`): the suite at
the schema and the full level against Prism mocking the contract, each
check's outcome compared with the table in bench/prism.md. A test, so that
its waits on Prism overlap the other tests of `tox -e tests`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"


@pytest.mark.skipif(not PRISM.exists(), reason="Prism is not installed here (run `npm ci`)")
def test_the_suite_against_prism_gives_the_documented_outcomes() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "prism.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-6000:]
    assert "prism: all " in done.stdout and "checks as documented" in done.stdout, done.stdout
