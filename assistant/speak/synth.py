"""One interface for every speech engine, and the choice of engine with its fallback.

A `Synth` turns one sentence into int16 mono audio at its `rate`, levelled to the voice profile's
loudness, on its own worker thread (`render` returns a Future at once). Engines: Piper (a neural
voice, `piper_engine.py`) and pyttsx3 on espeak-ng (`tts.py`). `load_synth` picks one from the
command line, the config and voice.yaml; when Piper or its voice is missing or broken it says so
in plain words (`Selection.notices`, for the event log, stderr and `tandem doctor`) and speaks
through pyttsx3, so Tandem is never silent without a word why.
"""

from __future__ import annotations

import importlib.util
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from assistant.errors import TandemError
from assistant.speak.loudness import db_to_gain, known_loudness, level, remembered_loudness
from assistant.speak.profile import NORMAL, Pace, VoiceProfile, load_voice_profile

PIPER_FIX = 'pip install "tandem[piper]" (Piper, GPL-3.0-or-later, and the en_US-joe-medium voice)'
LEAD_SECONDS = 0.01
"""Silence kept before a sentence: the first sound comes at once."""
TAIL_SECONDS = 0.08
"""Silence kept after a sentence; pauses between sentences come from the pace."""
EDGE_FADE_SECONDS = 0.004
"""Ramp where silence is trimmed, so the cut never clicks."""


class Synth(Protocol):
    """What the speaker needs from a speech engine."""

    name: str
    """The engine: "piper" or "pyttsx3"."""
    voice: str
    """The voice, as `tandem voices` names it."""
    rate: int
    """Hertz of the audio `render` returns."""

    def render(self, text: str, pace: Pace | None = None) -> "Future[np.ndarray]":
        """A Future of `text` spoken at `pace` (int16 mono at `rate`); cached lines come back done."""

    def close(self) -> None:
        """Forget cached audio."""


def trim_silence(x: np.ndarray, rate: int, lead: float = LEAD_SECONDS, tail: float = TAIL_SECONDS,
                 threshold: float = 0.004) -> np.ndarray:
    """Float audio with leading/trailing silence cut to `lead`/`tail` seconds, cut edges faded."""
    loud = np.flatnonzero(np.abs(x) > threshold)
    if not len(loud):
        return x[:0]
    start = max(0, loud[0] - round(lead * rate))
    end = min(len(x), loud[-1] + 1 + round(tail * rate))
    y = np.array(x[start:end], dtype=np.float64)
    n = min(len(y) // 2, max(1, round(EDGE_FADE_SECONDS * rate)))
    if start > 0:
        y[:n] *= np.linspace(0.0, 1.0, n)
    if end < len(x):
        y[len(y) - n:] *= np.linspace(1.0, 0.0, n)
    return y


class CachedSynth:
    """What every engine shares: the render cache, loudness levelling and the calibration.

    A subclass sets `name`, `voice`, `rate`, implements `_synthesize(text, pace) -> float audio`
    (raw engine output, any level) and `_submit(fn, *args) -> Future` (its worker thread), and
    calls `calibrate()` once its engine is loaded.
    """

    name = "?"
    voice = "?"
    rate = 22_050

    def __init__(self, profile: VoiceProfile | None = None, cache_size: int = 128) -> None:
        self.profile = profile or load_voice_profile()
        self.cache_size = cache_size
        self.gain = 1.0
        self.measured_lufs: float | None = None
        self._cache: OrderedDict[tuple[str, Pace], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def _synthesize(self, text: str, pace: Pace) -> np.ndarray:
        raise NotImplementedError

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        raise NotImplementedError

    def calibrate(self) -> None:
        """Measure the voice once (on its worker) and set the gain that brings it to the loudness target.

        The calibration text is rendered sentence by sentence and trimmed exactly as lines are, so
        what is measured is what will be played."""
        from assistant.speak.text import sentences

        texts = sentences(self.profile.calibration)
        key = self.identity()
        measured = known_loudness(self.rate, key) if key is not None and texts else None
        if measured is not None:
            # Measured at an earlier start: the first sentence alone warms the engine up (and shows it speaks),
            # without the whole paragraph's render holding its memory at start-up (Piper: about 50 MB of peak).
            warm = trim_silence(self._submit(self._synthesize, texts[0], NORMAL).result(), self.rate)
            measured = measured if len(warm) else float("-inf")
        else:
            pause = np.zeros(round(NORMAL.pause * self.rate))
            parts = [self._submit(self._synthesize, s, NORMAL) for s in texts]
            raw = np.concatenate([x for part in parts for x in (pause, trim_silence(part.result(), self.rate))])
            measured = remembered_loudness(raw, self.rate, key=key)
        if not np.isfinite(measured):
            raise TandemError(f"the {self.name} voice {self.voice} renders only silence",
                              "choose another voice (see `tandem voices`)")
        self.measured_lufs = measured
        self.gain = db_to_gain(self.profile.loudness - measured)

    def identity(self) -> str | None:
        """What the calibration measures, when each render of it differs (a neural voice's noise): its loudness
        is remembered under this. None: the rendered audio itself is the key (an engine that always says a
        line the same way)."""
        return None

    def render(self, text: str, pace: Pace | None = None) -> Future:
        key = (" ".join(text.split()), pace or NORMAL)
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None or not key[0]:
            done: Future = Future()
            done.set_result(cached if cached is not None else np.zeros(0, dtype=np.int16))
            return done
        return self._submit(self._render, key)

    def _render(self, key: tuple[str, Pace]) -> np.ndarray:
        text, pace = key
        raw = trim_silence(self._synthesize(text, pace), self.rate)
        samples = level(raw, self.gain * pace.volume, self.profile.peak)
        samples.setflags(write=False)
        with self._lock:
            self._cache[key] = samples
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return samples

    def say(self, text: str, pace: Pace | None = None) -> np.ndarray:
        """Render and wait (scripts and tests)."""
        return self.render(text, pace).result()

    def close(self) -> None:
        with self._lock:
            self._cache.clear()


# ---- choosing an engine -------------------------------------------------------------------------

def piper_installed() -> bool:
    """The optional Piper extra is installed (its module can be found; nothing is imported)."""
    return importlib.util.find_spec("piper") is not None


@dataclass(frozen=True)
class VoiceChoice:
    """What was asked for: an engine ("auto", "piper", "pyttsx3") and a voice for it ("" = the default)."""

    engine: str = "auto"
    voice: str = ""


def parse_voice_spec(spec: str) -> VoiceChoice:
    """`--voice` values: piper, pyttsx3, piper:NAME, pyttsx3:VOICE, a path to a .onnx, or a bare name."""
    spec = spec.strip()
    engine, sep, rest = spec.partition(":")
    if sep and engine in ("piper", "pyttsx3", "espeak"):
        return VoiceChoice("pyttsx3" if engine == "espeak" else engine, rest.strip())
    if spec in ("piper", "pyttsx3", "auto"):
        return VoiceChoice(spec)
    if spec in ("espeak", "espeak-ng"):
        return VoiceChoice("pyttsx3")
    if spec.endswith(".onnx") or "/" in spec or Path(spec).suffix == ".json":
        return VoiceChoice("piper", spec)
    return VoiceChoice("auto", spec)


@dataclass
class Selection:
    """The synth that will speak, and what the couple should be told about how it was chosen."""

    synth: Any
    notices: list[str] = field(default_factory=list)
    """Plain sentences: why the wanted voice is not the one speaking, and the fix."""
    wanted: VoiceChoice = field(default_factory=VoiceChoice)

    @property
    def fell_back(self) -> bool:
        return bool(self.notices)


def choose(spec: str | None = None, settings: Any = None, profile: VoiceProfile | None = None) -> VoiceChoice:
    """The voice asked for: `--voice` first, then the config's [voice], then voice.yaml."""
    profile = profile or load_voice_profile()
    if spec:
        return parse_voice_spec(spec)
    configured = getattr(settings, "voice", None)
    if configured is not None and (configured.engine != "auto" or configured.voice):
        choice = parse_voice_spec(configured.voice) if configured.voice else VoiceChoice()
        engine = configured.engine if configured.engine != "auto" else choice.engine
        return VoiceChoice(engine, choice.voice)
    return VoiceChoice(profile.engine)


def load_synth(spec: str | None = None, settings: Any = None, profile: VoiceProfile | None = None, *,
               fallback: Callable[[], Any] | None = None) -> Selection:
    """Load the voice asked for, once, at start-up; on any problem, pyttsx3 with a notice saying why.

    Raises only when pyttsx3 itself cannot speak (no espeak-ng): then there is no voice at all.
    """
    from assistant.speak.tts import SpeechSynth, VoiceSettings

    profile = profile or load_voice_profile()
    if settings is not None and getattr(getattr(settings, "voice", None), "pronounce", None):
        from assistant.speak.text import pronunciations

        profile = replace(profile, pronounce={**profile.pronounce, **pronunciations(settings.voice.pronounce)})
    choice = choose(spec, settings, profile)
    notices: list[str] = []

    def pyttsx3(voice: str | None = None) -> Any:
        if fallback is not None:
            return fallback()
        settings3 = VoiceSettings(voice or profile.pyttsx3_voice, profile.rate, profile.volume)
        return SpeechSynth(settings3, profile=profile)

    if choice.engine == "pyttsx3":
        return Selection(pyttsx3(choice.voice or None), notices, choice)
    if choice.engine == "auto" and choice.voice and not _is_piper_voice(choice.voice):
        return Selection(pyttsx3(choice.voice), notices, choice)  # an espeak voice name
    if not piper_installed():
        if choice.engine == "piper" or choice.voice:  # asked for by name; plain `auto` is just the lighter install
            notices.append("Piper is not installed, so Tandem speaks with pyttsx3 (espeak-ng); for a natural "
                           "voice: " + PIPER_FIX)
        return Selection(pyttsx3(), notices, choice)
    from assistant.speak.piper_engine import PiperSynth, resolve_voice

    try:
        synth = PiperSynth(resolve_voice(choice.voice or profile.piper_voice), profile)
    except TandemError as error:
        notices.append(f"the Piper voice cannot be used: {error.what}; speaking with pyttsx3 (espeak-ng) instead"
                       + (f" (fix: {error.fix})" if error.fix else ""))
        return Selection(pyttsx3(), notices, choice)
    return Selection(synth, notices, choice)


def _is_piper_voice(name: str) -> bool:
    """A bare `--voice` name that a Piper voice folder has (else it is an espeak-ng voice)."""
    if not piper_installed():
        return name.endswith((".onnx", "-low", "-medium", "-high", "-x_low"))
    from assistant.speak.piper_engine import find_voices

    return any(v.name == name for v in find_voices())
