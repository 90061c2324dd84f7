"""Where Tandem's own data folders (`intents/`, `voices/`) are, installed or in a checkout.

The top-level `intents/` and `voices/` folders are installed as the regular packages
`assistant.intents` and `assistant.voices` (see `[tool.setuptools]` in pyproject.toml), so a wheel,
an sdist and an editable install all reach them through `importlib.resources`. A plain checkout
(`python -m assistant` from the repository) has no such packages on `sys.path`: there the folders
are read where they lie.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from assistant.errors import DataError

_CHECKOUT = Path(__file__).resolve().parent.parent


def _packaged(name: str) -> Path:
    """The folder of the data package `assistant.<name>` as a real directory."""
    checkout = _CHECKOUT / name
    if (_CHECKOUT / "pyproject.toml").is_file() and (checkout / "__init__.py").is_file():
        return checkout
    try:
        root = resources.files(f"assistant.{name}")
    except ModuleNotFoundError:
        raise DataError(f"assistant.{name}", "", "Tandem's data package is not installed",
                        "reinstall Tandem: pip install --force-reinstall tandem") from None
    if not isinstance(root, Path) or not root.is_dir():
        # Only a zip import gives a Traversable that is not a folder; the loaders read folders.
        raise DataError(root, "", "Tandem's data is not on the file system (a zipped install?)",
                        "install Tandem with pip from its wheel or sdist")
    return root


def intents_dir(language: str = "en") -> Path:
    """The folder of intent templates (what people say)."""
    return _packaged("intents") / language


def voices_dir(language: str = "en") -> Path:
    """The folder of responses, rituals and voice settings (what Tandem says and does)."""
    return _packaged("voices") / language


def package_file(package: str, name: str) -> Path:
    """A data file shipped inside one of Tandem's own code packages (e.g. `assistant.demo`)."""
    path = resources.files(package) / name
    if not isinstance(path, Path) or not path.is_file():
        raise DataError(f"{package}/{name}", "", "a data file of Tandem is missing from this install",
                        "reinstall Tandem: pip install --force-reinstall tandem")
    return path
