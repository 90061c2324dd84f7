"""Spot slot values (numbers, list words) in a word sequence and replace them with tags.

A skeleton "add {seconds} more" and the input "add ninety more" both become "add #n more",
so fuzzy matching compares the words around a value, and the value itself is read from
what was said. Lists sharing a phrase share a tag, so tagging never has to guess between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from hassil.intents import RangeSlotList, SlotList, TextSlotList, WildcardSlotList
from rapidfuzz import fuzz, process

from assistant.understand.expand import Expander
from assistant.understand.normalize import tokens
from assistant.understand.numbers import NumberWords, halved_value, half_after, scale_after, slot_value

NUMBER_TAG = "#n"
WILDCARD_TAG = "#*"
APPROXIMATE = 84.0
"""Least rapidfuzz ratio (0..100) between words said and a list value for the value to be read
("ice mocha" for "iced mocha" is 95, "light roasted" for "light roast" 92)."""
APPROXIMATE_WORD = 70.0
"""...and every word said there this close to a word of the value: a stray word ("a medium so
roast") is not part of a value, a bent one ("ice", "roasted") is."""
APPROXIMATE_MIN_LETTERS = 4
"""A list value shorter than this is only ever read word for word."""


@dataclass(frozen=True)
class Reading:
    """A value spotted in the input: tokens [start, start+size) read as `tag`."""

    tag: str
    start: int
    size: int
    phrase: tuple[str, ...]
    number: int | None = None
    similarity: float = 1.0
    """1.0 for a value said word for word; below for one found approximately."""
    half: bool = False
    """The number was said with a half after it ("four and a half"): `number` is its whole part."""


class Lexicon:
    """Phrases of every text list, and the number words of every range list."""

    def __init__(self, lists: dict[str, SlotList], numbers: NumberWords, rules: dict,
                 rewrite: Callable[[list[str]], list[str]] | None = None) -> None:
        """`rewrite` turns a value's words into the words a query is read as (synonyms)."""
        self.numbers = numbers
        self.values: dict[str, dict[tuple[str, ...], Any]] = {}
        expander = Expander(rules)
        for name, slot_list in lists.items():
            if isinstance(slot_list, TextSlotList):
                table: dict[tuple[str, ...], Any] = {}
                for value in slot_list.values:
                    out = value.value_out
                    for variant in expander.bounded(value.text_in, 64):
                        words = tuple(tokens(" ".join(s for s in variant if isinstance(s, str))))
                        words = tuple(rewrite(list(words))) if rewrite else words
                        if words:
                            table.setdefault(words, out if out is not None else " ".join(words))
                self.values[name] = table
        self.tag_of_list = _group_tags(self.values)
        self.phrase_tag: dict[tuple[str, ...], str] = {}
        for name, table in self.values.items():
            for phrase in table:
                self.phrase_tag[phrase] = self.tag_of_list[name]
        self.longest = max((len(p) for p in self.phrase_tag), default=1)
        self.starts = {p[0] for p in self.phrase_tag} | {p[0] for p in numbers.by_phrase}
        """First words of every phrase and number: any other word is plain, no lookup needed."""
        self._approximate = {" ".join(p): p for p in self.phrase_tag if len(" ".join(p)) >= APPROXIMATE_MIN_LETTERS}
        self._approximate_texts = sorted(self._approximate)

    def list_tag(self, slot_list: SlotList | None, name: str) -> str:
        if isinstance(slot_list, RangeSlotList):
            return NUMBER_TAG
        if isinstance(slot_list, WildcardSlotList) or slot_list is None:
            return WILDCARD_TAG
        return self.tag_of_list.get(name, WILDCARD_TAG)

    def tag(self, words: list[str], known: frozenset[str] | None = None) -> tuple[list[str], list[Reading | None]]:
        """Tagged tokens, and for each tagged token the reading behind it (None for a plain word).

        With `known` (every word the intents use), a run of words holding an unknown word is also
        compared with every list value, so a value a recognizer bent is still read.
        """
        near = self.approximate(words, known) if known is not None and self._approximate else {}
        out: list[str] = []
        readings: list[Reading | None] = []
        i = 0
        while i < len(words):
            if i in near:
                reading = near[i]
                out.append(reading.tag)
                readings.append(reading)
                i += reading.size
                continue
            if words[i] not in self.starts and not words[i].isdigit():
                out.append(words[i])
                readings.append(None)
                i += 1
                continue
            best: Reading | None = None
            for size in range(min(self.longest, len(words) - i), 0, -1):
                phrase = tuple(words[i:i + size])
                tag = self.phrase_tag.get(phrase)
                if tag is not None:
                    best = Reading(tag, i, size, phrase)
                    break
            number = self.numbers.read(words, i)
            scale = scale_after(words, i + number[1], self.numbers.language) if number is not None else 1
            if number is not None and scale > 1:
                # a larger number than any list holds ("oven's on two hundred"): read whole, never as its first word
                best = Reading(NUMBER_TAG, i, number[1] + 1, tuple(words[i:i + number[1] + 1]), number[0] * scale)
            elif number is not None:
                half = half_after(words, i + number[1], self.numbers.language)
                size = number[1] + half
                if best is None or size >= best.size:
                    best = Reading(NUMBER_TAG, i, size, tuple(words[i:i + size]), number[0], half=bool(half))
            if best is None:
                out.append(words[i])
                readings.append(None)
                i += 1
            else:
                out.append(best.tag)
                readings.append(best)
                i += best.size
        return out, readings

    def approximate(self, words: list[str], known: frozenset[str]) -> dict[int, Reading]:
        """List values found approximately, by start index: windows of words around each unknown
        word, each compared with every value (best similarity first, then the longer value)."""
        unknown = [i for i, w in enumerate(words) if w not in known and not w.isdigit()]
        if not unknown:
            return {}
        found: list[tuple[float, int, int, int, tuple[str, ...]]] = []
        for u in unknown:
            for start in range(max(0, u - self.longest + 1), u + 1):
                for end in range(u + 1, min(len(words), start + self.longest + 1) + 1):
                    window = words[start:end]
                    for text, score, _ in process.extract(" ".join(window), self._approximate_texts,
                                                          scorer=fuzz.ratio, score_cutoff=APPROXIMATE, limit=3):
                        phrase = self._approximate[text]
                        if all(max(fuzz.ratio(w, p) for p in phrase) >= APPROXIMATE_WORD for w in window):
                            found.append((score, len(phrase), start, end, phrase))
                            break
        taken: set[int] = set()
        out: dict[int, Reading] = {}
        for score, _, start, end, phrase in sorted(found, key=lambda f: (-f[0], -f[1], f[2])):
            span = set(range(start, end))
            if span & taken:
                continue
            taken |= span
            out[start] = Reading(self.phrase_tag[phrase], start, end - start, phrase, similarity=score / 100)
        return out

    def value(self, list_name: str, slot_list: SlotList | None, reading: Reading) -> Any:
        """The slot value of a reading for one list, or None when that list does not hold it."""
        if isinstance(slot_list, RangeSlotList):
            n = reading.number
            if n is None or not slot_list.start <= n <= slot_list.stop or (n - slot_list.start) % slot_list.step:
                return None
            return halved_value(n, slot_list) if reading.half else slot_value(n, slot_list)
        table = self.values.get(list_name)
        return None if table is None else table.get(reading.phrase)


def _group_tags(values: dict[str, dict[tuple[str, ...], Any]]) -> dict[str, str]:
    """Lists that share any phrase get one tag (union-find over list names)."""
    parent = {name: name for name in values}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[tuple[str, ...], str] = {}
    for name, table in values.items():
        for phrase in table:
            if phrase in owner:
                parent[find(name)] = find(owner[phrase])
            else:
                owner[phrase] = name
    return {name: "#" + find(name) for name in values}
