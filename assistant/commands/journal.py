"""`tandem journal check | repair FILE...`: look after the journal file itself.

Also home of `open_journal`, which every journal subcommand uses: the same path and one-time
notice handling wherever the journal is opened from the command line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.commands.common import readable_file
from assistant.config import Settings, load_settings
from assistant.errors import TandemError
from assistant.journal.journal import Journal

def load_config(args: argparse.Namespace) -> Settings:
    """The couple's settings from `--config` (default: the platform config folder)."""
    return load_settings(Path(args.config) if getattr(args, "config", None) else None)


def open_journal(args: argparse.Namespace) -> Journal:
    """Open the journal named by `--journal` (default: the platform data folder) and report,
    once, a journal that had to be set aside."""
    journal = Journal.open(Path(args.journal) if getattr(args, "journal", None) else None)
    notice = journal.notice
    if notice is not None:
        print(f"tandem: {notice.path}: {notice.reason}; kept as "
              + ", ".join(str(b) for b in notice.backups)
              + "; recover with: tandem journal repair " + " ".join(str(b) for b in notice.backups),
              file=sys.stderr)
    return journal


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("journal", help="check the journal file or repair a damaged one",
                                   description="Look after the journal file itself.")
    sub = parser.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    check = sub.add_parser("check", help="read every moment and report problems (exit 1 if any)")
    add_common_args(check)
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=run_check)
    repair = sub.add_parser("repair", help="recover every intact moment from damaged files into the journal")
    add_common_args(repair)
    repair.add_argument("files", nargs="+", metavar="FILE",
                        help="a damaged journal or log (e.g. journal.json.corrupt-20260105-201500)")
    repair.set_defaults(func=run_repair)


def add_common_args(parser: argparse.ArgumentParser) -> None:
    from assistant.commands.common import add_common

    add_common(parser)


def run_check(args: argparse.Namespace) -> int:
    journal = open_journal(args)
    try:
        report = journal.check()
    finally:
        journal.close()
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0 if report["ok"] else 1


def run_repair(args: argparse.Namespace) -> int:
    journal = open_journal(args)
    try:
        for name in args.files:
            result = journal.repair(readable_file(name, "journal repair"))
            if not (result.found or result.unreadable):
                raise TandemError(f"journal repair {name}: holds no Tandem moments (not a journal, nor its log)",
                                  "give a set-aside journal such as journal.json.corrupt-20260105-201500")
            print(json.dumps({"file": name, "found": result.found, "added": result.added,
                              "unreadable": result.unreadable}))
    finally:
        journal.close()
    return 0
