"""Speech synthesis: pyttsx3 (espeak-ng) renders each line to audio on ONE worker thread.

Rendering to audio instead of letting the engine talk means speech plays through the same output
as the chimes, its exact length is known before it starts (paced cues, the timeline, "never hear
yourself"), and "stop" can cut it. pyttsx3's espeak driver is a process-wide singleton whose engine
must be created and run on one thread, so every `SpeechSynth` shares one worker thread and engine.
Voice, rate and volume come from `voices/<lang>/voice.yaml`.
"""

from __future__ import annotations

import atexit
import os
import tempfile
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from assistant.audio.wavio import read_wav
from assistant.datafiles import voices_dir
from assistant.errors import AudioError, DataError

ESPEAK_RATE = 22_050
"""Hertz: espeak-ng's own output rate, the default so speech is never resampled twice."""

ESPEAK_FIX = "install espeak-ng (Debian/Ubuntu: `sudo apt install espeak-ng`) and `pip install pyttsx3`"


RENDER_TRIES = 3
"""Attempts per line before the speech engine is reported broken."""


@dataclass(frozen=True)
class VoiceSettings:
    """How Tandem sounds: `voice` an engine voice id or a fragment of its name (None: the engine's default),
    `rate` words per minute, `volume` 0..1."""

    voice: str | None = None
    rate: int = 160
    volume: float = 0.9


def load_voice_settings(path: Path | None = None) -> VoiceSettings:
    """Read `voice.yaml` (keys `voice`, `rate`, `volume`, at top level or under `voice:`); defaults if absent."""
    path = path or voices_dir() / "voice.yaml"
    if not path.is_file():
        return VoiceSettings()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise DataError(path, "", f"not valid YAML ({error})", "fix the YAML syntax") from None
    prefix = ""
    if isinstance(data, dict) and isinstance(data.get("voice"), dict):
        data, prefix = data["voice"], "voice."
    if not isinstance(data, dict):
        raise DataError(path, "", "expected a mapping with voice, rate and volume", "see voices/en/voice.yaml")
    voice, rate, volume = data.get("voice"), data.get("rate", 160), data.get("volume", 0.9)
    if voice is not None and not isinstance(voice, str):
        raise DataError(path, prefix + "voice", f"expected a voice name, got {voice!r}", "use e.g. en-us, or ~ for the default")
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 60 <= rate <= 400:
        raise DataError(path, prefix + "rate", f"expected words per minute between 60 and 400, got {rate!r}", "use e.g. 160")
    if isinstance(volume, bool) or not isinstance(volume, (int, float)) or not 0 <= volume <= 1:
        raise DataError(path, prefix + "volume", f"expected a number from 0 to 1, got {volume!r}", "use e.g. 0.9")
    return VoiceSettings(voice or None, int(rate), float(volume))


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


TAIL_SECONDS = 0.15
"""Silence kept after a line. espeak-ng pads ~350 ms; the rest would only delay the chime or timer that follows."""


def _trim_tail(x: np.ndarray, rate: int, threshold: int = 64) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x.astype(np.int32)) > threshold)
    end = (loud[-1] + 1 if len(loud) else 0) + round(TAIL_SECONDS * rate)
    return x[:end] if end < len(x) else x


class SpeechSynth:
    """Renders lines of text to int16 mono audio at `rate` hertz, off the caller's thread, with an LRU cache."""

    def __init__(self, settings: VoiceSettings | None = None, rate: int = ESPEAK_RATE, cache_size: int = 128, *,
                 settings_path: Path | None = None) -> None:
        self.settings_path = settings_path or voices_dir() / "voice.yaml"
        self.settings = settings or load_voice_settings(self.settings_path)
        self.rate = rate
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._voice_id = _Engine.submit(self._start).result()  # fail at start-up, not mid-ritual

    def _start(self) -> str | None:
        _Engine.engine()
        if self.settings.voice is None:
            return _Engine.default_voice  # set explicitly: another synth may have changed the shared engine's voice
        voice = _resolve_voice(self.settings.voice, _Engine._voices)
        if voice is None:
            english = ", ".join(str(v.id).split("/")[-1] for v in _Engine._voices if "/en" in str(v.id))
            raise DataError(self.settings_path, "voice", f"no speech voice called {self.settings.voice!r}",
                            f"use one of: {english or 'see `espeak-ng --voices`'}")
        return voice

    def render(self, text: str) -> Future:
        """A Future of the spoken `text` (int16 mono at `rate`); cached lines come back already done."""
        key = " ".join(text.split())
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
        if cached is not None or not key:
            done: Future = Future()
            done.set_result(cached if cached is not None else np.zeros(0, dtype=np.int16))
            return done
        return _Engine.submit(self._render, key)

    def _render(self, text: str) -> np.ndarray:
        engine = _Engine.engine()
        if self._voice_id:
            engine.setProperty("voice", self._voice_id)
        for _ in range(2):  # espeak-ng drops a parameter change made once between two syntheses; twice sticks
            engine.setProperty("rate", self.settings.rate)
            engine.setProperty("volume", self.settings.volume)
        samples = None
        for attempt in range(RENDER_TRIES):
            try:
                samples = self._render_once(engine, text)
                break
            except AudioError as error:
                # espeak-ng under pyttsx3 now and then finishes a file with no samples; a second try writes it.
                if attempt == RENDER_TRIES - 1:
                    raise AudioError(f"the speech engine produced no audio for {text[:40]!r} ({error.what})",
                                     ESPEAK_FIX) from None
        assert samples is not None
        samples.setflags(write=False)
        with self._lock:
            self._cache[text] = samples
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return samples

    def _render_once(self, engine: Any, text: str) -> np.ndarray:
        fd, name = tempfile.mkstemp(prefix="tandem-tts-", suffix=".wav")
        os.close(fd)
        path = Path(name)
        try:
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            return _trim_tail(read_wav(path, self.rate), self.rate)
        finally:
            if path.exists():
                os.unlink(path)

    def say(self, text: str) -> np.ndarray:
        """Render and wait (handy in scripts and tests)."""
        return self.render(text).result()

    def close(self) -> None:
        """Forget the cache (the shared engine and its thread live on for other synths)."""
        with self._lock:
            self._cache.clear()
