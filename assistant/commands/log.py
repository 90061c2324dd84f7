"""`tandem log RITUAL`: record a moment done without the speaker (a hug in the car counts).

Everything is checked before the journal is touched: the ritual must be one Tandem knows ("did you
mean hug?"), `--by` one of the two partners, `--at` not still to come. Without `--seconds` a moment
counts its usual length: a timed ritual its configured duration, any other the couple's own usual
(the median of their recent ones), else the ritual's `usual_seconds`. What was kept is said back in
one line; `--json` prints the record.
"""

from __future__ import annotations

import argparse
import difflib
import json
import statistics
from datetime import datetime, timedelta

from assistant.commands.common import add_common
from assistant.commands.journal import load_config, open_journal
from assistant.config import Settings
from assistant.dialog.voices import Voices
from assistant.errors import TandemError
from assistant.journal.journal import Journal
from assistant.journal.records import Moment
from assistant.rituals.script import Ritual, RitualBook

FUTURE_SLACK = timedelta(minutes=1)
"""Clocks differ a little: a start up to a minute ahead of now is taken as now."""
USUAL_FROM = timedelta(days=90)
"""The couple's own usual length is read from their moments of this long back."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("log", help="record a moment done without the speaker",
                                   description="Record a ritual you did without Tandem listening.")
    add_common(parser)
    parser.add_argument("ritual", metavar="RITUAL", help="hug, breathing, gratitude, check_in, walk, ...")
    parser.add_argument("--seconds", type=float,
                        help="how long it lasted (default: its usual length, e.g. a minute and a half for a hug)")
    parser.add_argument("--status", choices=("completed", "partial"), default="completed",
                        help="finished, or stopped early (partial still counts)")
    parser.add_argument("--at", metavar="ISO-TIME", help="when it started (default: now), e.g. 2026-01-05T21:30")
    parser.add_argument("--by", metavar="NAME", help="who started it (one of the two partners)")
    parser.add_argument("--rating", type=int, choices=range(1, 6), metavar="1-5", help="how it felt, one to five")
    parser.add_argument("--json", action="store_true", help="print the record as JSON")
    parser.set_defaults(func=run)


def parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise TandemError(f"--at {text!r} is not an ISO time", "write it like 2026-01-05T21:30") from None
    return value if value.tzinfo else value.astimezone()


def ritual_named(text: str, book: RitualBook, voices: Voices) -> Ritual:
    """The ritual `text` names (any case, spaces or dashes), or an error that names the fix."""
    name = "_".join(text.strip().lower().replace("-", " ").split())
    if name in book.rituals:
        return book.rituals[name]
    spoken = {"_".join(form.lower().replace("-", " ").split()): ritual
              for ritual in book.rituals for form in voices.nouns.get(ritual, ())}
    close = difflib.get_close_matches(name, [*book.rituals, *spoken], n=1, cutoff=0.6)
    known = ", ".join(book.rituals)
    if close:
        suggestion = spoken.get(close[0], close[0])
        raise TandemError(f"{text!r} is not a ritual Tandem knows", f"did you mean {suggestion}? (rituals: {known})")
    raise TandemError(f"{text!r} is not a ritual Tandem knows", f"use one of: {known}")


def partner_named(text: str | None, settings: Settings) -> str | None:
    """`--by` as the config spells it; anyone else is refused (a starter is a fact, not a guess)."""
    if text is None:
        return None
    names = settings.partners.names
    for name in names:
        if name.casefold() == text.strip().casefold():
            return name
    raise TandemError(f"--by {text!r} is not one of the two partners ({names[0]} and {names[1]})",
                      f"write --by {names[0]!r} or --by {names[1]!r}, leave --by out if it is not known, "
                      "or set [partners] names in the config")


def usual_seconds(ritual: Ritual, settings: Settings, journal: Journal, now: datetime) -> float:
    """A timed ritual's configured length; otherwise the couple's own usual, else the script's."""
    if ritual.duration:
        return float(settings.durations.seconds(ritual.duration))
    own = [m.actual_seconds for m in journal.moments(now - USUAL_FROM)
           if m.ritual == ritual.name and m.status == "completed"]
    if own:
        return float(statistics.median(own))
    return float(ritual.usual_seconds or 0)


def said(moment: Moment, voices: Voices, now: datetime) -> str:
    """One line: what was kept, how long, when and by whom."""
    when = moment.started.strftime("today at %H:%M" if moment.started.date() == now.date() else "%a %-d %b at %H:%M")
    parts = [voices.counted(1, moment.ritual)]
    if moment.kind == "moment":
        parts.append(voices.spoken_duration(moment.actual_seconds) + (" (partial)" if moment.status == "partial" else ""))
    parts.append(when)
    by = f"started by {moment.initiated_by}" if moment.initiated_by else "who started it is not known (add --by NAME)"
    return f"Recorded {', '.join(parts)}; {by}."


def run(args: argparse.Namespace) -> int:
    from assistant.datafiles import voices_dir
    from assistant.rituals.script import load_rituals

    settings = load_config(args) or Settings()
    voices = Voices.load(voices_dir())
    ritual = ritual_named(args.ritual, load_rituals(voices_dir(), voices), voices)
    by = partner_named(args.by, settings)
    if args.seconds is not None and not 0 <= args.seconds <= 3 * 3600:
        raise TandemError(f"--seconds {args.seconds:g} is out of range", "give how long it lasted, 0 to 10800 seconds")
    now = datetime.now().astimezone()
    started = parse_time(args.at) if args.at else None
    if started is not None and started > now + FUTURE_SLACK:
        raise TandemError(f"--at {args.at} is in the future", "give when it started: now or earlier")
    journal = open_journal(args)
    try:
        seconds = args.seconds if args.seconds is not None else usual_seconds(ritual, settings, journal, now)
        if started is None:
            started = now - timedelta(seconds=seconds)
        planned = float(settings.durations.seconds(ritual.duration)) if ritual.duration else None
        moment = Moment(
            ritual=ritual.name, started=started, ended=started + timedelta(seconds=seconds),
            planned_seconds=planned, actual_seconds=seconds, status=args.status,
            initiated_by=by, rating=args.rating, kind=ritual.kind,
        )
        journal.record(moment)
    finally:
        journal.close()
    print(json.dumps(moment.to_dict(), ensure_ascii=False) if args.json else said(moment, voices, now))
    return 0
