"""Real human speech: 124 recorded coffee orders, clean and in kitchen noise, beside published figures.

The recordings go through `tandem understand --intents bench/barista/intents --audio ...`: the same
recognizer, grammar compilation and matcher the assistant uses, given a foreign intents folder.
Nothing here knows about coffee beyond the labels it scores against.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.audio import BARISTA, ROOT, SNRS, noisy_copies
from bench.report import Row, Section, Table, Target, pct
from bench.speech import ENGINES, EngineMissing, Expected, Score, blame, score, slot_errors, understand_audio, \
    vosk_model_missing, word_errors

INTENTS = ROOT / "bench" / "barista" / "intents"
TITLE = "Barista: real human speech"
METHOD = (
    "124 coffee orders recorded by real people (a sample of Picovoice's speech-to-intent benchmark) run "
    "through `tandem understand --intents bench/barista/intents --audio ... --json`, one process per engine "
    "and noise level with every file, clean and mixed with the benchmark's kitchen noise at 24 to 6 dB SNR "
    "(Picovoice's mixer: loudest 2048-sample frame energy ratio, random noise stretch, mix normalised). "
    "Command acceptance as Picovoice scores it: the intent and every labelled slot must be right; "
    "unlabelled slots are not judged. Published figures are from Picovoice's benchmark on all 619 files "
    "of the set; ours are on the 124 here, so small differences are within sampling noise (one file = 0.8 %)."
)
PUBLISHED = {"Picovoice Rhino": 97.6, "Microsoft LUIS": 89.9, "IBM Watson": 86.8, "Amazon Lex": 84.5,
             "Google Dialogflow": 77.6}
RHINO_BY_SNR = {6: 96.0, 12: 98.0, 24: 99.0}
TARGETS = {None: Target(">=", 90), 12: Target(">=", 80)}
"""pocketsphinx targets from the issue, by SNR (None = clean)."""


def labels() -> dict[str, Expected]:
    raw = json.loads((BARISTA / "labels.json").read_text(encoding="utf-8"))
    out = {}
    for name, lab in raw.items():
        slots = {k: str(v).strip() for k, v in lab["slots"].items()}
        out[name] = Expected(lab["intent"], slots, " ".join(slots.values()))
    return out


def _condition(snr: int | None) -> str:
    return "clean" if snr is None else f"{snr} dB"


def run(quick: bool = False, jobs: int = 2) -> Section:
    if not (BARISTA / "labels.json").exists():
        return Section.unavailable("barista", TITLE, METHOD, f"no barista data at {BARISTA}")
    want = labels()
    clean = sorted(BARISTA.glob("clean/*.wav"))
    if quick:
        clean = clean[::10]  # every tenth file: 13 of 124
    snrs: list[int | None] = [None, 12] if quick else [None, *SNRS]
    engines_ok: list[str] = []
    skipped: dict[str, str] = {}
    for engine in ENGINES:
        why = vosk_model_missing() if engine == "vosk" else None
        if why:
            skipped[engine] = why
        else:
            engines_ok.append(engine)

    files = {snr: noisy_copies(clean, snr, "barista") for snr in snrs}

    def one(job: tuple[str, int | None]) -> tuple[str, int | None, Score | str]:
        engine, snr = job
        try:
            heard, _ = understand_audio(files[snr], engine, INTENTS, label=f"{engine} {_condition(snr)}")
        except EngineMissing as e:
            return engine, snr, f"skipped: {e}"
        return engine, snr, score([(want[h.path.name], h) for h in heard])

    results: dict[tuple[str, int | None], Score | str] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for engine, snr, res in pool.map(one, [(e, s) for e in engines_ok for s in snrs]):
            results[engine, snr] = res
    for engine, res in list(results.items()):
        if isinstance(res, str) and engine[0] not in skipped:
            skipped[engine[0]] = res.removeprefix("skipped: ")
    return _section(quick, snrs, results, skipped, len(clean))


def _section(quick: bool, snrs: list[int | None], results: dict, skipped: dict[str, str], n: int) -> Section:
    section = Section("barista", TITLE, METHOD, mode="quick" if quick else "full")
    for engine in ENGINES:
        if engine in skipped:
            section.rows.append(Row(f"{engine}: acceptance", None, "%", note=f"skipped: {skipped[engine]}"))
            continue
        for snr in snrs:
            res = results[engine, snr]
            target = TARGETS.get(snr) if engine == "pocketsphinx" else None
            published = RHINO_BY_SNR.get(snr)
            note = f"Rhino {published} %" if published else ("Rhino n/a" if snr is None else "")
            section.rows.append(Row(f"{engine}: acceptance, {_condition(snr)}", res.rate and round(res.rate, 1),
                                    "%", target, f"n={res.total}; {note}".rstrip("; ")))
        noisy = [results[engine, s] for s in snrs if s is not None]
        overall = pct(sum(r.accepted for r in noisy), sum(r.total for r in noisy))
        section.rows.append(Row(f"{engine}: acceptance, all noise levels", overall, "%",
                                note="Rhino 97.6 %, LUIS 89.9 %, Watson 86.8 %, Lex 84.5 %, Dialogflow 77.6 %"))
    headers = ["Condition", *[e for e in ENGINES if e not in skipped], "Picovoice Rhino (published)"]
    matrix = []
    for snr in snrs:
        cells = [_condition(snr)]
        for engine in ENGINES:
            if engine not in skipped:
                r = results[engine, snr]
                cells.append(f"{r.rate:.1f} % ({r.accepted}/{r.total})")
        cells.append(f"{RHINO_BY_SNR[snr]} %" if snr in RHINO_BY_SNR else "")
        matrix.append(cells)
    section.tables.append(Table("Command acceptance by noise level", headers, matrix))
    section.tables.append(Table("Published overall figures (Picovoice benchmark, 619 files, kitchen noise)",
                                ["Engine", "Acceptance"], [[k, f"{v} %"] for k, v in PUBLISHED.items()]))
    for engine in ENGINES:
        if engine in skipped:
            continue
        section.tables.append(_analysis(engine, snrs, results))
        clean = results[engine, None]
        if clean.failures:
            section.tables.append(Table(
                f"{engine}: every clean-speech failure", ["File", "Labelled slots", "Transcript", "Got"],
                [[h.path.name[:8], "; ".join(f"{k}={v}" for k, v in w.slots.items()), h.transcript,
                  f"{h.intent}: " + "; ".join(f"{k}={v}" for k, v in h.slots.items())]
                 for w, h in clean.failures]))
    if skipped:
        section.notes += [f"{e}: {why}" for e, why in skipped.items()]
    section.notes.append(f"{n} recordings per condition.")
    return section


def _analysis(engine: str, snrs: list[int | None], results: dict) -> Table:
    """Slot-level and word-level errors, clean and summed over the noise levels."""
    clean = results[engine, None].failures
    noisy = [f for s in snrs if s is not None for f in results[engine, s].failures]
    per_slot_clean = Counter(k.split(":")[0] for k in slot_errors(clean).elements())
    per_slot_noisy = Counter(k.split(":")[0] for k in slot_errors(noisy).elements())
    rows = [["slot errors (clean)", ", ".join(f"{k} {v}" for k, v in per_slot_clean.most_common()) or "none"],
            ["slot errors (all noise levels)", ", ".join(f"{k} {v}" for k, v in per_slot_noisy.most_common())
             or "none"],
            ["top confusions (clean)", "; ".join(f"{k} x{v}" for k, v in slot_errors(clean).most_common(8))
             or "none"],
            ["top confusions (noise)", "; ".join(f"{k} x{v}" for k, v in slot_errors(noisy).most_common(8))
             or "none"],
            ["whose fault (clean)", ", ".join(f"{k} {v}" for k, v in blame(clean).most_common()) or "none"],
            ["whose fault (all noise levels)", ", ".join(f"{k} {v}" for k, v in blame(noisy).most_common()) or "none"],
            ["slot words not heard (clean)", ", ".join(f"{k} {v}" for k, v in word_errors(clean).most_common(12))
             or "none"],
            ["slot words not heard (noise)", ", ".join(f"{k} {v}" for k, v in word_errors(noisy).most_common(12))
             or "none"]]
    return Table(f"{engine}: failure analysis", ["What", "Counts"], rows)
