"""The event log: one JSON object per line, `t` in seconds from the start of the input.

It is how tests and benchmarks see what the loop did and when, without a microphone or speaker.
"""

from __future__ import annotations

import heapq
import json
import os
import sys
from collections import deque
from pathlib import Path
from typing import IO, Any, Callable


LATE_SECONDS = 3.0
"""How long after its time an event may still be learnt of: the voice detector reports an utterance's start
and end a little after they happened. Events wait this long before they are written, so the file is in
time order; speech and chimes queued for later wait until their time has come."""


class EventLog:
    """Writes `{"t": ..., "event": ..., **details}` lines in time order; also remembers them for callers.

    The loop learns of things out of order (speech queued now is heard later; an utterance's start is
    known after it began), so each event waits in a small buffer until nothing earlier can still come
    (`LATE_SECONDS`) before it is written, and the rest is written on `close`. Ties keep the order they
    were learnt in. `events` (live, for tests and the demo) and the echo for a person watching the
    terminal keep the order learnt, at once."""

    def __init__(self, path: Path | None, now: Callable[[], float], echo: IO[str] | None = None,
                 keep: int = 10_000) -> None:
        self._now = now
        self._file: IO[str] | None = _private_file(path) if path else None
        self._echo = echo
        self.events: deque[dict[str, Any]] = deque(maxlen=keep)
        """The latest `keep` events, in the order learnt (a months-long session must not grow without bound)."""
        self._pending: list[tuple[float, int, dict[str, Any]]] = []
        self._seq = 0

    def emit(self, event: str, t: float | None = None, **details: Any) -> dict[str, Any]:
        now = self._now()
        record = {"t": round(now if t is None else t, 3), "event": event, **details}
        self.events.append(record)
        heapq.heappush(self._pending, (record["t"], self._seq, record))
        self._seq += 1
        if self._echo:
            print(json.dumps(record, ensure_ascii=False, default=str), file=self._echo, flush=True)
        self._write_until(now - LATE_SECONDS)
        return record

    def write_due(self) -> None:
        """Write what nothing earlier can precede any more (a quiet live session's log still reaches its file)."""
        self._write_until(self._now() - LATE_SECONDS)

    def _write_until(self, t: float) -> None:
        lines = []
        while self._pending and self._pending[0][0] <= t:
            record = heapq.heappop(self._pending)[2]
            lines.append(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        if lines and self._file:
            self._file.write("".join(lines))
            self._file.flush()

    def close(self) -> None:
        self._write_until(float("inf"))
        if self._file:
            self._file.close()
            self._file = None


def _private_file(path: Path) -> IO[str]:
    """The log holds what the couple said: readable by its owner only, like the journal."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8")


def stderr_echo(verbose: bool) -> IO[str] | None:
    """Where to mirror events for a person watching the terminal."""
    return sys.stderr if verbose else None
