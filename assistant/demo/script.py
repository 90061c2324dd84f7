"""The demo evening as data: `evening.yaml` read into checked records (who says what, when, in which voice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from assistant.datafiles import package_file
from assistant.dialog.voices import read_yaml
from assistant.errors import DataError

SYNTHESISERS = ("flite", "espeak-ng")
NARRATION = ("line", "said", "said_again", "unheard", "heard", "heard_private", "understood", "says", "chime",
             "timer", "started", "ended", "error", "folder", "journal", "moment", "counts")


@dataclass(frozen=True)
class Match:
    """An event of the loop with these fields; `say` matches what Tandem said by response key."""

    fields: Mapping[str, Any]

    def matches(self, event: Mapping[str, Any]) -> bool:
        for name, value in self.fields.items():
            if name == "say":
                if event.get("event") != "say_start" or event.get("key") != value:
                    return False
            elif event.get(name) != value:
                return False
        return True


@dataclass(frozen=True)
class Line:
    who: str
    say: str
    expect: Match
    after: Match | None = None
    """Said `delay` seconds after this event; None: once Tandem is quiet."""
    delay: float = 0.0
    if_asked: str | None = None


@dataclass(frozen=True)
class Evening:
    partners: tuple[str, str]
    voices: Mapping[str, tuple[str, str]]
    """Partner -> (synthesiser, voice name)."""
    noise: Path
    snr_db: float
    lines: tuple[Line, ...]
    narration: Mapping[str, str]
    """How the evening is printed: format strings by kind of line."""
    pause: float = 1.2
    patience: float = 5.0
    repeats: int = 2
    tail: float = 3.0
    source: Path = field(default=Path("evening.yaml"))


def load_evening(path: Path | None = None) -> Evening:
    """Read and check the demo script (default: the one shipped with Tandem)."""
    path = path or package_file("assistant.demo", "evening.yaml")
    doc = read_yaml(path)
    if not isinstance(doc, dict):
        raise DataError(path, "", "must be a mapping with partners, voices, noise and lines")
    partners = doc.get("partners")
    if not (isinstance(partners, list) and len(partners) == 2 and all(isinstance(p, str) for p in partners)):
        raise DataError(path, "partners", "must name the two partners", 'write partners: [Alex, Sam]')
    voices = {}
    for who in partners:
        spec = str((doc.get("voices") or {}).get(who, ""))
        engine, _, name = spec.partition(":")
        if engine not in SYNTHESISERS or not name:
            raise DataError(path, f"voices.{who}", f"{spec!r} is not a voice",
                            'write "flite:slt" or "espeak-ng:en-us+f3"')
        voices[who] = (engine, name)
    if len(set(voices.values())) < 2:
        raise DataError(path, "voices", "the two partners need two different voices")
    noise = doc.get("noise") or {}
    try:
        noise_file = path.parent / str(noise["file"])
        snr_db = float(noise["snr_db"])
    except (KeyError, TypeError, ValueError):
        raise DataError(path, "noise", "needs a file and snr_db", "write noise: {file: kitchen-noise.wav, snr_db: 20}")
    if not noise_file.is_file():
        raise DataError(path, "noise.file", f"{noise_file} is not there", "name a WAV file beside the script")
    lines = tuple(_line(path, i, entry, partners) for i, entry in enumerate(doc.get("lines") or []))
    if not lines:
        raise DataError(path, "lines", "no lines to say")
    narration = doc.get("narration")
    if not isinstance(narration, dict) or any(not isinstance(v, str) for v in narration.values()):
        raise DataError(path, "narration", "must map each kind of printed line to a format string")
    missing = sorted(set(NARRATION) - set(narration))
    if missing:
        raise DataError(path, "narration", f"has no format for {', '.join(missing)}", "add them (see Tandem's own script)")
    numbers = {k: doc[k] for k in ("pause", "patience", "repeats", "tail") if k in doc}
    return Evening(tuple(partners), voices, noise_file, snr_db, lines, narration, source=path, **numbers)


def _line(path: Path, index: int, entry: Any, partners: list[str]) -> Line:
    key = f"lines[{index}]"
    if not isinstance(entry, dict) or entry.get("who") not in partners or not str(entry.get("say", "")).strip():
        raise DataError(path, key, "needs who (one of the partners) and say", 'write {who: Alex, say: "Hey Tandem."}')
    expect = entry.get("expect")
    if not isinstance(expect, dict) or not expect:
        raise DataError(path, f"{key}.expect", "must say what shows the line was heard",
                        "write expect: {say: RESPONSE_KEY} or expect: {event: NAME}")
    after = entry.get("after")
    delay = 0.0
    if after is not None:
        if not isinstance(after, dict) or "event" not in after:
            raise DataError(path, f"{key}.after", "must name an event", "write after: {event: chime, name: start, seconds: 40}")
        after = dict(after)
        delay = float(after.pop("seconds", 0.0))
    return Line(entry["who"], str(entry["say"]).strip(), Match(dict(expect)),
                Match(after) if after is not None else None, delay, entry.get("if_asked"))
