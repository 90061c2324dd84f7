"""Ritual scripts as data: `voices/<lang>/rituals.yaml` and the question banks in `questions.yaml`.

Each ritual is a list of typed steps. Loading checks every step against the step types below, every
response key against the voices, every chime name and duration key, so a malformed script fails at
start-up with the file and key named, never in the middle of a hug.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Union

from assistant.config import Durations
from assistant.dialog.keys import RITUAL_SLOTS
from assistant.dialog.voices import Voices, read_yaml
from assistant.errors import DataError

CHIMES = frozenset({"start", "end", "halfway", "inhale", "exhale", "soft"})
DURATION_KEYS = frozenset(f.name for f in fields(Durations))
Length = Union[int, str]
"""Seconds, "duration" (the ritual's planned length) or a `[durations]` key of the config."""


@dataclass(frozen=True)
class SayStep:
    say: str


@dataclass(frozen=True)
class ChimeStep:
    chime: str


@dataclass(frozen=True)
class WaitStep:
    wait: Length
    halfway: bool = False


@dataclass(frozen=True)
class BreatheStep:
    breathe: Length
    cues: str = "both"
    """"chimes", "words" or "both"."""
    cue_seconds: int = 3
    """No cue starts with less than this left before the end: a cue's chime and word must be over
    when the end chime is due (they take about two seconds)."""


@dataclass(frozen=True)
class CountStep:
    count: int
    key: str = "count_number"


@dataclass(frozen=True)
class QuestionStep:
    question: str
    """The bank's name in questions.yaml."""
    key: str = "curiosity_question"


@dataclass(frozen=True)
class ListenStep:
    listen: str
    """What the answers are (stored as the moment's counts and texts)."""
    answers: int = 1
    per_partner: bool = False
    prompt: str | None = None
    ack: str | None = None
    skip_ack: str | None = None
    handover: str | None = None
    timeout: int = 120
    store: bool = False
    """Keep the words, when the couple opted in (`privacy.keep_gratitude_text`)."""


@dataclass(frozen=True)
class AskRatingStep:
    ask_rating: str
    timeout: int = 20


@dataclass(frozen=True)
class RecordStep:
    record: str = "moment"


@dataclass(frozen=True)
class OfferStep:
    offer: str
    """The ritual offered next."""
    key: str = ""
    accepted: str | None = None
    """Said on "yes" (YAML reads a bare `yes:` key as true, hence the names)."""
    declined: str | None = None
    variant: str | None = None
    seconds: int | None = None
    timeout: int = 30


Step = Union[SayStep, ChimeStep, WaitStep, BreatheStep, CountStep, QuestionStep, ListenStep,
             AskRatingStep, RecordStep, OfferStep]
STEP_TYPES: dict[str, type] = {
    "say": SayStep, "chime": ChimeStep, "wait": WaitStep, "breathe": BreatheStep, "count": CountStep,
    "question": QuestionStep, "listen": ListenStep, "ask_rating": AskRatingStep, "record": RecordStep,
    "offer": OfferStep,
}
KEY_FIELDS = ("say", "key", "prompt", "ack", "skip_ack", "handover", "ask_rating", "accepted", "declined")
"""Step fields that name a response key."""


@dataclass(frozen=True)
class Variant:
    duration: str | None = None
    keys: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ritual:
    name: str
    intent: str
    steps: tuple[Step, ...]
    duration: str | None = None
    """The config `[durations]` key of the planned length (None: untimed)."""
    variants: dict[str, Variant] = field(default_factory=dict)
    partial: str = "ritual_partial"
    cancelled: str = "ritual_cancelled"
    kind: str = "moment"
    usual_seconds: int | None = None
    """How long it usually takes, for one logged without the speaker (`tandem log`) when the couple
    has none of their own yet; a ritual with a `duration` uses that instead."""
    pace: str = ""
    """How its lines and chimes are said: a pace of voice.yaml ("" = normal, or bedtime by the hour)."""

    @property
    def timed(self) -> bool:
        """Has a main timer (a wait or breathe step of its `duration`): its real seconds are the time
        spent holding, not the talk around it. Any other ritual's real seconds are its whole active
        time up to its record step (a repair's pause, count and recap), less pauses and silences."""
        return any(isinstance(s, WaitStep) and s.wait == "duration" or isinstance(s, BreatheStep)
                   and s.breathe == "duration" for s in self.steps)


@dataclass(frozen=True)
class RitualBook:
    """All rituals by name, plus the question banks they draw from."""

    rituals: dict[str, Ritual]
    questions: dict[str, tuple[str, ...]]
    path: Path

    def by_intent(self, intent: str) -> Ritual | None:
        for ritual in self.rituals.values():
            if ritual.intent == intent:
                return ritual
        return None

    @property
    def intents(self) -> frozenset[str]:
        return frozenset(r.intent for r in self.rituals.values())

    def __getitem__(self, name: str) -> Ritual:
        return self.rituals[name]


def load_rituals(folder: Path | str, voices: Voices) -> RitualBook:
    """Read `rituals.yaml` and `questions.yaml` from a voices folder and check them against `voices`."""
    folder = Path(folder)
    path = folder / "rituals.yaml" if folder.is_dir() else folder
    qpath = path.parent / "questions.yaml"
    questions = _questions(qpath)
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("rituals"), dict):
        raise DataError(path, "rituals", "missing or not a mapping", "start the file with `rituals:` and one entry per ritual")
    rituals = {str(name): _ritual(path, str(name), body, voices, questions) for name, body in data["rituals"].items()}
    seen: dict[str, str] = {}
    for ritual in rituals.values():
        if ritual.intent in seen:
            raise DataError(path, f"rituals.{ritual.name}.intent", f"{ritual.intent} already starts {seen[ritual.intent]}",
                            "give each ritual its own intent")
        seen[ritual.intent] = ritual.name
        for step in ritual.steps:
            if isinstance(step, OfferStep) and step.offer not in rituals:
                raise DataError(path, f"rituals.{ritual.name}.offer", f"offers unknown ritual {step.offer!r}",
                                "use one of: " + ", ".join(rituals))
    return RitualBook(rituals, questions, path)


def _questions(path: Path) -> dict[str, tuple[str, ...]]:
    if not path.exists():
        return {}
    data = read_yaml(path)
    banks = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(banks, dict):
        raise DataError(path, "questions", "missing or not a mapping", "write `questions:` then one list per bank")
    out: dict[str, tuple[str, ...]] = {}
    for name, items in banks.items():
        if not isinstance(items, list) or not items or not all(isinstance(q, str) and q.strip() for q in items):
            raise DataError(path, f"questions.{name}", "must be a non-empty list of questions", "write `- A question?` lines")
        out[str(name)] = tuple(items)
    return out


def _ritual(path: Path, name: str, body: Any, voices: Voices, questions: dict) -> Ritual:
    where = f"rituals.{name}"
    if not isinstance(body, dict):
        raise DataError(path, where, "must be a mapping", "give it `intent:` and `steps:`")
    known = {"intent", "steps", "duration", "variants", "partial", "cancelled", "kind", "usual_seconds", "pace"}
    for key in body:
        if key not in known:
            raise DataError(path, f"{where}.{key}", "unknown field", "use: " + ", ".join(sorted(known)))
    intent = body.get("intent")
    if not isinstance(intent, str) or not intent:
        raise DataError(path, f"{where}.intent", "missing", "name the intent that starts it, e.g. StartHug")
    duration = body.get("duration")
    if duration is not None and duration not in DURATION_KEYS:
        raise DataError(path, f"{where}.duration", f"unknown duration {duration!r}", "use one of: " + ", ".join(sorted(DURATION_KEYS)))
    steps_data = body.get("steps")
    if not isinstance(steps_data, list) or not steps_data:
        raise DataError(path, f"{where}.steps", "must be a non-empty list", "list the steps, e.g. `- say: hug_intro`")
    usual = body.get("usual_seconds")
    if usual is not None and (isinstance(usual, bool) or not isinstance(usual, int) or not 0 <= usual <= 3 * 3600):
        raise DataError(path, f"{where}.usual_seconds", f"bad value {usual!r}", "write whole seconds, e.g. usual_seconds: 240")
    variants = _variants(path, where, body.get("variants") or {}, voices)
    steps = tuple(_step(path, f"{where}.steps[{i}]", s, voices, questions, duration) for i, s in enumerate(steps_data))
    ritual = Ritual(name, intent, steps, duration, variants,
                    str(body.get("partial", "ritual_partial")), str(body.get("cancelled", "ritual_cancelled")),
                    str(body.get("kind", "moment")), usual, str(body.get("pace") or ""))
    if ritual.kind not in ("moment", "appreciation"):
        raise DataError(path, f"{where}.kind", f"unknown kind {ritual.kind!r}", "use moment or appreciation")
    paces = voices.style.paces
    if ritual.pace and ritual.pace not in paces:
        raise DataError(path, f"{where}.pace", f"unknown pace {ritual.pace!r}",
                        "use one of the paces in voice.yaml: " + ", ".join(paces))
    for key in (ritual.partial, ritual.cancelled):
        _key(path, where, key, voices)
    if voices.has(f"{ritual.partial}_brief"):  # said instead of `partial` after a very short run
        _key(path, where, f"{ritual.partial}_brief", voices)
    return ritual


def _variants(path: Path, where: str, body: Any, voices: Voices) -> dict[str, Variant]:
    if not isinstance(body, dict):
        raise DataError(path, f"{where}.variants", "must be a mapping", "write `variants:` then `morning: {duration: ...}`")
    out: dict[str, Variant] = {}
    for name, v in body.items():
        w = f"{where}.variants.{name}"
        if not isinstance(v, dict) or set(v) - {"duration", "keys"}:
            raise DataError(path, w, "must have only `duration` and `keys`", "see the hug's morning variant")
        if v.get("duration") is not None and v["duration"] not in DURATION_KEYS:
            raise DataError(path, f"{w}.duration", f"unknown duration {v['duration']!r}", "use one of: " + ", ".join(sorted(DURATION_KEYS)))
        keys = v.get("keys") or {}
        if not isinstance(keys, dict):
            raise DataError(path, f"{w}.keys", "must map a key to its replacement", "write `keys: {hug_intro: hug_morning_intro}`")
        for new in keys.values():
            _key(path, f"{w}.keys", str(new), voices)
        out[str(name)] = Variant(v.get("duration"), {str(a): str(b) for a, b in keys.items()})
    return out


def _step(path: Path, where: str, body: Any, voices: Voices, questions: dict, duration: str | None) -> Step:
    if isinstance(body, str):
        body = {body: None} if body == "record" else {body: None}
    if not isinstance(body, dict) or not body:
        raise DataError(path, where, "a step must be a mapping like `say: KEY`", "write e.g. `- say: hug_intro`")
    kinds = [k for k in body if k in STEP_TYPES]
    if len(kinds) != 1:
        unknown = [k for k in body if k not in STEP_TYPES]
        raise DataError(path, where, f"unknown step type {unknown[0]!r}" if not kinds and unknown else "needs exactly one step type",
                        "use one of: " + ", ".join(STEP_TYPES))
    kind = kinds[0]
    cls = STEP_TYPES[kind]
    allowed = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in body.items():
        if key not in allowed:
            raise DataError(path, f"{where}.{key}", f"unknown field for a {kind} step", "use: " + ", ".join(allowed))
        if value is None and key == kind and kind == "record":
            continue
        values[key] = _field_value(path, f"{where}.{key}", allowed[key].type, value)
    step = cls(**values)
    _check_step(path, where, step, voices, questions, duration)
    return step


def _field_value(path: Path, where: str, type_name: Any, value: Any) -> Any:
    t = str(type_name)
    if t == "bool":
        ok = isinstance(value, bool)
    elif t == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    elif t == "int | None":
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0)
    elif t == "Length":
        ok = (isinstance(value, int) and not isinstance(value, bool) and value > 0) or \
             value == "duration" or value in DURATION_KEYS
    else:  # str or str | None
        ok = isinstance(value, str) or (value is None and "None" in t)
    if not ok:
        raise DataError(path, where, f"bad value {value!r} (expected {t})",
                        "lengths are seconds, `duration` or a [durations] key; flags are true/false")
    return value


def _check_step(path: Path, where: str, step: Step, voices: Voices, questions: dict, duration: str | None) -> None:
    for name in KEY_FIELDS:
        key = getattr(step, name, None)
        if key:
            _key(path, f"{where}.{name}", key, voices)
    if isinstance(step, ChimeStep) and step.chime not in CHIMES:
        raise DataError(path, f"{where}.chime", f"unknown chime {step.chime!r}", "use one of: " + ", ".join(sorted(CHIMES)))
    if isinstance(step, (WaitStep, BreatheStep)):
        length = step.wait if isinstance(step, WaitStep) else step.breathe
        if length == "duration" and duration is None:
            raise DataError(path, where, "uses `duration` but the ritual has no duration", "add `duration:` to the ritual")
    if isinstance(step, BreatheStep) and step.cues not in ("chimes", "words", "both"):
        raise DataError(path, f"{where}.cues", f"unknown cues {step.cues!r}", "use chimes, words or both")
    if isinstance(step, BreatheStep):
        for key in ("breathe_in", "breathe_out"):
            _key(path, where, key, voices)
    if isinstance(step, QuestionStep) and step.question not in questions:
        raise DataError(path, f"{where}.question", f"no question bank {step.question!r} in questions.yaml",
                        "use one of: " + (", ".join(questions) or "(add a questions.yaml)"))
    if isinstance(step, ListenStep) and (step.answers < 1 or step.timeout < 1):
        raise DataError(path, where, "answers and timeout must be at least 1", "write e.g. answers: 3, timeout: 120")
    if isinstance(step, CountStep) and not 1 <= step.count <= 60:
        raise DataError(path, f"{where}.count", "count must be 1..60", "write e.g. count: 5")
    if isinstance(step, RecordStep) and step.record not in ("moment", "appreciation"):
        raise DataError(path, f"{where}.record", f"unknown record kind {step.record!r}", "use moment or appreciation")


def _key(path: Path, where: str, key: str, voices: Voices) -> None:
    if not voices.has(key):
        raise DataError(path, where, f"response key {key!r} is missing from {voices.folder}",
                        f"add `{key}:` under `responses:` there, or fix the name")
    voices.check_slots(key, set(RITUAL_SLOTS))
