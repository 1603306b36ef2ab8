"""The engine in process: outcomes, verdicts, exit codes, the restore and the stop reasons.

No server and no child process: the target is an httpx MockTransport, the
checks are small functions registered for the test, the clock is injected.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from conformance._catalogue import MUST, SHOULD, Check, Cite, NotExercised
from conformance._engine import RESTORE_CHECK, Engine, SelectionError, select
from conformance._events import Event, Outcome, RunFinished, StopReason
from conformance._profiles import PROFILES
from conformance._reporters import Broadcast, JUnit, Terminal
from conformance._run import Run
from conformance._spec import load_spec
from conformance._target import Fixtures, Secret, Target

KEY = "engine-test-key-0123"
CAMPAIGN = {
    "campaignId": "camp_1", "campaignName": "Spring", "campaignStatus": "paused",
    "concurrentCalls": 2, "scheduled": False, "scheduledDate": None,
    "agent": {"agentId": "agent_1", "name": "A", "status": "Live"},
    "phoneNumber": {"sipPhoneNumber": "+14155550100"},
}
CITE = Cite("/components/schemas/UpdateCampaignRequest/properties/campaignName/description",
            "Must be unique within your account.")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        self.now += 0.5
        return self.now


class Campaign:
    """A mock target: one campaign; `refuse_restore` answers 409 to the restore."""

    def __init__(self, *, refuse_restore: bool = False, silent: bool = False,
                 hangs_on: str | None = None) -> None:
        self.state = json.loads(json.dumps(CAMPAIGN))
        self.refuse_restore = refuse_restore
        self.silent = silent
        self.hangs_on = hangs_on
        self.bodies: list[Any] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.silent:
            raise httpx.ReadTimeout("no answer", request=request)
        if self.hangs_on is not None and self.hangs_on.encode() in request.content:
            raise httpx.ReadTimeout("no answer", request=request)
        body = json.loads(request.content or b"{}")
        self.bodies.append(body)
        if self.refuse_restore and "isScheduled" in body:
            return answer(409, {"status": 409, "message": "taken"})
        if "campaignName" in body:
            self.state["campaignName"] = body["campaignName"]
        return answer(200, self.state)


def answer(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, headers={"content-type": "application/json"},
                          stream=httpx.ByteStream(json.dumps(body).encode()))


def a_run(target: Campaign, *, strict: bool = False) -> Run:
    fixtures = Fixtures(campaign_id="camp_1", taken_campaign_name="Taken",
                        agent_ids=("agent_1",), phone_numbers=("+14155550100",))
    return Run(target=Target(base_url="http://127.0.0.1:9", fixtures=fixtures,
                             api_key=Secret(KEY), name="mock"),
               spec=load_spec(), profile=PROFILES["quick"], seed=5, level="full",
               strict=strict, clock=Clock(), transport=httpx.MockTransport(target))


def a_check(id: str, func: Any, *, level: str = MUST, area: str = "behaviour") -> Check:
    func.__doc__ = f"The rule of {id}."
    return Check(id=id, level=level, area=area, cites=(CITE,), func=func)


def passes(ctx: Any) -> None:
    ctx.expect_ok(ctx.patch({}), sent="an empty update")


def renames(ctx: Any) -> None:
    ctx.expect_ok(ctx.patch({"campaignName": "Elsewhere"}), sent="a rename")


def fails(ctx: Any) -> None:
    ctx.expect_status(ctx.patch({}), {400}, sent="an empty update")


def not_exercised(ctx: Any) -> None:
    raise NotExercised("nothing to judge")


def breaks(ctx: Any) -> None:
    raise ZeroDivisionError("oops")


def execute(run: Run, *checks: Check) -> tuple[RunFinished, list[Event], str]:
    events: list[Event] = []
    out = io.StringIO()
    terminal = Terminal(out, live=False, clock=Clock())

    class Keep:
        def handle(self, event: Event) -> None:
            events.append(event)

    finished = Engine(run, checks, clock=Clock()).execute(Broadcast([terminal, Keep()]))
    return finished, events, out.getvalue()


def test_each_outcome_is_a_typed_value_and_the_verdict_ends_the_output():
    finished, _, out = execute(
        a_run(Campaign()),
        a_check("passing", passes),
        a_check("should_rule", fails, level=SHOULD),
        a_check("unexercised", not_exercised),
        a_check("broken", breaks, area="responses"),
    )
    outcomes = {r.check.id: r.outcome for r in finished.run.results.values()}
    assert outcomes == {"passing": Outcome.PASSED, "should_rule": Outcome.NON_STRICT,
                        "unexercised": Outcome.NOT_EXERCISED, "broken": Outcome.ERRORED}
    should = finished.run.results["should_rule"]
    assert should.failure is not None and should.failure.expected == "400"
    assert finished.exit_code == 1 and finished.reason is StopReason.COMPLETE
    lines = out.strip().splitlines()
    assert lines[-1] == "verdict: NOT CONFORMANT: 1 MUST and 1 SHOULD checks failed against mock"
    assert "SHOULD (non-strict) should_rule: an empty update: answered 200, expected 400" in lines
    assert "behaviour: 1 passed, 1 non-strict, 1 not exercised" in lines
    assert any("the check itself broke: ZeroDivisionError: oops" in line for line in lines)


def test_a_run_of_passing_checks_is_conformant_with_the_campaign_restored():
    target = Campaign()
    finished, events, out = execute(a_run(target), a_check("renaming", renames))
    assert finished.exit_code == 0
    assert finished.summary["restore"] == {
        "status": "restored", "left_changed": [],
        "note": "restored (agentId, campaignName, concurrentCalls, isScheduled, sipPhoneNumber)"}
    assert target.state["campaignName"] == "Spring"
    assert out.strip().splitlines()[-1] == "verdict: CONFORMANT at level full: mock"
    assert [type(e).__name__ for e in events][:2] == ["RunStarted", "ExchangeAnswered"]
    assert type(events[-1]).__name__ == "RunFinished"


def test_checks_draw_without_hypothesis_s_local_literals_and_leave_them_to_others():
    # A check's draws do not depend on the modules loaded (the same seed, the same
    # requests); other Hypothesis tests of the process (the pytest plugin's session)
    # get Hypothesis's pool of local literals back after the check.
    from hypothesis.internal.conjecture import providers

    def own() -> str:
        return "the process's own"

    seen: list[Any] = []

    def looks(ctx: Any) -> None:
        seen.append(providers._get_local_constants())
        passes(ctx)

    before = providers._get_local_constants
    providers._get_local_constants = own
    try:
        finished, _, _ = execute(a_run(Campaign()), a_check("looking", looks))
        assert providers._get_local_constants is own
    finally:
        providers._get_local_constants = before
    assert finished.exit_code == 0
    assert seen and seen[0] != "the process's own"
    assert not any((seen[0].integers, seen[0].floats, seen[0].bytes, seen[0].strings))


def test_a_refused_restore_is_a_must_failure_with_the_fields_left_changed():
    finished, _, out = execute(a_run(Campaign(refuse_restore=True)), a_check("renaming", renames))
    assert finished.exit_code == 1
    restore = finished.summary["restore"]
    assert restore["status"] == "refused"
    assert restore["left_changed"] == [
        {"field": "campaignName", "before": "Spring", "after": "Elsewhere"}]
    judged = finished.run.results[RESTORE_CHECK]
    assert judged.outcome is Outcome.FAILED and judged.failure is not None
    assert "Reproduce: curl" in judged.message
    assert out.strip().splitlines()[-1].startswith("verdict: NOT CONFORMANT")


def test_a_target_that_never_answers_stops_at_the_first_read():
    target = Campaign(silent=True)
    finished, _, out = execute(a_run(target), a_check("passing", passes))
    assert finished.exit_code == 3
    assert finished.reason is StopReason.UNREACHABLE
    assert finished.run.results == {}
    assert finished.run.client.stats.sent == 1
    assert "RUN ABORTED: target not answering" in out
    assert out.strip().splitlines()[-1].startswith("verdict: RUN ABORTED")


def test_an_interrupted_run_is_never_conformant_and_still_restores():
    def interrupted(ctx: Any) -> None:
        ctx.patch({"campaignName": "Elsewhere"})
        raise KeyboardInterrupt

    target = Campaign()
    finished, _, out = execute(a_run(target), a_check("interrupted", interrupted),
                               a_check("passing", passes))
    assert finished.exit_code == 3 and finished.reason is StopReason.INTERRUPTED
    assert finished.run.results["passing"].outcome is Outcome.SKIPPED
    assert target.state["campaignName"] == "Spring"
    assert out.strip().splitlines()[-1].startswith("verdict: RUN ABORTED")


def test_a_spent_request_budget_stops_the_run_with_its_reason():
    from dataclasses import replace

    run = a_run(Campaign())
    run.target = replace(run.target, limits=replace(run.target.limits, max_requests=2))
    run.client.target = run.target
    finished, _, _ = execute(run, *(a_check(f"check_{n}", passes) for n in range(4)))
    assert finished.exit_code == 3 and finished.reason is StopReason.BUDGET_SPENT
    assert finished.summary["aborted"] == "run stopped: request budget of 2 spent"
    assert finished.summary["restore"]["status"] == "restored"


def test_the_live_progress_line_names_the_current_check():
    out = io.StringIO()
    terminal = Terminal(out, live=True, clock=Clock())
    Engine(a_run(Campaign()), [a_check("passing", passes)], clock=Clock()).execute(terminal.handle)
    assert "\r\x1b[2K[0/1] requests 1, " in out.getvalue() and " s, passing" in out.getvalue()


def test_junit_names_each_case_by_check_id_classed_by_area(tmp_path):
    run = a_run(Campaign())
    junit = JUnit(tmp_path / "junit.xml")
    Engine(run, [a_check("passing", passes), a_check("failing", fails, area="auth")],
           clock=Clock()).execute(junit.handle)
    cases = {c.get("name"): c for c in ET.parse(tmp_path / "junit.xml").iter("testcase")}
    assert set(cases) == {"passing", "failing"}
    assert cases["failing"].get("classname") == "conformance.auth"
    failure = cases["failing"].find("failure")
    assert failure is not None and failure.get("message", "").startswith("[MUST] failing: ")


def test_selection_orders_final_checks_last_and_names_unknown_ids():
    from conformance._catalogue import load_catalogue

    catalogue = load_catalogue()
    chosen = select(catalogue, level="full")
    finals = [c.final for c in chosen]
    assert finals == sorted(finals) and chosen[-1].id == RESTORE_CHECK
    with pytest.raises(SelectionError, match="no_such_check"):
        select(catalogue, level="full", ids=["no_such_check"])
    assert [c.id for c in select(catalogue, level="full", keyword="name_taken")] == [
        "name_taken_is_409"]


def test_a_preflight_hook_runs_before_any_request_and_can_refuse_the_set_up():
    from conformance._target import TargetError

    seen: list[int] = []

    def preflight(run: Run) -> None:
        seen.append(run.client.stats.sent)
        raise TargetError("fixtures: campaign_id names no campaign")

    run = a_run(Campaign())
    with pytest.raises(TargetError, match="names no campaign"):
        Engine(run, [a_check("passing", passes)], preflight=[preflight]).execute(lambda e: None)
    assert seen == [0] and run.client.stats.sent == 0


def test_a_target_hanging_on_some_inputs_only_fails_checks_and_the_run_goes_on():
    def hanging_names(ctx: Any) -> None:
        for n in range(4):
            ctx.client.send(ctx.campaign_id, body={"campaignName": f"hang {n}"})

    target = Campaign(hangs_on="hang ")
    finished, _, _ = execute(a_run(target), a_check("hangs", hanging_names),
                             a_check("passing", passes))
    assert finished.reason is StopReason.COMPLETE and finished.exit_code == 0
    assert finished.run.results["passing"].outcome is Outcome.PASSED
    assert finished.summary["restore"]["status"] == "restored"
