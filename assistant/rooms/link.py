"""One Wyoming satellite, dialled out to and kept connected.

The satellite is the TCP server; Tandem is its controller (as Home Assistant would be): it sends
`describe` and `run-satellite`, the satellite answers `run-pipeline` and then streams its
microphone forever (always-streaming mode, 16 kHz mono chunks). Tandem answers the satellite's
`ping`s (wyoming-satellite 1.2+ drops a controller that does not), and since 1.0.0 never pings,
liveness is the audio itself: no chunk for `silence_limit` seconds means the link is dead. A lost
link is redialled with growing pauses (`backoff`), forever, so a satellite that is unplugged and
plugged back in comes back by itself.

Everything here runs on the rooms' asyncio thread; callbacks must only hand data over (queue it).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable

from wyoming.audio import AudioChunk, AudioChunkConverter
from wyoming.client import AsyncTcpClient
from wyoming.event import Event
from wyoming.info import Describe, Info
from wyoming.ping import Ping, Pong
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import RunSatellite
from wyoming.snd import Played

from assistant.errors import ConfigError
from assistant.messages import SAMPLE_RATE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkSettings:
    connect_timeout: float = 3.0
    handshake_timeout: float = 5.0
    """Seconds for `describe` to be answered with `info`."""
    silence_limit: float = 3.0
    """An always-streaming satellite sends a chunk every 64 ms: this long without one, the link is dead."""
    backoff: tuple[float, float] = (0.5, 4.0)
    """First pause before redialling, and the longest (doubling in between)."""


def parse_tcp_uri(uri: str) -> tuple[str, int]:
    """("kitchen.local", 10700) from "tcp://kitchen.local:10700"."""
    scheme, sep, rest = uri.strip().partition("://")
    host, colon, port = rest.rpartition(":")
    if scheme != "tcp" or not sep or not colon or not host or not port.isdigit():
        raise ConfigError("config", "rooms", f"{uri!r} is not a satellite address", "write it as tcp://host:port")
    return host.strip("[]"), int(port)


@dataclass(frozen=True)
class SatelliteInfo:
    name: str
    area: str | None
    version: str | None
    start_stage: str | None = None


class SatelliteLink:
    """Keeps one satellite connected; hands its audio to `on_audio` and its state to `on_state`.

    `on_audio(pcm: bytes)` gets 16 kHz 16-bit mono; `on_state(state, details)` gets "connected"
    (details: the satellite's `SatelliteInfo`), "disconnected" (details: why, and the pause before
    the next try) and "played". `send(event)` queues an event for the satellite (dropped while
    disconnected: the caller holds what must survive a drop).
    """

    def __init__(self, room: str, uri: str, on_audio: Callable[[bytes], None],
                 on_state: Callable[[str, dict], None], settings: LinkSettings | None = None) -> None:
        self.room = room
        self.uri = uri
        self.host, self.port = parse_tcp_uri(uri)
        self.on_audio = on_audio
        self.on_state = on_state
        self.settings = settings or LinkSettings()
        self.connected = False
        self.info: SatelliteInfo | None = None
        self.connections = 0
        self._client: AsyncTcpClient | None = None
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._converter = AudioChunkConverter(rate=SAMPLE_RATE, width=2, channels=1)
        self._write_lock: asyncio.Lock | None = None

    # --- the connection ----------------------------------------------------------------------
    def start(self) -> asyncio.Task:
        """Begin (on the running event loop): connect, and keep reconnecting until `stop`."""
        self._task = asyncio.get_running_loop().create_task(self.run(), name=f"satellite-{self.room}")
        return self._task

    async def run(self) -> None:
        low, high = self.settings.backoff
        pause = low
        while not self._stopping:
            why = "closed the connection"
            try:
                await self._session()
            except (OSError, asyncio.TimeoutError, ConnectionError, EOFError, ValueError) as error:
                why = _describe(error)
            except asyncio.CancelledError:
                break
            finally:
                was = self.connected
                self.connected = False
                await self._close()
            if self._stopping:
                break
            if was:
                pause = low  # it was up: the first retry comes quickly
            self.on_state("disconnected", {"why": why, "retry_in": pause, "was_connected": was})
            try:
                await asyncio.sleep(pause)
            except asyncio.CancelledError:
                break
            pause = min(high, pause * 2)

    async def _session(self) -> None:
        s = self.settings
        client = AsyncTcpClient(self.host, self.port, connect_timeout=s.connect_timeout)
        self._client = client
        self._write_lock = asyncio.Lock()
        await client.connect()
        await self._write(Describe().event())
        info = await asyncio.wait_for(self._await_info(client), s.handshake_timeout)
        await self._write(RunSatellite().event())
        self.connected = True
        self.connections += 1
        self.info = info
        self.on_state("connected", {"info": info})
        while not self._stopping:
            event = await asyncio.wait_for(client.read_event(), s.silence_limit)
            if event is None:
                return
            await self._handle(event)

    async def _await_info(self, client: AsyncTcpClient) -> SatelliteInfo:
        while True:
            event = await client.read_event()
            if event is None:
                raise ConnectionError("the satellite closed the connection during the handshake")
            if Info.is_type(event.type):
                info = Info.from_event(event)
                sat = info.satellite
                if sat is None:
                    raise ValueError(f"{self.uri} is a Wyoming service but not a satellite "
                                     "(its info has no satellite section)")
                return SatelliteInfo(sat.name, getattr(sat, "area", None), getattr(sat, "version", None))
            if Ping.is_type(event.type):
                await self._write(Pong(text=Ping.from_event(event).text).event())

    async def _handle(self, event: Event) -> None:
        if AudioChunk.is_type(event.type):
            chunk = AudioChunk.from_event(event)
            if chunk.rate != SAMPLE_RATE or chunk.width != 2 or chunk.channels != 1:
                chunk = self._converter.convert(chunk)
            self.on_audio(chunk.audio)
        elif Ping.is_type(event.type):
            await self._write(Pong(text=Ping.from_event(event).text).event())
        elif RunPipeline.is_type(event.type):
            stage = RunPipeline.from_event(event).start_stage
            stage_name = stage.value if isinstance(stage, PipelineStage) else str(stage)
            if self.info is not None:
                self.info = SatelliteInfo(self.info.name, self.info.area, self.info.version, stage_name)
            self.on_state("pipeline", {"start_stage": stage_name})
        elif Played.is_type(event.type):
            self.on_state("played", {})

    # --- sending -------------------------------------------------------------------------------
    async def send(self, event: Event) -> bool:
        """Write one event now; False when the link is down (or goes down while writing)."""
        if not self.connected or self._client is None:
            return False
        try:
            await self._write(event)
            return True
        except (OSError, ConnectionError, RuntimeError):
            self.connected = False
            return False

    async def _write(self, event: Event) -> None:
        assert self._client is not None and self._write_lock is not None
        async with self._write_lock:
            await self._client.write_event(event)

    async def _close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                await client.disconnect()
            except (OSError, ConnectionError, RuntimeError, AttributeError):
                pass

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - closing, whatever state it was in
                pass
        await self._close()


def _describe(error: BaseException) -> str:
    if isinstance(error, asyncio.TimeoutError):
        return "no answer (timed out)"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused (is wyoming-satellite running there?)"
    text = str(error) or type(error).__name__
    return text

