"""Understand a line of text: exact first, then a calibrated fuzzy match.

1. Normalise: lowercase words, punctuation and control characters dropped, digits spoken
   ("90" -> "ninety"), filler dropped ("um", "please", the intents' skip words).
2. Exact: the words are one of the expanded templates (a dictionary look-up), or hassil's own
   `recognize` accepts them (tried on the few intents the fuzzy scores put first).
3. Fuzzy: every expanded template ("skeleton", slot values replaced by tags on both sides) is
   scored at once by weighted shared words (`scoring.WordIndex`), the best few by rapidfuzz's
   character ratio too; the best intent wins if it clears `THRESHOLD` and leads the next intent
   by `MARGIN`. Slot values are read from the words said, aligned to the winning skeleton,
   never copied from a sample sentence.
4. Verbatim: a slot of the winning intent that alignment missed is still read when one of its
   values was said word for word: one stray word must not lose the slots around it.
"""

from __future__ import annotations

import re
from typing import Any, Collection, NamedTuple, Sequence

from hassil import Intents, recognize
from hassil.intents import RangeSlotList, SlotList, WildcardSlotList
import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from assistant.messages import IntentMatch, NoMatch, Understanding
from assistant.understand.cache import cached
from assistant.understand.expand import SlotRef
from assistant.understand.intents import IntentSet, Template
from assistant.understand.lexicon import WILDCARD_TAG, Lexicon, Reading
from assistant.understand.normalize import FILLERS, Fillers, tokens
from assistant.understand.numbers import share_with_hassil
from assistant.understand.scoring import WordIndex



THRESHOLD = 0.76
"""Least fuzzy score (0..1) accepted; calibrated with `python -m bench.text --calibrate`."""
MARGIN = 0.04
"""Least lead of the best intent over the second best."""
BLEND = 0.65
"""Share of the word-weight score in the fuzzy score; the rest is rapidfuzz's character ratio."""
TOP_K = 30
"""Skeletons (best by word weights) looked at closely per query."""
MAX_TOKENS = 40
"""More words than this is conversation, not a command."""
EXACT_GATE = 0.45
"""Intents whose best fuzzy score reaches this are tried with hassil's exact matcher..."""
EXACT_TRIES = 3
"""...at most this many, best first: an exact sentence always scores high for its own intent."""


class Skeleton(NamedTuple):
    """One expanded template as tagged words, with the slot each tag stands for.

    A named tuple, not a dataclass: thousands are built at start-up.
    """

    template: Template
    words: tuple[str, ...]
    text: str
    slots: tuple[tuple[int, SlotRef], ...]
    """(index in `words`, slot reference) for each tag that came from a `{list}` reference."""


class Matcher:
    """Text -> `IntentMatch` or `NoMatch`, for any intents folder. Never raises for a str."""

    def __init__(self, intent_set: IntentSet, threshold: float = THRESHOLD, margin: float = MARGIN,
                 use_cache: bool = True) -> None:
        self.intents = intent_set
        self.use_cache = use_cache
        self.threshold = threshold
        self.margin = margin
        self.fillers = Fillers([*intent_set.skip_words, *FILLERS.get(intent_set.language.split("-")[0], ())])
        # Lists by a key of their own: two intents may each have a local list of the same name.
        lists: dict[str, SlotList] = {}
        self._list_key: dict[int, str] = {}
        for tpl in intent_set.templates:
            for name, slot_list in tpl.lists.items():
                if id(slot_list) not in self._list_key:
                    key = name if name not in lists else f"{name}~{len(lists)}"
                    self._list_key[id(slot_list)] = key
                    lists[key] = slot_list
        self.lists = lists
        self.lexicon = Lexicon(lists, intent_set.numbers, intent_set.hassil.expansion_rules)
        self.skeletons = self._skeletons()
        self._intent_slots = self._slots_by_intent()
        self._wild = [s for s in self.skeletons if s.words.count(WILDCARD_TAG) == 1]
        self.plain = [s for s in self.skeletons if WILDCARD_TAG not in s.words]
        self.index = WordIndex([s.words for s in self.plain], [s.template.intent for s in self.plain])
        self._masks: dict[frozenset[str], np.ndarray] = {}
        self._by_text: dict[str, list[int]] = {}
        for i, skel in enumerate(self.plain):
            self._by_text.setdefault(skel.text, []).append(i)
        self._hassil: dict[frozenset[str] | None, Intents] = {None: intent_set.hassil}
        self._warm_up()

    # -- public -----------------------------------------------------------------------------

    def match(self, text: str, allowed: Collection[str] | None = None) -> Understanding:
        """What `text` means among `allowed` intents (all when None)."""
        try:
            return self._match(text, None if allowed is None else frozenset(allowed))
        except Exception:  # never let a strange input take the loop down
            return NoMatch(text if isinstance(text, str) else "")  # pragma: no cover

    def match_best(self, texts: Sequence[str], allowed: Collection[str] | None = None) -> Understanding:
        """The best understanding over alternative transcripts (an n-best list, best first).

        An exact match wins over a fuzzy one; among equals the earlier alternative wins.
        """
        best: Understanding | None = None
        for text in texts:
            result = self.match(text, allowed)
            if isinstance(result, IntentMatch) and result.method == "exact":
                return result
            if best is None or _rank(result) > _rank(best):
                best = result
        return best if best is not None else NoMatch("")

    def explain(self, text: str, allowed: Collection[str] | None = None) -> list[tuple[str, float, str]]:
        """The fuzzy candidates for `text`, best first: (intent, score 0..1, skeleton). For tuning."""
        said = self._words(text)
        if not said or len(said) > MAX_TOKENS:
            return []
        words = self.fillers.strip(said) or said
        tagged, _ = self.lexicon.tag(words)
        scores = self._scores(tagged, words, None if allowed is None else frozenset(allowed))
        ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)
        return [(name, score, skel.text) for name, (score, skel) in ranked]

    # -- steps ------------------------------------------------------------------------------

    def _match(self, text: str, allowed: frozenset[str] | None) -> Understanding:
        if not isinstance(text, str):
            return NoMatch("")
        said = self._words(text)
        if not said or len(said) > MAX_TOKENS:
            return NoMatch(text)
        words = self.fillers.strip(said) or said
        tagged, readings = self.lexicon.tag(words)
        known = self._known_sentence(tagged, readings, words, allowed)
        if known is not None:
            return IntentMatch(known[0], known[1], 1.0, text, "exact")
        scores = self._scores(tagged, words, allowed)
        ranked_names = sorted(scores, key=lambda n: scores[n][0], reverse=True)[:EXACT_TRIES]
        candidates = frozenset(n for n in ranked_names if scores[n][0] >= EXACT_GATE)
        candidates |= self._wildcard_candidates(words, allowed)
        if candidates:
            exact = self._exact(" ".join(said), candidates, text)  # hassil drops its skip words itself
            if exact is not None:
                intent, slots = exact
                return IntentMatch(intent, slots, 1.0, text, "exact")
        if not scores:
            return NoMatch(text)
        ranked = sorted(scores.items(), key=lambda kv: kv[1][0], reverse=True)
        name, (score, skel) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
        if score < self.threshold or score - runner_up < self.margin:
            return NoMatch(text, name, round(score, 3))
        if WILDCARD_TAG in skel.words:
            slots = self._read_wildcard(skel, words, text)
        else:
            aligned = self._align_slots(skel, tagged, readings)
            if aligned is None:  # a value was said but its list does not allow it ("zero stars")
                return NoMatch(text, name, round(score, 3))
            slots, used = aligned
            self._fill_verbatim(name, slots, readings, used)
        return IntentMatch(name, slots, round(min(score, 0.99), 3), text, "fuzzy")

    def _known_sentence(self, tagged: list[str], readings: list[Reading | None], words: list[str],
                        allowed: frozenset[str] | None) -> tuple[str, dict[str, Any]] | None:
        """A sentence that is word for word one of the expanded templates: exact, without a search."""
        for i in self._by_text.get(" ".join(tagged), ()):
            skel = self.plain[i]
            if allowed is not None and skel.template.intent not in allowed:
                continue
            slots = self._read_slots(skel, tagged, readings, words)
            if slots is not None and all(ref.slot in slots for _, ref in skel.slots):
                return skel.template.intent, slots
        return None

    def _words(self, text: str) -> list[str]:
        words = tokens(text)
        return [self.intents.numbers.spoken(int(w)) if w.isdigit() and len(w) < 7 else w for w in words]

    def _exact(self, text: str, candidates: frozenset[str] | None = None,
               typed: str = "") -> tuple[str, dict[str, Any]] | None:
        """hassil's own match of the normalised `text`; free text is given back as `typed` had it."""
        result = recognize(text, self._hassil_for(candidates), language=self.intents.language)
        if result is None:
            return None
        slots = {name: _plain(entity.value) for name, entity in result.entities.items()}
        for name, entity in result.entities.items():
            if entity.is_wildcard and isinstance(entity.value, str):
                slots[name] = as_said(typed, entity.value)
        return result.intent.name, slots

    def _scores(self, tagged: list[str], words: list[str],
                allowed: frozenset[str] | None) -> dict[str, tuple[float, Skeleton]]:
        """Best fuzzy score (0..1) and skeleton per intent."""
        bow = self.index.scores(tagged)
        if allowed is not None:
            bow = np.where(self._mask_for(allowed), bow, -1.0)
        top = np.argpartition(-bow, min(TOP_K, len(bow) - 1))[:TOP_K] if len(bow) else []
        query = " ".join(self.index.known(w) or w for w in tagged)
        best: dict[str, tuple[float, Skeleton]] = {}
        for i in top:
            if bow[i] <= 0:
                continue
            skel = self.plain[i]
            score = BLEND * float(bow[i]) + (1 - BLEND) * fuzz.ratio(query, skel.text) / 100
            name = skel.template.intent
            if name not in best or score > best[name][0]:
                best[name] = (score, skel)
        for skel in self._wild:
            name = skel.template.intent
            if allowed is not None and name not in allowed:
                continue
            score = self._wildcard_score(skel, words)
            if score > 0 and (name not in best or score > best[name][0]):
                best[name] = (score, skel)
        return best

    def _wildcard_candidates(self, words: list[str], allowed: frozenset[str] | None) -> frozenset[str]:
        """Intents with a free-text template whose fixed words were all said."""
        said = set(words)
        return frozenset(s.template.intent for s in self._wild
                         if (allowed is None or s.template.intent in allowed)
                         and all(w in said for w in s.words if not w.startswith("#")))

    def _wildcard_split(self, skel: Skeleton, words: list[str]) -> tuple[float, list[str]]:
        """Score the fixed words before and after the free text; return it with the free words.

        Only skeletons whose fixed words were all said take part: free text must not turn any
        sentence into a match.
        """
        said = {self.index.known(w) or w for w in words}
        if not all(w in said for w in skel.words if w != WILDCARD_TAG):
            return 0.0, []
        cut = skel.words.index(WILDCARD_TAG)
        head, tail = " ".join(skel.words[:cut]), " ".join(skel.words[cut + 1:])
        n_tail = len(skel.words) - cut - 1
        best: tuple[float, list[str]] = (0.0, [])
        for h in range(max(0, cut - 1), min(len(words), cut + 3) + 1):
            for t in range(max(0, n_tail - 1), n_tail + 2) if n_tail else [0]:
                free = words[h:len(words) - t]
                if not free or h + t > len(words):
                    continue
                score = fuzz.ratio(" ".join(words[:h]) + " | " + " ".join(words[len(words) - t:]),
                                   head + " | " + tail) / 100
                if score > best[0]:
                    best = (score, free)
        return best

    def _wildcard_score(self, skel: Skeleton, words: list[str]) -> float:
        return self._wildcard_split(skel, words)[0]

    def _read_wildcard(self, skel: Skeleton, words: list[str], typed: str) -> dict[str, Any]:
        slots: dict[str, Any] = dict(skel.template.fixed_slots)
        free = self._wildcard_split(skel, words)[1]
        for _, ref in skel.slots:
            if isinstance(skel.template.lists.get(ref.list_name), WildcardSlotList) and free:
                slots[ref.slot] = as_said(typed, " ".join(free))
        return slots

    def _read_slots(self, skel: Skeleton, tagged: list[str], readings: list[Reading | None],
                    words: list[str]) -> dict[str, Any] | None:
        """Slot values read from the words said, aligned to the skeleton's `{list}` tags.

        None when a value stands right where a slot is but its list does not hold it.
        """
        aligned = self._align_slots(skel, tagged, readings)
        return None if aligned is None else aligned[0]

    def _fill_verbatim(self, intent: str, slots: dict[str, Any], readings: list[Reading | None],
                       used: set[int]) -> None:
        """Fill the intent's slots that alignment missed from values said word for word.

        A stray word shifts the alignment and leaves slots unread although their phrases were
        said verbatim. `readings` are whole-word phrases, longest first and non-overlapping (the
        lexicon's tagging); one not read by alignment fills a still-empty slot of this intent whose
        list holds it. Alignment's values are never overridden; of two values for one empty slot
        the longer phrase wins; a phrase that fits two empty slots is left alone (no guessing).
        """
        lists = self._intent_slots.get(intent)
        if not lists:
            return
        found: dict[str, tuple[int, Any]] = {}
        for i, reading in enumerate(readings):
            if reading is None or i in used:
                continue
            fits = []
            for slot, refs in lists.items():
                if slot in slots:
                    continue
                for key, slot_list in refs:
                    value = self.lexicon.value(key, slot_list, reading)
                    if value is not None:
                        fits.append((slot, value))
                        break
            if len(fits) != 1:
                continue
            slot, value = fits[0]
            if slot not in found or reading.size > found[slot][0]:
                found[slot] = (reading.size, value)
        for slot, (_, value) in found.items():
            slots[slot] = value

    def _align_slots(self, skel: Skeleton, tagged: list[str], readings: list[Reading | None]
                     ) -> tuple[dict[str, Any], set[int]] | None:
        """`_read_slots`, and the indices of the readings it used."""
        slots: dict[str, Any] = dict(skel.template.fixed_slots)
        used: set[int] = set()
        if not skel.slots:
            return slots, used
        pairs = {}
        for block in Levenshtein.editops(list(skel.words), tagged).as_matching_blocks():
            for k in range(block.size):
                pairs[block.a + k] = block.b + k
        for pos, ref in skel.slots:
            slot_list = skel.template.lists.get(ref.list_name)
            aligned = pairs.get(pos)
            candidates = [aligned] if aligned is not None else []
            candidates += [i for i, r in enumerate(readings) if r is not None and tagged[i] == skel.words[pos]]
            for i in candidates:
                reading = readings[i]
                if i in used or reading is None:
                    continue
                value = self.lexicon.value(self._list_key.get(id(slot_list), ref.list_name), slot_list, reading)
                if value is not None:
                    slots[ref.slot] = value
                    used.add(i)
                    break
                if i == aligned:
                    return None
        return slots, used

    # -- set-up -----------------------------------------------------------------------------

    def _skeletons(self) -> list[Skeleton]:
        """Every template expanded and tagged, from the on-disk cache when the files are unchanged."""
        files = sorted(self.intents.folder.glob("*.yaml"))
        rows = cached(files, self._tag_skeletons) if self.use_cache else self._tag_skeletons()
        templates = self.intents.templates
        try:
            return [Skeleton(templates[t], tuple(words), " ".join(words),
                             tuple((pos, SlotRef(slot, name)) for pos, slot, name in refs))
                    for t, words, refs in rows]
        except (IndexError, TypeError, ValueError):  # a cache from elsewhere: rebuild
            return [Skeleton(templates[t], tuple(w), " ".join(w), tuple((p, SlotRef(s, n)) for p, s, n in r))
                    for t, w, r in self._tag_skeletons()]

    def _tag_skeletons(self) -> list[list[Any]]:
        """Tag every expanded template the way a query is tagged (fillers dropped, values as tags).

        Rows of [template index, tagged words, [[word index, slot, list], ...]] (JSON for the cache).
        """
        out: list[list[Any]] = []
        seen: set[tuple[str, str]] = set()
        memo: dict[tuple[str, bool], list[str]] = {}
        index = {id(tpl): i for i, tpl in enumerate(self.intents.templates)}

        def tagged(seg: str, strip: bool) -> list[str]:
            if (seg, strip) not in memo:
                plain = tokens(seg)
                memo[seg, strip] = self.lexicon.tag(self.fillers.strip(plain) if strip else plain)[0]
            return memo[seg, strip]

        for tpl, variant in self.intents.skeletons:
            for strip in (True, False):  # a template of nothing but fillers ("okay") keeps them
                skel_words: list[str] = []
                refs: list[list[Any]] = []
                for seg in variant:
                    if isinstance(seg, SlotRef):
                        refs.append([len(skel_words), seg.slot, seg.list_name])
                        slot_list = tpl.lists.get(seg.list_name)
                        key = self._list_key.get(id(slot_list), seg.list_name)
                        skel_words.append(self.lexicon.list_tag(slot_list, key))
                    else:
                        skel_words.extend(tagged(seg, strip))
                if skel_words:
                    break
            text = " ".join(skel_words)
            if not text or (tpl.intent, text) in seen:
                continue
            seen.add((tpl.intent, text))
            out.append([index[id(tpl)], skel_words, refs])
        return out

    def _slots_by_intent(self) -> dict[str, dict[str, list[tuple[str, SlotList]]]]:
        """Intent -> slot -> the (lexicon key, list) pairs its templates read it from; no free text.

        Built from the skeletons: even a capped expansion covers every alternative, so every list.
        """
        out: dict[str, dict[str, list[tuple[str, SlotList]]]] = {}
        for skel in self.skeletons:
            for _, ref in skel.slots:
                slot_list = skel.template.lists.get(ref.list_name)
                if slot_list is None or isinstance(slot_list, WildcardSlotList):
                    continue
                refs = out.setdefault(skel.template.intent, {}).setdefault(ref.slot, [])
                key = self._list_key.get(id(slot_list), ref.list_name)
                if all(k != key for k, _ in refs):
                    refs.append((key, slot_list))
        return out

    def _warm_up(self) -> None:
        """Give hassil our number words now, so the first spoken command is as quick as the rest."""
        ranges = [sl for sl in self.lists.values() if isinstance(sl, RangeSlotList)]
        share_with_hassil(self.intents.numbers, ranges)

    def _mask_for(self, allowed: frozenset[str]) -> np.ndarray:
        if allowed not in self._masks:
            if len(self._masks) > 512:
                self._masks.clear()
            self._masks[allowed] = np.array([s.template.intent in allowed for s in self.plain], dtype=bool)
        return self._masks[allowed]

    def _hassil_for(self, allowed: frozenset[str] | None) -> Intents:
        if allowed not in self._hassil:
            if len(self._hassil) > 512:  # bounded: candidate sets vary with what is said
                self._hassil = {None: self.intents.hassil}
            full = self.intents.hassil
            self._hassil[allowed] = Intents(
                language=full.language,
                intents={n: i for n, i in full.intents.items() if n in allowed},
                slot_lists=full.slot_lists,
                expansion_rules=full.expansion_rules,
                skip_words=full.skip_words,
                settings=full.settings,
            )
        return self._hassil[allowed]


def as_said(text: str, words: str) -> str:
    """Free text as it was typed ("You, Sam!"), found again from its normalised words; else the words."""
    parts = words.split()
    if not parts or len(text) > 4 * MAX_TOKENS * 20:
        return words
    pattern = r"(?<!\w)" + r"[\W_]+".join(re.escape(p).replace("'", "['\u2019]") for p in parts) + r"(?!\w)"
    found = re.search(pattern, text, flags=re.IGNORECASE)
    return text[found.start():found.end()] if found else words


def _plain(value: Any) -> Any:
    """hassil gives 600.0 for ten minutes times sixty; a duration is an int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _rank(result: Understanding) -> tuple[int, float]:
    if isinstance(result, IntentMatch):
        return (2 if result.method == "exact" else 1, result.confidence)
    return (0, result.confidence)
