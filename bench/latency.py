"""Latency and footprint of the listen loop, per engine, measured one thing at a time (nothing in parallel).

- Reply latency: a `--realtime` session of spoken commands over kitchen noise; for each command, from the
  loop's `speech_end` event to the first `say_start` or `chime` after it (and, for reference, from the true
  end of the words, found from the clip's own energy).
- Wake to listening: a bare "hey tandem", then a pause: from its `speech_end` to the `listening` chime.
- Recognizer real-time factor: in-process, decode seconds / audio seconds over the command clips, fed in
  100 ms chunks as the loop feeds them (model loading excluded), median of 3 passes.
- Idle CPU: `--realtime` over kitchen noise alone, one process, its CPU over `idle_s - 4` seconds from
  `READY_SETTLE` seconds after it says its speech models are ready (Whisper, and pocketsphinx's general-English
  decoder, load in the background after the microphone opens: their loading is not listening), read from
  /proc; the row's note says when that was. For comparison the note gives the
  older figure, (CPU of a long run - CPU of a shorter one) / (the seconds of noise between them): start-up's
  CPU varies by a second or more from run to run, which swamps 20 s of listening at 5 % (the same code read
  7.7 % one session and 12.8 % the next; as low as -4 % under load).
  Peak memory: the largest resident set of any listen process (wait4 rusage).
- Microphone open: from starting `tandem listen` to its "listening with" line (imports, pocketsphinx and
  the grammar loaded; Whisper, alone or in the combination, goes on loading in the background), median of 3.
- Where the reply latency goes: the loop's `reply_timing` event for each answered command, medians per
  stage: the VAD's end-of-speech wait, how long before it decoding had begun (speculatively, at the
  pause that turned out to be the end), decoding still waited for after it (for the combination:
  Whisper's decoding, waiting on pocketsphinx after it, forced scoring; these three are the whole
  decode, begun early or not), understanding with the dialog, rendering the first clause.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

import numpy as np

from bench.audio import ROOT, cache_dir, kitchen_noise, read16, speak, write16
from bench.report import Row, Section, Table, Target
from bench.sessions import ListenRun, build, events_between, listen
from bench.speech import ENGINES, EngineMissing, Expected, vosk_model_missing

TITLE = "Latency and footprint"
TARGETS = {"reply": Target("<", 600), "rtf": Target("<", 0.3), "cpu": Target("<", 10), "rss": Target("<", 450),
           "startup": Target("<", 3)}
WAKE = "hey tandem"
QUICK_REPLY_INTENTS = ("TodayStatus", "WeekSummary", "WhoseTurn", "Help", "TimeLeft", "Stop")
"""Commands whose answer is short and starts nothing, so the cues that follow meet an idle loop (timing
only: what is said matters little here, so the intents' own sample sentences serve)."""
VOICES = (("en-us", 160), ("en-gb+m3", 145), ("en-us+f3", 180))
IDLE_SETTLE = 8
"""Seconds of the shorter idle run: longer than the background loading after the microphone opens (about
1-2 s for the Whisper model on a quiet machine), so both idle runs hold all of it and the difference is
listening alone."""
READY_SETTLE = 2
"""Seconds after the "speech models ready" line before idle CPU is read (the memory given back after loading)."""
READY_SLACK = 30
"""Seconds of extra noise in the one-process idle run, so that its window fits after a late "ready"."""


def pick_samples(per_intent: int, seed: int = 4) -> list[Expected]:
    """`per_intent` distinct sample sentences per intent, the same every run."""
    import random
    from collections import defaultdict

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
    groups = [[s for s in samples if s.intent == name] for name in intents]
    out = []
    for i in range(max((len(g) for g in groups), default=0)):
        out += [g[i] for g in groups if i < len(g)]
    return out


def listening_after(engine: str, wav: Path, timeout: float = 120) -> float:
    """Seconds from starting `tandem listen` to its "listening with" line (the microphone would be open)."""
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "listen", "--input", str(wav), "--engine", engine,
                                 "--journal", str(Path(tmp) / "journal.json")], cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        seen = None
        try:
            assert proc.stderr is not None
            for line in proc.stderr:
                if "listening with" in line and seen is None:
                    seen = time.perf_counter() - start
            proc.wait(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
        if seen is None:
            raise RuntimeError(f"tandem listen --engine {engine} never said it was listening")
        return seen


def steady_idle(engine: str, wav: Path, span: float) -> tuple[float, str]:
    """CPU seconds per second of one `tandem listen --realtime` over noise, for `span` seconds from `READY_SETTLE`
    seconds after it said its speech models were ready (or `IDLE_SETTLE` seconds after "listening with", for an
    engine that loads nothing in the background), and when that window began: listening alone, in one process,
    so start-up (which varies by seconds of CPU from run to run) is never subtracted from another run's.
    Linux: read from /proc."""
    import subprocess
    import sys
    import tempfile
    import threading

    tick = os.sysconf("SC_CLK_TCK")

    def cpu(pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([sys.executable, "-m", "assistant", "listen", "--input", str(wav), "--realtime",
                                 "--engine", engine, "--journal", str(Path(tmp) / "journal.json"),
                                 "--output", str(Path(tmp) / "said.wav")], cwd=ROOT, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        opened, ready = threading.Event(), threading.Event()
        seen: dict[str, float] = {}

        def read() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                if "listening with" in line and not opened.is_set():
                    seen["opened"] = time.perf_counter()
                    opened.set()
                elif "speech models ready" in line and not ready.is_set():
                    seen["ready"] = time.perf_counter()
                    ready.set()
            opened.set()
            ready.set()

        try:
            threading.Thread(target=read, daemon=True).start()
            opened.wait(timeout=120)
            if "opened" not in seen:
                raise RuntimeError(f"tandem listen --engine {engine} never said it was listening")
            if ready.wait(timeout=READY_SLACK) and "ready" in seen:
                time.sleep(READY_SETTLE)
                late = seen["ready"] - seen["opened"]
                began = f"from {READY_SETTLE} s after the speech models were ready ({late:.1f} s after the microphone opened)"
            else:
                time.sleep(max(0.0, seen["opened"] + IDLE_SETTLE - time.perf_counter()))
                began = f"from {IDLE_SETTLE} s after the microphone opened (no \"models ready\" line)"
            a, ta = cpu(proc.pid), time.perf_counter()
            time.sleep(span)
            b, tb = cpu(proc.pid), time.perf_counter()
            proc.wait(timeout=span + READY_SLACK + IDLE_SETTLE + 120)
        finally:
            if proc.poll() is None:
                proc.kill()
        return (b - a) / (tb - ta), began


def _speech_end_offset(clip: np.ndarray) -> float:
    """Seconds from the clip start to the end of the words (last 10 ms frame above 2 % of the peak)."""
    frames = np.abs(clip[: len(clip) // 160 * 160].reshape(-1, 160).astype(np.float64)).max(axis=1)
    loud = np.nonzero(frames > 0.02 * frames.max())[0]
    return (loud[-1] + 1) * 0.01 if len(loud) else len(clip) / 16000


def reply_session(n: int, folder: Path) -> tuple[Path, list]:
    samples = round_robin(pick_samples(6), QUICK_REPLY_INTENTS)
    parts: list = [2.0]
    for i in range(n):
        want = samples[i % len(samples)]
        voice, speed = VOICES[i % len(VOICES)]
        if i % 3 == 2:  # a bare wake phrase, a pause, then the command
            wake = read16(speak(WAKE, voice, speed))
            parts += [(wake, {"kind": "wake", "end": _speech_end_offset(wake)}), 1.0]
            clip = read16(speak(want.text, voice, speed))
        else:
            clip = read16(speak(f"{WAKE}, {want.text}", voice, speed))
        parts += [(clip, {"kind": "command", "intent": want.intent, "end": _speech_end_offset(clip)}), 9.0]
    path = folder / f"latency-{n}.wav"
    return path, build(parts, 24, path)


def _first_sound(run: ListenRun, after: float, within: float = 6.0) -> float | None:
    sounds = [e["t"] for e in run.events if e.get("event") in ("say_start", "chime") and after <= e["t"] <= after + within]
    return min(sounds) if sounds else None


STAGES = (("vad_wait", "VAD wait"), ("head_start", "decoding begun before the end by"), ("decode", "decode"), ("whisper", "whisper"), ("sphinx_wait", "then pocketsphinx"),
          ("score", "scoring"), ("understand", "understand + dialog"), ("render", "first render"))


def _breakdown(timings: list[dict]) -> str:
    """Median milliseconds per stage of the replies' `reply_timing` events (a stage only some replies had,
    such as forced scoring, is the median over those, with how many)."""
    parts = []
    for key, name in STAGES:
        values = [t[f"{key}_ms"] for t in timings if f"{key}_ms" in t]
        if values:
            share = "" if len(values) == len(timings) else f" ({len(values)} of {len(timings)})"
            parts.append(f"{name} {statistics.median(values):.0f}{share}")
    cpu = [t["decode_cpu_ms"] for t in timings if "decode_cpu_ms" in t]
    if cpu:
        parts.append(f"decode CPU {statistics.median(cpu):.0f}")
    return ", ".join(parts)


def _stats(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def rtf(engine: str, clips: list[Path], passes: int = 3) -> float:
    from assistant.datafiles import intents_dir
    from assistant.recognize.base import ListenMode
    from assistant.recognize.select import load_recognizer
    from assistant.understand.intents import load_intents

    recognizer = load_recognizer(engine, load_intents(intents_dir()), None)
    getattr(recognizer, "wait_ready", lambda: None)()  # model loading excluded (Whisper loads in the background)
    audio = [read16(p) for p in clips]
    seconds = sum(len(a) for a in audio) / 16000
    results = []
    for _ in range(passes):
        spent = 0.0
        for samples in audio:
            session = recognizer.session(ListenMode(wake=False))
            start = time.perf_counter()
            for i in range(0, len(samples), 1600):
                session.accept(samples[i:i + 1600])
            session.finish()
            spent += time.perf_counter() - start
        results.append(spent / seconds)
    return statistics.median(results)


def run(quick: bool = False) -> Section:
    n, idle_s, startup_runs = (4, 20, 1) if quick else (12, 60, 3)
    folder = cache_dir("latency")
    section = Section("latency", TITLE, __doc__.split("\n", 1)[1].strip(), mode="quick" if quick else "full")
    session, cues = reply_session(n, folder)
    noise = kitchen_noise()
    idle_long = write16(folder / f"idle-{IDLE_SETTLE + idle_s}s.wav", noise[: (IDLE_SETTLE + idle_s) * 16000] // 4)
    idle_ready = write16(folder / f"idle-{IDLE_SETTLE + idle_s + READY_SLACK}s.wav",
                         noise[: (IDLE_SETTLE + idle_s + READY_SLACK) * 16000] // 4)
    idle_short = write16(folder / f"idle-{IDLE_SETTLE}s.wav", noise[: IDLE_SETTLE * 16000] // 4)
    silence = write16(folder / "silence-0.5s.wav", np.zeros(8000, dtype=np.int16))
    clips = [speak(s.text, *VOICES[0]) for s in pick_samples(1 if quick else 2)]
    skipped = {"vosk": why} if (why := vosk_model_missing()) else {}
    table = []
    for engine in ENGINES:
        if engine in skipped:
            section.rows.append(Row(f"{engine}: all figures", None, note=f"skipped: {skipped[engine]}"))
            continue
        try:
            starts = [listen(silence, engine) for _ in range(startup_runs)]
        except EngineMissing as e:
            section.rows.append(Row(f"{engine}: all figures", None, note=f"skipped: {e}"))
            continue
        talk = listen(session, engine, realtime=True, timeout=900)
        short = listen(idle_short, engine, realtime=True, timeout=IDLE_SETTLE + 120)
        long = listen(idle_long, engine, realtime=True, timeout=IDLE_SETTLE + idle_s + 120)
        replies, true_replies, wakes, lost, timings = [], [], [], 0, []
        for cue in cues:
            ends = events_between(talk, "speech_end", cue.start, cue.end + 2.0)
            if not ends:
                lost += 1
                continue
            end_t = ends[-1]["t"]
            sound = _first_sound(talk, end_t)
            if sound is None:
                lost += 1
                table.append([engine, cue.label["kind"], f"speech_end {end_t:.2f} s", "no sound within 6 s"])
                continue
            if cue.label["kind"] == "wake":
                wakes.append(1000 * (sound - end_t))
            else:
                replies.append(1000 * (sound - end_t))
                true_replies.append(1000 * (sound - (cue.start + cue.label["end"])))
                timings += [e for e in talk.of("reply_timing") if end_t <= e["t"] <= end_t + 6.0][:1]
        if replies:
            med, p95 = _stats(replies)
            section.rows.append(Row(f"{engine}: reply latency (speech_end to first sound), median", round(med), "ms",
                                    TARGETS["reply"], f"n={len(replies)}"))
            section.rows.append(Row(f"{engine}: reply latency, p95", round(p95), "ms"))
            tmed, tp95 = _stats(true_replies)
            section.rows.append(Row(f"{engine}: from the true end of the words, median / p95", round(tmed), "ms",
                                    note=f"p95 {tp95:.0f} ms; includes the VAD's end-of-speech wait"))
            if timings:
                section.rows.append(Row(f"{engine}: where the reply latency goes (ms, medians)", len(timings), "replies",
                                        note=_breakdown(timings)))
        else:
            section.rows.append(Row(f"{engine}: reply latency", None, "ms", TARGETS["reply"],
                                    note="not available: no command got an answer in the session"))
        if wakes:
            section.rows.append(Row(f"{engine}: wake to listening chime, median", round(statistics.median(wakes)),
                                    "ms", note=f"n={len(wakes)}"))
        else:
            section.rows.append(Row(f"{engine}: wake to listening chime", None, "ms",
                                    note="not available: no listening chime after a bare wake phrase"))
        if lost:
            section.notes.append(f"{engine}: {lost} of {len(cues)} cues got no sound in reply")
        try:
            section.rows.append(Row(f"{engine}: recognizer real-time factor", round(rtf(engine, clips), 3), "x",
                                    Target("<", 0.3), f"{len(clips)} clips, 100 ms chunks, median of 3"))
        except ModuleNotFoundError as e:
            section.rows.append(Row(f"{engine}: recognizer real-time factor", None, "x", TARGETS["rtf"],
                                    note=f"not available: {e.name} is not there yet"))
        steady, began = steady_idle(engine, idle_ready, idle_s - 4)
        steady *= 100
        difference = 100 * (long.cpu - short.cpu) / idle_s  # the input is paced: idle_s more seconds of listening
        section.rows.append(Row(f"{engine}: idle CPU while listening", round(steady, 1), "%", TARGETS["cpu"],
                                f"% of one core, {idle_s - 4} s of kitchen noise {began}, one process; "
                                f"as two runs' difference {difference:.1f} %"))
        rss = max(r.max_rss_mb for r in [*starts, talk, short, long])
        section.rows.append(Row(f"{engine}: peak resident memory", round(rss), "MB", TARGETS["rss"]))
        opened = [listening_after(engine, silence) for _ in range(startup_runs)]
        section.rows.append(Row(f"{engine}: microphone open after start", round(statistics.median(opened), 2), "s",
                                TARGETS["startup"], f"median of {len(opened)}; whole run over 0.5 s of silence "
                                f"{statistics.median(r.wall for r in starts):.2f} s"))
    if table:
        section.tables.append(Table("Cues without a timely answer", ["Engine", "Cue", "When", "What"], table))
    section.notes += [f"{e}: {why}" for e, why in skipped.items()]
    return section
