"""A vocabulary prompt for an open-vocabulary engine, made from any intents folder.

Whisper takes "previous text" as context; a short lowercase list of the words this assistant expects
(the wake phrase, every spoken slot value, the templates' distinctive words) nudges it towards
"iced mocha" over "ice mocha" and towards lowercase, unpunctuated output. Nothing here knows any
particular intents folder: distinctive words are those few intents use, longest first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

MAX_WORDS = 90
"""Whisper keeps at most 223 prompt tokens; about this many words stays well under."""


def vocabulary_terms(intent_set: Any, wake_phrase: str = "", max_words: int = MAX_WORDS) -> list[str]:
    """Phrases to put in the prompt, most useful first: wake phrase, slot values, then key words."""
    terms: list[str] = []
    words: set[str] = set()

    def add(phrase: str) -> None:
        """A phrase goes in only when it brings a word the prompt does not have yet."""
        said = phrase.lower().split()
        if said and not set(said) <= words:
            words.update(said)
            terms.append(" ".join(said))

    if wake_phrase:
        add(wake_phrase)
    for value in sorted(slot_values(intent_set), key=lambda v: len(v.split())):
        add(value)
    for word in key_words(intent_set):
        add(word)
    out: list[str] = []
    count = 0
    for term in terms:
        count += len(term.split())
        if count > max_words:
            break
        out.append(term)
    return out


def slot_values(intent_set: Any) -> list[str]:
    """Spoken forms of every text slot value (number ranges are left out: Whisper knows numbers)."""
    from hassil.intents import TextSlotList

    lists = {id(sl): sl for tpl in intent_set.templates for sl in tpl.lists.values() if isinstance(sl, TextSlotList)}
    out: list[str] = []
    for slot_list in lists.values():
        for text, _ in intent_set.list_values(slot_list):
            if text not in out:
                out.append(text)
    return out


def _template_words(intent_set: Any) -> Iterator[tuple[str, str]]:
    """Every literal word of the templates' expansions (lowercased), with the intent it belongs to."""
    for tpl, variant in intent_set.skeletons:
        for seg in variant:
            if isinstance(seg, str):
                for word in seg.lower().split():
                    yield word, tpl.intent


def glue_words(intent_set: Any) -> frozenset[str]:
    """Template words more than half the intents use ("the", "you", "please"): they say nothing of which."""
    by_word: dict[str, set[str]] = {}
    for word, intent in _template_words(intent_set):
        by_word.setdefault(word, set()).add(intent)
    half = max(1, len(getattr(intent_set, "names", ())) // 2)
    return frozenset(w for w, i in by_word.items() if len(i) > half)


def key_words(intent_set: Any) -> list[str]:
    """Template words of three letters or more that at most half the intents share, the most used first
    (an assistant's core nouns and verbs; glue words every intent uses are left out)."""
    by_word: dict[str, set[str]] = {}
    for word, intent in _template_words(intent_set):
        if len(word) >= 3 and (word.isalpha() or "'" in word):
            by_word.setdefault(word, set()).add(intent)
    half = max(1, len(getattr(intent_set, "names", ())) // 2)
    uses = Counter({w: len(i) for w, i in by_word.items() if len(i) <= half})
    return sorted(uses, key=lambda w: (-uses[w], w))


def distinctive_words(intent_set: Any, share: float = 0.7, least: int = 5) -> dict[str, str]:
    """Word -> the intent it is distinctive of: template words of three letters or more that one intent uses
    in at least `share` of their uses (counted over the templates' expansions) and `least` times. "hug" is
    StartHug's (the other intents name the ritual only in passing: "stop the hug"), "gratitude" StartGratitude's;
    "time", "start", "can" belong to no intent. Used to trust what pocketsphinx's grammar heard only where it
    heard such a word (combined.py `key_word_heard`)."""
    by_word: dict[str, Counter] = {}
    for word, intent in _template_words(intent_set):
        if len(word) >= 3 and word.isalpha():
            by_word.setdefault(word, Counter())[intent] += 1
    out: dict[str, str] = {}
    for word, uses in by_word.items():
        intent, n = uses.most_common(1)[0]
        if n >= least and n >= share * sum(uses.values()):
            out[word] = intent
    return out


def vocabulary_prompt(intent_set: Any, wake_phrase: str = "", max_words: int = MAX_WORDS) -> str:
    """The prompt text: the terms as a plain lowercase comma list."""
    terms = vocabulary_terms(intent_set, wake_phrase, max_words)
    return ", ".join(terms) + "." if terms else ""


def sentence_prompt(intent_set: Any, wake_phrase: str = "", max_words: int = MAX_WORDS, length: int = 4,
                    typical: bool = True) -> str:
    """The prompt as example sentences: the most typical sample of each intent (`typical_samples`; with
    `typical` off, the sample nearest `length` words long), then samples that bring slot values not yet in
    the prompt, until `max_words`. Whisper follows running text better than a word list (measured on the
    corpus's dev phrasings)."""
    by_fit = sorted(intent_set.samples, key=lambda s: (abs(len(s.text.split()) - length), s.text))
    chosen: list[str] = typical_samples(intent_set, length) if typical else _nearest_samples(by_fit)
    words_seen = {w for t in chosen for w in t.split()}
    needed = {w for value in slot_values(intent_set) for w in value.split()}
    for sample in by_fit:
        new = (set(sample.text.split()) & needed) - words_seen
        if new and sample.text not in chosen:
            chosen.append(sample.text)
            words_seen.update(sample.text.split())
    out: list[str] = [wake_phrase] if wake_phrase else []
    count = sum(len(t.split()) for t in out)
    for text in chosen:
        if count + len(text.split()) > max_words:
            continue
        out.append(text)
        count += len(text.split())
    return " ".join(f"{t[:1].upper()}{t[1:]}." for t in out)


def _nearest_samples(by_fit: list[Any]) -> list[str]:
    """One sample sentence per intent: the first of `by_fit` (samples sorted nearest a length first)."""
    chosen: list[str] = []
    seen_intents: set[str] = set()
    for sample in by_fit:
        if sample.intent not in seen_intents:
            seen_intents.add(sample.intent)
            chosen.append(sample.text)
    return chosen


TYPICAL_SLACK: int | None = 2
"""`typical_samples`: words a typical sample may have beyond the intent's sample nearest `length` words long. The
barista's most typical sample is a 13-word order ("brew a twenty ounce coffee with milk and a little bit of
sugar"): it took the word budget from "iced mocha with a bit of milk", and Whisper wrote "a bitter almond milk"
(tune half at 6 dB, combined 62 -> 58 of 66). With at most 2 words more (replayed on stored decodes, with
combined.py's `doubt_own` and `beam_first`): barista tune half 6 dB 62 -> 62, 12 dB 66 -> 66 (Whisper alone
60 -> 59, 65 -> 66); dev commands at 12 dB (353 phrasings, 125 near misses) combined right 251 -> 257, asked
right 26 -> 26, asked wrong 15 -> 15, wrong 17 -> 15, missed 44 -> 40, near misses acted on 4 -> 5 (asked 5 -> 6),
Whisper alone right 247 -> 251. None: no limit."""


def typical_samples(intent_set: Any, length: int | None = None) -> list[str]:
    """One sample sentence per intent, the most typical of it: the one whose words most of the intent's
    samples share (mean share over its distinct words, a word more counting as one word of none), so
    that Whisper reads "start a hug" rather than an odd expansion such as "a coffee hugs". Measured by
    replaying Whisper's beam on the same stored encodings (dev commands at 12 dB, 353 phrasings, 63 near
    misses) against the sample nearest four words long: Whisper alone right 247 -> 257, wrong 23 -> 25, near
    misses acted on 3 -> 2; combined (with the key-word rescue, combined.py `key_gap`) right 232 -> 240, asked
    right 43 -> 41, asked wrong 12 -> 14, wrong 24 -> 19, missed 42 -> 39, near misses acted on 2 -> 1. Given
    `length`, chosen among the samples at most `TYPICAL_SLACK` words longer than the nearest that long."""
    by_intent: dict[str, list[str]] = {}
    for sample in intent_set.samples:
        by_intent.setdefault(sample.intent, []).append(sample.text)
    out: list[str] = []
    for intent in sorted(by_intent):
        texts = by_intent[intent]
        if length is not None and TYPICAL_SLACK is not None:
            gap = min(abs(len(t.split()) - length) for t in texts)
            nearest = min(len(t.split()) for t in texts if abs(len(t.split()) - length) == gap)
            texts = [t for t in texts if len(t.split()) <= nearest + TYPICAL_SLACK]
        share = Counter(w for t in set(texts) for w in set(t.split()))
        n = len(set(texts))

        def typical(text: str) -> tuple[float, str]:
            words = text.split()
            return -round(sum(share[w] for w in set(words)) / n / (len(words) + 1), 9), text

        out.append(min(set(texts), key=typical))
    return out


def hybrid_prompt(intent_set: Any, wake_phrase: str = "", sentence_words: int = 90, value_words: int = 50,
                  typical: bool = True) -> str:
    """Example sentences, then the slot values as a list (the part Whisper weighs most comes last).
    `typical`: each intent's most typical sample (`typical_samples`), else its sample nearest three words."""
    sentences = sentence_prompt(intent_set, wake_phrase, sentence_words, length=3, typical=typical)
    values: list[str] = []
    words: set[str] = set()
    count = 0
    for value in sorted(slot_values(intent_set), key=lambda v: len(v.split())):
        said = value.lower().split()
        if set(said) <= words or count + len(said) > value_words:
            continue
        words.update(said)
        values.append(" ".join(said))
        count += len(said)
    return f"{sentences} {', '.join(values)}." if values else sentences
