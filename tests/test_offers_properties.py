"""The offer rules hold for any config, any journal and any moment of the day (hypothesis).

Each rule is written here from the issue's words, not from `assistant/dialog/offers.py`: never in
quiet hours (including ones that wrap midnight), never twice for one slot in a day, never after
"not today", never for a ritual already done since it was last offered that day, and a missed
minimum at most once a day and only for a minimum still missing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.config import Minimums, Offers, Partners, Settings, WeeklyMinimums
from assistant.dialog.offers import LATE_LIMIT, OfferSchedule, journaled
from assistant.journal.records import Moment, Offer

RITUALS = {"hug": ("morning",), "gratitude": (), "breathing": (), "check_in": ("long",), "walk": ()}
MONDAY = date(2026, 3, 2)
DAYS_BACK = 3

clock_times = st.tuples(st.integers(0, 23), st.integers(0, 59))


def hhmm(hm: tuple[int, int]) -> str:
    return f"{hm[0]:02d}:{hm[1]:02d}"


@st.composite
def offer_entries(draw: st.DrawFn) -> str:
    ritual = draw(st.sampled_from(sorted(RITUALS)))
    variant = draw(st.none() | st.sampled_from(RITUALS[ritual])) if RITUALS[ritual] else None
    return " ".join(p for p in (hhmm(draw(clock_times)), ritual, variant) if p)


@st.composite
def configs(draw: st.DrawFn) -> Settings:
    quiet = draw(st.just("") | st.builds(lambda a, b: f"{hhmm(a)}-{hhmm(b)}", clock_times, clock_times))
    missed = draw(st.just("") | clock_times.map(hhmm))
    counts = st.integers(0, 2)
    return Settings(
        partners=Partners(("Alex", "Sam")),
        minimums=Minimums(hug=draw(counts), gratitude=draw(counts), breathing=draw(counts), check_in=0, walk=0),
        weekly_minimums=WeeklyMinimums(check_in=draw(st.integers(0, 4)), walk=draw(st.integers(0, 2))),
        offers=Offers(enabled=True, at=tuple(draw(st.lists(offer_entries(), min_size=1, max_size=4))),
                      quiet_hours=quiet, missed_minimums_at=missed),
    )


@st.composite
def lives(draw: st.DrawFn, config: Settings) -> tuple[datetime, list[Moment], list[Offer], list[datetime]]:
    """A "now" in some week, and a few days of moments, offers and silences before it, many of
    them near the configured times (where the rules bite)."""
    tz = timezone(timedelta(hours=draw(st.integers(-8, 12))))
    today = MONDAY + timedelta(days=draw(st.integers(0, 13)))
    now = datetime.combine(today, time(*draw(clock_times), draw(st.integers(0, 59)))).replace(tzinfo=tz)
    earliest = datetime.combine(today - timedelta(days=DAYS_BACK), time()).replace(tzinfo=tz)
    span = int((now - earliest).total_seconds())
    before_now = st.integers(0, max(0, span - 1)).map(lambda s: earliest + timedelta(seconds=s))
    today_before_now = st.integers(0, max(0, now.hour * 3600 + now.minute * 60 + now.second - 1)).map(
        lambda s: datetime.combine(today, time()).replace(tzinfo=tz) + timedelta(seconds=s))
    slots = [(e.split()[0], e.split()[1]) for e in config.offers.at]
    slots += [(config.offers.missed_minimums_at, r) for r in sorted(RITUALS) if config.offers.missed_minimums_at]
    near_slot = st.builds(  # (the slot's ritual, a time from just before it to past its half hour)
        lambda slot, back, offset: (slot[1], datetime.combine(today - timedelta(days=back), time(
            int(slot[0][:2]), int(slot[0][3:]))).replace(tzinfo=tz) + timedelta(minutes=offset)),
        st.sampled_from(slots), st.sampled_from((0, 0, 0, 1)), st.integers(-5, 40)).map(lambda p: before(p, now))
    anywhere = st.tuples(st.sampled_from(sorted(RITUALS)), st.one_of(before_now, today_before_now))
    when = st.one_of(anywhere, near_slot)
    moments = draw(st.lists(st.builds(
        lambda ra, status: Moment(ra[0], ra[1], min(ra[1] + timedelta(minutes=2), now), 120, 120, status=status),
        when, st.sampled_from(("completed", "partial", "cancelled"))), max_size=12))
    offers = draw(st.lists(st.builds(
        lambda ra, reason, outcome: Offer(ra[0], ra[1], reason=reason, outcome=outcome),
        when, st.sampled_from(("scheduled", "scheduled", "minimum")),
        st.sampled_from(("accepted", "declined", "silenced", "unanswered", "unanswered"))), max_size=6))
    silences = draw(st.lists(when.map(lambda ra: ra[1]), max_size=2))
    return now, sorted(moments, key=lambda m: m.started), sorted(offers, key=lambda o: o.at), sorted(silences)


def before(pair: tuple[str, datetime], now: datetime) -> tuple[str, datetime]:
    """The same time of day, a day earlier until it is in the past (a journal holds nothing later)."""
    ritual, at = pair
    while at >= now:
        at -= timedelta(days=1)
    return ritual, at


def quiet(config: Settings, at: datetime) -> bool:
    text = config.offers.quiet_hours
    if not text:
        return False
    start, end = (int(p[:2]) * 60 + int(p[3:]) for p in text.split("-"))
    minute = at.hour * 60 + at.minute
    return start <= minute < end if start <= end else (minute >= start or minute < end)


def slot_at(hm: time, now: datetime) -> datetime:
    return datetime.combine(now.date(), hm).replace(tzinfo=now.tzinfo)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), config=configs())
def test_no_offer_ever_breaks_the_couples_rules(data: st.DataObject, config: Settings) -> None:
    now, moments, offers, silences = data.draw(lives(config))
    schedule = OfferSchedule(config)
    today = journaled(moments, offers, silences, now)
    midnight = datetime.combine(now.date(), time()).replace(tzinfo=now.tzinfo)
    offers_today = [o for o in offers if o.at >= midnight]
    silenced = any(s >= midnight for s in silences) or any(o.outcome == "silenced" for o in offers_today)
    done = [m for m in moments if m.status in ("completed", "partial")]
    due = [slot for at, slot in schedule.upcoming(now) if at <= now]
    for slot in {*due, *schedule.slots}:  # due ones as the Dialog asks, and any slot at any time
        proposal = schedule.decide(slot, now, today)
        if proposal is None:
            continue
        assert not quiet(config, now), (config.offers.quiet_hours, now)
        assert not silenced
        if proposal.reason == "minimum":
            assert not any(o.reason == "minimum" for o in offers_today)
            assert proposal.ritual in {*config.minimums.as_dict(), *config.weekly_minimums.as_dict()}
            daily = config.minimums.as_dict().get(proposal.ritual, 0)
            done_today = sum(m.ritual == proposal.ritual and m.started >= midnight for m in done)
            monday = midnight - timedelta(days=now.weekday())
            done_week = sum(m.ritual == proposal.ritual and m.started >= monday for m in done)
            weekly = config.weekly_minimums.as_dict().get(proposal.ritual, 0)
            assert done_today < daily or done_week < weekly, (proposal, done_today, done_week)
            continue
        assert (proposal.ritual, proposal.variant) == (slot.ritual, slot.variant)
        at = slot_at(slot.at, now)
        made = [o for o in offers_today if o.reason == "scheduled" and o.ritual == slot.ritual
                and at <= o.at <= at + LATE_LIMIT]
        assert not made, (slot, made)
        earlier = [o.at for o in offers_today if o.ritual == slot.ritual and o.at <= now]
        since = max(earlier, default=midnight)
        assert not any(m.ritual == slot.ritual and m.started >= since for m in done), (slot, since)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), config=configs())
def test_a_slot_is_only_due_within_half_an_hour_of_its_time_and_never_once_handled(
        data: st.DataObject, config: Settings) -> None:
    now = data.draw(lives(config))[0]
    schedule = OfferSchedule(config)
    handled = {(now.date(), slot.key) for slot in schedule.slots[::2]}
    for at, slot in schedule.upcoming(now, handled):
        assert (at.date(), slot.key) not in handled
        assert now < at + LATE_LIMIT
        assert at.time() == slot.at and at.date() in (now.date(), now.date() + timedelta(days=1))
