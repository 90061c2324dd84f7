"""The speaker: a `Say` becomes paced, streamed speech on an `AudioOutput`; a `Chime` a levelled chime.

Streaming: every sentence of a line is sent to the engine at once (one worker renders them in
order); the first is queued on the output the moment it is ready, so a long reply sounds as soon as
its first sentence does, and the rest follow, each after the pace's pause. A long first sentence is
cut after its first clause (at a comma), so even it starts after a few words are rendered. The pace comes from the
line (a ritual's `pace:` in rituals.yaml), else the bedtime pace inside voice.yaml's bedtime
hours, else normal. Words engines say wrong are respelled (voice.yaml and config `pronounce`).

A sentence the engine fails on is said by the fallback engine (pyttsx3) instead, and the switch is
logged through `on_event`: Tandem is never silent without a word why.

The loop hands each `Say` to `say()` and each `Chime` to `chime()`; anything else that speaks (a
satellite in another room, `tandem say`) does the same with its own output.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from assistant.clock import Clock
from assistant.errors import TandemError
from assistant.messages import SAMPLE_RATE, Say
from assistant.speak.chimes import chime as chime_samples
from assistant.speak.output import AudioOutput, PlayHandle
from assistant.speak.profile import Pace, VoiceProfile
from assistant.speak.synth import Synth
from assistant.speak.text import respell, sentences, split_first_clause

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Spoken(PlayHandle):
    """A line on the output's timeline (`start` of its first sound, `end` of its last) and how it went."""

    first_sound: float = 0.0
    """Seconds (perf counter) from `say()` being called to the first sentence being queued to play."""
    sentences: int = 0
    engine: str = ""
    pace: str = "normal"


class Speaker:
    """Speaks `Say`s and plays `Chime`s on one output, at the voice profile's paces and loudness."""

    def __init__(self, synth: Synth, output: AudioOutput, *, clock: Clock | None = None,
                 profile: VoiceProfile | None = None, on_event: Callable[..., None] | None = None,
                 fallback: Callable[[], Synth] | None = None) -> None:
        self.synth = synth
        self.output = output
        self.clock = clock or getattr(output, "clock", None)
        self.profile: VoiceProfile = profile or getattr(synth, "profile", None) or _default_profile()
        self.on_event = on_event or (lambda event, **details: None)
        self._fallback = fallback or self._pyttsx3
        self.chime_rate = int(getattr(output, "rate", SAMPLE_RATE))
        """Chimes are synthesised at the output's own rate: never resampled, so their edges stay smooth."""

    # ---- speech --------------------------------------------------------------------------
    def pace_of(self, say: Say) -> Pace:
        when = self.clock.wall() if self.clock is not None else None
        return self.profile.pace_for(getattr(say, "pace", "") or None, when)

    def say(self, say: Say) -> Spoken:
        """Queue `say` on the output, sentence by sentence as each is rendered; return its whole span.

        Returns once every sentence is queued (the first is already sounding by then). Raises
        `TandemError` only when no engine, fallback included, can say it.
        """
        began = time.perf_counter()
        pace = self.pace_of(say)
        parts = sentences(respell(say.text, self.profile.pronounce))
        count = len(parts)
        pauses = [0.0] + [pace.pause] * (len(parts) - 1)
        clause = split_first_clause(parts[0]) if parts else None
        if clause is not None:  # a long first sentence: its first clause alone, so the first sound comes sooner
            parts[:1] = clause
            pauses[1:1] = [pace.clause_pause]
        if not parts:
            handle = self.output.play(np.zeros(0, dtype=np.int16), self.synth.rate, label=say.key)
            return Spoken(handle.start, handle.end, say.key, 0.0, 0, self.synth.name, pace.name)
        synth = self.synth
        pending = [synth.render(part, pace) for part in parts]  # one worker renders them in order
        first: PlayHandle | None = None
        last: PlayHandle | None = None
        first_sound = 0.0
        for i, part in enumerate(parts):
            samples, rate = self._result(pending[i], part, pace, synth)
            if self.synth is not synth:  # fell back mid-line: the rest comes from the fallback engine too
                synth = self.synth
                pending[i + 1:] = [synth.render(p, pace) for p in parts[i + 1:]]
            if pauses[i] > 0:
                samples = np.concatenate([np.zeros(round(pauses[i] * rate), dtype=np.int16), samples])
            handle = self.output.play(samples, rate, label=say.key)
            if first is None:
                first, first_sound = handle, time.perf_counter() - began
            last = handle
        assert first is not None and last is not None
        return Spoken(first.start, last.end, say.key, first_sound, count, synth.name, pace.name)

    def _result(self, future: Any, text: str, pace: Pace, synth: Synth) -> tuple[np.ndarray, int]:
        try:
            return future.result(), synth.rate
        except TandemError as error:
            backup = self._switch_to_fallback(error)
            if backup is None:
                raise
            return backup.render(text, pace).result(), backup.rate

    def _switch_to_fallback(self, error: TandemError) -> Synth | None:
        """The engine failed on a line: speak with the fallback from now on, and say so in the log."""
        if self.synth.name == "pyttsx3":
            return None
        failed = self.synth
        self.synth = self._fallback()
        message = (f"the {failed.name} voice {failed.voice} failed ({error.what}); "
                   f"speaking with {self.synth.name} ({self.synth.voice}) from now on")
        log.warning("%s", message)
        self.on_event("speech_fallback", message=message, engine=self.synth.name)
        return self.synth

    def _pyttsx3(self) -> Synth:
        from assistant.speak.tts import SpeechSynth, VoiceSettings

        return SpeechSynth(VoiceSettings.of(self.profile), profile=self.profile)

    # ---- chimes --------------------------------------------------------------------------
    def chime(self, name: str, pace: str = "") -> PlayHandle:
        """Play chime `name` at the loudness of the voice at that pace (softer at bedtime, in breathing)."""
        samples, rate = self.chime_audio(name, pace)
        return self.output.play(samples, rate, label=f"chime:{name}")

    def chime_audio(self, name: str, pace: str = "") -> tuple[np.ndarray, int]:
        """The samples `chime(name, pace)` would play now, and their rate."""
        volume = self.profile.pace_for(pace or None, self.clock.wall() if self.clock is not None else None).volume
        samples = chime_samples(name, self.chime_rate, loudness=self.profile.loudness + _db(volume),
                                peak=self.profile.peak)
        return samples, self.chime_rate


def _db(gain: float) -> float:
    return float(20 * np.log10(max(gain, 1e-6)))


def _default_profile() -> VoiceProfile:
    from assistant.speak.profile import load_voice_profile

    return load_voice_profile()

