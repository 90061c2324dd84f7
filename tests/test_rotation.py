"""Rotating who starts: per ritual, whoever did not start the last one done of it starts the next."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from assistant.config import Offers, Partners, Rituals, Settings
from assistant.journal.records import Moment
from assistant.messages import Say
from dialog_harness import Couple

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()
SETTINGS = Settings(partners=Partners(("Alex", "Sam")), rituals=Rituals(ask_rating=False))


def done(couple: Couple, ritual: str, by: str, hours_ago: float, status: str = "completed") -> None:
    couple.journal.record(Moment(ritual, EVENING - timedelta(hours=hours_ago), actual_seconds=60,
                                 status=status, initiated_by=by))


def first_of_last_start(couple: Couple) -> str:
    return [d for _, e, d in couple.events if e == "ritual_start"][-1]["first"]


def spoken(couple: Couple) -> Say:
    return [a for _, a in couple.heard if isinstance(a, Say)][-1]


def test_each_ritual_keeps_its_own_turn(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    done(couple, "gratitude", "Alex", 24)
    done(couple, "hug", "Sam", 2)  # the latest moment overall: Sam started a hug
    couple.say("let's do our gratitude")
    assert first_of_last_start(couple) == "Sam"  # Alex started the last gratitude
    intro = next(a for _, a in couple.heard if isinstance(a, Say) and a.key == "gratitude_intro")
    assert "Sam" in intro.text and "Alex" not in intro.text
    couple.say("stop")
    couple.wait(5)
    couple.say("start a hug")
    assert first_of_last_start(couple) == "Alex"  # Sam started the last hug


def test_a_ritual_records_who_started_it_only_when_told_and_the_turn_follows_that(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    couple.say("start a ten second hug")
    couple.wait(60)
    assert couple.last("hug").initiated_by is None  # nobody said: not invented by rotation
    couple.say("Sam's starting a ten second hug")
    couple.wait(60)
    assert couple.last("hug").initiated_by == "Sam"
    couple.say("whose turn is it")
    assert spoken(couple).key == "whose_turn" and spoken(couple).text.startswith("Alex, ")  # "Alex, your turn..."


def test_a_cancelled_ritual_does_not_use_up_a_turn(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    done(couple, "gratitude", "Alex", 24)
    done(couple, "gratitude", "Sam", 3, status="cancelled")  # Sam began one, but they stopped it at once
    couple.say("who starts gratitude tonight")
    say = spoken(couple)
    assert say.key == "whose_turn_ritual" and "Sam" in say.text


def test_whose_turn_names_a_ritual_or_the_next_one_overall(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    done(couple, "gratitude", "Sam", 24)
    done(couple, "hug", "Alex", 1)
    couple.say("whose turn is it to start the hug")
    assert spoken(couple).key == "whose_turn_ritual" and "Sam" in spoken(couple).text
    couple.say("who starts gratitude tonight")
    assert spoken(couple).key == "whose_turn_ritual" and "Alex" in spoken(couple).text
    couple.say("whose turn is it")  # no ritual named: Alex started the last one of all
    assert spoken(couple).key == "whose_turn" and spoken(couple).text.startswith("Sam, ")


def test_a_partial_ritual_counts_as_a_turn_taken(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    done(couple, "hug", "Alex", 1, status="partial")  # forty seconds of hug is still a hug
    couple.say("start a hug")
    assert first_of_last_start(couple) == "Sam"


def test_an_accepted_offer_starts_with_whoever_s_turn_it_is(tmp_path: Path) -> None:
    settings = Settings(partners=Partners(("Alex", "Sam")), rituals=Rituals(ask_rating=False),
                        offers=Offers(enabled=True, at=("20:30 gratitude",), missed_minimums_at=""))
    couple = Couple(tmp_path, settings, start=EVENING)
    done(couple, "gratitude", "Sam", 24)
    couple.wait(30 * 60 + 1)
    assert couple.said_keys()[-1] == "offer_gratitude"
    couple.say("yes")
    assert first_of_last_start(couple) == "Alex"
