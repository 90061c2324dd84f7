"""A small trigram language model of the intents' own sentences, for pocketsphinx's n-gram search.

pocketsphinx's grammar (FSG) search gives every arc its own word models, so a grammar as broad as
Tandem's templates is slow and prunes the right path away; its n-gram search shares word prefixes
in a lexical tree and stays far faster than real time. A trigram model trained on the expanded
sample sentences keeps decoding inside what Tandem understands (the matcher has the last word),
while tolerating a word dropped or added by the person.
"""

from __future__ import annotations

import math
import random
import zlib
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable

DISCOUNT = 0.5
"""Absolute discount taken from every seen n-gram and given to the lower order (interpolated)."""


def arpa(sentences: Iterable[str | tuple[str, float]], order: int = 3) -> str:
    """ARPA text of an interpolated absolute-discount n-gram model of `sentences` (words split on
    spaces), each optionally with a weight (a fractional count)."""
    counts: list[Counter] = [Counter() for _ in range(order + 1)]
    for item in sentences:
        sentence, weight = (item, 1.0) if isinstance(item, str) else item
        words = ["<s>", *sentence.split(), "</s>"]
        for n in range(1, order + 1):
            for i in range(len(words) - n + 1):
                gram = tuple(words[i : i + n])
                if gram == ("<s>",) and n == 1:
                    continue
                counts[n][gram] += weight
    counts[1][("<s>",)] = 0
    vocab = sorted(w for (w,) in counts[1])
    total = sum(counts[1].values()) or 1
    floor = 1.0 / (len(vocab) + 1)
    probs: list[dict[tuple, float]] = [{} for _ in range(order + 1)]
    backoffs: list[dict[tuple, float]] = [{} for _ in range(order + 1)]
    for (w,), c in counts[1].items():
        probs[1][(w,)] = 0.9 * c / total + 0.1 * floor if w != "<s>" else 0.0
    for n in range(2, order + 1):
        context_total: dict[tuple, float] = defaultdict(float)
        followers: dict[tuple, float] = defaultdict(float)
        for gram, c in counts[n].items():
            context_total[gram[:-1]] += c
            followers[gram[:-1]] += min(c, 1.0)  # a fractional count gives up a fraction of a discount
        for gram, c in counts[n].items():
            h = gram[:-1]
            alpha = DISCOUNT * followers[h] / context_total[h]
            probs[n][gram] = (c - DISCOUNT * min(c, 1.0)) / context_total[h] + alpha * _lower(probs, gram[1:])
        for h, total_h in context_total.items():  # unseen words get what the discount freed
            backoffs[n - 1][h] = DISCOUNT * followers[h] / total_h
    probs[1].pop(("<s>",), None)
    lines = ["\\data\\"]
    lines += [f"ngram {n}={len(probs[n]) + (1 if n == 1 else 0)}" for n in range(1, order + 1)]
    for n in range(1, order + 1):
        lines += ["", f"\\{n}-grams:"]
        if n == 1:
            lines.append(f"-99.0000 <s> {_log(backoffs[1].get(('<s>',), 1.0)):.4f}")
        for gram, p in sorted(probs[n].items()):
            if gram == ("<s>",):
                continue
            text = f"{_log(p):.4f} {' '.join(gram)}"
            if n < order:
                text += f" {_log(backoffs[n].get(gram, 1.0)):.4f}"
            lines.append(text)
    lines += ["", "\\end\\", ""]
    return "\n".join(lines)


def _lower(probs: list[dict[tuple, float]], gram: tuple) -> float:
    """p(gram) from the model below, backing off to unigrams."""
    n = len(gram)
    if n == 0:
        return 0.0
    if gram in probs[n]:
        return probs[n][gram]
    return _lower(probs, gram[1:]) if n > 1 else 1e-6


def _log(p: float) -> float:
    return math.log10(p) if p > 0 else -99.0


def lm_sentences(intent_set: object, intents: Collection[str] | None = None,
                 fills: int | None = None) -> list[tuple[str, float]]:
    """Weighted training sentences: every template path the intent set expands to, filled `fills`
    times (default: as many times as its longest slot list has values, cycling every list in a
    shuffled order) so every value is seen, each fill weighing 1/fills so every path counts once.
    Shuffles and starting points are seeded by the list's name and the path's own text, not drawn in
    sequence: adding a sentence to one intent then leaves every other path's fills alone."""
    from hassil.intents import WildcardSlotList

    from assistant.understand.expand import SlotRef

    out: list[tuple[str, float]] = []
    orders: dict[int, list] = {}
    for tpl, variant in getattr(intent_set, "skeletons"):
        if intents is not None and tpl.intent not in intents:
            continue
        refs = [seg for seg in variant if isinstance(seg, SlotRef)]
        if any(isinstance(tpl.lists.get(r.list_name), WildcardSlotList) for r in refs):
            continue  # free text: no words to learn
        values = {}
        for ref in refs:
            slot_list = tpl.lists[ref.list_name]
            if id(slot_list) not in orders:
                texts = [text for text, _ in intent_set.list_values(slot_list)]
                _seeded(ref.list_name).shuffle(texts)
                orders[id(slot_list)] = texts
            values[ref] = orders[id(slot_list)]
        n = fills or max((len(v) for v in values.values()), default=1)
        start = _seeded(tpl.intent, *map(str, variant)).randrange(1000)
        n = n if values else 1
        for k in range(n):
            words = [values[s][(start + k) % len(values[s])] if isinstance(s, SlotRef) else str(s)
                     for s in variant]
            out.append((" ".join(" ".join(words).split()), 1.0 / n))
    return out


def _seeded(*parts: str) -> random.Random:
    """A random stream that depends only on `parts`, not on what was drawn before it."""
    return random.Random(zlib.crc32("\x1f".join(parts).encode()))
