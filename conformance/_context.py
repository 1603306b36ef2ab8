"""What a check works with: the target, its fixtures, a recorded client, and helpers
that turn a response into Expected / Actual failures."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from concurrent.futures import Future
from datetime import datetime, timedelta
from typing import Any, NoReturn

import hypothesis

from ._catalogue import Check, CheckFailure, MissingFixture, NotExercised
from ._client import _UNSET, Client, Exchange
from ._clock import TargetClock
from ._contract import Contract, contract_of
from ._model import http_refusal
from ._operation import Operation
from ._prepared import Job, outcome
from ._profiles import Profile, given_seeded, hypothesis_settings
from ._spec import Spec
from ._target import Fixtures, Target


def describe_statuses(statuses: Collection[int]) -> str:
    ordered = sorted(statuses)
    if len(ordered) == 1:
        return str(ordered[0])
    return ", ".join(str(s) for s in ordered[:-1]) + f" or {ordered[-1]}"


class Context:
    """Handed to every check; one per check run."""

    def __init__(
        self,
        *,
        target: Target,
        client: Client,
        spec: Spec,
        profile: Profile,
        seed: int,
        level: str,
        check: Check,
        clock: TargetClock | None = None,
        prepared: tuple[Future[Any], Job] | None = None,
    ) -> None:
        self.target = target
        self.client = client
        self.spec = spec
        self.profile = profile
        self.seed = seed
        self.level = level
        self.check = check
        self.clock = clock if clock is not None else TargetClock()
        self.exercised = False
        self._prepared = prepared

    @property
    def fixtures(self) -> Fixtures:
        return self.target.fixtures

    @property
    def campaign_id(self) -> str:
        return self.target.fixtures.campaign_id

    @property
    def operation(self) -> Operation:
        """The operation under test: what the client sends, and what the spec judges by."""
        return self.client.operation

    @property
    def contract(self) -> Contract:
        """Bounds, patterns and field maps of the operation, read from the run's document."""
        return contract_of(self.spec, self.operation)

    # -- sending ----------------------------------------------------------
    def patch(
        self,
        body: Any = _UNSET,
        *,
        campaign_id: str | None = None,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        api_key: Any = _UNSET,
        headers: dict[str, str] | None = None,
        hostile: bool = False,
        query: dict[str, str] | None = None,
    ) -> Exchange:
        """PATCH the campaign; a request that gets no answer fails the check."""
        exchange = self.client.send(
            campaign_id or self.campaign_id,
            body=body,
            raw=raw,
            content_type=content_type,
            api_key=api_key,
            headers=headers,
            hostile=hostile,
            query=query,
        )
        self.observe_clock(exchange)
        self.expect_answered(exchange)
        return exchange

    def batch_width(self) -> int:
        """How many independent requests may go out at once (`Target.parallel`),
        or 1 once a request sent beside others got no answer: the target may
        serve one connection at a time, and the rest of the run waits for none."""
        if self.client.one_at_a_time is not None:
            return 1
        return self.target.parallel

    def patch_batch(self, calls: list[dict[str, Any]]) -> list[Exchange]:
        """PATCH the campaign once per call (`patch`'s keyword arguments), all at once.

        Nothing is judged here, not even that an answer came (see
        `expect_answered`): the caller judges each exchange in order.
        """
        exchanges = self.client.send_parallel(
            [{"campaign_id": self.campaign_id, **call} for call in calls])
        for exchange in exchanges:
            self.observe_clock(exchange)
        return exchanges

    def state(self) -> dict[str, Any]:
        """The campaign as an empty update returns it.

        A read that would directly follow another successful read, with nothing
        sent in between (the last check's closing read, say), is answered by
        that read: the target has seen no request since, and an empty update
        changes nothing.
        """
        last = self.client.exchanges[-1] if self.client.exchanges else None
        if last is not None and last is self.client.last_state_read:
            exchange = last
        else:
            exchange = self.patch({})
        if exchange.status != 200:
            raise CheckFailure(
                f"{exchange.status} {exchange.body_text(200)}",
                expected="200 with the campaign (an empty update changes nothing)",
                exchange=exchange,
                title="cannot read the campaign's state with an empty update",
            )
        state = self.expect_object(exchange)
        self.client.last_state_read = exchange
        return state

    # -- judging ------------------------------------------------------------
    def expect_answered(self, exchange: Exchange) -> None:
        """A request that got no answer fails the check."""
        if exchange.error is not None:
            raise CheckFailure(
                exchange.error,
                expected="an HTTP response",
                exchange=exchange,
                title=f"the target did not answer: {exchange.error}",
            )

    def expect_object(self, exchange: Exchange) -> dict[str, Any]:
        body = exchange.json_or_none()
        if not isinstance(body, dict):
            raise CheckFailure(
                f"body {exchange.body_text(200)!r}",
                expected="a JSON object body",
                exchange=exchange,
                title=f"{exchange.status} response body is not a JSON object",
            )
        return body

    def expect_status(
        self, exchange: Exchange, allowed: Collection[int], *, sent: str
    ) -> None:
        if exchange.status not in allowed:
            raise CheckFailure(
                f"{exchange.status} {exchange.body_text(200)}",
                expected=describe_statuses(allowed),
                exchange=exchange,
                title=f"{sent}: answered {exchange.status}, "
                f"expected {describe_statuses(allowed)}",
            )

    def expect_ok(self, exchange: Exchange, *, sent: str) -> dict[str, Any]:
        """A 200 with a JSON object body, which is returned."""
        self.expect_status(exchange, {200}, sent=sent)
        return self.expect_object(exchange)

    def expect_rejected(
        self, exchange: Exchange, allowed: Collection[int] = (400,), *, sent: str
    ) -> dict[str, Any]:
        """An error status from `allowed` with a JSON object (Error) body.

        HTTP's own 413, 414 or 415 refusing a body too large, a path too long
        or a body not sent as JSON is a refusal too, with whatever body HTTP
        gives it (erratum http-refusals-of-bodies); {} is returned for that
        body.
        """
        if http_refusal(exchange):
            return {}
        self.expect_status(exchange, allowed, sent=sent)
        return self.expect_object(exchange)

    def fail(self, actual: str, *, expected: str, exchange: Exchange | None = None,
             title: str | None = None) -> NoReturn:
        raise CheckFailure(actual, expected=expected, exchange=exchange, title=title)

    def require(self, *names: str) -> None:
        missing = [n for n in names if not getattr(self.fixtures, n)]
        if missing:
            raise MissingFixture(missing)

    def not_exercised(self, reason: str) -> NoReturn:
        raise NotExercised(reason)

    def observe_clock(self, exchange: Exchange) -> None:
        self.clock.observe_exchange(exchange.response_headers.get("date"), exchange.elapsed,
                                    answered=exchange.status is not None)

    def now(self) -> datetime:
        """The target's "now": our clock plus the offset its Date headers show.

        Before any exchange has been seen, an empty update (which changes
        nothing) is sent once to read the target's Date header.
        """
        if not self.clock.exchanges_seen:
            self.observe_clock(self.client.send(self.campaign_id, body={}))
        return self.clock.now()

    def margin(self) -> timedelta:
        """How far from the target's "now" a time-dependent case must lie to be decisive."""
        return self.clock.margin

    # -- property-based probing -----------------------------------------
    def seed_for(self, name: str) -> int:
        digest = hashlib.sha256(f"{self.seed}:{self.check.id}:{name}".encode()).digest()
        return int.from_bytes(digest[:8], "big")

    def prepared(self) -> Any:
        """What the check's declared work (`Check.prepare`) gives: the worker's result
        if the engine started it there, or computed here; None when the check
        declares no work for this run."""
        if self._prepared is not None:
            return outcome(*self._prepared)
        job = self.check.prepare(self) if self.check.prepare is not None else None
        return None if job is None else job()

    def hypothesis_settings(self, **changes: Any) -> hypothesis.settings:
        """The run's Hypothesis settings (`hypothesis_settings`)."""
        return hypothesis_settings(self.profile, **changes)

    def given(self, *args: Any, max_examples: int | None = None, **kwargs: Any
              ) -> Callable[[Callable[..., None]], Callable[[], None]]:
        """hypothesis.given with the run's profile and a seed derived from the run's
        and the decorated function's name (`seed_for`)."""
        def decorate(fn: Callable[..., None]) -> Callable[[], None]:
            return given_seeded(self.profile, self.seed_for(fn.__name__), fn, *args,
                                max_examples=max_examples, **kwargs)

        return decorate
