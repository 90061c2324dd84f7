"""Weighted bag-of-words scores of a query against every skeleton, in one matrix product.

A word's weight says how much it tells intents apart (rarer across intents = heavier), so
"start the dishwasher" shares only light words with "start the hug" and scores low, while
"uh stop stop" keeps every heavy word of "stop" and scores high. Words never seen in any
template count as extra weight against a match: unknown nouns usually mean other talk.
"""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np

UNKNOWN_SHARE = 0.9
"""A word no template uses weighs this share of a word that only one intent uses, when said beyond a template."""
EXTRA_FACTOR = 0.5
"""How much words said beyond a skeleton count against it, relative to words it misses."""
SAME_INTENT = 0.0
"""Extra words that another template of the same intent uses count this much as extra ("yeah sure")."""
FLOOR = 0.1
"""Least weight of a word, even one every intent uses."""


def word_weight(n_intents: int, n_using: int) -> float:
    """Inverse intent frequency: a word used by one intent tells much, one used by all tells little."""
    return math.log((n_intents + 1) / n_using) + FLOOR


class WordIndex:
    """Skeleton words as a weighted matrix; `scores(words)` rates all skeletons at once (0..1)."""

    def __init__(self, skeletons: Sequence[Sequence[str]], intents: Sequence[str]) -> None:
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for col, words in enumerate(skeletons):
            for word in set(words):
                rows.append(vocab.setdefault(word, len(vocab)))
                cols.append(col)
        row_index, col_index = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
        names = {name: k for k, name in enumerate(sorted(set(intents)))}
        self.intent_of = np.array([names[i] for i in intents], dtype=np.int64)
        uses = np.zeros((len(vocab), len(names)), dtype=bool)  # which intents use which word
        uses[row_index, self.intent_of[col_index]] = True
        n_intents = max(1, len(names))
        self.vocab = vocab
        self.words = list(vocab)
        self.weights = (np.log((n_intents + 1) / np.maximum(uses.sum(axis=1), 1)) + FLOOR).astype(np.float32)
        # One row per word (not per skeleton): a query touches only the rows of its few words.
        self.by_word = np.zeros((len(vocab), len(skeletons)), dtype=np.float32)
        self.by_word[row_index, col_index] = self.weights[row_index]
        self.totals = self.by_word.sum(axis=0)
        self.by_word_intent = uses * self.weights[:, None]
        self.unknown_weight = UNKNOWN_SHARE * word_weight(n_intents, 1)

    def known(self, word: str) -> str | None:
        """`word` when a template uses it, else None (misspellings are mended earlier, by the reader)."""
        return word if word in self.vocab else None

    def scores(self, words: Iterable[str]) -> np.ndarray:
        """For each skeleton: matched weight / (its weight + EXTRA_FACTOR * weight said beyond it).

        Words said beyond a skeleton that its own intent uses elsewhere count only `SAME_INTENT`.
        """
        rows: set[int] = set()
        unknown = 0.0
        for word in set(words):
            known = self.known(word)
            if known is None:
                unknown += self.unknown_weight
            else:
                rows.add(self.vocab[known])
        picked = sorted(rows)
        if not picked:
            return np.zeros_like(self.totals)
        matched = self.by_word[picked].sum(axis=0)
        in_intent = self.by_word_intent[picked].sum(axis=0)[self.intent_of]
        said = float(self.weights[picked].sum()) + unknown
        extra = (said - in_intent) + SAME_INTENT * (in_intent - matched)
        denominator = self.totals + EXTRA_FACTOR * extra
        return np.divide(matched, denominator, out=np.zeros_like(matched), where=denominator > 0)
