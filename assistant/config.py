"""The couple's settings: one TOML file, read once at start-up and passed down.

Every concern is a frozen dataclass, so nothing reads global config later. A wrong key, type or
value fails at load time with a `ConfigError` that names the key, the file and the fix: Tandem
never starts half-configured.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from assistant.audio.denoise import DEFAULT as DEFAULT_SUPPRESSION
from assistant.audio.denoise import SUPPRESSORS
from assistant.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ENGINES = ("auto", "pocketsphinx", "vosk", "whisper", "combined")
WAKE_SPOTTERS = ("auto", "recognizer", "openwakeword", "model")
VADS = ("band", "silero")
VOICE_ENGINES = ("auto", "piper", "pyttsx3")


@dataclass(frozen=True)
class Partners:
    """The two people. Default names speak clearly until the couple sets their own."""

    names: tuple[str, str] = ("Partner one", "Partner two")

    def other(self, name: str) -> str:
        """The partner who is not `name` (the first one when `name` is unknown)."""
        return self.names[1] if name == self.names[0] else self.names[0]


@dataclass(frozen=True)
class Durations:
    """Planned seconds per ritual; a length said aloud ("a two minute hug") overrides these."""

    hug: int = 90
    morning_hug: int = 60
    breathing: int = 120
    check_in: int = 300
    long_check_in: int = 600
    walk: int = 300
    repair_pause: int = 10

    def seconds(self, key: str) -> int:
        """The duration named `key` (a field name, as used by rituals.yaml)."""
        return int(getattr(self, key))


@dataclass(frozen=True)
class Breathing:
    """Seconds per breath phase: a slow exhale calms more than a slow inhale."""

    inhale: int = 4
    exhale: int = 6


@dataclass(frozen=True)
class Minimums:
    """What the couple agreed to honour each day, even on frantic ones (ritual -> count)."""

    hug: int = 1
    gratitude: int = 1
    breathing: int = 0
    check_in: int = 0
    walk: int = 0
    hold_hands: int = 0
    curiosity: int = 0
    appreciation: int = 0

    def as_dict(self) -> dict[str, int]:
        """Only the rituals with a minimum above zero."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) > 0}


@dataclass(frozen=True)
class WeeklyMinimums(Minimums):
    """What the couple agreed per Monday-to-Sunday week (e.g. a check-in three times a week)."""

    hug: int = 0
    gratitude: int = 0


@dataclass(frozen=True)
class Offers:
    """Gentle spoken offers at times the couple chose. Off until they turn them on.

    `at` entries are "HH:MM ritual [variant]" ("07:30 hug morning" is the coffee hug). An offer is
    skipped when its ritual already happened since the previous offer of it that day, never made in
    quiet hours, made at most once a day, and "not today" silences every offer until tomorrow.
    A daily minimum still missing at `missed_minimums_at` is offered once ("" turns that off).
    """

    enabled: bool = False
    at: tuple[str, ...] = ("07:30 hug morning", "21:30 gratitude")
    quiet_hours: str = "22:30-07:00"
    missed_minimums_at: str = "19:00"
    answer_seconds: int = 60
    """How long Tandem listens for yes, no or "not today" after an offer, without the wake phrase: long
    enough for a couple across a kitchen to look at each other and answer. (A yes or no a few minutes
    later, with the wake phrase, still answers it.)"""


@dataclass(frozen=True)
class Privacy:
    """Words said in gratitude and appreciation are kept only when the couple opts in."""

    keep_gratitude_text: bool = False


@dataclass(frozen=True)
class Rituals:
    """How rituals feel, beyond their length."""

    halfway_chime: bool = True
    ask_rating: bool = True
    """After a ritual, ask "how did that feel, one to five?" (at most once per `rating_gap_minutes`)."""
    rating_gap_minutes: int = 60


@dataclass(frozen=True)
class Wake:
    phrase: str = "hey tandem"
    spotter: str = "auto"
    """Who hears the wake phrase: "recognizer" (the speech engine checks each utterance), "openwakeword" (a shipped
    openWakeWord model spots it: okay nabu, hey jarvis, hey mycroft, alexa, hey rhasspy), or "auto"
    (openwakeword when the phrase has a model; for "hey tandem" Tandem's own trained model in front of the
    recognizer, assistant/wake/fused.py; else the recognizer alone)."""


@dataclass(frozen=True)
class Audio:
    """Devices by name or index; empty means the system default."""

    input_device: str = ""
    output_device: str = ""
    vad: str = "silero"
    """Voice activity detection: "silero" (the neural Silero VAD) or "band" (adaptive noise floor per band).
    Measured (`python -m bench vad`): Silero finds 99 % of spoken commands at 12 dB and 92 % at 6 dB, the band
    VAD 90 % and 45 %, and cuts fewer commands in two; 3 % of a core against 0.2 %."""
    noise_suppression: str = DEFAULT_SUPPRESSION
    """What cleans the audio pocketsphinx hears: "off" or "rnnoise" (RNNoise, the denoise extra; audio/denoise.py).
    Whisper always hears the raw audio (suppression artefacts cost it more than the noise)."""


@dataclass(frozen=True)
class Recognizer:
    engine: str = "auto"
    model: str = ""
    """Folder of a vosk model; empty means the platform data folder."""
    whisper_model: str = ""
    """Folder of a CTranslate2 Whisper model (base.en, small.en...); empty means the packaged tiny.en."""


ROOM_LOCAL = "local"
"""A room URI meaning this machine's own microphone and speaker (the `[audio]` devices)."""


@dataclass(frozen=True)
class Rooms:
    """Where Tandem listens and speaks: Wyoming satellites (and optionally this machine's own audio).

    `[rooms]` maps a room name to a satellite URI (`kitchen = "tcp://kitchen.local:10700"`) or to
    "local"; `[rooms.offers]` maps a ritual name (or "*" for any) to the room its gentle offers are
    spoken in. No rooms: `tandem listen` uses the local microphone and speaker alone.
    """

    satellites: tuple[tuple[str, str], ...] = ()
    """(room name, URI) in the order written; the first room is where offers go by default."""
    offers: tuple[tuple[str, str], ...] = ()
    """(ritual name or "*", room name)."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.satellites)

    def uri(self, room: str) -> str:
        return dict(self.satellites)[room]

    def offer_room(self, ritual: str | None) -> str | None:
        """The room an offer of `ritual` is spoken in (None when there are no rooms)."""
        chosen = dict(self.offers)
        return chosen.get(ritual or "*") or chosen.get("*") or (self.names[0] if self.names else None)


@dataclass(frozen=True)
class Services:
    """Optional Wyoming services on a bigger machine: speech recognition and synthesis by URI.

    Empty means Tandem's own engines. When a service cannot be reached, Tandem says so once and
    falls back to its own engine for that utterance or line.
    """

    asr: str = ""
    """e.g. "tcp://nas.local:10300" (wyoming-faster-whisper)."""
    tts: str = ""
    """e.g. "tcp://nas.local:10200" (wyoming-piper)."""
    tts_voice: str = ""
    """A voice the TTS service knows (e.g. "en_US-lessac-medium"); empty: its default."""
    timeout_seconds: int = 5
    """How long one request may take before the local engine answers instead."""


@dataclass(frozen=True)
class Voice:
    """Who speaks: `engine` auto|piper|pyttsx3 and a `voice` for it (a Piper voice name or .onnx path, or an
    espeak-ng voice); empty means voice.yaml's choice. `pronounce`: ["Niamh=Neeve"], names said as spelled."""

    engine: str = "auto"
    voice: str = ""
    pronounce: tuple[str, ...] = ()


@dataclass(frozen=True)
class Settings:
    partners: Partners = field(default_factory=Partners)
    durations: Durations = field(default_factory=Durations)
    breathing: Breathing = field(default_factory=Breathing)
    minimums: Minimums = field(default_factory=Minimums)
    weekly_minimums: WeeklyMinimums = field(default_factory=WeeklyMinimums)
    offers: Offers = field(default_factory=Offers)
    privacy: Privacy = field(default_factory=Privacy)
    rituals: Rituals = field(default_factory=Rituals)
    wake: Wake = field(default_factory=Wake)
    audio: Audio = field(default_factory=Audio)
    recognizer: Recognizer = field(default_factory=Recognizer)
    voice: Voice = field(default_factory=Voice)
    rooms: Rooms = field(default_factory=Rooms)
    services: Services = field(default_factory=Services)
    source: Path | None = None
    """The file these settings came from (None: built-in defaults)."""

    @property
    def keep_gratitude_text(self) -> bool:
        return self.privacy.keep_gratitude_text


def default_config_path() -> Path:
    """`config.toml` in the platform's user config folder."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("tandem")) / "config.toml"


def load_settings(path: Path | str | None = None) -> Settings:
    """Read the config file; with no file at all, the defaults.

    An explicit `path` must exist; the default path may be absent.
    """
    explicit = path is not None
    file = Path(path) if explicit else default_config_path()
    if not file.exists():
        if explicit:
            raise ConfigError(file, "", "the config file does not exist",
                              "check the path, or leave out --config to use the defaults")
        return Settings()
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(file, "", f"cannot be read ({error})", "check the file's permissions") from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        problem, line, _column = _toml_position(str(error))
        near = f" (near `{text.splitlines()[line - 1].strip()}`)" if line and line <= len(text.splitlines()) else ""
        raise ConfigError(file, "", f"not valid TOML: {problem}{near}",
                          "fix the syntax there or just before it (strings in quotes, lists closed with ])",
                          line=line) from None
    try:
        return settings_from_dict(data, file)
    except ConfigError as error:
        line = line_of(text, error.key) if error.key else None
        if line is None:
            raise
        raise ConfigError(file, error.key, error.problem, error.fix, line=line) from None


def _toml_position(message: str) -> tuple[str, int | None, int | None]:
    """("Unclosed array", 4, 1) from tomllib's "Unclosed array (at line 4, column 1)"."""
    found = re.search(r"^(.*?)\s*\(at line (\d+), column (\d+)\)\s*$", message)
    return (found[1], int(found[2]), int(found[3])) if found else (message, None, None)


def line_of(text: str, key: str) -> int | None:
    """The line where a dotted `key` ("partners.names", or a table "offers") is written in a TOML text."""
    section, _, name = key.partition(".")
    table = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        header = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", line)
        if header:
            table = header[1]
            if not name and table == section:
                return number
            continue
        assigned = re.match(r"([A-Za-z0-9_.\"' -]+?)\s*=", line)
        if not assigned:
            continue
        dotted = ".".join(part.strip().strip("\"'") for part in assigned[1].split("."))
        full = f"{table}.{dotted}" if table else dotted
        if full == key or (not name and full.split(".")[0] == section):
            return number
    return None


def settings_from_dict(data: Mapping[str, Any], file: Path | str = "<config>") -> Settings:
    """Validate a parsed TOML document section by section."""
    sections = {f.name: f for f in fields(Settings) if f.name != "source"}
    built: dict[str, Any] = {}
    for name, value in data.items():
        if name not in sections:
            raise ConfigError(file, name, "unknown section or key", _did_you_mean(name, sections))
        if not isinstance(value, dict):
            raise ConfigError(file, name, "must be a table", f"write it as [{name}] followed by its keys")
        cls = sections[name].default_factory  # type: ignore[misc]
        built[name] = _rooms(value, file) if name == "rooms" else _section(cls, value, name, file)
    settings = Settings(**built, source=Path(file))
    _check(settings, file)
    return settings


def _section(cls: type, table: Mapping[str, Any], section: str, file: Path | str) -> Any:
    known = {f.name: f for f in fields(cls)}
    defaults = cls()
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{section}.{key}"
        if key not in known:
            raise ConfigError(file, where, "unknown key", _did_you_mean(key, known, section))
        expected = getattr(defaults, key)
        values[key] = _typed(value, expected, where, file)
    return cls(**values)


ROOM_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def _rooms(table: Mapping[str, Any], file: Path | str) -> Rooms:
    """`[rooms]`: room name = satellite URI or "local"; `[rooms.offers]`: ritual = room."""
    satellites: list[tuple[str, str]] = []
    offers: dict[str, str] = {}
    for key, value in table.items():
        where = f"rooms.{key}"
        if key == "offers":
            if isinstance(value, str):
                value = {"*": value}
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(file, where, "must be a table of ritual = room",
                                  'write [rooms.offers] then gratitude = "bedroom" (or "*" = "kitchen")')
            offers.update(value)
            continue
        if not ROOM_NAME.match(key):
            raise ConfigError(file, where, f"{key!r} is not a room name",
                              "use a short lowercase name such as kitchen or bedroom")
        if not isinstance(value, str):
            raise ConfigError(file, where, f"must be a satellite address in quotes, not {value!r}",
                              f'write {key} = "tcp://{key}.local:10700" (or "local" for this machine)')
        problem = room_uri_problem(value)
        if problem:
            raise ConfigError(file, where, problem,
                              f'write {key} = "tcp://{key}.local:10700" (the satellite\'s --uri port), or "local"')
        satellites.append((key, value.strip()))
    uris = [uri for _, uri in satellites]
    for name, uri in satellites:
        if uri != ROOM_LOCAL and uris.count(uri) > 1:
            raise ConfigError(file, f"rooms.{name}", f"{uri} is listed for two rooms",
                              "a satellite obeys one controller and belongs to one room: give each room its own")
    if uris.count(ROOM_LOCAL) > 1:
        raise ConfigError(file, "rooms", 'more than one room is "local"',
                          "this machine has one microphone and speaker: name it in one room only")
    names = {name for name, _ in satellites}
    for ritual, room in offers.items():
        if room not in names:
            raise ConfigError(file, f"rooms.offers.{ritual}", f"{room!r} is not one of the rooms",
                              "use one of: " + (", ".join(sorted(names)) or "(add rooms first)"))
    return Rooms(tuple(satellites), tuple(offers.items()))


def room_uri_problem(uri: str) -> str | None:
    """Why `uri` is not a usable room address (None when it is)."""
    uri = uri.strip()
    if uri == ROOM_LOCAL:
        return None
    scheme, sep, rest = uri.partition("://")
    if not sep or scheme != "tcp":
        return f"{uri!r} is not a satellite address (tcp://host:port) or \"local\""
    host, colon, port = rest.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        return f"{uri!r} needs a host and a port, like tcp://kitchen.local:10700"
    return None


def _typed(value: Any, expected: Any, where: str, file: Path | str) -> Any:
    if isinstance(expected, bool):
        if not isinstance(value, bool):
            raise ConfigError(file, where, f"must be true or false, not {value!r}", f"write {where.split('.')[-1]} = true")
        return value
    if isinstance(expected, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(file, where, f"must be a whole number, not {value!r}",
                              f"write a number without quotes, e.g. {where.split('.')[-1]} = {expected}")
        return value
    if isinstance(expected, str):
        if isinstance(value, int) and not isinstance(value, bool) and where.startswith("audio."):
            return str(value)  # a device index
        if not isinstance(value, str):
            raise ConfigError(file, where, f"must be text in quotes, not {value!r}", f'write {where.split(".")[-1]} = "{expected}"')
        return value
    if isinstance(expected, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            example = ", ".join(f'"{v}"' for v in expected)
            raise ConfigError(file, where, f"must be a list of text in quotes, not {value!r}",
                              f"write {where.split('.')[-1]} = [{example}]")
        return tuple(value)
    raise ConfigError(file, where, "has no known type", "remove it")  # pragma: no cover


def _check(s: Settings, file: Path | str) -> None:
    """Values that have the right type but make no sense."""
    names = s.partners.names
    if len(names) != 2 or any(not n.strip() for n in names):
        raise ConfigError(file, "partners.names", f"must be exactly two non-empty names, not {list(names)!r}",
                          'write names = ["Alex", "Sam"]')
    if names[0].strip().casefold() == names[1].strip().casefold():
        raise ConfigError(file, "partners.names", "the two names are the same",
                          "give each partner their own name so Tandem can take turns")
    for f in fields(s.durations):
        v = getattr(s.durations, f.name)
        if not 1 <= v <= 3 * 3600:
            raise ConfigError(file, f"durations.{f.name}", f"{v} seconds is out of range",
                              "use a number of seconds between 1 and 10800")
    for f in fields(s.breathing):
        v = getattr(s.breathing, f.name)
        if not 1 <= v <= 30:
            raise ConfigError(file, f"breathing.{f.name}", f"{v} seconds is out of range",
                              "use a number of seconds between 1 and 30 (4 in, 6 out is a good start)")
    for f in fields(s.minimums):
        v = getattr(s.minimums, f.name)
        if not 0 <= v <= 50:
            raise ConfigError(file, f"minimums.{f.name}", f"{v} is out of range", "use a count from 0 to 50 per day")
    for f in fields(s.weekly_minimums):
        v = getattr(s.weekly_minimums, f.name)
        if not 0 <= v <= 100:
            raise ConfigError(file, f"weekly_minimums.{f.name}", f"{v} is out of range",
                              "use a count from 0 to 100 per week")
    if not 60 <= s.rituals.rating_gap_minutes <= 7 * 24 * 60:
        raise ConfigError(file, "rituals.rating_gap_minutes", f"{s.rituals.rating_gap_minutes} is out of range",
                          "use at least 60: Tandem never asks for a rating twice in an hour")
    check_offers(s.offers, file)
    if s.recognizer.engine not in ENGINES:
        raise ConfigError(file, "recognizer.engine", f"unknown engine {s.recognizer.engine!r}",
                          "use one of: " + ", ".join(ENGINES))
    if s.voice.engine not in VOICE_ENGINES:
        raise ConfigError(file, "voice.engine", f"unknown engine {s.voice.engine!r}",
                          "use one of: " + ", ".join(VOICE_ENGINES))
    for i, entry in enumerate(s.voice.pronounce):
        word, sep, said = entry.partition("=")
        if not sep or not word.strip() or not said.strip() or len(word.split()) != 1:
            raise ConfigError(file, f"voice.pronounce[{i}]", f"{entry!r} is not \"word=how it sounds\"",
                              'write pronounce = ["Niamh=Neeve"]')
    for key in ("asr", "tts"):
        uri = getattr(s.services, key)
        if uri.strip() and (uri.strip() == ROOM_LOCAL or room_uri_problem(uri)):
            raise ConfigError(file, f"services.{key}", f"{uri!r} is not a Wyoming service address",
                              f'write {key} = "tcp://host:port", or "" to use Tandem\'s own engine')
    if not 1 <= s.services.timeout_seconds <= 60:
        raise ConfigError(file, "services.timeout_seconds", f"{s.services.timeout_seconds} is out of range",
                          "use 1 to 60 seconds")
    if not s.wake.phrase.strip():
        raise ConfigError(file, "wake.phrase", "the wake phrase is empty", 'write phrase = "hey tandem"')
    if s.wake.spotter not in WAKE_SPOTTERS:
        raise ConfigError(file, "wake.spotter", f"unknown wake spotter {s.wake.spotter!r}",
                          "use one of: " + ", ".join(WAKE_SPOTTERS))
    if s.audio.vad not in VADS:
        raise ConfigError(file, "audio.vad", f"unknown voice activity detector {s.audio.vad!r}",
                          "use one of: " + ", ".join(VADS))
    if s.audio.noise_suppression not in SUPPRESSORS:
        raise ConfigError(file, "audio.noise_suppression", f"unknown noise suppressor {s.audio.noise_suppression!r}",
                          "use one of: " + ", ".join(SUPPRESSORS))


def parse_clock_time(text: str) -> tuple[int, int] | None:
    """ "07:30" -> (7, 30); None when it is not a 24-hour HH:MM time."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        return None
    h, m = int(hours), int(minutes)
    return (h, m) if 0 <= h <= 23 and 0 <= m <= 59 else None


def parse_offer(entry: str) -> tuple[tuple[int, int], str, str | None] | None:
    """ "07:30 hug morning" -> ((7, 30), "hug", "morning"); None when malformed."""
    parts = entry.split()
    if len(parts) not in (2, 3):
        return None
    at = parse_clock_time(parts[0])
    if at is None:
        return None
    return at, parts[1], parts[2] if len(parts) == 3 else None


def parse_quiet_hours(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """ "22:30-07:00" -> ((22, 30), (7, 0)); None when malformed. "" means no quiet hours (checked by callers)."""
    start, sep, end = text.partition("-")
    a, b = parse_clock_time(start), parse_clock_time(end)
    return (a, b) if sep and a is not None and b is not None else None


def check_offers(o: Offers, file: Path | str) -> None:
    """The `[offers]` values are well formed (which rituals they name is checked where rituals are known)."""
    for i, entry in enumerate(o.at):
        if parse_offer(entry) is None:
            raise ConfigError(file, f"offers.at[{i}]", f"{entry!r} is not \"HH:MM ritual [variant]\"",
                              'write it like "07:30 hug morning" or "21:30 gratitude" (24-hour time)')
    if o.quiet_hours.strip() and parse_quiet_hours(o.quiet_hours) is None:
        raise ConfigError(file, "offers.quiet_hours", f"{o.quiet_hours!r} is not \"HH:MM-HH:MM\"",
                          'write quiet_hours = "22:30-07:00", or "" for none')
    if o.missed_minimums_at.strip() and parse_clock_time(o.missed_minimums_at) is None:
        raise ConfigError(file, "offers.missed_minimums_at", f"{o.missed_minimums_at!r} is not a HH:MM time",
                          'write missed_minimums_at = "19:00", or "" to never offer a missed minimum')
    if not 10 <= o.answer_seconds <= 300:
        raise ConfigError(file, "offers.answer_seconds", f"{o.answer_seconds} is out of range",
                          "use 10 to 300 seconds (60 suits most kitchens)")


def _did_you_mean(key: str, known: Mapping[str, Any], section: str = "") -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    prefix = f"{section}." if section else ""
    if close:
        return f"did you mean {prefix}{close[0]}? known keys: " + ", ".join(known)
    return "remove it; known keys: " + ", ".join(known)


def settings_to_toml(settings: Settings) -> str:
    """The settings as a TOML document (what `write_config` puts in a new file)."""
    lines: list[str] = []
    for f in fields(settings):
        if f.name == "source":
            continue
        section = getattr(settings, f.name)
        if isinstance(section, Rooms):
            if section.satellites:
                lines.append("[rooms]")
                lines += [f"{name} = {_toml_value(uri)}" for name, uri in section.satellites]
                lines.append("")
            if section.offers:
                lines.append("[rooms.offers]")
                lines += [f"{_toml_key(ritual)} = {_toml_value(room)}" for ritual, room in section.offers]
                lines.append("")
            continue
        lines.append(f"[{f.name}]")
        for key, value in dataclasses.asdict(section).items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(settings: Settings | None = None, path: Path | None = None, overwrite: bool = False) -> Path:
    """Create a config file readable by its owner only (0600): it holds the couple's names."""
    file = path or default_config_path()
    file.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(file, flags, 0o600)
    except FileExistsError as error:
        raise ConfigError(file, "", "a config file is already there", "edit it, or pass overwrite") from error
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(settings_to_toml(settings or Settings()))
    os.chmod(file, 0o600)
    return file
