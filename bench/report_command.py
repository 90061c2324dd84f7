"""Ten years of moments and offers: how long does `tandem report` take, as a couple would run it?

`python -m bench.report_command [--years N] [--repeat N] [--json]`, or `python -m bench report`.
The journal is `bench.journal.ten_years` (about eleven moments a day) plus two offers a day
recorded through `Journal.offer`. Each command runs as its own process, start-up included:
`report --html` over the whole ten years and for the default week, `report --json` for both, and
the terminal table. In-process timings split the page into figures and drawing.
(Named `report_command` because `bench/report.py` renders the benchmark results themselves.)
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.audio import ROOT
from bench.journal import ten_years
from bench.report import Row, Section, Target

TITLE = "`tandem report` at scale"
METHOD = (
    "Ten years of a couple's moments (`bench.journal.ten_years`, about 40,000) and two offers a day (about "
    "7,300, recorded one by one with `Journal.offer`, each with an outcome) in a real journal file. Each "
    "command is a fresh `python -m assistant report` process, so Python start-up, opening the journal, the "
    "figures, matplotlib's import and drawing, and the atomic write are all counted; median of several runs. "
    "`--since` starts at the first day of the ten years; the default period is the last seven days "
    "(with eight weeks of context on the page)."
)
CONFIG = '[partners]\nnames = ["Sam", "Alex"]\n\n[minimums]\nhug = 1\ngratitude = 1\n\n[weekly_minimums]\ncheck_in = 3\n'
HTML_TARGET_S = 5.0
JSON_TARGET_S = 2.0


def offers_for(history_start: datetime, days: int, rng: random.Random) -> list[Any]:
    """A morning hug offer and an evening gratitude offer most days, with believable answers."""
    from assistant.journal.records import Offer

    offers = []
    for day in range(days):
        base = history_start + timedelta(days=day)
        for hour, minute, ritual, variant in ((7, 30, "hug", "morning"), (21, 30, "gratitude", None)):
            if rng.random() < 0.85:
                outcome = rng.choices(("accepted", "declined", "silenced", "unanswered"), (6, 2, 1, 1))[0]
                offers.append(Offer(ritual, base.replace(hour=hour, minute=minute), variant=variant, outcome=outcome))
    return offers


def _median_s(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", "assistant", "report", *argv], capture_output=True,
                                text=True, cwd=ROOT)
        times.append(time.perf_counter() - t0)
        if result.returncode != 0:
            raise RuntimeError(f"tandem report {' '.join(argv)} failed: {result.stderr.strip()[-300:]}")
    return statistics.median(times)


def run(years: int = 10, repeat: int = 5, folder: Path | None = None) -> dict[str, Any]:
    from assistant.commands.report import context_period
    from assistant.config import load_settings
    from assistant.journal import Journal
    from assistant.journal.figures import Period, figures_for
    from assistant.report.labels import Labels
    from assistant.report.page import render_page

    rng = random.Random(11)
    end = datetime(2026, 11, 20, 21, 45).astimezone()
    history = ten_years(years, end, rng)
    first_day = min(m.started for m in history).date()
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path, config, page = Path(tmp) / "journal.json", Path(tmp) / "config.toml", Path(tmp) / "report.html"
        config.write_text(CONFIG)
        start = datetime.combine(first_day, datetime.min.time()).replace(tzinfo=end.tzinfo)
        offers = offers_for(start, (end.date() - first_day).days + 1, rng)
        with Journal.open(path) as journal:
            journal.record_many(history)
            t0 = time.perf_counter()
            for offer in offers:
                journal.offer(offer)
            offer_ms = (time.perf_counter() - t0) * 1000 / len(offers)
            journal._storage.compact()  # start from one snapshot, as after months of use
        common = ["--journal", str(path), "--config", str(config), "--at", end.isoformat()]
        since = ["--since", first_day.isoformat()]
        html_all = _median_s([*since, "--html", str(page), *common], repeat)
        page_bytes = page.stat().st_size
        html_week = _median_s(["--html", str(page), *common], repeat)
        json_all = _median_s([*since, "--json", *common], repeat)
        json_week = _median_s(["--json", *common], repeat)
        table_week = _median_s(common, repeat)
        settings = load_settings(config)
        with Journal.open(path) as journal:
            period = Period.since(first_day, end)
            t0 = time.perf_counter()
            figures = figures_for(journal, period, end, settings)
            figures_ms = (time.perf_counter() - t0) * 1000
            week = figures_for(journal, Period.week(end), end, settings)
            wider = context_period(week.period, end)
            context = figures_for(journal, wider, end, settings) if wider else week
        labels = Labels.load()
        t0 = time.perf_counter()
        render_page(figures, figures, labels, settings.partners.names)
        draw_all_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        render_page(week, context, labels, settings.partners.names)
        draw_week_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import assistant.cli"], check=True, cwd=ROOT)
        python_s = time.perf_counter() - t0
    return {
        "years": years, "moments": len(history), "offers": len(offers),
        "offer_record_ms": round(offer_ms, 2),
        "html_since_start_s": round(html_all, 2), "html_week_s": round(html_week, 2),
        "json_since_start_s": round(json_all, 2), "json_week_s": round(json_week, 2),
        "table_week_s": round(table_week, 2),
        "figures_since_start_ms": round(figures_ms, 1),
        "page_since_start_draw_ms": round(draw_all_ms, 1), "page_week_draw_ms": round(draw_week_ms, 1),
        "python_start_s": round(python_s, 2), "page_bytes": page_bytes, "repeat": repeat,
    }


def section(f: dict[str, Any], quick: bool) -> Section:
    s = Section("report", TITLE, METHOD, mode="quick" if quick else "full")
    html, js = Target("<", HTML_TARGET_S), Target("<", JSON_TARGET_S)
    s.rows = [
        Row("moments / offers in the journal", f["moments"], note=f"{f['offers']} offers, {f['years']} years"),
        Row(f"`report --html` since the first day ({f['years']} years)", f["html_since_start_s"], "s", html),
        Row("`report --html`, the default week", f["html_week_s"], "s", html),
        Row("`report --json` since the first day", f["json_since_start_s"], "s", js),
        Row("`report --json`, the default week", f["json_week_s"], "s", js),
        Row("`report` (terminal table), the default week", f["table_week_s"], "s", js),
        Row("figures for the whole span, in process", f["figures_since_start_ms"], "ms"),
        Row("drawing the whole-span page (6 charts), in process", f["page_since_start_draw_ms"], "ms"),
        Row("drawing the week's page, in process", f["page_week_draw_ms"], "ms"),
        Row("page size, whole span", round(f["page_bytes"] / 1000, 1), "kB"),
        Row("record one offer (`Journal.offer`), mean", f["offer_record_ms"], "ms"),
        Row("Python start-up (`import assistant.cli`)", f["python_start_s"], "s", note="part of every command above"),
    ]
    return s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.report_command", description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.years, args.repeat)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>26}: {value}")
    return 0 if result["html_since_start_s"] < HTML_TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
