"""Near neighbours of the slot values in a hypothesis, from the intents' own lists.

Engines confuse a value with a similar one of the same list ("ninety" / "nineteen", "double shot" /
"triple shot", "mocha" / "iced mocha"). Given a hypothesis, each value found in it is swapped, one at
a time, for the values of its list that look most alike, so that an acoustic rescoring can choose
among sentences the engines did not write out. Works from any intents folder: the lists' spoken
phrases and the spoken forms of every number a range list allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from rapidfuzz import fuzz, process

MAX_NUMBERS = 400
"""Numbers per range list considered as neighbours (spelled forms)."""


class SlotPhrases:
    """Every slot phrase of an intent set, grouped by the list it belongs to."""

    def __init__(self, intent_set: Any) -> None:
        from hassil.intents import RangeSlotList, TextSlotList

        self.intent_set = intent_set
        groups: dict[str, set[str]] = {}
        seen_lists: set[int] = set()
        for tpl in getattr(intent_set, "templates", []):
            for name, slot_list in tpl.lists.items():
                if id(slot_list) in seen_lists:
                    continue
                seen_lists.add(id(slot_list))
                if isinstance(slot_list, TextSlotList):
                    phrases = {_words(text) for text, _ in intent_set.list_values(slot_list)}
                    groups.setdefault(f"list:{name}", set()).update(p for p in phrases if p)
                elif isinstance(slot_list, RangeSlotList):
                    numbers = range(slot_list.start, slot_list.stop + 1, slot_list.step)
                    forms = {_words(intent_set.numbers.spoken(n)) for n in list(numbers)[:MAX_NUMBERS]}
                    groups.setdefault("numbers", set()).update(f for f in forms if f)
        self.groups = {key: sorted(values) for key, values in groups.items()}
        self.by_phrase: dict[tuple[str, ...], list[str]] = {}
        for key, values in self.groups.items():
            for phrase in values:
                self.by_phrase.setdefault(tuple(phrase.split()), []).append(key)
        self.longest = max((len(p) for p in self.by_phrase), default=1)
        self.by_phrase_text = {" ".join(p): keys for p, keys in self.by_phrase.items()}
        self.number_words = frozenset(w for phrase in self.groups.get("numbers", ()) for w in phrase.split())
        """Every word of a spoken number the intents' range lists allow ("ninety", "hundred")."""

    @cached_property
    def units(self) -> frozenset[str]:
        """The words the intents say right after a number ("minutes", "seconds", "stars"): before one of them
        a short word spelled like a number is a number misheard ("for minutes", "to stars", "ate seconds").
        Read from the templates on first use (the Whisper prompt has expanded them by then)."""
        from hassil.intents import RangeSlotList

        units: set[str] = set()
        for tpl, variant in getattr(self.intent_set, "skeletons", ()):
            for slot, after in zip(variant, variant[1:]):
                if (not isinstance(slot, str) and isinstance(after, str) and after.split()
                        and isinstance(tpl.lists.get(getattr(slot, "list_name", "")), RangeSlotList)):
                    units.add(_words(after).split()[0])
        return frozenset(units)

    def numbers_in(self, text: str) -> frozenset[str]:
        """The number words said in `text`."""
        return frozenset(w for w in text.split() if w in self.number_words)

    def spans(self, words: list[str], cutoff: float = 75.0) -> list[tuple[int, int, str]]:
        """(start, size, phrase) of the slot phrases in `words`, each a window of words that is, or looks
        like, a phrase of some list ("ice mocha" for "iced mocha"); exact and longer windows win."""
        found: list[tuple[float, int, int, str]] = []
        phrases = list(self.by_phrase_text)
        for i in range(len(words)):
            for size in range(1, min(self.longest + 1, len(words) - i) + 1):
                window = " ".join(words[i:i + size])
                if window in self.by_phrase_text:
                    found.append((100.0 * size, i, size, window))
                    continue
                if len(window) < 5:  # "for" is not a misheard "four": short words are left alone
                    continue
                best = process.extractOne(window, phrases, scorer=fuzz.ratio, score_cutoff=cutoff)
                if best is not None and abs(len(best[0].split()) - size) <= 1:
                    length = len(best[0].split())
                    found.append((best[1] * min(size, length) - (50.0 if length != size else 0.0), i, size, best[0]))
        found.sort(key=lambda f: f[0], reverse=True)
        taken: set[int] = set()
        out = []
        for _, i, size, phrase in found:
            if taken.isdisjoint(range(i, i + size)):
                taken.update(range(i, i + size))
                out.append((i, size, phrase))
        return sorted(out)

    def neighbours(self, phrase: str, count: int) -> list[str]:
        """The `count` phrases of the same lists that look most like `phrase` (itself excluded)."""
        pool: set[str] = set()
        for key in self.by_phrase.get(tuple(phrase.split()), []):
            pool.update(self.groups[key])
        pool.discard(phrase)
        if not pool:
            return []
        ranked = process.extract(phrase, sorted(pool), scorer=fuzz.ratio, limit=count)
        return [text for text, _, _ in ranked]

    def numbers_before_units(self, words: list[str], cutoff: float = 75.0) -> list[tuple[int, str]]:
        """(position, number) of the short words spelled like a number just before a unit, where no number
        is said ("for minutes": four, "to stars": two, "ate seconds": eight). Whisper writes the commoner
        word of a homophone; the spans' fuzzy search leaves words this short alone."""
        numbers = [n for n in self.groups.get("numbers", ()) if " " not in n]
        out = []
        for i, (word, after) in enumerate(zip(words, words[1:])):
            if (after in self.units and len(word) < 5 and word not in self.number_words
                    and (i == 0 or words[i - 1] not in self.number_words)):
                best = process.extractOne(word, numbers, scorer=fuzz.ratio, score_cutoff=cutoff)
                if best is not None:
                    out.append((i, best[0]))
        return out

    def variants(self, text: str, per_slot: int = 2, limit: int = 12) -> list[str]:
        """Sentences like `text` with one slot phrase swapped for a near neighbour (at most `limit`), a
        number misheard before a unit first."""
        words = text.split()
        out = [" ".join([*words[:i], number, *words[i + 1:]]) for i, number in self.numbers_before_units(words)]
        for start, size, phrase in self.spans(words):
            said = " ".join(words[start:start + size])
            options = ([phrase] if said != phrase else []) + self.neighbours(phrase, per_slot)
            for other in options:
                swapped = " ".join([*words[:start], other, *words[start + size:]])
                if swapped != text and swapped not in out:
                    out.append(swapped)
                    if len(out) >= limit:
                        return out
        return out


def _words(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").split())


def unique(texts: Iterable[str]) -> list[str]:
    """`texts` without empties and repeats, order kept."""
    out: list[str] = []
    for text in texts:
        if text and text not in out:
            out.append(text)
    return out
