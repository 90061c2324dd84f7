"""Text understanding benchmark: accuracy, false matches, latency, start-up, calibration.

Run as `python -m bench.text` (`--no-startup` skips the subprocess timing, `--calibrate` sweeps the
fuzzy threshold and margin). `run()` returns the figures as a dict (used by `python -m bench all`).
The corpus also goes through hassil's own exact `recognize()` alone, side by side, to show what the
fuzzy layer adds. Lines marked held out were written after tuning and are reported on their own.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
PARAPHRASES = ROOT / "tests" / "data" / "paraphrases.yaml"
UNRELATED = ROOT / "tests" / "data" / "unrelated.yaml"


def load_corpus() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Paraphrase cases and unrelated cases, each a dict with `text` and `heldout`."""
    paraphrases = yaml.safe_load(PARAPHRASES.read_text(encoding="utf-8"))["paraphrases"]
    doc = yaml.safe_load(UNRELATED.read_text(encoding="utf-8"))
    unrelated = [{"text": t, "heldout": False} for t in doc["unrelated"]]
    unrelated += [{"text": t, "heldout": True} for t in doc.get("heldout") or []]
    return paraphrases, unrelated


def correct(case: dict[str, Any], intent: str | None, slots: dict[str, Any]) -> bool:
    """Intent right and every slot the sentence states read right (extra slots are fine)."""
    return intent == case["intent"] and all(slots.get(k) == v for k, v in (case.get("slots") or {}).items())


def startup_seconds(repeats: int = 5) -> float:
    """Median wall time of `tandem understand` on one sentence, in a fresh process."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "understand", "--json", "start a hug"],
                       cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _rate(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def run(startup: bool = True) -> dict[str, Any]:
    from hassil import recognize

    from assistant.datafiles import intents_dir
    from assistant.messages import IntentMatch
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    paraphrases, unrelated = load_corpus()
    intent_set = load_intents(intents_dir())
    matcher = Matcher(intent_set)

    def exact(text: str) -> tuple[str | None, dict[str, Any]]:
        found = recognize(text, intent_set.hassil, language=intent_set.language)
        if found is None:
            return None, {}
        slots = {k: e.value for k, e in found.entities.items()}
        return found.intent.name, {k: int(v) if isinstance(v, float) and v.is_integer() else v
                                   for k, v in slots.items()}

    latencies: list[float] = []

    def ours(text: str) -> tuple[str | None, dict[str, Any], float]:
        start = time.perf_counter()
        result = matcher.match(text)
        latencies.append(time.perf_counter() - start)
        if isinstance(result, IntentMatch):
            return result.intent, result.slots, result.confidence
        return None, {}, result.confidence

    ok, ok_hassil, held, misses = [], [], [], []
    for case in paraphrases:
        intent, slots, _ = ours(case["text"])
        good = correct(case, intent, slots)
        ok.append(good)
        ok_hassil.append(correct(case, *exact(case["text"])))
        held.append(bool(case.get("heldout")))
        if not good:
            misses.append({"text": case["text"], "want": case["intent"], "slots": case.get("slots"),
                           "got": intent, "got_slots": slots, "heldout": bool(case.get("heldout"))})
    false, false_hassil, u_held, false_list = [], [], [], []
    for case in unrelated:
        intent, _, confidence = ours(case["text"])
        false.append(intent is not None)
        false_hassil.append(exact(case["text"])[0] is not None)
        u_held.append(case["heldout"])
        if intent is not None:
            false_list.append({"text": case["text"], "got": intent, "confidence": confidence,
                               "heldout": case["heldout"]})
    latencies.sort()
    figures: dict[str, Any] = {
        "paraphrases": len(paraphrases),
        "paraphrases_heldout": sum(held),
        "unrelated": len(unrelated),
        "unrelated_heldout": sum(u_held),
        "paraphrase_accuracy": _rate(ok),
        "paraphrase_accuracy_heldout": _rate([g for g, h in zip(ok, held) if h]),
        "unrelated_false_match_rate": _rate(false),
        "unrelated_false_match_rate_heldout": _rate([f for f, h in zip(false, u_held) if h]),
        "hassil_exact_paraphrase_accuracy": _rate(ok_hassil),
        "hassil_exact_unrelated_false_match_rate": _rate(false_hassil),
        "match_ms_median": 1000 * statistics.median(latencies),
        "match_ms_p95": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "misses": misses,
        "false_matches": false_list,
    }
    if startup:
        figures["startup_s_median"] = startup_seconds()
    return figures


def calibrate() -> None:
    """Sweep threshold and margin on the tuning lines; show how each setting does on held-out lines."""
    from assistant.datafiles import intents_dir
    from assistant.messages import IntentMatch
    from assistant.understand.intents import load_intents
    from assistant.understand.matcher import Matcher

    paraphrases, unrelated = load_corpus()
    matcher = Matcher(load_intents(intents_dir()), threshold=0.0, margin=0.0)
    rows = []  # (is_paraphrase, heldout, exact, right, score, margin)
    for case in paraphrases + unrelated:
        result = matcher.match(case["text"])
        scores = matcher.explain(case["text"])
        top = scores[0][1] if scores else 0.0
        gap = top - (scores[1][1] if len(scores) > 1 else 0.0)
        is_para = "intent" in case
        right = is_para and isinstance(result, IntentMatch) and correct(case, result.intent, result.slots)
        is_exact = isinstance(result, IntentMatch) and result.method == "exact"
        rows.append((is_para, bool(case.get("heldout")), is_exact, right, top, gap))
    print("threshold margin | tuning: accuracy false | held out: accuracy false")
    for threshold in (0.65, 0.70, 0.72, 0.74, 0.76, 0.78, 0.80, 0.82):
        for margin in (0.0, 0.05, 0.1, 0.15):
            out = []
            for heldout in (False, True):
                sel = [r for r in rows if r[1] == heldout]
                accepted = [r[2] or (r[4] >= threshold and r[5] >= margin) for r in sel]
                acc = _rate([a and r[3] for a, r in zip(accepted, sel) if r[0]])
                fal = _rate([a for a, r in zip(accepted, sel) if not r[0]])
                out += [acc, fal]
            print(f"{threshold:9.2f} {margin:6.2f} | {out[0]:15.1%} {out[1]:5.1%} | {out[2]:17.1%} {out[3]:5.1%}")


def main() -> None:
    if "--calibrate" in sys.argv:
        calibrate()
        return
    figures = run(startup="--no-startup" not in sys.argv)
    for miss in figures["misses"]:
        print(f"  miss{' (held out)' if miss['heldout'] else ''}: {miss['text']!r} want {miss['want']} "
              f"{miss['slots'] or ''} got {miss['got']} {miss['got_slots']}")
    for false in figures["false_matches"]:
        print(f"  false match{' (held out)' if false['heldout'] else ''}: {false['text']!r} -> {false['got']} "
              f"({false['confidence']:.2f})")
    print(f"paraphrase accuracy      {figures['paraphrase_accuracy']:6.1%}  held out "
          f"{figures['paraphrase_accuracy_heldout']:.1%} (n={figures['paraphrases_heldout']})  hassil exact alone "
          f"{figures['hassil_exact_paraphrase_accuracy']:.1%}  target >= 95%  n={figures['paraphrases']}")
    print(f"unrelated false matches  {figures['unrelated_false_match_rate']:6.1%}  held out "
          f"{figures['unrelated_false_match_rate_heldout']:.1%} (n={figures['unrelated_heldout']})  hassil exact alone "
          f"{figures['hassil_exact_unrelated_false_match_rate']:.1%}  target <= 3%   n={figures['unrelated']}")
    print(f"match latency            median {figures['match_ms_median']:.2f} ms, p95 {figures['match_ms_p95']:.2f} ms"
          "  target < 5 ms")
    if "startup_s_median" in figures:
        print(f"tandem understand start  {figures['startup_s_median']:.2f} s (median of 5)  target < 1 s")


if __name__ == "__main__":
    main()
