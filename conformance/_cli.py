"""Command line: `python -m conformance run | serve | report`.

Exit codes of `run`: 0 conformant, 1 the target failed checks, 2 usage or
configuration error, 3 target unreachable or run aborted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_ABORTED = 0, 1, 2, 3
SUITE = Path(__file__).resolve().parent / "_suite.py"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m conformance", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run the suite (default target: the embedded reference)")
    target = run.add_argument_group("target")
    target.add_argument("--target", metavar="FILE", help="target file (TOML)")
    target.add_argument("--base-url", metavar="URL", help="override the target file's base_url")
    target.add_argument("--mutant", metavar="NAME", help="run against an embedded mutant")
    target.add_argument("--variant", metavar="NAME",
                        help="run against an embedded conformant variant of the reference")
    what = run.add_argument_group("what to run")
    what.add_argument("--level", choices=("schema", "full"), default="full",
                      help="schema: response shapes only, for static mocks; full (default)")
    what.add_argument("--profile", choices=("quick", "deep"), default="quick",
                      help="quick (default, CI) or deep (nightly)")
    what.add_argument("--seed", type=int, help="seed; the same seed repeats the run")
    what.add_argument("--strict", action="store_true", help="SHOULD failures fail the run")
    what.add_argument("--check", action="append", default=[], metavar="ID",
                      help="run only this check (repeatable)")
    what.add_argument("-k", metavar="EXPR", help="select checks by pytest keyword expression")
    what.add_argument("--list-checks", action="store_true", help="print the catalogue and exit")
    what.add_argument("--list-mutants", action="store_true", help="print the mutants and exit")
    what.add_argument("--list-variants", action="store_true",
                      help="print the conformant variants and exit")
    safety = run.add_argument_group("safety")
    safety.add_argument("--timeout", type=float, help="seconds per request (default 10)")
    safety.add_argument("--rate-limit", type=float,
                        help="requests per second (default: unlimited on loopback, 10 elsewhere)")
    safety.add_argument("--max-requests", type=int, help="request budget for the whole run")
    safety.add_argument("--time-budget", type=float, help="seconds for the whole run")
    safety.add_argument("--ca-bundle", metavar="FILE", help="CA bundle for a private CA")
    safety.add_argument("--insecure", action="store_true",
                        help="do not verify TLS certificates (warned about)")
    out = run.add_argument_group("output")
    out.add_argument("--summary-json", metavar="FILE", help="write a JSON summary")
    out.add_argument("--junitxml", metavar="FILE", help="write JUnit XML")
    out.add_argument("--alluredir", metavar="DIR", default="reports/allure-results",
                     help="Allure results directory (default reports/allure-results)")
    out.add_argument("--no-allure", action="store_true", help="write no Allure results")
    _report_options(out, output_flag="--html")
    out.add_argument("--no-report", action="store_true",
                     help="write no HTML report (Allure results, JUnit and summary still)")
    out.add_argument("-v", "--verbose", action="count", default=0, help="more pytest output")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # `--list-checks | head`: the reader left; nothing more to say.
        sys.stderr.close()
        return EXIT_OK


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
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


def pytest_args(args: argparse.Namespace) -> list[str]:
    argv = [str(SUITE), "-p", "no:cacheprovider",
            "-p", "no:randomly", "-o", "python_files=_suite.py", "--rootdir", str(SUITE.parent)]
    argv.append("-q" if not args.verbose else "-" + "v" * args.verbose)
    argv += ["--tb=short", "-rN", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    pairs = [
        ("target", "--conformance-target"), ("base_url", "--conformance-base-url"),
        ("mutant", "--conformance-mutant"), ("variant", "--conformance-variant"),
        ("level", "--conformance-level"),
        ("profile", "--conformance-profile"), ("seed", "--conformance-seed"),
        ("summary_json", "--conformance-summary"), ("timeout", "--conformance-timeout"),
        ("rate_limit", "--conformance-rate-limit"), ("max_requests", "--conformance-max-requests"),
        ("time_budget", "--conformance-time-budget"), ("ca_bundle", "--conformance-ca-bundle"),
        ("junitxml", "--junitxml"),
    ]
    for attr, flag in pairs:
        value = getattr(args, attr)
        if value is not None:
            argv.append(f"{flag}={value}")
    if args.strict:
        argv.append("--conformance-strict")
    if args.insecure:
        argv.append("--conformance-insecure")
    for check_id in args.check:
        argv.append(f"--conformance-check={check_id}")
    if args.k:
        argv += ["-k", args.k]
    if not args.no_allure:
        argv += [f"--alluredir={args.alluredir}", "--clean-alluredir"]
    return argv


def _run(args: argparse.Namespace) -> int:
    if args.list_checks:
        return _list_checks()
    embedded = [flag for flag, value in (("--mutant", args.mutant), ("--variant", args.variant))
                if value]
    if args.target and embedded:
        print(f"error: --target and {embedded[0]} exclude each other", file=sys.stderr)
        return EXIT_USAGE
    if len(embedded) == 2:
        print("error: --mutant and --variant exclude each other", file=sys.stderr)
        return EXIT_USAGE
    from ._preflight import base_url_needs_target

    refused = base_url_needs_target(args.base_url, args.target)
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_USAGE
    if args.target:
        from ._target import TargetError, load_target

        try:
            load_target(args.target)
        except TargetError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    from ._release_cli import after_run, before_run

    prepared = before_run(args)
    if isinstance(prepared, int):
        return prepared
    import pytest

    code = int(pytest.main(pytest_args(args), plugins=prepared.plugins))
    if code in (0, 1, EXIT_ABORTED):
        code = after_run(args, code, prepared)
        _render_after_run(args)
        return code
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("error: no check matches the selection (see --list-checks)", file=sys.stderr)
        return EXIT_USAGE
    if code == pytest.ExitCode.USAGE_ERROR:
        return EXIT_USAGE
    if code == pytest.ExitCode.INTERRUPTED:
        return EXIT_ABORTED
    return EXIT_ABORTED


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from reference import FixtureError, create_app, load_world

    from ._embedded import embedded_fixtures, rules_for, target_toml
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
    uvicorn.run(create_app(world, rules=rules), host=args.host, port=args.port,
                log_level="warning", access_log=False)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
