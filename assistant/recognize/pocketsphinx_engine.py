"""pocketsphinx behind Tandem's `Recognizer` interface, with the English model inside its wheel.

Commands are decoded with a trigram model of the intents' own sample sentences (lm.py): measured,
it is both faster and more accurate than the grammar (FSG) search on Tandem's broad templates,
whose every arc gets its own word models. The grammar search stays available (`search="fsg"`), with
an optional phone-loop rival path for rejection. Free answers use the wheel's general language
model. One decoder holds every command search (built at load from a small dictionary and cached
language models, so start-up stays under a few seconds); a session activates the one its
`ListenMode` needs. The language model weighs every template path once, whatever its slot lists'
sizes (lm.lm_sentences). Cepstral mean normalisation is per utterance ("batch") by default:
carrying the previous speaker's mean over cost 6-17 points of accuracy on real voices.
Rejection, in three layers: an utterance whose best path has a low lattice posterior per second
is dropped; the matcher's fuzzy threshold turns off-topic words into no intent; in wake mode a
keyphrase-spotting decoder must confirm the wake phrase on the same audio.
"""

from __future__ import annotations

import logging
import math
import tempfile
import threading
from functools import lru_cache
from collections.abc import Collection
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from assistant.audio.denoise import DEFAULT as DEFAULT_SUPPRESSION
from assistant.audio.denoise import in_quiet_room, suppressor_factory
from assistant.errors import ModelError
from assistant.messages import SAMPLE_RATE, Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.recognize.frontend import add_noise_floor, loudest_frame_rms
from assistant.recognize.fsg import WordGraph, jsgf_to_graph
from assistant.recognize.grammar import GrammarCompiler, normalize_words
from assistant.recognize.lm import arpa, lm_sentences
from assistant.recognize.model_cache import cache_root, cached_text, files_key, write_atomic

log = logging.getLogger(__name__)

PHONES = ("AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH "
          "UH UW V W Y Z ZH").split()
GARBAGE_PREFIX = "gbg_"
FREE_SEARCH = "free"
MAX_ALTERNATIVES = 4


@dataclass(frozen=True)
class DecoderSettings:
    """pocketsphinx knobs, measured on generated and real speech (see bench/ and the report).

    `garbage_weight` is the probability of entering the phone loop instead of a command and
    `phone_weight` the cost of each phone in it: lower values accept more (and reject less).
    """

    beam: float = 1e-48
    wbeam: float = 7e-29
    pbeam: float = 1e-48
    lw: float = 6.5
    wip: float = 0.65
    pip: float = 1.0
    remove_noise: bool = True
    garbage_weight: float = 0.0
    phone_weight: float = 0.05
    kws_threshold: float = 1e-20
    """Keyphrase-spotting threshold that confirms the wake phrase (lower: more wakes, more false ones)."""
    min_log_posterior: float = -7.0
    """Utterances whose best path has a lattice posterior below this (natural log, per 100 frames,
    i.e. per second) are dropped as not Tandem's sentences. Measured at 12 dB: commands -1 to -6,
    unrelated talk -3 to -9.5; -7 only drops clear misfits. Set to -inf to keep everything."""
    search: str = "lm"
    noise_floor_db: float | None = 40.0
    """A faint noise floor this far under the loudest frame fills digital silence before decoding
    (frontend.py: clean files scored far below noisy ones without it); None leaves the audio as is."""
    fresh_front_end: bool = True
    """Each utterance starts from a fresh front end (`reinit_feat`), so what is heard is a function of this
    utterance's audio alone. Before, the noise estimate (and the dither stream) ran on from whatever was
    decoded last: the same clip decoded after different clips gave other words in 13 of 20 cases, and two
    bench runs of the same code differed on 28 of 289 transcripts. Dev commands at 12 dB, one run each
    (ears): combined right 76.5 -> 76.8 %, near misses acted on unchanged, pocketsphinx alone 52.0 -> 53.8 %.
    It once broke the extractor-fan loop test: the command cut at "hey tandem," left one unsure word,
    which the loop now listens on after (dialog/doubt.py `listen_on`) instead of apologising."""
    prime_seconds: float = 0.0
    """Audio from each edge of the utterance (the pre-roll and the quiet after the speech) the fresh front end
    hears first, decoded and thrown away, to start from this utterance's background. Off: at 0.3 s
    pocketsphinx alone heard "it is going to rain all afternoon tomorrow" (12 dB) as a gratitude request
    (tests/test_recognize_pocketsphinx.py); not measured on dev."""
    fresh_cmn: bool = False
    cmn: str = "batch"
    """"live": decode as audio arrives, the cepstral mean carried over from the last utterance;
    "batch": decode at the end of speech with the utterance's own mean (no carry-over between
    speakers, deterministic; costs the decoding time after speech ends)."""
    """Start every utterance from the model's initial cepstral mean instead of the previous
    utterance's estimate (deterministic, but slower to adapt to the microphone)."""
    """"lm" (trigram of the sample sentences) or "fsg" (the compiled grammar)."""


class PocketsphinxRecognizer(Recognizer):
    """The wheel's en-us model, loaded once, with every search a session can need built at load.

    Start-up is dominated by pocketsphinx digesting its 126,000-word dictionary, so the command
    decoders get a small dictionary of the intents' own words (cached on disk with the language
    models, see model_cache.py); only the free-text decoder needs the whole dictionary, and it is
    built in a background thread while Tandem already listens.
    """

    name = "pocketsphinx"

    def __init__(self, intent_set: object, wake_phrase: str = "hey tandem",
                 settings: DecoderSettings = DecoderSettings(), free_text: bool = True,
                 noise_suppression: str = DEFAULT_SUPPRESSION) -> None:
        """`free_text=False` leaves the general-English decoder unbuilt until a free answer asks for it (or
        `load_free_text` is called): the combination hears free answers with Whisper, and that decoder
        (the whole dictionary and a 26 MB language model) costs 90 MB resident. `noise_suppression`:
        what cleans the audio before the decoder hears it (audio/denoise.py; "off" for nothing)."""
        self.suppressor = suppressor_factory(noise_suppression)
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
        self._tmp = tempfile.TemporaryDirectory(prefix="tandem-lm-")
        self._commands: dict[frozenset[str] | None, dict[str, float]] = {}
        self._dir = self._cache_dir()
        self.compiler = GrammarCompiler(intent_set, self.has_word,
                                        source=getattr(intent_set, "folder", None))
        words = cached_text(self._dir / "words.dict", self._dictionary_text, lambda t: t.endswith("\n"))
        try:
            self.decoder = pocketsphinx.Decoder(self._config(words))
        except (RuntimeError, ValueError) as error:
            raise ModelError(f"pocketsphinx could not load its model in {model}",
                             "reinstall pocketsphinx: pip install --force-reinstall pocketsphinx") from error
        self._cmn0 = self.decoder.get_cmn()
        for phone in PHONES:
            self.decoder.add_word(GARBAGE_PREFIX + phone.lower(), phone, False)
        self._kws = None
        if self.wake_phrase and all(self.has_word(w) for w in self.wake_phrase.split()):
            self._kws = pocketsphinx.Decoder(self._config(words))
            self._kws.add_keyphrase("wake", self.wake_phrase)
            self._kws.activate_search("wake")
            self._kws.config["kws_threshold"] = settings.kws_threshold
        self._searches: dict[tuple, str] = {}
        self._free_decoder = None
        self._free_error: BaseException | None = None
        self._free_thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.search_name(ListenMode(wake=True))
        self.search_name(ListenMode())
        if free_text:
            self.load_free_text()

    def wait_ready(self) -> None:
        """Block until the general-English decoder, if one is being built, is done."""
        thread = self._free_thread
        if thread is not None:
            thread.join()

    def load_free_text(self) -> None:
        """Start building the general-English decoder in the background (once)."""
        with self._lock:
            if self._free_thread is None:
                self._free_thread = threading.Thread(target=self._load_free, name="pocketsphinx-free", daemon=True)
                self._free_thread.start()

    def _config(self, dictionary: Path, cmn: str | None = None):
        s = self.settings
        return self._ps.Config(
            hmm=str(self._model / "en-us"), dict=str(dictionary), lm=None, samprate=16000, loglevel="FATAL",
            # Dither (tiny noise against digital silence) from a fixed seed: the same audio gives the same words.
            dither=True, seed=1, beam=s.beam, wbeam=s.wbeam, pbeam=s.pbeam, lw=s.lw, wip=s.wip, pip=s.pip,
            remove_noise=s.remove_noise, cmn=cmn or s.cmn)

    def _cache_dir(self) -> Path:
        """Where this intent set's dictionary and language models live (a temporary folder without a cache)."""
        folder = getattr(self.intent_set, "folder", None)
        root = cache_root() if folder is not None else None
        if root is None:
            return Path(self._tmp.name)
        files = [p for p in Path(folder).rglob("*") if p.suffix in (".yaml", ".yml")]
        here = Path(__file__).parent
        # The understand/ modules expand the templates into the sentences the models are built from.
        understand = sorted((here.parent / "understand").glob("*.py"))
        code = [Path(__file__), here / "lm.py", here / "grammar.py", here / "fsg.py", *understand]
        from assistant import __version__

        extra = f"{self.wake_phrase}|{self.settings.search}|{__version__}|{self._model}"
        return root / files_key(files, code, extra)

    def _load_free(self) -> None:
        """The general-English decoder for open answers (whole dictionary: seconds to load)."""
        try:
            decoder = self._ps.Decoder(self._config(self._model / "cmudict-en-us.dict", cmn="live"))
            decoder.add_lm_file(FREE_SEARCH, str(self._model / "en-us.lm.bin"))
            decoder.activate_search(FREE_SEARCH)
            self._free_decoder = decoder
        except BaseException as error:  # reported when a free-text session asks for it
            self._free_error = error

    def free_decoder(self):
        self.load_free_text()
        assert self._free_thread is not None
        self._free_thread.join()
        if self._free_decoder is None:
            raise ModelError(f"pocketsphinx could not load its general language model in {self._model}: "
                             f"{self._free_error}", "reinstall pocketsphinx: pip install --force-reinstall pocketsphinx")
        return self._free_decoder

    @property
    def _full_dictionary(self) -> str:
        return str(self._model / "cmudict-en-us.dict")

    def has_word(self, word: str) -> bool:
        """In the wheel's dictionary (the small one loaded first: the whole word list is read only when the
        cached dictionary and language models are built)."""
        decoder = getattr(self, "decoder", None)
        if decoder is not None and decoder.lookup_word(word) is not None:
            return True
        return word in dictionary_words(self._full_dictionary)

    def _dictionary_text(self) -> str:
        """The pronunciations of every word the intents can produce (and the wake phrase)."""
        vocabulary = getattr(self.intent_set, "vocabulary", None)
        words = {w for text in self.sentences(None, False) for w in text.split()}
        if callable(vocabulary):
            words |= {w for text in vocabulary() for w in normalize_words(text).split()}
        words |= set(self.wake_phrase.split())
        lex = pronunciations(self._full_dictionary, words)
        return "".join(_entries(w, lex[w]) for w in sorted(words) if w in lex)

    def _ensure_words(self, words: Collection[str]) -> None:
        """Add to the decoder any grammar word the small dictionary lacks (a list value beyond the samples)."""
        missing = [word for word in words if self.decoder.lookup_word(word) is None]
        if missing:
            for word, spelled in pronunciations(self._full_dictionary, missing).items():
                self.decoder.add_word(word, spelled[0], False)

    # -- searches -----------------------------------------------------------------------------------

    def search_name(self, mode: ListenMode) -> str:
        """The decoder search for `mode` (the command searches are built at load, others on first use)."""
        if mode.free_text:
            return FREE_SEARCH
        intents = None if mode.intents is None else frozenset(mode.intents)
        key = (intents, mode.wake)
        name = self._searches.get(key)
        if name is None:
            name = f"cmd{len(self._searches)}"
            if self.settings.search == "fsg":
                graph = self.graph(intents, mode.wake)
                start, final, transitions = garbage_transitions(graph, self.settings)
                self._ensure_words({w for _, _, _, *rest in transitions for w in rest})
                fsg = self.decoder.create_fsg(name, start, final, transitions)
                self.decoder.add_fsg(name, fsg)
            else:
                label = "all" if intents is None else files_key([], [], "|".join(sorted(intents)))
                path = self._dir / f"{'wake' if mode.wake else 'cmd'}-{label}.arpa"
                build = lambda: arpa(self.weighted_sentences(intents, mode.wake).items())  # noqa: E731
                cached_text(path, build, lambda t: t.rstrip().endswith("\\end\\"))
                try:
                    self.decoder.add_lm_file(name, str(path))
                except (RuntimeError, ValueError):  # a damaged cache file: build it again
                    write_atomic(path, build())
                    self.decoder.add_lm_file(name, str(path))
            self._searches[key] = name
        return name

    def sentences(self, intents: Collection[str] | None, wake_only: bool) -> list[str]:
        """The command sentences (dictionary words only), with the wake phrase before them:
        always when `wake`, optionally otherwise (people say it anyway)."""
        return list(self.weighted_sentences(intents, wake_only))

    def weighted_sentences(self, intents: Collection[str] | None, wake_only: bool) -> dict[str, float]:
        """`sentences` with how much each weighs in the language model (every template path once)."""
        key = None if intents is None else frozenset(intents)
        commands = self._commands.get(key)
        if commands is None:
            commands = self._commands[key] = self._weigh(intents)
        wake = self.wake_phrase
        if not wake:
            return dict(sorted(commands.items()))
        woken = {f"{wake} {c}": w for c, w in sorted(commands.items())}
        woken[wake] = 1.0
        return woken if wake_only else {**dict(sorted(commands.items())), **woken}

    def _weigh(self, intents: Collection[str] | None) -> dict[str, float]:
        items = lm_sentences(self.intent_set, intents) if hasattr(self.intent_set, "skeletons") \
            else [(text, 1.0) for text in self.compiler.phrases(intents)]
        commands: dict[str, float] = {}
        for text, weight in items:
            words = [w for w in normalize_words(text).split() if self.has_word(w)]
            if words:
                key = " ".join(words)
                commands[key] = commands.get(key, 0.0) + weight
        return commands

    def graph(self, intents: Collection[str] | None, wake: bool) -> WordGraph:
        grammar = self.compiler.compile(intents, wake_phrase=self.wake_phrase or None,
                                        wake_optional=not wake)
        return jsgf_to_graph(grammar.jsgf)

    def close(self) -> None:
        self._tmp.cleanup()

    def session(self, mode: ListenMode = ListenMode()) -> "PocketsphinxSession":
        if mode.free_text:
            return PocketsphinxSession(self, FREE_SEARCH, mode, self.free_decoder())
        with self._lock:
            name = self.search_name(mode)
            return PocketsphinxSession(self, name, mode, self.decoder)


@lru_cache(maxsize=2)
def dictionary_words(path: str) -> frozenset[str]:
    """The words a pocketsphinx dictionary file spells (alternate pronunciations folded), read once per
    process. Only the words: 12 MB resident for the 126,000 of cmudict, where a word -> pronunciations
    table took 58 MB for the whole life of the process."""
    with open(path, encoding="utf-8") as handle:
        return frozenset(_headword(line.split(maxsplit=1)[0]) for line in handle if line.strip())


def pronunciations(path: str, words: Collection[str]) -> dict[str, tuple[str, ...]]:
    """The pronunciations of `words` only (a scan of the dictionary file; needed only when the small
    dictionary is built or a grammar word is missing from it)."""
    wanted = set(words)
    out: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and (word := _headword(parts[0])) in wanted:
                out.setdefault(word, []).append(" ".join(parts[1:]))
    return {w: tuple(p) for w, p in out.items()}


def _headword(entry: str) -> str:
    return entry[: entry.index("(")] if entry.endswith(")") and "(" in entry else entry


def _entries(word: str, pronunciations: tuple[str, ...]) -> str:
    return "".join(f"{word if i == 0 else f'{word}({i + 1})'} {p}\n" for i, p in enumerate(pronunciations))


class PocketsphinxSession(RecognizerSession):
    """One utterance: audio goes to the decoder as it arrives; `finish` reads the best path."""

    def __init__(self, owner: PocketsphinxRecognizer, search: str, mode: ListenMode, decoder) -> None:
        self.owner = owner
        self.mode = mode
        self.decoder = decoder
        self.search = search
        self.decoder.activate_search(search)
        self._batch = owner.settings.cmn == "batch" and not mode.free_text
        self._pending: list[np.ndarray] = []
        self._peak = 0.0
        self._fresh = owner.settings.fresh_front_end and not mode.free_text
        self.kws = owner._kws if mode.wake else None
        self._started = False
        if not self._batch:
            self._start(np.zeros(0, dtype=np.int16))
        self._suppressor = owner.suppressor() if owner.suppressor is not None else None
        self._raw: list[np.ndarray] = []
        self._open = True
        self.spotted = False
        """In wake mode, after `finish`: whether the keyphrase spotter heard the wake phrase."""

    def accept(self, samples: np.ndarray) -> None:
        if not self._open or len(samples) == 0:
            return
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        if self._suppressor is not None:
            if self._batch:  # the raw audio too: said in a quiet room, it is decoded as it is
                self._raw.append(samples)
            samples = self._suppressor.process(samples)
        if self._batch:
            self._pending.append(samples)
            return
        self._decode_live(samples)

    def _start(self, audio: np.ndarray) -> None:
        """Begin the utterance in each decoder; with a fresh front end, primed with `audio`'s edges first."""
        prime = self._primer(audio)
        for decoder in (self.decoder, self.kws):
            if decoder is None:
                continue
            if self._fresh:
                decoder.reinit_feat()
                if len(prime):
                    decoder.start_utt()
                    decoder.process_raw(prime.tobytes(), False, True)
                    decoder.end_utt()
            if decoder is self.decoder:
                decoder.activate_search(self.search)  # another session may have switched it meanwhile
                if self.owner.settings.fresh_cmn and not self.mode.free_text:
                    decoder.set_cmn(self.owner._cmn0)
            decoder.start_utt()
        self._started = True

    def _primer(self, audio: np.ndarray) -> np.ndarray:
        """The utterance's background as the front end should first hear it: its first and last
        `prime_seconds` (the pre-roll and the quiet after the speech), or nothing when it is too short."""
        n = round(self.owner.settings.prime_seconds * SAMPLE_RATE)
        if not self._fresh or n <= 0 or len(audio) < 4 * n:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate([audio[:n], audio[-n:]])

    def _decode_live(self, samples: np.ndarray) -> None:
        if len(samples) == 0:
            return
        if not self._started:
            self._start(samples)
        floor = self.owner.settings.noise_floor_db
        if floor is not None:  # live decoding: the floor follows the loudest frame heard so far
            self._peak = max(self._peak, loudest_frame_rms(samples))
            samples = add_noise_floor(samples, floor, reference=self._peak)
        data = samples.tobytes()
        self.decoder.process_raw(data, False, False)
        if self.kws is not None:
            self.kws.process_raw(data, False, False)

    def finish(self) -> Transcript:
        spotted = True
        if self._open:
            if self._suppressor is not None:  # the few milliseconds the suppressor held back
                tail = self._suppressor.finish()
                if self._batch:
                    self._pending.append(tail)
                else:
                    self._decode_live(tail)
            if self._batch and self._pending:
                samples = np.concatenate(self._pending)
                if self._raw and in_quiet_room(raw := np.concatenate(self._raw)):
                    samples = raw
                floor = self.owner.settings.noise_floor_db
                samples = samples if floor is None else add_noise_floor(samples, floor)
                self._start(samples)
                data = samples.tobytes()
                self.decoder.process_raw(data, False, True)
                if self.kws is not None:
                    self.kws.process_raw(data, False, True)
            if not self._started:  # nothing was heard: an empty utterance, as before
                self._start(np.zeros(0, dtype=np.int16))
            self.decoder.end_utt()
            if self.kws is not None:
                self.kws.end_utt()
                spotted = self.kws.hyp() is not None
            self.spotted = spotted
            self._open = False
        if not spotted:  # the wake phrase was not really said: whatever the grammar forced, drop it
            return Transcript(text="", confidence=0.0, engine=self.owner.name)
        hyp = self.decoder.hyp()
        words = [] if hyp is None else [w for w in hyp.hypstr.split() if w]
        transcript = transcript_of(words, self.owner.wake_phrase, self.mode)
        if transcript.text and not self.mode.free_text:
            per_second = self._log_posterior_per_second()
            if per_second < self.owner.settings.min_log_posterior:
                return Transcript(text="", confidence=0.0, engine=self.owner.name)
            transcript = replace(transcript, confidence=round(min(1.0, math.exp(per_second / 5)), 3))
        if transcript.text and not self.mode.free_text:
            transcript = replace(transcript, alternatives=self._alternatives(transcript))
        return transcript

    def _log_posterior_per_second(self) -> float:
        frames = max(1, self.decoder.n_frames())
        return 100.0 * math.log(max(self.decoder.get_prob(), 1e-300)) / frames

    def _alternatives(self, best: Transcript, limit: int = MAX_ALTERNATIVES) -> tuple[str, ...]:
        """Other hypotheses from the lattice, wake phrase stripped, best first, without repeats."""
        seen = {best.text}
        out: list[str] = []
        try:
            for hyp, _ in zip(self.decoder.nbest(), range(4 * limit)):
                if hyp is None:
                    break
                other = transcript_of(hyp.hypstr.split(), self.owner.wake_phrase, self.mode)
                if other.text and other.text not in seen:
                    seen.add(other.text)
                    out.append(other.text)
                if len(out) >= limit:
                    break
        except (RuntimeError, AttributeError):  # no lattice for this utterance
            pass
        return tuple(out)


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
