"""How Tandem sounds, as data: `voices/<lang>/voice.yaml` read into a `VoiceProfile`.

Which engine and voice speak, how loud every line and chime is (one integrated-loudness target
for both, so a chime never startles next to the voice), and the *paces*: a slower, softer delivery
at bedtime, in breathing and in repair, with longer pauses between sentences. A ritual names its
pace in `rituals.yaml`; anything said inside the bedtime hours takes the bedtime pace. Words the
speech engines say wrong (names, mostly) are respelled through `pronounce`; words one Piper voice
says too quickly to be understood get their own phonemes through `piper_phonemes`.

Only PyYAML is imported here, so `Voices.load` can validate the file without loading audio code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

from assistant.config import VOICE_ENGINES as ENGINES  # auto: Piper when installed with a voice, else pyttsx3
from assistant.config import parse_quiet_hours
from assistant.errors import DataError

DEFAULT_PIPER_VOICE = "en_US-joe-medium"
DEFAULT_CALIBRATION = ("Hugging for a minute and a half. Starting now. Sam, what are you thankful for tonight? "
                       "Let's breathe together, in with the rising tone and out with the falling one.")


@dataclass(frozen=True)
class Pace:
    """How one kind of moment is spoken."""

    name: str = "normal"
    length_scale: float = 1.0
    """Above 1 is slower: Piper's phoneme length scale; pyttsx3's words per minute are divided by it."""
    noise_scale: float | None = None
    """Piper: how much the voice's tone varies (lower is calmer); None keeps the voice's own."""
    noise_w: float | None = None
    """Piper: how much phoneme lengths vary (lower is steadier); None keeps the voice's own."""
    volume: float = 1.0
    """0..1 relative to the loudness target; chimes said at this pace follow it."""
    pause: float = 0.3
    """Seconds of silence between two sentences."""
    clause_pause: float = 0.15
    """Seconds of silence where a long first sentence is cut after its first clause (to start sooner)."""


NORMAL = Pace()


@dataclass(frozen=True)
class VoiceProfile:
    """Everything `voice.yaml` says about how Tandem sounds."""

    engine: str = "auto"
    piper_voice: str = DEFAULT_PIPER_VOICE
    """A Piper voice name found in the voice folders, or a path to its `.onnx` (its `.json` beside it)."""
    pyttsx3_voice: str | None = None
    """An espeak-ng voice id or part of its name; None: the engine's default."""
    rate: int = 160
    """pyttsx3 words per minute at the normal pace."""
    volume: float = 0.9
    """pyttsx3's own volume 0..1 (the loudness target then levels every voice)."""
    loudness: float = -23.0
    """LUFS (ITU-R BS.1770 integrated loudness) that voice and chimes are matched to."""
    peak: float = -1.0
    """dBFS no voice or chime sample may exceed."""
    calibration: str = DEFAULT_CALIBRATION
    """Rendered once when a voice loads, to measure its loudness."""
    paces: Mapping[str, Pace] = field(default_factory=lambda: {"normal": NORMAL})
    bedtime_hours: tuple[tuple[int, int], tuple[int, int]] | None = None
    pronounce: Mapping[str, str] = field(default_factory=dict)
    piper_phonemes: Mapping[str, str] = field(default_factory=dict)
    """Piper only: a word, and the phonemes (espeak-ng IPA, as Piper reads them) to say it with wherever
    espeak-ng's own would be said too quickly to be heard ("hug" with a long vowel, not "hud")."""
    path: Path | None = None

    def pace(self, name: str | None) -> Pace:
        """The pace called `name` (the normal pace for None, "" or an unknown name)."""
        return self.paces.get(name or "normal") or self.paces.get("normal", NORMAL)

    def is_bedtime(self, when: datetime) -> bool:
        """Inside the bedtime hours (which may run past midnight)."""
        if self.bedtime_hours is None or "bedtime" not in self.paces:
            return False
        (h0, m0), (h1, m1) = self.bedtime_hours
        now, start, end = when.hour * 60 + when.minute, h0 * 60 + m0, h1 * 60 + m1
        return start <= now < end if start <= end else now >= start or now < end

    def pace_for(self, pace: str | None, when: datetime | None) -> Pace:
        """The pace a line asks for; a line with none is said at the bedtime pace in the bedtime hours."""
        if not pace and when is not None and self.is_bedtime(when):
            return self.pace("bedtime")
        return self.pace(pace)


PACE_KEYS: dict[str, tuple[float, float, bool]] = {
    # key: (lowest, highest, may be ~)
    "length_scale": (0.5, 2.0, False),
    "noise_scale": (0.0, 1.5, True),
    "noise_w": (0.0, 1.5, True),
    "volume": (0.05, 1.0, False),
    "pause": (0.0, 3.0, False),
    "clause_pause": (0.0, 1.5, False),
}


def _number(path: object, key: str, value: Any, low: float, high: float, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise DataError(path, key, f"expected a number from {low:g} to {high:g}, got {value!r}", f"write e.g. {example}")
    return float(value)


def _pace(path: object, name: str, body: Any) -> Pace:
    where = f"voice.paces.{name}"
    if not isinstance(body, dict):
        raise DataError(path, where, "must be a mapping", "write e.g. `bedtime: {length_scale: 1.15, volume: 0.7}`")
    values: dict[str, Any] = {}
    for key, value in body.items():
        if key not in PACE_KEYS:
            raise DataError(path, f"{where}.{key}", "unknown key", "use: " + ", ".join(PACE_KEYS))
        low, high, optional = PACE_KEYS[key]
        if value is None and optional:
            values[key] = None
            continue
        values[key] = _number(path, f"{where}.{key}", value, low, high, f"{key}: {getattr(NORMAL, key) or 0.667}")
    return Pace(name, **values)


def parse_voice_section(path: object, body: Any) -> VoiceProfile:
    """Validate the `voice:` section of voice.yaml; a bad value is a `DataError` naming file and key."""
    if body is None:
        return VoiceProfile(path=Path(str(path)))
    if not isinstance(body, dict):
        raise DataError(path, "voice", "must be a mapping", "see voices/en/voice.yaml")
    known = {"engine", "piper_voice", "pyttsx3_voice", "voice", "rate", "volume", "loudness", "peak", "calibration",
             "paces", "bedtime_hours", "pronounce", "piper_phonemes"}
    for key in body:
        if key not in known:
            raise DataError(path, f"voice.{key}", "unknown key", "use: " + ", ".join(sorted(known)))
    engine = body.get("engine", "auto")
    if engine not in ENGINES:
        raise DataError(path, "voice.engine", f"unknown engine {engine!r}", "use one of: " + ", ".join(ENGINES))
    texts = {}
    for key in ("piper_voice", "pyttsx3_voice", "voice", "calibration"):
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise DataError(path, f"voice.{key}", f"expected a name or text, got {value!r}",
                            "write a name, or ~ for the default")
        texts[key] = value
    rate = body.get("rate", 160)
    if isinstance(rate, bool) or not isinstance(rate, int) or not 60 <= rate <= 400:
        raise DataError(path, "voice.rate", f"expected words per minute from 60 to 400, got {rate!r}", "write rate: 160")
    volume = _number(path, "voice.volume", body.get("volume", 0.9), 0.0, 1.0, "volume: 0.9")
    loudness = _number(path, "voice.loudness", body.get("loudness", -23), -40, -10, "loudness: -23")
    peak = _number(path, "voice.peak", body.get("peak", -1), -20, 0, "peak: -1")
    paces_body = body.get("paces") or {}
    if not isinstance(paces_body, dict):
        raise DataError(path, "voice.paces", "must map a pace name to its settings", "see voices/en/voice.yaml")
    paces = {str(name): _pace(path, str(name), value) for name, value in paces_body.items()}
    paces.setdefault("normal", NORMAL)
    hours = body.get("bedtime_hours")
    bedtime = None
    if hours not in (None, ""):
        bedtime = parse_quiet_hours(hours) if isinstance(hours, str) else None
        if bedtime is None:
            raise DataError(path, "voice.bedtime_hours", f"{hours!r} is not \"HH:MM-HH:MM\"",
                            'write bedtime_hours: "21:30-06:00", or ~ for none')
        if "bedtime" not in paces:
            raise DataError(path, "voice.bedtime_hours", "there is no `bedtime` pace to use in those hours",
                            "add `bedtime:` under `paces:`")
    pronounce = body.get("pronounce") or {}
    if not isinstance(pronounce, dict) or not all(isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
                                                  for k, v in pronounce.items()):
        raise DataError(path, "voice.pronounce", "must map a word to how it is said",
                        "write e.g. `Niamh: Neeve` (one word or name per line)")
    phonemes = body.get("piper_phonemes") or {}
    if not isinstance(phonemes, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and len(k.split()) == 1 and v.strip() and " " not in v.strip()
            for k, v in phonemes.items()):
        raise DataError(path, "voice.piper_phonemes", "must map one word to its phonemes (one word, no spaces)",
                        "write e.g. `hug: hˈʌːɡ` (one word per line)")
    return VoiceProfile(
        engine=engine, piper_voice=texts["piper_voice"] or DEFAULT_PIPER_VOICE,
        pyttsx3_voice=texts["pyttsx3_voice"] or texts["voice"], rate=rate, volume=volume, loudness=loudness,
        peak=peak, calibration=texts["calibration"] or DEFAULT_CALIBRATION, paces=paces, bedtime_hours=bedtime,
        pronounce={k.strip(): v.strip() for k, v in pronounce.items()},
        piper_phonemes={k.strip(): v.strip() for k, v in phonemes.items()}, path=Path(str(path)))


def load_voice_profile(path: Path | None = None) -> VoiceProfile:
    """Read voice.yaml (Tandem's own when `path` is None); the defaults when the file is absent."""
    from assistant.dialog.voices import read_yaml

    if path is None:
        from assistant.datafiles import voices_dir

        path = voices_dir() / "voice.yaml"
    if not path.is_file():
        return VoiceProfile(path=path)
    data = read_yaml(path) or {}
    if not isinstance(data, dict):
        raise DataError(path, "", "expected a mapping with a `voice:` section", "see voices/en/voice.yaml")
    body = data.get("voice") if isinstance(data.get("voice"), dict) or "voice" in data else data
    return parse_voice_section(path, body)
