"""One couple, several rooms: one dialog and one journal, a speech loop per room.

Each room runs the same `SpeechLoop` as `tandem listen` (its own voice detection and recognizer
sessions, the same wake phrase, understanding and voice), but sees the couple's one `Dialog`
through a `RoomDialog`, which knows where things happen:
- a ritual belongs to the room it was asked for in: its timed chimes and lines play there, and
  only there are its answers heard without the wake phrase (gratitude in the bedroom);
- anywhere else the wake phrase is needed, and "hey tandem, stop" from another room still stops
  it (and cuts what the ritual's room is playing);
- a gentle offer is spoken in the room `[rooms.offers]` names for its ritual, and answered there;
- the timers are the hub's, not a room's: a hug ends on time even while its satellite is away.
The hub ticks the dialog at its deadlines (`run_timers`) and routes what the tick says.
"""

from __future__ import annotations

import heapq
import logging
import threading
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

from assistant.clock import Clock, VirtualClock
from assistant.config import Settings
from assistant.loop.events import EventLog
from assistant.loop.listen import LoopSettings, SpeechLoop, Synth, _Utterance
from assistant.audio.vad import VadEvent
from assistant.messages import AudioChunk, Reply, Transcript
from assistant.recognize.base import Recognizer
from assistant.rituals.engine import IDLE, Expectation
from assistant.rooms.arbiter import Decision, WakeArbiter, loudness_db
from assistant.speak.output import AudioOutput

log = logging.getLogger(__name__)

SATELLITE_SELF_TAIL = 0.5
"""wyoming-satellite 1.0.0 never says when it finished playing: its microphone is ignored for the
computed length of what Tandem said plus this (the design notes' half-duplex rule)."""


class RoomEvents:
    """One event log for the house; every line says which room it came from."""

    def __init__(self, log: EventLog, room: str | None, lock: threading.Lock) -> None:
        self._log = log
        self.room = room
        self._lock = lock

    def emit(self, event: str, t: float | None = None, **details: Any) -> dict[str, Any]:
        with self._lock:
            if self.room is not None:
                details = {"room": self.room, **details}
            return self._log.emit(event, t, **details)

    @property
    def events(self) -> Any:
        return self._log.events

    def write_due(self) -> None:
        with self._lock:
            self._log.write_due()

    def close(self) -> None:
        with self._lock:
            self._log.close()


class RoomJournal:
    """The couple's journal as the dialog sees it: every moment begun is tagged with its room."""

    def __init__(self, journal: Any, room: Callable[[], str | None]) -> None:
        self._journal = journal
        self._room = room

    def begin(self, moment: Any) -> str:
        return self._journal.begin(moment.with_(room=moment.room or self._room()))

    def record(self, moment: Any) -> Any:
        return self._journal.record(moment.with_(room=moment.room or self._room()))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._journal, name)


class RoomDialog:
    """What one room's speech loop sees of the couple's one dialog."""

    def __init__(self, hub: "Hub", room: str) -> None:
        self.hub = hub
        self.room = room

    @property
    def matcher(self) -> Any:
        return _LockedMatcher(self.hub.dialog.matcher, self.hub.lock)

    @property
    def running(self) -> str | None:
        return self.hub.dialog.running

    busy = False
    """A room's loop never waits for a ritual to finish: the hub keeps time for all rooms."""

    def tick(self) -> Reply:
        return Reply()

    def next_deadline(self) -> float | None:
        return None

    def expecting(self) -> Expectation:
        return self.hub.expecting(self.room)

    def understand(self, hypotheses: list[str], allowed: frozenset[str] | None, transcript: Transcript | None = None) -> Any:
        """Unwoken words heard in this room, read with what the one dialog knows (an offer made, a question)."""
        with self.hub.lock:
            return self.hub.dialog.understand(hypotheses, allowed, transcript)

    def hear(self, text: str, addressed: bool = True) -> Reply:
        return self.hub.hear(self.room, lambda d: d.hear(text, addressed))

    def hear_transcript(self, transcript: Transcript, addressed: bool | None = None) -> Reply:
        return self.hub.hear(self.room, lambda d: d.hear_transcript(transcript, addressed))

    def hear_understanding(self, u: Any, text: str, addressed: bool = True) -> Reply:
        return self.hub.hear(self.room, lambda d: d.hear_understanding(u, text, addressed))

    def output_busy_until(self, t: float) -> None:
        self.hub.output_busy_until(self.room, t)

    def notice(self, key: str, **slots: Any) -> Reply:
        return self.hub.dialog.notice(key, **slots)


class _LockedMatcher:
    """The one matcher, asked by one room at a time (its caches are not made for threads)."""

    def __init__(self, matcher: Any, lock: threading.RLock) -> None:
        self._matcher = matcher
        self._lock = lock

    def match(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return self._matcher.match(*args, **kwargs)

    def match_best(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return self._matcher.match_best(*args, **kwargs)


class RoomLoop(SpeechLoop):
    """A room's speech loop: the local loop, plus wake arbitration between rooms."""

    def __init__(self, *, room: str, hub: "Hub", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.room = room
        self.hub = hub

    def hearing_since(self) -> float | None:
        utterance = self._utterance
        return utterance.started if utterance is not None else None

    def claim_wake(self, utterance: _Utterance, event: VadEvent, transcript: Transcript) -> bool:
        return self.hub.arbiter.claim(self.room, utterance.started, event.t, loudness_db(event.audio),
                                      lambda: self.wake_heard(utterance, transcript), transcript.text)


@dataclass
class Room:
    name: str
    loop: RoomLoop
    output: AudioOutput
    events: RoomEvents
    kind: str = "satellite"
    """"satellite" or "local" (this machine's microphone and speaker)."""
    online: bool = True


class Hub:
    """The couple's one dialog shared by every room (build rooms with `add_room`)."""

    def __init__(self, dialog: Any, clock: Clock, events: EventLog, settings: Settings) -> None:
        self.dialog = dialog
        self.clock = clock
        self.settings = settings
        self.log = events
        self._log_lock = threading.Lock()
        self.events = RoomEvents(events, None, self._log_lock)
        self.rooms: dict[str, Room] = {}
        self.lock = threading.RLock()
        self.changed = threading.Event()
        """Set whenever the dialog may have a new deadline (the timer thread re-reads it)."""
        self.ritual_room: str | None = None
        self.offer_room: str | None = None
        self.current_room: str | None = None
        """The room whose words (or whose ritual's timer) the dialog is handling right now."""
        self.arbiter = WakeArbiter(self, clock, on_decision=self._decided)

    # --- building ------------------------------------------------------------------------------
    def add_room(self, name: str, *, output: AudioOutput, recognizer: Recognizer, synth: Synth,
                 loop_settings: LoopSettings, kind: str = "satellite", vad: Any = None) -> Room:
        events = RoomEvents(self.log, name, self._log_lock)
        settings = replace(loop_settings, self_tail=max(loop_settings.self_tail, SATELLITE_SELF_TAIL)) \
            if kind == "satellite" else loop_settings
        loop = RoomLoop(room=name, hub=self, dialog=RoomDialog(self, name), recognizer=recognizer, synth=synth,
                        output=output, clock=self.clock, events=events, vad=vad, settings=settings)
        room = Room(name, loop, output, events, kind)
        self.rooms[name] = room
        self.arbiter.names = tuple(self.rooms)
        return room

    def hearing_since(self, room: str) -> float | None:
        found = self.rooms.get(room)
        return found.loop.hearing_since() if found is not None else None

    # --- what a room hears ---------------------------------------------------------------------
    def expecting(self, room: str) -> Expectation:
        """A ritual's answers and an offer's yes or no are heard, without the wake phrase, only in
        their own room; elsewhere the wake phrase is needed (and "stop" still reaches the ritual)."""
        with self.lock:
            dialog = self.dialog
            if dialog.running is not None:
                return dialog.expecting() if room == self.ritual_room else IDLE
            if dialog.busy:  # an offer waits for its answer
                return dialog.expecting() if room == self.offer_room else IDLE
            return dialog.expecting()

    def hear(self, room: str, call: Callable[[Any], Reply]) -> Reply:
        with self.lock:
            before = self.ritual_room if self.dialog.running is not None else None
            self.current_room = room
            try:
                reply = call(self.dialog)
            finally:
                self.current_room = None
            self._follow(reply, room)
            ended_elsewhere = before is not None and before != room and self.dialog.running is None
        self.changed.set()
        if ended_elsewhere:  # "hey tandem, stop" from the bedroom silences the kitchen's hug too
            self.events.emit("stopped_from", ritual_room=before, by_room=room)
            self.rooms[before].output.stop()
        return reply

    def output_busy_until(self, room: str, t: float) -> None:
        """A timed step waits for speech in its own room only (a reply elsewhere does not delay it)."""
        with self.lock:
            dialog = self.dialog
            if dialog.running is not None and room != self.ritual_room:
                return
            if dialog.running is None and dialog.busy and room != self.offer_room:
                return
            dialog.output_busy_until(t)

    def _follow(self, reply: Reply, room: str | None) -> None:
        for event in reply.events:
            if event.event == "ritual_start" and room is not None:
                self.ritual_room = room
            elif event.event == "offer" and room is not None:
                self.offer_room = room

    def room_of_moment(self) -> str | None:
        """The room a moment begun now belongs to (the journal tags it)."""
        return self.current_room

    # --- time ----------------------------------------------------------------------------------
    def run_timers(self, until: float) -> None:
        """Tick the dialog at every deadline up to `until`; play what it says in the right room."""
        while True:
            with self.lock:
                deadline = self.dialog.next_deadline()
                if deadline is None or deadline > until:
                    return
                if isinstance(self.clock, VirtualClock):
                    self.clock.sleep_until(deadline)
                room = self.ritual_room if self.dialog.running is not None else None
                self.current_room = room
                try:
                    reply = self.dialog.tick()
                finally:
                    self.current_room = None
                if room is None:
                    room = self._offer_room(reply)
                self._follow(reply, room)
            self.perform(room, reply)

    def next_deadline(self) -> float | None:
        with self.lock:
            return self.dialog.next_deadline()

    def _offer_room(self, reply: Reply) -> str | None:
        for event in reply.events:
            if event.event == "offer":
                chosen = self.settings.rooms.offer_room(event.details.get("ritual"))
                return chosen if chosen in self.rooms else next(iter(self.rooms), None)
        return next(iter(self.rooms), None) if reply.actions else None

    def perform(self, room: str | None, reply: Reply) -> None:
        if room is None or room not in self.rooms:
            for event in reply.events:
                self.events.emit(event.event, **event.details)
            return
        self.rooms[room].loop.perform(reply)

    def _decided(self, decision: Decision) -> None:
        for loser in decision.losers:
            self.rooms[loser].events.emit("wake_elsewhere", answered_in=decision.winner)

    # --- rooms coming and going ----------------------------------------------------------------
    def set_online(self, room: str, online: bool, **details: Any) -> bool:
        """The room's satellite came (back) or went: said once per change; retries are quieter.
        True when this was a change."""
        found = self.rooms[room]
        changed, found.online = found.online != online, online
        found.events.emit(("room_online" if online else "room_offline") if changed else "room_retry", **details)
        return changed

    # --- driving every room from recordings on a virtual clock (tests, benchmarks) -------------
    def run_virtual(self, feeds: dict[str, Iterable[AudioChunk]], drain_limit: float = 1800.0) -> None:
        """Interleave the rooms' audio by timestamp on the hub's `VirtualClock`, timers between."""
        assert isinstance(self.clock, VirtualClock), "run_virtual needs a VirtualClock"
        def stream(index: int, name: str, feed: Iterable[AudioChunk]) -> Iterable[tuple[float, int, str, AudioChunk]]:
            return ((chunk.timestamp, index, name, chunk) for chunk in feed)

        streams = [stream(i, name, feed) for i, (name, feed) in enumerate(feeds.items())]
        for t, _, name, chunk in heapq.merge(*streams):
            self.run_timers(until=t)
            self.clock.sleep_until(t + chunk.duration)
            self.rooms[name].loop.step(chunk)
            for other in self.rooms:
                self.arbiter.poll(other)
            self.run_timers(until=self.clock.now())
        limit = self.clock.now() + drain_limit
        while True:
            with self.lock:
                deadline = self.dialog.next_deadline()
                if deadline is None or deadline > limit or not self.dialog.busy:
                    break
            self.run_timers(until=deadline)
        for room in self.rooms.values():
            self.clock.sleep_until(max(room.output.busy_until(), self.clock.now()))
