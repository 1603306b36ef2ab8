"""Histories: the contract kept over sequences of requests, not single ones.

A Hypothesis state machine keeps the behaviour model (conformance/_model.py)
beside the target and sends random sequences of every kind of request the
single-request checks send, on the same kept-alive connection: partial
updates of any subset of fields, invalid fields alone or beside valid ones,
schedules and unschedules in many zones (DST gaps and overlaps too), renames
(back to earlier names and to the taken one), schedule fields without the
flag, empty bodies, refused credentials and an unknown campaign. Values come
from small pools, so repeats of current and earlier values, returns to
earlier states and quick bursts of the same request are likely. After every
step the answer is judged by the model and the state the server shows must
be the model's (governed properties only).

A failure reads as a numbered list of the requests with their answers, and
one shell script that replays them (the key from the environment). The
deep profile shrinks it to the shortest failing history first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import hypothesis
from hypothesis import Verbosity
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from .._catalogue import MUST, CheckFailure, Cite, check
from .._client import Exchange
from .._context import Context
from .._contract import Contract
from .._model import (
    ABSENT,
    DECISIVE_MARGIN,
    BehaviourModel,
    ModelRequest,
    State,
    Verdict,
)
from .._run import failure_of
from ._cites import OPERATION
from ._probing import model_for

_REQUEST = "/components/schemas/UpdateCampaignRequest/properties"
PARTIAL = Cite(
    f"{OPERATION}/description",
    "Only fields provided in the request body are updated — omitted fields remain unchanged.",
)
RETURNS_UPDATED = Cite(f"{OPERATION}/description", "Returns the updated campaign record.")
UNIQUE = Cite(f"{_REQUEST}/campaignName/description", "Must be unique within your account.")
REQUIRED_WHEN = Cite(f"{_REQUEST}/scheduledDate/description",
                     "Required when isScheduled is true.")
IGNORED = Cite(f"{_REQUEST}/scheduledDate/description",
               "Ignored when isScheduled is false or omitted.")
IN_ZONE = Cite(f"{_REQUEST}/scheduledTime/description",
               "Interpreted in the timezone specified by scheduledTimezone.")

# (sequences, steps per sequence) of each profile.
SEQUENCES = {"quick": (10, 8), "deep": (200, 25)}
WRONG_KEY = "conformance-wrong-key"
UNKNOWN_CAMPAIGN = "camp_ConformanceNoSuchCampaign"
SCRIPT_NAME = "replay.sh"


# ----------------------------------------------------------------- values


@dataclass(frozen=True)
class Palette:
    """The small pools every rule draws from: repeats are the point."""

    names: tuple[str, ...]
    taken: str
    agents: tuple[str, ...]
    numbers: tuple[str, ...]
    calls: tuple[int, ...]
    schedules: tuple[dict[str, Any], ...]
    past_schedules: tuple[dict[str, Any], ...]
    invalid: tuple[tuple[str, dict[str, Any]], ...]
    malformed_schedule_parts: tuple[dict[str, Any], ...]
    variables: tuple[dict[str, Any], ...] = ()


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def palette(ctx: Context, contract: Contract, initial: State) -> Palette:
    fixtures = ctx.fixtures
    token = format(ctx.seed_for("histories") % 0x10000, "04x")
    original = initial.get("campaignName")
    fresh = [f"History {token}-{k}" for k in range(3)]
    # Another account's name is free in this one (names are unique per account).
    foreign = [fixtures.foreign_campaign_name] if fixtures.foreign_campaign_name else []
    names = tuple(n for n in [original, *fresh, *foreign]
                  if isinstance(n, str) and n and n != fixtures.taken_campaign_name)
    name_rule, agent_rule = contract.field("campaignName"), contract.field("agentId")
    low, high = contract.field("concurrentCalls").integer_bounds
    calls = tuple(sorted({low, low + 1, 3, 7, high, *(
        [initial.get("concurrentCalls")] if isinstance(initial.get("concurrentCalls"), int)
        else [])}))
    year = ctx.now().year + 2
    flag, parts = contract.schedule_flag, contract.schedule_fields

    def schedule(day: date, clock: str, zone: str) -> dict[str, Any]:
        return {flag: True, **dict(zip(parts, (day.isoformat(), clock, zone), strict=True))}

    schedules = (
        schedule(date(year, 9, 25), "12:00:00", "America/Los_Angeles"),
        schedule(date(year, 3, 20), "09:15:00", "Europe/Berlin"),
        schedule(date(year, 1, 15), "12:00:00", "Pacific/Chatham"),
        schedule(date(year, 6, 1), "00:00:00", "Pacific/Kiritimati"),
        schedule(date(year, 3, 10), "10:00:00", "Asia/Kathmandu"),
        schedule(date(year, 11, 2), "08:00:00", "UTC"),
        # A skipped and a repeated local time: either reading is allowed.
        schedule(_nth_weekday(year, 3, 6, 2), "02:30:00", "America/New_York"),
        schedule(_nth_weekday(year, 11, 6, 1), "01:30:00", "America/New_York"),
    )
    past = (schedule(date(ctx.now().year - 1, 6, 1), "12:00:00", "UTC"),)
    too_long = "x" * ((name_rule.max_length or 128) + 1)
    unknown_agent = f"agent_NoSuch{token}"
    unprovisioned = next(n for n in (f"+1999555{k:04d}" for k in range(10000))
                         if n not in fixtures.phone_numbers
                         and n not in fixtures.outbound_disabled_numbers
                         and n != fixtures.foreign_phone_number)
    invalid: list[tuple[str, dict[str, Any]]] = [
        ("an empty campaignName", {"campaignName": ""}),
        ("a campaignName one code point too long", {"campaignName": too_long}),
        ("an agentId one character too long",
         {"agentId": "a" * ((agent_rule.max_length or 64) + 1)}),
        ("an unknown agentId", {"agentId": unknown_agent}),
        ("a sipPhoneNumber that is no E.164 number", {"sipPhoneNumber": "not a number"}),
        ("a number the account does not have", {"sipPhoneNumber": unprovisioned}),
        (f"concurrentCalls {low - 1}", {"concurrentCalls": low - 1}),
        (f"concurrentCalls {high + 1}", {"concurrentCalls": high + 1}),
        ("concurrentCalls as a string", {"concurrentCalls": "5"}),
        ("concurrentCalls 2.5", {"concurrentCalls": 2.5}),
        ("a null campaignName", {"campaignName": None}),
        ("isScheduled as a string", {flag: "true"}),
        ("isScheduled true without the schedule", {flag: True}),
        ("a schedule in the past", dict(past[0])),
        ("a schedule in an unknown zone", {**schedules[0], parts[2]: "Mars/Olympus"}),
        ("a schedule at 24:00:00", {**schedules[0], parts[1]: "24:00:00"}),
        ("a schedule on 30 February", {**schedules[0], parts[0]: f"{year}-02-30"}),
    ]
    if fixtures.foreign_agent_id:
        invalid.append(("another account's agent", {"agentId": fixtures.foreign_agent_id}))
    if fixtures.foreign_phone_number:
        invalid.append(("another account's number",
                        {"sipPhoneNumber": fixtures.foreign_phone_number}))
    for number in fixtures.outbound_disabled_numbers[:1]:
        invalid.append(("a number not enabled for outbound calls", {"sipPhoneNumber": number}))
    malformed = (
        {parts[0]: "tomorrow"},
        {parts[1]: "25:00:00"},
        {parts[2]: "Mars/Olympus"},
        {parts[0]: 20991231},
    )
    variables = tuple({"dynamicVariables": {name: value}}
                      for name in fixtures.dynamic_variable_names[:2]
                      for value in ("Michael", 3))
    return Palette(
        names=names,
        taken=fixtures.taken_campaign_name,
        agents=fixtures.agent_ids,
        numbers=fixtures.phone_numbers,
        calls=calls,
        schedules=schedules,
        past_schedules=past,
        invalid=tuple(invalid),
        malformed_schedule_parts=malformed,
        # Which agent defines which variable is not readable here, and histories
        # change the agent: variables go only to a loopback target.
        variables=variables if ctx.target.is_loopback else (),
    )


def rotation(pool: Palette, flag: str, turn: int) -> dict[str, Any]:
    """The `turn`-th of a cycle of partial updates over the pools: each turn leaves
    some fields out, values come back after a few turns, every fourth renames to
    the taken name (409) and every fifth carries one invalid field (400)."""
    choices: list[tuple[str, tuple[Any, ...]]] = [
        ("campaignName", pool.names), ("agentId", pool.agents),
        ("sipPhoneNumber", pool.numbers), ("concurrentCalls", pool.calls),
        ("schedule", (*pool.schedules[:2], {flag: False})),
    ]
    body: dict[str, Any] = {}
    for index, (name, values) in enumerate(choices):
        if (turn + index) % 3 == 0:
            continue
        value = values[(turn // 2 + index) % len(values)]
        if name == "schedule":
            body.update(value)
        else:
            body[name] = value
    if turn % 4 == 3:
        body["campaignName"] = pool.taken
    elif turn % 5 == 4:
        body.update(pool.invalid[turn % len(pool.invalid)][1])
    return body


def valid_updates(pool: Palette, flag: str) -> st.SearchStrategy[dict[str, Any]]:
    """Partial updates of any subset of fields, from the pools (the taken name included)."""
    schedule_choice = st.one_of(st.sampled_from(pool.schedules), st.just({flag: False}))
    optional: dict[str, st.SearchStrategy[Any]] = {
        "campaignName": st.sampled_from((*pool.names, pool.taken)),
        "agentId": st.sampled_from(pool.agents),
        "sipPhoneNumber": st.sampled_from(pool.numbers),
        "concurrentCalls": st.sampled_from(pool.calls),
        "schedule": schedule_choice,
    }
    if pool.variables:
        optional["variables"] = st.sampled_from(pool.variables)

    def flatten(parts: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for key, value in parts.items():
            if key in ("schedule", "variables"):
                body.update(value)
            else:
                body[key] = value
        return body

    return st.fixed_dictionaries({}, optional=optional).filter(bool).map(flatten)


# ---------------------------------------------------------------- history


@dataclass
class Step:
    what: str
    request: ModelRequest
    exchange: Exchange
    verdict: Verdict | None = None


@dataclass
class History:
    steps: list[Step] = field(default_factory=list)

    def render(self, *, parallel: bool = False) -> str:
        """Numbered requests with their answers, then a shell script replaying them
        (the requests of a parallel batch go out together: `&` and `wait`)."""
        heading = ("Requests sent together, as answered:" if parallel
                   else "History (every request of this sequence, in order):")
        lines = [heading]
        for number, step in enumerate(self.steps, 1):
            exchange = step.exchange
            answer = (f"{exchange.status} {exchange.body_text(240)}" if exchange.status
                      else exchange.error or "no answer")
            lines.append(f"  {number}. {step.what}: {exchange.method} {exchange.path} "
                         f"{exchange.request_text(240)}")
            lines.append(f"     -> {answer}")
            if step.verdict is not None and not step.verdict.ok:
                lines.append(f"     expected {step.verdict.expected}: {step.verdict.reason}")
        lines.append(f"Replay ({SCRIPT_NAME}, the key from the environment):")
        lines.append("  #!/bin/sh")
        for number, step in enumerate(self.steps, 1):
            if parallel:
                lines.append(f"  {step.exchange.curl()} > answer-{number}.txt &")
            else:
                lines.append(f"  echo '--- {number}. {_shell_comment(step.what)}'; "
                             f"{step.exchange.curl()}; echo")
        if parallel:
            lines.append("  wait; cat answer-*.txt")
        return "\n".join(lines)


def _shell_comment(text: str) -> str:
    return text.replace("'", "")


class HistoryFailure(CheckFailure):
    """A step of a history broke the model; carries the history that led there."""

    def __init__(self, actual: str, *, expected: str, exchange: Exchange, title: str,
                 history: str) -> None:
        super().__init__(actual, expected=expected, exchange=exchange, title=title)
        self.history = history
        self.steps = 0


def _history_failure(exc: BaseException) -> HistoryFailure | None:
    found = failure_of(exc)
    return found if isinstance(found, HistoryFailure) else None


# ------------------------------------------------------------------ machine


class Sequencer:
    """Sends one step, judges it by the model, and keeps the model's state."""

    def __init__(self, ctx: Context, model: BehaviourModel,
                 failures: list[HistoryFailure] | None = None) -> None:
        self.ctx = ctx
        self.model = model
        self.history = History()
        self.state: State | None = None
        self.failures = failures if failures is not None else []
        self.seen: list[State] = []  # every state the server has shown, in order
        self.last: tuple[str, ModelRequest, dict[str, Any]] | None = None

    def read(self, what: str) -> State:
        exchange = self.ctx.patch({})
        step = Step(what, ModelRequest({}), exchange)
        self.history.steps.append(step)
        observed = self.model.observe(exchange.json_or_none()) if exchange.status == 200 else None
        if observed is None:
            self.fail(step, Verdict(False, "200 with the campaign",
                                    (f"answered {exchange.status} {exchange.body_text(200)}",)))
        assert observed is not None
        self.state = observed
        self.seen.append(observed)
        return observed

    def send(self, what: str, request: ModelRequest, **kwargs: Any) -> None:
        assert self.state is not None
        body = request.body
        if request.credentials == "missing":
            kwargs["api_key"] = None
        elif request.credentials == "wrong":
            kwargs["api_key"] = WRONG_KEY
        if request.campaign == "unknown":
            kwargs["campaign_id"] = UNKNOWN_CAMPAIGN
        exchange = (self.ctx.patch(**kwargs) if body is ABSENT
                    else self.ctx.patch(body, **kwargs))
        verdict = self.model.judge(self.state, request, exchange.status, exchange.json_or_none())
        step = Step(what, request, exchange, verdict)
        self.history.steps.append(step)
        self.last = (what, request, kwargs)
        if not verdict.ok:
            self.fail(step, verdict)
        assert verdict.state is not None
        self.state = verdict.state
        if exchange.status == 200:
            self.seen.append(verdict.state)

    def repeat(self, times: int) -> None:
        if self.last is None:
            return
        what, request, kwargs = self.last
        for _ in range(times):
            self.send(f"{what} (again)", request, **{k: v for k, v in kwargs.items()
                                                      if k != "campaign_id"})

    def fail(self, step: Step, verdict: Verdict) -> None:
        number = len(self.history.steps)
        self.state = None  # nothing more is sent in this sequence
        failure = HistoryFailure(
            verdict.reason,
            expected=verdict.expected,
            exchange=step.exchange,
            title=f"step {number} of a history ({step.what}): {verdict.reason}",
            history=self.ctx.client.redact(self.history.render()),
        )
        failure.steps = number
        self.failures.append(failure)
        raise failure


def state_machine(ctx: Context, model: BehaviourModel, pool: Palette,
                  failures: list[HistoryFailure]) -> type[RuleBasedStateMachine]:
    """The machine class for this run (rules close over the context and the pools);
    every failing history is appended to `failures`."""
    flag = model.flag
    parts = model.schedule_parts
    updates = valid_updates(pool, flag)

    class Histories(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.seq = Sequencer(ctx, model, failures)

        @initialize()
        def read_the_campaign(self) -> None:
            self.seq.read("read the campaign (empty update)")
            self.turn = 0

        @rule()
        def advance_some_fields(self) -> None:
            # Hypothesis's simplest history repeats its first rule (no arguments
            # first, then by name): this one, so even that history moves fields
            # on, leaves some alone and comes back to earlier values.
            body = rotation(pool, flag, self.turn)
            self.turn += 1
            self.seq.send(f"change {', '.join(body)}", ModelRequest(body))

        @rule(body=updates)
        def partial_update(self, body: dict[str, Any]) -> None:
            self.seq.send(f"update {', '.join(body) or 'nothing'}", ModelRequest(body))

        @rule(name=st.sampled_from((*pool.names, pool.taken)))
        def rename(self, name: str) -> None:
            self.seq.send(f"rename to {name!r}", ModelRequest({"campaignName": name}))

        @rule(body=st.sampled_from(pool.schedules))
        def schedule(self, body: dict[str, Any]) -> None:
            self.seq.send(f"schedule {body[parts[0]]} {body[parts[1]]} {body[parts[2]]}",
                          ModelRequest(body))

        @rule()
        def unschedule(self) -> None:
            self.seq.send(f"{flag} false", ModelRequest({flag: False}))

        @rule(case=st.sampled_from(pool.invalid), beside=st.one_of(st.just({}), updates))
        def invalid_update(self, case: tuple[str, dict[str, Any]],
                           beside: dict[str, Any]) -> None:
            what, bad = case
            body = {**beside, **bad}
            extra = f" beside {', '.join(k for k in beside if k not in bad)}" if beside else ""
            self.seq.send(f"{what}{extra}", ModelRequest(body))

        @rule(fields=st.sampled_from((*pool.malformed_schedule_parts, *[
            {k: v for k, v in s.items() if k != flag} for s in pool.schedules[:3]])),
            unflag=st.booleans())
        def schedule_fields_without_flag(self, fields: dict[str, Any], unflag: bool) -> None:
            body = {flag: False, **fields} if unflag else dict(fields)
            how = f"with {flag} false" if unflag else f"without {flag}"
            self.seq.send(f"schedule fields {how}", ModelRequest(body))

        @rule(name=st.sampled_from(("agentId", "sipPhoneNumber", "concurrentCalls")),
              pick=st.integers(0, 7))
        def change_one_field(self, name: str, pick: int) -> None:
            values = {"agentId": pool.agents, "sipPhoneNumber": pool.numbers,
                      "concurrentCalls": pool.calls}[name]
            value = values[pick % len(values)]
            self.seq.send(f"set {name} to {value!r}", ModelRequest({name: value}))

        @rule(pick=st.integers(0, 1000))
        def return_to_earlier_state(self, pick: int) -> None:
            if not self.seq.seen:
                return
            earlier = self.seq.seen[pick % len(self.seq.seen)]
            body = state_body(earlier, model, ctx.now())
            self.seq.send("return to an earlier state", ModelRequest(body))

        @rule()
        def empty_update(self) -> None:
            self.seq.send("empty update", ModelRequest({}))

        @rule(kind=st.sampled_from(("missing", "wrong")), body=updates)
        def refused_credentials(self, kind: str, body: dict[str, Any]) -> None:
            self.seq.send(f"an update with a {kind} API key", ModelRequest(body, credentials=kind))

        @rule(body=updates)
        def unknown_campaign(self, body: dict[str, Any]) -> None:
            self.seq.send("an update of an unknown campaign",
                          ModelRequest(body, campaign="unknown"))

        @rule(times=st.integers(1, 3))
        def burst(self, times: int) -> None:
            self.seq.repeat(times)

        def teardown(self) -> None:
            if self.seq.state is None:
                return
            self.seq.send("read the campaign again (empty update)", ModelRequest({}))

    return Histories


def state_body(state: State, model: BehaviourModel, now: datetime) -> dict[str, Any]:
    """The update that brings the campaign back to `state` (its schedule given in UTC;
    a schedule too close to now to be accepted for sure is left out)."""
    body = {name: value for name, value in state.values.items() if value is not ABSENT}
    if not state.scheduled:
        body[model.flag] = False
    elif state.instants and min(state.instants) > now + DECISIVE_MARGIN:
        instant = min(state.instants).astimezone(UTC)
        body.update({model.flag: True, **dict(zip(model.schedule_parts, (
            instant.strftime("%Y-%m-%d"), instant.strftime("%H:%M:%S"), "UTC"), strict=True))})
    return body


def history_settings(ctx: Context) -> hypothesis.settings:
    sequences, steps = SEQUENCES.get(ctx.profile.name, SEQUENCES["quick"])
    return ctx.hypothesis_settings(
        max_examples=sequences, stateful_step_count=steps, verbosity=Verbosity.quiet
    )


def run_histories(ctx: Context, machine: type[RuleBasedStateMachine],
                  failures: list[HistoryFailure]) -> None:
    """Run the machine with the run's seed; a failure carries its history as a note.

    A server keeps its state between sequences, so replaying a shortened
    history may not fail again (Hypothesis then calls it flaky): the
    shortest history that did fail is reported.
    """
    # The machine's class through a partial: Hypothesis digests a factory's
    # source for its example database (there is none here), and finding a
    # class's source means parsing its whole module (about 40 ms a run); a
    # partial has none to find. The seed and the machines run are the same.
    test: Any = hypothesis.seed(ctx.seed_for("histories"))(partial(machine))
    try:
        run_state_machine_as_test(test, settings=history_settings(ctx))
    except BaseException as exc:
        failure = _history_failure(exc)
        if failure is None and failures:
            failure = min(failures, key=lambda f: f.steps)
        if failure is None:
            raise
        # Hypothesis's own notes repeat the steps as Python; the history says it for HTTP.
        failure.__notes__ = [failure.history]
        if failure is not exc:
            raise failure from None
        raise


@check(
    id="histories_follow_the_model",
    level=MUST,
    area="histories",
    cites=[PARTIAL, RETURNS_UPDATED, UNIQUE, REQUIRED_WHEN, IGNORED, IN_ZONE],
)
def histories_follow_the_model(ctx: Context) -> None:
    """Every answer of any history is one the contract allows.

    Runs random sequences (quick: 10 of 8 steps; deep: 200 of 25, shrunk)
    of partial updates, invalid fields, schedules in many zones,
    unschedules, renames (back and to the taken name), schedule fields
    without the flag, empty bodies, refused keys and bursts; each answer
    and the state shown must be the behaviour model's.
    """
    model = model_for(ctx)
    initial = Sequencer(ctx, model).read("read the campaign (empty update)")
    pool = palette(ctx, ctx.operation.contract, initial)
    failures: list[HistoryFailure] = []
    run_histories(ctx, state_machine(ctx, model, pool, failures), failures)

