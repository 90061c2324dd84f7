"""Transcribe WAV files one after another with one loaded recognizer (`tandem understand --audio`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.audio.wavio import read_wav
from assistant.messages import Transcript
from assistant.recognize.base import ListenMode, Recognizer

CHUNK = 4000
"""Samples fed per call (a quarter second), as the microphone loop would."""


def transcribe_files(paths: Iterable[Path | str], recognizer: Recognizer,
                     mode: ListenMode = ListenMode()) -> Iterator[tuple[Path, Transcript]]:
    """(path, transcript) for each file, in order; the model stays loaded between files."""
    for path in map(Path, paths):
        samples = read_wav(path)
        session = recognizer.session(mode)
        for start in range(0, len(samples), CHUNK):
            session.accept(samples[start : start + CHUNK])
        yield path, session.finish()
