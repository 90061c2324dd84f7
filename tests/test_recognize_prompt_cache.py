"""Whisper's vocabulary prompt is kept on disk per intents folder: the text read back is the text built, and
an edited intents file builds it again (building expands every template, half a second at each start)."""

from __future__ import annotations

import shutil

import pytest

from assistant.datafiles import intents_dir
from assistant.recognize import model_cache
from assistant.recognize.model_cache import intents_text
from assistant.recognize.prompt import hybrid_prompt
from assistant.understand.intents import load_intents


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setattr(model_cache, "cache_root", lambda: tmp_path / "cache")
    return tmp_path / "cache"


def test_the_prompt_read_back_from_the_cache_is_the_prompt_built(cache):
    intent_set = load_intents(intents_dir())
    built = []

    def build():
        built.append(1)
        return hybrid_prompt(intent_set, "hey tandem", typical=False)

    first = intents_text(intent_set, "whisper-prompt", build, [], "hey tandem")
    again = intents_text(intent_set, "whisper-prompt", build, [], "hey tandem")
    assert built == [1]
    assert again == first == hybrid_prompt(load_intents(intents_dir()), "hey tandem", typical=False)


def test_an_edited_intents_file_or_another_wake_phrase_builds_the_prompt_again(cache, tmp_path):
    folder = tmp_path / "intents"
    shutil.copytree(intents_dir(), folder)
    built = []

    def text(intent_set, wake):
        return intents_text(intent_set, "whisper-prompt", lambda: built.append(wake) or hybrid_prompt(intent_set, wake),
                            [], wake)

    text(load_intents(folder), "hey tandem")
    text(load_intents(folder), "okay nabu")
    some = sorted(folder.glob("*.yaml"))[0]
    some.write_text(some.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    text(load_intents(folder), "hey tandem")
    text(load_intents(folder), "hey tandem")
    assert built == ["hey tandem", "okay nabu", "hey tandem"]


def test_a_damaged_cached_prompt_is_built_again(cache):
    intent_set = load_intents(intents_dir())
    intents_text(intent_set, "whisper-prompt", lambda: "one", [])
    for path in (cache / "texts").glob("*.json"):
        path.write_text('{"text": "on', encoding="utf-8")  # cut short, as by a crash mid-write
    assert intents_text(intent_set, "whisper-prompt", lambda: "two", []) == "two"
    assert intents_text(intent_set, "whisper-prompt", lambda: "three", []) == "two"
