"""The wake phrase: is an utterance addressed to Tandem, and what command follows the phrase?

Detection rides on the recognizer: in `ListenMode(wake=True)` the decoder only knows sentences that
begin with the wake phrase (plus the phrase alone), and an utterance whose best path does not start
with it is dropped. Typed text and transcripts from other sources go through `split_wake`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.messages import Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.recognize.grammar import normalize_words

DEFAULT_WAKE_PHRASE = "hey tandem"


@dataclass(frozen=True)
class WakeResult:
    """Whether the text began with the wake phrase, and the command after it (may be empty)."""

    woke: bool
    command: str


def split_wake(text: str, phrase: str = DEFAULT_WAKE_PHRASE) -> WakeResult:
    """`"Hey Tandem, start our hug"` -> woke, "start our hug" (case and punctuation ignored)."""
    words = normalize_words(text).split()
    wake = normalize_words(phrase).split()
    if wake and words[: len(wake)] == wake:
        return WakeResult(True, " ".join(words[len(wake):]))
    return WakeResult(False, " ".join(words))


class WakeDetector:
    """Opens wake-mode sessions on a loaded recognizer (the loop feeds them utterance by utterance)."""

    def __init__(self, recognizer: Recognizer, intents: frozenset[str] | None = None) -> None:
        self.recognizer = recognizer
        self.mode = ListenMode(wake=True, intents=intents)

    def session(self) -> RecognizerSession:
        return self.recognizer.session(self.mode)

    def check(self, samples: np.ndarray) -> Transcript:
        """The transcript of one whole utterance: `woke` and the command text after the phrase."""
        return self.recognizer.transcribe(samples, self.mode)
