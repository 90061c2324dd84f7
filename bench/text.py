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
    """Paraphrase cases and unrelated cases, each a dict with `text` and `heldout` (0 = used in tuning)."""
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
    return intent == case["intent"] and all(slots.get(k) == v for k, v in (case.get("slots") or {}).items())


def startup_seconds(repeats: int = 5) -> tuple[float, float]:
    """Median wall time and CPU time of `tandem understand` on one sentence, in a fresh process.

    CPU time (user + system of the child) does not grow when other work shares the machine.
    """
    import resource

    walls, cpus = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant", "understand", "--json", "start a hug"],
                       cwd=ROOT, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def _load() -> float:
    """The 1-minute load average: wall times mean little when other work shares the cores."""
    try:
        import os

        return os.getloadavg()[0]
    except (OSError, AttributeError):
        return 0.0


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
    cpu_latencies: list[float] = []

    def ours(text: str) -> tuple[str | None, dict[str, Any], float]:
        start, cpu = time.perf_counter(), time.thread_time()
        result = matcher.match(text)
        latencies.append(time.perf_counter() - start)
        cpu_latencies.append(time.thread_time() - cpu)
        if isinstance(result, IntentMatch):
            return result.intent, result.slots, result.confidence
        return None, {}, result.confidence

    ok, ok_hassil, held, misses = [], [], [], []
    for case in paraphrases:
        intent, slots, _ = ours(case["text"])
        good = correct(case, intent, slots)
        ok.append(good)
        ok_hassil.append(correct(case, *exact(case["text"])))
        held.append(case["heldout"])
        if not good:
            misses.append({"text": case["text"], "want": case["intent"], "slots": case.get("slots"),
                           "got": intent, "got_slots": slots, "heldout": case["heldout"]})
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
    cpu_latencies.sort()
    figures: dict[str, Any] = {
        "paraphrases": len(paraphrases),
        "unrelated": len(unrelated),
        "paraphrase_accuracy": _rate(ok),
        "unrelated_false_match_rate": _rate(false),
    }
    for group in (0, 1, 2):
        name = ("tuning", "heldout1", "heldout2")[group]
        figures[f"paraphrases_{name}"] = held.count(group)
        figures[f"paraphrase_accuracy_{name}"] = _rate([g for g, h in zip(ok, held) if h == group])
        figures[f"unrelated_{name}"] = u_held.count(group)
        figures[f"unrelated_false_match_rate_{name}"] = _rate([f for f, h in zip(false, u_held) if h == group])
    figures |= {
        "hassil_exact_paraphrase_accuracy": _rate(ok_hassil),
        "hassil_exact_unrelated_false_match_rate": _rate(false_hassil),
        "match_ms_median": 1000 * statistics.median(latencies),
        "match_ms_p95": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "match_cpu_ms_median": 1000 * statistics.median(cpu_latencies),
        "match_cpu_ms_p95": 1000 * cpu_latencies[int(0.95 * (len(cpu_latencies) - 1))],
        "load_average": _load(),
        "misses": misses,
        "false_matches": false_list,
    }
    if startup:
        figures["startup_s_median"], figures["startup_cpu_s_median"] = startup_seconds()
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
        rows.append((is_para, case["heldout"] > 0, is_exact, right, top, gap))
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


def _group(heldout: int) -> str:
    return f" (held out {heldout})" if heldout else ""


def main() -> None:
    if "--calibrate" in sys.argv:
        calibrate()
        return
    figures = run(startup="--no-startup" not in sys.argv)
    for miss in figures["misses"]:
        print(f"  miss{_group(miss['heldout'])}: {miss['text']!r} want {miss['want']} "
              f"{miss['slots'] or ''} got {miss['got']} {miss['got_slots']}")
    for false in figures["false_matches"]:
        print(f"  false match{_group(false['heldout'])}: {false['text']!r} -> {false['got']} "
              f"({false['confidence']:.2f})")
    groups = " | ".join(f"{name} {figures['paraphrase_accuracy_' + name]:.1%} (n={figures['paraphrases_' + name]})"
                        for name in ("tuning", "heldout1", "heldout2"))
    print(f"paraphrase accuracy      {figures['paraphrase_accuracy']:6.1%}  target >= 95%  n={figures['paraphrases']}"
          f"  [{groups}]  hassil exact alone {figures['hassil_exact_paraphrase_accuracy']:.1%}")
    groups = " | ".join(f"{name} {figures['unrelated_false_match_rate_' + name]:.1%} (n={figures['unrelated_' + name]})"
                        for name in ("tuning", "heldout1", "heldout2"))
    print(f"unrelated false matches  {figures['unrelated_false_match_rate']:6.1%}  target <= 3%   n={figures['unrelated']}"
          f"  [{groups}]  hassil exact alone {figures['hassil_exact_unrelated_false_match_rate']:.1%}")
    print(f"match latency            median {figures['match_ms_median']:.2f} ms, p95 {figures['match_ms_p95']:.2f} ms"
          f" (CPU median {figures['match_cpu_ms_median']:.2f} ms, p95 {figures['match_cpu_ms_p95']:.2f} ms)"
          "  target < 5 ms")
    if "startup_s_median" in figures:
        print(f"tandem understand start  {figures['startup_s_median']:.2f} s wall, {figures['startup_cpu_s_median']:.2f} s"
              " CPU (median of 5)  target < 1 s")
    print(f"machine load average     {figures['load_average']:.2f} (2 cores): wall times grow with it")


if __name__ == "__main__":
    main()
