"""What the field checks share: sending a case, refusing a batch of cases, proving
the campaign did not change, fresh names, and a schedule that lies in the future."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from strategies import InvalidBody, RawBody, invalid_bodies

from .._client import Exchange
from .._context import Context
from .._contract import load_contract

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


def send(ctx: Context, body: Any, *, campaign_id: str | None = None) -> Exchange:
    """PATCH one body: a RawBody goes out byte for byte, anything else as JSON."""
    if isinstance(body, RawBody):
        return ctx.patch(raw=body.content, content_type=body.content_type,
                         campaign_id=campaign_id)
    return ctx.patch(body, campaign_id=campaign_id)


def governed(body: Any, schema: str = "CampaignResponse") -> Any:
    """What a comparison of two bodies may look at: the properties the schema lists.

    Anything else a server adds (``updatedAt``, ``version``, an echoed
    ``dynamicVariables``, nested extras) is its own business and may move.
    """
    return load_contract().governed_view(body, schema)


def changed_fields(before: dict[str, Any], after: dict[str, Any],
                   schema: str = "CampaignResponse") -> list[str]:
    """Governed top-level properties whose values differ (present on one side only counts)."""
    one, two = governed(before, schema), governed(after, schema)
    return sorted(k for k in set(one) | set(two) if one.get(k, ...) != two.get(k, ...))


def expect_unchanged(ctx: Context, before: dict[str, Any], *, what: str) -> None:
    """Read the campaign again and fail, naming the fields, if it moved."""
    after = ctx.state()
    moved = changed_fields(before, after)
    if moved:
        shown = "; ".join(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in moved)
        ctx.fail(
            shown,
            expected=f"the campaign exactly as it was before {what}",
            title=f"{what} changed the campaign ({', '.join(moved)})",
        )


def refuse_all(ctx: Context, cases: Iterable[Case], statuses: Collection[int]) -> int:
    """Send every case, each to be refused with one of `statuses`; returns the count."""
    sent = 0
    for what, body in cases:
        ctx.expect_rejected(send(ctx, body), statuses, sent=what)
        sent += 1
    return sent


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


def refuse_generated(ctx: Context, bodies: Any, *, max_examples: int | None = None) -> None:
    """Send Hypothesis-drawn InvalidBody values; each answers one of its own statuses."""

    @ctx.given(bodies, max_examples=max_examples)
    def generated(case: InvalidBody) -> None:
        ctx.expect_rejected(send(ctx, case.body), case.statuses, sent=case.reason)

    generated()


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
