"""Vosk (Kaldi) speech recognition behind Tandem's `Recognizer` interface.

The model is loaded once from an explicit folder: never `Model(lang=...)`, which downloads and can
exit the process. Commands are decoded against a phrase grammar built from the same `intents/` the
text matcher reads, so vosk can only hear sentences Tandem understands (plus "[unk]" for anything
else); free answers (thanks, appreciations) use the model's open vocabulary. Each distinct grammar
gets its own recognizers, kept in a small pool and reused utterance after utterance.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelError
from assistant.messages import SAMPLE_RATE, Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.recognize.grammar import GrammarCompiler, normalize_words
from assistant.recognize.models import install_fix, require_vosk_model, vosk_model_dir

log = logging.getLogger(__name__)

UNKNOWN = "[unk]"
MAX_ALTERNATIVES = 5
PHRASES_PER_INTENT = 500
"""Sentences written out per intent before the intent set's own samples take over (a template
with every duration spoken would give tens of thousands; the samples cover each phrasing and
each slot value at least once)."""
WAKE_VARIANTS_LIMIT = 3_000
"""A grammar that does not need the wake phrase still accepts it up to this many phrases (cheap
for a ritual's few answers; the full command set after a bare wake phrase does without)."""

GrammarKey = tuple[frozenset[str] | None, bool]


class PhraseGrammar:
    """Vosk phrase lists for each way of listening, from one intent set and one vocabulary.

    Vosk takes whole sentences, not JSGF. Small intents are written out whole by the grammar
    compiler; the intent set's samples (every phrasing and slot value at least once) cover the
    large ones, whose full expansion (every duration spoken) would run to hundreds of thousands.
    """

    def __init__(self, intent_set: Any, wake_phrase: str, has_word: Callable[[str], bool],
                 model_name: str = "the vosk model") -> None:
        self.intent_set = intent_set
        self.wake_phrase = normalize_words(wake_phrase or "")
        self.has_word = has_word
        self.model_name = model_name
        self._compiler = GrammarCompiler(intent_set, source=getattr(intent_set, "folder", None))
        self._phrases: dict[GrammarKey, tuple[str, ...]] = {}
        self._by_intent: dict[str, tuple[str, ...]] = {}
        self._samples: dict[str, set[str]] | None = None
        self._reported: set[str] = set()
        self._lock = threading.Lock()

    def phrases(self, mode: ListenMode) -> tuple[str, ...]:
        """The phrases for `mode` ("[unk]" not included), cached per (intents, wake).

        With `mode.wake` every phrase begins with the wake phrase, which is also accepted alone.
        Without it, a short list also accepts its phrases after the wake phrase (people say it
        anyway); the whole command set after a bare wake phrase does without.
        """
        key = _key(mode)
        with self._lock:
            cached = self._phrases.get(key)
            if cached is not None:
                return cached
            commands = self.command_phrases(mode.intents)
            wake = self.wake_phrase
            if mode.wake and wake:
                phrases = [wake, *(f"{wake} {p}" for p in commands)]
            elif wake and len(commands) <= WAKE_VARIANTS_LIMIT:
                phrases = [*commands, *(f"{wake} {p}" for p in commands)]
            else:
                phrases = list(commands)
            result = self._phrases[key] = tuple(dict.fromkeys(phrases))
            return result

    def command_phrases(self, intents: Collection[str] | None = None) -> list[str]:
        """Sentences of the chosen intents whose every word the model knows, sorted.

        A sentence with an unknown word is left out whole (with the word dropped vosk would hear
        another sentence), and the unknown words are reported once, naming the intents folder.
        """
        chosen = None if intents is None else frozenset(intents)
        texts: set[str] = set()
        for name in _intent_names(self.intent_set):
            if chosen is None or name in chosen:
                texts.update(self._intent_phrases(name))
        kept: list[str] = []
        missing: set[str] = set()
        for text in texts:
            unknown = [w for w in text.split() if not self.has_word(w)]
            if unknown:
                missing.update(unknown)
            elif text:
                kept.append(text)
        self._report_missing(missing)
        return sorted(kept)

    def missing_wake_words(self) -> list[str]:
        """Words of the wake phrase the model cannot hear."""
        return [w for w in self.wake_phrase.split() if not self.has_word(w)]

    def _intent_phrases(self, name: str) -> tuple[str, ...]:
        cached = self._by_intent.get(name)
        if cached is None:
            if self._samples is None:
                self._samples = {}
                for sample in getattr(self.intent_set, "samples", None) or ():
                    self._samples.setdefault(sample.intent, set()).add(normalize_words(sample.text))
            texts = set(self._compiler.phrases([name], PHRASES_PER_INTENT)) | self._samples.get(name, set())
            cached = self._by_intent[name] = tuple(sorted(texts))
        return cached

    def _report_missing(self, missing: Iterable[str]) -> None:
        new = set(missing) - self._reported
        if not new:
            return
        self._reported |= new
        where = getattr(self.intent_set, "folder", None) or "the intents folder"
        log.warning("words in %s that %s does not know: %s; sentences with them are left out of the "
                    "speech grammar (rephrase them there, or use another model)",
                    where, self.model_name, ", ".join(sorted(new)))


class VoskRecognizer(Recognizer):
    """A loaded vosk model plus the grammars compiled from one intent set."""

    name = "vosk"

    def __init__(self, model_path: Path | str | None, intent_set: Any, wake_phrase: str = "hey tandem", *,
                 max_alternatives: int = MAX_ALTERNATIVES, sample_rate: int = SAMPLE_RATE,
                 warm: bool = True) -> None:
        """Load the model in `model_path` (None: the platform data folder's small English model).

        Raises `ModelError` naming the folder and the fix when it is missing, empty or damaged.
        """
        self.folder = require_vosk_model(vosk_model_dir(model_path))
        self._vosk = _import_vosk()
        self.model = _load_model(self._vosk, self.folder)
        self.sample_rate = sample_rate
        self.max_alternatives = max_alternatives
        self.vocabulary = read_vocabulary(self.folder)
        """Words of the model's `graph/words.txt`; None when the model has none (then vosk is asked)."""
        self.supports_grammar = supports_grammar(self.folder)
        self._known: dict[str, bool] = {}
        self.grammar = PhraseGrammar(intent_set, wake_phrase, self.has_word, f"the vosk model in {self.folder}")
        self.wake_phrase = self.grammar.wake_phrase
        self._idle: dict[GrammarKey | None, list[Any]] = {}
        self._lock = threading.Lock()
        if not self.supports_grammar:
            log.warning("%s: this vosk model has no runtime graph (graph/HCLr.fst, graph/Gr.fst), so "
                        "commands are decoded with its open vocabulary", self.folder)
        missing = self.grammar.missing_wake_words()
        if missing:
            raise ModelError(f"the wake phrase {self.wake_phrase!r} has words the vosk model in {self.folder} "
                             f"does not know: {', '.join(missing)}",
                             "set [wake] phrase in the config to words this model knows, or use another model")
        if warm:  # the grammar heard most (wake phrase, then any command) is built before the first word
            self.warm(ListenMode(wake=True, intents=None, free_text=False))

    def has_word(self, word: str) -> bool:
        """True when the model can recognize `word` (from words.txt, else asked of vosk once)."""
        known = self._known.get(word)
        if known is None:
            if self.vocabulary is not None:
                known = word in self.vocabulary
            else:
                known = self.model.vosk_model_find_word(word) >= 0
            self._known[word] = known
        return known

    def phrases(self, mode: ListenMode) -> tuple[str, ...] | None:
        """The grammar phrases for `mode`; None means open vocabulary (free answers)."""
        if mode.free_text or not self.supports_grammar:
            return None
        return self.grammar.phrases(mode)

    # -- sessions -----------------------------------------------------------------------------------

    def warm(self, mode: ListenMode) -> None:
        """Compile `mode`'s grammar now and keep a decoder for it idle in the pool."""
        phrases = self.phrases(mode)
        recognizer = self._new_recognizer(phrases)
        if recognizer is not None:
            self.release(None if phrases is None else _key(mode), recognizer)

    def session(self, mode: ListenMode = ListenMode()) -> "VoskSession":
        """A fresh utterance decoder for `mode` (from the pool when one is idle)."""
        phrases = self.phrases(mode)
        key = None if phrases is None else _key(mode)
        with self._lock:
            idle = self._idle.get(key)
            recognizer = idle.pop() if idle else None
        if recognizer is None:
            recognizer = self._new_recognizer(phrases)
        return VoskSession(self, recognizer, key, mode)

    def _new_recognizer(self, phrases: tuple[str, ...] | None) -> Any:
        """A decoder for `phrases` (None: open vocabulary); None when there is nothing to hear."""
        if phrases is None:
            recognizer = self._vosk.KaldiRecognizer(self.model, self.sample_rate)
        else:
            entries = list(phrases)
            if self.has_word(UNKNOWN):
                entries.append(UNKNOWN)
            if not entries:  # vosk crashes on an empty grammar
                return None
            recognizer = self._vosk.KaldiRecognizer(self.model, self.sample_rate, json.dumps(entries, ensure_ascii=False))
        if self.max_alternatives > 0:
            recognizer.SetMaxAlternatives(self.max_alternatives)
        else:
            recognizer.SetWords(True)
        return recognizer

    def release(self, key: GrammarKey | None, recognizer: Any) -> None:
        """Take back a decoder whose utterance is finished (vosk resets it after FinalResult)."""
        with self._lock:
            self._idle.setdefault(key, []).append(recognizer)

    def close(self) -> None:
        """Drop the idle decoders; the model itself is freed with this object."""
        with self._lock:
            self._idle.clear()


class VoskSession(RecognizerSession):
    """One utterance: audio in with `accept`, a `Transcript` out of `finish`."""

    def __init__(self, owner: VoskRecognizer, recognizer: Any, key: GrammarKey | None, mode: ListenMode) -> None:
        self._owner = owner
        self._recognizer: Any = recognizer
        self._key = key
        self.mode = mode
        self._segments: list[dict[str, Any]] = []

    def accept(self, samples: np.ndarray) -> None:
        """Feed int16 mono samples at the recognizer's rate (float audio in -1..1 is converted)."""
        if self._recognizer is None:
            return
        data = _pcm16(samples)
        if data and self._recognizer.AcceptWaveform(data):
            # vosk found an endpoint (a pause) inside the utterance: keep that part.
            self._segments.append(_parse(self._recognizer.Result()))

    def finish(self) -> Transcript:
        """The transcript of everything accepted; the decoder goes back to the pool."""
        recognizer, self._recognizer = self._recognizer, None
        if recognizer is None:
            return transcript_of(self._segments, self._owner.wake_phrase, self._owner.name)
        self._segments.append(_parse(recognizer.FinalResult()))
        self._owner.release(self._key, recognizer)
        return transcript_of(self._segments, self._owner.wake_phrase, self._owner.name)


# -- results --------------------------------------------------------------------------------------

def transcript_of(segments: list[dict[str, Any]], wake_phrase: str, engine: str = "vosk") -> Transcript:
    """Join the parsed results of one utterance; strip a leading wake phrase (setting `woke`).

    Each segment is `{"texts": [...best first], "scores": [...], "confidence": float}`.
    Earlier segments contribute their best text; the last one its n-best list.
    """
    heard = [s for s in segments if any(s["texts"])]
    if not heard:
        return Transcript("", 0.0, engine=engine)
    prefix = " ".join(s["texts"][0] for s in heard[:-1] if s["texts"][0])
    texts = [" ".join(filter(None, (prefix, t))) for t in heard[-1]["texts"]]
    confidence = min(s["confidence"] for s in heard)
    wake = wake_phrase.split()
    woke = bool(wake) and texts[0].split()[: len(wake)] == wake
    if woke:
        texts = [" ".join(t.split()[len(wake):]) for t in texts if t.split()[: len(wake)] == wake]
    best, others = texts[0], [t for t in dict.fromkeys(texts[1:]) if t and t != texts[0]]
    return Transcript(best, confidence, tuple(others), engine=engine, woke=woke)


def _parse(raw: str) -> dict[str, Any]:
    """A vosk result (n-best or single) as texts best first, their scores, and a 0..1 confidence."""
    try:
        result = json.loads(raw or "{}")
    except json.JSONDecodeError:
        result = {}
    if "alternatives" in result:
        alternatives = result["alternatives"] or []
        texts = [_clean(a.get("text", "")) for a in alternatives]
        scores = [float(a.get("confidence", 0.0)) for a in alternatives]
        return {"texts": texts or [""], "scores": scores, "confidence": _posterior(scores)}
    words = result.get("result") or []
    confs = [float(w.get("conf", 1.0)) for w in words]
    text = _clean(result.get("text", ""))
    return {"texts": [text], "scores": [], "confidence": (sum(confs) / len(confs)) if confs else (1.0 if text else 0.0)}


def _posterior(scores: list[float]) -> float:
    """Share of the best hypothesis among the n-best (vosk's scores are log-likelihoods)."""
    if not scores:
        return 0.0
    best = scores[0]
    return 1.0 / sum(math.exp(min(0.0, s - best)) for s in scores)


def _clean(text: str) -> str:
    return " ".join(w for w in text.split() if w != UNKNOWN)


def _pcm16(samples: np.ndarray) -> bytes:
    array = np.asarray(samples)
    if array.dtype.kind == "f":
        array = np.clip(array * 32767.0, -32768, 32767)
    return np.ascontiguousarray(array.reshape(-1), dtype="<i2").tobytes()


def _key(mode: ListenMode) -> GrammarKey:
    return (None if mode.intents is None else frozenset(mode.intents), bool(mode.wake))


def _intent_names(intent_set: Any) -> list[str]:
    names = getattr(intent_set, "names", None)
    if names is not None:
        return list(names)
    hassil = getattr(intent_set, "hassil", intent_set)
    return list(hassil.intents)


# -- model folder ---------------------------------------------------------------------------------

def read_vocabulary(folder: Path) -> frozenset[str] | None:
    """The words of `graph/words.txt` (Kaldi symbol table: "word id" per line), when present."""
    path = Path(folder) / "graph" / "words.txt"
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            return frozenset(line.split(maxsplit=1)[0] for line in lines if line.strip())
    except OSError as error:
        raise ModelError(f"cannot read {path} ({error})", install_fix(Path(folder))) from error


def supports_grammar(folder: Path) -> bool:
    """Small vosk models decode with a runtime graph and accept a phrase grammar; big ones
    (a static HCLG.fst) ignore it."""
    graph = Path(folder) / "graph"
    runtime = (graph / "HCLr.fst").is_file() and (graph / "Gr.fst").is_file()
    return runtime or not (graph / "HCLG.fst").is_file()


def _import_vosk() -> Any:
    try:
        import vosk
    except ImportError as error:
        raise ModelError(f"the vosk package is not installed ({error})", "pip install vosk") from error
    vosk.SetLogLevel(-1)
    return vosk


def _load_model(vosk: Any, folder: Path) -> Any:
    """`vosk.Model(folder)`, with Kaldi's own complaint (written to stderr) moved into the error."""
    with _CapturedStderr() as captured:
        try:
            model = vosk.Model(str(folder))
        except Exception as error:  # noqa: BLE001 - vosk raises a bare Exception for a bad folder
            model = None
            failure: Exception | None = error
        else:
            failure = None
    if model is None:
        reason = _kaldi_error(captured.text) or str(failure)
        raise ModelError(f"the vosk model in {folder} does not load: {reason}",
                         f"the folder is damaged or not a vosk model: delete it and {install_fix(folder)}") from failure
    return model


def _kaldi_error(log_text: str) -> str:
    errors = [line.split(")", 1)[-1].strip() for line in log_text.splitlines() if line.startswith("ERROR")]
    return errors[-1] if errors else ""


class _CapturedStderr:
    """Redirects file descriptor 2 (where Kaldi logs) into a temporary file for a moment.
    What was captured is written back to stderr unless it was Kaldi's error (then it is reported)."""

    def __init__(self) -> None:
        self.text = ""

    def __enter__(self) -> "_CapturedStderr":
        self._file = tempfile.TemporaryFile()
        sys.stderr.flush()
        try:
            self._saved = os.dup(2)
            os.dup2(self._file.fileno(), 2)
        except OSError:
            self._saved = -1
        return self

    def __exit__(self, *exc: object) -> None:
        sys.stderr.flush()
        if self._saved >= 0:
            os.dup2(self._saved, 2)
            os.close(self._saved)
        self._file.seek(0)
        self.text = self._file.read().decode("utf-8", errors="replace")
        self._file.close()
        if self.text and not _kaldi_error(self.text):
            os.write(2, self.text.encode("utf-8"))
