"""`mesh`: the platform's command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from mesh.schema.layout import Layout


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mesh", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    gen = commands.add_parser("generate", help="regenerate gen/ (and third_party/proto) from proto/")
    gen.add_argument("--check", action="store_true", help="do not write; fail if gen/ is stale")
    gen.set_defaults(run=_generate)

    schema = commands.add_parser("schema", help="schema governance").add_subparsers(required=True, metavar="ACTION")
    check = schema.add_parser("check", help="the compatibility gate against the released schema")
    check.set_defaults(run=_schema_check)
    rel = schema.add_parser("release", help="make the current tree the released baseline")
    rel.add_argument("--reason", required=True, help="why; recorded in schema/releases.json")
    rel.add_argument(
        "--breaking",
        action="store_true",
        help="accept a breaking change deliberately (starts a new compatibility epoch)",
    )
    rel.set_defaults(run=_schema_release)

    from mesh.events.cli import add_commands as add_event_commands

    add_event_commands(commands)

    from services.invoicing.cli import add_commands as add_reconcile_command

    add_reconcile_command(commands)
    return parser


# Commands import their modules when they run: `mesh generate` must work before gen/ exists.


def _generate(args: argparse.Namespace) -> int:
    from mesh.schema.generate import check_generated, generate

    layout = Layout.find()
    if not args.check:
        generate(layout)
        print(f"generated {layout.gen}")
        return 0
    stale = check_generated(layout)
    for path in stale:
        print(f"stale: {path}")
    if stale:
        print("generated code is stale: run `mesh generate` and commit the result", file=sys.stderr)
        return 1
    print("generated code is fresh")
    return 0


def _schema_check(_: argparse.Namespace) -> int:
    from mesh.schema.gate import run_gate

    report = run_gate(Layout.find())
    print(report.render())
    return 0 if report.ok else 1


def _schema_release(args: argparse.Namespace) -> int:
    from mesh.schema.gate import run_gate
    from mesh.schema.release import release

    layout = Layout.find()
    if not args.breaking and layout.releases.exists():
        report = run_gate(layout)
        if not report.ok:
            print(report.render(), file=sys.stderr)
            return 1
    entry = release(layout, args.reason, breaking=args.breaking)
    print(f"released schema r{entry.number} ({entry.reason})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
