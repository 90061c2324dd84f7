"""The page's charts, drawn by matplotlib into inline SVG: one function per chart.

matplotlib is a well-kept charting library; we use its object API (`Figure`) on the Agg/SVG
backends only, never pyplot or a GUI, so drawing is safe in any process and leaves no global
state behind. Text stays text in the SVG (`svg.fonttype: none`) and takes the page's system font;
each SVG keeps its viewBox and loses its fixed size, so it scales to any width. Each ritual keeps
one colour on every chart (`ritual_colours`). Titles live on the page, not in the SVG.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from html import escape

import matplotlib

matplotlib.use("Agg")  # never a GUI, even if pyplot is imported later in this process

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from assistant.journal.figures import (
    APPRECIATION,
    DayFigures,
    Figures,
    Period,
    monday_of,
)
from assistant.report.labels import Labels

INK = "#3a322c"
MUTED = "#7a6e63"
GRID = "#e9e1d6"
EMPTY = "#efe8de"
CARD = "#fffdf9"
"""The page's card colour, behind labels that sit on bars."""
ACCENT = "#c8553d"
PALETTE = {
    "hug": "#c8553d", "gratitude": "#d99a2b", "breathing": "#4f8a74", "check_in": "#8a6a9a", "walk": "#3f78a8",
    "hold_hands": "#d07f8c", "curiosity": "#7f9140", "repair": "#4e8d95", "appreciation": "#a7714a",
}
"""Warm, calm, distinguishable colours for the known rituals (mid-tones: readable on cream and in print)."""
SPARE = ("#b5654f", "#5e8f60", "#9b7bb5", "#c08a3e", "#4a8c8c", "#8c6f5a", "#6b7fb0", "#b0788f")
"""For ritual names Tandem does not know, in name order."""
CALENDAR_RAMP = ("#d7e7d0", "#a6c99b", "#6ea565", "#3f7a45")
"""One, two, three, four or more moments in a day: a calm sage green, one shade per count (a couple's
days hold a handful, so counts are told apart exactly rather than by quartiles that collapse)."""
TOGETHER = "#7d6b5d"
"""Minutes together, all rituals at once: a warm neutral that is no ritual's colour."""
PARTNER_COLOURS = ("#5f7d95", "#b07d62")
UNKNOWN = "#c9bfb3"
"""Moments whose starter nobody said: muted, so they read as "not known", not as a third person."""
WIDTH = 5.0
"""Inches: 360 SVG units wide, drawn about 344 px wide on a 390 px phone, so 12-point text (the
smallest used) stays above 11 px there."""
SMALL = 12
"""Points: the smallest text on a chart."""
RC = {
    "svg.fonttype": "none", "svg.hashsalt": "tandem", "font.size": 13, "font.family": "sans-serif",
    "axes.edgecolor": GRID, "axes.labelcolor": MUTED, "axes.spines.top": False, "axes.spines.right": False,
    "axes.spines.left": False, "xtick.color": MUTED, "ytick.color": MUTED, "text.color": INK,
    "xtick.major.size": 0, "ytick.major.size": 0, "axes.axisbelow": True, "figure.facecolor": "none",
    "axes.facecolor": "none", "savefig.facecolor": "none", "savefig.transparent": True,
}
DAYS_PER_DAY_BAR = 62
"""Up to two months of days get a bar each; longer stretches a bar per week, beyond two years per month."""
DAYS_PER_WEEK_BAR = 731
WEEKS_PER_WEEK_BAR = 104
CALENDAR_WEEKS = 53
PHONE_CALENDAR_WEEKS = 17
"""About four months: cells big enough to see on a phone."""


@dataclass(frozen=True)
class Chart:
    """One chart for the page: `key` names it (for tests and CSS), `title` is its caption."""

    key: str
    title: str
    svg: str | None
    """None when there is nothing to draw; `empty` then says so kindly."""
    empty: str = ""
    max_width: int | None = None
    """CSS pixels: small grids should not be blown up to the full page width."""
    narrow: Chart | None = None
    """A variant shown instead on phone-sized screens (a year of days is too fine there)."""
    note: str = ""
    """A line under the chart that says how to read it."""


def ritual_colours(names: Iterable[str]) -> dict[str, str]:
    """One colour per ritual, the same on every chart and every report."""
    unknown = sorted({n for n in names if n not in PALETTE})
    colours = dict(PALETTE)
    colours.update({name: SPARE[i % len(SPARE)] for i, name in enumerate(unknown)})
    return colours


# ---- the charts --------------------------------------------------------------------------------

def moments_chart(figures: Figures, colours: dict[str, str], labels: Labels) -> Chart:
    """Moments per day stacked by ritual; per week or per month for long stretches (the title says so)."""
    unit = _unit(len(figures.days))
    title = labels.text(f"charts.moments_{unit}")
    order = [r for r in figures.rituals]
    if not figures.total_moments:
        return Chart("moments", title, None, labels.text("table.none"))
    buckets = _buckets(figures.days, unit)
    fig, ax = _figure(2.9)
    x = range(len(buckets))
    bottom = [0.0] * len(buckets)
    width = 0.72 if len(buckets) <= 31 else 0.9
    for ritual in order:
        heights = [counts.get(ritual, 0) for _, counts, _ in buckets]
        if any(heights):
            ax.bar(x, heights, bottom=bottom, color=colours[ritual], width=width, linewidth=0,
                   label=labels.ritual(ritual))
            bottom = [b + h for b, h in zip(bottom, heights)]
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_ylabel(labels.text("charts.moments_axis"))
    _date_ticks(ax, [start for start, _, _ in buckets], unit, labels)
    ax.set_xlim(-0.6, len(buckets) - 0.4)
    return Chart("moments", title, _svg(fig, "moments", title))


def minutes_chart(context: Figures, labels: Labels, period: Period | None = None) -> Chart:
    """Minutes together per Monday-to-Sunday week (at least the last eight); per month beyond two years.

    `period` is the one the report is about, when `context` reaches further back than it (the title says so).
    """
    weeks = context.weeks
    if len(weeks) > WEEKS_PER_WEEK_BAR:
        unit = "month"
        buckets = _buckets(context.days, "month")
        starts = [start for start, _, _ in buckets]
        values = [minutes for _, _, minutes in buckets]
        title = labels.text("charts.minutes_month")
    else:
        unit = "week"
        starts = [w.start for w in weeks]
        values = [w.minutes for w in weeks]
        wider = period is not None and context.period.start < monday_of(period.start)
        title = labels.text("charts.minutes_week_context", n=len(weeks)) if wider else labels.text("charts.minutes_week")
    if not any(values):
        return Chart("minutes", title, None, labels.text("table.none"))
    fig, ax = _figure(2.6)
    open_last = starts[-1] <= context.now.date() < _next(starts[-1], unit)
    colours = [TOGETHER] * len(values)
    if open_last:
        colours[-1] = _pale(TOGETHER, 0.45)  # the week (or month) still going: lighter, and said so
    ax.bar(range(len(values)), values, color=colours, width=0.72 if len(values) <= 31 else 0.9, linewidth=0)
    closed = values[:-1] if open_last and len(values) > 1 else values
    begun = next((i for i, v in enumerate(closed) if v), len(closed))
    closed = closed[begun:] or values  # weeks before the first moment are not "weeks you had"
    average = sum(closed) / len(closed)
    ax.axhline(average, color=MUTED, linewidth=1, linestyle=(0, (4, 3)))
    # The average's label sits at the right, unless the open bar's "so far" would sit on it there.
    crowded = open_last and abs(values[-1] - average) < 0.15 * max(values)
    ax.annotate(labels.text("charts.minutes_average", n=f"{average:.0f}"), (0 if crowded else 1, average),
                xycoords=("axes fraction", "data"), xytext=(0, 3), textcoords="offset points",
                ha="left" if crowded else "right", va="bottom", color=MUTED, fontsize=SMALL,
                bbox={"facecolor": CARD, "edgecolor": "none", "pad": 1.5})
    if open_last and len(values) <= 31:
        ax.annotate(labels.text("charts.so_far"), (len(values) - 1, values[-1]), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", color=MUTED, fontsize=SMALL)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_ylabel(labels.text("charts.minutes_axis"))
    ax.set_ylim(0, max(values) * 1.15)
    _date_ticks(ax, starts, unit, labels)
    ax.set_xlim(-0.6, len(values) - 0.4)
    return Chart("minutes", title, _svg(fig, "minutes", title))


def calendar_chart(context: Figures, labels: Labels, weeks: int = CALENDAR_WEEKS, key: str = "calendar") -> Chart:
    """A GitHub-style grid of days (weeks across, Monday at the top) coloured by moments; forgiven days ringed.

    Shows at most `weeks` weeks, ending today; a year-long grid also gets a narrower twin for phones.
    """
    first = monday_of(context.days[-1].day) - timedelta(weeks=weeks - 1)
    days = [d for d in context.days if d.day >= first]
    first = monday_of(days[0].day)
    weeks_shown = (monday_of(days[-1].day) - first).days // 7 + 1
    cut = len(days) < len(context.days)
    if cut and weeks >= CALENDAR_WEEKS:
        title = labels.text("charts.calendar_last_year")
    elif cut or weeks_shown > 2:
        title = labels.text("charts.calendar_context", n=weeks_shown)
    else:
        title = labels.text("charts.calendar")
    forgiven = set(context.streak.forgiven)
    totals = [sum(d.counts.values()) for d in days]
    cell, gap, inches = 1.0, 0.18, 0.2
    size = 8 if weeks_shown <= 10 else 10
    """A few weeks' grid is drawn large on a phone; a longer one needs bigger text to stay above 11 px."""
    per_char = 0.6 * size / (inches * 72)
    """Cells one character of text takes, roughly: the legend must fit inside the figure."""
    left, top_room, bottom_room = 2.6, 1.6, 3.4 + (1.2 if forgiven else 0)
    right = max(weeks_shown + 0.5, 5.6 + per_char * len(labels.text("charts.calendar_more")),
                1.8 + per_char * len(labels.text("charts.calendar_forgiven")) if forgiven else 0)
    fig = Figure(figsize=((right + left) * inches, (7 + top_room + bottom_room) * inches))
    with matplotlib.rc_context(RC):
        ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-left, right)
    ax.set_ylim(7 + bottom_room, -top_room)
    ax.axis("off")
    today = context.now.date()
    for d, total in zip(days, totals):
        col = (d.day - first).days // 7
        row = d.day.weekday()
        colour = EMPTY if total == 0 else CALENDAR_RAMP[shade_level(total)]
        edge = INK if d.day == today else "none"
        ax.add_patch(Rectangle((col + gap / 2, row + gap / 2), cell - gap, cell - gap, facecolor=colour,
                               edgecolor=edge, linewidth=1.2 if edge != "none" else 0))
        if d.day in forgiven:
            ax.add_patch(Rectangle((col + 0.3, row + 0.3), 0.4, 0.4, facecolor="none", edgecolor=ACCENT, linewidth=1.4))
    text = {"fontsize": size, "color": MUTED}
    for row in (0, 2, 4):
        ax.text(-0.3, row + 0.5, labels.weekday(row), ha="right", va="center", **text)
    shown_month = None
    for col in range(weeks_shown):
        monday = first + timedelta(weeks=col)
        if monday.month != shown_month:
            room = col > 0 or (monday + timedelta(weeks=2)).month == monday.month
            if room and col < weeks_shown - 1:
                ax.text(col + 0.05, -0.4, labels.date(monday, "month"), ha="left", va="bottom", **text)
            shown_month = monday.month
    # legend: each shade with its count under it (0 1 2 3 4+) "moments a day", and the forgiven mark
    y = 7.6
    counts = [labels.whole(n) for n in range(len(CALENDAR_RAMP))]
    counts.append(labels.text("charts.calendar_top", n=labels.whole(len(CALENDAR_RAMP))))
    for i, colour in enumerate((EMPTY, *CALENDAR_RAMP)):
        ax.add_patch(Rectangle((i + gap / 2, y + gap / 2), cell - gap, cell - gap, facecolor=colour, linewidth=0))
        ax.text(i + 0.5, y + 1.15, counts[i], ha="center", va="top", **text)
    ax.text(5.15, y + 0.45, labels.text("charts.calendar_more"), ha="left", va="center", **text)
    if forgiven:
        y += 2.4
        ax.add_patch(Rectangle((0 + gap / 2, y + gap / 2), cell - gap, cell - gap, facecolor=EMPTY, linewidth=0))
        ax.add_patch(Rectangle((0.3, y + 0.3), 0.4, 0.4, facecolor="none", edgecolor=ACCENT, linewidth=1.4))
        ax.text(1.3, y + 0.45, labels.text("charts.calendar_forgiven"), ha="left", va="center", **text)
    natural = int((right + left) * inches * 96 * 1.4)
    return Chart(key, title, _svg(fig, key, title), max_width=max(natural, 300))


def ratings_chart(figures: Figures, colours: dict[str, str], labels: Labels) -> Chart:
    """Average rating (1..5) per ritual, with how many ratings it rests on."""
    title = labels.text("charts.ratings")
    rated = [r for r in figures.rituals.values() if r.average_rating is not None]
    if not rated:
        return Chart("ratings", title, None, labels.text("charts.ratings_none"))
    fig, ax = _figure(0.5 + 0.42 * len(rated))
    y = list(range(len(rated)))
    ax.barh(y, [r.average_rating or 0 for r in rated], color=[colours[r.ritual] for r in rated], height=0.62)
    for i, r in enumerate(rated):
        ax.text((r.average_rating or 0) + 0.08, i, labels.text("charts.ratings_count", rating=f"{r.average_rating:.1f}",
                                                               n=labels.whole(r.ratings)), va="center", fontsize=SMALL, color=INK)
    ax.set_yticks(y, [labels.ritual(r.ritual) for r in rated])
    ax.tick_params(axis="y", colors=INK)
    ax.invert_yaxis()
    ax.set_xlim(0, 5.9)
    ax.set_xticks(range(6))
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    return Chart("ratings", title, _svg(fig, "ratings", title))


def initiators_chart(figures: Figures, labels: Labels) -> Chart:
    """Who started how many moments: rotation made visible, never a scoreboard (no winner colour).
    Moments nobody said who started get their own muted "not known" bar: they are never shared out."""
    title = labels.text("charts.initiators")
    people = [(name, n, PARTNER_COLOURS[i % 2]) for i, (name, n) in enumerate(figures.initiators.items())]
    if figures.initiators_unknown:
        people.append((labels.text("charts.initiators_unknown"), figures.initiators_unknown, UNKNOWN))
    if not people:
        return Chart("initiators", title, None, labels.text("charts.initiators_none"))
    note = labels.text("charts.initiators_unknown_note") if figures.initiators_unknown else ""
    total = sum(n for _, n, _ in people)
    fig, ax = _figure(0.5 + 0.45 * len(people))
    y = list(range(len(people)))
    ax.barh(y, [n for _, n, _ in people], color=[colour for _, _, colour in people], height=0.6)
    top = max(n for _, n, _ in people)
    for i, (_, n, _) in enumerate(people):
        ax.text(n + top * 0.02, i, f"{labels.whole(n)} ({100 * n / total:.0f}%)", va="center", fontsize=SMALL, color=INK)
    ax.set_yticks(y, [name for name, _, _ in people])
    ax.tick_params(axis="y", colors=INK)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    return Chart("initiators", title, _svg(fig, "initiators", title), note=note)


def offers_chart(figures: Figures, colours: dict[str, str], labels: Labels) -> Chart:
    """Per ritual: offers made (pale) and taken up (full colour)."""
    title = labels.text("charts.offers")
    offers = [o for o in figures.offers.values() if o.offered]
    if not offers:
        return Chart("offers", title, None, labels.text("charts.offers_none"))
    fig, ax = _figure(0.8 + 0.62 * len(offers))
    y = list(range(len(offers)))
    made = ax.barh([i - 0.18 for i in y], [o.offered for o in offers], height=0.34,
                   color=[_pale(colours[o.ritual]) for o in offers], label=labels.text("charts.offers_made"))
    taken = ax.barh([i + 0.18 for i in y], [o.accepted for o in offers], height=0.34,
                    color=[colours[o.ritual] for o in offers], label=labels.text("charts.offers_taken"))
    top = max(o.offered for o in offers)
    for i, o in enumerate(offers):
        ax.text(o.offered + top * 0.02, i - 0.18, labels.whole(o.offered), va="center", fontsize=SMALL, color=MUTED)
        ax.text(o.accepted + top * 0.02, i + 0.18, labels.whole(o.accepted), va="center", fontsize=SMALL, color=INK)
    ax.set_yticks(y, [labels.ritual(o.ritual) for o in offers])
    ax.tick_params(axis="y", colors=INK)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.25)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.grid(axis="x", color=GRID, linewidth=0.8)
    ax.legend(handles=[made, taken], loc="lower right", frameon=False, fontsize=SMALL, ncols=2,
              bbox_to_anchor=(1, 1), borderaxespad=0.2)
    return Chart("offers", title, _svg(fig, "offers", title))


def all_charts(figures: Figures, context: Figures, labels: Labels) -> tuple[dict[str, str], list[Chart]]:
    """The ritual colours and every chart, in page order."""
    colours = ritual_colours([*figures.rituals, *context.rituals, *figures.offers])
    return colours, [
        moments_chart(figures, colours, labels),
        minutes_chart(context, labels, figures.period),
        _calendar_with_phone_twin(context, labels),
        ratings_chart(figures, colours, labels),
        initiators_chart(figures, labels),
        offers_chart(figures, colours, labels),
    ]


def _calendar_with_phone_twin(context: Figures, labels: Labels) -> Chart:
    chart = calendar_chart(context, labels)
    if len(context.days) <= PHONE_CALENDAR_WEEKS * 7:
        return chart
    return replace(chart, narrow=calendar_chart(context, labels, PHONE_CALENDAR_WEEKS, "calendar-phone"))


# ---- helpers -----------------------------------------------------------------------------------

def _unit(days: int) -> str:
    return "day" if days <= DAYS_PER_DAY_BAR else "week" if days <= DAYS_PER_WEEK_BAR else "month"


def _bucket_start(day: date, unit: str) -> date:
    return day if unit == "day" else monday_of(day) if unit == "week" else day.replace(day=1)


def _next(start: date, unit: str) -> date:
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(weeks=1)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def _buckets(days: Sequence[DayFigures], unit: str) -> list[tuple[date, dict[str, int], float]]:
    """(start, moments per ritual, minutes) per day, week or month; appreciations left out."""
    out: list[tuple[date, dict[str, int], float]] = []
    for d in days:
        start = _bucket_start(d.day, unit)
        if not out or out[-1][0] != start:
            out.append((start, {}, 0.0))
        counts = out[-1][1]
        for ritual, n in d.counts.items():
            if ritual != APPRECIATION:
                counts[ritual] = counts.get(ritual, 0) + n
        out[-1] = (start, counts, out[-1][2] + d.minutes)
    return out


def _date_ticks(ax: Axes, starts: list[date], unit: str, labels: Labels) -> None:
    """A few readable date labels: every day of a week, month starts over a year, years beyond."""
    n = len(starts)
    if unit == "day" and n <= 14:
        ticks = list(range(n))
        names = [f"{labels.weekday(d.weekday())}\n{d.day}" for d in starts]
    elif unit == "day":
        step = max(1, round(n / 7))
        ticks = list(range(n - 1, -1, -step))[::-1]
        names = [labels.date(starts[i], "short") for i in ticks]
    elif unit == "week" and n <= 16:
        step = 1 if n <= 6 else 2
        ticks = list(range(n - 1, -1, -step))[::-1]
        names = [labels.date(starts[i], "short") for i in ticks]
    elif unit == "week":
        ticks = [i for i, d in enumerate(starts) if d.day <= 7 and (n <= 60 or d.month in (1, 4, 7, 10))]
        names = [labels.date(starts[i], "month_year" if starts[i].month == 1 or i == ticks[0] else "month")
                 for i in ticks]
    else:
        years = sorted({d.year for d in starts})
        every = max(1, round(len(years) / 8))
        ticks = [i for i, d in enumerate(starts) if d.month == 1 and (d.year - years[0]) % every == 0]
        names = [labels.date(starts[i], "year") for i in ticks]
    ax.set_xticks(ticks, names)


def shade_level(total: int) -> int:
    """The calendar shade of a day with `total` moments (at least one): one, two, three, four or more."""
    return min(max(total, 1), len(CALENDAR_RAMP)) - 1


def _pale(colour: str, amount: float = 0.6) -> str:
    """Mix `colour` with white: the 'offered' twin of a ritual's colour."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * amount):02x}" for c in (r, g, b))


def _figure(height: float) -> tuple[Figure, Axes]:
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(WIDTH, height), layout="constrained")
        ax = fig.add_subplot()
    return fig, ax


_ID = re.compile(r'\sid="([^"]+)"')


def _svg(fig: Figure, key: str, title: str) -> str:
    """The figure as an `<svg>` element for inline use: no XML prolog, no fixed size, ids unique per chart,
    fonts left to the page, and a title for screen readers."""
    buffer = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    text = re.sub(r"font-family: [^;\"]*;?\s*", "", text)
    referenced = set(re.findall(r"#([A-Za-z_][\w.-]*)\)?\"", text))
    text = _ID.sub(lambda m: f' id="{key}-{m.group(1)}"' if m.group(1) in referenced else "", text)
    text = re.sub(r'(url\(#|href="#)([\w.-]+)', lambda m: f"{m.group(1)}{key}-{m.group(2)}", text)
    head_end = text.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", text[:head_end])
    head += f' class="chart-svg" role="img" aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet"'
    return head + text[head_end:].strip()
