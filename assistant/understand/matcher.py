"""Understand a line of text: exact first, then a trained classifier with calibrated rejection.

1. Read (`reader.Reader`): lowercase words, digits spoken, synonyms mapped to the word they mean,
   fillers dropped, misheard spellings and a cut-off first word repaired, slot values tagged
   (approximately when a recognizer bent them).
2. Exact: the words are one of the expanded templates (a dictionary look-up), or hassil's own
   `recognize` accepts them (tried on the few intents ranked first).
3. Classifier (`classifier.LinearModel`, trained on the folder's templates, examples and
   not-requests, cached on disk): a probability for every intent and for "not for us". The best
   intent is taken when it is likely enough (`ACCEPT`) and leads the runner-up (`MARGIN`); when it
   is likely but not sure (`ASK`), or two intents are close, the match is marked `unsure` with its
   runner-up, so the dialog can ask one short question instead of guessing.
4. Slots: read from the words said, aligned to the intent's closest expanded template (weighted
   shared words, then rapidfuzz's character ratio), and verbatim where alignment missed a value.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any, Collection, Mapping, NamedTuple, Sequence

import numpy as np
from hassil import Intents, recognize
from hassil.intents import RangeSlotList, SlotList, WildcardSlotList
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from assistant.messages import IntentMatch, NoMatch, Understanding
from assistant.understand.address import Addressees, clauses, halves, repeated_start, unpunctuated
from assistant.understand.cache import cached, cached_arrays
from assistant.understand.classifier import NONE, LinearModel
from assistant.understand.embeddings import WordVectors
from assistant.understand.expand import SlotRef
from assistant.understand.features import FREE, features, past_tense, stemmer
from assistant.understand.intents import IntentSet, Template
from assistant.understand.language import base_language
from assistant.understand.lexicon import NUMBER_TAG, WILDCARD_TAG, Lexicon, Reading
from assistant.understand.normalize import DURATION_HEDGES, FILLERS, REFERENCES, SPOKEN_ENDINGS, tokens
from assistant.understand.numbers import share_with_hassil, sounds_alike
from assistant.understand.parsed import collecting, paused_collection
from assistant.understand.reader import Reader, Said
from assistant.understand.scoring import WordIndex
from assistant.understand.training import DENSE_SCALE, Corpus, calibrated, dense_words

ACCEPT = 0.5
"""Least calibrated probability for the best intent to be taken without a question."""
ASK = 0.3
"""Least probability for the best intent to be offered in a question ("A hug?") instead of dropped."""
MARGIN = 0.1
"""Least lead of the best intent over the runner-up to be taken without a question."""
TOP_K = 30
"""Skeletons (best by word weights) looked at closely per query."""
MAX_TOKENS = 40
"""More words than this is conversation, not a command."""
EXACT_TRIES = 3
"""Intents tried with hassil's exact matcher, best first: an exact sentence is always exact."""
NEAR_TEMPLATE = 0.9
"""A sentence this close to one of the classifier's best intent's templates (shared words and
characters, 0..1) is that template with a slip: taken even when the classifier doubts it. Above
every near miss of the tuning split (the closest was 0.88)."""
UNIT_REACH = 2
"""A number's unit ("minutes") may come this many words after it ("two more minutes")."""
MAX_CLAUSES = 6
"""More clauses than this is conversation: only the whole sentence is scored."""
CUT_WORDS = 8
"""Most words of an answer without punctuation for each of its cuts in two to be scored as clauses."""
ELSEWHERE_TO_NONE = 1.0
"""Share of the probability of intents not listened for (a ritual waiting for its controls) counted as
"not for us" instead of spread over the ones listened for."""
CLAUSE_AGREE = 2
"""A clause's intent must be among this many likeliest intents of the whole sentence."""
ASKED_PRIOR = 1.0
"""Log-odds against "not for us" right after Tandem asked something: the classifier is calibrated for talk
that reached it by a wake phrase (a false wake as likely as a request); a reply to its own question is
far likelier meant for it (fitted on the tuning split's answer contexts)."""
LIKELY_PRIOR = 1.25
"""Log-odds in favour of the intents the caller says are likely now (`likely`: a running ritual's controls,
said after the wake phrase). Since unknown words are learnt (`training.RARE`) a control's reason in words no
file uses ("pause, he's climbing the bookshelf") leans to "not for us"; on the tuning split's kitchen talk
1.25 starts no more than 1.0 did after a false wake in a ritual (15 of 553 lines), 1.5 starts 20."""
CLAUSE_VETO = 0.95
"""Least "not for us" probability of the whole sentence for none of its clauses to stand for it: the
classifier has learnt from the not-requests how a short template sits inside talk to a person ("take a
breath, you're talking too fast"); a request inside chatter stays below ("start a hug, while I wipe the
counter": 0.83). Swept on the tuning split and hand-written probes (0.8-1.0): 0.9 loses a request with
an endearment ("Come again, sugar?" is 0.98), 0.98 lets talk to a person through; 0.95 sits between."""
CLAUSE_CLEAR = 0.9
"""Least probability the classifier gives a clause on its own for it to stand, just after Tandem asked, for a
sentence that as a whole is surely not for us (`CLAUSE_VETO`): a clear answer with its reason ("not today,
I've got a headache": 0.96), not a short phrase also said to people ("go on, I'll have a slice": 0.59)."""
CLAUSE_ACCEPT = 0.8
"""Least probability of a clause's intent (not an exact template) for the clause to stand for the sentence."""
CLAUSE_EXACT_CLEAR = 0.75
"""Least probability the classifier gives a clause that is a template word for word, for it to stand for
the sentence: short templates are everyday words too ("go on, I'll have a slice"), and the classifier
has learnt from the not-requests how often they are said to people."""
LEAD_IN_BEFORE = 3
"""A first clause of one word before this many words more is a lead-in ("Sorry, ..."), not the request."""
AS_SAID = 70.0
"""Least rapidfuzz ratio between a typed word and the word it was read as, to find free text as typed."""
BLEND = 0.65
"""Share of the word-weight score in the template-likeness score; the rest is rapidfuzz's ratio."""


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

    def __init__(self, intent_set: IntentSet, accept: float = ACCEPT, ask: float = ASK, margin: float = MARGIN,
                 use_cache: bool = True, dense: bool = True) -> None:
        with paused_collection():  # thousands of lasting objects (a retrain inside collects: `cache.collecting`)
            self._set_up(intent_set, accept, ask, margin, use_cache, dense)

    def _set_up(self, intent_set: IntentSet, accept: float, ask: float, margin: float, use_cache: bool,
                dense: bool) -> None:
        self.intents = intent_set
        self.vectors = WordVectors.for_language(intent_set.language) if dense else None
        self.addressees = Addressees.of(intent_set.addressees.get("us", ()), intent_set.addressees.get("others", ()),
                                        intent_set.language)
        self.use_cache = use_cache
        self.accept, self.ask, self.margin = accept, ask, margin
        self.language = base_language(intent_set.language)
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
        fillers = [*intent_set.skip_words, *FILLERS.get(self.language, ())]
        synonyms_only = Reader(intent_set.numbers, Lexicon({}, intent_set.numbers, {}), intent_set.synonyms, ())
        self.lexicon = Lexicon(lists, intent_set.numbers, intent_set.hassil.expansion_rules,
                               rewrite=lambda words: synonyms_only.plain(words, strip=False))
        past = past_tense(intent_set.language)
        vectors = self.vectors
        self.reader = Reader(intent_set.numbers, self.lexicon, intent_set.synonyms, fillers,
                             is_word=lambda w: past(w) or (vectors is not None and vectors.is_word(w)),
                             endings=SPOKEN_ENDINGS.get(self.language, ()),
                             hedges=DURATION_HEDGES.get(self.language))
        self.skeletons = self._skeletons()
        self.stem = stemmer(self.language)
        self._units: dict[str, set[str | None]] = {}
        self._intent_slots = self._slots_by_intent()
        self._required = self._required_slots()
        self._markers = self._fixed_slot_markers()
        self._wild = [s for s in self.skeletons if s.words.count(WILDCARD_TAG) == 1]
        self.plain = [s for s in self.skeletons if WILDCARD_TAG not in s.words]
        self.index = WordIndex([s.words for s in self.plain], [s.template.intent for s in self.plain])
        self._masks: dict[frozenset[str], np.ndarray] = {}
        self._by_text: dict[str, list[int]] = {}
        for i, skel in enumerate(self.plain):
            self._by_text.setdefault(skel.text, []).append(i)
        self._hassil: dict[frozenset[str] | None, Intents] = {None: intent_set.hassil}
        self._likely: frozenset[str] = frozenset()
        """Intents made likelier by `LIKELY_PRIOR` during one `match` call (`likely`)."""
        self._none_prior = 0.0
        """Log-odds taken off "not for us" during one `match` call (`asked`); the matcher serves one caller at
        a time (rooms share it behind a lock)."""
        self.calibration: dict[str, float] = {}
        """The fitted calibration (temperature, none_shift, held_out), for reports."""
        self.model = self._model()
        self._class_index = {name: i for i, name in enumerate(self.model.classes)}
        self._warm_up()

    # -- public -----------------------------------------------------------------------------

    def match(self, text: str, allowed: Collection[str] | None = None,
              means: Mapping[str, str] | None = None, asked: bool = False,
              likely: Collection[str] | None = None) -> Understanding:
        """What `text` means among `allowed` intents (all when None).

        `means`: intents that, heard now, stand for another: while a hug is offered, {"StartHug": "Yes"}
        ("yeah, a hug", "a hug sounds lovely" accept it). They are matched as candidates beside `allowed`
        and given back as the intent they stand for (slots kept: "yes, a two-minute one").
        `asked`: Tandem has just asked something (an offer, a rating, a short question): what follows is
        far likelier an answer to it than talk not meant for it (`ASKED_PRIOR`).
        `likely`: intents likelier now than the classifier knows: while a ritual runs, its controls
        ("hey tandem, we better stop, the dinner's burning"), by `LIKELY_PRIOR`.
        """
        self._none_prior = ASKED_PRIOR if asked else 0.0
        self._likely = frozenset(likely or ())
        try:
            if not means:
                return self._match(text, None if allowed is None else frozenset(allowed))
            wider = None if allowed is None else frozenset(allowed) | frozenset(means)
            return _stand_for(self._match(text, wider), means)
        except Exception:  # never let a strange input take the loop down
            return NoMatch(text if isinstance(text, str) else "")  # pragma: no cover
        finally:
            self._none_prior = 0.0
            self._likely = frozenset()

    def match_best(self, texts: Sequence[str], allowed: Collection[str] | None = None,
                   means: Mapping[str, str] | None = None, asked: bool = False,
                   likely: Collection[str] | None = None) -> Understanding:
        """The best understanding over a recognizer's hypotheses (an n-best list, best first).

        An exact match wins over a fuzzy one; among equals the earlier hypothesis wins. Numbers
        heard by a recognizer are never taken on trust: each whole-number slot gets `choices`,
        the value read first, then what other hypotheses heard there and the numbers that sound
        like it ("nineteen": ninety). When the hypotheses themselves disagree on a slot, the match
        is also marked unsure.
        """
        results = [self.match(text, allowed, means, asked, likely) for text in texts if isinstance(text, str)]
        best: Understanding | None = None
        for result in results:
            if best is None or _rank(result) > _rank(best):
                best = result
        if best is None:
            return NoMatch("")
        if not isinstance(best, IntentMatch):
            return best
        same = [r for r in results if isinstance(r, IntentMatch) and r.intent == best.intent]
        choices: dict[str, tuple[Any, ...]] = {}
        disagree = False
        alike = self._sound_alikes(best, allowed, means, asked, likely)
        for slot, value in best.slots.items():
            if not _whole(value):
                continue
            heard = [value] + [r.slots[slot] for r in same if _whole(r.slots.get(slot))]
            disagree |= len(set(heard)) > 1
            choices[slot] = tuple(dict.fromkeys([*heard, *alike.get(slot, ())]))
        # A number other hypotheses of the same request heard, missing from the one read (often cut short:
        # "breathing for like ninety seconds" / "breathing for like"): never the default duration unasked.
        slots = dict(best.slots)
        for r in same:
            for slot, value in r.slots.items():
                if slot not in slots and _whole(value):
                    heard = [v for h in same if _whole(v := h.slots.get(slot))]
                    slots[slot] = heard[0]
                    choices[slot] = tuple(dict.fromkeys(heard))
                    disagree = True
        return replace(best, slots=slots, choices={**best.choices, **choices}, unsure=best.unsure or disagree)

    def _sound_alikes(self, match: IntentMatch, allowed: Collection[str] | None,
                      means: Mapping[str, str] | None = None, asked: bool = False,
                      likely: Collection[str] | None = None) -> dict[str, list[Any]]:
        """Slot values the match would have with each number said swapped for one that sounds like it."""
        said = self.reader.read(match.text)
        out: dict[str, list[Any]] = {}
        for i, reading in enumerate(said.readings):
            if reading is None or reading.number is None:
                continue
            start = sum(r.size if r is not None else 1 for r in said.readings[:i])
            for other in sounds_alike(reading.number, self.language):
                words = [*said.words[:start], self.intents.numbers.spoken(other), *said.words[start + reading.size:]]
                again = self.match(" ".join(words), allowed, means, asked, likely)
                if isinstance(again, IntentMatch) and again.intent == match.intent:
                    for slot, value in again.slots.items():
                        if match.slots.get(slot) != value and _whole(value):
                            out.setdefault(slot, []).append(value)
        return out

    def probabilities(self, text: str, allowed: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The classifier's calibrated probability per intent (and `classifier.NONE`), best first. For tuning."""
        said = self.reader.read(text) if isinstance(text, str) else None
        if said is None or not said.words or len(said.words) > MAX_TOKENS:
            return [(NONE, 1.0)]
        p = self._probabilities(said, None if allowed is None else frozenset(allowed))
        order = np.argsort(-p)
        return [(self.model.classes[i], float(p[i])) for i in order]

    def explain(self, text: str, allowed: Collection[str] | None = None) -> list[tuple[str, float, str]]:
        """Per intent, best first: (intent, probability, its closest expanded template). For tuning."""
        said = self.reader.read(text) if isinstance(text, str) else None
        if said is None or not said.words or len(said.words) > MAX_TOKENS:
            return []
        scores = self._scores(said, None if allowed is None else frozenset(allowed))
        return [(name, p, scores[name][1].text if name in scores else "")
                for name, p in self.probabilities(text, allowed) if name != NONE]

    # -- steps ------------------------------------------------------------------------------

    def _match(self, text: str, allowed: frozenset[str] | None) -> Understanding:
        """The whole sentence, or the clause of it that is a clear request when the rest is chatter."""
        if not isinstance(text, str):
            return NoMatch("")
        whole = self._match_clause(text, allowed)
        if self.addressees.addressed_elsewhere(text, self.reader.vocabulary):
            # said to someone else ("Stop it, Max, down!"); only a template word for word is still ours
            # ("I appreciate you, Sam!")
            return whole if isinstance(whole, IntentMatch) and whole.method == "exact" else NoMatch(text)
        if _rank(whole) >= (2, 0.0):
            return whole
        pieces = self._pieces(text)
        if not pieces:
            return whole
        best = whole
        agree = None
        ranked = self.probabilities(text, allowed)
        # Said to a person as a whole ("not today, I've got a headache" to a partner; "let's walk, the bus is
        # late anyway")? Then no clause stands for it; but just after Tandem asked, a clear answer with its
        # reason does ("not today, I've got a headache" to an offer).
        vetoed = dict(ranked).get(NONE, 0.0) >= CLAUSE_VETO
        if vetoed and not self._none_prior:
            return whole
        if CLAUSE_AGREE:
            agree = [name for name, _ in ranked if name != NONE][:CLAUSE_AGREE]
        for part, rest, last in pieces:
            if allowed is None and len(part.split()) == 1 and rest >= LEAD_IN_BEFORE and not last:
                # "Sorry, I think ...", "Next, we need ...": a word before the sentence, not its request; but when
                # an answer is awaited, one word is the answer ("A walk? Sure, let's go", "One. Too long for me.")
                continue
            found = self._match_clause(part, allowed)
            if agree is not None and getattr(found, "intent", None) not in agree:
                continue  # the whole sentence leans to another request: this clause is not the point
            if not isinstance(found, IntentMatch) or found.unsure or (
                    found.method != "exact" and found.confidence < max(self.accept, CLAUSE_ACCEPT)):
                continue  # each clause is one more chance of a false start: only a clear one counts
            if _rank(found) > _rank(best) and (found.method == "exact" or vetoed):
                alone = dict(self.probabilities(part, allowed)).get(found.intent, 0.0)
                if alone < (CLAUSE_CLEAR if vetoed else CLAUSE_EXACT_CLEAR):
                    continue
            if _rank(found) > _rank(best):
                best = replace(found, text=text)
        if best is not whole and isinstance(best, IntentMatch):
            best = self._with_slots_elsewhere(best, text)
        return best

    def _pieces(self, text: str) -> list[tuple[str, int, bool]]:
        """The parts of a sentence that may carry its request: (part, words in the rest, whether it ends the
        sentence). Its clauses; and just after Tandem asked, for a line without punctuation (as a recognizer
        writes it), each half of every cut in two, since nothing shows where the answer ends and its reason
        begins ("three she interrupted", "not tonight we're shattered"). Not at idle: measured on the tuning
        split, every cut of an idle line let talk near the speaker start things (0 to 3 % of near misses)."""
        parts = clauses(text, self.language)
        out: dict[str, tuple[str, int, bool]] = {}
        if 2 <= len(parts) <= MAX_CLAUSES:
            for i, part in enumerate(parts):
                out.setdefault(part, (part, len(" ".join(parts[:i] + parts[i + 1:]).split()), i == len(parts) - 1))
        # while a ritual runs (its controls likely): "pause pause he's climbing the bookshelf" is the command said
        # twice, then why; at idle there is nothing to pause and the line is talk about a child
        repeated = repeated_start(text) if self._likely else None
        if repeated is not None:
            out.setdefault(repeated[0], (repeated[0], repeated[1], False))
        if unpunctuated(text) and self._none_prior:
            for before, after in halves(text, CUT_WORDS):
                out.setdefault(before, (before, len(after.split()), False))
                out.setdefault(after, (after, len(before.split()), True))
        return list(out.values())

    def _with_slots_elsewhere(self, match: IntentMatch, text: str) -> IntentMatch:
        """A clause's match with the slots the other clauses state ("a hug, one minute", "check in,
        three minutes, then I have a call"): values said word for word anywhere in the sentence fill the
        intent's slots its own clause left empty."""
        said = self.reader.read(text)
        slots = dict(match.slots)
        self._fill_verbatim(match.intent, slots, said.readings, set(), said.tagged)
        return match if slots == match.slots else replace(match, slots=slots)

    def _match_clause(self, text: str, allowed: frozenset[str] | None) -> Understanding:
        readings = self.reader.readings(text)
        if not readings[0].words or len(readings[0].words) > MAX_TOKENS:
            return NoMatch(text)
        for said in readings:
            known = self._known_sentence(said, allowed)
            if known is not None:
                return IntentMatch(known[0], known[1], 1.0, text, "exact")
        said, p = max(((r, self._free_text_reading(r, allowed, self._probabilities(r, allowed))) for r in readings),
                      key=lambda rp: self._likeliest(rp[1]))
        ranked = [i for i in np.argsort(-p) if self.model.classes[i] != NONE
                  and (allowed is None or self.model.classes[i] in allowed)]
        scores = self._scores(said, allowed)
        candidates = frozenset(self.model.classes[i] for i in ranked[:EXACT_TRIES])
        candidates |= self._wildcard_candidates(said.words, allowed)
        exact = self._exact(" ".join(said.spoken), candidates, text) if candidates else None
        if exact is not None:
            return IntentMatch(exact[0], exact[1], 1.0, text, "exact")
        if not ranked:
            return NoMatch(text)
        name, runner_up = self.model.classes[ranked[0]], self.model.classes[ranked[1]] if len(ranked) > 1 else None
        top = float(p[ranked[0]])
        none = float(p[self._class_index[NONE]])
        margin = top - max(float(p[ranked[1]]) if len(ranked) > 1 else 0.0, none)
        near = scores.get(name, (0.0, None))[0]
        if near >= NEAR_TEMPLATE:  # a template but for a recognizer's slip ("the time is left"), the same intent
            slots = self._slots_for(name, said, scores, text)
            if slots is not None:
                return IntentMatch(name, slots, round(min(near, 0.99), 3), text, "fuzzy", runner_up=runner_up,
                                   margin=round(max(margin, 0.0), 3))
        if top < self.ask or none >= top:
            return NoMatch(text, name, round(top, 3))
        slots = self._slots_for(name, said, scores, text)
        if slots is None:  # a value was said but its list does not allow it ("zero stars"), or one is missing
            return NoMatch(text, name, round(top, 3))
        unsure = top < self.accept or margin < self.margin
        return IntentMatch(name, slots, round(min(top, 0.99), 3), text, "fuzzy", runner_up=runner_up,
                           margin=round(margin, 3), unsure=unsure)

    def _likeliest(self, p: np.ndarray) -> float:
        """How likely the best intent of a reading is (what picks between readings of a cut-off word)."""
        none = self._class_index[NONE]
        return float(np.max(np.delete(p, none))) if len(p) > 1 else 0.0

    def _model_probabilities(self, names: list[str], mask: np.ndarray | None, vector: np.ndarray | None = None
                             ) -> np.ndarray:
        """The classifier's probabilities, with "not for us" made less likely when Tandem has just asked."""
        p = self.model.probabilities(names, mask, vector)
        if self._none_prior or self._likely:
            p = p.copy()
            p[self._class_index[NONE]] *= float(np.exp(-self._none_prior))
            for name in self._likely:
                if name in self._class_index:
                    p[self._class_index[name]] *= float(np.exp(LIKELY_PRIOR))
            p /= p.sum()
        return p

    def _probabilities(self, said: Said, allowed: frozenset[str] | None) -> np.ndarray:
        """Calibrated class probabilities, over `allowed` intents and "not for us" when given."""
        names = features(said.tagged, self.reader.known, self.stem)
        vector = DENSE_SCALE * self.vectors.sentence(dense_words(said.tagged)) if self.vectors is not None else None
        if allowed is None:
            return self._model_probabilities(names, None, vector)
        mask = self._class_mask(allowed)
        masked = self._model_probabilities(names, mask, vector)
        if ELSEWHERE_TO_NONE <= 0:
            return masked
        # what leans to an intent not listened for now is not an answer either: its share goes to "not for us"
        p = self._model_probabilities(names, None, vector)
        outside = float(p[~mask].sum())
        folded = np.where(mask, p, 0.0)
        folded[self._class_index[NONE]] += outside
        return (1 - ELSEWHERE_TO_NONE) * masked + ELSEWHERE_TO_NONE * folded

    def _collapse_free(self, intent: str, said: Said) -> list[str]:
        """An example's words with the free text of its intent's wildcard template as one unknown word."""
        for skel in self._wild:
            if skel.template.intent == intent:
                score, free, cut = self._wildcard_split(skel, said.words)
                if score > 0 and free:
                    return [*said.words[:cut], FREE, *said.words[cut + len(free):]]
        return said.tagged

    def _free_text_reading(self, said: Said, allowed: frozenset[str] | None, p: np.ndarray) -> np.ndarray:
        """The probabilities with the free text of a wildcard template read as one unknown word.

        "i really appreciate how you cooked" holds many words no template uses; the classifier
        learnt "i appreciate <unk>". When such a template's fixed words were all said and this
        reading makes its intent likelier, it is the reading kept.
        """
        best = p
        for skel in self._wild:
            name = skel.template.intent
            if (allowed is not None and name not in allowed) or name not in self._class_index:
                continue
            score, free, cut = self._wildcard_split(skel, said.words)
            if score <= 0 or not free:
                continue
            tagged = [*said.words[:cut], FREE, *said.words[cut + len(free):]]
            mask = None if allowed is None else self._class_mask(allowed)
            q = self._model_probabilities(features(tagged, self.reader.known, self.stem), mask)
            k = self._class_index[name]
            if q[k] > best[k] and int(np.argmax(q)) == k:
                best = q
        return best

    def _slots_for(self, name: str, said: Said, scores: dict[str, tuple[float, "Skeleton"]],
                   text: str) -> dict[str, Any] | None:
        """The slots of intent `name` read from `said`, or None when they cannot be read."""
        if name not in scores:
            scores = {**scores, **self._scores(said, frozenset({name}))}
        if name not in scores:
            # no template shares a word with it ("that would be lovely" for yes): an intent without
            # slots needs none to read; the classifier's word is enough when known words were said
            grounded = any(len(w) > 1 and w in self.reader.known for w in said.words)  # "d" of "i'd" is no word
            return {} if grounded and not self._intent_slots.get(name) and not self._required.get(name) else None
        skel = scores[name][1]
        if WILDCARD_TAG in skel.words:
            slots = self._read_wildcard(skel, said.words, text)
            if not any(ref.slot in slots for _, ref in skel.slots
                       if isinstance(skel.template.lists.get(ref.list_name), WildcardSlotList)):
                return None  # its free text was only "that": nothing was said to keep
        else:
            aligned = self._align_slots(skel, said.tagged, said.readings)
            if aligned is None:
                return None
            slots, used = aligned
            self._drop_unsaid_fixed(name, skel, slots, said.tagged)
            self._fill_verbatim(name, slots, said.readings, used, said.tagged)
        if not self._required.get(name, frozenset()) <= set(slots):
            return None
        self._fill_fixed(name, slots, said.tagged)
        return slots

    def _drop_unsaid_fixed(self, intent: str, skel: "Skeleton", slots: dict[str, Any], tagged: list[str]) -> None:
        """The closest template's fixed slots left out when none of its block's own words were said: "i need
        one of those long hugs" came closest to "i need a morning hug" by its other words, but says no morning."""
        fixed = tuple(sorted((k, v) for k, v in skel.template.fixed_slots.items() if isinstance(v, (str, int, float))))
        for block, words in self._markers.get(intent, ()):
            if block == fixed and not words & set(tagged):
                for slot, _ in block:
                    if slot not in self._required.get(intent, frozenset()):
                        slots.pop(slot, None)

    def _fill_fixed(self, intent: str, slots: dict[str, Any], tagged: list[str]) -> None:
        """Fixed slots of the intent's template block whose own words were said, when the closest template
        was another block's ("who begins the gratitude tonight": `ritual: gratitude`; "a morning hug there,
        two minutes": `variant: morning`). Only when exactly one block's words were said."""
        said = set(tagged)
        found = [fixed for fixed, words in self._markers.get(intent, ()) if words & said]
        if len(found) == 1:
            for slot, value in found[0]:
                slots.setdefault(slot, value)

    def _known_sentence(self, said: Said, allowed: frozenset[str] | None) -> tuple[str, dict[str, Any]] | None:
        """A sentence that is word for word one of the expanded templates: exact, without a search."""
        if any(r is not None and r.similarity < 1.0 for r in said.readings):
            return None  # a value found approximately is never an exact match
        for i in self._by_text.get(" ".join(said.tagged), ()):
            skel = self.plain[i]
            if allowed is not None and skel.template.intent not in allowed:
                continue
            aligned = self._align_slots(skel, said.tagged, said.readings)
            if aligned is not None and all(ref.slot in aligned[0] for _, ref in skel.slots):
                return skel.template.intent, aligned[0]
        return None

    def _exact(self, text: str, candidates: frozenset[str] | None = None,
               typed: str = "") -> tuple[str, dict[str, Any]] | None:
        """hassil's own match of the normalised `text`; free text is given back as `typed` had it."""
        result = recognize(text, self._hassil_for(candidates), language=self.intents.language)
        if result is None:
            return None
        slots = {name: _plain(entity.value) for name, entity in result.entities.items()}
        for name, entity in result.entities.items():
            if entity.is_wildcard and isinstance(entity.value, str):
                slots[name] = first_clause(as_said(typed, entity.value))
                if self._only_reference(slots[name]):
                    return None
        return result.intent.name, slots

    def _only_reference(self, free: str) -> bool:
        """Free text that only points back at something said before ("that"): no value of its own."""
        words = tokens(free)
        return bool(words) and set(words) <= REFERENCES.get(self.language, frozenset())

    def _scores(self, said: Said, allowed: frozenset[str] | None) -> dict[str, tuple[float, "Skeleton"]]:
        """Per intent, its closest expanded template and how close it is (0..1)."""
        tagged, words = said.tagged, said.words
        bow = self.index.scores(tagged)
        if allowed is not None:
            bow = np.where(self._mask_for(allowed), bow, -1.0)
        top = np.argpartition(-bow, min(TOP_K, len(bow) - 1))[:TOP_K] if len(bow) else []
        query = " ".join(tagged)
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
            score = self._wildcard_split(skel, words)[0]
            if score > 0 and (name not in best or score > best[name][0]):
                best[name] = (score, skel)
        return best

    def _wildcard_candidates(self, words: list[str], allowed: frozenset[str] | None) -> frozenset[str]:
        """Intents with a free-text template whose fixed words were all said."""
        said = set(words)
        return frozenset(s.template.intent for s in self._wild
                         if (allowed is None or s.template.intent in allowed)
                         and all(w in said for w in s.words if not w.startswith("#")))

    def _wildcard_split(self, skel: "Skeleton", words: list[str]) -> tuple[float, list[str], int]:
        """Score the fixed words before and after the free text; return it with the free words and
        where they start.

        The free text starts right after the template's last fixed word before it, said ("put it
        down that i appreciate | her patience"), and ends right before its first fixed word after it;
        whether the sentence means the intent at all is the classifier's call.
        """
        cut = skel.words.index(WILDCARD_TAG)
        if (cut and skel.words[cut - 1] not in words) or (cut + 1 < len(skel.words) and skel.words[cut + 1] not in words):
            return 0.0, [], 0
        head, tail = list(skel.words[:cut]), list(skel.words[cut + 1:])
        best: tuple[float, list[str], int] = (0.0, [], 0)
        for h in range(1 if head else 0, len(words)):
            if head and words[h - 1] != head[-1]:
                continue  # the free text starts right after the template's last fixed word
            before = " ".join(words[max(0, h - len(head)):h])
            head_score = fuzz.ratio(before, " ".join(head)) / 100 if head else 1.0
            for t in range(1, len(words) - h) if tail else [0]:
                if tail and words[len(words) - t] != tail[0]:
                    continue
                free = words[h:len(words) - t]
                after = " ".join(words[len(words) - t:len(words) - t + len(tail)])
                tail_score = fuzz.ratio(after, " ".join(tail)) / 100 if tail else 1.0
                score = (head_score * len(head) + tail_score * len(tail)) / max(1, len(head) + len(tail))
                if free and score > best[0]:
                    best = (score, free, h)
        return best

    def _read_wildcard(self, skel: "Skeleton", words: list[str], typed: str) -> dict[str, Any]:
        slots: dict[str, Any] = dict(skel.template.fixed_slots)
        free = self._wildcard_split(skel, words)[1]
        for _, ref in skel.slots:
            if isinstance(skel.template.lists.get(ref.list_name), WildcardSlotList) and free:
                value = first_clause(as_said(typed, " ".join(free)))
                if not self._only_reference(value):
                    slots[ref.slot] = value
        return slots

    def _has_unit(self, key: str, tagged: list[str], i: int) -> bool:
        """The number at `tagged[i]` is followed (closely) by a word its list's templates put after it,
        or ends the sentence where the templates end with it."""
        units = self._units.get(key, set())
        after = {self.stem(w) for w in tagged[i + 1:i + 1 + UNIT_REACH]}
        return bool(units & after) or (None in units and i == len(tagged) - 1)

    def _fill_verbatim(self, intent: str, slots: dict[str, Any], readings: list[Reading | None],
                       used: set[int], tagged: list[str]) -> None:
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
                    if reading.number is not None and not self._has_unit(key, tagged, i):
                        continue  # a number out of place needs its unit beside it ("count of five" is none)
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

    def _align_slots(self, skel: "Skeleton", tagged: list[str], readings: list[Reading | None]
                     ) -> tuple[dict[str, Any], set[int]] | None:
        """Slot values read from the words said, aligned to the skeleton's `{list}` tags, and the
        indices of the readings used. None when a value stands right where a slot is but its list
        does not hold it."""
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
            if skel.words[pos] == NUMBER_TAG and pos + 1 < len(skel.words):
                # "count of five" is not "five minutes": a number needs the word that follows it in
                # the template close behind it ("two more minutes")
                unit = self.stem(skel.words[pos + 1])
                candidates = [i for i in candidates
                              if any(self.stem(w) == unit for w in tagged[i + 1:i + 1 + UNIT_REACH])]
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

    def _files(self) -> list[Path]:
        """What the cached skeletons and model are made of: the intent files (and the vector table's notice)."""
        files = sorted(self.intents.folder.glob("*.yaml"))
        return [*files, self.vectors.folder / "NOTICE"] if self.vectors is not None else files

    def _skeletons(self) -> list["Skeleton"]:
        """Every template expanded and tagged, from the on-disk cache when the files are unchanged."""
        rows = cached(self._files(), self._tag_skeletons) if self.use_cache else self._tag_skeletons()
        try:
            return self._rows_to_skeletons(rows)
        except (IndexError, TypeError, ValueError):  # a cache from elsewhere: rebuild
            return self._rows_to_skeletons(self._tag_skeletons())

    def _rows_to_skeletons(self, rows: list[list[Any]]) -> list["Skeleton"]:
        templates = self.intents.templates
        refs: dict[tuple[str, str], SlotRef] = {}  # thousands of skeletons share a few dozen references
        out = []
        for t, words, slots in rows:
            tagged = tuple(words)
            out.append(Skeleton(templates[t], tagged, " ".join(tagged), tuple(
                (pos, refs.get((slot, name)) or refs.setdefault((slot, name), SlotRef(slot, name)))
                for pos, slot, name in slots)))
        return out

    def corpus(self) -> Corpus:
        """What the classifier learns from, read like queries; teaches the reader the known words too."""
        examples = [(e.intent, self._collapse_free(e.intent, self.reader.read(e.text, guess=False)))
                    for e in self.intents.examples]
        negatives = [self.reader.read(t, guess=False).tagged for t in self.intents.not_requests]
        self.reader.learn([*(list(s.words) for s in self.skeletons), *(w for _, w in examples), *negatives])
        return Corpus([(s.template.intent, list(s.words)) for s in self.skeletons], examples, negatives,
                      [e.group for e in self.intents.examples], self.intents.not_request_groups)

    def _model(self) -> LinearModel:
        """The intent classifier and the reader's known words, from the on-disk cache when the files are
        unchanged (reading the examples and training happen only when they changed)."""
        def build() -> dict[str, np.ndarray]:
            corpus = self.corpus()
            embed = self.vectors.sentence if self.vectors is not None else None
            model, fitted = calibrated(corpus, self.intents.names, self.reader.known, self.stem, embed=embed)
            stats = np.array([fitted.temperature, fitted.none_shift, fitted.held_out] if fitted else [1.0, 0.0, 0])
            arrays = {**model.to_arrays(), **self.reader.to_arrays(), "calibration": stats}
            if self.vectors is not None:  # the known words' vectors: a query of known words needs no table
                arrays |= self.vectors.export(sorted(self.reader.vocabulary))
            return arrays

        def built() -> dict[str, np.ndarray]:
            with collecting():  # training makes garbage: collect it though start-up paused collection
                return build()

        arrays = cached_arrays(self._files(), build, "classifier") if self.use_cache else built()
        try:
            model = LinearModel.from_arrays(arrays)
            if model.classes != (*self.intents.names, NONE):
                raise ValueError("a model of other intents")
            if (model.dense is None) != (self.vectors is None) or (
                    model.dense is not None and model.dense.shape[0] != arrays["vector_sums"].shape[1]):
                raise ValueError("a model of other vectors")
            self.reader.from_arrays(arrays)
            if self.vectors is not None:
                self.vectors.absorb(arrays)
            stats = [float(x) for x in arrays.get("calibration", np.array([1.0, 0.0, 0]))]
            self.calibration = dict(zip(("temperature", "none_shift", "held_out"), stats))
            return model
        except (KeyError, ValueError, IndexError):
            arrays = built()
            return LinearModel.from_arrays(arrays)

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
                memo[seg, strip] = self.reader.tag_template(seg, strip)
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
            for pos, ref in skel.slots:
                slot_list = skel.template.lists.get(ref.list_name)
                if slot_list is None or isinstance(slot_list, WildcardSlotList):
                    continue
                refs = out.setdefault(skel.template.intent, {}).setdefault(ref.slot, [])
                key = self._list_key.get(id(slot_list), ref.list_name)
                if all(k != key for k, _ in refs):
                    refs.append((key, slot_list))
                if skel.words[pos] == NUMBER_TAG:  # what follows a number of this list: its unit
                    after = skel.words[pos + 1] if pos + 1 < len(skel.words) else None
                    self._units.setdefault(key, set()).add(self.stem(after) if after else None)
        return out

    def _fixed_slot_markers(self) -> dict[str, list[tuple[tuple[tuple[str, Any], ...], frozenset[str]]]]:
        """Intent -> (a template block's fixed slots, the words only that block's templates use) per block
        with fixed slots ("gratitude" for `ritual: gratitude`, "morning", "coffee" for `variant: morning`)."""
        words: dict[str, dict[tuple[tuple[str, Any], ...], set[str]]] = {}
        for skel in self.skeletons:
            fixed = tuple(sorted((k, v) for k, v in skel.template.fixed_slots.items()
                                 if isinstance(v, (str, int, float))))
            words.setdefault(skel.template.intent, {}).setdefault(fixed, set()).update(
                w for w in skel.words if not w.startswith("#"))
        out: dict[str, list[tuple[tuple[tuple[str, Any], ...], frozenset[str]]]] = {}
        for intent, blocks in words.items():
            for fixed, own in blocks.items():
                others = set().union(*(w for f, w in blocks.items() if f != fixed))
                if fixed and own - others:
                    out.setdefault(intent, []).append((fixed, frozenset(own - others)))
        return out

    def _required_slots(self) -> dict[str, frozenset[str]]:
        """Intent -> the slots every one of its templates fills (a match without them means nothing)."""
        out: dict[str, frozenset[str]] = {}
        for skel in self.skeletons:
            have = frozenset({ref.slot for _, ref in skel.slots} | set(skel.template.fixed_slots))
            name = skel.template.intent
            out[name] = out[name] & have if name in out else have
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

    def _class_mask(self, allowed: frozenset[str]) -> np.ndarray:
        return np.array([c in allowed or c == NONE for c in self.model.classes], dtype=bool)

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
    if found:
        return text[found.start():found.end()]
    # a word was respelt on the way ("cookin'" read as "cooking"): the typed words in the same places
    typed = list(re.finditer(r"[\w'\u2019]+", text))
    best, where = 0.0, None
    for i in range(len(typed) - len(parts) + 1):
        scores = [fuzz.ratio(typed[i + j].group().lower().strip("'\u2019"), part) for j, part in enumerate(parts)]
        if min(scores) >= AS_SAID and sum(scores) > best:
            best, where = sum(scores), i
    if where is None:
        return words
    return text[typed[where].start():typed[where + len(parts) - 1].end()]


_CLAUSE_END = re.compile(r"\s*(?:[.!?;:\u2026]|\s[-\u2013\u2014]+\s)|,(?!\s*[A-Z][a-z]*\W*$)")


def first_clause(free: str) -> str:
    """Free text up to where its clause ends: "you doing the dishes, save that" -> "you doing the dishes".

    A comma before a last capitalised word stays ("you, Sam"): that is the one being thanked.
    """
    found = _CLAUSE_END.search(free)
    return free[:found.start()].strip() if found and found.start() > 0 else free


def _plain(value: Any) -> Any:
    """hassil gives 600.0 for ten minutes times sixty; a duration is an int."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _stand_for(result: Understanding, means: Mapping[str, str]) -> Understanding:
    """The understanding with an intent that stands for another (`Matcher.match`'s `means`) replaced by it."""
    if isinstance(result, IntentMatch):
        if result.intent in means:
            runner_up = means.get(result.runner_up or "", result.runner_up)
            return replace(result, intent=means[result.intent],
                           runner_up=None if runner_up == means[result.intent] else runner_up)
        if result.runner_up in means:
            return replace(result, runner_up=means[result.runner_up])
    elif result.best_intent in means:
        return replace(result, best_intent=means[result.best_intent])
    return result


def _rank(result: Understanding) -> tuple[int, float]:
    if isinstance(result, IntentMatch):
        return (3 if result.method == "exact" else 1 if result.unsure else 2, result.confidence)
    return (0, result.confidence)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
