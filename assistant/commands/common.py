"""Options shared by several subcommands."""

from __future__ import annotations

import argparse


def add_common(parser: argparse.ArgumentParser) -> None:
    """`--config` and `--journal`, accepted by every subcommand that touches them."""
    parser.add_argument("--config", help="config TOML file (default: the platform config folder)")
    parser.add_argument("--journal", help="journal file (default: the platform data folder)")
