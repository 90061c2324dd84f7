"""`tandem understand`: what would Tandem make of these words (or these recordings)?

One JSON line per input with `--json`, else one short line. `-` reads lines from stdin.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

# One sentence's matrix products are tiny: OpenBLAS's thread pool, started when numpy loads, costs more
# CPU at start-up than it ever saves here (set before numpy is first imported; a user's own value wins).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
from pathlib import Path
from typing import Any, Iterator

from assistant.datafiles import intents_dir
from assistant.errors import DataError
from assistant.messages import IntentMatch, NoMatch
from assistant.recognize.select import ENGINES


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("understand", help="show which intent and slots a sentence (or WAV) gives")
    parser.add_argument("text", nargs="*", metavar="TEXT", help="sentences to understand; '-' reads lines from stdin")
    parser.add_argument("--intents", metavar="DIR", help="intents folder (default: Tandem's own)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    parser.add_argument("--audio", nargs="+", metavar="FILE", help="WAV files to transcribe, then understand")
    parser.add_argument("--engine", choices=ENGINES, default="auto",
                        help="speech engine for --audio (auto: the best one installed)")
    parser.add_argument("--model", metavar="DIR",
                        help="speech model folder for --audio (vosk, or a CTranslate2 Whisper model for whisper/combined)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    intent_set = load_intents(Path(args.intents) if args.intents else intents_dir())
    matcher = Matcher(intent_set)
    if args.audio:
        _run_audio(args, intent_set, matcher)
    for text in _texts(args.text):
        result = matcher.match(text)
        _emit(args.json, {"input": text, **_fields(result)})
    return 0


def _run_audio(args: argparse.Namespace, intent_set: Any, matcher: Any) -> None:
    paths = [Path(p) for p in args.audio]
    for path in paths:
        if not path.is_file():
            raise DataError(path, "", "no such audio file", "give the path of a WAV file")
    from assistant.recognize.batch import transcribe_files  # heavy: loaded only for --audio
    from assistant.recognize.select import load_recognizer

    recognizer = load_recognizer(args.engine, intent_set, Path(args.model) if args.model else None)
    if getattr(recognizer, "notice", ""):
        print(f"tandem: {recognizer.notice}", file=sys.stderr)
    for path, transcript in transcribe_files(paths, recognizer):
        texts = [transcript.text, *transcript.alternatives]
        result = matcher.match_best(texts)
        _emit(args.json, {"input": str(path), "transcript": transcript.text, **_fields(result)})


def _texts(items: list[str]) -> Iterator[str]:
    for item in items:
        if item == "-":
            for line in sys.stdin:
                line = line.rstrip("\n")
                if line.strip():
                    yield line
        else:
            yield item


def _fields(result: IntentMatch | NoMatch) -> dict[str, Any]:
    """The understanding as JSON values. `unsure`: Tandem would ask one short question first;
    `runner_up`: the next likeliest intent (for nothing understood, the likeliest one); `margin`: how
    far the answer leads it; `choices`: other values a slot may have been heard as (speech only)."""
    if isinstance(result, IntentMatch):
        return {"intent": result.intent, "slots": result.slots, "confidence": result.confidence,
                "unsure": result.unsure, "runner_up": result.runner_up, "margin": result.margin,
                "choices": {k: list(v) for k, v in result.choices.items()}}
    return {"intent": None, "slots": {}, "confidence": result.confidence, "unsure": False,
            "runner_up": result.best_intent, "margin": 0.0, "choices": {}}


def _emit(as_json: bool, record: dict[str, Any]) -> None:
    if as_json:
        print(json.dumps(record, ensure_ascii=False), flush=True)
        return
    said = record.get("transcript", record["input"])
    if record["intent"] is None:
        print(f"{said!r} -> (nothing)", flush=True)
        return
    slots = " ".join(f"{k}={v}" for k, v in record["slots"].items())
    unsure = f", unsure: would ask first (runner-up {record['runner_up']})" if record.get("unsure") else ""
    print(f"{said!r} -> {record['intent']} {slots}".rstrip() + f" ({record['confidence']:.2f}{unsure})", flush=True)
