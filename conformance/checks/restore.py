"""The restore: the campaign takes back the values it had when the run started.

The engine ends every run by sending the campaign's own earlier values (name,
agent, number, concurrent calls, schedule) in one update. That request is an
ordinary valid update and is judged like one: the name was unique while the
campaign held it and no other campaign took it since, so a refusal breaks the
contract. This check runs last; the engine sends the restore as part of it
(and, when the check is not selected, still sends and judges the restore).
"""

from __future__ import annotations

from .._catalogue import MUST, Cite, check
from .._context import Context
from ._cites import OPERATION
from ._probing import fresh_name

_NAME = "/components/schemas/UpdateCampaignRequest/properties/campaignName"
UNIQUE = Cite(f"{_NAME}/description", "Must be unique within your account.")
PARTIAL = Cite(
    f"{OPERATION}/description",
    "Only fields provided in the request body are updated",
)


@check(id="campaign_takes_back_its_values", level=MUST, area="behaviour",
       cites=[UNIQUE, PARTIAL], final=True)
def campaign_takes_back_its_values(ctx: Context) -> None:
    """A campaign takes back the values it had when the run started.

    Renames the campaign to a fresh name (so that a run of this check alone
    has something to put back); the engine then sends the restore, the
    campaign's own values from the start of the run, and requires a 200 that
    shows them.
    """
    name = fresh_name(ctx, "Restore")
    ctx.expect_ok(ctx.patch({"campaignName": name}), sent=f"campaignName {name!r}")
