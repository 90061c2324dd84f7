"""Expand hassil templates into word sequences with the slot references kept as markers.

The matcher compares what was said against these *skeletons* (slot values left out), so a
template with a number range costs one skeleton, not hundreds. Expansion is bounded: a template
with more variants than `cap` is covered (every alternative appears at least once) and then
sampled with a fixed seed instead of enumerated, which keeps start-up fast.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Iterator, Mapping, Union

from hassil.expression import (
    Alternative,
    Expression,
    Group,
    ListReference,
    Permutation,
    RuleReference,
    Sentence,
    Sequence,
    TextChunk,
)


@dataclass(frozen=True)
class SlotRef:
    """A `{list:slot}` reference inside an expanded template."""

    slot: str
    list_name: str


Segment = Union[str, SlotRef]
Variant = tuple[Segment, ...]

_MAX_RULE_DEPTH = 24


class Expander:
    """Expands one template's expression with a given set of expansion rules."""

    def __init__(self, rules: Mapping[str, Sentence]) -> None:
        self.rules = rules
        self._memo: dict[tuple[str, int], list[Variant]] = {}

    def count(self, expr: Expression, depth: int = 0) -> int:
        """How many variants a full expansion would give (saturating, never huge work)."""
        if depth > _MAX_RULE_DEPTH:
            return 1
        if isinstance(expr, TextChunk) or isinstance(expr, ListReference):
            return 1
        if isinstance(expr, RuleReference):
            rule = self.rules.get(expr.rule_name)
            return 1 if rule is None else self.count(rule.expression, depth + 1)
        if isinstance(expr, Alternative):
            return min(10**9, sum(self.count(i, depth) for i in expr.items))
        if isinstance(expr, Permutation):
            total = 1
            for i in expr.items:
                total = min(10**9, total * self.count(i, depth))
            return min(10**9, total * _factorial(len(expr.items)))
        if isinstance(expr, Group):
            total = 1
            for i in expr.items:
                total = min(10**9, total * self.count(i, depth))
            return total
        return 1

    def all(self, expr: Expression, depth: int = 0) -> Iterator[Variant]:
        """Every variant, in template order."""
        if depth > _MAX_RULE_DEPTH:
            return
        if isinstance(expr, TextChunk):
            yield (expr.text,) if expr.text else ()
        elif isinstance(expr, ListReference):
            yield (SlotRef(expr.slot_name, expr.list_name),)
        elif isinstance(expr, RuleReference):
            rule = self.rules.get(expr.rule_name)
            if rule is not None:
                yield from self.all(rule.expression, depth + 1)
        elif isinstance(expr, Alternative):
            for item in expr.items:
                yield from self.all(item, depth)
        elif isinstance(expr, Permutation):
            parts = [list(self.all(i, depth)) for i in expr.items]
            for order in itertools.permutations(parts):
                for combo in itertools.product(*order):
                    yield _join(combo, spaced=True)
        elif isinstance(expr, Group):
            parts = [list(self.all(i, depth)) for i in expr.items]
            for combo in itertools.product(*parts):
                yield _join(combo)

    def bounded(self, expr: Expression, cap: int, seed: int = 0) -> list[Variant]:
        """All variants when there are at most `cap`, else up to `cap` that still use every word.

        Each part of a sequence is expanded once (rules once per expander); a sequence too big to
        enumerate takes its parts in lock-step (so every alternative appears at least once) and then
        random combinations, with optional parts left out half the time, as people speak briefly.
        """
        if self.count(expr) <= cap:
            return _dedupe(self.all(expr), cap)
        return _dedupe(iter(self.cover(expr, cap, random.Random(seed))), cap)

    def cover(self, expr: Expression, cap: int, rng: random.Random, depth: int = 0) -> list[Variant]:
        """Up to about `cap` variants of `expr` in which every alternative appears."""
        if depth > _MAX_RULE_DEPTH:
            return [()]
        if isinstance(expr, TextChunk):
            return [(expr.text,) if expr.text else ()]
        if isinstance(expr, ListReference):
            return [(SlotRef(expr.slot_name, expr.list_name),)]
        if isinstance(expr, RuleReference):
            key = (expr.rule_name, cap)
            if key not in self._memo:
                rule = self.rules.get(expr.rule_name)
                self._memo[key] = [()] if rule is None else self.cover(rule.expression, cap, rng, depth + 1)
            return self._memo[key]
        if isinstance(expr, Alternative):
            out: list[Variant] = []
            for item in expr.items:
                out.extend(self.cover(item, cap, rng, depth))
            return _dedupe(iter(out), max(cap, len(expr.items)))
        if isinstance(expr, Group):
            parts = [self.cover(item, cap, rng, depth) for item in expr.items]
            spaced = isinstance(expr, Permutation)
            total = 1
            for part in parts:
                total *= len(part)
            if total <= cap:
                return [_join(combo, spaced) for combo in itertools.product(*parts)]
            longest = max(len(p) for p in parts)
            out = [_join([p[i % len(p)] for p in parts], spaced) for i in range(longest)]
            shortest = [min(range(len(p)), key=lambda k: len(p[k])) for p in parts]
            for _ in range(max(0, cap - longest)):
                pick = [p[shortest[j]] if rng.random() < 0.4 else p[rng.randrange(len(p))]
                        for j, p in enumerate(parts)]
                out.append(_join(pick, spaced))
            return out
        return [()]


def _factorial(n: int) -> int:
    out = 1
    for k in range(2, n + 1):
        out *= k
    return out


def _join(parts: "Sequence | list | tuple", spaced: bool = False) -> Variant:
    """Concatenate variants, merging adjacent literal text (hassil keeps the spaces in chunks)."""
    out: list[Segment] = []
    for part in parts:
        for seg in part:
            if isinstance(seg, str) and out and isinstance(out[-1], str):
                out[-1] = out[-1] + (" " if spaced else "") + seg
            else:
                if spaced and isinstance(seg, str):
                    seg = " " + seg
                out.append(seg)
    return tuple(out)


def _dedupe(variants: "Iterator[Variant] | Iterator", cap: int) -> list[Variant]:
    seen: set[tuple] = set()
    out: list[Variant] = []
    for v in variants:
        key = tuple(" ".join(s.split()) if isinstance(s, str) else s for s in v)
        key = tuple(s for s in key if s != "")
        if key in seen:
            continue
        seen.add(key)
        out.append(key)
        if len(out) >= cap:
            break
    return out
