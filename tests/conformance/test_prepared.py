"""Work done beforehand in the worker process (conformance/_prepared.py).

The worker is a real process; the targets are httpx MockTransports."""

from __future__ import annotations

import os
from concurrent.futures import Future
from typing import Any

import pytest
from test_engine import CITE, Campaign, a_run, execute

from conformance._catalogue import Check
from conformance._prepared import Job, outcome, serve, submit
from conformance._profiles import PROFILES
from conformance._spec import load_spec
from conformance.checks import fuzzing

pytestmark = pytest.mark.xdist_group("worker")


def test_a_job_runs_in_another_process_and_its_result_comes_back():
    future = submit(Job(os.getpid, ()))
    assert future is not None
    assert future.result(timeout=120) != os.getpid()


def test_a_failed_worker_only_means_the_job_runs_here():
    broken: Future[Any] = Future()
    broken.set_exception(RuntimeError("the worker died"))
    assert outcome(broken, Job(os.getpid, ())) == os.getpid()
    assert outcome(None, Job(os.getpid, ())) == os.getpid()


def prepared_check(seen: list[Any]) -> Check:
    job = Job(os.getpid, ())

    def takes_its_work(ctx: Any) -> None:
        seen.append(ctx.prepared())
        ctx.expect_ok(ctx.patch({}), sent="an empty update")

    takes_its_work.__doc__ = "The rule of takes_its_work."
    return Check(id="takes_its_work", level="MUST", area="behaviour", cites=(CITE,),
                 func=takes_its_work, prepare=lambda ctx: job)


def test_the_engine_starts_a_checks_job_and_the_check_takes_its_result():
    seen: list[Any] = []
    finished, _, _ = execute(a_run(Campaign()), prepared_check(seen))
    assert finished.exit_code == 0
    assert "takes_its_work" in finished.run.prepared
    assert len(seen) == 1 and seen[0] != os.getpid()


def test_a_run_that_ends_at_its_first_request_starts_no_job():
    seen: list[Any] = []
    finished, _, _ = execute(a_run(Campaign(silent=True)), prepared_check(seen))
    assert finished.exit_code == 3
    assert finished.run.prepared == {} and seen == []


def fuzz_job(profile: str) -> Job | None:
    run = a_run(Campaign())
    run.profile = PROFILES[profile]
    check = next(c for c in fuzzing_checks() if c.id == "fuzzed_invalid_requests_rejected")
    assert check.prepare is not None
    return check.prepare(run.context(check))


def fuzzing_checks() -> list[Check]:
    from conformance._catalogue import load_catalogue

    return [c for c in load_catalogue().values() if c.area == "fuzzing"]


def test_the_fuzzing_checks_declare_their_draws_only_where_nothing_shrinks():
    assert all(c.prepare is not None for c in fuzzing_checks())
    assert fuzz_job("deep") is None  # deep shrinks: each case is sent as it is drawn
    job = fuzz_job("quick")
    assert job is not None and job.func is fuzzing.draw_cases


def test_the_workers_draws_repeat_and_are_what_the_check_sends():
    job = fuzz_job("quick")
    assert job is not None
    first, second = (submit(job) for _ in range(2))
    assert first is not None and second is not None
    drawn = first.result(timeout=120)
    assert drawn == second.result(timeout=120)
    assert len(drawn) == PROFILES["quick"].fuzz_examples
    sent = [d for d in drawn if d.skipped is None]
    assert sent and all(d.raw is None or isinstance(d.raw, bytes) for d in sent)
    assert load_spec().sha256 in job.args


def test_the_worker_loop_answers_each_job_and_sends_failures_back():
    import io
    import pickle

    jobs = io.BytesIO(pickle.dumps((0, len, ("abc",))) + pickle.dumps((1, int, ("x",))))
    results = io.BytesIO()
    serve(jobs, results)
    results.seek(0)
    assert pickle.load(results) == (0, True, 3)
    number, ok, message = pickle.load(results)
    assert (number, ok) == (1, False) and message.startswith("ValueError")


def test_a_job_that_raises_in_the_worker_is_done_here():
    future = submit(Job(int, ("not a number",)))
    assert future is not None
    with pytest.raises(RuntimeError, match="ValueError"):
        future.result(timeout=120)
    assert outcome(future, Job(int, ("7",))) == 7


def test_the_worker_draws_exactly_what_the_check_would_draw_itself():
    from conformance._determinism import stable_generation

    assert stable_generation()  # as a run's own process draws (conformance/_options.py)
    job = fuzz_job("quick")
    assert job is not None
    future = submit(job)
    assert future is not None
    assert future.result(timeout=120) == job()


def test_the_worker_keeps_hypothesis_data_where_the_run_does(tmp_path):
    from hypothesis.configuration import set_hypothesis_home_dir

    from conformance._profiles import hypothesis_home

    before = hypothesis_home()
    set_hypothesis_home_dir(tmp_path)  # as the CLI does (the user's cache)
    try:
        future = submit(Job(os.getenv, ("HYPOTHESIS_STORAGE_DIRECTORY",)))
        assert future is not None
        assert future.result(timeout=120) == str(tmp_path)
    finally:
        set_hypothesis_home_dir(before)


def test_without_the_engine_a_check_does_its_declared_work_itself():
    seen: list[Any] = []
    check = prepared_check(seen)
    run = a_run(Campaign())
    assert run.context(check).prepared() == os.getpid()
    deep = a_run(Campaign())
    deep.profile = PROFILES["deep"]  # shrinks: the fuzzing checks declare no work
    assert deep.context(fuzzing_checks()[0]).prepared() is None
