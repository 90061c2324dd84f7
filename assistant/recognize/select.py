"""Pick and load the speech engine: `auto` means vosk when a model is installed, else pocketsphinx."""

from __future__ import annotations

import logging
from pathlib import Path

from assistant.errors import ConfigError
from assistant.recognize.base import Recognizer

log = logging.getLogger(__name__)

ENGINES = ("auto", "pocketsphinx", "vosk")


def choose_engine(engine: str = "auto", model: Path | str | None = None, configured: str = "") -> str:
    """The engine `engine` names, with `auto` resolved (no model is loaded here)."""
    engine = (engine or "auto").lower()
    if engine not in ENGINES:
        raise ConfigError("recognizer", "engine", f"unknown speech engine {engine!r}",
                          f"use one of: {', '.join(ENGINES)}")
    if engine != "auto":
        return engine
    from assistant.recognize.models import auto_engine

    return auto_engine(model, configured)


def load_recognizer(engine: str = "auto", intent_set: object = None, model: Path | str | None = None,
                    wake_phrase: str = "hey tandem", configured_model: str = "") -> Recognizer:
    """Load the recognizer once for a session; it logs (and `.name` tells) which engine runs."""
    if intent_set is None:
        from assistant.datafiles import intents_dir
        from assistant.understand.intents import load_intents

        intent_set = load_intents(intents_dir())
    chosen = choose_engine(engine, model, configured_model)
    if chosen == "vosk":
        from assistant.recognize.models import vosk_model_dir
        from assistant.recognize.vosk_engine import VoskRecognizer

        recognizer: Recognizer = VoskRecognizer(vosk_model_dir(model, configured_model), intent_set,
                                                wake_phrase=wake_phrase)
    else:
        from assistant.recognize.pocketsphinx_engine import PocketsphinxRecognizer

        recognizer = PocketsphinxRecognizer(intent_set, wake_phrase=wake_phrase)
    log.info("speech engine: %s%s", recognizer.name, " (auto)" if (engine or "auto") == "auto" else "")
    return recognizer
