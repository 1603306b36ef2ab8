"""The independent Express implementation (reference/express/), started on loopback.

It is written from the document alone, on another stack; it serves the same
accounts, agents, numbers and campaigns as the reference (``fixtures.toml``,
handed to it as JSON), so the same target fixtures describe it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from ._server import stop_child
from ._world import World, load_world

EXPRESS_DIR = Path(__file__).with_name("express")
STARTUP_TIMEOUT = 30.0

__all__ = ["EXPRESS_DIR", "ExpressServer", "express_missing", "world_json"]


def express_missing() -> str | None:
    """Why the Express implementation cannot run here (None when it can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    for package in ("express", "compression"):
        if not (EXPRESS_DIR / "node_modules" / package / "package.json").is_file():
            return f"its npm packages are not installed: npm ci --prefix {EXPRESS_DIR.name}"
    return None


def world_json(world: World) -> dict[str, Any]:
    """The world in the Express app's fixture format."""
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


class ExpressServer:
    """`node server.js` over a fresh world, on a free loopback port; stop() ends it."""

    def __init__(self, world: World | None = None, host: str = "127.0.0.1") -> None:
        missing = express_missing()
        if missing:
            raise RuntimeError(f"the Express implementation cannot run: {missing}")
        self.world = world if world is not None else load_world()
        self._dir = tempfile.TemporaryDirectory(prefix="express-world-")
        fixtures = Path(self._dir.name) / "world.json"
        fixtures.write_text(json.dumps(world_json(self.world)), encoding="utf-8")
        self.process = subprocess.Popen(
            ["node", "server.js", "--fixtures", str(fixtures), "--host", host, "--port", "0"],
            cwd=EXPRESS_DIR, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
        )
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()),  # type: ignore[union-attr]
                                  daemon=True)
        reader.start()
        reader.join(STARTUP_TIMEOUT)
        if not line or not line[0].strip():
            self.stop()
            raise RuntimeError("the Express implementation did not start")
        self.port = int(json.loads(line[0])["port"])
        self.base_url = f"http://{host}:{self.port}"

    def stop(self) -> None:
        stop_child(self.process)
        self._dir.cleanup()

    def __enter__(self) -> ExpressServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
