"""Turn any text (typed, transcribed or hostile) into plain lowercase word tokens.

Both sides of a fuzzy comparison go through here, so "Um, could you start our HUG timer?!"
and the template "start our hug timer" meet as the same words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, NamedTuple

MAX_CHARS = 400
"""Longer input is not a spoken command; it is cut here so matching stays fast."""

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_PLAIN = re.compile(r"[a-z ]{0,400}")
_NOT_WORD = re.compile(r"[^\w']+")
_DIGITS_WORD = re.compile(r"(?<=\d)(?=[^\W\d])|(?<=[^\W\d])(?=\d)")


def tokens(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """Lowercase word tokens: punctuation, symbols and control characters become spaces."""
    if not isinstance(text, str):
        return []
    if _PLAIN.fullmatch(text):  # the common case (templates, typed lowercase): no work to do
        return text.split()
    text = unicodedata.normalize("NFKC", text[: max_chars * 2])[:max_chars]
    text = text.translate(_APOSTROPHES).lower().replace("_", " ")
    text = _DIGITS_WORD.sub(" ", text)  # "90s" -> "90 s", "5min" -> "5 min"
    out = []
    for token in _NOT_WORD.sub(" ", text).split():
        token = token.strip("'")
        if token:
            out.append(token)
    return out


FILLERS = {
    "en": ("um", "umm", "uh", "uhh", "erm", "er", "hmm", "mm", "please", "could you", "can you",
           "would you", "will you"),
}
"""Hesitations and politeness that never carry meaning, per language, on top of the intents' skip words."""
SPOKEN_ENDINGS = {"en": ((re.compile(r"([a-z]*[aeiouy][a-z]*)in"), r"\1ing"),)}
"""Word endings as people say them and write what they say, against how the intents spell them, per language:
(whole-word pattern, replacement). "goin'", "doin'" are "going", "doing" (the apostrophe went with the
punctuation); "thin", "skin" are not (no vowel before the ending). Only ever read as a word the intents use."""
class Hedges(NamedTuple):
    """How people stress a length of time in one language (`DURATION_HEDGES`)."""

    articles: tuple[str, str]
    """The article, and the one said before `vowel_times` ("a minute", "an hour")."""
    words: frozenset[str]
    """What stresses a length: "a full minute", "a good two minutes"."""
    times: frozenset[str]
    """The words a length of time is said in."""
    vowel_times: frozenset[str]
    """Time words taking the second article."""


DURATION_HEDGES = {"en": Hedges(("a", "an"),
                                frozenset({"full", "whole", "good", "solid", "proper", "straight", "clear", "entire",
                                           "decent", "quick", "mere", "measly"}),
                                frozenset({"minute", "minutes", "second", "seconds", "hour", "hours", "half",
                                           "quarter", "couple", "few"}),
                                frozenset({"hour", "hours"}))}
"""How people stress a length of time, per language. "a full minute and a half", "an entire minute" are "a minute
and a half", "a minute"; "a good two minutes" is "two minutes". A hedge goes only between an article and a time
word, or a number with its time word: "a good one" is a rating."""
REFERENCES = {"en": frozenset({"that", "it", "this", "those", "these"})}
"""Words that point back at something said before, per language: free text of these alone says nothing of its
own ("I appreciate that, thanks" answers a person; "I appreciate you" is an appreciation)."""


class Phrases:
    """Replaces whole-word phrases by others wherever they occur, longest first, in one pass.

    Fillers ("um", "could you") are replaced by nothing; synonyms ("cuddle" -> "hug") by the word
    they mean, so everything after this step sees one word per meaning.
    """

    def __init__(self, mapping: dict[str, str]) -> None:
        self.table: dict[tuple[str, ...], tuple[str, ...]] = {}
        for phrase, replacement in mapping.items():
            key = tuple(tokens(phrase))
            if key:
                self.table[key] = tuple(tokens(replacement))
        self.longest = max((len(p) for p in self.table), default=0)
        self._starts = {p[0] for p in self.table}

    def apply(self, words: list[str]) -> list[str]:
        if self._starts.isdisjoint(words):
            return list(words)
        out: list[str] = []
        i = 0
        while i < len(words):
            if words[i] in self._starts:
                for size in range(min(self.longest, len(words) - i), 0, -1):
                    replacement = self.table.get(tuple(words[i:i + size]))
                    if replacement is not None:
                        out.extend(replacement)
                        i += size
                        break
                else:
                    out.append(words[i])
                    i += 1
            else:
                out.append(words[i])
                i += 1
        return out


class Fillers(Phrases):
    """Removes filler words and phrases ("um", "could you", "please") wherever they occur."""

    def __init__(self, phrases: Iterable[str]) -> None:
        super().__init__({p: "" for p in phrases})

    def strip(self, words: list[str]) -> list[str]:
        return self.apply(words)
