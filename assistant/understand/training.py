"""What the intent classifier learns from: an intents folder's own data, nothing else.

- Every expanded template of an intent, and its `examples:` (how people really ask), as that
  intent. Each intent weighs the same, however many sentences its templates expand to.
- The folder's `not_requests:` (talk near the device that is not for it) as "not for us"; a
  folder with few of its own gets generic unknown talk instead (runs of words no file uses, among
  the folder's commonest words), so that it too has a "not for us" to fall back on.

Measured on the tuning corpus, padding the sentences with dropped or unknown words and masking
the telling words of templates into extra "not for us" sentences both did worse than this plain
data: what teaches the classifier is real-sounding sentences on both sides, so those live in data.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Sequence

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


@dataclass(frozen=True)
class Corpus:
    """Tagged sentences (lists of words and slot tags) to learn from."""

    templates: Sequence[tuple[str, list[str]]]
    """(intent, tagged words) of every expanded template."""
    examples: Sequence[tuple[str, list[str]]]
    """(intent, tagged words) of every example."""
    not_requests: Sequence[list[str]]


def train(corpus: Corpus, intents: Sequence[str], known: frozenset[str], stem: Callable[[str], str],
          seed: int = 0) -> LinearModel:
    """A `LinearModel` over `intents` plus `NONE`, trained on `corpus`."""
    rng = random.Random(seed)
    classes = [*intents, NONE]
    label = {name: i for i, name in enumerate(classes)}
    total: dict[tuple[tuple[str, ...], int], float] = defaultdict(float)  # identical rows add up

    def add(words: list[str], name: str, weight: float) -> None:
        total[tuple(features(words, known, stem)), label[name]] += weight

    templates: dict[str, list[list[str]]] = defaultdict(list)
    for name, words in corpus.templates:
        templates[name].append([FREE if w == "#*" else w for w in words])
    examples: dict[str, list[list[str]]] = defaultdict(list)
    for name, words in corpus.examples:
        examples[name].append(words)
    for name in intents:
        chosen = _covering(templates.get(name, []), TEMPLATES_PER_INTENT, rng)
        for group, mass in ((chosen, TEMPLATE_MASS), (examples.get(name, []), EXAMPLE_MASS)):
            for words in group:
                add(words, name, mass / len(group))
    for words in corpus.not_requests:
        add(words, NONE, NOT_REQUEST_MASS * max(1, len(intents)) / len(corpus.not_requests))
    if len(corpus.not_requests) < OWN_NOT_REQUESTS:  # measured: with a folder's own, generic talk only hurts
        for words in _unknown_talk([*templates.values(), *examples.values()], rng):
            add(words, NONE, UNKNOWN_TALK_MASS * max(1, len(intents)) / UNKNOWN_TALK)
    rows = [list(row) for row, _ in total]
    return fit(rows, [lab for _, lab in total], list(total.values()), classes, l2=L2, steps=STEPS)


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
