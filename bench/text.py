"""Text understanding benchmark: the hand-written corpora by split and context, the old corpora, the
barista intents, near misses, clarifying questions, latency and start-up.

Run as `python -m bench.text` (`--no-startup` skips the subprocess timing, `--misses` lists the
tuning split's misses line by line, `--no-fresh` leaves the fresh held-out split out while tuning, `--calibrate` sweeps the matcher's thresholds on the tuning
split). `run()` returns the figures as a dict (used by `python -m bench text`).

Honesty rules (tests/corpus/README.md): the `dev` split is for tuning; the `test` split is held
out. Only summary figures of `test` are computed and printed here, never its lines.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.corpus import (ASKED, CONTEXT_ALLOWED, CONTEXT_LIKELY, RITUAL_CONTROLS, Outcome, by, context_means, heard_as, load,
                          near_miss_outcomes, near_misses, phrasing_outcomes, slots_right)

ROOT = Path(__file__).resolve().parent.parent
PARAPHRASES = ROOT / "tests" / "data" / "paraphrases.yaml"
UNRELATED = ROOT / "tests" / "data" / "unrelated.yaml"
BARISTA_INTENTS = ROOT / "bench" / "barista" / "intents"
EXCHANGE = ROOT.parent / "exchange"
"""Where the ears engineer leaves recognizer n-best dumps of the barista recordings (outside git)."""
SPLITS = ("dev", "test")
FRESH = "fresh"
"""The understand engineer's own held-out lines (tests/corpus/fresh_*.yaml, round 5): written in one go before
any tuning and never tuned on; reported apart, summary figures only."""
STARTERS = frozenset({"StartHug", "StartBreathing", "StartGratitude", "StartCheckIn", "StartWalk", "StartRepair",
                      "HoldHands", "AskQuestion", "NoteAppreciation", "Stop", "Pause", "Resume", "AddTime", "Next",
                      "Skip", "Rate", "ForgetThat", "NotToday"})
"""Intents whose action starts, changes or records something (the rest only speak)."""


DEV_ONLY = "dev_phrasings.yaml"
"""Dev phrasings written after `phrasings.yaml` reached its 60 % dev share (round 8, tests/corpus/README.md): more
lines per cause of a dev miss, tuning data like the rest of `dev`."""


def command_lines(fresh: bool = True) -> list[dict[str, Any]]:
    """Every hand-written phrasing: the two splits, the dev-only round, and the fresh split when asked for."""
    return (load("phrasings.yaml", "phrasings") + load(DEV_ONLY, "phrasings")
            + (load("fresh_phrasings.yaml", "phrasings") if fresh else []))


def load_old() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The project's first corpora: paraphrases and unrelated lines, `heldout` 0 = tuned on before."""
    paraphrases = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))["paraphrases"]
    for case in paraphrases:
        case["heldout"] = int(case.get("heldout") or 0)
    doc = yaml.safe_load(UNRELATED.read_text(encoding="utf-8"))
    unrelated = [{"text": t, "heldout": 0} for t in doc["unrelated"]]
    unrelated += [{"text": t, "heldout": 1} for t in doc.get("heldout") or []]
    unrelated += [{"text": t, "heldout": 2} for t in doc.get("heldout2") or []]
    return paraphrases, unrelated


def correct(case: dict[str, Any], intent: str | None, slots: dict[str, Any]) -> bool:
    """Intent right and every slot the sentence states read right (extra slots are fine)."""
    return intent == case["intent"] and slots_right(case.get("slots") or {}, slots)


def startup_seconds(repeats: int = 5, compiled: bool = True) -> tuple[float, float]:
    """Median wall time and CPU time of `tandem understand` on one sentence, in a fresh process.

    `compiled`: as an installed Tandem starts (pip compiles every module to bytecode at install): the
    bytecode is written once, to a folder of its own, before the timed runs. Without it, and with
    PYTHONDONTWRITEBYTECODE set (as in a checkout here), every run compiles Tandem's sources first."""
    import os
    import resource
    import tempfile

    with tempfile.TemporaryDirectory() as bytecode:
        env = dict(os.environ)
        if compiled:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = bytecode
        command = [sys.executable, "-m", "assistant", "understand", "--json", "start a hug"]
        if compiled:
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
        walls, cpus = [], []
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env=env)
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _load() -> float:
    try:
        import os

        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return 0.0


def _rate(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


class Timed:
    """The matcher with every call timed (wall and CPU)."""

    def __init__(self, matcher: Any) -> None:
        self.matcher = matcher
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def match(self, text: str, allowed: Any = None, means: Any = None, asked: bool = False, likely: Any = None) -> Any:
        start, cpu = time.perf_counter(), time.thread_time()
        result = self.matcher.match(text, allowed, means, asked, likely)
        self.wall.append(time.perf_counter() - start)
        self.cpu.append(time.thread_time() - cpu)
        return result


def phrasing_figures(outcomes: list[Outcome]) -> dict[str, Any]:
    kinds = Counter(o.kind for o in outcomes)
    n = len(outcomes)
    timed = [o for o in outcomes if (o.case.get("slots") or {}).get("seconds") is not None
             and o.intent == o.case["intent"]]
    return {
        "n": n,
        "right": kinds["right"] / n if n else 0.0,
        "asked_right": kinds["asked_right"] / n if n else 0.0,
        "asked_wrong": kinds["asked_wrong"] / n if n else 0.0,
        "wrong": kinds["wrong"] / n if n else 0.0,
        "missed": kinds["missed"] / n if n else 0.0,
        "durations_right": _rate([o.slots.get("seconds") == o.case["slots"]["seconds"] for o in timed]),
        "durations_n": len(timed),
    }


def near_figures(outcomes: list[Outcome]) -> dict[str, Any]:
    n = len(outcomes)
    acted = [o for o in outcomes if o.kind == "acted"]
    return {
        "n": n,
        "started": _rate([o.kind == "acted" and o.intent in STARTERS for o in outcomes]),
        "answered": len(acted) / n if n else 0.0,
        "asked": _rate([o.kind == "asked" for o in outcomes]),
    }


def corpus_figures(matcher: Any, fresh: bool = True) -> dict[str, Any]:
    """The hand-written corpora, per split, with per-context, per-form and per-intent breakdowns
    (`fresh`: with the fresh split; `--no-fresh` leaves it out while tuning, so it is not seen)."""
    phrasings = command_lines(fresh)
    near = near_misses() + (load("fresh_near_misses.yaml", "near_misses") if fresh else [])
    out: dict[str, Any] = {}
    for split in (*SPLITS, FRESH):
        if not any(c["split"] == split for c in phrasings):
            continue
        po = phrasing_outcomes(matcher, [c for c in phrasings if c["split"] == split])
        no = near_miss_outcomes(matcher, [c for c in near if c["split"] == split])
        out[split] = {
            "phrasings": phrasing_figures(po),
            "contexts": {k: phrasing_figures(v) for k, v in sorted(by(po, "context").items())},
            "forms": {k: phrasing_figures(v) for k, v in sorted(by(po, "form").items())},
            "intents": {k: phrasing_figures(v)["right"] for k, v in sorted(by(po, "intent").items())},
            "near": near_figures(no),
            "near_contexts": {k: near_figures(v) for k, v in sorted(by(no, "context").items())},
        }
        if split == "dev":  # the tuning split may be read line by line; the test split never is
            out[split]["misses"] = [{"text": o.case["text"], "kind": o.kind, "want": o.case["intent"],
                                     "want_slots": o.case.get("slots") or {}, "got": o.intent, "got_slots": o.slots,
                                     "context": o.case.get("context")} for o in po if o.kind != "right"]
            out[split]["near_lines"] = [{"text": o.case["text"], "kind": o.kind, "got": o.intent,
                                         "context": o.case.get("context")} for o in no if o.kind != "quiet"]
    return out


def kitchen_figures(matcher: Any) -> dict[str, Any]:
    """Kitchen talk (people talking to each other) matched as if a false wake had let it through, per
    split: how often a line would start something, idle and during a ritual. Summary figures only."""
    from assistant.messages import IntentMatch

    lines = load("kitchen_talk.yaml", "kitchen_talk")
    out: dict[str, Any] = {}
    for split in SPLITS:
        cases = [c for c in lines if c["split"] == split]
        started = asked = woken = 0
        for case in cases:
            for allowed in (None, RITUAL_CONTROLS):
                u = matcher.match(case["text"], allowed)
                if isinstance(u, IntentMatch) and u.intent in STARTERS:
                    asked += u.unsure
                    started += not u.unsure
            # a false wake during a ritual: anything may be heard, its controls likelier (what the dialog passes)
            u = matcher.match(case["text"], None, likely=CONTEXT_LIKELY["ritual"])
            woken += isinstance(u, IntentMatch) and u.intent in STARTERS and not u.unsure
        out[split] = {"n": len(cases), "started": started / max(1, 2 * len(cases)),
                      "asked": asked / max(1, 2 * len(cases)), "woken_in_ritual": woken / max(1, len(cases))}
    return out


def vector_figures(matcher: Any) -> dict[str, Any]:
    """The word-piece table: size, dimensions, and what reading it costs the first unknown word."""
    from assistant.understand.embeddings import WordVectors

    if matcher.vectors is None:
        return {}
    fresh = WordVectors(matcher.vectors.folder)
    start = time.perf_counter()
    fresh.word("respiration")
    return {"bytes": (fresh.folder / "vectors.safetensors").stat().st_size, "dims": fresh.dims,
            "load_ms": 1000 * (time.perf_counter() - start)}


def old_figures(matcher: Any) -> dict[str, Any]:
    """The first corpora: paraphrases (tuning / held out 1 / held out 2) and unrelated lines."""
    from assistant.messages import IntentMatch

    paraphrases, unrelated = load_old()
    out: dict[str, Any] = {}
    for group, name in enumerate(("tuning", "heldout1", "heldout2")):
        cases = [c for c in paraphrases if c["heldout"] == group]
        flags = []
        for case in cases:
            u = matcher.match(case["text"])
            flags.append(isinstance(u, IntentMatch) and not u.unsure and correct(case, u.intent, u.slots))
        lines = [c for c in unrelated if c["heldout"] == group]
        false = [isinstance(u, IntentMatch) and not u.unsure for u in (matcher.match(c["text"]) for c in lines)]
        out[name] = {"n": len(cases), "right": _rate(flags), "unrelated_n": len(lines), "unrelated_false": _rate(false)}
    return out


def barista_figures() -> dict[str, Any]:
    """The barista intents on text: every expanded order round-trips; recognizer n-best dumps (the
    ears engineer's, in the exchange folder, tune split only) scored like the speech benchmark."""
    from assistant.messages import IntentMatch
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    intent_set = load_intents(BARISTA_INTENTS)
    matcher = Matcher(intent_set)
    samples = intent_set.samples
    right = [isinstance(u, IntentMatch) and u.intent == s.intent and all(u.slots.get(k) == v for k, v in s.slots.items())
             for s, u in ((s, matcher.match(s.text)) for s in samples)]
    out: dict[str, Any] = {"samples": len(samples), "samples_right": _rate(right)}
    for dump in sorted(EXCHANGE.glob("barista*nbest*.jsonl")) if EXCHANGE.is_dir() else []:
        rows = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [r for r in rows if r.get("split", "tune") == "tune"]
        first, best = [], []
        for r in rows:
            want = {k: str(v).strip() for k, v in (r.get("slots") or {}).items()}
            hyps = [h for h in r.get("nbest") or [r.get("text", "")] if isinstance(h, str)]
            for flags, u in ((first, matcher.match(hyps[0] if hyps else "")), (best, matcher.match_best(hyps))):
                flags.append(isinstance(u, IntentMatch) and u.intent == r.get("intent")
                             and all(str(u.slots.get(k)) == v for k, v in want.items()))
        out.setdefault("dumps", []).append({"file": dump.name, "n": len(rows), "first_right": _rate(first),
                                           "nbest_right": _rate(best)})
    return out


def run(startup: bool = True, fresh: bool = True) -> dict[str, Any]:
    from hassil import recognize

    from assistant.datafiles import intents_dir
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    intent_set = load_intents(intents_dir())
    started = time.perf_counter()
    matcher = Matcher(intent_set)
    build_seconds = time.perf_counter() - started
    timed = Timed(matcher)
    figures: dict[str, Any] = {"corpus": corpus_figures(timed, fresh), "old": old_figures(timed),
                               "kitchen": kitchen_figures(matcher), "calibration": dict(matcher.calibration),
                               "vectors": vector_figures(matcher)}

    class HassilAlone:  # the templates word for word, as hassil's own matcher reads them
        def match(self, text: str, allowed: Any = None, means: Any = None, asked: bool = False,
                  likely: Any = None) -> Any:
            from assistant.messages import IntentMatch, NoMatch

            found = recognize(text, intent_set.hassil, language=intent_set.language)
            if found is None or (allowed is not None and found.intent.name not in allowed):
                return NoMatch(text)
            return IntentMatch(found.intent.name, {k: e.value for k, e in found.entities.items()}, 1.0, text)

    hassil = HassilAlone()
    phrasings = command_lines()
    figures["hassil_alone"] = {split: phrasing_figures(phrasing_outcomes(hassil, [c for c in phrasings
                                                                                  if c["split"] == split]))["right"]
                               for split in figures["corpus"]}
    figures["barista"] = barista_figures()
    wall, cpu = sorted(timed.wall), sorted(timed.cpu)
    figures |= {
        "calls": len(wall),
        "match_ms_median": 1000 * statistics.median(wall),
        "match_ms_p95": 1000 * wall[int(0.95 * (len(wall) - 1))],
        "match_cpu_ms_median": 1000 * statistics.median(cpu),
        "match_cpu_ms_p95": 1000 * cpu[int(0.95 * (len(cpu) - 1))],
        "matcher_build_s": build_seconds,
        "load_average": _load(),
    }
    if startup:
        figures["startup_s_median"], figures["startup_cpu_s_median"] = startup_seconds()
        figures["startup_source_s_median"], figures["startup_source_cpu_s_median"] = startup_seconds(compiled=False)
    return figures


def calibrate() -> None:
    """Sweep accept / margin / ask on the tuning split: phrasings right, near misses acted on, questions."""
    import numpy as np

    from assistant.datafiles import intents_dir
    from assistant.messages import IntentMatch
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    matcher = Matcher(load_intents(intents_dir()), accept=0.0, ask=0.0, margin=0.0)
    rows = []  # (is phrasing, exact, confidence, margin, right)
    for case in command_lines(fresh=False):
        if case["split"] != "dev":
            continue
        context = case.get("context", "idle")
        u = matcher.match(case["text"], CONTEXT_ALLOWED.get(context), context_means(case), context in ASKED)
        ok = isinstance(u, IntentMatch) and correct(case, heard_as(case, u.intent), u.slots)
        rows.append((1, isinstance(u, IntentMatch) and u.method == "exact", getattr(u, "confidence", 0.0),
                     getattr(u, "margin", 0.0) if isinstance(u, IntentMatch) else 0.0, ok))
    for case in load("near_misses.yaml", "near_misses"):
        if case["split"] != "dev":
            continue
        u = matcher.match(case["text"], RITUAL_CONTROLS if case.get("context") == "ritual" else None)
        rows.append((0, isinstance(u, IntentMatch) and u.method == "exact",
                     u.confidence if isinstance(u, IntentMatch) else 0.0,
                     u.margin if isinstance(u, IntentMatch) else 0.0, False))
    r = np.array(rows, dtype=float)
    phr, near = r[:, 0] == 1, r[:, 0] == 0
    print("accept margin ask | dev: phrasings right, asked | near misses acted, asked")
    for accept in np.arange(0.3, 0.95, 0.05):
        for margin in (0.0, 0.1, 0.2, 0.3):
            for ask in (0.2, 0.3, 0.4):
                if ask > accept:
                    continue
                sure = (r[:, 1] == 1) | ((r[:, 2] >= accept) & (r[:, 3] >= margin))
                asked = ~sure & (r[:, 2] >= ask) & (r[:, 2] > 0)
                print(f"{accept:6.2f} {margin:6.2f} {ask:4.2f} | {(sure & (r[:, 4] == 1))[phr].mean():6.1%} "
                      f"{asked[phr].mean():6.1%} | {sure[near].mean():6.1%} {asked[near].mean():6.1%}")


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def main() -> None:
    if "--calibrate" in sys.argv:
        calibrate()
        return
    f = run(startup="--no-startup" not in sys.argv, fresh="--no-fresh" not in sys.argv)
    dev = f["corpus"]["dev"]
    if "--misses" in sys.argv:
        for m in dev["misses"]:
            print(f"  dev {m['kind']:11} {m['text']!r} want {m['want']} {m['want_slots'] or ''} "
                  f"got {m['got']} {m['got_slots'] or ''} [{m['context']}]")
        for m in dev["near_lines"]:
            print(f"  dev near miss {m['kind']:6} {m['text']!r} -> {m['got']} [{m['context']}]")
    for split in f["corpus"]:
        c = f["corpus"][split]
        p, n = c["phrasings"], c["near"]
        print(f"{split:4} phrasings right {_pct(p['right'])} (n={p['n']}; asked and right {_pct(p['asked_right'])}, "
              f"asked wrong {_pct(p['asked_wrong'])}, wrong {_pct(p['wrong'])}, missed {_pct(p['missed'])}; "
              f"durations right when the intent is {_pct(p['durations_right'])} of {p['durations_n']})  "
              f"target >= 97%  [hassil alone {_pct(f['hassil_alone'][split])}]")
        print("     by context: " + ", ".join(f"{k} {_pct(v['right'])} (n={v['n']})" for k, v in c["contexts"].items())
              + " | by form: " + ", ".join(f"{k} {_pct(v['right'])}" for k, v in c["forms"].items()))
        print(f"     near misses: started something {_pct(n['started'])}, answered at all {_pct(n['answered'])}, "
              f"asked a question {_pct(n['asked'])} (n={n['n']})  target started <= 1%")
        worst = sorted(c["intents"].items(), key=lambda kv: kv[1])[:6]
        print("     weakest intents: " + ", ".join(f"{k} {_pct(v)}" for k, v in worst))
    for split, k in f["kitchen"].items():
        print(f"kitchen talk {split} (as if a false wake let it through, idle and in a ritual): started something "
              f"{_pct(k['started'])}, asked {_pct(k['asked'])} (n={k['n']} lines x 2); after a false wake during a "
              f"ritual (its controls likelier) {_pct(k['woken_in_ritual'])}")
    cal, vec = f["calibration"], f["vectors"]
    print(f"calibration (held-out folds of the intents' own data, n={int(cal.get('held_out', 0))}): temperature "
          f"{cal.get('temperature', 1.0):.2f}, not-for-us shift {cal.get('none_shift', 0.0):+.2f}")
    if vec:
        print(f"word-piece table: {vec['dims']} dims, {vec['bytes'] / 1e6:.1f} MB, read in {vec['load_ms']:.0f} ms "
              "(only when a word no intents file uses is heard)")
    for name, o in f["old"].items():
        print(f"old corpus {name:9} paraphrases right {_pct(o['right'])} (n={o['n']}), unrelated matched "
              f"{_pct(o['unrelated_false'])} (n={o['unrelated_n']})")
    b = f["barista"]
    print(f"barista intents: {b['samples']} expanded orders, {_pct(b['samples_right'])} right")
    for d in b.get("dumps", []):
        print(f"  {d['file']} (tune split, n={d['n']}): first hypothesis {_pct(d['first_right'])}, "
              f"n-best {_pct(d['nbest_right'])}")
    print(f"match latency median {f['match_ms_median']:.2f} ms, p95 {f['match_ms_p95']:.2f} ms over {f['calls']} calls "
          f"(CPU median {f['match_cpu_ms_median']:.2f} ms)  target median < 2 ms")
    print(f"matcher built in {f['matcher_build_s']:.2f} s (from the on-disk cache when the files are unchanged)")
    if "startup_s_median" in f:
        print(f"tandem understand start to answer {f['startup_s_median']:.2f} s wall, {f['startup_cpu_s_median']:.2f} s "
              "CPU (median of 5, bytecode compiled as pip installs it)  target < 0.5 s")
        print(f"  compiling Tandem's sources on every start (PYTHONDONTWRITEBYTECODE): "
              f"{f['startup_source_s_median']:.2f} s wall, {f['startup_source_cpu_s_median']:.2f} s CPU")
    print(f"machine load average {f['load_average']:.2f} (2 cores): wall times grow with it")


if __name__ == "__main__":
    main()
