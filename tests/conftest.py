"""Shared test set-up: which Tandem is under test, and repeatable property tests.

The tests run against the `assistant` package that Python imports: the checkout (`python -m pytest`
from it) or an installed wheel (CI runs the virtual environment's `pytest`, which does not put the
checkout on `sys.path`, and sets TANDEM_TEST_INSTALLED to that environment: then a test run that
picked up the checkout instead fails at once). Subprocesses (`python -m assistant ...`) get the same
package whatever their working folder: its folder goes first on PYTHONPATH and the working folder is
not added (PYTHONSAFEPATH). `bench/` is only in the checkout; it is importable after any installed Tandem.
"""

import os
import sys
from pathlib import Path

from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

import assistant  # noqa: E402 - after the path set-up above

TANDEM = Path(assistant.__file__).resolve().parent
"""The package under test."""

_installed = os.environ.get("TANDEM_TEST_INSTALLED")
if _installed and not TANDEM.is_relative_to(Path(_installed).resolve()):
    raise SystemExit(f"conftest: testing {TANDEM}, not the Tandem installed in {_installed}: run that environment's "
                     "pytest from a folder that does not put the checkout first on sys.path")

os.environ["PYTHONPATH"] = os.pathsep.join([str(TANDEM.parent), *filter(None, [os.environ.get("PYTHONPATH")])])
os.environ["PYTHONSAFEPATH"] = "1"

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
