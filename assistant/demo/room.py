"""The demo's kitchen: a microphone that hears kitchen noise and two partners speaking on cue.

It is an audio source for the real speech loop (`ListenOptions.source`). Each line of the evening
waits for its cue (Tandem quiet, or some seconds after an event such as the hug's start chime), is
mixed into the noise sample by sample, and is said again when Tandem shows no sign of having heard it,
as a person would. What the loop did is read from its event log between chunks, so the room reacts
to Tandem the way a couple does, whatever recognizer is listening and however long Tandem talks.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from assistant.audio.mixing import loop_to, peak_frame_energy
from assistant.audio.wavio import read_wav
from assistant.clock import Clock, RealClock
from assistant.demo.script import Evening, Line
from assistant.errors import TandemError
from assistant.messages import SAMPLE_RATE, AudioChunk

CHUNK_SECONDS = 0.02
"""As a microphone delivers audio (and as `WavSource` plays a recording)."""
GIVE_UP = 90.0
"""Seconds a line waits for its cue event before the evening moves on without it."""

INSTALL_FIX = "install it: sudo apt-get install flite espeak-ng (or run bash .ci/install)"


def render_voice(engine: str, voice: str, text: str) -> np.ndarray:
    """`text` spoken by flite or espeak-ng, as int16 mono at Tandem's sample rate."""
    if shutil.which(engine) is None:
        raise TandemError(f"the demo's voices need {engine}, which is not installed", INSTALL_FIX)
    with tempfile.TemporaryDirectory(prefix="tandem-demo-") as tmp:
        out = Path(tmp) / "line.wav"
        command = (["flite", "-voice", voice, "-t", text, "-o", str(out)] if engine == "flite"
                   else ["espeak-ng", "-v", voice, "-w", str(out), text])
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not out.is_file():
            raise TandemError(f"{engine} could not speak with the voice {voice!r} ({done.stderr.strip()[:200]})",
                              f"pick another voice in the demo script ({engine} lists them)")
        return read_wav(out)


@dataclass
class Spoken:
    """A line as it was said (a repeat is a new one)."""

    line: Line
    start: float
    end: float
    attempt: int


class Kitchen:
    """Noise always; each line on its cue; what was said is reported to `on_line`.

    A line that answers a question (`if_asked`) is left out when Tandem did not ask it.
    """

    def __init__(self, evening: Evening, on_line: Callable[[Spoken], None],
                 on_unheard: Callable[[Line, float], None] | None = None,
                 speaker: Any = None, render: Callable[[str, str, str], np.ndarray] = render_voice) -> None:
        self.evening = evening
        self.on_line = on_line
        self.on_unheard = on_unheard or (lambda line, t: None)
        """A line said `repeats` times more and still not heard: the evening goes on without it."""
        self.speaker = speaker
        """In real time, where the partners' voices are played (a second output, not Tandem's)."""
        self.speech = {(line.who, line.say): render(*evening.voices[line.who], line.say) for line in evening.lines}
        noise = read_wav(evening.noise).astype(np.float32)
        level = float(np.median([peak_frame_energy(s) for s in self.speech.values()]))
        gain = np.sqrt(level / (max(peak_frame_energy(noise), 1e-12) * 10 ** (evening.snr_db / 10)))
        self.noise = noise * gain
        self.said: list[Spoken] = []

    def chunks(self, clock: Clock, events: Any, loop: Any) -> Iterator[AudioChunk]:
        """The microphone's audio, chunk by chunk, reacting to what the loop has done so far."""
        step = round(CHUNK_SECONDS * SAMPLE_RATE)
        log = events.events
        output = loop.output
        position = 0  # samples since the start
        lines = iter(self.evening.lines)
        line: Line | None = next(lines)
        attempt = 1
        since = 0  # index in the event log where the line said last began: its answer, the next line's cue
        quiet_from = 0.0
        speaking: np.ndarray | None = None
        spoken_at = 0
        spoken: Spoken | None = None
        waited_from = 0.0
        tail_until: float | None = None
        while True:
            t = position / SAMPLE_RATE
            if isinstance(clock, RealClock):
                clock.sleep_until(t)
            busy = output.busy_until()
            if busy > clock.now():  # Tandem is speaking or chiming
                quiet_from = busy
            new = list(itertools.islice(log, since, None))
            if line is not None and speaking is None:
                if spoken is not None:  # said: heard, or said again, or given up
                    if any(line.expect.matches(e) for e in new):
                        line, attempt, spoken, waited_from = next(lines, None), 1, None, t
                    elif t >= max(spoken.end, quiet_from) + self.evening.patience:
                        if attempt <= self.evening.repeats:
                            attempt += 1
                            spoken = None
                        else:
                            self.on_unheard(line, t)
                            line, attempt, spoken, waited_from = next(lines, None), 1, None, t
                if line is not None and spoken is None and self._due(line, attempt, new, t, quiet_from, waited_from):
                    if attempt == 1 and line.if_asked and not any(
                            e.get("event") == "say_start" and e.get("key") == line.if_asked for e in new):
                        line, waited_from = next(lines, None), t
                    else:
                        speaking, spoken_at = self.speech[(line.who, line.say)], position
                        spoken = Spoken(line, t, t + len(speaking) / SAMPLE_RATE, attempt)
                        since = since if attempt > 1 else len(log)
                        self.said.append(spoken)
                        self.on_line(spoken)
                        if self.speaker is not None:
                            self.speaker.play(speaking, SAMPLE_RATE, label=f"partner:{line.who}")
            if line is None and spoken is None and speaking is None:
                tail_until = t + self.evening.tail if tail_until is None else tail_until
                if t >= tail_until:
                    return
            block = loop_to(self.noise, step, position).copy()
            if speaking is not None:
                part = speaking[position - spoken_at:position - spoken_at + step]
                block[:len(part)] += part
                if position - spoken_at + step >= len(speaking):
                    speaking = None
            yield AudioChunk(np.clip(np.round(block), -32768, 32767).astype(np.int16), t, SAMPLE_RATE)
            position += step

    def _due(self, line: Line, attempt: int, new: list[dict[str, Any]], t: float, quiet_from: float,
             waited_from: float) -> bool:
        """Is it time to say `line`? (Said again, it is said as soon as Tandem is quiet.)"""
        if line.after is None or attempt > 1:
            return t >= max(quiet_from, waited_from) + self.evening.pause
        cue = next((e for e in new if line.after.matches(e)), None)
        if cue is None:
            if t - waited_from > GIVE_UP:
                raise TandemError(f"the demo waited {GIVE_UP:.0f} s for {dict(line.after.fields)} before "
                                  f"{line.who}'s line {line.say!r}, and it never came",
                                  f"check the cue in {self.evening.source}")
            return False
        return t >= float(cue["t"]) + line.delay
