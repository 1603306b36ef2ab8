"""The operation under test, as one value: the only place it is named.

`UPDATE_CAMPAIGN` names the operation by its operationId, here and nowhere
else; its method, path and path parameter are read from the document (the
contract, conformance/_contract.py). Everything that sends a request (the
client), reads or restores the campaign's state (the engine), validates a
response (the spec, keyed by operation) or cites the document (the checks,
through its `pointer`) asks this object. Testing another operation means
another `Operation` value, not edits spread over the client, the context, the
spec and the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ._contract import Contract, load_contract
from ._spec import pointer_of


@dataclass(frozen=True)
class Operation:
    """One HTTP operation of the contract and how the suite handles its resource.

    Built from the contract (`operation_of`), which reads method, path and the
    restorable fields from the document for the operationId it was built for;
    only the fixture naming the resource the suite may change is the suite's
    own choice.
    """

    operation_id: str
    method: str
    path_template: str
    path_parameter: str
    resource_fixture: str  # the target file's fixture naming the resource the suite may change
    contract: Contract = field(repr=False, compare=False)

    @property
    def restorable(self) -> tuple[str, ...]:
        """Request fields the suite can put back as it found them."""
        return self.contract.restorable_fields

    def path_for(self, resource_id: str) -> str:
        return self.path_template.replace(
            "{" + self.path_parameter + "}", quote(resource_id, safe="")
        )

    @property
    def pointer(self) -> str:
        """The operation's JSON Pointer in the document."""
        return pointer_of(self.method, self.path_template)

    @property
    def state_read(self) -> dict[str, Any]:
        """The request body that reads the resource without changing it (an empty update)."""
        return {}

    def restore_body(self, state: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
        """The update that puts the resource back to `state` (a 200 body)."""
        from ._restore import restore_body

        return restore_body(state, contract=self.contract, now=now)


def operation_of(contract: Contract, *, resource_fixture: str) -> Operation:
    """The operation `contract` was built for, changing the resource `resource_fixture` names."""
    return Operation(
        operation_id=contract.operation_id,
        method=contract.method,
        path_template=contract.path_template,
        path_parameter=contract.path_parameter,
        resource_fixture=resource_fixture,
        contract=contract,
    )


UPDATE_CAMPAIGN = operation_of(load_contract(operation_id="updateCampaign"),
                               resource_fixture="campaign_id")
