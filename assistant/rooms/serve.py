"""`tandem serve`: one Tandem for every room in `[rooms]`, until interrupted.

Assembles the same parts as `tandem listen` (intents, one recognizer model, one voice, one dialog,
one journal), then for each satellite a link (dialled out, kept up), a speaker stream and a speech
loop on its own thread, and for a "local" room the machine's own microphone and speaker. One timer
thread ticks the dialog at its deadlines; rituals keep time whatever the rooms do. On the way out
a ritual still running is closed in the journal as it really went.
"""

from __future__ import annotations

import logging
import random
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Callable

from assistant.clock import RealClock
from assistant.config import ROOM_LOCAL, Settings, load_settings
from assistant.errors import ConfigError, TandemError
from assistant.loop.events import EventLog
from assistant.loop.listen import LoopSettings
from assistant.rooms.feed import AudioFeed
from assistant.rooms.hub import Hub, Room, RoomJournal
from assistant.rooms.link import LinkSettings, SatelliteLink
from assistant.rooms.network import EventLoopThread
from assistant.rooms.output import SatelliteOutput
from assistant.rooms.recognizer import SharedRecognizer

log = logging.getLogger(__name__)


@dataclass
class ServeOptions:
    config: Path | None = None
    journal: Path | None = None
    events: Path | None = None
    engine: str | None = None
    model: Path | None = None
    intents: Path | None = None
    rng: random.Random = field(default_factory=random.Random)
    echo: IO[str] | None = None
    loop: LoopSettings = field(default_factory=LoopSettings)
    link: LinkSettings = field(default_factory=LinkSettings)
    settings: Settings | None = None
    """Settings already loaded (tests, benchmarks); else read from `config`."""
    recognizer: Any = None
    """A recognizer already loaded (tests and benchmarks share one); else loaded from settings."""


class RoomsServer:
    """Start with `start()`, stop with `stop()` (or use `serve()` for the command line)."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.settings = options.settings or load_settings(options.config)
        if not self.settings.rooms.satellites:
            raise ConfigError(self.settings.source or "config", "rooms", "no rooms are configured",
                              'add a [rooms] section, e.g. kitchen = "tcp://kitchen.local:10700"')
        self.clock = RealClock.starting_now()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.links: dict[str, SatelliteLink] = {}
        self.feeds: dict[str, AudioFeed] = {}
        self.network: EventLoopThread | None = None
        self.hub: Hub | None = None
        self.journal: Any = None
        self.synth: Any = None
        self.events: EventLog | None = None
        self.recognizer: Any = None
        self.started = False

    # --- start ---------------------------------------------------------------------------------
    def start(self) -> "RoomsServer":
        from assistant.datafiles import intents_dir
        from assistant.dialog.setup import build_dialog
        from assistant.journal.journal import Journal
        from assistant.recognize.select import load_recognizer
        from assistant.rooms.services import with_services
        from assistant.speak.synth import load_synth
        from assistant.understand.intents import load_intents
        from assistant.understand.matcher import Matcher

        o, settings = self.options, self.settings
        intent_set = load_intents(o.intents or intents_dir())
        recognizer = o.recognizer
        if recognizer is None:
            model = o.model or (Path(settings.recognizer.model) if settings.recognizer.model else None)
            recognizer = load_recognizer(o.engine or settings.recognizer.engine, intent_set, model,
                                         wake_phrase=settings.wake.phrase,
                                         noise_suppression=settings.audio.noise_suppression)
        self.events = EventLog(o.events, self.clock.now, o.echo)
        shared = SharedRecognizer(recognizer)
        voice = load_synth(settings=settings)  # Piper when installed; a broken voice says why, in the log
        synth = voice.synth
        for notice in voice.notices:
            self.events.emit("speech_fallback", message=notice, engine=synth.name)
        self.recognizer, self.synth = with_services(settings, shared, synth, self.events.emit)
        self.journal = Journal.open(o.journal)
        threading.Thread(target=self.journal.warm, daemon=True, name="journal-warm").start()
        hub_box: list[Hub] = []
        dialog = build_dialog(settings, RoomJournal(self.journal, lambda: hub_box[0].room_of_moment()),
                              self.clock, o.rng, matcher=Matcher(intent_set))
        self.hub = hub = Hub(dialog, self.clock, self.events, settings)
        hub_box.append(hub)
        self.network = EventLoopThread()
        loop_settings = replace(o.loop, log_free_text=settings.privacy.keep_gratitude_text)
        print(f"tandem: serving {', '.join(f'{n} ({u})' for n, u in settings.rooms.satellites)} "
              f"with {self.recognizer.name}", file=sys.stderr)
        for name, uri in settings.rooms.satellites:
            if uri == ROOM_LOCAL:
                self._add_local(name, loop_settings)
            else:
                self._add_satellite(name, uri, loop_settings)
        self._thread(self._timers, "tandem-timers")
        hub.events.emit("serving", rooms=list(hub.rooms), engine=self.recognizer.name)
        notice = getattr(self.journal, "notice", None)
        if notice is not None:
            hub.perform(next(iter(hub.rooms)), dialog.notice(notice.key))
        self.started = True
        return self

    def _say(self, line: str) -> None:
        """A room coming or going, for the person at the terminal (the event log has every detail)."""
        if self.options.echo is None and not self.stopping.is_set():
            print(f"tandem: {line}", file=sys.stderr)

    def _thread(self, target: Callable[..., None], name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _add_satellite(self, name: str, uri: str, loop_settings: LoopSettings) -> None:
        assert self.hub is not None and self.network is not None
        hub, network = self.hub, self.network
        feed = AudioFeed(self.clock)
        holder: dict[str, Room] = {}
        tried = [False]

        def on_state(state: str, details: dict) -> None:
            room = holder.get("room")
            if room is None:
                return
            if state == "connected":
                feed.restart()
                info = details["info"]
                hub.set_online(name, True, satellite=info.name, area=info.area)
                self._say(f"{name}: connected to the satellite {info.name!r} at {uri}")
                room.output.poke()  # type: ignore[attr-defined]
            elif state == "disconnected":
                first = not tried[0]
                tried[0] = True
                if hub.set_online(name, False, why=details["why"], retry_in=details["retry_in"]) or first:
                    self._say(f"{name}: {uri} {'went away' if details['was_connected'] else 'cannot be reached'} "
                              f"({details['why']}); trying again until it is back")
            elif state == "pipeline" and details.get("start_stage") not in ("wake", None):
                room.events.emit("error", message=(
                    f"the {name} satellite runs its own wake word (pipeline starts at "
                    f"{details.get('start_stage')!r}): run it without --wake-uri/--vad so it streams always"))

        link = SatelliteLink(name, uri, feed.push, on_state, self.options.link)
        output = SatelliteOutput(link, network, self.clock)
        room = hub.add_room(name, output=output, recognizer=self.recognizer, synth=self.synth,
                            loop_settings=loop_settings, kind="satellite")
        room.online = False
        holder["room"] = room
        self.links[name] = link
        self.feeds[name] = feed
        network.submit(_start_link(link))
        self._thread(self._satellite_room, f"tandem-room-{name}", room, feed)

    def _add_local(self, name: str, loop_settings: LoopSettings) -> None:
        from assistant.audio.devices import find_device
        from assistant.audio.sources import MicSource
        from assistant.loop.listen import chunks_with_reconnect
        from assistant.loop.session import _device
        from assistant.speak.output import SoundDeviceOutput

        assert self.hub is not None
        audio = self.settings.audio
        find_device(_device(None, audio.input_device), "input")
        output = SoundDeviceOutput(_device(None, audio.output_device), self.clock)
        room = self.hub.add_room(name, output=output, recognizer=self.recognizer, synth=self.synth,
                                 loop_settings=loop_settings, kind="local")
        device = _device(None, audio.input_device)

        def open_mic(origin: float) -> MicSource:
            if self.stopping.is_set():  # a lost microphone is not waited for once Tandem is closing
                raise _Stopping()
            return MicSource(device, origin=origin)

        chunks = chunks_with_reconnect(open_mic, self.clock, room.events, on_idle=lambda: None)
        self._thread(self._local_room, f"tandem-room-{name}", room, chunks)

    # --- the threads ---------------------------------------------------------------------------
    def _satellite_room(self, room: Room, feed: AudioFeed) -> None:
        import queue

        assert self.hub is not None
        while not self.stopping.is_set():
            try:
                chunk = feed.queue.get(timeout=0.05)
            except queue.Empty:
                chunk = None
            if chunk is not None:
                self._step(room, chunk)
            self.hub.arbiter.poll(room.name)

    def _local_room(self, room: Room, chunks: Any) -> None:
        assert self.hub is not None
        try:
            for chunk in chunks:
                if self.stopping.is_set():
                    break
                self._step(room, chunk)
                self.hub.arbiter.poll(room.name)
        except TandemError as error:
            room.events.emit("error", message=str(error))
        except _Stopping:
            pass

    def _step(self, room: Room, chunk: Any) -> None:
        try:
            room.loop.step(chunk)
        except TandemError as error:
            room.events.emit("error", message=str(error))
        except Exception as error:  # noqa: BLE001 - one room's failure must not end the others
            log.exception("room %s failed on a chunk", room.name)
            room.events.emit("error", message=f"{type(error).__name__}: {error}")

    def _timers(self) -> None:
        assert self.hub is not None
        hub = self.hub
        while not self.stopping.is_set():
            try:
                hub.run_timers(self.clock.now())
            except Exception as error:  # noqa: BLE001 - the timer thread must outlive one bad tick
                log.exception("a timer tick failed")
                hub.events.emit("error", message=f"{type(error).__name__}: {error}")
            hub.events.write_due()  # the event file follows a quiet house too
            deadline = hub.next_deadline()
            wait = 0.5 if deadline is None else min(0.5, max(0.0, deadline - self.clock.now()))
            hub.changed.wait(wait)
            hub.changed.clear()

    # --- stop ----------------------------------------------------------------------------------
    def stop(self) -> None:
        """Close everything; a ritual still running is recorded as it went (partial, with its seconds)."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        if self.hub is not None:
            self.hub.changed.set()
        for thread in self.threads:
            thread.join(timeout=5)
        hub = self.hub
        if hub is not None and hub.dialog.running:
            hub.events.emit("ritual_interrupted", ritual=hub.dialog.running)
            with hub.lock:
                reply = hub.dialog.shutdown()
            for event in reply.events:
                hub.events.emit(event.event, **event.details)
        if self.network is not None:
            for link in self.links.values():
                try:
                    self.network.submit(link.stop()).result(5)
                except Exception:  # noqa: BLE001 - a link that cannot close cleanly is closed by the loop's end
                    pass
        if hub is not None:
            for room in hub.rooms.values():
                room.output.close()
        if self.network is not None:
            self.network.close()
        close = getattr(self.synth, "close", None)
        if close:
            close()
        if self.events is not None:
            self.events.close()
        if self.journal is not None:
            self.journal.close()

    def wait_connected(self, timeout: float = 10.0, rooms: list[str] | None = None) -> bool:
        """True once every satellite room (or those named) is connected (tests, benchmarks)."""
        end = time.monotonic() + timeout
        names = rooms or list(self.links)
        while time.monotonic() < end:
            if all(self.links[n].connected for n in names):
                return True
            time.sleep(0.05)
        return False


class _Stopping(Exception):
    """Raised into the microphone's reconnect loop when Tandem is closing."""


async def _start_link(link: SatelliteLink) -> None:
    link.start()


def serve(options: ServeOptions) -> int:
    """Run until Ctrl+C or SIGTERM."""
    import signal

    server = RoomsServer(options)
    done = threading.Event()

    def _stop(*_: Any) -> None:
        done.set()

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.start()
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    return 0
