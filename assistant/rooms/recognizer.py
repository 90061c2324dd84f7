"""One recognizer model for every room: each room gets its own sessions, decoded one at a time.

Engines such as pocketsphinx keep one decoder object that a session drives from `start_utt` to
`end_utt`, so two rooms' utterances must never interleave on it. A `SharedRecognizer` session only
collects the room's audio; at the end of the utterance it takes the model's lock and runs a real
session over the whole utterance. pocketsphinx decodes at the end of speech anyway ("batch" mean
normalisation), so nothing is lost; an engine whose sessions are independent (it says so with
`concurrent_sessions = True`) is passed straight through.
"""

from __future__ import annotations

import threading

import numpy as np

from assistant.messages import Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession


class SharedRecognizer(Recognizer):
    """Wraps the one loaded `Recognizer` so several rooms' loops can use it at once."""

    def __init__(self, inner: Recognizer) -> None:
        self.inner = inner
        self.wrapping(inner)
        self.lock = threading.Lock()
        self.concurrent = bool(getattr(inner, "concurrent_sessions", False))

    def session(self, mode: ListenMode = ListenMode()) -> RecognizerSession:
        if self.concurrent:
            return self.inner.session(mode)
        return _QueuedSession(self, mode)

    def close(self) -> None:
        self.inner.close()


class BufferedSession(RecognizerSession):
    """A session that keeps the utterance's audio and decodes it all in `finish` (see subclasses)."""

    def __init__(self, mode: ListenMode) -> None:
        self.mode = mode
        self._audio: list[np.ndarray] = []

    def accept(self, samples: np.ndarray) -> None:
        if len(samples):
            self._audio.append(np.asarray(samples, dtype=np.int16).copy())

    def take(self) -> np.ndarray:
        """The whole utterance so far (and forget it)."""
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, dtype=np.int16)
        self._audio = []
        return audio


class _QueuedSession(BufferedSession):
    def __init__(self, owner: SharedRecognizer, mode: ListenMode) -> None:
        super().__init__(mode)
        self.owner = owner

    def finish(self) -> Transcript:
        audio = self.take()
        with self.owner.lock:
            session = self.owner.inner.session(self.mode)
            session.accept(audio)
            return session.finish()
