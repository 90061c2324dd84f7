"""The speech loop: audio in -> VAD -> wake/recognize -> dialog -> voice and chimes out.

One loop serves the microphone and a recording alike: it only sees an iterable of `AudioChunk`s
and an `AudioOutput`. Timers live in the dialog on the injected clock; the loop ticks it at each
deadline (exactly, on a virtual clock) so a hug's end chime lands on its second even while nobody
speaks. Recognition runs incrementally while the person speaks, so little is left at the end of
the utterance; it never runs in the audio callback (sources only queue frames there).

The VAD waits out `end_silence` of quiet before it calls an utterance over; that wait is part of
every reply. So at a shorter pause (`LoopSettings.speculate_after`, or the recognizer's own) the
recognizer begins on what was said, on a worker thread, as production assistants' endpointers do:
when the quiet lasts to the end of speech, its transcript is the utterance's; when the person speaks
on, it is dropped and the utterance decoded again at its next pause or end. Either way the recognizer
hears the utterance up to that much quiet after its last speech (never the rest of the VAD's wait),
so a decode begun at the pause and one made at the end hear the same samples: the same transcript.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from assistant.audio.sources import reopen_with_backoff
from assistant.audio.vad import Vad, VadEvent
from assistant.clock import Clock
from assistant.dialog.doubt import listen_on
from assistant.errors import DeviceLost, TandemError
from assistant.loop.events import EventLog
from assistant.messages import SAMPLE_RATE, AudioChunk, Chime, IntentMatch, Reply, Say, Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.speak.output import AudioOutput, PlayHandle
from assistant.speak.speaker import Speaker
from assistant.speak.synth import Synth

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoopSettings:
    """Timing of the conversation, in seconds."""

    listen_window: float = 8.0
    """After a bare "hey tandem", how long a command is awaited without the wake phrase."""
    self_tail: float = 0.35
    """Echo of Tandem's own voice and chimes still in the room after they end."""
    drain_limit: float = 1800.0
    """At the end of a recording, how far the virtual clock may run to let a ritual finish."""
    stop_intents: frozenset[str] = frozenset({"Stop"})
    """What is still heard while Tandem itself is speaking."""
    log_free_text: bool = False
    """Whether the couple's own words (thanks, appreciations) may appear in the event log (opt-in)."""
    command_confidence: float = 0.5
    """Below this, words heard after the wake phrase are taken as noise and Tandem just listens on."""
    barge_in_confidence: float = 0.9
    """How sure the recognizer must be of a "stop" heard over Tandem's own voice."""
    speculate_after: float | None = None
    """Quiet (seconds) after the last speech that the recognizer hears of an utterance, and after which it
    begins decoding, before the VAD's end of speech (0: the whole utterance, decoded at the end; None: the
    recognizer's own `speculate_after`, 0 when it has none). The words are decoded with less of the
    silence after them: pocketsphinx alone heard nothing in a short "yes" with a short tail
    (tests/test_offers.py), so only engines that measured it say so. Shorter than a pause between words
    more often starts work that is dropped; on two cores that work competes with the next decode.
    Measured for the combined engine (dev spoken commands, 12 dB): at 0.12 s, 155 decodes begun and
    dropped inside 499 commands."""
    speculate: bool = True
    """With a `speculate_after` tail, begin decoding at the pause (on a worker thread) rather than at the VAD's
    end. Off, the same samples are decoded at the end (the same transcript, later): for comparing."""


class _Speculation:
    """The recognizer finishing an utterance heard up to a pause, on a worker thread.

    Only the engines' work runs there. A session whose verdict also reads the stream (the wake model's gate,
    wake/fused.py) splits its `finish`; that part runs in the loop's thread when the result is taken, at the
    end of the utterance, so the answer never depends on how far the worker had got when the stream moved
    on (from a recording, a busy CPU must not change what was heard)."""

    def __init__(self, session: RecognizerSession, cut: int) -> None:
        self.cut = cut
        """Samples of the utterance it decodes (to its pause plus the tail): its transcript is the utterance's
        only when the utterance ends with the same cut."""
        self.began = time.perf_counter()
        self.seconds = 0.0
        self.cpu = 0.0
        """Process CPU seconds while it ran (its own work, plus whatever else ran beside it)."""
        self._cancel: Callable[[], None] | None = getattr(session, "cancel", None)
        split = getattr(session, "split_finish", None)
        work, self._then = split() if split is not None else (session.finish, None)
        self._outcome: tuple[Any, BaseException | None] = (None, None)
        self._thread = threading.Thread(target=self._run, args=(work,), name="speculative-decode", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        cpu = time.process_time()
        try:
            self._outcome = (work(), None)
        except BaseException as error:  # handed to the loop, which treats it as any recognizer failure
            self._outcome = (None, error)
        self.seconds = time.perf_counter() - self.began
        self.cpu = time.process_time() - cpu

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def drop(self) -> "_Speculation":
        """Nobody will use this decode: stop it at its next stage where the session can (it still holds the
        recognizer until `dropped` has waited for it)."""
        if self._cancel is not None:
            self._cancel()
        return self

    def dropped(self) -> BaseException | None:
        """Wait for the work of a decode whose utterance went on (nothing concluded from it); its failure."""
        self._thread.join()
        return self._outcome[1]

    def result(self) -> Transcript | None:
        """The transcript (in the loop's thread: the rest of a split `finish` runs here)."""
        self._thread.join()
        outcome, error = self._outcome
        if error is not None:
            raise error
        return self._then(outcome) if self._then is not None else outcome


@dataclass
class _Utterance:
    session: RecognizerSession | None
    """None while a speculative decode has the session, or after one was dropped (rebuilt from `audio`)."""
    mode: ListenMode
    accepted: frozenset[str] | None
    """Intents that make sense without the wake phrase (None: any)."""
    started: float
    self_heard: bool
    spotted_wake: bool = False
    """The wake word is the spotter's to hear (openWakeWord): the recognizer decodes a command."""
    audio_start: float = 0.0
    """Input time of the utterance's first sample (the VAD's pre-roll included)."""
    audio: list[np.ndarray] = field(default_factory=list)
    """Everything accepted, so a session can be rebuilt when a speculative decode is dropped."""
    held: list[np.ndarray] = field(default_factory=list)
    """Accepted samples not yet given to the session (past the cut, or while a speculative decode has it)."""
    fed: int = 0
    """Samples given to the session (the current one, or the one a speculative decode has)."""
    received: int = 0
    speculation: _Speculation | None = None
    first: RecognizerSession | None = None
    """The session opened at speech start (a rebuilt one is made like it: `renewed`, when it can)."""


@dataclass
class LoopStats:
    utterances: int = 0
    transcripts: int = 0
    wakes: int = 0
    intents: int = 0
    errors: int = 0
    decode_seconds: float = 0.0
    audio_seconds: float = 0.0
    speculative: int = 0
    """Decodes begun at a pause inside an utterance..."""
    speculative_used: int = 0
    """...and those whose pause was the end (the others were dropped: the person spoke on)."""
    dropped_seconds: float = 0.0
    """Wall seconds the dropped decodes ran (work that competed with the one that counted)."""
    extra: dict[str, Any] = field(default_factory=dict)


class SpeechLoop:
    """Wires the parts; `run(chunks)` processes audio until the input ends."""

    def __init__(self, *, dialog: Any, recognizer: Recognizer, synth: Synth, output: AudioOutput,
                 clock: Clock, events: EventLog, vad: Any = None,
                 settings: LoopSettings | None = None, follow_input: bool = False, wake_word: Any = None,
                 wake_gate: Any = None) -> None:
        self.dialog = dialog
        self.recognizer = recognizer
        self.synth = synth
        self.output = output
        self.clock = clock
        self.events = events
        self.speaker = Speaker(synth, output, clock=clock, on_event=events.emit)
        self.vad = vad or Vad()
        self.settings = settings or LoopSettings()
        self.stats = LoopStats()
        self.follow_input = follow_input
        """True on a virtual clock: the loop moves the clock along the input's timestamps."""
        self.wake_word = wake_word
        """A streaming wake-word spotter (wake/openwakeword.py), or None: the recognizer checks the phrase."""
        self._wake_hits: list[float] = []
        self.wake_gate = wake_gate
        """The "hey tandem" model over the stream (wake/fused.py), fed here; the recognizer it gates reads it."""
        self._utterance: _Utterance | None = None
        self._window_until = float("-inf")
        self._timing: dict[str, Any] | None = None
        """Where the latency of the reply to the utterance just ended goes (a `reply_timing` event)."""
        self._dropped: list[_Speculation] = []
        """Speculative decodes whose utterance went on: the recognizer is theirs until they end."""

    # --- the loop -------------------------------------------------------------------------
    def run(self, chunks: Iterable[AudioChunk]) -> None:
        """Process every chunk, then let what is running finish on the clock."""
        _give_back_memory()  # what loading the models freed (their files' parsing, the voice's calibration)
        self.perform(self.dialog.tick())
        for chunk in chunks:
            self.step(chunk)
        for event in self.vad.flush():
            self._on_vad(event)
        self._settle()
        self.drain()

    def step(self, chunk: AudioChunk) -> None:
        """One chunk: timers due before it, then voice activity and recognition."""
        if self.follow_input:
            self._run_timers(until=chunk.timestamp)
            self.clock.sleep_until(chunk.timestamp + chunk.duration)
        self.stats.audio_seconds += chunk.duration
        if self.wake_word is not None:
            self._spot(chunk)
        vad_events = self.vad.feed(chunk)
        if self.wake_gate is not None and not self.wake_gate.failed:  # after the VAD: it runs while a voice does
            self._gate(chunk, voice=self.vad.in_speech or bool(vad_events))
        started = any(e.kind == "speech_start" for e in vad_events)
        if self._utterance is not None and not started:
            self._accept(chunk.samples)
        for event in vad_events:
            self._on_vad(event)
        if self._utterance is not None:
            self._speculate(self._utterance)
        self._run_timers(until=self.clock.now())

    def _spot(self, chunk: AudioChunk) -> None:
        """Feed the wake-word spotter; keep its hits a little while (the utterance ends after them)."""
        try:
            hits = self.wake_word.feed(chunk.samples, chunk.timestamp)
        except Exception as error:  # a failing spotter costs wake words, never the session
            self.wake_word = None
            self._error(TandemError(f"the wake-word spotter failed ({error!r}); the recognizer listens for it now"))
            return
        now = chunk.timestamp + chunk.duration
        self._wake_hits = [t for t in self._wake_hits if t > now - 30.0] + hits

    def _gate(self, chunk: AudioChunk, voice: bool) -> None:
        """Feed the wake model; if it fails, the recognizer alone checks the wake phrase from now on."""
        try:
            self.wake_gate.feed(chunk.samples, chunk.timestamp, voice)
        except Exception as error:  # a failing model costs its gate, never the session
            self.wake_gate.fail(repr(error))
            self._error(TandemError(f"the \"hey tandem\" wake model failed ({error!r}); the recognizer alone "
                                    "checks the wake phrase now"))

    def drain(self) -> None:
        """End of input: keep the clock going (virtually) until no ritual has anything left to do."""
        limit = self.clock.now() + self.settings.drain_limit
        while True:
            deadline = self.dialog.next_deadline()
            if deadline is None or deadline > limit or not getattr(self.dialog, "busy", True):
                break  # (an offer planned for later is not something left running)
            self.clock.sleep_until(max(deadline, self.clock.now()))
            self.perform(self.dialog.tick())
        self.clock.sleep_until(max(self.output.busy_until(), self.clock.now()))

    def tick_timers(self) -> None:
        """Run whatever is due now (the input is stalled, e.g. a lost microphone being reopened)."""
        self._run_timers(until=self.clock.now())

    def _run_timers(self, until: float) -> None:
        while True:
            deadline = self.dialog.next_deadline()
            if deadline is None or deadline > until:
                return
            self.clock.sleep_until(deadline)
            self.perform(self.dialog.tick())

    # --- hearing --------------------------------------------------------------------------
    def _mode(self, at: float) -> tuple[ListenMode, frozenset[str] | None, bool]:
        """What to listen for now: (recognizer mode, intents accepted without the wake phrase, self-heard).

        The recognizer keeps one command model for every situation (a model per intent subset
        would be built while someone waits); what makes sense right now is enforced by the matcher.
        """
        if self._speaking_between(at, self.clock.now()):
            return ListenMode(), self.settings.stop_intents, True
        if at <= self._window_until:
            return ListenMode(), None, False
        expecting = self.dialog.expecting()
        if expecting.wake_needed:
            if self.wake_word is not None:  # the spotter listens for the wake word; decode a command
                return _SPOTTER_MODE, None, False
            return ListenMode(wake=True), None, False
        return ListenMode(free_text=expecting.free_text), expecting.intents, False

    def _speaking_between(self, t0: float, t1: float) -> bool:
        """Was Tandem's own voice in the room (plus its echo tail) between two times?

        Only speech counts: a chime is a tone the recognizer does not mistake for words, and the
        couple often answer the "listening" chime before it has faded.
        """
        tail = self.settings.self_tail
        return any(span.start < t1 and span.end + tail > t0 and not span.label.startswith("chime:")
                   for span in self.output.spans(since=t0 - tail))

    def _on_vad(self, event: VadEvent) -> None:
        if event.kind == "speech_start":
            self.events.emit("speech_start", t=event.t)
            mode, accepted, self_heard = self._mode(event.t)
            self._settle()
            session = self._guarded(lambda: self.recognizer.session(mode))
            if session is None:
                return
            spotted = mode is _SPOTTER_MODE
            self._utterance = _Utterance(session, mode, accepted, event.t, self_heard, spotted_wake=spotted,
                                         audio_start=event.start, first=session)
            self.stats.utterances += 1
            self._accept(event.audio)
        elif event.kind == "speech_end":
            self.events.emit("speech_end", t=event.t, reason=event.reason)
            utterance, self._utterance = self._utterance, None
            if utterance is None:
                return
            if event.reason == "noise":  # a fan switching on is not an utterance: close the session unheard
                if utterance.speculation is not None:
                    self._drop(utterance)
                elif utterance.session is not None:
                    self._guarded(utterance.session.finish)
                return
            self._timing = {"vad_wait": max(0.0, self.clock.now() - event.t)}
            self._finish(utterance, event)
            self._timing = None  # whatever answers it has been performed by now

    def _accept(self, samples: np.ndarray) -> None:
        assert self._utterance is not None
        utterance = self._utterance
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        utterance.audio.append(samples)
        utterance.held.append(samples)
        utterance.received += len(samples)
        self._feed(utterance, self._cut(utterance, getattr(self.vad, "speech_until", None)))

    def _tail(self) -> float:
        """Quiet after the last speech the recognizer hears (0: all of the utterance; `speculate_after`)."""
        after = self.settings.speculate_after
        if after is None:
            after = float(getattr(self.recognizer, "speculate_after", 0.0))
        return max(0.0, after)

    def _cut(self, utterance: _Utterance, speech_until: float | None) -> int | None:
        """How many of the utterance's samples the recognizer hears: to `_tail` after the last speech (None: all).
        Computed from the VAD's frames, so the same whatever the chunking and whenever it is asked."""
        tail = self._tail()
        if tail <= 0 or speech_until is None:
            return None
        return max(0, round((speech_until + tail - utterance.audio_start) * SAMPLE_RATE))

    def _feed(self, utterance: _Utterance, cut: int | None) -> None:
        """Give the session the held samples up to the cut (all of them without one)."""
        session = utterance.session
        if session is None or not utterance.held:  # a speculative decode has it, or it is rebuilt when needed
            return
        held = np.concatenate(utterance.held) if len(utterance.held) > 1 else utterance.held[0]
        n = len(held) if cut is None else max(0, min(len(held), cut - utterance.fed))
        if n == 0:
            return
        utterance.held = [held[n:]] if n < len(held) else []
        utterance.fed += n
        begun = time.perf_counter()
        try:
            session.accept(held[:n])
        except Exception as error:  # a failing engine costs this utterance, never the session
            if self._utterance is utterance:
                self._utterance = None
            utterance.session = None
            self._error(error if isinstance(error, TandemError)
                        else TandemError(f"the speech recognizer failed on one utterance ({error!r})"))
        self.stats.decode_seconds += time.perf_counter() - begun

    def _speculate(self, utterance: _Utterance) -> None:
        """Once the utterance is in up to its tail of quiet, begin decoding it; drop that when speech resumes
        (the cut moves on) and begin again at the next pause."""
        if not self.settings.speculate or not self.vad.in_speech:
            return
        cut = self._cut(utterance, getattr(self.vad, "speech_until", None))
        if cut is None:
            return
        if utterance.speculation is not None:
            if utterance.speculation.cut != cut:  # the person spoke on: that decode was of part of the utterance
                self._drop(utterance)
            return
        if utterance.received < cut or any(d.running for d in self._dropped):
            return  # not quiet long enough yet; or a dropped decode still holds the recognizer (never waited on here)
        if self._wake_phrase_just_said(utterance):
            return
        session = utterance.session or self._rebuilt(utterance)
        if session is None:
            return
        self._feed(utterance, cut)
        if utterance.fed != cut or utterance.session is None:
            return
        utterance.session = None
        utterance.speculation = _Speculation(session, cut)
        self.stats.speculative += 1

    def _wake_phrase_just_said(self, utterance: _Utterance) -> bool:
        """Whether the wake model's best score in this utterance came at its pause: the words before the pause are
        "hey tandem", and people pause there before the command, so a decode begun there is mostly dropped (dev
        wake cues, 12 dB: 5 of 14 dropped decodes, none of the 19 used; their peaks came -0.04..+0.09 s from
        the pause, the used ones' 0.66 s or more before it). A wake phrase said alone is decoded at the end."""
        gate = self.wake_gate
        if gate is None or gate.failed:
            return False
        since = utterance.started - gate.settings.lookback
        best = max(((p, t) for t, p in gate.scores if t >= since), default=None)
        return best is not None and best[0] >= gate.settings.gate and best[1] >= self.vad.speech_until - WAKE_PAUSE

    def _drop(self, utterance: _Utterance) -> None:
        assert utterance.speculation is not None
        self._dropped.append(utterance.speculation.drop())
        utterance.speculation = None

    def _rebuilt(self, utterance: _Utterance) -> RecognizerSession | None:
        """A new session for the utterance, fed everything heard so far (after a dropped speculative decode)."""
        self._settle()

        def build() -> RecognizerSession:
            renew = getattr(utterance.first, "renewed", None)  # (the wake gate's session keeps where it looks from)
            session = renew() if renew is not None else self.recognizer.session(utterance.mode)
            if utterance.fed:
                session.accept(np.concatenate(utterance.audio)[:utterance.fed])
            return session

        utterance.session = self._guarded(build)
        return utterance.session

    def _settle(self) -> None:
        """Wait for dropped speculative decodes (they hold the recognizer: pocketsphinx has one decoder)."""
        for speculation in self._dropped:
            error = speculation.dropped()
            if error is not None:  # its utterance went on; its failure is nobody's business now
                log.debug("dropped speculative decode failed", exc_info=error)
            self.stats.decode_seconds += speculation.seconds
            self.stats.dropped_seconds += speculation.seconds
        self._dropped = []

    def _guarded(self, call: Callable[[], Any]) -> Any:
        """Run a recognizer call; a failure is logged and costs one utterance, never the session."""
        try:
            return call()
        except TandemError as error:
            self._error(error)
        except Exception as error:  # an engine's own exception (e.g. pocketsphinx's KeyError) must not end the loop
            log.exception("recognizer failed")
            self._error(TandemError(f"the speech recognizer failed on one utterance ({error!r})"))
        return None

    def _finish(self, utterance: _Utterance, event: VadEvent) -> None:
        begun, cpu = time.perf_counter(), time.process_time()
        cut = self._cut(utterance, event.t)
        speculation = utterance.speculation
        if speculation is not None and speculation.cut != cut:  # (the end came elsewhere: max_length, a gap)
            self._drop(utterance)
            speculation = None
        if speculation is not None:  # the pause it began at was the end: its transcript is ready or nearly
            transcript = self._guarded(speculation.result)
            self.stats.decode_seconds += speculation.seconds
            self.stats.speculative_used += 1
            head_start = {"head_start": begun - speculation.began}
        else:
            session = utterance.session or self._rebuilt(utterance)
            if session is not None:
                self._feed(utterance, cut)
            session = utterance.session
            transcript = self._guarded(session.finish) if session is not None else None
            self.stats.decode_seconds += time.perf_counter() - begun
            head_start = {}
        if self._timing is not None:
            self._timing.update(decode=time.perf_counter() - begun, decode_cpu=time.process_time() - cpu,
                                decoded=time.perf_counter(), **head_start,
                                **getattr(self.recognizer, "last_timing", {}))
        threading.Thread(target=_give_back_memory, name="malloc-trim", daemon=True).start()
        if transcript is None:
            return
        if utterance.spotted_wake:
            transcript = self._spotted(utterance, event, transcript)
            if transcript is None:
                return
        if not transcript.text and not transcript.woke:
            return
        self.stats.transcripts += 1
        private = utterance.mode.free_text and not self.settings.log_free_text
        self.events.emit("transcript", text="..." if private else transcript.text, woke=transcript.woke,
                         confidence=round(transcript.confidence, 3), mode=_mode_name(utterance))
        if utterance.mode.wake or utterance.spotted_wake:
            if transcript.woke and self.claim_wake(utterance, event, transcript):
                self.wake_heard(utterance, transcript)
            return
        self._window_until = float("-inf")
        self._understood(transcript, utterance)

    def _spotted(self, utterance: _Utterance, event: VadEvent, transcript: Transcript) -> Transcript | None:
        """With a wake-word spotter: the utterance woke Tandem when the spotter fired during it (the
        command after the wake word is the transcript, the wake words themselves dropped)."""
        if not any(utterance.started - 1.0 <= t <= event.t + 0.6 for t in self._wake_hits):
            return None
        self._wake_hits = [t for t in self._wake_hits if t > event.t + 0.6]
        from assistant.wake.detector import split_wake

        phrase = getattr(self.wake_word, "phrase", "")
        texts = [split_wake(t, phrase).command for t in (transcript.text, *transcript.alternatives)]
        return replace(transcript, text=texts[0], alternatives=tuple(t for t in texts[1:] if t), woke=True,
                       doubtful=tuple(split_wake(t, phrase).command for t in transcript.doubtful))

    def claim_wake(self, utterance: _Utterance, event: VadEvent, transcript: Transcript) -> bool:
        """Whether this loop answers a wake phrase it heard: alone, always; with several rooms
        (assistant/rooms), only the room that heard it best does, maybe later through `wake_heard`."""
        return True

    def wake_heard(self, utterance: _Utterance, transcript: Transcript) -> None:
        """Answer a woken utterance: a command is understood, a bare wake phrase opens the window."""
        self.stats.wakes += 1
        self.events.emit("wake")
        unsure_words = transcript.confidence < self._command_bar() and not utterance.spotted_wake
        if (not transcript.text.strip() or unsure_words
                or not isinstance(u := self.dialog.matcher.match_best(_hypotheses(transcript),
                                                                      allowed=utterance.mode.intents), IntentMatch)
                or listen_on(u, transcript)):
            # "hey tandem" alone, or with a pause after it that cut the command off (leaving at most an unsure
            # word, dialog/doubt.py): listen on.
            self._window_until = self.clock.now() + self.settings.listen_window
            self._play_chime("listening")
            return
        self._window_until = float("-inf")
        self._understood(transcript, utterance)

    def _command_bar(self) -> float:
        """How sure the recognizer must be of the words after a wake phrase (each engine may say)."""
        trusted = getattr(self.recognizer, "trusted_confidence", None)
        return self.settings.command_confidence if trusted is None else trusted

    def _understood(self, transcript: Transcript, utterance: _Utterance) -> None:
        hypotheses = _hypotheses(transcript)
        if utterance.self_heard:
            # Tandem is sounding. Its own voice never says the wake phrase, so a woken command is the couple
            # talking over it: Tandem falls silent and answers. Otherwise only "stop" gets through.
            if transcript.woke and transcript.text and transcript.confidence >= self._command_bar():
                self.output.stop()
                self.perform(self.dialog.hear_transcript(transcript))
                return
            understanding = self.dialog.matcher.match_best(hypotheses, allowed=utterance.accepted)
            if not isinstance(understanding, IntentMatch) or transcript.confidence < self.settings.barge_in_confidence:
                return
            self.output.stop()
            self.perform(self.dialog.hear_understanding(understanding, transcript.text, addressed=False))
            return
        if utterance.accepted is not None and not transcript.woke and not utterance.mode.free_text:
            # Inside a ritual, unwoken talk counts only when it is one of the answers the ritual expects.
            understanding = self.dialog.understand(hypotheses, utterance.accepted, transcript)
            if not isinstance(understanding, IntentMatch):
                return
            reply = self.dialog.hear_understanding(understanding, transcript.text, addressed=False)
        else:
            reply = self.dialog.hear_transcript(transcript)
        if any(e.event == "intent" and e.details.get("intent") in self.settings.stop_intents for e in reply.events):
            self.output.stop()
        self.perform(reply)

    # --- speaking -------------------------------------------------------------------------
    def perform(self, reply: Reply) -> None:
        """Say and chime what the dialog asked for, then tell it when a timed step may begin.

        A timed step starts once the speech before it has been heard, but a chime *marks* a moment
        (the hug begins as its start chime sounds), so the timer starts at a chime's onset.
        """
        ready_at: float | None = None
        for action in reply.actions:
            if isinstance(action, Say):
                handle = self._say(action)
                ready_at = handle.end if handle else ready_at
            elif isinstance(action, Chime):
                ready_at = self._play_chime(action.name, action.pace).start
        for event in reply.events:
            self.events.emit(event.event, **event.details)
        if ready_at is not None:
            self.dialog.output_busy_until(ready_at)

    def _say(self, say: Say) -> PlayHandle | None:
        begun = time.perf_counter()
        try:
            handle = self.speaker.say(say)
        except TandemError as error:
            self._error(error)
            return None
        self._reply_timing(begun, getattr(handle, "first_sound", 0.0))
        self.events.emit("say_start", t=handle.start, key=say.key, text=say.text)
        self.events.emit("say_end", t=handle.end, key=say.key)
        return handle

    def _play_chime(self, name: str, pace: str = "") -> PlayHandle:
        self._reply_timing(time.perf_counter(), 0.0)
        handle = self.speaker.chime(name, pace)
        self.events.emit("chime", t=handle.start, name=name, end=round(handle.end, 3))
        return handle

    def _reply_timing(self, begun: float, render: float) -> None:
        """The first sound after an utterance: say where its latency went (the latency benchmark's breakdown).
        Seconds become milliseconds: the VAD's end-of-speech wait, decoding (the engine's parts when it
        tells them), understanding and the dialog, and rendering the first sentence (or clause)."""
        timing, self._timing = self._timing, None
        if timing is None or "decoded" not in timing:
            return
        timing.update(understand=begun - timing.pop("decoded"), render=render)
        self.events.emit("reply_timing", **{f"{k}_ms": round(1000 * v) for k, v in timing.items()})

    def _error(self, error: TandemError) -> None:
        self.stats.errors += 1
        log.warning("%s", error)
        self.events.emit("error", message=str(error))



WAKE_PAUSE = 0.2
"""Seconds before the pause within which the wake model's best score says the phrase just ended (its score
peaks within a step or two, 80 ms each, of the phrase's end; a word after it takes longer)."""

_SPOTTER_MODE = ListenMode()
"""The mode of an utterance that needs the wake word when a spotter listens for it (told apart by identity)."""


@functools.lru_cache(maxsize=1)
def _libc() -> Any:
    """glibc, when this process runs on it (None elsewhere: nothing to give back then)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


MMAP_THRESHOLD = 4 << 20
"""Blocks this large or larger get their own mapping, returned to the system when freed (see `hold_less_memory`)."""
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number (malloc.h)


def hold_less_memory() -> None:
    """Keep glibc's malloc from holding large freed blocks: by default it raises its mapping threshold to the
    largest block freed so far (up to 32 MB, reached as the models load), so later large blocks (a decode's or a
    render's buffers) are carved from the heaps, where their memory stays after they are freed and, freed by one
    thread, is not reused by another. A fixed threshold of `MMAP_THRESHOLD` maps them on their own: the latency
    session's peak 418-439 -> 405-410 MB, decode CPU unchanged. Lower thresholds hold less but cost decode CPU
    (256 kB and 1 MB +30 %, 2 MB +20 %: page faults for every beam step's buffers)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "mallopt"):
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def _give_back_memory() -> None:
    """Return the heap decoding just freed (50 MB an utterance, measured) to the system, beside the reply's
    render rather than before it, so a decode's leftovers and a long sentence's render never add up."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def _hypotheses(transcript: Transcript) -> list[str]:
    return [transcript.text, *transcript.alternatives]


def _mode_name(utterance: _Utterance) -> str:
    if utterance.self_heard:
        return "over_own_voice"
    if utterance.mode.wake:
        return "wake"
    if utterance.mode.free_text:
        return "free"
    return "command" if utterance.accepted is None else "ritual"


class _TickingClock:
    """A clock whose waits keep the dialog's timers running (a hug still ends while the mic is gone)."""

    def __init__(self, clock: Clock, on_idle: Callable[[], None]) -> None:
        self._clock = clock
        self._on_idle = on_idle

    def now(self) -> float:
        return self._clock.now()

    def wall(self) -> Any:
        return self._clock.wall()

    def sleep_until(self, t: float) -> None:
        while self._clock.now() < t:
            self._on_idle()
            self._clock.sleep_until(min(t, self._clock.now() + 0.02))


def chunks_with_reconnect(open_source: Callable[[float], Iterable[AudioChunk]], clock: Clock, events: EventLog,
                          on_idle: Callable[[], None]) -> Iterator[AudioChunk]:
    """Chunks from a live source, reopened with backoff whenever the device is lost.

    The first open is not retried: no microphone at all is a clear error at start. After a loss,
    retries go on (0.5 s, 1 s, 2 s... capped) until the device is back, with timers still ticking.
    """
    # Timestamps start at the clock's present each time, so heard audio and timers share one timeline.
    ticking = _TickingClock(clock, on_idle)
    source = open_source(clock.now())
    while True:
        try:
            yield from source
            return
        except DeviceLost as error:
            events.emit("error", message=str(error))
        source = reopen_with_backoff(
            lambda: open_source(clock.now()), ticking,
            on_retry=lambda attempt, delay, error: events.emit("error", message=str(error), retry_in=delay))
        events.emit("device_back")
