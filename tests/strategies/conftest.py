"""Make the repository root importable first, so ``import strategies`` finds the
package in this checkout even when an older install (for instance an editable
one recorded before the package had an ``__init__.py``) would shadow it."""

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[2])
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
