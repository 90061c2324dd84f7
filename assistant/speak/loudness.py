"""Loudness the way ears hear it: ITU-R BS.1770 integrated loudness (pyloudnorm), and a hard peak ceiling.

Voice and chimes are levelled to one target so neither startles next to the other. A voice is
measured once when it loads (on a calibration paragraph, off the hot path); every rendered
sentence then gets that gain, lowered only where a peak would pass the ceiling, so nothing clips.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

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


MEMO_FORMAT = "1"
"""Bump when what is measured changes (the gating, the filters): remembered figures are then measured again."""
MEMO_SIZE = 256


def remembered_loudness(samples: np.ndarray, rate: int, key: str | None = None) -> float:
    """`integrated_loudness`, remembered on disk: the same sound is measured once per install, not at every start.

    pyloudnorm's filters come from scipy, about 90 MB resident in a process that otherwise never needs
    it (measured: the listen process's peak memory). A chime is the same sound every time, so its own
    digest is the key; a neural voice's calibration paragraph comes out a little different at each
    render (its noise), so the caller names what is measured instead (`key`: the voice and its profile).
    """
    x = np.ascontiguousarray(as_float(samples))
    name = _memo_name(rate, key, x)
    known = _remembered(name)
    if known is not None:
        return known
    value = integrated_loudness(x, rate)
    memo = _memo()
    if np.isfinite(value):
        with _MEMO_LOCK:
            memo[name] = value
            while len(memo) > MEMO_SIZE:
                memo.pop(next(iter(memo)))
            _save_memo(dict(memo))
    return value


def known_loudness(rate: int, key: str) -> float | None:
    """The loudness remembered under `key` (see `remembered_loudness`), or None: lets a voice skip rendering its
    calibration paragraph at start-up (Piper: about 50 MB of peak memory and a second or two of both cores)."""
    return _remembered(_memo_name(rate, key, None))


def _memo_name(rate: int, key: str | None, x: np.ndarray | None) -> str:
    own = b"" if key or x is None else x.tobytes()
    return hashlib.sha256(f"{MEMO_FORMAT}|{rate}|{key}".encode() + own).hexdigest()[:24]


def _remembered(name: str) -> float | None:
    memo = _memo()
    with _MEMO_LOCK:
        known = memo.get(name)
    return float(known) if isinstance(known, (int, float)) else None


_MEMO_LOCK = threading.Lock()


def _memo_path() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("tandem")) / "speak" / "loudness.json"


@lru_cache(maxsize=1)
def _memo() -> dict[str, float]:
    try:
        data = json.loads(_memo_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # missing or damaged: measured again and rewritten
    return {k: v for k, v in data.items() if isinstance(v, (int, float))} if isinstance(data, dict) else {}


def _save_memo(memo: dict[str, float]) -> None:
    from assistant.recognize.model_cache import write_atomic

    try:
        write_atomic(_memo_path(), json.dumps(memo, indent=0))
    except OSError as error:  # a read-only home: measured at every start, nothing lost
        log.info("loudness not remembered: %s", error)


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
