"""The independent implementations, each started on loopback over the reference's world.

Each was written from the document alone, on a stack of its own, by someone
who had not read the suite or the reference: Node with Express
(``express/``), Python's standard library ``http.server`` (``stdlib/``),
Java on the JDK alone (``java/``, its own JSON parser), Node with Fastify and
its Ajv schema validation (``fastify/``), FastAPI with pydantic models
(``fastapi/``), and Django REST Framework's serializers on waitress
(``drf/``), the last three told to take their framework's defaults wherever
the document is silent. Each serves the same
accounts, agents, numbers and campaigns as the reference (``fixtures.toml``,
handed to it as JSON), so the same target fixtures describe it, and each
prints ``{"port": N}`` once listening.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ._server import stop_child
from ._world import World, load_world

HERE = Path(__file__).parent
# Java compiles the source at launch: seconds, not milliseconds.
STARTUP_TIMEOUT = 60.0

__all__ = ["IMPLEMENTATIONS", "Implementation", "IndependentServer", "world_json"]


def _npm_missing(directory: Path) -> Callable[[], str | None]:
    """Why a Node implementation cannot run (None when it can): no node, or a
    dependency its package.json names not installed."""
    def missing() -> str | None:
        if shutil.which("node") is None:
            return "node is not installed"
        manifest = json.loads((directory / "package.json").read_text(encoding="utf-8"))
        for package in manifest["dependencies"]:
            if not (directory / "node_modules" / package / "package.json").is_file():
                return ("its npm packages are not installed: "
                        f"npm ci --prefix reference/{directory.name}")
        return None

    return missing


def _modules_missing(*modules: str) -> Callable[[], str | None]:
    """Why a Python implementation cannot run (None when it can): a module it
    imports, from the test extra, not installed."""
    def missing() -> str | None:
        absent = [name for name in modules if importlib.util.find_spec(name) is None]
        if absent:
            return (f"{', '.join(absent)} not installed "
                    "(the test extra: pip install -e '.[test]')")
        return None

    return missing


def _java_missing() -> str | None:
    if shutil.which("java") is None or shutil.which("javac") is None:
        return "a JDK 17 or later is not installed (Server.java is compiled at launch)"
    return None


@dataclass(frozen=True)
class Implementation:
    name: str
    description: str
    directory: Path
    command: tuple[str, ...]  # run in `directory`; --fixtures FILE --host H --port 0 follow
    missing: Callable[[], str | None]


IMPLEMENTATIONS = {
    impl.name: impl for impl in (
        Implementation("express", "Node, Express 5 with its JSON body parser and compression",
                       HERE / "express", ("node", "server.js"), _npm_missing(HERE / "express")),
        Implementation("stdlib", "Python's standard library: http.server, json, zoneinfo",
                       HERE / "stdlib", (sys.executable, "server.py"), lambda: None),
        Implementation("java", "Java on the JDK alone: com.sun.net.httpserver, java.time",
                       HERE / "java",
                       # TCP_NODELAY: else each response's body waits on the
                       # client's delayed ACK of its headers (40 ms).
                       ("java", "-Dsun.net.httpserver.nodelay=true", "Server.java"),
                       _java_missing),
        Implementation("fastify", "Node, Fastify 5 with its Ajv body validation",
                       HERE / "fastify", ("node", "server.js"), _npm_missing(HERE / "fastify")),
        Implementation("fastapi", "FastAPI with pydantic v2 models, on uvicorn",
                       HERE / "fastapi", (sys.executable, "server.py"),
                       _modules_missing("fastapi")),
        Implementation("drf", "Django REST Framework: an APIView and serializers, on waitress",
                       HERE / "drf", (sys.executable, "server.py"),
                       _modules_missing("django", "rest_framework", "waitress")),
    )
}


def world_json(world: World) -> dict[str, Any]:
    """The world in the independent implementations' fixture format."""
    accounts = []
    for account in world.accounts.values():
        accounts.append({
            "apiKey": account.api_key,
            "agents": [{"agentId": a.agent_id, "name": a.name, "status": a.status}
                       for a in account.agents.values()],
            "phoneNumbers": [{
                "sipPhoneNumber": n.sip_phone_number, "provider": n.provider,
                "inboundAgentId": n.inbound_agent_id, "outboundAgentId": n.outbound_agent_id,
                "outboundPhoneNumber": n.outbound_phone_number, "active": n.active,
                "terminationSipURI": n.termination_sip_uri, "friendlyName": n.friendly_name,
            } for n in account.phone_numbers.values()],
            "campaigns": [{
                "campaignId": c.campaign_id, "campaignName": c.name,
                "campaignStatus": c.status, "concurrentCalls": c.concurrent_calls,
                "agentId": c.agent.agent_id, "sipPhoneNumber": c.phone_number.sip_phone_number,
                "errors": list(c.errors), "dynamicVariables": dict(c.dynamic_variables),
                "scheduledAt": c.schedule.at.isoformat() if c.schedule else None,
                "scheduledTimezone": c.schedule.timezone if c.schedule else None,
            } for c in account.campaigns.values()],
        })
    return {"accounts": accounts}


class IndependentServer:
    """One independent implementation over a fresh world, on a free loopback
    port; stop() ends it. `args` follow its command line (the DRF one takes
    --fault NAME: reference/drf/FAULTS.md)."""

    def __init__(self, name: str, world: World | None = None, host: str = "127.0.0.1",
                 args: tuple[str, ...] = ()) -> None:
        self.implementation = IMPLEMENTATIONS[name]
        missing = self.implementation.missing()
        if missing:
            raise RuntimeError(f"the {name} implementation cannot run: {missing}")
        self.world = world if world is not None else load_world()
        self._dir = tempfile.TemporaryDirectory(prefix=f"{name}-world-")
        fixtures = Path(self._dir.name) / "world.json"
        fixtures.write_text(json.dumps(world_json(self.world)), encoding="utf-8")
        self.process = subprocess.Popen(
            [*self.implementation.command, "--fixtures", str(fixtures), "--host", host,
             "--port", "0", *args],
            cwd=self.implementation.directory, stdout=subprocess.PIPE,
            stdin=subprocess.DEVNULL, text=True,
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(STARTUP_TIMEOUT)
        if not line or not line[0].strip():
            self.stop()
            raise RuntimeError(f"the {name} implementation did not start")
        self.port = int(json.loads(line[0])["port"])
        self.base_url = f"http://{host}:{self.port}"

    def stop(self) -> None:
        stop_child(self.process)
        self._dir.cleanup()

    def __enter__(self) -> IndependentServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
