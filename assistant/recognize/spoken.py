"""An open-vocabulary engine's written text back into the spoken words the intents are made of.

Whisper writes "Start a 90-second hug, please." where the intents say "start a ninety second hug
please": digits become number words (in the intents' language, through the same spelling the
matcher reads), times and halves are said out, hyphens and punctuation go, case is dropped.
Fillers stay: the matcher knows its own filler words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Protocol


class Speller(Protocol):
    def spoken(self, number: int) -> str:
        """The main spoken form of `number` (digits when no words are known)."""


_ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth", 7: "seventh",
             8: "eighth", 9: "ninth", 10: "tenth", 11: "eleventh", 12: "twelfth", 20: "twentieth", 30: "thirtieth"}
_SYMBOLS = {"%": " percent ", "&": " and ", "+": " plus ", "@": " at ", "½": " and a half "}
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\b")
_HALF = re.compile(r"\b(\d+)\.5\b")
_DECIMAL = re.compile(r"\b(\d+)\.(\d+)\b")
_THOUSANDS = re.compile(r"\b(\d{1,3}(?:,\d{3})+)\b")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b")
_NUMBER = re.compile(r"\d+")
_OUT_OF = re.compile(r"\b(\d+)\s*/\s*(\d+)\b")
_UNIT = re.compile(r"\b(\d+)\s*(oz|mins?|secs?|hrs?)\b|\b(\d{1,3})(s)\b", re.IGNORECASE)
_UNITS = {"oz": "ounce", "min": "minutes", "mins": "minutes", "sec": "seconds", "secs": "seconds", "hr": "hour",
          "hrs": "hours", "s": "seconds"}
_NOT_WORD = re.compile(r"[^\w' ]+")


class _Digits:
    """Numbers left as digits (no speller for the language)."""

    def spoken(self, number: int) -> str:
        return str(number)


def spoken_text(text: str, numbers: Speller | None = None) -> str:
    """Lowercase words as said: digits spelled, punctuation and hyphens gone, apostrophes kept."""
    if not text:
        return ""
    say = numbers or _Digits()
    out = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    for symbol, words in _SYMBOLS.items():
        out = out.replace(symbol, words)
    out = _OUT_OF.sub(lambda m: f"{m.group(1)} out of {m.group(2)}", out)
    out = _UNIT.sub(lambda m: f"{m.group(1) or m.group(3)} {_UNITS[(m.group(2) or m.group(4)).lower()]}", out)
    out = _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), out)
    out = _TIME.sub(lambda m: _time(int(m.group(1)), int(m.group(2)), say), out)
    out = _HALF.sub(lambda m: f"{_number(int(m.group(1)), say)} and a half", out)
    out = _DECIMAL.sub(lambda m: f"{_number(int(m.group(1)), say)} point "
                                 + " ".join(_number(int(d), say) for d in m.group(2)), out)
    out = _ORDINAL.sub(lambda m: _ORDINALS.get(int(m.group(1)), _number(int(m.group(1)), say)), out)
    out = _NUMBER.sub(lambda m: f" {_number(int(m.group(0)), say)} ", out)
    out = out.lower().replace("-", " ").replace("_", " ")
    out = _NOT_WORD.sub(" ", out)
    words = [w.strip("'") for w in out.split()]
    return " ".join(w for w in words if w)


def _number(n: int, say: Speller) -> str:
    return say.spoken(n).replace("-", " ")


def _time(hours: int, minutes: int, say: Speller) -> str:
    if minutes == 0:
        return f"{_number(hours, say)} o'clock"
    if minutes < 10:
        return f"{_number(hours, say)} oh {_number(minutes, say)}"
    return f"{_number(hours, say)} {_number(minutes, say)}"
