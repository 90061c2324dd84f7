"""The barista recordings split once, for good, into a tune half and a held-out half.

The 124 recordings are all the real human speech the project has. Anything tuned on them (engine
settings, prompts, arbitration weights, matcher tolerance) is tuned on the tune half only; the
held-out half is the headline figure. The split is a stable hash of the file name (sha256, last
bit), so it never changes and needs no list: 66 files tune, 58 held out.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

TUNE = "tune"
HELD_OUT = "held-out"


def half(name: str | Path) -> str:
    """`TUNE` or `HELD_OUT` for a recording's file name."""
    digest = hashlib.sha256(Path(name).name.encode("utf-8")).hexdigest()
    return TUNE if int(digest, 16) % 2 == 0 else HELD_OUT


def split(paths: list[Path]) -> dict[str, list[Path]]:
    """The paths grouped by half (order kept)."""
    out: dict[str, list[Path]] = {TUNE: [], HELD_OUT: []}
    for path in paths:
        out[half(path)].append(path)
    return out
