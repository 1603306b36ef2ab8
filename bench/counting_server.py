"""The reference (or one mutant) on loopback, counting the HTTP requests it receives.

Both tools of the benchmark talk to this same server, so their request counts
are taken the same way: every HTTP request that reaches the application. It
announces itself with one JSON line on stdout (port, key, target file), and
when stopped (SIGTERM or SIGINT) prints a last JSON line with the count.

    python bench/counting_server.py [--mutant NAME]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
from typing import Any

import uvicorn

from conformance._embedded import REFERENCE_VARIABLES, embedded_fixtures, target_toml
from conformance._target import Secret, Target
from reference import MUTANTS, Rules, create_app, load_world


class QuietServer(uvicorn.Server):
    """uvicorn re-raises SIGTERM after shutting down; this one returns instead."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        def stop(signum: int, frame: Any) -> None:
            self.should_exit = True

        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


class CountingApp:
    """ASGI middleware: counts HTTP requests, passes everything through."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutant", choices=sorted(MUTANTS), metavar="NAME")
    args = parser.parse_args(argv)
    world = load_world()
    rules = MUTANTS[args.mutant].rules if args.mutant else Rules
    app = CountingApp(create_app(world, rules=rules))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # before announcing: a client may connect at once
    port = sock.getsockname()[1]
    fixtures = embedded_fixtures(world)
    target = Target(base_url=f"http://127.0.0.1:{port}", fixtures=fixtures,
                    api_key=Secret(world.primary_key), api_key_env="BENCH_API_KEY")
    print(json.dumps({
        "port": port,
        "base_url": target.base_url,
        "key": world.primary_key,
        "key_env": target.api_key_env,
        "campaign_id": fixtures.campaign_id,
        "target_toml": target_toml(target),
        "variables": list(REFERENCE_VARIABLES),
    }), flush=True)
    config = uvicorn.Config(app, log_level="error", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=2)
    QuietServer(config).run(sockets=[sock])
    print(json.dumps({"requests": app.requests}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
