"""Assemble one listening session from settings and options, run it, and close everything cleanly.

Shared by `tandem listen`, the tests and the benchmarks, so that all of them run the same parts:
the same intents feed the recognizer grammar and the matcher; a recording uses a virtual clock
(faster than real time) unless `realtime` is asked for; whatever happens, a ritual still running
when the session ends is closed in the journal and the output file is written.
"""

from __future__ import annotations

import random
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from assistant.clock import Clock, RealClock, VirtualClock
from assistant.config import Settings, load_settings
from assistant.datafiles import intents_dir
from assistant.errors import AudioError
from assistant.loop.events import EventLog
from assistant.loop.listen import LoopSettings, SpeechLoop, chunks_with_reconnect, hold_less_memory
from assistant.messages import AudioChunk


@dataclass
class ListenOptions:
    """What a caller can choose; `None` means the config file's value or the default."""

    config: Path | None = None
    journal: Path | None = None
    input: Path | None = None
    output: Path | None = None
    events: Path | None = None
    realtime: bool = False
    engine: str | None = None
    model: Path | None = None
    intents: Path | None = None
    input_device: str | None = None
    output_device: str | None = None
    rng: random.Random = field(default_factory=random.Random)
    echo: IO[str] | None = None
    start: datetime | None = None
    """Wall-clock time of the recording's first sample (virtual runs); default: now."""
    loop: LoopSettings = field(default_factory=LoopSettings)
    vad: str | None = None
    """"band" or "silero" (None: the config's `[audio] vad`)."""
    wake_spotter: str | None = None
    """"auto", "recognizer" or "openwakeword" (None: the config's `[wake] spotter`)."""
    source: Callable[[Clock, EventLog, SpeechLoop], Iterable[AudioChunk]] | None = None
    """Audio from somewhere else than a recording or the microphone (`tandem demo`'s simulated kitchen)."""
    make_output: Callable[[Clock], Any] | None = None
    """Builds where Tandem's voice goes, instead of `output` (`tandem demo --realtime`: speaker and WAV)."""


@dataclass
class SessionResult:
    events: list[dict[str, Any]]
    stats: Any
    engine: str


def _device(value: str | None, configured: str) -> int | str | None:
    spec = value if value not in (None, "") else (configured or None)
    if spec is None:
        return None
    return int(spec) if str(spec).isdigit() else spec


def run_session(options: ListenOptions) -> SessionResult:
    """Run the loop until the input ends (a recording) or the person interrupts it (live)."""
    from assistant.dialog.setup import build_dialog
    from assistant.journal.journal import Journal
    from assistant.recognize.select import load_recognizer
    from assistant.speak.output import NullOutput, SoundDeviceOutput, WavTimelineOutput
    from assistant.speak.synth import load_synth
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    hold_less_memory()  # before the models load: their loading frees the largest blocks of all
    settings: Settings = load_settings(options.config)
    live = options.input is None and options.source is None
    clock: Clock
    if live or options.realtime:
        clock = RealClock.starting_now()
    else:
        clock = VirtualClock(start=options.start or datetime.now().astimezone())

    if live:  # no microphone or speaker is a clear error before any model is loaded
        from assistant.audio.devices import find_device

        try:
            find_device(_device(options.input_device, settings.audio.input_device), "input")
            find_device(_device(options.output_device, settings.audio.output_device), "output")
        except AudioError as error:
            raise AudioError(error.what, f"{error.fix}; or hear Tandem without them: tandem demo") from None
    elif options.input is not None:  # a missing or broken recording is said before any engine loads
        from assistant.audio.wavio import wav_info

        wav_info(options.input)
    intent_set = load_intents(options.intents or intents_dir())
    matcher = Matcher(intent_set)
    recognizer = load_recognizer(options.engine or settings.recognizer.engine, intent_set, options.model,
                                 wake_phrase=settings.wake.phrase, configured_model=settings.recognizer.model,
                                 whisper_model=settings.recognizer.whisper_model, matcher=matcher,
                                 on_notice=lambda notice: print(f"tandem: {notice}", file=sys.stderr),
                                 noise_suppression=settings.audio.noise_suppression)
    if recognizer.notice:
        print(f"tandem: {recognizer.notice}", file=sys.stderr)
    print(f"tandem: listening with {recognizer.name}", file=sys.stderr)
    wait_ready = getattr(recognizer, "wait_ready", lambda: None)  # models still loading in the background
    ended = threading.Event()  # (a session over says nothing more)
    threading.Thread(target=_say_ready, args=(wait_ready, time.monotonic(), ended), name="say-ready",
                     daemon=True).start()
    voice = load_synth(settings=settings)  # loaded once, before anyone speaks
    synth = voice.synth
    print(f"tandem: speaking with {synth.name} ({synth.voice})", file=sys.stderr)

    journal = Journal.open(options.journal)
    threading.Thread(target=journal.warm, daemon=True, name="journal-warm").start()
    events = EventLog(options.events, clock.now, options.echo)
    for notice in voice.notices:  # a wanted voice that could not be used is never a silent change
        print(f"tandem: {notice}", file=sys.stderr)
        events.emit("speech_fallback", message=notice, engine=synth.name)
    from assistant.rooms.services import with_services  # [services]: Wyoming ASR/TTS in front of the local ones

    recognizer, synth = with_services(settings, recognizer, synth, events.emit)
    from assistant.wake.fused import GatedRecognizer, wake_gate

    gate, why = wake_gate(settings.wake.phrase, options.wake_spotter or settings.wake.spotter)
    if why:  # no trained model for the phrase, or a broken one: the recognizer alone, said plainly
        print(f"tandem: {why}", file=sys.stderr)
        events.emit("wake_fallback", message=why)
    if gate is not None:
        recognizer = GatedRecognizer(recognizer, gate)
    output: Any = None
    dialog = None
    try:
        dialog = build_dialog(settings, journal, clock, options.rng, matcher=matcher)
        if options.make_output is not None:
            output = options.make_output(clock)
        elif options.output is not None:
            output = WavTimelineOutput(options.output, clock, origin=0.0 if not live else None)
        elif live:
            output = SoundDeviceOutput(_device(options.output_device, settings.audio.output_device), clock)
        else:
            output = NullOutput(clock)
        loop_settings = replace(options.loop, log_free_text=settings.privacy.keep_gratitude_text)
        loop = SpeechLoop(dialog=dialog, recognizer=recognizer, synth=synth, output=output, clock=clock,
                          events=events, settings=loop_settings, follow_input=isinstance(clock, VirtualClock),
                          vad=make_vad(options.vad or settings.audio.vad),
                          wake_word=wake_spotter(settings.wake.phrase, options.wake_spotter or settings.wake.spotter),
                          wake_gate=gate)
        if isinstance(clock, RealClock):
            clock.origin = time.monotonic()  # t=0 is when listening starts, as in the recording's timestamps
        notice = getattr(journal, "notice", None)
        if notice is not None:
            loop.perform(dialog.notice(notice.key))
        loop.run(_chunks(options, settings, clock, events, loop))
        return SessionResult(list(events.events), loop.stats, recognizer.name)
    finally:
        ended.set()
        if dialog is not None and dialog.running:
            events.emit("ritual_interrupted", ritual=dialog.running)
            reply = dialog.shutdown()
            for event in reply.events:
                events.emit(event.event, **event.details)
        if output is not None:
            output.close()
        close = getattr(synth, "close", None)
        if close:
            close()
        events.close()
        journal.close()


def _say_ready(wait_ready: Callable[[], None], since: float, ended: threading.Event) -> None:
    """One line once the models loading in the background are in: what listening costs from then on is listening
    alone (bench/latency.py measures idle CPU from it)."""
    try:
        wait_ready()
    except Exception:  # a failed load is the first utterance's to say (the fallback and its notice)
        return
    if not ended.is_set():
        print(f"tandem: speech models ready ({time.monotonic() - since:.1f} s after listening began)", file=sys.stderr)


def make_vad(kind: str) -> Any:
    from assistant.audio.vad import make_vad as build

    return build(kind)


def wake_spotter(phrase: str, engine: str) -> Any:
    """An openWakeWord spotter when `[wake] spotter` asks for one (or `auto` finds a model for the phrase)."""
    from assistant.wake.models import openwakeword_model

    if engine in ("recognizer", "model") or (engine == "auto" and openwakeword_model(phrase) is None):
        return None
    from assistant.wake.openwakeword import WakeWordSpotter

    return WakeWordSpotter(phrase)


def _chunks(options: ListenOptions, settings: Settings, clock: Clock, events: EventLog,
            loop: SpeechLoop) -> Iterable[AudioChunk]:
    from assistant.audio.sources import MicSource, WavSource

    if options.source is not None:
        return options.source(clock, events, loop)
    if options.input is not None:
        # A virtual clock follows the recording (the loop moves it); the real clock paces it.
        return WavSource(options.input, clock=None if isinstance(clock, VirtualClock) else clock)
    device = _device(options.input_device, settings.audio.input_device)
    return chunks_with_reconnect(lambda origin: MicSource(device, origin=origin), clock, events,
                                 on_idle=loop.tick_timers)
