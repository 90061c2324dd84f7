"""The event log: one JSON object per line, `t` in seconds from the start of the input.

It is how tests and benchmarks see what the loop did and when, without a microphone or speaker.
"""

from __future__ import annotations

import json
import os
import sys
from collections import deque
from pathlib import Path
from typing import IO, Any, Callable


class EventLog:
    """Writes `{"t": ..., "event": ..., **details}` lines; also remembers them for callers that ask."""

    def __init__(self, path: Path | None, now: Callable[[], float], echo: IO[str] | None = None,
                 keep: int = 10_000) -> None:
        self._now = now
        self._file: IO[str] | None = _private_file(path) if path else None
        self._echo = echo
        self.events: deque[dict[str, Any]] = deque(maxlen=keep)
        """The latest `keep` events (a months-long session must not grow without bound)."""

    def emit(self, event: str, t: float | None = None, **details: Any) -> dict[str, Any]:
        record = {"t": round(self._now() if t is None else t, 3), "event": event, **details}
        self.events.append(record)
        line = json.dumps(record, ensure_ascii=False, default=str)
        if self._file:
            self._file.write(line + "\n")
            self._file.flush()
        if self._echo:
            print(line, file=self._echo, flush=True)
        return record

    def close(self) -> None:
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
