"""`tandem report --html`: one self-contained page, charts inline, nothing fetched from anywhere.

The page is `page.html` (package data) filled with escaped text and the SVGs from `charts.py`.
It uses the system font stack, a Content-Security-Policy that forbids every network load, and
CSS that keeps it readable on a 390 px phone and sensible on paper. It holds the couple's names,
so it is written atomically (temporary file, fsync, `os.replace`) and readable by its owner only.
"""

from __future__ import annotations

import os
import tempfile
from html import escape
from pathlib import Path
from string import Template

from assistant.errors import TandemError
from assistant.journal.figures import Figures
from assistant.report.charts import Chart, all_charts
from assistant.report.labels import Labels
from assistant.report.table import (
    lead,
    number,
    period_heading,
    ritual_rows,
    summary_rows,
)

TEMPLATE = Path(__file__).with_name("page.html")
WIDE = frozenset({"calendar"})
"""Charts that span the whole row on a wide screen."""


def headline(figures: Figures, labels: Labels) -> list[tuple[str, str, bool]]:
    """(big value, caption, is_word) cards, leading with what went well; a zero is left out, never shown as a lack."""
    t = labels.text
    cards: list[tuple[str, str, bool]] = []
    big = labels.whole
    if figures.total_moments:
        cards.append((big(figures.total_moments), t("headline.moments"), False))
    if figures.total_minutes >= 0.5:
        minutes = number(figures.total_minutes) if figures.total_minutes < 10 else big(figures.total_minutes)
        cards.append((minutes, t("headline.minutes"), False))
    if figures.streak.current > 1:
        cards.append((big(figures.streak.current), t("headline.streak"), False))
    if figures.streak.best > max(1, figures.streak.current):
        cards.append((big(figures.streak.best), t("headline.best_streak"), False))
    if figures.days_met:
        cards.append((big(figures.days_met), t("headline.days_met", counted=big(figures.days_counted)), False))
    if figures.easiest:
        cards.append((labels.ritual(figures.easiest), t("headline.easiest"), True))
    if figures.meaningful:
        cards.append((labels.ritual(figures.meaningful), t("headline.meaningful"), True))
    if figures.appreciations:
        cards.append((big(figures.appreciations), t("headline.appreciations"), False))
    return cards


def _chart_html(chart: Chart) -> str:
    classes = "chart wide" if chart.key in WIDE else "chart"
    parts = [(chart, "only-wide" if chart.narrow else "")]
    if chart.narrow:
        parts.append((chart.narrow, "only-narrow"))
    inner = []
    for part, only in parts:
        attr = f' class="{only}"' if only else ""
        inner.append(f"<figcaption{attr}>{escape(part.title)}</figcaption>")
        if part.svg is None:
            inner.append(f'<p class="empty">{escape(part.empty)}</p>')
            continue
        extra = f" {only}" if only else ""
        style = f' style="max-width:{part.max_width}px"' if part.max_width else ""
        inner.append(part.svg.replace('class="chart-svg"', f'class="chart-svg{extra}"{style}', 1))
        if part.note:
            inner.append(f'<p class="note{extra}">{escape(part.note)}</p>')
    return f'<figure class="{classes}" data-chart="{chart.key}">\n' + "\n".join(inner) + "\n</figure>"


def _table_html(figures: Figures, labels: Labels) -> str:
    """The per-ritual table; finished, partial and cancelled share one column so it fits a phone."""
    if not figures.rituals:
        return f"<p>{escape(labels.text('table.none'))}</p>"
    rows = [[r[0], r[1], " / ".join(r[2:5]) if i else labels.text("table.outcomes"), r[5], r[6]]
            for i, r in enumerate(ritual_rows(figures, labels))]
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in rows[0])
    body = []
    for i, row in enumerate(rows[1:], 1):
        total = len(figures.rituals) > 1 and i == len(rows) - 1
        cells = f'<th scope="row">{escape(row[0])}</th>' + "".join(f"<td>{escape(c)}</td>" for c in row[1:])
        body.append(f'<tr class="total">{cells}</tr>' if total else f"<tr>{cells}</tr>")
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>"


def render_page(figures: Figures, context: Figures, labels: Labels, partners: tuple[str, str]) -> str:
    """The whole HTML page. `context` covers at least eight weeks for the weekly chart and the calendar."""
    colours, charts = all_charts(figures, context, labels)
    legend_rituals = [r for r in dict.fromkeys([*figures.rituals, *figures.offers])]
    legend = "\n".join(
        f'<li><svg viewBox="0 0 10 10" aria-hidden="true"><rect width="10" height="10" rx="2" fill="{colours[r]}"/></svg>'
        f"{escape(labels.ritual(r))}</li>" for r in legend_rituals)
    cards = "\n".join(
        f'<li><span class="big{" word" if word else " long" if len(value) > 5 else ""}">{escape(value)}</span>'
        f'<span class="what">{escape(what)}</span></li>'
        for value, what, word in headline(figures, labels))
    summary = "\n".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in summary_rows(figures, labels))
    couple = f'<p class="couple">{escape(labels.text("for_couple", first=partners[0], second=partners[1]))}</p>\n'
    when = labels.date(figures.now.date(), "long") + figures.now.strftime(" %H:%M")
    try:
        template = Template(TEMPLATE.read_text(encoding="utf-8"))
    except OSError as error:
        raise TandemError(f"the report page template {TEMPLATE} cannot be read ({error})",
                          "reinstall Tandem (pip install -e .)") from error
    return template.substitute(
        lang="en",
        title=escape(labels.text("title")),
        couple=couple,
        period=escape(period_heading(figures, labels)),
        lead=escape(lead(figures, labels)),
        headline=cards,
        charts_heading=escape(labels.text("charts.heading")),
        legend_label=escape(labels.text("charts.legend")),
        legend=legend,
        charts="\n".join(_chart_html(c) for c in charts),
        figures_heading=escape(labels.text("table.heading")),
        table=_table_html(figures, labels),
        summary=summary,
        footer=escape(labels.text("made_at", when=when)),
    )


def _cannot(path: Path, why: str) -> TandemError:
    return TandemError(f"cannot write the report page to {path}: {why}",
                       "give --html a file in a folder you can write to, e.g. --html ~/our-week.html")


def check_target(path: Path) -> None:
    """Fail before any work when the page could not be written there."""
    if path.is_dir():
        raise _cannot(path, "that is a folder")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise _cannot(path, f"the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise _cannot(path, f"the folder {parent} is not writable")


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, readable and writable by its owner only (mode 0600)."""
    check_target(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(dir=parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise _cannot(path, error.strerror or str(error)) from error
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as error:
        Path(temp).unlink(missing_ok=True)
        raise _cannot(path, error.strerror or str(error)) from error
