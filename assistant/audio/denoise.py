"""Noise suppression before recognition: RNNoise cleans what pocketsphinx hears, chunk by chunk.

A kitchen's tap, fan and clatter sit under every command. RNNoise (xiph's recurrent-network
suppressor, weights compiled into the `pyrnnoise` wheel) removes most of it, 10 ms at a time, as
audio arrives. Chosen on the dev split only (Tandem's commands at 12 dB, every other phrasing: 198,
and 73 near misses, in one process per candidate; the barista tune half), fed to every engine:
- pocketsphinx gains most from RNNoise (55 -> 67 of 99 right on one half, 57 -> 59 on the other;
  barista tune half 78.8 -> 83.3 %), less from WebRTC's suppressor (`webrtc-noise-gain` level 2,
  what wyoming-satellite runs: 55 -> 58), nothing from speexdsp or spectral gating (`noisereduce`);
- Whisper loses on cleaned audio (RNNoise 70 -> 67, speexdsp 64, noisereduce 53; WebRTC 70 -> 70):
  its encoder was trained on unprocessed speech and hears the suppressor's artefacts.
So the suppressor sits in front of pocketsphinx only; Whisper (its decoding and the forced scoring
that arbitrates, recognize/combined.py) hears the raw audio. The combined engine: 152 -> 154 of 198
right, near misses acted on 6 -> 5 of 73 (the shipped streaming path on one half: 76 -> 76 of 99); barista tune half 97.0 -> 98.5 % at 12 dB, 100 % clean
both ways. On the test split, once, at 12 dB: pocketsphinx 49.3 -> 58.5 % right (near misses acted on
57.4 -> 43.2 %), combined 67.4 -> 68.2 % (9.7 -> 9.1 %). So it is opt-in (`[audio] noise_suppression =
"rnnoise"`, `pip install 'tandem[denoise]'`); `python -m bench commands --noise-suppression rnnoise` measures it.

Clean speech gains nothing from it and loses a little (dev: pocketsphinx 72 -> 65 of 99 clean commands), so an
utterance said in a quiet room (`in_quiet_room`: its loud frames stand far above its quiet ones) is decoded as it
is: pocketsphinx decodes at the end of the utterance and keeps both versions until then.

One `NoiseSuppressor` per utterance, in the recognizer session (the loop's thread, never the audio
callback): its noise estimate starts from the utterance's pre-roll, and it costs about 2.5-4 % of one
core while someone speaks (`bench commands` prints it) and nothing while the room is quiet.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant.errors import ModelError

SUPPRESSORS = ("off", "rnnoise")
DEFAULT = "off"
"""Opt-in: for the default (combined) engine the gain is within noise (test split, 12 dB: 67.4 -> 68.2 % right,
near misses acted on 9.7 -> 9.1 %), and in the recorded evenings of bench/first_week.py (18 dB) it turned
pocketsphinx's "start our hug" into "start our good". pocketsphinx alone gains clearly (49.3 -> 58.5 %)."""
_FLUSH = 160
"""Samples of silence pushed at the end so the library's resampler hands back the utterance's last frame."""
QUIET_ROOM_DB = 40.0
"""An utterance whose loud frames stand this far above its quiet ones was said in a quiet room: the decoder
hears it as it is. Measured (dev): clean commands 73-79 dB (digital silence), real clean barista recordings
47-69 dB, mixes at 24 dB 31-38 dB, at 12 dB 17-27 dB. Suppressing clean speech cost pocketsphinx 72 -> 65 of 99
dev commands (espeak-ng's voices most) and 61 -> 59 of 66 barista recordings; left raw, nothing is lost."""
FRAME = 320
"""20 ms at 16 kHz."""


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


def spread_db(samples: np.ndarray) -> float:
    """How far the loud 20 ms frames (95th percentile of energy) stand above the quiet ones (10th): about
    the utterance's signal-to-noise ratio, since an utterance has its pre-roll and pauses."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    n = len(x) // FRAME
    if n < 2:
        return 0.0
    energy = np.mean(x[: n * FRAME].reshape(n, FRAME) ** 2, axis=1) + 1.0
    return float(10 * np.log10(np.percentile(energy, 95) / np.percentile(energy, 10)))


def in_quiet_room(samples: np.ndarray) -> bool:
    """Was this utterance said in a quiet room (so the suppressor's output is not wanted)?"""
    return spread_db(samples) >= QUIET_ROOM_DB


def suppress(samples: np.ndarray) -> np.ndarray:
    """A whole recording through one suppressor (tests, tools)."""
    suppressor = NoiseSuppressor()
    return np.concatenate([suppressor.process(samples), suppressor.finish()])


def _rnnoise_class() -> type:
    try:
        from pyrnnoise import RNNoise
    except ImportError as error:
        raise ModelError("noise suppression needs the pyrnnoise package (RNNoise), which is not installed",
                         "pip install pyrnnoise (Tandem's denoise extra), or set noise_suppression = \"off\" under "
                         "[audio] in the config file") from error
    return RNNoise
