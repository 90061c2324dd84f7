"""The features a sentence gives the intent classifier: word stems and neighbouring word pairs.

Content words matter more than their order, so single stems carry most of the weight; neighbouring
pairs keep the little order that matters ("stop the" against "the stop"). A word no intents file
uses becomes `UNKNOWN`, so the classifier learns how much an unfamiliar word counts against a
request instead of treating every new word as a new feature.
"""

from __future__ import annotations

from typing import Callable

from assistant.understand.language import base_language

UNKNOWN = "<unk>"
FREE = "<free>"
"""Stands for the free text of a wildcard template ("i appreciate <free>"): not an unknown word, which
would make the intent a sink for every unfamiliar sentence."""


def english_stem(word: str) -> str:
    """A light suffix stripper: "hugging", "hugs" -> "hug"; "breathe", "breaths" -> "breath".

    The past tense keeps its ending ("hugged", "walked"): said of a ritual it tells what was done, never asks
    for it ("we hugged earlier"), so it must not carry the verb's weight for the request. Measured in the
    report of the commit that made it so."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix in ("ing", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # "hugg" -> "hug", but "call", "pass" keep theirs
    return word


NEGATION_SCOPE = 6
"""Most words after a negation that it covers ("i'm not in the mood for a walk")."""
_ENGLISH_NEGATION = (
    frozenset({"not", "don't", "dont", "never", "doesn't", "isn't", "aren't", "won't", "wouldn't", "didn't",
               "can't", "cannot", "without", "nothing", "nor", "neither"}),
    # a negated auxiliary before its subject asks or suggests ("why don't we hug", "can't we walk"), and the
    # scope ends where a new clause begins ("not the walk, let's hug"; the reader has dropped the commas)
    frozenset({"we", "i", "you", "us", "let's", "lets", "but", "instead", "rather", "and", "so", "then", "just",
               "actually", "yes", "yeah", "please"}),
)
NEGATION: dict[Callable[[str], str], tuple[frozenset[str], frozenset[str]]] = {}
"""For a language's stemmer: (words that negate what follows, words that end a negation's scope)."""


def stemmer(language: str) -> Callable[[str], str]:
    """The stemmer for a language (no stemming where none is known)."""
    return english_stem if base_language(language) == "en" else _same


def _same(word: str) -> str:
    return word


NEGATION[english_stem] = _ENGLISH_NEGATION


def english_past(word: str) -> bool:
    """A regular past tense or participle ("cuddled", "walked", "hugged"; not "need", "speed", "bed")."""
    return len(word) >= 5 and word.endswith("ed") and not word.endswith("eed") and word.isalpha()


def _never(word: str) -> bool:
    return False


def past_tense(language: str) -> Callable[[str], bool]:
    """Whether a word is in the past tense, for a language (never where no rule is known): such a word is
    a real word, never a slip to respell into the verb it comes from ("we cuddled earlier" is not "cuddle")."""
    return english_past if base_language(language) == "en" else _never


def features(tagged: list[str], known: frozenset[str], stem: Callable[[str], str]) -> list[str]:
    """Feature names of one tagged sentence (tags such as "#n" stand for slot values)."""
    toks = [t if t.startswith("#") or t == FREE else (stem(t) if t in known else UNKNOWN) for t in tagged]
    out = {f"w:{t}" for t in toks}
    padded = ["^", *toks, "$"]
    out.update(f"b:{a} {b}" for a, b in zip(padded, padded[1:]))
    out.update(f"n:{t}" for t in negated(tagged, toks, stem))
    return sorted(out)


def negated(words: list[str], toks: list[str], stem: Callable[[str], str]) -> list[str]:
    """The features of the words a negation covers, marked apart: "not in the mood for a walk" says walk
    but asks for none (the classic negation scope of text classification). The plain features stay."""
    negators, stops = NEGATION.get(stem, (frozenset(), frozenset()))
    out: list[str] = []
    for i, word in enumerate(words):
        if word not in negators or (i + 1 < len(words) and words[i + 1] in stops):
            continue
        for j in range(i + 1, min(len(words), i + 1 + NEGATION_SCOPE)):
            if words[j] in stops or words[j] in negators:
                break
            out.append(toks[j])
    return out
