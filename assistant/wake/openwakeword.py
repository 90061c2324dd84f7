"""openWakeWord's ready-made wake words ("okay nabu", "hey jarvis", "hey mycroft", "alexa", "hey rhasspy").

`[wake] phrase = "hey jarvis"` (a phrase with a shipped model) makes the loop spot the wake word in the
audio stream itself, 80 ms at a time, instead of asking the recognizer whether an utterance began with
it. The models and their TensorFlow Lite runtime ship inside `pyopen-wakeword`; nothing is fetched.
Spotting runs in the loop's thread, never in the audio callback.
"""

from __future__ import annotations

import numpy as np

from assistant.errors import ModelError
from assistant.messages import SAMPLE_RATE
from assistant.wake.models import openwakeword_dir, openwakeword_model

THRESHOLD = 0.5
"""openWakeWord's own default detection probability."""
STEP = 1280
"""Samples per model step (80 ms)."""


class WakeWordSpotter:
    """Streams audio through an openWakeWord model; `feed` returns the times its phrase was spotted."""

    def __init__(self, phrase: str, threshold: float = THRESHOLD, refractory: float = 1.5) -> None:
        name = openwakeword_model(phrase)
        folder = openwakeword_dir()
        if name is None or folder is None or not (folder / f"{name}.tflite").is_file():
            raise ModelError(f"no openWakeWord model for the wake phrase {phrase!r}",
                             "pip install pyopen-wakeword, or use one of: okay nabu, hey jarvis, hey mycroft, alexa, "
                             "hey rhasspy (or any phrase the speech recognizer can check)")
        from pyopen_wakeword import OpenWakeWord, OpenWakeWordFeatures

        self.phrase = phrase
        self.name = name
        self.threshold = threshold
        self.refractory = refractory
        """Seconds after a detection during which the same utterance cannot fire again."""
        self.model = OpenWakeWord.from_model(folder / f"{name}.tflite")
        self.features = OpenWakeWordFeatures.from_builtin(folder)
        self._t = 0.0
        self._last = -1e9
        self.last_probability = 0.0

    def reset(self, t: float = 0.0) -> None:
        self.model.reset()
        self.features.reset()
        self._t = t

    def feed(self, samples: np.ndarray, t: float | None = None) -> list[float]:
        """Process int16 samples that start at input time `t` (default: right after the last ones)."""
        if t is not None and abs(t - self._t) > 0.05:
            self.reset(t)
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        end = self._t + len(samples) / SAMPLE_RATE
        hits: list[float] = []
        for embedding in self.features.process_streaming(samples.tobytes()):
            for probability in self.model.process_streaming(embedding):
                self.last_probability = float(probability)
                if probability >= self.threshold and end - self._last >= self.refractory:
                    self._last = end
                    hits.append(end)
        self._t = end
        return hits

    def close(self) -> None:
        self.model.close()
        self.features.close()
