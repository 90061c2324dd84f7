"""Who a sentence is said to, and which of its clauses carries the request.

A kitchen speaker hears requests wrapped in chatter ("start a hug, while I wipe the counter",
"could we do the breathing instead, Tandem? we're in bed already") and chatter that is not for it at
all: talk to a child or a pet ("Who wants a hug? Come here, Lily!", "Stop it, Max, down!") and other
assistants' commands ("Okay Google, cancel the timer"). Two questions are answered here, from the
words and the punctuation alone, before any intent is chosen:

- `addressed_elsewhere`: the sentence names someone else as the one spoken to: another assistant's
  name at the start of a clause, or a vocative (a clause that is only a name: "..., Lily!",
  "Harold, ..."). A name is one of the intents folder's `addressees: others:` or, in typed text, a
  capitalised word that no intents file uses. The device's own names (`addressees: us:`) and
  endearments the files use ("honey", "mate") are not someone else.
- `clauses`: the sentence cut where chatter usually joins a request: sentence punctuation, commas,
  and joining words ("while", "before", "because"). The matcher scores every clause beside the
  whole sentence, so a clause that is a clear request wins over the talk around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from assistant.understand.language import base_language
from assistant.understand.normalize import tokens

CONNECTORS = {
    "en": ("while", "whilst", "before", "because", "cause", "'cause", "cos", "since", "as soon as", "so that",
           "and then", "but first", "after that", "then",
           # where a request begins after its reason, as a recognizer writes it without a comma ("my head is
           # pounding lets just breathe", "kids are down can we check in")
           "let's", "lets", "let us", "can we", "could we", "shall we", "how about", "why don't we"),
}
"""Words that join a request to the chatter around it, per language (the clause is cut before them)."""
CALLS = {"en": ("hey", "hi", "ok", "okay", "yo", "oi")}
"""Words that may come before a name said to get someone's attention ("hey Siri", "okay Google")."""
TOLD_OF = {"en": frozenset({"is", "are", "was", "were", "has", "have", "had", "said", "says", "will", "would", "won't",
                            "wants", "needs", "went", "got", "gets", "finally", "already",
                            "isn't", "aren't", "wasn't", "hasn't", "doesn't", "didn't", "might", "must", "should",
                            "loves", "likes", "thinks", "keeps", "seems"})}
"""Words after a name at the start of a clause that make it the subject, told of, not the one spoken to
(unless the one spoken to follows: "kids, are you ready", "max will you sit")."""
YOU = {"en": frozenset({"you", "ya", "yous", "y'all"})}

_BREAK = re.compile(r"[.!?;:\u2026]+|,|\s[-\u2013\u2014]+\s|\.\.\.")
_BREAK_KEPT = re.compile(r"([.!?;:\u2026]+|,|\s[-\u2013\u2014]+\s|\.\.\.)")
_NAME = re.compile(r"^[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?$")


@dataclass(frozen=True)
class Addressees:
    """The names a folder's device answers to, and the names of everyone else it may hear addressed."""

    us: frozenset[tuple[str, ...]]
    others: frozenset[tuple[str, ...]]
    language: str = "en"

    @classmethod
    def of(cls, us: Iterable[str], others: Iterable[str], language: str = "en") -> "Addressees":
        return cls(frozenset(tuple(tokens(p)) for p in us if tokens(p)),
                   frozenset(tuple(tokens(p)) for p in others if tokens(p)), base_language(language))

    def addressed_elsewhere(self, text: str, known: frozenset[str]) -> bool:
        """True when the sentence is said to someone or something other than this device.

        `known`: every word the intents files use (an unknown capitalised word alone in a clause is
        a name; a known one, "Yes," or "Mate,", is not).
        """
        pieces = _BREAK_KEPT.split(text)  # part, break, part, break, ...
        parts = [(pieces[k].strip(), pieces[k - 1].strip() if k else "") for k in range(0, len(pieces), 2)]
        parts = [(part, before) for part, before in parts if part]
        calls = CALLS.get(self.language, ())
        said_to_us = False
        elsewhere = False
        for i, (part, before) in enumerate(parts):
            words = tokens(part)
            if not words:
                continue
            start = words[1:] if words[0] in calls and len(words) > 1 else words
            if self._starts_with(start, self.us) or self._ends_with(words, self.us):
                said_to_us = True
            if self._starts_with(start, self.others) and not self._told_of(start):
                elsewhere = True  # "Alexa, ...", "hey google play ...", "Lily, come here"
            elif len(parts) > 1 and (tuple(words) in self.others or (before == "," and self._is_name(part, known))):
                # a clause that is only a name: "..., Max, down!" (after a full stop a capital is no name:
                # "Pause. Pager."; a first "Och," is none either)
                elsewhere = True
            elif i == len(parts) - 1 and len(parts) == 1 and self._ends_with(words, self.others):
                elsewhere = True  # "thanks for dinner mom" as a recognizer writes it
        return elsewhere and not said_to_us

    def _told_of(self, words: list[str]) -> bool:
        """A name that is the subject of its clause, not said to: "kids are finally in bed, ...", "Max has
        eaten" (said about someone, to the partner or the device), against "Max, down" or "lily come here"."""
        told_of = TOLD_OF.get(self.language, frozenset())
        for name in self.others:
            if tuple(words[:len(name)]) == name:
                rest = words[len(name):]
                return bool(rest) and rest[0] in told_of and not (len(rest) > 1 and rest[1] in YOU.get(self.language, ()))
        return False

    def _is_name(self, part: str, known: frozenset[str]) -> bool:
        """A clause of one or two capitalised words that no intents file uses ("Lily", "Mr Jones")."""
        raw = part.split()
        if not 1 <= len(raw) <= 2:
            return False
        return all(_NAME.match(w.strip("'\u2019\"")) and w.lower().strip("'\u2019\"") not in known
                   and w != "I" for w in raw)

    @staticmethod
    def _starts_with(words: list[str], names: frozenset[tuple[str, ...]]) -> bool:
        return any(tuple(words[:size]) in names for size in _sizes(names) if size <= len(words))

    @staticmethod
    def _ends_with(words: list[str], names: frozenset[tuple[str, ...]]) -> bool:
        return any(tuple(words[-size:]) in names for size in _sizes(names) if size <= len(words))


@lru_cache(maxsize=64)
def _sizes(names: frozenset[tuple[str, ...]]) -> tuple[int, ...]:
    """How many words the names run to: a sentence's first and last words are looked up once per length,
    not compared with every name (hundreds of them: this ran on every match)."""
    return tuple(sorted({len(n) for n in names}))


def clauses(text: str, language: str = "en") -> list[str]:
    """The parts of `text` between sentence punctuation, commas and joining words ("while", "before").

    A single part (nothing to cut) gives `[text]`. Parts keep their own words as typed.
    """
    parts = [p.strip() for p in _BREAK.split(text) if p and p.strip()]
    pattern = _connector_cut(base_language(language))
    if pattern is not None:
        parts = [q.strip() for p in parts for q in pattern.split(p) if q.strip()]
    return parts or [text]


@lru_cache(maxsize=16)
def _connector_cut(language: str) -> re.Pattern[str] | None:
    """Where a language's joining words cut a clause (built once: `clauses` runs on every match)."""
    connectors = sorted(CONNECTORS.get(language, ()), key=len, reverse=True)
    if not connectors:
        return None
    return re.compile(r"\s(?=(?:" + "|".join(re.escape(c) for c in connectors) + r")\b)", re.IGNORECASE)


def repeated_start(text: str, most: int = 3) -> tuple[str, int] | None:
    """A sentence that begins with a word or short phrase said twice or more ("pause pause he's climbing the
    bookshelf", "hang on hang on"), before more words: (that run as typed, words after it). Saying a command
    twice is how people make it urgent; what follows is its reason, not a request of its own."""
    typed = text.split()
    plain = [re.sub(r"[^\w']", "", w.lower()) for w in typed]
    for size in range(1, most + 1):
        if 2 * size >= len(plain) or not all(plain[:size]) or plain[:size] != plain[size:2 * size]:
            continue
        end = 2 * size
        while plain[end:end + size] == plain[:size]:
            end += size
        if end >= len(plain):
            return None
        return " ".join(typed[:end]), len(plain) - end
    return None


def unpunctuated(text: str) -> bool:
    """True for a line as a recognizer writes it: no sentence punctuation or commas to cut it at."""
    return _BREAK.search(text) is None


def halves(text: str, most: int) -> list[tuple[str, str]]:
    """Every way of cutting a sentence of at most `most` words in two, (before, after): a recognizer
    writes "three she interrupted" without the full stop that would show where the answer ends. A longer
    sentence gives none (conversation, and each cut is one more chance of a false start)."""
    words = text.split()
    if not 2 <= len(words) <= most:
        return []
    return [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
