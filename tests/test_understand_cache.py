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
    kinds = sorted(p.name.split("-")[0] for p in cache.SHIPPED.iterdir())
    assert kinds == ["classifier", "intents", "skeletons"]  # one of each, none stale


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


def test_tandems_own_intents_are_not_parsed_again_on_a_fresh_install(tmp_path, monkeypatch):
    """The parsed templates ship too: a fresh install neither reads the YAML nor parses a template."""
    monkeypatch.setattr(cache, "cache_dir", lambda: tmp_path / "empty-cache")
    import assistant.understand.intents as intents_module

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed the intent files again: run python tools/ship_understanding.py")

    monkeypatch.setattr(intents_module, "read_yaml", no_parsing)
    monkeypatch.setattr(intents_module, "parse", no_parsing)
    assert load_intents(intents_dir()).names


@pytest.mark.parametrize("folder", [intents_dir(), Path(__file__).resolve().parent.parent / "bench" / "barista" / "intents"],
                         ids=["tandem", "barista"])
def test_intents_read_from_the_parsed_cache_are_the_freshly_parsed_ones(cache_in, folder):
    fresh = load_intents(folder, use_cache=False)
    load_intents(folder)  # writes the parsed cache
    (written,) = cache_in.glob("intents-*.json")
    cached = load_intents(folder)
    assert cached is not fresh
    assert_same_graph(fresh, cached)  # the matcher reads nothing else of them: the same answers


def test_a_damaged_parsed_cache_is_parsed_again(cache_in):
    load_intents(intents_dir())
    (written,) = cache_in.glob("intents-*.json")
    written.write_text(written.read_text(encoding="utf-8")[:-2000], encoding="utf-8")
    assert_same_graph(load_intents(intents_dir(), use_cache=False), load_intents(intents_dir()))
    written.write_text('{"format": 1, "shapes": [["os:system", []]], "value": ["O", 0]}', encoding="utf-8")
    assert_same_graph(load_intents(intents_dir(), use_cache=False), load_intents(intents_dir()))


def assert_same_graph(a, b, pairs=None, where="intents"):
    """The same objects, attribute for attribute, and the same sharing (the matcher keys lists by identity)."""
    import enum
    import re
    from pathlib import PurePath

    pairs = {} if pairs is None else pairs
    assert type(a) is type(b), where
    if a is None or isinstance(a, (str, int, float, bool, PurePath, enum.Enum, frozenset, set)):
        assert a == b, where
        return
    if isinstance(a, (re.Pattern, re.Match)):
        assert repr(a) == repr(b), where
        return
    if id(a) in pairs:
        assert pairs[id(a)] is b, f"{where}: shared differently"
        return
    pairs[id(a)] = b
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_graph(x, y, pairs, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same_graph(a[k], b[k], pairs, f"{where}[{k!r}]")
    else:
        assert_same_graph(vars(a), vars(b), pairs, f"{where}.{type(a).__name__}")
