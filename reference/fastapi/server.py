"""PATCH /v1/campaigns/{campaignId} ("Update Campaign") -- FastAPI + pydantic v2 on uvicorn.

Written from spec/openapi.yaml and the fixture format alone (reference/_independent.py).
Start:  python server.py --fixtures world.json [--host 127.0.0.1] [--port 0]
Prints one line {"port": N} on stdout once listening; stops on SIGTERM.

Choices made where the document is silent, ambiguous or self-contradictory
(question -> choice -> why), one per line:
 1. Auth header absent/empty/unknown key -> 401 Error "X-API-Key is missing or invalid" (no WWW-Authenticate); doc: 401 = "missing or invalid".
 2. Auth vs. body errors -> auth is checked first (401 beats 400, also for malformed JSON); an unauthenticated caller learns nothing about the body rules.
 3. Campaign of another account or unknown -> 404 (accounts see only their own data; do not leak existence). 403 is therefore never produced.
 4. Validation status -> 400 (the only documented client-validation status) instead of FastAPI's default 422; Error.validationErrors maps field -> first message.
 5. Order of checks -> 401, then body schema 400 (FastAPI validates the body before the handler), then 404, then reference checks 400, then 409.
 6. JSON types -> strict: "5" is not an integer, "true"/1 are not booleans, 5.0 is not an integer (schema says integer/boolean/string explicitly).
 7. Explicit null for any field -> 400 (no field is nullable in the OAS 3.0 schema); omit a field to leave it unchanged.
 8. Unknown/read-only body fields (e.g. campaignStatus) -> silently ignored (pydantic default; schema does not forbid additionalProperties).
 9. Empty object {} -> 200, nothing changes, current record returned. Missing body / non-object body / non-JSON content type -> 400.
10. Content-Type -> must be application/json (or +json); FastAPI's default strict_content_type rejects other/missing types as 400.
11. concurrentCalls -> 1..2147483647 ("positive integer", format int32).
12. campaignName uniqueness -> exact, case-sensitive comparison with the account's other campaigns; duplicate -> 409; renaming to its own name is fine.
13. campaignName content -> only the schema's 1..128 characters (code points); whitespace is not trimmed or rejected.
14. agentId -> schema 1..64 chars first (a stored 65-char id is thus unusable); must be an agent of the caller's account, else 400; a 'Disabled' agent -> 400 (it cannot handle calls); 'Testing' is allowed.
15. sipPhoneNumber -> pattern ^\\+[1-9][0-9]{6,14}$ first; must be a number of the caller's account, else 400; active=false (not enabled for outbound) -> 400.
16. Unknown agent/number referenced in the body -> 400 with validationErrors, not 404 (404 is about the campaign in the URL).
17. scheduledDate format -> YYYY-MM-DD as the prose and format:date say; the document's own example form 'YYYY-MM-DDT00:00:00.000Z' (midnight UTC) is also accepted, using its date part.
18. scheduledTime -> exactly HH:mm:ss, 24-hour, no fraction and no offset (it is interpreted in scheduledTimezone).
19. scheduledTimezone -> must be a name in the IANA tz database shipped with the system (zoneinfo.available_timezones()), case-sensitive.
20. Format rules (types, date/time/tz syntax) apply whenever a schedule field is sent; "ignored" fields are checked for shape but never used or stored.
21. isScheduled omitted in a PATCH -> scheduling left unchanged and the schedule fields are ignored (the prose says "Ignored when isScheduled is false or omitted").
22. isScheduled=true -> scheduledDate, scheduledTime and scheduledTimezone all required (even if the campaign already has a schedule), else 400 per missing field.
23. "Must be a future date" -> the launch instant (date+time in the zone) must be strictly after now; today at a later time is OK.
24. Local time skipped by a DST change -> 400; repeated local time (DST fold) -> first occurrence; instants beyond year 9999 UTC -> 400.
25. isScheduled=true -> status becomes 'scheduled' (from live/paused/scheduled); on a 'completed' campaign -> 409 (a finished campaign cannot be relaunched).
26. isScheduled=false -> schedule cleared; a 'scheduled' campaign becomes 'live' (starts now, per "starts as soon as..."); live/paused/completed keep their status.
27. dynamicVariables -> replaces the whole map (not merged); values string/number/boolean/object/array, null and NaN/Infinity rejected; keys cannot be checked against agent config (not in fixtures).
28. Response scheduledDate -> the UTC instant, 'YYYY-MM-DDTHH:mm:ss.SSSZ' (as in the example) or null; 'scheduled' = a schedule instant is set.
29. Response -> exactly the CampaignResponse properties; dynamicVariables/scheduledTimezone are stored but not echoed (not in the schema).
30. Error.path -> the actual request path (the examples' constant "/v1/campaigns" is illustrative); timestamp in UTC with milliseconds and Z.
31. Unknown paths / other methods -> FastAPI's 404/405 (with Allow), shaped as Error; the generated /docs, /redoc, /openapi.json are disabled.
32. Trailing slash (/v1/campaigns/{id}/) -> FastAPI's default 307 redirect to the slash-less path (framework default, doc silent).
33. Unexpected exceptions -> 500 Error "Unexpected server error"; all state changes happen under one lock so a request is all-or-nothing.
"""

from __future__ import annotations

import argparse
import copy
import http
import json
import re
import socket
import sys
import threading
import zoneinfo
from datetime import date, datetime, time, timezone
from typing import Annotated, Any, Literal, Union

import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, StrictBool, StrictInt,
                      StrictStr, ValidationError, field_validator, model_validator)
from pydantic_core import InitErrorDetails, PydanticCustomError
from starlette.exceptions import HTTPException as StarletteHTTPException

INT32_MAX = 2**31 - 1
TIMEZONES = frozenset(zoneinfo.available_timezones())
# Matched with fullmatch: "$" alone also matches before a final newline, which let
# "2028-01-01\n" through until the suite's deep profile sent it.
DATE_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T00:00:00(?:\.0{1,9})?Z)?$")
TIME_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])$")


# --------------------------------------------------------------------------- state

class Store:
    """In-memory world; every read-modify-write happens under self.lock."""

    def __init__(self, fixtures: dict):
        self.lock = threading.Lock()
        self.accounts: dict[str, dict] = {}
        for acc in fixtures.get("accounts", []):
            campaigns = {}
            for c in acc.get("campaigns", []):
                c = copy.deepcopy(c)
                c["scheduledAt"] = parse_instant(c.get("scheduledAt"))
                campaigns[c["campaignId"]] = c
            self.accounts[acc["apiKey"]] = {
                "agents": {a["agentId"]: dict(a) for a in acc.get("agents", [])},
                "numbers": {n["sipPhoneNumber"]: dict(n) for n in acc.get("phoneNumbers", [])},
                "campaigns": campaigns,
            }


def parse_instant(value: str | None) -> datetime | None:
    if value is None:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def iso_ms(dt: datetime) -> str:
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


STORE: Store  # set in main()


# --------------------------------------------------------------------------- models

DynamicValue = Union[StrictBool, StrictInt, Annotated[float, Field(allow_inf_nan=False)],
                     StrictStr, dict[str, Any], list[Any]]


def _field_error(field: str, kind: str, msg: str, value: Any) -> ValidationError:
    return ValidationError.from_exception_data(
        "UpdateCampaignRequest",
        [InitErrorDetails(type=PydanticCustomError(kind, msg), loc=(field,), input=value)],
    )


class UpdateCampaignRequest(BaseModel):
    """Request body to update a campaign. Omitted fields stay unchanged; null is not allowed."""

    model_config = ConfigDict(strict=True)

    # Defaults are not validated, so "omitted" -> None while an explicit null fails the type check.
    campaignName: Annotated[str, Field(min_length=1, max_length=128)] = None
    sipPhoneNumber: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] = None
    agentId: Annotated[str, Field(min_length=1, max_length=64)] = None
    isScheduled: bool = None
    scheduledDate: str = None
    scheduledTime: str = None
    scheduledTimezone: str = None
    concurrentCalls: Annotated[int, Field(ge=1, le=INT32_MAX)] = None
    dynamicVariables: dict[str, DynamicValue] = None

    _scheduled_at: datetime | None = PrivateAttr(default=None)

    @field_validator("scheduledDate")
    @classmethod
    def _date_format(cls, v: str) -> str:
        m = DATE_RE.fullmatch(v)
        try:
            if not m:
                raise ValueError
            date.fromisoformat(m.group(1))
        except ValueError:
            raise PydanticCustomError("date_format", "Must be a valid date in YYYY-MM-DD format")
        return m.group(1)

    @field_validator("scheduledTime")
    @classmethod
    def _time_format(cls, v: str) -> str:
        if not TIME_RE.fullmatch(v):
            raise PydanticCustomError("time_format", "Must be a valid time in HH:mm:ss format")
        return v

    @field_validator("scheduledTimezone")
    @classmethod
    def _tz_name(cls, v: str) -> str:
        if v not in TIMEZONES:
            raise PydanticCustomError("timezone", "Must be a valid IANA timezone identifier")
        return v

    @model_validator(mode="after")
    def _schedule_rules(self) -> "UpdateCampaignRequest":
        if self.isScheduled is not True:
            return self  # schedule fields are ignored when isScheduled is false or omitted
        missing = [f for f in ("scheduledDate", "scheduledTime", "scheduledTimezone")
                   if getattr(self, f) is None]
        if missing:
            raise ValidationError.from_exception_data("UpdateCampaignRequest", [
                InitErrorDetails(type=PydanticCustomError(
                    "missing", "Required when isScheduled is true"), loc=(f,), input=None)
                for f in missing])
        zone = zoneinfo.ZoneInfo(self.scheduledTimezone)
        local = datetime.combine(date.fromisoformat(self.scheduledDate),
                                 time.fromisoformat(self.scheduledTime), tzinfo=zone)
        try:
            instant = local.astimezone(timezone.utc)
            if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
                raise _field_error("scheduledTime", "nonexistent_time",
                                   "This local time does not exist in the given timezone (DST gap)",
                                   self.scheduledTime)
        except OverflowError:
            raise _field_error("scheduledDate", "date_range", "Date is out of range",
                               self.scheduledDate)
        if instant <= datetime.now(timezone.utc):
            raise _field_error("scheduledDate", "future_date",
                               "The scheduled date and time must be in the future",
                               self.scheduledDate)
        self._scheduled_at = instant
        return self


class AgentResponse(BaseModel):
    name: str | None = None
    agentId: str | None = None
    status: Literal["Live", "Testing", "Disabled"] | None = None


class PhoneNumberResponse(BaseModel):
    sipPhoneNumber: str | None = None
    provider: Literal["twilio", "telnyx", "byo"] | None = None
    inboundAgentId: str | None = None
    outboundAgentId: str | None = None
    outboundPhoneNumber: str | None = None
    active: bool | None = None
    terminationSipURI: str | None = None
    friendlyName: str | None = None


class CampaignResponse(BaseModel):
    campaignId: str
    campaignName: str
    campaignStatus: Literal["live", "scheduled", "paused", "completed"]
    scheduledDate: str | None = None
    concurrentCalls: int | None = None
    agent: AgentResponse | None = None
    phoneNumber: PhoneNumberResponse | None = None
    errors: list[str] | None = None
    scheduled: bool


class ErrorBody(BaseModel):
    timestamp: str
    status: int
    error: str
    message: str
    path: str
    validationErrors: dict[str, str] | None = None


# --------------------------------------------------------------------------- errors

class ApiError(Exception):
    def __init__(self, status: int, message: str, validation_errors: dict[str, str] | None = None):
        self.status, self.message, self.validation_errors = status, message, validation_errors


def error_response(request: Request, status: int, message: str,
                   validation_errors: dict[str, str] | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = ErrorBody(timestamp=iso_ms(datetime.now(timezone.utc)), status=status,
                     error=http.HTTPStatus(status).phrase, message=message,
                     path=request.url.path, validationErrors=validation_errors)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, headers=headers)


api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="Your API key, passed in the X-API-Key header.")


def account_for_key(api_key: str | None) -> dict | None:
    return STORE.accounts.get(api_key) if api_key else None


def require_account(api_key: Annotated[str | None, Depends(api_key_header)]) -> dict:
    account = account_for_key(api_key)
    if account is None:
        raise ApiError(401, "X-API-Key is missing or invalid")
    return account


def unauthenticated(request: Request) -> bool:
    return account_for_key(request.headers.get("x-api-key")) is None


def loc_key(loc: tuple) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    # drop pydantic's union-member tags (e.g. 'str', 'int') that follow a dynamicVariables key
    if len(parts) > 2 and parts[0] == "dynamicVariables":
        parts = parts[:2]
    if parts and parts[0] in UpdateCampaignRequest.model_fields:
        return ".".join(parts)
    return "body"


def first_errors(errors: list[dict]) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in errors:
        key = loc_key(tuple(e.get("loc", ())))
        msg = e.get("msg", "Invalid value")
        if e.get("type") == "json_invalid":
            msg = "Malformed JSON: " + str((e.get("ctx") or {}).get("error", "decode error"))
        elif key == "body" and e.get("type") in ("missing", "model_attributes_type", "dict_type"):
            msg = "Request body must be a JSON object"
        elif key.startswith("dynamicVariables.") and e.get("type") != "finite_number":
            msg = "Value must be a string, number, boolean, object or array"
        out.setdefault(key, msg)
    return out


app = FastAPI(title="SigmaMind APIs (Update Campaign)", docs_url=None, redoc_url=None,
              openapi_url=None)


@app.exception_handler(ApiError)
async def api_error_handler(request: Request, exc: ApiError):
    return error_response(request, exc.status, exc.message, exc.validation_errors)


@app.exception_handler(RequestValidationError)
async def validation_error_handler(request: Request, exc: RequestValidationError):
    if unauthenticated(request):  # malformed JSON is detected before dependencies run
        return error_response(request, 401, "X-API-Key is missing or invalid")
    return error_response(request, 400, "Invalid request parameters", first_errors(exc.errors()))


@app.exception_handler(StarletteHTTPException)
async def http_error_handler(request: Request, exc: StarletteHTTPException):
    status = exc.status_code
    if status == 400 and unauthenticated(request):  # body that could not be parsed at all
        return error_response(request, 401, "X-API-Key is missing or invalid")
    messages = {400: "Invalid request parameters", 404: "The requested resource was not found",
                405: "Method not allowed"}
    message = messages.get(status) or (exc.detail if isinstance(exc.detail, str) else
                                       http.HTTPStatus(status).phrase)
    details = {"body": "Request body could not be parsed as JSON"} if status == 400 else None
    return error_response(request, status, message, details, headers=getattr(exc, "headers", None))


@app.exception_handler(Exception)
async def unexpected_error_handler(request: Request, exc: Exception):
    return error_response(request, 500, "Unexpected server error")


# --------------------------------------------------------------------------- operation

def render(account: dict, c: dict) -> CampaignResponse:
    agent = account["agents"].get(c.get("agentId"))
    number = account["numbers"].get(c.get("sipPhoneNumber"))
    return CampaignResponse(
        campaignId=c["campaignId"],
        campaignName=c["campaignName"],
        campaignStatus=c["campaignStatus"],
        scheduledDate=iso_ms(c["scheduledAt"]) if c.get("scheduledAt") else None,
        concurrentCalls=c.get("concurrentCalls"),
        agent=AgentResponse(**agent) if agent else None,
        phoneNumber=PhoneNumberResponse(**number) if number else None,
        errors=c.get("errors"),
        scheduled=c.get("scheduledAt") is not None,
    )


@app.patch("/v1/campaigns/{campaignId}", response_model=CampaignResponse,
           summary="Update Campaign", operation_id="updateCampaign")
async def update_campaign(campaignId: str, body: UpdateCampaignRequest,
                          account: Annotated[dict, Depends(require_account)]) -> CampaignResponse:
    sent = body.model_fields_set
    with STORE.lock:  # no await inside: validate and apply atomically
        campaign = account["campaigns"].get(campaignId)
        if campaign is None:
            raise ApiError(404, "Campaign not found")

        problems: dict[str, str] = {}
        if "agentId" in sent:
            agent = account["agents"].get(body.agentId)
            if agent is None:
                problems["agentId"] = "Agent not found in this account"
            elif agent.get("status") == "Disabled":
                problems["agentId"] = "Agent is disabled"
        if "sipPhoneNumber" in sent:
            number = account["numbers"].get(body.sipPhoneNumber)
            if number is None:
                problems["sipPhoneNumber"] = "Phone number not found in this account"
            elif not number.get("active"):
                problems["sipPhoneNumber"] = "Phone number is not enabled for outbound calls"
        if problems:
            raise ApiError(400, "Invalid request parameters", problems)

        if body.isScheduled is True and campaign["campaignStatus"] == "completed":
            raise ApiError(409, "A completed campaign cannot be scheduled")
        if "campaignName" in sent and any(
                other["campaignName"] == body.campaignName
                for cid, other in account["campaigns"].items() if cid != campaignId):
            raise ApiError(409, "A campaign with this name already exists")

        for field in ("campaignName", "agentId", "sipPhoneNumber", "concurrentCalls"):
            if field in sent:
                campaign[field] = getattr(body, field)
        if "dynamicVariables" in sent:
            campaign["dynamicVariables"] = copy.deepcopy(body.dynamicVariables)
        if body.isScheduled is True:
            campaign["scheduledAt"] = body._scheduled_at
            campaign["scheduledTimezone"] = body.scheduledTimezone
            campaign["campaignStatus"] = "scheduled"
        elif body.isScheduled is False:
            campaign["scheduledAt"] = None
            campaign["scheduledTimezone"] = None
            if campaign["campaignStatus"] == "scheduled":
                campaign["campaignStatus"] = "live"
        return render(account, campaign)


# --------------------------------------------------------------------------- startup

class AnnouncingServer(uvicorn.Server):
    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        if self.started and sockets:
            sys.stdout.write(json.dumps({"port": sockets[0].getsockname()[1]}) + "\n")
            sys.stdout.flush()


def main() -> None:
    global STORE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with open(args.fixtures, encoding="utf-8") as fh:
        STORE = Store(json.load(fh))

    family, stype, proto, _, addr = socket.getaddrinfo(
        args.host, args.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, stype, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(addr)
    sock.set_inheritable(True)

    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False)
    AnnouncingServer(config).run(sockets=[sock])


if __name__ == "__main__":
    main()
