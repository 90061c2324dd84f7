"""Read a line of text the way every later step needs it: one word per meaning, slot values tagged.

Typed text and recognizer output meet here: punctuation and case go, digits become number words
("90" -> "ninety"), synonyms become the word they mean ("cuddle" -> "hug", "secs" -> "seconds",
from the intents' `synonyms:`), fillers go ("um", "could you", the intents' skip words), a word
misspelt or misheard by a letter becomes the known word it is closest to, a first word the
recognizer cut short ("tart a hug") becomes the known word it ends, and slot values are tagged by
the lexicon, found approximately when a recognizer bent them ("ice mocha" for "iced mocha").
Templates go through the same steps (without the guessing), so both sides speak alike.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
from rapidfuzz import fuzz, process

from assistant.understand.lexicon import NUMBER_TAG, Lexicon, Reading
from assistant.understand.normalize import Fillers, Hedges, Phrases, tokens
from assistant.understand.numbers import NumberWords

SPELLING = 85.0
"""An unknown word this close (rapidfuzz ratio, 0..100) to a known word is read as that word."""
SPELLING_MIN_LETTERS = 4
"""Shorter unknown words are never respelt: too many short words are one letter apart."""
CUT_LETTERS = 2
"""A cut-off first word may have lost at most this many letters ("tart" for "start")."""
CUT_MIN_LETTERS = 3
"""...and kept at least this many ("ah" is not what is left of "yeah")."""
CUT_GUESSES = 3
"""Most readings of a cut-off first word tried."""


@dataclass(frozen=True)
class Said:
    """One line as the matcher sees it."""

    spoken: list[str]
    """Tokens with digits as words: what hassil's exact matcher is given."""
    words: list[str]
    """`spoken` with synonyms and guessed words replaced and fillers dropped."""
    tagged: list[str]
    """`words` with each slot value replaced by its list's tag ("#n" for a number)."""
    readings: list[Reading | None]
    """For each tagged token, the value read there (None for a plain word)."""


class Reader:
    """Turns text into `Said`, for one intents folder."""

    def __init__(self, numbers: NumberWords, lexicon: Lexicon, synonyms: dict[str, str],
                 fillers: Iterable[str], is_word: Callable[[str], bool] | None = None,
                 endings: Iterable[tuple[re.Pattern[str], str]] = (),
                 hedges: Hedges | None = None) -> None:
        self.numbers = numbers
        self.hedges = hedges
        """How a length of time is stressed: "a full minute" is "a minute" (`normalize.DURATION_HEDGES`)."""
        self.endings = tuple(endings)
        """(pattern, replacement) of word endings as said: "goin" is the known "going", though a word of its own."""
        self.is_word = is_word
        """Whether an unknown word is a real word of the language ("movie"): then it is never respelt
        into a known word ("move"): it was said, it is just not a word the intents use."""
        self.lexicon = lexicon
        self.synonyms = Phrases(synonyms)
        self.fillers = Fillers(fillers)
        self.known: frozenset[str] = frozenset()
        self._known_list: list[str] = []
        self._spellable: frozenset[str] = frozenset()
        self._first_words: Counter[str] = Counter()
        self._memo: dict[str, str | None] = {}

    def to_arrays(self) -> dict[str, np.ndarray]:
        """What `learn` found, as arrays to keep in the on-disk cache beside the classifier."""
        firsts = sorted(self._first_words)
        return {"reader_known": np.array(sorted(self.known), dtype=str),
                "reader_first": np.array(firsts, dtype=str),
                "reader_first_n": np.array([self._first_words[w] for w in firsts], dtype=np.int64)}

    def from_arrays(self, arrays: dict[str, np.ndarray]) -> None:
        self._set(frozenset(str(w) for w in arrays["reader_known"]),
                  Counter({str(w): int(n) for w, n in zip(arrays["reader_first"], arrays["reader_first_n"])}))

    def learn(self, sentences: Iterable[list[str]]) -> None:
        """The words of every template, example and not-request (already read): the known words."""
        sentences = list(sentences)
        known: set[str] = set()
        first: Counter[str] = Counter()
        for words in sentences:
            known.update(w for w in words if not w.startswith("#"))
            if words and not words[0].startswith("#"):
                first[words[0]] += 1
        for phrase, meant in self.synonyms.table.items():  # "eah" is what is left of "yeah" too
            first[phrase[0]] += first.get(meant[0], 0) if meant else 0
        opening_numbers = sum(1 for words in sentences if words and words[0] == NUMBER_TAG)
        for phrase in self.numbers.by_phrase:  # "ive stars", "hree": a number said first, cut short
            if len(phrase) == 1 and opening_numbers:
                first[phrase[0]] += opening_numbers
        for phrase in [*self.lexicon.phrase_tag, *self.numbers.by_phrase]:
            known.update(phrase)
        self._set(frozenset(known), first)

    def _set(self, known: frozenset[str], first: Counter[str]) -> None:
        self.known = known
        # respelling happens before synonyms and fillers: their words are known too ("eah" -> "yeah")
        spellable = known | {w for p in [*self.synonyms.table, *self.fillers.table] for w in p}
        # ...but never into a number: "flour" is not "four" (a recognizer writes a number it heard as one)
        numbers = {w for phrase in self.numbers.by_phrase for w in phrase}
        self._known_list = sorted(spellable - numbers)
        self._spellable = frozenset(spellable)
        self._first_words = first
        self._memo.clear()

    @property
    def vocabulary(self) -> frozenset[str]:
        """Every word the intents files use, with their synonyms and fillers ("yeah", "um")."""
        return self._spellable

    def spoken(self, text: str) -> list[str]:
        """Tokens, with digits spoken as the intents' number words."""
        # one token per spoken word: "45" is "forty five", two words for the lexicon to read as one number
        return [s for w in tokens(text) for s in (self.numbers.spoken(int(w)).split() if w.isdigit() and len(w) < 7
                                                     else (w,))]

    def plain(self, words: list[str], strip: bool = True) -> list[str]:
        """Synonyms replaced and (when `strip`) fillers dropped; the words themselves if nothing is left."""
        meant = self._unhedged(self.synonyms.apply(words))
        if not strip:
            return meant
        return self.fillers.strip(meant) or meant

    def _unhedged(self, words: list[str]) -> list[str]:
        """A length of time without the word that stresses it: "a whole minute" -> "a minute", "a good two
        minutes" -> "two minutes" (the article went with the hedge: a number needs none)."""
        hedges = self.hedges
        if hedges is None or hedges.words.isdisjoint(words):
            return words
        out: list[str] = []
        for i, word in enumerate(words):
            if word in hedges.words and out and out[-1] in hedges.articles and i + 1 < len(words):
                after = words[i + 1]
                if after in hedges.times:  # "an entire minute": the article the time word takes
                    out[-1] = hedges.articles[after in hedges.vowel_times]
                    continue
                number = self.numbers.read(words, i + 1)
                if number is not None and i + 1 + number[1] < len(words) and words[i + 1 + number[1]] in hedges.times:
                    out.pop()
                    continue
            out.append(word)
        return out

    def read(self, text: str, guess: bool = True) -> Said:
        """`text` read for matching; `guess` also respells unknown words and finds bent slot values."""
        return self.readings(text, guess)[0]

    def readings(self, text: str, guess: bool = True) -> list[Said]:
        """Ways to read `text`: one, or one per guess at an unknown first word ("ive": five, give)."""
        spoken = self.spoken(text)
        if not (guess and self.known):
            words = self.plain(spoken)
            return [Said(spoken, words, *self.lexicon.tag(words))]
        respelt = self._respell(spoken)
        firsts = self._first_guesses(spoken[0]) if spoken and respelt[0] == spoken[0] else []
        out = []
        for first in firsts or [respelt[0] if respelt else None]:
            words = self.plain([first, *respelt[1:]] if first is not None else respelt)
            out.append(Said(spoken, words, *self.lexicon.tag(words, self.known)))
        return out

    def tag_template(self, segment: str, strip: bool) -> list[str]:
        """A template's literal text, read like a query but without guessing."""
        return self.lexicon.tag(self.plain(tokens(segment), strip))[0]

    def _respell(self, words: list[str]) -> list[str]:
        """Unknown words as the known words they are closest to (the first word is left to `_first_guesses`)."""
        out = list(words)
        for i, word in enumerate(words):
            if i == 0 or not self._unknown(word):
                continue
            near = self._nearest(word)
            if near is not None:
                out[i] = near
        return out

    def _unknown(self, word: str) -> bool:
        return word not in self._spellable and word not in self.lexicon.starts and word.isalpha()

    def _first_guesses(self, word: str) -> list[str]:
        """What an unknown first word may have been: the known first words it is the end of ("tart":
        start), then the known word it is closest to. The matcher keeps the likeliest reading."""
        if not self._unknown(word):
            return []
        guesses = self._cut_off(word)[:CUT_GUESSES]
        near = self._nearest(word)
        if near is not None and near not in guesses:
            guesses.append(near)
        return guesses

    def _nearest(self, word: str) -> str | None:
        if word not in self._memo:
            near = next((w for said, spelt in self.endings
                         if said.fullmatch(word) and (w := said.sub(spelt, word)) in self._spellable), None)
            if near is None and len(word) >= SPELLING_MIN_LETTERS and not (self.is_word is not None
                                                                           and self.is_word(word)):
                found = process.extractOne(word, self._known_list, scorer=fuzz.ratio, score_cutoff=SPELLING)
                near = found[0] if found else None
            if len(self._memo) > 10_000:
                self._memo.clear()
            self._memo[word] = near
        return self._memo[word]

    def _cut_off(self, word: str) -> list[str]:
        """The known first words that `word` is the end of ("tart" -> "start"), most usual first."""
        if len(word) < CUT_MIN_LETTERS:
            return []
        fits = [(n, w) for w, n in self._first_words.items()
                if w.endswith(word) and 0 < len(w) - len(word) <= CUT_LETTERS]
        return [w for _, w in sorted(fits, reverse=True)]
