"""JSGF grammars compiled from the same hassil templates the text matcher uses.

Every expansion rule and every slot list becomes one JSGF rule that sentences refer to, so the grammar
stays about the size of the YAML (no expansion of every sentence) and compiles in milliseconds.
Words the engine's dictionary lacks are dropped from the grammar (and reported once), so one odd word
never stops decoding: the matcher's fuzzy pass still understands the sentence without it.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from hassil import (
    Alternative,
    Expression,
    Group,
    Intents,
    ListReference,
    Permutation,
    RangeSlotList,
    RuleReference,
    Sequence,
    SlotList,
    TextChunk,
    TextSlotList,
)

log = logging.getLogger(__name__)

NULL = "<NULL>"
VOID = "<VOID>"
MAX_PERMUTATION_ITEMS = 5
"""Permutations of more items than this keep only their written order (5! = 120 orders is plenty)."""
MAX_GLUED_EXPANSION = 400
"""Word pieces glued without a space ("minute[s]") are expanded locally, up to this many strings."""

_WORD_CHARS = re.compile(r"[^a-z0-9' ]+")
_reported: set[tuple[str, frozenset[str]]] = set()


def hassil_of(intent_set: object) -> Intents:
    """The hassil `Intents` inside an `IntentSet`, or the argument itself when it already is one."""
    return intent_set if isinstance(intent_set, Intents) else getattr(intent_set, "hassil")


@lru_cache(maxsize=4096)
def number_words(number: int, language: str = "en") -> tuple[str, ...]:
    """Every way unicode-rbnf spells `number` ("twenty one" for 21), hyphens split into words."""
    from hassil.numbers import get_rbnf_engine

    result = get_rbnf_engine(language).format_number(number)
    spelled = {normalize_words(text, language) for text in result.text_by_ruleset.values()}
    return tuple(sorted(s for s in spelled if s))


def normalize_words(text: str, language: str = "en") -> str:
    """Lowercase words as a recognizer dictionary spells them; digits become number words."""
    text = text.lower().replace("\u2019", "'").replace("-", " ").replace("_", " ")
    text = _WORD_CHARS.sub(" ", text)
    words: list[str] = []
    for word in text.split():
        word = word.strip("'")
        if not word:
            continue
        if word.isdigit():
            words.extend(number_words(int(word), language)[0].split())
        else:
            words.append(word)
    return " ".join(words)


def _rule_name(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", p) for p in parts)


@dataclass
class Grammar:
    """A compiled JSGF grammar and what was left out of it."""

    jsgf: str
    missing_words: frozenset[str] = frozenset()
    intents: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()


@dataclass
class _Build:
    """State of one compilation: the rules written so far and the words seen."""

    intents: Intents
    has_word: Callable[[str], bool]
    rules: dict[str, str] = field(default_factory=dict)
    words: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)


class GrammarCompiler:
    """Turns an intent set into JSGF for a chosen subset of intents, with an optional wake prefix."""

    def __init__(self, intent_set: object, has_word: Callable[[str], bool] = lambda w: True,
                 source: str | Path | None = None) -> None:
        self.intents = hassil_of(intent_set)
        self.has_word = has_word
        self.language = self.intents.language or "en"
        self.source = str(source or getattr(intent_set, "folder", "") or "intents")

    # -- public -------------------------------------------------------------------------------------

    def compile(self, intents: Collection[str] | None = None, wake_phrase: str | None = None,
                wake_optional: bool = False) -> Grammar:
        """JSGF whose public rule `<command>` accepts the chosen intents' sentences.

        `wake_phrase` puts `<wake>` before them (optionally, with `wake_optional`); an utterance that is
        only the wake phrase is accepted too.
        """
        build = _Build(self.intents, self.has_word)
        names = [n for n in self.intents.intents if intents is None or n in intents]
        bodies = [self._intent_rule(build, n) for n in names]
        bodies = [b for b in bodies if b]
        skip = self._skip_rule(build)
        core = "(" + " | ".join(bodies) + ")" if bodies else NULL
        if skip:
            core = f"[{skip}] {core} [{skip}]"
        if wake_phrase:
            wake = self._words(build, wake_phrase) or NULL
            build.rules["wake"] = wake
            top = f"<wake> [{core}]" if bodies else "<wake>"
            if wake_optional:
                top = f"({top}) | ({core})" if bodies else top
        else:
            top = core
        lines = ["#JSGF V1.0;", "grammar tandem;", f"public <command> = {top};"]
        lines += [f"<{name}> = {body};" for name, body in build.rules.items()]
        self._report(build.missing)
        return Grammar("\n".join(lines) + "\n", frozenset(build.missing), frozenset(names),
                       frozenset(build.words))

    def phrases(self, intents: Collection[str] | None = None, limit: int = 20_000) -> list[str]:
        """Whole sentences (vosk wants a phrase list, not JSGF), dictionary-filtered words, capped."""
        build = _Build(self.intents, self.has_word)
        out: list[str] = []
        for name, intent in self.intents.intents.items():
            if intents is not None and name not in intents:
                continue
            for data in intent.data:
                for sentence in data.sentences:
                    for text in self._expand(sentence.expression, data, limit - len(out)):
                        text = self._words(build, text, jsgf=False)
                        if text:
                            out.append(text)
                    if len(out) >= limit:
                        break
        self._report(build.missing)
        return sorted(set(out))

    # -- rules --------------------------------------------------------------------------------------

    def _intent_rule(self, build: _Build, name: str) -> str:
        rule = _rule_name("intent", name)
        if rule not in build.rules:
            build.rules[rule] = NULL  # reserve the name: rules may be reached again while compiling
            alternatives = []
            for data in self.intents.intents[name].data:
                for sentence in data.sentences:
                    body = self._expr(build, sentence.expression, data, name)
                    if body and body != NULL and VOID not in body:
                        alternatives.append(body)
            if not alternatives:
                del build.rules[rule]
                return ""
            build.rules[rule] = " | ".join(f"({a})" for a in dict.fromkeys(alternatives))
        return f"<{rule}>"

    def _skip_rule(self, build: _Build) -> str:
        words = [self._words(build, w) for w in self.intents.skip_words]
        words = [w for w in dict.fromkeys(words) if w]
        if not words:
            return ""
        build.rules["skip"] = " | ".join(f"({w})" for w in words)
        return "<skip>"

    def _list_rule(self, build: _Build, ref: ListReference, data: object, intent: str) -> str:
        slot_list, scope = self._find_list(ref.list_name, data, intent)
        rule = _rule_name("list", scope, ref.list_name)
        if rule in build.rules:
            return f"<{rule}>"
        build.rules[rule] = NULL
        if ref.is_inline_range:
            start, stop, step = ref.get_inline_range()  # type: ignore[misc]
            slot_list = RangeSlotList(name=ref.list_name, start=start, stop=stop, step=step)
        if isinstance(slot_list, RangeSlotList):
            values = [self._words(build, w) for n in slot_list.get_numbers() if float(n).is_integer()
                      for w in number_words(int(n), self.language)]
            body = trie_alternatives(values)
        elif isinstance(slot_list, TextSlotList):
            plain = all(isinstance(v.text_in, TextChunk) for v in slot_list.values)
            if plain:  # prefix-shared: pocketsphinx's FSG search has no lexical tree of its own
                body = trie_alternatives([self._words(build, v.text_in.text) for v in slot_list.values])
            else:
                values = [self._expr(build, v.text_in, data, intent) for v in slot_list.values]
                body = " | ".join(f"({v})" for v in dict.fromkeys(values) if v and v != NULL)
        else:  # wildcard or unknown list: free speech is no grammar; free_text mode hears those
            del build.rules[rule]
            return VOID
        build.rules[rule] = body or NULL
        return f"<{rule}>"

    def _find_list(self, name: str, data: object, intent: str) -> tuple[SlotList | None, str]:
        local = getattr(data, "slot_lists", {}) or {}
        if name in local:
            return local[name], intent
        return self.intents.slot_lists.get(name), "global"

    def _rule_ref(self, build: _Build, ref: RuleReference, data: object, intent: str) -> str:
        local = getattr(data, "expansion_rules", {}) or {}
        if ref.rule_name in local:
            scope, body = intent, local[ref.rule_name]
        elif ref.rule_name in self.intents.expansion_rules:
            scope, body = "global", self.intents.expansion_rules[ref.rule_name]
        else:
            log.warning("%s: intent %s refers to unknown rule <%s>; left out of the speech grammar",
                        self.source, intent, ref.rule_name)
            return NULL
        rule = _rule_name("rule", scope, ref.rule_name)
        if rule not in build.rules:
            build.rules[rule] = NULL
            build.rules[rule] = self._expr(build, body.expression, data, intent) or NULL
        return f"<{rule}>"

    # -- expressions --------------------------------------------------------------------------------

    def _expr(self, build: _Build, exp: Expression, data: object, intent: str) -> str:
        if isinstance(exp, TextChunk):
            return self._words(build, exp.original_text or exp.text)
        if isinstance(exp, ListReference):
            return self._list_rule(build, exp, data, intent)
        if isinstance(exp, RuleReference):
            return self._rule_ref(build, exp, data, intent)
        if isinstance(exp, Alternative):
            parts = [self._expr(build, item, data, intent) for item in exp.items]
            real = [p for p in dict.fromkeys(parts) if p and p != NULL]
            optional = exp.is_optional or len(real) < len(parts)
            if not real:
                return ""
            body = " | ".join(real)
            return f"[{body}]" if optional else f"({body})"
        if isinstance(exp, Permutation):
            items = [self._expr(build, item, data, intent) for item in exp.items]
            items = [i for i in items if i]
            if len(items) > MAX_PERMUTATION_ITEMS:
                return " ".join(items)
            orders = [" ".join(p) for p in itertools.permutations(items)]
            return "(" + " | ".join(f"({o})" for o in dict.fromkeys(orders)) + ")"
        if isinstance(exp, Group):
            return self._sequence(build, exp, data, intent)
        return ""

    def _sequence(self, build: _Build, seq: Group, data: object, intent: str) -> str:
        parts: list[str] = []
        for run in _glued_runs(seq.items):
            if len(run) == 1:
                part = self._expr(build, run[0], data, intent)
            else:
                texts = self._expand(Sequence(items=list(run)), data, MAX_GLUED_EXPANSION)
                words = [self._words(build, t) for t in texts]
                words = [w for w in dict.fromkeys(words) if w]
                part = "(" + " | ".join(f"({w})" for w in words) + ")" if words else ""
            if part and part != NULL:
                parts.append(part)
        return " ".join(parts)

    def _words(self, build: _Build, text: str, jsgf: bool = True) -> str:
        kept = []
        for word in normalize_words(text, self.language).split():
            if self.has_word(word):
                kept.append(word)
                build.words.add(word)
            else:
                build.missing.add(word)
        return " ".join(kept)

    def _expand(self, exp: Expression, data: object, limit: int) -> list[str]:
        """Raw sentence texts of `exp` (lists and rules expanded), at most `limit`."""
        return list(itertools.islice(self._iter_texts(exp, data, 0), max(0, limit)))

    def _iter_texts(self, exp: Expression, data: object, depth: int) -> Iterable[str]:
        if depth > 24:
            return
        if isinstance(exp, TextChunk):
            yield exp.original_text or exp.text
        elif isinstance(exp, ListReference):
            slot_list, _ = self._find_list(exp.list_name, data, "")
            if exp.is_inline_range:
                start, stop, step = exp.get_inline_range()  # type: ignore[misc]
                slot_list = RangeSlotList(name=exp.list_name, start=start, stop=stop, step=step)
            if isinstance(slot_list, RangeSlotList):
                for n in slot_list.get_numbers():
                    if float(n).is_integer():
                        yield from number_words(int(n), self.language)
            elif isinstance(slot_list, TextSlotList):
                for value in slot_list.values:
                    yield from self._iter_texts(value.text_in, data, depth + 1)
        elif isinstance(exp, RuleReference):
            local = getattr(data, "expansion_rules", {}) or {}
            body = local.get(exp.rule_name) or self.intents.expansion_rules.get(exp.rule_name)
            if body is not None:
                yield from self._iter_texts(body.expression, data, depth + 1)
        elif isinstance(exp, Alternative):
            for item in exp.items:
                yield from self._iter_texts(item, data, depth + 1)
            if exp.is_optional:
                yield ""
        elif isinstance(exp, Permutation):
            for order in itertools.permutations(exp.items):
                yield from self._iter_texts(Sequence(items=[*order]), data, depth + 1)
        elif isinstance(exp, Group):
            yield from self._product(exp.items, data, depth)

    def _product(self, items: list[Expression], data: object, depth: int) -> Iterable[str]:
        if not items:
            yield ""
            return
        for head in self._iter_texts(items[0], data, depth + 1):
            for tail in self._product(items[1:], data, depth):
                sep = " " if isinstance(items[0], (ListReference, RuleReference, Permutation)) else ""
                yield head + sep + tail

    def _report(self, missing: set[str]) -> None:
        if not missing:
            return
        key = (self.source, frozenset(missing))
        if key in _reported:
            return
        _reported.add(key)
        files = _files_mentioning(Path(self.source), missing)
        log.warning("words not in the speech model's dictionary, left out of the grammar: %s (in %s)",
                    ", ".join(sorted(missing)), ", ".join(files) or self.source)


def trie_alternatives(phrases: Iterable[str]) -> str:
    """JSGF alternatives of `phrases` with common prefixes shared: "twenty (one | two)", not a
    flat list. The decoder scores each arc of the expanded grammar, so sharing keeps it fast."""
    root: dict = {}
    for phrase in phrases:
        node = root
        for word in phrase.split():
            node = node.setdefault(word, {})
        if phrase.split():
            node[""] = {}

    def emit(node: dict) -> str:
        branches = []
        for word, child in node.items():
            if not word:
                continue
            rest = {k: v for k, v in child.items() if k}
            if not rest:
                branches.append(word)
            elif "" in child:
                branches.append(f"{word} [{emit(rest)}]")
            else:
                branches.append(f"{word} ({emit(rest)})" if len(rest) > 1 else f"{word} {emit(rest)}")
        return " | ".join(branches)

    return emit(root)


def _files_mentioning(folder: Path, words: Collection[str]) -> list[str]:
    if not folder.is_dir():
        return []
    found = []
    for path in sorted(folder.glob("*.yaml")):
        text = normalize_words(path.read_text(encoding="utf-8", errors="replace"))
        if any(f" {w} " in f" {text} " for w in words):
            found.append(str(path))
    return found


def _edge_text(exp: Expression, first: bool) -> str | None:
    """The text at the start (or end) of `exp`: None when it is a word boundary by nature."""
    if isinstance(exp, TextChunk):
        return exp.original_text or exp.text
    if isinstance(exp, Alternative):
        texts = [_edge_text(i, first) for i in exp.items]
        texts = [t for t in texts if t]
        return texts[0] if texts else ""
    if isinstance(exp, Group) and not isinstance(exp, Permutation):
        items = exp.items if first else list(reversed(exp.items))
        for item in items:
            text = _edge_text(item, first)
            if text is None or text:
                return text
        return ""
    return None


def _glued_runs(items: list[Expression]) -> list[list[Expression]]:
    """Split a sequence where a space (or a list / rule reference) separates words."""
    runs: list[list[Expression]] = []
    for item in items:
        start = _edge_text(item, first=True)
        if runs:
            end = _edge_text(runs[-1][-1], first=False)
            glued = bool(start) and bool(end) and not start[0].isspace() and not end[-1].isspace()
            if glued:
                runs[-1].append(item)
                continue
        runs.append([item])
    return runs
