"""Every fact a spoken summary states is true: rendered in every phrasing over many random journals, each
count, length, streak and name said is read back from the words and held against the figures."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest

from assistant.dialog.summaries import streak_lines, today_lines, week_lines
from assistant.journal.figures import APPRECIATION, Period, compute_figures
from assistant.journal.records import Moment
from bench.facts import RITUALS, VOICES, check

THURSDAY = datetime(2026, 1, 8, 20, 0).astimezone()


def history(rng: random.Random, now: datetime) -> list[Moment]:
    """A random journal: quiet stretches and busy ones, partial and cancelled moments, ratings, appreciations,
    sometimes nothing today, sometimes nothing for days."""
    moments = []
    gap_from = rng.randrange(0, 40)
    for _ in range(rng.randrange(0, 60)):
        days_ago = rng.randrange(0, 45)
        if gap_from <= days_ago < gap_from + rng.randrange(0, 4):
            continue
        at = now - timedelta(days=days_ago, hours=rng.randrange(0, 14), minutes=rng.randrange(60))
        ritual = rng.choice(RITUALS + (APPRECIATION,))
        kind = "appreciation" if ritual == APPRECIATION else "moment"
        status = rng.choice(("completed", "completed", "partial", "cancelled"))
        seconds = 0 if kind == "appreciation" else rng.choice((3, 40, 90, 300, 600, 1234))
        rating = rng.choice((None, None, 1, 2, 3, 4, 5)) if status != "cancelled" else None
        moments.append(Moment(ritual, at, at + timedelta(seconds=seconds), seconds, seconds, status, None, rating,
                              kind=kind))
    return sorted(moments, key=lambda m: m.started)


@pytest.mark.parametrize("seed", range(400))
def test_every_fact_a_summary_states_is_true(seed: int) -> None:
    rng = random.Random(seed)
    now = THURSDAY + timedelta(days=rng.randrange(7), hours=rng.randrange(-12, 3))
    moments = [m for m in history(rng, now) if m.started <= now]
    daily = {r: rng.randrange(1, 3) for r in rng.sample(("hug", "gratitude", "walk", APPRECIATION), rng.randrange(0, 3))}
    weekly = {r: rng.randrange(1, 4) for r in rng.sample(("check_in", "walk"), rng.randrange(0, 2))}
    said_keys = []
    for period, lines_of in ((Period.today(now), today_lines), (Period.week(now), week_lines),
                             (Period.month(now), lambda f, v: week_lines(f, v, "month")),
                             (Period.today(now), streak_lines)):
        figures = compute_figures(moments, [], period, now, daily, weekly)
        for key, slots in lines_of(figures, VOICES):
            said_keys.append(key)
            for phrasing in VOICES.responses[key]:  # every phrasing, not just the one picked
                text = phrasing.format_map(slots)
                try:
                    check(key, text, figures)
                except AssertionError as error:
                    raise AssertionError(f"{key}: {text!r} ({error})") from None
    assert said_keys
