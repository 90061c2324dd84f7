"""The hug, on a virtual clock: full, stopped early, paused, extended, morning, time left."""

from __future__ import annotations

import pytest

from assistant.messages import Chime

from dialog_harness import Couple


@pytest.fixture
def couple(tmp_path):
    return Couple(tmp_path)


def test_a_full_ninety_second_hug_is_recorded_as_completed(couple):
    reply = couple.say("start our hug")
    assert reply.keys[:2] == ["hug_intro", "[start]"]
    assert "a minute and a half" in reply.said[0].lower()
    couple.wait(89.9)
    assert couple.chimes("end") == []
    couple.wait(10)
    assert couple.chimes("end") == [90.0]
    assert couple.chimes("halfway") == [45.0]
    moment = couple.last("hug")
    assert (moment.status, moment.actual_seconds, moment.planned_seconds) == ("completed", 90.0, 90.0)
    assert moment.ended is not None and (moment.ended - moment.started).total_seconds() == 90.0
    assert couple.said_keys()[-2:] == ["hug_done", "rating_ask"]  # then, gently, how did that feel?
    couple.wait(20)  # left unanswered, Tandem moves on quietly
    assert couple.said_keys()[-1] == "rating_ask"
    assert [e for _, e, _ in couple.events if e.startswith("ritual")] == ["ritual_start", "ritual_end"]
    assert couple.dialog.running is None
    assert couple.last("hug").rating is None


def test_a_hug_stopped_at_forty_seconds_is_recorded_as_partial_and_celebrated(couple):
    couple.say("start our hug")
    couple.wait(40)
    reply = couple.say("stop")
    assert reply.keys == ["hug_partial"]
    assert "forty seconds" in reply.said[0].lower()
    moment = couple.last("hug")
    assert (moment.status, moment.actual_seconds) == ("partial", 40.0)
    end = [d for _, e, d in couple.events if e == "ritual_end"][0]
    assert (end["ritual"], end["status"], end["seconds"]) == ("hug", "partial", 40.0)
    couple.wait(120)
    assert couple.chimes("end") == []  # nothing left ticking


def test_a_hug_stopped_before_it_began_is_cancelled(couple):
    couple.say("start our hug")
    reply = couple.say("stop")
    assert reply.keys == ["hug_cancelled"]
    assert couple.last("hug").status == "cancelled"


def test_pause_and_resume_shift_the_end(couple):
    couple.say("start our hug")
    couple.wait(30)
    assert couple.say("pause").keys == ["paused"]
    couple.wait(100)
    assert couple.chimes("end") == []
    assert couple.say("resume").keys == ["resumed"]
    couple.wait(59.9)
    assert couple.chimes("end") == []
    couple.wait(1)
    assert couple.chimes("end") == [190.0]
    assert couple.last("hug").actual_seconds == 90.0


def test_add_time_extends_the_hug(couple):
    couple.say("start our hug")
    couple.wait(60)
    reply = couple.say("add thirty seconds")
    assert reply.keys == ["time_added"]
    couple.wait(59)
    assert couple.chimes("end") == []
    couple.wait(2)
    assert couple.chimes("end") == [120.0]
    moment = couple.last("hug")
    assert (moment.planned_seconds, moment.actual_seconds, moment.status) == (120.0, 120.0, "completed")


def test_add_time_without_a_length_adds_thirty_seconds(couple):
    couple.say("start our hug")
    couple.dialog.hear_understanding(_match("AddTime"), "more time")
    couple.wait(200)
    assert couple.chimes("end") == [120.0]


def test_a_morning_hug_lasts_sixty_seconds(couple):
    reply = couple.say("morning hug")
    assert reply.keys[0] == "hug_morning_intro"
    assert "a minute" in reply.said[0].lower()
    couple.wait(100)
    assert couple.chimes("end") == [60.0]
    assert couple.last("hug").planned_seconds == 60.0


def test_a_spoken_length_overrides_the_default(couple):
    couple.say("two minute hug")
    couple.wait(200)
    assert couple.chimes("end") == [120.0]


def test_time_left_is_spoken_naturally(couple):
    couple.say("start our hug")
    couple.wait(40)
    reply = couple.say("how much time is left")
    assert reply.keys == ["time_left"]
    assert "fifty seconds" in reply.said[0].lower()
    couple.wait(5)
    assert "forty-five seconds" in couple.say("how much time is left").said[0].lower()


def test_next_ends_the_hug_early_with_partial_credit(couple):
    couple.say("start our hug")
    couple.wait(20)
    reply = couple.say("next")
    assert reply.keys == ["[end]", "hug_partial", "rating_ask"]  # a partial hug may be rated too
    assert "twenty seconds" in reply.said[0].lower() and "minute and a half" not in reply.said[0]  # never the planned length
    moment = couple.last("hug")
    assert (moment.status, moment.actual_seconds) == ("partial", 20.0)


def test_repeat_says_the_last_line_again(couple):
    first = couple.say("start our hug").actions[0]
    assert couple.say("repeat that").actions == (first,)


def test_the_hug_starts_after_the_intro_has_been_spoken(couple):
    couple.say("start our hug")
    couple.dialog.output_busy_until(4.0)  # intro and start chime end at 4 s
    couple.wait(200)
    assert couple.chimes("end") == [94.0]
    assert couple.chimes("halfway") == [49.0]
    couple.dialog.output_busy_until(300.0)  # later speech never shifts a finished hug
    assert couple.last("hug").actual_seconds == 90.0


def test_speech_during_a_hug_does_not_shift_it(couple):
    couple.say("start our hug")
    couple.wait(10)
    couple.say("how much time is left")
    couple.dialog.output_busy_until(13.0)
    couple.wait(200)
    assert couple.chimes("end") == [90.0]


def test_a_heartbeat_keeps_the_real_seconds_while_hugging(couple):
    couple.say("start our hug")
    couple.wait(31)
    moment = couple.last("hug")
    assert moment.status == "running" and moment.actual_seconds == 30.0


def test_the_halfway_chime_can_be_turned_off(tmp_path):
    from dataclasses import replace

    from dialog_harness import SETTINGS

    from assistant.config import Rituals

    couple = Couple(tmp_path, settings=replace(SETTINGS, rituals=Rituals(halfway_chime=False)))
    couple.say("start our hug")
    couple.wait(100)
    assert couple.chimes("halfway") == [] and couple.chimes("end") == [90.0]


def _match(intent: str, **slots):
    from assistant.messages import IntentMatch

    return IntentMatch(intent, slots, 1.0, intent)


def test_stop_interrupts_nothing_else_after_the_hug(couple):
    couple.say("start our hug")
    couple.wait(95 + 20)  # the hug and its unanswered rating question are over
    reply = couple.say("stop")
    assert reply.keys == ["idle_stop"]
    assert all(not isinstance(a, Chime) for a in reply.actions)
