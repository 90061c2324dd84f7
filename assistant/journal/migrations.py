"""Bring a journal written by an older Tandem up to `SCHEMA_VERSION`, one version at a time.

Version 1 (the first prototype) kept one `seconds` figure per moment, no id and no kind:
    {"ritual", "started", "ended", "seconds", "status", "initiated_by", "rating", "counts", "texts"}
Version 2 splits `seconds` into `planned_seconds` (unknown for old moments) and `actual_seconds`,
adds a stable `id` and `kind` ("appreciation" was a ritual name in version 1), and keeps moments
in one table per month (`moments-2026-01`) instead of a single `moments` table.
Version 3 adds offers (`offers-2026-01`) and "not today" silences (`silences`); moments are unchanged,
so the step is only the version number. The bump makes an older Tandem say "written by a newer
Tandem, upgrade" instead of setting aside a journal whose new tables it does not know.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from assistant.journal.records import MOMENT_FIELDS, SCHEMA_VERSION

Doc = dict[str, Any]
Tables = dict[str, dict[str, Doc]]
MOMENTS = "moments"
OFFERS = "offers"
"""Offers Tandem made ("gratitude time?") live in their own monthly tables (`offers-2026-11`)."""
SILENCES = "silences"
"""When someone said "not today" with no offer waiting (one small table: a few a month)."""
META = "meta"
META_KEY = "1"


def stable_id(doc: Doc) -> str:
    """An id derived from the content, so migrating or repairing twice never duplicates a moment."""
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def v1_to_v2_doc(doc: Doc) -> Doc:
    out = {k: v for k, v in doc.items() if k in MOMENT_FIELDS}
    out["actual_seconds"] = doc.get("seconds") or 0
    out["planned_seconds"] = None
    out["kind"] = "appreciation" if doc.get("ritual") == "appreciation" else "moment"
    out["id"] = stable_id(doc)
    return out


def table_for(started: datetime) -> str:
    """Moments are kept in one TinyDB table per month: TinyDB rewrites a whole table on every
    change, and a month (a few hundred moments) keeps that instant even after ten years."""
    return f"{MOMENTS}-{started:%Y-%m}"


def offers_table_for(at: datetime) -> str:
    return f"{OFFERS}-{at:%Y-%m}"


def is_moments_table(name: str) -> bool:
    return name.startswith(MOMENTS + "-")


def is_offers_table(name: str) -> bool:
    return name.startswith(OFFERS + "-")


def split_by_month(docs: list[Doc]) -> dict[str, dict[str, Doc]]:
    tables: dict[str, dict[str, Doc]] = {}
    for doc in docs:
        table = tables.setdefault(table_for(datetime.fromisoformat(doc["started"])), {})
        table[str(len(table) + 1)] = doc
    return tables


def _v1_to_v2(tables: Tables) -> Tables:
    docs = [v1_to_v2_doc(doc) for _, doc in sorted(tables.get(MOMENTS, {}).items(), key=lambda kv: int(kv[0]))]
    rest = {name: table for name, table in tables.items() if name != MOMENTS}
    return {**rest, **split_by_month(docs)}


def looks_current(doc: Doc) -> bool:
    """A cheap shape check of a stored moment (full parsing happens lazily, month by month)."""
    return isinstance(doc.get("ritual"), str) and isinstance(doc.get("started"), str) and "id" in doc


def looks_like_offer(doc: Doc) -> bool:
    """A cheap shape check of a stored offer (a ritual, when it was made, what came of it)."""
    return isinstance(doc.get("ritual"), str) and isinstance(doc.get("at"), str) and "outcome" in doc and "id" in doc


def _v2_to_v3(tables: Tables) -> Tables:
    """Nothing to convert: a version 2 journal simply has no offers yet."""
    return tables


STEPS: dict[int, Callable[[Tables], Tables]] = {1: _v1_to_v2, 2: _v2_to_v3}
"""STEPS[n] turns version n into version n + 1."""


def schema_of(tables: Tables) -> int | None:
    meta = tables.get(META, {}).get(META_KEY, {})
    version = meta.get("schema")
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def with_schema(tables: Tables, version: int = SCHEMA_VERSION) -> Tables:
    return {**tables, META: {META_KEY: {"schema": version}}}


def migrate(tables: Tables, version: int) -> Tables:
    """Apply every step from `version` to the current one."""
    while version < SCHEMA_VERSION:
        tables = STEPS[version](tables)
        version += 1
    return with_schema(tables)


def doc_version(doc: Doc) -> int:
    """Guess the version of a lone document (repair has no file header to go by)."""
    return 1 if "seconds" in doc and "actual_seconds" not in doc else SCHEMA_VERSION


def upgrade_doc(doc: Doc) -> Doc:
    """One document of any known version in the current shape."""
    if doc_version(doc) == 1:
        return v1_to_v2_doc(doc)
    return doc
