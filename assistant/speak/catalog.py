"""What can speak on this machine: engines, Piper voices, espeak-ng voices, and which is the default.

Used by `tandem voices` and `tandem doctor`. Looking is cheap: voice configs are read and checked,
but no model is loaded (that happens once, when Tandem starts speaking).
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assistant.errors import TandemError
from assistant.speak.profile import VoiceProfile, load_voice_profile
from assistant.speak.synth import PIPER_FIX, choose, piper_installed


@dataclass(frozen=True)
class EngineInfo:
    name: str
    installed: bool
    version: str = ""
    licence: str = ""
    detail: str = ""
    fix: str = ""


@dataclass(frozen=True)
class VoiceInfo:
    engine: str
    name: str
    where: str = ""
    source: str = ""
    rate: int = 0
    problem: str = ""
    default: bool = False


@dataclass
class Catalog:
    engines: list[EngineInfo] = field(default_factory=list)
    voices: list[VoiceInfo] = field(default_factory=list)
    default: str = ""
    """The voice Tandem would speak with, as "engine voice"."""
    why: str = ""
    """How that default was chosen."""
    voice_folder: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _licence(dist: str) -> str:
    try:
        meta = importlib.metadata.metadata(dist)
    except importlib.metadata.PackageNotFoundError:
        return ""
    return meta.get("License-Expression") or meta.get("License") or ""


def _espeak_voices() -> tuple[list[Any], str]:
    """pyttsx3's espeak-ng voices (loads the engine on its worker thread) and its default voice id."""
    from assistant.speak.tts import _Engine

    def look() -> tuple[list[Any], str]:
        _Engine.engine()
        return list(_Engine._voices), str(_Engine.default_voice or "")

    return _Engine.submit(look).result()


def catalog(settings: Any = None, profile: VoiceProfile | None = None, espeak: bool = True) -> Catalog:
    """Everything installed, checked; `espeak=False` skips asking espeak-ng for its voice list."""
    profile = profile or load_voice_profile()
    found = Catalog()
    piper_ok = piper_installed()
    found.engines.append(EngineInfo(
        "piper", piper_ok, _version("piper-tts"), _licence("piper-tts") or "GPL-3.0-or-later",
        "a natural neural voice" if piper_ok else "not installed", "" if piper_ok else PIPER_FIX))
    piper_voices: list[VoiceInfo] = []
    if piper_ok:
        from assistant.speak.piper_engine import find_voices, read_voice_config, voice_folder

        found.voice_folder = str(voice_folder())
        for voice in find_voices():
            problem, rate = "", 0
            try:
                rate = int(read_voice_config(voice)["audio"]["sample_rate"])
            except TandemError as error:
                problem = error.what
            piper_voices.append(VoiceInfo("piper", voice.name, str(voice.model), voice.source, rate, problem))
    espeak_error, default_id = "", ""
    espeak_voices: list[VoiceInfo] = []
    if espeak:
        try:
            voices, default_id = _espeak_voices()
            for v in voices:
                vid = str(v.id)
                if "/en" in vid or vid.startswith("en"):
                    espeak_voices.append(VoiceInfo("pyttsx3", vid.split("/")[-1], "espeak-ng", "espeak-ng data",
                                                   22_050, default=False))
        except TandemError as error:
            espeak_error = error.what
    found.engines.append(EngineInfo(
        "pyttsx3", not espeak_error, _version("pyttsx3"), _licence("pyttsx3") or "MPL-2.0",
        espeak_error or "espeak-ng voices: clear, robotic; always there as the fallback",
        "sudo apt install espeak-ng" if espeak_error else ""))

    choice = choose(None, settings, profile)
    wanted_piper = choice.voice or profile.piper_voice
    usable = [v for v in piper_voices if not v.problem]
    pick = next((v for v in usable if v.name == wanted_piper or v.where == wanted_piper), None)
    if choice.engine != "pyttsx3" and pick is not None:
        found.default = f"piper {pick.name}"
        found.why = f"engine {choice.engine}: Piper and the voice {pick.name} are installed"
    else:
        name = ((choice.voice if choice.engine == "pyttsx3" and choice.voice else profile.pyttsx3_voice)
                or default_id.split("/")[-1] or "default")
        found.default = f"pyttsx3 {name}"
        if choice.engine == "pyttsx3":
            found.why = "engine pyttsx3 chosen"
        elif not piper_ok:
            found.why = "Piper is not installed"
        else:
            found.why = f"the Piper voice {wanted_piper} is not installed or is broken"
    found.voices = [replace(v, default=found.default == f"{v.engine} {v.name}") for v in piper_voices + espeak_voices]
    return found
