"""What a spoken summary states, read back from its words and held against the figures.

Shared by tests/test_summary_facts.py (every phrasing over random journals) and bench/first_week.py
(what was really said in a simulated first week). Written from the figures' meaning, not from
`assistant/dialog/summaries.py`, so a slip there cannot hide itself: each count ("two hugs and one
walk"), length, streak, day count and ritual name in a sentence must be what the figures say.
"""

from __future__ import annotations

import re

from assistant.datafiles import voices_dir
from assistant.dialog.voices import Voices
from assistant.journal.figures import APPRECIATION, Figures

VOICES = Voices.load(voices_dir())
RITUALS = ("hug", "gratitude", "breathing", "check_in", "walk", "hold_hands", "repair", "curiosity")
WORDS = {VOICES.number(n): n for n in range(0, 400)}
NUMBER = "|".join(sorted((re.escape(w) for w in WORDS), key=len, reverse=True))
SUMMARY = re.compile(r"^(today|week|month|streak)_")
"""Response keys of the spoken summaries."""
PERIODS = {"today": "today", "streak": "today", "week": "week", "month": "month"}
"""A summary key's prefix -> the period its figures cover."""


def period_of(key: str) -> str:
    return PERIODS[key.split("_", 1)[0]]


def counts_said(text: str) -> dict[str, int]:
    """{"hug": 2, "walk": 1} from "two hugs and one walk" (any noun Tandem speaks)."""
    found: dict[str, int] = {}
    for ritual, (one, many) in VOICES.nouns.items():
        if ritual not in RITUALS + (APPRECIATION,):
            continue  # "five minutes" is a length, not a moment
        for match in re.finditer(rf"\b({NUMBER}) ({re.escape(many)}|{re.escape(one)})\b", text.lower()):
            found[ritual] = found.get(ritual, 0) + WORDS[match.group(1)]
    return found


def number_said(text: str) -> list[int]:
    return [WORDS[m] for m in re.findall(rf"\b({NUMBER})\b", text.lower())]


def day_counts(f: Figures) -> dict[str, int]:
    return dict(f.today.counts) if f.today else {}


def check(key: str, text: str, f: Figures) -> None:
    """The facts in one rendered line, against the figures."""
    today = day_counts(f)
    done = {r: n for r, n in today.items() if n}
    period = {r.ritual: r.moments for r in f.rituals.values() if r.moments}
    if f.appreciations:
        period[APPRECIATION] = f.appreciations
    if key in ("today_done", "today_done_brief"):
        assert counts_said(text) == done
    if key == "today_done":
        assert VOICES.spoken_duration(f.today.minutes * 60, approximate=True) in text  # type: ignore[union-attr]
    if key in ("today_nothing_yet", "today_invite"):
        missing = {r: n - today.get(r, 0) for r, n in f.minimums.items() if today.get(r, 0) < n}
        assert counts_said(text) == missing and missing
    if key in ("today_week_invite", "week_invite"):
        week = f.this_week
        assert week is not None
        missing = {r: n - week.counts.get(r, 0) for r, n in f.weekly_minimums.items() if week.counts.get(r, 0) < n}
        assert counts_said(text) == missing and missing
    if key == "today_all_met":
        assert f.minimums and all(today.get(r, 0) >= n for r, n in f.minimums.items())
    if key in ("today_streak", "week_streak", "today_streak_fresh"):
        assert number_said(text) == [f.streak.current] and f.streak.current >= 2
    if key == "today_streak":
        assert done, "a streak that 'makes' today needs a moment today"
    if key == "today_streak_fresh":
        assert not done
    if key in ("today_empty",):
        assert not done
    if key in ("week_summary", "week_moments", "month_summary", "month_moments"):
        assert counts_said(text) == period
    if key in ("week_summary", "month_summary"):
        assert VOICES.spoken_duration(f.total_minutes * 60, approximate=True) in text
    if key in ("week_empty", "month_empty"):
        assert not period
    if key == "week_minimums_all":
        assert f.days_met == f.days_counted >= 3, "'every day' needs a few days to be every day"
    if key == "week_minimums_some":
        assert number_said(text) == [f.days_met] and f.days_met >= 2
    if key == "week_favorite":
        r = f.rituals[f.meaningful]  # type: ignore[index]
        assert VOICES.noun(r.ritual) in text and (r.average_rating or 0) >= 3.5
    if key == "week_easiest":
        r = f.rituals[f.easiest]  # type: ignore[index]
        one, many = VOICES.nouns[r.ritual]
        assert one in text or many in text
        assert r.started >= 2 and r.finish_rate >= 0.5 and r.finish_rate == max(
            x.finish_rate for x in f.rituals.values() if x.started >= 2)
    if key == "week_partial":
        assert number_said(text) == [f.partial] and f.partial
    streak, best = f.streak.current, max(f.streak.longest, f.streak.current)
    if key == "streak_none":
        assert streak == 0
    if key == "streak_started":
        assert streak == 1 and f.today is not None and sum(f.today.counts.values()) > 0
    if key == "streak_started_yesterday":
        assert streak == 1 and not (f.today and sum(f.today.counts.values()))
    if key == "streak_best":
        assert number_said(text) == [streak] and streak >= best and streak >= 2
    if key == "streak_now":
        assert number_said(text) == [streak, best] and best > streak


