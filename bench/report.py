"""Benchmark results as data, and their two renderings: a console table and docs/benchmarks.md.

A benchmark returns a `Section`: what it measures and how, a few headline `Row`s (each with its
target and a pass/fail verdict), and detail `Table`s (per-SNR matrices, failure lists). A figure that
could not be measured is a row with `value=None` and a `note` saying why, never a made-up number.
"""

from __future__ import annotations

import json
import operator
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

_OPS = {">=": operator.ge, "<=": operator.le, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True)
class Target:
    """A goal such as `>= 90 %`: `op` compares the measured value with `bound` (same unit as the row)."""

    op: str
    bound: float

    def met(self, value: float) -> bool:
        return _OPS[self.op](value, self.bound)

    def text(self, unit: str) -> str:
        return f"{self.op} {_number(self.bound)}{_unit_gap(unit)}{unit}"


@dataclass
class Row:
    """One headline figure. `value=None` means not measured; `note` then says why."""

    label: str
    value: float | None
    unit: str = ""
    target: Target | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.value is None or self.target is None:
            return ""
        return "pass" if self.target.met(self.value) else "FAIL"

    def value_text(self) -> str:
        if self.value is None:
            return "n/a"
        if self.unit == "%":
            return f"{self.value:.1f} %"
        return f"{_number(self.value)}{_unit_gap(self.unit)}{self.unit}"


@dataclass
class Table:
    """A detail table for the markdown report (and printed under the summary in the console)."""

    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """Everything one benchmark found."""

    key: str
    title: str
    method: str
    """What it measures and how, in a few sentences."""
    rows: list[Row] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    """Wall time the benchmark took."""
    mode: str = "full"
    date: str = ""

    @classmethod
    def unavailable(cls, key: str, title: str, method: str, why: str) -> "Section":
        return cls(key, title, method, rows=[Row("(whole benchmark)", None, note=f"not available: {why}")])

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Section":
        rows = [Row(r["label"], r["value"], r["unit"], Target(**r["target"]) if r["target"] else None, r["note"])
                for r in data["rows"]]
        tables = [Table(**t) for t in data["tables"]]
        return cls(data["key"], data["title"], data["method"], rows, tables, data["notes"],
                   data["seconds"], data["mode"], data["date"])


def _number(x: float) -> str:
    if isinstance(x, int) or float(x).is_integer():
        return f"{int(x)}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 1:
        return f"{x:.2f}"
    return f"{x:.3f}"


def _unit_gap(unit: str) -> str:
    return "" if unit in ("", "x", "/h") else " "


def pct(hits: int, total: int) -> float | None:
    """Percentage with one decimal, or None for an empty set."""
    return None if total == 0 else round(100.0 * hits / total, 1)


# ---------------------------------------------------------------- machine


def machine() -> dict[str, str]:
    """CPU, cores, memory, OS, Python and the versions of the packages the figures depend on."""
    info = {"cpu": platform.processor() or platform.machine(), "cores": str(os.cpu_count())}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    info["os"] = platform.platform()
    info["python"] = sys.version.split()[0]
    versions = []
    for name in ("tandem", "hassil", "rapidfuzz", "pocketsphinx", "vosk", "tinydb", "numpy", "scipy", "pyttsx3"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    try:
        out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, timeout=10).stdout
        versions.append("espeak-ng " + out.split()[3] if len(out.split()) > 3 else out.strip())
    except (OSError, subprocess.SubprocessError):
        versions.append("espeak-ng (not installed)")
    info["packages"] = ", ".join(versions)
    return info


# ---------------------------------------------------------------- console


def _grid(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def summary_rows(sections: list[Section]) -> list[list[str]]:
    rows = []
    for s in sections:
        for r in s.rows:
            rows.append([s.title, r.label, r.value_text(), r.target.text(r.unit) if r.target else "",
                         r.verdict, r.note])
    return rows


SUMMARY_HEADERS = ["Benchmark", "Measure", "Value", "Target", "Pass", "Note"]


def console(sections: list[Section], details: bool = True) -> str:
    out = _grid(SUMMARY_HEADERS, summary_rows(sections))
    if details:
        for s in sections:
            for t in s.tables:
                out += ["", f"{s.title}: {t.title}", *_grid(t.headers, t.rows)]
            for n in s.notes:
                out.append(f"  note ({s.key}): {n}")
    return "\n".join(out)


# ---------------------------------------------------------------- markdown


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    esc = lambda c: str(c).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    return ["| " + " | ".join(map(esc, headers)) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(map(esc, r)) + " |" for r in rows)]


def markdown(sections: list[Section], info: dict[str, str], command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `{command}` (this file is rewritten by it; do not edit by hand).",
        "Every figure below was measured on the machine described here; `n/a` means the part could not be",
        "measured, and the note says why. Timings are medians of several runs unless stated otherwise.",
        "",
        "Run them: `python -m bench all` (everything, full size), `python -m bench barista` (one benchmark:",
        "text, barista, commands, wake, latency, timers, journal, report, soak; replaces only its own section here), and",
        "`python -m bench all --quick` (a small smoke version for CI; prints only, unless `--write`).",
        "Generated audio and noise mixes are cached in the platform cache folder (`$TANDEM_BENCH_CACHE`).",
        "",
        "## Machine",
        "",
        *(f"- **{k}**: {v}" for k, v in info.items()),
        "",
        "## Summary",
        "",
        *_md_table(SUMMARY_HEADERS, summary_rows(sections)),
    ]
    for s in sections:
        lines += ["", f"## {s.title}", "", f"*Run {s.date}, {s.mode} mode, {s.seconds:.0f} s.*", "", s.method, ""]
        lines += _md_table(["Measure", "Value", "Target", "Pass", "Note"],
                           [[r.label, r.value_text(), r.target.text(r.unit) if r.target else "", r.verdict, r.note]
                            for r in s.rows])
        for t in s.tables:
            lines += ["", f"**{t.title}**", "", *_md_table(t.headers, t.rows)]
        if s.notes:
            lines += ["", *(f"- {n}" for n in s.notes)]
    return "\n".join(lines) + "\n"


def now_text() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")


def save_sections(path: Path, sections: list[Section]) -> None:
    path.write_text(json.dumps([s.to_json() for s in sections], indent=1) + "\n", encoding="utf-8")


def load_sections(path: Path) -> list[Section]:
    if not path.exists():
        return []
    return [Section.from_json(d) for d in json.loads(path.read_text(encoding="utf-8"))]
