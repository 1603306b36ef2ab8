"""What the field checks share: sending a case, refusing a batch of cases, proving
the campaign did not change, fresh names, and a schedule that lies in the future."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from strategies import InvalidBody, RawBody, invalid_bodies

from .._catalogue import CheckFailure
from .._client import Exchange
from .._context import Context
from .._model import AccountWorld, BehaviourModel, ModelRequest, State
from .._operation import UPDATE_CAMPAIGN

# A case: what a failure says was sent, and the body (a JSON value or RawBody).
Case = tuple[str, Any]


def _next(ctx: Context) -> int:
    """The next number of this check's run: the same seed numbers names the same way."""
    counter = ctx.__dict__.setdefault("_probing_counter", itertools.count(1))
    return next(counter)


def day_start(ctx: Context) -> datetime:
    """Midnight (UTC) that began the run's day: where past values are drawn from.

    Generated values hang on the day, not the instant, so the same seed sends
    the same bytes all day; a value drawn before this midnight is past, one
    drawn after the next midnight (`day_end`) is future, whatever the hour.
    """
    return ctx.now().replace(hour=0, minute=0, second=0, microsecond=0)


def day_end(ctx: Context) -> datetime:
    """The next midnight (UTC): where future values are drawn from."""
    return day_start(ctx) + timedelta(days=1)


def call_for(body: Any, *, campaign_id: str | None = None) -> dict[str, Any]:
    """`Context.patch`'s arguments for one body: a RawBody byte for byte, anything else as JSON."""
    call: dict[str, Any] = {} if campaign_id is None else {"campaign_id": campaign_id}
    if isinstance(body, RawBody):
        return {**call, "raw": body.content, "content_type": body.content_type}
    return {**call, "body": body}


def send(ctx: Context, body: Any, *, campaign_id: str | None = None) -> Exchange:
    """PATCH one body: a RawBody goes out byte for byte, anything else as JSON."""
    return ctx.patch(**call_for(body, campaign_id=campaign_id))


def model_for(ctx: Context) -> BehaviourModel:
    """The contract's behaviour model for this target's account, at the run's instant."""
    return BehaviourModel(ctx.operation.contract, AccountWorld.from_fixtures(ctx.fixtures),
                          now=ctx.now())


def already_shows(ctx: Context, body: Any, update: dict[str, Any]) -> bool:
    """Whether the campaign a 200 `body` shows is already what accepting `update`
    would make it (the model's judgement): sending it would change nothing."""
    model = model_for(ctx)
    state = model.observe(body)
    if state is None:
        return False
    after = model.expect(state, ModelRequest(update)).outcomes.get(200)
    return after is not None and not model.differences(after, body)


def governed(body: Any, schema: str = "CampaignResponse") -> Any:
    """What a comparison of two bodies may look at: the properties the schema lists.

    Anything else a server adds (``updatedAt``, ``version``, an echoed
    ``dynamicVariables``, nested extras) is its own business and may move.
    """
    return UPDATE_CAMPAIGN.contract.governed_view(body, schema)


def changed_fields(before: dict[str, Any], after: dict[str, Any],
                   schema: str = "CampaignResponse") -> list[str]:
    """Governed top-level properties whose values differ (present on one side only counts)."""
    one, two = governed(before, schema), governed(after, schema)
    return sorted(k for k in set(one) | set(two) if one.get(k, ...) != two.get(k, ...))


def moves(before: dict[str, Any], after: dict[str, Any], fields: Iterable[str]) -> str:
    """What a failure shows of fields that moved: "name: 'old' -> 'new'; ..."."""
    return "; ".join(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in fields)


def expect_kept(ctx: Context, before: dict[str, Any], after: dict[str, Any], *,
                expected: str, title: Callable[[str], str], exchange: Exchange | None = None,
                among: Collection[str] | None = None, ignoring: Collection[str] = ()) -> None:
    """Fail if a governed field moved from `before` to `after` (only those `among`,
    none `ignoring`): the failure shows each move, `title(fields)` names them."""
    moved = [k for k in changed_fields(before, after)
             if (among is None or k in among) and k not in ignoring]
    if moved:
        ctx.fail(moves(before, after, moved), expected=expected, exchange=exchange,
                 title=title(", ".join(moved)))


def expect_unchanged(ctx: Context, before: dict[str, Any], *, what: str) -> None:
    """Read the campaign again and fail, naming the fields, if it moved."""
    expect_kept(ctx, before, ctx.state(),
                expected=f"the campaign exactly as it was before {what}",
                title=lambda fields: f"{what} changed the campaign ({fields})")


# A refusal to probe for: what a failure says was sent, `Context.patch`'s
# arguments, and the statuses that refuse it.
Probe = tuple[str, dict[str, Any], Collection[int]]
# A request to send and how to judge its answer: `Context.patch`'s arguments, and
# a function that raises CheckFailure for a bad answer.
Sent = tuple[dict[str, Any], Callable[[Exchange], None]]


def send_each(ctx: Context, calls: Sequence[dict[str, Any]],
              judge: Callable[[int, Exchange], None], *,
              unanswered_fails: bool = True) -> list[Exchange]:
    """PATCH once per call (`Context.patch`'s arguments) and judge each answer in order.

    For requests that do not depend on each other: they go out
    `Context.batch_width` at a time. `judge(i, exchange)` raises CheckFailure
    for a bad answer to call i; it sees answered exchanges only. A request
    that got no answer fails the check (`Context.expect_answered`), unless
    `unanswered_fails` is false (it is then left to every_request_answered).

    A batched answer that fails, a batched 5xx (whatever the judge says: it
    may be the batch's load), or a batched request that got none, is not
    held against the target: call i is sent again, alone, and that exchange
    is judged instead; the batched one is marked superseded, and the run-wide
    response checks skip it. A request unanswered beside others and answered
    alone turns the rest of the run to one at a time (`Client.one_at_a_time`).
    So sending at once never fails a check that is not about concurrency, and
    a failure shows an exchange its one-line reproduction repeats exactly.
    Stops at the first failure, as sending one at a time would; returns the
    exchanges that stand.

    When the last batch had an update accepted (anything but an empty object
    may change the campaign, and the target applied them in an order of its
    own), its last call is sent once more, alone, and judged: the campaign
    then ends as that call leaves it, so what the run sends next, and so the
    whole run, is the same for the same seed.
    """
    def verdict(index: int, exchange: Exchange) -> None:
        if exchange.error is not None:
            if unanswered_fails or exchange.batch > 1:
                ctx.expect_answered(exchange)
            return
        if exchange.batch > 1 and (exchange.status or 0) >= 500:
            # Perhaps the load of the batch, not the request: whatever the judge
            # would say, only the answer it gets alone is judged (and judged by
            # the run-wide checks).
            raise CheckFailure(f"{exchange.status} beside {exchange.batch - 1} others",
                               expected="an answer to the request sent alone", exchange=exchange)
        judge(index, exchange)

    stand: list[Exchange] = []
    start = 0
    while start < len(calls):
        chunk = calls[start:start + ctx.batch_width()]
        for offset, exchange in enumerate(ctx.patch_batch(list(chunk))):
            try:
                verdict(start + offset, exchange)
            except CheckFailure:
                if exchange.batch < 2:
                    raise
                batched, exchange = exchange, ctx.patch_batch([chunk[offset]])[0]
                batched.superseded = True
                if batched.error is not None and exchange.error is None:
                    # (No answer alone either is the request's own fault.)
                    ctx.client.answered_only_alone(batched)
                verdict(start + offset, exchange)
            stand.append(exchange)
        start += len(chunk)
    last = stand[-len(chunk):] if calls else []
    if len(last) > 1 and last[-1].batch > 1 and any(
            e.status is not None and 200 <= e.status < 300 and _may_change(call)
            for e, call in zip(last, chunk, strict=True)):
        settled = ctx.patch_batch([calls[-1]])[0]
        verdict(len(calls) - 1, settled)
    return stand


def _may_change(call: dict[str, Any]) -> bool:
    """Whether an accepted call may change the campaign: any but an empty JSON object."""
    return "raw" in call or call.get("body") != {}


def echoed(ctx: Context, field: str, value: Any, *, shown_at: str,
           read: Callable[[dict[str, Any]], Any], what: str, noun: str) -> Sent:
    """`field` set to `value`, to be answered 200 with `read(answer)` equal to it
    (`shown_at` names where the answer shows it, `noun` what it is)."""
    def judge(exchange: Exchange) -> None:
        shown = read(ctx.expect_ok(exchange, sent=what))
        if shown != value:
            ctx.fail(
                f"{shown_at} {shown!r}",
                expected=f"{shown_at} {value!r}",
                exchange=exchange,
                title=f"{what}: accepted, but the response shows another {noun}",
            )

    return {"body": {field: value}}, judge


def send_one(ctx: Context, sent: Sent) -> Exchange:
    """Send one request and judge its answer."""
    call, judge = sent
    exchange = ctx.patch(**call)
    judge(exchange)
    return exchange


def send_all(ctx: Context, sends: Sequence[Sent]) -> list[Exchange]:
    """Send every (arguments, judge) pair and judge each answer (`send_each`)."""
    return send_each(ctx, [call for call, _ in sends],
                     lambda index, exchange: sends[index][1](exchange))


def refusal(ctx: Context, probe: Probe) -> Sent:
    """A Probe as a Sent: its arguments, and a judge that wants one of its statuses."""
    what, call, statuses = probe

    def refused(exchange: Exchange) -> None:
        ctx.expect_rejected(exchange, statuses, sent=what)

    return call, refused


def refuse_each(ctx: Context, probes: Iterable[Probe]) -> int:
    """Send every probe, each to be refused with one of its statuses (`send_each`)."""
    sends = [refusal(ctx, probe) for probe in probes]
    send_all(ctx, sends)
    return len(sends)


def refuse_all(ctx: Context, cases: Iterable[Case], statuses: Collection[int]) -> int:
    """Send every case, each to be refused with one of `statuses`; returns the count."""
    return refuse_each(ctx, [(what, call_for(body), statuses) for what, body in cases])


def invalid_cases(ctx: Context, rule: str) -> Any:
    """Invalid bodies that break `rule` (a check id) for the target's account."""
    return invalid_bodies(
        agent_ids=ctx.fixtures.agent_ids,
        phone_numbers=ctx.fixtures.phone_numbers,
        now=day_start(ctx),
        rules={rule},
        contract=ctx.contract,
    )


def visible_change(before: dict[str, Any]) -> dict[str, Any]:
    """A valid concurrentCalls change, visible if a refused request is applied anyway."""
    return {"concurrentCalls": int(before.get("concurrentCalls") or 1) % 97 + 2}


def alone_and_beside(before: dict[str, Any], what: str, field: str, value: Any) -> list[Case]:
    """`field` set to `value` alone, and beside a valid visible change."""
    return [
        (what, {field: value}),
        (f"{what} with a valid concurrentCalls", {field: value, **visible_change(before)}),
    ]


def send_drawn(ctx: Context, values: Any, make: Callable[[Any], Sent | None], *,
               max_examples: int | None = None) -> int:
    """Send what `make` turns each value Hypothesis draws from `values` into.

    `make(value)` gives `Context.patch`'s arguments and a judge of the answer,
    or None for a value not to send. Without shrinking (the quick profile) the
    values are drawn first and sent a batch at a time (`send_each`):
    Hypothesis draws the same values either way, since none fails a test while
    it draws. With shrinking, each is sent as drawn, so a failure shrinks to
    its simplest value. Returns how many were sent.
    """
    drawn: list[Sent] = []
    batched = not ctx.profile.shrink and ctx.batch_width() > 1

    @ctx.given(values, max_examples=max_examples)
    def generated(value: Any) -> None:
        sent = make(value)
        if sent is None:
            return
        drawn.append(sent)
        if not batched:
            send_one(ctx, sent)

    generated()
    if batched:
        send_all(ctx, drawn)
    return len(drawn)


def refuse_drawn(ctx: Context, values: Any, probe: Callable[[Any], Probe], *,
                 max_examples: int | None = None) -> None:
    """Refuse the Probe `probe` makes of each value drawn from `values` (`send_drawn`)."""
    send_drawn(ctx, values, lambda value: refusal(ctx, probe(value)),
               max_examples=max_examples)


def probe_of(case: InvalidBody) -> Probe:
    """An InvalidBody as a Probe: its reason, its body's arguments, its statuses."""
    return case.reason, call_for(case.body), case.statuses


def refuse_generated(ctx: Context, bodies: Any, *, max_examples: int | None = None) -> None:
    """Send Hypothesis-drawn InvalidBody values; each answers one of its own statuses."""
    refuse_drawn(ctx, bodies, probe_of, max_examples=max_examples)


def fresh_name(ctx: Context, stem: str = "Conformance") -> str:
    """A campaign name no earlier request of the run has used (never the taken one)."""
    token = format(ctx.seed_for("name") % 0x10000, "04x")
    name = f"{stem} {token}-{_next(ctx)}"
    return name if name != ctx.fixtures.taken_campaign_name else name + "+"


def unique_suffix(ctx: Context) -> str:
    """A short suffix no earlier call in this check's run has returned."""
    return str(_next(ctx))


def future_schedule(ctx: Context) -> dict[str, Any]:
    """isScheduled true with a date, time and zone well over a year ahead."""
    day = (ctx.now() + timedelta(days=400)).date().isoformat()
    return {
        "isScheduled": True,
        "scheduledDate": day,
        "scheduledTime": "12:00:00",
        "scheduledTimezone": "America/Los_Angeles",
    }


def other_than(current: Any, candidates: Iterable[Any]) -> Any:
    """The first candidate different from `current` (or the first one at all)."""
    values = list(candidates)
    return next((v for v in values if v != current), values[0])


def distinct_updates(ctx: Context, state: State, round_: int) -> list[dict[str, Any]]:
    """One valid update per field, each a value the campaign does not have yet."""
    fixtures = ctx.fixtures
    contract = ctx.operation.contract
    flag, parts = contract.schedule_flag, contract.schedule_fields

    def other(values: tuple[Any, ...], now: Any) -> Any:
        choices = [v for v in values if v != now]
        return choices[round_ % len(choices)] if choices else None

    low, _ = contract.field("concurrentCalls").integer_bounds
    calls = state.get("concurrentCalls")
    year = ctx.now().year + 2 + round_ % 3
    candidates: list[dict[str, Any] | None] = [
        {"campaignName": f"Parallel {format(ctx.seed_for('parallel') % 0x10000, '04x')}-"
                         f"{unique_suffix(ctx)}"},
        {"concurrentCalls": low + 1 + (round_ % 5) + (1 if calls == low + 1 + round_ % 5 else 0)},
        ({"agentId": agent} if (agent := other(fixtures.agent_ids, state.get("agentId")))
         else None),
        ({"sipPhoneNumber": number}
         if (number := other(fixtures.phone_numbers, state.get("sipPhoneNumber"))) else None),
        ({flag: False} if state.scheduled else
         {flag: True, **dict(zip(parts, (f"{year}-05-1{round_ % 10}", "10:30:00", "Asia/Tokyo"),
                                 strict=True))}),
    ]
    updates = [c for c in candidates if c is not None]
    shift = round_ % len(updates)
    return updates[shift:] + updates[:shift]
