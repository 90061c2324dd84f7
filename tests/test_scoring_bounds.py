"""Forced scoring skips only readings that could not be the winner or an alternative (recognize/bounds.py)."""

from __future__ import annotations

import math
import random

import numpy as np

from assistant.recognize.bounds import PrefixBounds, bounded_scores

VOCAB, EOT = 12, 11


def model(seed: int):
    """A stand-in for Whisper's decoder: a fixed next-token distribution for every prefix."""
    cache: dict[tuple[int, ...], np.ndarray] = {}

    def logprobs(prefix: tuple[int, ...]) -> np.ndarray:
        if prefix not in cache:
            rng = np.random.default_rng(abs(hash((seed, prefix))) % 2**32)
            logits = rng.normal(0.0, 3.0, VOCAB)
            cache[prefix] = logits - np.log(np.exp(logits).sum())
        return cache[prefix]

    return logprobs


def scorer(logprobs, tokens: dict[str, list[int]], calls: list[list[str]]):
    def score(texts, on_step=None):
        calls.append(list(texts))
        out = []
        for i, text in enumerate(texts):
            total = 0.0
            wanted = [*tokens[text], EOT]
            for k, tok in enumerate(wanted):
                step = logprobs(tuple(wanted[:k]))
                if on_step is not None:
                    on_step(i, k, step)
                total += float(step[tok])
            out.append(total)
        return out

    return score


def test_a_bound_read_off_a_scored_reading_is_never_below_the_true_score():
    logprobs = model(1)
    tokens = {"a": [1, 2, 3], "b": [1, 2, 4, 5], "c": [1, 6], "d": [7], "e": [1, 2]}
    names = list(tokens)
    bounds = PrefixBounds([tokens[n] for n in names], EOT)
    truth = scorer(logprobs, tokens, [])(names)
    scorer(logprobs, tokens, [])(["a"], bounds.watch([0]))
    for name, upper, exact in zip(names, bounds.upper, truth):
        assert upper >= exact - 1e-9, name
    assert math.isclose(bounds.upper[names.index("e")], truth[names.index("e")])  # "e" is "a" cut short: exact


def test_readings_left_unscored_could_not_be_kept_and_the_rest_score_exactly():
    rng = random.Random(3)
    for seed in range(40):
        logprobs = model(seed)
        tokens = {}
        while len(tokens) < 9:
            words = [rng.randrange(0, 5) for _ in range(rng.randrange(1, 5))]
            tokens.setdefault(" ".join(map(str, words)), words)
        texts = list(tokens)
        bonuses = [rng.choice([0.0, 0.0, 1.5, 3.0]) for _ in texts]
        margins = [rng.choice([6.0, 2.0]) for _ in texts]
        calls: list[list[str]] = []
        found = bounded_scores(scorer(logprobs, tokens, calls), texts, [tokens[t] for t in texts], EOT, bonuses,
                               margins, {}, first=2, batch=2)
        exact = scorer(logprobs, tokens, [])(texts)
        best = max(e + b for e, b in zip(exact, bonuses))
        for text, got, true, bonus, margin in zip(texts, found, exact, bonuses, margins):
            if got is None:  # left out: neither the winner nor within its margin of it
                assert true + bonus < best - margin
            else:
                assert got == true
        assert sum(len(c) for c in calls) == sum(v is not None for v in found)
        assert calls[0] == texts[:2]  # the engines' own first readings go first


def test_scores_already_known_are_not_scored_again():
    logprobs = model(7)
    tokens = {"a": [1], "b": [2], "c": [3]}
    calls: list[list[str]] = []
    found = bounded_scores(scorer(logprobs, tokens, calls), list(tokens), list(tokens.values()), EOT,
                           [0.0, 0.0, 0.0], [6.0, 6.0, 6.0], {"a": -1.0}, first=4, batch=4)
    assert found[0] == -1.0
    assert all("a" not in c for c in calls)
