"""Where the checks cite the operation they test: its JSON Pointer in the document.

Read from the operation value (conformance/_operation.py), not written again
in each module: a citation of the operation is
``Cite(f"{OPERATION}/responses/400/description", "Bad Request")``.
"""

from __future__ import annotations

from .._operation import UPDATE_CAMPAIGN

__all__ = ["OPERATION"]

OPERATION = UPDATE_CAMPAIGN.pointer
