"""`[rooms]` and `[services]` in the config, a moment's room in the journal, and wake arbitration's rules."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from assistant.clock import VirtualClock
from assistant.config import load_settings, settings_from_dict, settings_to_toml
from assistant.errors import ConfigError
from assistant.journal.journal import Journal
from assistant.journal.records import Moment
from assistant.rooms.arbiter import WakeArbiter, loudness_db
from assistant.rooms.hub import RoomJournal

NOW = datetime(2026, 1, 5, 20, 0).astimezone()


def test_rooms_are_read_in_order_with_where_offers_go(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[rooms]\nkitchen = "tcp://127.0.0.1:10700"\nbedroom = "tcp://127.0.0.2:10700"\n'
                      'desk = "local"\n\n[rooms.offers]\ngratitude = "bedroom"\n')
    rooms = load_settings(config).rooms
    assert rooms.names == ("kitchen", "bedroom", "desk")
    assert rooms.uri("desk") == "local"
    assert rooms.offer_room("gratitude") == "bedroom"
    assert rooms.offer_room("hug") == "kitchen"  # the first room, by default
    assert load_settings(config).rooms == settings_from_dict(
        __import__("tomllib").loads(settings_to_toml(load_settings(config)))).rooms


@pytest.mark.parametrize("table, key", [
    ({"rooms": {"Kitchen": "tcp://127.0.0.1:1"}}, "rooms.Kitchen"),
    ({"rooms": {"kitchen": "http://127.0.0.1:10700"}}, "rooms.kitchen"),
    ({"rooms": {"kitchen": "tcp://127.0.0.1"}}, "rooms.kitchen"),
    ({"rooms": {"kitchen": 10700}}, "rooms.kitchen"),
    ({"rooms": {"a": "local", "b": "local"}}, "rooms"),
    ({"rooms": {"a": "tcp://127.0.0.1:10700", "b": "tcp://127.0.0.1:10700"}}, "rooms.a"),
    ({"rooms": {"kitchen": "tcp://127.0.0.1:1", "offers": {"gratitude": "bedroom"}}}, "rooms.offers.gratitude"),
    ({"services": {"asr": "127.0.0.1"}}, "services.asr"),
    ({"services": {"timeout_seconds": 0}}, "services.timeout_seconds"),
])
def test_a_bad_room_or_service_is_named_with_its_fix(table, key):
    with pytest.raises(ConfigError) as caught:
        settings_from_dict(table, "config.toml")
    assert caught.value.key == key and caught.value.fix


def test_a_moment_keeps_its_room_and_an_old_moment_has_none(tmp_path):
    path = tmp_path / "journal.json"
    journal = Journal.open(path, now=NOW)
    room = {"now": "bedroom"}
    tagged = RoomJournal(journal, lambda: room["now"])
    tagged.record(Moment("gratitude", NOW, NOW, actual_seconds=60))
    moment_id = tagged.begin(Moment("hug", NOW, planned_seconds=90, status="running"))
    tagged.finish(moment_id, status="completed", actual_seconds=90)
    journal.record(Moment("walk", NOW, NOW, actual_seconds=300))  # heard by `tandem listen`: no room
    journal.close()

    journal = Journal.open(path, now=NOW)
    rooms = {m.ritual: m.room for m in journal.moments()}
    assert rooms == {"gratitude": "bedroom", "hug": "bedroom", "walk": None}
    older = {k: v for k, v in journal.moments()[0].to_dict().items() if k != "room"}  # as an older Tandem wrote it
    assert Moment.from_dict(older).room is None
    assert "room" in journal.export("csv").splitlines()[0].split(",")
    journal.close()


class Hearing:
    def __init__(self) -> None:
        self.since: dict[str, float | None] = {}

    def hearing_since(self, room: str) -> float | None:
        return self.since.get(room)


def test_a_wake_heard_alone_is_answered_at_once():
    rooms = Hearing()
    arbiter = WakeArbiter(rooms, VirtualClock(), names=("kitchen", "bedroom"))
    assert arbiter.claim("kitchen", 1.0, 2.5, 60.0, lambda: None) is True


def test_the_same_words_in_two_rooms_go_to_the_louder_room_once_both_have_heard_them():
    rooms, clock = Hearing(), VirtualClock()
    won: list[str] = []
    arbiter = WakeArbiter(rooms, clock, names=("kitchen", "bedroom"))
    rooms.since["bedroom"] = 1.05  # still hearing the same words
    assert arbiter.claim("kitchen", 1.0, 2.5, 50.0, lambda: won.append("kitchen"), "start our hug") is False
    arbiter.poll("kitchen")
    assert won == []  # waits for the bedroom
    rooms.since["bedroom"] = None
    assert arbiter.claim("bedroom", 1.05, 2.6, 62.0, lambda: won.append("bedroom"), "start our hug timer") is False
    arbiter.poll("kitchen")
    arbiter.poll("bedroom")
    assert won == ["bedroom"]
    assert arbiter.claim("kitchen", 1.1, 2.7, 70.0, lambda: won.append("late"), "start our hug") is False


def test_two_people_asking_different_things_in_two_rooms_at_once_are_both_answered():
    rooms, clock = Hearing(), VirtualClock()
    won: list[str] = []
    arbiter = WakeArbiter(rooms, clock, names=("kitchen", "bedroom"))
    rooms.since["bedroom"] = 1.1
    assert arbiter.claim("kitchen", 1.0, 2.5, 60.0, lambda: won.append("kitchen"), "start our hug timer") is False
    rooms.since["bedroom"] = None
    assert arbiter.claim("bedroom", 1.1, 2.4, 58.0, lambda: won.append("bedroom"), "how was our week") is True
    arbiter.poll("kitchen")
    arbiter.poll("bedroom")
    assert won == ["kitchen"]  # answered too, as soon as the bedroom's words were known to differ


def test_a_faint_garbled_copy_through_the_wall_is_still_the_same_words():
    rooms, clock = Hearing(), VirtualClock()
    won: list[str] = []
    arbiter = WakeArbiter(rooms, clock, names=("kitchen", "bedroom"))
    assert arbiter.claim("kitchen", 1.0, 2.5, 72.0, lambda: won.append("kitchen"), "start our hug timer") is True
    assert arbiter.claim("bedroom", 1.1, 2.4, 55.0, lambda: won.append("bedroom"), "start a walk") is False


def test_a_rival_that_never_claims_delays_a_wake_by_at_most_the_patience():
    rooms, clock = Hearing(), VirtualClock()
    won: list[str] = []
    arbiter = WakeArbiter(rooms, clock, names=("kitchen", "bedroom"), patience=1.2)
    rooms.since["bedroom"] = 0.9  # the radio, talking on
    arbiter.claim("kitchen", 1.0, 2.5, 50.0, lambda: won.append("kitchen"))
    clock.advance(1.0)
    arbiter.poll("kitchen")
    assert won == []
    clock.advance(0.3)
    arbiter.poll("kitchen")
    assert won == ["kitchen"]


def test_loudness_ranks_the_nearer_room_higher():
    rng = np.random.default_rng(1)
    near = (rng.normal(0, 3000, 16_000)).astype(np.int16)
    far = (near * 0.3).astype(np.int16)
    assert loudness_db(near) - loudness_db(far) == pytest.approx(10.5, abs=0.5)
