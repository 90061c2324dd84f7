"""The "hey tandem" wake model: a small network over openWakeWord's shared speech embeddings.

openWakeWord's melspectrogram and embedding models (inside `pyopen-wakeword`) turn the stream into
one 96-feature embedding every 80 ms; this head scores the last 16 of them (1.28 s): did "hey tandem"
just end? It is cheap (about 5 % of one core) and runs over the whole stream, a first stage tuned for
recall; the recognizer's words check what it flags (assistant/wake/fused.py). Trained on synthetic
voices only by `tools/train_wake.py`; the weights ship as `data/hey_tandem.npz` beside a sha256 that
is checked on load. Only numpy runs here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import ModelError
from assistant.messages import SAMPLE_RATE

PHRASE = "hey tandem"
"""The one wake phrase with a trained model."""
MODEL_PATH = Path(__file__).parent / "data" / "hey_tandem.npz"
WINDOW = 16
"""Embeddings per decision (80 ms apart)."""
FEATURES = 96
STEP = 1280
"""Samples per embedding (80 ms)."""
_KEYS = ("mean", "std", "w1", "b1", "w2", "b2")
RETRAIN = "reinstall Tandem (pip install --force-reinstall tandem), or retrain: python tools/train_wake.py"


def has_model(phrase: str) -> bool:
    """Whether the wake phrase is the one the shipped model was trained for."""
    return " ".join(phrase.lower().replace(",", " ").split()) == PHRASE


def _digest_path(path: Path) -> Path:
    return path.with_suffix(".sha256")


def save_model(path: Path, weights: dict[str, np.ndarray], meta: dict) -> str:
    """Write the weights (npz) and their sha256 beside them; return the digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        np.savez(f, meta=np.array(json.dumps(meta, sort_keys=True)), **weights)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    _digest_path(path).write_text(f"{digest}  {path.name}\n")
    return digest


@dataclass(frozen=True)
class WakeModel:
    """The classifier head: standardise, one ReLU layer, a logistic output."""

    mean: np.ndarray
    std: np.ndarray
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: float
    meta: dict
    path: Path

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "WakeModel":
        """Load and check the weights; a missing, altered or unreadable file is a `ModelError` naming it."""
        if not path.is_file():
            raise ModelError(f"the \"hey tandem\" wake model {path} is missing", RETRAIN)
        digest_file = _digest_path(path)
        expected = digest_file.read_text().split()[0] if digest_file.is_file() else ""
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        if actual != expected:
            raise ModelError(f"the \"hey tandem\" wake model {path} is corrupt (its sha256 is not the one in "
                             f"{digest_file.name})", RETRAIN)
        try:
            with np.load(path, allow_pickle=False) as data:
                w = {k: np.asarray(data[k], dtype=np.float32) for k in _KEYS}
                meta = json.loads(str(data["meta"]))
        except (OSError, KeyError, ValueError) as error:
            raise ModelError(f"the \"hey tandem\" wake model {path} cannot be read ({error})", RETRAIN) from error
        if w["w1"].shape[0] != WINDOW * FEATURES or w["w2"].shape[0] != w["w1"].shape[1]:
            raise ModelError(f"the \"hey tandem\" wake model {path} has the wrong shape {w['w1'].shape}", RETRAIN)
        return cls(w["mean"], w["std"], w["w1"], w["b1"], w["w2"], float(w["b2"]), meta, path)

    def score(self, windows: np.ndarray) -> np.ndarray:
        """Probabilities for windows of shape (n, WINDOW * FEATURES) or (n, WINDOW, FEATURES)."""
        x = (np.asarray(windows, dtype=np.float32).reshape(len(windows), -1) - self.mean) / self.std
        hidden = np.maximum(x @ self.w1 + self.b1, 0.0)
        return 1.0 / (1.0 + np.exp(-(hidden @ self.w2 + self.b2)))


class EmbeddingStream:
    """openWakeWord's shared front end: int16 audio in, one 96-feature embedding per 80 ms out."""

    def __init__(self) -> None:
        from assistant.wake.models import openwakeword_dir

        folder = openwakeword_dir()
        if folder is None or not (folder / "embedding_model.tflite").is_file():
            raise ModelError("openWakeWord's embedding model is not installed", "pip install pyopen-wakeword")
        from pyopen_wakeword import OpenWakeWordFeatures

        self._features = OpenWakeWordFeatures.from_builtin(folder)
        self._primed = False

    def feed(self, samples: np.ndarray) -> list[np.ndarray]:
        out = [e.reshape(-1) for e in self._features.process_streaming(
            np.asarray(samples, dtype=np.int16).reshape(-1).tobytes())]
        if not self._primed and out:  # the front end first fills 8 s of silence: keep what fills one window
            out, self._primed = out[-WINDOW:], True
        return out

    def reset(self) -> None:
        self._features.reset()
        self._primed = False

    def close(self) -> None:
        self._features.close()


class WakeScorer:
    """Streams audio through the front end and the head: `feed` returns (time, probability) per 80 ms."""

    def __init__(self, model: WakeModel | None = None) -> None:
        self.model = model or WakeModel.load()
        self.stream = EmbeddingStream()
        self._recent = np.zeros((WINDOW, FEATURES), dtype=np.float32)
        self._t = 0.0
        self.cpu_seconds = 0.0

    def feed(self, samples: np.ndarray, t: float | None = None) -> list[tuple[float, float]]:
        """Scores for the embeddings completed by int16 `samples` starting at input time `t`."""
        import time

        begun = time.process_time()
        if t is not None and abs(t - self._t) > 0.05:
            self.stream.reset()
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        end = (self._t if t is None else t) + len(samples) / SAMPLE_RATE
        embeddings = self.stream.feed(samples)
        out: list[tuple[float, float]] = []
        if embeddings:
            stacked = np.concatenate([self._recent, np.stack(embeddings)])
            windows = np.lib.stride_tricks.sliding_window_view(stacked, WINDOW, axis=0)[1:]  # (n, FEATURES, WINDOW)
            scores = self.model.score(np.swapaxes(windows, 1, 2))
            self._recent = stacked[-WINDOW:]
            n = len(embeddings)
            out = [(end - (n - 1 - i) * STEP / SAMPLE_RATE, float(s)) for i, s in enumerate(scores)]
        self._t = end
        self.cpu_seconds += time.process_time() - begun
        return out

    def skip_to(self, t: float) -> None:
        """Carry on from input time `t` after a stretch deliberately not fed (no restart of the front end:
        its buffer holds older audio until the new fills it, as `WakeGate`'s pre-roll does)."""
        self._t = t

    def close(self) -> None:
        self.stream.close()
