"""`tandem export --format csv|json [--output FILE]`: all the couple's data, theirs to keep."""

from __future__ import annotations

import argparse
import os
import sys

from assistant.commands.common import add_common, writable_file
from assistant.commands.journal import open_journal
from assistant.errors import TandemError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="write every moment as CSV or JSON",
                                   description="Export the whole journal.")
    add_common(parser)
    parser.add_argument("--format", choices=("csv", "json"), default="json",
                        help="json (the default: the schema version, moments and offers) or csv (one row per moment)")
    parser.add_argument("--offers", action="store_true",
                        help="with --format csv: the offers Tandem made and what came of them, instead of the moments")
    parser.add_argument("--output", metavar="FILE", help="write here (created readable by you only); default: stdout")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.output:
        writable_file(args.output, "--output")  # the command's own arguments first, then the journal
    journal = open_journal(args, create=False)
    try:
        text = journal.export(args.format, "offers" if args.offers else "moments")
    finally:
        journal.close()
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        raise TandemError(f"cannot write {args.output}: {error.strerror or error}", "choose another --output") from error
    return 0
