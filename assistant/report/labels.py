"""The words on the report, read from `labels.yaml` beside this module and checked once at load time.

Code names a label by its dotted key ("summary.streak") and passes slots; a missing key, a
`{slot}` the code does not fill, or a wrong shape fails at load with the file and key named, so a
broken label never reaches a printed page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.dialog.voices import Voices, default_voices, read_yaml, slots_of
from assistant.errors import DataError

LABELS_FILE = Path(__file__).with_name("labels.yaml")

TEXTS: dict[str, tuple[str, ...]] = {
    "title": (), "for_couple": ("first", "second"), "made_at": ("when",), "written": ("path",),
    "periods.today": ("start", "end"), "periods.week": ("start", "end"), "periods.month": ("start", "end"),
    "periods.since": ("start", "end"),
    "lead.some": ("moments", "minutes"), "lead.none": (),
    **{f"headline.{k}": () for k in ("moments", "minutes", "streak", "best_streak", "easiest",
                                       "meaningful", "appreciations")},
    "headline.days_met": ("counted",),
    **{f"table.{k}": () for k in ("heading", "ritual", "moments", "completed", "partial", "cancelled", "outcomes", "minutes", "rating",
                                    "total", "none")},
    **{f"summary.{k}": () for k in ("minutes", "days_met", "no_minimums", "weeks_met", "streak", "forgiven", "easiest",
                                      "meaningful", "initiators", "offers", "no_offers", "appreciations", "nothing")},
    "summary.days_met_value": ("met", "counted"), "summary.weeks_met_value": ("met", "counted"),
    "summary.streak_value": ("current", "best"), "summary.best_span": ("start", "end"),
    "summary.easiest_value": ("ritual", "rate"), "summary.meaningful_value": ("ritual", "rating"),
    "summary.initiator_value": ("name", "n"), "summary.initiator_unknown": ("n",), "summary.offers_value": ("offered", "accepted"),
    **{f"charts.{k}": () for k in ("heading", "legend", "moments_day", "moments_week", "moments_month", "moments_axis",
                                     "minutes_week", "minutes_month", "minutes_axis", "so_far", "calendar",
                                     "calendar_last_year", "calendar_more", "calendar_forgiven",
                                     "ratings", "ratings_none", "initiators", "initiators_none", "initiators_unknown",
                                     "initiators_unknown_note", "offers",
                                     "offers_made", "offers_taken", "offers_none")},
    "charts.minutes_week_context": ("n",), "charts.calendar_context": ("n",), "charts.minutes_average": ("n",),
    "charts.ratings_count": ("rating", "n"), "charts.calendar_top": ("n",),
}
"""Every label the code uses, with the slots it fills."""
COUNTS = ("moments_count", "minutes_count", "days_count")
"""[singular, plural] pairs with an `{n}` slot."""
DATES = ("day", "short", "long", "month", "month_year", "year")


@dataclass(frozen=True)
class Labels:
    """Report labels plus the voices' ritual nouns (so "gratitude" reads "Round of thanks")."""

    data: Mapping[str, Any]
    voices: Voices
    path: Path = LABELS_FILE

    @classmethod
    def load(cls, path: Path = LABELS_FILE, voices: Voices | None = None) -> Labels:
        data = read_yaml(path)
        if not isinstance(data, dict):
            raise DataError(path, "", "must be a mapping of labels", "start with e.g. `title: ...`")
        labels = cls(data, voices or default_voices(), path)
        labels._check()
        return labels

    def _check(self) -> None:
        for key, allowed in TEXTS.items():
            unknown = slots_of(self._raw(key), self.path, key) - set(allowed)
            if unknown:
                raise DataError(self.path, key, f"unknown slot {{{sorted(unknown)[0]}}}",
                                "use only: " + (", ".join("{" + s + "}" for s in allowed) or "no slots"))
        for key in COUNTS:
            pair = self.data.get(key)
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise DataError(self.path, key, "must be [singular, plural]", 'write e.g. ["{n} day", "{n} days"]')
        dates = self.data.get("dates")
        if not isinstance(dates, dict) or any(not isinstance(dates.get(k), str) for k in DATES):
            raise DataError(self.path, "dates", "needs day, short, long, month, month_year and year formats",
                            'write strftime codes, e.g. day: "%a %-d %b"')
        days = dates.get("weekdays")
        if not (isinstance(days, list) and len(days) == 7 and all(isinstance(d, str) for d in days)):
            raise DataError(self.path, "dates.weekdays", "must list seven day names, Monday first",
                            "write [Mon, Tue, Wed, Thu, Fri, Sat, Sun]")

    def _raw(self, key: str) -> str:
        node: Any = self.data
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, str):
            raise DataError(self.path, key, "is missing or not text", f"add `{key}` (see the file's other labels)")
        return node

    def text(self, key: str, **slots: Any) -> str:
        return self._raw(key).format_map(slots)

    def count(self, key: str, n: float, shown: str | None = None) -> str:
        """"3 moments" / "1 moment"; `shown` is the number as displayed (e.g. "37.5")."""
        singular, plural = self.data[key]
        return (singular if n == 1 else plural).format(n=shown if shown is not None else n)

    def date(self, day: dt.date, form: str = "day") -> str:
        return day.strftime(self.data["dates"][form])

    def whole(self, n: float) -> str:
        """A rounded number with the language's thousands separator: 36,500."""
        return f"{round(n):,}".replace(",", str(self.data["dates"].get("thousands", ",")))

    def tenths(self, n: float) -> str:
        """One decimal, thousands separated: 15,286.0."""
        return f"{n:,.1f}".replace(",", str(self.data["dates"].get("thousands", ",")))

    def weekday(self, index: int) -> str:
        return self.data["dates"]["weekdays"][index]

    def ritual(self, name: str) -> str:
        """The ritual as a heading: "Hug", "Round of thanks" (unknown names read as written)."""
        noun = self.voices.noun(name).replace("_", " ")
        return noun[:1].upper() + noun[1:]
