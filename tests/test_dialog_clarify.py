"""One short question instead of a guess: a number a recognizer may have confused, or a request
Tandem is not sure of, is asked about once; the answer decides."""

from __future__ import annotations

import pytest

from assistant.messages import IntentMatch, Transcript

from dialog_harness import Couple


@pytest.fixture
def couple(tmp_path):
    return Couple(tmp_path)


def heard(couple: Couple, *hypotheses: str):
    """The couple speaks; a recognizer hands over its n-best hypotheses."""
    return couple._keep(couple.dialog.hear_transcript(Transcript(hypotheses[0], 0.8, hypotheses[1:], "pocketsphinx")))


def test_a_ninety_heard_as_nineteen_asks_a_ninety_second_hug(couple):
    reply = heard(couple, "nineteen second hug")
    assert reply.said == ["Ninety-second hug?"]
    assert couple.dialog.running is None and couple.moments() == []
    assert [e for _, e, _ in couple.events] == ["clarify"]


def test_yes_to_the_question_starts_the_hug_it_asked_about(couple):
    heard(couple, "nineteen second hug")
    reply = couple.say("yes")
    assert reply.keys[:2] == ["hug_intro", "[start]"]
    assert couple.last("hug").planned_seconds == 90


def test_no_to_the_question_starts_nothing(couple):
    heard(couple, "nineteen second hug")
    reply = couple.say("no")
    assert reply.keys == ["clarify_declined"]
    assert couple.dialog.running is None and couple.moments() == []


def test_hypotheses_that_disagree_on_the_length_ask_before_starting(couple):
    reply = heard(couple, "a fifteen minute walk", "a fifty minute walk")
    assert reply.said == ["Fifteen-minute walk?"]
    couple.say("yes please")
    assert couple.last("walk").planned_seconds == 900


def test_a_typed_number_is_meant_as_typed(couple):
    reply = couple.say("start a nineteen second hug")
    assert reply.keys[:2] == ["hug_intro", "[start]"]
    assert couple.last("hug").planned_seconds == 19


def test_a_length_that_fits_the_ritual_is_not_questioned(couple):
    reply = heard(couple, "ninety second hug")
    assert reply.keys[:2] == ["hug_intro", "[start]"]


def test_an_unanswered_question_is_dropped_quietly(couple):
    heard(couple, "nineteen second hug")
    assert couple.dialog.expecting().wake_needed is False  # listening for the answer, no wake phrase
    couple.wait(30)
    assert couple.dialog.expecting().wake_needed is True
    reply = couple.say("yes")
    assert "hug_intro" not in reply.keys


def test_what_repeats_the_question_and_the_answer_still_counts(couple):
    heard(couple, "nineteen second hug")
    assert couple.say("sorry what was that").said == ["Ninety-second hug?"]
    assert couple.say("yes").keys[0] == "hug_intro"


def test_a_new_command_instead_of_an_answer_is_simply_done(couple):
    heard(couple, "nineteen second hug")
    reply = couple.say("start the breathing")
    assert reply.keys[0] == "breathing_intro"


def test_an_unsure_ritual_is_asked_about_and_yes_starts_it(couple):
    unsure = IntentMatch("StartWalk", {}, 0.4, "walk-ish", "fuzzy", runner_up="StartHug", margin=0.3, unsure=True)
    reply = couple._keep(couple.dialog.hear_understanding(unsure, "walk-ish"))
    assert reply.keys == ["clarify_ritual"] and "walk" in reply.said[0].lower()
    assert couple.say("yes").keys[0] == "walk_intro"


def test_two_close_rituals_are_both_offered_and_naming_one_starts_it(couple):
    close = IntentMatch("StartHug", {}, 0.45, "hold us", "fuzzy", runner_up="HoldHands", margin=0.05, unsure=True)
    reply = couple._keep(couple.dialog.hear_understanding(close, "hold us"))
    assert reply.said == ["Hug or hand hold?"]
    assert couple.say("hold hands").keys[0].startswith("hold_hands")


def test_an_unsure_answer_with_no_question_to_ask_is_not_acted_on(couple):
    unsure = IntentMatch("TodayStatus", {}, 0.4, "today?", "fuzzy", runner_up="WeekSummary", margin=0.1, unsure=True)
    reply = couple._keep(couple.dialog.hear_understanding(unsure, "today?"))
    assert reply.keys == ["didnt_catch"]


def test_an_unsure_stop_with_nothing_running_asks_nothing(couple):
    """ "Stop the kettle" half heard as a stop: with nothing running there is nothing to ask about."""
    unsure = IntentMatch("Stop", {}, 0.5, "stop the get it", "fuzzy", runner_up="Pause", margin=0.1, unsure=True)
    reply = couple._keep(couple.dialog.hear_understanding(unsure, "stop the get it"))
    assert reply.keys == ["didnt_catch"]


def test_an_unsure_rating_at_the_rating_question_is_not_asked_back(couple):
    """The rating's question back is for a number heard with nothing asked; at the rating question itself an
    unsure rating is as before: not acted on, and not asked about."""
    couple.say("start our hug")
    couple.wait(95)
    unsure = IntentMatch("Rate", {"rating": 4}, 0.5, "for", "fuzzy", runner_up="Skip", margin=0.1, unsure=True)
    reply = couple._keep(couple.dialog.hear_understanding(unsure, "for", addressed=False))
    assert "clarify_Rate" not in reply.keys and couple.last("hug").rating is None


def test_a_rating_heard_with_no_number_is_not_asked_back_with_a_blank(couple):
    heard = Transcript("rate it", engine="whisper", woke=True)
    reply = couple._keep(couple.dialog.hear_understanding(IntentMatch("Rate", {}, 0.9, "rate it", "fuzzy"), "rate it",
                                                          transcript=heard))
    assert "clarify_Rate" not in reply.keys


def test_an_unsure_stop_during_a_hug_is_asked_about_and_yes_stops_it(couple):
    couple.say("start our hug")
    couple.wait(10)
    unsure = IntentMatch("Stop", {}, 0.5, "stop the get it", "fuzzy", runner_up="Pause", margin=0.1, unsure=True)
    reply = couple._keep(couple.dialog.hear_understanding(unsure, "stop the get it"))
    assert reply.keys == ["clarify_Stop"]
    assert couple.say("yes").keys != ["clarify_Stop"]
    assert couple.last("hug").status == "partial"


def test_a_ritual_heard_said_for_later_is_asked_about_not_started(couple):
    """ "Can we talk about the holidays later?" read as a check-in: the words ask for another time, not now."""
    heard_later = Transcript("can we talk about the following days later", engine="whisper", woke=True)
    match = IntentMatch("StartCheckIn", {}, 0.96, heard_later.text, "fuzzy")
    reply = couple._keep(couple.dialog.hear_understanding(match, heard_later.text, transcript=heard_later))
    assert reply.keys == ["clarify_ritual"] and couple.dialog.running is None
    assert couple.say("yes").keys[0] == "check_in_intro"


def test_a_ritual_typed_for_later_is_started_as_typed(couple):
    reply = couple.say("start our hug, we can walk later")
    assert reply.keys[:2] == ["hug_intro", "[start]"]


def test_the_words_that_say_later_are_data_per_language(tmp_path):
    """`later` is read from the dialog's words file for the intents' language: "en-GB" reads the English words, a
    phrase of two words counts only said together, and a language the file does not list has none."""
    from assistant.dialog.clarify import heard_words, said_in

    english = heard_words("en-GB", "later")
    assert said_in("can we talk about the following days later", english)
    assert said_in("let's walk next week", english) and not said_in("next we walk this week", english)
    words = tmp_path / "words.yaml"
    words.write_text("en:\n  later: [later]\n", encoding="utf-8")
    assert heard_words("de", "later", words) == frozenset()


def test_a_malformed_words_file_is_named_with_its_fix(tmp_path):
    from assistant.dialog.clarify import heard_words
    from assistant.errors import DataError

    words = tmp_path / "words.yaml"
    words.write_text("en:\n  later: later\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"words\.yaml \[en\.later\]: must be a list"):
        heard_words("en", "later", words)
