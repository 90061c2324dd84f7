"""Every speech engine on the same clips, in one process, through Tandem's own recognizer classes.

The combined engine runs pocketsphinx and Whisper on each utterance anyway; what each of them said
alone is read from the same session (pocketsphinx's `Transcript`, Whisper's n-best turned into its
own `Transcript` exactly as the whisper engine does), so the three figures come from one decoding
pass and cannot drift apart. vosk runs on its own when a model is installed. Clips are fed in
quarter-second chunks, as `tandem understand --audio` and the microphone loop feed them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.messages import Transcript
from assistant.recognize.base import ListenMode
from bench.report import Row

ENGINES = ("pocketsphinx", "whisper", "combined", "vosk")
CHUNK = 4000


def default_engine() -> str:
    """What `--engine auto` picks on this machine."""
    from assistant.recognize.select import choose_engine

    return choose_engine("auto")


def engine_label(engine: str) -> str:
    return f"{engine} (the default)" if engine == default_engine() else engine


@dataclass
class Heard:
    """What each engine made of one clip."""

    transcripts: dict[str, Transcript]
    seconds: float
    """Wall time of the combined decoding (both engines and the arbitration)."""
    extra: dict[str, Any] = field(default_factory=dict)


class Engines:
    """The recognizers loaded once for one intents folder."""

    def __init__(self, intent_set: Any, matcher: Any, wake_phrase: str = "hey tandem",
                 with_vosk: bool = True, noise_suppression: str | None = None) -> None:
        """`noise_suppression`: what cleans pocketsphinx's audio (None: the default, as `tandem listen`)."""
        from assistant.audio.denoise import DEFAULT
        from assistant.recognize.combined import CombinedRecognizer
        from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer
        from assistant.recognize.whisper_engine import WhisperRecognizer
        from assistant.recognize.whisper_model import whisper_model_dir

        self.noise_suppression = noise_suppression or DEFAULT
        sphinx = PocketsphinxRecognizer(intent_set, wake_phrase=wake_phrase, noise_suppression=self.noise_suppression)
        self.combined = CombinedRecognizer(sphinx,
                                           WhisperRecognizer(whisper_model_dir(), intent_set, wake_phrase),
                                           intent_set, matcher)
        self.vosk = None
        self.vosk_missing = vosk_why()
        if with_vosk and self.vosk_missing is None:
            from assistant.recognize.select import load_recognizer

            self.vosk = load_recognizer("vosk", intent_set, wake_phrase=wake_phrase,
                                        noise_suppression=self.noise_suppression)
        self.names = [e for e in ENGINES if e != "vosk" or self.vosk is not None]

    def hear(self, samples: np.ndarray, mode: ListenMode = ListenMode()) -> Heard:
        combined = self.combined
        start = time.perf_counter()
        combined_t = _feed(combined, samples, mode)
        seconds = time.perf_counter() - start
        out = {"combined": combined_t}
        parts = combined.last_parts
        out["pocketsphinx"] = parts.get("pocketsphinx") or Transcript("", 0.0, engine="pocketsphinx")
        encoded = parts.get("encoded")
        hyps = parts.get("whisper") or []
        out["whisper"] = combined.whisper.transcript(encoded, hyps, mode) if encoded is not None \
            else Transcript("", 0.0, engine="whisper")
        if self.vosk is not None:
            out["vosk"] = _feed(self.vosk, samples, mode)
        return Heard(out, seconds)

    def close(self) -> None:
        self.combined.close()


def _feed(recognizer: Any, samples: np.ndarray, mode: ListenMode) -> Transcript:
    session = recognizer.session(mode)
    for i in range(0, len(samples), CHUNK):
        session.accept(samples[i:i + CHUNK])
    return session.finish()


def suppression_note(kind: str) -> str:
    """The section's note on what pocketsphinx heard (audio/denoise.py)."""
    if kind == "off":
        return "Noise suppression off: every engine heard the raw audio (`--noise-suppression off`)."
    return (f"Noise suppression: pocketsphinx heard the audio cleaned by {kind} (Tandem's `[audio] noise_suppression`, "
            "assistant/audio/denoise.py) unless the utterance was said in a quiet room; Whisper the raw audio.")


def suppression_cost(kind: str, clips: list[np.ndarray]) -> Row | None:
    """The suppressor's CPU per second of audio, fed in the loop's chunks (it runs only while someone speaks: a quiet
    room costs nothing), as a row; None when it is off."""
    from assistant.audio.denoise import suppressor_factory

    make = suppressor_factory(kind)
    if make is None or not clips:
        return None
    make()  # the library loads once, outside the timing
    began = time.process_time()
    for samples in clips:
        suppressor = make()
        for i in range(0, len(samples), CHUNK):
            suppressor.process(samples[i:i + CHUNK])
        suppressor.finish()
    seconds = sum(len(c) for c in clips) / 16000
    return Row(f"noise suppression ({kind}): CPU per second of speech", round(100 * (time.process_time() - began) / seconds, 1),
               "% of a core", note=f"{len(clips)} clips, {seconds:.0f} s; machine shared: see the load note")


def vosk_why() -> str | None:
    """Why vosk cannot run here (no model installed), or None."""
    from bench.speech import vosk_model_missing

    return vosk_model_missing()


def read(path: Path) -> np.ndarray:
    from bench.audio import read16

    return read16(path)
