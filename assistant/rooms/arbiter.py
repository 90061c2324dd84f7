"""A wake phrase heard in two rooms at once is answered once, in the room that heard it best.

Satellites in neighbouring rooms often hear the same "hey tandem". Home Assistant answers the
first to report, which is often the wrong room. Here, a room that hears a wake phrase while no
other room is hearing speech that began at the same moment answers at once (no delay in the usual
case). Otherwise its claim waits until the other rooms have finished their utterance (or
`patience` runs out); the loudest claim wins, and the others stay silent. A late duplicate of a
wake already answered elsewhere is dropped too. Two people speaking in two rooms at the same moment
are not one utterance: claims are the same words only when their texts agree, or when one room
heard them far more faintly (a garbled copy through the wall); otherwise both are answered.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np
from rapidfuzz import fuzz

from assistant.clock import Clock

FRAME = 320


def loudness_db(audio: np.ndarray) -> float:
    """How well a room heard an utterance: the level of its loud part (80th percentile of 20 ms
    frames), in dB re one sample step. The nearer satellite hears the same words louder."""
    x = np.asarray(audio, dtype=np.float64)
    n = len(x) // FRAME
    if n == 0:
        return 20 * float(np.log10(np.sqrt(np.mean(x * x)) + 1.0)) if len(x) else 0.0
    rms = np.sqrt(np.mean(x[: n * FRAME].reshape(n, FRAME) ** 2, axis=1))
    return 20 * float(np.log10(np.percentile(rms, 80) + 1.0))


class Hearing(Protocol):
    def hearing_since(self, room: str) -> float | None:
        """When the utterance a room is hearing now began (None: it hears no speech)."""


@dataclass
class Claim:
    room: str
    start: float
    end: float
    score: float
    resume: Callable[[], None]
    at: float
    text: str = ""


@dataclass
class Decision:
    winner: str
    losers: tuple[str, ...]
    score: float


@dataclass
class WakeArbiter:
    rooms: Hearing
    clock: Clock
    on_decision: Callable[[Decision], None] = lambda decision: None
    window: float = 0.7
    """Utterances whose starts are this close (seconds) are the same words heard in two rooms."""
    patience: float = 1.2
    """The longest a claim waits for the other rooms to finish hearing."""
    same_text: float = 70.0
    """rapidfuzz ratio above which two rooms' transcripts are the same words."""
    faint_db: float = 12.0
    """A claim this much quieter than another at the same moment is that one heard through a wall."""
    names: tuple[str, ...] = ()
    _pending: list[list[Claim]] = field(default_factory=list)
    _answered: list[Claim] = field(default_factory=list)
    _due: dict[str, list[Callable[[], None]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def claim(self, room: str, start: float, end: float, score: float, resume: Callable[[], None],
              text: str = "") -> bool:
        """True: answer now. False: not now (`resume` runs later on this room's thread if it wins)."""
        now = self.clock.now()
        claim = Claim(room, start, end, score, resume, now, text)
        with self._lock:
            for won in self._answered:
                if won.room != room and self._same(won, claim):
                    self.on_decision(Decision(won.room, (room,), won.score))
                    return False
            for group in self._pending:
                if any(self._same(other, claim) for other in group):
                    group.append(claim)
                    return False
            if not self._rivals(room, start, {room}):
                self._answered.append(claim)
                return True
            self._pending.append([claim])
            return False

    def poll(self, room: str) -> None:
        """Settle claims whose rivals finished; then run this room's won claims (on its own thread)."""
        now = self.clock.now()
        decisions: list[Decision] = []
        with self._lock:
            for group in list(self._pending):
                heard = {c.room for c in group}
                if self._rivals(group[0].room, group[0].start, heard) and now < group[0].at + self.patience:
                    continue
                winner = max(group, key=lambda c: c.score)
                self._pending.remove(group)
                self._answered.append(winner)
                self._due.setdefault(winner.room, []).append(winner.resume)
                if len(group) > 1:
                    decisions.append(Decision(winner.room, tuple(c.room for c in group if c is not winner),
                                              winner.score))
            self._answered = [c for c in self._answered if now - c.at < 5.0]
            due = self._due.pop(room, [])
        for decision in decisions:
            self.on_decision(decision)
        for resume in due:
            resume()

    def _same(self, a: Claim, b: Claim) -> bool:
        """Two claims are one utterance heard in two rooms."""
        if a.room == b.room or abs(a.start - b.start) > self.window:
            return False
        return fuzz.ratio(a.text, b.text) >= self.same_text or abs(a.score - b.score) >= self.faint_db

    def _rivals(self, room: str, start: float, exclude: set[str]) -> list[str]:
        found = []
        for other in self.names:
            if other in exclude:
                continue
            since = self.rooms.hearing_since(other)
            if since is not None and abs(since - start) <= self.window:
                found.append(other)
        return found
