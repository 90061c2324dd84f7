"""`tandem serve`: be the brain of every room's Wyoming satellite (see README, "More than one room")."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from assistant.commands.common import add_common


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve", help="serve every room in [rooms]: Wyoming satellites and this machine's own audio",
        description="Connect to every Wyoming satellite in the config's [rooms] section (and the local "
                    "microphone and speaker for a room set to \"local\"), keep them connected, and run one "
                    "conversation and one journal across the rooms, until Ctrl+C.")
    add_common(parser)
    parser.add_argument("--events", type=Path, help="write one JSON event per line to this file")
    parser.add_argument("--engine", choices=("auto", "pocketsphinx", "vosk"), help="speech recognizer")
    parser.add_argument("--model", type=Path, help="vosk model folder")
    parser.add_argument("--intents", type=Path, help="intents folder (default: Tandem's own)")
    parser.add_argument("--seed", type=int, help="seed for the choice of phrasings (repeatable runs)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every event on stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.rooms.serve import ServeOptions, serve

    options = ServeOptions(
        config=Path(args.config) if args.config else None,
        journal=Path(args.journal) if args.journal else None,
        events=args.events, engine=getattr(args, "engine", None), model=getattr(args, "model", None),
        intents=getattr(args, "intents", None), rng=random.Random(getattr(args, "seed", None)),
        echo=sys.stderr if getattr(args, "verbose", False) else None,
    )
    return serve(options)
