"""concurrentCalls: a positive int32."""

from __future__ import annotations

from strategies import concurrent_calls

from .._catalogue import MUST, Cite, check
from .._context import Context
from ._cites import OPERATION
from ._probing import (
    Sent,
    echoed,
    expect_unchanged,
    invalid_cases,
    refuse_all,
    refuse_generated,
    send_all,
    send_drawn,
)

_CALLS = "/components/schemas/UpdateCampaignRequest/properties/concurrentCalls"
POSITIVE = Cite(f"{_CALLS}/description", "Must be a positive integer.")
INT32 = Cite(f"{_CALLS}/format", "int32")
REFLECTS = Cite(
    "/components/schemas/CampaignResponse/properties/concurrentCalls/description",
    "Reflects the value set at creation or last updated via the update endpoint.",
)
BAD_REQUEST = Cite(f"{OPERATION}/responses/400/description", "Bad Request")

# Widths other stacks overflow at, and far beyond any.
OVERFLOWS = (2**32, 2**63, 2**64, 10**30)


def in_range(ctx: Context) -> tuple[int, ...]:
    """The contract's bounds of concurrentCalls and their neighbours inside."""
    low, high = ctx.contract.field("concurrentCalls").integer_bounds
    return tuple(dict.fromkeys((low, high, min(low + 1, high), max(high - 1, low))))


def out_of_range(ctx: Context) -> tuple[int, ...]:
    """Just outside the bounds, the two's-complement minimum of the maximum's
    width and one below it, and overflows."""
    low, high = ctx.contract.field("concurrentCalls").integer_bounds
    edges = (low - 1, low - 2, low - 6, -(high + 1), -(high + 2), high + 1, *OVERFLOWS)
    return tuple(n for n in dict.fromkeys(edges) if not low <= n <= high)


def _echoed(ctx: Context, value: int) -> Sent:
    """concurrentCalls `value`, to be answered 200 showing that value."""
    return echoed(ctx, "concurrentCalls", value, shown_at="concurrentCalls",
                  read=lambda body: body.get("concurrentCalls"),
                  what=f"concurrentCalls {value}", noun="value")


@check(
    id="concurrent_calls_bounds_accepted",
    level=MUST,
    area="concurrentCalls",
    cites=[POSITIVE, INT32, REFLECTS],
)
def concurrent_calls_bounds_accepted(ctx: Context) -> None:
    """concurrentCalls from 1 to 2147483647 is accepted and echoed.

    Sends 1, 2147483647 (the int32 maximum) and their neighbours inside the
    range, then generated values; each answer must carry the value sent.
    """
    send_all(ctx, [_echoed(ctx, value) for value in in_range(ctx)])
    last = ctx.state().get("concurrentCalls")
    send_drawn(ctx, concurrent_calls(contract=ctx.contract).filter(lambda n: n != last),
               lambda value: _echoed(ctx, value))



@check(
    id="concurrent_calls_range_enforced",
    level=MUST,
    area="concurrentCalls",
    cites=[POSITIVE, INT32, BAD_REQUEST],
)
def concurrent_calls_range_enforced(ctx: Context) -> None:
    """concurrentCalls below 1 or above 2147483647 is rejected with 400.

    Sends 0, negatives (down to below int32's minimum), 2147483648 and
    larger values up to 10^30, then generated out-of-range values; the
    campaign must not change.
    """
    before = ctx.state()
    cases = [(f"concurrentCalls {n}", {"concurrentCalls": n}) for n in out_of_range(ctx)]
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "concurrent_calls_range_enforced"))
    expect_unchanged(ctx, before, what="out-of-range concurrentCalls")

