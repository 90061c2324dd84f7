"""Gentle offers through the real Dialog on a virtual clock: a real journal, voices and matcher."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

import audio_gen
from assistant.audio.sources import WavSource
from assistant.clock import VirtualClock
from assistant.config import Minimums, Offers, Partners, Rituals, Settings, WeeklyMinimums
from assistant.dialog.offers import OfferSchedule
from assistant.dialog.setup import build_dialog
from assistant.errors import ConfigError
from assistant.journal.journal import Journal
from assistant.journal.records import Moment
from assistant.loop.events import EventLog
from assistant.loop.listen import SpeechLoop
from assistant.messages import Say
from assistant.recognize.select import load_recognizer
from assistant.speak.output import NullOutput
from assistant.speak.tts import SpeechSynth
from dialog_harness import Couple, shared_matcher

MINUTE = 60.0


def settings(*at: str, quiet: str = "22:30-07:00", missed: str = "", daily: Minimums | None = None,
             weekly: WeeklyMinimums | None = None) -> Settings:
    return Settings(partners=Partners(("Alex", "Sam")), rituals=Rituals(ask_rating=False),
                    minimums=daily or Minimums(), weekly_minimums=weekly or WeeklyMinimums(),
                    offers=Offers(enabled=True, at=at, quiet_hours=quiet, missed_minimums_at=missed,
                                  answer_seconds=12))


def at(hour: int, minute: int = 0, day: int = 5) -> datetime:
    """Monday 5 January 2026 (day 5) unless told otherwise."""
    return datetime(2026, 1, day, hour, minute).astimezone()


def offers_said(couple: Couple) -> list[tuple[float, str]]:
    return [(t, a.key) for t, a in couple.heard
            if isinstance(a, Say) and a.key.startswith("offer_") and a.key != "offer_declined"]


def test_gratitude_is_offered_at_2130_when_it_has_not_happened(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 0))
    assert couple.dialog.next_deadline() is not None  # the loop will wake for it
    couple.wait(29 * MINUTE)
    assert offers_said(couple) == []
    couple.wait(MINUTE + 2)
    assert offers_said(couple) == [(30 * MINUTE, "offer_gratitude")]
    (offer,) = couple.journal.offers()
    assert (offer.ritual, offer.reason, offer.outcome, offer.at) == ("gratitude", "scheduled", "pending", at(21, 30))
    expecting = couple.dialog.expecting()
    assert expecting.intents == frozenset({"Yes", "No", "NotToday", "Stop", "Repeat"}) and not expecting.wake_needed
    couple.wait(MINUTE)  # nobody answers: no second word from Tandem, the offer is closed as unanswered
    assert [o.outcome for o in couple.journal.offers()] == ["unanswered"]
    assert couple.dialog.expecting().wake_needed
    assert len(offers_said(couple)) == 1


def test_no_gratitude_offer_when_they_already_did_gratitude_this_evening(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(20, 50))
    couple.journal.record(Moment("gratitude", at(21, 0), actual_seconds=120, initiated_by="Sam"))
    couple.wait(60 * MINUTE)
    assert offers_said(couple) == [] and couple.journal.offers() == []


def test_no_offer_in_quiet_hours(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("23:00 hug", "06:30 hug"), start=at(22, 0))
    couple.wait(9 * 60 * MINUTE)  # through the night to 7:00
    assert offers_said(couple) == [] and couple.journal.offers() == []


def test_an_offer_is_made_at_most_once_a_day_even_after_a_restart(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 29))
    couple.wait(MINUTE + 2)
    couple.say("no thanks")
    assert couple.said_keys()[-1] == "offer_declined"
    couple.wait(60 * MINUTE)
    assert len(offers_said(couple)) == 1

    restarted = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 35), journal=couple.journal)
    restarted.wait(60 * MINUTE)
    assert offers_said(restarted) == []
    assert [o.outcome for o in couple.journal.offers()] == ["declined"]


def test_an_offer_left_waiting_when_tandem_stopped_is_closed_as_unanswered_at_the_next_start(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 29))
    couple.wait(MINUTE + 2)
    assert [o.outcome for o in couple.journal.offers()] == ["pending"]  # the power goes before an answer
    restarted = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 31), journal=couple.journal)
    assert [o.outcome for o in couple.journal.offers()] == ["unanswered"]
    restarted.wait(60 * MINUTE)
    assert offers_said(restarted) == []


def test_repeat_that_says_the_offer_again_and_a_yes_after_it_still_starts_the_ritual(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 29))
    couple.wait(MINUTE + 8)  # eight seconds into the twelve it listens
    assert couple.say("repeat that").keys == ["offer_gratitude"]
    assert couple.dialog.expecting().wake_needed is False  # still listening for the answer
    couple.wait(10)  # the answer window started over with the repeat
    couple.say("yes")
    assert couple.dialog.running == "gratitude"
    (offer,) = couple.journal.offers()
    assert offer.outcome == "accepted" and offer.moment_id == couple.last("gratitude").id


def test_not_today_silences_every_offer_until_tomorrow(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude", "22:00 hug", "07:30 hug morning", quiet=""),
                    start=at(21, 29))
    couple.wait(MINUTE + 2)
    reply = couple.say("not today")
    assert [a.key for a in reply.actions] == ["offers_silenced"]
    couple.wait(60 * MINUTE)
    assert [k for _, k in offers_said(couple)] == ["offer_gratitude"]
    assert [o.outcome for o in couple.journal.offers()] == ["silenced"]
    couple.wait(10 * 60 * MINUTE)  # the next morning
    assert [k for _, k in offers_said(couple)] == ["offer_gratitude", "offer_hug_morning"]


def test_hey_tandem_not_today_works_with_no_offer_waiting_and_survives_a_restart(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(20, 0))
    assert couple.say("hey tandem, not today").keys == ["offers_silenced"]
    restarted = Couple(tmp_path, settings("21:30 gratitude"), start=at(20, 30), journal=couple.journal)
    restarted.wait(2 * 60 * MINUTE)
    assert offers_said(couple) == offers_said(restarted) == []
    assert couple.journal.silences() == [at(20, 0)]


def test_a_missed_minimum_is_offered_once_later_that_day_not_repeated(tmp_path: Path) -> None:
    daily = Minimums(hug=1, gratitude=0)
    couple = Couple(tmp_path, settings(missed="19:00", daily=daily), start=at(18, 0))
    couple.wait(60 * MINUTE + 2)
    assert offers_said(couple) == [(60 * MINUTE, "offer_minimum_hug")]
    (offer,) = couple.journal.offers()
    assert (offer.ritual, offer.reason) == ("hug", "minimum")
    couple.say("nope")
    couple.wait(3 * 60 * MINUTE)
    restarted = Couple(tmp_path, settings(missed="19:00", daily=daily), start=at(19, 10), journal=couple.journal)
    restarted.wait(60 * MINUTE)
    assert len(offers_said(couple)) == 1 and offers_said(restarted) == []


def test_a_missed_minimum_with_its_own_offer_still_to_come_is_left_to_that_offer(tmp_path: Path) -> None:
    daily = Minimums(hug=1, gratitude=1)
    couple = Couple(tmp_path, settings("21:30 gratitude", missed="19:00", daily=daily), start=at(18, 59))
    couple.wait(MINUTE + 2)
    assert [k for _, k in offers_said(couple)] == ["offer_minimum_hug"]  # gratitude is offered at 21:30
    couple.say("no")
    couple.wait(3 * 60 * MINUTE)
    assert [k for _, k in offers_said(couple)] == ["offer_minimum_hug", "offer_gratitude"]


def test_no_missed_minimum_offer_when_the_minimums_are_met(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings(missed="19:00", daily=Minimums(hug=1, gratitude=0)), start=at(18, 0))
    couple.journal.record(Moment("hug", at(8, 0), actual_seconds=40, status="partial"))  # partial credit counts
    couple.wait(2 * 60 * MINUTE)
    assert offers_said(couple) == []


def test_an_accepted_coffee_hug_starts_the_morning_hug_and_the_offer_records_it_as_taken(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("07:30 hug morning"), start=at(7, 25))
    couple.journal.record(Moment("hug", at(7, 0, day=4), actual_seconds=60, initiated_by="Alex"))
    couple.wait(5 * MINUTE)
    assert offers_said(couple) == [(5 * MINUTE, "offer_hug_morning")]
    reply = couple.say("yes please")
    assert "hug_morning_intro" in reply.keys
    start = next(d for _, e, d in couple.events if e == "ritual_start")
    assert (start["ritual"], start["variant"], start["first"]) == ("hug", "morning", "Sam")  # Sam's turn
    couple.wait(2 * MINUTE)
    hug = couple.last("hug")
    assert (hug.status, hug.initiated_by) == ("completed", None)  # "Coffee hug?" named nobody: not known
    (offer,) = couple.journal.offers()
    assert (offer.outcome, offer.moment_id) == ("accepted", hug.id)


def test_naming_the_offered_ritual_accepts_the_offer_with_its_variant(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("07:30 hug morning"), start=at(7, 25))
    couple.wait(5 * MINUTE)
    assert offers_said(couple) == [(5 * MINUTE, "offer_hug_morning")]
    reply = couple.say("ooh yeah, a hug")  # the offer's own ritual named: the answer is yes
    assert "hug_morning_intro" in reply.keys
    (offer,) = couple.journal.offers()
    assert offer.outcome == "accepted"


def test_naming_another_ritual_after_an_offer_is_that_request(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 29))
    couple.wait(MINUTE + 2)
    couple.say("start a two minute hug")
    start = next(d for _, e, d in couple.events if e == "ritual_start")
    assert (start["ritual"], start["planned_seconds"]) == ("hug", 120)
    assert [o.outcome for o in couple.journal.offers()] == ["unanswered"]


def test_an_offer_during_a_running_hug_waits_until_the_hug_ends(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 29))
    couple.say("start a two minute hug")
    couple.wait(MINUTE + 30)  # 21:30:30, mid-hug
    assert offers_said(couple) == []
    couple.wait(3 * MINUTE)
    hug_end = couple.chimes("end")[-1]
    ((when, key),) = offers_said(couple)
    assert key == "offer_gratitude" and hug_end < when < hug_end + 30


def test_an_offer_that_cannot_be_made_within_half_an_hour_is_dropped_for_the_day(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:00 hug"), start=at(20, 59))
    couple.say("start a forty minute walk")
    couple.wait(2 * 60 * MINUTE)
    assert offers_said(couple) == [] and couple.journal.offers() == []


def test_other_talk_after_an_offer_leaves_it_unanswered_and_is_handled_as_a_command(tmp_path: Path) -> None:
    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 29))
    couple.wait(MINUTE + 2)
    reply = couple.say("how are we doing today")
    assert reply.keys and reply.keys[0].startswith("today_")
    assert [o.outcome for o in couple.journal.offers()] == ["unanswered"]
    assert couple.dialog.expecting().wake_needed


def test_offers_are_off_until_the_couple_turns_them_on(tmp_path: Path) -> None:
    off = replace(settings("21:30 gratitude"), offers=Offers())
    couple = Couple(tmp_path, off, start=at(21, 0))
    assert couple.dialog.next_deadline() is None
    couple.wait(60 * MINUTE)
    assert offers_said(couple) == []


def test_a_weekly_minimum_joins_the_missed_minimums_when_every_day_left_is_needed() -> None:
    schedule = OfferSchedule(settings(missed="19:00", daily=Minimums(hug=0, gratitude=0),
                                      weekly=WeeklyMinimums(check_in=3)))
    saturday = at(19, 0, day=10)
    one = [Moment("check_in", at(20, 0, day=6), actual_seconds=300)]
    assert schedule.missing(saturday, one) == ["check_in"]  # two still needed, two days left: today counts
    assert schedule.missing(at(19, 0, day=9), one) == []  # Friday: three days left for two, no hurry
    assert schedule.missing(at(19, 0, day=11), one) == []  # Sunday: cannot be met any more, so no nudge
    assert schedule.missing(saturday, one + [Moment("check_in", at(20, 0, day=7), actual_seconds=300)]) == []
    assert schedule.missing(at(19, 0, day=9), []) == ["check_in"]  # Friday, none yet: three needed, three left


def test_a_whole_session_an_offer_is_spoken_at_its_time_and_a_spoken_yes_starts_it(tmp_path: Path) -> None:
    """Through the speech loop on a virtual clock: VAD, pocketsphinx, matcher, dialog, voice, journal."""
    if not audio_gen.available("flite:rms"):
        pytest.skip("flite and sox are needed to make test speech")
    rate = 16_000
    yes = audio_gen.speak("yes", "flite:rms")
    audio = np.concatenate([np.zeros(14 * rate, dtype=np.int16), yes, np.zeros(80 * rate, dtype=np.int16)])
    clock = VirtualClock(at(7, 29, day=6) + timedelta(seconds=50))  # the offer is due 10 s in
    journal = Journal.open(tmp_path / "journal.json", now=clock.wall())
    dialog = build_dialog(settings("07:30 hug morning"), journal, clock, random.Random(3))
    events = EventLog(tmp_path / "events.jsonl", clock.now)
    loop = SpeechLoop(dialog=dialog, recognizer=load_recognizer("pocketsphinx"), synth=SpeechSynth(),
                      output=NullOutput(clock), clock=clock, events=events, follow_input=True)
    loop.run(WavSource.from_samples(audio))

    said = [(e["t"], e["key"]) for e in loop.events.events if e["event"] == "say_start"]
    assert said[0] == (pytest.approx(10.0, abs=0.05), "offer_hug_morning")
    starts = [e for e in loop.events.events if e["event"] == "ritual_start"]
    assert [(s["ritual"], s["variant"]) for s in starts] == [("hug", "morning")]
    hug = [m for m in journal.moments() if m.ritual == "hug"]
    (offer,) = journal.offers()
    assert hug[0].status == "completed" and (offer.outcome, offer.moment_id) == ("accepted", hug[0].id)
    journal.close()


def test_not_today_and_no_never_collide() -> None:
    matcher = shared_matcher()
    for text in ("not today", "no more today", "no reminders today", "not tonight thanks", "leave it for today",
                 "no, not today thank you"):
        assert getattr(matcher.match(text), "intent", None) == "NotToday", text
    for text in ("no", "not now", "no thanks", "maybe later", "not right now"):
        assert getattr(matcher.match(text), "intent", None) == "No", text


@pytest.mark.parametrize("entry, problem, fix", [
    ("07:30 hugg", "no ritual 'hugg'", "use one of:"),
    ("07:30 hug evening", "no variant 'evening'", "morning"),
    ("21:30 gratitude long", "no variant 'long'", "leave it out"),
])
def test_an_offer_naming_an_unknown_ritual_or_variant_fails_at_start_up(tmp_path: Path, entry: str, problem: str,
                                                                       fix: str) -> None:
    bad = settings("21:30 gratitude", entry)
    with pytest.raises(ConfigError) as caught:
        Couple(tmp_path, bad)
    assert caught.value.key == "offers.at[1]" and problem in str(caught.value) and fix in caught.value.fix


def test_unwoken_answers_to_an_offer_are_understood_with_what_the_dialog_knows(tmp_path: Path) -> None:
    """The loop hears an answer without the wake phrase and asks the dialog what it means: naming the offered
    ritual is yes there too, and "I'll pass" declines."""
    from assistant.messages import IntentMatch

    couple = Couple(tmp_path, settings("21:30 gratitude"), start=at(21, 29))
    couple.wait(MINUTE + 2)
    answers = couple.dialog.expecting().intents
    for said, meant in (("ooh the gratitude yes please", "Yes"), ("i'll pass tonight", "No")):
        u = couple.dialog.understand([said], answers)
        assert isinstance(u, IntentMatch) and u.intent == meant, said
