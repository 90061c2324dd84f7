"""The figures Tandem speaks ("one hug left today", "this week: six hugs, twelve minutes").

Both the spoken summaries and `tandem report --json` come from these dataclasses, so what is
said and what is printed never disagree. Partial moments count: partial credit is celebrated.
Days are local calendar days of the `now` given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from assistant.journal.records import Moment

WEEK_DAYS = 7


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class TodayStatus:
    """Today's rituals against the couple's daily minimums."""

    day: date
    counts: dict[str, int]
    """Ritual -> moments done today (completed or partial); appreciations under "appreciation"."""
    minimums: dict[str, int]
    minutes: dict[str, float] = field(default_factory=dict)

    @property
    def missing(self) -> dict[str, int]:
        """Ritual -> how many more to reach the minimum (only rituals still short)."""
        return {
            ritual: need - self.counts.get(ritual, 0)
            for ritual, need in self.minimums.items()
            if self.counts.get(ritual, 0) < need
        }

    @property
    def met(self) -> bool:
        return not self.missing

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "counts": self.counts,
            "minutes": {k: round(v, 1) for k, v in self.minutes.items()},
            "minimums": self.minimums,
            "missing": self.missing,
            "met": self.met,
        }


@dataclass(frozen=True)
class WeekSummary:
    """The last seven local days, today included."""

    start: datetime
    end: datetime
    counts: dict[str, int]
    """Ritual -> moments done (completed or partial), most frequent first. Appreciations excluded."""
    minutes: dict[str, float]
    partial: dict[str, int]
    appreciations: int
    top_moment: Moment | None
    """The highest-rated moment (the most recent among equals); None when nothing was rated."""
    days_active: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def total_minutes(self) -> float:
        return sum(self.minutes.values())

    def to_dict(self) -> dict[str, Any]:
        top = self.top_moment
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "counts": self.counts,
            "minutes": {k: round(v, 1) for k, v in self.minutes.items()},
            "partial": self.partial,
            "total": self.total,
            "total_minutes": round(self.total_minutes, 1),
            "appreciations": self.appreciations,
            "days_active": self.days_active,
            "top_moment": top.to_dict() if top else None,
        }


def today_status(moments: Iterable[Moment], now: datetime, minimums: Mapping[str, int]) -> TodayStatus:
    """`moments` may hold more than today; only today's are counted."""
    start = start_of_day(now)
    end = start + timedelta(days=1)
    counts: dict[str, int] = {}
    minutes: dict[str, float] = {}
    for m in moments:
        if m.done and start <= m.started < end:
            counts[m.ritual] = counts.get(m.ritual, 0) + 1
            minutes[m.ritual] = minutes.get(m.ritual, 0.0) + m.minutes
    return TodayStatus(day=start.date(), counts=counts, minimums=dict(minimums), minutes=minutes)


def week_summary(moments: Iterable[Moment], now: datetime) -> WeekSummary:
    """`moments` may hold more than the week; only the last seven days are counted."""
    start = start_of_day(now) - timedelta(days=WEEK_DAYS - 1)
    counts: dict[str, int] = {}
    minutes: dict[str, float] = {}
    partial: dict[str, int] = {}
    appreciations = 0
    top: Moment | None = None
    days: set[date] = set()
    for m in moments:
        if not (m.done and start <= m.started <= now):
            continue
        days.add(m.started.date())
        if m.kind == "appreciation":
            appreciations += 1
        else:
            counts[m.ritual] = counts.get(m.ritual, 0) + 1
            minutes[m.ritual] = minutes.get(m.ritual, 0.0) + m.minutes
            if m.status == "partial":
                partial[m.ritual] = partial.get(m.ritual, 0) + 1
        if m.rating is not None and (top is None or (m.rating, m.started) >= (top.rating or 0, top.started)):
            top = m
    order = sorted(counts, key=lambda r: (-counts[r], r))
    return WeekSummary(
        start=start,
        end=now,
        counts={r: counts[r] for r in order},
        minutes={r: minutes[r] for r in order},
        partial=partial,
        appreciations=appreciations,
        top_moment=top,
        days_active=len(days),
    )
