"""The contract as data: the verbatim document, its errata, and response validation.

`load_spec()` reads `spec/openapi.yaml`, validates it as OpenAPI 3.0 (the
shipped document is validated by the tests instead), reads `spec/errata.yaml`,
and builds the in-memory overlay the suite validates with.
The files on disk are never changed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import yaml

from ._resources import contract_dir

SPEC_DIR = contract_dir()
# The operation is validated as if it were sent to the document's own server:
# openapi-core matches the request against `servers`, and the target's origin
# is not part of the contract.
_VALIDATION_HOST = "https://api.sigmamind.ai"
_JUDGED_KEPT = 4096
# The SHA-256 of the shipped document (spec/openapi.yaml), which the project's
# tests validate as OpenAPI 3.0 (tests/conformance/test_spec.py): it is not
# validated again at every start (about 50 ms). Any other document is
# validated when it is loaded.
VALIDATED_SHA256 = "2f4f1824af4696f02a01e064953cbc6efa5c4a43b141524b814e7f2664d254ed"


class SpecError(Exception):
    """The contract document or its errata cannot be used."""


class Named(Protocol):
    """An operation as the suite holds it (conformance/_operation.py): named by its operationId."""

    @property
    def operation_id(self) -> str: ...


# An operation of the document: its operationId, or a value that carries one.
OperationRef = str | Named


def operation_id_of(operation: OperationRef) -> str:
    return operation if isinstance(operation, str) else operation.operation_id


def pointer_of(method: str, path: str) -> str:
    """The JSON Pointer of the operation `method` `path` in a document."""
    return f"/paths/{path.replace('~', '~0').replace('/', '~1')}/{method.lower()}"


@dataclass(frozen=True)
class Side:
    pointer: str
    quote: str


@dataclass(frozen=True)
class Erratum:
    id: str
    title: str
    sides: tuple[Side, ...]
    decision: str
    overlay: tuple[dict[str, Any], ...] = ()
    request_overlay: tuple[dict[str, Any], ...] = ()
    exercised: str | None = None


@dataclass(frozen=True)
class Problem:
    """One way a response breaks the document."""

    kind: str  # "status", "content-type", "schema"
    message: str


@dataclass
class Spec:
    document: dict[str, Any]
    text: str
    errata: tuple[Erratum, ...]
    overlaid: dict[str, Any] = field(repr=False)
    sha256: str = ""
    # Judgements already made, by (operationId, status, media type, body): a run
    # sees the same error bodies many times, and one body is judged one way.
    _judged: dict[tuple[str, int, str, bytes], tuple[Problem, ...]] = field(
        default_factory=dict, repr=False, compare=False)
    _body_validators: dict[tuple[str, int, str], Any] = field(
        default_factory=dict, repr=False, compare=False)
    _statuses: dict[str, frozenset[int]] = field(default_factory=dict, repr=False, compare=False)
    _openapi: Any = field(default=None, repr=False, compare=False)
    _openapi_lock: threading.Lock = field(default_factory=threading.Lock, repr=False,
                                          compare=False)

    @property
    def version(self) -> str:
        return str(self.document.get("info", {}).get("version", ""))

    def operation(self, operation: OperationRef) -> dict[str, Any]:
        """The operation object of the document (verbatim)."""
        return find_operation(self.document, operation_id_of(operation))[2]

    def operation_pointer(self, operation: OperationRef) -> str:
        method, path, _ = find_operation(self.document, operation_id_of(operation))
        return pointer_of(method, path)

    @property
    def openapi_core(self) -> Any:
        """openapi-core's OpenAPI object for the overlaid document (a copy of it),
        built once; a caller while `build_judge_beside` builds it waits for that."""
        with self._openapi_lock:
            if self._openapi is None:
                from openapi_core import OpenAPI

                self._openapi = OpenAPI.from_dict(json.loads(json.dumps(self.overlaid)))
            return self._openapi

    def build_judge_beside(self) -> None:
        """Build `openapi_core` in a thread of its own, while the run waits on answers.

        Importing openapi-core (openapi-spec-validator, pydantic-settings,
        werkzeug, requests, jsonschema) and building its view of the document
        is 0.5 to 0.8 s of CPU, and no answer is judged by it before the first
        fuzzing check. A run spends most of its time waiting on the target's
        answers, with the GIL released. Whatever goes wrong here only means the
        first judgement builds it (and meets the error itself).
        """
        if self._openapi is not None or self._openapi_lock.locked():
            return

        def build() -> None:
            try:
                _ = self.openapi_core
            except Exception:  # noqa: S110 - the first judgement builds it and says why
                pass

        threading.Thread(target=build, name="openapi-core", daemon=True).start()

    def documented_statuses(self, operation: OperationRef) -> frozenset[int]:
        """The statuses the document lists for `operation`."""
        name = operation_id_of(operation)
        found = self._statuses.get(name)
        if found is None:
            found = self._statuses[name] = frozenset(
                int(s) for s in self.operation(name)["responses"])
        return found

    def request_schema(self) -> dict[str, Any]:
        """UpdateCampaignRequest with the request overlay, refs left as they are."""
        doc = copy.deepcopy(self.overlaid)
        for erratum in self.errata:
            for op in erratum.request_overlay:
                _apply(doc, op)
        return doc

    def request_document(self) -> dict[str, Any]:
        """The whole document with both overlays: what fuzzing generates from."""
        return self.request_schema()

    def validate_response(
        self, operation: OperationRef, *, path: str, status: int, content_type: str, body: bytes
    ) -> list[Problem]:
        """Problems of one response to `operation` sent to `path`, judged by the
        overlaid document's responses of that operation."""
        name = operation_id_of(operation)
        documented = self.documented_statuses(name)
        if status not in documented:
            return [
                Problem(
                    "status",
                    f"status {status} is not documented for the operation "
                    f"(documented: {', '.join(str(s) for s in sorted(documented))})",
                )
            ]
        media = (content_type or "").split(";")[0].strip().lower()
        key = (name, status, media, body)
        found = self._judged.get(key)
        if found is None:
            found = tuple(self._judge(name, path, status, media, body))
            if len(self._judged) < _JUDGED_KEPT:
                self._judged[key] = found
        return list(found)

    def _judge(self, operation_id: str, path: str, status: int, media: str, body: bytes
               ) -> Iterable[Problem]:
        """openapi-core's judgement of one response.

        A JSON body at a JSON media type goes straight to the schema validator
        openapi-core builds for that status (built once, not per response);
        anything else takes openapi-core's whole response validation.
        """
        validator = self._body_validator(operation_id, status, media)
        if validator is not None:
            try:
                value = json.loads(body)
            except ValueError:
                pass  # openapi-core names the deserialisation error
            else:
                from openapi_core.validation.schemas.exceptions import InvalidSchemaValue

                try:
                    validator.validate(value)
                except InvalidSchemaValue as invalid:
                    return list(_describe(invalid))
                return []
        from openapi_core.testing import MockRequest, MockResponse

        method, template, _ = find_operation(self.overlaid, operation_id)
        request = MockRequest(
            _VALIDATION_HOST,
            method.lower(),
            path,
            view_args=_path_arguments(template, path),
            data=b"{}",
        )
        response = MockResponse(body, status_code=status, content_type=media or "")
        problems: list[Problem] = []
        for error in _openapi(self).iter_response_errors(request, response):
            problems.extend(_describe(error))
        return problems

    def _body_validator(self, operation_id: str, status: int, media: str) -> Any:
        """openapi-core's schema validator for a `media` body of `status`, or None."""
        key = (operation_id, status, media)
        if key not in self._body_validators:
            self._body_validators[key] = None
            method, path, operation = find_operation(self.overlaid, operation_id)
            content = operation["responses"].get(str(status), {}).get("content", {})
            if media == "application/json" and "schema" in content.get(media, {}):
                validator = _openapi(self).response_validator
                schema = (validator.spec / "paths" / path / method.lower() / "responses"
                          / str(status) / "content" / media / "schema")
                self._body_validators[key] = validator.schema_validators_factory.create(
                    validator.spec,
                    schema,
                    format_validators=validator.format_validators,
                    extra_format_validators=validator.extra_format_validators,
                    forbid_unspecified_additional_properties=(
                        validator.forbid_unspecified_additional_properties),
                    enforce_properties_required=validator.enforce_properties_required,
                )
        return self._body_validators[key]

    def erratum(self, erratum_id: str) -> Erratum:
        for erratum in self.errata:
            if erratum.id == erratum_id:
                return erratum
        raise KeyError(erratum_id)


def _describe(error: Exception) -> Iterable[Problem]:
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None) or getattr(error, "schema_errors", None)
    name = type(cause or error).__name__
    if schema_errors:
        for schema_error in schema_errors:
            where = "/".join(str(p) for p in getattr(schema_error, "absolute_path", ()))
            yield Problem("schema", f"{'/' + where if where else 'body'}: {schema_error.message}")
    elif name == "MediaTypeNotFound":
        yield Problem("content-type", str(cause or error))
    elif name in {"ResponseNotFound"}:
        yield Problem("status", str(error))
    else:
        message = str(cause or error)
        yield Problem("schema", message)


def _openapi(spec: Spec) -> Any:
    """openapi-core's view of the overlaid document (built once per Spec)."""
    return spec.openapi_core


def find_operation(document: dict[str, Any], operation_id: str
                   ) -> tuple[str, str, dict[str, Any]]:
    """Method, path and object of the operation named `operation_id`."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return method.upper(), path, operation
    raise SpecError(f"no operation {operation_id!r} in the document")


def _path_arguments(template: str, path: str) -> dict[str, str]:
    """The path parameters of `path` by name, read against `template` segment by segment."""
    names, values = template.split("/"), path.split("/")
    if len(names) != len(values):
        return {}
    return {name[1:-1]: value for name, value in zip(names, values, strict=True)
            if name.startswith("{") and name.endswith("}")}


def resolve_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON Pointer (RFC 6901); KeyError when it does not resolve."""
    if pointer in ("", "/"):
        return document
    if not pointer.startswith("/"):
        raise KeyError(pointer)
    value = document
    for raw in pointer[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(value, list):
            value = value[int(token)]
        elif isinstance(value, dict) and token in value:
            value = value[token]
        else:
            raise KeyError(pointer)
    return value


def _apply(document: dict[str, Any], op: dict[str, Any]) -> None:
    parent_pointer, _, last = op["path"].rpartition("/")
    parent = resolve_pointer(document, parent_pointer)
    key = last.replace("~1", "/").replace("~0", "~")
    if op["op"] in ("add", "replace"):
        parent[key] = copy.deepcopy(op["value"])
    elif op["op"] == "remove":
        parent.pop(key, None)
    else:
        raise SpecError(f"unknown overlay operation {op['op']!r} at {op['path']}")


def fold(text: str) -> str:
    """Whitespace folded to single spaces, as YAML folds a block scalar."""
    return re.sub(r"\s+", " ", text).strip()


def quote_found(spec: Spec, pointer: str, quote: str) -> bool:
    """Whether `quote` stands in the value at `pointer`, and nowhere else counts.

    A string value contains the quote (whitespace folded); a number or boolean
    equals it as YAML writes it (128, true); a list holds an item that is or
    contains it (an enum value); a mapping has it as one of its keys (a media
    type, a property name). KeyError when the pointer does not resolve.
    """
    return _stands_in(resolve_pointer(spec.document, pointer), quote)


def _stands_in(value: Any, quote: str) -> bool:
    if isinstance(value, str):
        return bool(fold(quote)) and fold(quote) in fold(value)
    if isinstance(value, bool):
        return quote.strip() == ("true" if value else "false")
    if isinstance(value, int | float):
        try:
            return float(quote) == value
        except ValueError:
            return False
    if isinstance(value, list):
        return any(_stands_in(item, quote) for item in value if not isinstance(item, list | dict))
    if isinstance(value, dict):
        return quote in value
    return False


def _load_errata(path: Path) -> tuple[Erratum, ...]:
    try:
        raw = _yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read errata {path.name}: {exc}") from None
    if not isinstance(raw, list):
        raise SpecError(f"{path.name}: expected a list of errata")
    errata = []
    for entry in raw:
        try:
            errata.append(
                Erratum(
                    id=entry["id"],
                    title=entry["title"],
                    sides=tuple(Side(s["pointer"], s["quote"]) for s in entry["sides"]),
                    decision=fold(entry["decision"]),
                    overlay=tuple(entry.get("overlay", ())),
                    request_overlay=tuple(entry.get("request_overlay", ())),
                    exercised=entry.get("exercised"),
                )
            )
        except (KeyError, TypeError) as exc:
            raise SpecError(f"{path.name}: malformed erratum {entry!r}: {exc}") from None
        detector = errata[-1].exercised
        if detector is not None and detector not in ERRATA_DETECTORS:
            raise SpecError(f"{path.name}: erratum {errata[-1].id} names an unknown detector "
                            f"{detector!r} (known: {', '.join(sorted(ERRATA_DETECTORS))})")
    return tuple(errata)


def load_spec(directory: Path = SPEC_DIR) -> Spec:
    """The contract, validated, with its errata overlay built in memory (once per directory)."""
    return _load_spec(Path(directory).resolve())


def _yaml(text: str) -> Any:
    """YAML parsed safely, with libyaml's loader where PyYAML was built with it."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@cache
def _load_spec(directory: Path) -> Spec:
    path = directory / "openapi.yaml"
    try:
        text = path.read_text(encoding="utf-8")
        document = _yaml(text)
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read the contract {path.name}: {exc}") from None
    if not isinstance(document, dict):
        raise SpecError(f"{path.name} is not an OpenAPI document")
    sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if sha256 != VALIDATED_SHA256:
        validate_document(document, path.name)
    errata = _load_errata(directory / "errata.yaml")
    overlaid = copy.deepcopy(document)
    for erratum in errata:
        for op in erratum.overlay:
            try:
                _apply(overlaid, op)
            except KeyError:
                raise SpecError(f"erratum {erratum.id}: {op['path']} does not resolve") from None
    return Spec(
        document=document,
        text=text,
        errata=errata,
        overlaid=overlaid,
        sha256=sha256,
    )


def validate_document(document: dict[str, Any], name: str = "the document") -> None:
    """SpecError unless `document` is valid OpenAPI 3.0 (openapi-spec-validator)."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except OpenAPIValidationError as exc:
        raise SpecError(f"{name} is not valid OpenAPI 3.0: {exc.message}") from None


# Detectors named by errata `exercised:` keys. Each takes a parsed 200 body.
ERRATA_DETECTORS: dict[str, Callable[[Any], bool]] = {
    "scheduled_date_null": lambda body: isinstance(body, dict)
    and "scheduledDate" in body
    and body["scheduledDate"] is None,
    "scheduled_date_absent": lambda body: isinstance(body, dict) and "scheduledDate" not in body,
    "errors_null": lambda body: isinstance(body, dict)
    and "errors" in body
    and body["errors"] is None,
    "errors_absent": lambda body: isinstance(body, dict) and "errors" not in body,
}
