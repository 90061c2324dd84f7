"""How are we doing? Two or three warm sentences, leading with what went well, never a scolding."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from assistant.config import Minimums, WeeklyMinimums
from assistant.datafiles import voices_dir
from assistant.dialog.summaries import today_lines, week_lines
from assistant.dialog.voices import Voices
from assistant.journal import Journal
from assistant.journal.figures import Period, compute_figures
from assistant.journal.records import Moment

from bench.soak import SCOLDING, SUMMARY_KEYS, sentences
from dialog_harness import SETTINGS, Couple

THURSDAY = datetime(2026, 1, 8, 20, 0).astimezone()
INVITATIONS = {"today_invite", "today_week_invite", "week_invite", "today_nothing_yet"}
RITUALS = ("hug", "gratitude", "breathing", "check_in", "walk", "hold_hands")
VOICES = Voices.load(voices_dir())


def moment(ritual: str, at: datetime, status: str = "completed", seconds: float = 90, rating: int | None = None,
           kind: str = "moment") -> Moment:
    return Moment(ritual, at, at + timedelta(seconds=seconds), seconds, seconds, status, "Alex", rating, kind=kind)


def spoken(reply) -> str:
    return " ".join(reply.said)


def test_a_week_with_a_partial_hug_still_leads_with_the_hug(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    couple.journal.record(moment("hug", couple.clock.wall() - timedelta(days=2), "partial", seconds=40))
    reply = couple.say("how was our week")
    assert reply.keys[0] == "week_summary"
    assert "one hug" in reply.said[0] and "forty seconds" in reply.said[0]
    assert "week_partial" in reply.keys  # the short one is celebrated, not excused


def test_an_empty_week_is_met_kindly(tmp_path: Path) -> None:
    reply = Couple(tmp_path).say("week summary")
    assert reply.keys == ["week_empty"]
    assert "fresh week" in reply.said[0].lower()


def test_an_empty_day_invites_the_minimums_once(tmp_path: Path) -> None:
    reply = Couple(tmp_path).say("how are we doing today")
    assert reply.keys == ["today_nothing_yet"]
    assert "one hug" in reply.said[0] and "round of thanks" in reply.said[0]


def test_today_leads_with_the_hug_and_invites_the_thanks(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    couple.say("start our hug")
    couple.wait(30)
    couple.say("stop")  # thirty seconds still counts
    reply = couple.say("how are we doing today")
    assert reply.keys == ["today_done", "today_invite"]
    assert "one hug" in reply.said[0] and "thirty seconds" in reply.said[0]
    assert "round of thanks" in reply.said[1] and "hug" not in reply.said[1]


def test_a_day_with_every_minimum_done_says_so(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    now = couple.clock.wall()
    couple.journal.record(moment("hug", now - timedelta(hours=2)))
    couple.journal.record(moment("gratitude", now - timedelta(hours=1), seconds=200))
    reply = couple.say("how are we doing today")
    assert reply.keys == ["today_done", "today_all_met"]
    assert "one hug" in reply.said[0] and "one round of thanks" in reply.said[0]


def test_today_knows_the_weekly_minimums_too(tmp_path: Path) -> None:
    settings = replace(SETTINGS, weekly_minimums=WeeklyMinimums(check_in=3))
    couple = Couple(tmp_path, settings=settings, start=THURSDAY)
    for days_ago in (3, 1):  # Monday and Wednesday
        couple.journal.record(moment("check_in", THURSDAY - timedelta(days=days_ago), seconds=300))
    couple.journal.record(moment("hug", THURSDAY - timedelta(hours=3)))
    couple.journal.record(moment("gratitude", THURSDAY - timedelta(hours=1)))
    reply = couple.say("how are we doing today")
    assert reply.keys == ["today_done", "today_all_met", "today_week_invite"]
    assert "one check-in" in reply.said[2] and "promise" in reply.said[2]


def test_a_kept_weekly_promise_is_not_brought_up_again(tmp_path: Path) -> None:
    settings = replace(SETTINGS, weekly_minimums=WeeklyMinimums(check_in=2))
    couple = Couple(tmp_path, settings=settings, start=THURSDAY)
    for days_ago in (3, 1):
        couple.journal.record(moment("check_in", THURSDAY - timedelta(days=days_ago), seconds=300))
    keys = couple.say("how was our week").keys + couple.say("how are we doing today").keys
    assert not {"week_invite", "today_week_invite"} & set(keys)


def test_the_week_celebrates_a_streak_and_the_favourite(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    now = couple.clock.wall()
    for days_ago in range(6):
        couple.journal.record(moment("hug", now - timedelta(days=days_ago, hours=1), rating=4))
    couple.journal.record(moment("walk", now - timedelta(days=2, hours=3), seconds=600, rating=5))
    reply = couple.say("how was our week")
    assert reply.keys == ["week_summary", "week_streak", "week_favorite"]
    assert "six hugs and one walk" in reply.said[0]
    assert "six days" in reply.said[1]
    assert "walk" in reply.said[2]


def test_the_month_is_summed_up_over_thirty_days(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    now = couple.clock.wall()
    for days_ago in (1, 12, 25, 40):  # the last one is outside the month
        couple.journal.record(moment("hug", now - timedelta(days=days_ago, hours=1)))
    reply = couple.say("how did we do this month")
    assert reply.keys[0] == "month_summary"
    assert "three hugs" in reply.said[0]


def test_the_streak_is_told_with_the_best_run_when_it_was_longer(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    now = couple.clock.wall()
    for days_ago in [*range(20, 30), *range(0, 4)]:  # ten days long ago, then four up to today
        couple.journal.record(moment("hug", now - timedelta(days=days_ago, minutes=5)))
    reply = couple.say("what's our streak")
    assert reply.keys == ["streak_now"]
    assert "four days" in reply.said[0] and "ten" in reply.said[0]


def test_no_streak_yet_is_an_invitation_not_a_loss(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    reply = couple.say("how many days in a row")
    assert reply.keys == ["streak_none"]
    assert not SCOLDING.search(spoken(reply))


def test_minimums_kept_every_day_are_celebrated(tmp_path: Path) -> None:
    settings = replace(SETTINGS, minimums=Minimums(hug=1, gratitude=0))
    couple = Couple(tmp_path, settings=settings)
    now = couple.clock.wall()
    for days_ago in range(4):  # the journal began four days ago, and every one of them was kept
        couple.journal.record(moment("hug", now - timedelta(days=days_ago, hours=1)))
    reply = couple.say("how was our week")
    assert reply.keys == ["week_summary", "week_streak", "week_minimums_all"]


def test_the_easiest_ritual_is_named_when_nothing_was_rated(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    now = couple.clock.wall()
    couple.journal.record(moment("breathing", now - timedelta(days=1), seconds=120))
    couple.journal.record(moment("breathing", now - timedelta(days=4), seconds=120))
    reply = couple.say("how was our week")
    assert reply.keys[-1] == "week_easiest" and "breathing pause" in reply.said[-1]


def test_a_low_rated_ritual_is_never_called_the_favourite(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    now = couple.clock.wall()
    couple.journal.record(moment("walk", now - timedelta(days=1), seconds=600, rating=2))
    couple.journal.record(moment("walk", now - timedelta(days=4), seconds=600))
    reply = couple.say("how was our week")
    assert "week_favorite" not in reply.keys
    assert reply.keys[-1] == "week_easiest"


# -- never a scolding, never a lecture ---------------------------------------------------------


def random_history(rng: random.Random, now: datetime) -> list[Moment]:
    moments = []
    for _ in range(rng.randrange(0, 25)):
        at = now - timedelta(days=rng.randrange(0, 12), hours=rng.randrange(0, 12), minutes=rng.randrange(60))
        ritual = rng.choice(RITUALS + ("appreciation",))
        kind = "appreciation" if ritual == "appreciation" else "moment"
        status = rng.choice(("completed", "completed", "partial", "cancelled"))
        moments.append(moment(ritual, at, status, seconds=rng.choice((0, 3, 40, 90, 300)),
                              rating=rng.choice((None, None, 1, 3, 5)) if status != "cancelled" else None, kind=kind))
    return moments


def random_minimums(rng: random.Random) -> tuple[dict[str, int], dict[str, int]]:
    daily = {r: rng.randrange(0, 3) for r in rng.sample(RITUALS, rng.randrange(0, 3))}
    weekly = {r: rng.randrange(0, 4) for r in rng.sample(RITUALS, rng.randrange(0, 2))}
    return daily, weekly


@pytest.mark.parametrize("seed", range(300))
def test_no_summary_scolds_in_any_phrasing(seed: int) -> None:
    rng = random.Random(seed)
    now = THURSDAY + timedelta(days=rng.randrange(7), hours=rng.randrange(-12, 3))
    moments = sorted(random_history(rng, now), key=lambda m: m.started)
    daily, weekly = random_minimums(rng)
    for period, choose in ((Period.today(now), today_lines), (Period.week(now), week_lines)):
        lines = choose(compute_figures(moments, [], period, now, daily, weekly), VOICES)
        keys = [key for key, _ in lines]
        assert 1 <= len(lines) <= 3, keys
        assert len(INVITATIONS & set(keys)) <= 1 and sum(k in INVITATIONS for k in keys) <= 1, keys
        for key, slots in lines:
            for phrasing in VOICES.responses[key]:  # every phrasing, not just the one picked
                text = phrasing.format_map(slots)
                assert not SCOLDING.search(text), (key, text)
                assert sentences(text) == 1, (key, text)
                assert "  " not in text and not re.search(r"\{|\}|, ,|^\s*,", text), (key, text)


def test_every_summary_phrasing_is_one_sentence_so_three_lines_are_three_sentences() -> None:
    keys = [k for k in VOICES.responses if SUMMARY_KEYS.match(k)]
    assert len(keys) >= 15
    for key in keys:
        for phrasing in VOICES.responses[key]:
            assert sentences(phrasing) == 1, (key, phrasing)
            assert not SCOLDING.search(phrasing), (key, phrasing)


@pytest.mark.parametrize("seed", range(12))
def test_spoken_summaries_are_at_most_three_sentences(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    daily, weekly = random_minimums(rng)
    settings = replace(SETTINGS, minimums=Minimums(**{"hug": 0, "gratitude": 0, **daily}),
                       weekly_minimums=WeeklyMinimums(**weekly))
    journal = Journal.open(tmp_path / "journal.json")
    journal.record_many(random_history(rng, THURSDAY))
    couple = Couple(tmp_path, settings=settings, seed=seed, start=THURSDAY, journal=journal)
    for question in ("how was our week", "how are we doing today", "week summary", "how are we doing today"):
        reply = couple.say(question)
        assert reply.said and sentences(spoken(reply)) <= 3, spoken(reply)
        assert not SCOLDING.search(spoken(reply)), spoken(reply)


def test_a_journal_that_cannot_be_read_gets_a_short_apology(tmp_path: Path) -> None:
    couple = Couple(tmp_path)
    couple.journal.close()
    couple.dialog.journal = None
    assert couple.say("how was our week").keys == ["journal_error"]
