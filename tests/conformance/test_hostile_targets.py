"""Any server, any answer: the suite ends cleanly, with a clear line, never a traceback."""

from __future__ import annotations

import socket

import pytest
from misbehaving import (
    API_KEY,
    Campaign,
    Huge,
    MisbehavingServer,
    answer,
    hang,
    reset_mid_response,
    run_suite,
    when,
)

from conformance._client import BODY_CAP, Client
from conformance._target import Fixtures, Limits, Secret, Target

# Two quick checks: one reads a 200 body, one judges every response's media type.
FEW = ("--check", "auth_header_name_case_insensitive", "--check", "response_content_type_is_json")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_clean(out: str) -> None:
    assert "Traceback" not in out
    assert "_pytest" not in out


def test_connection_refused_aborts_with_exit_3_and_one_line(tmp_path, suite_runner):
    run = run_suite(suite_runner, tmp_path, f"http://127.0.0.1:{free_port()}")
    assert run.code == 3, run.out
    assert_clean(run.out)
    lines = [line for line in run.out.splitlines() if "Connection refused" in line]
    assert lines and all("unreachable" in line for line in lines)
    assert run.summary is not None and "unreachable" in run.summary["aborted"]


def test_a_target_that_stops_mid_run_is_named_as_stopped(tmp_path, suite_runner):
    # A mock that exits on some request (Prism does, on a property name outside
    # Latin-1): the run ends as not answering, and says when it stopped answering.
    holder: list[MisbehavingServer] = []
    seen = {"n": 0}

    async def crash(request, writer) -> bool:
        holder[0].crash()
        return False

    def fifth(request) -> bool:
        seen["n"] += 1
        return seen["n"] >= 5

    with MisbehavingServer(when(fifth, crash, Campaign())) as server:
        holder.append(server)
        run = run_suite(suite_runner, tmp_path, server.base_url, "--timeout", "1")
    assert run.code == 3, run.out
    assert_clean(run.out)
    aborted = run.summary["aborted"]
    assert aborted.startswith("target not answering: ")
    assert "it answered up to request 4, then refused connections" in aborted
    assert "it answered up to request 4" in run.out.splitlines()[-1]
    # The verdict counts the checks that ran, not those the stop left unrun.
    ran = [c for c in run.summary["checks"] if not c["message"].startswith("not run:")]
    assert 0 < len(ran) < len(run.summary["checks"])
    assert f"verdict: RUN ABORTED after {len(ran)} checks (" in run.out


def test_unknown_host_aborts_with_exit_3(tmp_path, suite_runner):
    run = run_suite(suite_runner, tmp_path, "http://campaigns.invalid")
    assert run.code == 3, run.out
    assert_clean(run.out)
    assert "conformance: run aborted: target http://campaigns.invalid is unreachable" in run.out


def test_a_hanging_response_fails_its_check_and_the_run_goes_on(tmp_path, suite_runner):
    hangs_without_key = when(lambda r: "x-api-key" not in r.headers, hang(), Campaign())
    with MisbehavingServer(hangs_without_key) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, "--timeout", "1", "--check",
                        "auth_missing_key_is_401", "--check", "auth_header_name_case_insensitive")
    assert_clean(run.out)
    assert run.code == 1, run.out
    outcomes = {c["id"]: c for c in run.summary["checks"]}
    assert outcomes["auth_missing_key_is_401"]["outcome"] == "failed"
    assert "no response within 1 s (timeout)" in outcomes["auth_missing_key_is_401"]["message"]
    assert outcomes["auth_header_name_case_insensitive"]["outcome"] == "passed"


def test_a_server_that_always_hangs_stops_at_once_with_one_line(tmp_path, suite_runner):
    with MisbehavingServer(hang()) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, "--timeout", "1")
        received = len(server.requests)
    assert_clean(run.out)
    assert run.code == 3, run.out
    assert received == 1  # the first state read; nothing after it
    assert run.summary["ended"] == "target unreachable"
    assert run.summary["aborted"].startswith("target not answering")
    assert run.out.count("RUN ABORTED: target not answering") == 1
    assert run.out.strip().splitlines()[-1].startswith("verdict: RUN ABORTED")


def test_a_slow_server_stops_at_the_time_budget(tmp_path, suite_runner):
    with MisbehavingServer(Campaign(delay=0.3)) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, "--time-budget", "1")
    assert_clean(run.out)
    assert run.code == 3, run.out
    assert run.summary["aborted"] == "run stopped: time budget of 1 s spent"
    assert run.summary["ended"] == "budget spent"
    assert run.out.count("RUN ABORTED: run stopped: time budget of 1 s spent") == 1


def make_target(base_url: str, **limits: float) -> Target:
    fixtures = Fixtures(campaign_id="camp_1", taken_campaign_name="Taken",
                        agent_ids=("agent_one",), phone_numbers=("+14155550100",))
    return Target(base_url=base_url, fixtures=fixtures, api_key=Secret(API_KEY),
                  limits=Limits(**limits))


def test_a_huge_body_is_read_only_up_to_the_cap():
    huge = Huge(64 * 1024 * 1024)
    with MisbehavingServer(huge) as server:
        client = Client(make_target(server.base_url))
        exchange = client.send("camp_1", body={})
        client.close()
    assert exchange.truncated and len(exchange.response_body) == BODY_CAP
    assert huge.most_written < 16 * 1024 * 1024  # the client stopped reading
    with pytest.raises(ValueError, match="not read in full"):
        exchange.json()


def test_a_huge_body_fails_checks_with_a_message(tmp_path, suite_runner):
    with MisbehavingServer(Huge(8 * 1024 * 1024)) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, *FEW)
    assert_clean(run.out)
    assert run.code == 1, run.out
    failed = {f["id"]: f["message"] for f in run.summary["failed"]}
    assert "truncated" in failed["auth_header_name_case_insensitive"]


@pytest.mark.parametrize(
    ("handler", "check_id", "words"),
    [
        (answer(200, b"hello", "application/json"), "auth_header_name_case_insensitive",
         "not a JSON object"),
        (answer(200, b'{"campaignName": "\xff\xfe"}'), "auth_header_name_case_insensitive",
         "not a JSON object"),
        (answer(200, b"{}", "text/html"), "response_content_type_is_json", "text/html"),
        (reset_mid_response(), "auth_header_name_case_insensitive",
         "connection broken mid-response"),
    ],
    ids=["not-json", "invalid-utf8", "wrong-content-type", "reset-mid-response"],
)
def test_a_broken_response_is_a_check_failure_with_a_clear_message(
    tmp_path, handler, check_id, words, suite_runner
):
    with MisbehavingServer(handler) as server:
        run = run_suite(suite_runner, tmp_path, server.base_url, *FEW)
    assert_clean(run.out)
    assert run.code == 1, run.out
    failed = {f["id"]: f["message"] for f in run.summary["failed"]}
    assert words in failed[check_id]
    assert "the check itself broke" not in run.out


def test_a_transport_error_is_recorded_not_raised():
    client = Client(make_target(f"http://127.0.0.1:{free_port()}"))
    exchange = client.send("camp_1", body={})
    client.close()
    assert exchange.status is None and exchange.error.startswith("connection failed")


def test_the_client_never_uses_proxies_from_the_environment(monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    with MisbehavingServer(Campaign()) as server:
        client = Client(make_target(server.base_url))
        exchange = client.send("camp_1", body={})
        client.close()
    assert exchange.status == 404  # answered: not sent to the proxy, where nothing listens
