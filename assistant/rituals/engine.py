"""The ritual engine: one explicit state machine that runs any ritual script on an injected clock.

A `RitualRun` never sleeps and never reads the time itself: every call gets `now`, and
`next_deadline()` tells the host when to call `tick()` next. Instant steps (say, chime, record)
run straight through; a blocking step (wait, breathe, count, listen, ask_rating, offer) puts the run
in its state until the clock or an answer moves it on. Stopping early gives partial credit with the
real seconds; stopping before anything happened is a cancel.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import Enum, auto
from typing import Any

from assistant.config import Settings
from assistant.dialog.voices import Voices
from assistant.messages import Action, Chime, Reply, Say
from assistant.rituals.script import (
    AskRatingStep, BreatheStep, ChimeStep, CountStep, ListenStep, OfferStep, QuestionStep, RecordStep,
    Ritual, RitualBook, SayStep, Step, WaitStep,
)

CONTROLS = frozenset({"Stop", "Pause", "Resume", "TimeLeft", "AddTime", "Next", "Repeat"})
"""Intents that steer a running ritual."""
ASK_QUESTION = "AskQuestion"
"""Asked while a check-in's question is on the table, it means another question (`another_question`)."""
HELP = "Help"
"""Heard in every state: the Dialog answers it with what can be said right now."""
DEFAULT_ADD_SECONDS = 30
BRIEF_SECONDS = 10.0
BRIEF_SHARE = 0.2
"""A partial run shorter than this share of its planned length (and at least `BRIEF_SECONDS`) is spoken
of as short, not in seconds: "a short check-in still counts", never "seven seconds of talking"."""
TAKE_YOUR_TIME = 3.0
""""We need a moment" during a question: it stays open this many times its usual wait."""


class RunState(Enum):
    RUNNING = auto()  # executing instant steps (only ever transient inside a call)
    TIMING = auto()  # a wait step: a hug, a walk, a check-in, a pause
    BREATHING = auto()  # paced in/out cues
    COUNTING = auto()  # counting aloud, one a second
    LISTENING = auto()  # waiting for answers (thanks, a recap, an appreciation)
    RATING = auto()  # waiting for a 1..5 rating
    OFFERING = auto()  # waiting for yes or no to a follow-up ritual
    PAUSED = auto()
    DONE = auto()


TIMED = (RunState.TIMING, RunState.BREATHING, RunState.COUNTING)
WAITING = (RunState.LISTENING, RunState.RATING, RunState.OFFERING)


@dataclass(frozen=True)
class Expectation:
    """What the loop should listen for without the wake phrase right now."""

    intents: frozenset[str] | None
    """Intents that make sense now; None = anything (after the wake phrase)."""
    free_text: bool
    """An open answer is expected (thanks, an appreciation): use open-vocabulary recognition."""
    wake_needed: bool


IDLE = Expectation(None, False, True)


@dataclass(frozen=True)
class FollowUp:
    """A ritual the couple accepted at the end of this one (repair -> walk)."""

    ritual: str
    variant: str | None = None
    seconds: int | None = None


@dataclass
class _Timer:
    """The current blocking step's timing. `t0` shifts on pause/resume and output delay."""

    t0: float
    length: float
    main: bool = False
    cues: list[tuple[float, str]] = field(default_factory=list)
    """Breathing: (offset from t0, "in"|"out"); counting: (offset, number word)."""
    next_cue: int = 0
    halfway: bool = False


class RitualRun:
    """One run of one ritual. Create it, call `start(now)`, then `tick`, `control` and `answer`."""

    def __init__(self, ritual: Ritual, book: RitualBook, voices: Voices, settings: Settings,
                 rng: random.Random, first: str, second: str, *, variant: str | None = None,
                 seconds: int | None = None, prefill: str | None = None,
                 may_ask_rating: Callable[[], bool] | None = None) -> None:
        self.ritual = ritual
        self.may_ask_rating = may_ask_rating
        """Asked when the rating step comes: True claims the question now, False skips it quietly.
        The Dialog owns it (it knows when the last question was asked); the engine reads no clock."""
        self.book = book
        self.voices = voices
        self.settings = settings
        self.rng = rng
        self.first, self.second = first, second
        self.initiated_by: str | None = None
        """Who started it, when known (the Dialog keeps it up to date); `first` is only the order of turns."""
        self.variant = ritual.variants.get(variant) if variant else None
        self.variant_name = variant if self.variant else None
        base = self.variant.duration if self.variant and self.variant.duration else ritual.duration
        self.planned: float | None = float(seconds) if seconds else (settings.durations.seconds(base) if base else None)
        self.added = 0.0
        self.prefill = prefill
        self.state = RunState.RUNNING
        self.status = "running"
        self.index = 0
        self.started_at = 0.0
        self.counts: dict[str, int] = {}
        self.texts: list[str] = []
        self.rating: int | None = None
        self.recorded = False
        self.record_kind = ritual.kind
        self.follow_up: FollowUp | None = None
        self.progress = False
        self.cut_short = False
        self.last_say: Say | None = None
        self._timer: _Timer | None = None
        self._deadline: float | None = None  # LISTENING / RATING / OFFERING timeout
        self._entered_wait = 0.0
        self._last_answer: tuple[str, bool, int, int] | None = None  # (name, words kept, partner, step)
        self._paused_from: RunState | None = None
        self._paused_at = 0.0
        self._paused_total = 0.0
        self._main_done = 0.0
        self._fresh = False
        self._partner = 0
        self._answer = 0
        self._question = ""
        self._ended_at: float | None = None
        self.asked_again = 0
        """Times the waiting rating or offer question was asked again after an unclear answer."""
        self._recorded_seconds: float | None = None
        """The real seconds, fixed at the record step: what follows (the rating question) is not the ritual."""

    # ---- public API ----------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.state is RunState.DONE

    @property
    def name(self) -> str:
        return self.ritual.name

    @property
    def planned_seconds(self) -> float | None:
        return None if self.planned is None else self.planned + self.added

    def start(self, now: float) -> Reply:
        self._fresh = False
        self.started_at = now
        out: list[Action] = []
        self._advance(now, out)
        return Reply(tuple(out))

    def tick(self, now: float) -> Reply:
        """Whatever is due at `now`: cues, counts, the end of a timer, a timeout."""
        self._fresh = False
        out: list[Action] = []
        for _ in range(10_000):  # a late tick catches up on everything due, in order
            if not self._tick_once(now, out) or self._fresh:
                break  # a step that just began waits for the host's `output_busy_until` first
        return Reply(tuple(out))

    def next_deadline(self) -> float | None:
        if self.state in (RunState.PAUSED, RunState.DONE, RunState.RUNNING):
            return None
        if self.state in WAITING:
            return self._deadline
        timer = self._timer
        assert timer is not None
        due = [timer.t0 + timer.length]
        if timer.next_cue < len(timer.cues):
            due.append(timer.t0 + timer.cues[timer.next_cue][0])
        if timer.halfway:
            due.append(timer.t0 + timer.length / 2)
        return min(due)

    def expecting(self) -> Expectation:
        s = self.state
        if s in TIMED:
            asks = {ASK_QUESTION} if self._asked() is not None else set()  # "another question" in a check-in
            return Expectation(CONTROLS | {"Skip", HELP} | asks, False, False)
        if s is RunState.LISTENING:
            return Expectation(CONTROLS | {"Skip", "ForgetThat", HELP}, True, False)
        if s is RunState.PAUSED:
            return Expectation(frozenset({"Resume", "Stop", "TimeLeft", "Repeat", "Next", "AddTime", HELP}), False, False)
        if s is RunState.RATING:
            return Expectation(frozenset({"Rate", "Skip", "No", "Stop", "Next", "Pause", "Repeat", HELP}), False, False)
        if s is RunState.OFFERING:
            return Expectation(frozenset({"Yes", "No", "Stop", "Repeat", "Skip", "Pause", HELP}), False, False)
        return IDLE

    def output_busy_until(self, t: float) -> None:
        """Speech queued just before a timed step delays its start, so the hug starts after the intro."""
        if not self._fresh:
            return
        if self.state in TIMED and self._timer and t > self._timer.t0:
            self._timer.t0 = t
        elif self.state in WAITING and self._deadline is not None:
            timeout = self._deadline - self._entered_wait
            if t > self._entered_wait:
                self._entered_wait = t
                self._deadline = t + timeout

    def actual_seconds(self, now: float) -> float:
        """Real seconds spent: the timed hold for a ritual with a main timer, the whole active time
        otherwise (pauses left out); fixed once the ritual is recorded."""
        if self._recorded_seconds is not None:
            return self._recorded_seconds
        if self.ritual.timed:
            total = self._main_done
            if self._timer and self._timer.main and self.state in (RunState.TIMING, RunState.BREATHING, RunState.PAUSED):
                total += self._timer_elapsed(now)
        else:
            end = self._ended_at if self._ended_at is not None else now
            paused = self._paused_total + (end - self._paused_at if self.state is RunState.PAUSED else 0.0)
            total = end - self.started_at - paused
        return round(max(0.0, total), 1)

    def time_left(self, now: float) -> float | None:
        timer = self._timer
        if timer is None or not (self.state in TIMED or (self.state is RunState.PAUSED and self._paused_from in TIMED)):
            return None
        return max(0.0, timer.length - self._timer_elapsed(now))

    def control(self, intent: str, slots: dict[str, Any], now: float) -> Reply:
        """Stop, Pause, Resume, TimeLeft, AddTime, Next, Skip, Repeat, Rate, Yes, No, AskQuestion."""
        self._fresh = False
        out: list[Action] = []
        handler = self._on_anotherquestion if intent == ASK_QUESTION else getattr(self, f"_on_{intent.lower()}", None)
        if handler is None or self.done:
            return Reply()
        handler(slots, now, out)
        return Reply(tuple(out))

    def answer(self, text: str, now: float) -> Reply:
        """A free answer while listening (a thanks, a recap, an appreciation)."""
        self._fresh = False
        out: list[Action] = []
        if self.state is RunState.LISTENING:
            self._take_answer(text, now, out)
        return Reply(tuple(out))

    def ask_again(self, key: str, now: float) -> Reply:
        """Say `key` and wait for the rating or offer answer afresh (an answer that was unclear)."""
        self._fresh = False
        out: list[Action] = []
        if self.state in (RunState.RATING, RunState.OFFERING):
            self.asked_again += 1
            self._say(key, out)
            self._rewait(now)
        return Reply(tuple(out))

    def skip_wait(self, now: float) -> Reply:
        """Leave a rating or offer question unanswered (the couple said something else)."""
        self._fresh = False
        out: list[Action] = []
        if self.state in (RunState.RATING, RunState.OFFERING):
            self.index += 1
            self._advance(now, out)
        return Reply(tuple(out))

    # ---- stepping ------------------------------------------------------------------------
    def _advance(self, now: float, out: list[Action]) -> None:
        """Run instant steps until one blocks or the script ends."""
        self.state = RunState.RUNNING
        self._timer = None
        self._deadline = None
        while self.index < len(self.ritual.steps):
            step = self.ritual.steps[self.index]
            if self._begin(step, now, out):
                return
            self.index += 1
        self._finish("completed" if not self.cut_short else "partial", now)

    def _begin(self, step: Step, now: float, out: list[Action]) -> bool:
        """Do one step; True when it blocks."""
        if isinstance(step, SayStep):
            if self.recorded and self.cut_short:  # "next" ended the hold early: "that's a minute and a half" is untrue
                done = self.actual_seconds(now)
                self._say(self._partial_key(done), out, done=self.voices.spoken_duration(done))
            else:
                self._say(step.say, out)
        elif isinstance(step, ChimeStep):
            out.append(Chime(step.chime, self.ritual.pace))
        elif isinstance(step, RecordStep):
            self._recorded_seconds = self.actual_seconds(now)
            self.recorded = True
            self.record_kind = step.record
            self.status = "partial" if self.cut_short else "completed"
        elif isinstance(step, QuestionStep):
            self._question = self.rng.choice(self.book.questions[step.question])
            self.progress = True
            self._say(step.key, out)
        elif isinstance(step, WaitStep):
            self._start_timer(RunState.TIMING, step.wait, now, halfway=step.halfway and self.settings.rituals.halfway_chime)
            return True
        elif isinstance(step, BreatheStep):
            self._start_timer(RunState.BREATHING, step.breathe, now)
            self._timer.cues = self._breath_cues(self._timer.length)  # type: ignore[union-attr]
            return True
        elif isinstance(step, CountStep):
            self._start_timer(RunState.COUNTING, step.count, now)
            self._timer.cues = [(float(i), self.voices.number(i + 1)) for i in range(step.count)]  # type: ignore[union-attr]
            return True
        elif isinstance(step, ListenStep):
            self._partner = 0
            self._answer = 0
            if self.prefill and not step.per_partner:
                self._take_text(step, self.prefill)
                self.prefill = None
                return False
            if step.prompt:
                self._say(step.prompt, out)
            self._wait(RunState.LISTENING, step.timeout, now)
            return True
        elif isinstance(step, AskRatingStep):
            if not self._rating_allowed():
                return False
            self._say(step.ask_rating, out)
            self._wait(RunState.RATING, step.timeout, now)
            return True
        elif isinstance(step, OfferStep):
            self._say(step.key, out)
            self._wait(RunState.OFFERING, step.timeout, now)
            return True
        return False

    def _rating_allowed(self) -> bool:
        """Only a recorded (completed or partial) moment is rated, only when the couple wants the
        question, and only when the Dialog's gate says it is not too soon after the last one."""
        if not self.recorded or not self.settings.rituals.ask_rating:
            return False
        return self.may_ask_rating is None or self.may_ask_rating()

    def _start_timer(self, state: RunState, length: Any, now: float, halfway: bool = False) -> None:
        main = length == "duration"
        if main:
            seconds = self.planned_seconds or 0.0
        elif isinstance(length, str):
            seconds = float(self.settings.durations.seconds(length))
        else:
            seconds = float(length)
        self.state = state
        self._timer = _Timer(now, seconds, main=main, halfway=halfway)
        self._fresh = True

    def _wait(self, state: RunState, timeout: float, now: float) -> None:
        self.state = state
        self._entered_wait = now
        self._deadline = now + timeout
        self._fresh = True

    def _rewait(self, now: float, factor: float = 1.0) -> None:
        """The rating or offer question waits afresh from `now` (`factor` times its own timeout)."""
        step = self.ritual.steps[self.index]
        timeout = float(getattr(step, "timeout", 20))
        self._entered_wait = now
        self._deadline = now + timeout * factor
        self._fresh = True

    def _breath_cues(self, length: float) -> list[tuple[float, str]]:
        """In/out cues from the config's pace; none so close to the end that its chime and word would
        still be sounding when the end chime is due (the step's `cue_seconds`)."""
        inhale, exhale = self.settings.breathing.inhale, self.settings.breathing.exhale
        step = self.ritual.steps[self.index]
        fit = step.cue_seconds if isinstance(step, BreatheStep) else 0
        cues: list[tuple[float, str]] = []
        t = 0.0
        while t < length:
            if length - t >= fit:
                cues.append((t, "in"))
            if t + inhale < length and length - (t + inhale) >= fit:
                cues.append((t + inhale, "out"))
            t += inhale + exhale
        return cues

    def _tick_once(self, now: float, out: list[Action]) -> bool:
        """Handle the earliest thing due at `now`; False when nothing is due."""
        due = self.next_deadline()
        if due is None or due > now:
            return False
        if self.state in WAITING:
            self._on_timeout(now, out)
            return True
        timer = self._timer
        assert timer is not None
        end = timer.t0 + timer.length
        if timer.halfway and timer.t0 + timer.length / 2 <= now:
            timer.halfway = False
            if end > now:  # a tick so late that the end is due too skips the halfway chime
                out.append(Chime("halfway", self.ritual.pace))
            return True
        cues, i = timer.cues, timer.next_cue
        if i < len(cues) and timer.t0 + cues[i][0] <= now:
            timer.next_cue += 1
            stale = (i + 1 < len(cues) and timer.t0 + cues[i + 1][0] <= now) or end <= now
            if not stale:  # a late tick speaks only the cue that is current, never a burst
                self._cue(cues[i][1], out)
            else:
                self.progress = True
            return True
        if end <= now:
            self._end_timer(end, out)
            return True
        return False

    def _cue(self, cue: str, out: list[Action]) -> None:
        self.progress = True
        if self.state is RunState.COUNTING:
            step = self.ritual.steps[self.index]
            assert isinstance(step, CountStep)
            self._say(step.key, out, number=cue)
            return
        step = self.ritual.steps[self.index]
        assert isinstance(step, BreatheStep)
        if step.cues in ("chimes", "both"):
            out.append(Chime("inhale" if cue == "in" else "exhale", self.ritual.pace))
        if step.cues in ("words", "both"):
            self._say("breathe_in" if cue == "in" else "breathe_out", out)

    def _end_timer(self, at: float, out: list[Action]) -> None:
        timer = self._timer
        assert timer is not None
        if timer.main:
            self._main_done += timer.length
        self.progress = self.progress or timer.length > 0
        self.index += 1
        self._advance(at, out)

    def _timer_elapsed(self, now: float) -> float:
        timer = self._timer
        if timer is None:
            return 0.0
        ref = self._paused_at if self.state is RunState.PAUSED else now
        return min(max(0.0, ref - timer.t0), timer.length)

    # ---- answers -------------------------------------------------------------------------
    def _listen_step(self) -> ListenStep:
        step = self.ritual.steps[self.index]
        assert isinstance(step, ListenStep)
        return step

    def _partner_name(self, i: int | None = None) -> str:
        return (self.first, self.second)[(self._partner if i is None else i) % 2]

    @property
    def first_took_part(self) -> bool:
        """The partner the script addressed first, by name, answered in their own turn: then who
        started is known (the one who went first when asked to)."""
        return self.counts.get(self.first, 0) > 0

    def _take_text(self, step: ListenStep, text: str) -> None:
        # One person's turn each: the answer is theirs. A single answer (an appreciation) is the
        # starter's when known, else counted under what it is: nobody's name is guessed.
        name = self._partner_name() if step.per_partner else (self.initiated_by or step.listen)
        self.counts[name] = self.counts.get(name, 0) + 1
        self.progress = True
        stored = bool(step.store and self.settings.keep_gratitude_text and text.strip())
        if stored:
            self.texts.append(text.strip())
        self._last_answer = (name, stored, self._partner, self.index)

    def _on_forgetthat(self, slots: dict, now: float, out: list[Action]) -> None:
        """"Forget that" while answering: the last answer's words and count go; they may say another."""
        last, self._last_answer = self._last_answer, None
        if self.state is not RunState.LISTENING or last is None or last[3] != self.index:
            self._say("forget_nothing", out)
            return
        name, stored, partner, _ = last
        self.counts[name] -= 1
        if not self.counts[name]:
            del self.counts[name]
        if stored:
            self.texts.pop()
        if partner == self._partner and self._answer > 0:
            self._answer -= 1
        self._say("forgot_answer", out, name=name)

    def _take_answer(self, text: str, now: float, out: list[Action]) -> None:
        step = self._listen_step()
        self._take_text(step, text)
        self._after_answer(step, now, out, skipped=False)

    def _after_answer(self, step: ListenStep, now: float, out: list[Action], skipped: bool) -> None:
        self._answer += 1
        if self._answer < step.answers:
            key = step.skip_ack if skipped else step.ack
            if key:
                self._say(key, out, name=self._partner_name())
            self._wait(RunState.LISTENING, step.timeout, now)
            return
        self._next_partner(step, now, out)

    def _next_partner(self, step: ListenStep, now: float, out: list[Action]) -> None:
        if step.per_partner and self._partner == 0:
            self._partner, self._answer = 1, 0
            if step.handover:
                self._say(step.handover, out, name=self._partner_name(0), other=self._partner_name(1))
            elif step.prompt:
                self._say(step.prompt, out)
            self._wait(RunState.LISTENING, step.timeout, now)
            return
        self.index += 1
        self._advance(now, out)

    def _on_timeout(self, now: float, out: list[Action]) -> None:
        if self.state is RunState.LISTENING:
            status = self._stopped_status()
            end = min(now, self._entered_wait)  # the silence is not time together
            if status == "partial":  # what was said still counts, and is celebrated
                self._ended_at = end
                done = self.actual_seconds(end)
                self._say(self._partial_key(done), out, done=self.voices.spoken_duration(done))
            else:
                self._say("listen_timeout", out)
            self._finish(status, end)
        else:  # an unanswered rating or offer just moves on
            self.index += 1
            self._advance(now, out)

    # ---- controls ------------------------------------------------------------------------
    def _on_stop(self, slots: dict, now: float, out: list[Action]) -> None:
        if self.state is RunState.PAUSED:
            self._resume_clock(now)
        if self.state in TIMED and self._timer_elapsed(now) >= 1.0:
            self.progress = True  # a repair's pause held for a while is time spent together
        done = self.actual_seconds(now)
        status = self._stopped_status(now)
        if not self.recorded:
            key = self._partial_key(done) if status == "partial" else self.ritual.cancelled
            self._say(key, out, done=self.voices.spoken_duration(done))
        else:  # the ritual itself is done: a rating or follow-up question is simply let go
            out.append(Chime("soft", self.ritual.pace))
            if not slots.get("shutdown"):
                self._say("stopped_after_done", out)
        if self._timer and self._timer.main and self.state in (RunState.TIMING, RunState.BREATHING):
            self._main_done += self._timer_elapsed(now)
        self._finish(status, now)

    def _stopped_status(self, now: float | None = None) -> str:
        if self.recorded:
            return self.status
        if self.ritual.timed and now is not None and not self.counts:
            return "partial" if self.actual_seconds(now) >= 1.0 else "cancelled"
        return "partial" if self.progress else "cancelled"

    def _partial_key(self, done: float) -> str:
        """A few seconds of talking is no "seven seconds of talking": very short runs get the
        ritual's `_brief` phrasing when it has one."""
        brief = f"{self.ritual.partial}_brief"
        short = done < max(BRIEF_SECONDS, BRIEF_SHARE * (self.planned_seconds or 0.0))
        return brief if short and self.voices.has(brief) else self.ritual.partial

    def _on_pause(self, slots: dict, now: float, out: list[Action]) -> None:
        if self.state is RunState.PAUSED:
            self._say("already_paused", out)
            return
        if self.state in (RunState.RATING, RunState.OFFERING):
            self._say("take_your_time", out)  # the question stays open, for longer
            self._rewait(now, factor=TAKE_YOUR_TIME)
            return
        if self.state not in TIMED and self.state is not RunState.LISTENING:
            return
        self._paused_from = self.state
        self._paused_at = now
        self.state = RunState.PAUSED
        left = self.time_left(now)
        self._say("paused", out, left=self.voices.spoken_duration(left or 0, approximate=True))

    def _resume_clock(self, now: float) -> None:
        shift = now - self._paused_at
        self._paused_total += shift
        if self._timer:
            self._timer.t0 += shift
        if self._deadline is not None:
            self._deadline += shift
            self._entered_wait += shift
        assert self._paused_from is not None
        self.state = self._paused_from
        self._paused_from = None

    def _on_resume(self, slots: dict, now: float, out: list[Action]) -> None:
        if self.state is not RunState.PAUSED:
            self._say("not_paused", out)
            return
        self._resume_clock(now)
        left = self.time_left(now)
        self._say("resumed", out, left=self.voices.spoken_duration(left or 0, approximate=True))

    def _on_timeleft(self, slots: dict, now: float, out: list[Action]) -> None:
        left = self.time_left(now)
        if left is None:
            self._say("time_left_untimed", out)
            return
        key = "time_left_paused" if self.state is RunState.PAUSED else "time_left"
        self._say(key, out, left=self.voices.spoken_duration(left, approximate=True))

    def _on_addtime(self, slots: dict, now: float, out: list[Action]) -> None:
        left = self.time_left(now)
        if left is None or self._timer is None or self.state is RunState.COUNTING:
            self._say("add_time_untimed", out)
            return
        seconds = slots.get("seconds")
        add = float(seconds) if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and 0 < seconds <= 3 * 3600 \
            else float(DEFAULT_ADD_SECONDS)
        self._timer.length += add
        if self._timer.main:
            self.added += add
        if self.state is RunState.BREATHING or self._paused_from is RunState.BREATHING:
            done = self._timer.next_cue
            self._timer.cues = self._breath_cues(self._timer.length)
            self._timer.next_cue = done
        self._say("time_added", out, added=self.voices.spoken_duration(add),
                  left=self.voices.spoken_duration(left + add, approximate=True))

    def _on_next(self, slots: dict, now: float, out: list[Action]) -> None:
        if self.state is RunState.TIMING and self._asked() is not None:
            self._on_anotherquestion(slots, now, out)  # "next question" in a check-in: a new one, not the end
            return
        if self.state is RunState.PAUSED:
            self._resume_clock(now)
        if self.state in (RunState.TIMING, RunState.BREATHING, RunState.COUNTING):
            timer = self._timer
            assert timer is not None
            elapsed = self._timer_elapsed(now)
            if timer.main:
                self._main_done += elapsed
                self.cut_short = self.cut_short or elapsed < timer.length
                timer.length = 0.0  # already counted
            self.progress = self.progress or elapsed > 0
            self.index += 1
            self._advance(now, out)
        elif self.state is RunState.LISTENING:
            self._next_partner(self._listen_step(), now, out)
        elif self.state in (RunState.RATING, RunState.OFFERING):
            self._let_question_go(out)
            self.index += 1
            self._advance(now, out)

    def _on_skip(self, slots: dict, now: float, out: list[Action]) -> None:
        if self.state is RunState.LISTENING:
            self._after_answer(self._listen_step(), now, out, skipped=True)
        else:
            self._on_next(slots, now, out)

    def _asked(self) -> QuestionStep | None:
        """The question step this run has already asked from, if any."""
        if not self._question:
            return None
        return next((step for step in self.ritual.steps[:self.index + 1] if isinstance(step, QuestionStep)), None)

    def _on_anotherquestion(self, slots: dict, now: float, out: list[Action]) -> None:
        """A different question from the same bank, when this ritual asked one; the timer goes on."""
        asked = self._asked()
        if asked is None:
            self._say("no_question_here", out)
            return
        others = [q for q in self.book.questions[asked.question] if q != self._question]
        if not others:
            self._say("no_other_question", out)
            return
        self._question = self.rng.choice(others)
        self._say("another_question", out)

    def _on_repeat(self, slots: dict, now: float, out: list[Action]) -> None:
        if self.last_say is None:
            self._say("nothing_to_repeat", out)
        else:
            out.append(self.last_say)

    def _on_rate(self, slots: dict, now: float, out: list[Action]) -> None:
        rating = slots.get("rating")
        if self.state is not RunState.RATING or not isinstance(rating, int) or not 1 <= rating <= 5:
            return
        self.rating = rating
        self._say("rating_thanks", out, rating=self.voices.number(rating))
        self.index += 1
        self._advance(now, out)

    def _on_yes(self, slots: dict, now: float, out: list[Action]) -> None:
        if self.state is not RunState.OFFERING:
            return
        step = self.ritual.steps[self.index]
        assert isinstance(step, OfferStep)
        if step.accepted:
            self._say(step.accepted, out)
        self.follow_up = FollowUp(step.offer, step.variant, step.seconds)
        self.index += 1
        self._advance(now, out)

    def _on_no(self, slots: dict, now: float, out: list[Action]) -> None:
        if self.state in (RunState.OFFERING, RunState.RATING):
            self._let_question_go(out)
            self.index += 1
            self._advance(now, out)

    def _let_question_go(self, out: list[Action]) -> None:
        """No, skip or next at a question: a word that it is let go (the follow-up's own "no" line)."""
        step = self.ritual.steps[self.index]
        if isinstance(step, OfferStep):
            self._say(step.declined or "offer_declined", out)
        else:
            self._say("rating_skipped", out)

    # ---- helpers -------------------------------------------------------------------------
    def _finish(self, status: str, now: float) -> None:
        self.state = RunState.DONE
        self.status = status
        self._ended_at = now
        self._timer = None
        self._deadline = None

    def slots(self, **extra: Any) -> dict[str, Any]:
        name = extra.pop("name", None) or self.first
        other = extra.pop("other", None) or (self.second if name == self.first else self.first)
        planned = self.planned_seconds
        values: dict[str, Any] = {
            "first": self.first, "second": self.second, "name": name, "other": other,
            "duration": self.voices.spoken_duration(planned) if planned else "",
            "done": "", "left": "", "question": self._question, "number": "",
            "count": self.voices.number(sum(self.counts.values())),
            "ritual": self.voices.noun(self.ritual.name),
        }
        values.update(extra)
        return values

    def _say(self, key: str, out: list[Action], **extra: Any) -> None:
        if self.variant:
            key = self.variant.keys.get(key, key)
        say = replace(self.voices.render(key, self.rng, **self.slots(**extra)), pace=self.ritual.pace)
        self.last_say = say
        out.append(say)
