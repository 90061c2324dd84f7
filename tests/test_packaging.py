"""The wheel and the sdist carry all of Tandem: every module and data file tracked by git, its licence, its command.

CI builds both (`.ci/run` sets TANDEM_DIST to the folder); elsewhere the wheel is built here (slow: pip builds it
in an isolated environment) and the sdist is checked when `build` is installed.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

INSTALLED_AS = {"assistant": "assistant", "intents": "assistant/intents", "voices": "assistant/voices"}
"""Checkout folder -> where it lands in the wheel (pyproject.toml's package-dir)."""


def tracked_files() -> list[str]:
    """The checkout's files that Tandem is made of, as git knows them (or on disk, outside git)."""
    if shutil.which("git") and (ROOT / ".git").exists():
        listed = subprocess.run(["git", "ls-files", *INSTALLED_AS], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.split()
        return [f for f in listed if (ROOT / f).is_file()]
    return [str(p.relative_to(ROOT)) for top in INSTALLED_AS for p in (ROOT / top).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("TANDEM_DIST")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    if importlib.util.find_spec("build.__main__") is None:  # pip makes the wheel; only `build` makes an sdist
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                       check=True, capture_output=True)
    else:
        subprocess.run([sys.executable, "-m", "build", "-q", "--outdir", str(out), str(ROOT)], check=True,
                       capture_output=True)
    return out


slow_unless_given = pytest.mark.slow if not os.environ.get("TANDEM_DIST") else pytest.mark.packaging


@slow_unless_given
def test_the_wheel_holds_every_module_and_data_file(dist: Path) -> None:
    (wheel,) = dist.glob("tandem-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {INSTALLED_AS[f.split("/", 1)[0]] + "/" + f.split("/", 1)[1] for f in tracked_files()}
    missing = sorted(expected - names)
    assert not missing, f"missing from the wheel (add them to [tool.setuptools] in pyproject.toml): {missing}"


@slow_unless_given
def test_the_wheel_declares_its_licence_command_and_dependencies(dist: Path) -> None:
    (wheel,) = dist.glob("tandem-*.whl")
    archive = zipfile.ZipFile(wheel)
    info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
    metadata = archive.read(info).decode()
    assert "License-Expression: GPL-3.0-or-later" in metadata
    assert "Requires-Dist: soxr" in metadata and "scipy" not in metadata
    entry_points = archive.read(info.replace("METADATA", "entry_points.txt")).decode()
    assert "tandem = assistant.cli:main" in entry_points
    assert any(n.endswith("licenses/LICENSE") for n in archive.namelist())


@slow_unless_given
def test_the_sdist_holds_everything_to_build_tandem_again(dist: Path) -> None:
    sdists = list(dist.glob("tandem-*.tar.gz"))
    if not sdists:
        pytest.skip("no sdist here: install `build`, or let CI (TANDEM_DIST) check it")
    with tarfile.open(sdists[0]) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    missing = sorted({"pyproject.toml", "README.md", "LICENSE", *tracked_files()} - names)
    assert not missing, f"missing from the sdist: {missing}"
