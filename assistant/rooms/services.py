"""Speech recognition and synthesis offloaded to Wyoming services on a bigger machine.

A household that already runs `wyoming-faster-whisper` (speech to text) and `wyoming-piper`
(text to speech) for Home Assistant can lend them to Tandem: `[services] asr = "tcp://nas:10300"`,
`tts = "tcp://nas:10200"`. They sit behind Tandem's own interfaces: `WyomingRecognizer` is a
`Recognizer` (a session per utterance; the audio is sent when the utterance ends) and
`WyomingSynth` renders a line to int16 audio like `SpeechSynth`. Whisper has no grammar, so the
wake phrase is checked on its text (and stripped) and what follows goes to the matcher as usual.

When a service cannot be reached (or takes longer than `timeout_seconds`), Tandem says so once in
the event log and the local engine answers instead, for that utterance or line and for the next
`retry_after` seconds; then the service is tried again.
"""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

import numpy as np
from rapidfuzz import fuzz
from wyoming.asr import Transcribe, Transcript as WyomingTranscript
from wyoming.audio import AudioChunk, AudioChunkConverter, AudioStart, AudioStop
from wyoming.client import AsyncTcpClient
from wyoming.error import Error
from wyoming.tts import Synthesize, SynthesizeVoice

from assistant.config import Settings
from assistant.errors import TandemError
from assistant.messages import SAMPLE_RATE, Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.rooms.recognizer import BufferedSession
from assistant.rooms.link import parse_tcp_uri

log = logging.getLogger(__name__)

RETRY_AFTER = 30.0
"""Seconds the local engine stands in after a service failed, before the service is tried again."""
WAKE_SIMILARITY = 80
"""How close (rapidfuzz ratio) the first words must be to the wake phrase ("hey tandum" passes)."""


class ServiceUnavailable(TandemError):
    pass


class _Health:
    """Remembers a failing service so each utterance does not wait for its timeout again."""

    def __init__(self, what: str, uri: str, emit: Callable[..., Any], retry_after: float) -> None:
        self.what = what
        self.uri = uri
        self.emit = emit
        self.retry_after = retry_after
        self.down_until = 0.0
        self.failures = 0
        self.successes = 0
        self._lock = threading.Lock()

    def usable(self) -> bool:
        return time.monotonic() >= self.down_until

    def failed(self, error: BaseException, fallback: str) -> None:
        with self._lock:
            first = self.down_until == 0.0 or self.successes > 0
            self.failures += 1
            self.successes = 0
            self.down_until = time.monotonic() + self.retry_after
        message = (f"the {self.what} service at {self.uri} cannot be reached ({_reason(error)}); "
                   f"using {fallback} instead")
        if first:
            log.warning("%s", message)
        self.emit("error", message=message, service=self.what,
                  fix=f"check that the service runs and listens on {self.uri}, or leave [services] "
                      f"{'asr' if self.what == 'speech recognition' else 'tts'} empty")

    def worked(self) -> None:
        with self._lock:
            if self.down_until:
                self.emit("service_back", service=self.what, uri=self.uri)
            self.down_until = 0.0
            self.successes += 1


def _reason(error: BaseException) -> str:
    if isinstance(error, (asyncio.TimeoutError, TimeoutError)):
        return "no answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return str(error) or type(error).__name__


def _run(coro: Any, timeout: float) -> Any:
    """Run a coroutine on this (non-async) thread with a deadline."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


# --- speech to text ---------------------------------------------------------------------------
class WyomingRecognizer(Recognizer):
    """Speech recognition by a Wyoming ASR service, the local recognizer standing in when it fails."""

    concurrent_sessions = True
    """Each utterance is its own connection: rooms need not take turns (the fallback locks itself)."""

    def __init__(self, uri: str, fallback: Recognizer, wake_phrase: str, *, timeout: float = 5.0,
                 language: str = "en", emit: Callable[..., Any] = lambda *a, **k: None,
                 retry_after: float = RETRY_AFTER) -> None:
        self.uri = uri
        self.host, self.port = parse_tcp_uri(uri)
        self.fallback = fallback
        self.wake_words = _words(wake_phrase)
        self.wake_phrase = wake_phrase
        self.timeout = timeout
        self.language = language
        self.health = _Health("speech recognition", uri, emit, retry_after)
        self.name = f"wyoming-asr ({uri}), {fallback.name} standing by"

    def session(self, mode: ListenMode = ListenMode()) -> RecognizerSession:
        return _RemoteSession(self, mode)

    def transcribe_remote(self, audio: np.ndarray, mode: ListenMode) -> Transcript:
        text = _run(self._transcribe(audio.astype("<i2").tobytes()), self.timeout)
        return self.shape(text, mode)

    async def _transcribe(self, pcm: bytes) -> str:
        client = AsyncTcpClient(self.host, self.port)
        await client.connect()
        try:
            # (newer services bias recognition towards these names; older ones ignore the field)
            await client.write_event(Transcribe(language=self.language, transcript_names=[self.wake_phrase]).event())
            await client.write_event(AudioStart(rate=SAMPLE_RATE, width=2, channels=1).event())
            step = 2 * 1024
            for i in range(0, len(pcm), step):
                await client.write_event(AudioChunk(rate=SAMPLE_RATE, width=2, channels=1,
                                                    audio=pcm[i:i + step]).event())
            await client.write_event(AudioStop().event())
            while True:
                event = await client.read_event()
                if event is None:
                    raise ConnectionError("the service closed the connection before a transcript")
                if WyomingTranscript.is_type(event.type):
                    return WyomingTranscript.from_event(event).text or ""
                if Error.is_type(event.type):
                    raise ConnectionError(f"the service answered with an error: {Error.from_event(event).text}")
        finally:
            await client.disconnect()

    def shape(self, text: str, mode: ListenMode) -> Transcript:
        """Whisper's text in Tandem's terms: lower case, no punctuation, the wake phrase checked and
        stripped in wake mode (an utterance that does not begin with it is not for Tandem)."""
        words = _words(text)
        engine = "wyoming-asr"
        if not mode.wake:
            head = len(self.wake_words)
            woke = head > 0 and _starts_with(words, self.wake_words)
            rest = words[head:] if woke else words
            return Transcript(" ".join(rest), 0.9, engine=engine, woke=woke)
        if not words or not _starts_with(words, self.wake_words):
            return Transcript("", 0.0, engine=engine)
        return Transcript(" ".join(words[len(self.wake_words):]), 0.9, engine=engine, woke=True)

    def close(self) -> None:
        self.fallback.close()


class _RemoteSession(BufferedSession):
    def __init__(self, owner: WyomingRecognizer, mode: ListenMode) -> None:
        super().__init__(mode)
        self.owner = owner

    def finish(self) -> Transcript:
        audio = self.take()
        owner = self.owner
        if len(audio) and owner.health.usable():
            try:
                transcript = owner.transcribe_remote(audio, self.mode)
                owner.health.worked()
                return transcript
            except (OSError, ConnectionError, asyncio.TimeoutError, TimeoutError, ValueError) as error:
                owner.health.failed(error, owner.fallback.name)
        return owner.fallback.transcribe(audio, self.mode)


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w' ]+", " ", text.lower()).split()


def _starts_with(words: list[str], phrase: list[str]) -> bool:
    if not phrase or len(words) < len(phrase):
        return False
    return fuzz.ratio(" ".join(words[:len(phrase)]), " ".join(phrase)) >= WAKE_SIMILARITY


# --- text to speech ---------------------------------------------------------------------------
class WyomingSynth:
    """Lines rendered by a Wyoming TTS service (wyoming-piper), the local voice standing in when it fails."""

    def __init__(self, uri: str, fallback: Any, *, voice: str = "", timeout: float = 5.0,
                 emit: Callable[..., Any] = lambda *a, **k: None, retry_after: float = RETRY_AFTER,
                 cache_size: int = 128) -> None:
        self.uri = uri
        self.host, self.port = parse_tcp_uri(uri)
        self.fallback = fallback
        self.rate = int(fallback.rate)
        self.voice = voice
        self.timeout = timeout
        self.health = _Health("speech synthesis", uri, emit, retry_after)
        self._cache = _Lines(cache_size)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tandem-wyoming-tts")

    name = "wyoming"

    def render(self, text: str, pace: Any = None) -> Future:
        """The service speaks at its own pace; the local voice standing in keeps Tandem's (`pace`)."""
        key = " ".join(text.split())
        cached = self._cache.get(key)
        if cached is not None:
            done: Future = Future()
            done.set_result(cached)
            return done
        return self._pool.submit(self._render, key, pace)

    def _render(self, text: str, pace: Any = None) -> np.ndarray:
        if self.health.usable():
            try:
                samples = _run(self._synthesize(text), self.timeout)
                self.health.worked()
                return self._cache.keep(text, samples)
            except (OSError, ConnectionError, asyncio.TimeoutError, TimeoutError, ValueError) as error:
                self.health.failed(error, "Tandem's own voice")
        return self.fallback.render(text, pace).result()

    async def _synthesize(self, text: str) -> np.ndarray:
        client = AsyncTcpClient(self.host, self.port)
        await client.connect()
        converter = AudioChunkConverter(rate=self.rate, width=2, channels=1)
        parts: list[bytes] = []
        try:
            voice = SynthesizeVoice(name=self.voice) if self.voice else None
            await client.write_event(Synthesize(text=text, voice=voice).event())
            while True:
                event = await client.read_event()
                if event is None:
                    raise ConnectionError("the service closed the connection mid-line")
                if AudioChunk.is_type(event.type):
                    parts.append(converter.convert(AudioChunk.from_event(event)).audio)
                elif AudioStop.is_type(event.type):
                    break
                elif Error.is_type(event.type):
                    raise ValueError(f"the service answered with an error: {Error.from_event(event).text}")
        finally:
            await client.disconnect()
        samples = np.frombuffer(b"".join(parts), dtype="<i2").astype(np.int16)
        if len(samples) == 0:
            raise ValueError("the service sent no audio")
        return samples

    def close(self) -> None:
        self._pool.shutdown(wait=False)
        close = getattr(self.fallback, "close", None)
        if close:
            close()


class _Lines:
    """The last `size` lines rendered (a service is a network round trip away: "Starting now." once)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lines: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, text: str) -> np.ndarray | None:
        with self._lock:
            return self._lines.get(text)

    def keep(self, text: str, samples: np.ndarray) -> np.ndarray:
        samples.setflags(write=False)
        with self._lock:
            self._lines[text] = samples
            if len(self._lines) > self.size:
                del self._lines[next(iter(self._lines))]
        return samples


def with_services(settings: Settings, recognizer: Recognizer, synth: Any,
                  emit: Callable[..., Any]) -> tuple[Recognizer, Any]:
    """The recognizer and voice to use: the configured Wyoming services in front of the local ones."""
    services = settings.services
    if services.asr.strip():
        recognizer = WyomingRecognizer(services.asr.strip(), recognizer, settings.wake.phrase,
                                       timeout=services.timeout_seconds, emit=emit)
    if services.tts.strip():
        synth = WyomingSynth(services.tts.strip(), synth, voice=services.tts_voice.strip(),
                             timeout=services.timeout_seconds, emit=emit)
    return recognizer, synth
