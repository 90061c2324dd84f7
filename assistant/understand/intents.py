"""Load and validate an intents folder (hassil YAML), and expand it once into samples.

Everything a person can say lives in these files; a mistake in them must stop Tandem at
load time with the file, the key and the fix, never surface later as a missed command.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from hassil import Intents
from hassil.expression import Sentence
from hassil.intents import RangeSlotList, SlotList, TextSlotList, WildcardSlotList

from assistant.errors import DataError
from assistant.understand import cache, parsed
from assistant.understand.expand import Expander, SlotRef, Variant
from assistant.understand.numbers import NumberWords
from assistant.understand.validate import check_refs, merge, parse, parse_list, read_yaml

_OURS = ("examples", "not_requests", "synonyms", "addressees")
"""Keys Tandem reads beside hassil's (hassil's own loader ignores them, so the folder stays hassil's)."""
VARIANTS_PER_EXAMPLE = 12
"""Most sentences one example or not-request template expands to (sampled beyond that)."""
SKELETON_CAP = 100
"""Most skeletons kept per template (more are sampled, not enumerated)."""
VALUES_PER_LIST = 40
"""Most values of one list used when writing out samples."""


@dataclass(frozen=True)
class Sample:
    """One sentence an intent accepts, with the slots it carries."""

    intent: str
    text: str
    slots: dict[str, Any]


@dataclass(frozen=True)
class Example:
    """A sentence as people really say it for an intent (top-level `examples:`), not a template.

    Examples teach the matcher's classifier how requests sound beyond the templates; their slot
    values, if any, are read from the words like any other sentence's. Each entry in the files may
    use template syntax ("(chuck|pop) on [a|the] hug timer") and is expanded into a few sentences.
    """

    intent: str
    text: str
    group: int = 0
    """Which entry of the files it was expanded from (held-out folds keep an entry's sentences together)."""


@dataclass(frozen=True)
class Entry:
    """One `examples:` or `not_requests:` entry as written, with where it was written."""

    path: Path
    key: str
    text: str


@dataclass(frozen=True)
class Template:
    """One sentence template of one intent, with what it needs to expand and read slots."""

    intent: str
    sentence: Sentence
    fixed_slots: dict[str, Any]
    rules: dict[str, Sentence]
    lists: dict[str, SlotList]
    path: Path


@dataclass
class IntentSet:
    """A loaded intents folder: the hassil `Intents` plus expanded skeletons and samples."""

    hassil: Intents
    folder: Path
    names: tuple[str, ...]
    templates: list[Template]
    language: str
    files: dict[str, Path] = field(default_factory=dict)
    """Intent name -> the file that defines it (the first one)."""
    example_entries: dict[str, list[Entry]] = field(default_factory=dict)
    """Intent -> its `examples:` entries as written (templates allowed)."""
    not_request_entries: list[Entry] = field(default_factory=list)
    """The `not_requests:` entries as written (templates allowed)."""
    synonyms: dict[str, str] = field(default_factory=dict)
    """Phrase -> the word it means here ("cuddle" -> "hug"; top-level `synonyms:`, word: [phrases])."""
    rules: dict[str, Sentence] = field(default_factory=dict)
    """The folder's shared expansion rules, parsed."""
    lists: dict[str, SlotList] = field(default_factory=dict)
    """The folder's shared lists, parsed."""
    addressees: dict[str, list[str]] = field(default_factory=dict)
    """`us`: the device's own names ("tandem"); `others`: names of anyone else it may hear addressed
    (other assistants, children, pets): top-level `addressees:`."""

    @cached_property
    def examples(self) -> list[Example]:
        """Every `examples:` entry expanded into sentences, per intent in file order.

        Expanded on first use (the classifier is trained from them only when its cache is stale):
        a template error in an entry raises `DataError` naming the file and key then.
        """
        entries = [(name, entry) for name, group in self.example_entries.items() for entry in group]
        return [Example(name, text, i) for i, (name, entry) in enumerate(entries) for text in self._expand(entry)]

    @cached_property
    def not_requests(self) -> list[str]:
        """Every `not_requests:` entry expanded into sentences."""
        return [text for entry in self.not_request_entries for text in self._expand(entry)]

    @cached_property
    def not_request_groups(self) -> list[int]:
        """For each of `not_requests`, the index of the entry it was expanded from."""
        return [i for i, entry in enumerate(self.not_request_entries) for _ in self._expand(entry)]

    def _expand(self, entry: Entry) -> list[str]:
        sentence = parse(entry.path, entry.key, entry.text)
        check_refs(entry.path, entry.key, sentence.expression, self.rules, dict(self.lists), set())
        seed = zlib.crc32(entry.text.encode())
        rng = random.Random(seed)
        out: list[str] = []
        for variant in Expander(self.rules).bounded(sentence.expression, VARIANTS_PER_EXAMPLE, seed=seed):
            words = []
            for seg in variant:
                if isinstance(seg, SlotRef):
                    values = self.list_values(self.lists[seg.list_name]) if seg.list_name in self.lists else []
                    words.append(rng.choice(values)[0] if values else "")
                else:
                    words.append(seg)
            text = " ".join(" ".join(words).split())
            if text and text not in out:
                out.append(text)
        return out

    @property
    def skip_words(self) -> list[str]:
        return list(self.hassil.skip_words)

    @cached_property
    def numbers(self) -> NumberWords:
        """Spoken forms of every number the range lists allow."""
        ranges = [sl for t in self.templates for sl in t.lists.values() if isinstance(sl, RangeSlotList)]
        return NumberWords(self.language, ranges)

    @cached_property
    def skeletons(self) -> list[tuple[Template, Variant]]:
        """Every template expanded over its alternatives, slot references left as markers."""
        out: list[tuple[Template, Variant]] = []
        expanders: dict[int, Expander] = {}  # one per rule set, so each rule expands once
        for tpl in self.templates:
            expander = expanders.setdefault(id(tpl.rules), Expander(tpl.rules))
            # Seeded by the template itself, not its position: adding a sentence elsewhere must not
            # re-sample this one (it would move the recognizer's language model for every intent).
            seed = zlib.crc32(f"{tpl.intent}|{tpl.sentence.text}".encode())
            for variant in expander.bounded(tpl.sentence.expression, SKELETON_CAP, seed=seed):
                out.append((tpl, variant))
        return out

    @cached_property
    def samples(self) -> list[Sample]:
        """Example sentences with slot values filled in (each list value used at least once per template)."""
        out: list[Sample] = []
        seen: set[tuple[str, str]] = set()
        rng = random.Random(0)
        used_values: dict[int, set[str]] = {}
        for tpl, variant in self.skeletons:
            covered = used_values.setdefault(id(tpl), set())
            for text, slots in self._fill(tpl, variant, rng, covered):
                key = (tpl.intent, text)
                if text and key not in seen:
                    seen.add(key)
                    out.append(Sample(tpl.intent, text, {**tpl.fixed_slots, **slots}))
        return out

    def _fill(self, tpl: Template, variant: Variant, rng: random.Random,
              covered: set[str]) -> Iterator[tuple[str, dict[str, Any]]]:
        refs = [seg for seg in variant if isinstance(seg, SlotRef)]
        if not refs:
            yield " ".join(str(s) for s in variant), {}
            return
        if any(isinstance(tpl.lists.get(r.list_name), WildcardSlotList) for r in refs):
            return  # free text has no sample value
        choices = {r: self.list_values(tpl.lists[r.list_name]) for r in refs}
        picks: list[dict[SlotRef, tuple[str, Any]]] = [{r: rng.choice(choices[r]) for r in refs}]
        for ref in refs:  # the first time a template meets a list, write out its values
            marker = f"{ref.list_name}:{ref.slot}"
            if marker not in covered:
                covered.add(marker)
                picks += [{**picks[0], ref: value} for value in choices[ref]]
        for pick in picks:
            words = [pick[s][0] if isinstance(s, SlotRef) else s for s in variant]
            yield " ".join(" ".join(words).split()), {r.slot: pick[r][1] for r in refs}

    def list_values(self, slot_list: SlotList) -> list[tuple[str, Any]]:
        """(spoken text, slot value) pairs for a list, bounded to `VALUES_PER_LIST` per list."""
        if isinstance(slot_list, RangeSlotList):
            values = list(self.numbers.range_values(slot_list))
            if len(values) > VALUES_PER_LIST:
                step = len(values) / VALUES_PER_LIST
                values = [values[int(i * step)] for i in range(VALUES_PER_LIST)]
            return values
        if isinstance(slot_list, TextSlotList):
            out: list[tuple[str, Any]] = []
            for value in slot_list.values:
                expander = Expander(self.hassil.expansion_rules)
                for variant in expander.bounded(value.text_in, 4):
                    text = " ".join(str(s) for s in variant if isinstance(s, str)).strip()
                    if text:
                        out.append((text, value.value_out if value.value_out is not None else text))
            return out[: VALUES_PER_LIST * 4]
        return []

    def vocabulary(self) -> set[str]:
        """Every lowercase word any template or list can produce (for a recognizer's dictionary)."""
        return set(self._vocabulary)

    @cached_property
    def _vocabulary(self) -> frozenset[str]:
        words: set[str] = set()
        for _, variant in self.skeletons:
            for seg in variant:
                if isinstance(seg, str):
                    words.update(seg.lower().split())
        lists = {id(sl): sl for tpl in self.templates for sl in tpl.lists.values()}
        for slot_list in lists.values():
            if isinstance(slot_list, RangeSlotList):
                values = self.numbers.range_values(slot_list)
            else:
                values = iter(self.list_values(slot_list))
            for text, _ in values:
                words.update(text.lower().split())
        return frozenset(words)


def load_intents(folder: Path | str, use_cache: bool = True) -> IntentSet:
    """Read every `*.yaml` in `folder`, validate it and build an `IntentSet`.

    Raises `DataError` naming the file and key for bad YAML, bad template syntax, a reference to
    an undefined list or rule, or a value of the wrong type. Files read before (the same bytes) come
    back from the parsed cache (`parsed.py`) without reading the YAML or parsing a template.
    """
    folder = Path(folder)
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not paths:
        raise DataError(folder, "", "no intent files (*.yaml) found",
                        "point --intents at a folder of hassil YAML files")
    if use_cache:
        stored = cache.read_parsed(paths)
        if stored is not None:
            try:
                intent_set = parsed.load(stored, folder)
                if isinstance(intent_set, IntentSet):
                    return intent_set
            except ValueError:
                pass  # damaged or from another version: parse again
    merged: dict[str, Any] = {"intents": {}, "lists": {}, "expansion_rules": {}, "skip_words": [],
                              "examples": {}, "not_requests": [], "synonyms": {}, "addressees": {"us": [], "others": []}}
    origin: dict[str, Path] = {}
    language: str | None = None
    for path in paths:
        doc = read_yaml(path)
        language = merge(path, doc, merged, origin, language)
    if not merged["intents"]:
        raise DataError(folder, "intents", "no intents defined", "add an `intents:` section")
    merged["language"] = language or "en"
    intent_set = _build(folder, merged, origin)
    if use_cache:
        cache.write_parsed(paths, lambda: parsed.dump(intent_set, folder))
    return intent_set


def _build(folder: Path, merged: dict[str, Any], origin: dict[str, Path]) -> IntentSet:
    global_rules = {n: parse(origin[f"expansion_rules:{n}"], f"expansion_rules.{n}", b)
                    for n, b in merged["expansion_rules"].items()}
    global_lists = {n: parse_list(origin[f"lists:{n}"], f"lists.{n}", n, b) for n, b in merged["lists"].items()}
    templates: list[Template] = []
    for name, body in merged["intents"].items():
        for i, data in enumerate(body["data"]):
            path = origin[f"data:{name}:{i}"]
            key = f"intents.{name}.data[{i}]"
            templates.extend(_templates(path, key, name, data, global_rules, global_lists))
    for name, rule in global_rules.items():
        check_refs(origin[f"expansion_rules:{name}"], f"expansion_rules.{name}", rule.expression,
                    global_rules, global_lists, set())
    try:
        hassil = Intents.from_dict({k: v for k, v in merged.items() if k not in _OURS})
    except Exception as error:  # hassil's own checks, after ours: keep the message
        raise DataError(folder, "", f"hassil cannot load these intents: {error}",
                        "compare the files with the hassil format") from error
    _share_parsed(hassil, templates)
    names = tuple(merged["intents"])
    files = {n: origin[f"intent:{n}"] for n in names}
    for name in merged["examples"]:
        if name not in merged["intents"]:
            raise DataError(origin[f"examples:{name}"], f"examples.{name}", "names no intent of this folder",
                            "use an intent name defined under `intents:` (names are case-sensitive; quote Yes/No)")
    examples = {name: [Entry(*e) for e in entries] for name, entries in merged["examples"].items()}
    return IntentSet(hassil, folder, names, templates, merged["language"], files, examples,
                     [Entry(*e) for e in merged["not_requests"]], dict(merged["synonyms"]), global_rules, global_lists,
                     {side: list(names) for side, names in merged["addressees"].items()})


def _share_parsed(hassil: Intents, templates: list[Template]) -> None:
    """Hand our parsed templates to hassil so it does not parse every sentence a second time."""
    by_text: dict[tuple[str, str], Sentence] = {(t.intent, t.sentence.text or ""): t.sentence for t in templates}
    for name, intent in hassil.intents.items():
        for data in intent.data:
            parsed = [by_text.get((name, text)) for text in data.sentence_texts]
            if all(p is not None for p in parsed):
                data.__dict__["sentences"] = sorted(parsed, key=data._sentence_order)


def _templates(path: Path, key: str, intent: str, data: Any, global_rules: dict[str, Sentence],
               global_lists: dict[str, SlotList]) -> Iterator[Template]:
    if not isinstance(data, dict):
        raise DataError(path, key, "must be a mapping", "write `- sentences: [...]`")
    sentences = data.get("sentences")
    if not isinstance(sentences, list) or not sentences or not all(isinstance(s, str) for s in sentences):
        raise DataError(path, f"{key}.sentences", "must be a non-empty list of text templates",
                        "write each template as a quoted string")
    for extra in ("slots", "lists", "expansion_rules", "requires_context", "excludes_context", "metadata"):
        if extra in data and not isinstance(data[extra], dict):
            raise DataError(path, f"{key}.{extra}", "must be a mapping", f"write `{extra}:` then `name: value`")
    local_rules = {n: parse(path, f"{key}.expansion_rules.{n}", b)
                   for n, b in (data.get("expansion_rules") or {}).items()}
    local_lists = {n: parse_list(path, f"{key}.lists.{n}", n, b) for n, b in (data.get("lists") or {}).items()}
    rules = {**global_rules, **local_rules}
    lists = {**global_lists, **local_lists}
    for j, text in enumerate(sentences):
        where = f"{key}.sentences[{j}]"
        sentence = parse(path, where, text)
        check_refs(path, where, sentence.expression, rules, lists, set())
        yield Template(intent, sentence, dict(data.get("slots") or {}), rules, lists, path)
