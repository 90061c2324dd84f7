"""Gentle offers: which ritual Tandem may offer, and when ("coffee hug?" at 7:30).

The rules are the couple's, kept kind: an offer is made at most once a day, never in quiet hours,
never after "not today", and never for a ritual they already did since it was last offered. A
daily minimum still missing in the evening is offered once, and only when no offer of that ritual
is still to come. Everything here is decided from the journal (offers and moments), so a restart
changes nothing; the `Dialog` speaks the offer and listens for the answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from assistant.clock import Clock
from assistant.config import (
    Settings,
    check_offers,
    parse_clock_time,
    parse_offer,
    parse_quiet_hours,
)
from assistant.errors import ConfigError, JournalError
from assistant.journal.records import Moment, Offer
from assistant.rituals.engine import Expectation
from assistant.rituals.script import RitualBook

LATE_LIMIT = timedelta(minutes=30)
"""An offer that has waited this long for Tandem to be free is dropped for the day."""
MINIMUM = "minimum"
SCHEDULED = "scheduled"

ANSWERS = frozenset({"Yes", "No", "NotToday", "Stop", "Repeat"})
"""What is listened for, without the wake phrase, right after an offer."""
ANSWER_MEANS = {"Resume": "Yes", "Skip": "No"}
"""Controls that, said to an offer, answer it: "go on so" takes it up, "I'll pass" declines it."""
RECHECK_SECONDS = 5.0
"""While Tandem is busy, how often a due offer looks again for a free moment."""
MAX_SLEEP_SECONDS = 900.0
"""The longest the monotonic clock is trusted to stand in for the wall clock (DST, a suspended laptop)."""
LATE_ANSWER_SECONDS = 300.0
"""After an offer's answer window closed, a yes or no this soon still answers it (with the wake phrase)."""
LISTEN_GRACE_SECONDS = 8.0
"""Someone spoke to Tandem this recently: they may be mid-request, so an offer waits."""


@dataclass(frozen=True)
class Slot:
    """One time of day something may be offered: a configured entry, or the missed-minimums check."""

    key: str
    """"at[0]", "at[1]", ... or "minimums"."""
    at: time
    ritual: str | None = None
    """None for the missed-minimums slot (the ritual is chosen then)."""
    variant: str | None = None


@dataclass(frozen=True)
class Proposal:
    """An offer to speak now."""

    slot: Slot
    ritual: str
    variant: str | None
    reason: str


@dataclass(frozen=True)
class Journaled:
    """Today's journal, as far as offers care (read once per decision)."""

    moments: tuple[Moment, ...]
    """Done moments since the start of the week (Monday), oldest first."""
    offers: tuple[Offer, ...]
    """Today's offers, oldest first."""
    silenced: bool
    """Someone said "not today" today."""


def check_offer_config(settings: Settings, book: RitualBook) -> None:
    """Every `[offers] at` entry names a ritual (and variant) Tandem knows: fail at start-up, not at 7:30."""
    file = settings.source or "<config>"
    check_offers(settings.offers, file)  # well formed (settings built in code skip load_settings)
    for i, entry in enumerate(settings.offers.at):
        parsed = parse_offer(entry)
        assert parsed is not None  # checked just above
        _, ritual, variant = parsed
        if ritual not in book.rituals:
            raise ConfigError(file, f"offers.at[{i}]", f"{entry!r}: there is no ritual {ritual!r}",
                              "use one of: " + ", ".join(sorted(book.rituals)))
        known = book[ritual].variants
        if variant is not None and variant not in known:
            fix = ("use one of: " + ", ".join(sorted(known))) if known else f"{ritual} has no variants: leave it out"
            raise ConfigError(file, f"offers.at[{i}]", f"{entry!r}: {ritual} has no variant {variant!r}", fix)


class OfferSchedule:
    """The couple's offer times and rules; pure decisions over the journal's records."""

    def __init__(self, settings: Settings) -> None:
        o = settings.offers
        self.enabled = o.enabled
        self.answer_seconds = float(o.answer_seconds)
        slots: list[Slot] = []
        for i, entry in enumerate(o.at):
            parsed = parse_offer(entry)
            if parsed is not None:
                (h, m), ritual, variant = parsed
                slots.append(Slot(f"at[{i}]", time(h, m), ritual, variant))
        missed = parse_clock_time(o.missed_minimums_at) if o.missed_minimums_at.strip() else None
        if missed is not None:
            slots.append(Slot(MINIMUM, time(*missed)))
        self.slots = tuple(sorted(slots, key=lambda s: s.at))
        quiet = parse_quiet_hours(o.quiet_hours) if o.quiet_hours.strip() else None
        self.quiet = (time(*quiet[0]), time(*quiet[1])) if quiet else None
        self.daily: dict[str, int] = settings.minimums.as_dict()
        self.weekly: dict[str, int] = settings.weekly_minimums.as_dict()

    # ---- when ----------------------------------------------------------------------------
    def in_quiet_hours(self, wall: datetime) -> bool:
        if self.quiet is None:
            return False
        start, end = self.quiet
        t = wall.timetz().replace(tzinfo=None)
        return start <= t < end if start <= end else (t >= start or t < end)

    def slot_time(self, slot: Slot, day: date, like: datetime) -> datetime:
        """`slot` on `day`, in the time zone of `like`."""
        return datetime.combine(day, slot.at).replace(tzinfo=like.tzinfo)

    def upcoming(self, wall: datetime, handled: Iterable[tuple[date, str]] = ()) -> list[tuple[datetime, Slot]]:
        """Slots not yet handled that are due now or later (today's, then tomorrow's), soonest first.
        A slot stays due for `LATE_LIMIT` after its time."""
        if not self.enabled:
            return []
        done = set(handled)
        out = []
        for day in (wall.date(), wall.date() + timedelta(days=1)):
            for slot in self.slots:
                at = self.slot_time(slot, day, wall)
                if (day, slot.key) not in done and wall < at + LATE_LIMIT:
                    out.append((at, slot))
        return sorted(out, key=lambda pair: pair[0])

    def next_time(self, wall: datetime, handled: Iterable[tuple[date, str]] = ()) -> datetime | None:
        """When something may next be offered (now, if a slot is due)."""
        upcoming = self.upcoming(wall, handled)
        return max(upcoming[0][0], wall) if upcoming else None

    # ---- what ----------------------------------------------------------------------------
    def decide(self, slot: Slot, wall: datetime, journal: Journaled) -> Proposal | None:
        """The offer to make for `slot` now, or None when the rules say to keep quiet."""
        if not self.enabled or self.in_quiet_hours(wall) or journal.silenced:
            return None
        day = wall.date()
        if slot.ritual is None:
            return self._missed_minimum(slot, wall, journal)
        at = self.slot_time(slot, day, wall)
        if any(o.reason == SCHEDULED and o.ritual == slot.ritual and at <= o.at <= at + LATE_LIMIT
               for o in journal.offers):
            return None  # already made (before a restart, say)
        earlier = [o.at for o in journal.offers if o.ritual == slot.ritual and o.at <= wall]
        since = max(earlier) if earlier else datetime.combine(day, time()).replace(tzinfo=wall.tzinfo)
        if any(m.ritual == slot.ritual and m.started >= since for m in journal.moments):
            return None  # they did it already: nothing to offer
        return Proposal(slot, slot.ritual, slot.variant, SCHEDULED)

    def _missed_minimum(self, slot: Slot, wall: datetime, journal: Journaled) -> Proposal | None:
        if any(o.reason == MINIMUM for o in journal.offers):
            return None  # once a day, never repeated
        for ritual in self.missing(wall, journal.moments):
            if not self._still_to_come(ritual, wall):
                return Proposal(slot, ritual, None, MINIMUM)
        return None

    def missing(self, wall: datetime, moments: Iterable[Moment]) -> list[str]:
        """Daily minimums not met today, then weekly ones that need today (days left == still needed)."""
        day = wall.date()
        monday = day - timedelta(days=day.weekday())
        today: dict[str, int] = {}
        week: dict[str, int] = {}
        for m in moments:
            d = m.started.astimezone(wall.tzinfo).date()
            if monday <= d <= day:
                week[m.ritual] = week.get(m.ritual, 0) + 1
                if d == day:
                    today[m.ritual] = today.get(m.ritual, 0) + 1
        out = [r for r, n in self.daily.items() if today.get(r, 0) < n]
        days_left = 7 - day.weekday()
        out += [r for r, n in self.weekly.items()
                if r not in out and 0 < n - week.get(r, 0) == days_left]
        return out

    def _still_to_come(self, ritual: str, wall: datetime) -> bool:
        """A scheduled offer of `ritual` is still ahead today, outside quiet hours."""
        for slot in self.slots:
            if slot.ritual == ritual:
                at = self.slot_time(slot, wall.date(), wall)
                if at > wall and not self.in_quiet_hours(at):
                    return True
        return False


def journaled(moments: Iterable[Moment], offers: Iterable[Offer], silences: Iterable[datetime],
              wall: datetime) -> Journaled:
    """Cut the journal's records down to what today's decisions need."""
    midnight = datetime.combine(wall.date(), time()).replace(tzinfo=wall.tzinfo)
    today_offers = tuple(o for o in offers if o.at >= midnight)
    silenced = any(o.outcome == "silenced" for o in today_offers) or any(s >= midnight for s in silences)
    return Journaled(tuple(m for m in moments if m.done), today_offers, silenced)


def offer_keys(ritual: str, variant: str | None, reason: str) -> list[str]:
    """Response keys to try, most specific first ("offer_hug_morning", "offer_hug", "offer_ritual")."""
    if reason == MINIMUM:
        return [f"offer_minimum_{ritual}", "offer_minimum"]
    keys = [f"offer_{ritual}_{variant}"] if variant else []
    return keys + [f"offer_{ritual}", "offer_ritual"]



class OfferKeeper:
    """The `Dialog`'s side of offers: what was handled today, the offer waiting for its answer,
    and when to look next (on the monotonic clock, re-anchored to the wall clock at every look)."""

    def __init__(self, settings: Settings, journal: Any, clock: Clock) -> None:
        self.schedule = OfferSchedule(settings)
        self.journal = journal
        self.clock = clock
        self.pending: Offer | None = None
        self.answer_by: float | None = None
        self._late: Offer | None = None
        self._late_until = 0.0
        self._handled: set[tuple[date, str]] = set()
        self._busy_until = float("-inf")
        self._check_at: float | None = None
        self._close_left_pending()
        self._replan()

    # ---- the host's questions -------------------------------------------------------------
    def next_deadline(self) -> float | None:
        times = [t for t in (self._check_at, self.answer_by) if t is not None]
        return min(times) if times else None

    def expecting(self) -> Expectation | None:
        return Expectation(ANSWERS, False, False) if self.pending is not None else None

    def busy_until(self, t: float) -> None:
        """Tandem is speaking (or was just spoken to) until `t`: a due offer waits for that."""
        self._busy_until = max(self._busy_until, t)

    def heard(self) -> None:
        self.busy_until(self.clock.now() + LISTEN_GRACE_SECONDS)

    # ---- deciding -------------------------------------------------------------------------
    def expired(self) -> bool:
        """The offer waited `answer_seconds` with no answer."""
        return self.answer_by is not None and self.clock.now() >= self.answer_by

    @property
    def late(self) -> Offer | None:
        """The offer whose answer window closed unanswered a moment ago: a yes or no still answers it."""
        return self._late if self._late is not None and self.clock.now() <= self._late_until else None

    @late.setter
    def late(self, offer: Offer | None) -> None:
        self._late = offer

    def timed_out(self) -> Offer | None:
        """Close the waiting offer as unanswered; a yes or no within `LATE_ANSWER_SECONDS` still counts."""
        offer = self.answered("unanswered")
        if offer is not None:
            self._late, self._late_until = offer, self.clock.now() + LATE_ANSWER_SECONDS
        return offer

    def answer_late(self, outcome: str, moment_id: str | None = None) -> Offer | None:
        """The late answer to the offer that timed out: its outcome is corrected in the journal."""
        offer, self.late = self.late, None
        return self._keep_answer(offer, outcome, moment_id)

    def _keep_answer(self, offer: Offer | None, outcome: str, moment_id: str | None) -> Offer | None:
        if offer is None:
            return None
        try:
            if self.journal is not None:
                offer = self.journal.answer_offer(offer.id, outcome, moment_id)
        except JournalError:
            pass  # the answer is still acted on; the report just will not show it
        return offer

    def due(self, running: bool) -> Proposal | None:
        """The offer to make now, if one is due and Tandem is free; otherwise look again later."""
        now = self.clock.now()
        if self._check_at is None or now < self._check_at:
            return None
        wall = self.clock.wall()
        for at, slot in self.schedule.upcoming(wall, self._handled):
            if at > wall:
                break
            if running or self.pending is not None or now < self._busy_until:
                self._check_at = now + RECHECK_SECONDS  # wait for a free moment (dropped after LATE_LIMIT)
                return None
            self._handled.add((at.date(), slot.key))
            proposal = self.schedule.decide(slot, wall, self._read(wall))
            if proposal is not None:
                self._replan()
                return proposal
        self._replan()
        return None

    def made(self, proposal: Proposal) -> Offer:
        """The offer was spoken: keep it (pending) and listen for the answer."""
        self.late = None  # a new offer: the old one has passed
        offer = Offer(proposal.ritual, self.clock.wall(), reason=proposal.reason, variant=proposal.variant)
        try:
            if self.journal is not None:
                self.journal.offer(offer)
        except JournalError:
            pass  # an unsaved offer still deserves its answer
        self.pending = offer
        self.answer_by = self.clock.now() + self.schedule.answer_seconds
        return offer

    def listen_again(self) -> None:
        """The offer was said again ("repeat that"): its answer window starts over."""
        if self.pending is not None:
            self.answer_by = self.clock.now() + self.schedule.answer_seconds

    def answered(self, outcome: str, moment_id: str | None = None) -> Offer | None:
        offer, self.pending, self.answer_by = self.pending, None, None
        if offer is None:
            return None
        offer = self._keep_answer(offer, outcome, moment_id)
        self._replan()
        return offer

    def silence_today(self) -> None:
        """ "not today": the waiting offer is silenced, or a silence is kept for the day."""
        if self.pending is not None:
            self.answered("silenced")
            return
        try:
            if self.journal is not None:
                self.journal.silence(self.clock.wall())
        except JournalError:
            pass
        today = self.clock.wall().date()
        self._handled |= {(today, slot.key) for slot in self.schedule.slots}
        self._replan()

    # ---- helpers ---------------------------------------------------------------------------
    def _close_left_pending(self) -> None:
        """An offer still "pending" in the journal was waiting for its answer when Tandem stopped:
        nobody can answer it now, so it is closed as unanswered (the report never shows it as open)."""
        if self.journal is None:
            return
        try:
            self.journal.close_pending_offers(self.clock.wall(), older_than=timedelta(0))
        except JournalError:
            pass  # closed at the next start instead

    def _read(self, wall: datetime) -> Journaled:
        if self.journal is None:
            return Journaled((), (), False)
        midnight = datetime.combine(wall.date(), time()).replace(tzinfo=wall.tzinfo)
        monday = midnight - timedelta(days=wall.weekday())
        try:
            return journaled(self.journal.moments(monday), self.journal.offers(midnight),
                             self.journal.silences(midnight), wall)
        except JournalError:
            return Journaled((), (), True)  # cannot tell what was offered: rather say nothing

    def _replan(self) -> None:
        wall = self.clock.wall()
        self._handled = {(d, k) for d, k in self._handled if d >= wall.date()}
        when = self.schedule.next_time(wall, self._handled)
        if when is None:
            self._check_at = None
            return
        wait = min(max(0.0, (when - wall).total_seconds()), MAX_SLEEP_SECONDS)
        self._check_at = self.clock.now() + wait
