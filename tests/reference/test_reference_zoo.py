"""The zoo's variants really have the traits they claim (else passing them proves nothing)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest
from refkit import NOW, TARGET, fixed_clock

from conformance._embedded import served_variant
from reference import VARIANTS, World, create_app, load_world


class ZooClient:
    def __init__(self, name: str, world: World) -> None:
        app = create_app(world, rules=VARIANTS[name].rules, clock=fixed_clock)
        self.app, self.options = served_variant(app, name)
        self.key = world.primary_key
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                      base_url="http://testserver")

    def patch(self, body: object, *, campaign: str = TARGET, key: str | None = None,
              accept: str = "gzip, deflate, br") -> httpx.Response:
        headers = {"Content-Type": "application/json", "X-API-Key": key or self.key,
                   "Accept-Encoding": accept}
        return self.loop.run_until_complete(self.http.patch(
            f"/v1/campaigns/{campaign}", headers=headers, content=json.dumps(body).encode()))

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


@pytest.fixture
def zoo() -> Iterator[Callable[[str], ZooClient]]:
    made: list[ZooClient] = []

    def make(name: str) -> ZooClient:
        made.append(ZooClient(name, load_world()))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.mark.parametrize("name,coding", [("gzip_responses", "gzip"),
                                         ("deflate_responses", "deflate"),
                                         ("br_responses", "br")])
def test_compressing_variants_compress_only_what_is_offered(zoo, name, coding):
    client = zoo(name)
    offered = client.patch({})
    assert offered.headers["content-encoding"] == coding
    assert offered.json()["campaignId"] == TARGET
    plain = client.patch({}, accept="identity")
    assert "content-encoding" not in plain.headers
    assert plain.json() == offered.json()


def test_chunked_variant_sends_no_content_length(zoo):
    response = zoo("chunked_responses").patch({})
    assert "content-length" not in response.headers
    assert response.json()["campaignId"] == TARGET


def test_connection_close_variant_says_so_on_every_answer(zoo):
    client = zoo("connection_close")
    assert client.patch({}).headers["connection"] == "close"
    assert client.patch({}, key="wrong").headers["connection"] == "close"


def test_idle_connections_variant_sets_a_short_keep_alive():
    assert VARIANTS["idle_connections_closed"].server["timeout_keep_alive"] < 1


def test_moving_fields_move_and_variables_are_echoed(zoo):
    client = zoo("moving_and_echoed_fields")
    first = client.patch({"dynamicVariables": {"customer_name": "Ann"}})
    second = client.patch({})
    assert second.json()["version"] == first.json()["version"] + 1
    assert first.headers["etag"] != second.headers["etag"]
    assert second.json()["dynamicVariables"] == {"customer_name": "Ann"}
    assert {"createdAt", "updatedAt"} <= set(second.json())
    one, two = client.patch({}, key="wrong").json(), client.patch({}, key="wrong").json()
    assert one["requestId"] != two["requestId"]


def test_error_types_variant_names_types(zoo):
    client = zoo("error_types")
    assert client.patch({}, campaign="camp_nope").json()["error"] == "NOT_FOUND"
    assert client.patch({"campaignName": ""}).json()["error"] == "VALIDATION_ERROR"


def test_validation_errors_variant_gives_arrays(zoo):
    errors = zoo("validation_errors_as_arrays").patch({"campaignName": ""}).json()
    assert isinstance(errors["validationErrors"]["campaignName"], list)


@pytest.mark.parametrize("name,skew", [("clock_two_minutes_ahead", timedelta(minutes=2)),
                                       ("clock_two_minutes_behind", timedelta(minutes=-2))])
def test_skewed_clocks_show_in_the_date_header(zoo, name, skew):
    client = zoo(name)
    assert parsedate_to_datetime(client.patch({}).headers["date"]) == NOW + skew


def test_rate_limited_variant_answers_one_429_in_64_and_changes_nothing(zoo):
    client = zoo("rate_limited_now_and_then")
    statuses = [client.patch({"concurrentCalls": n}).status_code for n in range(1, 65)]
    assert statuses.count(429) == 1 and statuses[-1] == 429
    limited = client.patch({})
    assert limited.status_code == 200 and limited.json()["concurrentCalls"] == 63


def test_proxy_variant_answers_a_body_over_1_mib_with_its_html_page_and_passes_the_rest(zoo):
    client = zoo("proxy_body_limit")
    refused = client.patch({"padding": "x" * (1024 * 1024)})
    assert refused.status_code == 413 and refused.headers["content-type"] == "text/html"
    assert b"<html>" in refused.content
    assert client.patch({"concurrentCalls": 3}).json()["concurrentCalls"] == 3


def test_unavailable_variant_answers_one_503_with_retry_after_in_64(zoo):
    client = zoo("unavailable_now_and_then")
    answers = [client.patch({"concurrentCalls": n}) for n in range(1, 65)]
    assert [a.status_code for a in answers].count(503) == 1 and answers[-1].status_code == 503
    assert answers[-1].headers["retry-after"] == "1" and answers[-1].json()["status"] == 503


def test_compatibility_zones_variant_refuses_links_and_takes_zones(zoo):
    client = zoo("compatibility_zones_refused")
    schedule = {"isScheduled": True, "scheduledDate": "2030-01-15", "scheduledTime": "12:00:00"}
    for link in ("EST", "Asia/Calcutta", "US/Eastern"):
        assert client.patch({**schedule, "scheduledTimezone": link}).status_code == 400
    for zone in ("UTC", "Asia/Kolkata", "Etc/GMT+5", "America/Los_Angeles"):
        assert client.patch({**schedule, "scheduledTimezone": zone}).status_code == 200
