"""One short question instead of a guess: "Ninety-second hug?"

A wrong duration is worse than a miss, and a hug started on kitchen talk worse than a question.
The matcher marks a match `unsure` when the intent is likely but not sure, when two intents are
close, or when recognizer hypotheses heard a slot differently (`IntentMatch.choices`). Here such a
match becomes one question, and the next words answer it:

- "yes" does what was asked; naming one of the offered intents ("the hug") does that one;
- "no" (or "stop") drops it with a kind word; "what?" asks again;
- anything else drops the question and is understood on its own (it may be a new command);
- no answer within `ANSWER_SECONDS` drops it quietly.

A duration heard by a recognizer (one with `choices`) that is too short to be meant for the
ritual (under a quarter of its usual length: a "nineteen-second hug") is also asked about,
offering a sound-alike that fits ("ninety") when the matcher found one. Typed numbers are
meant as typed. A ritual heard said for later ("can we talk about the holidays later") is asked about too: the
words ask for another time, not now. A rating heard with nothing running or asked (no rating question waiting) is asked
back too ("Two out of five for the last one?"): a number near a kitchen speaker ("two and a half", said
"too loud, turn it down") would otherwise rate the latest moment. Typed, it rates. Intents with no question
phrasing in the voices are never guessed: an unsure match of theirs is treated as not understood. Nor
is a control asked about with nothing running ("Stop now?" after kitchen talk would stop nothing; a yes
could only hear that nothing is running).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from assistant.clock import Clock
from assistant.config import Durations
from assistant.dialog.voices import Voices, slots_of
from assistant.errors import DataError
from assistant.messages import Event, IntentMatch, NoMatch, Reply, Say, Understanding
from assistant.rituals.engine import Expectation
from assistant.rituals.script import Ritual, RitualBook

ANSWER_SECONDS = 10.0
"""How long a question waits for its answer, after which it is quietly dropped."""
SHORTEST_SHARE = 0.25
"""A said duration under this share of the ritual's usual length is asked about, not started."""
TWO_WAY_MARGIN = 0.25
"""Two ritual intents closer than this (probability) are both offered: "Hug or breathing pause?"."""
YES, NO = "Yes", frozenset({"No", "Stop"})
CONFIRMED_IDLE = frozenset({"Rate"})
"""Intents that change the journal heard with nothing running or asked: asked back (`clarify_<Intent>`, with their
slots in words) when heard, not typed."""
REPEAT = "Repeat"
WORDS_FILE = Path(__file__).with_name("words.yaml")
"""Words the dialog reads in what it heard, per language (`later`: words that put a request at another time)."""

KEYS: dict[str, frozenset[str]] = {
    "clarify_ritual": frozenset({"ritual"}),
    "clarify_ritual_length": frozenset({"ritual", "length"}),
    "clarify_ritual_duration": frozenset({"ritual", "duration"}),
    "clarify_two": frozenset({"first", "second"}),
    "clarify_declined": frozenset(),
    "clarify_length_seconds": frozenset({"n"}),
    "clarify_length_minutes": frozenset({"n"}),
}
"""Response keys this module speaks (checked at start-up), with their slots. Optional per-intent
questions `clarify_<Intent>` (e.g. `clarify_Pause`) may use {ritual} and {duration}."""


@dataclass(frozen=True)
class Question:
    """A question waiting for its answer: what "yes" does, and the other option offered, if any."""

    match: IntentMatch
    other: IntentMatch | None
    say: Say
    asked_at: float


class Clarifier:
    """Turns unsure understandings into one question, and answers into what to do."""

    def __init__(self, voices: Voices, rituals: RitualBook, durations: Durations, clock: Clock, rng: Any,
                 language: str = "en") -> None:
        voices.check(KEYS)
        self.later = heard_words(language, "later")
        """Words (and phrases) that put what is said at another time than now, in the intents' language: a ritual
        heard with one ("can we talk about the holidays later", read as a check-in at 0.96) is asked about, not
        started; typed, it starts. Dev commands at 12 dB (353 phrasings, 250 near misses, stored decodes, bench
        counting): near misses that started something 5 -> 4, phrasings unchanged (right 258, asked right 20);
        "some time" too would ask "kettle's on, time for our brew hug" heard as "kettle some time ..."."""
        self.voices = voices
        self.rituals = rituals
        self.durations = durations
        self.clock = clock
        self.rng = rng
        self.pending: Question | None = None

    def settle(self, u: Understanding, running: str | None = None, listening: bool = False,
               heard_idle: bool = False) -> tuple[Understanding, Reply | None]:
        """What to act on now (`u`, or what an answer confirmed), or a reply that stands instead.

        `running` names the ritual in progress; while it `listening` for free answers (thanks),
        nothing is asked and no question stays open. `heard_idle`: `u` was heard by a recognizer (not typed)
        with nothing running and nothing asked (no offer or question waiting).
        """
        question, self.pending = self.pending, None
        if question is not None and self.clock.now() - question.asked_at > ANSWER_SECONDS:
            question = None
        if listening:
            return u, None
        if question is not None and isinstance(u, IntentMatch):
            answered = self._answer(question, u)
            if answered is not None:
                return answered
        if not isinstance(u, IntentMatch):
            return u, None
        asked = self._question(u, running, heard_idle)
        if asked is not None:
            self.pending = asked
            details = {"intent": asked.match.intent, "slots": dict(asked.match.slots),
                       "other": asked.other.intent if asked.other else None, "text": u.text}
            return NoMatch(u.text, u.intent, u.confidence), Reply((asked.say,), (Event("clarify", details),))
        if u.unsure:
            return NoMatch(u.text, u.intent, u.confidence), None
        return u, None

    def would_ask(self, u: Understanding, running: str | None = None, heard_idle: bool = False) -> IntentMatch | None:
        """What a question would be about were `u` heard now with no question waiting (`running`: the ritual in
        progress; `heard_idle` as for `settle`), asking nothing and keeping nothing: None when `u` is acted on as
        it is or, unsure with no question for it, let pass as not understood. The benchmarks count questions
        with it, so they count only the questions Tandem really asks."""
        if not isinstance(u, IntentMatch):
            return None
        question = self._question(u, running, heard_idle)
        return question.match if question is not None else None

    def expecting(self) -> Expectation | None:
        """While a question waits: listen without the wake phrase for the answer."""
        q = self.pending
        if q is None or self.clock.now() - q.asked_at > ANSWER_SECONDS:
            return None
        intents = {YES, *NO, REPEAT, q.match.intent} | ({q.other.intent} if q.other else set())
        return Expectation(frozenset(intents), False, False)

    # -- answers ------------------------------------------------------------------------------

    def _answer(self, question: Question, u: IntentMatch) -> tuple[Understanding, Reply | None] | None:
        """What an answer means for the question; None when it is not an answer (a new command)."""
        if u.intent == YES and not u.unsure:
            return _settled(question.match), None
        if u.intent in NO and not u.unsure:
            return NoMatch(u.text, u.intent, u.confidence), self._say("clarify_declined")
        if u.intent == REPEAT:
            self.pending = replace(question, asked_at=self.clock.now())
            return NoMatch(u.text, u.intent, u.confidence), Reply((question.say,))
        for option in (question.match, question.other):
            if option is not None and u.intent == option.intent:
                return _settled(replace(option, slots={**option.slots, **u.slots})), None
        return None

    # -- questions ----------------------------------------------------------------------------

    def _question(self, u: IntentMatch, running: str | None, heard_idle: bool = False) -> Question | None:
        key = f"clarify_{u.intent}"
        if heard_idle and u.intent in CONFIRMED_IDLE and self.voices.has(key):
            words = {k: self.voices.number(v) if _whole(v) else v for k, v in u.slots.items() if v is not None}
            if all(slots_of(text) <= set(words) for text in self.voices.responses[key]):  # a rating with no number
                return self._ask(u, None, key, **words)
        ritual = self.rituals.by_intent(u.intent)
        if ritual is not None and running is None:
            if heard_idle and not u.unsure and said_in(u.text, self.later):  # "... later": not a request for now
                return self._ritual_question(replace(u, unsure=True), ritual)
            return self._ritual_question(u, ritual)
        asks = self.voices.has(f"clarify_{u.intent}") and u.intent not in CONFIRMED_IDLE
        if u.unsure and running is not None and asks:
            noun = self.voices.noun(running) if running else ""
            seconds = u.slots.get("seconds")
            duration = self.voices.spoken_duration(seconds) if _whole(seconds) else ""
            return self._ask(u, None, f"clarify_{u.intent}", ritual=noun, duration=duration)
        return None

    def _ritual_question(self, u: IntentMatch, ritual: Ritual) -> Question | None:
        heard = u.slots.get("seconds")
        if _whole(heard) and ("seconds" in u.choices or u.unsure):  # typed numbers are meant as typed
            usual = self._usual_seconds(ritual, u.slots.get("variant"))
            options = [s for s in (u.choices.get("seconds") or (heard,)) if _whole(s)]
            fitting = [s for s in options if usual is None or s >= SHORTEST_SHARE * usual]
            if not fitting or fitting[0] != heard or u.unsure:
                seconds = fitting[0] if fitting else heard
                match = replace(u, slots={**u.slots, "seconds": seconds})
                return self._ask(match, None, *self._length_key(seconds), ritual=self.voices.noun(ritual.name))
            return None
        if not u.unsure:
            return None
        other = self.rituals.by_intent(u.runner_up) if u.runner_up else None
        if other is not None and u.margin < TWO_WAY_MARGIN:
            second = IntentMatch(other.intent, {}, max(0.0, u.confidence - u.margin), u.text, u.method)
            return self._ask(u, second, "clarify_two", first=self.voices.noun(ritual.name),
                             second=self.voices.noun(other.name))
        return self._ask(u, None, "clarify_ritual", ritual=self.voices.noun(ritual.name))

    def _length_key(self, seconds: int) -> tuple[str, ...]:
        """The question's key with a length said as an adjective ("ninety-second") when one fits."""
        return ("clarify_ritual_length",) if self._length(seconds) else ("clarify_ritual_duration",)

    def _length(self, seconds: int) -> str | None:
        """ "ninety-second", "two-minute": a length as an adjective, for whole seconds up to two minutes
        or whole minutes; None for the rest ("a minute and a half" reads better as a duration)."""
        if seconds <= 120 and seconds % 60:
            form, n = "clarify_length_seconds", seconds
        elif seconds % 60 == 0 and seconds // 60 < 1000:
            form, n = "clarify_length_minutes", seconds // 60
        else:
            return None
        return self.voices.responses[form][0].format(n=self.voices.number(n))

    def _ask(self, match: IntentMatch, other: IntentMatch | None, key: str, **slots: Any) -> Question:
        if key == "clarify_ritual_length":
            slots["length"] = self._length(match.slots["seconds"])
        elif key == "clarify_ritual_duration":
            slots["duration"] = self.voices.spoken_duration(match.slots["seconds"])
        say = self.voices.render(key, self.rng, **slots)
        return Question(match, other, say, self.clock.now())

    def _say(self, key: str) -> Reply:
        return Reply((self.voices.render(key, self.rng),))

    def _usual_seconds(self, ritual: Ritual, variant: Any) -> int | None:
        """The ritual's configured length (of its variant, when one was named)."""
        key = ritual.duration
        if isinstance(variant, str) and variant in ritual.variants and ritual.variants[variant].duration:
            key = ritual.variants[variant].duration
        try:
            return self.durations.seconds(key) if key else None
        except (AttributeError, TypeError, ValueError):
            return None


def _settled(match: IntentMatch) -> IntentMatch:
    """The match as confirmed: sure, with its slot readings settled."""
    return replace(match, unsure=False, choices={}, confidence=1.0)


def said_in(text: str, phrases: frozenset[tuple[str, ...]]) -> bool:
    """Whether `text` says one of `phrases` (each a run of whole words, as `heard_words` gives them)."""
    said = tuple(text.lower().split())
    return any(said[i:i + len(p)] == p for p in phrases for i in range(len(said) - len(p) + 1))


@lru_cache(maxsize=None)
def heard_words(language: str, key: str, path: Path = WORDS_FILE) -> frozenset[tuple[str, ...]]:
    """The phrases (word tuples) listed under `key` for `language` (its base code: "en-GB" reads "en") in the
    dialog's words file; none for a language the file does not list."""
    from assistant.understand.language import base_language

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataError(path, "", f"cannot be read: {error}", "restore the file from Tandem's package") from error
    if not isinstance(doc, dict):
        raise DataError(path, "", "must map language codes to word lists", "see the comment at its top")
    entry = doc.get(base_language(language)) or {}
    phrases = entry.get(key, []) if isinstance(entry, dict) else None
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.split() for p in phrases):
        raise DataError(path, f"{base_language(language)}.{key}", "must be a list of words or phrases",
                        "write e.g. `later: [later, next week]`")
    return frozenset(tuple(p.lower().split()) for p in phrases)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
