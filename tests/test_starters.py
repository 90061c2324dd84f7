"""Who started a moment is recorded only when it is known: said aloud ("Sam's starting a hug", "it's Alex"),
an offer that named one partner and was taken up, a turn given by name and taken, or `tandem log --by`.
Otherwise it is "not known", on the report and in what Tandem says."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from assistant.config import Offers, Partners, Rituals, Settings
from assistant.journal.figures import Period, compute_figures
from assistant.journal.records import Moment
from assistant.report.charts import initiators_chart
from assistant.report.labels import Labels
from assistant.report.table import summary_rows
from dialog_harness import Couple

EVENING = datetime(2026, 1, 5, 20, 0).astimezone()
SETTINGS = Settings(partners=Partners(("Alex", "Sam")), rituals=Rituals(ask_rating=False))


def test_nobody_named_means_nobody_recorded(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    for line in ("start a ten second hug", "let's breathe for a minute", "hold hands"):
        couple.say(line)
        couple.wait(120)
    assert [m.initiated_by for m in couple.moments()] == [None, None, None]


def test_a_name_said_with_the_request_is_the_starter(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    for line, who in (("Sam's starting a ten second hug", "Sam"), ("Alex is starting a ten second hug", "Alex"),
                      ("alex here, start a ten second hug", "Alex")):  # "here" around a request: still one
        couple.say(line)
        couple.wait(60)
        if who:
            assert couple.last("hug").initiated_by == who, line
    assert len(couple.moments("hug")) == 3


def test_it_s_alex_during_a_hug_names_its_starter_and_is_answered(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    couple.say("start our hug")
    couple.wait(20)
    reply = couple.say("it's Alex")
    assert reply.keys == ["starter_noted"] and "Alex" in reply.said[0]
    assert couple.dialog.running == "hug"  # the hug goes on
    couple.wait(120)
    assert couple.last("hug").initiated_by == "Alex"


def test_a_name_said_just_after_a_moment_is_its_starter(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    couple.say("start a ten second hug")
    couple.wait(30)
    assert couple.say("that was Sam").keys == ["starter_noted"]
    assert couple.last("hug").initiated_by == "Sam"


def test_a_name_said_first_is_the_starter_of_what_follows(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    hello = couple.say("it's Sam")
    assert hello.keys == ["hello_name"] and "Sam" in hello.said[0]
    couple.say("let's go for a walk")
    couple.wait(400)
    assert couple.last("walk").initiated_by == "Sam"
    couple.wait(600)
    couple.say("start a ten second hug")  # much later: nobody said who
    couple.wait(60)
    assert couple.last("hug").initiated_by is None


def test_gratitude_asked_of_one_partner_by_name_and_begun_by_them_is_theirs(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    couple.say("gratitude time")  # "Alex, you start tonight"
    couple.say("the soup")
    couple.say("stop")
    assert couple.last("gratitude").initiated_by == "Alex"
    couple.say("gratitude time")  # stopped before anyone spoke: nobody took the turn
    couple.say("stop")
    assert couple.last("gratitude").initiated_by is None


def test_an_appreciation_is_not_put_in_anyone_s_name(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    couple.say("note an appreciation")
    couple.say("the way you laughed at dinner")
    moment = couple.last("appreciation")
    assert moment.initiated_by is None and set(moment.counts or {}).isdisjoint({"Alex", "Sam"})


def offer_couple(tmp_path: Path, phrasing: str) -> Couple:
    settings = Settings(partners=Partners(("Alex", "Sam")), rituals=Rituals(ask_rating=False),
                        offers=Offers(enabled=True, at=("20:30 hug",), missed_minimums_at=""))
    couple = Couple(tmp_path, settings, start=EVENING)
    couple.dialog.voices.responses["offer_hug"] = (phrasing,)
    couple.wait(30 * 60 + 1)
    assert couple.said_keys()[-1] == "offer_hug"
    couple.say("yes")
    couple.wait(120)
    return couple


def test_an_offer_taken_up_names_its_starter_only_if_it_named_someone(tmp_path: Path) -> None:
    assert offer_couple(tmp_path / "a", "{name}, hug time?").last("hug").initiated_by == "Alex"
    assert offer_couple(tmp_path / "b", "Hug?").last("hug").initiated_by is None


def test_whose_turn_never_claims_who_started_the_last_one_without_knowing(tmp_path: Path) -> None:
    couple = Couple(tmp_path, SETTINGS, start=EVENING)
    assert couple.say("whose turn is it").keys == ["whose_turn_first"]
    couple.journal.record(Moment("hug", EVENING - timedelta(hours=3), actual_seconds=90))
    unknown = couple.say("whose turn is it")
    assert unknown.keys == ["whose_turn_unknown"] and not re.search(r"(Alex|Sam) started", unknown.said[0])
    couple.journal.record(Moment("hug", EVENING - timedelta(hours=2), actual_seconds=90, initiated_by="Sam"))
    known = couple.say("whose turn is it")
    assert known.keys == ["whose_turn"] and "Alex" in known.said[0] and "Sam started the last one" in known.said[0]
    couple.journal.record(Moment("hug", EVENING - timedelta(hours=1), actual_seconds=90))
    earlier = couple.say("whose turn is it")
    assert earlier.keys == ["whose_turn_earlier"] and "know of" in earlier.said[0]


def test_the_report_shows_moments_nobody_said_who_started_as_not_known() -> None:
    moments = [Moment("hug", EVENING - timedelta(hours=h), actual_seconds=60, initiated_by=by)
               for h, by in ((1, "Alex"), (2, None), (3, None), (4, "Sam"), (5, "Alex"))]
    figures = compute_figures(moments, [], Period.week(EVENING), EVENING, {}, {})
    assert figures.initiators == {"Alex": 2, "Sam": 1} and figures.initiators_unknown == 2
    assert figures.to_dict()["initiators_unknown"] == 2
    rows = dict(summary_rows(figures, Labels.load()))
    assert rows["Who started"] == "Alex 2, Sam 1, not known 2"
    chart = initiators_chart(figures, Labels.load())
    assert "Not known" in (chart.svg or "") and "only when it is told" in chart.note
