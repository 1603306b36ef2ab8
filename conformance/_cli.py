"""Command line: `python -m conformance run | serve | report`.

`run` drives the engine (conformance/_engine.py) directly, not through pytest.

Exit codes of `run`: 0 conformant, 1 the target failed checks, 2 usage or
configuration error, 3 target unreachable or run aborted.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from pathlib import Path

# httpx imports its own command line (click and rich: about 80 ms of every run)
# whenever they are installed, and falls back to a stub when that import fails.
# The suite's command line never runs httpx's: the stub will do. Only when this
# module is the first to import httpx, as in a command-line process.
if "httpx" not in sys.modules:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]

from ._clock import parse_instant_option  # noqa: E402
from ._options import add_to_argparse  # noqa: E402

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ABORTED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m conformance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run the suite (default target: the embedded reference)")
    groups = add_to_argparse(run)
    what, out = groups["what to run"], groups["output"]
    what.add_argument("-k", metavar="EXPR",
                      help="select checks by keyword expression (words match check ids, areas)")
    what.add_argument("--list-checks", action="store_true", help="print the catalogue and exit")
    what.add_argument("--list-mutants", action="store_true", help="print the mutants and exit")
    what.add_argument("--list-variants", action="store_true",
                      help="print the conformant variants and exit")
    out.add_argument("--junitxml", metavar="FILE", help="write JUnit XML")
    out.add_argument("--alluredir", metavar="DIR", default="reports/allure-results",
                     help="Allure results directory (default reports/allure-results)")
    out.add_argument("--no-allure", action="store_true", help="write no Allure results")
    _report_options(out, output_flag="--html")
    out.add_argument("--no-report", action="store_true",
                     help="write no HTML report (Allure results, JUnit and summary still)")
    out.add_argument("-v", "--verbose", action="count", default=0,
                     help="accepted for compatibility; the output is the same")
    out.add_argument("--har", metavar="FILE", help="write every exchange as HAR 1.2 (key redacted)")
    out.add_argument("--baseline", metavar="FILE",
                     help="known failures (python -m conformance baseline): exit 0 when every "
                          "failure is listed and unexpired")

    report = sub.add_parser("report", help="render the HTML report from existing Allure results")
    report.add_argument("--results", metavar="DIR", default="reports/allure-results",
                        help="Allure results directory (default reports/allure-results)")
    _report_options(report, output_flag="--output")
    report.add_argument("--summary", metavar="FILE", default="reports/summary.json",
                        help="the run's summary JSON: verdict, restore and requests at the top")

    from ._release_cli import add_release_commands

    add_release_commands(sub)

    serve = sub.add_parser("serve", help="serve the reference (or a mutant) until interrupted")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--mutant", metavar="NAME")
    serve.add_argument("--variant", metavar="NAME")
    serve.add_argument("--fixtures", metavar="FILE",
                       help="accounts, campaigns, agents and numbers to serve (TOML; default: "
                            "the reference's own fixtures)")
    serve.add_argument("--list-mutants", action="store_true", help="print the mutants and exit")
    serve.add_argument("--now", metavar="INSTANT", type=parse_instant_option,
                       help="the server's clock starts at this instant (e.g. "
                            "2026-03-08T01:30:00Z) and then advances in real time")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `--list-checks | head`: the reader left; nothing more to say.
        sys.stderr.close()
        return EXIT_OK


def use_the_user_cache() -> None:
    """Hypothesis keeps its data (the Unicode tables it builds on first use, about
    2 s) in the user's cache directory, not in a `.hypothesis` folder of
    whatever directory the suite is run from. HYPOTHESIS_STORAGE_DIRECTORY wins."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    from hypothesis.configuration import set_hypothesis_home_dir

    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no home directory: Hypothesis's default stands
        return
    set_hypothesis_home_dir(base / "sigmamind-campaign-conformance" / "hypothesis")


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    use_the_user_cache()
    if getattr(args, "list_mutants", False):
        return _list_mutants()
    if getattr(args, "list_variants", False):
        from reference import VARIANTS

        for name in sorted(VARIANTS):
            print(f"{name}: {VARIANTS[name].description}")
        return EXIT_OK
    if args.command == "run":
        return _run(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "report":
        return _report(args)
    from ._release_cli import RELEASE_COMMANDS

    if args.command in RELEASE_COMMANDS:
        return int(RELEASE_COMMANDS[args.command](args))
    return EXIT_USAGE


def _report_options(group: argparse._ActionsContainer, *, output_flag: str) -> None:
    group.add_argument(output_flag, dest="html", metavar="DIR", default="reports/html",
                       help="HTML report directory (default reports/html)")
    group.add_argument("--history", metavar="FILE", default="reports/history.jsonl",
                       help="report history kept between runs for trends "
                            "(default reports/history.jsonl)")


def _report(args: argparse.Namespace) -> int:
    from ._report import render_html

    rendered = render_html(args.results, args.html, args.history, summary=args.summary)
    print(rendered.message)
    return EXIT_OK if rendered.ok else EXIT_FAILED


def _render_after_run(args: argparse.Namespace) -> None:
    """Render the HTML of a finished run; whatever happens, the run's exit code stands."""
    if args.no_allure or args.no_report:
        return
    try:
        from ._report import render_html

        rendered = render_html(args.alluredir, args.html, args.history,
                               summary=args.summary_json)
    except Exception as exc:  # a report never changes the run's verdict
        print(f"HTML report failed: {exc}")
        return
    print(rendered.message)


def _list_mutants() -> int:
    from reference import MUTANTS

    for name in sorted(MUTANTS):
        mutant = MUTANTS[name]
        print(f"{name}: {mutant.description}  [killed by: {', '.join(mutant.killed_by)}]")
    return EXIT_OK


def _list_checks() -> int:
    from ._catalogue import load_catalogue

    for check in load_catalogue().values():
        levels = "schema+full" if check.schema_level else "full"
        print(f"{check.id:<40} {check.level:<6} {check.area:<17} {levels:<12} "
              f"{check.requirement}")
    return EXIT_OK


def _set_aside_what_is_loaded() -> None:
    """Hide from the garbage collector what is alive as a run starts.

    After its imports a run's process holds some 50000 objects (modules, the
    contract, the catalogue) that outlive the run. Each full collection would
    walk them again, and Hypothesis runs one, with a search of every object,
    on its first test in a thread (`register_random`): measured, 90 ms of a
    3 s run. `gc.freeze` leaves them out of every later collection, and out of
    the one at the process's exit.

    A process that runs the suite many times (the tests' worker interpreters)
    first gives back what an earlier run set aside, so that what it left
    behind is set aside, or collected, with the rest: frozen once for good,
    those processes ran slower than never frozen at all.
    """
    gc.unfreeze()
    gc.freeze()


def _run(args: argparse.Namespace) -> int:
    if args.list_checks:
        return _list_checks()
    from ._catalogue import load_catalogue
    from ._engine import Engine, SelectionError, select
    from ._options import build_run
    from ._preflight import setup_preflight
    from ._release_cli import after_run, before_run
    from ._reporters import Broadcast, reporters_for
    from ._target import TargetError

    prepared = before_run(args)
    if isinstance(prepared, int):
        return prepared
    values = vars(args)
    try:
        checks = select(load_catalogue(), level=args.level, ids=args.check, keyword=args.k)
        run = build_run(values)
    except (SelectionError, TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    reporters = reporters_for(values, hold_verdict=True)
    _set_aside_what_is_loaded()
    try:
        finished = Engine(run, checks, preflight=[setup_preflight]).execute(Broadcast(reporters))
    except TargetError as exc:  # a preflight hook found a set-up mistake
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    code = after_run(args, finished, prepared)
    _render_after_run(args)
    if prepared.verdict is not None:  # the baseline tells the verdict its own way
        reporters[0].verdict = prepared.verdict
    reporters[0].print_verdict()  # the HAR, baseline and report lines come before it
    return code


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from reference import FixtureError, create_app, load_world

    from ._clock import StartedClock
    from ._embedded import embedded_fixtures, rules_for, served_variant, target_toml
    from ._target import Secret, Target, TargetError

    try:
        rules = rules_for(args.mutant, args.variant)
    except TargetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        world = load_world(args.fixtures)
    except FixtureError as exc:
        print(f"error: --fixtures: {exc}", file=sys.stderr)
        return EXIT_USAGE
    target = Target(base_url=f"http://{args.host}:{args.port}", fixtures=embedded_fixtures(world),
                    api_key=Secret(world.primary_key), name="reference")
    print("# target file for this server:")
    print(target_toml(target))
    print("# the API key to use against it (this local server only):")
    print(f"export {target.api_key_env}={json.dumps(str(world.primary_key))}")
    sys.stdout.flush()
    clock = StartedClock(args.now).now if args.now is not None else None
    app, options = served_variant(create_app(world, rules=rules, clock=clock), args.variant)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False,
                **{"date_header": False, **options})
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
