"""campaignId: the path parameter naming the campaign to update."""

from __future__ import annotations

from hypothesis import strategies as st

from .._catalogue import MUST, Cite, check
from .._context import Context
from ._cites import OPERATION
from ._probing import expect_unchanged, refuse_drawn, refuse_each, visible_change

CAMPAIGN_ID = Cite(
    f"{OPERATION}/parameters/0/description",
    "Unique identifier of the campaign to update.",
)
NOT_FOUND = Cite(
    f"{OPERATION}/responses/404/content/application~1json"
    "/examples/default/value/message",
    "The requested resource was not found",
)

# Characters an id might hold, URL-special ones included: the client
# percent-encodes them, so each id travels as one path segment. Left out:
# '/', '\\', '%', ';' and '.', which common HTTP front ends refuse or
# rewrite (encoded slashes, dot segments) before any application sees them.
_ID_ALPHABET = st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-~"
    "?#&=+:@ !$'()*,[]<>^`{|}éß中😀"
)


def _unknown_ids(ctx: Context) -> list[tuple[str, str]]:
    """(shape, id) pairs that name no campaign of any account."""
    real = ctx.campaign_id
    token = format(ctx.seed_for("unknown-id"), "016x")
    shapes = [
        ("a well-formed id of no campaign", f"camp_{token}"),
        ("the real id with one character more", real + "x"),
        ("the real id with one character less", real[:-1]),
        # Ids are strings, matched exactly (a lookup under a case-insensitive
        # database collation finds the campaign under these).
        ("the real id in other case", real.swapcase()),
        ("the real id in capitals", real.upper()),
        ("a word", "does-not-exist"),
        ("digits", "0"),
        ("URL-special characters, percent-encoded", f"camp_{token[:6]}?a=b#c d&e+f"),
        ("non-ASCII characters, percent-encoded", f"camp_é中😀{token[:4]}"),
        ("a 300-character id", "camp_" + "Z" * 295),
    ]
    known = {real, ctx.fixtures.foreign_campaign_id}
    return [(shape, cid) for shape, cid in shapes if cid and cid not in known]


@check(
    id="unknown_campaign_is_404",
    level=MUST,
    area="campaignId",
    cites=[
        Cite(f"{OPERATION}/responses/404/description", "Not Found"),
        NOT_FOUND,
        CAMPAIGN_ID,
    ],
)
def unknown_campaign_is_404(ctx: Context) -> None:
    """An id that names no campaign is answered 404 with an Error body.

    Sends a valid update to ids of several shapes: a well-formed camp_ id of
    no campaign, near misses of the real id (one character more or less,
    other case), URL-special and non-ASCII
    characters (percent-encoded by the client), a very long id, and
    generated ones. The campaign under test must not change.
    """
    before = ctx.state()
    body = visible_change(before)
    refuse_each(ctx, [(f"campaignId: {shape} ({campaign_id!r})",
                       {"body": body, "campaign_id": campaign_id}, {404})
                      for shape, campaign_id in _unknown_ids(ctx)])

    known = {ctx.campaign_id, ctx.fixtures.foreign_campaign_id}
    ids = st.text(_ID_ALPHABET, min_size=1, max_size=40).filter(lambda cid: cid not in known)
    refuse_drawn(ctx, ids, lambda campaign_id: (
        f"campaignId {campaign_id!r} of no campaign",
        {"body": body, "campaign_id": campaign_id}, {404},
    ), max_examples=max(4, ctx.profile.max_examples // 2))
    expect_unchanged(ctx, before, what="updates sent to unknown campaign ids")
