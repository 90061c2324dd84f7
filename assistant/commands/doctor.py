"""`tandem doctor`: one line per part a couple needs, ok or the problem and its fix.

Exit 0 when everything needed works (a missing optional vosk model is only mentioned), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO

from assistant.commands.common import add_common
from assistant.doctor import CHECKS, Check, healthy, run_checks


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("doctor", help="check microphone, speaker, recognizer, voice, journal and config",
                                   description="Check each part Tandem needs and print the fix for each problem.")
    add_common(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object per check")
    parser.add_argument("--no-speech", action="store_true", help="skip rendering a test word with the speech voice")
    parser.add_argument("--only", action="append", metavar="CHECK", choices=CHECKS,
                        help="run only this check (repeatable), e.g. --only journal --only microphone")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    checks = run_checks(Path(args.config) if args.config else None,
                        Path(args.journal) if args.journal else None, speech=not args.no_speech,
                        only=args.only)
    show(checks, as_json=args.json, partial=bool(args.only))
    return 0 if healthy(checks) else 1


def show(checks: list[Check], as_json: bool = False, out: IO[str] | None = None, partial: bool = False) -> None:
    stream = out or sys.stdout
    if as_json:
        for check in checks:
            print(json.dumps(asdict(check), ensure_ascii=False), file=stream)
        return
    width = max(len(c.name) for c in checks)
    for check in checks:
        status = "ok" if check.ok else ("problem" if check.required else "optional")
        line = f"{status:<8} {check.name:<{width}}  {check.detail}"
        if not check.ok and check.fix:
            line += f"  -> fix: {check.fix}"
        elif check.ok and check.advice:
            line += f"  -> tip: {check.advice}"
        print(line, file=stream)
    needed = [c for c in checks if not c.ok and c.required]
    if needed:
        print(f"\n{len(needed)} problem(s) to fix before Tandem can run", file=stream)
    else:
        print("\nthese checks pass" if partial else "\neverything Tandem needs works", file=stream)
