"""One voice, two places: the speaker and a WAV file (`tandem demo --realtime`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from assistant.speak.output import PlayHandle


class TeeOutput:
    """Plays everything on each output; the first one's timeline is the one the loop listens to."""

    def __init__(self, first: Any, *others: Any) -> None:
        self.outputs = (first, *others)

    def play(self, samples: np.ndarray, rate: int, label: str = "") -> PlayHandle:
        handles = [output.play(samples, rate, label) for output in self.outputs]
        return handles[0]

    def stop(self) -> None:
        for output in self.outputs:
            output.stop()

    def busy_until(self) -> float:
        return self.outputs[0].busy_until()

    def is_playing(self, t: float) -> bool:
        return self.outputs[0].is_playing(t)

    def overlaps(self, t0: float, t1: float, tail: float = 0.0) -> bool:
        return self.outputs[0].overlaps(t0, t1, tail)

    def spans(self, since: float = float("-inf")) -> list[PlayHandle]:
        return self.outputs[0].spans(since)

    def close(self) -> None:
        for output in self.outputs:
            output.close()
