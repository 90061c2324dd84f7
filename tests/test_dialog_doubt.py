"""Weak evidence is asked about, never acted on: a reading the recognizer heard only weakly and the matcher
understood only approximately starts nothing without a "yes"; what was heard well, or matched a template
word for word, is acted on as before."""

from __future__ import annotations

import pytest

from assistant.dialog.doubt import DoubtSettings, listen_on, weigh
from assistant.messages import IntentMatch, NoMatch, Transcript
from assistant.recognize.combined import Scored, outheard

from dialog_harness import Couple

MISHEARD = "can we talk about the following days later"
"""Kitchen talk ("...the holidays later?") that Whisper's beam turned into a check-in request."""


@pytest.fixture
def couple(tmp_path):
    return Couple(tmp_path)


def heard(couple: Couple, *hypotheses: str, doubtful: tuple[str, ...] = (), own: tuple[str, ...] = ()):
    """The couple speaks; the combined recognizer hands over its readings, the ones it doubts and each
    engine's own best reading (`own`)."""
    transcript = Transcript(hypotheses[0], 0.3, hypotheses[1:], "combined", doubtful=doubtful, heard=own)
    return couple._keep(couple.dialog.hear_transcript(transcript))


def test_a_near_miss_heard_with_low_confidence_is_asked_about_not_started(couple):
    reply = heard(couple, MISHEARD, "can we talk about the holidays later", doubtful=(MISHEARD,))
    assert reply.keys == ["clarify_ritual"] and reply.said == ["Start the check-in?"]
    assert couple.dialog.running is None and couple.moments() == []


def test_yes_to_the_doubtful_request_starts_it(couple):
    heard(couple, MISHEARD, doubtful=(MISHEARD,))
    couple.say("yes")
    assert couple.dialog.running == "check_in"


def test_the_same_words_heard_well_are_acted_on(couple):
    """(Without its "later", which asks anyway: dialog/clarify.py `LATER`.)"""
    reply = heard(couple, "can we talk about the following days", "can we talk about the holidays")
    assert "[start]" in reply.keys and couple.dialog.running == "check_in"


def test_a_doubtful_reading_that_matches_a_template_word_for_word_is_acted_on(couple):
    reply = heard(couple, "start a hug", doubtful=("start a hug",))
    assert reply.keys[:2] == ["hug_intro", "[start]"]


def test_a_doubtful_control_during_a_hug_neither_ends_it_nor_interrupts(couple):
    couple.say("start a hug")
    assert heard(couple, "pass this", "cast the salt", doubtful=("pass this",)).keys == []
    assert couple.dialog.running == "hug"


def test_a_ritual_only_a_runner_up_names_is_asked_about_not_started(couple):
    reply = heard(couple, "pass the salt please", "start a hug", own=("pass the salt please", "pass this all"))
    assert reply.keys == ["clarify_ritual"]
    assert couple.dialog.running is None and couple.moments() == []


def test_a_ritual_an_engine_heard_as_its_best_reading_is_started(couple):
    reply = heard(couple, "pass the salt please", "start a hug", own=("pass the salt please", "start a hug"))
    assert reply.keys[:2] == ["hug_intro", "[start]"]


def test_a_runner_up_meaning_what_the_winner_means_is_acted_on(couple):
    reply = heard(couple, "start the hug timer", "start a hug", own=("start a hog", "start a hug timer"))
    assert reply.keys[:2] == ["hug_intro", "[start]"]


def test_a_weak_runner_up_matched_word_for_word_over_a_winner_meaning_something_else_is_asked(couple):
    """ "Current streak?": Whisper's "good streak" won, pocketsphinx's weakly heard "let's breathe" is a
    template word for word; Tandem asks about the breathing pause instead of starting it."""
    reply = heard(couple, "good streak", "let's breathe", "and steve", doubtful=("let's breathe",),
                  own=("and steve", "let's breathe"))
    assert reply.keys == ["clarify_ritual"] and couple.dialog.running is None


def test_a_weak_runner_up_matched_word_for_word_over_a_winner_meaning_nothing_is_acted_on(couple):
    reply = heard(couple, "hope time at seventy five seconds", "hug timer seventy five seconds",
                  doubtful=("hug timer seventy five seconds",),
                  own=("hope time at seventy five seconds", "hug timer seventy five seconds"))
    assert reply.keys[:2] == ["hug_intro", "[start]"]


def test_typed_text_is_never_doubted():
    u = IntentMatch("StartCheckIn", {}, 0.5, MISHEARD, "fuzzy")
    assert weigh(u, Transcript(MISHEARD, doubtful=(MISHEARD,))) is u
    assert weigh(u, None) is u


def test_doubt_can_be_switched_off():
    u = IntentMatch("StartCheckIn", {}, 0.95, MISHEARD, "fuzzy")
    transcript = Transcript(MISHEARD, 0.3, engine="combined", doubtful=(MISHEARD,))
    assert weigh(u, transcript).unsure
    assert not weigh(u, transcript, DoubtSettings(ask_doubtful=False)).unsure


def test_a_reading_whisper_heard_below_one_that_means_nothing_is_doubtful():
    scored = [Scored(MISHEARD, -10.0, 2.9, "whisper"),
              Scored("can we talk about the holidays later", -8.2, 0.0, "whisper"),
              Scored("start a chat", -30.0, 3.0, "pocketsphinx")]
    assert outheard([MISHEARD, "can we talk about the holidays later"], scored, 0.0) == [MISHEARD]
    assert outheard([MISHEARD], scored, 2.0) == []
    assert outheard([MISHEARD], scored, None) == []


def test_a_reading_heard_best_is_not_doubtful():
    scored = [Scored("start a hug", -5.0, 3.0, "whisper"), Scored("start a hog", -7.0, 0.0, "whisper")]
    assert outheard(["start a hug"], scored, 0.0) == []


def test_one_unsure_word_after_the_wake_phrase_listens_on():
    say = IntentMatch("Repeat", {}, 0.4, "say", "fuzzy", unsure=True)
    assert listen_on(say, Transcript("is", 0.3, ("us", "say"), "pocketsphinx", woke=True))


def test_one_word_read_only_approximately_after_the_wake_phrase_listens_on():
    stray = IntentMatch("AskQuestion", {}, 0.54, "is", "fuzzy")
    assert listen_on(stray, Transcript("is", 0.6, (), "pocketsphinx", woke=True))


def test_an_unsure_sentence_or_a_sure_word_after_the_wake_phrase_is_answered():
    unsure = IntentMatch("StartHug", {}, 0.5, "could we maybe hug", "fuzzy", unsure=True)
    assert not listen_on(unsure, Transcript("could we maybe hug", 0.3, (), "pocketsphinx", woke=True))
    sure = IntentMatch("Pause", {}, 1.0, "pause", "exact")
    assert not listen_on(sure, Transcript("pause", 0.9, (), "pocketsphinx", woke=True))
    assert not listen_on(NoMatch("is"), Transcript("is", 0.3, (), "pocketsphinx", woke=True))



def test_a_doubtful_runner_up_read_as_the_winner_itself_is_read_is_acted_on(couple):
    """ "Hey tandem, ok back, continue" in a paused hug: Whisper's "okay mac continue" won, and in a ritual it is a
    Resume; the matcher preferred pocketsphinx's weakly heard "okay met continue", which says nothing the winner
    does not."""
    couple.say("start a hug")
    couple.say("pause")

    def woken(winner: str) -> list[str]:
        transcript = Transcript(winner, 0.3, ("okay met continue",), "combined", woke=True,
                                doubtful=("okay met continue",), heard=(winner, "okay met continue"))
        return couple._keep(couple.dialog.hear_transcript(transcript)).keys

    assert woken("okay mac what") == ["didnt_catch"]  # a winner meaning nothing: the doubt stands
    assert woken("okay mac continue") == ["resumed"]
