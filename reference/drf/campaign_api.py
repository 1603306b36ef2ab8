"""PATCH /v1/campaigns/{campaignId} ("Update Campaign"), Django REST Framework.

Choices made where the OpenAPI document is silent, ambiguous or self-contradictory
(one line each: question -> choice -> why):

 1. Auth header -> X-API-Key, matched (constant-time) against each account's key; missing/empty
    or unknown -> 401 Error with WWW-Authenticate -> securitySchemes says X-API-Key, 401 documented.
 2. Order of checks -> 406 (Accept) -> 401 -> 405 -> 404 -> body parse (415/400) -> schema 400 ->
    reference 400 -> 409 -> DRF's own order (negotiation, auth, method) then UpdateModelMixin's
    (object lookup before body validation).
 3. Campaign of another account -> 404, never 403 -> "an account sees only its own campaigns";
    answering 403 would reveal that the id exists elsewhere. 403 is therefore never produced.
 4. Non-JSON Content-Type (incl. merge-patch+json, forms) -> 415 (DRF default; the document only
    lists application/json). Missing Content-Type with a body -> 415 (DRF default). Malformed
    JSON, NaN/Infinity, invalid UTF-8, BOM -> 400 (DRF default, STRICT_JSON). A charset parameter
    is honoured; an unknown charset is ignored and UTF-8 used (Django default). Duplicate keys
    -> the last one wins (Python json default).
 5. Empty body -> 400 "Request body is required" -> requestBody.required: true (DRF alone would
    turn an empty body into {}). A JSON body that is not an object -> 400 (DRF default).
 6. `{}` (no fields) -> 200 with the unchanged campaign -> valid against the schema, nothing to update.
 7. Unknown properties -> ignored (DRF default) -> schema does not set additionalProperties: false.
 8. null for any property -> 400 -> no property is nullable in the schema (DRF allow_null=False).
 9. Types are strict JSON types -> strings must be JSON strings, booleans JSON true/false,
    integers JSON integers without fraction/exponent (5.0, "5", true all rejected) -> schema types
    are explicit; DRF would otherwise coerce "5", 5.0, "true", 123->"123".
10. Whitespace -> not trimmed (trim_whitespace=False) -> minLength/maxLength/pattern apply to the
    value as sent and ids must match exactly; DRF's trimming would alter stored names.
11. String lengths -> counted in Unicode code points (JSON Schema). NUL / lone surrogates -> 400
    (DRF default validators).
12. sipPhoneNumber pattern -> matched against the whole string (no trailing-newline slack, ASCII
    digits only) -> ECMA-262 semantics of the schema's ^...$.
13. sipPhoneNumber not a number of this account, or active:false -> 400 on that field -> prose:
    "must be a number provisioned ... enabled for outbound calls"; a bad reference in the body is
    a bad request, not a missing path resource; foreign numbers look exactly like unknown ones.
14. agentId unknown / of another account -> 400; agent status Disabled -> 400 (a disabled agent
    cannot handle calls); Testing and Live accepted. Length 1..64 enforced first, so fixture ids
    longer than 64 chars cannot be set.
15. The number's inbound/outboundAgentId need not equal the campaign's agentId -> not stated.
16. Only provided fields are re-validated -> stored values (even legacy ones) are not rechecked.
17. campaignName uniqueness -> exact, case-sensitive comparison against the account's other
    campaigns (renaming to its own current name is fine); clash -> 409 Conflict -> documented 409.
18. concurrentCalls -> 1..2147483647 -> "positive integer" and format int32.
19. dynamicVariables -> replaces the stored object as a whole (PATCH is field-level, body is
    application/json not merge-patch); values may be string/number/boolean/object/array, not null
    (the oneOf); keys are not checked (agents' variable names are not available).
    dynamicVariables is not part of CampaignResponse, so it is stored but not echoed.
20. scheduledDate format -> strictly YYYY-MM-DD (prose and format: date agree; the example
    '2025-09-25T00:00:00.000Z' contradicts them and is rejected).
21. scheduledTime format -> strictly HH:mm:ss, 24h, no fraction, no offset -> prose; format: time
    (RFC 3339 full-time needs an offset) conflicts with "interpreted in scheduledTimezone".
22. scheduled* fields when isScheduled is false/omitted -> still type/format checked (they must
    conform to the schema) but otherwise ignored: no "required", "future" or IANA check, not stored.
23. isScheduled true -> scheduledDate, scheduledTime, scheduledTimezone all required in this
    request (the stored schedule is not used to fill gaps) -> prose "all required".
24. scheduledTimezone -> must be a zone name listed by the IANA tz database (pinned tzdata
    package), case-sensitive, links such as UTC or US/Eastern included, "Factory" excluded.
25. "Must be a future date" -> the instant (date + time in that zone) must be strictly after now
    -> a campaign later today is a normal use; a bare date comparison would forbid it.
26. Local time that does not exist (DST gap) -> 400; ambiguous local time (DST overlap) -> the
    earlier instant; a date/time that cannot be represented in UTC -> 400.
27. isScheduled true -> status becomes 'scheduled' with the new instant (from live, paused or
    scheduled); on a 'completed' campaign -> 409 Conflict (a finished campaign cannot be relaunched).
28. isScheduled false -> schedule cleared; a 'scheduled' campaign becomes 'live' ("starts
    immediately"); live/paused/completed keep their status.
29. Response scheduledDate -> always present: UTC instant 'YYYY-MM-DDTHH:mm:ss.SSSZ' (like the
    example) or null when not scheduled -> the description says both "present only when" and
    "null for campaigns that started immediately"; null is the clearer contract.
30. Response `scheduled` -> true iff the campaign has a scheduled instant.
31. Response agent / phoneNumber -> resolved from the account's current agents/numbers (null if
    the stored reference no longer resolves); scheduledTimezone/dynamicVariables not echoed
    (not in CampaignResponse).
32. Error body -> {timestamp, status, error (reason phrase), message, path (actual request path)},
    plus validationErrors {field: message} on 400 validation failures (nested dynamicVariables
    errors as "dynamicVariables.key"); values are strings like the schema's example.
33. Content type of every response -> application/json (DRF JSONRenderer, Django JsonResponse for
    unmatched routes); Accept that excludes JSON -> 406 (DRF default content negotiation).
34. Unmatched routes (incl. trailing slash, no APPEND_SLASH redirect) -> 404 Error JSON without
    auth check (Django URL resolution happens before the view); GET/PUT/POST/DELETE/HEAD on the
    route -> 405 Error with Allow (DRF); OPTIONS -> DRF's default 200 metadata answer (after auth);
    query strings are ignored.
35. Body larger than Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB) -> 400 (Django's default
    status for RequestDataTooBig); JSON nested too deeply to parse -> 400.
36. Unexpected exceptions -> 500 Error JSON ("Unexpected server error"), traceback on stderr.
37. Several X-API-Key headers -> joined by the server into one value, which matches no key -> 401.
38. Concurrency -> one lock per account held across lookup, validation, conflict checks and write,
    so a read-modify-write (e.g. name uniqueness) is atomic.
"""

import re
import sys
import traceback
import zoneinfo
from datetime import datetime, timezone
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.urls import path
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from campaign_core import IANA_ZONES, ApiKeyAuthentication, ApiKeyRequired, BodyJSONParser

# --------------------------------------------------------------------------- fields


class StrictCharField(serializers.CharField):
    """JSON strings only (DRF would coerce numbers); value kept exactly as sent."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class StrictDateField(serializers.DateField):
    _re = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

    def to_internal_value(self, value):
        if not isinstance(value, str) or not self._re.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictTimeField(serializers.TimeField):
    _re = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}")

    def to_internal_value(self, value):
        if not isinstance(value, str) or not self._re.fullmatch(value):
            self.fail("invalid", format="HH:mm:ss")
        try:
            return super().to_internal_value(value)
        except serializers.ValidationError:
            self.fail("invalid", format="HH:mm:ss")


class AnyJSONValueField(serializers.Field):
    """string | number | boolean | object | array -- anything JSON except null."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class FullMatch:
    def __init__(self, pattern, message):
        self.regex = re.compile(pattern)
        self.message = message

    def __call__(self, value):
        if not self.regex.fullmatch(value):
            raise serializers.ValidationError(self.message, code="invalid")


# --------------------------------------------------------------------------- serializers


class UpdateCampaignRequestSerializer(serializers.Serializer):
    campaignName = StrictCharField(required=False, min_length=1, max_length=128)
    sipPhoneNumber = StrictCharField(
        required=False,
        validators=[FullMatch(r"\+[1-9][0-9]{6,14}",
                              "Must be a phone number in +E.164 format (pattern ^\\+[1-9][0-9]{6,14}$).")],
    )
    agentId = StrictCharField(required=False, min_length=1, max_length=64)
    isScheduled = StrictBooleanField(required=False)
    scheduledDate = StrictDateField(required=False)
    scheduledTime = StrictTimeField(required=False)
    scheduledTimezone = StrictCharField(required=False, allow_blank=True)
    concurrentCalls = StrictIntegerField(required=False, min_value=1, max_value=2147483647)
    dynamicVariables = serializers.DictField(child=AnyJSONValueField(), required=False)

    def validate_sipPhoneNumber(self, value):
        number = self.context["account"].numbers.get(value)
        if number is None:
            raise serializers.ValidationError(
                "Phone number %s is not provisioned in this account." % value)
        if number.get("active") is not True:
            raise serializers.ValidationError(
                "Phone number %s is not enabled for outbound calls." % value)
        return value

    def validate_agentId(self, value):
        agent = self.context["account"].agents.get(value)
        if agent is None:
            raise serializers.ValidationError("Agent %s was not found in this account." % value)
        if agent.get("status") == "Disabled":
            raise serializers.ValidationError("Agent %s is disabled." % value)
        return value

    def validate(self, attrs):
        if attrs.get("isScheduled") is not True:
            # Ignored when isScheduled is false or omitted.
            for f in ("scheduledDate", "scheduledTime", "scheduledTimezone"):
                attrs.pop(f, None)
            return attrs

        errors = {}
        for f in ("scheduledDate", "scheduledTime", "scheduledTimezone"):
            if f not in attrs:
                errors[f] = "This field is required when isScheduled is true."
        tzname = attrs.get("scheduledTimezone")
        if tzname is not None and tzname not in IANA_ZONES:
            errors["scheduledTimezone"] = "Not a valid IANA timezone identifier: %r." % tzname
        if errors:
            raise serializers.ValidationError(errors)

        tz = zoneinfo.ZoneInfo(tzname)
        naive = datetime.combine(attrs["scheduledDate"], attrs["scheduledTime"])
        try:
            local = naive.replace(tzinfo=tz, fold=0)  # ambiguous wall time: earlier instant
            instant = local.astimezone(timezone.utc)
            if instant.astimezone(tz).replace(tzinfo=None) != naive:
                raise serializers.ValidationError({
                    "scheduledTime": "%s %s does not exist in %s (daylight-saving gap)."
                    % (attrs["scheduledDate"].isoformat(), attrs["scheduledTime"].isoformat(), tzname)})
        except (OverflowError, ValueError):
            raise serializers.ValidationError(
                {"scheduledDate": "Scheduled date and time are out of range."})
        if instant <= datetime.now(timezone.utc):
            raise serializers.ValidationError(
                {"scheduledDate": "Scheduled date and time must be in the future."})
        attrs["scheduledAt"] = instant
        return attrs


class AgentResponseSerializer(serializers.Serializer):
    name = serializers.CharField()
    agentId = serializers.CharField()
    status = serializers.CharField()


class PhoneNumberResponseSerializer(serializers.Serializer):
    sipPhoneNumber = serializers.CharField()
    provider = serializers.CharField()
    inboundAgentId = serializers.CharField()
    outboundAgentId = serializers.CharField()
    outboundPhoneNumber = serializers.CharField()
    active = serializers.BooleanField()
    terminationSipURI = serializers.CharField()
    friendlyName = serializers.CharField()


def format_instant(dt):
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class CampaignResponseSerializer(serializers.Serializer):
    campaignId = serializers.CharField()
    campaignName = serializers.CharField()
    campaignStatus = serializers.CharField()
    scheduledDate = serializers.SerializerMethodField()
    concurrentCalls = serializers.IntegerField()
    agent = AgentResponseSerializer(allow_null=True)
    phoneNumber = PhoneNumberResponseSerializer(allow_null=True)
    errors = serializers.ListField(child=serializers.CharField(), allow_null=True)
    scheduled = serializers.SerializerMethodField()

    def get_scheduledDate(self, obj):
        return format_instant(obj["scheduledAt"])

    def get_scheduled(self, obj):
        return obj["scheduledAt"] is not None


def render_campaign(account, campaign):
    view = dict(campaign)
    view["agent"] = account.agents.get(campaign["agentId"])
    view["phoneNumber"] = account.numbers.get(campaign["sipPhoneNumber"])
    return CampaignResponseSerializer(view).data


# --------------------------------------------------------------------------- errors


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict with the current state of the resource."
    default_code = "conflict"


def now_iso():
    return format_instant(datetime.now(timezone.utc))


def error_body(status_code, message, path, validation_errors=None):
    body = {
        "timestamp": now_iso(),
        "status": status_code,
        "error": HTTPStatus(status_code).phrase,
        "message": message,
        "path": path,
    }
    if validation_errors is not None:
        body["validationErrors"] = validation_errors
    return body


def _flatten(detail, prefix, out):
    if isinstance(detail, dict):
        for key, value in detail.items():
            _flatten(value, "%s.%s" % (prefix, key) if prefix else str(key), out)
    elif isinstance(detail, list):
        if all(not isinstance(x, (dict, list)) for x in detail):
            if detail:
                out[prefix or "non_field_errors"] = " ".join(str(x) for x in detail)
        else:
            for i, value in enumerate(detail):
                _flatten(value, "%s[%d]" % (prefix, i), out)
    else:
        out[prefix or "non_field_errors"] = str(detail)
    return out


def api_exception_handler(exc, context):
    """DRF EXCEPTION_HANDLER: DRF's own handling, re-shaped into the document's Error schema."""
    request = context.get("request")
    req_path = request.path if request is not None else ""
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.ParseError("Request body is too large.")
    response = drf_exception_handler(exc, context)
    if response is None:
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
        return Response(error_body(500, "Unexpected server error", req_path), status=500)

    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail, "", {})
        if set(errors) == {"non_field_errors"}:
            message = errors["non_field_errors"]
        else:
            message = "Invalid request parameters"
        response.data = error_body(response.status_code, message, req_path, errors)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, (list, dict)):
            detail = " ".join(_flatten(detail, "", {}).values())
        response.data = error_body(response.status_code, str(detail), req_path)
    return response


def _django_error(status_code, message):
    def view(request, exception=None):
        return JsonResponse(error_body(status_code, message, request.path), status=status_code,
                            json_dumps_params={"separators": (",", ":")})
    return view


handler400 = _django_error(400, "Bad request")
handler403 = _django_error(403, "Access denied for this resource")
handler404 = _django_error(404, "The requested resource was not found")
handler500 = _django_error(500, "Unexpected server error")


# --------------------------------------------------------------------------- view


class CampaignDetailView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [ApiKeyRequired]
    parser_classes = [BodyJSONParser]
    renderer_classes = [JSONRenderer]

    def patch(self, request, campaignId):
        account = request.user
        with account.lock:
            if campaignId not in account.campaigns:
                raise exceptions.NotFound("Campaign %s was not found." % campaignId)

        data = request.data  # parse: 415 / 400 from DRF
        if request.stream is None:
            raise exceptions.ParseError("Request body is required.")

        with account.lock:
            campaign = account.campaigns[campaignId]
            serializer = UpdateCampaignRequestSerializer(
                data=data, partial=True, context={"account": account, "campaign": campaign})
            serializer.is_valid(raise_exception=True)
            changes = serializer.validated_data

            name = changes.get("campaignName")
            if name is not None:
                for other in account.campaigns.values():
                    if other is not campaign and other["campaignName"] == name:
                        raise Conflict("A campaign named %r already exists in this account." % name)
            if changes.get("isScheduled") is True and campaign["campaignStatus"] == "completed":
                raise Conflict("Campaign %s is completed and cannot be scheduled." % campaignId)

            for field in ("campaignName", "sipPhoneNumber", "agentId", "concurrentCalls",
                          "dynamicVariables"):
                if field in changes:
                    campaign[field] = changes[field]
            if "isScheduled" in changes:
                if changes["isScheduled"]:
                    campaign["scheduledAt"] = changes["scheduledAt"]
                    campaign["scheduledTimezone"] = changes["scheduledTimezone"]
                    campaign["campaignStatus"] = "scheduled"
                else:
                    campaign["scheduledAt"] = None
                    campaign["scheduledTimezone"] = None
                    if campaign["campaignStatus"] == "scheduled":
                        campaign["campaignStatus"] = "live"
            body = render_campaign(account, campaign)
        return Response(body, status=status.HTTP_200_OK)


urlpatterns = [
    path("v1/campaigns/<str:campaignId>", CampaignDetailView.as_view()),
]
