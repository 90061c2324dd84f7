"""What Tandem says when asked how today or the week went: figures in, (key, slots) lines out.

The choice of lines lives here, the words in voices/en/responses.yaml. Two or three sentences,
always leading with what went well (moments, minutes together, a streak, minimums kept, the
favourite ritual). Whatever is still open is offered as an invitation, at most once, and an
empty day or week is met kindly: partial credit is celebrated, nothing is ever scolded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assistant.dialog.voices import Voices
from assistant.journal.figures import APPRECIATION, Figures

Line = tuple[str, dict[str, Any]]
"""A response key and the slots to render it with."""

MAX_LINES = 3
"""Every summary phrasing is one sentence, so three lines are three sentences at most."""
TODAY_STREAK = 2
"""Days in a row worth mentioning today ("two days in a row")."""
WEEK_STREAK = 3
"""A week's streak worth mentioning (any week with moments has one or two)."""
EVERY_DAY = 3
"""Days counted before "you kept your minimums every day" is said (after one day it is no "every day")."""
EASIEST_RATE = 0.5
"""A ritual finished less often than this is not said to be the one you most often finish."""
FAVOURITE_RATING = 3.5
"""A ritual rated lower than this on average is not called the favourite, even if it is the best."""
WHOLE_SECONDS = 5.0
"""Below this, minutes together are not worth saying (an appreciation takes no time)."""


def today_lines(f: Figures, voices: Voices) -> list[Line]:
    """Today so far: what was done, a streak or kept minimums, then at most one invitation."""
    day = f.today
    counts = dict(day.counts) if day else {}
    done = _counted(voices, counts)
    missing = _short(counts, f.minimums)
    lines: list[Line] = []
    if not done:
        if f.streak.current >= TODAY_STREAK:
            lines.append(("today_streak_fresh", {"days": voices.number(f.streak.current)}))
        if missing:
            lines.append(("today_nothing_yet", {"missing": _counted(voices, missing)}))
        else:
            lines.append(("today_empty", {}))
        return lines[:MAX_LINES]
    seconds = (day.minutes if day else 0.0) * 60
    if seconds >= WHOLE_SECONDS:
        lines.append(("today_done", {"done": done, "minutes": voices.spoken_duration(seconds, approximate=True)}))
    else:
        lines.append(("today_done_brief", {"done": done}))
    if f.minimums and not missing:
        lines.append(("today_all_met", {}))
    elif f.streak.current >= TODAY_STREAK:
        lines.append(("today_streak", {"days": voices.number(f.streak.current)}))
    invitation = _invitation(f, voices, missing, "today")
    if invitation:
        lines.append(invitation)
    return lines[:MAX_LINES]


def week_lines(f: Figures, voices: Voices, scope: str = "week") -> list[Line]:
    """The last seven days (or thirty, `scope="month"`): moments and minutes, the best one or two
    highlights, maybe an invitation. Only the opening line names the period."""
    counts = {r.ritual: r.moments for r in f.rituals.values() if r.moments}
    if f.appreciations:
        counts[APPRECIATION] = f.appreciations
    moments = _counted(voices, counts)
    if not moments:
        return [(f"{scope}_empty", {})]
    seconds = f.total_minutes * 60
    if seconds >= WHOLE_SECONDS:
        lines: list[Line] = [(f"{scope}_summary", {"moments": moments,
                                                   "minutes": voices.spoken_duration(seconds, approximate=True)})]
    else:
        lines = [(f"{scope}_moments", {"moments": moments})]
    highlights = _week_highlights(f, voices)
    invitation = _invitation(f, voices, {}, "week")
    room = MAX_LINES - len(lines) - (1 if invitation else 0)
    lines.extend(highlights[:room])
    if invitation:
        lines.append(invitation)
    return lines


def streak_lines(f: Figures, voices: Voices) -> list[Line]:
    """ "What's our streak?": the run so far, and the best one when it is longer; a fresh start is
    an invitation, never a loss."""
    current, best = f.streak.current, max(f.streak.longest, f.streak.current)
    if current == 0:
        return [("streak_none", {})]
    if current == 1:
        today = f.today is not None and sum(f.today.counts.values()) > 0
        return [("streak_started" if today else "streak_started_yesterday", {})]
    if current >= best:
        return [("streak_best", {"days": voices.number(current)})]
    return [("streak_now", {"days": voices.number(current), "best": voices.number(best)})]


def _week_highlights(f: Figures, voices: Voices) -> list[Line]:
    """What went well, best first."""
    found: list[Line] = []
    if f.streak.current >= WEEK_STREAK:
        found.append(("week_streak", {"days": voices.number(f.streak.current)}))
    if f.days_counted >= EVERY_DAY and f.days_met == f.days_counted:
        found.append(("week_minimums_all", {}))
    elif f.days_met >= 2:
        found.append(("week_minimums_some", {"days": voices.number(f.days_met)}))
    favourite = f.rituals[f.meaningful] if f.meaningful else None
    rating = favourite.average_rating if favourite else None
    if favourite and rating is not None and rating >= FAVOURITE_RATING:
        found.append(("week_favorite", {"ritual": voices.noun(favourite.ritual), "rating": voices.number(round(rating))}))
    elif f.easiest and f.rituals[f.easiest].finish_rate >= EASIEST_RATE:
        found.append(("week_easiest", {"ritual": voices.noun(f.easiest), "rituals": voices.plural(f.easiest)}))
    if f.partial:
        found.append(("week_partial", {"count": voices.number(f.partial)}))
    return found


def _invitation(f: Figures, voices: Voices, missing_today: Mapping[str, int], scope: str) -> Line | None:
    """One open minimum, phrased as an invitation: today's first, else this week's."""
    if missing_today:
        return ("today_invite", {"missing": _counted(voices, missing_today)})
    week = f.this_week
    if week is None or not f.weekly_minimums or week.weekly_met:
        return None
    open_ = _short(week.counts, f.weekly_minimums)
    if not open_:
        return None
    return ("today_week_invite" if scope == "today" else "week_invite", {"missing": _counted(voices, open_)})


def _short(counts: Mapping[str, int], wanted: Mapping[str, int]) -> dict[str, int]:
    """Ritual -> how many more would reach `wanted`."""
    return {r: n - counts.get(r, 0) for r, n in wanted.items() if counts.get(r, 0) < n}


def _counted(voices: Voices, counts: Mapping[str, int]) -> str:
    """{"hug": 2, "walk": 1} -> "two hugs and one walk" (most first); "" when nothing."""
    order = sorted(((n, r) for r, n in counts.items() if n > 0), key=lambda nr: (-nr[0], nr[1]))
    return voices.spoken_list([voices.counted(n, r) for n, r in order])
