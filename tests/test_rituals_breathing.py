"""Breathing: paced cues land exactly on the clock, in 4 s, out 6 s by default."""

from __future__ import annotations

from dataclasses import replace

from assistant.config import Breathing
from assistant.messages import Chime, Say

from dialog_harness import SETTINGS, Couple


def test_breathing_cues_land_on_the_exact_seconds(tmp_path):
    couple = Couple(tmp_path)
    reply = couple.say("start breathing")
    assert reply.keys == ["breathing_intro"]
    assert "two minutes" in reply.said[0].lower()
    couple.wait(130)
    assert couple.chimes("inhale") == [float(t) for t in range(0, 120, 10)]
    assert couple.chimes("exhale") == [float(t) for t in range(4, 120, 10)]
    words = couple.times_of(lambda a: isinstance(a, Say) and a.key == "breathe_in")
    assert words == couple.chimes("inhale")
    assert couple.chimes("end") == [120.0]
    moment = couple.last("breathing")
    assert (moment.status, moment.actual_seconds) == ("completed", 120.0)


def test_the_pace_comes_from_the_config(tmp_path):
    couple = Couple(tmp_path, settings=replace(SETTINGS, breathing=Breathing(inhale=3, exhale=5)))
    couple.say("one minute of breathing")
    couple.wait(70)
    assert couple.chimes("inhale") == [0.0, 8.0, 16.0, 24.0, 32.0, 40.0, 48.0, 56.0]
    assert couple.chimes("exhale") == [3.0, 11.0, 19.0, 27.0, 35.0, 43.0, 51.0]  # none at 59: it would ring past 60
    assert couple.chimes("end") == [60.0]


def test_a_paused_breath_resumes_on_the_same_rhythm(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start breathing")
    couple.wait(12)  # in at 0, out at 4, in at 10
    couple.say("pause")
    couple.wait(30)
    assert couple.chimes("exhale") == [4.0]
    couple.say("resume")  # at 42: 12 s of breathing done, the next cue (out) is due 2 s later
    couple.wait(2)
    assert couple.chimes("exhale") == [4.0, 44.0]
    couple.wait(200)
    assert couple.chimes("end") == [150.0]
    assert couple.last("breathing").actual_seconds == 120.0


def test_breathing_stopped_early_keeps_its_seconds(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start breathing")
    couple.wait(25)
    reply = couple.say("stop")
    assert reply.keys == ["breathing_partial"]
    assert "twenty-five seconds" in reply.said[0].lower()
    assert (couple.last("breathing").status, couple.last("breathing").actual_seconds) == ("partial", 25.0)
    assert not any(isinstance(a, Chime) and a.name == "inhale" for t, a in couple.heard if t > 25)


def test_added_time_adds_more_breaths(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start breathing")
    couple.wait(100)
    couple.say("add thirty seconds")
    couple.wait(100)
    assert couple.chimes("inhale")[-1] == 140.0
    assert couple.chimes("end") == [150.0]


def test_a_late_tick_gives_only_the_current_cue_not_a_burst(tmp_path):
    couple = Couple(tmp_path)
    couple.say("start breathing")
    couple.clock.set(33.0)  # the host was busy for 33 s: cues at 0, 4, 10, 14, 20, 24, 30 are all due
    reply = couple.dialog.tick()
    assert reply.keys == ["[inhale]", "breathe_in"]  # only the one at 30 s
    couple.clock.set(200.0)
    assert couple.dialog.tick().keys == ["[end]", "breathing_done", "rating_ask"]
    assert couple.last("breathing").actual_seconds == 120.0
