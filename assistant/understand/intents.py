"""Load and validate an intents folder (hassil YAML), and expand it once into samples.

Everything a person can say lives in these files; a mistake in them must stop Tandem at
load time with the file, the key and the fix, never surface later as a missed command.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

import yaml
from hassil import Intents
from hassil.expression import Expression, Group, ListReference, RuleReference, Sentence
from hassil.intents import RangeSlotList, SlotList, TextSlotList, WildcardSlotList
from hassil.parse_expression import parse_sentence

from assistant.errors import DataError
from assistant.understand.expand import Expander, SlotRef, Variant
from assistant.understand.numbers import NumberWords

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster start-up

SKELETON_CAP = 64
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
        for index, tpl in enumerate(self.templates):
            expander = expanders.setdefault(id(tpl.rules), Expander(tpl.rules))
            for variant in expander.bounded(tpl.sentence.expression, SKELETON_CAP, seed=index):
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
        words: set[str] = set()
        for tpl, variant in self.skeletons:
            for seg in variant:
                if isinstance(seg, str):
                    words.update(seg.lower().split())
        for tpl in self.templates:
            for slot_list in tpl.lists.values():
                for text, _ in self.list_values(slot_list) if not isinstance(slot_list, RangeSlotList) \
                        else self.numbers.range_values(slot_list):
                    words.update(text.lower().split())
        return words


def load_intents(folder: Path | str) -> IntentSet:
    """Read every `*.yaml` in `folder`, validate it and build an `IntentSet`.

    Raises `DataError` naming the file and key for bad YAML, bad template syntax, a reference to
    an undefined list or rule, or a value of the wrong type.
    """
    folder = Path(folder)
    paths = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    if not paths:
        raise DataError(folder, "", "no intent files (*.yaml) found",
                        "point --intents at a folder of hassil YAML files")
    merged: dict[str, Any] = {"intents": {}, "lists": {}, "expansion_rules": {}, "skip_words": []}
    origin: dict[str, Path] = {}
    language: str | None = None
    for path in paths:
        doc = _read_yaml(path)
        language = _merge(path, doc, merged, origin, language)
    if not merged["intents"]:
        raise DataError(folder, "intents", "no intents defined", "add an `intents:` section")
    merged["language"] = language or "en"
    return _build(folder, merged, origin)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise DataError(path, "", f"not valid YAML{where}: {problem}",
                        "fix the indentation or quoting there") from error
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(path, "", f"cannot be read: {error}", "check the file is UTF-8 text") from error
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise DataError(path, "", f"top level is a {type(doc).__name__}, not a mapping",
                        "start the file with `language: en` and `intents:`")
    return doc


def _merge(path: Path, doc: dict[str, Any], merged: dict[str, Any],
           origin: dict[str, Path], language: str | None) -> str | None:
    known = {"language", "intents", "lists", "expansion_rules", "skip_words", "settings"}
    for key in doc:
        if key not in known:
            raise DataError(path, str(key), "unknown top-level key", f"use one of: {', '.join(sorted(known))}")
    lang = doc.get("language")
    if lang is not None:
        if not isinstance(lang, str):
            raise DataError(path, "language", "must be a text code", "write e.g. `language: en`")
        if language is not None and lang != language:
            raise DataError(path, "language", f"is {lang!r} but other files say {language!r}",
                            "keep one language per folder")
        language = lang
    for section in ("lists", "expansion_rules"):
        value = doc.get(section) or {}
        if not isinstance(value, dict):
            raise DataError(path, section, "must be a mapping of names", f"write `{section}:` then `name: ...`")
        for name, body in value.items():
            if name in merged[section]:
                raise DataError(path, f"{section}.{name}", f"already defined in {origin[section + ':' + name]}",
                                "give it another name or define it once")
            merged[section][name] = body
            origin[f"{section}:{name}"] = path
    skip = doc.get("skip_words") or []
    if not isinstance(skip, list) or not all(isinstance(w, str) for w in skip):
        raise DataError(path, "skip_words", "must be a list of text", "write one quoted phrase per line")
    merged["skip_words"].extend(skip)
    intents = doc.get("intents") or {}
    if not isinstance(intents, dict):
        raise DataError(path, "intents", "must be a mapping of intent names", "write `intents:` then `Name:`")
    for name, body in intents.items():
        if not isinstance(name, str):
            raise DataError(path, f"intents.{name}", f"intent name is a {type(name).__name__}, not text",
                            f"quote it: \"{name}\" (YAML reads yes/no/on/off as true/false)")
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise DataError(path, f"intents.{name}", "needs a `data:` list", "add `data:` with `- sentences: [...]`")
        merged["intents"].setdefault(name, {"data": []})["data"].extend(body["data"])
        origin.setdefault(f"intent:{name}", path)
        for i, _ in enumerate(body["data"]):
            origin[f"data:{name}:{len(merged['intents'][name]['data']) - len(body['data']) + i}"] = path
    return language


def _build(folder: Path, merged: dict[str, Any], origin: dict[str, Path]) -> IntentSet:
    global_rules = {n: _parse(origin[f"expansion_rules:{n}"], f"expansion_rules.{n}", b)
                    for n, b in merged["expansion_rules"].items()}
    global_lists = {n: _parse_list(origin[f"lists:{n}"], f"lists.{n}", n, b) for n, b in merged["lists"].items()}
    templates: list[Template] = []
    for name, body in merged["intents"].items():
        for i, data in enumerate(body["data"]):
            path = origin[f"data:{name}:{i}"]
            key = f"intents.{name}.data[{i}]"
            templates.extend(_templates(path, key, name, data, global_rules, global_lists))
    for name, rule in global_rules.items():
        _check_refs(origin[f"expansion_rules:{name}"], f"expansion_rules.{name}", rule.expression,
                    global_rules, global_lists, set())
    try:
        hassil = Intents.from_dict(merged)
    except Exception as error:  # hassil's own checks, after ours: keep the message
        raise DataError(folder, "", f"hassil cannot load these intents: {error}",
                        "compare the files with the hassil format") from error
    _share_parsed(hassil, templates)
    names = tuple(merged["intents"])
    files = {n: origin[f"intent:{n}"] for n in names}
    return IntentSet(hassil, folder, names, templates, merged["language"], files)


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
    local_rules = {n: _parse(path, f"{key}.expansion_rules.{n}", b)
                   for n, b in (data.get("expansion_rules") or {}).items()}
    local_lists = {n: _parse_list(path, f"{key}.lists.{n}", n, b) for n, b in (data.get("lists") or {}).items()}
    rules = {**global_rules, **local_rules}
    lists = {**global_lists, **local_lists}
    for j, text in enumerate(sentences):
        where = f"{key}.sentences[{j}]"
        sentence = _parse(path, where, text)
        _check_refs(path, where, sentence.expression, rules, lists, set())
        yield Template(intent, sentence, dict(data.get("slots") or {}), rules, lists, path)


def _parse(path: Path, key: str, text: Any) -> Sentence:
    if not isinstance(text, str):
        raise DataError(path, key, f"must be a text template, not {type(text).__name__}", "quote the template")
    try:
        return parse_sentence(text, keep_text=True)
    except Exception as error:
        raise DataError(path, key, f"template syntax error in {text!r}: {error}",
                        "check that every ( [ { < is closed and | sits inside a group") from error


def _parse_list(path: Path, key: str, name: str, body: Any) -> SlotList:
    from hassil.intents import _parse_list as hassil_parse_list

    if not isinstance(body, dict):
        raise DataError(path, key, "must be a mapping with `values`, `range` or `wildcard`",
                        "write `values:` with a list of words")
    kinds = [k for k in ("values", "range", "wildcard") if k in body]
    if len(kinds) != 1:
        raise DataError(path, key, "needs exactly one of `values`, `range`, `wildcard`", "keep just one")
    if "values" in body:
        values = body["values"]
        if not isinstance(values, list) or not values:
            raise DataError(path, f"{key}.values", "must be a non-empty list", "list the words, one per line")
        for i, value in enumerate(values):
            if isinstance(value, dict):
                if not isinstance(value.get("in"), str):
                    raise DataError(path, f"{key}.values[{i}].in", "must be text", "write `in: \"words\"`")
                _parse(path, f"{key}.values[{i}].in", value["in"])
            elif not isinstance(value, str):
                raise DataError(path, f"{key}.values[{i}]", f"must be text or in/out, not {type(value).__name__}",
                                "quote the value")
    if "range" in body:
        rng = body["range"]
        if not isinstance(rng, dict):
            raise DataError(path, f"{key}.range", "must be a mapping with `from` and `to`", "write `from: 1` `to: 5`")
        for part in ("from", "to"):
            if not isinstance(rng.get(part), int) or isinstance(rng.get(part), bool):
                raise DataError(path, f"{key}.range.{part}", "must be a whole number", f"write `{part}: 1`")
        if "step" in rng and (not isinstance(rng["step"], int) or rng["step"] <= 0):
            raise DataError(path, f"{key}.range.step", "must be a positive whole number", "write `step: 1`")
        if rng["from"] > rng["to"]:
            raise DataError(path, f"{key}.range", "`from` is greater than `to`", "swap them")
        if "multiplier" in rng and (not isinstance(rng["multiplier"], (int, float)) or isinstance(rng["multiplier"], bool)):
            raise DataError(path, f"{key}.range.multiplier", "must be a number", "write e.g. `multiplier: 60`")
    if "wildcard" in body and body["wildcard"] is not True:
        raise DataError(path, f"{key}.wildcard", "must be `true`", "write `wildcard: true` or remove it")
    try:
        return hassil_parse_list(name, body)
    except Exception as error:
        raise DataError(path, key, f"invalid list: {error}", "compare with the hassil list format") from error


def _check_refs(path: Path, key: str, expr: Expression, rules: dict[str, Sentence],
                lists: dict[str, SlotList], visiting: set[str]) -> None:
    """Every `{list}` and `<rule>` must exist; rules must not refer to themselves."""
    if isinstance(expr, ListReference):
        inline = expr.get_inline_range()
        if inline is not None and expr.list_name not in lists:
            lists[expr.list_name] = RangeSlotList(name=expr.list_name, start=inline[0], stop=inline[1],
                                                  step=inline[2], digits=False)
        if expr.list_name not in lists:
            raise DataError(path, key, f"refers to undefined list {{{expr.list_name}}}",
                            f"define `{expr.list_name}` under `lists:` or fix the name")
    elif isinstance(expr, RuleReference):
        if expr.rule_name not in rules:
            raise DataError(path, key, f"refers to undefined rule <{expr.rule_name}>",
                            f"define `{expr.rule_name}` under `expansion_rules:` or fix the name")
        if expr.rule_name in visiting:
            raise DataError(path, key, f"rule <{expr.rule_name}> refers to itself", "break the loop")
        _check_refs(path, key, rules[expr.rule_name].expression, rules, lists, visiting | {expr.rule_name})
    elif isinstance(expr, Group):
        for item in expr.items:
            _check_refs(path, key, item, rules, lists, visiting)
