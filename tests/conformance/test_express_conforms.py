"""An implementation nobody here derived from the reference passes the suite.

reference/express/ is the operation on Node with Express, its JSON body
parser and the compression middleware, written from the document alone. It
answers with Brotli-compressed bodies, Express's own error statuses (413 past
its body limit, 415 for other media types) and its own choices (404 for
another account's campaign). Every MUST check must pass; its one departure is
the SHOULD rule that refusals use the documented 400 (erratum
http-refusals-of-bodies).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from suiterun import SuiteRunner

from conformance._client import Client
from conformance._embedded import embedded_fixtures, target_toml
from conformance._target import Secret, Target
from reference._express import ExpressServer, express_missing

KEY_ENV = "EXPRESS_CONFORMANCE_KEY"
DEPARTURES = {"refusals_use_documented_statuses"}

pytestmark = pytest.mark.skipif(express_missing() is not None,
                                reason=f"Express implementation: {express_missing()}")


@pytest.fixture
def express() -> Iterator[ExpressServer]:
    with ExpressServer() as server:
        yield server


def target_of(server: ExpressServer) -> Target:
    return Target(base_url=server.base_url, fixtures=embedded_fixtures(server.world),
                  api_key=Secret(server.world.primary_key), api_key_env=KEY_ENV,
                  name="Express implementation")


def test_express_passes_every_must_check(express: ExpressServer, suite_runner: SuiteRunner,
                                         tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    target_file = tmp_path / "express.toml"
    target_file.write_text(target_toml(target_of(express)), encoding="utf-8")
    monkeypatch.setenv(KEY_ENV, express.world.primary_key)
    run = suite_runner.run("run", "--no-allure", "--no-report", "--target", str(target_file),
                           "--seed", "1")
    assert run.code == 0, run.explain()
    outcomes = run.outcomes()
    assert outcomes, run.explain()
    assert not {c for c, o in outcomes.items() if o in ("failed", "error")}, run.explain()
    assert {c for c, o in outcomes.items() if o == "non-strict"} == DEPARTURES, run.explain()


def test_express_compresses_and_the_client_reads_through_it(express: ExpressServer) -> None:
    client = Client(target_of(express))
    try:
        exchange = client.send(express.world.target_campaign_id, body={})
    finally:
        client.close()
    assert exchange.status == 200, exchange.outcome()
    assert exchange.response_headers.get("content-encoding") == "br"
    assert exchange.json()["campaignId"] == express.world.target_campaign_id
