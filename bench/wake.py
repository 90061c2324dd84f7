"""Wake phrase: misses on spoken "hey tandem, <command>", false wakes per hour on speech that never says it.

Both run the real listen loop (`tandem listen --input session.wav`, virtual clock) and read its events:
a cue is woken when a `wake` event falls between its start and 3 s after its end; any `wake` (or acted-on
`intent`) in the hour of barista orders is false.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from bench.audio import BARISTA, cache_dir, read16, speak
from bench.commands_speech import VOICES, pick_samples, round_robin
from bench.report import Row, Section, Table, Target
from bench.sessions import build, events_between, listen
from bench.speech import ENGINES, EngineMissing, vosk_model_missing

TITLE = "Wake phrase"
WAKE = "hey tandem"
QUICK_REPLY_INTENTS = ("TodayStatus", "WeekSummary", "WhoseTurn", "Help", "TimeLeft", "Stop")
"""Commands whose answer is short and starts nothing, so the cues that follow meet an idle loop."""
MISS_TARGET = Target("<", 10)
FALSE_TARGET = Target("<", 1)


def _method(cues: int, snrs: list, hours: float) -> str:
    levels = ", ".join("clean" if s is None else f"{s} dB" for s in snrs)
    return (
        f"Misses: {cues} cues of \"{WAKE}, <command>\" (commands with short answers sampled from Tandem's intents, "
        f"espeak-ng voices rotating), 9 s apart, over kitchen noise ({levels}), one session WAV per level through "
        "`tandem listen --input` (virtual clock); a cue is missed when no `wake` event falls between its start and "
        "3 s after its end. Also shown: the command understood (the right `intent` event). "
        f"False wakes: {hours * 60:.0f} minutes of the barista recordings (people ordering coffee, never saying the "
        "wake phrase) looped with 1 to 4 s gaps over kitchen noise at 15 dB, through the same loop; every `wake` "
        "event is false, and so is every `intent` acted on."
    )


def miss_session(n: int, snr: int | None, folder: Path) -> tuple[Path, list]:
    samples = round_robin(pick_samples(6), QUICK_REPLY_INTENTS)
    parts: list = [2.0]
    for i in range(n):
        want = samples[i % len(samples)]
        voice, speed = VOICES[i % len(VOICES)]
        clip = read16(speak(f"{WAKE}, {want.text}", voice, speed))
        parts += [(clip, {"intent": want.intent, "text": want.text}), 9.0]
    path = folder / f"wake-{n}-{'clean' if snr is None else snr}.wav"
    return path, build(parts, snr, path)


def no_wake_session(seconds: float, folder: Path) -> tuple[Path, float]:
    path = folder / f"no-wake-{seconds:.0f}s.wav"
    clips = sorted(BARISTA.glob("clean/*.wav"))
    rng = random.Random(5)
    parts: list = []
    total = 0.0
    while total < seconds:
        for clip in clips:
            gap = rng.uniform(1, 4)
            audio = read16(clip)
            parts += [(audio, {}), gap]
            total += gap + len(audio) / 16000
            if total >= seconds:
                break
    if not path.exists():
        build(parts, 15, path, noise_offset=12345)
    return path, total


def run(quick: bool = False) -> Section:
    n, snrs, seconds = (6, [12], 300.0) if quick else (24, [None, 12, 6], 3600.0)
    folder = cache_dir("wake")
    section = Section("wake", TITLE, _method(n, snrs, seconds / 3600), mode="quick" if quick else "full")
    skipped = {"vosk": why} if (why := vosk_model_missing()) else {}
    sessions = {snr: miss_session(n, snr, folder) for snr in snrs}
    long_path, long_seconds = no_wake_session(seconds, folder)
    detail = []
    for engine in ENGINES:
        if engine in skipped:
            section.rows.append(Row(f"{engine}: misses", None, "%", note=f"skipped: {skipped[engine]}"))
            continue
        jobs = [("miss", snr) for snr in snrs] + [("false", None)]

        def one(job):
            kind, snr = job
            path = sessions[snr][0] if kind == "miss" else long_path
            return job, listen(path, engine, timeout=4 * seconds + 600)

        try:
            with ThreadPoolExecutor(max_workers=2) as pool:
                runs = dict(pool.map(one, jobs))
        except EngineMissing as e:
            section.rows.append(Row(f"{engine}: misses", None, "%", note=f"skipped: {e}"))
            continue
        for snr in snrs:
            run_ = runs["miss", snr]
            cues = sessions[snr][1]
            woke = understood = 0
            for cue in cues:
                if events_between(run_, "wake", cue.start - 0.5, cue.end + 3):
                    woke += 1
                    if any(e.get("intent") == cue.label["intent"]
                           for e in events_between(run_, "intent", cue.start, cue.end + 3)):
                        understood += 1
                else:
                    heard = [e.get("text", "") for e in events_between(run_, "transcript", cue.start - 0.5, cue.end + 3)]
                    detail.append([engine, "clean" if snr is None else f"{snr} dB", cue.label["text"],
                                   " | ".join(heard) or "(no transcript)"])
            level = "clean" if snr is None else f"{snr} dB"
            section.rows.append(Row(f"{engine}: wake misses, {level}", round(100 * (1 - woke / len(cues)), 1), "%",
                                    MISS_TARGET if snr in (None, 12) else None, f"n={len(cues)}"))
            section.rows.append(Row(f"{engine}: woken and command understood, {level}",
                                    round(100 * understood / len(cues), 1), "%"))
        long_run = runs["false", None]
        hours = long_seconds / 3600
        wakes, intents = long_run.of("wake"), long_run.of("intent")
        section.rows.append(Row(f"{engine}: false wakes per hour", round(len(wakes) / hours, 2), "/h", FALSE_TARGET,
                                f"{len(wakes)} in {long_seconds / 60:.0f} min"))
        section.rows.append(Row(f"{engine}: commands acted on per hour (false)", round(len(intents) / hours, 2), "/h",
                                note=f"{len(intents)} in {long_seconds / 60:.0f} min"))
        for e in long_run.of("transcript"):
            if e.get("woke"):
                detail.append([engine, "no-wake hour", f"false wake at {e['t']:.0f} s", e.get("text", "")])
    if detail:
        section.tables.append(Table("Misses and false wakes", ["Engine", "Where", "Said", "Heard"], detail[:60]))
    section.notes += [f"{e}: {why}" for e, why in skipped.items()]
    return section
