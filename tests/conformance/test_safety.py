"""Safe against staging: bounded, polite, leak-free, and the campaign left as found."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from misbehaving import (
    API_KEY,
    KEY_ENV,
    Campaign,
    MisbehavingServer,
    RecordedClock,
    Request,
    hang,
    redirect,
    response_bytes,
    run_suite,
    target_toml,
    when,
)

from conformance._cli import main
from conformance._client import Client, Exchange
from conformance._target import LOOPBACK_PARALLEL, Fixtures, Limits, Secret, Target

FEW = ("--check", "auth_missing_key_is_401", "--check", "auth_header_name_case_insensitive",
       "--check", "response_content_type_is_json")


def make_target(base_url: str, **limits: float) -> Target:
    fixtures = Fixtures(campaign_id="camp_misbehaving_0001", taken_campaign_name="Taken",
                        agent_ids=("agent_one",), phone_numbers=("+14155550100",))
    return Target(base_url=base_url, fixtures=fixtures, api_key=Secret(API_KEY),
                  limits=Limits(**limits))


# -- bounded and polite --------------------------------------------------------


@pytest.mark.parametrize("where", ["option", "target file"])
def test_a_spent_request_budget_stops_the_run_with_exit_3_and_restores(tmp_path, where,
                                                                       suite_runner):
    campaign = Campaign()
    before = campaign.snapshot()
    with MisbehavingServer(campaign) as server:
        if where == "option":
            run = run_suite(suite_runner, tmp_path, server.base_url, "--max-requests", "5")
        else:
            run = run_suite(suite_runner, tmp_path, server.base_url, limits={"max_requests": 5})
        last = server.requests[-1]
    assert run.code == 3, run.out
    assert run.out.count("RUN ABORTED: run stopped: request budget of 5 spent") == 1
    assert run.summary["requests"]["sent"] == 6  # five, then the restore
    assert len(server.requests) == 6
    assert last.json() and last.json()["campaignName"] == before["campaignName"]
    assert run.summary["restore"]["status"] == "restored"
    assert campaign.snapshot() == before


def test_a_target_serving_one_connection_at_a_time_is_not_failed_for_it(tmp_path, suite_runner):
    # Each connection kept alive holds the server: a request sent beside another on a
    # second connection waits for the first to close, past the timeout. Each answer
    # takes 0.3 s, so requests sent together overlap however the threads are scheduled
    # (a second request sent after the first was answered would reuse its connection).
    with MisbehavingServer(Campaign(delay=0.3), one_connection=True) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, "--timeout", "1",
                        "--check", "auth_missing_key_is_401",
                        "--check", "concurrent_updates_all_applied")
    assert run.code == 0, run.out
    since = run.summary["requests"]["one_at_a_time_since"]
    assert since and "sent beside 1 others, got no answer" in since
    outcomes = {c["id"]: c["outcome"] for c in run.summary["checks"]}
    assert outcomes["auth_missing_key_is_401"] == "passed"
    assert outcomes["concurrent_updates_all_applied"] == "not-exercised"
    assert "one at a time since request" in run.out


def test_concurrent_updates_left_unanswered_but_answered_alone_are_not_a_fault(tmp_path,
                                                                              suite_runner):
    # No batch of refusals before it: the concurrency check finds out by itself.
    with MisbehavingServer(Campaign(delay=0.3), one_connection=True) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, "--timeout", "1",
                        "--check", "concurrent_updates_all_applied")
    assert run.code == 0, run.out
    (check,) = run.summary["checks"]
    assert check["outcome"] == "not-exercised"
    assert "sent again alone, it was answered" in check["message"]


def test_requests_going_unanswered_mid_run_stop_it_as_not_answering(tmp_path, suite_runner):
    campaign = Campaign()
    seen = {"n": 0}

    def after_the_first(request: Request) -> bool:
        seen["n"] += 1
        return seen["n"] > 1

    with MisbehavingServer(when(after_the_first, hang(), campaign)) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, "--timeout", "1")
        received = len(server.requests)
    assert run.code == 3, run.out
    # The state read; unanswered, two sent alone and then a batch of refusals sent at once
    # (as many as a loopback target gets; the third in a row is in it); a state read
    # unanswered too; the restore attempted.
    assert received == 1 + 2 + LOOPBACK_PARALLEL + 1 + 1
    assert run.summary["ended"] == "target unreachable"
    assert run.summary["aborted"].startswith("target not answering: 3 requests in a row and a")
    assert run.summary["restore"]["status"] == "not completed"
    assert "Traceback" not in run.out


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> RecordedClock:
    recorded = RecordedClock()
    monkeypatch.setattr(Client, "pacing", recorded)
    return recorded


class Answering(httpx.BaseTransport):
    """Answers 200 {} at once and notes, by the client's clock, when each request
    was handed over."""

    def __init__(self, clock: RecordedClock) -> None:
        self.clock = clock
        self.sent_at: list[float] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent_at.append(self.clock.monotonic())
        return httpx.Response(200, headers={"content-type": "application/json"},
                              stream=httpx.ByteStream(b"{}"))


@pytest.mark.parametrize(("base_url", "limits", "gap"), [
    ("https://staging.example.com", {}, 0.1),  # 10 per second off loopback by default
    ("http://127.0.0.1:9", {"rate_limit": 25.0}, 0.04),
    ("https://staging.example.com", {"rate_limit": 4.0}, 0.25),
])
def test_the_rate_limit_spaces_the_sends(base_url, limits, gap, clock):
    transport = Answering(clock)
    client = Client(make_target(base_url, **limits), transport=transport)
    for _ in range(4):
        assert client.send("camp_1", body={}).status == 200
    client.close()
    gaps = [b - a for a, b in zip(transport.sent_at, transport.sent_at[1:], strict=False)]
    assert gaps == pytest.approx([gap] * 3)
    assert clock.sleeps == pytest.approx([gap] * 3)


def paced_run(workdir: str, where: str) -> dict[str, Any]:
    """A run of a few checks at 20 requests per second, one at a time (from the
    options or the target file), its limiter on a RecordedClock: each arrival
    stamped with that clock. Called in a worker interpreter of suiterun.py
    (main() in process). (Requests sent at once: test_batches.py.)"""
    clock = RecordedClock()
    stamps: list[float] = []
    campaign = Campaign()

    async def stamped(request: Request, writer: asyncio.StreamWriter) -> bool:
        stamps.append(clock.now)
        return await campaign(request, writer)

    previous, Client.pacing = Client.pacing, clock
    try:
        with MisbehavingServer(stamped) as server:
            limits = {"rate_limit": 20, "concurrency": 1} if where == "target file" else None
            target = Path(workdir) / "target.toml"
            target.write_text(target_toml(server.base_url, limits=limits), encoding="utf-8")
            option = ("--rate-limit", "20", "--concurrency", "1") if where == "option" else ()
            code = main(["run", "--target", str(target), "--no-allure", "--seed", "1",
                         "--summary-json", str(Path(workdir) / "summary.json"), *option, *FEW])
            most_in_flight = server.most_in_flight
    finally:
        Client.pacing = previous
    return {"code": code, "stamps": stamps, "sleeps": clock.sleeps,
            "most_in_flight": most_in_flight}


@pytest.mark.parametrize("where", ["option", "target file"])
def test_the_rate_limit_spaces_requests_one_at_a_time(tmp_path, where, suite_runner,
                                                      monkeypatch):
    monkeypatch.setenv(KEY_ENV, API_KEY)
    run = suite_runner.call(paced_run, str(tmp_path), where)
    assert run["code"] in (0, 1), run
    stamps = run["stamps"]
    assert len(stamps) >= 6
    # By the limiter's clock, each request reaches the server 50 ms after the one before.
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    assert gaps == pytest.approx([0.05] * len(gaps))
    assert run["sleeps"] == pytest.approx([0.05] * len(gaps))
    assert run["most_in_flight"] == 1


def test_loopback_is_unlimited_by_default(clock):
    transport = Answering(clock)
    client = Client(make_target("http://127.0.0.1:9"), transport=transport)
    for _ in range(20):
        client.send("camp_1", body={})
    client.close()
    assert len(transport.sent_at) == 20
    assert clock.sleeps == []


def test_the_default_limits():
    limits = Limits()
    assert (limits.timeout, limits.rate_limit, limits.max_requests, limits.time_budget) == (
        10.0, None, None, None)
    client = Client(make_target("http://127.0.0.1:9"))
    assert client._timeout["read"] == client._timeout["connect"] == 10.0
    client.close()


def test_a_slow_answer_is_cut_at_the_per_request_timeout():
    async def slow(request: Request, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False

    with MisbehavingServer(slow) as server:
        client = Client(make_target(server.base_url, timeout=0.5))
        exchange = client.send("camp_1", body={})
        client.close()
    # Uncut, the answer would be a connection closed after five seconds.
    assert exchange.error == "no response within 0.5 s (timeout)"


def too_many_requests_first(times: int, retry_after: str | None,
                            status: int = 429) -> tuple[Campaign, object]:
    campaign = Campaign()
    seen = {"n": 0}

    async def handle(request: Request, writer: asyncio.StreamWriter) -> bool:
        seen["n"] += 1
        if seen["n"] <= times:
            headers = () if retry_after is None else (("Retry-After", retry_after),)
            writer.write(response_bytes(status, b'{"message": "slow down"}', headers=headers))
            await writer.drain()
            return True
        return await campaign(request, writer)

    return campaign, handle


def first_answered(times: int, retry_after: str | None, status: int = 429,
                   **limits: float) -> tuple[Exchange, Client, int]:
    """One request to a server answering `status` `times` times first: the
    exchange recorded, the client, and how many requests the server received."""
    _, handler = too_many_requests_first(times, retry_after, status)
    with MisbehavingServer(handler) as server:
        client = Client(make_target(server.base_url, **limits))
        exchange = client.send("camp_misbehaving_0001", body={})
        client.close()
        return exchange, client, len(server.requests)


def test_429_is_retried_after_the_retry_after_delay(clock):
    exchange, client, received = first_answered(1, "1")
    assert exchange.status == 200 and exchange.retries == 1 and received == 2
    assert clock.sleeps == [1.0]
    assert client.stats.retried == 1 and client.stats.sent == 1


def test_a_503_with_retry_after_is_retried_as_a_429_is(clock):
    # A service shedding load: the request was not taken up.
    exchange, _, received = first_answered(1, "2", status=503)
    assert exchange.status == 200 and exchange.retries == 1 and received == 2
    assert clock.sleeps == [2.0]


def test_a_503_without_retry_after_is_the_answer(clock):
    exchange, _, received = first_answered(1, None, status=503)
    assert exchange.status == 503 and exchange.retries == 0 and received == 1
    assert clock.sleeps == []


def test_429_is_retried_at_most_three_times():
    exchange, _, received = first_answered(10, "0")
    assert exchange.status == 429 and exchange.retries == 3 and received == 4


def test_a_retry_after_beyond_the_limit_is_not_waited_for(clock):
    exchange, _, received = first_answered(1, "120", max_retry_after=5)
    assert exchange.status == 429 and exchange.retries == 0 and received == 1
    assert clock.sleeps == []


def test_the_summary_reports_requests_and_response_times(tmp_path, suite_runner):
    with MisbehavingServer(Campaign()) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, *FEW)
        received = len(server.requests)
    requests = run.summary["requests"]
    assert requests["sent"] == received
    assert 0 < requests["median_seconds"] <= requests["worst_seconds"]
    assert f"requests sent: {received}, median " in run.out and " ms, worst " in run.out


# -- nothing leaks ---------------------------------------------------------------


def test_a_redirect_is_recorded_not_followed_and_the_key_stays_home(tmp_path, suite_runner):
    elsewhere = Campaign()
    with MisbehavingServer(elsewhere) as second:
        location = f"{second.base_url}/v1/campaigns/camp_misbehaving_0001"
        with MisbehavingServer(redirect(location)) as first:
            run = run_suite(suite_runner, tmp_path, first.base_url, *FEW)
            client = Client(make_target(first.base_url))
            exchange = client.send("camp_misbehaving_0001", body={})
            client.close()
            first_received = len(first.requests)
        second_received = [r.headers for r in second.requests]
    assert exchange.status == 307 and exchange.response_headers["location"] == location
    assert first_received > 1
    assert second_received == []
    assert run.code == 1 and "307" in json.dumps(run.summary["failed"])


def echo_key() -> object:
    """Answers every request with the key it got, in a header and in the body."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> bool:
        key = request.headers.get("x-api-key", "none")
        body = json.dumps({"campaignName": key, "message": f"bad key {key}",
                           "headers": request.headers}).encode()
        writer.write(response_bytes(400, body, headers=(("X-Echo", key),)))
        await writer.drain()
        return True

    return handle


def test_the_key_is_redacted_in_everything_the_run_writes(tmp_path, suite_runner):
    with MisbehavingServer(echo_key()) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, "-v", "--junitxml",
                        str(tmp_path / "junit.xml"), "--alluredir", str(tmp_path / "allure"))
    assert run.code == 1, run.out
    assert API_KEY not in run.out
    assert "[redacted]" in run.out
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "target.toml"]
    assert any(p.parent.name == "allure" for p in written)
    for path in written:
        assert API_KEY.encode() not in path.read_bytes(), path


def make_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    import ssl

    directory = tmp_path_factory.mktemp("tls")
    cert, key = make_certificate(directory)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with MisbehavingServer(Campaign(), tls=context) as server:
        yield server, cert


def test_tls_is_verified_by_default(tmp_path, tls_server, suite_runner):
    server, _ = tls_server
    run = run_suite(suite_runner, tmp_path, server.base_url, *FEW)
    assert run.code == 3, run.out
    assert "Traceback" not in run.out
    assert "TLS certificate not trusted" in run.out and "--ca-bundle" in run.out


def test_a_ca_bundle_trusts_a_private_ca(tmp_path, tls_server, suite_runner):
    server, cert = tls_server
    run = run_suite(suite_runner, tmp_path, server.base_url, "--ca-bundle", str(cert), *FEW)
    assert run.code in (0, 1), run.out
    assert run.summary["aborted"] is None and run.summary["requests"]["sent"] > 3
    assert run.summary["target"]["ca_bundle"] is True
    assert run.summary["target"]["insecure"] is False


def test_insecure_is_warned_about_and_recorded(tmp_path, tls_server, suite_runner):
    server, _ = tls_server
    run = run_suite(suite_runner, tmp_path, server.base_url, "--insecure", *FEW)
    assert run.code in (0, 1), run.out
    assert "WARNING: TLS verification is disabled (--insecure)" in run.out
    assert run.summary["target"]["insecure"] is True


# -- the campaign left as found --------------------------------------------------


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as nohup and some CI agents start jobs


@pytest.mark.parametrize(("signum", "parent_ignored_sigint"), [
    pytest.param(signal.SIGINT, False, id="ctrl-c"),
    pytest.param(signal.SIGINT, True, id="ctrl-c-after-the-parent-ignored-it"),
    pytest.param(signal.SIGTERM, False, id="sigterm"),
])
def test_a_signal_mid_run_stops_with_exit_3_and_restores_the_campaign(
    tmp_path, signum, parent_ignored_sigint
):
    campaign = Campaign(delay=0.02)
    before = campaign.snapshot()
    with MisbehavingServer(campaign) as server:
        (tmp_path / "target.toml").write_text(target_toml(server.base_url))
        process = subprocess.Popen(
            [sys.executable, "-m", "conformance", "run", "--target", "target.toml",
             "--no-allure", "--seed", "1", "--summary-json", "summary.json"],
            cwd=tmp_path, env={**os.environ, KEY_ENV: API_KEY},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            preexec_fn=ignore_sigint if parent_ignored_sigint else None,
        )
        deadline = time.monotonic() + 30
        while len(server.requests) < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        # What a check in progress might have left: another name, agent and schedule.
        campaign.apply({"campaignName": "Changed mid-run", "agentId": "agent_two",
                        "concurrentCalls": 9, "isScheduled": True,
                        "scheduledDate": "2030-01-01", "scheduledTime": "09:00:00"})
        process.send_signal(signum)
        out, _ = process.communicate(timeout=30)
        after = campaign.snapshot()
    assert process.returncode == 3, out
    assert "campaign restore: restored" in out
    assert "Traceback" not in out
    assert out.strip().splitlines()[-1].startswith("verdict: RUN ABORTED")
    assert after == before
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["restore"]["status"] == "restored"
    assert summary["ended"] == "interrupted" and summary["exit_code"] == 3


# That every schedule a run has the server accept lies a year ahead is read from
# the HAR of a whole strict run in test_reference_conforms.py.


# -- the restore is evidence ------------------------------------------------------

RENAMES = ("--check", "campaign_takes_back_its_values")


def restore_of(body: object) -> bool:
    """The engine's restore: every restorable field at once, the original name first."""
    return isinstance(body, dict) and body.get("campaignName") == "Spring outreach" \
        and "isScheduled" in body


def test_a_target_gone_before_the_restore_exits_3_listing_what_is_left_changed(tmp_path,
                                                                               suite_runner):
    campaign = Campaign()
    gone_at_restore = when(lambda r: restore_of(r.json()), hang(), campaign)
    with MisbehavingServer(gone_at_restore) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, "--timeout", "1", *RENAMES)
    assert run.code == 3, run.out
    restore = run.summary["restore"]
    assert restore["status"] == "not completed"
    [changed] = restore["left_changed"]
    assert changed["field"] == "campaignName" and changed["before"] == "Spring outreach"
    assert changed["after"] == campaign.snapshot()["campaignName"] != "Spring outreach"
    last = run.out.strip().splitlines()[-4:]
    assert any(line.startswith("campaign restore: not completed") and "campaignName" in line
               for line in last), run.out
    assert last[-1].startswith("verdict: RUN ABORTED")
    assert "Traceback" not in run.out


def test_a_restore_refused_by_the_target_fails_the_run_even_unselected(suite_runner):
    """The restore is judged whichever checks ran: here a rename by another check."""
    run = suite_runner.run("run", "--no-allure", "--seed", "1", "--mutant",
                           "name_index_never_pruned", "--check", "own_name_is_not_conflict")
    assert run.code == 1, run.explain()
    assert run.outcomes() == {"own_name_is_not_conflict": "passed",
                              "campaign_takes_back_its_values": "failed"}
    restore = run.summary["restore"]
    assert restore["status"] == "refused"
    assert [c["field"] for c in restore["left_changed"]] == ["campaignName"]
    lines = run.output.strip().splitlines()
    assert lines[-1].startswith("verdict: NOT CONFORMANT: 1 MUST")
    assert any(line.startswith("campaign restore: FAILED: 409") for line in lines[-4:])


def test_the_reference_takes_back_its_values(suite_runner):
    run = suite_runner.run("run", "--no-allure", "--seed", "1", "--check",
                           "own_name_is_not_conflict", *RENAMES)
    assert run.code == 0, run.explain()
    assert run.summary["restore"]["status"] == "restored"
    assert run.summary["restore"]["left_changed"] == []
    assert run.outcomes()["campaign_takes_back_its_values"] == "passed"
