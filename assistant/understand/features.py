"""The features a sentence gives the intent classifier: word stems and neighbouring word pairs.

Content words matter more than their order, so single stems carry most of the weight; neighbouring
pairs keep the little order that matters ("stop the" against "the stop"). A word no intents file
uses becomes `UNKNOWN`, so the classifier learns how much an unfamiliar word counts against a
request instead of treating every new word as a new feature.
"""

from __future__ import annotations

from typing import Callable

UNKNOWN = "<unk>"
FREE = "<free>"
"""Stands for the free text of a wildcard template ("i appreciate <free>"): not an unknown word, which
would make the intent a sink for every unfamiliar sentence."""


def english_stem(word: str) -> str:
    """A light suffix stripper: "hugging", "hugged", "hugs" -> "hug"; "breathe", "breaths" -> "breath"."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "hugg" -> "hug", but "call", "pass" keep theirs
    return word


def stemmer(language: str) -> Callable[[str], str]:
    """The stemmer for a language (no stemming where none is known)."""
    return english_stem if language.lower().split("-")[0].split("_")[0] == "en" else (lambda w: w)


def features(tagged: list[str], known: frozenset[str], stem: Callable[[str], str]) -> list[str]:
    """Feature names of one tagged sentence (tags such as "#n" stand for slot values)."""
    toks = [t if t.startswith("#") or t == FREE else (stem(t) if t in known else UNKNOWN) for t in tagged]
    out = {f"w:{t}" for t in toks}
    padded = ["^", *toks, "$"]
    out.update(f"b:{a} {b}" for a, b in zip(padded, padded[1:]))
    return sorted(out)
