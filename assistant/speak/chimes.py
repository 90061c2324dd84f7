"""Soft synthesised chimes: a few sine partials under a gentle envelope, never an alarm.

Chimes are computed, not recorded, so they are identical on every machine, cost no data files, and
come out at whatever rate the speaker runs. Each note rises over tens of milliseconds (no click),
decays like a struck bowl, and fades to exactly zero; the whole chime peaks at `PEAK` of full scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.errors import AudioError
from assistant.messages import SAMPLE_RATE

PEAK = 0.25
"""Peak level of the loudest chimes as a fraction of full scale (-12 dBFS): audible in a kitchen,
gentle in a bedroom. A chime whose notes all have `level` < 1 peaks lower in proportion."""

PARTIALS = ((1.0, 1.0), (2.0, 0.28), (3.01, 0.08))
"""(frequency ratio, amplitude): a warm, slightly bell-like tone."""


@dataclass(frozen=True)
class Note:
    """One tone of a chime: onset and lengths in seconds, frequency in hertz."""

    at: float
    freq: float
    length: float
    level: float = 1.0
    attack: float = 0.02
    decay: float = 0.35
    """Time constant of the exponential decay, seconds."""


C5, D5, E5, G5, A4, C6, D6 = 523.25, 587.33, 659.26, 783.99, 440.0, 1046.5, 1174.66

CHIMES: dict[str, tuple[Note, ...]] = {
    "start": (Note(0.0, C5, 0.7), Note(0.14, G5, 0.9)),
    "end": (Note(0.0, G5, 0.7), Note(0.16, E5, 0.7), Note(0.32, C5, 1.2, decay=0.5)),
    "halfway": (Note(0.0, E5, 0.8, level=0.8),),
    "inhale": (Note(0.0, A4, 1.0, attack=0.25, decay=0.8), Note(0.35, E5, 1.0, level=0.7, attack=0.25, decay=0.8)),
    "exhale": (Note(0.0, E5, 1.0, level=0.7, attack=0.2, decay=0.9), Note(0.4, A4, 1.3, attack=0.2, decay=1.0)),
    "listening": (Note(0.0, D6, 0.18, level=0.6, attack=0.01, decay=0.08),),
    "soft": (Note(0.0, C5, 0.6, level=0.6, attack=0.03, decay=0.25),),
}
CHIME_NAMES = tuple(CHIMES)


def _note(note: Note, rate: int) -> np.ndarray:
    n = max(1, round(note.length * rate))
    t = np.arange(n) / rate
    tone = sum(a * np.sin(2 * np.pi * note.freq * r * t) for r, a in PARTIALS)
    attack = np.clip(t / note.attack, 0.0, 1.0)
    env = 0.5 - 0.5 * np.cos(np.pi * attack)  # raised cosine: no step at the start
    env *= np.exp(-np.maximum(t - note.attack, 0.0) / note.decay)
    fade = min(0.08, note.length / 3)  # and none at the end either
    env *= np.clip((note.length - t) / fade, 0.0, 1.0) ** 2
    return note.level * env * tone


@lru_cache(maxsize=64)
def _render(name: str, rate: int) -> np.ndarray:
    notes = CHIMES[name]
    total = max(round((n.at + n.length) * rate) for n in notes)
    out = np.zeros(total)
    for note in notes:
        wave = _note(note, rate)
        start = round(note.at * rate)
        out[start:start + len(wave)] += wave[: total - start]
    out *= PEAK * max(n.level for n in notes) / np.max(np.abs(out))  # quieter chimes stay quieter
    pcm = np.round(out * 32767).astype(np.int16)
    pcm.setflags(write=False)
    return pcm


def chime(name: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The chime `name` as int16 mono at `rate` hertz (read-only, cached; same samples every time)."""
    if name not in CHIMES:
        raise AudioError(f"unknown chime {name!r}", f"use one of: {', '.join(CHIME_NAMES)}")
    return _render(name, int(rate))


def chime_duration(name: str) -> float:
    """Seconds the chime lasts, without rendering it."""
    if name not in CHIMES:
        raise AudioError(f"unknown chime {name!r}", f"use one of: {', '.join(CHIME_NAMES)}")
    return max(n.at + n.length for n in CHIMES[name])
