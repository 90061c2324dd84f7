"""The satellite link's protocol duties, against a small Wyoming server written with the `wyoming`
library's own server classes behaving as wyoming-satellite 1.2+ does (it pings its controller and
drops one that does not answer): handshake, pong, audio conversion, redial, a silent link dropped."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
from wyoming.audio import AudioChunk
from wyoming.event import Event
from wyoming.info import Attribution, Describe, Info, Satellite
from wyoming.ping import Ping, Pong
from wyoming.pipeline import PipelineStage, RunPipeline
from wyoming.satellite import RunSatellite
from wyoming.server import AsyncEventHandler, AsyncServer

from assistant.rooms.link import LinkSettings, SatelliteLink


INFO = Info(satellite=Satellite(name="Kitchen", area="kitchen", description="test satellite", installed=True,
                                attribution=Attribution(name="", url=""), version="1.4.1"))


class FakeSatellite(AsyncEventHandler):
    """Answers describe, starts streaming 48 kHz stereo audio on run-satellite, pings every 0.2 s."""

    def __init__(self, state: dict, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.state = state
        state["handlers"].append(self)

    async def handle_event(self, event: Event) -> bool:
        self.state["received"].append(event.type)
        if Describe.is_type(event.type):
            await self.write_event(INFO.event())
        elif RunSatellite.is_type(event.type):
            await self.write_event(RunPipeline(start_stage=PipelineStage.WAKE, end_stage=PipelineStage.TTS).event())
            asyncio.create_task(self._stream())
        elif Pong.is_type(event.type):
            self.state["pongs"].append(Pong.from_event(event).text)
        return True

    async def _stream(self) -> None:
        tone = (np.sin(np.arange(4800) / 48_000 * 2 * np.pi * 440) * 8000).astype("<i2")
        stereo = np.repeat(tone, 2).tobytes()
        for i in range(self.state["chunks"]):
            await self.write_event(AudioChunk(rate=48_000, width=2, channels=2, audio=stereo).event())
            if i % 2 == 0:
                await self.write_event(Ping(text=f"p{i}").event())
            await asyncio.sleep(0.1)


@pytest.fixture
def satellite():
    state = {"handlers": [], "received": [], "pongs": [], "chunks": 10}
    loop = asyncio.new_event_loop()
    server = AsyncServer.from_uri("tcp://127.0.0.1:0")
    started = threading.Event()

    async def main() -> None:
        await server.start(lambda r, w: FakeSatellite(state, r, w))
        state["port"] = server._server.sockets[0].getsockname()[1]
        started.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(main()), loop.run_forever()), daemon=True)
    thread.start()
    started.wait(5)
    yield state

    async def close() -> None:
        await server.stop()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    asyncio.run_coroutine_threadsafe(close(), loop).result(5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def run_link(link: SatelliteLink, seconds: float) -> None:
    async def main() -> None:
        link.start()
        await asyncio.sleep(seconds)
        await link.stop()

    asyncio.run(main())


def test_tandem_takes_control_answers_pings_and_hears_16_khz_mono(satellite):
    audio: list[bytes] = []
    states: list[tuple[str, dict]] = []
    link = SatelliteLink("kitchen", f"tcp://127.0.0.1:{satellite['port']}", audio.append,
                         lambda s, d: states.append((s, d)))
    run_link(link, 1.5)

    assert satellite["received"][:2] == ["describe", "run-satellite"]
    assert satellite["pongs"][:3] == ["p0", "p2", "p4"]
    assert states[0][0] == "connected" and states[0][1]["info"].name == "Kitchen"
    assert ("pipeline", {"start_stage": "wake"}) in states
    assert link.info.start_stage == "wake"
    pcm = np.frombuffer(b"".join(audio), dtype="<i2")
    assert len(pcm) == pytest.approx(10 * 1600, rel=0.02)  # 0.1 s per chunk, now at 16 kHz mono
    spectrum = np.abs(np.fft.rfft(pcm[:16_000].astype(float)))
    assert np.argmax(spectrum) * 16_000 / 16_000 == pytest.approx(440, abs=2)


def test_a_satellite_gone_silent_is_dropped_and_dialled_again(satellite):
    satellite["chunks"] = 3  # then it says nothing more, like a hung satellite
    states: list[str] = []
    link = SatelliteLink("kitchen", f"tcp://127.0.0.1:{satellite['port']}", lambda pcm: None,
                         lambda s, d: states.append(s), LinkSettings(silence_limit=0.5, backoff=(0.1, 0.2)))
    begun = time.monotonic()
    run_link(link, 2.5)
    assert time.monotonic() - begun < 5
    assert states.count("connected") >= 2 and "disconnected" in states
    assert link.connections >= 2


def test_nothing_listening_is_retried_with_growing_pauses():
    from satellites import free_port

    states: list[dict] = []
    link = SatelliteLink("kitchen", f"tcp://127.0.0.1:{free_port()}", lambda pcm: None,
                         lambda s, d: states.append(d), LinkSettings(backoff=(0.1, 0.4)))
    run_link(link, 1.6)
    pauses = [d["retry_in"] for d in states]
    assert pauses[:4] == [0.1, 0.2, 0.4, 0.4]
    assert "refused" in states[0]["why"]
