"""Where heard audio comes from: a WAV recording or the live microphone, as `AudioChunk`s.

Both are plain iterables of timestamped chunks, so the loop cannot tell them apart (a WAV file
stands in for the microphone in tests and benchmarks). The microphone keeps ONE sounddevice input
stream open for the session; its callback only copies frames into a queue, because anything slower
there (allocation-heavy work, I/O, locks) makes PortAudio drop audio.
"""

from __future__ import annotations

import os
import queue
from typing import Any, Callable, Iterator, TypeVar

import numpy as np

from assistant.audio.devices import DeviceInfo, find_device, load_sounddevice
from assistant.audio.resample import StreamResampler
from assistant.audio.wavio import read_wav, to_int16
from assistant.clock import Clock
from assistant.errors import AudioError, DeviceLost
from assistant.messages import SAMPLE_RATE, AudioChunk

T = TypeVar("T")


class WavSource:
    """A recording played as if it were the microphone: chunks of `chunk_seconds` with timestamps.

    With a `clock`, each chunk is released when its last sample would have been heard (the clock's
    `sleep_until`): real-time pace on a `RealClock`, and on a `VirtualClock` the clock simply follows
    the audio, so timers and speech stay on one timeline faster than real time.
    """

    def __init__(self, path: str | os.PathLike | None, chunk_seconds: float = 0.02, *,
                 clock: Clock | None = None, rate: int = SAMPLE_RATE, samples: np.ndarray | None = None) -> None:
        if chunk_seconds <= 0:
            raise ValueError("chunk_seconds must be positive")
        self.path = path
        self.rate = rate
        self.samples = read_wav(path, rate) if samples is None else np.asarray(samples, dtype=np.int16)
        self.chunk = max(1, round(chunk_seconds * rate))
        self.clock = clock

    @classmethod
    def from_samples(cls, samples: np.ndarray, rate: int = SAMPLE_RATE, chunk_seconds: float = 0.02,
                     clock: Clock | None = None) -> "WavSource":
        """The same source over audio already in memory (int16 mono at `rate`)."""
        return cls(None, chunk_seconds, clock=clock, rate=rate, samples=samples)

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate

    def __len__(self) -> int:
        return -(-len(self.samples) // self.chunk)

    def __iter__(self) -> Iterator[AudioChunk]:
        origin = self.clock.now() if self.clock else 0.0
        for start in range(0, len(self.samples), self.chunk):
            block = self.samples[start:start + self.chunk]
            if self.clock:
                self.clock.sleep_until(origin + (start + len(block)) / self.rate)
            yield AudioChunk(block, start / self.rate, self.rate)


class MicSource:
    """The live microphone: one input stream, int16 mono at `rate` (the device's rate resampled if need be).

    `device` is an index, a name substring, or None for the default. Iterating yields chunks whose
    timestamps count samples from `origin` (pass the previous stream's end when reopening after a
    lost device, so the session timeline stays continuous). If no audio arrives for `stall_seconds`
    or PortAudio ends the stream, iteration raises `DeviceLost`.
    """

    def __init__(self, device: int | str | None = None, rate: int = SAMPLE_RATE, chunk_seconds: float = 0.02, *,
                 origin: float = 0.0, stall_seconds: float = 2.0, queue_seconds: float = 30.0,
                 sd: Any | None = None) -> None:
        self._sd = sd or load_sounddevice()
        self.info: DeviceInfo = find_device(device, "input", self._sd)
        self.rate = rate
        self.origin = origin
        self.stall_seconds = stall_seconds
        self.overflows = 0
        """Callbacks that reported an input overflow (audio PortAudio had to drop)."""
        self.dropped = 0
        """Blocks dropped because nobody read the queue for `queue_seconds`."""
        self._closed = False
        self.device_rate, self.channels = self._pick_format()
        block = max(1, round(chunk_seconds * self.device_rate))
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=max(4, round(queue_seconds / chunk_seconds)))
        self._resampler = StreamResampler(self.device_rate, rate) if self.device_rate != rate else None
        try:
            self._stream = self._sd.InputStream(
                device=self.info.index, channels=self.channels, samplerate=self.device_rate, dtype="int16",
                blocksize=block, callback=self._callback, finished_callback=self._finished)
            self._stream.start()
        except Exception as error:  # sounddevice.PortAudioError and friends
            raise AudioError(f"cannot open the microphone {self.info.name!r} ({error})",
                             "check it is plugged in and not used by another program; see `tandem devices`") from None

    def _pick_format(self) -> tuple[int, int]:
        """(rate, channels): 16 kHz mono when the device takes it, else its own rate and/or two channels,
        converted on our side (never in the callback)."""
        rates = [self.rate] + ([int(self.info.rate)] if int(self.info.rate) not in (0, self.rate) else [])
        channels = [1] + ([2] if self.info.inputs >= 2 else [])
        for ch in channels:
            for rate in rates:
                try:
                    self._sd.check_input_settings(device=self.info.index, channels=ch, dtype="int16", samplerate=rate)
                    return rate, ch
                except Exception:  # PortAudioError: this combination is not supported
                    continue
        return rates[-1], 1  # let InputStream report the real problem

    # PortAudio's thread: copy and enqueue, nothing else.
    def _callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        if status:
            self.overflows += 1
        try:
            self._queue.put_nowait(indata.copy())
        except queue.Full:
            self.dropped += 1

    def _finished(self) -> None:
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            pass

    def __iter__(self) -> Iterator[AudioChunk]:
        position = 0
        while True:
            try:
                block = self._queue.get(timeout=self.stall_seconds)
            except queue.Empty:
                block = None
            if block is None:
                if self._closed:
                    tail = to_int16(self._resampler.flush()) if self._resampler else None
                    if tail is not None and len(tail):
                        yield AudioChunk(tail, self.origin + position / self.rate, self.rate)
                    return
                self._release()  # free the dead stream now; the loop opens a new MicSource
                raise DeviceLost(f"the microphone {self.info.name!r} stopped sending audio",
                                 "check its cable or USB port; Tandem keeps retrying")
            samples = block.reshape(-1) if self.channels == 1 else block.mean(axis=1).astype(np.int16)
            if self._resampler:
                samples = to_int16(self._resampler.process(samples.astype(np.float32) / 32768.0))
            if len(samples):
                yield AudioChunk(samples, self.origin + position / self.rate, self.rate)
                position += len(samples)

    def close(self) -> None:
        """Stop and close the stream (iteration then ends quietly)."""
        if self._closed:
            return
        self._closed = True
        self._release()
        self._finished()

    def _release(self) -> None:
        try:
            self._stream.stop()
            self._stream.close()
        except Exception:  # a vanished device cannot be closed cleanly; it is gone either way
            pass

    def __enter__(self) -> "MicSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def reopen_with_backoff(factory: Callable[[], T], clock: Clock, max_wait: float | None = None, *,
                        first_delay: float = 0.5, max_delay: float = 30.0,
                        on_retry: Callable[[int, float, AudioError], None] | None = None) -> T:
    """Call `factory` until it stops raising `AudioError`, waiting 0.5, 1, 2, 4... s (capped) between tries.

    Gives up after `max_wait` seconds in total (None: never), re-raising the last error.
    `on_retry(attempt, delay, error)` lets the loop log each failure.
    """
    start = clock.now()
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            return factory()
        except AudioError as error:
            waited = clock.now() - start
            if max_wait is not None and waited + delay > max_wait:
                raise
            if on_retry:
                on_retry(attempt, delay, error)
            clock.sleep_until(clock.now() + delay)
            delay = min(delay * 2, max_delay)
