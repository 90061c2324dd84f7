"""Benchmark audio: the barista data, Picovoice-style noise mixes, espeak-ng speech, all cached.

Mixes follow Picovoice's speech-to-intent benchmark (`benchmark/mixer.py`): a noise segment as long as
the clip, from a random start; the noise scaled so that the loudest 2048-sample frame of speech and of
noise have the wanted energy ratio; the sum normalised to half of full scale. The random start is
seeded by file name and SNR, so every run (and every engine) hears the same mixes.
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

ROOT = Path(__file__).resolve().parent.parent
RATE = 16_000
def _barista_folder() -> Path:
    """`$TANDEM_BARISTA`, else the shared data folder beside the checkout (a worktree sits one level deeper)."""
    if os.environ.get("TANDEM_BARISTA"):
        return Path(os.environ["TANDEM_BARISTA"])
    candidates = [up / "shared" / "data" / "barista-speech" for up in (ROOT.parent, ROOT.parent.parent)]
    return next((c for c in candidates if c.is_dir()), candidates[0])


BARISTA = _barista_folder()
SNRS = (24, 21, 18, 15, 12, 9, 6)
"""dB, the levels of the published barista benchmark."""


def cache_dir(*parts: str) -> Path:
    """`$TANDEM_BENCH_CACHE` or the platform cache folder (outside the work tree), created on demand."""
    from platformdirs import user_cache_dir

    base = Path(os.environ.get("TANDEM_BENCH_CACHE") or Path(user_cache_dir("tandem")) / "bench")
    path = base.joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def read16(path: Path) -> np.ndarray:
    """int16 mono 16 kHz samples (any WAV format: converted by Tandem's own reader)."""
    from assistant.audio.wavio import read_wav

    return read_wav(Path(path))


def write16(path: Path, samples: np.ndarray) -> Path:
    """Write int16 mono 16 kHz, atomically (a half-written cache file would poison later runs)."""
    from assistant.audio.wavio import write_wav

    path.parent.mkdir(parents=True, exist_ok=True)
    write_wav(path, samples, RATE)
    return path


@lru_cache(maxsize=1)
def kitchen_noise() -> np.ndarray:
    return read16(BARISTA / "kitchen-noise.wav")


def _max_frame_energy(x: np.ndarray, frame: int = 2048) -> float:
    n = len(x) // frame
    if n == 0:
        return float(np.sum(x ** 2))
    return float(np.max(np.sum(x[: n * frame].reshape(n, frame) ** 2, axis=1)))


def _seed(*parts: object) -> int:
    return int.from_bytes(hashlib.sha1("|".join(map(str, parts)).encode()).digest()[:4], "little")


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    """Picovoice's mix of int16 `speech` with a random stretch of `noise` at `snr_db` (int16 out)."""
    s = speech.astype(np.float64) / 32768.0
    nz = noise.astype(np.float64) / 32768.0
    if len(nz) < len(s):  # longer than the noise: loop it (Picovoice asserts instead)
        nz = np.tile(nz, len(s) // len(nz) + 1)
    start = np.random.default_rng(seed).integers(0, len(nz) - len(s) + 1)
    seg = nz[start:start + len(s)]
    scale = np.sqrt(_max_frame_energy(s) / (max(_max_frame_energy(seg), 1e-20) * 10 ** (snr_db / 10.0)))
    out = s + scale * seg
    out /= 2 * max(float(np.max(np.abs(out))), 1e-12)
    return np.clip(np.round(out * 32767.0), -32768, 32767).astype(np.int16)


def measured_snr(speech: np.ndarray, mixed: np.ndarray) -> float:
    """The SNR of a mix by the same peak-frame definition (speech rescaled as in the mix)."""
    s = speech.astype(np.float64)
    m = mixed.astype(np.float64)
    gain = float(np.dot(m, s) / np.dot(s, s))  # least-squares speech gain within the mix
    noise = m - gain * s
    return 10 * np.log10(_max_frame_energy(gain * s) / _max_frame_energy(noise))


def noisy_copies(clean: list[Path], snr_db: float | None, folder: str) -> list[Path]:
    """The clips mixed with kitchen noise at `snr_db` (None: the clean files), cached by name."""
    if snr_db is None:
        return list(clean)
    out_dir = cache_dir(folder, f"kitchen_{snr_db:g}db")
    out = []
    for path in clean:
        target = out_dir / path.name
        if not target.exists():
            write16(target, mix(read16(path), kitchen_noise(), snr_db, _seed(path.name, snr_db)))
        out.append(target)
    return out


def speak(text: str, voice: str, speed: int, pad: float = 0.4) -> Path:
    """`text` spoken by espeak-ng (`voice`, words per minute), as a cached 16 kHz WAV with silent padding."""
    key = hashlib.sha1(f"{text}|{voice}|{speed}|{pad}".encode()).hexdigest()[:16]
    path = cache_dir("tts") / f"{key}.wav"
    if path.exists():
        return path
    if shutil.which("espeak-ng") is None:
        raise RuntimeError("espeak-ng is not installed (apt-get install espeak-ng)")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text],
                       check=True, capture_output=True)
        samples = read16(raw)
    silence = np.zeros(int(pad * RATE), dtype=np.int16)
    return write16(path, np.concatenate([silence, samples, silence]))


def duration(path: Path) -> float:
    with wave.open(str(path), "rb") as w:
        return w.getnframes() / w.getframerate()
