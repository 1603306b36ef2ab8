"""Reports of a run: JUnit names for the pytest face, and the HTML.

The engine's reporters (conformance/_reporters.py) write Allure results,
JUnit and the summary; under pytest, `name_junit_cases` names pytest's JUnit
test cases by check id. `render_html` turns Allure results into a self-contained HTML report
with the Allure 3 command line installed by `npm ci` (package.json); it never
downloads anything, and a failure to render is reported, not raised.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._catalogue import Check

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ALLURE_CLI = Path("node_modules") / "allure" / "cli.js"
REPORT_NAME = "SigmaMind API: Update Campaign conformance"
DEFAULT_RESULTS = "reports/allure-results"
DEFAULT_HTML = "reports/html"
DEFAULT_HISTORY = "reports/history.jsonl"
HOW_TO_GET_HTML = "run `npm ci` in the project, then `python -m conformance report`"


def name_junit_cases(path: Path, checks: dict[str, Check]) -> None:
    """Name each JUnit test case by its check id, classed by area; one-line failure messages."""
    try:
        tree = ET.parse(path)
    except (ET.ParseError, OSError):
        return
    for case in tree.iter("testcase"):
        check = checks.get(case.get("name", "").removeprefix("test_"))
        if check is None:
            continue
        case.set("name", check.id)
        case.set("classname", f"conformance.{check.area}")
        for outcome in (*case.iter("failure"), *case.iter("error")):
            message = outcome.get("message", "")
            if message:
                outcome.set("message", message.splitlines()[0])
    tree.write(path, encoding="utf-8", xml_declaration=True)


# -- HTML -----------------------------------------------------------------

@dataclass
class Rendered:
    ok: bool
    message: str
    index: Path | None = None
    seconds: float = 0.0


def allure_command(root: Path = PROJECT_ROOT) -> list[str] | str:
    """The Allure 3 command line as installed by `npm ci`, or why there is none."""
    node = shutil.which("node")
    if node is None:
        return "Node.js is not installed"
    for base in (root, Path.cwd()):
        cli = base / ALLURE_CLI
        if cli.is_file():
            return [node, str(cli)]
    return "the Allure command line is not installed (node_modules is missing)"


def allure_config(output: Path, history: Path | None, name: str) -> dict[str, Any]:
    from ._allure import allure3_categories

    config: dict[str, Any] = {
        "name": name,
        "output": str(output),
        "categories": allure3_categories(),
        "plugins": {
            "awesome": {
                "options": {
                    # One file, so the report opens from the file system (file://).
                    "singleFile": True,
                    "reportName": name,
                    "reportLanguage": "en",
                    "groupBy": ["feature", "story"],
                },
            },
        },
    }
    if history is not None:
        config["historyPath"] = str(history)
    return config


def render_html(
    results: str | Path = DEFAULT_RESULTS,
    output: str | Path = DEFAULT_HTML,
    history: str | Path | None = DEFAULT_HISTORY,
    *,
    name: str = REPORT_NAME,
    timeout: float = 600,
    summary: str | Path | None = None,
) -> Rendered:
    """Render Allure results as a single-file HTML report; never raises.

    With the run's `summary` (JSON), the report's metadata opens with the
    verdict, target, seed, level, restore and request count.
    """
    results_dir, output_dir = Path(results).resolve(), Path(output).resolve()
    if not results_dir.is_dir() or not any(results_dir.glob("*-result.json")):
        return Rendered(False, f"no Allure results in {results}")
    command = allure_command()
    if isinstance(command, str):
        return Rendered(False, f"HTML report skipped: {command}; {HOW_TO_GET_HTML}")
    prepare_results(results_dir, read_summary(summary))
    history_file = Path(history).resolve() if history else None
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="allure-config-") as tmp:
        config_file = Path(tmp) / "allurerc.mjs"
        config = allure_config(output_dir, history_file, name)
        config_file.write_text("export default " + json.dumps(config, indent=2) + ";\n",
                               encoding="utf-8")
        if output_dir.exists():
            shutil.rmtree(output_dir, ignore_errors=True)
        try:
            done = subprocess.run(
                [*command, "generate", "--config", str(config_file), str(results_dir)],
                capture_output=True, text=True, timeout=timeout, cwd=tmp,
                env={**os.environ, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return Rendered(False, f"HTML report failed: {exc}")
    seconds = time.monotonic() - started
    index = output_dir / "index.html"
    if done.returncode != 0 or not index.is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()
        return Rendered(False, "HTML report failed: "
                        + (detail[-1] if detail else f"allure exited {done.returncode}"))
    strip_analytics(index)
    add_style(index)
    copy_contract(output_dir)
    return Rendered(True, f"HTML report: {index}", index, seconds)


# -- what a release engineer reads first --------------------------------------

def read_summary(path: str | Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        summary = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return summary if isinstance(summary, dict) else None


def verdict_of(summary: dict[str, Any]) -> str:
    """The run's verdict: the terminal's last line, as the summary keeps it."""
    line = str(summary.get("verdict") or "")
    return line.removeprefix("verdict: ") or "? (the summary has no verdict)"


def _restore_text(restore: Any) -> str:
    """The restore as one line: its note (the summary keeps it as an object)."""
    if isinstance(restore, dict):
        return str(restore.get("note") or restore.get("status") or "?")
    return str(restore) if restore is not None else "?"


def release_properties(summary: dict[str, Any]) -> dict[str, str]:
    """The report's first metadata: what a release engineer acts on."""
    target = summary.get("target", {})
    requests = summary.get("requests", {})
    errata = summary.get("errata_exercised") or []
    return {
        "verdict": verdict_of(summary),
        "target": str(target.get("name", "?")),
        "target.url": str(target.get("base_url", "?")),
        "seed": str(summary.get("seed")),
        "level": str(summary.get("level")),
        "restore": _restore_text(summary.get("restore")),
        "requests": str(requests.get("sent", "?")),
        "errata_exercised": (", ".join(errata) + " (informational)") if errata else "none",
    }


def _properties(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition("=")
            if sep:
                found[key] = value
    return found


def prepare_results(results_dir: Path, summary: dict[str, Any] | None) -> None:
    """Verdict first in the metadata; no anonymous tear-down step in any container."""
    if summary is not None:
        path = results_dir / "environment.properties"
        first = release_properties(summary)
        merged = {**first, **{k: v for k, v in _properties(path).items() if k not in first}}
        path.write_text("".join(f"{k}={v.replace(chr(10), ' ')}\n" for k, v in merged.items()),
                        encoding="utf-8")
    for container in results_dir.glob("*-container.json"):
        try:
            data = json.loads(container.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        afters = data.get("afters") or []
        # pytest's own finalizer of the session fixture: a lambda with no status.
        kept = [a for a in afters if not str(a.get("name", "")).endswith("<lambda>")]
        if len(kept) != len(afters):
            data["afters"] = kept
            container.write_text(json.dumps(data), encoding="utf-8")


# Long lines wrap in attachments and messages; the success-rate ring is hidden:
# a percentage of passed checks reads as a score, and a failing run has none.
REPORT_STYLE = (
    "<style id=\"conformance-style\">"
    "pre, code, [class*=\"code\"], [class*=\"attachment\"] "
    "{ white-space: pre-wrap !important; overflow-wrap: anywhere !important; }"
    " article:has([aria-label^=\"Success rate:\"]) { display: none !important; }"
    " [data-testid=\"metadata-item-value\"] * { white-space: normal !important;"
    " max-width: none !important; overflow: visible !important;"
    " text-overflow: clip !important; overflow-wrap: anywhere !important; }"
    "</style>"
)


def add_style(index: Path) -> None:
    html = index.read_text(encoding="utf-8")
    if "conformance-style" not in html:
        index.write_text(html.replace("</head>", REPORT_STYLE + "</head>", 1), encoding="utf-8")


def copy_contract(output_dir: Path) -> None:
    """The contract beside the report, where its links point (the report dir is uploaded)."""
    from ._resources import CONTRACT_FILES, contract_dir

    for name in CONTRACT_FILES:
        shutil.copyfile(contract_dir() / name, output_dir / name)


# The Awesome template always includes Google Analytics; a conformance report
# of a vendor's API opens offline and tells no one it was opened.
_ANALYTICS = re.compile(
    r'<script async src="https://www\.googletagmanager\.com/[^"]*"></script>\s*'
    r"<script>\s*window\.dataLayer.*?</script>",
    re.DOTALL,
)


def strip_analytics(index: Path) -> None:
    html = index.read_text(encoding="utf-8")
    stripped = _ANALYTICS.sub("", html, count=1)
    if stripped != html:
        index.write_text(stripped, encoding="utf-8")
