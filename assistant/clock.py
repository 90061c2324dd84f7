"""Injectable time, so a 90-second hug is tested in milliseconds.

Rituals and timers only ever ask a `Clock`. `now()` is monotonic seconds (for timers);
`wall()` is the local date and time (for the journal), kept consistent with `now()`.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds; only differences mean anything."""

    def wall(self) -> datetime:
        """Local wall-clock time (timezone-aware) matching `now()`."""

    def sleep_until(self, t: float) -> None:
        """Block until `now() >= t` (a virtual clock jumps there at once)."""


class RealClock:
    """The machine's clocks. With `origin`, `now()` counts seconds from that monotonic instant
    (a recording played at real-time pace starts at 0, like its timestamps)."""

    def __init__(self, origin: float | None = None) -> None:
        self.origin = 0.0 if origin is None else origin

    @classmethod
    def starting_now(cls) -> "RealClock":
        return cls(time.monotonic())

    def now(self) -> float:
        return time.monotonic() - self.origin

    def wall(self) -> datetime:
        return datetime.now().astimezone()

    def sleep_until(self, t: float) -> None:
        # Sleep most of the way, then spin briefly: keeps chime timing within a few ms.
        while True:
            left = t - self.now()
            if left <= 0:
                return
            time.sleep(left - 0.002 if left > 0.004 else 0.0005)


class VirtualClock:
    """A clock that only moves when told to: tests and faster-than-real-time WAV runs."""

    def __init__(self, start: datetime | None = None, t0: float = 0.0) -> None:
        self._t = t0
        self._t0 = t0
        self._start = start or datetime(2026, 1, 5, 20, 0).astimezone()
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._t

    def wall(self) -> datetime:
        with self._lock:
            return self._start + timedelta(seconds=self._t - self._t0)

    def advance(self, seconds: float) -> float:
        with self._lock:
            self._t += seconds
            return self._t

    def set(self, t: float) -> None:
        with self._lock:
            if t > self._t:
                self._t = t

    def sleep_until(self, t: float) -> None:
        self.set(t)
