"""The text and journal benchmarks return plain dicts (`bench.text.run()`, `bench.journal.run()`);
these turn their figures into report sections with targets."""

from __future__ import annotations

from typing import Any

from bench.report import Row, Section, Table, Target

TEXT_TITLE = "Text understanding"
TEXT_METHOD = (
    "The hand-written corpora (`tests/corpus/`: phrasings with context and persona, near misses; split by persona "
    "into dev, used for tuning, and test, never tuned on or read line by line) through Tandem's `Matcher`, each "
    "phrasing matched the way the dialog matches it in its context (anything after the wake phrase when idle or "
    "in a ritual; only the expected answers after an offer, a question or the rating question). Right = acted on "
    "with the intent and every stated slot right; asked = an unsure match the dialog turns into one short "
    "question. A near miss starts something when a sure match would start, change or record something (ritual "
    "context: against the controls a running ritual listens for). Also: the project's first corpora "
    "(`tests/data/`), hassil's exact matcher alone on the same phrasings, the barista intents on text, latency per "
    "call in-process, and a fresh `tandem understand` process (median of 5)."
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
    tuned_by = {"test": "held out, never tuned on", "dev": "tuning split", "fresh": "own held out, never tuned on"}
    for split in [s for s in ("test", "fresh", "dev") if s in f["corpus"]]:
        c = f["corpus"][split]
        p, n = c["phrasings"], c["near"]
        tuned = tuned_by[split]
        s.rows += [
            Row(f"phrasings right, {split} ({tuned})", round(100 * p["right"], 1), "%", Target(">=", 97),
                f"n={p['n']}; asked first and right {100 * p['asked_right']:.1f} %, wrong {100 * p['wrong']:.1f} %, "
                f"missed {100 * p['missed']:.1f} %; hassil alone {100 * f['hassil_alone'][split]:.1f} %"),
            Row(f"durations right when the intent is right, {split}", round(100 * p["durations_right"], 1), "%",
                note=f"n={p['durations_n']}"),
            Row(f"near misses that start something, {split}", round(100 * n["started"], 1), "%", Target("<=", 1),
                f"n={n['n']}; answered at all {100 * n['answered']:.1f} %, asked a question {100 * n['asked']:.1f} %"),
            Row(f"clarifying question asked, {split} phrasings", round(100 * (p["asked_right"] + p["asked_wrong"]), 1),
                "%"),
        ]
    for split, k in f.get("kitchen", {}).items():
        s.rows.append(Row(f"kitchen talk that would start something after a false wake, {split}",
                          round(100 * k["started"], 1), "%", note=f"n={k['n']} lines, each idle and in a ritual; "
                          f"asked a question {100 * k['asked']:.1f} %"))
        if "woken_in_ritual" in k:
            s.rows.append(Row(f"kitchen talk that would act after a false wake during a ritual, {split}",
                              round(100 * k["woken_in_ritual"], 1), "%",
                              note=f"n={k['n']}; anything heard, the ritual's controls likelier"))
    cal = f.get("calibration") or {}
    if cal:
        s.rows.append(Row("calibration temperature (held-out folds of the intents' own data)",
                          round(cal["temperature"], 2), note=f"n={int(cal['held_out'])}; not-for-us shift "
                          f"{cal['none_shift']:+.2f}"))
    vec = f.get("vectors") or {}
    if vec:
        s.rows.append(Row("word-piece table read (first word no intents file uses)", round(vec["load_ms"], 1), "ms",
                          note=f"{vec['dims']} dims, {vec['bytes'] / 1e6:.1f} MB, all-MiniLM-L6-v2 distilled"))
    for name, o in f["old"].items():
        s.rows.append(Row(f"first corpus ({name}) paraphrases right", round(100 * o["right"], 1), "%",
                          note=f"n={o['n']}; unrelated matched {100 * o['unrelated_false']:.1f} % of {o['unrelated_n']}"))
    b = f["barista"]
    s.rows.append(Row("barista intents, expanded orders right", round(100 * b["samples_right"], 1), "%",
                      note=f"n={b['samples']}"))
    for d in b.get("dumps", []):
        s.rows.append(Row(f"barista n-best dump {d['file']} (tune split), right", round(100 * d["nbest_right"], 1), "%",
                          note=f"n={d['n']}; first hypothesis alone {100 * d['first_right']:.1f} %"))
    s.rows += [
        Row("match latency, median", round(f["match_ms_median"], 2), "ms", Target("<", 2)),
        Row("match latency, p95", round(f["match_ms_p95"], 2), "ms"),
    ]
    if "startup_s_median" in f:
        s.rows.append(Row("`tandem understand` process, start to answer", round(f["startup_s_median"], 2), "s",
                          Target("<", 0.5), f"CPU {f['startup_cpu_s_median']:.2f} s, bytecode compiled as pip installs it "
                          f"(compiling the sources each time: {f.get('startup_source_cpu_s_median', float('nan')):.2f} s CPU); "
                          "wall grows with the machine's load"))
    for split in [s for s in ("test", "fresh", "dev") if s in f["corpus"]]:
        c = f["corpus"][split]
        s.tables.append(Table(f"Phrasings right by context and form, {split}", ["Group", "n", "Right", "Asked", "Missed"],
                              [[k, str(v["n"]), f"{100 * v['right']:.1f} %",
                                f"{100 * (v['asked_right'] + v['asked_wrong']):.1f} %", f"{100 * v['missed']:.1f} %"]
                               for k, v in [*c["contexts"].items(), *c["forms"].items()]]))
        s.tables.append(Table(f"Phrasings right by intent, {split}", ["Intent", "Right"],
                              [[k, f"{100 * v:.1f} %"] for k, v in c["intents"].items()]))
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
