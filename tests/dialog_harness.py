"""A couple talking to Tandem on a virtual clock: the real dialog, matcher, rituals and journal.

Only the edges are fake: the clock (virtual) and the speaker (actions are collected with the time
they were due). Used by tests/test_rituals_*.py and tests/test_dialog_*.py.
"""

from __future__ import annotations

import functools
import random
from datetime import datetime
from pathlib import Path

from assistant.clock import VirtualClock
from assistant.config import Partners, Settings
from assistant.datafiles import intents_dir
from assistant.dialog.setup import build_dialog
from assistant.journal.journal import Journal
from assistant.journal.records import Moment
from assistant.messages import Action, Chime, Reply, Say

SETTINGS = Settings(partners=Partners(("Alex", "Sam")))


@functools.lru_cache(maxsize=1)
def shared_matcher():
    """The real matcher over Tandem's intents, built once per test run (it takes a second)."""
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    return Matcher(load_intents(intents_dir()))


class Couple:
    """Says lines, lets time pass, and remembers everything Tandem did, with the time it was due."""

    def __init__(self, folder: Path, settings: Settings = SETTINGS, seed: int = 7,
                 start: datetime | None = None, journal: Journal | None = None) -> None:
        self.clock = VirtualClock(start)
        self.journal = journal or Journal.open(folder / "journal.json", now=self.clock.wall())
        self.dialog = build_dialog(settings, self.journal, self.clock, random.Random(seed), matcher=shared_matcher())
        self.heard: list[tuple[float, Action]] = []
        self.events: list[tuple[float, str, dict]] = []

    def say(self, text: str) -> Reply:
        return self._keep(self.dialog.hear(text))

    def wait(self, seconds: float) -> Reply:
        """Let `seconds` pass, ticking the dialog at every deadline on the way (exactly on time)."""
        until = self.clock.now() + seconds
        total = Reply()
        while True:
            due = self.dialog.next_deadline()
            if due is None or due > until:
                break
            self.clock.set(due)
            total = total + self._keep(self.dialog.tick())
        self.clock.set(until)
        return total

    def _keep(self, reply: Reply) -> Reply:
        now = self.clock.now()
        self.heard.extend((now, a) for a in reply.actions)
        self.events.extend((now, e.event, e.details) for e in reply.events)
        return reply

    def times_of(self, predicate) -> list[float]:
        return [t for t, a in self.heard if predicate(a)]

    def chimes(self, name: str) -> list[float]:
        return self.times_of(lambda a: isinstance(a, Chime) and a.name == name)

    def said_keys(self) -> list[str]:
        return [a.key for _, a in self.heard if isinstance(a, Say)]

    def moments(self, ritual: str | None = None) -> list[Moment]:
        return [m for m in self.journal.moments() if ritual is None or m.ritual == ritual]

    def last(self, ritual: str | None = None) -> Moment:
        return self.moments(ritual)[-1]
