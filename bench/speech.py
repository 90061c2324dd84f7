"""Recordings through `tandem understand --audio`, scored as Picovoice scores speech-to-intent.

One subprocess per engine and noise level, with every file on one command line, so the model and the
grammar load once, exactly as the assistant loads them. Scoring follows Picovoice's
`benchmark/engine.py`: a command is accepted when the intent is right and every labelled slot is
present with the labelled value (stripped); slots the label does not mention are not judged.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.audio import ROOT

ENGINES = ("pocketsphinx", "whisper", "combined", "vosk")


@dataclass
class Heard:
    """What `tandem understand --audio --json` said about one file."""

    path: Path
    transcript: str
    intent: str | None
    slots: dict[str, Any]


@dataclass
class Expected:
    intent: str
    slots: dict[str, Any]
    text: str = ""
    """The words said (for the failure analysis), when known."""


@dataclass
class Score:
    accepted: int = 0
    total: int = 0
    failures: list[tuple[Expected, Heard]] = field(default_factory=list)
    pairs: list[tuple[Expected, Heard]] = field(default_factory=list)

    @property
    def per_intent_total(self) -> Counter:
        return Counter(w.intent for w, _ in self.pairs)

    @property
    def rate(self) -> float | None:
        return None if self.total == 0 else 100.0 * self.accepted / self.total


def _norm(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def accepted(want: Expected, got: Heard) -> bool:
    if got.intent != want.intent:
        return False
    return all(k in got.slots and _norm(got.slots[k]) == _norm(v) for k, v in want.slots.items())


def score(pairs: list[tuple[Expected, Heard]]) -> Score:
    result = Score()
    for want, got in pairs:
        result.pairs.append((want, got))
        result.total += 1
        if accepted(want, got):
            result.accepted += 1
        else:
            result.failures.append((want, got))
    return result


class PartMissing(Exception):
    """A part of Tandem the benchmark needs is not there yet (a module a teammate is writing)."""


def check_stderr(stderr: str, what: str) -> None:
    """Raise `PartMissing` when a subprocess died because a module of Tandem does not exist yet."""
    import re

    found = re.search(r"ModuleNotFoundError: No module named '([\w.]+)'", stderr)
    if found and found.group(1).startswith("assistant"):
        raise PartMissing(f"{what} needs {found.group(1)}, which is not there yet")


class EngineMissing(Exception):
    """The engine cannot run here (for vosk: no model installed)."""


def vosk_model_missing() -> str | None:
    """Why vosk cannot run here, or None when a model is installed (Tandem's own lookup decides)."""
    try:
        import vosk  # noqa: F401
    except ImportError:
        return "vosk is not installed"
    try:
        from assistant.recognize.models import installed_vosk_model, vosk_model_dir
    except ImportError:
        return "no vosk model installed (Tandem's model lookup is not there yet)"
    if installed_vosk_model() is None:
        return f"no vosk model installed (looked in {vosk_model_dir()})"
    return None


def understand_audio(paths: list[Path], engine: str, intents: Path | None = None,
                     timeout: float | None = None, label: str = "") -> tuple[list[Heard], float]:
    """Run the files through `tandem understand --audio --json`; return results and wall seconds.

    Answers are read as they come (progress on stderr); the default timeout is a generous minute per file."""
    cmd = [sys.executable, "-m", "assistant", "understand", "--json", "--engine", engine]
    if intents is not None:
        cmd += ["--intents", str(intents)]
    cmd += ["--audio", *map(str, paths)]
    limit = timeout or 300 + 60 * len(paths)
    start = time.perf_counter()
    by_path: dict[str, Heard] = {}
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        timer = threading.Timer(limit, proc.kill)
        timer.start()
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if not line.startswith("{"):
                    continue
                rec = json.loads(line)
                by_path[rec["input"]] = Heard(Path(rec["input"]), rec.get("transcript", ""), rec.get("intent"),
                                              rec.get("slots") or {})
                if len(by_path) % 25 == 0:
                    print(f"   {label or engine}: {len(by_path)}/{len(paths)} files, "
                          f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
            code = proc.wait()
        finally:
            timer.cancel()
        err.seek(0)
        stderr = err.read()
    wall = time.perf_counter() - start
    if code != 0:
        if wall >= limit:
            raise RuntimeError(f"tandem understand --engine {engine} still ran after {limit:.0f} s "
                               f"({len(by_path)} of {len(paths)} files done)")
        last = (stderr.strip().splitlines() or ["(no message)"])[-1]
        check_stderr(stderr, "tandem understand --audio")
        if engine == "vosk" and "model" in stderr.lower():
            raise EngineMissing(f"no vosk model installed ({last[:120]})")
        raise RuntimeError(f"tandem understand --engine {engine} failed ({code}): {last[:300]}")
    missing = [p for p in paths if str(p) not in by_path]
    if missing:
        raise RuntimeError(f"tandem understand gave no answer for {len(missing)} of {len(paths)} files")
    return [by_path[str(p)] for p in paths], wall


def slot_errors(failures: list[tuple[Expected, Heard]]) -> Counter:
    """Which slot went wrong how: `size: 'twelve ounce' -> 'twenty ounce'`, `(intent) -> none`..."""
    kinds: Counter = Counter()
    for want, got in failures:
        if got.intent != want.intent:
            kinds[f"intent: {want.intent} -> {got.intent or 'nothing'}"] += 1
            continue
        for k, v in want.slots.items():
            if k not in got.slots:
                kinds[f"{k}: '{_norm(v)}' -> missing"] += 1
            elif _norm(got.slots[k]) != _norm(v):
                kinds[f"{k}: '{_norm(v)}' -> '{_norm(got.slots[k])}'"] += 1
    return kinds


def word_errors(failures: list[tuple[Expected, Heard]]) -> Counter:
    """Words of the expected text missing from the transcript (where the expected text is known)."""
    missed: Counter = Counter()
    for want, got in failures:
        heard = set(got.transcript.lower().split())
        for w in want.text.lower().split():
            if w not in heard:
                missed[w] += 1
    return missed


def blame(failures: list[tuple[Expected, Heard]]) -> Counter:
    """Per wrong slot, whose fault: the recognizer (the labelled phrase is not in the transcript) or the
    matcher (the phrase is there, word for word, yet the slot came back missing or different)."""
    out: Counter = Counter()
    for want, got in failures:
        heard = f" {' '.join(got.transcript.lower().split())} "
        for k, v in want.slots.items():
            if k in got.slots and _norm(got.slots[k]) == _norm(v):
                continue
            phrase = f" {_norm(v)} " if not isinstance(v, (int, float)) else None
            if phrase is None:
                out[f"{k}: value not checkable in text"] += 1
            elif phrase in heard:
                out[f"matcher: {k} heard but not read"] += 1
            else:
                out[f"recognizer: {k} not heard"] += 1
        if got.intent is None:
            out["no intent at all" + (" (empty transcript)" if not got.transcript.strip() else "")] += 1
    return out
