"""Resampling a live stream block by block, with the same result as resampling it whole.

A microphone that only runs at 44.1 or 48 kHz still has to feed the 16 kHz recognizers. Resampling
each block on its own would click at every block edge, so this keeps enough input history for the
polyphase filter and only emits output samples whose whole filter support has arrived.
"""

from __future__ import annotations

from math import ceil, gcd

import numpy as np
from scipy.signal import resample_poly


class StreamResampler:
    """Feed float blocks at `rate_in`, get float blocks at `rate_out` (delayed by a few ms)."""

    def __init__(self, rate_in: int, rate_out: int) -> None:
        g = gcd(rate_in, rate_out)
        self.up = rate_out // g
        self.down = rate_in // g
        # scipy's default filter spans 10 * max(up, down) samples each side at the upsampled rate.
        self._margin = ceil(10 * max(self.up, self.down) / self.up) + 2
        self._buf = np.zeros(0, dtype=np.float32)
        self._buf_start = 0  # absolute input index of _buf[0], always a multiple of `down`
        self._out_next = 0  # absolute index of the next output sample

    def process(self, block: np.ndarray) -> np.ndarray:
        """Append input; return every output sample that can now be computed exactly."""
        if self.up == self.down:
            return np.asarray(block, dtype=np.float32)
        self._buf = np.concatenate([self._buf, np.asarray(block, dtype=np.float32)])
        return self._emit(self._buf_start + len(self._buf) - self._margin)

    def flush(self) -> np.ndarray:
        """The remaining output at the end of the stream (the signal is taken as silent after it)."""
        if self.up == self.down:
            return np.zeros(0, dtype=np.float32)
        end = self._buf_start + len(self._buf)
        return self._emit(end, total=end)

    def _emit(self, ready_in: int, total: int | None = None) -> np.ndarray:
        last = (ready_in * self.up) // self.down if total is None else ceil(total * self.up / self.down)
        if last <= self._out_next:
            return np.zeros(0, dtype=np.float32)
        first_in = max(0, (self._out_next * self.down) // self.up - self._margin)
        w0 = max(self._buf_start, (first_in // self.down) * self.down)
        y = resample_poly(self._buf[w0 - self._buf_start:], self.up, self.down)
        base = (w0 * self.up) // self.down
        out = y[self._out_next - base:last - base].astype(np.float32)
        self._out_next += len(out)
        keep = max(self._buf_start, ((self._out_next * self.down) // self.up - self._margin) // self.down * self.down)
        self._buf = self._buf[keep - self._buf_start:]
        self._buf_start = keep
        return out
