"""The voices data: natural durations, deterministic phrasing, and load-time errors naming file and key."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
import yaml

from assistant.datafiles import voices_dir
from assistant.dialog.keys import CODE_KEYS
from assistant.dialog.voices import Voices, spoken_duration
from assistant.errors import DataError
from assistant.rituals.script import load_rituals


@pytest.mark.parametrize("seconds, spoken", [
    (1, "one second"), (5, "five seconds"), (40, "forty seconds"), (45, "forty-five seconds"),
    (60, "a minute"), (75, "a minute and fifteen seconds"), (90, "a minute and a half"),
    (120, "two minutes"), (150, "two and a half minutes"), (300, "five minutes"), (600, "ten minutes"),
    (3600, "an hour"),
])
def test_durations_are_spoken_as_people_say_them(seconds, spoken):
    assert spoken_duration(seconds) == spoken


@pytest.mark.parametrize("seconds, spoken", [(58.6, "a minute"), (47, "forty-five seconds"), (7, "seven seconds"),
                                             (128, "two minutes and fifteen seconds"), (0.4, "one second")])
def test_time_left_is_rounded_the_way_people_round(seconds, spoken):
    assert spoken_duration(seconds, approximate=True) == spoken


def test_every_ritual_and_every_code_key_loads_from_tandems_own_voices():
    voices = Voices.load(voices_dir())
    book = load_rituals(voices_dir(), voices)
    assert set(CODE_KEYS) <= set(voices.responses)
    assert {"hug", "breathing", "gratitude", "check_in", "walk", "hold_hands", "curiosity", "appreciation",
            "repair"} <= set(book.rituals)
    assert any("emotionally draining" in q for q in book.questions["check_in"])
    assert voices.style.rate > 0 and 0 < voices.style.volume <= 1


def test_every_response_key_has_several_phrasings_or_is_a_cue():
    voices = Voices.load(voices_dir())
    singles = [k for k, v in voices.responses.items() if len(v) == 1]
    assert len(singles) < len(voices.responses) / 2


def test_the_choice_of_phrasing_is_deterministic_for_a_seed():
    voices_a, voices_b = Voices.load(voices_dir()), Voices.load(voices_dir())
    rng_a, rng_b = random.Random(5), random.Random(5)
    said_a = [voices_a.render("gratitude_ack", rng_a).text for _ in range(6)]
    said_b = [voices_b.render("gratitude_ack", rng_b).text for _ in range(6)]
    assert said_a == said_b
    assert all(x != y for x, y in zip(said_a, said_a[1:]))  # never the same phrasing twice in a row


@pytest.fixture
def voices_copy(tmp_path) -> Path:
    folder = tmp_path / "en"
    shutil.copytree(voices_dir(), folder)
    return folder


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def test_a_key_code_needs_but_the_voices_lack_fails_naming_the_folder_and_key(voices_copy):
    _edit(voices_copy / "responses.yaml", lambda d: d["responses"].pop("nothing_running"))
    with pytest.raises(DataError) as error:
        Voices.load(voices_copy)
    assert str(voices_copy) in str(error.value) and "nothing_running" in str(error.value)


def test_a_phrasing_with_an_unknown_slot_fails_naming_the_file_and_key(voices_copy):
    _edit(voices_copy / "responses.yaml", lambda d: d["responses"]["hug_partial"].append("{minutes} of hugs!"))
    with pytest.raises(DataError) as error:
        load_rituals(voices_copy, Voices.load(voices_copy))
    assert "responses.yaml" in error.value.path and error.value.key == "responses.hug_partial"
    assert "{minutes}" in str(error.value)


def test_a_script_key_missing_from_the_voices_fails_naming_rituals_yaml(voices_copy):
    _edit(voices_copy / "rituals.yaml", lambda d: d["rituals"]["hug"]["steps"].append({"say": "hug_goodbye"}))
    with pytest.raises(DataError) as error:
        load_rituals(voices_copy, Voices.load(voices_copy))
    assert error.value.path.endswith("rituals.yaml") and error.value.key == "rituals.hug.steps[7].say"
    assert "hug_goodbye" in str(error.value)


@pytest.mark.parametrize("step, key, words", [
    ({"dance": 3}, "rituals.hug.steps[7]", "unknown step type 'dance'"),
    ({"wait": "forever"}, "rituals.hug.steps[7].wait", "bad value"),
    ({"chime": "gong"}, "rituals.hug.steps[7].chime", "unknown chime"),
    ({"say": "hug_done", "loud": True}, "rituals.hug.steps[7].loud", "unknown field"),
    ({"count": 0}, "rituals.hug.steps[7].count", "1..60"),
    ({"question": "trivia"}, "rituals.hug.steps[7].question", "no question bank"),
])
def test_a_malformed_step_fails_naming_file_and_key(voices_copy, step, key, words):
    _edit(voices_copy / "rituals.yaml", lambda d: d["rituals"]["hug"]["steps"].append(step))
    with pytest.raises(DataError) as error:
        load_rituals(voices_copy, Voices.load(voices_copy))
    assert error.value.path.endswith("rituals.yaml")
    assert error.value.key == key and words in str(error.value)
    assert error.value.fix


def test_an_unknown_ritual_field_or_duration_fails(voices_copy):
    _edit(voices_copy / "rituals.yaml", lambda d: d["rituals"]["walk"].update(duration="stroll"))
    with pytest.raises(DataError) as error:
        load_rituals(voices_copy, Voices.load(voices_copy))
    assert error.value.key == "rituals.walk.duration"


def test_broken_yaml_fails_naming_the_file_and_line(voices_copy):
    (voices_copy / "extra.yaml").write_text("responses:\n  hello: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataError) as error:
        Voices.load(voices_copy)
    assert error.value.path.endswith("extra.yaml") and error.value.key.startswith("line")


def test_a_key_defined_twice_fails(voices_copy):
    (voices_copy / "extra.yaml").write_text("responses:\n  help: [Hi.]\n", encoding="utf-8")
    with pytest.raises(DataError) as error:
        Voices.load(voices_copy)
    assert "responses.help" == error.value.key and "responses.yaml" in str(error.value)


def test_an_unknown_section_fails(voices_copy):
    (voices_copy / "extra.yaml").write_text("respones:\n  hi: [Hi.]\n", encoding="utf-8")
    with pytest.raises(DataError) as error:
        Voices.load(voices_copy)
    assert error.value.key == "respones"


def test_a_bad_voice_setting_fails(voices_copy):
    (voices_copy / "voice.yaml").write_text("voice:\n  rate: fast\n", encoding="utf-8")
    with pytest.raises(DataError) as error:
        Voices.load(voices_copy)
    assert error.value.key == "voice.rate"


def test_tandem_never_says_its_own_wake_phrase_so_a_woken_command_over_its_voice_is_the_couples():
    from assistant.config import Wake

    phrase = Wake().phrase
    said = [(path.name, line) for path in Path(voices_dir()).rglob("*.yaml")
            for line in path.read_text(encoding="utf-8").lower().splitlines() if phrase in line]
    assert said == []
