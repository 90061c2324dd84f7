"""The text and journal benchmarks return plain dicts (`bench.text.run()`, `bench.journal.run()`);
these turn their figures into report sections with targets."""

from __future__ import annotations

from typing import Any

from bench.report import Row, Section, Table, Target

TEXT_TITLE = "Text understanding"
TEXT_METHOD = (
    "The paraphrase corpus (`tests/data/paraphrases.yaml`, each with its intent and slots) and the unrelated "
    "kitchen-talk corpus (`tests/data/unrelated.yaml`) through Tandem's `Matcher` (hassil exact, then rapidfuzz "
    "fuzzy), and side by side through hassil's own exact `recognize()` on the same templates. A paraphrase is "
    "right when the intent and every slot it states are right; an unrelated sentence is a false match when "
    "any intent comes back. Latency per sentence is measured in-process; start-up is a fresh "
    "`tandem understand` process (median of 5)."
)
JOURNAL_TITLE = "Journal at scale"
JOURNAL_METHOD = (
    "Ten years of a couple's daily moments (about 40,000 records) written to a real journal file, reopened, "
    "then timed: recording one moment, the figures `TodayStatus` and `WeekSummary` speak from (over the whole "
    "history; warm, first after opening, and right after a new record), compaction, and the file size. "
    "Medians of 30 calls. `tandem listen` and `chat` warm the journal in the background at start-up."
)


def text_section(f: dict[str, Any], quick: bool) -> Section:
    s = Section("text", TEXT_TITLE, TEXT_METHOD, mode="quick" if quick else "full")
    s.rows = [
        Row("paraphrase accuracy (Tandem matcher)", round(100 * f["paraphrase_accuracy"], 1), "%",
            Target(">=", 95), f"n={f['paraphrases']}"),
        Row("paraphrase accuracy (hassil exact alone)", round(100 * f["hassil_exact_paraphrase_accuracy"], 1), "%",
            note="side by side, same templates"),
        Row("unrelated sentences matched (Tandem matcher)", round(100 * f["unrelated_false_match_rate"], 1), "%",
            Target("<=", 3), f"n={f['unrelated']}"),
        Row("unrelated sentences matched (hassil exact alone)",
            round(100 * f["hassil_exact_unrelated_false_match_rate"], 1), "%"),
        Row("match latency, median", round(f["match_ms_median"], 2), "ms"),
        Row("match latency, p95", round(f["match_ms_p95"], 2), "ms"),
    ]
    if "startup_s_median" in f:
        s.rows.append(Row("`tandem understand` process, start to answer", round(f["startup_s_median"], 2), "s"))
    if f.get("misses"):
        s.tables.append(Table("Paraphrases missed", ["Text", "Wanted", "Got"],
                              [[m["text"], f"{m['want']} {m.get('slots') or ''}".strip(),
                                f"{m['got']} {m.get('got_slots') or ''}".strip()] for m in f["misses"]]))
    if f.get("false_matches"):
        s.tables.append(Table("Unrelated sentences that matched", ["Text", "Got", "Confidence"],
                              [[m["text"], m["got"], f"{m['confidence']:.2f}"] for m in f["false_matches"]]))
    return s


def journal_section(f: dict[str, Any], quick: bool) -> Section:
    s = Section("journal", JOURNAL_TITLE, JOURNAL_METHOD, mode="quick" if quick else "full")
    week = Target("<", f.get("week_target_ms", 100))
    s.rows = [
        Row("moments in the journal", f["moments"]),
        Row("record one moment, median", f["record_median_ms"], "ms"),
        Row("TodayStatus, median", f["today_median_ms"], "ms"),
        Row("WeekSummary, median", f["week_median_ms"], "ms", week),
        Row("WeekSummary, first after opening (cold)", f["week_first_after_open_ms"], "ms"),
        Row("WeekSummary, right after a new record", f["week_after_record_ms"], "ms", week),
        Row("open the journal", f["open_ms"], "ms"),
        Row("compact", f["compact_ms"], "ms"),
        Row("file size", round(f["file_bytes"] / 1e6, 2), "MB"),
    ]
    return s
