"""Mixing speech with noise at a chosen SNR, the way the barista benchmark defines it.

Used by tests and benchmarks to make "kitchen" recordings: the noise is scaled so that the loudest
2048-sample frame of speech and the loudest of noise have the wanted energy ratio, then the mix is
normalised to full scale (as in Picovoice's speech-to-intent benchmark, so figures compare).
"""

from __future__ import annotations

import numpy as np

FRAME = 2048


def peak_frame_energy(x: np.ndarray, frame: int = FRAME) -> float:
    """Mean square of the loudest non-overlapping `frame`-sample frame."""
    x = np.asarray(x, dtype=np.float64)
    n = max(1, len(x) // frame)
    frames = x[: n * frame].reshape(n, -1) if len(x) >= frame else x.reshape(1, -1)
    return float(np.max(np.mean(frames ** 2, axis=1)))


def loop_to(noise: np.ndarray, length: int, offset: int = 0) -> np.ndarray:
    """`length` samples of `noise` starting at `offset`, looping round when it runs out."""
    idx = (np.arange(length) + offset) % len(noise)
    return np.asarray(noise)[idx]


def mix_at_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float, *, offset: int = 0,
               normalise: bool = True) -> np.ndarray:
    """int16 speech plus noise (looped to length from `offset`) at `snr_db`, as int16."""
    s = np.asarray(speech, dtype=np.float64)
    n = loop_to(np.asarray(noise, dtype=np.float64), len(s), offset)
    gain = np.sqrt(peak_frame_energy(s) / (max(peak_frame_energy(n), 1e-12) * 10 ** (snr_db / 10)))
    mix = s + gain * n
    if normalise:
        mix *= 32767.0 / max(np.max(np.abs(mix)), 1e-9)
    return np.clip(np.round(mix), -32768, 32767).astype(np.int16)
