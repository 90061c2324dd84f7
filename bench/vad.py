"""Voice activity detection: the band VAD against the neural Silero VAD, on the same streams.

Speech: the wake-command sessions of the wake benchmark (the corpus's test split, three voice
families, kitchen noise at 12 and 6 dB); a cue is found when an utterance overlaps it, and the
number of utterances per found cue shows how often a command was cut in two. End delay: from the
true end of the words (the clip minus the voices' 0.4 s of silent padding) to the moment the loop
learns of the VAD's `speech_end` (the end of the 100 ms chunk that produced it): the reply waits on it. Noise alone: the barista kitchen noise, looped at the level it has in the 12 dB sessions, with
no speech: every utterance opened there is a false opening (the recognizer runs for nothing).
Cost: CPU seconds per second of audio, in-process.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from bench.audio import RATE, cache_dir, kitchen_noise, read16
from bench.corpus import load
from bench.report import Row, Section, Table
from bench.wake import WAKE, cue_session

TITLE = "Voice activity detection"
KINDS = ("band", "silero")


def _events(kind: str, samples: np.ndarray) -> tuple[list, float]:
    from assistant.audio.vad import make_vad
    from assistant.messages import AudioChunk

    vad = make_vad(kind)
    events = []
    start = time.process_time()
    for i in range(0, len(samples), 1600):
        for e in vad.feed(AudioChunk(samples[i:i + 1600], i / RATE)):
            events.append((e, (i + 1600) / RATE))  # when the loop learns of it: the end of the chunk fed
    events += [(e, len(samples) / RATE) for e in vad.flush()]
    return events, time.process_time() - start





def run(quick: bool = False) -> Section:
    cases = [c for c in load("wake_commands.yaml", "commands") if c.get("split") == "test"]
    if not cases:
        return Section.unavailable("vad", TITLE, __doc__.split("\n", 1)[1].strip(), "no corpus (merge main)")
    if quick:
        cases = cases[::6]
    section = Section("vad", TITLE, __doc__.split("\n", 1)[1].strip(), mode="quick" if quick else "full")
    folder = cache_dir("wake")
    table = []
    for snr in (12, 6):
        path, cues = cue_session(cases, WAKE, snr, folder, f"test{'-q' if quick else ''}")
        samples = read16(path)
        for kind in KINDS:
            events, cpu = _events(kind, samples)
            ends = [(e, at) for e, at in events if e.kind == "speech_end"]
            found, pieces, delays = 0, [], []
            for cue in cues:
                overlapping = [(e, at) for e, at in ends if e.start < cue.end and e.t > cue.start]
                if overlapping:
                    found += 1
                    pieces.append(len(overlapping))
                    delays.append(1000 * (overlapping[-1][1] - (cue.end - 0.4)))  # voices pad 0.4 s of silence
            label = f"{kind}, {snr} dB"
            section.rows.append(Row(f"{label}: commands found", round(100 * found / len(cues), 1), "%",
                                    note=f"n={len(cues)}; cut in two or more {sum(p > 1 for p in pieces)}"))
            if delays:
                section.rows.append(Row(f"{label}: end of words to speech_end, median", round(statistics.median(delays)),
                                        "ms"))
            table.append([label, f"{100 * found / len(cues):.1f} %", f"{statistics.mean(pieces):.2f}" if pieces else "",
                          f"{statistics.median(delays):.0f} ms" if delays else "", f"{100 * cpu / (len(samples) / RATE):.1f} %"])
    noise = kitchen_noise()
    seconds = 120 if quick else 600
    bed = (np.tile(noise, seconds * RATE // len(noise) + 1)[: seconds * RATE] // 2).astype(np.int16)
    for kind in KINDS:
        events, cpu = _events(kind, bed)
        opened = sum(1 for e, _ in events if e.kind == "speech_start")
        section.rows.append(Row(f"{kind}: false openings on kitchen noise alone", round(60 * opened / seconds, 2), "/min",
                                note=f"{opened} in {seconds / 60:.0f} min"))
        section.rows.append(Row(f"{kind}: CPU", round(100 * cpu / seconds, 2), "%", note="% of one core, in-process"))
    section.tables.append(Table("Per condition", ["VAD, condition", "found", "utterances per cue", "end delay",
                                                  "CPU"], table))
    return section
