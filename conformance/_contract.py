"""The contract as one executable model, built from the document and its errata.

Every number, pattern and field map of the operation is read here, from
`spec/openapi.yaml` with the errata overlay applied, and from nowhere else:
strategies, checks, the reference server, restore and the test oracle ask a
:class:`Contract` instead of typing a bound again.

What the schemas say is read from the schemas (types, ``minLength``,
``maxLength``, ``pattern``, ``format``, ``nullable``). What only the prose
says is read from the prose, by the sentences quoted in :data:`PROSE_RULES`;
a sentence that is no longer in the document makes loading fail, so an edited
document can never leave a stale rule behind.

Which response property shows a request field is derived from the two
schemas: the same name (``campaignName``), the same name one object deeper
(``agentId`` in ``agent``), or the boolean's name without its ``is``
(``isScheduled`` shown as ``scheduled``); the schedule fields are shown
together as the one instant ``scheduledDate``.

The contract governs the properties its response schemas list; everything
else in a body (``updatedAt``, ``version``, an echoed ``dynamicVariables``) is
the server's business: :meth:`Contract.governed_view` is the one place that
decides what a comparison may look at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from ._spec import (
    SPEC_DIR,
    OperationRef,
    Spec,
    find_operation,
    fold,
    load_spec,
    operation_id_of,
    resolve_pointer,
)

__all__ = [
    "ABSENT",
    "Contract",
    "ContractError",
    "FieldRule",
    "contract_of",
    "load_contract",
    "python_pattern",
]

INT32 = (-(2**31), 2**31 - 1)


class ContractError(Exception):
    """The document no longer says what a rule of the model was read from."""


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"

    def __bool__(self) -> bool:
        return False


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class ProseRule:
    """A rule only the prose states: the sentence, where it stands, and what it sets."""

    field: str
    quote: str
    sets: Mapping[str, Any]


# Rules that live only in the descriptions. Each is found in the field's own
# description, or loading fails.
_SCHEDULE_PARTS = ("scheduledDate", "scheduledTime", "scheduledTimezone")
PROSE_RULES: tuple[ProseRule, ...] = (
    ProseRule("campaignName", "Must be unique within your account.", {"unique": True}),
    ProseRule("concurrentCalls", "Must be a positive integer.", {"minimum": 1}),
    ProseRule("scheduledDate", "Must be a future date.", {"future": True}),
    *(
        ProseRule(part, "Required when isScheduled is true.", {"required_when": "isScheduled"})
        for part in _SCHEDULE_PARTS
    ),
    *(
        ProseRule(
            part,
            "Ignored when isScheduled is false or omitted.",
            {"ignored_unless": "isScheduled"},
        )
        for part in _SCHEDULE_PARTS
    ),
    ProseRule("scheduledTimezone", "IANA timezone name", {"iana_zone": True}),
    ProseRule(
        "sipPhoneNumber",
        "Must be a number provisioned in SigmaMind or configured via SIP trunking that is "
        "enabled for outbound calls.",
        {"reference": "phone_number"},
    ),
    ProseRule("agentId", "Unique identifier of the agent", {"reference": "agent"}),
    ProseRule(
        "dynamicVariables",
        "Keys must match variable names defined in the agent's configuration.",
        {"keys": "agent_variables"},
    ),
)

# Where a format's words are read ("in YYYY-MM-DD format", "in HH:mm:ss format").
_WRITTEN_FORMAT = re.compile(r"in (YYYY-MM-DD|HH:mm:ss) format")

# A pattern of the +E.164 shape: '+', a digit 1-9, then a counted run of ASCII
# digits. Its counts are read as the number of digits after '+'.
_E164_SHAPE = re.compile(r"\^?\\\+\[1-9\](?:\[0-9\]|\\d)\{(\d+),(\d+)\}\$?")

# Response properties that only prose ties to a request field: the status
# whose value names the schedule follows the schedule.
STATUS_FOLLOWS_SCHEDULE = (
    "campaignStatus",
    "'scheduled' means the campaign is configured to launch at a future date and time.",
)

JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


@dataclass(frozen=True)
class FieldRule:
    """One property of the request body, as the contract states it."""

    name: str
    pointer: str
    json_type: str
    format: str | None = None
    written_format: str | None = None
    min_length: int | None = None
    max_length: int | None = None  # lengths count code points (JSON Schema)
    pattern: str | None = None
    minimum: int | None = None
    maximum: int | None = None
    nullable: bool = False
    enum: tuple[Any, ...] | None = None
    value_types: tuple[str, ...] = ()  # additionalProperties' allowed types (objects)
    unique: bool = False
    future: bool = False
    iana_zone: bool = False
    reference: str | None = None
    keys: str | None = None
    required_when: str | None = None
    ignored_unless: str | None = None
    shown_as: tuple[str, ...] | None = None  # path into CampaignResponse; None: never returned
    example: Any = ABSENT

    @property
    def readable(self) -> bool:
        """Whether a 200 body shows the field, so it can be read back."""
        return self.shown_as is not None

    @property
    def restorable(self) -> bool:
        """Whether the suite can put the field back as it found it."""
        return self.readable

    @property
    def schedule_part(self) -> bool:
        return self.required_when is not None

    @property
    def length_bounds(self) -> tuple[int, int | None]:
        return (self.min_length or 0, self.max_length)

    @property
    def integer_bounds(self) -> tuple[int, int]:
        low = self.minimum if self.minimum is not None else INT32[0]
        high = self.maximum if self.maximum is not None else INT32[1]
        return (low, high)

    def matches(self, value: str) -> bool:
        """Whether `value` matches the field's pattern (ECMA-262 semantics, fully anchored)."""
        if self.pattern is None:
            return True
        return re.fullmatch(python_pattern(self.pattern), value) is not None

    @property
    def digits(self) -> tuple[int, int] | None:
        """(fewest, most) digits after '+' a +E.164-shaped pattern allows; None
        for any other pattern."""
        shape = _E164_SHAPE.fullmatch(self.pattern or "")
        if shape is None:
            return None
        return (int(shape.group(1)) + 1, int(shape.group(2)) + 1)

    def at_a_bound(self, value: str) -> bool:
        """Whether `value` sits on a bound the field sets: a length of exactly its
        minLength or maxLength (code points), or for a +E.164 pattern exactly its
        fewest or most digits."""
        if len(value) in (self.min_length, self.max_length):
            return True
        digits = self.digits
        return digits is not None and self.matches(value) and len(value) - 1 in digits

    def has_json_type(self, value: Any) -> bool:
        """Whether `value` is of the field's JSON type (a boolean is no integer)."""
        kinds = JSON_TYPES.get(self.json_type, (object,))
        return isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool))

    def admits(self, value: Any) -> bool:
        """Whether `value` keeps every rule the schema states for the field by itself
        (JSON type, lengths, pattern, integer bounds, value types); rules that
        need the account (references, uniqueness) or other fields are not judged."""
        if value is None:
            return self.nullable
        if not self.has_json_type(value):
            return False
        if isinstance(value, str):
            low, high = self.length_bounds
            if len(value) < low or (high is not None and len(value) > high):
                return False
            return self.matches(value)
        if isinstance(value, int) and self.json_type == "integer":
            low, high = self.integer_bounds
            return low <= value <= high
        if isinstance(value, dict) and self.value_types:
            allowed = tuple(t for name in self.value_types for t in JSON_TYPES.get(name, ()))
            return all(
                isinstance(v, allowed) and (bool in allowed or not isinstance(v, bool))
                for v in value.values()
            )
        return True


def python_pattern(pattern: str) -> str:
    """A document pattern as Python `re` reads it: ASCII digits, no newline before `$`."""
    body = pattern.removeprefix("^").removesuffix("$")
    return body.replace(r"\d", "[0-9]")


@dataclass(frozen=True)
class Contract:
    """What the document promises for one operation (named by its operationId), read once."""

    spec: Spec
    operation_id: str
    method: str
    path_template: str
    path_parameter: str
    security_header: str
    fields: Mapping[str, FieldRule]
    statuses: frozenset[int]
    media_types: Mapping[int, tuple[str, ...]]
    response_schemas: Mapping[int, str]  # status -> component schema name
    schemas: Mapping[str, dict[str, Any]] = field(repr=False)  # overlaid, refs resolved

    # -- request fields ---------------------------------------------------
    def field(self, name: str) -> FieldRule:
        return self.fields[name]

    def with_fields(self, **changes: Mapping[str, Any]) -> Contract:
        """This reading with some field rules changed, the document left as it is:
        ``with_fields(campaignName={"max_length": 40})`` (what-if readings, tests)."""
        fields = dict(self.fields)
        for name, values in changes.items():
            fields[name] = _replace(fields[name], **values)
        return _replace(self, fields=fields)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(self.fields)

    @property
    def schedule_fields(self) -> tuple[str, ...]:
        """The fields the schedule flag requires, in document order."""
        return tuple(f.name for f in self.fields.values() if f.schedule_part)

    @property
    def schedule_flag(self) -> str:
        flags = {f.required_when for f in self.fields.values() if f.required_when}
        if len(flags) != 1:
            raise ContractError(f"expected one schedule flag, found {sorted(flags)}")
        return flags.pop()  # type: ignore[no-any-return]

    @property
    def restorable_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields.values() if f.restorable)

    @property
    def string_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields.values() if f.json_type == "string")

    @property
    def schedule_group(self) -> tuple[str, ...]:
        """The flag and the fields it requires: they are set and shown together."""
        return (self.schedule_flag, *self.schedule_fields)

    @property
    def schedule_roles(self) -> Mapping[str, str]:
        """Which schedule field holds the date, the time and the zone, by what
        each is: an IANA zone, a date format, or else the time."""
        roles: dict[str, str] = {}
        for name in self.schedule_fields:
            rule = self.fields[name]
            if rule.iana_zone:
                roles["zone"] = name
            elif rule.format == "date" or rule.written_format == "YYYY-MM-DD":
                roles["date"] = name
            else:
                roles["time"] = name
        if set(roles) != {"date", "time", "zone"}:
            raise ContractError(f"schedule fields {self.schedule_fields} are not date, time, zone")
        return roles

    @property
    def schedule_status(self) -> tuple[str, str] | None:
        """(property, value) of the 200 body's status that says "scheduled", or None."""
        name, quote = STATUS_FOLLOWS_SCHEDULE
        prop = self.schemas[self.response_schemas[200]].get("properties", {}).get(name)
        if prop is None or fold(quote) not in fold(prop.get("description", "")):
            return None
        value = quote.split("'")[1]
        return (name, value) if value in prop.get("enum", ()) else None

    def governs(self, name: str) -> tuple[str, ...]:
        """The top-level properties of a 200 body an update of field `name` may change:
        where the field is shown; for the schedule, every property showing any part
        of it and the status that follows it."""
        if name in self.schedule_group:
            shown = [self.fields[part].shown_as for part in self.schedule_group]
            names = dict.fromkeys(path[0] for path in shown if path)
            status = self.schedule_status
            if status is not None:
                names[status[0]] = None
            return tuple(names)
        path = self.fields[name].shown_as
        return (path[0],) if path else ()

    def path(self, **parameters: str) -> str:
        from urllib.parse import quote

        path = self.path_template
        for name, value in parameters.items():
            path = path.replace("{" + name + "}", quote(value, safe=""))
        return path

    # -- responses --------------------------------------------------------
    def schema(self, name: str) -> dict[str, Any]:
        return self.schemas[name]

    def governed_properties(self, schema: str) -> frozenset[str]:
        return frozenset(self.schemas[schema].get("properties", {}))

    def governed_view(self, body: Any, schema: str = "CampaignResponse") -> Any:
        """`body` cut down to what the contract governs: the properties its schema lists,
        recursively. Anything else a server adds is its own business."""
        return _project(body, self.schemas[schema])

    def shown(self, body: Any, name: str) -> Any:
        """The value a 200 body shows for request field `name` (ABSENT when it shows none)."""
        path = self.fields[name].shown_as
        if path is None:
            return ABSENT
        value = body
        for step in path:
            if not isinstance(value, dict) or step not in value:
                return ABSENT
            value = value[step]
        return value


def _project(value: Any, schema: dict[str, Any]) -> Any:
    properties = schema.get("properties")
    if isinstance(value, dict) and properties is not None:
        return {k: _project(v, properties[k]) for k, v in value.items() if k in properties}
    if isinstance(value, list) and "items" in schema:
        return [_project(v, schema["items"]) for v in value]
    return value


def _resolve_refs(node: Any, document: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _resolve_refs(resolve_pointer(document, node["$ref"][1:]), document)
        return {k: _resolve_refs(v, document) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_refs(v, document) for v in node]
    return node


def _shown_as(name: str, response: dict[str, Any]) -> tuple[str, ...] | None:
    properties = response.get("properties", {})
    if name in properties:
        return (name,)
    for outer, schema in properties.items():
        if name in schema.get("properties", {}):
            return (outer, name)
    if name.startswith("is") and name[2:3].isupper():
        bare = name[2].lower() + name[3:]
        if bare in properties:
            return (bare,)
    return None


def _field_rule(
    name: str, schema: dict[str, Any], pointer: str, response: dict[str, Any]
) -> FieldRule:
    json_type = schema.get("type", "")
    description = fold(schema.get("description", ""))
    values: dict[str, Any] = {}
    if json_type == "integer" and schema.get("format") == "int32":
        values["minimum"], values["maximum"] = INT32
    for key, attr in (("minimum", "minimum"), ("maximum", "maximum")):
        if key in schema:
            values[attr] = schema[key]
    for rule in PROSE_RULES:
        if rule.field != name:
            continue
        if fold(rule.quote) not in description:
            raise ContractError(f"{pointer}/description no longer says {rule.quote!r}")
        values.update(rule.sets)
    written = _WRITTEN_FORMAT.search(description)
    additional = schema.get("additionalProperties")
    value_types: tuple[str, ...] = ()
    if isinstance(additional, dict):
        alternatives = additional.get("oneOf") or additional.get("anyOf") or [additional]
        value_types = tuple(a.get("type", "") for a in alternatives)
    shown: tuple[str, ...] | None = _shown_as(name, response)
    if values.get("required_when"):
        # The schedule's parts are shown together, as the one instant the
        # response's date-time property holds.
        shown = ("scheduledDate",) if "scheduledDate" in response.get("properties", {}) else None
    return FieldRule(
        name=name,
        pointer=pointer,
        json_type=json_type,
        format=schema.get("format"),
        written_format=written.group(1) if written else None,
        min_length=schema.get("minLength"),
        max_length=schema.get("maxLength"),
        pattern=schema.get("pattern"),
        nullable=bool(schema.get("nullable", False)),
        enum=tuple(schema["enum"]) if "enum" in schema else None,
        value_types=value_types,
        shown_as=shown,
        example=schema.get("example", ABSENT),
        **values,
    )


def build_contract(spec: Spec, operation: OperationRef) -> Contract:
    """The contract of `operation` (an operationId, or a value carrying one) in `spec`."""
    document = spec.overlaid
    operation_id = operation_id_of(operation)
    method, path, operation_object = find_operation(document, operation_id)
    parameters = [p for p in operation_object.get("parameters", []) if p.get("in") == "path"]
    if len(parameters) != 1:
        raise ContractError(f"{method} {path}: expected one path parameter")
    schemes = document.get("components", {}).get("securitySchemes", {})
    headers = [
        s["name"] for s in schemes.values() if s.get("type") == "apiKey" and s.get("in") == "header"
    ]
    if len(headers) != 1:
        raise ContractError("expected one API key header security scheme")

    schemas = {
        name: _resolve_refs(schema, document)
        for name, schema in document.get("components", {}).get("schemas", {}).items()
    }
    body_ref = operation_object["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_name = body_ref.rsplit("/", 1)[-1]
    statuses: set[int] = set()
    media: dict[int, tuple[str, ...]] = {}
    response_schemas: dict[int, str] = {}
    for status, response in operation_object.get("responses", {}).items():
        code = int(status)
        statuses.add(code)
        content = response.get("content", {})
        media[code] = tuple(content)
        for item in content.values():
            ref = item.get("schema", {}).get("$ref")
            if ref:
                response_schemas[code] = ref.rsplit("/", 1)[-1]
    success = schemas[response_schemas[200]]
    request_pointer = f"/components/schemas/{request_name}/properties"
    fields = {
        name: _field_rule(name, prop, f"{request_pointer}/{name}", success)
        for name, prop in schemas[request_name].get("properties", {}).items()
    }
    # Patterns and formats used to generate data come from the request overlay.
    request_doc = spec.request_schema()
    for name, prop in request_doc["components"]["schemas"][request_name]["properties"].items():
        current = fields[name]
        if prop.get("pattern") != current.pattern or prop.get("format") != current.format:
            fields[name] = _replace(current, pattern=prop.get("pattern"), format=prop.get("format"))
    return Contract(
        spec=spec,
        operation_id=operation_id,
        method=method,
        path_template=path,
        path_parameter=parameters[0]["name"],
        security_header=headers[0],
        fields=fields,
        statuses=frozenset(statuses),
        media_types=media,
        response_schemas=response_schemas,
        schemas=schemas,
    )


def _replace(rule: Any, **changes: Any) -> Any:
    from dataclasses import replace

    return replace(rule, **changes)


@cache
def load_contract(directory: Path = SPEC_DIR, *, operation_id: str) -> Contract:
    """The contract of the operation `operation_id`, from the document and errata in
    `directory` (conformance/_operation.py names the operation under test)."""
    return build_contract(load_spec(directory), operation_id)


_BUILT: dict[tuple[int, str], Contract] = {}


def contract_of(spec: Spec, operation: OperationRef) -> Contract:
    """The contract of `operation` read from `spec` (a loaded document), built once
    per document and operation."""
    key = (id(spec), operation_id_of(operation))
    built = _BUILT.get(key)
    if built is None or built.spec is not spec:
        built = _BUILT[key] = build_contract(spec, key[1])
    return built
