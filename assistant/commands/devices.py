"""`tandem devices`: the microphones and speakers PortAudio sees, to pick one by index or name."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from assistant.audio.devices import list_devices


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("devices", help="list audio input and output devices")
    parser.add_argument("--json", action="store_true", help="one JSON object per device")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    devices = list_devices()  # AudioError (no PortAudio) becomes one clear message and exit 2
    if args.json:
        for device in devices:
            print(json.dumps(asdict(device)))
        return 0
    if not devices:
        print("no audio devices found: PortAudio sees no microphone or speaker.\n"
              "  fix: plug one in; check that your user is in the `audio` group; then run `tandem devices` again",
              file=sys.stderr)
        return 0
    print(f"{'':2}{'index':>5}  {'in':>3} {'out':>3}  {'rate':>6}  name")
    for d in devices:
        mark = ("<" if d.default_input else " ") + (">" if d.default_output else " ")
        api = f"  ({d.hostapi})" if d.hostapi else ""
        print(f"{mark}{d.index:>5}  {d.inputs:>3} {d.outputs:>3}  {d.rate:>6.0f}  {d.name}{api}")
    print("\n< default input, > default output; choose one with --input-device / --output-device (index or part of the name)")
    return 0
