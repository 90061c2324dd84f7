"""What the intent classifier learns from: an intents folder's own data, nothing else.

- Every expanded template of an intent, and its `examples:` (how people really ask), as that
  intent. Each intent weighs the same, however many sentences its templates expand to.
- The folder's `not_requests:` (talk near the device that is not for it) as "not for us"; a
  folder with few of its own gets generic unknown talk instead (runs of words no file uses, among
  the folder's commonest words), so that it too has a "not for us" to fall back on.

Measured on the tuning corpus, padding the sentences with dropped or unknown words and masking
the telling words of templates into extra "not for us" sentences both did worse than this plain
data: what teaches the classifier is real-sounding sentences on both sides, so those live in data.
What did help is learning the rare words of those sentences a second time as the unknown word (`RARE`):
on the held-out folds (`tools/fold_check.py`) requests right 75.2 -> 76.0 %, not-requests taken 7.7 -> 6.6 %.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from assistant.understand.classifier import NONE, LinearModel, fit
from assistant.understand.features import FREE, UNKNOWN, features

TEMPLATE_MASS = 0.5
"""Total weight of one intent's template sentences."""
EXAMPLE_MASS = 1.5
"""Total weight of one intent's examples (when it has any): real phrasings teach more."""
NOT_REQUEST_MASS = 2.0
"""Total weight of the `not_requests:` sentences, per intent in the folder."""
TEMPLATES_PER_INTENT = 80
"""Most expanded templates learnt per intent: chosen to cover every word and word pair first."""
UNKNOWN_TALK_MASS = 0.3
"""Total weight of the generated unknown talk, per intent in the folder."""
UNKNOWN_TALK = 60
"""How many unknown-talk sentences are generated."""
OWN_NOT_REQUESTS = 50
"""A folder with at least this many not-requests of its own gets no generated unknown talk."""
L2 = 1e-4
STEPS = 200
DENSE_SCALE = 2.0
"""Length of the (unit) sentence vector fed to the classifier: how loud the dense features speak."""
DENSE_L2 = 1e-4
"""Regularisation of the dense weights."""
RARE = 1
"""A word in at most this many of the learnt sentences is rare: a copy of each sentence that has one is also
learnt with its rare words as `UNKNOWN`, so the unknown-word features get weights (how much a word no file
uses counts for an intent or against a request) instead of adding nothing (word masking, as singleton words
are replaced by an unknown token when training parsers and taggers)."""
MASKED_SHARE = 0.5
"""Share of such a sentence's weight given to its masked copy."""
FOLDS = 4
"""Held-out folds of the folder's own examples and not-requests that the calibration is fitted on."""


@dataclass(frozen=True)
class Corpus:
    """Tagged sentences (lists of words and slot tags) to learn from."""

    templates: Sequence[tuple[str, list[str]]]
    """(intent, tagged words) of every expanded template."""
    examples: Sequence[tuple[str, list[str]]]
    """(intent, tagged words) of every example."""
    not_requests: Sequence[list[str]]
    example_groups: Sequence[int] = ()
    """For each example, the entry it came from (folds keep an entry's sentences together)."""
    not_request_groups: Sequence[int] = ()


@dataclass(frozen=True)
class Calibration:
    """How the classifier's raw scores are turned into probabilities that mean the same for every intent."""

    temperature: float
    """Divides every logit: above 1 when the model is over-confident on sentences it never saw."""
    none_shift: float
    """Added to the "not for us" logit (after the temperature): how far the trained model leans to or from it."""
    held_out: int
    """Sentences the two were fitted on."""


def calibrated(corpus: Corpus, intents: Sequence[str], known: frozenset[str], stem: Callable[[str], str],
               embed: Callable[[list[str]], np.ndarray] | None = None, folds: int = FOLDS
               ) -> tuple[LinearModel, Calibration | None]:
    """`train` on everything, its probabilities calibrated on held-out folds of the folder's own data.

    A temperature and a shift of the "not for us" score are fitted by likelihood to the scores of
    `held_out` sentences: the corpus is never used.
    """
    model = train(corpus, intents, known, stem, embed=embed)
    scored = held_out(corpus, intents, known, stem, embed, folds)
    if scored is None:
        return model, None
    logits, labels = scored
    fit_ = fit_calibration(logits, labels, len(intents))
    model.temperature = fit_.temperature
    model.bias[len(intents)] += fit_.none_shift * fit_.temperature
    return model, fit_


def held_out(corpus: Corpus, intents: Sequence[str], known: frozenset[str], stem: Callable[[str], str],
             embed: Callable[[list[str]], np.ndarray] | None = None, folds: int = FOLDS
             ) -> tuple[np.ndarray, np.ndarray] | None:
    """Raw logits and labels (index into intents + `NONE`) of the examples and not-requests, each scored by
    a model trained without it: how the classifier does on sentences it never saw (None: too little data).

    Each fold leaves out a share of the examples and not-requests (whole entries, so the variants of
    one entry never sit on both sides), trains on the rest and the templates, and scores what it left
    out as unseen sentences, with their unseen words as unknown. What calibration is fitted on, and what
    `tools/fold_check.py` reports to compare training settings without touching any test corpus.
    """
    groups = sorted({*corpus.example_groups} | {-1 - g for g in corpus.not_request_groups})
    if folds < 2 or len(corpus.example_groups) != len(corpus.examples) or len(groups) < 2 * folds:
        return None
    order = random.Random(1).sample(groups, len(groups))
    fold_of = {g: i % folds for i, g in enumerate(order)}
    classes = [*intents, NONE]
    label = {name: i for i, name in enumerate(classes)}
    logits: list[np.ndarray] = []
    labels: list[int] = []
    example_words = {w for _, words in corpus.examples for w in words} | {w for ws in corpus.not_requests for w in ws}
    for k in range(folds):
        keep_ex = [i for i, g in enumerate(corpus.example_groups) if fold_of[g] != k]
        keep_nr = [i for i, g in enumerate(corpus.not_request_groups) if fold_of[-1 - g] != k]
        part = Corpus(corpus.templates, [corpus.examples[i] for i in keep_ex],
                      [corpus.not_requests[i] for i in keep_nr])
        seen = {w for i in keep_ex for w in corpus.examples[i][1]} | {w for i in keep_nr for w in corpus.not_requests[i]}
        fold_known = frozenset((known - example_words) | (seen & known))
        fold_model = train(part, intents, fold_known, stem, embed=embed)
        held = [(label[n], ws) for i, (n, ws) in enumerate(corpus.examples) if fold_of[corpus.example_groups[i]] == k]
        held += [(label[NONE], ws) for i, ws in enumerate(corpus.not_requests)
                 if fold_of[-1 - corpus.not_request_groups[i]] == k]
        for y, words in held:
            vector = DENSE_SCALE * embed(dense_words(words)) if embed is not None else None
            logits.append(fold_model.logits(features(words, fold_known, stem), vector))
            labels.append(y)
    return np.array(logits), np.array(labels)


def fit_calibration(logits: np.ndarray, labels: np.ndarray, none: int) -> Calibration:
    """The temperature and "not for us" shift of least held-out log loss (a grid: two numbers, no solver).

    Intents weigh the same among themselves, and all "not for us" sentences as much as all requests:
    the question calibrated is first of all "is this for us at all?".
    """
    counts = np.bincount(labels, minlength=logits.shape[1]).astype(float)
    weight = 1.0 / np.maximum(counts[labels], 1.0)
    intents = max(1, int((counts[np.arange(len(counts)) != none] > 0).sum()))
    weight[labels == none] *= intents
    best = (np.inf, 1.0, 0.0)
    for t in np.arange(0.5, 4.01, 0.1):
        for shift in np.arange(-4.0, 4.01, 0.25):
            z = logits / t
            z[:, none] += shift
            z -= z.max(axis=1, keepdims=True)
            logp = z[np.arange(len(labels)), labels] - np.log(np.exp(z).sum(axis=1))
            loss = -float((weight * logp).sum() / weight.sum())
            if loss < best[0]:
                best = (loss, float(t), float(shift))
    return Calibration(round(best[1], 2), round(best[2], 2), int(len(labels)))


def train(corpus: Corpus, intents: Sequence[str], known: frozenset[str], stem: Callable[[str], str],
          seed: int = 0, embed: Callable[[list[str]], np.ndarray] | None = None) -> LinearModel:
    """A `LinearModel` over `intents` plus `NONE`, trained on `corpus`; with `embed` (tagged words ->
    a dense sentence vector, `dense_words`) the model also learns weights for that vector."""
    rng = random.Random(seed)
    classes = [*intents, NONE]
    label = {name: i for i, name in enumerate(classes)}
    # identical rows add up (with a dense vector, rows are identical only when their words are)
    total: dict[tuple[tuple[str, ...], int, tuple[str, ...]], float] = defaultdict(float)

    def add(words: list[str], name: str, weight: float) -> None:
        plain = tuple(dense_words(words)) if embed is not None else ()
        if rare and any(w in rare for w in words):  # the dense vector keeps the word: so does a query's
            total[tuple(features(words, known - rare, stem)), label[name], plain] += MASKED_SHARE * weight
            weight *= 1.0 - MASKED_SHARE
        total[tuple(features(words, known, stem)), label[name], plain] += weight

    templates: dict[str, list[list[str]]] = defaultdict(list)
    for name, words in corpus.templates:
        templates[name].append([FREE if w == "#*" else w for w in words])
    examples: dict[str, list[list[str]]] = defaultdict(list)
    for name, words in corpus.examples:
        examples[name].append(words)
    chosen = {name: _covering(templates.get(name, []), TEMPLATES_PER_INTENT, rng) for name in intents}
    rare = _rare([*(ws for group in chosen.values() for ws in group), *(ws for _, ws in corpus.examples),
                  *corpus.not_requests], known)
    for name in intents:
        for group, mass in ((chosen[name], TEMPLATE_MASS), (examples.get(name, []), EXAMPLE_MASS)):
            for words in group:
                add(words, name, mass / len(group))
    for words in corpus.not_requests:
        add(words, NONE, NOT_REQUEST_MASS * max(1, len(intents)) / len(corpus.not_requests))
    if len(corpus.not_requests) < OWN_NOT_REQUESTS:  # measured: with a folder's own, generic talk only hurts
        for words in _unknown_talk([*templates.values(), *examples.values()], rng):
            add(words, NONE, UNKNOWN_TALK_MASS * max(1, len(intents)) / UNKNOWN_TALK)
    keys = list(total)
    vectors = np.stack([DENSE_SCALE * embed(list(plain)) for _, _, plain in keys]) if embed is not None else None
    return fit([list(row) for row, _, _ in keys], [lab for _, lab, _ in keys], [total[k] for k in keys], classes,
               l2=L2, steps=STEPS, vectors=vectors, dense_l2=DENSE_L2)


def dense_words(tagged: Sequence[str]) -> list[str]:
    """The words of a tagged sentence that its dense vector is made of: slot tags and free text left out
    (a number's value says nothing about the intent; its unit does)."""
    return [w for w in tagged if not w.startswith("#") and w != FREE and w != UNKNOWN]


def _rare(sentences: Sequence[Sequence[str]], known: frozenset[str]) -> frozenset[str]:
    """The known words in at most `RARE` of the sentences (slot tags and free text never)."""
    count: dict[str, int] = defaultdict(int)
    for words in sentences:
        for word in set(words):
            count[word] += 1
    return frozenset(w for w, n in count.items() if n <= RARE and w in known and not w.startswith("#") and w != FREE)


def _unknown_talk(groups: list[list[list[str]]], rng: random.Random) -> list[list[str]]:
    """Sentences of words no intents file uses, here and there one of the words most intents share."""
    users: dict[str, int] = defaultdict(int)
    for group in groups:
        for word in {w for words in group for w in words if not w.startswith("#")}:
            users[word] += 1
    common = sorted(w for w, n in users.items() if n >= max(2, len(groups) // 3))
    out = []
    for _ in range(UNKNOWN_TALK):
        size = rng.randint(1, 8)
        out.append([rng.choice(common) if common and rng.random() < 0.35 else UNKNOWN for _ in range(size)])
    return out


def _covering(group: list[list[str]], cap: int, rng: random.Random) -> list[list[str]]:
    """Up to `cap` sentences of `group`: first those that bring new words and word pairs, then at random."""
    if len(group) <= cap:
        return group
    seen: set[tuple[str, ...]] = set()
    chosen: list[int] = []
    for i in sorted(range(len(group)), key=lambda i: len(group[i])):
        grams = {(w,) for w in group[i]} | set(zip(group[i], group[i][1:]))
        if not grams <= seen:
            seen |= grams
            chosen.append(i)
    taken = set(chosen)
    rest = [i for i in range(len(group)) if i not in taken]
    chosen += rng.sample(rest, max(0, min(len(rest), cap - len(chosen))))
    return [group[i] for i in sorted(chosen)]
