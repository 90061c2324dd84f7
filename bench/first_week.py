"""A new couple's first week, through chat and through recordings, checked for what they must never meet:
silence, an invented fact, a wrong number.

`python -m bench.first_week [--seeds N] [--no-audio]`; `run_chat(seed) -> dict`, `run_recordings() -> dict`.

Chat leg: the real `Dialog`, matcher, rituals and journal on a virtual clock, driven by `bench.soak`'s
`Day` at a new couple's pace (a handful of moments a day, offers on, quiet days), from an empty journal.
Besides the soak's lines they say what new couples say: a bare yes or no, help, "we need a moment",
"another question" in a check-in, a rating in their own words ("a solid four", "hmm, hard to say"),
their names ("Sam's starting a hug", "it's Alex") and "whose turn is it".
Checks, each counted (0 is the pass):
- silence: every line addressed to Tandem (typed, woken, or an answer it waits for) gets words back;
- invented facts: a starter recorded only from a source (their name said, an offer that named them, a
  turn given by name and taken); "X started the last one" only when the journal says so; every fact a
  spoken summary states matches the figures (`bench/facts.py`);
- wrong numbers: each ritual's recorded seconds equal its ritual_end event's, never exceed the time it
  really ran (pauses left out); a finished timed ritual records its planned length, any other its active
  time up to its record step (a repair's pause, count and recap); one stopped by the couple records the
  seconds until the stop; a "forty seconds of hugging" says the recorded length; plus the soak's offer,
  rating and summary rules.
Recordings leg: two evenings spoken by espeak-ng over kitchen noise, through `tandem listen --input`'s own
session code (pocketsphinx): every woken command gets a spoken reply, events.jsonl is in time order, the
moments have their real seconds, the summaries' facts hold, and after each session the journal file copied
alone holds every moment.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.clock import VirtualClock
from assistant.journal.figures import Period, figures_for
from assistant.messages import Reply, Say
from bench.facts import SUMMARY, VOICES, check, period_of
from bench.soak import RITUALS, SETTINGS, Day, Tally, check_offers

DAYS = 7
ROUNDS = 6
"""Moments a day besides the morning hug and gratitude: a new couple's pace."""
EXTRAS = ("yes", "no", "help", "we need a moment", "it's {name}", "whose turn is it", "what's our streak",
          "how are we doing today", "sure")
"""Lines new couples say at any moment, whatever is going on."""
IN_CHECK_IN = ("another question", "next question", "a different question")
OWN_RATINGS = ("a solid four", "hmm, a good five", "three I'd say", "hmm, hard to say really")
NAMED_STARTS = {
    "hug": "{name}'s starting a hug", "breathing": "{name} is starting two minutes of breathing",
    "walk": "{name}'s starting a walk", "check_in": "{name} is starting a check in",
    "hold_hands": "{name}'s starting hold hands",
}
STOPS = frozenset({"stop", "that's enough", "cancel"})
"""What the soak's couple say to stop a ritual mid-way."""
ANSWER_KINDS = frozenset({"answer", "rating", "offer answer", "extra"})
"""Heard without the wake phrase because Tandem waits for them: addressed all the same."""
RULES = (
    "silence", "invented starter", "untrue 'started the last one'", "summary fact untrue",
    "recorded seconds != the event's", "seconds beyond the time it ran", "finished timed ritual not its length",
    "stopped ritual's seconds wrong", "active time's seconds wrong", "spoken length != recorded",
)
PARTIAL_WITH_LENGTH = frozenset({"hug_partial", "breathing_partial", "check_in_partial", "walk_partial",
                                 "ritual_partial"})
"""Partial lines whose every phrasing says the length done: it must be the length recorded."""
SPEAKER_SECONDS = 90.0
RECENT = timedelta(minutes=10)


class Watch(Tally):
    """The soak's tally, plus what a first week must never show (fed every reply, heard or ticked)."""

    def __init__(self, clock: VirtualClock, journal: Any, settings: Any) -> None:
        super().__init__(now=clock.now)
        self.wall = clock.wall
        self.journal = journal
        self.settings = settings
        self.names = settings.partners.names
        self.current: dict[str, Any] | None = None
        self.sources: dict[str, set[str]] = {}
        """Moment id -> the names it may be recorded under (what was said, offered by name, or taken)."""
        self.named: list[tuple[float, str]] = []
        """(time, name) of every name said."""
        self.offer_named: str | None = None
        self.finished: list[tuple[str, float]] = []
        """(moment id, monotonic end) of rituals ended, for "it's Sam" just after one."""
        for rule in RULES:
            self.broken.setdefault(rule, 0)

    def add(self, reply: Reply) -> None:
        super().add(reply)
        now = self.now()
        for action in reply.actions:
            if isinstance(action, Say) and action.key.startswith("offer_") and action.key != "offer_declined":
                self.offer_named = next((n for n in self.names if n in action.text), None)
        for event in reply.events:  # in order: a repair ends and the walk it offered starts, in one reply
            if event.event == "ritual_start":
                self._started(event.details, now)
            elif event.event == "ritual_end":
                self._watch_record(reply, now)
                self._ended(event.details, reply, now)
            elif event.event == "offer_answer" and event.details.get("outcome") != "accepted":
                self.offer_named = None
        self._watch_record(reply, now)
        self._check_said(reply)

    def _watch_record(self, reply: Reply, now: float) -> None:
        """When the journal first shows the running ritual done, and when Tandem last spoke before that."""
        run = self.current
        if run is None or run["recorded_at"] is not None:
            return
        if self.journal.get(run["id"]).status != "running":
            pausing = now - run["paused_at"] if run["paused_at"] is not None else 0.0
            run["recorded_at"], run["paused_at_record"] = now, run["paused"] + pausing
            run["active_before_record"] = run["last_active"]
        elif reply.actions:
            run["last_active"] = now

    # ---- starters ---------------------------------------------------------------------------
    def said_name(self, name: str) -> None:
        now = self.now()
        self.named.append((now, name))
        if self.current is not None:
            self.sources.setdefault(self.current["id"], set()).add(name)
        else:
            for moment_id, end in self.finished[-1:]:
                if now - end <= RECENT.total_seconds():
                    self.sources.setdefault(moment_id, set()).add(name)

    def _started(self, details: dict[str, Any], now: float) -> None:
        recent = {name for t, name in self.named if now - t <= SPEAKER_SECONDS}
        allowed = recent | ({self.offer_named} if self.offer_named else set())
        self.offer_named = None
        self.current = {"id": details["id"], "ritual": details["ritual"], "t0": now, "first": details["first"],
                        "paused": 0.0, "paused_at": None, "stopped_at": None, "recorded_at": None,
                        "last_active": now}
        self.sources[details["id"]] = set(allowed)
        if details.get("initiated_by") and details["initiated_by"] not in allowed:
            self.broke("invented starter", f"{details['ritual']} started by {details['initiated_by']} (heard {allowed})")

    def finish_checks(self) -> None:
        """At the end: every starter in the journal has its source."""
        for moment in self.journal.moments():
            allowed = set(self.sources.get(moment.id, set()))
            if moment.initiated_by and moment.initiated_by not in allowed:
                self.broke("invented starter", f"{moment.ritual} {moment.started:%a %H:%M} by {moment.initiated_by}")

    # ---- numbers ------------------------------------------------------------------------------
    def paused(self, now: float) -> None:
        if self.current is not None and self.current["paused_at"] is None:
            self.current["paused_at"] = now

    def unpaused(self, now: float) -> None:
        if self.current is not None and self.current["paused_at"] is not None:
            self.current["paused"] += now - self.current["paused_at"]
            self.current["paused_at"] = None

    def stopped(self, now: float) -> None:
        if self.current is not None and self.current["stopped_at"] is None:
            self.current["stopped_at"] = now

    def _ended(self, details: dict[str, Any], reply: Reply, now: float) -> None:
        self.unpaused(now)
        run, self.current = self.current, None
        if run is None or details.get("id") != run["id"]:
            return
        self.finished.append((run["id"], now))
        moment = self.journal.get(run["id"])
        if moment.counts and moment.counts.get(run["first"]):
            self.sources[run["id"]].add(run["first"])  # asked by name to go first, and they did
        where = f"{moment.ritual} {moment.status} {moment.actual_seconds}s"
        if abs(moment.actual_seconds - details["seconds"]) > 0.1:
            self.broke("recorded seconds != the event's", f"{where}, event {details['seconds']}")
        ran = now - run["t0"] - run["paused"]
        if moment.actual_seconds > ran + 0.1:
            self.broke("seconds beyond the time it ran", f"{where}, ran {ran:.1f}s")
        ritual = self._ritual(moment.ritual)
        timed = ritual is not None and any(getattr(step, "wait", None) == "duration" or
                                           getattr(step, "breathe", None) == "duration" for step in ritual.steps)
        """Read from the script itself: a hold of the ritual's own length (not `Ritual.timed`, under test here)."""
        if moment.status == "completed" and timed and moment.planned_seconds:
            if abs(moment.actual_seconds - moment.planned_seconds) > 0.1:
                self.broke("finished timed ritual not its length", f"{where}, planned {moment.planned_seconds}")
        stop = run["stopped_at"]
        if stop is not None and moment.status in ("partial", "cancelled"):
            expected = stop - run["t0"] - run["paused"]
            if abs(moment.actual_seconds - expected) > 0.1:
                self.broke("stopped ritual's seconds wrong", f"{where}, stopped after {expected:.1f}s")
        elif run["recorded_at"] is not None and ritual is not None and not timed:
            # Its whole active time: up to the step that recorded it, or to Tandem's last words before a
            # silence that ended it (the silence is not time together).
            low = run["active_before_record"] - run["t0"] - run["paused_at_record"]
            high = run["recorded_at"] - run["t0"] - run["paused_at_record"]
            if not low - 0.1 <= moment.actual_seconds <= high + 0.1:
                self.broke("active time's seconds wrong", f"{where}, active {low:.1f}-{high:.1f}s")
        for action in reply.actions:
            if isinstance(action, Say) and action.key in PARTIAL_WITH_LENGTH:
                spoken = VOICES.spoken_duration(moment.actual_seconds)
                if spoken.lower() not in action.text.lower():
                    self.broke("spoken length != recorded", f"{action.text!r} for {moment.actual_seconds}s")

    def _ritual(self, name: str) -> Any:
        return self.rituals.rituals.get(name) if getattr(self, "rituals", None) else None

    # ---- what was said ------------------------------------------------------------------------
    def _check_said(self, reply: Reply) -> None:
        for action in reply.actions:
            if not isinstance(action, Say):
                continue
            if SUMMARY.match(action.key):
                self._check_summary(action)
            elif action.key.startswith("whose_turn"):
                self._check_turn(action)

    def _check_summary(self, say: Say) -> None:
        wall = self.wall()
        period = {"today": Period.today, "week": Period.week, "month": Period.month}[period_of(say.key)](wall)
        try:
            check(say.key, say.text, figures_for(self.journal, period, wall, self.settings))
        except AssertionError as error:
            self.broke("summary fact untrue", f"{say.key}: {say.text!r} {error}")

    def _check_turn(self, say: Say) -> None:
        names = "|".join(re.escape(n) for n in self.names)
        latest = self.journal.latest_done()
        claimed = re.search(rf"({names}) started the last one(?! I know)", say.text)
        claimed_earlier = re.search(rf"({names}) started the last one I know of|I know of, ({names}) started", say.text)
        if claimed and (latest is None or latest.initiated_by != claimed.group(1)):
            self.broke("untrue 'started the last one'", f"{say.text!r}; latest by {latest and latest.initiated_by}")
        if claimed_earlier:
            who = claimed_earlier.group(1) or claimed_earlier.group(2)
            if self.journal.last_initiator() != who:
                self.broke("untrue 'started the last one'", f"{say.text!r}")
        if say.key.startswith("whose_turn_first") and latest is not None:
            self.broke("untrue 'started the last one'", f"{say.text!r} after {latest.ritual}")


class FirstWeek(Day):
    """`bench.soak.Day` at a new couple's pace, saying what new couples say, watched by `Watch`."""

    def __init__(self, *args: Any, names: tuple[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = names
        self.tally.rituals = self.dialog.rituals  # type: ignore[attr-defined]

    def hear(self, text: str, addressed: bool = True, kind: str = "command") -> Reply:
        rng = self.rng
        if kind in ("command", "control", "status") and rng.random() < 0.08 and self._may_interject():
            extra = rng.choice(IN_CHECK_IN if self._in_check_in() else EXTRAS).format(name=rng.choice(self.names))
            self.hear(extra, kind="extra")
        watch: Watch = self.tally  # type: ignore[assignment]
        waits = self.dialog.expecting().wake_needed
        heard = addressed or not waits
        for name in self.names:
            if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I) and kind in ("extra", "command") and heard:
                watch.said_name(name)
        now = self.clock.now()
        if text in STOPS and self._open():
            watch.stopped(now)
        reply = super().hear(text, addressed, kind)
        if heard and text.strip() and (addressed or kind in ANSWER_KINDS):
            if not any(isinstance(a, Say) for a in reply.actions):
                watch.broke("silence", f"{kind} {text[:60]!r}")
        run = getattr(self.dialog, "run", None)
        if run is not None and run.state.name == "PAUSED":
            watch.paused(now)
        else:
            watch.unpaused(now)
        return reply

    def _open(self) -> bool:
        run = getattr(self.dialog, "run", None)
        return run is not None and not run.recorded

    def _may_interject(self) -> bool:
        run = getattr(self.dialog, "run", None)
        return run is None or run.state.name not in ("LISTENING",)

    def _in_check_in(self) -> bool:
        run = getattr(self.dialog, "run", None)
        return run is not None and run.name == "check_in" and run.state.name == "TIMING"

    def ritual(self, text: str, stop_after: float | None = None) -> None:
        kind = next((k for k, lines in RITUALS.items() if text in lines), None)
        if kind in NAMED_STARTS and self.rng.random() < 0.3:
            text = NAMED_STARTS[kind].format(name=self.rng.choice(self.names))
        super().ritual(text, stop_after)

    def rate(self, roll: float) -> None:
        if roll < 0.15 and "Rate" in (self.dialog.expecting().intents or ()):
            self.wait(self.rng.uniform(1, 8))
            if "Rate" in (self.dialog.expecting().intents or ()):
                self.hear(self.rng.choice(OWN_RATINGS), kind="rating")
            return
        super().rate(roll)


def run_chat(seed: int = 1, days: int = DAYS, rounds: int = ROUNDS, folder: Path | None = None) -> dict[str, Any]:
    """The chat leg: a first week from an empty journal (see the module docstring)."""
    from assistant.dialog.setup import build_dialog
    from assistant.journal.journal import Journal

    rng = random.Random(seed)
    settings = SETTINGS
    start = datetime(2026, 3, 2, 6, 0).astimezone()  # a Monday morning, the day they unboxed it
    clock = VirtualClock(start)
    with tempfile.TemporaryDirectory(prefix="tandem-first-week-") as tmp:
        where = Path(folder or tmp)
        journal = Journal.open(where / "journal.json", now=clock.wall())
        watch = Watch(clock, journal, settings)
        dialog = build_dialog(settings, journal, clock, random.Random(seed))
        driver = FirstWeek(dialog, clock, rng, watch, answer_seconds=settings.offers.answer_seconds,
                           rebuild=lambda: build_dialog(settings, journal, clock, random.Random(rng.random()),
                                                        matcher=dialog.matcher),
                           names=settings.partners.names)
        for day in range(days):
            driver.live(start + timedelta(days=day), rounds, quiet=rng.random() < 0.3)
        driver.wait(3600)
        watch.finish_checks()
        moments = journal.moments()
        check_offers(watch, settings, driver.dialog.rituals, moments, journal.offers(), journal.silences())
        journal.close()
        with Journal.open(_copied_alone(where / "journal.json", where)) as copy:
            alone = len(copy.moments())
    return {
        "seed": seed, "days": days, "moments": len(moments), "moments_in_file_alone": alone,
        "statuses": dict(Counter(m.status for m in moments)), "inputs": dict(watch.inputs),
        "starters": dict(Counter(m.initiated_by or "not known" for m in moments)),
        "offers": dict(watch.offer_answers), "summaries": len(watch.summaries),
        "broken": dict(watch.broken), "violations": watch.violations,
        "ok": not sum(watch.broken.values()) and alone == len(moments),
    }


def _copied_alone(journal: Path, folder: Path) -> Path:
    """The named file copied by itself (no log, no lock) into a folder of its own."""
    alone = folder / "copied-alone"
    alone.mkdir(exist_ok=True)
    target = alone / journal.name
    shutil.copyfile(journal, target)
    return target


# ---- the recordings leg -------------------------------------------------------------------------

EVENINGS = (
    (("hey tandem, start our hug", 100.0), ("hey tandem, how are we doing today", 9.0), ("hey tandem, help", 12.0),
     ("hey tandem, yes", 7.0), ("hey tandem, whose turn is it", 9.0)),
    (("hey tandem, two minutes of breathing", 132.0), ("hey tandem, how was our week", 10.0),
     ("hey tandem, what's our streak", 8.0), ("hey tandem, we need a moment", 8.0)),
)
"""Two evenings: (what is said, seconds until the next line)."""


def audio_missing() -> str | None:
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        return "espeak-ng and sox are needed to make the recordings"
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        return "pocketsphinx is not installed"
    return None


def run_recordings(folder: Path | None = None, seed: int = 1) -> dict[str, Any]:
    """The recordings leg: each evening a WAV through the listen session, then the checks."""
    import numpy as np

    from assistant.journal.journal import Journal
    from assistant.loop.session import ListenOptions, run_session
    from bench.audio import mix, read16, speak, write16

    missing = audio_missing()
    if missing:
        return {"unavailable": missing, "ok": True}
    broken: Counter = Counter({rule: 0 for rule in ("silence", "events out of order", "summary fact untrue",
                                                    "wrong seconds", "file alone lacks moments")})
    notes: list[str] = []
    heard: list[tuple[str, list[str]]] = []
    """(what the recognizer heard after the wake phrase, the first replies) per woken utterance."""
    with tempfile.TemporaryDirectory(prefix="tandem-first-week-audio-") as tmp:
        where = Path(folder or tmp)
        journal_path, config = where / "journal.json", where / "config.toml"
        config.write_text('[partners]\nnames = ["Alex", "Sam"]\n')
        for n, evening in enumerate(EVENINGS):
            parts = [np.zeros(int(1.5 * 16_000), dtype=np.int16)]
            for text, gap in evening:
                parts += [read16(speak(text, "en-us", 150)), np.zeros(int(gap * 16_000), dtype=np.int16)]
            wav = write16(where / f"evening-{n}.wav", mix(np.concatenate(parts), _room_noise(), 18, seed=seed + n))
            events_path = where / f"events-{n}.jsonl"
            begun = datetime(2026, 3, 2 + n, 20, 0).astimezone()
            run_session(ListenOptions(config=config, journal=journal_path, input=wav, events=events_path,
                                      engine="pocketsphinx", rng=random.Random(seed), start=begun))
            events = [json.loads(line) for line in events_path.read_text().splitlines()]
            times = [e["t"] for e in events]
            if times != sorted(times):
                broken["events out of order"] += 1
            _check_recorded_evening(events, begun, journal_path, broken, notes, heard)
            with Journal.open(_copied_alone(journal_path, where)) as copy, Journal.open(journal_path) as kept:
                if len(copy.moments()) != len(kept.moments()):
                    broken["file alone lacks moments"] += 1
        with Journal.open(journal_path) as journal:
            moments = journal.moments()
    return {"evenings": len(EVENINGS), "moments": [(m.ritual, m.status, m.actual_seconds) for m in moments],
            "heard": heard, "broken": dict(broken), "notes": notes[:10], "ok": not sum(broken.values())}


def _room_noise() -> Any:
    """The barista set's kitchen noise when it is here; otherwise a seeded hum of room noise (brown noise
    with a soft 50 Hz mains tone), so the leg runs on any machine."""
    import numpy as np

    from bench.audio import BARISTA, kitchen_noise

    if (BARISTA / "kitchen-noise.wav").is_file():
        return kitchen_noise()
    rng = np.random.default_rng(7)
    brown = np.cumsum(rng.normal(0, 1, 16_000 * 60))
    brown -= np.convolve(brown, np.ones(1601) / 1601, mode="same")  # no slow drift
    hum = 0.3 * np.sin(2 * np.pi * 50 * np.arange(brown.size) / 16_000) * brown.std()
    noise = brown + hum
    return (noise / np.abs(noise).max() * 8000).astype(np.int16)


def _check_recorded_evening(events: list[dict], begun: datetime, journal_path: Path, broken: Counter,
                            notes: list[str], heard: list[tuple[str, list[str]]]) -> None:
    from assistant.journal.journal import Journal

    settings = replace(SETTINGS, offers=replace(SETTINGS.offers, enabled=False))
    woken = [e for e in events if e["event"] == "transcript" and e.get("woke") and e.get("text")]
    for e in woken:  # something said (or, for a bare wake, the listening chime) before the next utterance
        later = [x for x in events if x["t"] >= e["t"]]
        nxt = next((x["t"] for x in later if x["event"] == "speech_start"), float("inf"))
        answered = [x.get("key") or x.get("name") for x in later
                    if x["event"] in ("say_start", "chime") and x["t"] < nxt + 0.01]
        heard.append((e["text"], answered[:3]))
        if not answered:
            broken["silence"] += 1
            notes.append(f"silence after {e['text']!r}")
    with Journal.open(journal_path) as journal:
        for e in events:
            if e["event"] == "say_start" and SUMMARY.match(e.get("key", "")):
                wall = begun + timedelta(seconds=e["t"])
                period = {"today": Period.today, "week": Period.week, "month": Period.month}[period_of(e["key"])](wall)
                try:
                    check(e["key"], e["text"], figures_for(journal, period, wall, settings))
                except AssertionError as error:
                    broken["summary fact untrue"] += 1
                    notes.append(f"{e['key']}: {e['text']!r} {error}")
            if e["event"] == "ritual_end" and e.get("id"):
                moment = journal.get(e["id"])
                if abs(moment.actual_seconds - e["seconds"]) > 0.1 or (
                        moment.status == "completed" and moment.planned_seconds
                        and abs(moment.actual_seconds - moment.planned_seconds) > 0.1):
                    broken["wrong seconds"] += 1
                    notes.append(f"{moment.ritual} {moment.status} {moment.actual_seconds}s, event {e['seconds']}")


def run(seeds: int = 3, audio: bool = True) -> dict[str, Any]:
    chats = [run_chat(seed) for seed in range(1, seeds + 1)]
    recordings = run_recordings() if audio else {"unavailable": "not asked for", "ok": True}
    return {"chat": chats, "recordings": recordings, "ok": all(c["ok"] for c in chats) and recordings["ok"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.first_week", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="simulated first weeks through chat (default 3)")
    parser.add_argument("--no-audio", action="store_true", help="skip the recordings leg")
    args = parser.parse_args(argv)
    result = run(args.seeds, not args.no_audio)
    for chat in result["chat"]:
        broken = {k: v for k, v in chat["broken"].items() if v}
        print(f"chat seed {chat['seed']}: {chat['moments']} moments {chat['statuses']}, starters {chat['starters']}, "
              f"{chat['summaries']} summaries; broken: {broken or 'none'}")
        for line in chat["violations"][:10]:
            print("   ", line)
    rec = result["recordings"]
    print("recordings:", rec.get("unavailable") or f"{rec['moments']}; broken: "
          f"{ {k: v for k, v in rec['broken'].items() if v} or 'none'}")
    for text, replies in rec.get("heard", []):
        print(f"    heard {text!r} -> {', '.join(replies)}")
    for line in rec.get("notes", []):
        print("   ", line)
    print("verdict:", "pass" if result["ok"] else "FAIL")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
