"""The `tandem` command: a thin layer over the library.

Each subcommand lives in `assistant/commands/<name>.py` and exposes `register(subparsers)`,
which adds its parser and sets `func(args) -> int`. Any `TandemError` becomes one clear
message on stderr and exit code 2; `tandem` alone runs the listening loop.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from assistant import __version__
from assistant.errors import TandemError

COMMANDS = (
    "listen", "chat", "understand", "devices", "model",
    "log", "report", "journal", "forget", "export", "doctor", "demo", "serve",
    "say", "voices",
)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or with `only` one subcommand's (imports only that module: fast start-up)."""
    parser = argparse.ArgumentParser(
        prog="tandem", description="An offline voice assistant for a couple's small moments of connection."
    )
    parser.add_argument("--version", action="version", version=f"tandem {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in (only,) if only else COMMANDS:
        importlib.import_module(f"assistant.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["listen", *argv]  # `tandem` alone, or with listen's options, listens
    chosen = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(chosen if chosen in COMMANDS else None)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TandemError as error:
        print(one_line(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def one_line(error: TandemError) -> str:
    """What is wrong and the fix, on one line (a file name with a newline in it stays one line too)."""
    what = " ".join(error.what.splitlines())
    return f"tandem: {what}" + (f"  -> fix: {' '.join(error.fix.splitlines())}" if error.fix else "")
