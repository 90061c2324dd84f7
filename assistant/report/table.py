"""`tandem report` in the terminal: one table per ritual, then the figures that matter most.

Plain text that reads well in any terminal width above 60 columns and pastes cleanly into a
message: no colours, no box-drawing characters. Every word comes from `labels.yaml`.
"""

from __future__ import annotations

from assistant.journal.figures import Figures
from assistant.report.labels import Labels


def period_heading(figures: Figures, labels: Labels) -> str:
    """"The last seven days, Tue 24 Nov to Mon 30 Nov 2026"."""
    period = figures.period
    key = f"periods.{period.label}" if period.label in ("today", "week", "month", "since") else "periods.since"
    start = labels.date(period.start, "short" if period.start.year == period.end.year else "long")
    return labels.text(key, start=start, end=labels.date(period.end, "long"))


def number(value: float) -> str:
    """Minutes as people read them: 142 (no decimals from ten up), 7.5, 12."""
    return f"{value:.0f}" if value >= 10 or abs(value - round(value)) < 0.05 else f"{value:.1f}"


def lead(figures: Figures, labels: Labels) -> str:
    """The opening line, leading with what went well."""
    if not figures.total_moments and not figures.appreciations:
        return labels.text("lead.none")
    total = figures.total_minutes
    minutes = number(total) if total < 10 else labels.whole(total)
    return labels.text("lead.some", moments=labels.count("moments_count", figures.total_moments,
                                                         labels.whole(figures.total_moments)),
                       minutes=labels.count("minutes_count", round(total, 1), minutes))


def ritual_rows(figures: Figures, labels: Labels) -> list[list[str]]:
    """Header, one row per ritual (most moments first) and the total, as strings."""
    head = [labels.text(f"table.{k}") for k in ("ritual", "moments", "completed", "partial", "cancelled",
                                                 "minutes", "rating")]
    rows = [head]
    for r in figures.rituals.values():
        rating = f"{r.average_rating:.1f}" if r.average_rating is not None else labels.text("summary.nothing")
        rows.append([labels.ritual(r.ritual), *map(labels.whole, (r.moments, r.completed, r.partial, r.cancelled)),
                     labels.tenths(r.minutes), rating])
    if len(figures.rituals) > 1:
        rows.append([labels.text("table.total"), *map(labels.whole, (figures.total_moments, figures.completed,
                                                                     figures.partial, figures.cancelled)),
                     labels.tenths(figures.total_minutes), ""])
    return rows


def summary_rows(figures: Figures, labels: Labels) -> list[tuple[str, str]]:
    """(label, value) pairs below the table: minutes, minimums, streak, easiest, meaningful, initiators, offers."""
    t = labels.text
    nothing = t("summary.nothing")
    rows = [(t("summary.minutes"), number(figures.total_minutes) if figures.total_minutes < 10
             else labels.whole(figures.total_minutes))]
    if figures.minimums and figures.days_counted:
        rows.append((t("summary.days_met"), t("summary.days_met_value", met=labels.whole(figures.days_met),
                                              counted=labels.whole(figures.days_counted))))
    elif figures.minimums:
        rows.append((t("summary.days_met"), nothing))
    else:
        rows.append((t("summary.days_met"), t("summary.no_minimums")))
    judged = [w for w in figures.weeks if w.weekly_met is not None]
    if figures.weekly_minimums and judged:
        rows.append((t("summary.weeks_met"), t("summary.weeks_met_value", met=sum(1 for w in judged if w.weekly_met),
                                                counted=len(judged))))
    streak = figures.streak
    best = max(streak.best, streak.current)  # a streak still going counts even before today's first moment
    value = t("summary.streak_value", current=labels.whole(streak.current), best=labels.whole(best)) if best else nothing
    if streak.best_start and streak.best_end and streak.best > 1:
        value += " (" + t("summary.best_span", start=labels.date(streak.best_start, "long"),
                          end=labels.date(streak.best_end, "long")) + ")"
    if streak.forgiven:
        value += "; " + t("summary.forgiven")
    rows.append((t("summary.streak"), value))
    easiest = figures.rituals.get(figures.easiest) if figures.easiest else None
    rows.append((t("summary.easiest"), t("summary.easiest_value", ritual=labels.ritual(easiest.ritual),
                                         rate=round(100 * easiest.finish_rate)) if easiest else nothing))
    meaningful = figures.rituals.get(figures.meaningful) if figures.meaningful else None
    rows.append((t("summary.meaningful"),
                 t("summary.meaningful_value", ritual=labels.ritual(meaningful.ritual),
                   rating=f"{meaningful.average_rating:.1f}")
                 if meaningful and meaningful.average_rating is not None else nothing))
    starters = [t("summary.initiator_value", name=name, n=labels.whole(n)) for name, n in figures.initiators.items()]
    if figures.initiators_unknown:
        starters.append(t("summary.initiator_unknown", n=labels.whole(figures.initiators_unknown)))
    rows.append((t("summary.initiators"), ", ".join(starters) or nothing))
    offered = sum(o.offered for o in figures.offers.values())
    accepted = sum(o.accepted for o in figures.offers.values())
    rows.append((t("summary.offers"), t("summary.offers_value", offered=labels.whole(offered),
                                        accepted=labels.whole(accepted))
                 if offered else t("summary.no_offers")))
    rows.append((t("summary.appreciations"), labels.whole(figures.appreciations)))
    return rows


def render_table(figures: Figures, labels: Labels) -> str:
    """The whole terminal report as one string (ends with a newline)."""
    lines = [f"{labels.text('title')}: {period_heading(figures, labels)}", lead(figures, labels), ""]
    if figures.rituals:
        rows = ritual_rows(figures, labels)
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])]
            lines.append("  ".join(cells).rstrip())
    else:
        lines.append(labels.text("table.none"))
    lines.append("")
    pairs = summary_rows(figures, labels)
    width = max(len(label) for label, _ in pairs)
    lines.extend(f"{label.ljust(width)}  {value}" for label, value in pairs)
    return "\n".join(lines) + "\n"
