"""A satellite's microphone stream as timestamped `AudioChunk`s on the session clock.

Chunks arrive over the network in bursts; their timestamps count samples from the moment the
stream (re)started, so voice detection sees one continuous input, and they are re-anchored to the
clock only when the count and the clock disagree by more than `resync` seconds (a stall, a
reconnect): the voice detector then sees a gap and closes any utterance cleanly.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from assistant.clock import Clock
from assistant.messages import SAMPLE_RATE, AudioChunk


class AudioFeed:
    def __init__(self, clock: Clock, max_seconds: float = 30.0, resync: float = 1.0) -> None:
        self.clock = clock
        self.resync = resync
        self.queue: queue.Queue[AudioChunk] = queue.Queue(maxsize=max(16, round(max_seconds / 0.064)))
        self.dropped = 0
        """Chunks dropped because the room's loop fell `max_seconds` behind."""
        self.received_seconds = 0.0
        self._origin: float | None = None
        self._count = 0
        self._lock = threading.Lock()

    def restart(self) -> None:
        """A new connection: the next chunk starts a new stretch of timeline."""
        with self._lock:
            self._origin = None

    def push(self, pcm: bytes) -> None:
        """Called on the network thread for each chunk (16 kHz 16-bit mono bytes)."""
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.int16)
        if len(samples) == 0:
            return
        now = self.clock.now()
        with self._lock:
            if self._origin is None or abs(self._origin + (self._count + len(samples)) / SAMPLE_RATE - now) > self.resync:
                self._origin = now - len(samples) / SAMPLE_RATE
                self._count = 0
            chunk = AudioChunk(samples, self._origin + self._count / SAMPLE_RATE, SAMPLE_RATE)
            self._count += len(samples)
        self.received_seconds += chunk.duration
        try:
            self.queue.put_nowait(chunk)
        except queue.Full:
            self.dropped += 1
