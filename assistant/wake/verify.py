"""The second wake stage: does this utterance really begin with the wake phrase?

The first stage is generous (every stretch of speech the VAD hands over, and whatever the engines
wrote for it). Here each hypothesis is turned two ways, with the wake phrase at its start ("hey
tandem start a hug", also replacing the first words Whisper wrote for it: "hey random start a hug")
and without it (what was written, or what follows the phrase), and Whisper scores every form on the
same audio. The utterance woke Tandem when the best form *with* the phrase beats the best form
*without* it by `margin` nats: a likelihood-ratio test on the words, not a keyword hunt. "Hey, can
you pass the salt" scores far lower as "hey tandem you pass the salt" than as itself; a real
"hey tandem" scores far lower without the word "tandem".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)

DEFAULT_MARGIN = -4.5
"""Nats, when only Whisper judges. Measured on the corpus's dev wake commands and dev kitchen talk
(the test split never), spoken by espeak-ng, flite and Piper at 12 dB: kitchen talk the spotter did not
flag scored at most -6.8; Whisper tiny hears synthetic voices' "hey tandem" badly ("they tend in",
"chat and the"), so real cues spread from about -12 up."""
CONFIRMED_MARGIN = -15.0
"""Nats, when the first stage's keyphrase spotter (pocketsphinx) also heard the phrase: flagged kitchen
talk scored -22 and below (but for one trap line, "hey, tender or well done", at -3); a bare "hey tandem"
cut off by a pause scored -8 to -12."""
NAME_LIKE = 50.0
"""How alike (rapidfuzz's `fuzz.ratio`, 0-100) the word or two written where the phrase's name belongs must be
to the name to count as a near miss of it (`name_alike`): "tanner", "tanya", "tamsen", "tandy" and "tan them"
score 50-77 against "tandem"; "there", "danny" and "can" 36 or less."""
ALIKES_DIR = Path(__file__).parent / "data"
"""Where a phrase's sound-alikes live, as data beside its model: `<phrase_with_underscores>_alikes.yaml`."""


@lru_cache(maxsize=8)
def sound_alikes(phrase: str) -> dict[str, Any]:
    """The phrase's sound-alikes file: `rivals` (words -> handicap in nats, `rivals`), and the negatives the
    model is trained on (`traps`, `hard_negatives`); empty when the phrase has none or the file cannot be read
    (said in the log)."""
    key = "_".join(phrase.lower().split())
    path = ALIKES_DIR / f"{key}_alikes.yaml"
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found: dict[str, Any] = {name: tuple(" ".join(str(x).split()) for x in data.get(name) or ())
                                 for name in ("traps", "hard_negatives")}
        found["rivals"] = {" ".join(str(entry["words"] if isinstance(entry, dict) else entry).lower().split()):
                           float(entry.get("handicap", 0.0)) if isinstance(entry, dict) else 0.0
                           for entry in data.get("rivals") or ()}
        return found
    except (OSError, yaml.YAMLError, AttributeError, TypeError, KeyError, ValueError) as error:
        # never stops the loop: the phrase is checked without rivals
        log.warning("%s could not be read (%s): the wake phrase is checked without its sound-alikes "
                    "(fix: reinstall Tandem, or restore the file from its source tree)", path, error)
        return {}


def rivals(phrase: str) -> dict[str, float]:
    """What people say that sounds most like the wake phrase, scored in its place before the same words (the
    rival test, `WakeVerdict.rival_margin`; `sound_alikes`' `rivals`), each with its handicap: nats its score
    is lowered by, for a rival Whisper tiny also writes for a real phrase now and then ("say tandem"). Whisper
    tiny often writes a synthetic voice's "hey tandem" as other words ("eight and a", "they tend"), so the
    margin against what it wrote must stay lenient; against its sound-alikes the real phrase still wins."""
    return sound_alikes(" ".join(phrase.lower().split())).get("rivals", {})


@dataclass(frozen=True)
class WakeVerdict:
    woke: bool
    margin: float
    """Log-likelihood of the best form with the phrase minus the best without it (nats)."""
    with_phrase: list[tuple[str, float]] = field(default_factory=list)
    """Forms that begin with the wake phrase and their scores, best first."""
    without: list[tuple[str, float]] = field(default_factory=list)
    spotted: bool = False
    """A keyphrase spotter heard the phrase too."""
    own_margin: float = math.inf
    """The phrase's best form against the likeliest of what the engines wrote when they wrote a word near its
    name in its place ("hey tanner your lunch", `name_alike`; nats): Whisper heard a name, and names are endless,
    so no rivals file lists them. Free: those readings are among the forms without the phrase, already scored.
    Infinite when no hypothesis reads so."""
    rival_test: Callable[[], float] | None = field(default=None, compare=False, repr=False)
    """Scores the sound-alikes when first asked (`rival_margin`): one more batch, which only a doubtful wake
    needs."""

    @cached_property
    def rival_margin(self) -> float:
        """The phrase before the first hypothesis's words against its likeliest sound-alike before the same
        words (`rivals`, nats): its best form against the best sound-alike form, wherever the phrase is taken to
        end; infinite when it has no rivals."""
        return math.inf if self.rival_test is None else self.rival_test()


def rival_forms(text: str, phrase: str) -> dict[str, dict[str, float]]:
    """For each form of `text` with the phrase at its start: the same words after each of the phrase's rivals
    (-> the rival's handicap)."""
    alikes = rivals(phrase)
    if not alikes:
        return {}
    wake = len(phrase.split())
    return {form: {f"{rival} {' '.join(form.split()[wake:])}".strip(): handicap for rival, handicap in alikes.items()}
            for form in wake_forms(text, phrase)[0]}


def name_alike(text: str, phrase: str, likeness: float = NAME_LIKE, rhymes: bool = True) -> bool:
    """`text` opens with the phrase's words but for its last (the name: "tandem"), where it has one or two
    words spelled like the name but not it: "hey tanner ...", "hey tamsen ...", "hey tan them ..." (not "hey
    tandem ...", "hey there ...", "a tandem ..."). With `rhymes`, a lead word may also be spelled as the
    phrase's rhyme ("pay tenders ...", "say tanner ...": `_rhymes`), never "they" or "a", which Whisper tiny
    writes for a real "hey"."""
    from rapidfuzz import fuzz

    *lead, name = phrase.split() or [""]
    words = text.split()
    rest = words[len(lead):]
    opening = words[: len(lead)]
    if len(opening) != len(lead) or not rest or rest[0] == name:
        return False
    if opening != lead and not (rhymes and all(a == b or _rhymes(a, b) for a, b in zip(opening, lead))):
        return False
    return any(fuzz.ratio("".join(rest[:k]), name) >= likeness for k in (1, 2) if len(rest) >= k)


def _rhymes(a: str, b: str) -> bool:
    """Spelled as a rhyme: same length, same last letter after a vowel ("pay", "say", "hay" / "hey")."""
    vowels = "aeiou"
    return (len(a) == len(b) >= 2 and a[-1] == b[-1] and a[-2] in vowels and b[-2] in vowels)


def wake_forms(text: str, phrase: str) -> tuple[list[str], list[str]]:
    """(forms with the phrase at the start, forms without it) for one hypothesis."""
    wake = phrase.split()
    words = text.split()
    if not wake:
        return [], [text]
    if words[: len(wake)] == wake:
        return [text], [" ".join(words[len(wake):])]
    with_phrase = [" ".join(wake + words)]
    for k in range(1, min(len(wake) + 1, len(words)) + 1):  # the phrase written as other words
        with_phrase.append(" ".join(wake + words[k:]))
    return with_phrase, [text]


def verify_wake(score: Callable[[list[str]], list[float]], hypotheses: Sequence[str], phrase: str,
                margin: float = DEFAULT_MARGIN, spotted: bool = False,
                confirmed_margin: float = CONFIRMED_MARGIN) -> WakeVerdict:
    """Score every with/without form of the hypotheses (one batch) and decide: woke when the gap reaches
    `margin`, or `confirmed_margin` when a keyphrase spotter heard the phrase too (`spotted`)."""
    withs: list[str] = []
    withouts: list[str] = []
    for text in hypotheses:
        w, wo = wake_forms(text, phrase)
        withs += [t for t in w if t not in withs]
        withouts += [t for t in wo if t not in withouts]
    texts = withs + [t for t in withouts if t not in withs]
    if not withs:
        return WakeVerdict(False, -math.inf, spotted=spotted)
    scores = dict(zip(texts, score(texts)))
    rivals = rival_forms(hypotheses[0], phrase)

    def rival_test() -> float:
        # the phrase's best form against the likeliest sound-alike wherever the phrase is taken to end, not
        # form by form: a form that splits the words badly ("hey tandem hey tanner your lunch") beats its own
        # rivals ("hey tanner hey tanner your lunch") and used to pass for the phrase (dev replay in FusedSettings)
        new = list(dict.fromkeys(t for forms in rivals.values() for t in forms if t not in scores))
        got = {**scores, **dict(zip(new, score(new)))} if new else scores
        return (max(got[form] for form in rivals)
                - max(got[t] - handicap for forms in rivals.values() for t, handicap in forms.items()))
    ranked_with = sorted(((t, scores[t]) for t in withs), key=lambda p: p[1], reverse=True)
    ranked_without = sorted(((t, scores[t]) for t in withouts if t not in withs), key=lambda p: p[1], reverse=True)
    best_without = ranked_without[0][1] if ranked_without else -math.inf
    gap = ranked_with[0][1] - best_without
    woke = gap >= margin or (spotted and gap >= confirmed_margin)
    named = [s for t, s in ranked_without if name_alike(t, phrase)]
    own = ranked_with[0][1] - named[0] if named else math.inf
    return WakeVerdict(woke, gap, ranked_with, ranked_without, spotted, own_margin=own,
                       rival_test=rival_test if rivals else None)
