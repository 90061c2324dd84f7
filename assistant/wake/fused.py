"""Two wake stages for "hey tandem": the trained model listens to the stream, the recognizer checks.

Stage one (`WakeGate`) is the small network of `tandem_model.py` scoring every 80 ms of the stream,
tuned for recall: most kitchen talk never reaches it, so the recognizers (pocketsphinx's grammar and
spotter, Whisper's likelihood-ratio test, `verify.py`) only run on the few utterances it flags: idle
CPU drops with them. Stage two (`decide`) fuses the model's peak score during the utterance with the
recognizer's margin: a confident model needs less proof from the words, a doubtful one more.
The bars were fitted on the corpus's dev split only (bench/wake.py `--split dev`).
When the configured phrase has no trained model, or the model fails, the recognizer alone checks
the phrase as before.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np

from assistant.messages import Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.wake.tandem_model import PHRASE, STEP, WINDOW, WakeScorer
from assistant.wake.verify import WakeVerdict

log = logging.getLogger(__name__)

VIEW = 0.76 + WINDOW * STEP / 16000
"""Seconds of audio behind one score of the model: openWakeWord's embedding sees 76 mel frames (10 ms
apart), and the head sees `WINDOW` embeddings 80 ms apart."""


@dataclass(frozen=True)
class FusedSettings:
    """The bars (model probabilities and Whisper margins in nats), fitted on the dev split."""

    gate: float = 0.2
    """The model's peak below which the recognizers never hear the utterance (dev: every cue passes; 11 % of
    kitchen-talk utterances do)."""
    sure: float = 0.7
    """A peak at or above this is the model vouching for the phrase (dev, with the model averaged over the
    sound-alike-trained head: 0.75 missed one more flite cue and kept no trap line out)."""
    sure_margin: float = -18.0
    """The words' margin enough when the model vouches (dev cues: Whisper tiny hears synthetic voices' phrase
    badly, -15 to -28 on some; kitchen talk the model vouched for scored -22 and below)."""
    rival_margin: float = -4.0
    """... and only when the phrase also beats its sound-alikes before the same words by this much (nats,
    wake/data/hey_tandem_alikes.yaml `rivals`): the model vouches for "pay tender" as readily as for the phrase.
    Dev at 12 dB, replayed on the same decodes: cues missed 1 -> 1 of 84; dev trap lines said by 11 voices
    that woke Tandem 5 -> 2 of 143; 16 sound-alike sentences written for this ("Pay tender at the till", "Hey
    Tanner, where's your coat?") 43 -> 32 of 176; with "say tandem" (handicap 2) and `bare_sure` 32 -> 21.
    -3 -> -4 when the rival test became the phrase's best form against the best sound-alike form at any split
    (verify.py): the stricter test at -3 cost a cue ("hey tandem... it's gratitude time bestie", flite, -3.1);
    at -4, replayed on the same dev decodes: cues at 12 dB missed 2 -> 2 of 84, sound-alike sentences x 3
    voices woken 4 -> 3 of 48 (exchange/wake/alikes_dev.txt) and 10 -> 9 of 78 (alikes_dev2.txt, new)."""
    bare_sure: float = 0.9
    """A vouching model's bar when nothing follows the phrase in the words' best reading (a bare "hey tandem",
    `bare`): a lone sound-alike ("Pay tender.", "Hey, tan them.") is read that way as easily as a real phrase
    cut off by a pause. Dev, replayed on the same decodes, with the old six rivals: sound-alike sentences woken
    32 -> 25 of 176, trap lines 2 -> 2 of 143, cues missed at 12 dB 1 -> 1 and at 6 dB 14 -> 14 of 84 (the one
    bare cue on this path at 12 dB had a peak of 0.90: at the bar)."""
    margin: float = -2.0
    """The words' margin enough on their own (after the gate; dev: "hey Dan, you want another beer" -2.2)."""
    spotted_margin: float = -6.0
    """... or when pocketsphinx's keyphrase spotter heard the phrase too ("hey, tender or well done" -6.1)."""
    spotted_rival_margin: float = -3.0
    """... and there too, only when the phrase beats its sound-alikes before the same words by this much (the
    rival test of the model's path, `rival_margin`): pocketsphinx's spotter fires on "hey Tanner, ..." and
    "say, tandem ..." as the model does. Dev, each utterance decoded once and replayed: cues at 12 dB missed
    2 -> 2 of 84 (the lowest rival margin of a spotted cue on this path -2.2); 16 sound-alike sentences written
    this session x 3 voices woken 5 -> 4 of 48; dev kitchen talk, each line once (55 min) 0 -> 0, within 3
    nats 1 -> 1. 6 dB cues not measured."""
    own_margin: float = 5.0
    """On every path: the phrase must explain the words at least this much better (nats) than the engines' own
    reading when they wrote a word near its name in its place ("hey tanner, your lunch", `WakeVerdict.own_margin`):
    then Whisper heard a name, which no rivals list can hold. Better by a few nats is not enough: the wake
    prompt Whisper scores under begins with the phrase itself, and on the dev sound-alike readings that put
    "hey tandem ..." 2.5-6 nats higher against the name than the same audio scored with no prompt ("hey tanya
    can you start the kettle": +0.6 and +4.5 under the prompt, -4.4 and -1.5 without). 0 -> 5, replayed on the
    bench's own dev decodes: sound-alike sentences woken 13 -> 10 of 126 ("Hey Tanya, can you start the
    kettle?" x2, "Hey, hang them coats up" read "hey and then coats up", +0.7); cues missed at 12 dB 2 -> 2
    of 84 and 6 dB 11 -> 11 (no dev cue has such a reading at all). It only takes wakes away, so kitchen talk
    cannot wake more."""
    lookback: float = 1.0
    """Seconds before an utterance's start whose scores count for it (the VAD starts late)."""
    preroll: float = 3.5
    """Seconds of audio kept while no one speaks and fed to the model when a voice starts: its whole view
    (`VIEW`) and the `lookback` before the utterance, so every score the gate asks about is the one the
    model would have given had it listened all along (scores whose view reaches back before the
    pre-roll are dropped)."""
    hang: float = 0.5
    """Seconds the model keeps listening after the voice stops (a phrase's end is scored a little late)."""

    def relaxed(self, nats: float) -> "FusedSettings":
        """Every words' bar `nats` lower: what came that close to waking (bench/wake.py counts it on kitchen
        talk, a finer measure of how near false wakes are than the few that happen)."""
        return replace(self, sure_margin=self.sure_margin - nats, rival_margin=self.rival_margin - nats,
                       margin=self.margin - nats, spotted_margin=self.spotted_margin - nats,
                       spotted_rival_margin=self.spotted_rival_margin - nats, own_margin=self.own_margin - nats)


def decide(peak: float, verdict: WakeVerdict | None, recognizer_woke: bool,
           settings: FusedSettings = FusedSettings()) -> bool:
    """Did this utterance begin with the wake phrase? (`peak`: the model's; `verdict`: the words' test.)"""
    if peak < settings.gate:
        return False
    if verdict is None:  # no likelihood-ratio test (e.g. pocketsphinx alone): its own verdict, gated
        return recognizer_woke
    if verdict.own_margin < settings.own_margin:  # the engines wrote a name near the phrase's, and it explains more
        return False
    if verdict.margin >= settings.margin:
        return True
    if (verdict.spotted and verdict.margin >= settings.spotted_margin
            and verdict.rival_margin >= settings.spotted_rival_margin):
        # the spotter's word makes a lenient margin enough, but the spotter hears sound-alikes ("say, tandem")
        # as readily as the model does: the phrase must beat them here too
        return True
    # the model vouches: a lenient margin will do (a surer model when no command follows the phrase), if no
    # sound-alike explains the words better (asked last: it scores one more batch)
    return (peak >= (settings.bare_sure if bare(verdict) else settings.sure) and verdict.margin >= settings.sure_margin
            and verdict.rival_margin >= settings.rival_margin)


def bare(verdict: WakeVerdict) -> bool:
    """Nothing follows the wake phrase in the words' best reading with it."""
    return bool(verdict.with_phrase) and len(verdict.with_phrase[0][0].split()) <= len(PHRASE.split())


class WakeGate:
    """The first stage: the model over the stream, its recent scores kept for the utterances to ask."""

    def __init__(self, scorer: WakeScorer | None = None, settings: FusedSettings = FusedSettings(),
                 keep: float = 30.0) -> None:
        self.scorer = scorer or WakeScorer()
        self.settings = settings
        self.phrase = PHRASE
        self.keep = keep
        self.scores: deque[tuple[float, float]] = deque()
        self.now = 0.0
        self.failed: str = ""
        """Why the model stopped (then the recognizer alone checks the phrase)."""
        self.gated = 0
        """Utterances the recognizers never heard."""
        self.last_end = float("-inf")
        """Where the last utterance asked about ended: a score counts for one utterance only."""
        self.pending: deque[tuple[float, np.ndarray]] = deque()
        """Audio not yet fed to the model (at most `preroll` seconds while no one speaks)."""
        self.awake_until = float("-inf")
        self.scorer_t = float("-inf")
        self.fresh_from = float("-inf")
        """Scores before this saw audio from before the last skip, and are dropped."""
        self.skipped = 0.0
        """Seconds of audio the model never had to hear (no voice)."""

    def feed(self, samples: np.ndarray, t: float, voice: bool = True) -> None:
        """The stream, chunk by chunk. `voice`: the VAD hears a voice in this chunk (the loop's). Only then
        (with the pre-roll before it, and a short hang after) does the model run: most of an idle
        kitchen's audio is no voice at all, and the model's front end is most of the listening loop's CPU."""
        if self.failed:
            return
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        self.now = t + len(samples) / 16000
        self.pending.append((t, samples))
        if voice:
            self.awake_until = self.now + self.settings.hang
        if self.now <= self.awake_until:
            first = self.pending[0][0]
            if abs(first - self.scorer_t) > 0.05:  # skipped quiet audio: carry on, no restart
                self.scorer.skip_to(first)
                self.fresh_from = first + VIEW
            for at, part in self.pending:
                for when, p in self.scorer.feed(part, at):
                    if when >= self.fresh_from:
                        self.scores.append((when, p))
            self.scorer_t = self.now
            self.pending.clear()
        else:
            self._trim()
        while self.scores and self.scores[0][0] < self.now - self.keep:
            self.scores.popleft()

    def _trim(self) -> None:
        """Forget the pending audio older than the pre-roll, in whole model steps (the scores keep the
        phase they would have had, listening all along)."""
        extra = sum(len(part) for _, part in self.pending) - round(self.settings.preroll * 16000)
        drop = max(0, extra) // STEP * STEP
        self.skipped += drop / 16000
        while drop > 0:
            at, part = self.pending[0]
            if len(part) <= drop:
                self.pending.popleft()
                drop -= len(part)
            else:
                self.pending[0] = (at + drop / 16000, part[drop:])
                drop = 0

    def fail(self, why: str) -> None:
        self.failed = why
        log.warning("the wake model stopped (%s); the recognizer alone checks the wake phrase", why)

    def peak(self, since: float, until: float = float("inf")) -> float:
        return max((p for t, p in self.scores if since <= t <= until), default=0.0)

    def close(self) -> None:
        self.scorer.close()


class GatedRecognizer(Recognizer):
    """A recognizer whose wake-mode sessions open only when the gate fires (other modes unchanged)."""

    def __init__(self, inner: Recognizer, gate: WakeGate) -> None:
        self.inner = inner
        self.gate = gate
        self.wrapping(inner)

    def __getattr__(self, name: str):  # name, notice, last_timing, last_wake...: the inner recognizer's
        return getattr(self.__dict__["inner"], name)

    def session(self, mode: ListenMode = ListenMode()) -> RecognizerSession:
        if not mode.wake or self.gate.failed:
            return self.inner.session(mode)
        return GatedSession(self, mode)

    def transcribe(self, samples: np.ndarray, mode: ListenMode = ListenMode()) -> Transcript:
        return self.inner.transcribe(samples, mode)

    def close(self) -> None:
        self.gate.close()
        self.inner.close()


class GatedSession(RecognizerSession):
    """Buffers the utterance until the model's score passes the gate, then hands it to the recognizer.

    Buffering costs a reply nothing: the engines decode at the end of the utterance anyway (pocketsphinx's
    batch CMN, Whisper). What the gate did cost (about 100 ms of every reply whose wake phrase both engines
    heard, `bench latency`) was the wake test the combination leaves out then, run again in full for the
    real margin; now a lower bound from one batch of scoring answers when it already wakes."""

    def __init__(self, owner: GatedRecognizer, mode: ListenMode) -> None:
        self.owner = owner
        self.mode = mode
        self.since = max(owner.gate.now - owner.gate.settings.lookback, owner.gate.last_end)
        self.buffer: list[np.ndarray] = []
        self.inner: RecognizerSession | None = None

    def renewed(self) -> "GatedSession":
        """A fresh session for the same utterance, watching the gate from the same moment (the listen loop
        decodes an utterance again when a decode begun at a pause is dropped: a session opened then would look
        for the wake phrase only after it, and never hear the one said at the start)."""
        session = GatedSession(self.owner, self.mode)
        session.since = self.since
        return session

    def _open_if_flagged(self) -> None:
        gate = self.owner.gate
        if self.inner is None and (gate.failed or gate.peak(self.since) >= gate.settings.gate):
            self.inner = self.owner.inner.session(self.mode)
            for part in self.buffer:
                self.inner.accept(part)
            self.buffer = []

    def accept(self, samples: np.ndarray) -> None:
        if self.inner is not None:
            self.inner.accept(samples)
            return
        self.buffer.append(np.asarray(samples, dtype=np.int16).reshape(-1))
        self._open_if_flagged()

    def finish(self) -> Transcript:
        decode, conclude = self.split_finish()
        return conclude(decode())

    def cancel(self) -> None:
        """Stop the engines' work at their next stage, where they can (`CombinedSession.cancel`)."""
        stop = getattr(self.inner, "cancel", None)
        if stop is not None:
            stop()

    def split_finish(self) -> tuple[Callable[[], Any], Callable[[Any], Transcript]]:
        """`finish` in two: the engines' work, which reads nothing of the stream and may run on a worker thread
        (the loop's decode begun at a pause, loop/listen.py), and the gate's decision, run where the stream is
        fed, when the utterance is over: then the model's scores up to its end decide, however far the worker
        had got when they came (scored from a recording, a wake must not depend on how busy the CPU was)."""
        gate = self.owner.gate
        self._open_if_flagged()
        session, peak_now = self.inner, gate.peak(self.since)

        def decode() -> tuple[Transcript, WakeVerdict | None] | None:
            return None if session is None else self._decode(session, peak_now)

        return decode, self._conclude

    def _decode(self, session: RecognizerSession, peak: float) -> tuple[Transcript, WakeVerdict | None]:
        """The engines' transcript and their wake test; a lower bound on its margin when that already wakes at
        `peak` (decide is monotone in both, and the model's peak only grows as the utterance ends)."""
        inner, settings = self.owner.inner, self.owner.gate.settings
        transcript = session.finish()
        tested = getattr(inner, "tested_wake", None)  # the combination may have left the test out: run it
        if tested is None:
            return transcript, getattr(inner, "last_wake", None)
        if transcript.woke:
            return transcript, tested(self.mode, enough=lambda v: decide(peak, v, True, settings))
        return transcript, tested(self.mode)

    def _conclude(self, decoded: tuple[Transcript, WakeVerdict | None] | None) -> Transcript:
        gate, inner = self.owner.gate, self.owner.inner
        self._open_if_flagged()  # the model may have fired in the quiet after the last word
        if decoded is None and self.inner is not None:
            decoded = self._decode(self.inner, gate.peak(self.since))
        until, gate.last_end = gate.now, gate.now
        empty = Transcript(text="", confidence=0.0, engine=inner.name)
        if decoded is None:
            gate.gated += 1
            return empty
        transcript, verdict = decoded
        if gate.failed:
            return transcript
        peak = gate.peak(self.since, until)
        tested = getattr(inner, "tested_wake", None)
        if verdict is not None and tested is not None and not decide(peak, verdict, transcript.woke, gate.settings):
            verdict = tested(self.mode)  # the exact margin, should a bound have answered at a higher peak
        if not decide(peak, verdict, transcript.woke, gate.settings):
            return empty
        if transcript.woke or verdict is None:
            return transcript
        from assistant.recognize.whisper_engine import transcript_with_wake

        # The words alone fell short but the model vouches for the phrase: the command is what
        # followed it in the best forms; unsure words, so the loop asks for the command again.
        woke = transcript_with_wake([t for t, _ in verdict.with_phrase], PHRASE, self.mode, 0.0, inner.name)
        return replace(woke, woke=True)


def wake_gate(phrase: str, spotter: str, model_path: Path | None = None) -> tuple[WakeGate | None, str]:
    """The first stage for the configured phrase, or None and why not (said in the logs and by doctor).

    `[wake] spotter = "auto"` (the default) or `"model"` puts the trained model in front for "hey tandem";
    any other phrase has none, so the recognizer alone checks it (said only when "model" was asked for).
    A broken model file is reported, never fatal. The default since it measured better on the dev split
    (bench/wake.py) and, running only around a voice, costs no idle CPU over the recognizer alone.
    """
    from assistant.errors import ModelError
    from assistant.wake.tandem_model import MODEL_PATH, WakeModel, has_model

    if spotter not in ("model", "auto"):
        return None, ""
    from assistant.wake.models import openwakeword_model

    if openwakeword_model(phrase) is not None:  # an openWakeWord model spots it (wake/openwakeword.py)
        return None, ""
    if not has_model(phrase):
        if spotter == "auto":  # any phrase the recognizer can check: no model needed, nothing to say
            return None, ""
        return None, (f"no trained wake model for {phrase!r} (only {PHRASE!r} has one): the speech recognizer "
                      "alone checks the wake phrase")
    try:
        return WakeGate(WakeScorer(WakeModel.load(model_path or MODEL_PATH))), ""
    except ModelError as error:
        return None, f"{error.what}; the speech recognizer alone checks the wake phrase (fix: {error.fix})"
