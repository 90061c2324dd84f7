"""Voice activity detection that learns the kitchen: an adaptive noise floor per frequency band.

A running kitchen (extractor fan, tap, radio, clatter) is loud but mostly *steady* and sits in its
own bands; speech comes and goes across the speech bands. So each 20 ms frame is split into bands,
each band's noise floor is a low percentile of its recent energies (it rises slowly as noise grows
and falls at once when noise stops), and a frame is speech when it stands out from that floor by
`margin_db` on average. Speech must persist (`start_min` within `start_window`) before an utterance
opens, so a clink of cutlery does not; it closes after `end_silence` of quiet, quickly, because
reply latency waits on it.

Feeding a recognizer:
- batch: decode `speech_end.audio` (the whole utterance, with `pre_roll` before and the silence after);
- streaming: on `speech_start` feed its `audio` (pre-roll and speech so far), then feed each later
  chunk's samples while `in_speech` was true after `feed`, and finish on `speech_end`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from assistant.messages import SAMPLE_RATE, AudioChunk


@dataclass(frozen=True)
class VadEvent:
    """Speech began or ended. Times are input seconds (`AudioChunk.timestamp` scale)."""

    kind: str
    """"speech_start" or "speech_end"."""
    t: float
    """Start of the first speech frame (speech_start) or end of the last one (speech_end)."""
    audio: np.ndarray
    """int16 mono: speech_start, the pre-roll and speech so far; speech_end, the whole utterance."""
    start: float = 0.0
    """Input time of `audio[0]`."""
    reason: str = ""
    """Why a speech_end came: "silence", "max_length", "gap" (input jumped) or "flush"."""

    @property
    def duration(self) -> float:
        return len(self.audio) / SAMPLE_RATE


@dataclass(frozen=True)
class VadSettings:
    """Tuning, in seconds and decibels. Defaults were tuned on barista speech in kitchen noise at 6-24 dB SNR."""

    end_silence: float = 0.3
    """Quiet after speech that ends an utterance."""
    pre_roll: float = 0.3
    """Audio kept before the detected start (soft onsets such as "h" of "hey")."""
    margin_db: float = 6.0
    """How far above the noise floor a frame must stand (mean over bands) to count as speech."""
    start_window: float = 0.2
    start_min: float = 0.12
    """Seconds of speech frames needed within `start_window` to open an utterance."""
    max_utterance: float = 15.0
    """An utterance is cut here, so a radio talking on and on cannot hold the recognizer forever."""
    floor_window: float = 4.0
    """Seconds of history the noise floor is taken from."""
    floor_percentile: float = 20.0
    min_level_db: float = 20.0
    """Frames quieter than this (dB re one int16 step, RMS) are never speech: digital silence, dither."""


FRAME = 320  # 20 ms at 16 kHz
FFT = 512
BANDS = 18
LOW_HZ, HIGH_HZ = 200.0, 5000.0


def _band_matrix(rate: int) -> np.ndarray:
    """(BANDS, FFT//2+1) 0/1 matrix grouping FFT bins into log-spaced bands."""
    edges = np.geomspace(LOW_HZ, min(HIGH_HZ, rate / 2 * 0.95), BANDS + 1)
    freqs = np.fft.rfftfreq(FFT, 1 / rate)
    m = np.zeros((BANDS, len(freqs)))
    for b in range(BANDS):
        sel = (freqs >= edges[b]) & (freqs < edges[b + 1])
        if not sel.any():
            sel[np.argmin(np.abs(freqs - (edges[b] + edges[b + 1]) / 2))] = True
        m[b, sel] = 1.0 / sel.sum()
    return m


class Vad:
    """Feed `AudioChunk`s (16 kHz int16 mono, contiguous); get `VadEvent`s."""

    def __init__(self, settings: VadSettings | None = None, rate: int = SAMPLE_RATE) -> None:
        self.settings = s = settings or VadSettings()
        self.rate = rate
        self._frame_s = FRAME / rate
        self._window = np.hanning(FRAME)
        self._bands = _band_matrix(rate)
        self._history = np.zeros((max(10, round(s.floor_window / self._frame_s)), BANDS))
        self._filled = 0
        self._floor = np.zeros(BANDS)
        self._since_floor = 0
        self._start_frames = max(1, round(s.start_window / self._frame_s))
        self._start_need = max(1, round(s.start_min / self._frame_s))
        self._end_frames = max(1, round(s.end_silence / self._frame_s))
        self._pre_frames = max(0, round(s.pre_roll / self._frame_s))
        self._recent: deque[np.ndarray] = deque(maxlen=self._pre_frames + self._start_frames)
        self._flags: deque[bool] = deque(maxlen=self._start_frames)
        self._pending = np.zeros(0, dtype=np.int16)
        self._frames_done = 0  # frames processed since `_origin`
        self._origin: float | None = None
        self._expected: float | None = None
        self._utterance: list[np.ndarray] = []
        self._utt_start = 0  # frame index of the utterance audio's first frame
        self._speech_start = 0
        self._last_speech = 0  # frame index of the last speech frame
        self.in_speech = False
        self.last_score = 0.0

    @property
    def floor_db(self) -> float:
        """The noise floor, averaged over bands (dB re one int16 step): for diagnostics and benchmarks."""
        return float(np.mean(self._floor))

    def _time(self, frame_index: int) -> float:
        return (self._origin or 0.0) + frame_index * self._frame_s

    def feed(self, chunk: AudioChunk) -> list[VadEvent]:
        """Process one chunk; return the events it caused (usually none)."""
        events: list[VadEvent] = []
        if self._expected is not None and abs(chunk.timestamp - self._expected) > 0.05:
            events += self.flush("gap")  # the input jumped (reopened microphone): start over, keep the floor
            self._pending = np.zeros(0, dtype=np.int16)
            self._recent.clear()
            self._flags.clear()
            self._origin = None
        if self._origin is None:
            self._origin = chunk.timestamp - len(self._pending) / self.rate
            self._frames_done = 0
        self._expected = chunk.timestamp + len(chunk.samples) / chunk.rate
        data = np.concatenate([self._pending, np.asarray(chunk.samples, dtype=np.int16)])
        n = len(data) // FRAME
        for i in range(n):
            events += self._frame(data[i * FRAME:(i + 1) * FRAME])
        self._pending = data[n * FRAME:]
        if events and events[-1].kind == "speech_start" and len(self._pending):
            # Give the streaming recognizer everything fed so far.
            last = events[-1]
            events[-1] = VadEvent(last.kind, last.t, np.concatenate([last.audio, self._pending]), last.start)
            self._utterance.append(self._pending.copy())
            self._pending_in_utt = len(self._pending)
        return events

    _pending_in_utt = 0

    def _score(self, frame: np.ndarray) -> tuple[float, float]:
        x = frame.astype(np.float64)
        level = 10 * np.log10(np.mean(x * x) + 1.0)
        spectrum = np.abs(np.fft.rfft(x * self._window, FFT)) ** 2
        bands = 10 * np.log10(self._bands @ spectrum + 1.0)
        self._history[self._frames_done % len(self._history)] = bands
        self._filled = min(self._filled + 1, len(self._history))
        self._since_floor += 1
        if self._filled <= 10 or self._since_floor >= 5:
            self._floor = np.percentile(self._history[: self._filled], self.settings.floor_percentile, axis=0)
            self._since_floor = 0
        score = float(np.mean(np.clip(bands - self._floor, 0.0, 40.0)))
        return score, level

    def _frame(self, frame: np.ndarray) -> list[VadEvent]:
        s = self.settings
        score, level = self._score(frame)
        self.last_score = score
        speech = score > s.margin_db and level > s.min_level_db
        index = self._frames_done
        self._frames_done += 1
        events: list[VadEvent] = []
        if not self.in_speech:
            self._recent.append(frame)
            self._flags.append(speech)
            if speech and sum(self._flags) >= self._start_need:
                first = index - len(self._flags) + 1 + list(self._flags).index(True)
                self._speech_start = first
                self._last_speech = index
                self._utterance = list(self._recent)
                self._utt_start = index - len(self._recent) + 1
                # Keep no more pre-roll than asked for.
                extra = (first - self._utt_start) - self._pre_frames
                if extra > 0:
                    self._utterance = self._utterance[extra:]
                    self._utt_start += extra
                self._pending_in_utt = 0
                self.in_speech = True
                audio = np.concatenate(self._utterance)
                events.append(VadEvent("speech_start", self._time(first), audio, self._time(self._utt_start)))
            return events
        if self._pending_in_utt:
            # The tail of the previous chunk already went out with speech_start: replace it by this frame.
            self._utterance[-1] = self._utterance[-1][: len(self._utterance[-1]) - self._pending_in_utt]
            self._pending_in_utt = 0
        self._utterance.append(frame)
        if speech:
            self._last_speech = index
        if index - self._last_speech >= self._end_frames:
            events.append(self._close("silence"))
        elif (index + 1 - self._utt_start) * self._frame_s >= s.max_utterance:
            events.append(self._close("max_length"))
        return events

    def _close(self, reason: str) -> VadEvent:
        audio = np.concatenate(self._utterance) if self._utterance else np.zeros(0, dtype=np.int16)
        event = VadEvent("speech_end", self._time(self._last_speech + 1), audio, self._time(self._utt_start), reason)
        self.in_speech = False
        self._utterance = []
        self._pending_in_utt = 0
        self._recent.clear()
        self._flags.clear()
        return event

    def flush(self, reason: str = "flush") -> list[VadEvent]:
        """End of input: close an open utterance (with whatever audio is buffered)."""
        if not self.in_speech:
            return []
        if self._pending_in_utt:
            self._pending_in_utt = 0  # already part of the utterance
        elif len(self._pending):
            self._utterance.append(self._pending)
        return [self._close(reason)]
