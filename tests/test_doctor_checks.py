"""`tandem doctor`: every part a couple needs is checked for real, and each problem comes with its fix."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from assistant import doctor
from assistant.cli import main
from assistant.config import Partners, Settings, write_config
from assistant.doctor import Check, healthy, run_checks
from assistant.errors import AudioError
from assistant.journal.journal import Journal
from assistant.journal.records import Moment

from fake_sounddevice import FakeSoundDevice

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


@pytest.fixture
def home(tmp_path: Path) -> dict[str, Path]:
    """A couple's config and a journal with one hug in it."""
    config = write_config(Settings(partners=Partners(("Alex", "Sam"))), tmp_path / "config.toml")
    journal = tmp_path / "data" / "journal.json"
    with Journal.open(journal) as j:
        j.record(Moment("hug", EVENING, planned_seconds=90, actual_seconds=90))
    return {"config": config, "journal": journal}


def checks_for(home: dict[str, Path], *only: str, sd=None, **kwargs) -> dict[str, Check]:
    """Run the named checks (all of them when none is named), with a fake sounddevice at the edge."""
    return by_name(run_checks(home["config"], home["journal"], sd=sd or FakeSoundDevice(), speech=False,
                              only=only or None, **kwargs))


def test_a_complete_kitchen_speaker_passes_every_check(home):
    checks = checks_for(home)
    needed = {"config", "intents", "voices", "rituals", "journal", "journal lock", "journal privacy",
              "microphone", "speaker", "recognizer"}
    assert needed <= set(checks)
    assert all(checks[name].ok for name in needed), [c for c in checks.values() if not c.ok]
    assert "USB Kitchen Mic" in checks["microphone"].detail and "Speaker Bar" in checks["speaker"].detail
    assert "1 moments" in checks["journal"].detail
    assert healthy(list(checks.values()))


def test_no_audio_devices_names_both_and_says_how_to_fix_it(home):
    checks = checks_for(home, "microphone", "speaker", sd=FakeSoundDevice(devices=[]))
    for name in ("microphone", "speaker"):
        assert not checks[name].ok and checks[name].required
        assert "no " + name in checks[name].detail
        assert "plug in a " + name in checks[name].fix
    assert not healthy(list(checks.values()))


def test_a_microphone_without_a_speaker_is_one_problem(home):
    mic_only = FakeSoundDevice(devices=[{"name": "USB Kitchen Mic", "max_input_channels": 1,
                                         "max_output_channels": 0, "default_samplerate": 44_100.0}],
                               default=(0, -1), input_rates=(44_100,))
    checks = checks_for(home, "microphone", "speaker", sd=mic_only)
    assert checks["microphone"].ok and "resampled" in checks["microphone"].detail
    assert not checks["speaker"].ok


def test_a_microphone_another_program_holds_is_a_problem_with_a_fix(home):
    busy = FakeSoundDevice()
    busy.fail_open = True
    checks = checks_for(home, "microphone", "speaker", sd=busy)
    assert not checks["microphone"].ok and "cannot be opened" in checks["microphone"].detail
    assert "close other programs" in checks["microphone"].fix
    assert not checks["speaker"].ok


def test_the_device_checks_open_and_close_their_streams(home):
    sd = FakeSoundDevice()
    checks_for(home, "microphone", "speaker", sd=sd)
    assert [s.kind for s in sd.streams] == ["input", "output"]
    assert all(s.closed and not s.active for s in sd.streams)


def test_a_configured_microphone_that_is_not_plugged_in_lists_the_ones_that_are(home, tmp_path):
    config = tmp_path / "mic.toml"
    config.write_text('[audio]\ninput_device = "Blue Yeti"\n')
    config.chmod(0o600)
    checks = checks_for({**home, "config": config}, "microphone")
    assert not checks["microphone"].ok
    assert "Blue Yeti" in checks["microphone"].detail and "USB Kitchen Mic" in checks["microphone"].fix


def test_a_missing_journal_folder_is_fine_when_tandem_can_create_it(tmp_path):
    journal = tmp_path / "not" / "yet" / "journal.json"
    checks = by_name(run_checks(None, journal, only=("journal", "journal lock", "journal privacy")))
    assert checks["journal"].ok and "creates it" in checks["journal"].detail
    assert checks["journal lock"].ok and checks["journal privacy"].ok
    assert not (tmp_path / "not").exists(), "the doctor must not create anything"


def test_a_journal_folder_that_cannot_be_created_is_a_problem_with_a_fix(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    checks = by_name(run_checks(None, blocker / "journal" / "journal.json", only=("journal",)))
    assert not checks["journal"].ok
    assert "--journal" in checks["journal"].fix


def test_a_damaged_journal_is_reported_and_left_untouched(home):
    home["journal"].write_bytes(b'{"moments-2026-01": {"1": {"ritual": "hu')
    before = sorted(p.name for p in home["journal"].parent.iterdir())
    checks = checks_for(home, "journal", "journal lock")
    assert not checks["journal"].ok and "damaged" in checks["journal"].detail
    assert "tandem journal repair" in checks["journal"].fix
    assert sorted(p.name for p in home["journal"].parent.iterdir()) == before


def test_a_journal_readable_by_others_gets_a_chmod_fix(home):
    home["journal"].chmod(0o644)
    check = checks_for(home, "journal privacy")["journal privacy"]
    assert not check.ok and check.fix == f"chmod 600 {home['journal']}"


def test_a_journal_locked_by_a_hung_process_is_named_with_its_fix(home):
    lock = str(home["journal"]) + ".lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import filelock, sys; l = filelock.FileLock(sys.argv[1]); l.acquire(); "
         "print('held', flush=True); sys.stdin.read()", lock],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        check = checks_for(home, "journal lock")["journal lock"]
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert not check.ok and "lock" in check.detail
    assert "stop the other `tandem` process" in check.fix


def test_a_corrupt_config_is_a_problem_and_the_other_checks_still_run(home, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[partners\nnames = Alex")
    checks = checks_for({**home, "config": bad}, "config", "rituals", "journal", "microphone")
    assert not checks["config"].ok
    assert str(bad) in checks["config"].detail and "TOML" in checks["config"].detail
    assert checks["config"].fix
    assert checks["rituals"].ok and checks["journal"].ok and checks["microphone"].ok


def test_a_config_with_a_wrong_value_names_the_key(home, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[durations]\nhug = \"ninety\"\n")
    check = checks_for({**home, "config": bad}, "config")["config"]
    assert not check.ok and "durations.hug" in check.detail


def test_a_config_readable_by_others_is_a_tip_not_a_problem_that_stops_tandem(home, capsys):
    home["config"].chmod(0o644)
    check = checks_for(home, "config")["config"]
    assert check.ok and check.advice == f"chmod 600 {home['config']} keeps it to you"
    from assistant.commands.doctor import show

    show([check])
    out = capsys.readouterr().out
    assert out.startswith("ok ") and "-> tip: chmod 600" in out and "problem" not in out


def test_a_missing_vosk_model_is_optional_unless_the_couple_chose_vosk(home, tmp_path):
    nowhere = tmp_path / "no-model"
    check = checks_for(home, "vosk model", vosk_model=nowhere)["vosk model"]
    assert not check.ok and not check.required and "tandem model download" in check.fix
    vosk_config = write_config(Settings(), tmp_path / "vosk.toml")
    vosk_config.write_text(vosk_config.read_text().replace('engine = "auto"', 'engine = "vosk"', 1))
    check = checks_for({**home, "config": vosk_config}, "vosk model", vosk_model=nowhere)["vosk model"]
    assert not check.ok and check.required


def test_the_speech_voice_really_renders_a_word(home):
    check = by_name(run_checks(home["config"], home["journal"], only=("speech voice",)))["speech voice"]
    assert check.ok, check


def test_a_speech_engine_that_cannot_start_gives_the_install_fix():
    def broken():
        raise AudioError("the speech engine cannot start (libespeak-ng.so.1: not found)", doctor_fix())

    check = doctor._guarded("speech voice", lambda: doctor.check_speech(broken))
    assert not check.ok and "espeak-ng" in check.fix


def doctor_fix() -> str:
    from assistant.speak.tts import ESPEAK_FIX

    return ESPEAK_FIX


def test_tandem_doctor_prints_one_line_per_check_and_exits_1_on_a_problem(home, monkeypatch, capsys):
    monkeypatch.setattr("assistant.audio.devices.load_sounddevice", lambda: FakeSoundDevice(devices=[]))
    code = main(["doctor", "--config", str(home["config"]), "--journal", str(home["journal"]), "--no-speech", "--only", "speaker", "--only", "journal"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    speaker = [line for line in out if line.split()[1:2] == ["speaker"]]
    assert len(speaker) == 1 and speaker[0].startswith("problem") and "fix: plug in a speaker" in speaker[0]
    assert any(line.startswith("ok") and " journal " in line for line in out)


def test_tandem_doctor_exits_0_when_what_is_needed_works_and_only_an_option_is_missing(home, monkeypatch, capsys):
    monkeypatch.setattr("assistant.audio.devices.load_sounddevice", lambda: FakeSoundDevice())
    monkeypatch.setattr(doctor, "find_vosk_model", lambda settings, given=None: None)
    code = main(["doctor", "--config", str(home["config"]), "--journal", str(home["journal"]), "--json",
                 *[arg for name in ("config", "journal", "microphone", "speaker", "vosk model") for arg in ("--only", name)]])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert {r["name"] for r in rows if not r["ok"]} == {"vosk model"}
