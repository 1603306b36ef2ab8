"""agentId: 1 to 64 characters, naming an agent of the account."""

from __future__ import annotations

import string
from typing import Any

from .._catalogue import MUST, Cite, check
from .._context import Context
from ._cites import OPERATION
from ._probing import (
    Sent,
    alone_and_beside,
    echoed,
    expect_unchanged,
    invalid_cases,
    refuse_all,
    refuse_generated,
    send_all,
)

_AGENT = "/components/schemas/UpdateCampaignRequest/properties/agentId"
MAX_LENGTH = Cite(f"{_AGENT}/maxLength", "64")
MIN_LENGTH = Cite(f"{_AGENT}/minLength", "1")
AGENT = Cite(
    f"{_AGENT}/description",
    "Unique identifier of the agent that will handle every call in this campaign.",
)
BAD_REQUEST = Cite(f"{OPERATION}/responses/400/description", "Bad Request")
NOT_FOUND = Cite(f"{OPERATION}/responses/404/description", "Not Found")
FORBIDDEN = Cite(f"{OPERATION}/responses/403/description", "Forbidden")
RESPONSE_AGENT = Cite(
    "/components/schemas/AgentResponse/properties/agentId/description",
    "The unique identifier of the agent within the system.",
)

# Characters appended to ids at the limit; quick runs try the upper-case
# letters only (a request each), deep runs all of them.
EXTENSION_CHARS = string.ascii_uppercase + string.digits + string.ascii_lowercase + "_-"
QUICK_EXTENSIONS = len(string.ascii_uppercase)


def agent_id_bounds(ctx: Context) -> tuple[int, int]:
    """The lengths the contract allows an agentId, in characters."""
    low, high = ctx.contract.field("agentId").length_bounds
    assert high is not None, "the contract bounds agentId"
    return low, high


def _current_agent(state: dict[str, Any]) -> Any:
    agent = state.get("agent")
    return agent.get("agentId") if isinstance(agent, dict) else None


def _echoed(ctx: Context, agent_id: str, *, what: str) -> Sent:
    """The agent to set, to be answered 200 showing it in agent.agentId."""
    return echoed(ctx, "agentId", agent_id, shown_at="agent.agentId", read=_current_agent,
                  what=what, noun="agent")


@check(
    id="known_agents_accepted",
    level=MUST,
    area="agentId",
    cites=[AGENT, MIN_LENGTH, MAX_LENGTH, RESPONSE_AGENT],
)
def known_agents_accepted(ctx: Context) -> None:
    """Every agent of the account is accepted and echoed in agent.agentId.

    Sets each id of the target file's agent_ids in turn (ids of 1 and 64
    characters test the length bounds); each answer must carry it.
    """
    current = _current_agent(ctx.state())
    agents = sorted(ctx.fixtures.agent_ids, key=lambda a: a == current)
    # Each answer shows its own agent: they are judged each on its own.
    send_all(ctx, [_echoed(ctx, agent_id, what=f"agentId {agent_id!r} of the account")
                   for agent_id in agents])


def _extensions(ctx: Context) -> list[str]:
    """One-character extensions of the account's ids at the 64-character limit.

    An account may hold legacy ids just over the limit; these near misses of
    the longest ids are where such a record would lie.
    """
    count = len(EXTENSION_CHARS) if ctx.profile.name == "deep" else QUICK_EXTENSIONS
    known = set(ctx.fixtures.agent_ids)
    longest = agent_id_bounds(ctx)[1]
    return [
        agent_id + char
        for agent_id in ctx.fixtures.agent_ids
        if len(agent_id) == longest
        for char in EXTENSION_CHARS[:count]
        if agent_id + char not in known
    ]


@check(
    id="agent_id_length_enforced",
    level=MUST,
    area="agentId",
    cites=[MIN_LENGTH, MAX_LENGTH, BAD_REQUEST],
)
def agent_id_length_enforced(ctx: Context) -> None:
    """agentId outside 1..64 characters is rejected with 400.

    Checks both sides of each bound: the account's 1- and 64-character ids
    (if the target file has them) are accepted; "", 65 and 300 characters,
    the account's 64-character ids with one character appended, and
    generated overlong ids are rejected. The campaign must not change.
    """
    shortest, longest = agent_id_bounds(ctx)
    send_all(ctx, [_echoed(ctx, agent_id,
                           what=f"agentId of {len(agent_id)} characters at the bound")
                   for agent_id in ctx.fixtures.agent_ids
                   if len(agent_id) in (shortest, longest)])
    before = ctx.state()
    token = format(ctx.seed_for("agent"), "016x")
    filler = "agent_" + token * (max(300, 2 * longest) // len(token) + 1)
    cases = [('agentId ""', {"agentId": ""})]
    if shortest > 1:
        cases.append((f"agentId of {shortest - 1} characters", {"agentId": filler[:shortest - 1]}))
    for size in (longest + 1, max(300, 2 * longest)):
        cases.append((f"agentId of {size} characters", {"agentId": filler[:size]}))
    cases += [(f"agentId of {longest + 1} characters, an account id plus {ext[-1]!r}",
               {"agentId": ext})
              for ext in _extensions(ctx)]
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "agent_id_length_enforced"),
                     max_examples=max(3, ctx.profile.max_examples // 2))
    expect_unchanged(ctx, before, what="agent ids of a wrong length")


@check(
    id="unknown_agent_rejected",
    level=MUST,
    area="agentId",
    cites=[AGENT, BAD_REQUEST, NOT_FOUND],
)
def unknown_agent_rejected(ctx: Context) -> None:
    """An agentId that names no agent of the account is refused: 400 or 404.

    Sends well-formed ids of no agent (short, typical, exactly 64
    characters) and generated ones; the campaign must not change.
    """
    before = ctx.state()
    token = format(ctx.seed_for("unknown-agent"), "016x")
    known = {*ctx.fixtures.agent_ids, ctx.fixtures.foreign_agent_id}
    longest = agent_id_bounds(ctx)[1]
    candidates = [
        f"agent_{token}",
        f"agent_NoSuchAgent{token[:8]}",
        ("agent_" + token * (longest // len(token) + 1))[:longest],
        f"{token[:4]}",
    ]
    cases = [(f"agentId {c!r} of no agent", {"agentId": c}) for c in candidates
             if c not in known]
    refuse_all(ctx, cases, {400, 404})
    refuse_generated(ctx, invalid_cases(ctx, "unknown_agent_rejected"))
    expect_unchanged(ctx, before, what="agent ids of no agent")


@check(
    id="foreign_agent_refused",
    level=MUST,
    area="agentId",
    cites=[AGENT, FORBIDDEN, NOT_FOUND],
    needs=("foreign_agent_id",),
)
def foreign_agent_refused(ctx: Context) -> None:
    """Another account's agent is refused: 400, 403 or 404.

    Sends the target file's foreign_agent_id alone and beside a valid
    concurrentCalls change; the campaign must not change.
    """
    foreign = ctx.fixtures.foreign_agent_id
    assert foreign is not None
    before = ctx.state()
    cases = alone_and_beside(before, "another account's agentId", "agentId", foreign)
    refuse_all(ctx, cases, {400, 403, 404})
    expect_unchanged(ctx, before, what="another account's agent")
