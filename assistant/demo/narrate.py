"""Printing the demo evening as it happens: who said what, what Tandem heard, said, chimed and timed.

Events reach the log out of time order (Tandem's reply is scheduled after the speech that caused it,
a chime is logged when it is queued), so lines wait here and are printed in time order once the
clock has passed them: on a real clock, in step with what the speaker plays.
"""

from __future__ import annotations

import heapq
import itertools
from typing import IO, Any, Iterable, Mapping

from assistant.demo.room import Spoken
from assistant.demo.script import Line


def clock_text(t: float) -> str:
    """Seconds as m:ss.s, the way a stopwatch shows them."""
    minutes, seconds = divmod(max(0.0, t), 60)
    return f"{int(minutes)}:{seconds:04.1f}"


_RANK = {kind: rank for rank, kinds in enumerate((("line", "unheard"), ("heard", "heard_private"), ("understood",),
                                                   ("timer", "started", "ended", "error"))) for kind in kinds}
"""What happened at one instant is told in cause-and-effect order: heard, understood, then the reply."""


class Narrator:
    def __init__(self, formats: Mapping[str, str], out: IO[str], spoken_duration: Any,
                 tandem: str = "Tandem", wake_phrase: str = "hey tandem") -> None:
        self.formats = formats
        self.out = out
        self.spoken_duration = spoken_duration
        """seconds -> "forty seconds" (Tandem's own way of saying a length)."""
        self.tandem = tandem
        self.wake_phrase = wake_phrase
        self._pending: list[tuple[float, int, int, str]] = []
        self._order = itertools.count()
        self._cursor = 0

    def _add(self, t: float, kind: str, **slots: Any) -> None:
        text = self.formats[kind].format(t=clock_text(t), tandem=self.tandem, **slots)
        heapq.heappush(self._pending, (round(t, 2), _RANK.get(kind, len(_RANK)), next(self._order), text))

    def said(self, spoken: Spoken) -> None:
        kind = "said" if spoken.attempt == 1 else "said_again"
        text = self.formats[kind].format(say=spoken.line.say)
        self._add(spoken.start, "line", who=spoken.line.who, text=text)

    def unheard(self, line: Line, t: float) -> None:
        self._add(t, "unheard", who=line.who, say=line.say)

    def follow(self, log: Iterable[dict[str, Any]], now: float) -> None:
        """Take the events logged since the last call; print everything up to `now`."""
        for event in itertools.islice(log, self._cursor, None):
            self._cursor += 1
            self._event(event)
        self.release(now)

    def release(self, now: float = float("inf")) -> None:
        while self._pending and self._pending[0][0] <= now:
            print(heapq.heappop(self._pending)[-1], file=self.out, flush=True)

    def _event(self, e: dict[str, Any]) -> None:
        kind, t = e.get("event"), float(e.get("t", 0.0))
        if kind == "transcript":
            words = [self.wake_phrase] if e.get("woke") else []
            if e.get("text") == "...":
                self._add(t, "heard_private")
            elif e.get("text") or words:
                self._add(t, "heard", text=" ".join(words + [e.get("text") or ""]).strip())
        elif kind == "intent":
            slots = {k: v for k, v in (e.get("slots") or {}).items() if v not in (None, "...")}
            shown = "".join(f" {k}={v}" for k, v in slots.items())
            self._add(t, "understood", intent=e.get("intent"), slots=shown)
        elif kind == "say_start":
            self._add(t, "says", text=e.get("text", ""))
        elif kind == "chime":
            self._add(t, "chime", name=e.get("name"))
        elif kind == "ritual_start":
            planned = e.get("planned_seconds")
            if planned:
                self._add(t, "timer", ritual=e.get("ritual"), planned=self.spoken_duration(planned))
            else:
                self._add(t, "started", ritual=e.get("ritual"))
        elif kind == "ritual_end":
            self._add(t, "ended", ritual=e.get("ritual"), status=e.get("status"),
                      seconds=self.spoken_duration(round(float(e.get("seconds") or 0))))
        elif kind == "error":
            self._add(t, "error", message=e.get("message") or e.get("what"))
