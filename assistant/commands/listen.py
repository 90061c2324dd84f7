"""`tandem listen`: the hands-free loop, on the microphone and speaker or on a recording."""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from assistant.config import WAKE_SPOTTERS
from assistant.commands.common import add_common, writable_file
from assistant.recognize.select import ENGINES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "listen", help="listen for 'hey tandem' and answer aloud (the default command)",
        description="Run the speech loop on the microphone and speaker, or on a recording with --input.")
    add_common(parser)
    parser.add_argument("--input", type=Path, help="a WAV recording to listen to instead of the microphone")
    parser.add_argument("--output", type=Path, help="write everything Tandem says and chimes into this WAV")
    parser.add_argument("--events", type=Path, help="write one JSON event per line to this file")
    parser.add_argument("--realtime", action="store_true",
                        help="with --input: play the recording at real-time pace on the real clock")
    parser.add_argument("--engine", choices=ENGINES,
                        help="speech recognizer (default: config [recognizer] engine, else auto: the best one installed)")
    parser.add_argument("--model", type=Path,
                        help="model folder for the engine: a vosk model, or a CTranslate2 Whisper model for whisper/combined")
    parser.add_argument("--intents", type=Path, help="intents folder (default: Tandem's own)")
    parser.add_argument("--vad", choices=("band", "silero"),
                        help="voice activity detector (default: config [audio] vad, else band)")
    parser.add_argument("--wake-spotter", choices=WAKE_SPOTTERS,
                        help="who hears the wake phrase (default: config [wake] spotter, else auto; "
                             "model: Tandem's trained \"hey tandem\" model first)")
    parser.add_argument("--input-device", help="microphone name or index (see `tandem devices`)")
    parser.add_argument("--output-device", help="speaker name or index (see `tandem devices`)")
    parser.add_argument("--seed", type=int, help="seed for the choice of phrasings (repeatable runs)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every event on stderr")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.loop.session import ListenOptions, run_session

    if args.input is None and _has_rooms(args.config):  # rooms in the config: listen in all of them
        from assistant.commands.serve import run as serve

        return serve(args)

    for option, path in (("--output", args.output), ("--events", args.events)):
        if path is not None:
            writable_file(path, option)  # before the recognizer loads: a wrong path costs no wait

    options = ListenOptions(
        config=Path(args.config) if args.config else None,
        journal=Path(args.journal) if args.journal else None,
        input=args.input, output=args.output, events=args.events, realtime=args.realtime,
        engine=args.engine, model=args.model, intents=args.intents,
        input_device=args.input_device, output_device=args.output_device,
        rng=random.Random(args.seed), echo=sys.stderr if args.verbose else None,
        vad=args.vad, wake_spotter=args.wake_spotter,
    )
    run_session(options)
    return 0


def _has_rooms(config: str | None) -> bool:
    from assistant.config import load_settings

    return bool(load_settings(Path(config) if config else None).rooms.satellites)
