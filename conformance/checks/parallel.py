"""Concurrent updates: every acknowledged update is applied, identical ones agree.

A few partial updates of different fields sent at the same moment must all
be applied: the campaign read afterwards equals some serial order of the
acknowledged updates (no lost update), and each answer shows the campaign
after its own update in such an order. The same update sent several times
at once gets the same answer each time.

Bounded: a small fixed number of requests at once (``--concurrency N`` or
``[limits] concurrency``, at most 8). On by default against a loopback
target (8 at once); elsewhere the checks run only when asked.
(``concurrency.py`` is the concurrentCalls field, not this.)
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from .._catalogue import MUST, CheckFailure, check
from .._client import Exchange
from .._context import Context
from .._model import BehaviourModel, ModelRequest, State
from ._probing import distinct_updates, model_for
from .sequences import PARTIAL, RETURNS_UPDATED, History, Step

ROUNDS = {"quick": 3, "deep": 25}


def parallelism(ctx: Context) -> int:
    """How many requests may go out at once; not exercised when none may."""
    if ctx.target.limits.concurrency is None and not ctx.target.is_loopback:
        ctx.not_exercised("concurrent requests are opt-in off loopback: "
                          "--concurrency N or [limits] concurrency = N")
    wanted = ctx.target.parallel
    if wanted < 2:
        ctx.not_exercised(f"--concurrency {wanted} sends nothing in parallel")
    if ctx.client.one_at_a_time is not None:
        not_served_at_once(ctx)
    return wanted


def not_served_at_once(ctx: Context) -> None:
    """The target serves one connection at a time (`Client.answered_only_alone`),
    which the contract leaves to it: nothing to judge here."""
    ctx.not_exercised("the target did not answer requests sent at once: "
                      + str(ctx.client.one_at_a_time))


def current(ctx: Context, model: BehaviourModel) -> State:
    exchange = ctx.patch({})
    state = model.observe(exchange.json_or_none()) if exchange.status == 200 else None
    if state is None:
        raise CheckFailure(f"{exchange.status} {exchange.body_text(200)}",
                           expected="200 with the campaign", exchange=exchange,
                           title="cannot read the campaign with an empty update")
    return state


def applied(model: BehaviourModel, state: State, updates: list[dict[str, Any]]) -> State:
    for body in updates:
        state = model.expect(state, ModelRequest(body)).outcomes.get(200, state)
    return state


def fail_batch(ctx: Context, batch: list[Step], offending: Exchange, *, actual: str,
               expected: str, title: str) -> None:
    failure = CheckFailure(actual, expected=expected, exchange=offending, title=title)
    failure.add_note(ctx.client.redact(History(batch).render(parallel=True)))
    raise failure


def send_batch(ctx: Context, bodies: list[dict[str, Any]], what: str) -> list[Step]:
    exchanges = ctx.client.send_parallel([{"campaign_id": ctx.campaign_id, "body": b}
                                          for b in bodies])
    steps = [Step(f"{what} {i}", ModelRequest(b), e)
             for i, (b, e) in enumerate(zip(bodies, exchanges, strict=True), 1)]
    for body, step in zip(bodies, steps, strict=True):
        if step.exchange.error is not None:
            # Answered alone, it is a target that serves one connection at a time
            # (the contract leaves that to it), not one that loses updates.
            alone = ctx.client.send(ctx.campaign_id, body=body)
            if alone.error is None:
                step.exchange.superseded = True
                ctx.client.answered_only_alone(step.exchange)
                not_served_at_once(ctx)
            fail_batch(ctx, steps, step.exchange, actual=step.exchange.error,
                       expected="an HTTP response", title=f"{step.what}: no answer")
    return steps


def read_back(ctx: Context, model: BehaviourModel, batch: list[Step], expected: State, *,
              title: str) -> None:
    """Read the campaign after a batch: it must be `expected`."""
    reread = ctx.patch({})
    wrong = model.differences(expected, reread.json_or_none())
    if reread.status != 200 or wrong:
        fail_batch(ctx, [*batch, Step("read back", ModelRequest({}), reread)], reread,
                   actual="; ".join(wrong) or f"{reread.status}",
                   expected=f"200 showing {expected.describe()}", title=title)


@check(
    id="concurrent_updates_all_applied",
    level=MUST,
    area="histories",
    cites=[PARTIAL, RETURNS_UPDATED],
)
def concurrent_updates_all_applied(ctx: Context) -> None:
    """Updates of different fields sent at once are all applied.

    Sends two to eight valid updates of different fields (name, calls,
    agent, number, schedule) at the same moment, a few rounds; each is
    200 showing a serial order, and the campaign read afterwards has every
    update applied. Loopback by default, elsewhere with --concurrency N.
    """
    width = parallelism(ctx)
    model = model_for(ctx)
    for round_ in range(ROUNDS.get(ctx.profile.name, ROUNDS["quick"])):
        before = current(ctx, model)
        updates = distinct_updates(ctx, before, round_)[:width]
        batch = send_batch(ctx, updates, "concurrent update")
        for index, step in enumerate(batch):
            others = [u for i, u in enumerate(updates) if i != index]
            orders = [applied(model, before, [*chosen, updates[index]])
                      for size in range(len(others) + 1)
                      for chosen in combinations(others, size)]
            if step.exchange.status != 200:
                fail_batch(ctx, batch, step.exchange,
                           actual=f"{step.exchange.status} {step.exchange.body_text(200)}",
                           expected="200 (a valid update of its own field)",
                           title=f"{step.what} of {len(batch)} sent at once: answered "
                                 f"{step.exchange.status}")
            body = step.exchange.json_or_none()
            if not any(not model.differences(state, body) for state in orders):
                fail_batch(ctx, batch, step.exchange,
                           actual="; ".join(model.differences(orders[-1], body)),
                           expected="the campaign after this update in some serial order",
                           title=f"{step.what} of {len(batch)} sent at once: the answer is "
                                 "no serial order of the updates")
        read_back(ctx, model, batch, applied(model, before, updates),
                  title=f"{len(batch)} updates sent at once, all acknowledged, "
                        "not all applied (a lost update)")


@check(
    id="concurrent_identical_updates_agree",
    level=MUST,
    area="histories",
    cites=[PARTIAL, RETURNS_UPDATED],
)
def concurrent_identical_updates_agree(ctx: Context) -> None:
    """The same update sent several times at once gets one answer.

    Sends one valid update (a new name with new calls) two to eight times
    at the same moment, a few rounds: every answer is 200 with the same
    governed body, and the campaign read afterwards shows the update.
    """
    width = parallelism(ctx)
    model = model_for(ctx)
    contract = ctx.operation.contract
    for round_ in range(ROUNDS.get(ctx.profile.name, ROUNDS["quick"])):
        before = current(ctx, model)
        update = {**distinct_updates(ctx, before, 0)[0],
                  **distinct_updates(ctx, before, round_ + 1)[0]}
        batch = send_batch(ctx, [update] * width, "identical update")
        expected = applied(model, before, [update])
        views = [contract.governed_view(s.exchange.json_or_none()) for s in batch]
        for step, view in zip(batch, views, strict=True):
            if step.exchange.status != 200 or model.differences(expected, view):
                fail_batch(ctx, batch, step.exchange,
                           actual=f"{step.exchange.status} " + (
                               "; ".join(model.differences(expected, view))
                               or step.exchange.body_text(200)),
                           expected=f"200 showing {expected.describe()}",
                           title=f"the same update sent {width} times at once: "
                                 f"{step.what} answered otherwise")
        if any(view != views[0] for view in views):
            fail_batch(ctx, batch, batch[-1].exchange,
                       actual="the answers' governed properties differ",
                       expected="one answer for one update",
                       title=f"the same update sent {width} times at once: answers differ")
        read_back(ctx, model, batch, expected,
                  title=f"the same update sent {width} times at once is not applied")
