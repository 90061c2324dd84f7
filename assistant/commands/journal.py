"""`tandem journal check | backup DEST | repair FILE...`: look after the journal file itself.

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


def open_journal(args: argparse.Namespace, create: bool = True) -> Journal:
    """Open the journal named by `--journal` (default: the platform data folder) and report,
    once, a journal that had to be set aside. Reading commands pass `create=False`: with no
    journal there yet they say so (`NoJournal`) and create nothing."""
    journal = Journal.open(Path(args.journal) if getattr(args, "journal", None) else None, create=create)
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
    backup = sub.add_parser("backup", help="copy the whole journal into one file, safely, even while Tandem runs",
                            description="Write a consistent copy of the journal (every moment and offer) as one "
                                        "private file. Safe while Tandem is running.")
    add_common_args(backup)
    backup.add_argument("dest", metavar="DEST", help="the copy's file name, or a folder to put it in")
    backup.add_argument("--json", action="store_true", help="print what was copied as JSON")
    backup.set_defaults(func=run_backup)
    repair = sub.add_parser("repair", help="recover every intact moment from damaged files into the journal")
    add_common_args(repair)
    repair.add_argument("files", nargs="+", metavar="FILE",
                        help="a damaged journal or log (e.g. journal.json.corrupt-20260105-201500)")
    repair.set_defaults(func=run_repair)


def add_common_args(parser: argparse.ArgumentParser) -> None:
    from assistant.commands.common import add_common

    add_common(parser)


def run_check(args: argparse.Namespace) -> int:
    journal = open_journal(args, create=False)
    try:
        report = journal.check()
    finally:
        journal.close()
    if args.json:
        print(json.dumps(report))
    else:
        sys.stdout.write(check_text(report))
    return 0 if report["ok"] else 1


def _size(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 2**20:.1f} MB"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_text(report: dict[str, Any]) -> str:
    """`journal check` for a person: what is there, then each problem with its fix."""
    lines = [f"Journal {report['path']}",
             f"  {_plural(report['moments'], 'moment')} and {_plural(report['offers'], 'offer')}"
             + (f", {report['running']} still running" if report["running"] else ""),
             f"  file {_size(report['snapshot_bytes'])}"
             + (f", with {_size(report['log_bytes'])} of recent changes still in its .log beside it"
                if report["log_bytes"] else ", holding everything (nothing waiting in a .log)")]
    problems = []
    if report["unreadable"]:
        listed = "; ".join(report["unreadable"][:5]) + ("; ..." if len(report["unreadable"]) > 5 else "")
        problems.append((f"{_plural(len(report['unreadable']), 'record')} cannot be read ({listed})",
                         f"tandem journal repair {report['path']}"))
    if not report["private"]:
        problems.append(("other people on this computer can read it",
                         f"chmod 600 {report['path']} (Tandem also does this when it opens the journal)"))
    if not report["writable"]:
        problems.append(("its folder is not writable by you, so nothing new can be recorded",
                         "make the folder writable, or choose another file with --journal"))
    if not problems:
        lines.append("  readable by you only; every record reads fine")
        lines.append("All good.")
    for problem, fix in problems:
        lines.append(f"Problem: {problem}.")
        lines.append(f"  Fix: {fix}")
    return "\n".join(lines) + "\n"


def run_backup(args: argparse.Namespace) -> int:
    journal = open_journal(args, create=False)
    try:
        result = journal.backup(Path(args.dest))
    finally:
        journal.close()
    if args.json:
        print(json.dumps({"path": str(result.path), "moments": result.moments, "offers": result.offers,
                          "bytes": result.bytes}))
    else:
        print(f"Copied {_plural(result.moments, 'moment')} and {_plural(result.offers, 'offer')} to {result.path}"
              f" ({_size(result.bytes)}; that one file is the whole journal).")
    return 0


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
