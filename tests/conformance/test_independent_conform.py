"""Implementations nobody here derived from the reference pass the suite.

reference/_independent.py starts each: Node with Express (its JSON body
parser, Brotli from the compression middleware, Express's own 413 and 415),
Python's http.server (HTTP/1.1 written a header block and a body at a time;
it and Java run with TCP_NODELAY, as a delayed ACK would otherwise hold
every answer 40 ms), Java on the JDK alone (415 for a
body not sent as JSON, a local time a DST change skips refused), Fastify
(414 for a path parameter over 100 characters, PST taken as a zone),
FastAPI (its validation errors turned into 400, its own 307 and 405) and
Django REST Framework on waitress (415 for a body without a JSON media
type, the campaign looked up before the body is read). Each was written
from the document alone, with its own reading where the document is silent
(404 for another account's campaign in all six). Every MUST check
must pass; each departs only from the SHOULD rules it names below, and those
departures are its readings: 415 and 413 rather than the documented 400
(erratum http-refusals-of-bodies), unknown properties refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from suiterun import SuiteRunner

from conformance._client import Client
from conformance._embedded import embedded_fixtures, target_toml
from conformance._target import Secret, Target
from reference._independent import IMPLEMENTATIONS, IndependentServer

KEY_ENV = "INDEPENDENT_CONFORMANCE_KEY"
DEPARTURES = {
    "express": {"refusals_use_documented_statuses"},
    "stdlib": {"refusals_use_documented_statuses", "unknown_properties_ignored"},
    "java": {"refusals_use_documented_statuses", "unknown_properties_ignored"},
    "fastify": {"refusals_use_documented_statuses"},
    "fastapi": set(),
    "drf": {"refusals_use_documented_statuses"},
}
SEEDS = {"express": 1, "stdlib": 2, "java": 3, "fastify": 4, "fastapi": 5, "drf": 6}


def target_of(server: IndependentServer) -> Target:
    return Target(base_url=server.base_url, fixtures=embedded_fixtures(server.world),
                  api_key=Secret(server.world.primary_key), api_key_env=KEY_ENV,
                  name=f"{server.implementation.name} implementation")


def independent_server(name: str) -> IndependentServer:
    missing = IMPLEMENTATIONS[name].missing()
    if missing:
        pytest.skip(f"{name} implementation: {missing}")
    return IndependentServer(name)


def test_every_implementation_names_its_departures() -> None:
    assert set(DEPARTURES) == set(IMPLEMENTATIONS) == set(SEEDS)


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
def test_an_independent_implementation_passes_every_must_check(
        name: str, suite_runner: SuiteRunner, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with independent_server(name) as server:
        target_file = tmp_path / f"{name}.toml"
        target_file.write_text(target_toml(target_of(server)), encoding="utf-8")
        monkeypatch.setenv(KEY_ENV, server.world.primary_key)
        run = suite_runner.run("run", "--no-allure", "--no-report", "--target", str(target_file),
                               "--seed", str(SEEDS[name]))
    assert run.code == 0, run.explain()
    outcomes = run.outcomes()
    assert outcomes, run.explain()
    assert not {c for c, o in outcomes.items() if o in ("failed", "error")}, run.explain()
    assert {c for c, o in outcomes.items() if o == "non-strict"} == DEPARTURES[name], run.explain()


def test_express_compresses_and_the_client_reads_through_it() -> None:
    with independent_server("express") as server:
        client = Client(target_of(server))
        try:
            exchange = client.send(server.world.target_campaign_id, body={})
        finally:
            client.close()
    assert exchange.status == 200, exchange.outcome()
    assert exchange.response_headers.get("content-encoding") == "br"
    assert exchange.json()["campaignId"] == server.world.target_campaign_id
