"""The conversation: text (typed or transcribed) and clock ticks in, replies out.

`Dialog` decides what an understood sentence means *now*: a control for the running ritual, an
answer it waits for, a new ritual, or a question about the journal. It owns at most one
`RitualRun` and keeps the journal in step with it (begin, heartbeats, finish), so a crash in the
middle of a hug still leaves a partial moment. It never sleeps and never reads the clock except
through the injected `Clock`; the host calls `tick()` at `next_deadline()`. When idle, a tick
may make one of the couple's gentle offers (`offers.py`), and the next words answer it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from assistant.clock import Clock
from assistant.dialog.clarify import Clarifier
from assistant.dialog.doubt import DoubtSettings, idle_talk, weigh
from assistant.config import Settings
from assistant.dialog.offers import ANSWER_MEANS, OfferKeeper, offer_keys
from assistant.dialog.summaries import streak_lines, today_lines, week_lines
from assistant.dialog.voices import Voices
from assistant.errors import JournalError
from assistant.journal.figures import Figures, Period, figures_for
from assistant.journal.records import Moment
from assistant.messages import Event, IntentMatch, NoMatch, Reply, Say, Transcript
from assistant.rituals.engine import CONTROLS, HELP, IDLE, Expectation, RitualRun, RunState
from assistant.rituals.script import AskRatingStep, RitualBook

HEARTBEAT_SECONDS = 15.0
"""How often a running ritual's real seconds are saved, in case the power goes."""
ANSWER_CONTROL_CONFIDENCE = 0.92
"""While listening for free answers, a fuzzy control match must be this sure (and short) to count."""
ANSWER_CONTROL_WORDS = 4
RITUAL_ANSWERS = frozenset({"Skip", "Rate", "Yes", "No", "ForgetThat"})
IDLE_ANSWERED = (CONTROLS | RITUAL_ANSWERS) - {"Rate", "ForgetThat"}
"""With nothing running, these change nothing: they only get an answer ("Nothing's running right now.")."""
IDLE_SILENT = IDLE_ANSWERED - {"Repeat"}
"""Of those, the ones let pass in silence when heard only half (doubt.idle_talk): "say that again" still repeats
Tandem's last line."""
MAX_RITUAL_SECONDS = 3 * 3600
"""The longest a ritual can last (config durations cap): how far back a rated moment may have started."""
SPEAKER_SECONDS = 90.0
"""A partner who just said their name ("it's Alex") is the one starting what is asked this soon after."""
NAME_ONLY_WORDS = 3
"""A name with at most this many other words that mean nothing ("it's Alex", "Sam here") says who speaks."""
RECENT_MOMENT = timedelta(minutes=10)
"""How long after a moment "it's Sam" still tells who started it."""


class Dialog:
    """One couple's conversation with Tandem."""

    def __init__(self, settings: Settings, matcher: Any, voices: Voices, rituals: RitualBook,
                 journal: Any, clock: Clock, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.matcher = matcher
        self.voices = voices
        self.rituals = rituals
        self.journal = journal
        self.clock = clock
        self.rng = rng or random.Random()
        self.run: RitualRun | None = None
        self._moment_id: str | None = None
        self._finished = False
        self._next_heartbeat: float | None = None
        self._last_moment_id: str | None = None
        self._last_say: Say | None = None
        self._initiated: str | None = None
        """Who started the running ritual, when known."""
        self._speaker: tuple[str, float] | None = None
        """The partner who last said their name, and when (monotonic)."""
        self._offer_addressed: str | None = None
        """The partner the waiting offer named aloud ("Sam, your turn to start the thanks?")."""
        self._names = [(name, re.compile(rf"(?<!\w){re.escape(name)}(?:['’]s)?(?!\w)", re.IGNORECASE))
                       for name in settings.partners.names]
        self._offers = OfferKeeper(settings, journal, clock)
        self._clarify = Clarifier(voices, rituals, settings.durations, clock, self.rng, matcher.language)
        self.doubt = DoubtSettings()
        """When weak evidence from the recognizer is asked about rather than acted on (dialog/doubt.py)."""
        self._last_rating_ask: float | None = self._recent_rating()

    # ---- the contract --------------------------------------------------------------------
    def hear(self, text: str, addressed: bool = True) -> Reply:
        """A line the couple said (or typed). `addressed`: it followed the wake phrase, or was typed."""
        text = text if isinstance(text, str) else ""
        if not text.strip():
            return Reply()
        return self._hear_texts([text], text, addressed, heard=False)

    def hear_transcript(self, transcript: Transcript, addressed: bool | None = None) -> Reply:
        """A recognizer's transcript: all its alternatives are tried.

        It was addressed to Tandem when it began with the wake phrase, or when Tandem is idle (the
        loop only passes an unwoken transcript then from the listening window after a bare wake
        phrase). Inside a ritual, unwoken talk that means nothing is the couple talking: no reply.
        """
        texts = [t for t in (transcript.text, *transcript.alternatives) if isinstance(t, str) and t.strip()]
        if not texts:
            return Reply()
        if addressed is None:
            addressed = transcript.woke or transcript.engine == "text" or self.expecting().wake_needed
        return self._hear_texts(texts, transcript.text, addressed, transcript=transcript)

    def _hear_texts(self, texts: list[str], text: str, addressed: bool, heard: bool = True,
                    transcript: Transcript | None = None) -> Reply:
        """Match what was heard; a partner's name in it says who speaks ("Sam's starting a hug",
        "it's Alex"), except in an answer (thanks name people freely)."""
        run = self.run
        listening = run is not None and run.state is RunState.LISTENING
        allowed = run.expecting().intents if listening and run else None
        named = None if listening else self._partner_named(texts[0])
        if named is not None:
            name, rest = named
            u = weigh(self._match([rest], allowed, heard, addressed), transcript, self.doubt,
                      lambda t: self._match(list(t), allowed, heard, addressed)) if rest else NoMatch(rest)
            short = len(rest.split()) <= NAME_ONLY_WORDS
            if isinstance(u, IntentMatch) and not (short and u.method != "exact"):
                self._speaker = (name, self.clock.now())
                return self.hear_understanding(u, text, addressed, transcript)
            if short:  # "it's Alex", "that was Sam": a few words around a name say who speaks
                self._offers.heard()
                return self._on_named(name)
        u = weigh(self._match(texts, allowed, heard, addressed), transcript, self.doubt,
                  lambda t: self._match(list(t), allowed, heard, addressed))
        return self.hear_understanding(u, text, addressed, transcript)

    def understand(self, hypotheses: list[str], allowed: frozenset[str] | None,
                   transcript: Transcript | None = None) -> IntentMatch | NoMatch:
        """What unwoken words heard now mean among `allowed` (the loop's answers to an offer, a question, a
        ritual's controls), with what the dialog knows: an offered ritual named is yes, Tandem has just asked;
        and, given the `transcript` they came from, how well they were heard (dialog/doubt.py)."""
        return weigh(self._match(hypotheses, allowed), transcript, self.doubt, lambda t: self._match(list(t), allowed))

    def _match(self, texts: list[str], allowed: frozenset[str] | None, heard: bool = True,
               addressed: bool = False) -> IntentMatch | NoMatch:
        """`heard`: a recognizer's hypotheses (their numbers get sound-alike choices); typed text is taken as typed.
        `addressed` (after the wake phrase, or typed) while a ritual runs: its controls are likelier than idle."""
        best = getattr(self.matcher, "match_best", None)
        means = self._answer_means()
        extra: dict[str, Any] = {"means": means} if means else {}
        if self._asked():
            extra["asked"] = True
        elif addressed and allowed is None and self.run is not None:
            extra["likely"] = self.run.expecting().intents
        return best(texts, allowed, **extra) if best and heard else self.matcher.match(texts[0], allowed, **extra)

    def _asked(self) -> bool:
        """Tandem has just asked something (an offer, a short question, a rating, a follow-up ritual): what
        is said now is likelier an answer than talk not meant for it, and the matcher is told so."""
        if self._clarify.expecting() is not None:
            return True
        if self.run is not None:
            return self.run.state in (RunState.RATING, RunState.OFFERING)
        return (self._offers.pending or self._offers.late) is not None

    def _answer_means(self) -> dict[str, str]:
        """What the matcher should take as an answer now: while a ritual is offered, naming it accepts it
        ("yeah, a hug", "ooh, a walk"), and so do "go on" and "I'll pass" (`ANSWER_MEANS`). Once its answer
        window has closed, naming it is a request of its own."""
        offer = self._offers.pending if self.run is None else None
        ritual = self.rituals.rituals.get(offer.ritual) if offer is not None else None
        return {**ANSWER_MEANS, ritual.intent: "Yes"} if ritual is not None else {}

    def _partner_named(self, text: str) -> tuple[str, str] | None:
        """(the one partner named in `text`, the text without the name); None unless exactly one is."""
        found = [(name, pattern) for name, pattern in self._names if pattern.search(text)]
        if len(found) != 1:
            return None
        name, pattern = found[0]
        return name, " ".join(pattern.sub(" ", text).split())

    def hear_understanding(self, u: IntentMatch | NoMatch, text: str, addressed: bool = True,
                           transcript: Transcript | None = None) -> Reply:
        """Act on an understanding (the loop may have matched it already, e.g. from an n-best list); `transcript`:
        what it was heard from, None for typed text."""
        now = self.clock.now()
        run = self.run
        self._offers.heard()
        if (run is None and not self._asked() and isinstance(u, IntentMatch) and u.intent in IDLE_SILENT
                and idle_talk(u, transcript, ANSWER_CONTROL_CONFIDENCE)):
            # "stop the kettle" half heard as a stop: nothing to stop, and no answer to kitchen talk (the intent is
            # still told, so a stop said over Tandem's own voice still silences it)
            return Reply((), (Event("intent", self._intent_details(u, text)),))
        heard_idle = run is None and transcript is not None and transcript.engine != "text" and not self._asked()
        u, asked = self._clarify.settle(u, run.name if run else None, bool(run and run.state is RunState.LISTENING),
                                        heard_idle)
        if asked is not None:  # one short question instead of a guess, or the answer to one
            self._remember(asked)
            return asked
        if run and run.state is RunState.LISTENING and not self._is_control_in_answer(u, text):
            return self._after(run.answer(text, now)) if text.strip() else Reply()
        events: tuple[Event, ...] = ()
        if isinstance(u, IntentMatch):
            events = (Event("intent", self._intent_details(u, text)),)
        reply = Reply((), events)
        if self._offers.pending is not None and run is None:
            offer_reply, answered = self._answer_offer(u)
            if answered:
                return reply + offer_reply
            reply = reply + offer_reply
        elif run is None and self._offers.late is not None:
            late = self._answer_late_offer(u)
            if late is not None:
                return reply + late
        if isinstance(u, IntentMatch) and u.intent == HELP:
            return reply + self._on_Help(u)
        if run and run.state is RunState.RATING and isinstance(u, NoMatch) and addressed and text.strip():
            return reply + self._unclear_rating(text, now)
        if run and run.state in (RunState.RATING, RunState.OFFERING) and not self._expected(u):
            reply = reply + self._after(run.skip_wait(now))
            run = self.run
        if run and isinstance(u, IntentMatch):
            if u.intent in CONTROLS or self._expected(u):
                return reply + self._after(run.control(u.intent, dict(u.slots), now))
            if self.rituals.by_intent(u.intent):
                return reply + self._say("ritual_busy", ritual=self.voices.noun(run.name))
        return reply + self._idle(u, addressed)

    def tick(self) -> Reply:
        """Whatever is due now: cues, a timer's end, a timeout, a heartbeat."""
        run = self.run
        if run is None:
            return self._offer_tick()
        now = self.clock.now()
        reply = run.tick(now)
        if self._next_heartbeat is not None and now >= self._next_heartbeat and not run.done:
            self._heartbeat(now)
        return self._after(reply) + self._offer_tick(running=True)

    def next_deadline(self) -> float | None:
        run = self.run
        offer = self._offers.next_deadline()
        if run is None:
            return offer
        times = [t for t in (run.next_deadline(), None if self._finished else self._next_heartbeat, offer)
                 if t is not None]
        return min(times) if times else None

    def expecting(self) -> Expectation:
        asked = self._clarify.expecting()
        if asked is not None:
            return asked
        if self.run:
            return self.run.expecting()
        return self._offers.expecting() or IDLE

    @property
    def busy(self) -> bool:
        """A ritual is running or an offer waits for its answer (the host lets these finish)."""
        return self.run is not None or self._offers.pending is not None

    def output_busy_until(self, t: float) -> None:
        """The host's speech and chimes end at `t`: a timed step that follows them starts then."""
        self._offers.busy_until(t)
        if self.run:
            self.run.output_busy_until(t)

    def shutdown(self) -> Reply:
        """Close a running ritual as if the couple said stop (the program is exiting)."""
        if self.run is None:
            return Reply()
        return self._after(self.run.control("Stop", {"shutdown": True}, self.clock.now()))

    def notice(self, key: str, **slots: Any) -> Reply:
        """Speak a one-off notice by key (e.g. the journal's `journal_set_aside`), if the voices have it."""
        return self._say(key, **slots) if self.voices.has(key) else Reply()

    @property
    def running(self) -> str | None:
        """The running ritual's name, if any."""
        return self.run.name if self.run else None

    # ---- rituals -------------------------------------------------------------------------
    def start(self, ritual_name: str, variant: str | None = None, seconds: int | None = None,
              prefill: str | None = None, initiated_by: str | None = None) -> Reply:
        """Start a ritual by name (what a Start intent does)."""
        ritual = self.rituals[ritual_name]
        names = self.settings.partners.names
        initiated = initiated_by if initiated_by in names else None  # known, or not recorded at all
        first = initiated or self._turn(ritual.name)  # who goes first: by rotation when nobody said
        second = self.settings.partners.other(first)
        run = RitualRun(ritual, self.rituals, self.voices, self.settings, self.rng, first, second,
                        variant=variant, seconds=seconds, prefill=prefill, may_ask_rating=self._may_ask_rating)
        run.initiated_by = initiated
        now = self.clock.now()
        self.run, self._finished = run, False
        self._moment_id = None
        self._initiated = initiated
        moment = Moment(ritual=ritual.name, started=self.clock.wall(), planned_seconds=run.planned_seconds,
                        status="running", initiated_by=initiated, kind=ritual.kind, actual_seconds=0.0)
        errors = []
        try:
            if self.journal is not None:
                self._moment_id = self.journal.begin(moment)
        except JournalError as error:
            errors.append(Event("error", {"what": str(error)}))
        events = [Event("ritual_start", {"ritual": ritual.name, "variant": run.variant_name,
                                         "planned_seconds": run.planned_seconds, "first": first,
                                         "initiated_by": initiated, "id": self._moment_id}), *errors]
        self._next_heartbeat = now + HEARTBEAT_SECONDS
        return Reply((), tuple(events)) + self._after(run.start(now))

    def _after(self, reply: Reply) -> Reply:
        """Keep the journal in step with the run; close it when done; start an accepted follow-up."""
        run = self.run
        self._remember(reply)
        if run is None:
            return reply
        now = self.clock.now()
        extra = Reply()
        if run.recorded and not self._finished:
            extra = extra + self._finish(run, run.status, now)
        if run.rating is not None and self._moment_id and self._finished:
            self._journal_call("rate", self._moment_id, run.rating)
            run.rating = None
        if run.done:
            if not self._finished:
                extra = extra + self._finish(run, run.status, now)
            extra = extra + Reply((), (Event("ritual_end", {"ritual": run.name, "status": run.status,
                                                            "seconds": run.actual_seconds(now),
                                                            "planned_seconds": run.planned_seconds,
                                                            "initiated_by": self._initiated,
                                                            "id": self._moment_id}),))
            self._last_moment_id = self._moment_id or self._last_moment_id
            self.run = None
            self._next_heartbeat = None
            if run.follow_up:
                f = run.follow_up
                extra = extra + self.start(f.ritual, f.variant, f.seconds)
        self._remember(extra)
        return reply + extra

    def _finish(self, run: RitualRun, status: str, now: float) -> Reply:
        self._finished = True
        self._next_heartbeat = None
        if self.journal is None or self._moment_id is None:
            return Reply()
        counts = dict(run.counts) if run.counts else None
        if self._initiated is None and run.first_took_part:
            self._initiated = run.first  # asked by name to go first, and they did
        fields: dict[str, Any] = {
            "status": status, "actual_seconds": run.actual_seconds(now), "ended": self.clock.wall(),
            "planned_seconds": run.planned_seconds, "counts": counts, "texts": list(run.texts) or None,
            "kind": run.record_kind, "initiated_by": self._initiated,
        }
        try:
            self.journal.finish(self._moment_id, **fields)
        except JournalError as error:
            return self._say("journal_error") + Reply((), (Event("error", {"what": str(error)}),))
        return Reply()

    # ---- the rating question -------------------------------------------------------------
    def _may_ask_rating(self) -> bool:
        """The engine's gate before "how did that feel?": True claims the question now.

        Never twice within `rating_gap_minutes`, so rating stays a pleasure and not a chore."""
        gap = self.settings.rituals.rating_gap_minutes * 60  # (`ask_rating = false` is the engine's check)
        now = self.clock.now()
        if self._last_rating_ask is not None and now - self._last_rating_ask < gap:
            return False
        self._last_rating_ask = now
        return True

    def _recent_rating(self) -> float | None:
        """On start-up, a moment rated within the gap counts as a recent question (a restart
        must not ask again), placed on the monotonic clock by its end time. So does any done
        moment of a ritual that asks: an unanswered question leaves no trace in the journal."""
        wall = self.clock.wall()
        gap = timedelta(minutes=self.settings.rituals.rating_gap_minutes)
        recent = self._journal_call("moments", wall - gap - timedelta(seconds=MAX_RITUAL_SECONDS)) or []
        rated = [m.ended or m.started for m in recent
                 if m.rating is not None or (m.done and self._asks_rating(m.ritual))]
        latest = max(rated, default=None)
        if latest is None or wall - latest >= gap:
            return None
        return self.clock.now() - max(0.0, (wall - latest).total_seconds())

    def _asks_rating(self, name: str) -> bool:
        """`name`'s script may ask how it felt (so its end may have had a question)."""
        ritual = self.rituals.rituals.get(name)
        return ritual is not None and any(isinstance(step, AskRatingStep) for step in ritual.steps)

    def _heartbeat(self, now: float) -> None:
        self._next_heartbeat = now + HEARTBEAT_SECONDS
        if self.run and self._moment_id and not self._finished:
            self._journal_call("heartbeat", self._moment_id, self.run.actual_seconds(now))

    # ---- gentle offers ------------------------------------------------------------------
    def _offer_tick(self, running: bool = False) -> Reply:
        """Close an offer nobody answered (quietly: silence is an answer too), or make a due one
        (not in the very tick a ritual ends: it gets its moment first)."""
        keeper = self._offers
        if keeper.expired():
            return self._offer_event("offer_answer", keeper.timed_out())
        proposal = keeper.due(running=running or self.run is not None)
        if proposal is None:
            return Reply()
        key = next(k for k in offer_keys(proposal.ritual, proposal.variant, proposal.reason) if self.voices.has(k))
        name = self._turn(proposal.ritual)
        reply = self._say(key, ritual=self.voices.noun(proposal.ritual), name=name,
                          other=self.settings.partners.other(name))
        # Only an offer that named someone says who starts it when it is taken up.
        self._offer_addressed = self._partner_named(reply.said[0])[0] if self._partner_named(reply.said[0]) else None
        return reply + self._offer_event("offer", keeper.made(proposal))

    def _answer_offer(self, u: IntentMatch | NoMatch) -> tuple[Reply, bool]:
        """Yes starts the offered ritual, no and "not today" get a kind word, "repeat that" says it
        again (answered: True); anything else leaves the offer unanswered and is then handled as
        the command it is."""
        keeper = self._offers
        offer = keeper.pending
        intent = u.intent if isinstance(u, IntentMatch) else None
        if offer is None or intent not in ("Yes", "No", "Stop", "NotToday", "Repeat"):
            return self._offer_event("offer_answer", keeper.answered("unanswered")), False
        if intent == "Repeat":  # "what?": the offer again, and the answer still counts
            keeper.listen_again()
            return self._on_Repeat(u), True  # type: ignore[arg-type]
        if intent == "NotToday":
            return self._on_NotToday(u), True  # type: ignore[arg-type]
        if intent in ("No", "Stop"):
            return self._say("offer_declined") + self._offer_event("offer_answer", keeper.answered("declined")), True
        reply = self.start(offer.ritual, offer.variant, initiated_by=self._speaking() or self._offer_addressed)
        return reply + self._offer_event("offer_answer", keeper.answered("accepted", self._moment_id)), True

    def _answer_late_offer(self, u: IntentMatch | NoMatch) -> Reply | None:
        """A yes or no a little after the answer window closed still answers that offer ("sure, why
        not", from across the kitchen); anything else means it has passed."""
        keeper = self._offers
        intent = u.intent if isinstance(u, IntentMatch) else None
        if intent not in ("Yes", "No"):
            if intent not in (None, "Repeat", HELP):
                keeper.late = None
            return None
        offer = keeper.late
        assert offer is not None
        if intent == "No":
            return self._say("offer_declined") + self._offer_event("offer_answer", keeper.answer_late("declined"))
        reply = self.start(offer.ritual, offer.variant, initiated_by=self._speaking() or self._offer_addressed)
        return reply + self._offer_event("offer_answer", keeper.answer_late("accepted", self._moment_id))

    def _offer_event(self, name: str, offer: Any) -> Reply:
        if offer is None:
            return Reply()
        return Reply((), (Event(name, {"ritual": offer.ritual, "reason": offer.reason, "variant": offer.variant,
                                       "outcome": offer.outcome, "id": offer.id}),))

    def _on_NotToday(self, u: IntentMatch) -> Reply:
        offer = self._offers.pending
        self._offers.silence_today()
        reply = self._say("offers_silenced")
        if offer is not None:
            reply = reply + self._offer_event("offer_answer", replace(offer, outcome="silenced"))
        return reply

    def _turn(self, ritual: str | None) -> str:
        """Whose turn it is to start `ritual` (any ritual when None): whoever did not start the
        last one done whose starter is known. A cancelled ritual does not use up a turn."""
        names = self.settings.partners.names
        last = self._journal_call("last_initiator", ritual)
        return self.settings.partners.other(last) if last in names else names[0]

    # ---- who is speaking -----------------------------------------------------------------
    def _speaking(self) -> str | None:
        """The partner who said their name within `SPEAKER_SECONDS`, if any."""
        if self._speaker is None or self.clock.now() - self._speaker[1] > SPEAKER_SECONDS:
            return None
        return self._speaker[0]

    def _on_named(self, name: str) -> Reply:
        """ "It's Alex", "Sam here": who is speaking, so who started what is running (or just ended),
        or what they ask for next."""
        self._speaker = (name, self.clock.now())
        run = self.run
        if run is not None:
            self._initiated = run.initiated_by = name
            if self._moment_id:
                self._journal_call("set_initiator", self._moment_id, name)
            return self._say("starter_noted", name=name, ritual=self.voices.noun(run.name))
        recent = self._last_moment_id and self._journal_call("get", self._last_moment_id)
        if recent and recent.ended and self.clock.wall() - recent.ended <= RECENT_MOMENT:
            self._journal_call("set_initiator", recent.id, name)
            return self._say("starter_noted", name=name, ritual=self.voices.noun(recent.ritual))
        return self._say("hello_name", name=name)

    # ---- understanding ------------------------------------------------------------------
    def _is_control_in_answer(self, u: IntentMatch | NoMatch, text: str) -> bool:
        """While listening for thanks, only a clear, short command is a command; the rest is an answer."""
        if not isinstance(u, IntentMatch) or self.run is None:
            return False
        allowed = self.run.expecting().intents or frozenset()
        if u.intent not in allowed:
            return False
        return u.method == "exact" or (u.confidence >= ANSWER_CONTROL_CONFIDENCE and len(text.split()) <= ANSWER_CONTROL_WORDS)

    def _intent_details(self, u: IntentMatch, text: str) -> dict[str, Any]:
        """What the event log keeps of a command: free words (an appreciation) only when opted in."""
        slots = dict(u.slots)
        details: dict[str, Any] = {"intent": u.intent, "slots": slots, "confidence": round(u.confidence, 3),
                                   "method": u.method, "text": text}
        if "text" in slots and not self.settings.keep_gratitude_text:
            slots["text"] = "..."
            details["text"] = None
        return details

    def _expected(self, u: IntentMatch | NoMatch) -> bool:
        allowed = self.run.expecting().intents if self.run else None
        return isinstance(u, IntentMatch) and allowed is not None and u.intent in allowed

    def _idle(self, u: IntentMatch | NoMatch, addressed: bool) -> Reply:
        if isinstance(u, NoMatch):
            return self._say("didnt_catch") if addressed else Reply()
        ritual = self.rituals.by_intent(u.intent)
        if ritual is not None:
            seconds = u.slots.get("seconds")
            seconds = seconds if isinstance(seconds, int) and not isinstance(seconds, bool) and 0 < seconds <= 3 * 3600 else None
            variant = u.slots.get("variant") if isinstance(u.slots.get("variant"), str) else None
            text = u.slots.get("text") if isinstance(u.slots.get("text"), str) else None
            return self.start(ritual.name, variant, seconds, prefill=text, initiated_by=self._speaking())
        handler = getattr(self, f"_on_{u.intent}", None)
        if handler is not None:
            return handler(u)
        if u.intent in CONTROLS or u.intent in RITUAL_ANSWERS:
            key = f"idle_{u.intent.lower()}"  # "we need a moment" with nothing running is no error
            return self._say(key if self.voices.has(key) else "nothing_running")
        return self._say("didnt_catch") if addressed else Reply()

    def _on_Repeat(self, u: IntentMatch) -> Reply:
        if self._last_say is None:
            return self._say("nothing_to_repeat")
        return Reply((self._last_say,))

    def _on_Help(self, u: IntentMatch) -> Reply:
        """What can be said right now, in two or three short sentences: inside a ritual its controls,
        at a question its answers, otherwise the rituals and the questions about the week."""
        first, second = self.settings.partners.names
        run = self.run
        if run is None:
            key = "help_offer" if self._offers.pending is not None else "help"
        else:
            key = {RunState.PAUSED: "help_paused", RunState.LISTENING: "help_answers", RunState.RATING: "help_rating",
                   RunState.OFFERING: "help_follow_up"}.get(run.state, "help_timer")
        ritual = self.voices.noun(run.name if run else (self._offers.pending.ritual if self._offers.pending else "moment"))
        return self._say(key, first=first, second=second, ritual=ritual)

    def _on_Yes(self, u: IntentMatch) -> Reply:
        """A yes or no with nothing asked: never met with silence."""
        if self.run is not None:
            return self._say("yes_no_in_ritual", ritual=self.voices.noun(self.run.name))
        return self._say("idle_yes" if u.intent == "Yes" else "idle_no")

    _on_No = _on_Yes

    # ---- the rating question, answered in other words ------------------------------------
    def _unclear_rating(self, text: str, now: float) -> Reply:
        """ "A solid four" is a four; anything else gets the question once more, then it is let go."""
        run = self.run
        assert run is not None
        rating = self._rating_in(text)
        if rating is not None:
            return self._after(run.control("Rate", {"rating": rating}, now))
        if run.asked_again == 0:
            return self._after(run.ask_again("rating_again", now))
        return self._say("rating_let_go") + self._after(run.skip_wait(now))

    def _rating_in(self, text: str) -> int | None:
        """The one number from one to five in `text` (words as the voices spell them, or digits);
        "one" alone counts only in a short answer ("no one knows" is no rating)."""
        words = re.findall(r"[^\W_]+", text.casefold())
        ones = [w.casefold() for w in self.voices.numbers["ones"][:6]]
        found = {int(w) if w.isdigit() else ones.index(w) for w in words
                 if (w.isdigit() and 1 <= int(w) <= 5) or (w in ones[1:6])}
        if found == {1} and len(words) > 3:
            return None
        return found.pop() if len(found) == 1 else None

    def _on_Rate(self, u: IntentMatch) -> Reply:
        rating = u.slots.get("rating")
        target = self._last_moment_id or self._latest_moment_id()
        if target is None or not isinstance(rating, int) or not 1 <= rating <= 5:
            return self._say("rate_nothing")
        last = self._journal_call("get", target)
        if last is not None and not last.done:
            return self._say("rate_nothing")  # a cancelled ritual is never rated
        if self._journal_call("rate", target, rating) is None:
            return self._say("journal_error")
        self._last_rating_ask = self.clock.now()  # just rated: no question about it soon after
        return self._say("rating_thanks", rating=self.voices.number(rating))

    def _on_ForgetThat(self, u: IntentMatch) -> Reply:
        target = self._last_moment_id
        if target is None:
            return self._say("forget_nothing")
        moment = self._journal_call("forget_text", target)
        if moment is None:
            return self._say("forget_nothing")
        return self._say("forgot_text", ritual=self.voices.noun(moment.ritual))

    def _on_TodayStatus(self, u: IntentMatch) -> Reply:
        figures = self._figures(Period.today)
        if figures is None:
            return self._say("journal_error")
        return self._say_lines(today_lines(figures, self.voices))

    def _on_WeekSummary(self, u: IntentMatch) -> Reply:
        scope = "month" if u.slots.get("period") == "month" else "week"
        figures = self._figures(Period.month if scope == "month" else Period.week)
        if figures is None:
            return self._say("journal_error")
        return self._say_lines(week_lines(figures, self.voices, scope))

    def _on_StreakStatus(self, u: IntentMatch) -> Reply:
        figures = self._figures(Period.today)
        if figures is None:
            return self._say("journal_error")
        return self._say_lines(streak_lines(figures, self.voices))

    def _figures(self, period: Callable[[datetime], Period]) -> Figures | None:
        """The same figures `tandem report` prints, for `period` ending now (None: journal trouble)."""
        if self.journal is None:
            return None
        now = self.clock.wall()
        try:
            return figures_for(self.journal, period(now), now, self.settings)
        except JournalError:
            return None

    def _say_lines(self, lines: list[tuple[str, dict[str, Any]]]) -> Reply:
        reply = Reply()
        for key, slots in lines:
            reply = reply + self._say(key, **slots)
        return reply

    def _on_WhoseTurn(self, u: IntentMatch) -> Reply:
        """Only what is known: who started the last one is said when the journal knows it."""
        ritual = u.slots.get("ritual")
        ritual = ritual if isinstance(ritual, str) and ritual in self.rituals.rituals else None
        name = self._turn(ritual)
        other = self.settings.partners.other(name)
        known = self._journal_call("last_initiator", ritual)
        latest = self._journal_call("latest_done", ritual)
        if latest is None:
            shape = "first"  # nothing done yet: either of them
        elif known is None:
            shape = "unknown"  # done, but nobody said who started
        elif latest.initiated_by == known:
            shape = "known"
        else:
            shape = "earlier"  # the latest one's starter is not known: "the last one I know of"
        key = {"first": "whose_turn_first", "unknown": "whose_turn_unknown", "known": "whose_turn",
               "earlier": "whose_turn_earlier"}[shape]
        if ritual is not None:
            key += "_ritual"
        return self._say(key, name=name, other=other, ritual=self.voices.noun(ritual or "moment"))

    # ---- helpers -------------------------------------------------------------------------
    def _latest_moment_id(self) -> str | None:
        moments = self._journal_call("moments") or []
        done = [m for m in moments if m.done]
        return done[-1].id if done else None

    def _journal_call(self, method: str, *args: Any) -> Any:
        """A journal call that turns a journal failure into None (the loop keeps going)."""
        if self.journal is None:
            return None
        try:
            return getattr(self.journal, method)(*args)
        except (JournalError, KeyError):
            return None

    def _say(self, key: str, **slots: Any) -> Reply:
        say = self.voices.render(key, self.rng, **slots)
        self._last_say = say
        return Reply((say,))

    def _remember(self, reply: Reply) -> None:
        for action in reversed(reply.actions):
            if isinstance(action, Say):
                self._last_say = action
                return
