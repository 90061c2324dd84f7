"""Check-in, walk, hold hands, a curious question, an appreciation and repair, as a couple would use them."""

from __future__ import annotations

from dataclasses import replace

from assistant.config import Privacy
from assistant.messages import Say

from dialog_harness import SETTINGS, Couple


def test_a_check_in_opens_with_a_question_from_the_bank_and_chimes_at_five_minutes(tmp_path):
    couple = Couple(tmp_path)
    reply = couple.say("let's check in")
    assert reply.keys == ["check_in_intro", "check_in_question", "[start]"]
    bank = couple.dialog.rituals.questions["check_in"]
    assert any(q in reply.said[1] for q in bank)
    couple.wait(301)
    assert couple.chimes("end") == [300.0]
    assert couple.last("check_in").status == "completed"


def test_a_ten_minute_chat_lasts_ten_minutes_and_can_be_rated(tmp_path):
    couple = Couple(tmp_path)
    couple.say("ten minute chat")
    couple.wait(600)
    assert couple.chimes("end") == [600.0]
    assert couple.said_keys()[-1] == "rating_ask"
    assert couple.dialog.expecting().intents is not None and "Rate" in couple.dialog.expecting().intents
    assert couple.say("four").keys == ["rating_thanks"]
    moment = couple.last("check_in")
    assert (moment.planned_seconds, moment.rating, moment.status) == (600.0, 4, "completed")


def test_an_unanswered_rating_moves_on_quietly(tmp_path):
    couple = Couple(tmp_path)
    couple.say("let's check in")
    couple.wait(300)
    assert couple.wait(60).actions == ()
    assert couple.dialog.running is None


def test_a_new_command_during_the_rating_question_is_obeyed(tmp_path):
    couple = Couple(tmp_path)
    couple.say("let's check in")
    couple.wait(300)
    assert couple.say("start our hug").keys[0] == "hug_intro"
    assert couple.dialog.running == "hug"


def test_a_walk_lasts_five_minutes(tmp_path):
    couple = Couple(tmp_path)
    couple.say("let's go for a walk")
    couple.wait(400)
    assert couple.chimes("end") == [300.0]
    assert couple.last("walk").actual_seconds == 300.0


def test_hold_hands_counts_to_five_aloud_one_a_second(tmp_path):
    couple = Couple(tmp_path)
    couple.say("hold hands")
    couple.wait(10)
    counts = [(t, a.text) for t, a in couple.heard if isinstance(a, Say) and a.key == "count_number"]
    assert counts == [(0.0, "One."), (1.0, "Two."), (2.0, "Three."), (3.0, "Four."), (4.0, "Five.")]
    assert (couple.last("hold_hands").status, couple.last("hold_hands").actual_seconds) == ("completed", 5.0)


def test_ask_a_curiosity_question(tmp_path):
    couple = Couple(tmp_path)
    reply = couple.say("ask us a question")
    assert reply.keys == ["curiosity_question"]
    assert any(q in reply.said[0] for q in couple.dialog.rituals.questions["curiosity"])
    assert couple.last("curiosity").status == "completed"


def test_an_appreciation_is_its_own_record(tmp_path):
    couple = Couple(tmp_path, settings=replace(SETTINGS, privacy=Privacy(keep_gratitude_text=True)))
    assert couple.say("note an appreciation").keys == ["appreciation_prompt"]
    assert couple.say("Sam fixed my bike without being asked").keys == ["appreciation_thanks"]
    moment = couple.last("appreciation")
    assert (moment.kind, moment.texts) == ("appreciation", ["Sam fixed my bike without being asked"])


def test_an_appreciation_said_in_one_go_is_noted_at_once(tmp_path):
    couple = Couple(tmp_path)
    assert couple.say("i appreciate you cooking dinner").keys == ["appreciation_thanks"]
    moment = couple.last("appreciation")
    assert (moment.kind, moment.texts, moment.status) == ("appreciation", None, "completed")


def test_repair_pauses_holds_hands_recaps_and_offers_a_walk(tmp_path):
    couple = Couple(tmp_path)
    assert couple.say("we had a fight").keys == ["repair_intro"]
    couple.wait(16)
    keys = couple.said_keys()
    assert keys[1:8] == ["repair_hands"] + ["count_number"] * 5 + ["repair_recap_intro"]
    assert keys[-1] == "repair_recap_prompt"
    assert couple.say("Sam felt I wasn't listening. She wanted help tonight.").keys == ["repair_recap_handover"]
    assert couple.say("Alex was tired. He needed a break first.").keys == ["repair_offer"]
    reply = couple.say("yes")
    assert reply.keys[:2] == ["repair_offer_yes", "walk_intro"]
    assert couple.last("repair").counts == {"Alex": 1, "Sam": 1}
    couple.wait(700)
    assert couple.last("walk").planned_seconds == 600.0 and couple.last("walk").status == "completed"


def test_repair_offer_declined_ends_warmly(tmp_path):
    couple = Couple(tmp_path)
    couple.say("let's make up")
    couple.wait(16)
    couple.say("one")
    couple.say("two")
    assert couple.say("no thanks").keys == ["repair_offer_no"]
    assert couple.dialog.running is None


def test_repair_counts_start_after_the_spoken_instruction(tmp_path):
    couple = Couple(tmp_path)
    couple.say("we had a fight")
    couple.dialog.output_busy_until(3.0)  # the intro takes 3 s to say: the pause runs 3..13
    couple.wait(12.5)
    couple.clock.set(13.0)
    assert couple.dialog.tick().keys == ["repair_hands"]  # the count waits for the host to say when speech ends
    couple.dialog.output_busy_until(15.0)  # "now hold hands..." ends at 15 s
    couple.wait(10)
    counts = [t for t, a in couple.heard if isinstance(a, Say) and a.key == "count_number"]
    assert counts == [15.0, 16.0, 17.0, 18.0, 19.0]
