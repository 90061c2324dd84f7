"""One source of figures for speech, `tandem report` and the HTML page.

Pure functions over `Moment` and `Offer` records (no I/O except in `figures_for`), so what Tandem
says, what the terminal prints and what the page draws never disagree. Partial moments count as
moments (partial credit is celebrated); cancelled ones only lower the finish rate; running ones
are ignored. A moment's day is the calendar day of its own recorded time (its own UTC offset), so
a gratitude at 23:30 in winter stays on its day when the report is read in summer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from assistant.errors import TandemError
from assistant.journal.records import Moment, Offer

if TYPE_CHECKING:
    from assistant.config import Settings
    from assistant.journal.journal import Journal

FORGIVE_WINDOW = 7
"""One missed day in any rolling seven days is forgiven: a single bad day never wipes a streak."""
APPRECIATION = "appreciation"


@dataclass(frozen=True)
class Period:
    """Inclusive local days `start`..`end`; `label` names it for people ("week", "month")."""

    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise TandemError(f"the period starts ({self.start}) after it ends ({self.end})",
                              "give a start day on or before today")

    @classmethod
    def today(cls, now: datetime) -> Period:
        return cls(now.date(), now.date(), "today")

    @classmethod
    def week(cls, now: datetime) -> Period:
        """The last seven days, today included (a rolling week, so Monday is never empty)."""
        return cls(now.date() - timedelta(days=6), now.date(), "week")

    @classmethod
    def month(cls, now: datetime) -> Period:
        return cls(now.date() - timedelta(days=29), now.date(), "month")

    @classmethod
    def since(cls, day: date, now: datetime) -> Period:
        if day > now.date():
            raise TandemError(f"the report cannot start on {day.isoformat()}: that day has not come yet",
                              f"give a date on or before {now.date().isoformat()} (YYYY-MM-DD)")
        return cls(day, now.date(), "since")

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


@dataclass(frozen=True)
class RitualFigures:
    ritual: str
    moments: int
    """completed + partial: partial credit counts."""
    completed: int
    partial: int
    cancelled: int
    minutes: float
    ratings: int
    """How many of its done moments were rated."""
    average_rating: float | None
    finish_rate: float
    """completed / (completed + partial + cancelled): how often it is finished once started."""

    @property
    def started(self) -> int:
        return self.completed + self.partial + self.cancelled

    def to_dict(self) -> dict[str, Any]:
        return {
            "ritual": self.ritual, "moments": self.moments, "completed": self.completed,
            "partial": self.partial, "cancelled": self.cancelled, "minutes": round(self.minutes, 1),
            "ratings": self.ratings,
            "average_rating": None if self.average_rating is None else round(self.average_rating, 2),
            "finish_rate": round(self.finish_rate, 2),
        }


@dataclass(frozen=True)
class DayFigures:
    day: date
    counts: dict[str, int]
    """Ritual -> done moments that day; appreciations under "appreciation" (they can be a minimum)."""
    minutes: float
    met: bool | None
    """Every daily minimum reached. None when there are no minimums, the day is before the journal's
    first moment, or it is today and not met yet (the day is not over)."""

    def to_dict(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "counts": dict(self.counts), "minutes": round(self.minutes, 1),
                "met": self.met}


@dataclass(frozen=True)
class WeekFigures:
    """A whole Monday-to-Sunday week overlapping the period, counted in full (up to now)."""

    start: date
    moments: int
    minutes: float
    counts: dict[str, int]
    """Ritual -> done moments; appreciations under "appreciation" but not in `moments`."""
    weekly_met: bool | None
    """Every weekly minimum reached. None when there are none, or the week is not over (or began
    before the journal did) and is not met yet: an open week is never judged."""

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "moments": self.moments, "minutes": round(self.minutes, 1),
                "counts": dict(self.counts), "weekly_met": self.weekly_met}


@dataclass(frozen=True)
class Streak:
    """Runs of days with at least one done moment (appreciations too).

    One missed day in any rolling seven days is forgiven: the streak goes on and the forgiven day
    counts in its length. A second miss within seven days of a forgiven one ends the streak on
    the last day with a moment. Today without a moment yet never breaks the current streak.
    """

    current: int
    best: int
    """The longest streak overlapping the period (the latest among equals)."""
    best_start: date | None
    best_end: date | None
    forgiven: tuple[date, ...]
    """Forgiven days inside the period (for the streak calendar)."""
    longest: int = 0
    """The longest streak in the whole history ("your best run was ten days")."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "current": self.current, "best": self.best, "longest": self.longest,
            "best_start": self.best_start.isoformat() if self.best_start else None,
            "best_end": self.best_end.isoformat() if self.best_end else None,
            "forgiven": [d.isoformat() for d in self.forgiven],
        }


@dataclass(frozen=True)
class OfferFigures:
    ritual: str
    offered: int
    accepted: int = 0
    declined: int = 0
    silenced: int = 0
    unanswered: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"ritual": self.ritual, "offered": self.offered, "accepted": self.accepted,
                "declined": self.declined, "silenced": self.silenced, "unanswered": self.unanswered}


@dataclass(frozen=True)
class Figures:
    period: Period
    now: datetime
    rituals: dict[str, RitualFigures]
    """Most moments first (then by name); appreciations are not rituals here."""
    days: list[DayFigures]
    weeks: list[WeekFigures]
    total_moments: int
    total_minutes: float
    completed: int
    partial: int
    cancelled: int
    appreciations: int
    minimums: dict[str, int]
    weekly_minimums: dict[str, int]
    days_met: int
    days_counted: int
    streak: Streak
    easiest: str | None
    meaningful: str | None
    initiators: dict[str, int]
    """Done moments (appreciations aside) each partner is known to have started."""
    offers: dict[str, OfferFigures] = field(default_factory=dict)
    initiators_unknown: int = 0
    """Done moments nobody said who started: shown as "not known", never shared out by guess."""

    @property
    def today(self) -> DayFigures | None:
        """The figures of `now`'s day when it is in the period."""
        return self.days[-1] if self.days and self.days[-1].day == self.now.date() else None

    @property
    def this_week(self) -> WeekFigures | None:
        """The Monday-to-Sunday week holding `now`, when it overlaps the period."""
        return self.weeks[-1] if self.weeks and self.weeks[-1].start == monday_of(self.now.date()) else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.to_dict(),
            "now": self.now.isoformat(),
            "total_moments": self.total_moments,
            "total_minutes": round(self.total_minutes, 1),
            "completed": self.completed,
            "partial": self.partial,
            "cancelled": self.cancelled,
            "appreciations": self.appreciations,
            "rituals": {name: r.to_dict() for name, r in self.rituals.items()},
            "minimums": dict(self.minimums),
            "weekly_minimums": dict(self.weekly_minimums),
            "days_met": self.days_met,
            "days_counted": self.days_counted,
            "streak": self.streak.to_dict(),
            "easiest": self.easiest,
            "meaningful": self.meaningful,
            "initiators": dict(self.initiators),
            "initiators_unknown": self.initiators_unknown,
            "offers": {name: o.to_dict() for name, o in self.offers.items()},
            "days": [d.to_dict() for d in self.days],
            "weeks": [w.to_dict() for w in self.weeks],
        }


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class _Tally:
    """Running counts for one ritual while moments stream past."""

    __slots__ = ("cancelled", "completed", "partial", "rating_sum", "ratings", "seconds")

    def __init__(self) -> None:
        self.completed = self.partial = self.cancelled = self.ratings = self.rating_sum = 0
        self.seconds = 0.0

    def figures(self, ritual: str) -> RitualFigures:
        done = self.completed + self.partial
        return RitualFigures(
            ritual=ritual, moments=done, completed=self.completed, partial=self.partial,
            cancelled=self.cancelled, minutes=self.seconds / 60.0, ratings=self.ratings,
            average_rating=self.rating_sum / self.ratings if self.ratings else None,
            finish_rate=self.completed / (done + self.cancelled),
        )


def compute_figures(
    moments: Iterable[Moment],
    offers: Iterable[Offer],
    period: Period,
    now: datetime,
    minimums: Mapping[str, int],
    weekly_minimums: Mapping[str, int],
) -> Figures:
    """The figures of `period`. `moments` must hold the whole history up to `now` (streaks and
    "since the journal began" need it); anything outside the period is only used for those."""
    today = now.date()
    first_week = monday_of(period.start)
    daily = {r: n for r, n in minimums.items() if n > 0}
    weekly = {r: n for r, n in weekly_minimums.items() if n > 0}

    tallies: dict[str, _Tally] = {}
    day_counts: dict[date, dict[str, int]] = {}
    day_seconds: dict[date, float] = {}
    week_counts: dict[date, dict[str, int]] = {}
    week_seconds: dict[date, float] = {}
    initiators: dict[str, int] = {}
    active: set[date] = set()
    first_day: date | None = None
    appreciations = 0
    unknown_starter = 0

    for m in moments:
        status = m.status
        if status == "running":
            continue
        day = m.started.date()  # the calendar day where they were (its own offset: DST-proof)
        if day > today:
            continue
        if first_day is None or day < first_day:
            first_day = day
        done = status != "cancelled"
        if done:
            active.add(day)
        if day < first_week:
            continue
        ritual = m.ritual
        appreciation = m.kind == APPRECIATION
        if done:
            week = monday_of(day)
            counts = week_counts.setdefault(week, {})
            counts[ritual] = counts.get(ritual, 0) + 1
            if not appreciation:
                week_seconds[week] = week_seconds.get(week, 0.0) + m.actual_seconds
        if day < period.start or day > period.end:
            continue
        if appreciation:
            if done:
                appreciations += 1
                counts = day_counts.setdefault(day, {})
                counts[ritual] = counts.get(ritual, 0) + 1
            continue
        tally = tallies.get(ritual)
        if tally is None:
            tally = tallies[ritual] = _Tally()
        if status == "cancelled":
            tally.cancelled += 1
            continue
        if status == "partial":
            tally.partial += 1
        else:
            tally.completed += 1
        tally.seconds += m.actual_seconds
        if m.rating is not None:
            tally.ratings += 1
            tally.rating_sum += m.rating
        counts = day_counts.setdefault(day, {})
        counts[ritual] = counts.get(ritual, 0) + 1
        day_seconds[day] = day_seconds.get(day, 0.0) + m.actual_seconds
        if m.initiated_by:
            initiators[m.initiated_by] = initiators.get(m.initiated_by, 0) + 1
        else:
            unknown_starter += 1

    rituals = {
        name: tally.figures(name)
        for name, tally in sorted(tallies.items(), key=lambda kv: (-(kv[1].completed + kv[1].partial), kv[0]))
    }
    days = [_day(d, day_counts.get(d, {}), day_seconds.get(d, 0.0), daily, first_day, today) for d in period.days]
    weeks = [
        _week(w, week_counts.get(w, {}), week_seconds.get(w, 0.0), weekly, first_day, today)
        for w in _mondays(first_week, period.end)
    ]
    totals = list(rituals.values())
    return Figures(
        period=period,
        now=now,
        rituals=rituals,
        days=days,
        weeks=weeks,
        total_moments=sum(r.moments for r in totals),
        total_minutes=sum(r.minutes for r in totals),
        completed=sum(r.completed for r in totals),
        partial=sum(r.partial for r in totals),
        cancelled=sum(r.cancelled for r in totals),
        appreciations=appreciations,
        minimums=daily,
        weekly_minimums=weekly,
        days_met=sum(1 for d in days if d.met),
        days_counted=sum(1 for d in days if d.met is not None),
        streak=streak_of(active, period, today),
        easiest=_easiest(totals),
        meaningful=_meaningful(totals),
        initiators=dict(sorted(initiators.items(), key=lambda kv: (-kv[1], kv[0]))),
        offers=_offers(offers, period),
        initiators_unknown=unknown_starter,
    )


def _reached(counts: Mapping[str, int], wanted: Mapping[str, int]) -> bool:
    return all(counts.get(ritual, 0) >= need for ritual, need in wanted.items())


def _day(day: date, counts: dict[str, int], seconds: float, minimums: Mapping[str, int],
         first_day: date | None, today: date) -> DayFigures:
    met: bool | None = None
    if minimums and first_day is not None and day >= first_day:
        reached = _reached(counts, minimums)
        met = True if reached else (None if day >= today else False)
    order = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return DayFigures(day=day, counts=order, minutes=seconds / 60.0, met=met)


def _week(start: date, counts: dict[str, int], seconds: float, minimums: Mapping[str, int],
          first_day: date | None, today: date) -> WeekFigures:
    met: bool | None = None
    if minimums and first_day is not None:
        if _reached(counts, minimums):
            met = True
        elif start + timedelta(days=6) < today and start >= first_day:
            met = False
    order = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    moments = sum(n for r, n in counts.items() if r != APPRECIATION)
    return WeekFigures(start=start, moments=moments, minutes=seconds / 60.0, counts=order, weekly_met=met)


def _mondays(first: date, last: date) -> list[date]:
    return [first + timedelta(days=7 * i) for i in range((last - first).days // 7 + 1)]


Run = tuple[date, date, tuple[date, ...]]
"""A streak: its first day, its last day with a moment, and the days it forgave."""


def streak_runs(active: set[date], today: date) -> tuple[list[Run], bool]:
    """Every streak up to `today`, oldest first, and whether the last one is still going.

    Walks the days once: a missed day is forgiven unless another miss lies within the previous
    six days; then the streak ends on its last day with a moment. Today is never a miss.
    """
    if not active:
        return [], False
    runs: list[Run] = []
    day = min(active)
    start: date | None = None
    last_active = day
    last_miss: date | None = None
    forgiven: list[date] = []
    pending: date | None = None
    one = timedelta(days=1)
    while day <= today:
        if day in active:
            if start is None:
                start, forgiven, last_miss = day, [], None
            elif pending is not None:
                forgiven.append(pending)
            pending = None
            last_active = day
        elif day < today and start is not None:
            if last_miss is not None and (day - last_miss).days < FORGIVE_WINDOW:
                runs.append((start, last_active, tuple(forgiven)))
                start, pending = None, None
            else:
                last_miss = pending = day
        day += one
    if start is not None:
        runs.append((start, last_active, tuple(forgiven)))
    return runs, start is not None


def streak_of(active: set[date], period: Period, today: date) -> Streak:
    runs, going = streak_runs(active, today)
    current = (runs[-1][1] - runs[-1][0]).days + 1 if going else 0
    best: tuple[date, date] | None = None
    forgiven: list[date] = []
    for start, end, skipped in runs:
        if end < period.start or start > period.end:
            continue
        forgiven.extend(d for d in skipped if d in period)
        if best is None or (end - start) >= (best[1] - best[0]):
            best = (start, end)
    return Streak(
        current=current,
        best=(best[1] - best[0]).days + 1 if best else 0,
        best_start=best[0] if best else None,
        best_end=best[1] if best else None,
        forgiven=tuple(forgiven),
        longest=max(((end - start).days + 1 for start, end, _ in runs), default=0),
    )


def _easiest(rituals: list[RitualFigures]) -> str | None:
    started = [r for r in rituals if r.started >= 2]
    if not started:
        return None
    return min(started, key=lambda r: (-r.finish_rate, -r.started, r.ritual)).ritual


def _meaningful(rituals: list[RitualFigures]) -> str | None:
    rated = [r for r in rituals if r.average_rating is not None]
    if not rated:
        return None
    return min(rated, key=lambda r: (-(r.average_rating or 0.0), -r.ratings, r.ritual)).ritual


def _offers(offers: Iterable[Offer], period: Period) -> dict[str, OfferFigures]:
    tallies: dict[str, dict[str, int]] = {}
    for offer in offers:
        if offer.at.date() not in period:
            continue
        tally = tallies.setdefault(offer.ritual, {"offered": 0})
        tally["offered"] += 1
        if offer.outcome != "pending":
            tally[offer.outcome] = tally.get(offer.outcome, 0) + 1
    order = sorted(tallies.items(), key=lambda kv: (-kv[1]["offered"], kv[0]))
    return {ritual: OfferFigures(ritual=ritual, **tally) for ritual, tally in order}


def figures_for(journal: Journal, period: Period, now: datetime, settings: Settings) -> Figures:
    """Read the whole history (streaks can be years long) and the period's offers from `journal`."""
    moments = journal.moments()
    since = datetime(period.start.year, period.start.month, period.start.day, tzinfo=now.tzinfo)
    offers = journal.offers(since - timedelta(days=1))  # a day of slack: offers made in another time zone
    return compute_figures(moments, offers, period, now,
                           settings.minimums.as_dict(), settings.weekly_minimums.as_dict())
