"""`tandem forget --last | --since DATE | --all [--yes]`: delete moments for real."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime

from assistant.commands.common import add_common
from assistant.commands.journal import open_journal
from assistant.errors import TandemError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("forget", help="delete moments from the journal, for real",
                                   description="Delete moments; the journal files are rewritten without them.")
    add_common(parser)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--last", action="store_true", help="the latest moment")
    which.add_argument("--since", metavar="DATE", help="every moment from this date or time on")
    which.add_argument("--all", action="store_true", help="everything (asks first unless --yes)")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.set_defaults(func=run)


def parse_since(text: str) -> date | datetime:
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise TandemError(f"--since {text!r} is not a date", "write it like 2026-01-05") from None


def confirmed(prompt: str) -> bool:
    """Ask on the terminal; no terminal (a script) means no."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(prompt).strip().lower() in ("y", "yes")
    except EOFError:
        return False


def run(args: argparse.Namespace) -> int:
    since = parse_since(args.since) if args.since else None
    journal = open_journal(args, create=False)
    try:
        if args.all and not args.yes:
            count = len(journal)
            if not confirmed(f"forget all {count} moments in {journal.path}? [y/N] "):
                raise TandemError("nothing was forgotten", "answer y, or add --yes to skip the question")
        removed = journal.forget(last=args.last, since=since, all=args.all)
    finally:
        journal.close()
    print(json.dumps({"forgotten": removed}))
    return 0
