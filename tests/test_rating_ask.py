"""After a ritual Tandem may ask "how did that feel, one to five?": never twice within the gap,
never after a cancel, never when the couple turned it off; the answer becomes the rating."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta

from assistant.config import Rituals
from assistant.datafiles import voices_dir
from assistant.dialog.voices import Voices
from assistant.journal.records import Moment
from assistant.rituals.engine import RitualRun, RunState
from assistant.rituals.script import load_rituals

from dialog_harness import SETTINGS, Couple

HUG = 90
RATING_TIMEOUT = 20


def hug_through(couple: Couple) -> None:
    """A whole hug, up to the moment Tandem might ask how it felt."""
    couple.say("start our hug")
    couple.wait(HUG)


def asked(couple: Couple) -> int:
    return couple.said_keys().count("rating_ask")


def test_a_rating_answered_five_is_stored_on_the_hug(tmp_path):
    couple = Couple(tmp_path)
    hug_through(couple)
    assert couple.said_keys()[-1] == "rating_ask"
    reply = couple.say("five")
    assert reply.keys == ["rating_thanks"]
    assert couple.last("hug").rating == 5
    assert couple.dialog.running is None


def test_a_rating_said_as_a_sentence_is_stored_too(tmp_path):
    couple = Couple(tmp_path)
    hug_through(couple)
    couple.say("it was a four")
    assert couple.last("hug").rating == 4


def test_a_second_hug_within_the_hour_is_not_asked_for_a_rating(tmp_path):
    couple = Couple(tmp_path)
    hug_through(couple)
    couple.say("five")
    couple.wait(30 * 60)
    hug_through(couple)
    assert asked(couple) == 1
    assert couple.said_keys()[-1] == "hug_done"
    assert couple.dialog.running is None  # nothing left waiting for an answer


def test_after_the_gap_the_question_comes_back(tmp_path):
    couple = Couple(tmp_path)
    hug_through(couple)
    couple.wait(RATING_TIMEOUT)
    couple.wait(60 * 60)
    hug_through(couple)
    assert asked(couple) == 2


def test_an_unanswered_question_still_counts_as_asked(tmp_path):
    couple = Couple(tmp_path)
    hug_through(couple)
    couple.wait(RATING_TIMEOUT)
    assert couple.last("hug").rating is None
    couple.say("breathe with me")
    couple.wait(200)
    assert asked(couple) == 1


def test_a_longer_gap_from_the_config_is_honoured(tmp_path):
    couple = Couple(tmp_path, settings=replace(SETTINGS, rituals=Rituals(rating_gap_minutes=180)))
    hug_through(couple)
    couple.wait(RATING_TIMEOUT + 2 * 3600)
    hug_through(couple)
    assert asked(couple) == 1


def test_a_cancelled_hug_is_never_rated(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start our hug")
    assert couple.say("stop").keys == ["hug_cancelled"]
    couple.wait(60)
    assert asked(couple) == 0
    assert couple.say("five").keys == ["rate_nothing"]
    assert couple.last("hug").rating is None
    assert couple.dialog.running is None


def test_a_hug_stopped_part_way_ends_without_a_question(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start our hug")
    couple.wait(40)
    assert couple.say("stop").keys == ["hug_partial"]
    assert asked(couple) == 0 and couple.dialog.running is None


def test_ask_rating_false_never_asks(tmp_path):
    couple = Couple(tmp_path, settings=replace(SETTINGS, rituals=Rituals(ask_rating=False)))
    hug_through(couple)
    assert couple.said_keys()[-1] == "hug_done"
    couple.say("let's check in")
    couple.wait(301)
    couple.say("three thanks")
    for _ in range(6):
        couple.say("thanks")
    assert asked(couple) == 0
    assert couple.dialog.running is None


def test_every_ritual_that_ends_together_may_be_rated(tmp_path):
    asks = {}
    for ritual, say, wait in (("hug", "start our hug", 91), ("breathing", "breathe with me", 121),
                              ("walk", "let's go for a walk", 301), ("hold_hands", "hold hands", 6),
                              ("check_in", "let's check in", 301)):
        couple = Couple(tmp_path / ritual)
        couple.say(say)
        couple.wait(wait)
        asks[ritual] = couple.said_keys()[-1]
    assert set(asks.values()) == {"rating_ask"}, asks


def test_saying_something_else_during_the_question_is_handled_normally(tmp_path):
    couple = Couple(tmp_path)
    hug_through(couple)
    reply = couple.say("whose turn is it")
    assert reply.keys == ["whose_turn_unknown"]  # the hug's starter was never said
    assert couple.last("hug").rating is None
    assert couple.dialog.running is None


def test_stop_during_the_question_ends_it_quietly_without_a_rating(tmp_path):
    couple = Couple(tmp_path)
    hug_through(couple)
    reply = couple.say("stop")
    assert reply.keys == ["[soft]", "stopped_after_done"]  # a soft chime and a word: never silence
    assert couple.last("hug").rating is None and couple.last("hug").status == "completed"


def test_a_moment_rated_within_the_gap_before_a_restart_counts_as_a_recent_question(tmp_path):
    first = Couple(tmp_path)
    rated_at = first.clock.wall() - timedelta(minutes=20)
    first.journal.record(Moment("walk", rated_at - timedelta(minutes=10), rated_at, 600, 600, rating=4))
    first.journal.close()
    again = Couple(tmp_path)  # Tandem restarted twenty minutes after the walk was rated
    hug_through(again)
    assert asked(again) == 0
    again.wait(45 * 60)  # a little over an hour since that rating
    hug_through(again)
    assert asked(again) == 1


def test_a_question_left_unanswered_before_a_restart_is_not_asked_again_within_the_gap(tmp_path):
    first = Couple(tmp_path)
    hug_through(first)
    assert asked(first) == 1  # nobody answers; the power goes
    first.journal.close()
    again = Couple(tmp_path, start=first.clock.wall() + timedelta(minutes=10))
    hug_through(again)
    assert asked(again) == 0
    again.wait(60 * 60)
    hug_through(again)
    assert asked(again) == 1


def test_a_rating_from_long_ago_does_not_hold_the_question_back(tmp_path):
    first = Couple(tmp_path)
    long_ago = first.clock.wall() - timedelta(hours=3)
    first.journal.record(Moment("walk", long_ago, long_ago + timedelta(minutes=10), 600, 600, rating=4))
    first.journal.close()
    again = Couple(tmp_path)
    hug_through(again)
    assert asked(again) == 1


def test_the_engine_skips_the_question_when_the_gate_says_not_now():
    voices = Voices.load(voices_dir())
    book = load_rituals(voices_dir(), voices)
    gate_calls: list[bool] = []

    def not_now() -> bool:
        gate_calls.append(False)
        return False

    run = RitualRun(book["hold_hands"], book, voices, SETTINGS, random.Random(1), "Alex", "Sam",
                    may_ask_rating=not_now)
    run.start(0.0)
    reply = run.tick(10.0)
    assert run.state is RunState.DONE and run.status == "completed"
    assert "rating_ask" not in reply.keys
    assert gate_calls == [False]
