"""Re-send the failing exchanges of a recorded run and show whether they still fail.

    python -m conformance replay reports/summary.json --check name_too_long_rejected

A run's summary carries, for each failure, the requests the check sent up to
and including the failing one (the last `KEPT` of them), as sent, with the key
redacted, and what the check expected of the failing one. Replay sends them
again in order, with the key read from the environment variable the run used,
and judges the failing one again when the expectation is a set of statuses
("400", "400 or 404"). When the rule needs more than one answer to judge (a
campaign that changed, a field compared with another request), replay shows
the recorded and the new answer and says the check must be run again
(`--check ID --seed N`), never claims a fix it cannot see.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._client import API_KEY_HEADER, NEAR_MISS, REDACTED, Exchange

__all__ = ["ReplayError", "Verdict", "expected_statuses", "replay", "replay_data", "sender"]

KEPT = 100
_STATUSES = re.compile(r"^\d{3}(?:(?:, | or )\d{3})*$")

# A request to send again: method, url, headers, body; answers (status or None, text).
Send = Callable[[dict[str, Any]], tuple[int | None, str]]


class ReplayError(Exception):
    """The summary or the request cannot be replayed; the message says why."""


def _record(exchange: Exchange, redact: Callable[[str], str]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "number": exchange.number,
        "method": exchange.method,
        "url": redact(exchange.url),
        "headers": {name: redact(value) for name, value in exchange.request_headers.items()},
        "status": exchange.status,
    }
    body = exchange.request_body
    if body is not None:
        try:
            record["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            record["body_base64"] = base64.b64encode(body).decode("ascii")
    return record


def replay_data(exchanges: list[Exchange], failing: Exchange | None, expected: str,
                redact: Callable[[str], str], key_env: str) -> dict[str, Any] | None:
    """What the summary keeps of a failure to replay it (None: nothing to re-send)."""
    if failing is None:
        return None
    upto = [e for e in exchanges if e.number <= failing.number][-KEPT:]
    return {"failing": failing.number, "expected": expected, "key_env": key_env,
            "exchanges": [_record(e, redact) for e in upto]}


def expected_statuses(expected: str) -> frozenset[int] | None:
    """The statuses an expectation such as "400, 404 or 409" allows; None if it is no such."""
    text = expected.strip()
    if not _STATUSES.match(text):
        return None
    return frozenset(int(s) for s in re.findall(r"\d{3}", text))


@dataclass
class Verdict:
    check_id: str
    state: str  # "still fails", "passes now", "undecided", "not replayed"
    lines: list[str] = field(default_factory=list)


def _body(record: dict[str, Any]) -> bytes | None:
    if "body_base64" in record:
        return base64.b64decode(record["body_base64"])
    if "body" in record:
        return str(record["body"]).encode("utf-8")
    return None


def replay(check_id: str, data: dict[str, Any], send: Send) -> Verdict:
    """Send the recorded requests again, in order; judge the failing one."""
    records = data.get("exchanges") or []
    if not records:
        return Verdict(check_id, "not replayed", ["no request was recorded for this failure"])
    near = [r["number"] for r in records if NEAR_MISS in r["headers"].values()]
    if near:
        return Verdict(check_id, "not replayed", [
            f"request #{near[0]} carried a near miss of the key, which is never written "
            "down; run the check again instead"])
    answer: tuple[int | None, str] = (None, "")
    for record in records:
        answer = send(record)
    failing = records[-1]
    status, text = answer
    lines = [f"{failing['method']} {failing['url']} body {failing.get('body', '(binary)')}",
             f"  recorded answer: {failing['status']}",
             f"  answer now:      {status if status is not None else text} "
             f"{text[:300] if status is not None else ''}".rstrip()]
    allowed = expected_statuses(str(data.get("expected", "")))
    if status is None:
        return Verdict(check_id, "still fails", [*lines, "  no answer"])
    if allowed is not None:
        state = "passes now" if status in allowed else "still fails"
        return Verdict(check_id, state, [*lines, f"  expected: {data['expected']}"])
    same = "the same status" if status == failing["status"] else "a different status"
    return Verdict(check_id, "undecided", [
        *lines, f"  expected: {data.get('expected')}",
        f"  {same} as recorded; this rule is judged over several answers: run the check "
        f"again (python -m conformance run --check {check_id} --seed N)"])


def sender(key: str, *, base_url: str | None = None, recorded_base: str = "",
           insecure: bool = False, timeout: float = 10.0) -> tuple[Send, Callable[[], None]]:
    """A Send over HTTP that puts the key back where it was redacted; and its closer."""
    import httpx

    client = httpx.Client(follow_redirects=False, verify=not insecure, trust_env=False,
                          timeout=httpx.Timeout(timeout),
                          headers={"User-Agent": "sigmamind-campaign-conformance"})

    def send(record: dict[str, Any]) -> tuple[int | None, str]:
        url = record["url"]
        if base_url and recorded_base and url.startswith(recorded_base):
            url = base_url.rstrip("/") + url[len(recorded_base):]
        headers = {name: (key if name.lower() == API_KEY_HEADER.lower() and value == REDACTED
                          else value)
                   for name, value in record["headers"].items()}
        try:
            response = client.request(record["method"], url, headers=headers,
                                      content=_body(record))
        except httpx.HTTPError as exc:
            return None, f"no answer: {type(exc).__name__}: {exc}"
        finally:
            client.cookies.clear()  # each request as recorded: no cookie an answer set
        return response.status_code, response.text

    return send, client.close
