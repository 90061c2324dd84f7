"""`tandem log RITUAL`: record a moment done without the speaker (a hug in the car counts)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta

from assistant.commands.common import add_common
from assistant.commands.journal import load_config, open_journal
from assistant.errors import TandemError
from assistant.journal.records import Moment


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("log", help="record a moment done without the speaker",
                                   description="Record a ritual you did without Tandem listening.")
    add_common(parser)
    parser.add_argument("ritual", metavar="RITUAL", help="hug, breathing, gratitude, check_in, walk, ...")
    parser.add_argument("--seconds", type=float, help="how long it lasted (default: the ritual's usual length)")
    parser.add_argument("--status", choices=("completed", "partial"), default="completed",
                        help="completed (the default), or partial when it was cut short")
    parser.add_argument("--at", metavar="ISO-TIME", help="when it started (default: now), e.g. 2026-01-05T21:30")
    parser.add_argument("--by", metavar="NAME", help="who started it")
    parser.add_argument("--rating", type=int, choices=range(1, 6), metavar="1-5",
                        help="how it felt, from 1 to 5")
    parser.set_defaults(func=run)


def parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise TandemError(f"--at {text!r} is not an ISO time", "write it like 2026-01-05T21:30") from None
    return value if value.tzinfo else value.astimezone()


def run(args: argparse.Namespace) -> int:
    ritual = args.ritual.strip().lower().replace("-", "_").replace(" ", "_")
    if not ritual.replace("_", "").isalpha():
        raise TandemError(f"{args.ritual!r} is not a ritual name", "use a name like hug, breathing or gratitude")
    if args.seconds is not None and args.seconds < 0:
        raise TandemError(f"--seconds {args.seconds:g} is negative", "give how long it lasted, in seconds")
    settings = load_config(args)
    planned = getattr(settings.durations, ritual, None) if settings is not None else None
    seconds = args.seconds if args.seconds is not None else (planned or 0)
    started = parse_time(args.at) if args.at else datetime.now().astimezone() - timedelta(seconds=seconds)
    moment = Moment(
        ritual=ritual, started=started, ended=started + timedelta(seconds=seconds),
        planned_seconds=planned, actual_seconds=seconds, status=args.status,
        initiated_by=args.by, rating=args.rating,
        kind="appreciation" if ritual == "appreciation" else "moment",
    )
    journal = open_journal(args)
    try:
        journal.record(moment)
    finally:
        journal.close()
    print(json.dumps(moment.to_dict(), ensure_ascii=False))
    return 0
