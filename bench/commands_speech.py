"""Tandem's own commands as speech: intent sample sentences spoken by espeak-ng voices, in kitchen noise.

A bounded, seeded sample of each intent's expanded sentences (`IntentSet.samples`) is spoken by
several espeak-ng voices and speeds, mixed with the barista kitchen noise like the barista benchmark,
and run through `tandem understand --audio` (Tandem's own intents). Accepted = intent right and every
slot the sentence carries right.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.audio import noisy_copies, speak
from bench.report import Row, Section, Table, Target, pct
from bench.speech import ENGINES, EngineMissing, Expected, blame, score, slot_errors, understand_audio, \
    vosk_model_missing, word_errors

TITLE = "Tandem's commands as speech"
VOICES = (("en-us", 160), ("en-gb+m3", 145), ("en-us+f3", 180))
"""espeak-ng voice+variant and words per minute: an American male at a normal pace, a British male
slower, an American female faster."""
SNRS_FULL: tuple[int | None, ...] = (None, 24, 18, 12, 9, 6)
SNRS_QUICK: tuple[int | None, ...] = (None, 12)
TARGET_12DB = Target(">=", 97)


def _method(per_intent: int, voices: int, clips: int) -> str:
    return (
        f"{per_intent} seeded sample sentence(s) per intent from Tandem's expanded intents, each spoken by {voices} "
        f"espeak-ng voice(s) ({', '.join(f'{v} at {s} wpm' for v, s in VOICES[:voices])}), {clips} clips in all, "
        "clean and mixed with the barista kitchen noise (same mixer as the barista benchmark), through "
        "`tandem understand --audio ... --json` with Tandem's own intents, one process per engine and noise level. "
        "Accepted when the intent and every slot the sentence carries are right. Synthetic voices are easier "
        "than people in one way (clear) and harder in another (robotic prosody); the barista benchmark is the "
        "real-voice check."
    )


def pick_samples(per_intent: int, seed: int = 4) -> list[Expected]:
    """`per_intent` distinct sentences per intent, the same every run."""
    from assistant.datafiles import intents_dir
    from assistant.understand.intents import load_intents

    by_intent: dict[str, list] = defaultdict(list)
    for s in load_intents(intents_dir()).samples:
        by_intent[s.intent].append(s)
    rng = random.Random(seed)
    out = []
    for intent in sorted(by_intent):
        pool = sorted({s.text: s for s in by_intent[intent]}.values(), key=lambda s: s.text)
        for s in rng.sample(pool, min(per_intent, len(pool))):
            out.append(Expected(s.intent, dict(s.slots), s.text))
    return out


def round_robin(samples: list[Expected], intents: tuple[str, ...]) -> list[Expected]:
    """The samples of `intents`, taking one intent after another, so any prefix mixes the intents."""
    groups = [[s for s in samples if s.intent == name] for name in intents]
    out = []
    for i in range(max((len(g) for g in groups), default=0)):
        out += [g[i] for g in groups if i < len(g)]
    return out


def run(quick: bool = False, jobs: int = 2) -> Section:
    per_intent, n_voices = (1, 1) if quick else (4, 3)
    snrs = SNRS_QUICK if quick else SNRS_FULL
    samples = pick_samples(per_intent)
    clips: list[tuple[Expected, Path]] = []
    for want in samples:
        for voice, speed in VOICES[:n_voices]:
            clips.append((want, speak(want.text, voice, speed)))
    wants = {p.name: w for w, p in clips}
    clean = list(dict.fromkeys(p for _, p in clips))
    files = {snr: noisy_copies(clean, snr, "commands") for snr in snrs}
    skipped = {"vosk": why} if (why := vosk_model_missing()) else {}
    engines = [e for e in ENGINES if e not in skipped]

    def one(job: tuple[str, int | None]):
        engine, snr = job
        try:
            heard, _ = understand_audio(files[snr], engine, label=f"{engine} {snr or 'clean'}")
        except EngineMissing as e:
            return engine, snr, str(e)
        return engine, snr, score([(wants[h.path.name], h) for h in heard])

    results = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for engine, snr, res in pool.map(one, [(e, s) for e in engines for s in snrs]):
            if isinstance(res, str):
                skipped[engine] = res
            else:
                results[engine, snr] = res
    section = Section("commands", TITLE, _method(per_intent, n_voices, len(clean)), mode="quick" if quick else "full")
    cond = lambda s: "clean" if s is None else f"{s} dB"  # noqa: E731
    for engine in ENGINES:
        if engine in skipped:
            section.rows.append(Row(f"{engine}: acceptance", None, "%", note=f"skipped: {skipped[engine]}"))
            continue
        for snr in snrs:
            r = results[engine, snr]
            target = TARGET_12DB if snr == 12 else None
            section.rows.append(Row(f"{engine}: acceptance, {cond(snr)}", round(r.rate, 1), "%", target,
                                    f"n={r.total}"))
        section.tables.append(_per_intent(engine, snrs, results))
        fails = [f for s in snrs for f in results[engine, s].failures]
        section.tables.append(Table(f"{engine}: failure analysis", ["What", "Counts"], [
            ["confusions", "; ".join(f"{k} x{v}" for k, v in slot_errors(fails).most_common(10)) or "none"],
            ["whose fault", ", ".join(f"{k} {v}" for k, v in blame(fails).most_common()) or "none"],
            ["words not in the transcript", ", ".join(f"{k} {v}" for k, v in word_errors(fails).most_common(15))
             or "none"]]))
        at12 = results.get((engine, 12))
        if at12 and at12.failures:
            section.tables.append(Table(f"{engine}: failures at 12 dB", ["Said", "Transcript", "Got"],
                                        [[w.text, h.transcript, f"{h.intent} {h.slots or ''}".strip()]
                                         for w, h in at12.failures[:40]]))
    section.notes += [f"{e}: {why}" for e, why in skipped.items()]
    return section


def _per_intent(engine: str, snrs, results) -> Table:
    rows = []
    intents = sorted({w.intent for s in snrs for w, _ in results[engine, s].pairs})
    for intent in intents:
        cells = [intent]
        for snr in snrs:
            r = results[engine, snr]
            bad = Counter(w.intent for w, _ in r.failures)[intent]
            n = r.per_intent_total[intent]
            cells.append(f"{pct(n - bad, n)} %")
        rows.append(cells)
    return Table(f"{engine}: acceptance per intent", ["Intent", *["clean" if s is None else f"{s} dB" for s in snrs]],
                 rows)

