"""A speech engine that loads in a background thread, so the microphone opens before it is ready.

Whisper alone took 6 s from `tandem listen` to an open microphone on a quiet 2-core machine (its weights
and the vocabulary prompt built from every intents sample), twice the 3 s target; the combination already
loaded its Whisper half this way. An utterance heard while the engine still loads is kept and decoded
once it is ready (the loop waits then, as it would have waited at start). If the load fails only then,
pocketsphinx takes over, said once through `on_notice`, as it is when the failure is found at start.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable, Generic, TypeVar

import numpy as np

from assistant.errors import ModelError
from assistant.messages import Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession

log = logging.getLogger(__name__)

T = TypeVar("T")


class Loading(Generic[T]):
    """`load()` run on a background thread; what it returned, or what it raised, for whoever waits for it."""

    def __init__(self, load: Callable[[], T], name: str) -> None:
        self._value: T | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(load,), name=f"load-{name}", daemon=True)
        self._thread.start()

    def _run(self, load: Callable[[], T]) -> None:
        try:
            self._value = load()
        except BaseException as error:  # handed to whoever waits for the result
            self._error = error

    @property
    def loading(self) -> bool:
        return self._thread.is_alive()

    def wait(self) -> BaseException | None:
        """Block until the load is over; what it raised, if anything."""
        self._thread.join()
        return self._error

    def result(self) -> T:
        """What the load returned, waiting for it; what it raised is raised again."""
        if self.wait() is not None:
            raise self._error  # type: ignore[misc]
        assert self._value is not None
        return self._value


class BackgroundRecognizer(Recognizer):
    """`load()` run on a thread; sessions before it is done keep their audio and wait at `finish`.

    `name`, `trusted_confidence` and `speculate_after` are the loaded engine's class values, known before it
    loads (the loop reads them at once); anything else is the loaded engine's, read once it is ready."""

    def __init__(self, load: Callable[[], Recognizer], engine: type, fallback: Callable[[], Recognizer],
                 on_notice: Callable[[str], None] | None = None) -> None:
        self.name = engine.name
        self.trusted_confidence = getattr(engine, "trusted_confidence", None)
        self.speculate_after = float(getattr(engine, "speculate_after", 0.0))
        self._fallback, self._on_notice = fallback, on_notice
        self._load = Loading(load, engine.name)
        self._engine: Recognizer | None = None
        self._lock = threading.Lock()

    @property
    def loading(self) -> bool:
        return self._load.loading

    def wait_ready(self) -> None:
        """Block until the load is over, loaded or failed (the first utterance takes the engine or the fallback)."""
        self._load.wait()

    def engine(self) -> Recognizer:
        """The loaded engine, waiting for it; pocketsphinx (once, said) when it failed to load."""
        error = self._load.wait()
        with self._lock:
            if self._engine is None and error is None:
                self._engine = self._load.result()
            if self._engine is None:
                what = (f"{error.what}\n  fix: {error.fix}" if isinstance(error, ModelError)
                        else f"the {self.name} engine failed to load ({error!r})")
                self.notice = f"{what}\n  listening with pocketsphinx instead"
                log.warning("%s", self.notice)
                self._engine = self._fallback()
                self.name = self._engine.name
                self.trusted_confidence = getattr(self._engine, "trusted_confidence", None)
                if self._on_notice is not None:
                    self._on_notice(self.notice)
            return self._engine

    def __getattr__(self, name: str) -> Any:  # last_timing, tested_wake...: the loaded engine's
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.engine(), name)

    def session(self, mode: ListenMode = ListenMode()) -> RecognizerSession:
        if not self.loading:
            return self.engine().session(mode)
        return _WaitingSession(self, mode)

    def transcribe(self, samples: np.ndarray, mode: ListenMode = ListenMode()) -> Transcript:
        return self.engine().transcribe(samples, mode)

    def close(self) -> None:
        if not self.loading and self._engine is not None:
            self._engine.close()


class _WaitingSession(RecognizerSession):
    """An utterance begun while the engine loads: its audio goes to the engine's own session once it is ready."""

    def __init__(self, owner: BackgroundRecognizer, mode: ListenMode) -> None:
        self.owner, self.mode = owner, mode
        self._parts: list[np.ndarray] = []
        self._inner: RecognizerSession | None = None

    def _ready(self) -> RecognizerSession:
        if self._inner is None:
            self._inner = self.owner.engine().session(self.mode)
            for part in self._parts:
                self._inner.accept(part)
            self._parts = []
        return self._inner

    def accept(self, samples: np.ndarray) -> None:
        if self._inner is None and self.owner.loading:
            if len(samples):
                self._parts.append(np.asarray(samples, dtype=np.int16).reshape(-1))
            return
        self._ready().accept(samples)

    def finish(self) -> Transcript:
        return self._ready().finish()
