"""Tandem's own commands as speech: the hand-written corpus spoken by three voice families, in kitchen noise.

The phrasings (`tests/corpus/phrasings.yaml`, written by others, never from the templates) of the
held-out *test* split are each spoken by one voice family in turn (espeak-ng, flite, the Piper
neural voice; bench/voices.py), clean and mixed with the barista kitchen noise, and heard by every
engine (bench/engines.py). Each is matched the way the dialog matches it in its context
(bench/corpus.py): anything when idle or in a ritual, only the expected answers after an offer, a
question or the rating question. Near misses (`near_misses.yaml`, test split: talk near the speaker
that must start nothing) are spoken the same way.
"""

from __future__ import annotations

import functools
import random
import statistics
import sys
from collections import Counter, defaultdict
from typing import Any

from bench.audio import noisy_copies, read16
from bench.corpus import (ASKED, CONTEXT_ALLOWED, CONTEXT_LIKELY, RITUAL_CONTROLS, context_means, heard_as, load,
                          near_misses, slots_right)
from assistant.dialog.doubt import idle_talk, weigh
from bench.engines import suppression_cost, suppression_note
from bench.report import Row, Section, Table, Target, pct
from bench.voices import FAMILIES, VoiceMissing, available, render, voice_for

TITLE = "Tandem's commands as speech"
SNRS_FULL: tuple[int | None, ...] = (None, 12, 6)
SNRS_QUICK: tuple[int | None, ...] = (12,)
TARGET_12DB = Target(">=", 97)
DURATIONS_TARGET = Target(">=", 100)
FALSE_START_TARGET = Target("<=", 1)


def spoken(text: str) -> str:
    """What a voice reads: the corpus marks a pause after the wake phrase as "...": a comma."""
    return " ".join(text.replace("...", ",").split())


def clips(cases: list[dict[str, Any]], offset: int = 0) -> list[tuple[dict[str, Any], str, Any]]:
    """(case, family, wav path): the voice families take turns, and each family's voices too."""
    out = []
    families = [f for f in FAMILIES if available(f) is None]
    for i, case in enumerate(cases):
        family = families[(i + offset) % len(families)]
        voice = voice_for(family, (i + offset) // len(families))
        out.append((case, family, render(spoken(case["text"]), family, voice)))
    return out


@functools.lru_cache(maxsize=1)
def _clarifier() -> tuple[Any, str]:
    """The dialog's own question rules (dialog/clarify.py) over the shipped voices and rituals and the default
    lengths, and the name of a ritual to stand for the one running."""
    from assistant.clock import VirtualClock
    from assistant.config import Durations
    from assistant.datafiles import voices_dir
    from assistant.dialog.clarify import Clarifier
    from assistant.dialog.voices import Voices
    from assistant.rituals.script import load_rituals

    voices = Voices.load(voices_dir())
    book = load_rituals(voices_dir(), voices)
    return Clarifier(voices, book, Durations(), VirtualClock(), random.Random(0)), next(iter(book.rituals))


def asked_about(case: dict[str, Any], u: Any, transcript: Any = None) -> Any:
    """The match Tandem would ask one short question about, heard (from `transcript`; None: typed) in the case's
    context (a ritual runs during a ritual and at its rating question; idle: nothing runs and nothing was asked),
    or None: acted on as it is or, unsure with no question for it (an unsure yes, a "Stop now?" with nothing to
    stop), let pass as not understood (`Clarifier.would_ask`)."""
    clarifier, ritual = _clarifier()
    context = case.get("context", "idle")
    heard_idle = context == "idle" and transcript is not None and transcript.engine != "text"
    return clarifier.would_ask(u, ritual if context in ("ritual", "rating") else None, heard_idle)


def outcome(matcher: Any, transcript: Any, case: dict[str, Any]) -> tuple[str, Any]:
    """right | asked_right | asked_wrong | wrong | missed, as bench/corpus.py counts typed text, with the
    questions the dialog really asks: an unsure match it has no question for is not understood (missed), and
    a sure one it asks about (a "nineteen-second hug" heard where "ninety" fits) is asked."""
    from assistant.messages import IntentMatch

    context = case.get("context", "idle")
    def match(texts: Any) -> Any:
        return matcher.match_best(list(texts), CONTEXT_ALLOWED.get(context), context_means(case), context in ASKED,
                                  CONTEXT_LIKELY.get(context))

    u = weigh(match([transcript.text, *transcript.alternatives]), transcript, reread=match)
    if not isinstance(u, IntentMatch):
        return "missed", u
    question = asked_about(case, u, transcript)
    if question is not None:
        return ("asked_right" if heard_as(case, question.intent) == case["intent"] else "asked_wrong"), u
    if getattr(u, "unsure", False):
        return "missed", u
    intent = heard_as(case, u.intent)
    good = intent == case["intent"] and slots_right(case.get("slots") or {}, u.slots)
    return ("right" if good else "wrong"), u


def typed_kind(matcher: Any, case: dict[str, Any]) -> str:
    """The phrasing's outcome as typed text (its words as spoken, read without a recognizer): tells a
    recognition error from a matcher miss."""
    from assistant.messages import Transcript
    from assistant.recognize.spoken import spoken_text

    return outcome(matcher, Transcript(spoken_text(spoken(case["text"])), engine="text"), case)[0]


def failure(kind: str, typed: str, transcript: Any) -> str:
    """Why a phrasing was not right: asked, nothing heard, words misheard, or the matcher's miss (the
    typed words fail too)."""
    if kind == "right":
        return "right"
    if kind.startswith("asked"):
        return "asked"
    if not transcript.text:
        return "nothing heard"
    return "matcher misses the words typed too" if typed != "right" else "misheard words"


FAILURES = ("right", "asked", "misheard words", "matcher misses the words typed too", "nothing heard")


def near_miss_kind(matcher: Any, transcript: Any, case: dict[str, Any]) -> str:
    """quiet | asked | answered | acted: see `near_miss_outcome`."""
    return near_miss_outcome(matcher, transcript, case)[0]


def near_miss_outcome(matcher: Any, transcript: Any, case: dict[str, Any]) -> tuple[str, Any]:
    """What the dialog does with a near miss: quiet (nothing understood, or unsure with no question for it),
    asked (one short question), answered (only told that nothing is running: `only_answers`) or acted (a sure
    match that starts or changes something: a false action)."""
    from assistant.messages import IntentMatch

    allowed = RITUAL_CONTROLS if case.get("context") == "ritual" else None
    u = weigh(matcher.match_best([transcript.text, *transcript.alternatives], allowed), transcript,
              reread=lambda texts: matcher.match_best(list(texts), allowed))
    if not isinstance(u, IntentMatch):
        return "quiet", u
    if asked_about(case, u, transcript) is not None:
        return "asked", u
    if getattr(u, "unsure", False):
        return "quiet", u
    if only_answers(case, u):  # heard only approximately, the dialog lets it pass in silence (doubt.idle_talk)
        from assistant.dialog.dialog import ANSWER_CONTROL_CONFIDENCE, IDLE_SILENT

        silent = u.intent in IDLE_SILENT and idle_talk(u, transcript, ANSWER_CONTROL_CONFIDENCE)
        return ("quiet" if silent else "answered"), u
    return "acted", u


def only_answers(case: dict[str, Any], u: Any) -> bool:
    """Whether a near miss acted on only got an answer that nothing is running: a control or a yes/no with
    no ritual running (dialog.py `_idle`: "Nothing's running right now."). A rating still changes the
    journal (it rates the latest finished moment), forgetting too; in a ritual a control changes it."""
    from assistant.dialog.dialog import IDLE_ANSWERED

    return case.get("context", "idle") != "ritual" and u.intent in IDLE_ANSWERED


def run(quick: bool = False, split: str = "test", snrs: tuple[int | None, ...] | None = None,
        noise_suppression: str | None = None) -> Section:
    """Every engine on the split's phrasings and near misses (`snrs`: the noise levels, default the full list;
    `noise_suppression`: what cleans pocketsphinx's audio, None for Tandem's default)."""
    from assistant.datafiles import intents_dir
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher
    from bench.engines import Engines, default_engine

    phrasings = [c for c in load("phrasings.yaml", "phrasings") if c.get("split") == split]
    near = [c for c in near_misses() if c.get("split") == split]
    if not phrasings:
        return Section.unavailable("commands", TITLE, "", "no hand-written corpus in tests/corpus (merge main)")
    if quick:
        phrasings, near = phrasings[::12], near[::12]
    snrs = snrs or (SNRS_QUICK if quick else SNRS_FULL)
    missing = {f: why for f in FAMILIES if (why := available(f))}
    try:
        said = clips(phrasings)
        nears = clips(near, offset=1)
    except VoiceMissing as error:
        return Section.unavailable("commands", TITLE, "", str(error))
    intent_set = load_intents(intents_dir())
    matcher = Matcher(intent_set)
    engines = Engines(intent_set, matcher, noise_suppression=noise_suppression)
    typed = {id(case): typed_kind(matcher, case) for case, _, _ in said}
    default = default_engine()
    results: dict[tuple[str, int | None], list[tuple[dict, str, str, Any]]] = defaultdict(list)
    failures: dict[int | None, list[tuple[str, str]]] = defaultdict(list)
    near_results: dict[tuple[str, int | None], list[tuple[dict, str, str]]] = defaultdict(list)
    seconds: list[float] = []
    for snr in snrs:
        for group, items in (("phrasings", said), ("near", nears)):
            paths = noisy_copies([p for _, _, p in items], snr, "commands")
            for i, ((case, family, _), path) in enumerate(zip(items, paths)):
                heard = engines.hear(read16(path))
                seconds.append(heard.seconds)
                for engine, transcript in heard.transcripts.items():
                    if group == "phrasings":
                        kind, u = outcome(matcher, transcript, case)
                        results[engine, snr].append((case, family, kind, u))
                        if engine == default:
                            failures[snr].append((family, failure(kind, typed[id(case)], transcript)))
                    else:
                        kind, _ = near_miss_outcome(matcher, transcript, case)
                        near_results[engine, snr].append((case, family, kind))
                if (i + 1) % 50 == 0:
                    print(f"   commands {snr or 'clean'} {group}: {i + 1}/{len(items)}", file=sys.stderr, flush=True)
    engines.close()
    section = _section(quick, split, snrs, results, near_results, engines.names, default, missing,
                       engines.vosk_missing, seconds, len(phrasings), len(near), failures)
    section.notes.append(suppression_note(engines.noise_suppression))
    cost = suppression_cost(engines.noise_suppression, [read16(p) for _, _, p in said[:40]])
    if cost is not None:
        section.rows.append(cost)
    return section


def _cond(snr: int | None) -> str:
    return "clean" if snr is None else f"{snr} dB"


def _rate(items: list, kind: str = "right") -> float | None:
    return pct(sum(1 for it in items if it[2] == kind), len(items))


def _durations(items: list) -> tuple[float | None, int]:
    """Of the phrasings that state a duration and whose intent was understood and acted on, how many got it right."""
    rel = [(case, u) for case, _, kind, u in items
           if kind in ("right", "wrong") and "seconds" in (case.get("slots") or {}) and u.intent == case["intent"]]
    good = sum(1 for case, u in rel if u.slots.get("seconds") == case["slots"]["seconds"])
    return pct(good, len(rel)), len(rel)


def _section(quick: bool, split: str, snrs, results, near_results, names: list[str], default: str,
             missing: dict[str, str], vosk_missing: str | None, seconds: list[float], n: int, n_near: int,
             failures: dict[int | None, list[tuple[str, str]]] | None = None) -> Section:
    families = [f for f in FAMILIES if f not in missing]
    method = (
        f"{n} hand-written phrasings (the corpus's `{split}` split: personas never used for tuning) and {n_near} near "
        f"misses, each spoken by one voice family in turn ({', '.join(families)}; bench/voices.py), clean and mixed "
        "with the barista kitchen noise at each SNR, heard by every engine in one pass per clip and matched in the "
        "phrasing's context (bench/corpus.py). Right = acted on with the intent and every stated slot right; asked = "
        "the dialog asks one short question first, counted with its own rules (dialog/clarify.py: an unsure ritual, "
        "a length too short for it, an unsure Stop or Pause while a ritual runs, a rating heard with nothing asked; "
        "`asked` rows count those whose "
        "intent was the one meant); an unsure match it has no question for is let pass as not understood (missed). "
        "A near miss acted on (a sure match of any intent) is a false start, counted "
        "in all and apart from those that only got the answer that nothing is running (a control or a yes said word "
        "for word with no ritual running; heard only approximately, it is let pass in silence, dialog/doubt.py). "
        "Durations: of the phrasings stating a duration whose intent was understood and acted on, the share "
        "with the duration right.")
    section = Section("commands", TITLE, method, mode="quick" if quick else "full")
    for engine in names:
        label = f"{engine} (default)" if engine == default else engine
        for snr in snrs:
            items = results[engine, snr]
            target = TARGET_12DB if snr == 12 and engine == default else None
            asked = _rate(items, "asked_right")
            section.rows.append(Row(f"{label}: right, {_cond(snr)}", _rate(items), "%", target,
                                    f"n={len(items)}; asked first (right intent) {asked} %"))
        at = 12 if 12 in snrs else snrs[-1]
        rate, count = _durations(results[engine, at])
        section.rows.append(Row(f"{label}: durations right when the intent is, {_cond(at)}", rate, "%",
                                DURATIONS_TARGET if engine == default else None, f"n={count}"))
        near = near_results[engine, at]
        acted = [it for it in near if it[2] in ("acted", "answered")]
        section.rows.append(Row(f"{label}: near misses acted on, {_cond(at)}", pct(len(acted), len(near)), "%",
                                FALSE_START_TARGET if engine == default else None,
                                f"n={len(near)}; asked {_rate(near, 'asked')} %"))
        section.rows.append(Row(f"{label}: near misses that started or changed something, {_cond(at)}",
                                _rate(near, "acted"), "%", None,
                                f"the rest of those acted on only heard that nothing is running: "
                                f"{_rate(near, 'answered')} %"))
    if vosk_missing:
        section.rows.append(Row("vosk: acceptance", None, "%", note=f"skipped: {vosk_missing}"))
    if seconds:
        section.rows.append(Row(f"{default}: decoding time per clip, median", round(statistics.median(seconds), 2), "s",
                                note="machine shared: see the load note"))
    # Per voice family.
    rows = []
    for family in families:
        for snr in snrs:
            cells = [family, _cond(snr)]
            for engine in names:
                cells.append(f"{_rate([it for it in results[engine, snr] if it[1] == family])} %")
            rows.append(cells)
    section.tables.append(Table("Right, per voice family", ["Voice family", "Condition", *names], rows))
    # Outcome breakdown for the default engine.
    rows = []
    for snr in snrs:
        counts = Counter(kind for *_, kind, _ in results[default, snr])
        total = sum(counts.values())
        rows.append([_cond(snr), *[f"{pct(counts[k], total)} %" for k in
                                   ("right", "asked_right", "asked_wrong", "wrong", "missed")]])
    section.tables.append(Table(f"{default}: every outcome", ["Condition", "right", "asked (right intent)",
                                                             "asked (wrong intent)", "wrong", "missed"], rows))
    # Why not right, per voice family: where the points go (recognition or matching).
    rows = []
    for snr, items in sorted((failures or {}).items(), key=lambda kv: -1 if kv[0] is None else kv[0]):
        for family in [*families, "all"]:
            mine = [f for fam, f in items if family in ("all", fam)]
            rows.append([family, _cond(snr), *[f"{pct(sum(1 for f in mine if f == k), len(mine))} %" for k in FAILURES]])
    if rows:
        section.tables.append(Table(f"{default}: why not right, per voice family (matcher misses: the typed words "
                                    "fail too)", ["Voice family", "Condition", *FAILURES], rows))
    # Per intent (summary figures only: the test split's lines are never listed).
    at = 12 if 12 in snrs else snrs[-1]
    by_intent: dict[str, list] = defaultdict(list)
    for item in results[default, at]:
        by_intent[item[0]["intent"]].append(item)
    section.tables.append(Table(f"{default}: right per intent, {_cond(at)}", ["Intent", "n", "right", "asked", "missed"],
                                [[k, str(len(v)), f"{_rate(v)} %", f"{_rate(v, 'asked_right')} %", f"{_rate(v, 'missed')} %"]
                                 for k, v in sorted(by_intent.items())]))
    for family, why in missing.items():
        section.notes.append(f"{family}: {why}")
    if vosk_missing:
        section.notes.append(f"vosk: {vosk_missing}")
    return section
