"""Checks on hassil intent files, each failure a `DataError` naming the file, the key and the fix.

A mistake in what people can say must stop Tandem at load time, never surface later as a missed
command. hassil itself would raise a bare KeyError or parse error, or silently accept a typo.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hassil.expression import Expression, Group, ListReference, RuleReference, Sentence
from hassil.intents import RangeSlotList, SlotList
from hassil.parse_expression import parse_sentence

from assistant.errors import DataError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10x faster start-up


def read_yaml(path: Path) -> dict[str, Any]:
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


def merge(path: Path, doc: dict[str, Any], merged: dict[str, Any],
           origin: dict[str, Path], language: str | None) -> str | None:
    known = {"language", "intents", "lists", "expansion_rules", "skip_words", "settings", "examples", "not_requests",
             "synonyms", "addressees"}
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
    examples = _mapping(path, doc, "examples", "intent names to sentences", "an intent name and a list of sentences")
    for name, texts in examples.items():
        key = f"examples.{name}"
        merged["examples"].setdefault(str(name), []).extend(
            (path, f"{key}[{i}]", t) for i, t in enumerate(_texts(path, key, texts, "how people really ask for it")))
        origin.setdefault(f"examples:{name}", path)
    merged["not_requests"].extend(
        (path, f"not_requests[{i}]", t) for i, t in enumerate(_texts(
            path, "not_requests", doc.get("not_requests", []), "what people say near the device that is not for it")))
    addressees = _mapping(path, doc, "addressees", "`us:` and `others:` to names", "`us:` and `others:` lists")
    for side, names in addressees.items():
        if side not in ("us", "others"):
            raise DataError(path, f"addressees.{side}", "unknown key",
                            "use `us:` (the device's own names) or `others:` (anyone else it may hear addressed)")
        merged["addressees"][side].extend(_texts(path, f"addressees.{side}", names, "one name per line"))
    synonyms = _mapping(path, doc, "synonyms", "a word to the words that mean the same",
                        "a word and a list of words that mean it")
    for word, same in synonyms.items():
        key = f"synonyms.{word}"
        if not isinstance(word, str) or not word.strip():
            raise DataError(path, key, "must be named by a word or phrase", "quote the word")
        for phrase in _texts(path, key, same, "words that mean the same"):
            if phrase in merged["synonyms"] and merged["synonyms"][phrase] != word:
                raise DataError(path, key, f"{phrase!r} already means {merged['synonyms'][phrase]!r}",
                                "give each phrase one meaning")
            merged["synonyms"][phrase] = word
    return language


def _mapping(path: Path, doc: dict[str, Any], key: str, what: str, how: str) -> dict[Any, Any]:
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        raise DataError(path, key, f"must be a mapping of {what}", f"write `{key}:` then {how}")
    return value


def _texts(path: Path, key: str, value: Any, what: str) -> list[str]:
    """A list of sentences (examples, not-requests, synonyms), each a non-empty text."""
    if not isinstance(value, list):
        raise DataError(path, key, "must be a list of sentences", f"write one quoted line per item: {what}")
    for i, text in enumerate(value):
        if not isinstance(text, str) or not text.strip():
            raise DataError(path, f"{key}[{i}]", "must be a non-empty text", "quote the sentence")
    return list(value)


def parse(path: Path, key: str, text: Any) -> Sentence:
    if not isinstance(text, str):
        raise DataError(path, key, f"must be a text template, not {type(text).__name__}", "quote the template")
    try:
        return parse_sentence(text, keep_text=True)
    except Exception as error:
        raise DataError(path, key, f"template syntax error in {text!r}: {error}",
                        "check that every ( [ { < is closed and | sits inside a group") from error


def parse_list(path: Path, key: str, name: str, body: Any) -> SlotList:
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
                parse(path, f"{key}.values[{i}].in", value["in"])
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


def check_refs(path: Path, key: str, expr: Expression, rules: dict[str, Sentence],
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
        check_refs(path, key, rules[expr.rule_name].expression, rules, lists, visiting | {expr.rule_name})
    elif isinstance(expr, Group):
        for item in expr.items:
            check_refs(path, key, item, rules, lists, visiting)
