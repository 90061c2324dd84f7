"""Test speech made on the spot: espeak-ng speaks, sox resamples, numpy mixes kitchen noise.

Generated WAVs are cached (keyed by text, voice, rate and noise level) so a test run synthesises each
sentence once. The cache lives in `tests/.cache/speech` unless `TANDEM_TEST_CACHE` names another folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.audio.mixing import mix_at_snr
from assistant.audio.wavio import write_wav

RATE = 16_000
NOISE_WAV = Path("/work/shared/data/barista-speech/kitchen-noise.wav")
VOICES = ("en-us", "en-us+f3", "en-gb+m3", "en-us+m7", "en-gb-scotland+f2", "en-029+m2")
"""espeak-ng voice+variant names used for variety (all ship with Debian's espeak-ng-data)."""

_CACHE = Path(os.environ.get("TANDEM_TEST_CACHE", Path(__file__).resolve().parent / ".cache" / "speech"))


def available(voice: str = "en-us") -> bool:
    """True when the synthesiser for `voice` and sox are installed (tests skip otherwise)."""
    tts = "flite" if voice.startswith("flite:") else "espeak-ng"
    return shutil.which(tts) is not None and shutil.which("sox") is not None


def read_wav16(path: Path) -> np.ndarray:
    """int16 samples of a 16 kHz mono 16-bit WAV (the only kind this module writes)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getframerate() != RATE or wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16 kHz mono 16-bit")
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).copy()


def write_wav16(path: Path, samples: np.ndarray) -> Path:
    """Write int16 samples as a 16 kHz mono WAV, atomically (parallel test runs share the cache)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav(path, samples, RATE)
    return path


def _key(*parts: object) -> str:
    return hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:16]


def speak(text: str, voice: str = "en-us", speed: int = 160, pad: float = 0.3) -> np.ndarray:
    """`text` spoken by espeak-ng (or flite, for a voice named "flite:slt") as int16 16 kHz, with
    `pad` seconds of silence each side."""
    path = _CACHE / f"tts-{_key(text, voice, speed, pad, 'undithered')}.wav"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.wav"
            if voice.startswith("flite:"):
                subprocess.run(["flite", "-voice", voice[6:], "-t", text, "-o", str(raw)],
                               check=True, capture_output=True)
            else:
                subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text],
                               check=True, capture_output=True)
            out = Path(tmp) / "out.wav"
            # -D: sox dithers with random noise by default, so every checkout cached a different render
            # and a test near a bar passed or failed by the draw.
            subprocess.run(["sox", "-D", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(out),
                            "pad", str(pad), str(pad)], check=True, capture_output=True)
            shutil.move(str(out), str(path))
    return read_wav16(path)


@lru_cache(maxsize=1)
def kitchen_noise() -> np.ndarray:
    """The barista set's kitchen noise (int16, 16 kHz), about two minutes."""
    return read_wav16(NOISE_WAV)


def noise_clip(seconds: float, offset: float = 0.0, count: int | None = None) -> np.ndarray:
    """`seconds` (or `count` samples) of kitchen noise starting `offset` seconds in (wrapping)."""
    noise = kitchen_noise()
    start = int(offset * RATE) % len(noise)
    count = int(round(seconds * RATE)) if count is None else count
    reps = (start + count) // len(noise) + 1
    return np.tile(noise, reps)[start : start + count]


def mix(speech: np.ndarray, snr_db: float, offset: float = 0.0) -> np.ndarray:
    """Speech with kitchen noise at `snr_db`, the barista README's way (Tandem's own mixer)."""
    return mix_at_snr(speech, kitchen_noise(), snr_db, offset=int(offset * RATE) % len(kitchen_noise()))


def speech_wav(text: str, voice: str = "en-us", snr_db: float | None = None, speed: int = 160,
               offset: float = 0.0) -> Path:
    """A cached WAV file of `text` (clean when `snr_db` is None), for tests that want a path."""
    path = _CACHE / f"mix-{_key(text, voice, speed, snr_db, offset)}.wav"
    if not path.exists():
        samples = speak(text, voice, speed)
        write_wav16(path, samples if snr_db is None else mix(samples, snr_db, offset))
    return path


def speech(text: str, voice: str = "en-us", snr_db: float | None = None, speed: int = 160,
           offset: float = 0.0) -> np.ndarray:
    """Samples of `text` (clean when `snr_db` is None), mixed with kitchen noise otherwise."""
    return read_wav16(speech_wav(text, voice, snr_db, speed, offset))
