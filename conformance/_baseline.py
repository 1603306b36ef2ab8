"""A known-failure baseline, so a nightly run fails only on what is new.

    python -m conformance baseline --from reports/summary.json --out baseline.json \\
        --reason "VENDOR-123: names are trimmed" --expires 2027-03-31
    python -m conformance run --target staging.toml --baseline baseline.json

A baseline lists failures by check id and a fingerprint of the failure: the
check, its level, how it failed (a rule broken, the check itself broken) and
what was expected, with every generated value masked (quoted strings, numbers
inside words, dates and times), so the same fault found with another seed,
or on another day, has the same fingerprint. A different fault of the same
check (say 500 where 200 was answered before) is new.

`apply_baseline` is pure: a summary in, the summary with each failure marked
`known: true|false`, the exit code and what to tell the user out. A run with a
baseline exits 0 when every failure that fails the run is listed, 1 on any
other failure, and 1 when a listed entry has expired; it names listed
failures that now pass so they can be removed.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

__all__ = [
    "Baseline",
    "BaselineEntry",
    "BaselineError",
    "Applied",
    "apply_baseline",
    "baseline_from_summary",
    "fingerprint",
    "mark_allure_results",
]

FORMAT_VERSION = 1
KNOWN_PREFIX = "[known] "
# Outcomes of the summary that fail a run; non-strict SHOULD failures do not.
FAILING = ("failed", "error")
EXIT_OK, EXIT_FAILED = 0, 1


class BaselineError(Exception):
    """A baseline or summary file that cannot be used; the message names it."""


# -- fingerprints ----------------------------------------------------------------

_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?\S*")
_CLOCK = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_MIXED = re.compile(r"\S*\d\S*")
_STATUS = re.compile(r"^\d{3}$")


def _mask(text: str) -> str:
    """`text` with generated values masked; HTTP statuses and words stay."""
    text = _QUOTED.sub("'…'", text)
    text = _TIMESTAMP.sub("<time>", text)
    text = _CLOCK.sub("<time>", text)
    return _MIXED.sub(lambda m: m.group(0) if _STATUS.match(m.group(0).strip(",.;:()")) else "#",
                      text)


def _line(message: str, label: str) -> str:
    for line in message.splitlines():
        stripped = line.strip()
        if stripped.startswith(label):
            return stripped.removeprefix(label).strip()
    return ""


def _actual_kind(actual: str) -> str:
    first = actual.split(" ", 1)[0] if actual else ""
    if _STATUS.match(first):
        return first
    return "no-answer" if actual.startswith(("no response", "connection")) else "other"


def fingerprint(check_id: str, level: str, outcome: str, message: str) -> str:
    """A failure's identity, the same for the same fault whatever the seed or the day."""
    if "the check itself broke:" in message:
        broke = message.split("the check itself broke:", 1)[1].strip()
        parts = ["suite-error", broke.split(":", 1)[0]]
    elif outcome == "error":
        parts = ["aborted"]
    else:
        parts = ["rule", _mask(_line(message, "Expected:")),
                 _actual_kind(_line(message, "Actual:"))]
    identity = "\0".join([check_id, level, *parts])
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def _failure_fingerprint(failure: dict[str, Any], outcomes: dict[str, str]) -> str:
    outcome = outcomes.get(failure["id"], "failed")
    return fingerprint(failure["id"], failure.get("level", ""), outcome,
                       failure.get("message", ""))


# -- the file ------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineEntry:
    id: str
    fingerprint: str
    reason: str
    expires: date
    level: str = ""
    title: str = ""

    def expired(self, today: date) -> bool:
        return self.expires < today

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "fingerprint": self.fingerprint, "reason": self.reason,
                "expires": self.expires.isoformat(), "level": self.level, "title": self.title}


@dataclass(frozen=True)
class Baseline:
    entries: tuple[BaselineEntry, ...] = ()

    def to_json(self) -> str:
        document = {"format_version": FORMAT_VERSION,
                    "entries": [e.to_dict() for e in sorted(self.entries,
                                                            key=lambda e: (e.id, e.fingerprint))]}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def load(cls, path: str | Path) -> Baseline:
        where = f"baseline {str(path)!r}"
        raw = _read_json(path, where)
        if not isinstance(raw, dict) or raw.get("format_version") != FORMAT_VERSION:
            raise BaselineError(f"{where}: not a baseline file (format_version {FORMAT_VERSION})")
        entries = raw.get("entries")
        if not isinstance(entries, list):
            raise BaselineError(f"{where}: 'entries' must be a list")
        return cls(tuple(_entry(item, f"{where} entry {n}") for n, item in enumerate(entries)))


def _entry(item: Any, where: str) -> BaselineEntry:
    if not isinstance(item, dict):
        raise BaselineError(f"{where}: expected an object")
    for name in ("id", "fingerprint", "reason", "expires"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise BaselineError(f"{where}: '{name}' must be a non-empty string")
    return BaselineEntry(item["id"], item["fingerprint"], item["reason"],
                         parse_expiry(item["expires"], f"{where} 'expires'"),
                         str(item.get("level", "")), str(item.get("title", "")))


def parse_expiry(value: str, where: str = "--expires") -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BaselineError(f"{where}: expected a date YYYY-MM-DD, got {value!r}") from None


def _read_json(path: str | Path, where: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"{where}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise BaselineError(f"{where}: not JSON ({exc})") from None


def read_summary(path: str | Path) -> dict[str, Any]:
    where = f"summary {str(path)!r}"
    summary = _read_json(path, where)
    if not isinstance(summary, dict) or not isinstance(summary.get("failed"), list) \
            or not isinstance(summary.get("checks"), list):
        raise BaselineError(f"{where}: not a run summary (written by --summary-json)")
    return summary


def _outcomes(summary: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in summary.get("checks", [])}


def baseline_from_summary(summary: dict[str, Any], *, reason: str, expires: date) -> Baseline:
    """One entry per failed check of `summary`."""
    outcomes = _outcomes(summary)
    entries = []
    for failure in summary["failed"]:
        message = failure.get("message", "")
        entries.append(BaselineEntry(
            id=failure["id"], fingerprint=_failure_fingerprint(failure, outcomes), reason=reason,
            expires=expires, level=failure.get("level", ""),
            title=message.splitlines()[0] if message else "",
        ))
    return Baseline(tuple(entries))


# -- applying it -----------------------------------------------------------------


@dataclass
class Applied:
    summary: dict[str, Any]
    exit_code: int
    new: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    expired: list[BaselineEntry] = field(default_factory=list)
    now_passing: list[BaselineEntry] = field(default_factory=list)

    def lines(self, source: str) -> list[str]:
        lines = [f"baseline {source}: {len(self.known)} known failure(s), "
                 f"{len(self.new)} new"]
        lines += [f"  new failure: {check_id}" for check_id in self.new]
        lines += [f"  known failure: {check_id}" for check_id in self.known]
        lines += [f"  EXPIRED entry: {e.id} (expired {e.expires.isoformat()}; reason: "
                  f"{e.reason}): renew or remove it" for e in self.expired]
        lines += [f"  now passes, remove it from the baseline: {e.id}" for e in self.now_passing]
        verdict = "exit 0: every failure is a known one" if self.exit_code == 0 \
            else f"exit {self.exit_code}"
        lines.append(f"baseline verdict: {verdict}")
        return lines


def apply_baseline(summary: dict[str, Any], baseline: Baseline, today: date) -> Applied:
    """Mark each failure of `summary` known or new; the run's exit code under the baseline.

    Runs that did not end with a verdict (exit 2 or 3) keep their code.
    """
    marked = copy.deepcopy(summary)
    outcomes = _outcomes(summary)
    live = {(e.id, e.fingerprint): e for e in baseline.entries if not e.expired(today)}
    applied = Applied(marked, int(summary.get("exit_code", EXIT_FAILED)))
    applied.expired = [e for e in baseline.entries if e.expired(today)]
    known_ids = set()
    for failure in marked["failed"]:
        entry = live.get((failure["id"], _failure_fingerprint(failure, outcomes)))
        failure["known"] = entry is not None
        if entry is not None:
            failure["baseline_reason"] = entry.reason
            failure["baseline_expires"] = entry.expires.isoformat()
            known_ids.add(failure["id"])
        if outcomes.get(failure["id"]) in FAILING:
            (applied.known if entry is not None else applied.new).append(failure["id"])
    for check in marked["checks"]:
        if check["outcome"] in (*FAILING, "non-strict"):
            check["known"] = check["id"] in known_ids
    applied.now_passing = [e for e in baseline.entries if outcomes.get(e.id) == "passed"]
    if applied.exit_code in (EXIT_OK, EXIT_FAILED):
        failing_new = [f for f in marked["failed"]
                       if not f["known"] and outcomes.get(f["id"]) in FAILING]
        applied.exit_code = EXIT_FAILED if failing_new or applied.expired else EXIT_OK
    marked["baseline"] = {
        "exit_code_without_baseline": summary.get("exit_code"),
        "known": applied.known,
        "new": applied.new,
        "expired": [e.id for e in applied.expired],
        "now_passing": [e.id for e in applied.now_passing],
    }
    marked["exit_code"] = applied.exit_code
    marked["verdict"] = baseline_verdict(summary, applied)
    return applied


def baseline_verdict(summary: dict[str, Any], applied: Applied) -> str:
    """The engine's verdict line, told under the baseline (a run that ended without
    a verdict keeps its line)."""
    line = str(summary.get("verdict") or "verdict: ?")
    if int(summary.get("exit_code", EXIT_FAILED)) not in (EXIT_OK, EXIT_FAILED):
        return line
    if applied.exit_code == EXIT_OK and applied.known:
        target = (summary.get("target") or {}).get("name", "?")
        return (f"verdict: PASSED WITH {len(applied.known)} KNOWN FAILURES (baseline) "
                f"at level {summary.get('level', '?')}: {target}")
    if not (applied.known or applied.new or applied.expired):
        return line
    parts = [f"{len(applied.known)} known from the baseline", f"{len(applied.new)} new"]
    if applied.expired:
        parts.append(f"{len(applied.expired)} expired entries")
    return f"{line} ({', '.join(parts)})"


def mark_allure_results(results_dir: str | Path, known: set[str]) -> int:
    """Give known failures' Allure results their own category ("[known] ..."); a count."""
    changed = 0
    for path in sorted(Path(results_dir).glob("*-result.json")):
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        story = next((label.get("value") for label in result.get("labels", [])
                      if label.get("name") == "story"), None)
        details = result.get("statusDetails") or {}
        message = details.get("message") or ""
        if story not in known or result.get("status") not in ("failed", "broken") \
                or message.startswith(KNOWN_PREFIX):
            continue
        details["message"] = KNOWN_PREFIX + message
        result["statusDetails"] = details
        result.setdefault("labels", []).append({"name": "tag", "value": "known failure"})
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        changed += 1
    return changed
