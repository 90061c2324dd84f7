"""The figures everything else speaks and draws from: moments, minutes, minimums, streaks, favourites."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.config import Minimums, Partners, Settings, WeeklyMinimums
from assistant.errors import TandemError
from assistant.journal import Journal
from assistant.journal.figures import Period, compute_figures, figures_for
from assistant.journal.records import Moment, Offer

TZ = timezone(timedelta(hours=1))
NOW = datetime(2026, 3, 11, 20, 0, tzinfo=TZ)  # a Wednesday evening
TODAY = NOW.date()
DAILY = {"hug": 1, "gratitude": 1}


def moment(ritual: str, day: date, status: str = "completed", seconds: float = 60, hour: int = 8,
           by: str | None = "Sam", rating: int | None = None, kind: str = "moment") -> Moment:
    at = datetime(day.year, day.month, day.day, hour, 0, tzinfo=TZ)
    return Moment(ritual, at, at + timedelta(seconds=seconds), seconds, seconds, status, by, rating, kind=kind)


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def figures(moments, period: Period | None = None, offers=(), minimums=DAILY, weekly=None):
    return compute_figures(moments, offers, period or Period.week(NOW), NOW, minimums, weekly or {})


def test_a_partial_hug_counts_as_a_moment_and_its_minutes() -> None:
    f = figures([moment("hug", days_ago(1), "partial", seconds=40), moment("hug", days_ago(2), seconds=80)])
    hug = f.rituals["hug"]
    assert (hug.moments, hug.completed, hug.partial, hug.cancelled) == (2, 1, 1, 0)
    assert f.total_minutes == pytest.approx(2.0)
    assert f.total_moments == 2


def test_a_cancelled_hug_lowers_the_finish_rate_but_adds_no_moment_or_minutes() -> None:
    f = figures([moment("hug", days_ago(1)), moment("hug", days_ago(1), "cancelled", seconds=20)])
    assert f.rituals["hug"].moments == 1
    assert f.rituals["hug"].finish_rate == pytest.approx(0.5)
    assert f.total_minutes == pytest.approx(1.0)
    assert (f.completed, f.cancelled) == (1, 1)


def test_a_running_ritual_is_not_counted_at_all() -> None:
    f = figures([moment("hug", TODAY, "running")])
    assert f.rituals == {} and f.cancelled == 0 and f.streak.current == 0


def test_appreciations_are_counted_apart_from_rituals() -> None:
    f = figures([moment("appreciation", days_ago(1), kind="appreciation", seconds=0),
                 moment("hug", days_ago(1))])
    assert f.appreciations == 1
    assert list(f.rituals) == ["hug"]
    assert f.total_moments == 1


def test_rituals_are_listed_most_moments_first() -> None:
    f = figures([moment("gratitude", days_ago(1)), moment("hug", days_ago(1)), moment("hug", days_ago(2))])
    assert list(f.rituals) == ["hug", "gratitude"]


def test_moments_outside_the_period_are_left_out() -> None:
    f = figures([moment("hug", days_ago(7)), moment("hug", days_ago(6))])
    assert f.total_moments == 1
    assert [d.day for d in f.days] == [days_ago(n) for n in range(6, -1, -1)]


def test_a_day_is_met_when_every_daily_minimum_is_reached() -> None:
    f = figures([moment("hug", days_ago(2)), moment("gratitude", days_ago(2)), moment("hug", days_ago(1))])
    met = {d.day: d.met for d in f.days}
    assert met[days_ago(2)] is True
    assert met[days_ago(1)] is False
    assert f.days_met == 1


def test_days_before_the_journal_began_are_not_counted() -> None:
    f = figures([moment("hug", days_ago(2)), moment("gratitude", days_ago(2))])
    assert [d.met for d in f.days][:4] == [None] * 4
    assert (f.days_met, f.days_counted) == (1, 2)  # two days ago (met) and yesterday (not met)


def test_today_counts_only_once_it_is_met() -> None:
    f = figures([moment("hug", days_ago(1)), moment("gratitude", days_ago(1)), moment("hug", TODAY)])
    assert f.today is not None and f.today.met is None
    assert f.days_counted == 1
    done = figures([moment("hug", days_ago(1)), moment("hug", TODAY), moment("gratitude", TODAY)])
    assert done.today is not None and done.today.met is True
    assert (done.days_met, done.days_counted) == (1, 2)


def test_no_minimums_means_no_day_is_judged() -> None:
    f = figures([moment("hug", days_ago(3))], minimums={})
    assert all(d.met is None for d in f.days)
    assert f.days_counted == 0


def test_an_appreciation_minimum_is_met_by_an_appreciation() -> None:
    f = figures([moment("appreciation", days_ago(1), kind="appreciation", seconds=0)], minimums={"appreciation": 1})
    assert {d.day: d.met for d in f.days}[days_ago(1)] is True


def test_weekly_minimums_are_judged_per_monday_to_sunday_week() -> None:
    last_monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    checkins = [moment("check_in", last_monday + timedelta(days=n)) for n in (0, 2, 4)]
    start = moment("hug", last_monday - timedelta(days=7))  # the journal began the week before
    f = figures([start, *checkins], period=Period.month(NOW), weekly={"check_in": 3})
    by_start = {w.start: w for w in f.weeks}
    assert by_start[last_monday].weekly_met is True
    assert by_start[last_monday].counts == {"check_in": 3}
    assert by_start[last_monday - timedelta(days=7)].weekly_met is False
    assert by_start[last_monday + timedelta(days=7)].weekly_met is None  # this week is not over
    assert f.this_week is not None and f.this_week.start == last_monday + timedelta(days=7)
    assert all(w.start.weekday() == 0 for w in f.weeks)


def test_this_week_is_met_as_soon_as_its_minimum_is_reached() -> None:
    monday = TODAY - timedelta(days=TODAY.weekday())
    f = figures([moment("check_in", monday), moment("check_in", TODAY)], weekly={"check_in": 2})
    assert f.this_week is not None and f.this_week.weekly_met is True


def test_the_easiest_ritual_is_the_one_most_often_finished_once_started() -> None:
    f = figures([
        moment("hug", days_ago(1)), moment("hug", days_ago(2)), moment("hug", days_ago(3), "cancelled"),
        moment("breathing", days_ago(1)), moment("breathing", days_ago(2)),
        moment("walk", days_ago(1)),  # started once: not enough to judge
    ])
    assert f.easiest == "breathing"


def test_the_easiest_tie_goes_to_the_ritual_started_more_often() -> None:
    f = figures([moment("hug", days_ago(n)) for n in range(3)] + [moment("breathing", days_ago(n)) for n in range(2)])
    assert f.easiest == "hug"


def test_the_most_meaningful_ritual_is_the_best_rated() -> None:
    f = figures([
        moment("hug", days_ago(1), rating=4), moment("hug", days_ago(2), rating=5),
        moment("check_in", days_ago(1), rating=5), moment("walk", days_ago(1)),
    ])
    assert f.meaningful == "check_in"
    assert f.rituals["hug"].average_rating == pytest.approx(4.5)
    assert f.rituals["walk"].average_rating is None


def test_the_meaningful_tie_goes_to_the_ritual_rated_more_often() -> None:
    f = figures([moment("hug", days_ago(1), rating=5), moment("hug", days_ago(2), rating=5),
                 moment("check_in", days_ago(1), rating=5)])
    assert f.meaningful == "hug"


def test_an_empty_journal_has_no_favourites_and_no_streak() -> None:
    f = figures([])
    assert (f.easiest, f.meaningful, f.total_moments, f.days_counted) == (None, None, 0, 0)
    assert (f.streak.current, f.streak.best, f.streak.best_start) == (0, 0, None)


def test_initiators_count_done_moments_each_partner_started() -> None:
    f = figures([moment("hug", days_ago(1), by="Sam"), moment("hug", days_ago(2), by="Alex"),
                 moment("walk", days_ago(2), by="Sam"), moment("hug", days_ago(3), "cancelled", by="Alex")])
    assert f.initiators == {"Sam": 2, "Alex": 1}


def test_offers_are_counted_per_ritual_by_outcome() -> None:
    at = datetime.combine(days_ago(1), datetime.min.time(), TZ) + timedelta(hours=21)
    offers = [Offer("gratitude", at, outcome="accepted"), Offer("gratitude", at + timedelta(days=-1), outcome="silenced"),
              Offer("hug", at, outcome="unanswered"), Offer("hug", at - timedelta(days=30), outcome="declined")]
    f = figures([], offers=offers)
    assert f.offers["gratitude"].offered == 2
    assert (f.offers["gratitude"].accepted, f.offers["gratitude"].silenced) == (1, 1)
    assert (f.offers["hug"].offered, f.offers["hug"].unanswered, f.offers["hug"].declined) == (1, 1, 0)


def test_days_are_local_calendar_days_of_now() -> None:
    late = datetime(2026, 3, 9, 23, 30, tzinfo=TZ).astimezone(timezone.utc)  # 22:30 UTC, the 9th locally
    f = figures([Moment("hug", late, actual_seconds=60)])
    assert {d.day: d.counts for d in f.days}[date(2026, 3, 9)] == {"hug": 1}


def test_periods_cover_inclusive_local_days() -> None:
    assert Period.today(NOW).days == [TODAY]
    assert len(Period.week(NOW).days) == 7 and Period.week(NOW).end == TODAY
    assert len(Period.month(NOW).days) == 30
    assert Period.since(date(2026, 3, 1), NOW).days[0] == date(2026, 3, 1)


def test_a_period_starting_tomorrow_names_the_fix() -> None:
    with pytest.raises(TandemError, match="has not come yet"):
        Period.since(TODAY + timedelta(days=1), NOW)


def test_to_dict_is_plain_rounded_json_in_a_stable_order() -> None:
    f = figures([moment("hug", days_ago(1), seconds=100, rating=4), moment("hug", days_ago(2), rating=5),
                 moment("hug", days_ago(3), rating=5)])
    data = f.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["total_minutes"] == 3.7
    assert data["rituals"]["hug"]["average_rating"] == 4.67
    assert data["period"] == {"start": days_ago(6).isoformat(), "end": TODAY.isoformat(), "label": "week"}
    assert list(data) == list(figures([]).to_dict())


def test_figures_for_reads_the_whole_history_from_a_real_journal(tmp_path: Path) -> None:
    settings_ = Settings(partners=Partners(("Alex", "Sam")), minimums=Minimums(hug=1, gratitude=0),
                         weekly_minimums=WeeklyMinimums(check_in=1))
    with Journal.open(tmp_path / "journal.json") as journal:
        for n in range(400):  # more than a year of daily hugs
            journal.record(moment("hug", days_ago(n)))
        f = figures_for(journal, Period.week(NOW), NOW, settings_)
    assert f.streak.current == 400
    assert f.total_moments == 7
    assert f.minimums == {"hug": 1} and f.weekly_minimums == {"check_in": 1}
    assert f.days_met == 7


# -- streaks ---------------------------------------------------------------------------------


def history(active_days_ago: set[int], span: int) -> list[Moment]:
    """A hug on each of the given days (counted back from today) within `span` days."""
    return [moment("hug", days_ago(n)) for n in range(span) if n in active_days_ago]


def streak_of(active_days_ago: set[int], span: int = 60, period: Period | None = None):
    return figures(history(active_days_ago, span), period=period or Period.since(days_ago(span - 1), NOW)).streak


def test_every_day_with_a_moment_makes_a_streak() -> None:
    assert streak_of(set(range(10)), span=10).current == 10


def test_today_without_a_moment_yet_never_breaks_the_current_streak() -> None:
    assert streak_of(set(range(1, 10)), span=10).current == 9


def test_a_single_missed_day_is_forgiven_and_counted() -> None:
    s = streak_of(set(range(10)) - {4}, span=10)
    assert s.current == 10
    assert s.forgiven == (days_ago(4),)


def test_yesterday_missed_keeps_the_streak_going_for_today() -> None:
    assert streak_of(set(range(2, 10)), span=10).current == 8


def test_two_missed_days_in_a_row_end_the_streak() -> None:
    s = streak_of(set(range(12)) - {4, 5}, span=12)
    assert s.current == 4
    assert (s.best, s.best_start, s.best_end) == (6, days_ago(11), days_ago(6))


def test_two_misses_within_a_week_end_the_streak() -> None:
    s = streak_of(set(range(12)) - {3, 8}, span=12)
    assert s.current == 3


def test_misses_a_week_apart_are_both_forgiven() -> None:
    s = streak_of(set(range(20)) - {3, 10}, span=20)
    assert s.current == 20
    assert s.forgiven == (days_ago(10), days_ago(3))


def test_the_best_streak_is_the_longest_that_overlaps_the_period() -> None:
    long_ago = set(range(40, 60))  # twenty days, a month ago
    recent = set(range(0, 5))
    assert streak_of(long_ago | recent, span=60, period=Period.week(NOW)).best == 5
    s = streak_of(long_ago | recent, span=60, period=Period.since(days_ago(59), NOW))
    assert (s.best, s.best_start, s.best_end) == (20, days_ago(59), days_ago(40))


def test_a_streak_that_began_before_the_period_counts_in_full() -> None:
    s = streak_of(set(range(30)), span=30, period=Period.week(NOW))
    assert s.best == 30 and s.current == 30


days_strategy = st.lists(st.booleans(), min_size=1, max_size=70)


def _active(pattern: list[bool]) -> set[int]:
    return {n for n, on in enumerate(pattern) if on}


@settings(max_examples=200, deadline=None)
@given(days_strategy, st.integers(min_value=1, max_value=69))
def test_one_missed_day_never_breaks_a_streak(pattern: list[bool], missed: int) -> None:
    full = set(range(len(pattern) + 1))
    if missed >= len(full) - 1:
        return
    s = streak_of(full - {missed}, span=len(full))
    assert s.current == len(full)


@settings(max_examples=200, deadline=None)
@given(days_strategy, st.integers(min_value=1, max_value=68))
def test_two_missed_days_in_a_row_always_break_a_streak(pattern: list[bool], first_miss: int) -> None:
    if first_miss + 1 >= len(pattern):
        return
    active = _active(pattern) - {first_miss, first_miss + 1}
    s = streak_of(active, span=len(pattern))
    assert s.current <= first_miss  # nothing older than the two missed days is still in it


@settings(max_examples=300, deadline=None)
@given(days_strategy)
def test_no_streak_holds_two_misses_within_seven_days(pattern: list[bool]) -> None:
    active = _active(pattern)
    s = streak_of(active, span=len(pattern))
    if s.best_start is None:
        assert not active
        return
    assert s.best_end is not None
    inside = [s.best_start + timedelta(days=i) for i in range((s.best_end - s.best_start).days + 1)]
    misses = [d for d in inside if (TODAY - d).days not in active]
    assert (TODAY - s.best_start).days in active and (TODAY - s.best_end).days in active
    assert all((b - a).days >= 7 for a, b in zip(misses, misses[1:]))
    assert tuple(d for d in s.forgiven if s.best_start <= d <= s.best_end) == tuple(misses)
    assert s.best == len(inside) >= s.current


@settings(max_examples=200, deadline=None)
@given(days_strategy)
def test_a_moment_today_only_ever_lengthens_the_current_streak(pattern: list[bool]) -> None:
    active = _active(pattern) - {0}
    without = streak_of(active, span=len(pattern) + 1).current
    with_today = streak_of(active | {0}, span=len(pattern) + 1).current
    if without:  # today joins it (and makes a forgiven yesterday count)
        assert without + 1 <= with_today <= without + 2
    else:
        assert with_today == 1


def test_a_winter_gratitude_stays_on_its_day_when_read_in_summer() -> None:
    winter = timezone(timedelta(hours=1))
    summer_now = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    late = Moment("gratitude", datetime(2026, 1, 5, 23, 30, tzinfo=winter), actual_seconds=200)
    f = compute_figures([late], [], Period.since(date(2026, 1, 5), summer_now), summer_now, {}, {})
    assert f.days[0].day == date(2026, 1, 5) and f.days[0].counts == {"gratitude": 1}
