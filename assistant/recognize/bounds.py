"""Forced scoring only where a score can matter: upper bounds from the texts already scored.

Whisper's forced score of a text is a sum of per-token log-probabilities, each at most 0, so the sum over
its first tokens bounds the whole from above. Scoring one text yields Whisper's whole distribution over the
next token at every step, and the readings of one utterance share beginnings (all of them the empty one:
every text's first token is judged by the same first step). So a text that agrees with a scored one on its
first k tokens is bounded by that one's first k log-probabilities plus the log-probability of its own next
token at that step. The combined engine keeps only readings within a margin of the best total (likelihood
plus the matcher's bonus), so a candidate whose bound plus bonus is already more than its margin below the
best total scored can be neither the winner nor an alternative: it is left unscored. Scoring goes in batches,
the most promising first, until no unscored candidate could matter; the winner and every alternative are
scored exactly as before, so the transcript is the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

StepWatcher = Callable[[int, int, np.ndarray], None]
"""`on_step(i, k, logprobs)`: the distribution Whisper gave the k-th token of the i-th text scored."""

SLACK = 1e-3
"""Nats of numerical leeway: a bound read off another text's batch may differ from the text's own score in
the last float digits."""


class PrefixBounds:
    """An upper bound on each text's forced score, tightened by every step of every text scored."""

    def __init__(self, tokens: Sequence[Sequence[int]], eot: int) -> None:
        self.tokens = [list(t) for t in tokens]
        self.eot = eot
        self.upper = [0.0] * len(self.tokens)

    def watch(self, batch: Sequence[int]) -> StepWatcher:
        """The step watcher for scoring the texts numbered `batch` (in that order)."""
        sums = [0.0] * len(batch)

        def on_step(i: int, k: int, logprobs: np.ndarray) -> None:
            scored = self.tokens[batch[i]]
            head = scored[:k]
            for c, tokens in enumerate(self.tokens):
                if len(tokens) >= k and tokens[:k] == head and c != batch[i]:
                    after = tokens[k] if k < len(tokens) else self.eot
                    self.upper[c] = min(self.upper[c], sums[i] + float(logprobs[after]))
            sums[i] += float(logprobs[scored[k] if k < len(scored) else self.eot])

        return on_step


def bounded_scores(score: Callable[[list[str], StepWatcher], list[float]], texts: Sequence[str],
                   tokens: Sequence[Sequence[int]], eot: int, bonuses: Sequence[float], margins: Sequence[float],
                   known: dict[str, float], first: int, batch: int) -> list[float | None]:
    """Each text's forced score, or None where it cannot come within its margin of the best total.

    `score(texts, on_step)` scores exactly the texts given; `known` holds scores already computed for this
    utterance (they count toward the best total but bound nothing). The first batch is the first `first`
    texts in the given order (the engines' own readings, best first); later ones, of `batch` texts, go by
    bound plus bonus, highest first."""
    n = len(texts)
    out: list[float | None] = [known.get(t) for t in texts]
    bounds = PrefixBounds(tokens, eot)
    pending = [i for i in range(n) if out[i] is None]
    started = False
    while pending:
        best = max((v + bonuses[i] for i, v in enumerate(out) if v is not None and v > -math.inf), default=-math.inf)
        pending = [i for i in pending if bounds.upper[i] + bonuses[i] >= best - margins[i] - SLACK]
        if not pending:
            break
        if started:
            pending.sort(key=lambda i: bounds.upper[i] + bonuses[i], reverse=True)
        size = max(1, batch if started else first)
        chunk, pending = pending[:size], pending[size:]
        for i, value in zip(chunk, score([texts[i] for i in chunk], bounds.watch(chunk))):
            out[i] = value
        started = True
    return out
