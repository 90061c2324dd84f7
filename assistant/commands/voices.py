"""`tandem voices`: the speech engines and voices installed, where they are, and which one speaks."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.commands.common import add_common


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("voices", help="list the speech engines and voices installed",
                                   description="List speech engines and voices, where they are and which is default.")
    parser.add_argument("--json", action="store_true", help="everything as one JSON object")
    parser.add_argument("--all", action="store_true", help="list every espeak-ng English voice, not just a few")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.config import load_settings
    from assistant.speak.catalog import catalog

    found = catalog(load_settings(Path(args.config) if args.config else None))
    if args.json:
        print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print("engines:")
    for e in found.engines:
        state = f"{e.version or 'installed'} ({e.licence})" if e.installed else "not installed"
        print(f"  {e.name:<8} {state}: {e.detail}" + (f"\n           to install: {e.fix}" if e.fix else ""))
    piper = [v for v in found.voices if v.engine == "piper"]
    if piper:
        print("\nPiper voices:" + (f" (add more as NAME.onnx + NAME.onnx.json in {found.voice_folder})"
                                    if found.voice_folder else ""))
        for v in piper:
            mark = "*" if v.default else " "
            state = f"BROKEN: {v.problem}" if v.problem else f"{v.rate} Hz, {v.source}"
            print(f" {mark} {v.name:<28} {state}\n   {'':<28} {v.where}")
    espeak = [v for v in found.voices if v.engine == "pyttsx3"]
    if espeak:
        shown = espeak if args.all else [v for v in espeak if v.default or v.name in ("en", "en-us", "en-gb-x-rp")]
        more = len(espeak) - len(shown)
        print("\npyttsx3 voices (espeak-ng, English):" + (f" {more} more with --all" if more else ""))
        for v in shown:
            print(f" {'*' if v.default else ' '} pyttsx3:{v.name}")
    print(f"\ndefault (*): {found.default} ({found.why})")
    print('try one: tandem say "Hug time. Starting now." --voice VOICE --output hug.wav')
    return 0
