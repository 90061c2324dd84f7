"""The skeleton cache only ever saves time: same answers, rebuilt when stale, corrupt or unwritable."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.datafiles import intents_dir
from assistant.understand import cache
from assistant.understand.intents import load_intents
from assistant.understand.matcher import Matcher

SENTENCES = ["um a ten minute check in please", "pass the salt", "rate it a four", "we had a row"]


def answers(matcher: Matcher) -> list:
    return [matcher.match(s) for s in SENTENCES]


@pytest.fixture()
def cache_in(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setattr(cache, "cache_dir", lambda: folder)
    monkeypatch.setattr(cache, "SHIPPED", tmp_path / "shipped")  # as for any other intents folder
    return folder


def test_tandems_own_intents_need_no_training_on_a_fresh_install(tmp_path, monkeypatch):
    """The shipped cache matches the intents files and the code (else: python tools/ship_understanding.py)."""
    folder = tmp_path / "empty-cache"
    monkeypatch.setattr(cache, "cache_dir", lambda: folder)
    Matcher(load_intents(intents_dir()))
    assert not folder.exists(), "nothing is built on a fresh install: run python tools/ship_understanding.py"
    assert sorted(p.suffix for p in cache.SHIPPED.iterdir()) == [".json", ".npz"]  # one of each, none stale


def test_a_cached_start_gives_the_same_answers_as_a_fresh_one(cache_in):
    intent_set = load_intents(intents_dir())
    fresh = answers(Matcher(intent_set, use_cache=False))
    first = answers(Matcher(intent_set))
    assert len(list(cache_in.glob("skeletons-*.json"))) == 1
    second = answers(Matcher(load_intents(intents_dir())))
    assert fresh == first == second


def test_a_corrupt_cache_file_is_rebuilt(cache_in):
    intent_set = load_intents(intents_dir())
    Matcher(intent_set)
    (written,) = cache_in.glob("skeletons-*.json")
    written.write_text("{ not json", encoding="utf-8")
    assert answers(Matcher(intent_set)) == answers(Matcher(intent_set, use_cache=False))


def test_a_cache_from_other_templates_is_not_used(cache_in, tmp_path):
    folder = tmp_path / "intents"
    folder.mkdir()
    body = "language: en\nintents:\n  Order:\n    data:\n      - sentences: ['a {drink} please']\n"
    (folder / "coffee.yaml").write_text(body + "lists:\n  drink:\n    values: [latte]\n", encoding="utf-8")
    Matcher(load_intents(folder))
    (folder / "coffee.yaml").write_text(body.replace("a {drink}", "one {drink}")
                                        + "lists:\n  drink:\n    values: [latte]\n", encoding="utf-8")
    changed = Matcher(load_intents(folder))
    assert changed.match("one latte please").slots == {"drink": "latte"}
    assert len(list(cache_in.glob("skeletons-*.json"))) == 2


def test_an_unwritable_cache_folder_just_means_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(cache, "cache_dir", lambda: blocker / "cache")
    monkeypatch.setattr(cache, "SHIPPED", tmp_path / "shipped")
    assert answers(Matcher(load_intents(intents_dir()))) == answers(
        Matcher(load_intents(intents_dir()), use_cache=False))
