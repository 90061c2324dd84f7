"""Ten years of daily use in the journal: is recording still instant, is the week still quick?

`python -m bench.journal [--years N] [--json]`. About eleven moments a day (hugs, breathing,
gratitude, walks, appreciations...), ~40,000 in all. "TodayStatus" and "WeekSummary" time what the
spoken answers compute (`figures_for` over the whole history: streaks need it). Target: the week's
figures under 100 ms once the journal is warm (`tandem listen`/`chat` warm it in the background at
start-up); the first call after opening is reported beside it.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.journal import Journal, Moment
from assistant.journal.figures import Period, figures_for

RITUALS = (("hug", 90, 3), ("breathing", 120, 2), ("gratitude", 300, 1), ("check_in", 300, 1),
           ("walk", 300, 1), ("hold_hands", 5, 1), ("curiosity", 60, 1))
PARTNERS = ("Sam", "Alex")


def ten_years(years: int, end: datetime, rng: random.Random) -> list[Moment]:
    """A believable history: several rituals most days, some partial, some rated, a few notes."""
    moments: list[Moment] = []
    first = end - timedelta(days=365 * years)
    for day in range(365 * years):
        base = (first + timedelta(days=day)).replace(hour=7, minute=0, second=0, microsecond=0)
        for ritual, planned, per_day in RITUALS:
            for n in range(per_day):
                started = base + timedelta(hours=rng.uniform(0, 15))
                partial = rng.random() < 0.15
                actual = planned * (rng.uniform(0.2, 0.9) if partial else 1.0)
                moments.append(Moment(
                    ritual, started, started + timedelta(seconds=actual), planned, round(actual, 1),
                    "partial" if partial else "completed", rng.choice(PARTNERS),
                    rng.randint(1, 5) if rng.random() < 0.2 else None,
                    {p: rng.randint(0, 3) for p in PARTNERS} if ritual == "gratitude" else None,
                ))
        if rng.random() < 0.5:
            at = base + timedelta(hours=rng.uniform(0, 15))
            moments.append(Moment("appreciation", at, at, None, 0, kind="appreciation", initiated_by=rng.choice(PARTNERS)))
    return moments


def _median_ms(func: Any, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def run(years: int = 10, repeat: int = 30, folder: Path | None = None) -> dict[str, Any]:
    rng = random.Random(7)
    end = datetime(2026, 11, 20, 21, 0).astimezone()
    history = ten_years(years, end, rng)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / "journal.json"
        journal = Journal.open(path)
        journal.record_many(history)
        journal._storage.compact()  # start from one snapshot, as after months of use
        journal.close()
        t0 = time.perf_counter()
        journal = Journal.open(path)
        open_ms = (time.perf_counter() - t0) * 1000
        snapshot_bytes = path.stat().st_size
        clock = iter(range(10**9))

        def record_one() -> None:
            at = end + timedelta(seconds=next(clock))
            journal.record(Moment("hug", at, at + timedelta(seconds=90), 90, 90, initiated_by="Sam"))

        settings = Settings()

        def today() -> None:
            figures_for(journal, Period.today(end), end, settings)

        def week() -> None:
            figures_for(journal, Period.week(end), end, settings)

        t0 = time.perf_counter()
        week()  # the first summary parses every month
        week_first_ms = (time.perf_counter() - t0) * 1000
        record_ms = _median_ms(record_one, repeat)
        today_ms = _median_ms(today, repeat)
        week_ms = _median_ms(week, repeat)
        after: list[float] = []
        for _ in range(repeat):  # a summary right after a new moment re-sorts its month
            record_one()
            after.append(_median_ms(week, 1))
        week_cold_ms = statistics.median(after)
        t0 = time.perf_counter()
        journal._storage.compact()
        compact_ms = (time.perf_counter() - t0) * 1000
        result = {
            "moments": len(journal),
            "open_ms": round(open_ms, 1),
            "record_median_ms": round(record_ms, 2),
            "today_median_ms": round(today_ms, 2),
            "week_median_ms": round(week_ms, 2),
            "week_first_after_open_ms": round(week_first_ms, 2),
            "week_after_record_ms": round(week_cold_ms, 2),
            "compact_ms": round(compact_ms, 1),
            "file_bytes": snapshot_bytes,
            "week_target_ms": 100,
            "week_ok": max(week_ms, week_cold_ms) < 100,
        }
        journal.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.journal", description=__doc__)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.years)
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")
    return 0 if result["week_ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
