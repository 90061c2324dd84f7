"""Our JSGF turned into a minimal, epsilon-free word automaton for pocketsphinx's FSG search.

pocketsphinx compiles JSGF by inlining every rule reference and then closing over the null
transitions that optional parts leave; for hassil templates (optionals everywhere, number lists
used in several places) that closure has tens of thousands of arcs and decoding noise takes many
times real time. The same language as a minimal deterministic automaton has a few hundred arcs,
shares every common prefix and suffix, and decodes far faster than real time.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

EPS = None
_TOKEN = re.compile(r"<[^>]+>|/[^/]*/|[()\[\]|*+]|[^\s()\[\]|*+<>/]+")


@dataclass(frozen=True)
class WordGraph:
    """A deterministic word automaton: `arcs[state]` maps a word to the next state."""

    start: int
    arcs: tuple[dict[str, int], ...]
    finals: frozenset[int]

    @property
    def n_states(self) -> int:
        return len(self.arcs)

    @property
    def n_arcs(self) -> int:
        return sum(len(a) for a in self.arcs)

    def accepts(self, words: Iterable[str]) -> bool:
        state = self.start
        for word in words:
            nxt = self.arcs[state].get(word)
            if nxt is None:
                return False
            state = nxt
        return state in self.finals

    def transitions(self, weight_of=None) -> tuple[int, int, list[tuple]]:
        """(start, final, [(from, to, prob[, word])]) for `Decoder.create_fsg`.

        Each state spreads probability evenly over its ways on (its words, and stopping when
        it may), as JSGF does for alternatives. A single final state is added for pocketsphinx.
        """
        final = self.n_states
        out: list[tuple] = []
        for state, arcs in enumerate(self.arcs):
            ways = len(arcs) + (1 if state in self.finals else 0)
            for word, nxt in arcs.items():
                out.append((state, nxt, 1.0 / ways, word))
            if state in self.finals:
                out.append((state, final, 1.0 / ways))
        return self.start, final, out


class _Nfa:
    def __init__(self) -> None:
        self.arcs: list[list[tuple[str | None, int]]] = []

    def new(self) -> int:
        self.arcs.append([])
        return len(self.arcs) - 1

    def add(self, src: int, dst: int, word: str | None = EPS) -> None:
        self.arcs[src].append((word, dst))


class _Parser:
    """Recursive descent over the JSGF our grammar compiler writes (rules inlined as they are used)."""

    def __init__(self, rules: dict[str, list[str]], nfa: _Nfa) -> None:
        self.rules = rules
        self.nfa = nfa
        self.depth = 0

    def rule(self, name: str) -> tuple[int, int]:
        if name in ("NULL",):
            s = self.nfa.new()
            return s, s
        if name == "VOID" or name not in self.rules or self.depth > 40:
            return self.nfa.new(), self.nfa.new()  # unreachable end: matches nothing
        self.depth += 1
        tokens = self.rules[name]
        frag, pos = self.alternatives(tokens, 0)
        self.depth -= 1
        return frag

    def alternatives(self, tokens: list[str], pos: int) -> tuple[tuple[int, int], int]:
        branches = []
        frag, pos = self.sequence(tokens, pos)
        branches.append(frag)
        while pos < len(tokens) and tokens[pos] == "|":
            frag, pos = self.sequence(tokens, pos + 1)
            branches.append(frag)
        if len(branches) == 1:
            return branches[0], pos
        start, end = self.nfa.new(), self.nfa.new()
        for s, e in branches:
            self.nfa.add(start, s)
            self.nfa.add(e, end)
        return (start, end), pos

    def sequence(self, tokens: list[str], pos: int) -> tuple[tuple[int, int], int]:
        start = end = self.nfa.new()
        while pos < len(tokens) and tokens[pos] not in ("|", ")", "]"):
            (s, e), pos = self.item(tokens, pos)
            self.nfa.add(end, s)
            end = e
        return (start, end), pos

    def item(self, tokens: list[str], pos: int) -> tuple[tuple[int, int], int]:
        token = tokens[pos]
        if token.startswith("/"):  # weights are not used by our grammars
            return self.item(tokens, pos + 1)
        if token in ("(", "["):
            (s, e), pos = self.alternatives(tokens, pos + 1)
            pos += 1  # the closing bracket
            if token == "[":
                self.nfa.add(s, e)
        elif token.startswith("<"):
            s, e = self.rule(token[1:-1])
            pos += 1
        else:
            s, e = self.nfa.new(), self.nfa.new()
            self.nfa.add(s, e, token)
            pos += 1
        while pos < len(tokens) and tokens[pos] in ("*", "+"):
            start, end = self.nfa.new(), self.nfa.new()
            self.nfa.add(start, s)
            self.nfa.add(e, end)
            self.nfa.add(e, s)
            if tokens[pos] == "*":
                self.nfa.add(start, end)
            s, e = start, end
            pos += 1
        return (s, e), pos


def parse_rules(jsgf: str) -> tuple[str, dict[str, list[str]]]:
    """(public rule name, {rule name: tokens}) of a JSGF text."""
    rules: dict[str, list[str]] = {}
    public = ""
    body = re.sub(r"^#JSGF[^;]*;|^grammar[^;]*;", "", jsgf.strip(), flags=re.M)
    for statement in body.split(";"):
        statement = statement.strip()
        if not statement:
            continue
        head, _, expansion = statement.partition("=")
        head = head.strip()
        is_public = head.startswith("public")
        name = head.replace("public", "").strip()[1:-1]
        rules[name] = _TOKEN.findall(expansion)
        if is_public and not public:
            public = name
    return public, rules


def _closures(arcs: list[list[tuple[str | None, int]]]) -> list[frozenset[int]]:
    """Epsilon closure of every state, computed once (subset construction asks for them often)."""
    memo: list[frozenset[int] | None] = [None] * len(arcs)
    for first in range(len(arcs)):
        if memo[first] is not None:
            continue
        stack = [first]
        seen = {first}
        while stack:
            state = stack.pop()
            for word, nxt in arcs[state]:
                if word is EPS and nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        memo[first] = frozenset(seen)
    return memo  # type: ignore[return-value]


def _determinize(arcs: list[list[tuple[str | None, int]]], starts: Iterable[int],
                 finals: set[int]) -> tuple[list[dict[str, int]], set[int]]:
    closures = _closures(arcs)
    words_of = [[(w, n) for w, n in row if w is not EPS] for row in arcs]
    first = frozenset().union(*(closures[s] for s in starts))
    index = {first: 0}
    order = [first]
    out: list[dict[str, int]] = []
    dfinals: set[int] = set()
    i = 0
    while i < len(order):
        subset = order[i]
        if not finals.isdisjoint(subset):
            dfinals.add(i)
        moves: dict[str, set[int]] = defaultdict(set)
        for state in subset:
            for word, nxt in words_of[state]:
                moves[word].update(closures[nxt])
        row: dict[str, int] = {}
        for word, targets in moves.items():
            closed = frozenset(targets)
            found = index.get(closed)
            if found is None:
                found = index[closed] = len(order)
                order.append(closed)
            row[word] = found
        out.append(row)
        i += 1
    return out, dfinals


def _reverse(dfa: list[dict[str, int]], finals: set[int]) -> tuple[list[list[tuple[str | None, int]]], set[int]]:
    rev: list[list[tuple[str | None, int]]] = [[] for _ in dfa]
    for state, row in enumerate(dfa):
        for word, nxt in row.items():
            rev[nxt].append((word, state))
    return rev, finals


def jsgf_to_graph(jsgf: str) -> WordGraph:
    """The minimal deterministic automaton of the public rule (Brzozowski: reverse, determinize, twice)."""
    public, rules = parse_rules(jsgf)
    nfa = _Nfa()
    start, end = _Parser(rules, nfa).rule(public)
    dfa, finals = _determinize(nfa.arcs, [start], {end})
    for _ in range(2):  # a determinized automaton always starts in state 0
        rev, starts = _reverse(dfa, finals)
        dfa, finals = _determinize(rev, starts, {0})
    return _trim(dfa, finals)


def _trim(dfa: list[dict[str, int]], finals: set[int]) -> WordGraph:
    """Drop states that cannot reach a final state (dead ends from <VOID>) and renumber."""
    back: dict[int, set[int]] = defaultdict(set)
    for state, row in enumerate(dfa):
        for nxt in row.values():
            back[nxt].add(state)
    alive = set(finals)
    stack = list(finals)
    while stack:
        for prev in back[stack.pop()]:
            if prev not in alive:
                alive.add(prev)
                stack.append(prev)
    if 0 not in alive:
        return WordGraph(0, ({},), frozenset())
    order = sorted(alive)
    new = {old: i for i, old in enumerate(order)}
    arcs = tuple({w: new[n] for w, n in dfa[old].items() if n in alive} for old in order)
    return WordGraph(new[0], arcs, frozenset(new[f] for f in finals))
