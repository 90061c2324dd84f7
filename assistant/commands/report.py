"""`tandem report [--week|--today] [--json]`: the figures the spoken summaries use."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from assistant.commands.common import add_common
from assistant.commands.journal import open_journal
from assistant.commands.log import parse_time


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="today's or this week's figures",
                                   description="Print the same figures Tandem speaks for today or the week.")
    add_common(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--week", action="store_true", help="the last seven days (the default)")
    which.add_argument("--today", action="store_true", help="today against your daily minimums")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--at", metavar="ISO-TIME", help="report as if it were this time (default: now)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    now = parse_time(args.at) if args.at else datetime.now().astimezone()
    journal = open_journal(args)
    try:
        summary = journal.today(now) if args.today else journal.week(now)
    finally:
        journal.close()
    data = summary.to_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print_plain(data)
    return 0


def print_plain(data: dict[str, Any], indent: str = "") -> None:
    for key, value in data.items():
        if isinstance(value, dict):
            print(f"{indent}{key}:")
            print_plain(value, indent + "  ") if value else print(f"{indent}  -")
        else:
            print(f"{indent}{key}: {value}")
