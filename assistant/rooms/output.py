"""Tandem's voice and chimes on a satellite's speaker: an `AudioOutput` streamed over Wyoming.

Each sound goes out as `audio-start`, `audio-chunk`s and `audio-stop` (the satellite pipes it to
its `--snd-command`). Sounds keep the output timeline every output keeps (so the speech loop
ignores its own voice, half duplex), and are sent at the pace they play, only `ahead` seconds in
front: "stop" then silences the room within that, because audio already handed to the satellite
cannot be called back. Everything is sent at one rate (22050 Hz, the satellite's default speaker
rate), so it is never resampled twice.

When the satellite is away, what is queued waits for it: a sound still relevant when the room
comes back (its scheduled end no more than `hold` seconds ago, and no "stop" since) is played
then, late, such as the end chime of a hug that went on while the Wi-Fi dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass

import numpy as np
from wyoming.audio import AudioChunk, AudioStart, AudioStop

from assistant.audio.wavio import resample, to_int16
from assistant.clock import Clock
from assistant.rooms.link import SatelliteLink
from assistant.rooms.network import EventLoopThread
from assistant.speak.output import PlayHandle, _Timeline

log = logging.getLogger(__name__)

SATELLITE_RATE = 22_050
"""wyoming-satellite's default `--snd-command-rate` (and espeak-ng's own rate)."""


@dataclass
class _Sound:
    handle: PlayHandle
    pcm: bytes
    generation: int


def wire_audio(samples: np.ndarray, rate: int, to_rate: int = SATELLITE_RATE) -> bytes:
    """int16 mono at `rate` as the bytes sent to a satellite at `to_rate`."""
    x = np.asarray(samples)
    if rate != to_rate:
        x = to_int16(resample(x.astype(np.float32) / 32768.0, rate, to_rate))
    return x.astype("<i2", copy=False).tobytes()


class SatelliteOutput(_Timeline):
    """Plays on one satellite. `play` may be called from any thread; sending runs on `network`."""

    def __init__(self, link: SatelliteLink, network: EventLoopThread, clock: Clock, *,
                 rate: int = SATELLITE_RATE, latency: float = 0.05, ahead: float = 0.3, hold: float = 30.0,
                 chunk_seconds: float = 0.05) -> None:
        super().__init__(clock)
        self.link = link
        self.network = network
        self.rate = rate
        self.latency = latency
        self.ahead = ahead
        self.hold = hold
        self.chunk_bytes = 2 * max(1, round(chunk_seconds * rate))
        self.sent_sounds = 0
        self.late_sounds = 0
        self.dropped_sounds = 0
        self._queue: deque[_Sound] = deque()
        self._generation = 0
        self._closed = False
        self._wake: asyncio.Event | None = None
        self._task = network.submit(self._speaker())

    # --- AudioOutput, any thread ---------------------------------------------------------------
    def play(self, samples: np.ndarray, rate: int, label: str = "") -> PlayHandle:
        pcm = wire_audio(samples, rate, self.rate)
        with self._lock:
            handle = self._schedule(len(pcm) / 2 / self.rate, label, lead=self.latency)
            self._queue.append(_Sound(handle, pcm, self._generation))
        self.poke()
        return handle

    def stop(self) -> None:
        """Cut the timeline now; what is queued (or held for an absent satellite) is dropped, and a sound
        being sent ends at once (its generation is old)."""
        with self._lock:
            self._cut_spans(self.clock.now())
            self.dropped_sounds += len(self._queue)
            self._queue = deque()
            self._generation += 1
        self.poke()

    def poke(self) -> None:
        """Something changed (a sound queued, a stop, the satellite back): let the sender look."""
        if self._wake is not None and not self._closed:
            self.network.call(self._wake.set)

    def close(self) -> None:
        self._closed = True
        self.poke()

    @property
    def generation(self) -> int:
        return self._generation

    # --- the sender, on the rooms' event loop -------------------------------------------------
    async def _speaker(self) -> None:
        self._wake = asyncio.Event()
        while not self._closed:
            sound = self._next()
            if sound is None:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), 1.0)
                except asyncio.TimeoutError:
                    pass
                continue
            await self._send(sound)

    def _next(self) -> _Sound | None:
        """The next sound to send now, dropping what is stale; None: nothing (or the room is away)."""
        if not self.link.connected:
            return None
        now = self.clock.now()
        with self._lock:
            while self._queue:
                sound = self._queue[0]
                if sound.generation != self._generation or sound.handle.end < now - self.hold:
                    self._queue.popleft()
                    self.dropped_sounds += 1
                    continue
                return self._queue.popleft()
        return None

    async def _send(self, sound: _Sound) -> None:
        wait = sound.handle.start - self.clock.now() - self.latency
        if wait > 0:
            await asyncio.sleep(wait)
        begun = self.clock.now()
        late = begun - sound.handle.start > 0.5
        if late:  # held while the room was away: it plays now, and the loop must not hear it as speech
            self.late_sounds += 1
            with self._lock:
                self._spans.append([begun, begun + len(sound.pcm) / 2 / self.rate, sound.handle.label])
        rate, width, channels = self.rate, 2, 1
        if not await self.link.send(AudioStart(rate=rate, width=width, channels=channels).event()):
            self._requeue(sound)
            return
        seconds_per_byte = 1.0 / (2 * rate)
        for offset in range(0, len(sound.pcm), self.chunk_bytes):
            if sound.generation != self._generation or self._closed:
                break
            due = begun + offset * seconds_per_byte - self.ahead
            wait = due - self.clock.now()
            if wait > 0:
                await asyncio.sleep(wait)
            chunk = AudioChunk(rate=rate, width=width, channels=channels,
                               audio=sound.pcm[offset:offset + self.chunk_bytes])
            if not await self.link.send(chunk.event()):
                return  # the room went away mid-sound: what was heard was heard
        await self.link.send(AudioStop().event())
        self.sent_sounds += 1

    def _requeue(self, sound: _Sound) -> None:
        with self._lock:
            self._queue.appendleft(sound)
