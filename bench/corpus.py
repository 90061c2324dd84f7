"""The hand-written corpora (`tests/corpus/`) scored through the matcher, by split and context.

A phrasing is matched the way the dialog would match it in its context: anything after the wake
phrase when idle or during a ritual, only the answers Tandem waits for after an offer, a question
or the rating question. Each outcome is one of: right (acted on, intent and every stated slot
right), asked (an unsure match the dialog turns into one short question; `asked_right` when its
intent is the one meant), wrong (acted on, but wrong), missed (nothing understood).
A near miss must not be acted on: a sure match is a false action (in `ritual` context, matched
against the controls a running ritual listens for without the wake phrase), a question is
counted apart.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
RITUAL_CONTROLS = frozenset({"Stop", "Pause", "Resume", "TimeLeft", "AddTime", "Next", "Repeat", "Skip"})
"""What a running ritual listens for without the wake phrase (`rituals/engine.py`, timed steps)."""
CONTEXT_ALLOWED: dict[str, frozenset[str] | None] = {
    "idle": None,
    "ritual": None,
    "offer": frozenset({"Yes", "No", "NotToday", "Stop", "Repeat"}),
    "question": frozenset({"Yes", "No", "Stop", "Repeat"}),
    "rating": frozenset({"Rate", "Skip", "No", "Stop", "Next"}),
}
"""The intents a phrasing is matched against in its context (None: anything, after the wake phrase). An
answer is said without the wake phrase: the loop listens for the answers alone (`Dialog.understand`), and
the matcher adds the intents the dialog says stand for one (`context_means`)."""
OFFERED = frozenset({"StartHug", "StartBreathing", "StartGratitude", "StartCheckIn", "StartWalk", "HoldHands",
                     "StartRepair"})
"""The intents that start a ritual Tandem may offer (`voices/en/rituals.yaml`)."""
ASKED = frozenset({"offer", "question", "rating"})
"""Contexts in which Tandem has just asked something (the dialog tells the matcher: `asked=True`)."""
CONTEXT_LIKELY: dict[str, frozenset[str]] = {"ritual": RITUAL_CONTROLS | {"Help"}}
"""What the dialog tells the matcher is likelier in a context: said after the wake phrase while a ritual runs,
its controls (`Dialog._match`)."""
SAME_ANSWER: dict[str, dict[str, str]] = {"offer": {"Stop": "No"}}
"""Intents the dialog treats alike in a context: at an offer "stop" declines it as "no" does."""


def context_means(case: dict[str, Any]) -> dict[str, str] | None:
    """What the dialog tells the matcher an intent heard in the case's context stands for: after an offer,
    naming the offered ritual accepts it ("yeah, a hug"), and only that one ("rather a hug instead" after a
    walk is offered is no answer: unwoken, nothing is done), as do the controls that answer an offer ("go on
    so", "I'll pass"). A line may say which ritual was offered (`offered`); when it does not, the offer is
    taken to be any ritual but the one the line asks for (a "yes" naming a ritual names the one offered)."""
    from assistant.dialog.offers import ANSWER_MEANS

    if case.get("context") != "offer":
        return None
    offered = case.get("offered")
    if offered:
        return {**ANSWER_MEANS, offered: "Yes"}
    return {**ANSWER_MEANS, **{intent: "Yes" for intent in OFFERED if intent != case.get("intent")}}


def heard_as(case: dict[str, Any], intent: str | None) -> str | None:
    """The intent as the dialog acts on it in the case's context."""
    return SAME_ANSWER.get(case.get("context", "idle"), {}).get(intent or "", intent)


@dataclass(frozen=True)
class Outcome:
    case: dict[str, Any]
    kind: str
    """right | asked_right | asked_wrong | wrong | missed (phrasings); acted | asked | quiet (near misses)."""
    intent: str | None
    slots: dict[str, Any]


def load(name: str, key: str) -> list[dict[str, Any]]:
    path = CORPUS / name
    if not path.exists():
        return []
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))[key])


DEV_NEAR = "dev_near_misses.yaml"
"""Near misses written after `near_misses.yaml` reached 60 % dev (round 9): dev only, counted with the dev split."""


def near_misses() -> list[dict[str, Any]]:
    """Every hand-written near miss of both splits (the dev-only round appended, so earlier lines keep their voices)."""
    return load("near_misses.yaml", "near_misses") + load(DEV_NEAR, "near_misses")


def slots_right(want: dict[str, Any], got: dict[str, Any]) -> bool:
    """Every slot the sentence states is read right (free text compared as the words the normaliser reads:
    case, punctuation and a word's edge apostrophes aside, so "you cookin" is "you cookin'": nobody hears
    an apostrophe, and one that closes a word cannot be told from a closing quote)."""
    from assistant.understand.normalize import tokens

    for k, v in (want or {}).items():
        g = got.get(k)
        if isinstance(v, str) and isinstance(g, str):
            if tokens(v) != tokens(g):
                return False
        elif g != v:
            return False
    return True


def phrasing_outcomes(matcher: Any, cases: Iterable[dict[str, Any]]) -> list[Outcome]:
    from assistant.messages import IntentMatch

    out = []
    for case in cases:
        context = case.get("context", "idle")
        u = matcher.match(case["text"], CONTEXT_ALLOWED.get(context), context_means(case), context in ASKED,
                          CONTEXT_LIKELY.get(context))
        if not isinstance(u, IntentMatch):
            out.append(Outcome(case, "missed", None, {}))
            continue
        intent = heard_as(case, u.intent)
        good = intent == case["intent"] and slots_right(case.get("slots") or {}, u.slots)
        if getattr(u, "unsure", False):
            kind = "asked_right" if intent == case["intent"] else "asked_wrong"
        else:
            kind = "right" if good else "wrong"
        out.append(Outcome(case, kind, u.intent, dict(u.slots)))
    return out


def near_miss_outcomes(matcher: Any, cases: Iterable[dict[str, Any]]) -> list[Outcome]:
    from assistant.messages import IntentMatch

    out = []
    for case in cases:
        allowed = RITUAL_CONTROLS if case.get("context") == "ritual" else None
        u = matcher.match(case["text"], allowed)
        kind = "quiet" if not isinstance(u, IntentMatch) else "asked" if getattr(u, "unsure", False) else "acted"
        out.append(Outcome(case, kind, getattr(u, "intent", None), dict(getattr(u, "slots", {}))))
    return out


def rates(outcomes: list[Outcome]) -> dict[str, float]:
    counts = Counter(o.kind for o in outcomes)
    n = max(1, len(outcomes))
    return {kind: counts[kind] / n for kind in counts} | {"n": len(outcomes)}


def by(outcomes: list[Outcome], field: str) -> dict[str, list[Outcome]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[str(o.case.get(field))].append(o)
    return dict(groups)
