"""Every exchange of a run as HAR 1.2, the format browsers' developer tools open.

    python -m conformance run --har reports/run.har

Built from the client's list of `Exchange`s, which hold requests as sent
with the key already replaced by `[redacted]` (and a near miss of it by its
own marker); response headers and bodies pass through the run's redactor
here, since a server may echo the key. Bodies that are not UTF-8 text are
written base64-encoded, as HAR allows. Each entry carries the check that sent
it (`_checkId`) and its number in the run (`_number`).

HAR wants a start time for each entry; the exchanges record durations only,
so entries are laid out from the run's start, one after the other.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import __version__
from ._client import Exchange

__all__ = ["har_document", "write_har"]

CREATOR = "sigmamind-campaign-conformance"


def _records(headers: dict[str, str], redact: Callable[[str], str]) -> list[dict[str, str]]:
    return [{"name": name, "value": redact(value)} for name, value in headers.items()]


def _text(data: bytes, key: str) -> dict[str, Any]:
    try:
        return {key: data.decode("utf-8")}
    except UnicodeDecodeError:
        return {key: base64.b64encode(data).decode("ascii"), "encoding": "base64"}


def _request(exchange: Exchange, redact: Callable[[str], str]) -> dict[str, Any]:
    request: dict[str, Any] = {
        "method": exchange.method,
        "url": redact(exchange.url),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _records(exchange.request_headers, redact),
        "queryString": [{"name": n, "value": v}
                        for n, v in parse_qsl(urlsplit(exchange.url).query)],
        "headersSize": -1,
        "bodySize": len(exchange.request_body) if exchange.request_body is not None else 0,
    }
    if exchange.request_body is not None:
        mime = exchange.request_headers.get("Content-Type", "")
        post = {"mimeType": mime, **_text(exchange.request_body, "text")}
        if post.pop("encoding", None):  # postData has no encoding field: say so in a comment
            post["comment"] = "text is the body base64-encoded (not UTF-8)"
        request["postData"] = post
    return request


def _response(exchange: Exchange, redact: Callable[[str], str],
              redact_bytes: Callable[[bytes], bytes]) -> dict[str, Any]:
    if exchange.status is None:
        return {"status": 0, "statusText": "", "httpVersion": "", "cookies": [], "headers": [],
                "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1,
                "bodySize": -1, "_error": redact(exchange.error or "no response")}
    body = redact_bytes(exchange.response_body)
    content: dict[str, Any] = {"size": len(body), "mimeType": exchange.content_type,
                               **_text(body, "text")}
    if exchange.truncated:
        content["comment"] = "body cut at the suite's read cap"
    try:
        reason = HTTPStatus(exchange.status).phrase
    except ValueError:
        reason = ""
    return {
        "status": exchange.status,
        "statusText": reason,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _records(exchange.response_headers, redact),
        "content": content,
        "redirectURL": redact(exchange.response_headers.get("location", "")),
        "headersSize": -1,
        "bodySize": len(body),
    }


def har_document(
    exchanges: Iterable[Exchange],
    *,
    redact: Callable[[str], str],
    redact_bytes: Callable[[bytes], bytes],
    started: datetime,
) -> dict[str, Any]:
    """The HAR 1.2 document (a dict) of `exchanges`, in the order they were sent."""
    entries = []
    clock = started.astimezone(UTC)
    for exchange in exchanges:
        millis = round(exchange.elapsed * 1000, 3)
        entries.append({
            "startedDateTime": clock.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "time": millis,
            "request": _request(exchange, redact),
            "response": _response(exchange, redact, redact_bytes),
            "cache": {},
            "timings": {"send": 0, "wait": millis, "receive": 0},
            "_checkId": exchange.check_id,
            "_number": exchange.number,
            # Sent at the same moment as others (the whole batch's size), and a
            # batched answer its check set aside for one sent again alone.
            **({"_batch": exchange.batch} if exchange.batch > 1 else {}),
            **({"_superseded": True} if exchange.superseded else {}),
        })
        clock += timedelta(milliseconds=millis)
    return {"log": {"version": "1.2", "creator": {"name": CREATOR, "version": __version__},
                    "entries": entries}}


def write_har(path: str | Path, exchanges: Iterable[Exchange], *, redact: Any,
              started: datetime) -> None:
    """Write the HAR file; `redact` is the run's Redactor (text and bytes)."""
    document = har_document(exchanges, redact=redact, redact_bytes=redact.bytes, started=started)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
