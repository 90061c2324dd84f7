"""pocketsphinx behind Tandem's `Recognizer` interface, with the English model inside its wheel.

Commands are decoded against a word graph compiled from `intents/` (see grammar.py and fsg.py).
A constrained grammar always outputs *something*, so the graph has a rival path: a loop of single
phones (a "garbage" model) that any speech can follow at a fixed cost per phone. Speech that fits a
command scores better on the command path; other speech and noise fit the phone loop better, and
the session reports empty text, which the matcher turns into no intent. Free answers use the
wheel's general language model. One decoder holds every search; a session activates the one its
`ListenMode` needs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.errors import ModelError
from assistant.messages import Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.recognize.fsg import WordGraph, jsgf_to_graph
from assistant.recognize.grammar import GrammarCompiler, normalize_words

log = logging.getLogger(__name__)

PHONES = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
          "UH UW V W Y Z ZH").split()
GARBAGE_PREFIX = "gbg_"
FREE_SEARCH = "free"


@dataclass(frozen=True)
class DecoderSettings:
    """pocketsphinx knobs, measured on generated and real speech (see bench/ and the report).

    `garbage_weight` is the probability of entering the phone loop instead of a command and
    `phone_weight` the cost of each phone in it: lower values accept more (and reject less).
    """

    beam: float = 1e-40
    wbeam: float = 1e-30
    pbeam: float = 1e-40
    lw: float = 6.5
    wip: float = 0.65
    pip: float = 1.0
    remove_noise: bool = True
    garbage_weight: float = 1e-3
    phone_weight: float = 0.05


class PocketsphinxRecognizer(Recognizer):
    """The wheel's en-us model, loaded once; grammars compiled per listening mode and cached."""

    name = "pocketsphinx"

    def __init__(self, intent_set: object, wake_phrase: str = "hey tandem",
                 settings: DecoderSettings = DecoderSettings()) -> None:
        try:
            import pocketsphinx
        except ImportError as error:  # pragma: no cover - it is a dependency
            raise ModelError("pocketsphinx is not installed", "pip install pocketsphinx") from error
        self._ps = pocketsphinx
        self.settings = settings
        self.intent_set = intent_set
        self.wake_phrase = normalize_words(wake_phrase or "")
        model = Path(pocketsphinx.get_model_path()) / "en-us"
        self._model = model
        config = pocketsphinx.Config(
            hmm=str(model / "en-us"), dict=str(model / "cmudict-en-us.dict"), lm=None,
            samprate=16000, loglevel="FATAL", dither=True, beam=settings.beam, wbeam=settings.wbeam,
            pbeam=settings.pbeam, lw=settings.lw, wip=settings.wip, pip=settings.pip,
            remove_noise=settings.remove_noise,
        )
        try:
            self.decoder = pocketsphinx.Decoder(config)
        except (RuntimeError, ValueError) as error:
            raise ModelError(f"pocketsphinx could not load its model in {model}",
                             "reinstall pocketsphinx: pip install --force-reinstall pocketsphinx") from error
        for phone in PHONES:
            self.decoder.add_word(GARBAGE_PREFIX + phone.lower(), phone, False)
        self.compiler = GrammarCompiler(intent_set, self.has_word,
                                        source=getattr(intent_set, "folder", None))
        self._searches: dict[tuple, str] = {}
        self._free_loaded = False
        self._lock = threading.Lock()
        self.search_name(ListenMode(wake=True))

    def has_word(self, word: str) -> bool:
        return self.decoder.lookup_word(word) is not None

    # -- searches -----------------------------------------------------------------------------------

    def search_name(self, mode: ListenMode) -> str:
        """The decoder search for `mode`, compiled on first use."""
        if mode.free_text:
            if not self._free_loaded:
                self.decoder.add_lm_file(FREE_SEARCH, str(self._model / "en-us.lm.bin"))
                self._free_loaded = True
            return FREE_SEARCH
        intents = None if mode.intents is None else frozenset(mode.intents)
        key = (intents, mode.wake)
        name = self._searches.get(key)
        if name is None:
            name = f"cmd{len(self._searches)}"
            graph = self.graph(intents, mode.wake)
            start, final, transitions = garbage_transitions(graph, self.settings)
            fsg = self.decoder.create_fsg(name, start, final, transitions)
            self.decoder.add_fsg(name, fsg)
            self._searches[key] = name
        return name

    def graph(self, intents: Collection[str] | None, wake: bool) -> WordGraph:
        grammar = self.compiler.compile(intents, wake_phrase=self.wake_phrase or None,
                                        wake_optional=not wake)
        return jsgf_to_graph(grammar.jsgf)

    def session(self, mode: ListenMode = ListenMode()) -> "PocketsphinxSession":
        with self._lock:
            name = self.search_name(mode)
            return PocketsphinxSession(self, name, mode)


class PocketsphinxSession(RecognizerSession):
    """One utterance: audio goes to the decoder as it arrives; `finish` reads the best path."""

    def __init__(self, owner: PocketsphinxRecognizer, search: str, mode: ListenMode) -> None:
        self.owner = owner
        self.mode = mode
        self.decoder = owner.decoder
        self.decoder.activate_search(search)
        self.decoder.start_utt()
        self._open = True

    def accept(self, samples: np.ndarray) -> None:
        if not self._open or len(samples) == 0:
            return
        data = np.asarray(samples, dtype=np.int16)
        self.decoder.process_raw(data.tobytes(), False, False)

    def finish(self) -> Transcript:
        if self._open:
            self.decoder.end_utt()
            self._open = False
        hyp = self.decoder.hyp()
        words = [] if hyp is None else [w for w in hyp.hypstr.split() if w]
        return transcript_of(words, self.owner.wake_phrase, self.mode)


def transcript_of(words: list[str], wake_phrase: str, mode: ListenMode,
                  engine: str = "pocketsphinx") -> Transcript:
    """The transcript of a decoded word list: garbage means nothing heard; a wake prefix is stripped."""
    if any(w.startswith(GARBAGE_PREFIX) for w in words):
        return Transcript(text="", confidence=0.0, engine=engine)
    words = [w for w in words if not w.startswith("<") and not w.startswith("[")]
    wake = wake_phrase.split()
    woke = bool(wake) and words[: len(wake)] == wake
    if woke:
        words = words[len(wake):]
    text = " ".join(words)
    if mode.wake and not woke:
        return Transcript(text="", confidence=0.0, engine=engine)
    return Transcript(text=text, confidence=1.0 if text or woke else 0.0, engine=engine, woke=woke)


def garbage_transitions(graph: WordGraph, settings: DecoderSettings) -> tuple[int, int, list[tuple]]:
    """`create_fsg` arguments: the command graph beside a phone loop that stands for other speech."""
    start, final, transitions = graph.transitions()
    if settings.garbage_weight <= 0:
        return start, final, transitions
    loop = final + 1
    enter = settings.garbage_weight
    transitions = [(s, d, p * (1.0 - enter) if s == start else p, *w) for s, d, p, *w in transitions]
    transitions.append((start, loop, enter))
    for phone in PHONES:
        transitions.append((loop, loop, settings.phone_weight, GARBAGE_PREFIX + phone.lower()))
    transitions.append((loop, final, 1.0))
    return start, final, transitions
