#!/usr/bin/env python3
"""Independent implementation of PATCH /v1/campaigns/{campaignId} ("Update Campaign").

Python 3.11 standard library only (http.server), written from spec/openapi.yaml
and the fixture format alone (reference/_independent.py). Usage:
    python3 server.py --fixtures world.json [--host 127.0.0.1] [--port 0]
Prints one line {"port": N} on stdout once listening; stops on SIGTERM.

CHOICES MADE WHERE THE DOCUMENT IS SILENT, AMBIGUOUS OR SELF-CONTRADICTORY
(one line each: question -> choice -> why)
- Auth: how is the caller identified? -> X-API-Key header, compared exactly (surrounding OWS trimmed, constant-time); missing, empty, repeated or unknown key -> 401 -> securityScheme + 401 example text.
- Campaign owned by another account: 403 or 404? -> 404 -> an account "sees" only its own campaigns; 403 would reveal that the id exists elsewhere. 403 is therefore never produced.
- Order of checks? -> route 404 -> method 405 -> auth 401 -> campaign 404 -> body/content-type 400 -> field validation 400 -> name uniqueness / lifecycle 409 -> no work on a body for a resource the caller cannot see.
- Methods other than PATCH on the campaign path? -> 405 with Allow: PATCH and an Error body -> only PATCH is specified; 405 is the HTTP-correct answer.
- Unknown paths (incl. trailing slash, empty id, extra segments)? -> 404 Error body -> no route.
- campaignId in the path -> percent-decoded, matched exactly (case-sensitive) -> ids are opaque strings.
- Content-Type not application/json (or +json), or charset other than utf-8 -> 400 -> requestBody only declares application/json; 400 keeps to the documented status set.
- Missing/empty body -> 400 -> requestBody.required: true. Body "{}" -> 200 with the unchanged campaign (an empty partial update is a valid no-op).
- Body that is not a JSON object, malformed JSON, invalid UTF-8, NaN/Infinity, duplicate keys, absurd nesting -> 400 -> not a valid UpdateCampaignRequest; duplicate keys are ambiguous.
- Unknown properties (e.g. campaignStatus, campaignId, scheduledAt) -> 400 listing them -> silently ignoring typos or read-only fields would look like a successful update that did nothing.
- null for any property -> 400 -> no property is declared nullable (OpenAPI 3.0.1).
- Booleans are not integers/strings, integers must be JSON integer literals (5.0 rejected) -> strict schema typing.
- All field errors reported at once in validationErrors {field: message}; message "Invalid request parameters" -> Error schema has validationErrors.
- campaignName: length counted in Unicode code points (1..128), stored verbatim; whitespace-only names rejected (400) -> unusable as a display name.
- campaignName uniqueness -> exact, case-sensitive comparison with the account's *other* campaigns; clash -> 409; keeping its own name is fine -> "unique within your account"; 409 is the documented conflict status.
- sipPhoneNumber -> must fully match ^\+[1-9][0-9]{6,14}$ (ASCII digits, no trailing newline), then exist in the caller's account and be active (enabled for outbound); otherwise 400 -> prose "must be provisioned ... enabled for outbound calls". Legacy fixture numbers outside the pattern are refused by the pattern.
- Number of another account -> 400 "not found" (same as nonexistent) -> isolation; no existence leak.
- agentId -> length 1..64, then must exist in the caller's account and not be 'Disabled'; otherwise 400 -> a disabled agent cannot handle calls; 'Testing' and 'Live' are accepted. Exact match only (the example 'D5D0p7TUs66TTAEAx' lacks the 'agent_' prefix of real ids; no prefix guessing).
- No check that the number's inbound/outboundAgentId equals the campaign agent -> not required anywhere in the document.
- Referenced agent/number are validated only when supplied in the request (even if equal to the current value) -> partial update.
- concurrentCalls -> integer 1..2147483647 (positive, int32) -> schema + prose; no account maximum is documented. If omitted it stays unchanged (partial-update rule beats the create-style "account default is used" text).
- dynamicVariables -> replaces the whole stored map (field-level PATCH, not a deep merge); values must be string/number/boolean/object/array (null rejected); keys not checked against the agent configuration (not available to this service).
- isScheduled omitted -> schedule and status untouched; scheduledDate/Time/Timezone are then ignored (only their JSON type, string, is checked) -> prose "Ignored when isScheduled is false or omitted".
- isScheduled true -> scheduledDate, scheduledTime, scheduledTimezone all required in the same request (not merged from the stored schedule) -> prose "all required".
- scheduledDate -> strictly YYYY-MM-DD and a real calendar date -> format: date + prose; the example '2025-09-25T00:00:00.000Z' contradicts this and is refused.
- scheduledTime -> strictly HH:mm:ss, 24h, no fraction/offset -> prose (RFC 3339 'time' would require an offset, but the zone comes from scheduledTimezone).
- scheduledTimezone -> must be a canonical or backward-link IANA name known to zoneinfo (exact case); 'localtime', 'Factory', 'posixrules', 'posix/*', 'right/*' refused -> not IANA zone names.
- "Must be a future date" -> the combined local date+time in that zone must be strictly later than now (today at a later hour is allowed) -> what matters is the launch instant.
- Local time that does not exist (DST gap) -> 400; ambiguous local time (DST overlap) -> the first occurrence (fold=0) -> avoid silently shifting the launch.
- isScheduled true -> status 'scheduled' (from live/paused/scheduled); on a 'completed' campaign -> 409 -> a finished campaign cannot be relaunched.
- isScheduled false -> schedule cleared; a 'scheduled' campaign becomes 'live' (starts now); live/paused/completed keep their status -> false means "not held for later", unscheduling must not silently resume a paused campaign.
- Response scheduledDate -> always present; UTC instant 'YYYY-MM-DDTHH:MM:SS.sssZ' or null -> matches the example; "including timezone" satisfied by 'Z'.
- Response 'scheduled' -> true iff the campaign has a pending schedule instant -> mirrors isScheduled.
- Response contains only CampaignResponse properties (no dynamicVariables/scheduledTimezone) -> the documented schema; agent/phoneNumber resolved from the account (null if a fixture reference dangles).
- Error body -> {timestamp (UTC ms Z), status, error (reason phrase), message, path (request path without query), validationErrors when relevant}; Content-Type application/json for every response, success or error.
- Bodies larger than 1 MiB -> 413 and the connection is closed; both Content-Length and Transfer-Encoding, or a bad Content-Length -> 400 and close; chunked bodies are supported.
- Concurrency -> one lock serialises each update's check-and-write and response rendering -> name uniqueness checks cannot race.
- Unexpected exception -> 500 Error body, server keeps running.
"""

import argparse
import hmac
import json
import re
import signal
import sys
import threading
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

try:
    import zoneinfo
except Exception:  # pragma: no cover
    zoneinfo = None

MAX_BODY = 1024 * 1024
INT32_MAX = 2147483647
PHONE_RE = re.compile(r"\+[1-9][0-9]{6,14}")
DATE_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
TIME_RE = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})")
ALLOWED_FIELDS = (
    "campaignName", "sipPhoneNumber", "agentId", "isScheduled", "scheduledDate",
    "scheduledTime", "scheduledTimezone", "concurrentCalls", "dynamicVariables",
)
REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict",
    411: "Length Required", 413: "Payload Too Large", 414: "URI Too Long",
    415: "Unsupported Media Type", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 505: "HTTP Version Not Supported",
}
DEFAULT_MESSAGES = {
    400: "Invalid request parameters",
    401: "X-API-Key is missing or invalid",
    403: "Access denied for this resource",
    404: "The requested resource was not found",
    409: "Conflict with the current state of the resource",
    500: "Unexpected server error",
}


def _load_zones():
    zones = set()
    if zoneinfo is not None:
        try:
            zones = set(zoneinfo.available_timezones())
        except Exception:
            zones = set()
    bad = {"localtime", "Factory", "posixrules"}
    return {z for z in zones if z not in bad and not z.startswith(("posix/", "right/"))}


ZONES = _load_zones()


def get_zone(name):
    """Return a ZoneInfo for a valid IANA name, else None."""
    if zoneinfo is None or not isinstance(name, str):
        return None
    if ZONES and name not in ZONES:
        return None
    if not ZONES and (not re.fullmatch(r"[A-Za-z0-9_+\-]+(/[A-Za-z0-9_+\-]+)*", name)
                      or name in ("localtime", "Factory", "posixrules")):
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except Exception:
        return None


def now_utc():
    return datetime.now(timezone.utc)


def iso_ms(dt):
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def parse_instant(value):
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("scheduledAt must be a string or null")
    v = value.strip()
    if v.endswith("Z") or v.endswith("z"):
        v = v[:-1] + "+00:00"
    dt = datetime.fromisoformat(v)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


# --------------------------------------------------------------------------- state

class Store:
    def __init__(self, fixtures):
        self.lock = threading.Lock()
        self.accounts = {}  # apiKey -> account dict
        for acc in fixtures.get("accounts", []):
            key = acc.get("apiKey")
            if not isinstance(key, str) or not key:
                raise ValueError("account without apiKey")
            agents = {}
            for a in acc.get("agents", []) or []:
                agents[a["agentId"]] = dict(a)
            numbers = {}
            for n in acc.get("phoneNumbers", []) or []:
                numbers[n["sipPhoneNumber"]] = dict(n)
            campaigns = {}
            for c in acc.get("campaigns", []) or []:
                c = dict(c)
                c["scheduledAt"] = parse_instant(c.get("scheduledAt"))
                if c.get("dynamicVariables") is None:
                    c["dynamicVariables"] = {}
                campaigns[c["campaignId"]] = c
            self.accounts[key] = {"agents": agents, "numbers": numbers, "campaigns": campaigns}

    def account_for_key(self, key):
        if not key:
            return None
        found = None
        kb = key.encode("utf-8", "surrogateescape")
        for k, acc in self.accounts.items():
            if hmac.compare_digest(kb, k.encode("utf-8", "surrogateescape")):
                found = acc
        return found


def render_campaign(acc, c):
    agent = acc["agents"].get(c.get("agentId"))
    number = acc["numbers"].get(c.get("sipPhoneNumber"))
    sched = c.get("scheduledAt")
    return {
        "campaignId": c.get("campaignId"),
        "campaignName": c.get("campaignName"),
        "campaignStatus": c.get("campaignStatus"),
        "scheduledDate": iso_ms(sched) if sched is not None else None,
        "concurrentCalls": c.get("concurrentCalls"),
        "agent": None if agent is None else {
            "name": agent.get("name"),
            "agentId": agent.get("agentId"),
            "status": agent.get("status"),
        },
        "phoneNumber": None if number is None else {
            k: number.get(k) for k in (
                "sipPhoneNumber", "provider", "inboundAgentId", "outboundAgentId",
                "outboundPhoneNumber", "active", "terminationSipURI", "friendlyName")
        },
        "errors": c.get("errors"),
        "scheduled": sched is not None,
    }


# --------------------------------------------------------------------------- validation

class ApiError(Exception):
    def __init__(self, status, message=None, validation=None, close=False, headers=None):
        super().__init__(message)
        self.headers = headers
        self.status = status
        self.message = message or DEFAULT_MESSAGES.get(status, REASONS.get(status, "Error"))
        self.validation = validation
        self.close = close


def _dup_hook(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate key %r" % k)
        obj[k] = v
    return obj


def _bad_constant(name):
    raise ValueError("invalid JSON number %s" % name)


def parse_json_body(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "Request body is not valid UTF-8")
    if not text.strip():
        raise ApiError(400, "Request body is required")
    try:
        return json.loads(text, object_pairs_hook=_dup_hook, parse_constant=_bad_constant)
    except (ValueError, RecursionError) as e:
        raise ApiError(400, "Malformed JSON request body: %s" % str(e)[:200])


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and (not isinstance(v, float) or v == v and v not in (float("inf"), float("-inf"))))


def validate_schema(body):
    """Schema-level checks of UpdateCampaignRequest. Returns dict field -> message."""
    errs = {}
    for k in body:
        if k not in ALLOWED_FIELDS:
            errs[k] = "Unknown field"
    if "campaignName" in body:
        v = body["campaignName"]
        if not isinstance(v, str):
            errs["campaignName"] = "must be a string"
        elif not (1 <= len(v) <= 128):
            errs["campaignName"] = "length must be between 1 and 128 characters"
        elif not v.strip():
            errs["campaignName"] = "must not be blank"
    if "sipPhoneNumber" in body:
        v = body["sipPhoneNumber"]
        if not isinstance(v, str):
            errs["sipPhoneNumber"] = "must be a string"
        elif not PHONE_RE.fullmatch(v):
            errs["sipPhoneNumber"] = "must be in +E.164 format (^\\+[1-9][0-9]{6,14}$)"
    if "agentId" in body:
        v = body["agentId"]
        if not isinstance(v, str):
            errs["agentId"] = "must be a string"
        elif not (1 <= len(v) <= 64):
            errs["agentId"] = "length must be between 1 and 64 characters"
    if "isScheduled" in body and not isinstance(body["isScheduled"], bool):
        errs["isScheduled"] = "must be a boolean"
    for f in ("scheduledDate", "scheduledTime", "scheduledTimezone"):
        if f in body and not isinstance(body[f], str):
            errs[f] = "must be a string"
    if "concurrentCalls" in body:
        v = body["concurrentCalls"]
        if not is_int(v):
            errs["concurrentCalls"] = "must be an integer"
        elif not (1 <= v <= INT32_MAX):
            errs["concurrentCalls"] = "must be a positive integer no greater than %d" % INT32_MAX
    if "dynamicVariables" in body:
        v = body["dynamicVariables"]
        if not isinstance(v, dict):
            errs["dynamicVariables"] = "must be an object"
        else:
            for key, val in v.items():
                if not (isinstance(val, (str, bool, dict, list)) or is_number(val)):
                    errs["dynamicVariables." + key] = "must be a string, number, boolean, object or array"
    return errs


def validate_schedule(body, errs):
    """When isScheduled is true: returns (instant_utc, tzname) or None with errs filled."""
    missing = [f for f in ("scheduledDate", "scheduledTime", "scheduledTimezone") if f not in body]
    for f in missing:
        errs[f] = "is required when isScheduled is true"
    if any(f in errs for f in ("scheduledDate", "scheduledTime", "scheduledTimezone")):
        return None
    d_s, t_s, z_s = body["scheduledDate"], body["scheduledTime"], body["scheduledTimezone"]
    d = t = z = None
    m = DATE_RE.fullmatch(d_s)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            d = None
    if d is None:
        errs["scheduledDate"] = "must be a valid date in YYYY-MM-DD format"
    m = TIME_RE.fullmatch(t_s)
    if m and int(m.group(1)) <= 23 and int(m.group(2)) <= 59 and int(m.group(3)) <= 59:
        t = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    else:
        errs["scheduledTime"] = "must be a valid time in HH:mm:ss format"
    z = get_zone(z_s)
    if z is None:
        errs["scheduledTimezone"] = "must be a valid IANA timezone identifier"
    if d is None or t is None or z is None:
        return None
    local = datetime(d.year, d.month, d.day, t[0], t[1], t[2], tzinfo=z, fold=0)
    try:
        inst = local.astimezone(timezone.utc)
        back = inst.astimezone(z)
    except (OverflowError, ValueError):
        errs["scheduledDate"] = "date is out of range"
        return None
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        errs["scheduledTime"] = "does not exist in timezone %s on that date (DST transition)" % z_s
        return None
    if inst <= now_utc():
        errs["scheduledDate"] = "scheduled date and time must be in the future"
        return None
    return inst, z_s


def apply_update(acc, campaign, body):
    """Validate body against account state and apply it. Caller holds the lock."""
    errs = validate_schema(body)
    schedule = None
    if body.get("isScheduled") is True and "isScheduled" not in errs:
        schedule = validate_schedule(body, errs)
    if "agentId" in body and "agentId" not in errs:
        agent = acc["agents"].get(body["agentId"])
        if agent is None:
            errs["agentId"] = "Agent not found"
        elif agent.get("status") == "Disabled":
            errs["agentId"] = "Agent is disabled and cannot be used for a campaign"
    if "sipPhoneNumber" in body and "sipPhoneNumber" not in errs:
        num = acc["numbers"].get(body["sipPhoneNumber"])
        if num is None:
            errs["sipPhoneNumber"] = "Phone number not found in this account"
        elif num.get("active") is not True:
            errs["sipPhoneNumber"] = "Phone number is not enabled for outbound calls"
    if errs:
        raise ApiError(400, "Invalid request parameters", errs)

    # 409 checks
    if "campaignName" in body:
        name = body["campaignName"]
        for cid, other in acc["campaigns"].items():
            if cid != campaign["campaignId"] and other.get("campaignName") == name:
                raise ApiError(409, "A campaign named '%s' already exists in this account" % name)
    if body.get("isScheduled") is True and campaign.get("campaignStatus") == "completed":
        raise ApiError(409, "A completed campaign cannot be scheduled")

    # apply
    if "campaignName" in body:
        campaign["campaignName"] = body["campaignName"]
    if "sipPhoneNumber" in body:
        campaign["sipPhoneNumber"] = body["sipPhoneNumber"]
    if "agentId" in body:
        campaign["agentId"] = body["agentId"]
    if "concurrentCalls" in body:
        campaign["concurrentCalls"] = body["concurrentCalls"]
    if "dynamicVariables" in body:
        campaign["dynamicVariables"] = json.loads(json.dumps(body["dynamicVariables"]))
    if body.get("isScheduled") is True:
        campaign["scheduledAt"], campaign["scheduledTimezone"] = schedule
        campaign["campaignStatus"] = "scheduled"
    elif body.get("isScheduled") is False:
        campaign["scheduledAt"] = None
        campaign["scheduledTimezone"] = None
        if campaign.get("campaignStatus") == "scheduled":
            campaign["campaignStatus"] = "live"


# --------------------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle on, the body waits for the
    # client's delayed ACK of the headers (40 ms on Linux) on every response.
    disable_nagle_algorithm = True
    server_version = "CampaignService/1.0"
    sys_version = ""

    def version_string(self):
        return self.server_version
    timeout = 60

    def log_message(self, format, *args):  # keep stdout clean (only the port line)
        pass

    # Route every method (including unknown ones) to one dispatcher.
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self._dispatch
        raise AttributeError(name)

    # ---- response helpers
    def _req_path(self):
        p = getattr(self, "path", None) or "/"
        try:
            parts = urlsplit(p)
            return parts.path or "/"
        except Exception:
            return p.split("?", 1)[0]

    def _send_json(self, status, obj, extra_headers=None, close=False):
        body = json.dumps(obj).encode("utf-8")
        self.send_response(status, REASONS.get(status))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        if close:
            self.close_connection = True
            self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(body)
        try:
            self.wfile.flush()
        except Exception:
            pass

    def _send_error_json(self, status, message=None, validation=None, extra_headers=None, close=False):
        err = {
            "timestamp": iso_ms(now_utc()),
            "status": status,
            "error": REASONS.get(status, "Error"),
            "message": message or DEFAULT_MESSAGES.get(status, REASONS.get(status, "Error")),
            "path": self._req_path(),
        }
        if validation:
            err["validationErrors"] = validation
        self._send_json(status, err, extra_headers, close)

    def send_error(self, code, message=None, explain=None):
        # Called by http.server for protocol-level failures: answer in JSON too.
        try:
            self.close_connection = True
            if not hasattr(self, "command") or self.command is None:
                self.command = ""
            if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
                self.request_version = "HTTP/1.1"
            self._send_error_json(code, message or REASONS.get(code), close=True)
        except Exception:
            self.close_connection = True

    # ---- body reading
    def _read_body(self):
        te = self.headers.get_all("Transfer-Encoding") or []
        cl = self.headers.get_all("Content-Length") or []
        if te and cl:
            raise ApiError(400, "Both Transfer-Encoding and Content-Length present", close=True)
        if te:
            codings = [c.strip().lower() for h in te for c in h.split(",") if c.strip()]
            if codings != ["chunked"]:
                raise ApiError(400, "Unsupported Transfer-Encoding", close=True)
            return self._read_chunked()
        if not cl:
            return b""
        if len(set(v.strip() for v in cl)) != 1 or not re.fullmatch(r"[0-9]{1,18}", cl[0].strip()):
            raise ApiError(400, "Invalid Content-Length", close=True)
        n = int(cl[0].strip())
        if n > MAX_BODY:
            raise ApiError(413, "Request body too large", close=True)
        data = self.rfile.read(n) if n else b""
        if len(data) != n:
            raise ApiError(400, "Incomplete request body", close=True)
        return data

    def _read_chunked(self):
        out = bytearray()
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise ApiError(400, "Malformed chunked body", close=True)
            size_s = line.split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size_s):
                raise ApiError(400, "Malformed chunked body", close=True)
            size = int(size_s, 16)
            if size == 0:
                # trailers
                for _ in range(100):
                    t = self.rfile.readline(8192)
                    if t in (b"\r\n", b"\n", b""):
                        return bytes(out)
                raise ApiError(400, "Too many trailers", close=True)
            if len(out) + size > MAX_BODY:
                raise ApiError(413, "Request body too large", close=True)
            chunk = self.rfile.read(size)
            if len(chunk) != size:
                raise ApiError(400, "Incomplete chunked body", close=True)
            out += chunk
            crlf = self.rfile.readline(3)
            if crlf not in (b"\r\n", b"\n"):
                raise ApiError(400, "Malformed chunked body", close=True)

    # ---- main dispatcher
    def _dispatch(self):
        try:
            self._handle()
        except ApiError as e:
            try:
                self._send_error_json(e.status, e.message, e.validation, e.headers, close=e.close)
            except Exception:
                self.close_connection = True
        except Exception:
            try:
                self._send_error_json(500, close=True)
            except Exception:
                self.close_connection = True

    def _handle(self):
        body_raw = None
        body_error = None
        # Always consume the body first so keep-alive stays in sync.
        try:
            body_raw = self._read_body()
        except ApiError as e:
            if e.close:
                raise
            body_error = e

        path = self._req_path()
        segs = path.split("/")
        # "/v1/campaigns/{id}" -> ['', 'v1', 'campaigns', id]
        if len(segs) != 4 or segs[0] != "" or segs[1] != "v1" or segs[2] != "campaigns" or segs[3] == "":
            raise ApiError(404)
        try:
            campaign_id = unquote(segs[3], errors="strict")
        except UnicodeDecodeError:
            raise ApiError(404)
        if self.command != "PATCH":
            raise ApiError(405, "Method %s not allowed; use PATCH" % self.command,
                           headers={"Allow": "PATCH"})

        keys = self.headers.get_all("X-API-Key") or []
        key = keys[0].strip(" \t") if len(keys) == 1 else None
        store = self.server.store
        acc = store.account_for_key(key)
        if acc is None:
            raise ApiError(401)

        # existence check first (cheap, lock-free read of dict membership is fine
        # but take the lock for a consistent view)
        with store.lock:
            if campaign_id not in acc["campaigns"]:
                raise ApiError(404, "Campaign not found")

        if body_error is not None:
            raise body_error
        ctype = self.headers.get("Content-Type")
        if ctype is None:
            raise ApiError(400, "Content-Type must be application/json")
        mt, _, params = ctype.partition(";")
        mt = mt.strip().lower()
        if not (mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))):
            raise ApiError(400, "Content-Type must be application/json")
        for p in params.split(";"):
            if "=" in p:
                k, _, v = p.partition("=")
                if k.strip().lower() == "charset" and v.strip().strip('"').lower() not in ("utf-8", "utf8"):
                    raise ApiError(400, "Only UTF-8 encoded JSON is accepted")
        if not body_raw:
            raise ApiError(400, "Request body is required")
        body = parse_json_body(body_raw)
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be a JSON object")

        with store.lock:
            campaign = acc["campaigns"].get(campaign_id)
            if campaign is None:
                raise ApiError(404, "Campaign not found")
            apply_update(acc, campaign, body)
            result = render_campaign(acc, campaign)
        self._send_json(200, result)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(argv=None):
    ap = argparse.ArgumentParser(description="Update Campaign server")
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    with open(args.fixtures, "r", encoding="utf-8") as f:
        fixtures = json.load(f)
    store = Store(fixtures)

    httpd = Server((args.host, args.port), Handler)
    httpd.store = store

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    sys.stdout.write(json.dumps({"port": httpd.server_address[1]}) + "\n")
    sys.stdout.flush()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
