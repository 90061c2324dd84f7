"""What Tandem says: response keys -> several phrasings, loaded from `voices/<lang>/*.yaml`.

Code only ever names a response key and passes slots; the words live in data. Everything is
checked at load time, so a missing key or a phrasing with an unknown `{slot}` fails with the file
and key named, and is never spoken aloud. The choice between phrasings is deterministic for a
given `random.Random`, which keeps tests and recordings reproducible.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from assistant.dialog.keys import CODE_KEYS, DURATION_FORMS, RITUAL_SLOTS
from assistant.errors import DataError
from assistant.messages import Say
from assistant.speak.profile import VoiceProfile, parse_voice_section

SECTIONS = ("responses", "numbers", "durations", "lists", "nouns", "voice", "rituals", "questions")
"""Top-level keys a voices file may hold; each file holds one or more of them."""
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NUMBER_KEYS = ("ones", "tens", "tens_join", "hundreds", "hundreds_join")
LIST_KEYS = ("pair", "sep", "counted")


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, turning syntax errors into a `DataError` that names the file."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else ""
        raise DataError(path, where, f"not valid YAML ({getattr(error, 'problem', error)})",
                        "fix the indentation or quoting there") from error
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(path, "", f"cannot be read ({error})", "check the file exists and is UTF-8") from error


def slots_of(text: str, path: object = "", key: str = "") -> set[str]:
    """The `{slot}` names a phrasing uses (a stray brace is a data error)."""
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as error:
        raise DataError(path, key, f"bad braces in {text!r} ({error})", "write slots as {name}; double a literal brace") from error


@dataclass
class Voices:
    """Every phrasing Tandem can say, plus the number words that make durations sound natural."""

    folder: Path
    responses: dict[str, tuple[str, ...]]
    sources: dict[str, Path]
    """Which file each response key came from (for error messages)."""
    numbers: dict[str, Any]
    durations: dict[str, str]
    lists: dict[str, str]
    nouns: dict[str, tuple[str, str]]
    style: VoiceProfile = field(default_factory=VoiceProfile)
    """How it all sounds: engine, voice, loudness, paces (voice.yaml, checked by assistant/speak/profile.py)."""
    _last: dict[str, int] = field(default_factory=dict, repr=False)

    # ---- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, folder: Path | str, required: Mapping[str, Iterable[str]] | None = None) -> "Voices":
        """Read every `*.yaml` in `folder`; check the keys code needs (`required`, default `CODE_KEYS`)."""
        folder = Path(folder)
        if not folder.is_dir():
            raise DataError(folder, "", "the voices folder does not exist", "point to a folder like voices/en")
        responses: dict[str, tuple[str, ...]] = {}
        sources: dict[str, Path] = {}
        parts: dict[str, tuple[Path, Any]] = {}
        for path in sorted(folder.glob("*.yaml")):
            data = read_yaml(path)
            if data is None:
                continue
            if not isinstance(data, dict):
                raise DataError(path, "", "must be a mapping of sections", "start with e.g. `responses:`")
            for section, body in data.items():
                if section not in SECTIONS:
                    raise DataError(path, str(section), "unknown section", "use one of: " + ", ".join(SECTIONS))
                if section == "responses":
                    _read_responses(path, body, responses, sources)
                elif section in ("rituals", "questions"):
                    continue  # read by rituals/script.py
                else:
                    if section in parts:
                        raise DataError(path, section, f"also defined in {parts[section][0].name}", "keep one copy")
                    parts[section] = (path, body)
        voices = cls(folder, responses, sources, *_support(folder, parts))
        voices.check(required if required is not None else CODE_KEYS)
        return voices

    def check(self, required: Mapping[str, Iterable[str]], where: object = None, extra_slots: Iterable[str] = ()) -> None:
        """Every key in `required` exists and its phrasings use only the slots given for it."""
        for key, allowed in required.items():
            if key not in self.responses:
                raise DataError(where or self.folder, key, f"response key is missing from {self.folder}",
                                f"add `{key}:` with a few phrasings under `responses:` in a file there")
            self.check_slots(key, set(allowed) | set(extra_slots))

    def check_slots(self, key: str, allowed: set[str]) -> None:
        path = self.sources.get(key, self.folder)
        for text in self.responses[key]:
            unknown = slots_of(text, path, key) - allowed
            if unknown:
                raise DataError(path, f"responses.{key}", f"unknown slot {{{sorted(unknown)[0]}}} in {text!r}",
                                "use only: " + (", ".join("{" + s + "}" for s in sorted(allowed)) or "no slots"))

    def has(self, key: str) -> bool:
        return key in self.responses

    # ---- speaking ------------------------------------------------------------------------
    def render(self, key: str, rng: random.Random, **slots: Any) -> Say:
        """One phrasing of `key`, never the same one twice in a row when there is a choice."""
        options = self.responses.get(key)
        if not options:
            raise DataError(self.folder, key, "response key is missing", f"add `{key}:` under `responses:`")
        index = rng.randrange(len(options))
        if len(options) > 1 and self._last.get(key) == index:
            index = (index + 1) % len(options)
        self._last[key] = index
        try:
            text = options[index].format_map(slots)
        except KeyError as error:
            raise DataError(self.sources.get(key, self.folder), f"responses.{key}",
                            f"slot {error} has no value here", "remove it from that phrasing") from error
        return Say(key, _sentence_case(" ".join(text.split())))

    def number(self, n: int) -> str:
        """A whole number in words: 40 -> "forty", 125 -> "one hundred and twenty-five"."""
        ones, tens = self.numbers["ones"], self.numbers["tens"]
        if n < 0:
            return str(n)
        if n < len(ones):
            return ones[n]
        if n < 100:
            t, o = divmod(n, 10)
            return tens[t] if o == 0 else self.numbers["tens_join"].format(tens=tens[t], ones=ones[o])
        if n < 1000:
            h, rest = divmod(n, 100)
            hundreds = self.numbers["hundreds"].format(n=ones[h])
            return hundreds if rest == 0 else self.numbers["hundreds_join"].format(hundreds=hundreds, rest=self.number(rest))
        return str(n)

    def spoken_duration(self, seconds: float, approximate: bool = False) -> str:
        """Seconds as people say them: 90 -> "a minute and a half", 40 -> "forty seconds".

        `approximate` rounds the way people round time left: to 5 s under a minute,
        to 15 s under three minutes, to 30 s beyond.
        """
        s = max(0, int(round(seconds)))
        if approximate and 0 < seconds < 1:
            s = 1  # "one second left", never "zero seconds left"
        if approximate:
            step = 1 if s <= 10 else 5 if s < 60 else 15 if s < 180 else 30
            s = max(1, int(round(s / step)) * step) if s else 0
        d = self.durations
        hours, rest = divmod(s, 3600)
        minutes, secs = divmod(rest, 60)
        parts: list[str] = []
        if hours:
            parts.append(d["one_hour"] if hours == 1 else d["hours"].format(n=self.number(hours)))
        if minutes and secs == 30 and not hours:
            return d["one_minute_and_half"] if minutes == 1 else d["minutes_and_half"].format(n=self.number(minutes))
        if minutes:
            parts.append(d["one_minute"] if minutes == 1 else d["minutes"].format(n=self.number(minutes)))
        if secs or not parts:
            parts.append(d["one_second"] if secs == 1 else d["seconds"].format(n=self.number(secs)))
        text = parts[0]
        for part in parts[1:]:
            text = d["join"].format(a=text, b=part)
        return text

    def spoken_list(self, items: list[str]) -> str:
        """["one hug", "two walks", "a check-in"] -> "one hug, two walks and a check-in"."""
        if not items:
            return ""
        if len(items) == 1:
            return items[0]
        head = self.lists["sep"].join(items[:-1])
        return self.lists["pair"].format(a=head, b=items[-1])

    def counted(self, n: int, noun: str) -> str:
        """3, "hug" -> "three hugs" (noun forms from the `nouns:` section)."""
        singular, plural = self.nouns.get(noun, (noun, noun))
        return self.lists["counted"].format(n=self.number(n), noun=singular if n == 1 else plural)

    def noun(self, name: str) -> str:
        return self.nouns.get(name, (name, name))[0]

    def plural(self, name: str) -> str:
        return self.nouns.get(name, (name, name))[1]


def _sentence_case(text: str) -> str:
    """A slot that opens a sentence ("{done} of hugging.") starts with a capital."""
    chars = list(text)
    start = True
    for i, c in enumerate(chars):
        if start and c.isalpha():
            chars[i] = c.upper()
            start = False
        elif c in ".!?":
            start = True
        elif not c.isspace() and c not in "\"'(":
            start = False
    return "".join(chars)


def _read_responses(path: Path, body: Any, responses: dict, sources: dict) -> None:
    if not isinstance(body, dict):
        raise DataError(path, "responses", "must map response keys to phrasings", "write `key: [phrasing, ...]`")
    for key, value in body.items():
        where = f"responses.{key}"
        if key in responses:
            raise DataError(path, where, f"also defined in {sources[key].name}", "keep one definition")
        options = [value] if isinstance(value, str) else value
        if not isinstance(options, list) or not options or not all(isinstance(o, str) and o.strip() for o in options):
            raise DataError(path, where, "must be a phrasing or a non-empty list of phrasings",
                            "write `- A phrasing.` lines under the key")
        for option in options:
            slots_of(option, path, where)
        responses[str(key)] = tuple(options)
        sources[str(key)] = path


def _support(folder: Path, parts: dict[str, tuple[Path, Any]]) -> tuple:
    """Validate the numbers, durations, lists, nouns and voice sections."""

    def need(section: str) -> tuple[Path, dict]:
        if section not in parts:
            raise DataError(folder, section, "section is missing", f"add a `{section}:` section to a file there")
        path, body = parts[section]
        if not isinstance(body, dict):
            raise DataError(path, section, "must be a mapping", f"write `{section}:` followed by its keys")
        return path, body

    path, numbers = need("numbers")
    for key in NUMBER_KEYS:
        if key not in numbers:
            raise DataError(path, f"numbers.{key}", "is missing", "see voices/en/numbers.yaml for the shape")
    if not isinstance(numbers["ones"], list) or len(numbers["ones"]) < 10:
        raise DataError(path, "numbers.ones", "must list the words for 0 to at least 9", "write [zero, one, ...]")
    if not isinstance(numbers["tens"], list) or len(numbers["tens"]) != 10:
        raise DataError(path, "numbers.tens", "must list ten entries (0 and 10 may be ~)", "write [~, ten, twenty, ...]")

    path, durations = need("durations")
    for key, slots in DURATION_FORMS.items():
        text = durations.get(key)
        if not isinstance(text, str):
            raise DataError(path, f"durations.{key}", "is missing or not text", "see voices/en/numbers.yaml")
        unknown = slots_of(text, path, key) - set(slots)
        if unknown:
            raise DataError(path, f"durations.{key}", f"unknown slot {{{sorted(unknown)[0]}}}", f"use only {sorted(slots)}")

    path, lists = need("lists")
    for key in LIST_KEYS:
        if not isinstance(lists.get(key), str):
            raise DataError(path, f"lists.{key}", "is missing or not text", "see voices/en/numbers.yaml")

    nouns: dict[str, tuple[str, str]] = {}
    if "nouns" in parts:
        path, body = need("nouns")
        for key, value in body.items():
            if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
                raise DataError(path, f"nouns.{key}", "must be [singular, plural]", "write e.g. [hug, hugs]")
            nouns[str(key)] = (value[0], value[1])

    style = parse_voice_section(*parts["voice"]) if "voice" in parts else VoiceProfile()
    return {k: v for k, v in numbers.items()}, dict(durations), dict(lists), nouns, style


_DEFAULT: Voices | None = None


def default_voices() -> Voices:
    """Tandem's own English voices, loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        from assistant.datafiles import voices_dir

        _DEFAULT = Voices.load(voices_dir())
    return _DEFAULT


def spoken_duration(seconds: float, voices: Voices | None = None, approximate: bool = False) -> str:
    """`spoken_duration(90)` -> "a minute and a half" (English voices unless given others)."""
    return (voices or default_voices()).spoken_duration(seconds, approximate)


__all__ = ["Voices", "spoken_duration", "default_voices", "read_yaml", "slots_of", "RITUAL_SLOTS"]
