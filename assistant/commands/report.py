"""`tandem report [--week|--month|--since DATE|--today] [--json] [--html FILE]`: the couple's figures.

A readable table in the terminal, the raw figures as JSON, or a self-contained page with charts.
All three read the same `Figures` Tandem speaks from, so the numbers never disagree.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from assistant.commands.common import add_common
from assistant.commands.journal import load_config, open_journal
from assistant.commands.log import parse_time
from assistant.config import Settings
from assistant.errors import TandemError
from assistant.journal.figures import Figures, Period, figures_for, monday_of

CONTEXT_WEEKS = 8
"""The page's weekly chart and calendar show at least this many weeks, so a week has something to sit beside."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="your figures: a table, JSON, or a page with charts",
                                   description="Moments, minutes, minimums, streaks and who started, for a period.")
    add_common(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--week", action="store_true", help="the last seven days, today included (the default)")
    which.add_argument("--month", action="store_true", help="the last thirty days")
    which.add_argument("--since", metavar="DATE", help="from this day (YYYY-MM-DD) up to today")
    which.add_argument("--today", action="store_true", help="today only")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--html", metavar="FILE", help="write a page with charts here (readable by you only)")
    parser.add_argument("--at", metavar="ISO-TIME", help="report as if it were this time (default: now)")
    parser.set_defaults(func=run)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise TandemError(f"--since {text!r} is not a date", "write it like 2026-01-05 (year-month-day)") from None


def period_of(args: argparse.Namespace, now: datetime) -> Period:
    if args.today:
        return Period.today(now)
    if args.month:
        return Period.month(now)
    if args.since:
        return Period.since(parse_day(args.since), now)
    return Period.week(now)


def context_period(period: Period, now: datetime) -> Period | None:
    """A period of at least `CONTEXT_WEEKS` whole weeks for the page's weekly views (None: the period is enough)."""
    start = monday_of(now.date()) - timedelta(weeks=CONTEXT_WEEKS - 1)
    return Period(start, period.end, period.label) if start < period.start else None


def run(args: argparse.Namespace) -> int:
    now = parse_time(args.at) if args.at else datetime.now().astimezone()
    period = period_of(args, now)
    target = Path(args.html).expanduser() if args.html else None
    if target is not None:
        from assistant.report.page import check_target

        check_target(target)  # before any work: a wrong path fails fast
    settings = load_config(args) or Settings()
    journal = open_journal(args, create=False)
    try:
        figures = figures_for(journal, period, now, settings)
        wider = context_period(period, now) if target is not None else None
        context = figures_for(journal, wider, now, settings) if wider is not None else figures
    finally:
        journal.close()
    if args.json:
        print(json.dumps(figures.to_dict(), ensure_ascii=False))
    if target is not None:
        write_page(figures, context, settings, target, quiet=args.json)
    elif not args.json:
        print_table(figures)
    return 0


def print_table(figures: Figures) -> None:
    from assistant.report.labels import Labels
    from assistant.report.table import render_table

    sys.stdout.write(render_table(figures, Labels.load()))


def write_page(figures: Figures, context: Figures, settings: Settings, target: Path, quiet: bool) -> None:
    from assistant.report.labels import Labels
    from assistant.report.page import render_page, write_private

    labels = Labels.load()
    write_private(target, render_page(figures, context, labels, settings.partners.names))
    if not quiet:
        print(labels.text("written", path=target))
