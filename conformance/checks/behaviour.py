"""What an update does: the answer shows it, omitted fields stay, a refused
request changes nothing, and the same request twice answers the same."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import strategies as st

from strategies import InvalidBody, invalid_bodies, update_bodies

from .._catalogue import MUST, Cite, check
from .._client import Exchange
from .._context import Context
from .._operation import UPDATE_CAMPAIGN
from .._restore import restore_body
from ._cites import OPERATION
from ._probing import (
    Sent,
    already_shows,
    changed_fields,
    day_end,
    day_start,
    expect_kept,
    fresh_name,
    governed,
    moves,
    other_than,
    probe_of,
    refusal,
    send_all,
    send_drawn,
    send_one,
)
from .schedule import expect_unscheduled, far_year, local_schedule, parse_instant, show

DESCRIPTION = f"{OPERATION}/description"
RETURNS_UPDATED = Cite(DESCRIPTION, "Returns the updated campaign record.")
PARTIAL = Cite(
    DESCRIPTION,
    "Only fields provided in the request body are updated — omitted fields remain unchanged.",
)
CAMPAIGN_ID = Cite(
    "/components/schemas/CampaignResponse/properties/campaignId/description",
    "Unique identifier for this campaign.",
)
BAD_REQUEST = Cite(
    f"{OPERATION}/responses/400/content/application~1json"
    "/examples/default/value/message",
    "Invalid request parameters",
)

LEAD = timedelta(days=366)


def valid_bodies(ctx: Context) -> st.SearchStrategy[dict[str, Any]]:
    return update_bodies(
        agent_ids=ctx.fixtures.agent_ids,
        phone_numbers=ctx.fixtures.phone_numbers,
        now=day_end(ctx),
        lead=LEAD,
        taken_names=[ctx.fixtures.taken_campaign_name],
        contract=ctx.contract,
    )


def describe(body: Any) -> str:
    text = repr(body)
    return text if len(text) <= 160 else text[:157] + "..."


def reflect(ctx: Context, sent: dict[str, Any], exchange: Exchange) -> None:
    """Fail unless the 200 body shows the campaign id and every field as sent."""
    what = f"the update {describe(sent)}"
    body = ctx.expect_ok(exchange, sent=what)
    wrong: list[str] = []
    if body.get("campaignId") != ctx.campaign_id:
        wrong.append(f"campaignId {body.get('campaignId')!r}, path has {ctx.campaign_id!r}")
    contract = ctx.contract
    for rule in contract.fields.values():
        field = rule.name
        if field in sent and rule.readable and field not in contract.schedule_group:
            shown = contract.shown(body, field)
            if shown != sent[field]:
                wrong.append(f"{field} sent {sent[field]!r}, answer shows {shown!r}")
    if sent.get("isScheduled") is True:
        schedule = local_schedule_of(sent)
        instant = parse_instant(body.get("scheduledDate"))
        if body.get("scheduled") is not True:
            wrong.append(f"isScheduled true sent, scheduled is {body.get('scheduled')!r}")
        if instant not in schedule:
            readings = " or ".join(show(i) for i in sorted(schedule))
            wrong.append(f"scheduledDate {body.get('scheduledDate')!r}, expected {readings}")
    elif sent.get("isScheduled") is False:
        expect_unscheduled(ctx, body, exchange, sent=what)
    if wrong:
        ctx.fail("; ".join(wrong), expected="every sent field shown as sent",
                 exchange=exchange, title=f"{what}: the answer does not show it")


def local_schedule_of(body: dict[str, Any]) -> frozenset[datetime]:
    schedule = local_schedule(
        date.fromisoformat(body["scheduledDate"]),
        time.fromisoformat(body["scheduledTime"]),
        body["scheduledTimezone"],
    )
    return schedule.instants


def fixed_updates(ctx: Context) -> list[dict[str, Any]]:
    """Hand-picked updates: a padded name, agents beside other numbers, a schedule."""
    agents = ctx.fixtures.agent_ids
    phones = ctx.fixtures.phone_numbers
    state = ctx.state()
    calls = state.get("concurrentCalls")
    bodies: list[dict[str, Any]] = [
        {"campaignName": f"  {fresh_name(ctx, 'Padded')}  "},
        {"concurrentCalls": other_than(calls, [3, 4])},
    ]
    for k in range(max(len(agents), len(phones))):
        bodies.append({"agentId": agents[k % len(agents)],
                       "sipPhoneNumber": phones[(k + 1) % len(phones)]})
    bodies.append({
        "isScheduled": True,
        "scheduledDate": f"{far_year(ctx)}-09-25",
        "scheduledTime": "12:00:00",
        "scheduledTimezone": "America/Los_Angeles",
        "campaignName": fresh_name(ctx, "Reflected"),
        "concurrentCalls": other_than(calls, [6, 7]),
    })
    return bodies


@check(
    id="response_reflects_update",
    level=MUST,
    area="behaviour",
    cites=[RETURNS_UPDATED, CAMPAIGN_ID],
)
def response_reflects_update(ctx: Context) -> None:
    """The 200 body is the campaign after the update, as sent.

    Sends fixed and generated valid updates; each answer carries the path's
    campaignId and every sent field as sent: campaignName, agent.agentId,
    phoneNumber.sipPhoneNumber, concurrentCalls, scheduled and scheduledDate.
    """
    # Each answer is judged on what its own request sent: they go out at once.
    send_all(ctx, [reflected(ctx, body) for body in fixed_updates(ctx)])
    send_drawn(ctx, valid_bodies(ctx), lambda body: reflected(ctx, body))


def reflected(ctx: Context, body: dict[str, Any]) -> Sent:
    """`body` sent, to be answered with the campaign showing it (`reflect`)."""
    def judge(exchange: Exchange) -> None:
        reflect(ctx, body, exchange)

    return {"body": body}, judge


def normalised(state: dict[str, Any]) -> dict[str, Any]:
    """scheduledDate absent and null read alike (erratum scheduled-date-presence)."""
    return {**state, "scheduledDate": state.get("scheduledDate")}


def expect_others_kept(ctx: Context, sent: dict[str, Any], before: dict[str, Any],
                       exchange: Exchange, after: dict[str, Any], *, read: str) -> None:
    touched = {name for field in sent if field in ctx.contract.fields
               for name in ctx.contract.governs(field)}
    expect_kept(ctx, normalised(before), normalised(after), ignoring=touched,
                expected="every field the request omits exactly as it was", exchange=exchange,
                title=lambda fields: f"{describe(sent)} changed omitted fields ({fields}) {read}")


def partial_update(ctx: Context, setup: dict[str, Any], body: dict[str, Any],
                   current: dict[str, Any] | None = None) -> dict[str, Any]:
    """Give the campaign known values with ``setup``, then send ``body``; returns
    the campaign as read again afterwards.

    The campaign before is the set-up's answer, not an empty update's: an
    empty update is itself a partial update and could reset fields. The one
    exception is ``current``, the previous call's read: it was judged to keep
    every field, and when it already shows what the set-up would make of the
    campaign (the model's judgement), the set-up is not sent.
    """
    if current is not None and already_shows(ctx, current, setup):
        before = current
    else:
        before = ctx.expect_ok(ctx.patch(setup), sent=f"the set-up {describe(setup)}")
    exchange = ctx.patch(body)
    after = ctx.expect_ok(exchange, sent=f"the partial update {describe(body)}")
    expect_others_kept(ctx, body, before, exchange, after, read="in the answer")
    reread = ctx.patch({})
    again = ctx.expect_ok(reread, sent="an empty update")
    expect_others_kept(ctx, body, before, reread, again, read="when read again")
    return again


@check(
    id="omitted_fields_unchanged",
    level=MUST,
    area="behaviour",
    cites=[PARTIAL],
)
def omitted_fields_unchanged(ctx: Context) -> None:
    """A partial update leaves every field it omits as it was.

    Before each update, gives the campaign a schedule and a concurrentCalls
    other than 1; then sends one-field updates and generated partial ones.
    Field by field, the answer and the campaign read again keep everything
    not sent.
    """
    setup = {
        "isScheduled": True,
        "scheduledDate": f"{far_year(ctx)}-03-20",
        "scheduledTime": "09:15:00",
        "scheduledTimezone": "Europe/Berlin",
        "concurrentCalls": 9,
    }
    singles: list[dict[str, Any]] = [
        {"campaignName": fresh_name(ctx, "Partial")},
        {"concurrentCalls": 4},
        {"agentId": ctx.fixtures.agent_ids[-1]},
        {"sipPhoneNumber": ctx.fixtures.phone_numbers[-1]},
    ]
    current: dict[str, Any] | None = None
    for body in singles:
        current = partial_update(ctx, setup, body, current)

    @ctx.given(valid_bodies(ctx))
    def generated(body: dict[str, Any]) -> None:
        nonlocal current
        current = partial_update(ctx, setup, body, current)

    generated()


def fixed_invalid(ctx: Context) -> list[InvalidBody]:
    """Valid fields the campaign does not have yet, beside one invalid field."""
    state = ctx.state()
    calls = other_than(state.get("concurrentCalls"), [11, 12])
    agent = other_than(ctx.contract.shown(state, "agentId"), ctx.fixtures.agent_ids)
    phone = other_than(ctx.contract.shown(state, "sipPhoneNumber"),
                       ctx.fixtures.phone_numbers)
    schedule = local_schedule(date(far_year(ctx), 11, 2), time(8), "UTC")
    future = {"isScheduled": True, **schedule.fields}
    low = ctx.contract.field("concurrentCalls").integer_bounds[0]
    over = (ctx.contract.field("campaignName").max_length or 0) + 1
    return [
        InvalidBody({"concurrentCalls": calls, "sipPhoneNumber": "not a number"},
                    "phone_pattern_enforced", "sipPhoneNumber", frozenset({400}),
                    "a valid concurrentCalls beside an invalid sipPhoneNumber"),
        InvalidBody({"agentId": agent, "concurrentCalls": low - 1},
                    "concurrent_calls_range_enforced", "concurrentCalls", frozenset({400}),
                    f"a valid agentId beside concurrentCalls {low - 1}"),
        InvalidBody({"sipPhoneNumber": phone, **future, "campaignName": ""},
                    "name_empty_rejected", "campaignName", frozenset({400}),
                    "a valid number and schedule beside an empty campaignName"),
        InvalidBody({"concurrentCalls": calls, "campaignName": "x" * over},
                    "name_too_long_rejected", "campaignName", frozenset({400}),
                    f"a valid concurrentCalls beside a {over}-character campaignName"),
    ]


def refused_unchanged(ctx: Context, case: InvalidBody) -> None:
    before = ctx.state()
    exchange = send_one(ctx, refusal(ctx, probe_of(case)))
    expect_kept(ctx, normalised(before), normalised(ctx.state()),
                expected="the campaign exactly as before the refused request", exchange=exchange,
                title=lambda fields: f"{case.reason}: refused, yet {fields} changed")


@check(
    id="rejected_request_changes_nothing",
    level=MUST,
    area="behaviour",
    cites=[BAD_REQUEST, PARTIAL],
)
def rejected_request_changes_nothing(ctx: Context) -> None:
    """A refused request changes nothing, not even its valid fields.

    Sends bodies with one invalid field beside valid ones (a new
    concurrentCalls, agent, number or schedule); each is refused and the
    campaign read before and after is the same. Without shrinking (the quick
    profile) the fixed bodies, then the generated ones, go out as one set
    (at once where the target allows) with the campaign read before and
    after the set; a set that moved it is sent again a body at a time, so
    the failure names the body.
    """
    fixed = fixed_invalid(ctx)
    bodies = invalid_bodies(
        agent_ids=ctx.fixtures.agent_ids,
        phone_numbers=ctx.fixtures.phone_numbers,
        now=day_start(ctx),
        contract=ctx.contract,
    )
    if ctx.profile.shrink:
        for case in fixed:
            refused_unchanged(ctx, case)

        @ctx.given(bodies)
        def generated(case: InvalidBody) -> None:
            refused_unchanged(ctx, case)

        generated()
        return
    drawn: list[InvalidBody] = []

    @ctx.given(bodies)
    def draw(case: InvalidBody) -> None:
        drawn.append(case)

    draw()
    # Two sets: the fixed bodies each set values the campaign does not have, so
    # together they cannot put a moved field back; generated ones might.
    for cases in (fixed, drawn):
        refused_together_unchanged(ctx, cases)


def refused_together_unchanged(ctx: Context, cases: list[InvalidBody]) -> None:
    """Each case refused, and the campaign read before and after them all the same;
    when it moved, put back and each case again with reads around it: the failure
    names the body."""
    before = ctx.state()
    send_all(ctx, [refusal(ctx, probe_of(case)) for case in cases])
    after = ctx.state()
    if not changed_fields(normalised(before), normalised(after)):
        return
    # The campaign put back as it was (the set left it holding the very values a
    # body would move it to), then each body alone. What moved is held against
    # the target only when a body moves it alone: a change no single refused
    # request reproduces is not attributable to one.
    restore = restore_body(before, contract=ctx.contract, now=ctx.now())
    if restore:
        ctx.expect_ok(ctx.patch(restore), sent=f"the campaign's values before the set: {restore}")
    for case in cases:
        refused_unchanged(ctx, case)


def documented_view(exchange: Exchange) -> Any:
    """The governed properties of a JSON object body (an Error's timestamp aside: it
    moves), or the body's text when it is no JSON object."""
    body = exchange.json_or_none()
    schema = UPDATE_CAMPAIGN.contract.response_schemas.get(exchange.status or 0)
    if not isinstance(body, dict) or schema is None:
        return exchange.body_text(2000)
    view = governed(body, schema)
    if schema == "Error":
        view.pop("timestamp", None)
    return view


def twice(ctx: Context, body: dict[str, Any]) -> None:
    first = ctx.patch(body)
    second = ctx.patch(body)
    what = f"the same update twice {describe(body)}"
    if first.status != second.status:
        ctx.fail(
            f"first {first.status}, then {second.status} {second.body_text(200)}",
            expected=f"{first.status} both times",
            exchange=second,
            title=f"{what}: answered {first.status}, then {second.status}",
        )
    one, two = documented_view(first), documented_view(second)
    if one == two:
        return
    if isinstance(one, dict) and isinstance(two, dict):
        keys = sorted(k for k in set(one) | set(two) if one.get(k) != two.get(k))
        actual = moves(one, two, keys)
    else:
        keys, actual = ["body"], f"{one!r} -> {two!r}"
    ctx.fail(
        actual,
        expected="the same body both times",
        exchange=second,
        title=f"{what}: the second answer differs ({', '.join(keys)})",
    )


@check(
    id="repeated_update_is_stable",
    level=MUST,
    area="behaviour",
    cites=[RETURNS_UPDATED, PARTIAL],
)
def repeated_update_is_stable(ctx: Context) -> None:
    """The same valid update sent twice gets the same status and body.

    Sends the campaign's current name, a new name with concurrentCalls, and
    generated valid updates, each twice; the second answer equals the first
    in every property the contract governs (an Error's timestamp aside;
    undocumented properties such as updatedAt or version may move).
    """
    current = ctx.state().get("campaignName")
    if isinstance(current, str) and current:
        twice(ctx, {"campaignName": current})
    twice(ctx, {"campaignName": fresh_name(ctx, "Stable"), "concurrentCalls": 2})

    @ctx.given(valid_bodies(ctx))
    def generated(body: dict[str, Any]) -> None:
        twice(ctx, body)

    generated()
