"""campaignName: 1 to 128 code points, unique within the account."""

from __future__ import annotations

from strategies import (
    CONTROL_CHARACTERS,
    HOSTILE_TEXTS,
    RawBody,
    campaign_names,
    hostile_names,
    json_encodings,
)

from .._catalogue import MUST, SHOULD, Cite, check
from .._client import Exchange
from .._context import Context
from ._cites import OPERATION
from ._probing import (
    Sent,
    alone_and_beside,
    call_for,
    expect_unchanged,
    fresh_name,
    invalid_cases,
    refuse_all,
    refuse_generated,
    send_all,
    send_drawn,
    send_one,
    unique_suffix,
)

_NAME = "/components/schemas/UpdateCampaignRequest/properties/campaignName"
MAX_LENGTH = Cite(f"{_NAME}/maxLength", "128")
MIN_LENGTH = Cite(f"{_NAME}/minLength", "1")
UNIQUE = Cite(f"{_NAME}/description", "Must be unique within your account.")
CONFLICT = Cite(
    f"{OPERATION}/responses/409/content/application~1json"
    "/examples/default/value/message",
    "Conflict with the current state of the resource",
)
BAD_REQUEST = Cite(f"{OPERATION}/responses/400/description", "Bad Request")
RETURNS_UPDATED = Cite(
    f"{OPERATION}/description",
    "Returns the updated campaign record.",
)

# Fillers by kind: JSON Schema counts length in code points (RFC 8259
# characters), so each of these makes the maximum a valid length whatever its
# UTF-8 or UTF-16 size.
FILLERS = {
    "ASCII": "a",
    "two-byte UTF-8": "é",
    "three-byte UTF-8": "中",
    "astral-plane (two UTF-16 units)": "😀",
    "combining (e + U+0301)": "e\u0301",
}
# Characters of the shortest names, tried in turn so the name changes.
SHORTEST = ("Q", "é", "中", "😀")


def name_bounds(ctx: Context) -> tuple[int, int]:
    """The lengths the contract allows a campaignName, in code points."""
    low, high = ctx.contract.field("campaignName").length_bounds
    assert high is not None, "the contract bounds campaignName"
    return max(low, 1), high


def _of_length(stem: str, filler: str, size: int) -> str:
    """`stem` padded with `filler` to exactly `size` code points."""
    name = stem + filler * size
    return name[:size]


def _echoed(ctx: Context, name: str, *, what: str, raw: RawBody | None = None) -> Sent:
    """The name to send (as JSON, or as `raw` bytes that encode it), to be
    answered 200 and echoed exactly (`send_all`)."""
    call = call_for({"campaignName": name} if raw is None else raw)
    return call, lambda exchange: _expect_echo(ctx, exchange, name, what=what)


def _expect_echo(ctx: Context, exchange: Exchange, name: str, *, what: str) -> None:
    """A 200 whose campaignName is `name`, code point for code point."""
    body = ctx.expect_ok(exchange, sent=what)
    if body.get("campaignName") != name:
        # ascii(): two names that print alike (é and e + U+0301) must read differently.
        ctx.fail(
            f"campaignName {ascii(body.get('campaignName'))}",
            expected=f"campaignName {ascii(name)} exactly, as sent",
            exchange=exchange,
            title=f"{what}: accepted, but the response names it differently",
        )


@check(
    id="name_length_bounds_accepted",
    level=MUST,
    area="campaignName",
    cites=[MIN_LENGTH, MAX_LENGTH, RETURNS_UPDATED],
)
def name_length_bounds_accepted(ctx: Context) -> None:
    """campaignName of 1 and of 128 code points is accepted and echoed.

    Length counts code points, as JSON Schema does. Sends one-code-point
    names, 128-code-point names of ASCII, two- and three-byte UTF-8,
    astral-plane and combining characters, then generated valid names;
    each answer must carry the name exactly.
    """
    shortest, longest = name_bounds(ctx)
    current = ctx.state().get("campaignName")
    taken = ctx.fixtures.taken_campaign_name
    sends = [_echoed(ctx, char * shortest,
                   what=f"a campaignName of {shortest} code point(s) ({char!r})")
             for char in SHORTEST if char * shortest not in (current, taken)]
    sends += [_echoed(ctx, _of_length(f"{unique_suffix(ctx)} ", filler, longest),
                    what=f"a campaignName of {longest} code points ({kind})")
              for kind, filler in FILLERS.items()]
    send_all(ctx, sends)

    def generated(name: str) -> Sent | None:
        suffix = unique_suffix(ctx)
        name = name[: longest - len(suffix) - 1] + "#" + suffix
        if name == taken:
            return None
        return _echoed(ctx, name, what=f"a valid campaignName of {len(name)} code points")

    send_drawn(ctx, campaign_names(contract=ctx.contract), generated)



@check(
    id="name_empty_rejected",
    level=MUST,
    area="campaignName",
    cites=[MIN_LENGTH, BAD_REQUEST],
)
def name_empty_rejected(ctx: Context) -> None:
    """An empty campaignName is rejected with 400.

    Sends "" alone and beside a valid concurrentCalls change; the campaign
    must not change.
    """
    before = ctx.state()
    refuse_all(ctx, alone_and_beside(before, 'campaignName ""', "campaignName", ""), {400})
    refuse_generated(ctx, invalid_cases(ctx, "name_empty_rejected"),
                     max_examples=max(2, ctx.profile.max_examples // 4))
    expect_unchanged(ctx, before, what="empty campaign names")


@check(
    id="name_too_long_rejected",
    level=MUST,
    area="campaignName",
    cites=[MAX_LENGTH, BAD_REQUEST],
)
def name_too_long_rejected(ctx: Context) -> None:
    """campaignName longer than 128 code points is rejected with 400.

    Sends 129 code points of ASCII, multi-byte, astral-plane and combining
    characters, 1000 ASCII characters, and generated overlong names; the
    campaign must not change.
    """
    before = ctx.state()
    over = name_bounds(ctx)[1] + 1
    cases = [
        (f"a campaignName of {over} code points ({kind})",
         {"campaignName": _of_length("", filler, over)})
        for kind, filler in FILLERS.items()
    ]
    far = max(1000, 4 * over)
    cases.append((f"a campaignName of {far} code points", {"campaignName": "n" * far}))
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "name_too_long_rejected"))
    expect_unchanged(ctx, before, what="overlong campaign names")


@check(
    id="name_taken_is_409",
    level=MUST,
    area="campaignName",
    cites=[UNIQUE, CONFLICT,
           Cite(f"{OPERATION}/responses/409/description", "Conflict")],
)
def name_taken_is_409(ctx: Context) -> None:
    """A campaignName another campaign of the account has is answered 409.

    Sends the target file's taken_campaign_name alone and beside a valid
    concurrentCalls change; both must be 409 and change nothing.
    """
    taken = ctx.fixtures.taken_campaign_name
    before = ctx.state()
    cases = alone_and_beside(before, "the campaignName of another campaign", "campaignName",
                             taken)
    refuse_all(ctx, cases, {409})
    expect_unchanged(ctx, before, what="a taken campaign name")


@check(
    id="own_name_is_not_conflict",
    level=MUST,
    area="campaignName",
    cites=[UNIQUE, RETURNS_UPDATED],
)
def own_name_is_not_conflict(ctx: Context) -> None:
    """Re-sending the campaign's own current name is 200, not 409.

    Sends the name the campaign has, then sets a fresh name and sends it
    again twice; each must be 200 and echo the name.
    """
    current = ctx.state().get("campaignName")
    if isinstance(current, str) and current:
        send_one(ctx, _echoed(ctx, current, what="the campaign's own current campaignName"))
    name = fresh_name(ctx, "Own Name")
    for attempt in ("set", "re-sent", "re-sent again"):
        send_one(ctx, _echoed(ctx, name, what=f"campaignName {name!r} ({attempt})"))


@check(
    id="foreign_name_is_not_conflict",
    level=MUST,
    area="campaignName",
    cites=[UNIQUE, RETURNS_UPDATED],
    needs=("foreign_campaign_name",),
)
def foreign_name_is_not_conflict(ctx: Context) -> None:
    """A name used only by another account's campaign is accepted.

    Uniqueness is "within your account": sends the target file's
    foreign_campaign_name, which must be 200 and echoed.
    """
    foreign = ctx.fixtures.foreign_campaign_name
    assert foreign is not None
    if foreign == ctx.fixtures.taken_campaign_name:
        ctx.not_exercised("foreign_campaign_name is also taken in this account")
    send_one(ctx, _echoed(ctx, foreign, what="the campaignName of another account's campaign"))


# ---------------------------------------------------------------- hostile-but-legal names

STRING = Cite(f"{_NAME}/type", "string")
DISPLAY_NAME = Cite(f"{_NAME}/description", "Display name for this campaign.")


def _suffixed(ctx: Context, text: str) -> str:
    """`text` made unique in the run, within the length bound."""
    suffix = f" #{unique_suffix(ctx)}"
    return text[: name_bounds(ctx)[1] - len(suffix)].rstrip() + suffix


@check(
    id="name_hostile_strings_echoed",
    level=MUST,
    area="campaignName",
    cites=[STRING, RETURNS_UPDATED, MAX_LENGTH],
)
def name_hostile_strings_echoed(ctx: Context) -> None:
    """Printable text of any kind is stored and echoed code point for point.

    Sends names with combining marks, right-to-left text, astral-plane
    letters and emoji joined by zero-width joiners, quotes, backslashes,
    HTML-, SQL- and template-looking text; then one of them written with
    every character as a \\u escape, with non-ASCII escaped, and raw; then
    generated mixes. Each must be 200 with campaignName exactly as sent
    (erratum campaign-name-control-characters).
    """
    sends = [_echoed(ctx, _suffixed(ctx, text), what=f"a campaignName of {kind}")
             for kind, text in HOSTILE_TEXTS]
    name = _suffixed(ctx, "".join(text for _, text in HOSTILE_TEXTS[:6:2]))
    sends += [_echoed(ctx, name, what=f"a campaignName of mixed scripts and emoji ({form})",
                    raw=raw)
              for form, raw in json_encodings(value={"campaignName": name})]
    send_all(ctx, sends)
    send_drawn(ctx, hostile_names(max_size=name_bounds(ctx)[1] - 8),
               lambda text: _echoed(ctx, _suffixed(ctx, text),
                                  what="a campaignName of hostile-but-legal pieces"))


@check(
    id="name_control_characters_kept_or_refused",
    level=SHOULD,
    area="campaignName",
    cites=[STRING, DISPLAY_NAME, BAD_REQUEST],
)
def name_control_characters_kept_or_refused(ctx: Context) -> None:
    """A name with a control character is refused (400) or kept exactly.

    The schema allows control characters, a display name hardly needs them
    (erratum campaign-name-control-characters). Sends names holding U+0000,
    tab, line feed, carriage return, escape, delete and next line (escaped
    as JSON requires): each answer is 400, or 200 echoing the name exactly.
    """
    def kept_or_refused(name: str, what: str) -> Sent:
        def judge(exchange: Exchange) -> None:
            ctx.expect_status(exchange, {200, 400}, sent=what)
            if exchange.status == 200:
                _expect_echo(ctx, exchange, name, what=what)

        return {"body": {"campaignName": name}}, judge

    send_all(ctx, [kept_or_refused(_suffixed(ctx, f"Line{char}Break"),
                                   f"a campaignName holding {kind}")
                   for kind, char in CONTROL_CHARACTERS])
