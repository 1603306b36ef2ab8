"""Small deliberately misbehaving HTTP servers for testing the suite's own safety.

Each server is plain asyncio on a loopback port, in a background thread, so a
test controls every byte: it can hang, reset the connection halfway through a
response, send a body of any size or encoding, redirect elsewhere, or answer
over TLS. Every request it receives is recorded.

    with MisbehavingServer(answer(200, b"hello", "text/plain")) as server:
        ... server.base_url, server.requests ...

`Campaign` is the one well-behaved handler: a single campaign kept in memory,
enough for a run to open, change and restore it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import struct
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

API_KEY = "test-key-9f1c2b7e5d"
KEY_ENV = "MISBEHAVING_API_KEY"
CAMPAIGN_ID = "camp_misbehaving_0001"


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    received_at: float = 0.0  # time.monotonic() when the head was read

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None


Handler = Callable[[Request, asyncio.StreamWriter], Awaitable[bool]]
"""Writes the answer to one request; returns whether the connection stays open."""


def response_bytes(status: int, body: bytes, content_type: str | None = "application/json",
                   headers: tuple[tuple[str, str], ...] = ()) -> bytes:
    lines = [f"HTTP/1.1 {status} X"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.append(f"Content-Length: {len(body)}")
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def answer(status: int, body: bytes, content_type: str | None = "application/json",
           headers: tuple[tuple[str, str], ...] = ()) -> Handler:
    """Always the same response."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(response_bytes(status, body, content_type, headers))
        await writer.drain()
        return True

    return handle


def when(matches: Callable[[Request], bool], handler: Handler, otherwise: Handler) -> Handler:
    """`handler` for the requests that match, `otherwise` for the rest."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> bool:
        return await (handler if matches(request) else otherwise)(request, writer)

    return handle


def redirect(location: str, status: int = 307) -> Handler:
    return answer(status, b"", None, (("Location", location),))


def hang() -> Handler:
    """Reads the request and never answers."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(3600)
        return False

    return handle


@dataclass
class Huge:
    """A 200 JSON body of `size` bytes, streamed; counts what it managed to write."""

    size: int
    most_written: int = 0  # the most body bytes any one response got out

    async def __call__(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" \
               f"Content-Length: {self.size}\r\n\r\n"
        writer.write(head.encode())
        chunk = b" " * 65536
        written = 0
        try:
            while written < self.size:
                piece = chunk[: self.size - written]
                writer.write(piece)
                await writer.drain()
                written += len(piece)
                self.most_written = max(self.most_written, written)
        except (ConnectionError, OSError):
            pass
        return False


def reset_mid_response() -> Handler:
    """Promises 1000 bytes, sends 20, then resets the connection (RST)."""

    async def handle(request: Request, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"campaignName\": \"ha")
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        return False

    return handle


@dataclass
class Campaign:
    """One campaign behind one key: 401 without it, 404 for other ids, updates applied."""

    key: str = API_KEY
    campaign_id: str = CAMPAIGN_ID
    delay: float = 0.0
    state: dict[str, Any] = field(default_factory=lambda: {
        "campaignId": CAMPAIGN_ID,
        "campaignName": "Spring outreach",
        "campaignStatus": "DRAFT",
        "concurrentCalls": 2,
        "scheduled": False,
        "scheduledDate": None,
        "agent": {"agentId": "agent_one", "name": "One", "status": "ACTIVE"},
        "phoneNumber": {"sipPhoneNumber": "+14155550100", "active": True},
    })

    async def __call__(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        if self.delay:
            await asyncio.sleep(self.delay)
        status, body = self.respond(request)
        writer.write(response_bytes(status, json.dumps(body).encode()))
        await writer.drain()
        return True

    def respond(self, request: Request) -> tuple[int, dict[str, Any]]:
        if request.headers.get("x-api-key") != self.key:
            return 401, {"message": "X-API-Key is missing or invalid"}
        if request.path != f"/v1/campaigns/{self.campaign_id}":
            return 404, {"message": "Not Found"}
        body = request.json()
        if request.method != "PATCH" or not isinstance(body, dict):
            return 400, {"message": "Bad Request"}
        self.apply(body)
        return 200, self.state

    def apply(self, body: dict[str, Any]) -> None:
        for name in ("campaignName", "concurrentCalls"):
            if name in body:
                self.state[name] = body[name]
        if "agentId" in body:
            self.state["agent"] = {**self.state["agent"], "agentId": body["agentId"]}
        if "sipPhoneNumber" in body:
            self.state["phoneNumber"] = {**self.state["phoneNumber"],
                                         "sipPhoneNumber": body["sipPhoneNumber"]}
        if body.get("isScheduled") is True:
            self.state["scheduled"] = True
            self.state["scheduledDate"] = (
                f"{body.get('scheduledDate')}T{body.get('scheduledTime')}Z"
            )
        elif body.get("isScheduled") is False:
            self.state["scheduled"] = False
            self.state["scheduledDate"] = None

    def snapshot(self) -> dict[str, Any]:
        return json.loads(json.dumps(self.state))


class MisbehavingServer:
    """Serves `handler` on 127.0.0.1 (TLS when given a context) in a background thread."""

    def __init__(self, handler: Handler, *, tls: ssl.SSLContext | None = None,
                 one_connection: bool = False) -> None:
        self.handler = handler
        self.tls = tls
        # Serves one connection at a time, kept alive: another waits until it closes.
        self.one_connection = one_connection
        self._serving: asyncio.Lock | None = None
        self.requests: list[Request] = []
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests being answered at once
        self._loop = asyncio.new_event_loop()
        self._listener: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = 0

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def __enter__(self) -> MisbehavingServer:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("misbehaving server did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0, ssl=self.tls)
        )
        self.port = server.sockets[0].getsockname()[1]
        self._listener = server
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(self._loop):
                task.cancel()
            self._loop.run_until_complete(asyncio.sleep(0))
            self._loop.close()

    def crash(self) -> None:
        """Stop as a crashed process does, from a handler: no more connections are
        accepted and every open one is closed."""
        if self._listener is not None:
            self._listener.close()
        for writer in list(self._writers):
            writer.close()

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._dispatch(reader, writer)
        finally:
            self._writers.discard(writer)

    async def _dispatch(self, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        if not self.one_connection:
            await self._serve_connection(reader, writer)
            return
        if self._serving is None:
            self._serving = asyncio.Lock()
        async with self._serving:
            await self._serve_connection(reader, writer)

    async def _serve_connection(self, reader: asyncio.StreamReader,
                                writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    break
                self.requests.append(request)
                self.in_flight += 1
                self.most_in_flight = max(self.most_in_flight, self.in_flight)
                try:
                    keep_open = await self.handler(request, writer)
                finally:
                    self.in_flight -= 1
                if not keep_open:
                    break
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        except asyncio.CancelledError:  # the server is stopping
            pass
        finally:
            if not writer.transport.is_closing():
                writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Request | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = await reader.readexactly(length) if length else b""
    return Request(method, target.split("?", 1)[0], headers, body, time.monotonic())


def target_toml(base_url: str, *, limits: dict[str, Any] | None = None,
                campaign_id: str = CAMPAIGN_ID) -> str:
    """A target file for a misbehaving server; the key is read from KEY_ENV."""
    lines = [
        f'base_url = "{base_url}"',
        f'api_key_env = "{KEY_ENV}"',
        "[fixtures]",
        f'campaign_id = "{campaign_id}"',
        'taken_campaign_name = "Autumn outreach"',
        'agent_ids = ["agent_one", "agent_two"]',
        'phone_numbers = ["+14155550100", "+14155550101"]',
    ]
    if limits:
        lines.append("[limits]")
        lines += [f"{name} = {json.dumps(value)}" for name, value in limits.items()]
    return "\n".join(lines) + "\n"


@dataclass
class SuiteRun:
    code: int
    out: str  # stdout and stderr together
    summary: dict[str, Any] | None


def run_suite(runner: Any, workdir: Any, base_url: str | None = None, *args: str,
              limits: dict[str, Any] | None = None, target: Any = None) -> SuiteRun:
    """`python -m conformance run` against `base_url` (or a given target file), run in
    process by a worker interpreter of `runner` (suiterun.SuiteRunner), in `workdir`."""
    from pathlib import Path

    workdir = Path(workdir)
    if target is None:
        target = workdir / "target.toml"
        target.write_text(target_toml(str(base_url), limits=limits), encoding="utf-8")
    summary = workdir / "summary.json"
    summary.unlink(missing_ok=True)
    allure = () if "--alluredir" in args else ("--no-allure",)
    run = runner.run("run", "--target", str(target), *allure, "--seed", "1",
                     "--summary-json", str(summary), *args,
                     env={KEY_ENV: API_KEY}, cwd=workdir)
    return SuiteRun(run.code, run.output, run.summary)


class RecordedClock:
    """Stands for the client's clock (`Client.pacing`): it moves only when the
    client sleeps or a test moves it, and every sleep is recorded (no test
    waits for real)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
