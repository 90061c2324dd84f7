"""`tandem devices` lists what PortAudio sees, and a device is picked by index or part of its name."""

from __future__ import annotations

import json

import pytest

from assistant.audio import devices
from assistant.audio.devices import find_device, list_devices
from assistant.cli import main
from assistant.errors import AudioError
from fake_sounddevice import FakeSoundDevice


def test_devices_are_listed_with_channels_rates_and_defaults():
    listed = list_devices(FakeSoundDevice())
    assert [(d.index, d.name, d.inputs, d.outputs) for d in listed] == [
        (0, "USB Kitchen Mic", 1, 0), (1, "Speaker Bar", 0, 2), (2, "USB Headset", 2, 2)]
    assert listed[0].default_input and listed[1].default_output and listed[0].rate == 48_000
    assert listed[0].hostapi == "ALSA"


def test_a_device_is_found_by_part_of_its_name_in_any_case():
    assert find_device("kitchen", "input", FakeSoundDevice()).index == 0
    assert find_device("HEADSET", "output", FakeSoundDevice()).index == 2


def test_a_device_is_found_by_index_given_as_number_or_text():
    assert find_device(2, "input", FakeSoundDevice()).name == "USB Headset"
    assert find_device("2", "input", FakeSoundDevice()).name == "USB Headset"


def test_no_choice_means_the_default_device():
    assert find_device(None, "input", FakeSoundDevice()).name == "USB Kitchen Mic"
    assert find_device(None, "output", FakeSoundDevice()).name == "Speaker Bar"


def test_a_speaker_is_not_accepted_as_a_microphone():
    with pytest.raises(AudioError) as caught:
        find_device("Speaker Bar", "input", FakeSoundDevice())
    assert "USB Kitchen Mic" in caught.value.fix  # the fix lists what there is


def test_an_ambiguous_name_asks_for_more():
    with pytest.raises(AudioError, match="2 microphones match 'usb'"):
        find_device("usb", "input", FakeSoundDevice())


def test_an_unknown_index_is_refused_with_the_choices():
    with pytest.raises(AudioError, match="index 9"):
        find_device(9, "output", FakeSoundDevice())


def test_tandem_devices_prints_a_table(monkeypatch, capsys):
    monkeypatch.setattr(devices, "load_sounddevice", lambda: FakeSoundDevice())
    assert main(["devices"]) == 0
    out = capsys.readouterr().out
    assert "USB Kitchen Mic" in out and "Speaker Bar" in out and "--input-device" in out


def test_tandem_devices_json_gives_one_object_per_device(monkeypatch, capsys):
    monkeypatch.setattr(devices, "load_sounddevice", lambda: FakeSoundDevice())
    assert main(["devices", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in rows] == ["USB Kitchen Mic", "Speaker Bar", "USB Headset"]


def test_tandem_devices_with_no_devices_says_so_and_succeeds(monkeypatch, capsys):
    monkeypatch.setattr(devices, "load_sounddevice", lambda: FakeSoundDevice(devices=[], default=(-1, -1)))
    assert main(["devices"]) == 0
    assert "no audio devices found" in capsys.readouterr().err


def test_tandem_devices_without_portaudio_names_the_package(monkeypatch, capsys):
    def missing():
        raise AudioError("PortAudio is not available (PortAudio library not found)", devices.PORTAUDIO_FIX)

    monkeypatch.setattr(devices, "load_sounddevice", missing)
    assert main(["devices"]) == 2
    assert "libportaudio2" in capsys.readouterr().err
