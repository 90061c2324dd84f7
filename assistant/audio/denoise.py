"""Noise suppression before recognition: RNNoise cleans what pocketsphinx hears, chunk by chunk.

A kitchen's tap, fan and clatter sit under every command. RNNoise (xiph's recurrent-network
suppressor, weights compiled into the `pyrnnoise` wheel) removes most of it, frame by 10 ms frame,
as audio arrives. Measured on the dev split (12 dB kitchen noise, `python -m bench commands --split
dev --noise-suppression ...`, bench/denoise.py for the candidates): pocketsphinx's grammar pass gains
about twelve points on Tandem's spoken commands, while Whisper loses a few on the same cleaned audio
(its encoder was trained on unprocessed speech and hears the suppressor's artefacts). So the
suppressor sits in front of pocketsphinx only, and Whisper (decoding and forced scoring) hears the
raw audio. WebRTC's suppressor (`webrtc-noise-gain`, what wyoming-satellite uses), speexdsp and
spectral gating (`noisereduce`) measured worse for both engines.

One `NoiseSuppressor` per utterance: RNNoise's noise estimate starts from the utterance's pre-roll.
It runs in the recognizer session (the loop's thread, never the audio callback), about 3-4 % of one
core while someone speaks and nothing while the room is quiet (no utterance, no suppression).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.errors import ModelError

SUPPRESSORS = ("off", "rnnoise")
DEFAULT = "rnnoise"
_FLUSH = 160
"""Samples of silence pushed at the end so the library's resampler hands back the utterance's last frame."""


class NoiseSuppressor:
    """RNNoise on one 16 kHz int16 stream: `process` each chunk as it arrives, `finish` once at the end.

    The library resamples to its 48 kHz and back and holds a few milliseconds back; `finish` returns
    those, so the output is exactly as long as the input.
    """

    def __init__(self) -> None:
        self._rnnoise = _rnnoise_class()(sample_rate=16000)
        self._taken = 0
        self._given = 0

    def process(self, samples: np.ndarray) -> np.ndarray:
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        if len(samples) == 0:
            return samples
        self._taken += len(samples)
        return self._give([frame for _, frame in self._rnnoise.denoise_chunk(samples, partial=False)])

    def finish(self) -> np.ndarray:
        """What is still held back (the stream ends here; the suppressor is spent)."""
        if self._taken == 0:
            return np.zeros(0, dtype=np.int16)
        tail = self._rnnoise.denoise_chunk(np.zeros(_FLUSH, dtype=np.int16), partial=True)
        return self._give([frame for _, frame in tail])

    def _give(self, frames: list[np.ndarray]) -> np.ndarray:
        out = np.concatenate([f.reshape(-1) for f in frames]) if frames else np.zeros(0, dtype=np.int16)
        out = out[: max(0, self._taken - self._given)].astype(np.int16, copy=False)
        self._given += len(out)
        return out


def suppressor_factory(kind: str) -> Callable[[], NoiseSuppressor] | None:
    """What makes one utterance's suppressor for `[audio] noise_suppression = kind` (None: "off").

    Checked at load, so a missing library is one clear message before anyone speaks."""
    kind = (kind or "off").lower()
    if kind == "off":
        return None
    if kind not in SUPPRESSORS:
        raise ValueError(f"unknown noise suppressor {kind!r}; use one of: {', '.join(SUPPRESSORS)}")
    _rnnoise_class()
    return NoiseSuppressor


def suppress(samples: np.ndarray) -> np.ndarray:
    """A whole recording through one suppressor (tests, tools)."""
    suppressor = NoiseSuppressor()
    return np.concatenate([suppressor.process(samples), suppressor.finish()])


def _rnnoise_class() -> type:
    try:
        from pyrnnoise import RNNoise
    except ImportError as error:
        raise ModelError("noise suppression needs the pyrnnoise package (RNNoise), which is not installed",
                         'pip install pyrnnoise, or set noise_suppression = "off" under [audio] in the '
                         "config file") from error
    return RNNoise
