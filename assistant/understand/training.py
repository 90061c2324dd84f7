"""What the intent classifier learns from: an intents folder's own data, nothing else.

- Every expanded template of an intent, and its `examples:` (how people really ask), as that
  intent. Each intent weighs the same, however many sentences its templates expand to.
- The same sentences with a word left out or an unfamiliar word added: people say a little less
  or a little more than any template.
- As "not for us": the folder's `not_requests:`, and every template sentence with the words that
  tell its intent apart replaced by unknown words ("start the hug timer" -> "start the <unk>
  timer"): sharing "start", "timer" and a number with a request does not make one.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Sequence

from assistant.understand.classifier import NONE, LinearModel, fit
from assistant.understand.features import UNKNOWN, features

TEMPLATE_MASS = 1.0
"""Total weight of one intent's template sentences."""
EXAMPLE_MASS = 1.5
"""Total weight of one intent's examples (when it has any): real phrasings teach more."""
NOISE_SHARE = 0.35
"""Weight of a sentence with a word dropped or an unknown word added, relative to the sentence."""
NOT_REQUEST_MASS = 0.25
"""Total weight of the `not_requests:` sentences, per intent in the folder."""
MASKED_MASS = 0.25
"""Total weight of the masked template sentences (as "not for us"), per intent in the folder."""
MASKED_PER_INTENT = 40
"""Template sentences per intent turned into masked "not for us" sentences."""
TELLING = 2
"""A word used by at most this many intents tells them apart (it is masked in the "not for us" copies)."""
TEMPLATES_PER_INTENT = 80
"""Most expanded templates learnt per intent: chosen to cover every word and word pair first."""
L2 = 3e-4
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

    by_intent: dict[str, list[list[str]]] = defaultdict(list)
    for name, words in corpus.templates:
        by_intent[name].append([UNKNOWN if w == "#*" else w for w in words])
    full = dict(by_intent)
    chatter = [words for words in corpus.not_requests if len(words) >= 2]
    by_intent = defaultdict(list, {name: _covering(group, TEMPLATES_PER_INTENT, rng) for name, group in full.items()})
    examples: dict[str, list[list[str]]] = defaultdict(list)
    for name, words in corpus.examples:
        examples[name].append(words)
    for name in intents:
        for group, mass in ((by_intent.get(name, []), TEMPLATE_MASS), (examples.get(name, []), EXAMPLE_MASS)):
            for words in group:
                weight = mass / len(group)
                add(words, name, weight)
                for noisy in _noisy(words, rng, chatter):
                    add(noisy, name, weight * NOISE_SHARE)

    users: dict[str, set[str]] = defaultdict(set)
    for name, words in [*((n, w) for n, group in full.items() for w in group), *corpus.examples]:
        for w in words:
            users[w].add(name)
    telling = {w for w, names in users.items() if len(names) <= TELLING and not w.startswith("#")}
    masked: list[list[str]] = []
    for name in intents:
        pool = by_intent.get(name, []) + examples.get(name, [])
        for words in rng.sample(pool, min(MASKED_PER_INTENT, len(pool))):
            copy = [w for w in words if w not in telling]
            if copy and copy != words:
                masked.append(copy)
    n = max(1, len(intents))
    for group, mass in ((list(corpus.not_requests), NOT_REQUEST_MASS), (masked, MASKED_MASS)):
        for words in group:
            add(words, NONE, mass * n / len(group))
    rows = [list(row) for row, _ in total]
    return fit(rows, [lab for _, lab in total], list(total.values()), classes, l2=L2, steps=STEPS)


def _noisy(words: list[str], rng: random.Random, chatter: list[list[str]]) -> list[list[str]]:
    """The sentence as people pad or trim it: a word left out or an unknown word put in, and a
    stretch of other talk before or after it ("start the walk, we've got our coats")."""
    plain = [i for i, w in enumerate(words) if not w.startswith("#")]
    if len(words) >= 3 and plain and rng.random() < 0.5:
        drop = rng.choice(plain)
        out = [words[:drop] + words[drop + 1:]]
    else:
        at = rng.randrange(len(words) + 1)
        out = [words[:at] + [UNKNOWN] + words[at:]]
    if chatter:
        other = rng.choice(chatter)
        start = rng.randrange(len(other))
        span = other[start:start + rng.randint(1, 4)]
        out.append(span + words if rng.random() < 0.3 else words + span)
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
    rest = [i for i in range(len(group)) if i not in set(chosen)]
    chosen += rng.sample(rest, max(0, min(len(rest), cap - len(chosen))))
    return [group[i] for i in sorted(chosen)]
