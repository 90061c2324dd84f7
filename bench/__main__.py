"""`python -m bench all|<name> [--quick]`: run benchmarks, print a table, rewrite docs/benchmarks.md.

Each benchmark runs on its own; one whose part of Tandem is missing or broken becomes a row saying
"not available: <why>" instead of stopping the others. Full runs rewrite the report (a single
benchmark replaces only its own section); `--quick` runs a small smoke version and writes nothing
unless `--write` is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from assistant.audio.denoise import DEFAULT as DEFAULT_SUPPRESSION
from assistant.audio.denoise import SUPPRESSORS
from bench import adapters
from bench.audio import ROOT
from bench.speech import PartMissing
from bench.report import Section, console, load_sections, machine, markdown, now_text, save_sections

DOC = ROOT / "docs" / "benchmarks.md"
DATA = ROOT / "docs" / "benchmarks.json"


def _text(quick: bool) -> Section:
    from bench import text

    return adapters.text_section(text.run(startup=not quick), quick)


@dataclass(frozen=True)
class SpeechOptions:
    """What the speech benchmarks can be narrowed to (`--split`, `--snr`): for tuning on the dev split,
    or a time-boxed run at the noise levels with targets."""

    split: str = "test"
    snrs: tuple[int | None, ...] | None = None
    """None: the benchmark's own list."""
    ungated: bool = False
    """wake: also every recognizer on every utterance, without the wake model in front (slow)."""
    noise_suppression: str | None = None
    """barista, commands, wake: what cleans pocketsphinx's audio (None: the default, as `tandem listen`)."""


OPTIONS = SpeechOptions()


def _barista(quick: bool) -> Section:
    from bench import barista_speech

    return barista_speech.run(quick, snrs=OPTIONS.snrs, noise_suppression=OPTIONS.noise_suppression)


def _commands(quick: bool) -> Section:
    from bench import commands_speech

    return commands_speech.run(quick, split=OPTIONS.split, snrs=OPTIONS.snrs,
                               noise_suppression=OPTIONS.noise_suppression)


def _wake(quick: bool) -> Section:
    from bench import wake

    return wake.run(quick, split=OPTIONS.split, snrs=OPTIONS.snrs, ungated=OPTIONS.ungated,
                    noise_suppression=OPTIONS.noise_suppression)


def _vad(quick: bool) -> Section:
    from bench import vad

    return vad.run(quick)


def _latency(quick: bool) -> Section:
    from bench import latency

    return latency.run(quick)


def _timers(quick: bool) -> Section:
    from bench import timers

    return timers.run(quick)


def _journal(quick: bool) -> Section:
    from bench import journal

    return adapters.journal_section(journal.run(years=1 if quick else 10), quick)


def _report(quick: bool) -> Section:
    from bench import report_command

    return report_command.section(report_command.run(years=1 if quick else 10, repeat=1 if quick else 5), quick)


def _voice(quick: bool) -> Section:
    from bench import voice

    return voice.run(quick)
def _rooms(quick: bool) -> Section:
    from bench import rooms

    return rooms.run(quick)


def _soak(quick: bool) -> Section:
    from bench import soak

    return soak.section(quick)


BENCHMARKS: dict[str, tuple[str, Callable[[bool], Section]]] = {
    "text": ("Text understanding", _text),
    "barista": ("Barista: real human speech", _barista),
    "commands": ("Tandem's commands as speech", _commands),
    "wake": ("Wake phrase", _wake),
    "vad": ("Voice activity detection", _vad),
    "latency": ("Latency and footprint", _latency),
    "timers": ("Timer accuracy", _timers),
    "journal": ("Journal at scale", _journal),
    "report": ("`tandem report` at scale", _report),
    "soak": ("A simulated month", _soak),
    "voice": ("Tandem's voice", _voice),
    "rooms": ("Rooms: Wyoming satellites", _rooms),
}


def run_one(name: str, quick: bool) -> Section:
    """Run a benchmark; a missing or failing part becomes a 'not available' row, with the reason."""
    title, func = BENCHMARKS[name]
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    try:
        section = func(quick)
    except ModuleNotFoundError as e:
        section = Section.unavailable(name, title, "", f"module {e.name} is not there yet")
    except PartMissing as e:
        section = Section.unavailable(name, title, "", str(e))
    except Exception as e:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
        traceback.print_exc(file=sys.stderr)
        section = Section.unavailable(name, title, "", f"{type(e).__name__}: {str(e)[:200]}")
    section.seconds = time.perf_counter() - start
    section.notes.append(f"Machine load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at "
                         f"the end, on {os.cpu_count()} cores: above {os.cpu_count()} means other work competed "
                         "for the CPU and timings are pessimistic.")
    section.mode = "quick" if quick else "full"
    section.date = now_text()
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", choices=["all", *BENCHMARKS], metavar="NAME",
                        help=f"all, or any of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--quick", action="store_true", help="small smoke version (minutes, for CI)")
    parser.add_argument("--write", action="store_true", help="rewrite docs/benchmarks.md even with --quick")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--split", choices=["dev", "test"], default="test",
                        help="commands, wake: the corpus split heard (dev is for tuning: printed, never written)")
    parser.add_argument("--snr", action="append", metavar="DB", type=_snr,
                        help="barista, commands, wake: only this noise level ('clean' or dB; repeatable), e.g. the "
                             "levels with targets when time is short; written with the levels left out saying so")
    parser.add_argument("--ungated", action="store_true",
                        help="wake: also pocketsphinx, whisper and combined alone on every utterance (over an hour)")
    parser.add_argument("--noise-suppression", choices=SUPPRESSORS, metavar="KIND",
                        help="barista, commands, wake: what cleans pocketsphinx's audio (" + ", ".join(SUPPRESSORS)
                             + f"; default {DEFAULT_SUPPRESSION}, as Tandem listens); another than the default is "
                             "printed, never written")
    args = parser.parse_args(argv)
    global OPTIONS
    OPTIONS = SpeechOptions(args.split, tuple(args.snr) if args.snr else None, args.ungated, args.noise_suppression)
    if args.split == "dev" or args.noise_suppression not in (None, DEFAULT_SUPPRESSION):
        args.no_write = True
    names = list(BENCHMARKS) if "all" in args.names else list(dict.fromkeys(args.names))
    sections = []
    for name in names:
        print(f"== {name} ...", file=sys.stderr, flush=True)
        section = run_one(name, args.quick)
        print(f"== {name}: {section.seconds:.0f} s", file=sys.stderr, flush=True)
        sections.append(section)
    print(console(sections))
    if (args.write or not args.quick) and not args.no_write:
        _write(sections, replace_all="all" in args.names, argv=argv if argv is not None else sys.argv[1:])
        print(f"\nwrote {DOC.relative_to(ROOT)}")
    failed = any(r.verdict == "FAIL" for s in sections for r in s.rows)
    return 1 if failed and args.quick else 0


def _snr(text: str) -> int | None:
    return None if text == "clean" else int(text)


def _write(sections: list[Section], replace_all: bool, argv: list[str]) -> None:
    """Replace the given sections in the stored set (all of it for `all`), then render the report."""
    kept = {} if replace_all else {s.key: s for s in load_sections(DATA)}
    kept.update({s.key: s for s in sections})
    ordered = [kept[k] for k in BENCHMARKS if k in kept]
    save_sections(DATA, ordered)
    DOC.write_text(markdown(ordered, machine(), "python -m bench " + " ".join(argv)), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
