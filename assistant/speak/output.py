"""Where Tandem's voice and chimes go: the speaker, a WAV file on the session timeline, or nowhere.

Every output keeps a timeline in `Clock` seconds: `play` places audio after whatever is already
queued and says exactly when it will start and end. The loop uses those spans to ignore its own voice
(never hear yourself) and tells the dialog when speech ends so timers start after it. `stop()` cuts
what is playing now and drops what is queued, which is what "stop" must do.
"""

from __future__ import annotations

import os
import threading
import wave
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from assistant.audio.devices import find_device, load_sounddevice
from assistant.audio.wavio import resample, to_int16
from assistant.clock import Clock, RealClock
from assistant.errors import AudioError, DeviceLost
from assistant.messages import SAMPLE_RATE

FADE_SECONDS = 0.008
"""Ramp applied where `stop()` cuts a sound, so the cut does not click."""


@dataclass(frozen=True)
class PlayHandle:
    """When one sound plays, in Clock seconds (`end` as scheduled; `stop()` may cut it shorter)."""

    start: float
    end: float
    label: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start


class AudioOutput(Protocol):
    def play(self, samples: np.ndarray, rate: int, label: str = "") -> PlayHandle:
        """Queue int16 mono audio after whatever is queued; return when it will play."""

    def stop(self) -> None:
        """Cut what is playing now and drop everything queued."""

    def busy_until(self) -> float:
        """Clock time when everything queued will have played (now, when idle)."""

    def is_playing(self, t: float) -> bool:
        """True when some sound is (or was) playing at Clock time `t`."""

    def overlaps(self, t0: float, t1: float, tail: float = 0.0) -> bool:
        """True when any sound played between `t0` and `t1` (each extended by `tail` seconds of echo)."""

    def spans(self, since: float = float("-inf")) -> list[PlayHandle]:
        """What played or will play, with real ends after any `stop()`, ending after `since`."""

    def close(self) -> None:
        """Finish: release the device or write the file."""


class _Timeline:
    """The bookkeeping every output shares: scheduled spans, cut by `stop()`."""

    def __init__(self, clock: Clock, keep: int = 1024) -> None:
        self.clock = clock
        self._spans: deque[list[Any]] = deque(maxlen=keep)  # [start, end, label], newest last
        self._busy = float("-inf")
        self._lock = threading.Lock()

    def _schedule(self, duration: float, label: str, lead: float = 0.0) -> PlayHandle:
        start = max(self.clock.now() + lead, self._busy)
        end = start + duration
        self._spans.append([start, end, label])
        self._busy = end
        return PlayHandle(start, end, label)

    def _cut_spans(self, now: float) -> None:
        for span in list(self._spans):
            if span[0] >= now:
                self._spans.remove(span)
            elif span[1] > now:
                span[1] = now
        self._busy = min(self._busy, now)

    def busy_until(self) -> float:
        with self._lock:
            return max(self._busy, self.clock.now())

    def is_playing(self, t: float) -> bool:
        with self._lock:
            return any(s <= t < e for s, e, _ in self._spans)

    def overlaps(self, t0: float, t1: float, tail: float = 0.0) -> bool:
        """True when any sound played between `t0` and `t1` (each sound extended by `tail` seconds of echo)."""
        with self._lock:
            return any(s < t1 and e + tail > t0 for s, e, _ in self._spans)

    def spans(self, since: float = float("-inf")) -> list[PlayHandle]:
        with self._lock:
            return [PlayHandle(s, e, label) for s, e, label in self._spans if e > since]


class NullOutput(_Timeline):
    """Plays nothing but keeps the timeline: typed chat, soak runs, tests of the loop."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)

    def play(self, samples: np.ndarray, rate: int, label: str = "") -> PlayHandle:
        with self._lock:
            return self._schedule(len(samples) / rate, label)

    def stop(self) -> None:
        with self._lock:
            self._cut_spans(self.clock.now())

    def close(self) -> None:
        pass


def _fade_out(x: np.ndarray, rate: int) -> np.ndarray:
    n = min(len(x), max(1, round(FADE_SECONDS * rate)))
    y = x.astype(np.float32)
    y[len(y) - n:] *= np.linspace(1.0, 0.0, n, dtype=np.float32)
    return np.round(y).astype(np.int16)


class WavTimelineOutput(_Timeline):
    """Writes everything said and chimed into ONE WAV, each sound at its Clock time, silence between.

    Time `origin` (default: the clock at construction) is sample 0 of the file, so in a 90-second hug
    run on a virtual clock the end chime sits at ~90 s. Sounds are written out once they are in the
    past (they can no longer be cut), so a long session does not pile up in memory. `close()`
    finishes the file, padded with silence up to the clock's present.
    """

    def __init__(self, path: str | os.PathLike, clock: Clock, rate: int = SAMPLE_RATE,
                 origin: float | None = None) -> None:
        super().__init__(clock)
        self.path = path
        self.rate = rate
        self.origin = clock.now() if origin is None else origin
        self._pending: list[list[Any]] = []  # [first sample index, int16 samples]
        self._written = 0
        self._last_end = 0
        try:
            self._raw = open(path, "wb")  # opened here, not by `wave`, whose half-made writer complains when it fails
        except OSError as error:
            raise AudioError(f"{path}: cannot write the output WAV ({error.strerror})",
                             "check that the folder exists and is writable") from None
        self._file = wave.open(self._raw, "wb")
        self._file.setnchannels(1)
        self._file.setsampwidth(2)
        self._file.setframerate(rate)

    def play(self, samples: np.ndarray, rate: int, label: str = "") -> PlayHandle:
        x = np.asarray(samples)
        if rate != self.rate:
            x = to_int16(resample(x.astype(np.float32) / 32768.0, rate, self.rate))
        with self._lock:
            handle = self._schedule(len(x) / self.rate, label)
            first = max(round((handle.start - self.origin) * self.rate), self._last_end)
            self._pending.append([first, x.astype(np.int16, copy=False)])
            self._last_end = first + len(x)
            self._flush(self.clock.now())
        return handle

    def stop(self) -> None:
        with self._lock:
            now = self.clock.now()
            self._cut_spans(now)
            cut = round((now - self.origin) * self.rate)
            kept = []
            for first, x in self._pending:
                if first >= cut:
                    continue
                if first + len(x) > cut:
                    x = _fade_out(x[: cut - first], self.rate)
                kept.append([first, x])
            self._pending = kept
            self._last_end = max([self._written] + [f + len(x) for f, x in kept])

    def _pad_to(self, index: int) -> None:
        block = np.zeros(self.rate, dtype="<i2")
        while self._written < index:
            n = min(len(block), index - self._written)
            self._file.writeframes(block[:n].tobytes())
            self._written += n

    def _flush(self, now: float, everything: bool = False) -> None:
        """Write out the sounds that are wholly in the past (or all of them)."""
        done = round((now - self.origin) * self.rate)
        while self._pending and (everything or self._pending[0][0] + len(self._pending[0][1]) <= done):
            first, x = self._pending.pop(0)
            self._pad_to(first)
            x = x[self._written - first:] if first < self._written else x
            self._file.writeframes(x.astype("<i2", copy=False).tobytes())
            self._written += len(x)

    def close(self) -> None:
        with self._lock:
            if self._file is None:
                return
            self._flush(self.clock.now(), everything=True)
            self._pad_to(round((self.clock.now() - self.origin) * self.rate))
            self._file.close()
            self._raw.close()
            self._file = None  # type: ignore[assignment]

    def __enter__(self) -> "WavTimelineOutput":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SoundDeviceOutput(_Timeline):
    """The speaker: ONE sounddevice output stream for the session.

    `play` resamples and queues a whole prepared buffer; the PortAudio callback only copies queued
    buffers into the device (silence when there are none), never synthesises or allocates much.
    `stop()` bumps a generation number; the callback drops any buffer from an older generation.
    """

    def __init__(self, device: int | str | None = None, clock: Clock | None = None, rate: int | None = None, *,
                 latency: float = 0.05, sd: Any | None = None) -> None:
        super().__init__(clock or RealClock())
        self._sd = sd or load_sounddevice()
        self.info = find_device(device, "output", self._sd)
        self.rate = int(rate or self.info.rate or 48_000)
        self.latency = latency
        self.lost = False
        self._queue: deque[tuple[int, np.ndarray]] = deque()
        self._generation = 0
        self._current: np.ndarray | None = None
        self._current_gen = 0
        self._pos = 0
        self.channels = 1
        for channels in (1, 2) if self.info.outputs >= 2 else (1,):  # some devices only take stereo
            try:
                self.channels = channels
                self._stream = self._sd.OutputStream(
                    device=self.info.index, channels=channels, samplerate=self.rate, dtype="int16",
                    callback=self._callback, finished_callback=self._finished, latency="low")
                self._stream.start()
                break
            except Exception as error:  # sounddevice.PortAudioError and friends
                failure = error
        else:
            raise AudioError(f"cannot open the speaker {self.info.name!r} ({failure})",
                             "check it is plugged in and not used by another program; see `tandem devices`")
        reported = getattr(self._stream, "latency", None)
        if isinstance(reported, (int, float)) and reported > 0:
            self.latency = float(reported)  # what PortAudio says sound takes to reach the air

    # PortAudio's thread: copy queued samples out, nothing else.
    def _callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        out = outdata[:, 0]
        filled = 0
        while filled < frames:
            if self._current is None or self._current_gen != self._generation or self._pos >= len(self._current):
                try:
                    self._current_gen, self._current = self._queue.popleft()
                except IndexError:
                    self._current = None
                    break
                self._pos = 0
                continue
            n = min(frames - filled, len(self._current) - self._pos)
            out[filled:filled + n] = self._current[self._pos:self._pos + n]
            filled += n
            self._pos += n
        out[filled:] = 0
        if self.channels > 1:
            outdata[:, 1:] = outdata[:, :1]

    def _finished(self) -> None:
        self.lost = not self._closing

    _closing = False

    def play(self, samples: np.ndarray, rate: int, label: str = "") -> PlayHandle:
        if self.lost:
            raise DeviceLost(f"the speaker {self.info.name!r} went away", "check its cable or USB port")
        x = np.asarray(samples)
        if rate != self.rate:
            x = to_int16(resample(x.astype(np.float32) / 32768.0, rate, self.rate))
        with self._lock:
            handle = self._schedule(len(x) / self.rate, label, lead=self.latency)
            self._queue.append((self._generation, x.astype(np.int16, copy=False)))
        return handle

    def stop(self) -> None:
        with self._lock:
            self._generation += 1
            self._queue.clear()
            self._cut_spans(self.clock.now())

    def close(self) -> None:
        self._closing = True
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # a vanished device cannot be closed cleanly; it is gone either way
            pass
