"""Turn any text (typed, transcribed or hostile) into plain lowercase word tokens.

Both sides of a fuzzy comparison go through here, so "Um, could you start our HUG timer?!"
and the template "start our hug timer" meet as the same words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

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


class Fillers:
    """Removes filler words and phrases ("um", "could you", "please") wherever they occur."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = sorted({tuple(tokens(p)) for p in phrases if tokens(p)}, key=len, reverse=True)
        self.longest = max((len(p) for p in self.phrases), default=0)
        self._set = set(self.phrases)
        self._starts = {p[0] for p in self.phrases}

    def strip(self, words: list[str]) -> list[str]:
        if self._starts.isdisjoint(words):
            return list(words)
        out: list[str] = []
        i = 0
        while i < len(words):
            if words[i] not in self._starts:
                out.append(words[i])
                i += 1
                continue
            for size in range(min(self.longest, len(words) - i), 0, -1):
                if tuple(words[i:i + size]) in self._set:
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out
