"""Text on its way to a speech engine: respelled where engines go wrong, cut into sentences.

Sentences are the unit of streaming (the first one plays while the rest render) and of pacing
(a pause of the pace's length between two). pysbd finds the boundaries, so "Dr. Who" or "3.5"
do not end a sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping


@lru_cache(maxsize=1)
def _segmenter():  # type: ignore[no-untyped-def]
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def sentences(text: str) -> list[str]:
    """The sentences of a line, whitespace tidied, none empty."""
    text = " ".join(text.split())
    if not text:
        return []
    return [s.strip() for s in _segmenter().segment(text) if s.strip()]


_CLAUSE = re.compile(r"[,;:](?=\s)")


def split_first_clause(sentence: str, min_words: int = 6) -> tuple[str, str] | None:
    """A long sentence cut after its first clause ("Hug time, a minute and a half." -> "Hug time," and
    "a minute and a half."), so the first sound comes after rendering a few words, not the whole
    sentence. None when the sentence is short or has no clause break with two words either side."""
    words = sentence.split()
    if len(words) <= min_words:
        return None
    for match in _CLAUSE.finditer(sentence):
        head, tail = sentence[: match.end()], sentence[match.end():].strip()
        if len(head.split()) >= 2 and len(tail.split()) >= 2:
            return head, tail
    return None


@lru_cache(maxsize=64)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])({alternatives})(?=['’]s\b|(?![\w'’-]))", re.IGNORECASE)


def respell(text: str, pronounce: Mapping[str, str]) -> str:
    """Replace whole words (any case) by how they are said: "Niamh, your turn" -> "Neeve, your turn",
    possessives too: "Leah's turn" -> "Leea's turn" (a name is said the same before its 's)."""
    if not pronounce or not text:
        return text
    lookup = {k.casefold(): v for k, v in pronounce.items()}
    return _pattern(tuple(pronounce)).sub(lambda m: lookup[m.group(1).casefold()], text)


def pronunciations(entries: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Config-style `"Niamh=Neeve"` entries as a mapping (malformed ones are the config's to reject)."""
    out: dict[str, str] = {}
    for entry in entries:
        word, sep, said = entry.partition("=")
        if sep and word.strip() and said.strip():
            out[word.strip()] = said.strip()
    return out
