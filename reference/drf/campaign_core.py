"""State, authentication and body parsing for campaign_api (kept apart from the views so that
DRF's settings can import these classes by dotted path without a circular import)."""

import importlib.resources
import threading
import zoneinfo
from datetime import datetime, timezone
from hmac import compare_digest

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated

# --------------------------------------------------------------------------- fault injection

FAULTS = (
    "auth_key_prefix", "auth_403_status", "auth_after_lookup",
    "foreign_campaign_visible", "campaign_id_case_insensitive",
    "int_coercion", "bool_coercion", "trim_whitespace", "allow_null", "falsy_body_as_empty",
    "phone_pattern_unanchored", "agentid_no_maxlen", "concurrent_zero_allowed",
    "inactive_number_allowed", "foreign_agent_allowed",
    "schedule_formats_lenient", "schedule_ignores_dst", "schedule_same_day_past",
    "schedule_naive_now", "schedule_fill_from_stored",
    "omitted_concurrent_default", "omitted_isscheduled_unschedules",
    "resp_stale_agent", "resp_scheduled_date_naive", "error_status_string",
    "dup_name_self_conflict", "partial_write_on_error", "name_index_stale", "render_cache",
    "race_lost_update",
)
FAULT = None  # set by server.py from --fault


def fault(name):
    return FAULT == name


# --------------------------------------------------------------------------- time zones

# Only the pinned tzdata package: deterministic, and only real IANA names.
zoneinfo.reset_tzpath(to=[])
IANA_ZONES = frozenset(
    line.strip()
    for line in importlib.resources.files("tzdata").joinpath("zones").read_text().splitlines()
    if line.strip() and line.strip() != "Factory"
)

# --------------------------------------------------------------------------- state


def _parse_instant(value):
    if value is None:
        return None
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


class Account:
    """An authenticated principal (request.user) and the account's in-memory data."""

    is_authenticated = True

    def __init__(self, raw):
        self.api_key = str(raw["apiKey"])
        self.lock = threading.Lock()
        self.agents = {}
        for a in raw.get("agents") or []:
            self.agents[a["agentId"]] = {
                "name": a.get("name"),
                "agentId": a["agentId"],
                "status": a.get("status"),
            }
        self.numbers = {}
        for n in raw.get("phoneNumbers") or []:
            self.numbers[n["sipPhoneNumber"]] = {
                k: n.get(k)
                for k in (
                    "sipPhoneNumber", "provider", "inboundAgentId", "outboundAgentId",
                    "outboundPhoneNumber", "active", "terminationSipURI", "friendlyName",
                )
            }
        self.campaigns = {}
        for c in raw.get("campaigns") or []:
            self.campaigns[c["campaignId"]] = {
                "campaignId": c["campaignId"],
                "campaignName": c.get("campaignName"),
                "campaignStatus": c.get("campaignStatus"),
                "concurrentCalls": c.get("concurrentCalls"),
                "agentId": c.get("agentId"),
                "sipPhoneNumber": c.get("sipPhoneNumber"),
                "errors": c.get("errors"),
                "dynamicVariables": c.get("dynamicVariables"),
                "scheduledAt": _parse_instant(c.get("scheduledAt")),
                "scheduledTimezone": c.get("scheduledTimezone"),
            }


ACCOUNTS = []


def load_fixtures(data):
    ACCOUNTS[:] = [Account(a) for a in data.get("accounts") or []]


def find_account(key):
    found = None
    for account in ACCOUNTS:  # compare against all keys: no early exit timing signal
        if fault("auth_key_prefix"):
            # FAULT: keys are looked up by their 16-character prefix and the rest is never verified
            if len(key) >= 16 and compare_digest(account.api_key[:16].encode(), key[:16].encode()):
                found = account
            continue
        if compare_digest(account.api_key.encode(), key.encode()):
            found = account
    return found


# --------------------------------------------------------------------------- authentication


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        key = request.META.get("HTTP_X_API_KEY", "")
        if not key:
            return None  # IsAuthenticated then raises NotAuthenticated (401)
        account = find_account(key)
        if account is None:
            raise exceptions.AuthenticationFailed("X-API-Key is invalid")
        return (account, key)

    def authenticate_header(self, request):
        if fault("auth_403_status"):
            # FAULT: no WWW-Authenticate value -> DRF turns 401 into 403
            return None
        return 'ApiKey header="X-API-Key"'


class NotAuthenticatedKey(exceptions.NotAuthenticated):
    default_detail = "X-API-Key header is missing"


class ApiKeyRequired(IsAuthenticated):
    def has_permission(self, request, view):
        if super().has_permission(request, view):
            return True
        raise NotAuthenticatedKey()


# --------------------------------------------------------------------------- parsing


class BodyJSONParser(JSONParser):
    """DRF's JSONParser, with too-deep nesting reported as a parse error instead of a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nesting too deep")


