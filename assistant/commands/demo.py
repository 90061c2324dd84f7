"""`tandem demo`: a short evening in a kitchen, played through the real speech loop.

Two generated voices over kitchen noise wake Tandem, ask for a hug and stop it early, say their
thanks in a gratitude round, and ask how the week went. The audio goes through the same loop as a
microphone (voice activity, wake phrase, recognizer, dialog, rituals, voice, journal) on a virtual
clock, or on the real clock and the speaker with `--realtime`. Everything is written to a folder of
its own, the journal included: the couple's own journal and config are never read or touched.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from assistant.commands.common import writable_folder
from assistant.config import ENGINES, Partners, Settings, write_config
from assistant.errors import TandemError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="hear a short evening with Tandem, no microphone needed (its own journal)",
        description="Play a short evening through the real speech loop: two voices in a noisy kitchen wake "
                    "Tandem, hug, stop early, share thanks and ask about the week. Writes what Tandem said "
                    "(WAV), the report page and the demo's own journal into a folder it names at the end.")
    parser.add_argument("--realtime", action="store_true",
                        help="play it live on the speaker at real pace (default: a virtual clock, in seconds)")
    parser.add_argument("--folder", metavar="DIR", type=Path,
                        help="write the evening here (default: a new temporary folder)")
    parser.add_argument("--script", metavar="FILE", type=Path,
                        help="another evening to play (default: Tandem's own, assistant/demo/evening.yaml)")
    parser.add_argument("--engine", choices=ENGINES, default="auto", help="speech recognizer (default: auto)")
    parser.add_argument("--output-device", help="with --realtime: speaker name or index (see `tandem devices`)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the choice of Tandem's phrasings")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assistant.demo.narrate import Narrator
    from assistant.demo.room import Kitchen
    from assistant.demo.script import load_evening
    from assistant.dialog.voices import spoken_duration
    from assistant.loop.session import ListenOptions, run_session

    evening = load_evening(args.script)
    folder = _fresh_folder(args.folder)
    files = {name: folder / name for name in ("config.toml", "journal.json", "said.wav", "events.jsonl",
                                              "our-evening.html")}
    settings = Settings(partners=Partners(evening.partners))
    write_config(settings, files["config.toml"], overwrite=True)
    narrator = Narrator(evening.narration, sys.stdout, spoken_duration, wake_phrase=settings.wake.phrase)
    speaker = _speaker(args) if args.realtime else None
    kitchen = Kitchen(evening, on_line=narrator.said, on_unheard=narrator.unheard, speaker=speaker)

    def source(clock: Any, events: Any, loop: Any) -> Any:
        for chunk in kitchen.chunks(clock, events, loop):
            narrator.follow(events.events, chunk.timestamp)
            yield chunk

    options = ListenOptions(
        config=files["config.toml"], journal=files["journal.json"], events=files["events.jsonl"],
        output=files["said.wav"], realtime=args.realtime, engine=args.engine, rng=random.Random(args.seed),
        source=source, make_output=(lambda clock: _speaker_and_wav(args, clock, files["said.wav"]))
        if args.realtime else None,
    )
    try:
        result = run_session(options)
    finally:
        if speaker is not None:
            speaker.close()
    narrator.follow(result.events, float("inf"))
    _report(files)
    _show_journal(files["journal.json"], evening.narration, spoken_duration)
    print(evening.narration["folder"].format(
        folder=folder, speech=files["said.wav"].name, page=files["our-evening.html"].name,
        journal=files["journal.json"].name, events=files["events.jsonl"].name))
    return 0


def _fresh_folder(given: Path | None) -> Path:
    """A new temporary folder, or the one given when it is empty (an old demo's journal would mix in)."""
    if given is None:
        return Path(tempfile.mkdtemp(prefix="tandem-demo-"))
    folder = writable_folder(given)
    if any(folder.iterdir()):
        raise TandemError(f"--folder {folder}: is not empty", "give a new or empty folder, or leave out --folder")
    return folder


def _show_journal(path: Path, formats: Any, spoken_duration: Any) -> None:
    """What the demo's journal holds now, read back from the file."""
    from assistant.journal.journal import Journal

    journal = Journal.open(path)
    try:
        moments = [m for m in journal.moments() if m.kind == "moment"]
    finally:
        journal.close()
    print(formats["journal"].format(count=len(moments)))
    for m in moments:
        counts = ", ".join(f"{who} {n}" for who, n in (m.counts or {}).items())
        print(formats["moment"].format(ritual=m.ritual, status=m.status,
                                       seconds=spoken_duration(round(m.actual_seconds or 0)),
                                       counts=formats["counts"].format(counts=counts) if counts else ""))


def _speaker(args: argparse.Namespace) -> Any:
    from assistant.speak.output import SoundDeviceOutput

    return SoundDeviceOutput(_device(args.output_device))


def _speaker_and_wav(args: argparse.Namespace, clock: Any, wav: Path) -> Any:
    from assistant.demo.tee import TeeOutput
    from assistant.speak.output import SoundDeviceOutput, WavTimelineOutput

    return TeeOutput(SoundDeviceOutput(_device(args.output_device), clock), WavTimelineOutput(wav, clock, origin=0.0))


def _device(value: str | None) -> int | str | None:
    return int(value) if value and value.isdigit() else value


def _report(files: dict[str, Path]) -> None:
    """The page `tandem report --html` makes, for the demo's journal (the same command, run here)."""
    from assistant.cli import build_parser

    args = build_parser("report").parse_args(["report", "--html", str(files["our-evening.html"]), "--journal",
                                              str(files["journal.json"]), "--config", str(files["config.toml"])])
    args.func(args)
