"""`tandem say "TEXT"`: hear any line the way Tandem would say it, or render it to a WAV file.

The same path as a live session: the voice Tandem would choose (or `--voice`), the pace (`--pace`,
else by the hour), respellings, sentence pauses and loudness. Handy for trying a new Piper voice,
a name's pronunciation, or a phrasing before it goes into voices/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.commands.common import add_common


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("say", help="say a line in Tandem's voice (or render it to a WAV)",
                                   description="Say TEXT the way Tandem would, on the speaker or into a WAV file.")
    parser.add_argument("text", help='what to say; "-" reads it from standard input')
    parser.add_argument("--output", "-o", metavar="FILE", help="write a WAV file instead of playing it")
    parser.add_argument("--voice", metavar="VOICE",
                        help="piper, pyttsx3, a Piper voice name or .onnx path, piper:NAME or pyttsx3:ESPEAK_VOICE "
                             "(default: the config's [voice], else voice.yaml; see `tandem voices`)")
    parser.add_argument("--pace", metavar="PACE",
                        help="a pace from voice.yaml: normal, bedtime, breathing, repair (default: by the hour)")
    parser.add_argument("--output-device", metavar="DEVICE", help="speaker index or part of its name")
    add_common(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.clock import RealClock, VirtualClock
    from assistant.config import load_settings
    from assistant.errors import TandemError
    from assistant.messages import Say
    from assistant.speak.output import SoundDeviceOutput, WavTimelineOutput
    from assistant.speak.speaker import Speaker
    from assistant.speak.synth import load_synth

    text = sys.stdin.read() if args.text == "-" else args.text
    if not text.strip():
        raise TandemError("there is nothing to say", 'give the words, e.g. tandem say "Hug time."')
    settings = load_settings(Path(args.config) if args.config else None)
    selection = load_synth(args.voice, settings)
    synth = selection.synth
    for notice in selection.notices:
        print(f"tandem: {notice}", file=sys.stderr)
    if args.pace and args.pace not in synth.profile.paces:
        raise TandemError(f"unknown pace {args.pace!r}", "use one of: " + ", ".join(synth.profile.paces))
    say = Say("say", text, args.pace or "")
    if args.output:
        from datetime import datetime

        clock = VirtualClock(start=datetime.now().astimezone())
        output = WavTimelineOutput(args.output, clock, rate=synth.rate, origin=0.0)
        try:
            spoken = Speaker(synth, output, clock=clock).say(say)
            clock.set(spoken.end)
        finally:
            output.close()
        print(f"wrote {args.output}: {spoken.end:.1f} s, {synth.name} {synth.voice}, {spoken.pace} pace, "
              f"{spoken.sentences} sentence{'s' * (spoken.sentences != 1)}")
        return 0
    device = args.output_device or settings.audio.output_device or None
    clock = RealClock()
    speaker_out = SoundDeviceOutput(int(device) if device and device.isdigit() else device, clock)
    try:
        spoken = Speaker(synth, speaker_out, clock=clock).say(say)
        clock.sleep_until(speaker_out.busy_until() + 0.1)
    finally:
        speaker_out.close()
    print(f"said in {spoken.end - spoken.start:.1f} s with {synth.name} {synth.voice} ({spoken.pace} pace)",
          file=sys.stderr)
    return 0
