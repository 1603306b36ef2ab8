"""The update that puts a campaign back as the suite found it, read through the Contract.

Which fields can be put back, and where a 200 body shows each, is the
contract's to say (:attr:`Contract.restorable_fields`, :meth:`Contract.shown`);
nothing here names a field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ._contract import ABSENT, Contract

__all__ = ["restore_body"]


def restore_body(
    state: dict[str, Any], *, contract: Contract, now: datetime | None = None
) -> dict[str, Any]:
    """The update that puts a campaign back to `state` (a 200 body).

    Every restorable field the body shows, with a value the contract admits
    (a value it refuses would have the whole restore refused by a correct
    server); the schedule as its instant in UTC while it still lies after
    `now`, or cleared when the body says the campaign is not scheduled.
    """
    now = now if now is not None else datetime.now(UTC)
    body: dict[str, Any] = {}
    for name in contract.restorable_fields:
        if name in contract.schedule_group:
            continue
        value = contract.shown(state, name)
        if value is not ABSENT and contract.field(name).admits(value):
            body[name] = value
    body.update(_schedule(state, contract, now))
    return body


def _schedule(state: dict[str, Any], contract: Contract, now: datetime) -> dict[str, Any]:
    flag = contract.schedule_flag
    scheduled = contract.shown(state, flag)
    if scheduled is False:
        return {flag: False}
    roles = contract.schedule_roles
    shown = contract.shown(state, roles["date"])
    if scheduled is not True or not isinstance(shown, str):
        return {}
    try:
        instant = datetime.fromisoformat(shown.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return {}
    if instant <= now:
        return {}
    return {
        flag: True,
        roles["date"]: instant.date().isoformat(),
        roles["time"]: instant.time().replace(microsecond=0).isoformat(),
        roles["zone"]: "UTC",
    }
