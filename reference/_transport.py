"""Transport traits of real deployments, as ASGI middleware around the reference app.

None of them changes what a response means: a compressed, chunked or
``Connection: close`` answer is the same answer; a ``429`` with
``Retry-After`` is answered before the application sees the request, so it
changes nothing; latency is only time. The conformant variants that use them
(``reference/variants.py``) prove the suite judges meaning, not transport.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import Callable
from typing import Any

import brotli
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["Chunked", "Compressed", "ConnectionClose", "Latency", "ProxyBodyLimit", "RateLimited",
           "Wrap", "wrapped_by"]

Wrap = Callable[[ASGIApp], ASGIApp]

_COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": lambda data: gzip.compress(data, mtime=0),
    "deflate": zlib.compress,
    "br": brotli.compress,
}


def _offered(scope: Scope, coding: str) -> bool:
    """Whether the request's Accept-Encoding accepts `coding` (q above zero)."""
    for name, value in scope.get("headers", ()):
        if name.lower() != b"accept-encoding":
            continue
        for item in value.decode("latin-1").split(","):
            token, _, params = item.strip().partition(";")
            if token.strip().lower() not in (coding, "*"):
                continue
            q = params.strip().removeprefix("q=").strip() if "q=" in params else "1"
            try:
                return float(q) > 0
            except ValueError:
                return False
    return False


class _Buffered:
    """Collects a whole response, lets `rewrite` change it, then sends it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def rewrite(self, scope: Scope, start: Message, body: bytes) -> tuple[Message, list[bytes]]:
        return start, [body]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: Message = {}
        parts: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(scope, receive, collect)
        start, pieces = self.rewrite(scope, start, b"".join(parts))
        await send(start)
        for index, piece in enumerate(pieces):
            await send({"type": "http.response.body", "body": piece,
                        "more_body": index < len(pieces) - 1})
        if not pieces:
            await send({"type": "http.response.body", "body": b""})


def _headers(start: Message, *, drop: tuple[bytes, ...] = (),
             add: tuple[tuple[bytes, bytes], ...] = ()) -> Message:
    kept = [(k, v) for k, v in start.get("headers", []) if k.lower() not in drop]
    return {**start, "headers": kept + list(add)}


class Compressed(_Buffered):
    """Every body compressed with `coding` when the request offers it."""

    def __init__(self, app: ASGIApp, coding: str) -> None:
        super().__init__(app)
        self.coding = coding

    def rewrite(self, scope: Scope, start: Message, body: bytes) -> tuple[Message, list[bytes]]:
        if not body or not _offered(scope, self.coding):
            return start, [body]
        packed = _COMPRESSORS[self.coding](body)
        start = _headers(start, drop=(b"content-length",), add=(
            (b"content-encoding", self.coding.encode()),
            (b"content-length", str(len(packed)).encode()),
            (b"vary", b"Accept-Encoding"),
        ))
        return start, [packed]


class Chunked(_Buffered):
    """Bodies sent in small pieces without Content-Length (chunked transfer coding)."""

    def __init__(self, app: ASGIApp, piece: int = 37) -> None:
        super().__init__(app)
        self.piece = piece

    def rewrite(self, scope: Scope, start: Message, body: bytes) -> tuple[Message, list[bytes]]:
        pieces = [body[i:i + self.piece] for i in range(0, len(body), self.piece)]
        return _headers(start, drop=(b"content-length",)), pieces


class ConnectionClose(_Buffered):
    """``Connection: close`` on every response: a new connection for every request."""

    def rewrite(self, scope: Scope, start: Message, body: bytes) -> tuple[Message, list[bytes]]:
        return _headers(start, add=((b"connection", b"close"),)), [body]


class RateLimited:
    """Every `every`-th request is answered `status` (``429``, or ``503`` from a
    service shedding load) with ``Retry-After`` and an Error body, before the
    application sees it."""

    MESSAGES = {429: ("Too Many Requests", "Rate limit exceeded; retry later"),
                503: ("Service Unavailable", "Shedding load; retry later")}

    def __init__(self, app: ASGIApp, every: int = 64, retry_after: str = "1",
                 status: int = 429) -> None:
        self.app = app
        self.every = every
        self.retry_after = retry_after
        self.status = status
        self.count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.count += 1
            if self.count % self.every == 0:
                error, message = self.MESSAGES[self.status]
                body = json.dumps({"status": self.status, "error": error, "message": message,
                                   "path": scope.get("path", "")}).encode()
                await send({"type": "http.response.start", "status": self.status, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", self.retry_after.encode()),
                ]})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


class ProxyBodyLimit:
    """A reverse proxy's body limit in front of the application (nginx's
    ``client_max_body_size 1m``): a request announcing a body over 1 MiB is
    answered ``413`` with the proxy's HTML page; the application never sees it."""

    LIMIT = 1024 * 1024
    PAGE = (b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
            b"<center><h1>413 Request Entity Too Large</h1></center>\r\n"
            b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers", ())).get(b"content-length", b"0")
            if length.isdigit() and int(length) > self.LIMIT:
                await send({"type": "http.response.start", "status": 413, "headers": [
                    (b"content-type", b"text/html"),
                    (b"content-length", str(len(self.PAGE)).encode()),
                    (b"connection", b"close"),
                ]})
                await send({"type": "http.response.body", "body": self.PAGE})
                return
        await self.app(scope, receive, send)


class Latency:
    """Every response `seconds` late."""

    def __init__(self, app: ASGIApp, seconds: float = 0.1) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


def wrapped_by(wrap: Callable[..., ASGIApp], **options: Any) -> Wrap:
    """A Wrap applying middleware class `wrap` with `options`."""
    return lambda app: wrap(app, **options)
