"""Options shared by several subcommands, and the checks every command makes of the files it is given.

A file named on the command line is checked before any work starts, so a typo costs one clear line
(the file, what is wrong, the fix) instead of a traceback or a half-done run.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from assistant.errors import TandemError


def add_common(parser: argparse.ArgumentParser) -> None:
    """`--config` and `--journal`, accepted by every subcommand that touches them."""
    parser.add_argument("--config", help="config TOML file (default: the platform config folder)")
    parser.add_argument("--journal", help="journal file (default: the platform data folder)")


def readable_file(path: str | os.PathLike, option: str, fix: str = "check the path") -> Path:
    """`path` as a file that can be read, or a `TandemError` naming the option, the file and the fix."""
    p = Path(path).expanduser()
    try:
        with open(p, "rb") as handle:
            handle.read(1)
    except FileNotFoundError:
        raise TandemError(f"{option} {p}: no such file", fix) from None
    except IsADirectoryError:
        raise TandemError(f"{option} {p}: is a folder, not a file", fix) from None
    except OSError as error:
        raise TandemError(f"{option} {p}: cannot be read ({error.strerror})",
                          "check the file's permissions (ls -l), or give another file") from None
    return p


def readable_folder(path: str | os.PathLike, option: str, fix: str = "check the path") -> Path:
    """`path` as a folder that can be listed, or a `TandemError` naming it and the fix."""
    p = Path(path).expanduser()
    if not p.exists():
        raise TandemError(f"{option} {p}: no such folder", fix)
    if not p.is_dir():
        raise TandemError(f"{option} {p}: is a file, not a folder", fix)
    try:
        os.listdir(p)
    except OSError as error:
        raise TandemError(f"{option} {p}: cannot be read ({error.strerror})", "check the folder's permissions") from None
    return p


def writable_file(path: str | os.PathLike, option: str) -> Path:
    """`path` as a file Tandem can create or replace, checked before any work is done."""
    p = Path(path).expanduser()
    fix = f"give {option} a file in a folder you can write to"
    if p.is_dir():
        raise TandemError(f"{option} {p}: is a folder", fix)
    parent = p.parent
    if not parent.is_dir():
        raise TandemError(f"{option} {p}: the folder {parent} does not exist", f"create it first, or {fix}")
    if not os.access(parent, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise TandemError(f"{option} {p}: cannot be written (permission denied)", fix)
    return p


def writable_folder(path: str | os.PathLike, option: str = "--folder") -> Path:
    """`path` as a folder to write into, created when missing."""
    p = Path(path).expanduser()
    if p.exists() and not p.is_dir():
        raise TandemError(f"{option} {p}: is a file, not a folder", "give the path of a folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TandemError(f"{option} {p}: cannot be created ({error.strerror})", "give a folder you can write to") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise TandemError(f"{option} {p}: cannot be written (permission denied)", "give a folder you can write to")
    return p
