"""Test kit: an in-process client over the reference app with a fixed clock."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from reference import Rules, World, create_app

NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
TARGET = "camp_XiQEBcj9cc5TFRB4"
TAKEN = "camp_Taken000000001"
FOREIGN = "camp_F0re1gn00000001"
NO_BODY = object()


def fixed_clock() -> datetime:
    return NOW


class Client:
    """Synchronous face of httpx.AsyncClient over ASGITransport (no network)."""

    def __init__(self, world: World, rules: type[Rules] = Rules) -> None:
        self.world = world
        self.app = create_app(world, rules=rules, clock=fixed_clock)
        self.loop = asyncio.new_event_loop()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )

    @property
    def key(self) -> str:
        return self.world.primary_key

    def request(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        content: bytes | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        coro: Any = self.http.request(method, path, headers=headers, content=content)
        if timeout is not None:
            coro = asyncio.wait_for(coro, timeout)
        return self.loop.run_until_complete(coro)

    def patch(
        self,
        body: Any = NO_BODY,
        *,
        campaign: str = TARGET,
        key: str | None = "primary",
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        all_headers: dict[str, str] = {}
        if content_type is not None:
            all_headers["Content-Type"] = content_type
        if key is not None:
            all_headers["X-API-Key"] = self.key if key == "primary" else key
        all_headers.update(headers or {})
        if raw is None:
            raw = b"" if body is NO_BODY else json.dumps(body).encode()
        return self.request(
            "PATCH", f"/v1/campaigns/{campaign}", headers=all_headers, content=raw, timeout=timeout
        )

    def close(self) -> None:
        self.loop.run_until_complete(self.http.aclose())
        self.loop.close()


def assert_error(response: httpx.Response, status: int, *fields: str) -> dict[str, Any]:
    """The response is a well-formed Error for ``status``; ``fields`` are in validationErrors."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["status"] == status
    assert set(body) >= {"timestamp", "status", "error", "message", "path"}
    for field in fields:
        assert field in body["validationErrors"], body
    return body
