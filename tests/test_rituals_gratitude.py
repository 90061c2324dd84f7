"""Bedtime gratitude: three thanks each, by name, with passes, rotation and privacy."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from assistant.config import Privacy
from assistant.journal.journal import Journal

from dialog_harness import SETTINGS, Couple


def test_gratitude_with_both_partners_and_a_pass_records_the_right_counts(tmp_path):
    couple = Couple(tmp_path)
    reply = couple.say("three thanks")
    assert reply.keys == ["gratitude_intro", "gratitude_prompt"]
    assert "Alex" in reply.said[0] and "Alex" in reply.said[1]
    assert couple.dialog.expecting().free_text and not couple.dialog.expecting().wake_needed
    assert couple.say("thank you for making coffee this morning").keys == ["gratitude_ack"]
    assert couple.say("pass").keys == ["gratitude_skip_ack"]
    handover = couple.say("for picking up the kids")
    assert handover.keys == ["gratitude_handover"] and "Sam" in handover.said[0]
    for thanks in ("the walk", "your laugh at dinner"):
        couple.say(thanks)
    done = couple.say("that you listened when I was upset")
    assert done.keys == ["gratitude_done", "rating_ask"]
    moment = couple.last("gratitude")
    assert moment.status == "completed"
    assert moment.counts == {"Alex": 2, "Sam": 3}
    assert moment.texts is None  # not opted in: counts only
    assert moment.initiated_by == "Alex"
    couple.wait(20)  # the rating question, unanswered, ends quietly
    assert couple.dialog.expecting().wake_needed


def test_who_starts_gratitude_rotates_each_night(tmp_path):
    first_night = Couple(tmp_path)
    first_night.say("gratitude time")
    for _ in range(6):
        first_night.say("thanks")
    assert first_night.last("gratitude").initiated_by == "Alex"
    first_night.journal.close()
    next_day = first_night.clock.wall() + timedelta(days=1)
    second_night = Couple(tmp_path, start=next_day, journal=Journal.open(tmp_path / "journal.json", now=next_day))
    reply = second_night.say("three thanks")
    assert "Sam" in reply.said[0]
    for _ in range(6):
        second_night.say("thanks")
    assert second_night.last("gratitude").initiated_by == "Sam"
    assert second_night.say("whose turn is it").keys == ["whose_turn"]


def test_next_hands_over_to_the_other_partner(tmp_path):
    couple = Couple(tmp_path)
    couple.say("three thanks")
    couple.say("the soup")
    assert couple.say("next").keys == ["gratitude_handover"]
    couple.say("next")
    assert couple.last("gratitude").counts == {"Alex": 1}


def test_thanks_are_kept_only_when_the_couple_opts_in(tmp_path):
    couple = Couple(tmp_path, settings=replace(SETTINGS, privacy=Privacy(keep_gratitude_text=True)))
    couple.say("three thanks")
    for thanks in ("the soup", "the walk", "the hug", "the call", "the flowers", "the music"):
        couple.say(thanks)
    moment = couple.last("gratitude")
    assert moment.texts == ["the soup", "the walk", "the hug", "the call", "the flowers", "the music"]
    assert couple.say("forget that").keys == ["forgot_text"]
    assert couple.last("gratitude").texts is None
    assert couple.last("gratitude").counts == {"Alex": 3, "Sam": 3}


def test_a_thanks_that_sounds_like_a_command_is_still_a_thanks(tmp_path):
    couple = Couple(tmp_path)
    couple.say("three thanks")
    assert couple.say("thank you for stopping to help me with the shopping").keys == ["gratitude_ack"]
    assert couple.dialog.running == "gratitude"


def test_stop_during_gratitude_keeps_what_was_said(tmp_path):
    couple = Couple(tmp_path)
    couple.say("three thanks")
    couple.say("the soup")
    assert couple.say("stop").keys == ["gratitude_partial"]
    assert (couple.last("gratitude").status, couple.last("gratitude").counts) == ("partial", {"Alex": 1})


def test_silence_closes_gratitude_gently(tmp_path):
    couple = Couple(tmp_path)
    couple.say("three thanks")
    reply = couple.wait(200)
    assert reply.keys == ["listen_timeout"]
    assert couple.last("gratitude").status == "cancelled"


def test_forget_that_while_answering_drops_the_last_thanks(tmp_path):
    couple = Couple(tmp_path, settings=replace(SETTINGS, privacy=Privacy(keep_gratitude_text=True)))
    couple.say("three thanks")
    couple.say("the soup")
    couple.say("something I regret saying")
    assert couple.say("forget that").keys == ["forgot_answer"]
    assert couple.say("forget that").keys == ["forget_nothing"]
    couple.say("the walk")
    assert couple.say("the flowers").keys == ["gratitude_handover"]  # still three for Alex
    for thanks in ("a", "b", "c"):
        couple.say(thanks)
    moment = couple.last("gratitude")
    assert moment.counts == {"Alex": 3, "Sam": 3}
    assert "something I regret saying" not in moment.texts and len(moment.texts) == 6
