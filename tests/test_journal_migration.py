"""Every earlier journal schema opens in today's Tandem, with nothing lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from assistant.journal import SCHEMA_VERSION, Journal


def version_1() -> dict[str, Any]:
    """The first prototype: one `seconds` figure, no ids, appreciations as a ritual, one table."""
    return {
        "meta": {"1": {"schema": 1}},
        "moments": {
            "1": {"ritual": "hug", "started": "2025-12-30T21:00:00+01:00", "ended": "2025-12-30T21:01:30+01:00",
                  "seconds": 90, "status": "completed", "initiated_by": "Sam", "rating": 5,
                  "counts": None, "texts": None},
            "2": {"ritual": "gratitude", "started": "2026-01-02T22:00:00+01:00", "ended": None,
                  "seconds": 140, "status": "partial", "initiated_by": "Alex", "rating": None,
                  "counts": {"Sam": 3, "Alex": 1}, "texts": None},
            "3": {"ritual": "appreciation", "started": "2026-01-03T08:00:00+01:00", "ended": None,
                  "seconds": 0, "status": "completed", "initiated_by": "Alex", "rating": None,
                  "counts": None, "texts": ["thank you for the coffee"]},
        },
    }


def version_2() -> dict[str, Any]:
    """Planned and actual seconds, ids and kinds, one table per month; no offers yet."""
    def moment(ritual: str, started: str, actual: float, status: str, by: str, **more: Any) -> dict[str, Any]:
        return {"ritual": ritual, "started": started, "ended": None, "planned_seconds": None, "actual_seconds": actual,
                "status": status, "initiated_by": by, "rating": None, "counts": None, "texts": None,
                "kind": "moment", "id": f"{ritual[:6]}0000000"[:12], **more}
    return {
        "meta": {"1": {"schema": 2}},
        "moments-2025-12": {"1": moment("hug", "2025-12-30T21:00:00+01:00", 90, "completed", "Sam", rating=5)},
        "moments-2026-01": {
            "1": moment("gratitude", "2026-01-02T22:00:00+01:00", 140, "partial", "Alex", counts={"Sam": 3, "Alex": 1}),
            "2": moment("appreciation", "2026-01-03T08:00:00+01:00", 0, "completed", "Alex", kind="appreciation",
                        texts=["thank you for the coffee"]),
        },
    }


EARLIER: dict[int, Callable[[], dict[str, Any]]] = {1: version_1, 2: version_2}


def test_there_is_a_fixture_for_every_earlier_version() -> None:
    assert set(EARLIER) == set(range(1, SCHEMA_VERSION))


@pytest.mark.parametrize("version", sorted(EARLIER))
def test_an_earlier_journal_is_migrated_with_every_moment(tmp_path: Path, version: int) -> None:
    path = tmp_path / "journal.json"
    path.write_text(json.dumps(EARLIER[version]()))
    journal = Journal.open(path)
    assert journal.notice is None
    hug, gratitude, appreciation = journal.moments()
    assert (hug.ritual, hug.actual_seconds, hug.planned_seconds, hug.rating, hug.initiated_by) == ("hug", 90, None, 5, "Sam")
    assert (gratitude.status, gratitude.actual_seconds, gratitude.counts) == ("partial", 140, {"Sam": 3, "Alex": 1})
    assert (appreciation.kind, appreciation.texts) == ("appreciation", ["thank you for the coffee"])
    ids = [m.id for m in journal.moments()]
    journal.close()
    stored = json.loads(path.read_text())
    assert stored["meta"]["1"]["schema"] == SCHEMA_VERSION
    assert [m.id for m in Journal.open(path).moments()] == ids  # stable ids: migrating is done once, cleanly


def test_repair_reads_moments_of_an_earlier_version_too(tmp_path: Path) -> None:
    damaged = tmp_path / "old.json"
    damaged.write_text(json.dumps(version_1())[:-40])
    journal = Journal.open(tmp_path / "journal.json")
    result = journal.repair(damaged)
    assert result.added == 2 and journal.moments()[0].actual_seconds == 90


def test_an_earlier_journal_that_cannot_be_migrated_is_set_aside_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "journal.json"
    broken = version_1()
    del broken["moments"]["2"]["started"]
    path.write_text(json.dumps(broken))
    original = path.read_bytes()
    journal = Journal.open(path)
    assert journal.notice is not None and journal.notice.backups[0].read_bytes() == original
    assert journal.repair(journal.notice.backups[0]).added == 2  # the two whole moments come back
