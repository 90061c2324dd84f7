"""Spoken number words for the intents' range lists, both ways (number -> words, words -> number).

Uses the same RBNF engine hassil uses, so the words we read are the words hassil expands.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from hassil.intents import RangeSlotList

from assistant.understand.language import base_language

MAX_NUMBERS_PER_LIST = 1000


def slot_value(number: float, slot_list: RangeSlotList) -> Any:
    """The slot value hassil would give: the number times the list's multiplier, int when whole."""
    value = number * slot_list.multiplier if slot_list.multiplier is not None else number
    return int(value) if float(value).is_integer() else value


class NumberWords:
    """Spoken forms of the numbers that the given range lists allow."""

    def __init__(self, language: str, ranges: Iterable[RangeSlotList]) -> None:
        self.language = language
        self._words: dict[int, list[str]] = {}
        self.raw: dict[int, list[str]] = {}
        """The engine's own spellings ("twenty-five"), as hassil's matcher stores them."""
        self.by_phrase: dict[tuple[str, ...], int] = {}
        self.longest = 1
        self._engine: Any = None
        self._english = base_language(language) == "en"
        for slot_list in ranges:
            for number in _numbers(slot_list):
                self.words(number)

    def words(self, number: int) -> list[str]:
        """Every spoken form of `number` (lowercase, hyphens as spaces)."""
        if number in self._words:
            return self._words[number]
        forms: list[str] = []
        if self._english and 0 <= number < 1_000_000:
            self.raw[number] = [english_cardinal(number)]
            forms = [_clean(self.raw[number][0]), *english_variants(number)]
        elif self._load_engine() is not None:
            try:
                result = self._engine.format_number(number)
                self.raw[number] = sorted({t for t in result.text_by_ruleset.values() if t})
                forms = sorted({_clean(t) for t in self.raw[number]})
            except Exception:
                forms = []
        self._words[number] = forms
        for form in forms:
            key = tuple(form.split())
            self.by_phrase.setdefault(key, number)
            self.longest = max(self.longest, len(key))
        return forms

    def _load_engine(self) -> Any:
        """hassil's RBNF engine, loaded only when needed: loading it costs a tenth of a second."""
        if self._engine is None:
            try:
                from hassil.numbers import get_rbnf_engine

                self._engine = get_rbnf_engine(self.language)
            except Exception:  # no number words for this language: digits only
                self._engine = False
        return self._engine or None

    def spoken(self, number: int) -> str:
        """The main spoken form of a number, or its digits when no words are known."""
        forms = self.words(number)
        cardinal = [f for f in forms if " and " not in f]
        return (cardinal or forms or [str(number)])[0]

    def range_values(self, slot_list: RangeSlotList) -> Iterator[tuple[str, Any]]:
        """(spoken words, slot value) for each number of a range list."""
        for number in _numbers(slot_list):
            forms = self.words(number)
            yield (forms[0] if forms else str(number)), slot_value(number, slot_list)

    def read(self, tokens: list[str], start: int) -> tuple[int, int] | None:
        """The number spoken at `tokens[start:]` as (value, tokens used), longest reading first."""
        token = tokens[start]
        if token.isdigit() and len(token) <= 9:
            return int(token), 1
        for size in range(min(self.longest, len(tokens) - start), 0, -1):
            number = self.by_phrase.get(tuple(tokens[start:start + size]))
            if number is not None:
                return number, size
        return None


_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def english_cardinal(number: int) -> str:
    """0..999999 spelled as CLDR's English spellout-cardinal does ("one hundred twenty-one")."""
    if number < 20:
        return _ONES[number]
    if number < 100:
        tens, ones = divmod(number, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {english_cardinal(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    return f"{english_cardinal(thousands)} thousand" + (f" {english_cardinal(rest)}" if rest else "")


def english_variants(number: int) -> list[str]:
    """Other ways people say a number under a thousand: "a hundred and twenty", "one hundred and five"."""
    if not 100 <= number < 1000:
        return []
    hundreds, rest = divmod(number, 100)
    tail = [""] if not rest else [f" {_clean(english_cardinal(rest))}", f" and {_clean(english_cardinal(rest))}"]
    heads = [f"{_ONES[hundreds]} hundred"] + (["a hundred"] if hundreds == 1 else [])
    main = _clean(english_cardinal(number))
    return [h + t for h in heads for t in tail if h + t != main]


HALVES = {"en": (("and", "a", "half"), ("and", "half"), ("point", "five"))}
"""What follows a whole number to add a half ("four and a half"), per language."""


SCALES = {"en": {"hundred": 100, "thousand": 1000, "million": 1_000_000}}
"""Words that multiply the number before them, per language ("two hundred" is 200, never a two)."""


def scale_after(tokens: list[str], start: int, language: str) -> int:
    """What the word at `tokens[start]` multiplies the number before it by (1 when it is no scale word)."""
    return SCALES.get(base_language(language), {}).get(tokens[start], 1) if start < len(tokens) else 1


def half_after(tokens: list[str], start: int, language: str) -> int:
    """How many tokens at `tokens[start:]` add a half to the number before them (0 when none do)."""
    for phrase in HALVES.get(base_language(language), ()):
        if tuple(tokens[start:start + len(phrase)]) == phrase:
            return len(phrase)
    return 0


def halved_value(number: int, slot_list: RangeSlotList) -> Any:
    """The slot value of a number and a half: exact when the list's unit makes it whole ("four and a half
    minutes" is 270 seconds), else the whole number said ("four and a half stars" on a one-to-five scale is a
    four: more than four, not a five)."""
    if slot_list.multiplier is not None and float((number + 0.5) * slot_list.multiplier).is_integer():
        return int((number + 0.5) * slot_list.multiplier)
    return slot_value(number, slot_list)


SOUNDS_ALIKE = {"en": {13: 30, 14: 40, 15: 50, 16: 60, 17: 70, 18: 80, 19: 90}}
"""Numbers a recognizer easily takes for one another ("nineteen" and "ninety"), per language."""


def sounds_alike(number: int, language: str) -> list[int]:
    """Numbers that sound like `number` when heard badly (both ways), none when the language has no table."""
    pairs = SOUNDS_ALIKE.get(base_language(language), {})
    out = [b for a, b in pairs.items() if a == number] + [a for a, b in pairs.items() if b == number]
    return out


def _numbers(slot_list: RangeSlotList) -> Iterator[int]:
    for count, number in enumerate(range(slot_list.start, slot_list.stop + 1, slot_list.step)):
        if count >= MAX_NUMBERS_PER_LIST:
            return
        yield number


def _clean(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").split())


def share_with_hassil(numbers: NumberWords, ranges: Iterable[RangeSlotList]) -> None:
    """Give hassil's matcher the number words we already spelled, so it does not spell them again.

    Uses hassil's private range-trie cache; if that ever changes, hassil simply builds its own.
    """
    try:
        from hassil.string_matcher import _RANGE_TRIE_CACHE
        from hassil.trie import Trie
    except ImportError:
        return
    for slot_list in ranges:
        if slot_list.fraction_type is not None or not slot_list.words:
            continue
        language = slot_list.words_language or numbers.language
        key = (slot_list.start, slot_list.stop, slot_list.step, slot_list.fraction_type)
        cache = _RANGE_TRIE_CACHE[language]
        if key in cache or (slot_list.stop - slot_list.start) // slot_list.step >= MAX_NUMBERS_PER_LIST:
            continue
        trie = Trie()
        for number in _numbers(slot_list):
            value = number * slot_list.multiplier if slot_list.multiplier is not None else number
            numbers.words(number)
            used: set[str] = set()
            for raw in numbers.raw.get(number, []):
                for form in (raw, raw.replace("-", " ").replace("_", " ")):
                    if form not in used:
                        trie.insert(form, value)
                        used.add(form)
        cache[key] = trie
