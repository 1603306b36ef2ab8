"""Content codings undone with a bound: a response is judged by what it means, not its bytes.

A server may compress any response in a coding the client offered
(RFC 9110 §8.4, §12.5.3); that is transport, never contract. The client
offers :data:`ACCEPT_ENCODING` and undoes the codings a response names in
``Content-Encoding``, in reverse order of application, never producing more
than a cap of decoded bytes: a small compressed body that inflates to
gigabytes (a decompression bomb) is cut at the cap like any long body.
"""

from __future__ import annotations

import zlib
from typing import Protocol

import brotli

__all__ = ["ACCEPT_ENCODING", "BodyDecoder", "DecodingFailed"]

ACCEPT_ENCODING = "gzip, deflate, br"


class DecodingFailed(Exception):
    """The body is not valid in the coding its Content-Encoding names."""


class _Stage(Protocol):
    def decode(self, data: bytes, limit: int) -> bytes: ...

    def finished(self) -> bool: ...


class _Identity:
    def decode(self, data: bytes, limit: int) -> bytes:
        return data

    def finished(self) -> bool:
        return True


class _Zlib:
    """gzip, or deflate: the zlib format, or the raw format some servers send instead."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._wbits = 16 + zlib.MAX_WBITS if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflater = zlib.decompressobj(self._wbits)
        self._first = True  # until the format is certain, input is kept to replay as raw
        self._replay = bytearray()

    def decode(self, data: bytes, limit: int) -> bytes:
        if self._first:
            self._replay += data
        try:
            # max_length bounds the output; unconsumed input waits for the next call.
            out = self._inflater.decompress(self._inflater.unconsumed_tail + data, max(limit, 1))
        except zlib.error as exc:
            if self._first and self.coding == "deflate":
                self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                replay, self._replay = bytes(self._replay), bytearray()
                return self.decode(replay, limit)
            raise DecodingFailed(f"{self.coding}: {exc}") from None
        if self._first and (out or len(self._replay) >= 2):
            self._first = False
            self._replay = bytearray()
        return out

    def finished(self) -> bool:
        return self._inflater.eof


class _Brotli:
    def __init__(self) -> None:
        self._decompressor = brotli.Decompressor()
        self._waiting = b""

    def decode(self, data: bytes, limit: int) -> bytes:
        self._waiting += data
        try:
            if not self._decompressor.can_accept_more_data():
                return self._decompressor.process(b"", output_buffer_limit=max(limit, 1))
            data, self._waiting = self._waiting, b""
            return self._decompressor.process(data, output_buffer_limit=max(limit, 1))
        except brotli.error as exc:
            raise DecodingFailed(f"br: {exc}") from None

    def finished(self) -> bool:
        return self._decompressor.is_finished()


def _stage(coding: str) -> _Stage | None:
    if coding in ("", "identity"):
        return _Identity()
    if coding in ("gzip", "x-gzip", "deflate"):
        return _Zlib(coding)
    if coding == "br":
        return _Brotli()
    return None


class BodyDecoder:
    """Undoes the codings of one response, producing at most ``cap + 1`` bytes in all.

    One byte past the cap is enough to tell that the body is longer than the
    cap; nothing more is ever inflated.
    """

    def __init__(self, content_encoding: str, cap: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        stages = [_stage(c) for c in reversed(codings)]
        unknown = [c for c, s in zip(reversed(codings), stages, strict=True) if s is None]
        if unknown:
            raise DecodingFailed(
                f"Content-Encoding {', '.join(unknown)} was not offered "
                f"(Accept-Encoding: {ACCEPT_ENCODING})"
            )
        self.codings = codings
        self._stages: list[_Stage] = [s for s in stages if s is not None]
        self._cap = cap
        self.produced = 0

    @property
    def over_cap(self) -> bool:
        return self.produced > self._cap

    def feed(self, raw: bytes) -> bytes:
        """Decoded bytes for the next raw chunk (empty once the cap is passed)."""
        data = raw
        room = self._cap + 1 - self.produced
        for stage in self._stages:
            if room <= 0:
                return b""
            data = stage.decode(data, room)
        data = data[:room]
        self.produced += len(data)
        return data

    def finish(self) -> None:
        """Fail when the body ended before its coding did (a cut compressed stream)."""
        while not self.over_cap and self.feed(b""):
            pass  # input a stage held back while its output was bounded
        if self.over_cap:
            return
        for stage, coding in zip(self._stages, reversed(self.codings), strict=True):
            if not stage.finished():
                raise DecodingFailed(f"{coding}: the compressed body ends early")
