"""Independent requests sent at once: judged in order, confirmed alone, never
held against a target for being sent together (checks/_probing.send_each)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any

import httpx
import pytest
from misbehaving import RecordedClock

from conformance._catalogue import CheckFailure, load_catalogue
from conformance._client import Client
from conformance._context import Context
from conformance._har import har_document
from conformance._profiles import PROFILES
from conformance._spec import load_spec
from conformance._target import Fixtures, Limits, Secret, Target
from conformance.checks._probing import already_shows, refuse_each, refuse_generated, send_each
from conformance.checks.responses import judged
from strategies import invalid_bodies

KEY = "batch-key-0123456789"
CATALOGUE = load_catalogue()
ERROR = b'{"error": "Bad Request", "message": "no"}'


def context(transport: httpx.BaseTransport, *, concurrency: int | None = None) -> Context:
    fixtures = Fixtures(campaign_id="camp_1", taken_campaign_name="Taken",
                        agent_ids=("agent_one",), phone_numbers=("+14155550100",))
    target = Target(base_url="http://127.0.0.1:9", fixtures=fixtures, api_key=Secret(KEY),
                    limits=Limits(concurrency=concurrency))
    client = Client(target, transport=transport)
    return Context(target=target, client=client, spec=load_spec(), profile=PROFILES["quick"],
                   seed=7, level="full", check=CATALOGUE["phone_pattern_enforced"])


class Server(httpx.BaseTransport):
    """Answers each body with `answer(body, times seen before)`; counts requests in flight."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.seen: Counter[str] = Counter()
        self.order: list[str] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        self.together = threading.Barrier(2)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read().decode()
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            before = self.seen[body]
            self.seen[body] += 1
            self.order.append(body)
        try:
            status = self.answer(body, before)
            if status is None:
                raise httpx.ReadTimeout("no answer", request=request)
            return httpx.Response(status, headers={"content-type": "application/json"},
                                  stream=httpx.ByteStream(b"{}" if status == 200 else ERROR))
        finally:
            with self.lock:
                self.in_flight -= 1


def probes(n: int) -> list[tuple[str, dict[str, Any], set[int]]]:
    return [(f"probe {i}", {"body": {"n": i}}, {400}) for i in range(n)]


def test_refusals_go_out_a_batch_at_a_time_recorded_in_the_order_given() -> None:
    server = Server(lambda body, before: 400)
    ctx = context(server, concurrency=3)
    assert refuse_each(ctx, probes(7)) == 7
    assert [e.request_text() for e in ctx.client.exchanges] == [
        json.dumps({"n": i}) for i in range(7)]
    assert [e.number for e in ctx.client.exchanges] == list(range(1, 8))
    assert [e.batch for e in ctx.client.exchanges] == [3, 3, 3, 3, 3, 3, 0]
    assert server.most_in_flight <= 3
    entries = har_document(ctx.client.exchanges, redact=ctx.client.redact,
                           redact_bytes=ctx.client.redact.bytes,
                           started=ctx.clock.now())["log"]["entries"]
    assert [entry.get("_batch") for entry in entries] == [3, 3, 3, 3, 3, 3, None]


def test_one_at_a_time_without_concurrency() -> None:
    ctx = context(Server(lambda body, before: 400), concurrency=1)
    refuse_each(ctx, probes(4))
    assert [e.batch for e in ctx.client.exchanges] == [0, 0, 0, 0]


def test_an_answer_that_fails_only_in_a_batch_is_sent_again_alone() -> None:
    # The first answer to each body is a 500, every later one the refusal.
    server = Server(lambda body, before: 500 if before == 0 else 400)
    ctx = context(server, concurrency=3)
    refuse_each(ctx, probes(3))
    batched = [e for e in ctx.client.exchanges if e.batch == 3]
    alone = [e for e in ctx.client.exchanges if e.batch == 0]
    assert [e.status for e in batched] == [500, 500, 500]
    assert all(e.superseded for e in batched)
    assert [e.status for e in alone] == [400, 400, 400]
    # The run-wide response checks judge the answers that stand, not the set-aside ones.
    assert {e.status for e in judged(ctx)} == {400}


def test_the_same_answer_to_a_request_sent_alone_fails_the_check() -> None:
    server = Server(lambda body, before: 500 if before == 0 else 400)
    ctx = context(server, concurrency=1)
    with pytest.raises(CheckFailure, match="answered 500"):
        refuse_each(ctx, probes(3))


def test_a_fault_fails_with_the_exchange_sent_alone() -> None:
    server = Server(lambda body, before: 200 if body == json.dumps({"n": 1}) else 400)
    ctx = context(server, concurrency=3)
    with pytest.raises(CheckFailure) as failure:
        refuse_each(ctx, probes(6))
    evidence = failure.value.exchange
    assert evidence is not None and evidence.batch == 0 and evidence.status == 200
    assert evidence.request_text() == json.dumps({"n": 1})
    # Judged in order: the failure stops the run of probes, as one at a time would.
    assert server.seen[json.dumps({"n": 4})] == 0
    assert ctx.client.exchanges[1].superseded


def test_no_answer_in_a_batch_turns_the_rest_of_the_run_to_one_at_a_time() -> None:
    server = Server(lambda body, before: None if (body, before) == ('{"n": 1}', 0) else 400)
    ctx = context(server, concurrency=3)
    assert ctx.batch_width() == 3
    refuse_each(ctx, probes(6))
    assert ctx.client.one_at_a_time is not None and "no answer" in ctx.client.one_at_a_time
    assert ctx.batch_width() == 1
    assert [e.batch for e in ctx.client.exchanges[-3:]] == [0, 0, 0]


def test_an_unanswered_request_is_left_to_every_request_answered_when_asked() -> None:
    server = Server(lambda body, before: None if body == '{"n": 0}' else 400)
    ctx = context(server, concurrency=1)
    answers = send_each(ctx, [{"body": {"n": i}} for i in range(2)],
                        lambda index, exchange: None, unanswered_fails=False)
    assert [e.error is not None for e in answers] == [True, False]
    with pytest.raises(CheckFailure, match="did not answer"):
        send_each(ctx, [{"body": {"n": 0}}], lambda index, exchange: None)


def test_generated_refusals_are_the_same_requests_batched_or_not() -> None:
    sent = []
    for concurrency in (1, 3):
        ctx = context(Server(lambda body, before: 400), concurrency=concurrency)
        refuse_generated(ctx, invalid_bodies(agent_ids=ctx.fixtures.agent_ids,
                                             phone_numbers=ctx.fixtures.phone_numbers,
                                             now=ctx.clock.now(), contract=ctx.contract,
                                             rules={"phone_pattern_enforced"}),
                         max_examples=4)
        sent.append([(e.request_text(), e.batch > 1) for e in ctx.client.exchanges])
    one_at_a_time, batched = sent
    assert [text for text, _ in one_at_a_time] == [text for text, _ in batched]
    assert len(batched) > 1 and not any(together for _, together in one_at_a_time)
    assert any(together for _, together in batched)


def test_the_rate_limit_holds_on_average_and_a_batch_leaves_on_what_it_saved(monkeypatch):
    clock = RecordedClock()
    monkeypatch.setattr(Client, "pacing", clock)
    fixtures = Fixtures(campaign_id="camp_1", taken_campaign_name="Taken",
                        agent_ids=("agent_one",), phone_numbers=("+14155550100",))
    target = Target(base_url="https://staging.example.com", fixtures=fixtures,
                    api_key=Secret(KEY), limits=Limits(rate_limit=10.0, concurrency=3))
    client = Client(target, transport=Server(lambda body, before: 400))
    three = [{"campaign_id": "camp_1", "body": {"n": n}} for n in range(3)]

    client.send("camp_1", body={})
    client.send("camp_1", body={})  # alone: 1/rate after the one before
    assert clock.sleeps == pytest.approx([0.1])
    client.send_parallel(three)  # nothing saved: spaced like requests sent alone
    assert clock.sleeps == pytest.approx([0.1] * 4)
    clock.now += 0.3  # three requests' worth saved
    client.send_parallel(three)  # leave together
    assert clock.sleeps == pytest.approx([0.1] * 4)
    clock.now += 5.0  # saving stops at what --concurrency allows at once
    client.send_parallel(three)
    client.send("camp_1", body={})
    assert clock.sleeps == pytest.approx([0.1] * 5)
    client.close()
    assert client.stats.sent == 12


def test_the_report_names_a_request_sent_beside_others() -> None:
    from conformance._allure import step_name

    server = Server(lambda body, before: 400)
    ctx = context(server, concurrency=3)
    refuse_each(ctx, probes(4))
    names = [step_name(e) for e in ctx.client.exchanges]
    assert names[0].endswith("→ 400  (one of 3 sent at once)")
    assert names[3].endswith("→ 400")


def test_accepted_updates_sent_together_end_with_the_last_sent_again_alone() -> None:
    # The target applied them in an order of its own: the last call, sent once more
    # alone, leaves the campaign the same way on every run of the seed.
    server = Server(lambda body, before: 200)
    ctx = context(server, concurrency=3)
    answers = send_each(ctx, [{"body": {"n": i}} for i in range(5)], lambda i, e: None)
    assert len(answers) == 5
    sent = [(e.request_text(), e.batch) for e in ctx.client.exchanges]
    assert sent[-1] == (json.dumps({"n": 4}), 0)
    assert [text for text, _ in sent] == [json.dumps({"n": i}) for i in (0, 1, 2, 3, 4, 4)]
    # Refused, they changed nothing: no request more.
    ctx = context(Server(lambda body, before: 400), concurrency=3)
    send_each(ctx, [{"body": {"n": i}} for i in range(5)], lambda i, e: None)
    assert len(ctx.client.exchanges) == 5
    # Empty updates accepted change nothing either.
    ctx = context(Server(lambda body, before: 200), concurrency=3)
    send_each(ctx, [{"body": {}, "headers": {"X-N": str(i)}} for i in range(5)],
              lambda i, e: None)
    assert len(ctx.client.exchanges) == 5


def test_a_request_never_answered_fails_and_does_not_turn_the_run_to_one_at_a_time() -> None:
    # Unanswered alone too: the request's own fault (a mock that hangs on some bodies),
    # not a target that serves one connection at a time.
    server = Server(lambda body, before: None if body == '{"n": 1}' else 400)
    ctx = context(server, concurrency=3)
    with pytest.raises(CheckFailure, match="did not answer"):
        refuse_each(ctx, probes(3))
    assert ctx.client.one_at_a_time is None
    assert ctx.batch_width() == 3


def test_a_set_up_is_skipped_only_when_the_model_says_the_campaign_already_shows_it() -> None:
    ctx = context(Server(lambda body, before: 200))
    setup = {"isScheduled": True, "scheduledDate": "2099-03-20", "scheduledTime": "09:15:00",
             "scheduledTimezone": "Europe/Berlin", "concurrentCalls": 9}
    shown = {"campaignId": "camp_1", "campaignName": "Mine", "campaignStatus": "scheduled",
             "concurrentCalls": 9, "agent": {"agentId": "agent_one"},
             "phoneNumber": {"sipPhoneNumber": "+14155550100"}, "scheduled": True,
             "scheduledDate": "2099-03-20T08:15:00.000Z"}  # 09:15 in Berlin, still CET
    assert already_shows(ctx, shown, setup)
    assert not already_shows(ctx, {**shown, "concurrentCalls": 8}, setup)
    assert not already_shows(ctx, {**shown, "scheduledDate": "2099-03-20T09:15:00.000Z"}, setup)
    assert not already_shows(ctx, {**shown, "scheduled": False, "campaignStatus": "live",
                                   "scheduledDate": None}, setup)
    assert not already_shows(ctx, "not an object", setup)


def test_a_5xx_to_a_request_sent_beside_others_is_judged_by_its_answer_alone() -> None:
    # Whatever the judge says (here: anything goes), a batched 5xx may be the batch's
    # load: the request goes again alone, and the run-wide checks see that answer only.
    server = Server(lambda body, before: 503 if (body, before) == ('{"n": 1}', 0) else 400)
    ctx = context(server, concurrency=3)
    send_each(ctx, [{"body": {"n": i}} for i in range(3)], lambda i, e: None)
    assert [(e.request_text(), e.status, e.superseded) for e in ctx.client.exchanges] == [
        ('{"n": 0}', 400, False), ('{"n": 1}', 503, True), ('{"n": 2}', 400, False),
        ('{"n": 1}', 400, False)]
    assert [e.status for e in judged(ctx)] == [400, 400, 400]
    # Alone, a 5xx is the target's own answer: judged as any other.
    server = Server(lambda body, before: 503 if body == '{"n": 1}' else 400)
    ctx = context(server, concurrency=3)
    send_each(ctx, [{"body": {"n": i}} for i in range(3)], lambda i, e: None)
    assert [e.status for e in judged(ctx)] == [400, 400, 503]


def test_generated_values_cost_no_hashing_of_the_check_source(monkeypatch) -> None:
    # No database, so no database key: Hypothesis would hash the test's source on
    # every run of every check (about 4 % of a run's CPU).
    import hypothesis.core
    from hypothesis import strategies as st

    def digest(_: object) -> bytes:
        raise AssertionError("function_digest called")

    monkeypatch.setattr(hypothesis.core, "function_digest", digest)
    ctx = context(Server(lambda body, before: 400))
    drawn: list[int] = []

    @ctx.given(st.integers(0, 9))
    def generated(value: int) -> None:
        drawn.append(value)

    generated()
    assert len(drawn) == PROFILES["quick"].max_examples
