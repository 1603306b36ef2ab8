"""The embedded default target: the reference server (or one of its mutants) on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime
from typing import IO, Any, Protocol

from ._target import Fixtures, Secret, Target, TargetError

# Names the reference treats as the agent's variables; a real target lists its
# own in the target file (dynamic_variable_names).
REFERENCE_VARIABLES = ("customer_name", "appointment_day")


def mutant_names() -> list[str]:
    from reference import MUTANTS

    return sorted(MUTANTS)


class ServerChild(Protocol):
    """A started server child: its stdout's first line announces port, key and fixtures."""

    stdout: IO[str] | None


class Launcher(Protocol):
    """How the embedded server's child is started and ended.

    ``start`` gets the arguments of ``python -m conformance._embedded``."""

    def start(self, argv: list[str]) -> ServerChild: ...

    def stop(self, child: Any) -> None: ...


class SubprocessLauncher:
    """The product's launcher: ``python -m conformance._embedded`` as a child process."""

    def start(self, argv: list[str]) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "conformance._embedded", *argv],
                                stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)

    def stop(self, child: Any) -> None:
        from reference._server import stop_child

        stop_child(child)


# What start_embedded uses when given no launcher. A harness that calls the CLI
# in process (the project's tests) installs its own with use_launcher().
_default_launcher: Launcher = SubprocessLauncher()


def use_launcher(launcher: Launcher) -> Launcher:
    """Make `launcher` the default of later embedded servers; returns the previous one."""
    global _default_launcher
    previous, _default_launcher = _default_launcher, launcher
    return previous


class EmbeddedServer:
    """The reference (or a mutant) served by uvicorn in a child process.

    A child process rather than a thread: a server thread sharing the
    client's interpreter answers keep-alive requests about fifty times slower.
    """

    def __init__(self, mutant: str | None, host: str, port: int,
                 variant: str | None = None, now: datetime | None = None,
                 *, launcher: Launcher | None = None) -> None:
        argv = ["--host", host, "--port", str(port)]
        if mutant:
            argv += ["--mutant", mutant]
        if variant:
            argv += ["--variant", variant]
        if now is not None:
            argv += ["--now", now.isoformat()]
        self.launcher = launcher or _default_launcher
        self.process = self.launcher.start(argv)
        assert self.process.stdout is not None
        ready: list[str] = []
        reader = threading.Thread(
            target=lambda: ready.append(self.process.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(30)
        if not ready or not ready[0].strip():
            self.stop()
            raise TargetError("the embedded reference server did not start")
        self.announcement: dict[str, Any] = json.loads(ready[0])
        self.base_url = f"http://{host}:{self.announcement['port']}"

    def stop(self) -> None:
        self.launcher.stop(self.process)


def variant_names() -> list[str]:
    from reference import VARIANTS

    return sorted(VARIANTS)


def rules_for(mutant: str | None, variant: str | None) -> Any:
    """The Rules class to serve: the reference, a mutant or a conformant variant."""
    from reference import MUTANTS, VARIANTS, Rules

    if mutant and variant:
        raise TargetError("--mutant and --variant exclude each other")
    if mutant:
        if mutant not in MUTANTS:
            raise TargetError(f"--mutant: unknown mutant {mutant!r} (see --list-mutants)")
        return MUTANTS[mutant].rules
    if variant:
        if variant not in VARIANTS:
            raise TargetError(f"--variant: unknown variant {variant!r} (see --list-variants)")
        return VARIANTS[variant].rules
    return Rules


def served_variant(app: Any, variant: str | None) -> tuple[Any, dict[str, Any]]:
    """The app in a variant's transport middleware, and its server options."""
    from reference import VARIANTS

    if not variant:
        return app, {}
    chosen = VARIANTS[variant]
    return (chosen.wrap(app) if chosen.wrap else app), dict(chosen.server)


def start_embedded(mutant: str | None = None, *, variant: str | None = None,
                   host: str = "127.0.0.1", port: int = 0, now: datetime | None = None,
                   launcher: Launcher | None = None) -> tuple[Target, EmbeddedServer]:
    """Start the reference (a mutant, a variant) on loopback; returns target and server.

    ``now``: the server's clock starts at that instant and advances in real time.
    """
    rules_for(mutant, variant)  # unknown names fail here, in this process
    server = EmbeddedServer(mutant, host, port, variant, now, launcher=launcher)
    raw: dict[str, Any] = server.announcement["fixtures"]
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    fixtures = Fixtures(**values)
    target = Target(
        base_url=server.base_url,
        fixtures=fixtures,
        api_key=Secret(server.announcement["key"]),
        name=(f"embedded mutant {mutant}" if mutant
              else f"embedded variant {variant}" if variant else "embedded reference"),
        embedded=True,
    )
    return target, server


def _serve_child(argv: list[str]) -> None:
    """Child side: bind, announce port, key and fixtures on stdout, then serve."""
    import argparse
    import dataclasses
    import socket

    import uvicorn

    from reference import create_app, load_world

    from ._clock import StartedClock, parse_instant_option

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mutant")
    parser.add_argument("--variant")
    parser.add_argument("--now", type=parse_instant_option)
    args = parser.parse_args(argv)
    clock = StartedClock(args.now).now if args.now is not None else None
    world = load_world()
    rules = rules_for(args.mutant, args.variant)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((args.host, args.port))
    # Listen before announcing: connections made before uvicorn starts wait in
    # the backlog instead of being refused.
    sock.listen(128)
    fixtures = dataclasses.asdict(embedded_fixtures(world))
    print(json.dumps({"port": sock.getsockname()[1], "key": world.primary_key,
                      "fixtures": fixtures}), flush=True)
    app, options = served_variant(create_app(world, rules=rules, clock=clock), args.variant)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            **{"date_header": False, **options})
    uvicorn.Server(config).run(sockets=[sock])


def embedded_fixtures(world: Any) -> Fixtures:
    raw = world.target_fixtures()
    return Fixtures(
        campaign_id=raw["campaign_id"],
        taken_campaign_name=raw["taken_campaign_name"],
        agent_ids=tuple(raw["agent_ids"]),
        phone_numbers=tuple(raw["phone_numbers"]),
        foreign_campaign_id=raw.get("foreign_campaign_id"),
        foreign_agent_id=raw.get("foreign_agent_id"),
        foreign_phone_number=raw.get("foreign_phone_number"),
        foreign_campaign_name=raw.get("foreign_campaign_name"),
        outbound_disabled_numbers=tuple(raw.get("outbound_disabled_numbers", ())),
        dynamic_variable_names=REFERENCE_VARIABLES,
    )


def target_toml(target: Target) -> str:
    """The target file a user would write for `target` (the key stays in the environment)."""
    fx = target.fixtures

    def q(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def qs(values: tuple[str, ...]) -> str:
        return "[" + ", ".join(q(v) for v in values) + "]"

    lines = [
        f"base_url = {q(target.base_url)}",
        f"api_key_env = {q(target.api_key_env)}",
        "",
        "[fixtures]",
        f"campaign_id = {q(fx.campaign_id)}",
        f"taken_campaign_name = {q(fx.taken_campaign_name)}",
        f"agent_ids = {qs(fx.agent_ids)}",
        f"phone_numbers = {qs(fx.phone_numbers)}",
    ]
    for name in ("foreign_campaign_id", "foreign_agent_id", "foreign_phone_number",
                 "foreign_campaign_name"):
        value = getattr(fx, name)
        if value:
            lines.append(f"{name} = {q(value)}")
    for name in ("outbound_disabled_numbers", "dynamic_variable_names"):
        values = getattr(fx, name)
        if values:
            lines.append(f"{name} = {qs(values)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    _serve_child(sys.argv[1:])
