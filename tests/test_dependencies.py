"""Every import is a declared dependency, and every dependency's licence fits Tandem's (GPL-3.0-or-later).

A fresh install gets exactly what pyproject.toml declares: an import of anything else works on a developer's
machine and fails for a couple. The README's licence table is checked against the installed packages' own
metadata, so it cannot drift; when this test fails it prints the table to paste.
"""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import ROOT, TANDEM

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = {extra: [Requirement(r) for r in reqs] for extra, reqs in PROJECT.get("optional-dependencies", {}).items()}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def third_party_imports(folder: Path) -> dict[str, Path]:
    """Top-level module -> first file importing it, for every absolute import that is not stdlib or ours."""
    ours = {"assistant", "bench", "conftest"} | {p.stem for p in (ROOT / "tests").glob("*.py")}
    found: dict[str, Path] = {}
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ours:
                    found.setdefault(top, path)
    return found


def providers(module: str) -> set[str]:
    return {norm(d) for d in metadata.packages_distributions().get(module, [])}


@pytest.mark.parametrize("folder, allowed", [
    # `piper` is the optional natural voice: assistant/speak imports it only once `piper_installed()` says so;
    # `denoise` (pyrnnoise) is imported only when `[audio] noise_suppression` asks for it (a clear error if missing)
    ("assistant", "runtime+piper+denoise"), ("tests", "runtime+test+piper+denoise"),
    ("bench", "runtime+test+piper+bench+denoise"),
])
def test_every_import_is_a_declared_distribution(folder: str, allowed: str) -> None:
    base = TANDEM if folder == "assistant" else ROOT / folder  # the installed package, when that is under test
    declared = {norm(r.name) for r in RUNTIME}
    for extra in allowed.split("+")[1:]:
        declared |= {norm(r.name) for r in EXTRAS[extra]}
    problems = []
    for module, where in third_party_imports(base).items():
        dists = providers(module)
        if not dists and norm(module) in declared:
            continue  # declared for other Pythons only (tomli before 3.11)
        if not dists:
            problems.append(f"{module} (imported in {where}) is not installed: declare its distribution")
        elif not dists & declared:
            problems.append(f"{module} (imported in {where}) comes from {', '.join(sorted(dists))}, "
                            f"which pyproject.toml does not declare for {allowed}")
    assert not problems, "\n".join(problems)


def test_no_import_is_hidden_behind_a_fallback() -> None:
    """`try: import X except ImportError: <something else>` hides a missing dependency until a couple meets it."""
    hidden = []
    for path in sorted(TANDEM.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            imports = [n for n in node.body if isinstance(n, (ast.Import, ast.ImportFrom))]
            for handler in node.handlers:
                caught = ast.unparse(handler.type) if handler.type else ""
                reports = any(isinstance(n, ast.Raise) or (isinstance(n, ast.Return) and n.value is not None
                                                             and not _is_none(n.value)) for n in ast.walk(handler))
                if imports and re.search(r"\b(ImportError|ModuleNotFoundError)\b", caught) and not reports \
                        and not _private_api(imports):
                    hidden.append(f"{path.relative_to(TANDEM.parent)}:{node.lineno}")
    assert not hidden, "imports with a silent fallback (raise a clear error instead): " + ", ".join(hidden)


def _private_api(imports: list[ast.stmt]) -> bool:
    """A library's private helper (an optimisation that may vanish in its next release) may fall back."""
    return any(isinstance(n, ast.ImportFrom) and any(a.name.startswith("_") for a in n.names) for n in imports)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


# ---- licences -----------------------------------------------------------------------------------

LICENCE_NAMES = {
    # what metadata says -> SPDX id
    "apache software license": "Apache-2.0", "apache 2.0": "Apache-2.0", "apache-2.0": "Apache-2.0",
    "mit license": "MIT", "mit": "MIT", "mit-cmu": "MIT-CMU", "mit-0": "MIT-0",
    "bsd license": "BSD", "bsd-2-clause": "BSD-2-Clause", "bsd-3-clause": "BSD-3-Clause", "0bsd": "0BSD",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0", "mpl-2.0": "MPL-2.0",
    "python software foundation license": "PSF-2.0", "psf-2.0": "PSF-2.0",
    "lgpl-2.1-or-later": "LGPL-2.1-or-later", "gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.0-or-later",
    "gpl-3.0-or-later": "GPL-3.0-or-later", "gnu general public license v3 or later (gplv3+)": "GPL-3.0-or-later",
    "zlib": "Zlib", "cc0-1.0": "CC0-1.0", "the unlicense (unlicense)": "Unlicense", "unlicense": "Unlicense",
    "isc license (iscl)": "ISC", "isc": "ISC", "hpnd": "HPND", "3-clause bsd license": "BSD-3-Clause",
}
GPL3_COMPATIBLE = {"Apache-2.0", "MIT", "MIT-CMU", "MIT-0", "BSD", "BSD-2-Clause", "BSD-3-Clause", "0BSD", "MPL-2.0",
                   "PSF-2.0", "LGPL-2.1-or-later", "LGPL-2.0-or-later", "GPL-3.0-or-later", "Zlib", "CC0-1.0",
                   "Unlicense", "ISC", "HPND"}
"""Licences whose code may be combined with GPL-3.0-or-later code (the FSF's list of GPL-compatible licences)."""


def licences_of(dist: metadata.Distribution) -> list[str]:
    """SPDX ids from a distribution's metadata: its licence expression, else its classifiers, else its licence field."""
    meta = dist.metadata
    if meta.get("License-Expression"):
        parts = re.split(r"\s+(?:AND|OR|WITH)\s+|[()]", meta["License-Expression"])
    else:
        parts = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
        if not parts and meta.get("License"):
            parts = re.split(r"\s+(?:AND|OR)\s+", meta["License"].splitlines()[0])
        if not parts:  # nothing in the metadata (pyrnnoise): the licence file the distribution ships
            parts = [_licence_file_id(dist)]
    return sorted({LICENCE_NAMES.get(p.strip().lower(), p.strip()) for p in parts if p.strip()})


def _licence_file_id(dist: metadata.Distribution) -> str:
    """The SPDX id of a shipped Apache-2.0 licence file named by `License-File` ("" for anything else)."""
    for name in dist.metadata.get_all("License-File") or []:
        text = " ".join((dist.read_text(name) or dist.read_text(f"licenses/{name}") or "").split()[:6])
        if text.startswith("Apache License Version 2.0, January 2004"):
            return "Apache-2.0"
    return ""


def closure() -> dict[str, metadata.Distribution]:
    """Every installed distribution a fresh install of Tandem with its test extra brings in."""
    seen: dict[str, metadata.Distribution] = {}
    todo = [r.name for r in RUNTIME + EXTRAS["test"] if r.marker is None or r.marker.evaluate()]
    while todo:
        name = norm(todo.pop())
        if name in seen:
            continue
        seen[name] = metadata.distribution(name)
        for text in seen[name].requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_every_installed_dependency_has_a_gpl3_compatible_licence() -> None:
    problems = {name: licences_of(d) for name, d in closure().items()
                if not licences_of(d) or not set(licences_of(d)) <= GPL3_COMPATIBLE}
    assert not problems, f"licences to check by hand (then add them to LICENCE_NAMES): {problems}"


def test_tandems_licence_is_gpl3_or_later_with_its_text() -> None:
    assert PROJECT["license"] == "GPL-3.0-or-later"
    assert "GNU GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text() and "Version 3" in (ROOT / "LICENSE").read_text()


def licence_table() -> str:
    rows = ["| Package | Needed for | Licence (from its own metadata) |", "| --- | --- | --- |"]
    for extra, reqs in [("runtime", RUNTIME), *EXTRAS.items()]:
        for req in reqs:
            try:
                licence = " AND ".join(licences_of(metadata.distribution(req.name)))
            except metadata.PackageNotFoundError:
                licence = README_ROWS.get(norm(req.name), "?")
            rows.append(f"| {req.name} | {'running Tandem' if extra == 'runtime' else f'extra `{extra}`'} | {licence} |")
    return "\n".join(rows)


README = (ROOT / "README.md").read_text()
_SECTION = re.search(r"<!-- licences -->\n(.*?)\n<!-- /licences -->", README, re.S)
README_ROWS = {norm(m[0]): m[2] for m in re.findall(r"^\| ([^|]+?) \| ([^|]+?) \| ([^|]+?) \|$",
                                                     _SECTION[1] if _SECTION else "", re.M)}


def test_the_readme_lists_every_dependency_with_its_licence() -> None:
    """Each declared dependency has a row; its licences are compatible ones and agree with the installed package's
    own metadata (the exact wording of a licence expression may change between releases, so they must share one)."""
    assert _SECTION, "README.md needs a <!-- licences --> ... <!-- /licences --> section"
    wrong = []
    for req in RUNTIME + [r for reqs in EXTRAS.values() for r in reqs]:
        listed = set(README_ROWS.get(norm(req.name), "").split(" AND ")) - {""}
        try:
            installed = set(licences_of(metadata.distribution(req.name)))
        except metadata.PackageNotFoundError:
            installed = listed  # an extra not installed here: the README's word, checked for compatibility below
        if not listed or not listed <= GPL3_COMPATIBLE or not listed & installed:
            wrong.append(req.name)
    assert not wrong, f"README licence rows to mend: {wrong}; the table from installed metadata:\n{licence_table()}"
