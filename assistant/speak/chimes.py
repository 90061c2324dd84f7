"""Soft synthesised chimes, like a good kitchen device: bell tones under a gentle envelope, never an alarm.

Chimes are computed, not recorded, so they are identical on every machine, cost no data files, and
come out at whatever rate the speaker runs. Each note swells in over tens of milliseconds along a
raised cosine (no click), decays like a struck bowl, and fades to exactly zero. The chimes speak
in consonant intervals of one C major chord, each with its own shape so it is known without
looking: the start rises a fifth, halfway taps one note twice, the end falls home to C.

Every chime is levelled to an integrated loudness (ITU-R BS.1770, the same measure and target as
the voice, so neither startles next to the other) and never passes the peak ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from assistant.errors import AudioError
from assistant.messages import SAMPLE_RATE
from assistant.speak.loudness import db_to_gain, remembered_loudness

LOUDNESS = -23.0
"""LUFS a chime is levelled to when the caller names none: voice.yaml's default target (EBU R128)."""
PEAK_DBFS = -1.0
"""No chime sample goes above this."""

PARTIALS = ((1.0, 1.0), (2.0, 0.22), (3.0, 0.06), (4.2, 0.015))
"""(frequency ratio, amplitude): a warm, slightly bell-like tone with little energy up high."""
HIGHEST_PARTIAL_HZ = 4000.0
"""Partials above this are left out: soft, never shrill, and nothing near the band where a click would show."""


@dataclass(frozen=True)
class Note:
    """One tone of a chime: onset and lengths in seconds, frequency in hertz."""

    at: float
    freq: float
    length: float
    level: float = 1.0
    attack: float = 0.02
    """Raised-cosine rise time, seconds: 20 ms is soft yet still a clear onset."""
    decay: float = 0.35
    """Time constant of the exponential decay, seconds."""


C5, E5, G5, A4, C6, D6 = 523.25, 659.26, 783.99, 440.0, 1046.5, 1174.66


@dataclass(frozen=True)
class ChimeShape:
    notes: tuple[Note, ...]
    offset: float = 0.0
    """LU relative to the voice: small cues sit a little under it, never more than 3 LU."""


CHIMES: dict[str, ChimeShape] = {
    # A rising fifth: "here we go".
    "start": ChimeShape((Note(0.0, C5, 0.7), Note(0.15, G5, 1.0, decay=0.45))),
    # One note, tapped twice softly: "half of it is done", unlike both start and end.
    "halfway": ChimeShape((Note(0.0, E5, 0.5, level=0.8, decay=0.25), Note(0.25, E5, 0.8, level=0.6, decay=0.3)),
                          offset=-1.0),
    # Falling home to C, the last note left to ring: "that's it".
    "end": ChimeShape((Note(0.0, G5, 0.7), Note(0.17, E5, 0.7), Note(0.34, C5, 1.3, decay=0.55))),
    # Breathing: a slow swell up (in) and down (out), no edge to startle.
    "inhale": ChimeShape((Note(0.0, A4, 1.0, attack=0.25, decay=0.8), Note(0.35, E5, 1.0, level=0.7, attack=0.25,
                                                                            decay=0.8)), offset=-1.0),
    "exhale": ChimeShape((Note(0.0, E5, 1.0, level=0.7, attack=0.2, decay=0.9), Note(0.4, A4, 1.3, attack=0.2,
                                                                                     decay=1.0)), offset=-1.0),
    # "I'm listening": short and high, over before the couple start talking.
    "listening": ChimeShape((Note(0.0, D6, 0.2, level=0.6, attack=0.015, decay=0.08),), offset=-1.5),
    "soft": ChimeShape((Note(0.0, C5, 0.6, level=0.6, attack=0.03, decay=0.25),), offset=-1.5),
}
CHIME_NAMES = tuple(CHIMES)


def _note(note: Note, rate: int) -> np.ndarray:
    n = max(1, round(note.length * rate))
    t = np.arange(n) / rate
    top = min(HIGHEST_PARTIAL_HZ, 0.45 * rate)
    tone = sum(a * np.sin(2 * np.pi * note.freq * r * t) for r, a in PARTIALS if note.freq * r < top)
    attack = np.clip(t / note.attack, 0.0, 1.0)
    env = 0.5 - 0.5 * np.cos(np.pi * attack)  # raised cosine: no step at the start
    env *= np.exp(-np.maximum(t - note.attack, 0.0) / note.decay)
    fade = min(0.08, note.length / 3)  # and none at the end either
    env *= np.clip((note.length - t) / fade, 0.0, 1.0) ** 2
    return note.level * env * tone


def _shape(name: str, rate: int) -> np.ndarray:
    notes = CHIMES[name].notes
    total = max(round((n.at + n.length) * rate) for n in notes)
    out = np.zeros(total)
    for note in notes:
        wave = _note(note, rate)
        start = round(note.at * rate)
        out[start:start + len(wave)] += wave[: total - start]
    return out / np.max(np.abs(out))


@lru_cache(maxsize=128)
def _render(name: str, rate: int, loudness: float, peak: float) -> np.ndarray:
    shape = _shape(name, rate)
    target = loudness + CHIMES[name].offset
    gain = db_to_gain(target - remembered_loudness(shape, rate))
    gain = min(gain, db_to_gain(peak))  # the shape peaks at 1.0: never above the ceiling
    pcm = np.round(shape * gain * 32767).astype(np.int16)
    pcm.setflags(write=False)
    return pcm


def _known(name: str) -> None:
    if name not in CHIMES:
        raise AudioError(f"unknown chime {name!r}", f"use one of: {', '.join(CHIME_NAMES)}")


def chime(name: str, rate: int = SAMPLE_RATE, loudness: float = LOUDNESS, peak: float = PEAK_DBFS) -> np.ndarray:
    """The chime `name` as int16 mono at `rate` hertz, levelled to `loudness` LUFS (read-only, cached)."""
    _known(name)
    return _render(name, int(rate), round(float(loudness), 1), round(float(peak), 1))


def chime_duration(name: str) -> float:
    """Seconds the chime lasts, without rendering it."""
    _known(name)
    return max(n.at + n.length for n in CHIMES[name].notes)
