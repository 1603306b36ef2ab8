"""RawBody: request bytes sent as they are, for bodies that are not a JSON value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_SHOWN = 60


@dataclass(frozen=True, repr=False)
class RawBody:
    """Bytes to send verbatim as the request body, with their Content-Type.

    Used where the body is not a JSON value at all (malformed JSON, no body,
    invalid UTF-8, ...) or where the Content-Type itself is the point.  The
    representation shows only the start of long contents, so a failing
    example stays readable.
    """

    content: bytes
    content_type: str = "application/json"

    def __post_init__(self) -> None:
        if not isinstance(self.content, bytes):
            raise TypeError(f"content must be bytes, not {type(self.content).__name__}")
        if not isinstance(self.content_type, str):
            raise TypeError("content_type must be a str")

    def __repr__(self) -> str:
        content = self.content
        if len(content) <= _SHOWN:
            shown = repr(content)
        else:
            shown = f"{content[:_SHOWN]!r}... ({len(content)} bytes)"
        return f"RawBody({shown}, {self.content_type!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # Hypothesis and IPython pretty-print through this hook.
        printer.text(repr(self))
