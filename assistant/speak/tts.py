"""The pyttsx3 engine (espeak-ng): always there, and the fallback when Piper is not.

Rendering to audio instead of letting the engine talk means speech plays through the same output
as the chimes, its exact length is known before it starts (paced cues, the timeline, "never hear
yourself"), and "stop" can cut it. pyttsx3's espeak driver is a process-wide singleton whose engine
must be created and run on one thread, so every `SpeechSynth` shares one worker thread and engine.
Voice, rate and volume come from `voices/<lang>/voice.yaml`; a pace divides the rate by its
length scale (slower at bedtime), and the shared `CachedSynth` levels the loudness.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from assistant.audio.wavio import read_wav
from assistant.errors import AudioError, DataError
from assistant.speak.profile import Pace, VoiceProfile, load_voice_profile
from assistant.speak.synth import CachedSynth

ESPEAK_RATE = 22_050
"""Hertz: espeak-ng's own output rate, the default so speech is never resampled twice."""

ESPEAK_FIX = "install espeak-ng (Debian/Ubuntu: `sudo apt install espeak-ng`) and `pip install pyttsx3`"


RENDER_TRIES = 3
"""Attempts per line before the speech engine is reported broken."""


@dataclass(frozen=True)
class VoiceSettings:
    """pyttsx3's own settings: `voice` an espeak-ng voice id or a fragment of its name (None: the engine's
    default), `rate` words per minute at the normal pace, `volume` 0..1."""

    voice: str | None = None
    rate: int = 160
    volume: float = 0.9

    @classmethod
    def of(cls, profile: VoiceProfile) -> "VoiceSettings":
        return cls(profile.pyttsx3_voice, profile.rate, profile.volume)


def load_voice_settings(path: Path | None = None) -> VoiceSettings:
    """pyttsx3's voice, rate and volume from `voice.yaml` (validated whole); defaults if the file is absent."""
    return VoiceSettings.of(load_voice_profile(path))


class _Engine:
    """The one pyttsx3 engine, owned by the one worker thread that may touch it."""

    _executor: ThreadPoolExecutor | None = None
    _engine: Any = None
    _voices: list[Any] = []
    default_voice: str | None = None
    _lock = threading.Lock()

    @classmethod
    def submit(cls, fn: Any, *args: Any) -> Future:
        with cls._lock:
            if cls._executor is None:
                cls._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tandem-tts")
                atexit.register(cls._executor.shutdown, wait=False)
            return cls._executor.submit(fn, *args)

    @classmethod
    def engine(cls) -> Any:
        """Create the engine on first use (on the worker thread)."""
        if cls._engine is None:
            try:
                import pyttsx3
                import pyttsx3.drivers.espeak as driver
            except (ImportError, OSError, RuntimeError) as error:
                raise AudioError(f"the speech engine cannot start ({error})", ESPEAK_FIX) from None
            driver.print = lambda *args, **kwargs: None  # it prints "Audio saved to ..." on every render
            try:
                cls._engine = pyttsx3.init("espeak")
            except Exception as error:  # OSError (no libespeak-ng), RuntimeError, pyttsx3's own errors
                raise AudioError(f"the speech engine cannot start ({error})", ESPEAK_FIX) from None
            cls._voices = list(cls._engine.getProperty("voices"))
            cls.default_voice = cls._engine.getProperty("voice")
        return cls._engine


def _resolve_voice(wanted: str, voices: list[Any]) -> str | None:
    """An engine voice id for `wanted` (an id, a language like en-us, or part of a name; "+f3"-style variants kept)."""
    base, plus, variant = wanted.partition("+")
    needle = base.strip().casefold()
    ids = [(str(v.id), str(v.id).casefold(), str(getattr(v, "name", "")).casefold()) for v in voices]
    for test in (lambda i, n: i == needle or i.endswith("/" + needle), lambda i, n: n == needle,
                 lambda i, n: needle in i or needle in n):
        for vid, i, n in ids:
            if test(i, n):
                return vid + (plus + variant if plus else "")
    return None


_CALIBRATED: dict[tuple, tuple[float, float | None]] = {}
"""Gain per espeak voice, rate, volume, output rate and target, measured once per process."""


class SpeechSynth(CachedSynth):
    """pyttsx3 on espeak-ng: renders sentences to int16 mono at `rate` hertz, off the caller's thread, cached."""

    name = "pyttsx3"

    def __init__(self, settings: VoiceSettings | None = None, rate: int = ESPEAK_RATE, cache_size: int = 128, *,
                 settings_path: Path | None = None, profile: VoiceProfile | None = None) -> None:
        super().__init__(profile or load_voice_profile(settings_path), cache_size)
        self.settings_path = self.profile.path or Path("voice.yaml")
        self.settings = settings or VoiceSettings.of(self.profile)
        self.rate = rate
        self._voice_id = _Engine.submit(self._start).result()  # fail at start-up, not mid-ritual
        self.voice = "espeak-ng " + (str(self._voice_id).split("/")[-1] if self._voice_id else "default")
        key = (self._voice_id, self.settings.rate, self.settings.volume, rate, self.profile.calibration,
               self.profile.loudness)
        if key not in _CALIBRATED:  # one engine per process: measure each voice once
            self.calibrate()
            _CALIBRATED[key] = (self.gain, self.measured_lufs)
        self.gain, self.measured_lufs = _CALIBRATED[key]

    def _start(self) -> str | None:
        _Engine.engine()
        if self.settings.voice is None:
            return _Engine.default_voice  # set explicitly: another synth may have changed the shared engine's voice
        voice = _resolve_voice(self.settings.voice, _Engine._voices)
        if voice is None:
            english = ", ".join(str(v.id).split("/")[-1] for v in _Engine._voices if "/en" in str(v.id))
            raise DataError(self.settings_path, "voice.pyttsx3_voice", f"no speech voice called {self.settings.voice!r}",
                            f"use one of: {english or 'see `espeak-ng --voices`'}")
        return voice

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return _Engine.submit(fn, *args)

    def _synthesize(self, text: str, pace: Pace) -> np.ndarray:
        engine = _Engine.engine()
        if self._voice_id:
            engine.setProperty("voice", self._voice_id)
        rate = max(60, round(self.settings.rate / pace.length_scale))
        for _ in range(2):  # espeak-ng drops a parameter change made once between two syntheses; twice sticks
            engine.setProperty("rate", rate)
            engine.setProperty("volume", self.settings.volume)
        for attempt in range(RENDER_TRIES):
            try:
                return self._render_once(engine, text).astype(np.float64) / 32768.0
            except AudioError as error:
                # espeak-ng under pyttsx3 now and then finishes a file with no samples; a second try writes it.
                if attempt == RENDER_TRIES - 1:
                    raise AudioError(f"the speech engine produced no audio for {text[:40]!r} ({error.what})",
                                     ESPEAK_FIX) from None
        raise AssertionError("unreachable")

    def _render_once(self, engine: Any, text: str) -> np.ndarray:
        fd, name = tempfile.mkstemp(prefix="tandem-tts-", suffix=".wav")
        os.close(fd)
        path = Path(name)
        try:
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            return read_wav(path, self.rate)
        finally:
            if path.exists():
                os.unlink(path)
