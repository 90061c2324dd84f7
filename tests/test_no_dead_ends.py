"""No dead ends: something is always said back to a person who addressed Tandem, in every state, and what
they meant is taken up (a late "sure", "a solid four", "another question", "we need a moment", "help")."""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from assistant.config import Offers, Partners, Settings, load_settings
from assistant.messages import Say
from dialog_harness import SETTINGS, Couple, shared_matcher

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()
README = Path(__file__).resolve().parent.parent / "README.md"


def said(reply) -> list[str]:
    return [a.text for a in reply.actions if isinstance(a, Say)]


# ---- yes and no with nothing asked ---------------------------------------------------------------

@pytest.mark.parametrize("line", ["yes", "no", "sure", "nope"])
def test_a_bare_yes_or_no_with_nothing_asked_is_answered(tmp_path: Path, line: str) -> None:
    couple = Couple(tmp_path, start=EVENING)
    assert said(couple.say(line))
    couple.say("start our hug")
    assert said(couple.say(line))
    assert couple.dialog.running == "hug"  # and the hug goes on


# ---- offers: a window for a couple across a kitchen, and a late answer still counts ------------

def offer_settings(**changes) -> Settings:
    offers = Offers(enabled=True, at=("20:30 hug",), missed_minimums_at="", **changes)
    return Settings(partners=Partners(("Alex", "Sam")), offers=offers)


def offered(tmp_path: Path, settings: Settings) -> Couple:
    couple = Couple(tmp_path, settings, start=EVENING)
    couple.wait(30 * 60 + 1)
    assert couple.said_keys()[-1] == "offer_hug"
    return couple


def test_the_offer_waits_long_enough_for_an_answer_across_the_kitchen(tmp_path: Path) -> None:
    assert Offers().answer_seconds >= 45
    couple = offered(tmp_path, offer_settings())
    couple.wait(35)
    assert not couple.dialog.expecting().wake_needed  # still listening for the answer
    reply = couple.say("sure, why not")
    assert "hug_intro" in reply.keys and couple.dialog.running == "hug"
    assert couple.journal.offers()[-1].outcome == "accepted"


def test_a_late_yes_after_the_window_still_takes_the_offer_up(tmp_path: Path) -> None:
    couple = offered(tmp_path, offer_settings(answer_seconds=20))
    couple.wait(25)
    assert couple.dialog.expecting().wake_needed and couple.journal.offers()[-1].outcome == "unanswered"
    couple.wait(120)
    reply = couple.say("yes please")
    assert "hug_intro" in reply.keys
    offer = couple.journal.offers()[-1]
    assert offer.outcome == "accepted" and offer.moment_id == couple.last("hug").id


def test_a_late_no_is_taken_kindly(tmp_path: Path) -> None:
    couple = offered(tmp_path, offer_settings(answer_seconds=20))
    couple.wait(60)
    assert said(couple.say("no thanks"))
    assert couple.journal.offers()[-1].outcome == "declined"


def test_the_answer_window_is_configurable_and_documented(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[offers]\nanswer_seconds = 90\n")
    assert load_settings(config).offers.answer_seconds == 90
    assert re.search(r"answer_seconds = \d+ .*#", README.read_text())


# ---- a check-in: another question ------------------------------------------------------------

@pytest.mark.parametrize("line", ["another question", "a different question please", "next question"])
def test_another_question_during_a_check_in_asks_a_new_one(tmp_path: Path, line: str) -> None:
    couple = Couple(tmp_path, start=EVENING)
    first = couple.say("let's check in")
    couple.wait(20)
    reply = couple.say(line)
    bank = couple.dialog.rituals.questions["check_in"]
    asked = [q for q in bank if any(q in text for text in said(reply))]
    assert len(asked) == 1 and asked[0] not in " ".join(said(first))
    assert couple.dialog.running == "check_in"  # the check-in goes on
    couple.wait(400)
    assert couple.last("check_in").status == "completed"


def test_another_question_when_idle_asks_one(tmp_path: Path) -> None:
    couple = Couple(tmp_path, start=EVENING)
    reply = couple.say("another question")
    bank = couple.dialog.rituals.questions["curiosity"]
    assert any(q in text for q in bank for text in said(reply))


# ---- the rating question ---------------------------------------------------------------------

def rated_hug(tmp_path: Path) -> Couple:
    couple = Couple(tmp_path, start=EVENING)
    couple.say("start a ten second hug")
    couple.wait(10)
    assert couple.said_keys()[-1] == "rating_ask"
    return couple


@pytest.mark.parametrize("line, rating", [("a solid four", 4), ("hmm, a good five", 5), ("three I'd say", 3)])
def test_a_rating_said_in_other_words_is_taken(tmp_path: Path, line: str, rating: int) -> None:
    couple = rated_hug(tmp_path)
    assert couple.say(line).keys == ["rating_thanks"]
    assert couple.last("hug").rating == rating


def test_an_unclear_answer_to_the_rating_question_asks_again_once(tmp_path: Path) -> None:
    couple = rated_hug(tmp_path)
    again = couple.say("hmm, hard to say really")
    assert again.keys == ["rating_again"] and couple.dialog.running == "hug"
    couple.wait(10)
    assert couple.say("four").keys == ["rating_thanks"] and couple.last("hug").rating == 4


def test_a_second_unclear_answer_lets_the_rating_go_kindly(tmp_path: Path) -> None:
    couple = rated_hug(tmp_path)
    couple.say("hmm, hard to say really")
    reply = couple.say("I don't know, it was nice")
    assert said(reply) and couple.dialog.running is None and couple.last("hug").rating is None


def test_we_need_a_moment_during_the_rating_question_gives_them_time(tmp_path: Path) -> None:
    couple = rated_hug(tmp_path)
    reply = couple.say("we need a moment")
    assert reply.keys == ["take_your_time"]
    couple.wait(19)  # past the question's usual twenty seconds: still asked
    assert couple.dialog.running == "hug"
    assert couple.say("five").keys == ["rating_thanks"] and couple.last("hug").rating == 5


def test_we_need_a_moment_with_nothing_running_is_met_warmly(tmp_path: Path) -> None:
    reply = Couple(tmp_path, start=EVENING).say("we need a moment")
    assert said(reply) and reply.keys != ["nothing_running"]
    assert "nothing" not in said(reply)[0].lower()


# ---- help: what can be done now, briefly, not the same words every time --------------------------

def sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s])


def test_help_when_idle_is_brief_varied_and_mentions_the_week_the_turn_and_the_streak(tmp_path: Path) -> None:
    couple = Couple(tmp_path, start=EVENING)
    replies = [" ".join(said(couple.say("help"))) for _ in range(6)]
    assert len(set(replies)) >= 2
    for text in replies:
        assert 2 <= sentences(text) <= 3
        assert "hug" in text.lower()
    together = " ".join(replies).lower()
    assert "week" in together and "turn" in together and "streak" in together


def test_help_inside_a_hug_tells_the_controls_and_the_hug_goes_on(tmp_path: Path) -> None:
    couple = Couple(tmp_path, start=EVENING)
    couple.say("start our hug")
    text = " ".join(said(couple.say("help"))).lower()
    assert "pause" in text and "stop" in text and sentences(text) <= 3
    assert couple.dialog.running == "hug"
    couple.wait(120)
    assert couple.last("hug").status == "completed"


def test_help_during_the_thanks_is_not_taken_as_a_thanks(tmp_path: Path) -> None:
    couple = Couple(tmp_path, start=EVENING)
    couple.say("gratitude time")
    text = " ".join(said(couple.say("help"))).lower()
    assert "pass" in text
    couple.say("stop")
    assert couple.last("gratitude").counts is None


def test_help_during_the_rating_question_says_a_number_is_all(tmp_path: Path) -> None:
    couple = rated_hug(tmp_path)
    text = " ".join(said(couple.say("help"))).lower()
    assert "one to five" in text or "one and five" in text
    assert "Rate" in (couple.dialog.expecting().intents or ())


# ---- no silence, in any state, for anything addressed -----------------------------------------

def _states() -> dict[str, callable]:
    def idle(c): pass
    def hug(c): c.say("start our hug"); c.wait(5)
    def paused(c): c.say("start our hug"); c.wait(5); c.say("pause")
    def thanks(c): c.say("gratitude time")
    def rating(c): c.say("start a ten second hug"); c.wait(10)
    def follow_up(c):
        c.say("we had a fight"); c.wait(15); c.say("I heard you were tired"); c.say("I heard you felt rushed")
    return {"idle": idle, "hug": hug, "paused": paused, "thanks": thanks, "rating": rating, "follow_up": follow_up}


LINES = sorted({s.text for s in shared_matcher().intents.samples[::97]} | {
    "yes", "no", "help", "stop", "pause", "resume", "next", "skip", "four", "another question", "it's Alex",
    "we need a moment", "what's the weather", "hmm", "how are we doing today", "whose turn is it", "start our hug"})


@pytest.mark.parametrize("state", sorted(_states()))
def test_every_line_addressed_to_tandem_gets_something_said_back(state: str) -> None:
    silent = []
    for line in LINES:
        couple = Couple(Path(tempfile.mkdtemp(prefix="tandem-silence-")), start=EVENING)
        _states()[state](couple)
        if not said(couple.say(line)):
            silent.append(line)
    assert silent == []
