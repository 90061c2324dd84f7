"""The couple's config file: defaults, clear errors naming key and file, private when created."""

from __future__ import annotations

import stat

import pytest

from assistant.config import Settings, load_settings, write_config
from assistant.errors import ConfigError


def test_no_config_file_gives_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    settings = load_settings(None)
    assert settings == Settings()
    assert settings.durations.hug == 90 and settings.durations.morning_hug == 60
    assert settings.durations.breathing == 120 and settings.durations.check_in == 300
    assert (settings.breathing.inhale, settings.breathing.exhale) == (4, 6)
    assert settings.minimums.as_dict() == {"hug": 1, "gratitude": 1}
    assert settings.keep_gratitude_text is False and settings.wake.phrase == "hey tandem"
    assert settings.recognizer.engine == "auto" and settings.rituals.halfway_chime is True


def test_a_config_file_sets_names_durations_and_privacy(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[partners]\nnames = ["Ana", "Ben"]\n[durations]\nhug = 120\n'
                    '[privacy]\nkeep_gratitude_text = true\n[audio]\ninput_device = 2\n', encoding="utf-8")
    settings = load_settings(path)
    assert settings.partners.names == ("Ana", "Ben") and settings.partners.other("Ana") == "Ben"
    assert settings.durations.hug == 120 and settings.durations.walk == 300
    assert settings.keep_gratitude_text and settings.audio.input_device == "2"
    assert settings.source == path


@pytest.mark.parametrize("text, key, words", [
    ("[durations]\nhugg = 90\n", "durations.hugg", "did you mean durations.hug"),
    ("[partner]\nnames = ['A', 'B']\n", "partner", "did you mean partners"),
    ("[durations]\nhug = '90'\n", "durations.hug", "whole number"),
    ("[durations]\nhug = true\n", "durations.hug", "whole number"),
    ("[durations]\nhug = 0\n", "durations.hug", "out of range"),
    ("[partners]\nnames = ['Ana']\n", "partners.names", "exactly two"),
    ("[partners]\nnames = ['Ana', 'ana']\n", "partners.names", "the same"),
    ("[privacy]\nkeep_gratitude_text = 'yes'\n", "privacy.keep_gratitude_text", "true or false"),
    ("[recognizer]\nengine = 'siri'\n", "recognizer.engine", "unknown engine"),
    ("[breathing]\ninhale = 40\n", "breathing.inhale", "out of range"),
    ("durations = 3\n", "durations", "must be a table"),
    ('[offers]\nat = ["7.30 hug"]\n', "offers.at[0]", "HH:MM ritual"),
    ('[offers]\nat = ["07:30 hug", "25:00 gratitude"]\n', "offers.at[1]", "HH:MM ritual"),
    ('[offers]\nat = "07:30 hug"\n', "offers.at", "list of text"),
    ('[offers]\nquiet_hours = "late"\n', "offers.quiet_hours", "HH:MM-HH:MM"),
    ('[offers]\nmissed_minimums_at = "7pm"\n', "offers.missed_minimums_at", "HH:MM"),
    ('[offers]\nanswer_seconds = 600\n', "offers.answer_seconds", "out of range"),
    ("[rituals]\nrating_gap_minutes = 5\n", "rituals.rating_gap_minutes", "never asks for a rating twice"),
    ("[weekly_minimums]\ncheck_in = -1\n", "weekly_minimums.check_in", "out of range"),
    ("[weekly_minimums]\ncheckin = 3\n", "weekly_minimums.checkin", "did you mean weekly_minimums.check_in"),
])
def test_a_bad_value_names_the_key_the_file_and_the_fix(tmp_path, text, key, words):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert error.value.key == key and error.value.path == str(path)
    assert words in str(error.value) and error.value.fix


def test_broken_toml_names_the_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[durations\nhug = 90\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(path)
    assert str(path) in str(error.value) and "TOML" in str(error.value)


def test_an_explicit_config_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(ConfigError):
        load_settings(tmp_path / "nope.toml")


def test_a_config_tandem_creates_is_private_and_reads_back(tmp_path):
    path = write_config(Settings(), tmp_path / "tandem" / "config.toml")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings(path) == Settings(source=path)
    with pytest.raises(ConfigError):
        write_config(Settings(), path)


def test_weekly_minimums_offers_and_the_rating_question_are_configured_in_one_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[weekly_minimums]\ncheck_in = 3\n[rituals]\nask_rating = false\nrating_gap_minutes = 120\n'
                    '[offers]\nenabled = true\nat = ["07:30 hug morning", "21:30 gratitude"]\n'
                    'quiet_hours = ""\nmissed_minimums_at = "18:45"\n', encoding="utf-8")
    settings = load_settings(path)
    assert settings.weekly_minimums.as_dict() == {"check_in": 3}
    assert settings.minimums.as_dict() == {"hug": 1, "gratitude": 1}
    assert settings.rituals.ask_rating is False and settings.rituals.rating_gap_minutes == 120
    assert settings.offers.enabled and settings.offers.at == ("07:30 hug morning", "21:30 gratitude")
    assert settings.offers.quiet_hours == "" and settings.offers.missed_minimums_at == "18:45"


def test_offers_are_off_until_the_couple_turns_them_on():
    assert Settings().offers.enabled is False
