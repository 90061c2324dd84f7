"""Loudness the way ears hear it: ITU-R BS.1770 integrated loudness (pyloudnorm), and a hard peak ceiling.

Voice and chimes are levelled to one target so neither startles next to the other. A voice is
measured once when it loads (on a calibration paragraph, off the hot path); every rendered
sentence then gets that gain, lowered only where a peak would pass the ceiling, so nothing clips.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

BLOCK_SECONDS = 0.4
"""BS.1770's gating block. A shorter sound is measured padded with silence to one block."""


@lru_cache(maxsize=8)
def _meter(rate: int):  # type: ignore[no-untyped-def]
    import pyloudnorm

    return pyloudnorm.Meter(rate)


def as_float(samples: np.ndarray) -> np.ndarray:
    """int16 (or float) samples as float64 in [-1, 1]."""
    x = np.asarray(samples)
    return x.astype(np.float64) / 32768.0 if x.dtype == np.int16 else x.astype(np.float64)


def integrated_loudness(samples: np.ndarray, rate: int) -> float:
    """LUFS of mono audio (int16 or float); -inf for silence."""
    x = as_float(samples)
    block = int(np.ceil(BLOCK_SECONDS * rate)) + 1
    if len(x) < block:
        x = np.concatenate([x, np.zeros(block - len(x))])
    if not np.any(x):
        return float("-inf")
    return float(_meter(int(rate)).integrated_loudness(x))


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def peak_dbfs(samples: np.ndarray) -> float:
    x = np.abs(as_float(samples))
    return float(20 * np.log10(x.max())) if len(x) and x.max() > 0 else float("-inf")


def level(x: np.ndarray, gain: float, ceiling_dbfs: float) -> np.ndarray:
    """float audio times `gain`, scaled down as a whole if its peak would pass the ceiling, as int16."""
    y = np.asarray(x, dtype=np.float64) * gain
    ceiling = db_to_gain(ceiling_dbfs)
    peak = float(np.max(np.abs(y))) if len(y) else 0.0
    if peak > ceiling:
        y *= ceiling / peak
    return np.round(y * 32767.0).astype(np.int16)
