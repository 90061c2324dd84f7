"""The commands benchmark counts kitchen talk acted on in all, and apart those that only heard that nothing runs;
and it counts a question only where the dialog asks one."""

from __future__ import annotations

import pytest

from assistant.datafiles import intents_dir
from assistant.messages import IntentMatch, Transcript
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher
from bench.commands_speech import _section, asked_about, near_miss_outcome, outcome


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_intents(intents_dir()))


def effect(matcher: Matcher, text: str, context: str, engine: str = "text") -> str:
    return near_miss_outcome(matcher, Transcript(text, engine=engine), {"text": text, "context": context})[0]


def test_a_stop_with_nothing_running_only_gets_an_answer(matcher: Matcher) -> None:
    assert effect(matcher, "stop", "idle") == "answered"


def test_a_stop_heard_only_approximately_with_nothing_running_is_let_pass(matcher: Matcher) -> None:
    """ "Stop the kettle, I'll make it", heard as below: the dialog says nothing (dialog/doubt.py `idle_talk`);
    typed, it answers."""
    said = "stop the get it all i will make it"  # as Whisper heard it
    assert matcher.match(said).intent == "Stop" and matcher.match(said).method != "exact"
    assert effect(matcher, said, "idle", engine="whisper") == "quiet"
    assert effect(matcher, said, "idle") == "answered"
    assert effect(matcher, "stop", "idle", engine="whisper") == "answered"


def test_a_stop_read_word_for_word_only_further_down_the_list_is_let_pass(matcher: Matcher) -> None:
    """ "Please switch off the geyser": Whisper's best reading means nothing, "please switch off" lower down is a stop."""
    heard = Transcript("please switch off the guys", alternatives=("please switch off",), engine="whisper")
    kind, u = near_miss_outcome(matcher, heard, {"text": "please switch off the geyser", "context": "idle"})
    assert (kind, u.intent, u.method) == ("quiet", "Stop", "exact")


def test_a_stop_while_a_ritual_runs_changes_it(matcher: Matcher) -> None:
    assert effect(matcher, "stop", "ritual") == "acted"


def test_a_rating_with_nothing_running_still_rates_the_last_moment(matcher: Matcher) -> None:
    assert effect(matcher, "rate it four stars", "idle") == "acted"


def test_a_hug_started_by_kitchen_talk_is_a_false_start(matcher: Matcher) -> None:
    assert effect(matcher, "start our hug timer", "idle") == "acted"


def test_the_total_acted_on_stays_beside_the_split() -> None:
    near = [({"text": str(i)}, "piper", kind) for i, kind in
            enumerate(["acted", "answered", "answered", "asked", *["quiet"] * 6])]
    section = _section(False, "dev", (12,), {("combined", 12): []}, {("combined", 12): near}, ["combined"],
                       "combined", {}, None, [], 0, len(near))
    rows = {r.label.split(": ", 1)[1]: r for r in section.rows}
    assert rows["near misses acted on, 12 dB"].value == 30.0
    assert rows["near misses that started or changed something, 12 dB"].value == 10.0
    assert "20.0 %" in rows["near misses that started or changed something, 12 dB"].note


def _unsure(intent: str, **slots) -> IntentMatch:
    return IntentMatch(intent, slots, 0.6, intent.lower(), "fuzzy", unsure=True)


def test_only_the_questions_the_dialog_asks_are_counted_as_asked() -> None:
    assert asked_about({"context": "idle"}, _unsure("StartHug")) is not None  # "The hug?"
    assert asked_about({"context": "ritual"}, _unsure("Stop")) is not None  # "Stop now?"
    assert asked_about({"context": "idle"}, _unsure("Stop")) is None  # nothing to stop: not asked
    assert asked_about({"context": "idle"}, _unsure("WhoseTurn")) is None  # no question for it: let pass
    assert asked_about({"context": "offer"}, _unsure("Yes")) is None


def test_an_unsure_match_with_no_question_is_a_miss_and_a_too_short_hug_a_question(matcher: Matcher) -> None:
    class Hears:  # a matcher that understands whatever it is given as one fixed match
        def __init__(self, u: IntentMatch) -> None:
            self.u = u

        def match_best(self, texts, *args, **kwargs):
            return self.u

    phrasing = {"text": "whose turn is it", "intent": "WhoseTurn", "context": "idle"}
    heard = Transcript("whose turn is it", engine="whisper")
    assert outcome(Hears(_unsure("WhoseTurn")), heard, phrasing)[0] == "missed"
    hug = {"text": "a ninety second hug", "intent": "StartHug", "slots": {"seconds": 90}, "context": "idle"}
    nineteen = IntentMatch("StartHug", {"seconds": 19}, 1.0, "a nineteen second hug", choices={"seconds": (19, 90)})
    assert outcome(Hears(nineteen), Transcript("a nineteen second hug", engine="whisper"), hug)[0] == "asked_right"
