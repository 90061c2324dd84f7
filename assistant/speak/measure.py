"""Measures of what comes out of the speaker: clipping, clicks at a sound's edges, pitch direction.

Shared by the tests and `python -m bench voice`, so both hold the chimes and the voice to the
same, stated criteria.
"""

from __future__ import annotations

import numpy as np

from assistant.speak.loudness import as_float

CLICK_BAND_HZ = 5000.0
"""A click is broadband; the chimes' partials stay below this."""
CLICK_WINDOW = 0.016
"""Seconds per analysis window."""


def clipped_samples(samples: np.ndarray, threshold: int = 32767) -> int:
    """How many int16 samples sit at full scale (a clipped waveform flattens there)."""
    x = np.asarray(samples)
    if x.dtype != np.int16:
        x = np.round(np.clip(as_float(x), -1.0, 1.0) * 32767.0).astype(np.int16)
    return int(np.count_nonzero(np.abs(x.astype(np.int32)) >= threshold))


def _windows(x: np.ndarray, rate: int, hop: int) -> np.ndarray:
    n = max(16, round(CLICK_WINDOW * rate))
    padded = np.concatenate([np.zeros(n), x, np.zeros(n)])
    return np.lib.stride_tricks.sliding_window_view(padded, n)[::hop]


def click_levels_db(samples: np.ndarray, rate: int, edge: float = 0.05) -> tuple[float, float]:
    """(onset, offset): the most energy above 5 kHz in any 16 ms window around the sound's first and
    last `edge` seconds, in dB relative to the loudest window's total energy. Below -60 dB nothing
    clicks; a sound switched on or off abruptly scores far higher."""
    x = as_float(samples)
    n = max(16, round(CLICK_WINDOW * rate))
    hop = max(1, n // 8)
    frames = _windows(x, rate, hop)
    spectra = np.abs(np.fft.rfft(frames * np.hanning(n), axis=1)) ** 2
    freqs = np.fft.rfftfreq(n, 1 / rate)
    high = spectra[:, freqs >= CLICK_BAND_HZ].sum(axis=1)
    reference = spectra.sum(axis=1).max() + 1e-30
    centres = np.arange(len(frames)) * hop - n // 2  # sample index of each window's centre within x
    span = round(edge * rate) + n

    def worst(mask: np.ndarray) -> float:
        return float(10 * np.log10(high[mask].max() / reference + 1e-30)) if mask.any() else float("-inf")

    return worst(centres <= span), worst(centres >= len(x) - span)


def edge_step(samples: np.ndarray, rate: int, edge: float = 0.005) -> float:
    """Largest sample-to-sample step within the first and last `edge` seconds, as a fraction of full
    scale, counting the step from silence into the first sample and out of the last."""
    x = as_float(samples)
    n = max(2, round(edge * rate))
    head = np.diff(np.concatenate([[0.0], x[:n]]))
    tail = np.diff(np.concatenate([x[-n:], [0.0]]))
    return float(max(np.abs(head).max(), np.abs(tail).max()))


def dominant_hz(samples: np.ndarray, rate: int, start: float, length: float) -> float:
    """The strongest frequency between `start` and `start + length` seconds."""
    x = as_float(samples)[round(start * rate): round((start + length) * rate)]
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), n=1 << 15))
    return float(np.fft.rfftfreq(1 << 15, 1 / rate)[np.argmax(spectrum)])
