"""Rooms: Tandem serving several real `wyoming-satellite` 1.0.0 processes on loopback, in real time.

Satellites come from their own virtual environment (`.ci/install-satellite`), each fed by a paced
stand-in microphone (tests/paced_mic.py) that logs when each spoken file starts, and each
playing into a file whose growth is watched every 5 ms. Measured, in one run:
- idle CPU: this process's CPU time (every Tandem thread; satellites are other processes) with one
  room and with four rooms streaming silence; per extra room = the difference / 3;
- reply latency: commands spoken by flite in one room alone, then in all four rooms at staggered
  moments, then in all four at once (the ratio four/one, from one run, is the fair figure on a
  shared machine); latency = first byte of the reply reaching the satellite's speaker minus
  the end of the spoken words (the last loud sample of the file, from the microphone's log);
- reconnect: a satellite killed mid-hug and restarted; seconds from the restart command (which
  includes the satellite's own start-up) until Tandem is its controller again;
- the journal: every hug started is there, with its room, as it really went.
"""

from __future__ import annotations

import random
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from bench.audio import ROOT
from bench.report import Row, Section, Table, Target
from bench.speech import PartMissing

TITLE = "Rooms: Wyoming satellites"
QUERIES = ["hey tandem, how are we doing today", "hey tandem, whose turn is it", "hey tandem, what's our streak",
           "hey tandem, how was our week"]
VOICE = "flite:rms"
ROOMS = ("kitchen", "bedroom", "living", "study")


def _imports():
    folder = ROOT / "tests"  # the loopback satellites and test speech live with the tests
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    import audio_gen
    import satellites

    return audio_gen, satellites


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Watcher:
    """Stamps (monotonic) every growth of each satellite's speaker file."""

    def __init__(self, sats: dict) -> None:
        self.sats = sats
        self.growth: dict[str, list[tuple[float, int]]] = {name: [] for name in sats}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        sizes = {name: 0 for name in self.sats}
        while not self._stop.is_set():
            for name, sat in self.sats.items():
                size = sat.out.stat().st_size if sat.out.exists() else 0
                if size != sizes[name]:
                    self.growth[name].append((time.monotonic(), size))
                    sizes[name] = size
            time.sleep(0.005)

    def first_after(self, room: str, t: float) -> float | None:
        return next((at for at, _ in self.growth[room] if at > t), None)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def _speech_end(samples: np.ndarray) -> float:
    """Seconds from the file's start to its last loud sample (the end of the words)."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > 500)
    return (loud[-1] + 1) / 16_000 if len(loud) else 0.0


def _mic_starts(sat) -> dict[str, float]:
    log = sat.folder / "mic.log"
    if not log.exists():
        return {}
    return {name: float(t) for name, t in (line.split() for line in log.read_text().splitlines())}


def run(quick: bool = False) -> Section:
    from assistant.config import settings_from_dict
    from assistant.recognize.select import load_recognizer
    from assistant.rooms.serve import RoomsServer, ServeOptions

    audio_gen, satellites = _imports()
    python = satellites.satellite_python()
    if python is None:
        raise PartMissing(satellites.MISSING)
    if not audio_gen.available(VOICE):
        raise PartMissing("flite and sox are needed to make the spoken commands")
    section = Section("rooms", TITLE, (__doc__ or "").split("\n\n", 1)[1].strip())
    idle_seconds = 8.0 if quick else 20.0
    rounds = 2 if quick else 5
    recognizer = load_recognizer("pocketsphinx")
    speech = {text: audio_gen.speak(text, VOICE) for text in QUERIES + ["hey tandem, start our hug timer"]}

    with tempfile.TemporaryDirectory(prefix="tandem-bench-rooms-") as tmp:
        folder = Path(tmp)
        sats = {name: satellites.Satellite(python, name, folder / name).start() for name in ROOMS}
        servers: list = []

        def serve(names: tuple[str, ...], tag: str) -> RoomsServer:
            settings = settings_from_dict({
                "partners": {"names": ["Alex", "Sam"]}, "durations": {"hug": 5},
                "rituals": {"ask_rating": False}, "rooms": {n: sats[n].uri for n in names}})
            server = RoomsServer(ServeOptions(settings=settings, journal=folder / f"journal-{tag}.json",
                                              recognizer=recognizer, rng=random.Random(3)))
            servers.append(server)
            server.start()
            if not server.wait_connected(20):
                raise RuntimeError("the satellites were not connected within 20 s")
            return server

        try:
            # --- idle CPU: one room, then four --------------------------------------------------
            idle: dict[int, float] = {}
            for count in (1, 4):
                server = serve(ROOMS[:count], f"idle{count}")
                time.sleep(2.0)  # settle (start-up threads, journal warm-up)
                cpu0, wall0 = _cpu(), time.monotonic()
                time.sleep(idle_seconds)
                idle[count] = (_cpu() - cpu0) / (time.monotonic() - wall0) * 100
                server.stop()
            per_room = (idle[4] - idle[1]) / 3

            # --- reply latency: one room alone, then four (same commands, same run) --------------
            asked: list[tuple[str, str, float, str]] = []  # (room, file, end-of-words offset, kind)
            rng = random.Random(7)

            def say(room: str, text: str, kind: str) -> None:
                samples = speech[text]
                sats[room].say(samples)
                asked.append((room, f"{sats[room]._said:05d}.raw", _speech_end(samples), kind))

            server = serve(ROOMS[:1], "one")
            watcher = Watcher(sats)
            for r in range(rounds * 2):
                say(ROOMS[0], QUERIES[r % len(QUERIES)], "alone")
                time.sleep(4.5 + rng.random())
            time.sleep(2.0)
            server.stop()
            server = serve(ROOMS, "four")
            for r in range(rounds):
                for i, room in enumerate(ROOMS):  # staggered: people in different rooms at their own moments
                    say(room, QUERIES[(r + i) % len(QUERIES)], "staggered")
                    time.sleep(1.0 + rng.random())
                time.sleep(7.0)
            for r in range(1 if quick else 2):  # all four rooms at the same moment
                for i, room in enumerate(ROOMS):
                    say(room, QUERIES[(r + i) % len(QUERIES)], "together")
                time.sleep(10.0)
            time.sleep(2.0)
            latencies: dict[str, list[float]] = {"alone": [], "staggered": [], "together": []}
            missed = 0
            starts = {room: _mic_starts(sats[room]) for room in ROOMS}
            for i, (room, name, offset, kind) in enumerate(asked):
                start = starts[room].get(name)
                later = [starts[room].get(n) for r, n, _, _ in asked[i + 1:] if r == room]
                limit = min([6.0] + [t - start for t in later if t is not None and start is not None])
                reply = watcher.first_after(room, start + offset) if start is not None else None
                if reply is None or reply - (start + offset) > limit:  # unanswered (not the next one's reply)
                    missed += 1
                    continue
                latencies[kind].append(reply - (start + offset))
            decode = [e for e in server.events.events if e["event"] == "transcript"]
            stages = _stages(list(server.events.events))

            # --- reconnect after a restart, mid-hug; nothing lost from the journal ----------------
            watcher.stop()
            restarts: list[float] = []
            for attempt in range(1 if quick else 3):
                room = ROOMS[attempt % len(ROOMS)]
                starts_before = len([e for e in server.events.events if e["event"] == "ritual_start"])
                sats[room].say(speech["hey tandem, start our hug timer"])
                end = time.monotonic() + 20
                while time.monotonic() < end and len(
                        [e for e in server.events.events if e["event"] == "ritual_start"]) == starts_before:
                    time.sleep(0.05)
                time.sleep(3.5)  # the intro and the start chime: the hug is on
                sats[room].kill()
                time.sleep(rng.uniform(2.0, 12.0))  # away for a while: Tandem's redial pauses are anywhere
                begun = time.monotonic()
                sats[room].start()
                while not server.links[room].connected and time.monotonic() - begun < 30:
                    time.sleep(0.02)
                restarts.append(time.monotonic() - begun)
                time.sleep(4.0)
            started = [e for e in server.events.events if e["event"] == "ritual_start"]
            server.stop()
            from assistant.journal.journal import Journal

            journal = Journal.open(folder / "journal-four.json")
            kept = [m for m in journal.moments() if m.kind == "moment"]
            journal.close()
        finally:
            for server in servers:
                server.stop()
            for sat in sats.values():
                sat.stop()

    alone, stag, together = latencies["alone"], latencies["staggered"], latencies["together"]
    ratio = statistics.median(stag) / statistics.median(alone) if alone and stag else None
    lost = len(started) - len([m for m in kept if m.room in ROOMS])
    section.rows += [
        Row("Idle CPU per extra room", round(per_room, 2), "%", Target("<", 5),
            note=f"one core = 100 %; 1 room {idle[1]:.1f} %, 4 rooms {idle[4]:.1f} %, over {idle_seconds:.0f} s each"),
        Row("Reply latency, 4 rooms, median", round(statistics.median(stag) * 1000) if stag else None, "ms",
            Target("<", 700), note=f"{len(stag)} commands at staggered moments; end of words to first reply byte"),
        Row("Reply latency, 1 room alone, median (same run)",
            round(statistics.median(alone) * 1000) if alone else None, "ms",
            note=f"{len(alone)} commands; four rooms / one room = {ratio:.2f}" if ratio else ""),
        Row("Reply latency, 4 rooms speaking at once, median",
            round(statistics.median(together) * 1000) if together else None, "ms",
            note=f"{len(together)} commands; worst {max(together) * 1000:.0f} ms" if together else ""),
        Row("Reconnect after a satellite restart, worst", round(max(restarts), 2), "s", Target("<", 12),
            note=f"{len(restarts)} restarts mid-hug, from the restart command (satellite start-up included)"),
        Row("Moments lost from the journal", lost, "", Target("<=", 0),
            note=f"{len(started)} rituals started, {len(kept)} moments kept, every one with its room"),
    ]
    rows = [["one room alone", str(len(alone)), *(_ms(alone))], ["four rooms, staggered", str(len(stag)), *(_ms(stag))],
            ["four rooms, all at once", str(len(together)), *(_ms(together))]]
    section.tables.append(Table("Reply latency (end of words to the first reply byte at the satellite)",
                                ["When", "Replies", "Median", "90th pct", "Worst"], rows))
    section.tables.append(Table("Where the time goes (medians, from the event log)",
                                ["Stage", "Median"], [[k, f"{v * 1000:.0f} ms"] for k, v in stages.items()]))
    section.notes.append(f"Commands not answered within 6 s (or before the next command in that room): {missed} of "
                         f"{len(asked)}; a command misheard as nothing gets no reply, and is counted only here.")
    section.notes.append(f"Transcripts in the four-room run: {len(decode)}; one pocketsphinx model serves every room "
                         "(utterances decoded one at a time).")
    section.notes.append("Reconnect times: " + ", ".join(f"{r:.2f} s" for r in restarts) + ".")
    return section


def _stages(events: list[dict]) -> dict[str, float]:
    """Per answered command: end of words (the voice detector's speech_end time) to transcript, and
    transcript to the reply's first sound being queued."""
    heard, answered = [], []
    last_end: dict[str, float] = {}
    waiting: dict[str, float] = {}
    for e in events:
        room = e.get("room")
        if e["event"] == "speech_end":
            last_end[room] = e["t"]
        elif e["event"] == "transcript" and e.get("mode") == "wake" and room in last_end:
            heard.append(e["t"] - last_end[room])
            waiting[room] = e["t"]
        elif e["event"] == "say_start" and room in waiting:
            answered.append(e["t"] - waiting.pop(room))
    out = {}
    if heard:
        out["end of words -> transcript (end-of-speech silence + decoding)"] = statistics.median(heard)
    if answered:
        out["transcript -> reply queued (dialog + speech synthesis)"] = statistics.median(answered)
    return out


def _ms(values: list[float]) -> list[str]:
    if not values:
        return ["n/a", "n/a", "n/a"]
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return [f"{statistics.median(ordered) * 1000:.0f} ms", f"{p90 * 1000:.0f} ms", f"{ordered[-1] * 1000:.0f} ms"]
