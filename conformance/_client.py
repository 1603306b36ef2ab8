"""Talking to the target: one bounded, polite, recorded HTTP exchange at a time.

Every request goes through `Client.send`, which
- never follows redirects (a 3xx is recorded as the response it is),
- applies the per-request timeout, the rate limit, the request budget and the
  run's time budget, and honours `Retry-After` on a 429 or 503 a bounded
  number of times,
- reads at most `BODY_CAP` bytes of a response, after undoing its content
  codings (gzip, deflate, br: offered, and transport rather than contract),
- sends a request again, once, on a fresh connection when the server closed
  an idle kept-alive connection before answering it (never one that got an
  answer),
- records an `Exchange` with the key redacted, which renders a one-line curl
  reproduction that reads the key from the environment.

The recorded exchange holds the headers as received (``Content-Encoding``
included) and the decoded body; ``wire_length`` counts the bytes as sent.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from ._codings import ACCEPT_ENCODING, BodyDecoder, DecodingFailed
from ._operation import UPDATE_CAMPAIGN, Operation
from ._target import Target
from ._tls import default_tls

BODY_CAP = 1024 * 1024
CURL_BODY_CAP = 2048
REDACTED = "[redacted]"
NEAR_MISS = "[redacted: a near miss of the key]"
API_KEY_HEADER = "X-API-Key"
_UNSET: Any = object()


class BudgetExhausted(Exception):
    """The run's request or time budget is spent."""


class TargetUnreachable(Exception):
    """The target cannot be reached at all."""


# Characters a key is made of (as keys are generated): a short key is a secret
# only where none of them stands beside it.
_KEY_CHARACTER = r"[A-Za-z0-9_\-]"
# A key shorter than this is redacted only as a whole token: a mock's key "k"
# would otherwise turn every "check" into "chec[redacted]".
WHOLE_TOKEN_BELOW = 8
_REDACTED_BYTES = REDACTED.encode()
# Past this size a body is first asked whether it holds every byte of a secret at
# all (the 2 MiB probes are one byte repeated): a memchr each, far cheaper than
# a substring search of the whole body per secret.
_LARGE = 64 * 1024


@functools.cache
def _distinct(encoded: bytes) -> tuple[bytes, ...]:
    """The distinct bytes of a secret, as one-byte strings."""
    return tuple(bytes([b]) for b in dict.fromkeys(encoded))
_Patterns = tuple[re.Pattern[str], re.Pattern[bytes]]


class Redactor:
    """Replaces every secret it knows with [redacted].

    A secret of WHOLE_TOKEN_BELOW characters or more is replaced wherever it
    occurs; a shorter one only where it stands alone (a header value, a query
    value, a JSON string), not inside a longer word.
    """

    def __init__(self, *secrets: str) -> None:
        # Each secret: its UTF-8 bytes, and the patterns (text, bytes) of a short one
        # (None: replaced wherever it occurs).
        self._secrets: dict[str, tuple[bytes, _Patterns | None]] = {}
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        if not secret or secret in self._secrets:
            return
        encoded = secret.encode("utf-8", "replace")
        patterns = None
        if len(secret) < WHOLE_TOKEN_BELOW:
            alone = f"(?<!{_KEY_CHARACTER}){re.escape(secret)}(?!{_KEY_CHARACTER})"
            patterns = re.compile(alone), re.compile(alone.encode("utf-8", "replace"))
        self._secrets[secret] = encoded, patterns

    def __call__(self, text: str) -> str:
        for secret, (_, patterns) in self._secrets.items():
            if secret in text:
                text = (patterns[0].sub(REDACTED, text) if patterns
                        else text.replace(secret, REDACTED))
        return text

    def bytes(self, data: bytes) -> bytes:
        large = len(data) > _LARGE
        for encoded, patterns in self._secrets.values():
            if large and not all(byte in data for byte in _distinct(encoded)):
                continue  # a byte of the secret occurs nowhere: one memchr, not a search
            if encoded in data:
                data = (patterns[1].sub(_REDACTED_BYTES, data) if patterns
                        else data.replace(encoded, _REDACTED_BYTES))
        return data


@dataclass
class Exchange:
    """One request and what came back (or why nothing did)."""

    number: int
    method: str
    url: str
    path: str
    request_headers: dict[str, str]
    request_body: bytes | None
    key_env: str
    check_id: str | None = None
    hostile: bool = False
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: bytes = b""
    truncated: bool = False
    elapsed: float = 0.0
    error: str | None = None
    retries: int = 0
    wire_length: int = 0  # body bytes as received, before content codings are undone
    # Sent at the same moment as `batch - 1` other requests (0: alone).
    batch: int = 0
    # Sent beside others and then again alone (its check would have failed it, or it
    # got no answer): the check judged the later exchange, and so do the run-wide checks.
    superseded: bool = False

    @property
    def charset(self) -> str:
        """The charset parameter of the Content-Type, lower case ("utf-8" when none)."""
        for parameter in self.content_type.split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset" and value.strip():
                return value.strip().strip('"').lower()
        return "utf-8"

    @property
    def content_type(self) -> str:
        return self.response_headers.get("content-type", "")

    def json(self) -> Any:
        """The response body as JSON; ValueError when it is not."""
        if self.truncated:
            raise ValueError(f"body longer than {BODY_CAP} bytes, not read in full")
        return json.loads(self.response_body.decode(_codec(self.charset)))

    def json_or_none(self) -> Any:
        try:
            return self.json()
        except ValueError:
            return None

    def body_text(self, limit: int = 2000) -> str:
        text = printable(self.response_body[:limit].decode("utf-8", "replace"))
        if len(self.response_body) > limit or self.truncated:
            note = ", truncated" if self.truncated else ""
            text += f" ... ({len(self.response_body)} bytes{note})"
        return text

    def request_text(self, limit: int = 2000) -> str:
        if self.request_body is None:
            return "(no body)"
        text = printable(self.request_body[:limit].decode("utf-8", "replace"))
        if len(self.request_body) > limit:
            text += f" ... ({len(self.request_body)} bytes)"
        return text

    def outcome(self) -> str:
        if self.error:
            return self.error
        return f"{self.status} {self.content_type or '(no content type)'}"

    def curl(self) -> str:
        """One line that sends this request again; the key comes from the environment."""
        parts = ["curl", "-sS", "-i", "-X", self.method, self._with_key(self.url)]
        for name, value in self.request_headers.items():
            parts += ["-H", self._with_key(f"{name}: {value}")]
        if self.request_body is not None:
            body = self.request_body
            if len(body) > CURL_BODY_CAP:
                parts += ["--data-binary", f"'<{len(body)} bytes, see the request attachment>'"]
            else:
                parts += ["--data-binary", _shell_bytes(body)]
        return " ".join(parts)

    def _with_key(self, word: str) -> str:
        """`word` quoted for a shell, each redacted key read from the environment."""
        if REDACTED not in word:
            return shlex.quote(word)
        escaped = re.sub(r'(["\\$`])', r"\\\1", word)

        def variable(match: re.Match[str]) -> str:
            return ("${%s}" if match.group(1) else "$%s") % self.key_env

        return '"' + re.sub(re.escape(REDACTED) + r"(?=(\w?))", variable, escaped) + '"'


def _codec(charset: str) -> str:
    """The codec of a charset parameter; UTF-8 (JSON's own, RFC 8259) when unknown."""
    import codecs

    try:
        return codecs.lookup(charset).name
    except LookupError:
        return "utf-8"


def printable(text: str) -> str:
    """`text` with control and other unprintable characters escaped (one safe line)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def resembles_key(value: str, key: str, *, run: int = 8) -> bool:
    """Whether `value` carries `run` or more consecutive characters of `key` (any case)."""
    if len(key) < run:
        return bool(value) and value.lower() == key.lower()
    if len(value) < run:
        return False
    folded = value.lower()
    lowered = key.lower()
    if len(folded) > len(lowered):  # fewer windows of the key to look for
        return any(lowered[i : i + run] in folded for i in range(len(lowered) - run + 1))
    windows = _windows(lowered, run)
    return any(folded[i : i + run] in windows for i in range(len(folded) - run + 1))


@functools.lru_cache(maxsize=8)
def _windows(text: str, run: int) -> frozenset[str]:
    """Every `run` consecutive characters of `text`."""
    return frozenset(text[i : i + run] for i in range(len(text) - run + 1))


def _shell_bytes(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable():
        return shlex.quote(text)
    escaped = "".join(
        chr(b) if 32 <= b < 127 and chr(b) not in "'\\" else f"\\x{b:02x}" for b in data
    )
    return f"$'{escaped}'"


@dataclass
class Stats:
    sent: int = 0
    retried: int = 0  # after a 429 or 503 with Retry-After
    reconnected: int = 0  # sent again after an idle kept-alive connection was found closed
    timings: list[float] = field(default_factory=list)

    def median(self) -> float | None:
        if not self.timings:
            return None
        ordered = sorted(self.timings)
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2

    def worst(self) -> float | None:
        return max(self.timings) if self.timings else None


class Client:
    """The suite's only way to the target."""

    # monotonic() and sleep() of the rate limiter and the Retry-After waits; tests drive their own.
    pacing: Any = time

    def __init__(
        self,
        target: Target,
        *,
        redactor: Redactor | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        operation: Operation = UPDATE_CAMPAIGN,
    ) -> None:
        self.target = target
        self.operation = operation
        self.redact = redactor or Redactor()
        self.redact.add(target.api_key)
        # As a query string or a cookie carries it, percent-encoded.
        self.redact.add(quote(str(target.api_key), safe=""))
        self.on_exchange = on_exchange
        self.exchanges: list[Exchange] = []
        # The last successful read of the campaign's state (Context.state).
        self.last_state_read: Exchange | None = None
        # Request sets the run needs once, whichever check sends them first.
        self.sent_once: set[str] = set()
        self.stats = Stats()
        self.current_check: str | None = None
        self.exhausted: str | None = None  # why the budget stopped the run, once it has
        # Why independent requests go out one at a time from now on (Context.batch_width).
        self.one_at_a_time: str | None = None
        self._lock = threading.Lock()
        self._local = threading.local()  # per thread: the gate of a parallel send
        self._started = time.monotonic()
        self._last_sent = 0.0
        self._allowance = 1.0  # requests the rate limit lets go at once now (_before_send)
        verify: Any = default_tls()
        if target.insecure:
            verify = False
        elif target.ca_bundle:
            verify = target.ca_bundle
        # httpx's transport, not its Client: every request goes out exactly as
        # recorded (a Client would send back the cookies answers set, which no
        # recorded request or curl line shows), and the Client's per-request
        # bookkeeping (cookies, auth, redirects, hooks) is not paid: 0.1 to 0.3
        # ms of CPU a request, measured against a server on loopback.
        self._transport: httpx.BaseTransport = transport or httpx.HTTPTransport(
            verify=verify, trust_env=False)
        self._timeout = httpx.Timeout(target.limits.timeout).as_dict()
        # The headers an httpx Client sends by default, in its order, with ours.
        self._default_headers = {"Accept": "*/*", "Connection": "keep-alive",
                                 "User-Agent": "sigmamind-campaign-conformance",
                                 "Accept-Encoding": ACCEPT_ENCODING}

    def close(self) -> None:
        self._transport.close()

    # -- budget ---------------------------------------------------------
    def _before_send(self, exempt: bool) -> None:
        limits = self.target.limits
        if exempt:
            pass
        elif self.exhausted is not None:  # stopped once: every later send stops at once
            raise BudgetExhausted(self.exhausted)
        elif limits.max_requests is not None and self.stats.sent >= limits.max_requests:
            self.exhausted = f"request budget of {limits.max_requests} spent"
            raise BudgetExhausted(self.exhausted)
        if limits.time_budget is not None and not exempt:
            if time.monotonic() - self._started >= limits.time_budget:
                self.exhausted = f"time budget of {limits.time_budget:g} s spent"
                raise BudgetExhausted(self.exhausted)
        rate = limits.rate_limit
        if rate is None and not self.target.is_loopback:
            rate = 10.0
        now = self.pacing.monotonic()
        if rate:
            # A token bucket: `rate` requests a second on average. Sent alone, a
            # request leaves 1/rate s after the one before; the requests of a
            # parallel send (up to Target.parallel, what --concurrency allows at
            # once) may leave together on what the bucket has saved.
            together = getattr(self._local, "gate", None) is not None
            self._allowance = min(float(self.target.parallel if together else 1),
                                  self._allowance + (now - self._last_sent) * rate)
            if self._allowance < 1.0 - 1e-9:  # not a rounding error's worth short
                wait = (1.0 - self._allowance) / rate
                self.pacing.sleep(wait)
                now += wait
                self._allowance = 1.0
            self._allowance -= 1.0
        self._last_sent = now

    # -- requests -------------------------------------------------------
    def url_for(self, campaign_id: str) -> tuple[str, str]:
        path = self.operation.path_for(campaign_id)
        return self.target.base_url + path, path

    def send(
        self,
        campaign_id: str,
        *,
        body: Any = _UNSET,
        raw: bytes | None = None,
        content_type: str | None = "application/json",
        api_key: Any = _UNSET,
        headers: dict[str, str] | None = None,
        hostile: bool = False,
        exempt: bool = False,
        query: dict[str, str] | None = None,
        record: bool = True,
    ) -> Exchange:
        """Send the operation's request for resource `campaign_id`: its method, to its
        path with the id in place. Transport failures are recorded on the Exchange,
        not raised.

        `exempt` requests (the final restore) are not stopped by the budgets.
        `query` parameters are appended to the URL (recorded with the key redacted).
        """
        method = self.operation.method
        url, path = self.url_for(campaign_id)
        if query:
            url += "?" + urlencode(query, quote_via=quote)
        content: bytes | None
        if raw is not None:
            content = raw
        elif body is _UNSET:
            content = None
        else:
            content = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        send_headers: dict[str, str] = {}
        if content is not None and content_type is not None:
            send_headers["Content-Type"] = content_type
        key = self.target.api_key if api_key is _UNSET else api_key
        if key is not None:
            send_headers[API_KEY_HEADER] = key
        send_headers.update(headers or {})
        for value in send_headers.values():
            if value != self.target.api_key and resembles_key(value, self.target.api_key):
                # A near miss of the key (the auth checks send some) is as secret as the key.
                self.redact.add(value)
        key, encoded_key = self.target.api_key, quote(str(self.target.api_key), safe="")
        shown_headers = {
            name: (
                self.redact(value)  # the key redacted inside, e.g. "Bearer [redacted]"
                if key and (key in value or encoded_key in value)
                else NEAR_MISS
                if resembles_key(value, self.target.api_key)
                else self.redact(value)
            )
            for name, value in send_headers.items()
        }
        with self._lock:
            self._before_send(exempt)
            self.stats.sent += 1
            exchange = Exchange(
                number=self.stats.sent,
                method=method,
                url=self.redact(url),
                path=path,
                request_headers=shown_headers,
                request_body=None if content is None else self.redact.bytes(content),
                key_env=self.target.api_key_env,
                check_id=self.current_check,
                hostile=hostile,
            )
        self._released()
        self._perform(exchange, method, url, send_headers, content)
        if record:
            self.exchanges.append(exchange)
            if self.on_exchange is not None:
                self.on_exchange(exchange)
        return exchange

    def send_parallel(self, calls: list[dict[str, Any]]) -> list[Exchange]:
        """Send a few of the operation's requests at once (each a dict of `send`'s
        keyword arguments).

        Each is budgeted, rate-limited and redacted as `send` does; all are
        released together once every one has passed the budget, so the target
        receives them concurrently. They are recorded (and announced to
        `on_exchange`) in the caller's thread, in the order the calls were
        given, whatever order they finished in: the same seed records the same
        requests in the same order. A spent budget is raised here.
        """
        if len(calls) == 1:
            return [self.send(**calls[0])]
        gate = threading.Barrier(len(calls))
        results: list[Exchange | None] = [None] * len(calls)
        failures: list[BaseException] = []

        def one(index: int, call: dict[str, Any]) -> None:
            self._local.gate = gate
            try:
                results[index] = self.send(**call, record=False)
            except BaseException as exc:  # re-raised in the caller's thread
                gate.abort()
                failures.append(exc)

        threads = [threading.Thread(target=one, args=(i, c), daemon=True)
                   for i, c in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        batch = [r for r in results if r is not None]
        for exchange, number in zip(batch, sorted(e.number for e in batch), strict=True):
            exchange.number = number
            exchange.batch = len(calls)
        self.exchanges.extend(batch)
        if self.on_exchange is not None:
            for exchange in batch:
                self.on_exchange(exchange)
        if failures:
            raise failures[0]
        return batch

    def answered_only_alone(self, batched: Exchange) -> None:
        """`batched`, sent beside others, got no answer, and the same request sent
        alone did: the target serves one connection at a time (which the contract
        leaves to it). Independent requests go one at a time from now on; the
        first such request is the reason kept."""
        if self.one_at_a_time is None:
            self.one_at_a_time = (
                f"request {batched.number}, sent beside {batched.batch - 1} others, "
                f"got no answer ({batched.error}); sent again alone, it was answered")

    def _released(self) -> None:
        """In a parallel send: wait until every request of the batch may go."""
        gate = getattr(self._local, "gate", None)
        if gate is not None:
            self._local.gate = None
            try:
                gate.wait(self.target.limits.timeout)
            except threading.BrokenBarrierError:
                pass

    def _perform(
        self,
        exchange: Exchange,
        method: str,
        url: str,
        headers: dict[str, str],
        content: bytes | None,
    ) -> None:
        request = httpx.Request(method, url, headers={**self._default_headers, **headers},
                                content=content, extensions={"timeout": self._timeout})
        fresh_retry = True
        attempt = 0
        while True:
            started = time.monotonic()
            trail = _Trail()
            request.extensions["trace"] = trail
            try:
                self._receive(exchange, request, trail)
            except httpx.TimeoutException:
                exchange.error = f"no response within {self.target.limits.timeout:g} s (timeout)"
            except httpx.ConnectError as exc:
                reason = self.redact(str(exc)) or type(exc).__name__
                if "CERTIFICATE_VERIFY_FAILED" in reason:
                    reason = (f"TLS certificate not trusted ({reason}); "
                              "for a private CA pass --ca-bundle FILE")
                exchange.error = f"connection failed: {reason}"
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if fresh_retry and trail.reused and not trail.answered:
                    # The server closed a kept-alive connection while it sat idle,
                    # and the request went out on it before the close was seen:
                    # it never reached the application. Once, on a new connection.
                    fresh_retry = False
                    exchange.retries += 1
                    self.stats.reconnected += 1
                    continue
                exchange.error = (
                    f"connection broken mid-response: {self.redact(str(exc)) or type(exc).__name__}"
                )
            except DecodingFailed as exc:
                exchange.error = f"response body not decodable: {exc}"
            except httpx.HTTPError as exc:
                exchange.error = f"transport error: {self.redact(str(exc)) or type(exc).__name__}"
            exchange.elapsed = time.monotonic() - started
            self.stats.timings.append(exchange.elapsed)
            # A 429, or a 503 with Retry-After (a service shedding load): the request
            # was not taken up; asked again after the wait, a bounded number of times.
            # A 503 without Retry-After is the answer (no_server_errors judges it).
            shedding = exchange.status == 503 and "retry-after" in exchange.response_headers
            if (exchange.status == 429 or shedding) and attempt < 3:
                delay = _retry_after(exchange.response_headers.get("retry-after"),
                                     exchange.response_headers.get("date"))
                if delay is not None and delay <= self.target.limits.max_retry_after:
                    attempt += 1
                    exchange.retries += 1
                    self.stats.retried += 1
                    self.pacing.sleep(delay)
                    continue
            return

    def _receive(self, exchange: Exchange, request: httpx.Request, trail: _Trail) -> None:
        response = self._transport.handle_request(request)
        response.request = request
        try:
            # Kept as received (api_key_not_echoed looks for the key here);
            # everything that writes an exchange out redacts it.
            received = {k.lower(): v for k, v in response.headers.items()}
            exchange.status = response.status_code
            exchange.response_headers = received
            decoder = BodyDecoder(received.get("content-encoding", ""), BODY_CAP)
            body = bytearray()
            wire = 0
            for chunk in response.iter_raw():
                wire += len(chunk)
                body.extend(decoder.feed(chunk))
                if decoder.over_cap or wire > BODY_CAP:
                    break
            truncated = decoder.over_cap or wire > BODY_CAP
            if not truncated and wire:  # no bytes at all: empty in any coding
                decoder.finish()
            del body[BODY_CAP:]
            exchange.response_body = bytes(body)
            exchange.wire_length = wire
            exchange.truncated = truncated
            exchange.error = None
        finally:
            response.close()


class _Trail:
    """What the transport did for one attempt: a pooled connection or a new one,
    and whether an answer's head arrived (httpcore's trace extension)."""

    def __init__(self) -> None:
        self.reused = True
        self.answered = False

    def __call__(self, event: str, info: dict[str, Any]) -> None:
        if event == "connection.connect_tcp.started":
            self.reused = False
        elif event.endswith("receive_response_headers.complete"):
            self.answered = True


def _retry_after(value: str | None, date: str | None = None) -> float | None:
    """Seconds to wait; an HTTP-date is read against the answer's own Date header
    (the server's clock), and only without one against ours."""
    if value is None:
        return 1.0
    try:
        return max(0.0, float(value.strip()))
    except ValueError:
        from email.utils import parsedate_to_datetime

        from ._clock import SystemClock

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return 1.0
        try:
            now = parsedate_to_datetime(date) if date else SystemClock().now()
        except (TypeError, ValueError):
            now = SystemClock().now()
        if when.tzinfo is None or now.tzinfo is None:
            return 1.0
        return max(0.0, (when - now).total_seconds())
