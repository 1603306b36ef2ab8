"""serve_in_thread: a real uvicorn server on loopback."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from reference import MUTANTS, create_app, load_world, serve_in_thread


def test_serves_the_reference_over_loopback_on_a_free_port():
    world = load_world()
    with serve_in_thread(create_app(world)) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        assert server.port > 0
        assert server.base_url.endswith(f":{server.port}")
        response = httpx.patch(
            f"{server.base_url}/v1/campaigns/camp_XiQEBcj9cc5TFRB4",
            json={"campaignName": "Over The Wire"},
            headers={"X-API-Key": world.primary_key},
            timeout=5,
        )
        assert response.status_code == 200
        assert response.json()["campaignName"] == "Over The Wire"
        unauthorised = httpx.patch(
            f"{server.base_url}/v1/campaigns/camp_XiQEBcj9cc5TFRB4", json={}, timeout=5
        )
        assert unauthorised.status_code == 401
    with pytest.raises(httpx.TransportError):
        httpx.patch(f"{server.base_url}/v1/campaigns/x", json={}, timeout=1)


def test_stop_is_idempotent_and_frees_the_port():
    server = serve_in_thread(create_app(load_world()))
    port = server.port
    server.stop()
    server.stop()
    again = serve_in_thread(create_app(load_world()), port=port)
    try:
        assert again.port == port
    finally:
        again.stop()


def test_a_hanging_request_does_not_block_shutdown():
    world = load_world()
    server = serve_in_thread(create_app(world, rules=MUTANTS["hang_on_non_ascii_name"].rules))
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(
                httpx.patch(
                    f"{server.base_url}/v1/campaigns/camp_XiQEBcj9cc5TFRB4",
                    json={"campaignName": "Café"},
                    headers={"X-API-Key": world.primary_key},
                    timeout=10,
                )
            )
        except httpx.HTTPError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    time.sleep(0.3)
    server.stop()
    # Its thread has ended: shutdown did not wait out the 30 s the request hangs
    # (stop gives up waiting after 5 s and would leave the thread running).
    assert not server._thread.is_alive()
    caller.join(5)
    assert not caller.is_alive()
    answer = outcome[0]
    assert not (isinstance(answer, httpx.Response) and answer.status_code == 200)
