"""One interface for every speech engine: a model loaded once, a session per utterance.

The loop opens a session when the VAD hears speech start, feeds audio as it arrives (so decoding runs
while the person is still talking) and asks for the transcript when speech ends.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from assistant.messages import Transcript


@dataclass(frozen=True)
class ListenMode:
    """What the next utterance may contain.

    `wake`: it must begin with the wake phrase (the transcript says `woke` and drops the phrase).
    `intents`: the intents that make sense now (None: all of them).
    `free_text`: an open answer (thanks, an appreciation): transcribe anything, no grammar.
    """

    wake: bool = False
    intents: frozenset[str] | None = None
    free_text: bool = False


class RecognizerSession(ABC):
    """One utterance being decoded."""

    @abstractmethod
    def accept(self, samples: np.ndarray) -> None:
        """Feed int16 mono 16 kHz samples, in order, as they arrive."""

    @abstractmethod
    def finish(self) -> Transcript:
        """End the utterance and return what was heard (empty text when nothing was)."""


class Recognizer(ABC):
    """A loaded speech engine. Sessions are used one at a time, in order."""

    name: str = "recognizer"
    notice: str = ""
    """Why this is not the engine that was asked for (a missing model, and the fix); empty when it is."""
    trusted_confidence: float | None = None
    """The confidence this engine's transcripts need before words after the wake phrase count as a command
    (None: the loop's own setting, tuned for pocketsphinx). Engines' confidences are not on one scale, so a
    wrapper (wake/fused.py, rooms/recognizer.py) takes its inner engine's (`wrapping`)."""

    def wrapping(self, inner: "Recognizer") -> None:
        """Take on what the loop reads of `inner` (name, notice, its own bar for a command): a wrapper that
        kept the base class's values would judge the inner engine's transcripts on another engine's scale."""
        self.name = inner.name
        self.notice = inner.notice
        self.trusted_confidence = getattr(inner, "trusted_confidence", None)

    @abstractmethod
    def session(self, mode: ListenMode = ListenMode()) -> RecognizerSession:
        """Start decoding one utterance heard in `mode`."""

    def transcribe(self, samples: np.ndarray, mode: ListenMode = ListenMode()) -> Transcript:
        """Decode a whole utterance at once (tests, batch files)."""
        session = self.session(mode)
        session.accept(samples)
        return session.finish()

    def close(self) -> None:
        """Free the engine's resources (optional)."""
