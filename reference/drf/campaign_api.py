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
import threading
import time
import traceback
import zoneinfo
from datetime import datetime, timezone
from http import HTTPStatus

from django.core import validators as django_validators
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.urls import path
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

import campaign_core
from campaign_core import IANA_ZONES, ApiKeyAuthentication, ApiKeyRequired, BodyJSONParser, fault

# --------------------------------------------------------------------------- fields


class NullableInFault:
    """FAULT allow_null: the model columns are null=True, so ModelSerializer made these allow_null."""
    nullable_in_fault = False

    def validate_empty_values(self, data):
        if data is None and self.nullable_in_fault and fault("allow_null"):
            return (True, None)
        return super().validate_empty_values(data)


class StrictCharField(NullableInFault, serializers.CharField):
    """JSON strings only (DRF would coerce numbers); value kept exactly as sent."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        self.nullable_in_fault = kwargs.pop("nullable_in_fault", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if fault("trim_whitespace"):
            # FAULT: DRF's default trim_whitespace=True left on
            data = data.strip()
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if fault("bool_coercion"):
            # FAULT: plain DRF BooleanField ("true", "yes", 1, "on" ... accepted)
            return super().to_internal_value(data)
        if data is True or data is False:
            return data
        self.fail("invalid", input=data)


class StrictIntegerField(NullableInFault, serializers.IntegerField):
    def __init__(self, **kwargs):
        self.nullable_in_fault = kwargs.pop("nullable_in_fault", False)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if fault("int_coercion"):
            # FAULT: plain DRF IntegerField ("5", 5.0, "5.0" accepted)
            return super().to_internal_value(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class StrictDateField(serializers.DateField):
    _re = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

    def to_internal_value(self, value):
        if fault("schedule_formats_lenient"):
            # FAULT: plain DRF DateField (ISO-8601 via Django: "2099-3-5", "20990305" accepted)
            return super().to_internal_value(value)
        if not isinstance(value, str) or not self._re.fullmatch(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class StrictTimeField(serializers.TimeField):
    _re = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}")

    def to_internal_value(self, value):
        if fault("schedule_formats_lenient"):
            # FAULT: plain DRF TimeField ("12:00", "9:30", "12:00:00.5" accepted)
            return super().to_internal_value(value)
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
        if fault("phone_pattern_unanchored"):
            # FAULT: re.match on a pattern without its $ anchor
            if not self.regex.match(value):
                raise serializers.ValidationError(self.message, code="invalid")
            return
        if not self.regex.fullmatch(value):
            raise serializers.ValidationError(self.message, code="invalid")


# --------------------------------------------------------------------------- serializers


class UpdateCampaignRequestSerializer(serializers.Serializer):
    campaignName = StrictCharField(required=False, min_length=1, max_length=128,
                                   nullable_in_fault=True)
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
    concurrentCalls = StrictIntegerField(required=False, min_value=1, max_value=2147483647,
                                         nullable_in_fault=True)
    dynamicVariables = serializers.DictField(child=AnyJSONValueField(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if fault("agentid_no_maxlen"):
            # FAULT: max_length dropped from agentId (ids are looked up anyway)
            f = self.fields["agentId"]
            f.max_length = None
            f.validators = [v for v in f.validators
                            if not isinstance(v, django_validators.MaxLengthValidator)]
        if fault("concurrent_zero_allowed"):
            # FAULT: "non-negative" instead of "positive": min_value=0
            f = self.fields["concurrentCalls"]
            f.min_value = 0
            f.validators = [django_validators.MinValueValidator(0) if
                            isinstance(v, django_validators.MinValueValidator) else v
                            for v in f.validators]

    def validate_sipPhoneNumber(self, value):
        number = self.context["account"].numbers.get(value)
        if number is None:
            raise serializers.ValidationError(
                "Phone number %s is not provisioned in this account." % value)
        if fault("inactive_number_allowed"):
            # FAULT: the 'active' flag is never checked
            return value
        if number.get("active") is not True:
            raise serializers.ValidationError(
                "Phone number %s is not enabled for outbound calls." % value)
        return value

    def validate_agentId(self, value):
        agent = self.context["account"].agents.get(value)
        if agent is None and fault("foreign_agent_allowed"):
            # FAULT: Agent.objects.get(pk=...) without filtering on the caller's account
            agent = global_agent(value)
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

        if fault("schedule_fill_from_stored"):
            # FAULT: partial-update reflex: missing schedule parts taken from the stored schedule
            campaign = self.context["campaign"]
            if campaign.get("scheduledAt") is not None and campaign.get("scheduledTimezone"):
                stz = zoneinfo.ZoneInfo(campaign["scheduledTimezone"])
                stored_local = campaign["scheduledAt"].astimezone(stz)
                attrs.setdefault("scheduledTimezone", campaign["scheduledTimezone"])
                attrs.setdefault("scheduledDate", stored_local.date())
                attrs.setdefault("scheduledTime", stored_local.time().replace(tzinfo=None))

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
        if fault("schedule_ignores_dst"):
            # FAULT: the zone's offset taken "now" instead of at the scheduled date
            try:
                instant = (naive - datetime.now(tz).utcoffset()).replace(tzinfo=timezone.utc)
            except (OverflowError, ValueError):
                raise serializers.ValidationError(
                    {"scheduledDate": "Scheduled date and time are out of range."})
            if instant <= datetime.now(timezone.utc):
                raise serializers.ValidationError(
                    {"scheduledDate": "Scheduled date and time must be in the future."})
            attrs["scheduledAt"] = instant
            return attrs
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
        if fault("schedule_same_day_past"):
            # FAULT: "future date" checked on the date only (today passes, whatever the time)
            in_past = attrs["scheduledDate"] < datetime.now(timezone.utc).date()
        elif fault("schedule_naive_now"):
            # FAULT: local wall-clock time compared with naive UTC now
            in_past = naive <= datetime.now(timezone.utc).replace(tzinfo=None)
        else:
            in_past = instant <= datetime.now(timezone.utc)
        if in_past:
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
    if fault("resp_scheduled_date_naive"):
        # FAULT: strftime without zone designator
        return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
            "%03d" % (dt.microsecond // 1000)
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


def global_agent(agent_id):
    for acc in campaign_core.ACCOUNTS:
        if agent_id in acc.agents:
            return acc.agents[agent_id]
    return None


def render_campaign(account, campaign, refs=None):
    view = dict(campaign)
    agent_id, number = refs if refs is not None else (campaign["agentId"], campaign["sipPhoneNumber"])
    view["agent"] = account.agents.get(agent_id)
    if view["agent"] is None and fault("foreign_agent_allowed"):
        view["agent"] = global_agent(agent_id)
    view["phoneNumber"] = account.numbers.get(number)
    return CampaignResponseSerializer(view).data


# --------------------------------------------------------------------------- errors


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict with the current state of the resource."
    default_code = "conflict"


def now_iso():
    dt = datetime.now(timezone.utc)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def error_body(status_code, message, path, validation_errors=None):
    body = {
        "timestamp": now_iso(),
        # FAULT error_status_string: the validation branch builds status with str()
        "status": (str(status_code) if fault("error_status_string") and validation_errors is not None
                   else status_code),
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


# FAULT render_cache: rendered bodies cached per campaign, invalidated on the "main" fields only
_RENDER_CACHE = {}
_RENDER_CACHE_INVALIDATING = ("campaignName", "sipPhoneNumber", "agentId", "concurrentCalls",
                              "dynamicVariables")
# FAULT name_index_stale: per-account name -> campaignId index, entries never removed on rename
_NAME_INDEX = {}


def _name_index(account):
    idx = _NAME_INDEX.get(id(account))
    if idx is None:
        idx = {c["campaignName"]: cid for cid, c in account.campaigns.items()}
        _NAME_INDEX[id(account)] = idx
    return idx


def _find_campaign(account, campaignId):
    """(owning account, stored campaign id) or (None, None)."""
    if campaignId in account.campaigns:
        return account, campaignId
    if fault("campaign_id_case_insensitive"):
        # FAULT: lookup with campaignId__iexact
        for cid in account.campaigns:
            if cid.lower() == campaignId.lower():
                return account, cid
    if fault("foreign_campaign_visible"):
        # FAULT: Campaign.objects.get(pk=...) -- queryset not filtered on the caller's account
        for acc in campaign_core.ACCOUNTS:
            if campaignId in acc.campaigns:
                return acc, campaignId
    return None, None


class CampaignDetailView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [ApiKeyRequired]
    parser_classes = [BodyJSONParser]
    renderer_classes = [JSONRenderer]

    def initial(self, request, *args, **kwargs):
        if fault("auth_after_lookup"):
            # FAULT: object looked up (get_object_or_404) before authentication runs
            cid = kwargs.get("campaignId")
            if not any(cid in acc.campaigns for acc in campaign_core.ACCOUNTS):
                raise exceptions.NotFound("Campaign %s was not found." % cid)
        return super().initial(request, *args, **kwargs)

    def patch(self, request, campaignId):
        account = request.user
        with account.lock:
            owner, campaignId_found = _find_campaign(account, campaignId)
            if owner is None:
                raise exceptions.NotFound("Campaign %s was not found." % campaignId)
        account, campaignId = owner, campaignId_found

        data = request.data  # parse: 415 / 400 from DRF
        if fault("falsy_body_as_empty"):
            # FAULT: `request.data or {}` -- empty body, null, [], "", 0, false all become {}
            data = data or {}
        elif request.stream is None:
            raise exceptions.ParseError("Request body is required.")

        if fault("race_lost_update"):
            return self._patch_unlocked(request, account, campaignId, data)

        with account.lock:
            campaign = account.campaigns[campaignId]
            serializer = UpdateCampaignRequestSerializer(
                data=data, partial=True, context={"account": account, "campaign": campaign})
            if fault("partial_write_on_error") and not serializer.is_valid():
                # FAULT: each field is set on the instance as soon as it validates on its own
                self._apply_valid_fields(serializer, data, campaign)
            serializer.is_valid(raise_exception=True)
            changes = serializer.validated_data
            self._check_conflicts(account, campaign, campaignId, changes)
            old_refs = (campaign["agentId"], campaign["sipPhoneNumber"])
            self._apply(account, campaign, campaignId, changes)
            body = self._render(account, campaign, campaignId, changes, old_refs)
        return Response(body, status=status.HTTP_200_OK)

    # ------------------------------------------------------------------ helpers

    def _apply_valid_fields(self, serializer, data, campaign):
        if not isinstance(data, dict):
            return
        for field in ("campaignName", "concurrentCalls", "dynamicVariables"):
            if field in data and field not in serializer.errors:
                try:
                    campaign[field] = serializer.fields[field].run_validation(data[field])
                except serializers.ValidationError:
                    pass

    def _check_conflicts(self, account, campaign, campaignId, changes):
        name = changes.get("campaignName")
        if name is not None:
            if fault("name_index_stale"):
                holder = _name_index(account).get(name)
                if holder is not None and holder != campaignId:
                    raise Conflict("A campaign named %r already exists in this account." % name)
            else:
                for cid, other in account.campaigns.items():
                    if fault("dup_name_self_conflict"):
                        # FAULT: uniqueness check does not exclude the instance being updated
                        if other["campaignName"] == name:
                            raise Conflict(
                                "A campaign named %r already exists in this account." % name)
                    elif cid != campaignId and other["campaignName"] == name:
                        raise Conflict("A campaign named %r already exists in this account." % name)
        if changes.get("isScheduled") is True and campaign["campaignStatus"] == "completed":
            raise Conflict("Campaign %s is completed and cannot be scheduled." % campaignId)

    def _apply(self, account, campaign, campaignId, changes):
        if fault("name_index_stale") and "campaignName" in changes:
            _name_index(account)[changes["campaignName"]] = campaignId
        for field in ("campaignName", "sipPhoneNumber", "agentId", "concurrentCalls",
                      "dynamicVariables"):
            if field in changes:
                campaign[field] = changes[field]
        if fault("omitted_concurrent_default") and "concurrentCalls" not in changes:
            # FAULT: "If omitted, the account default is used" applied to PATCH
            campaign["concurrentCalls"] = 1
        is_scheduled = changes.get("isScheduled")
        if fault("omitted_isscheduled_unschedules") and is_scheduled is None:
            # FAULT: "When false or omitted, the campaign starts" applied to PATCH
            is_scheduled = False
        if is_scheduled is not None:
            if is_scheduled:
                campaign["scheduledAt"] = changes["scheduledAt"]
                campaign["scheduledTimezone"] = changes["scheduledTimezone"]
                campaign["campaignStatus"] = "scheduled"
            else:
                campaign["scheduledAt"] = None
                campaign["scheduledTimezone"] = None
                if campaign["campaignStatus"] == "scheduled":
                    campaign["campaignStatus"] = "live"

    def _render(self, account, campaign, campaignId, changes, old_refs):
        if fault("resp_stale_agent"):
            # FAULT: related agent / phone number objects fetched before the update
            return render_campaign(account, campaign, refs=old_refs)
        if fault("render_cache"):
            key = (id(account), campaignId)
            if any(f in changes for f in _RENDER_CACHE_INVALIDATING):
                _RENDER_CACHE.pop(key, None)
            body = _RENDER_CACHE.get(key)
            if body is None:
                body = render_campaign(account, campaign)
                _RENDER_CACHE[key] = body
            return body
        return render_campaign(account, campaign)

    def _patch_unlocked(self, request, account, campaignId, data):
        # FAULT race_lost_update: read-modify-write of the whole record without a lock
        # (a "DB round trip" between the read and the save)
        snapshot = dict(account.campaigns[campaignId])
        serializer = UpdateCampaignRequestSerializer(
            data=data, partial=True, context={"account": account, "campaign": snapshot})
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        self._check_conflicts(account, snapshot, campaignId, changes)
        old_refs = (snapshot["agentId"], snapshot["sipPhoneNumber"])
        time.sleep(0.15)
        self._apply(account, snapshot, campaignId, changes)
        account.campaigns[campaignId] = snapshot  # save(): every column written back
        body = self._render(account, snapshot, campaignId, changes, old_refs)
        return Response(body, status=status.HTTP_200_OK)


urlpatterns = [
    path("v1/campaigns/<str:campaignId>", CampaignDetailView.as_view()),
]
