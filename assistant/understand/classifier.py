"""A small multinomial logistic regression over sparse binary features, in plain numpy.

Trained once per intents folder at load time (then cached on disk), it gives for a sentence a
probability per intent and for `NONE` ("not for us"), so one threshold means the same for every
intent. Light on purpose: scoring a sentence sums a few dozen weight rows (microseconds), and
`tandem understand` never imports anything heavier than numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

NONE = "<none>"
"""The class of everything that is not a request."""


@dataclass
class LinearModel:
    """Weights per (feature, class), a bias per class, and a temperature for calibration."""

    features: dict[str, int]
    classes: tuple[str, ...]
    weights: np.ndarray
    """float32, shape (features, classes)."""
    bias: np.ndarray
    temperature: float = 1.0
    dense: np.ndarray | None = None
    """float32, shape (dims, classes): weights of a dense sentence vector, when the model has one."""

    def logits(self, names: Sequence[str], vector: np.ndarray | None = None) -> np.ndarray:
        rows = [self.features[n] for n in names if n in self.features]
        out = self.bias.copy()
        if rows:
            out += self.weights[rows].sum(axis=0)
        if self.dense is not None and vector is not None:
            out += vector @ self.dense
        return out

    def probabilities(self, names: Sequence[str], mask: np.ndarray | None = None,
                      vector: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities (softmax of the logits over the temperature), only over `mask` when given."""
        z = self.logits(names, vector) / self.temperature
        if mask is not None:
            z = np.where(mask, z, -np.inf)
        z = z - z.max()
        e = np.exp(z)
        return e / e.sum()

    # -- storage (plain arrays, never pickle) -----------------------------------------------

    def to_arrays(self) -> dict[str, np.ndarray]:
        names = sorted(self.features, key=self.features.__getitem__)
        out = {"features": np.array(names, dtype=str), "classes": np.array(self.classes, dtype=str),
               "weights": self.weights, "bias": self.bias, "temperature": np.array([self.temperature])}
        if self.dense is not None:
            out["dense"] = self.dense
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "LinearModel":
        names = [str(n) for n in arrays["features"]]
        dense = arrays.get("dense")
        return cls({n: i for i, n in enumerate(names)}, tuple(str(c) for c in arrays["classes"]),
                   np.asarray(arrays["weights"], dtype=np.float32), np.asarray(arrays["bias"], dtype=np.float32),
                   float(arrays["temperature"][0]),
                   None if dense is None else np.asarray(dense, dtype=np.float32))


def fit(rows: Sequence[Sequence[str]], labels: Sequence[int], weights: Sequence[float], classes: Sequence[str],
        l2: float = 1e-3, steps: int = 300, rate: float = 0.1, min_count: float = 0.0,
        vectors: np.ndarray | None = None, dense_l2: float | None = None) -> LinearModel:
    """Train by full-batch Adam on the weighted cross-entropy plus `l2` times the squared weights.

    `rows` are lists of feature names, `labels` class indices, `weights` how much each row counts,
    `vectors` (optional, one dense row per row) a sentence vector per row, its weights regularised by
    `dense_l2` (default `l2`). Features whose rows weigh less than `min_count` in total are left out.
    """
    mass: dict[str, float] = {}
    for row, w in zip(rows, weights):
        for name in row:
            mass[name] = mass.get(name, 0.0) + w
    names = sorted(n for n, m in mass.items() if m > min_count)
    index = {n: i for i, n in enumerate(names)}
    row_of, col_of = [], []
    for r, row in enumerate(rows):
        for name in set(row):
            if name in index:
                row_of.append(r)
                col_of.append(index[name])
    row_idx = np.array(row_of, dtype=np.int64)
    col_idx = np.array(col_of, dtype=np.int64)
    n, k, f = len(rows), len(classes), len(names)
    y = np.zeros((n, k), dtype=np.float64)
    y[np.arange(n), np.asarray(labels)] = 1.0
    sw = np.asarray(weights, dtype=np.float64)
    sw = sw / sw.sum()
    w = np.zeros((k, f), dtype=np.float64)  # class-major: each class's weights are one contiguous row
    b = np.zeros(k, dtype=np.float64)
    x = None if vectors is None else np.asarray(vectors, dtype=np.float64)
    d = np.zeros((0 if x is None else x.shape[1], k), dtype=np.float64)
    dl2 = l2 if dense_l2 is None else dense_l2
    params = [w, b, d]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for step in range(1, steps + 1):
        # sparse products by bincount (the fastest plain-numpy scatter-add): z = X W, gw = X^T G
        z = np.stack([np.bincount(row_idx, weights=w[c, col_idx], minlength=n) for c in range(k)], axis=1) + b
        if x is not None:
            z += x @ d
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) * sw[:, None]
        gt = np.ascontiguousarray(g.T)
        gw = np.stack([np.bincount(col_idx, weights=gt[c, row_idx], minlength=f) for c in range(k)]) + 2 * l2 * w
        grads = [gw, g.sum(axis=0), (x.T @ g + 2 * dl2 * d) if x is not None else d]
        lr = rate * (1 - step / (steps + 1)) ** 0.5  # a gently falling step settles the last digits
        for i, (param, grad) in enumerate(zip(params, grads)):
            m[i] = beta1 * m[i] + (1 - beta1) * grad
            v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
            m_hat = m[i] / (1 - beta1 ** step)
            v_hat = v[i] / (1 - beta2 ** step)
            param -= lr * m_hat / (np.sqrt(v_hat) + eps)
    return LinearModel(index, tuple(classes), np.ascontiguousarray(w.T).astype(np.float32), b.astype(np.float32),
                       dense=None if x is None else d.astype(np.float32))
