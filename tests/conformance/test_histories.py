"""Histories and concurrency: the state machine, parallel sends, the opt-in, and the
proof that the reference and every conformant variant pass over many seeds."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest
from suiterun import SuiteRunner
from test_variants_conform import HISTORY_CHECKS as NEW_CHECKS
from test_variants_conform import KEYS

from conformance._catalogue import CheckFailure, NotExercised, load_catalogue
from conformance._client import REDACTED, BudgetExhausted, Client
from conformance._context import Context
from conformance._embedded import start_embedded
from conformance._profiles import PROFILES
from conformance._spec import load_spec
from conformance._target import (
    LOOPBACK_PARALLEL,
    MAX_PARALLEL,
    Fixtures,
    Limits,
    Secret,
    Target,
    TargetError,
    parse_limits,
)
from conformance.checks.parallel import parallelism
from conformance.checks.sequences import SEQUENCES, history_settings
from reference import VARIANTS

KEY = "history-key-0123456789"
# The reference over ten seeds; each variant, which departs from it in one
# trait, over two (the 100 ms latency one over one: its trait is time, not data).
REFERENCE_SEEDS = tuple(range(1, 11))
VARIANT_SEEDS = (1, 2)
SLOW_VARIANT_SEEDS = (1,)
# The variants test_variants_conform runs whole, each at a seed of its own.
WHOLE_RUN_SEEDS = dict(KEYS)
CATALOGUE = load_catalogue()


def target(base_url: str = "http://127.0.0.1:9", **limits: Any) -> Target:
    fixtures = Fixtures(campaign_id="camp_1", taken_campaign_name="Taken",
                        agent_ids=("agent_one",), phone_numbers=("+14155550100",))
    return Target(base_url=base_url, fixtures=fixtures, api_key=Secret(KEY),
                  limits=Limits(**limits))


def context(client: Client, check: str = "concurrent_updates_all_applied",
            profile: str = "quick") -> Context:
    return Context(target=client.target, client=client, spec=load_spec(),
                   profile=PROFILES[profile], seed=1, level="full", check=CATALOGUE[check])


class Together(httpx.BaseTransport):
    """Answers only once `width` requests are in flight at the same time."""

    def __init__(self, width: int) -> None:
        self.barrier = threading.Barrier(width)
        self.keys: list[str | None] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("x-api-key"))
        self.barrier.wait(timeout=5)
        return httpx.Response(200, headers={"content-type": "application/json"},
                              stream=httpx.ByteStream(b"{}"))


def test_parallel_sends_are_in_flight_together_recorded_and_redacted() -> None:
    transport = Together(3)
    client = Client(target(), transport=transport)
    exchanges = client.send_parallel([{"campaign_id": "camp_1", "body": {"n": n}}
                                      for n in range(3)])
    client.close()
    assert [e.status for e in exchanges] == [200, 200, 200]
    assert sorted(e.request_text() for e in exchanges) == [f'{{"n": {n}}}' for n in range(3)]
    assert transport.keys == [KEY] * 3
    assert all(e.request_headers["X-API-Key"] == REDACTED for e in exchanges)
    assert len(client.exchanges) == 3 and client.stats.sent == 3


def test_parallel_sends_respect_the_request_budget() -> None:
    client = Client(target(max_requests=2), transport=Together(2))
    with pytest.raises(BudgetExhausted):
        client.send_parallel([{"campaign_id": "camp_1", "body": {}}] * 3)
    client.close()
    assert client.stats.sent == 2


def test_concurrency_is_on_by_default_on_loopback_only() -> None:
    loopback = Client(target())
    assert parallelism(context(loopback)) == LOOPBACK_PARALLEL
    remote = Client(target("https://staging.example.com"))
    with pytest.raises(NotExercised, match="--concurrency N"):
        parallelism(context(remote))
    for client in (loopback, remote):
        client.close()


@pytest.mark.parametrize(("configured", "width"), [(2, 2), (5, 5), (50, MAX_PARALLEL)])
def test_concurrency_elsewhere_is_what_was_asked_within_the_cap(configured: int,
                                                                width: int) -> None:
    client = Client(target("https://staging.example.com", concurrency=configured))
    assert parallelism(context(client)) == width
    client.close()


def test_concurrency_of_one_sends_nothing_in_parallel() -> None:
    client = Client(target(concurrency=1))
    with pytest.raises(NotExercised):
        parallelism(context(client))
    client.close()


def test_a_target_that_left_a_batch_unanswered_is_not_sent_concurrent_updates() -> None:
    client = Client(target(concurrency=3))
    assert parallelism(context(client)) == 3
    client.one_at_a_time = "request 7, sent beside 2 others, got no answer (timeout)"
    with pytest.raises(NotExercised, match="did not answer requests sent at once: request 7"):
        parallelism(context(client))
    client.close()


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "3"])
def test_a_bad_concurrency_limit_is_named(bad: Any) -> None:
    with pytest.raises(TargetError, match=r"limits\.concurrency"):
        parse_limits({"concurrency": bad})
    assert parse_limits({"concurrency": 4}).concurrency == 4


@pytest.mark.parametrize("profile", ["quick", "deep"])
def test_profiles_set_the_number_and_length_of_histories(profile: str) -> None:
    client = Client(target())
    settings = history_settings(context(client, "histories_follow_the_model", profile))
    client.close()
    assert (settings.max_examples, settings.stateful_step_count) == SEQUENCES[profile]
    assert any(p.name == "shrink" for p in settings.phases) == (profile == "deep")
    quick, deep = SEQUENCES["quick"], SEQUENCES["deep"]
    assert quick == (10, 8) and deep[0] >= 100 and deep[1] > quick[1]


# -- against the embedded reference, its variants and a mutant ----------------


def new_checks(*extra: str) -> list[str]:
    argv = ["run", "--no-allure", "--no-report", *extra]
    for check_id in NEW_CHECKS:
        argv += ["--check", check_id]
    return argv


def seeds_for(variant: str | None) -> tuple[int, ...]:
    if variant is None:
        return REFERENCE_SEEDS
    if variant in WHOLE_RUN_SEEDS:
        # Its whole run in test_variants_conform passes these checks at a seed of
        # its own (asserted there): one other seed here makes its two.
        return tuple(s for s in VARIANT_SEEDS if s != WHOLE_RUN_SEEDS[variant])[:1]
    return SLOW_VARIANT_SEEDS if variant == "slow_responses" else VARIANT_SEEDS


def failures_over_seeds(variant: str | None) -> list[str]:
    """Run the new checks against one embedded server, once per seed, in process
    (a server keeps its state between seeds: the histories only grow longer).

    Called in a worker interpreter of suiterun.py, which forks the server."""
    embedded, server = start_embedded(variant=variant)
    client = Client(embedded)
    found: list[str] = []
    try:
        for seed in seeds_for(variant):
            for check_id in NEW_CHECKS:
                check = CATALOGUE[check_id]
                ctx = Context(target=embedded, client=client, spec=load_spec(),
                              profile=PROFILES["quick"], seed=seed, level="full", check=check)
                client.current_check = check_id
                try:
                    check.func(ctx)
                except CheckFailure as failure:
                    found.append(f"seed {seed}: {failure.render(check, client.redact)}")
    finally:
        client.close()
        server.stop()
    return found


# A proxy's 413 answers only bodies over 1 MiB, which no history sends; a 503
# with Retry-After takes the client's path of a 429 (rate_limited_now_and_then).
HISTORY_VARIANTS = sorted(set(VARIANTS) - {"proxy_body_limit", "unavailable_now_and_then"})


# Each starts an embedded server and runs checks of the suite, in a worker interpreter.
@pytest.mark.slow
@pytest.mark.parametrize("variant", [None, *HISTORY_VARIANTS])
def test_the_reference_and_every_variant_pass_the_new_checks_over_their_seeds(
        variant: str | None, suite_runner: SuiteRunner) -> None:
    """The reference over ten seeds, each conformant variant over two (one for
    latency): both here, or one here and one in its whole run."""
    failures = suite_runner.call(failures_over_seeds, variant)
    assert not failures, "\n".join(failures)


@pytest.mark.slow
def test_a_failing_history_reads_as_numbered_requests_and_a_replay_script(
        suite_runner: SuiteRunner) -> None:
    run = suite_runner.run(*new_checks("--seed", "1", "--mutant", "earlier_name_refused"))
    assert run.code == 1, run.explain()
    failed = [f for f in (run.summary or {}).get("failed", [])
              if f["id"] == "histories_follow_the_model"]
    assert failed, run.explain()
    message = failed[0]["message"]
    assert "History (every request of this sequence, in order):" in message
    assert "  1. read the campaign" in message and "     -> 200" in message
    assert "#!/bin/sh" in message and '"X-API-Key: $SIGMAMIND_API_KEY"' in message
    assert "state = Histories()" not in message  # Hypothesis's program is replaced
