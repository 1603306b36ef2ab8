"""The reference's clock: its Date header and error timestamps follow the injected clock."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

from refkit import NOW, Client

from reference import load_world


def test_every_answer_is_dated_by_the_servers_clock() -> None:
    client = Client(load_world())
    try:
        for response in (client.patch({}), client.patch({}, key="wrong"),
                         client.request("GET", "/elsewhere")):
            assert response.headers.get_list("date") == ["Wed, 01 Jan 2025 12:00:00 GMT"]
            assert parsedate_to_datetime(response.headers["date"]) == NOW
    finally:
        client.close()


def test_error_timestamps_follow_the_servers_clock() -> None:
    client = Client(load_world())
    try:
        assert client.patch({}, key="wrong").json()["timestamp"] == "2025-01-01T12:00:00.000Z"
    finally:
        client.close()
