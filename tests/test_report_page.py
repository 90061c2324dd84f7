"""The `tandem report --html` page: its charts, drawn and checked in headless Chromium (Debian's package),
on a phone-sized screen, a desktop one and in print, with every network request refused."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.journal import Journal
from assistant.commands.report import context_period
from assistant.journal.figures import Period, compute_figures
from assistant.report.charts import (
    CALENDAR_RAMP, PALETTE, calendar_chart, minutes_chart, moments_chart, ritual_colours, shade_level,
)
from assistant.report.labels import Labels
from test_report_cli import CONFIG, NOW, moment, our_weeks

CHROMIUM = Path("/usr/bin/chromium")
CHARTS = ("moments", "minutes", "calendar", "ratings", "initiators", "offers")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


def render(tmp_path: Path, *options: str) -> Path:
    journal = our_weeks(tmp_path / "journal.json")
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)
    page = tmp_path / "report.html"
    code = main(["report", *options, "--html", str(page), "--journal", str(journal), "--config", str(config),
                 "--at", NOW.isoformat()])
    assert code == 0
    return page


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed (apt-get install chromium; see .ci/install)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                                   "(pip install -e .[test])")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """Open a file in a fresh page of the given width; every request that is not the file itself is aborted
    and recorded, so a test can assert that the page asked for nothing."""
    pages = []

    def open_(path: Path, width: int, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=2)
        pages.append(context)
        page = context.new_page()
        page.attempted = []  # type: ignore[attr-defined]

        def guard(route) -> None:
            if route.request.url.startswith("file://"):
                route.continue_()
            else:
                page.attempted.append(route.request.url)  # type: ignore[attr-defined]
                route.abort()

        page.route("**/*", guard)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        return page

    yield open_
    for context in pages:
        context.close()


def visible_charts(page) -> dict[str, dict]:
    """Per chart: the visible SVG's size on screen and how many marks (paths, rects) it holds."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('figure[data-chart]')].map(f => {
        const svg = [...f.querySelectorAll('svg.chart-svg')].find(s => s.getBoundingClientRect().width > 0);
        const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
        return [f.dataset.chart, {width: box.width, height: box.height,
                                  marks: svg ? svg.querySelectorAll('path, rect').length : 0,
                                  caption: [...f.querySelectorAll('figcaption')]
                                      .find(c => c.getBoundingClientRect().height > 0).textContent}];
    }))""")


def test_every_chart_is_on_the_desktop_page_drawn_and_visible(tmp_path: Path, open_page) -> None:
    page = open_page(render(tmp_path), 1280)
    charts = visible_charts(page)
    assert sorted(charts) == sorted(CHARTS)
    for key, chart in charts.items():
        assert chart["width"] > 250 and chart["height"] > 60, (key, chart)
        assert chart["marks"] > 8, (key, chart)
    assert page.locator(".headline li").count() >= 5
    page.screenshot(path="/tmp/tandem-report-desktop.png", full_page=True)


def test_the_page_asks_the_network_for_nothing(tmp_path: Path, open_page) -> None:
    path = render(tmp_path, "--month")
    page = open_page(path, 1280)
    page.wait_for_timeout(200)  # anything lazy (fonts, images) would have been requested by now
    assert page.attempted == []
    assert page.evaluate("performance.getEntriesByType('resource').length") == 0
    # the guard does catch a leak: the same page without its policy, plus one remote image
    leaky = tmp_path / "leaky.html"
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", path.read_text())
    leaky.write_text(text.replace("</main>", '<img src="https://example.com/pixel.png"></main>'))
    page = open_page(leaky, 1280)
    page.wait_for_timeout(200)
    assert page.attempted == ["https://example.com/pixel.png"]


def test_on_a_phone_nothing_scrolls_sideways_and_the_charts_fit(tmp_path: Path, open_page) -> None:
    page = open_page(render(tmp_path), 390, 844)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 390
    for key, chart in visible_charts(page).items():
        assert 250 < chart["width"] <= 390 and chart["marks"] > 8, (key, chart)
    page.screenshot(path="/tmp/tandem-report-phone.png", full_page=True)


def test_a_years_long_page_on_a_phone_shows_a_calendar_sized_for_it(tmp_path: Path, open_page) -> None:
    path = render(tmp_path, "--since", "2025-06-01")
    phone = open_page(path, 390, 844)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert "17 weeks" in visible_charts(phone)["calendar"]["caption"]
    desktop = open_page(path, 1280)
    assert "twelve months" in visible_charts(desktop)["calendar"]["caption"]


def test_in_print_every_chart_is_there_and_a_pdf_comes_out(tmp_path: Path, open_page) -> None:
    page = open_page(render(tmp_path, "--since", "2025-06-01"), 1000)
    page.emulate_media(media="print")
    charts = visible_charts(page)
    assert all(chart["width"] > 250 and chart["marks"] > 8 for chart in charts.values()), charts
    assert page.evaluate("getComputedStyle(document.querySelector('figure')).breakInside") == "avoid"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 20_000


# ---- the charts themselves, without a browser ------------------------------------------------------

def figures_between(start: date, rituals: dict[str, int]):
    """Figures of a stretch with the given rituals done every day of it."""
    days = (NOW.date() - start).days + 1
    moments = [moment(r, d, by="Alex") for d in range(days) for r, n in rituals.items() for _ in range(n)]
    return compute_figures(moments, [], Period.since(start, NOW), NOW, {"hug": 1}, {})


@pytest.mark.parametrize(("start", "words"), [
    (date(2026, 11, 1), "each day"), (date(2025, 11, 1), "each week"), (date(2022, 1, 1), "each month")])
def test_long_stretches_get_a_bar_per_week_or_month_and_the_title_says_so(start: date, words: str) -> None:
    figures = figures_between(start, {"hug": 1, "walk": 1})
    chart = moments_chart(figures, ritual_colours(figures.rituals), Labels.load())
    assert words in chart.title
    assert chart.svg is not None and chart.svg.count("<path") > 10


def test_a_week_shows_the_last_eight_weeks_of_minutes_for_context() -> None:
    week = Period.week(NOW)
    wider = context_period(week, NOW)
    assert wider is not None and wider.start == date(2026, 10, 12)  # a Monday, eight weeks before this one
    context = figures_between(wider.start, {"hug": 1})
    chart = minutes_chart(context, Labels.load(), week)
    assert chart.title == "Minutes together each week (the last 8 weeks, for context)"
    assert context_period(Period.month(NOW), NOW) is not None
    assert context_period(Period.since(date(2026, 1, 1), NOW), NOW) is None  # long enough on its own


def test_a_forgiven_day_is_marked_on_the_calendar_and_explained() -> None:
    start = NOW.date() - timedelta(days=20)
    moments = [moment("hug", d) for d in range(21) if d != 5]
    figures = compute_figures(moments, [], Period.since(start, NOW), NOW, {}, {})
    assert figures.streak.forgiven == (NOW.date() - timedelta(days=5),)
    chart = calendar_chart(figures, Labels.load())
    assert "forgiven day" in chart.svg
    without = calendar_chart(compute_figures(moments + [moment("hug", 5)], [], figures.period, NOW, {}, {}),
                             Labels.load())
    assert "forgiven day" not in without.svg


def test_one_ritual_keeps_one_colour_on_every_chart() -> None:
    colours = ritual_colours(["walk", "zumba", "hug", "aerobics"])
    assert colours["hug"] == ritual_colours(["hug"])["hug"]
    assert len({colours[r] for r in ("walk", "zumba", "hug", "aerobics")}) == 4


def test_the_page_needs_no_browser_to_be_self_contained(tmp_path: Path) -> None:
    text = render(tmp_path).read_text()
    assert "http://" not in text.replace("http://www.w3.org/", "") and "https://" not in text
    assert "<link" not in text and "@import" not in text and "<script" not in text
    assert text.count("<svg") >= len(CHARTS)


def test_an_empty_journal_gets_a_calm_page_with_every_chart_explained(tmp_path: Path) -> None:
    page, config = tmp_path / "empty.html", tmp_path / "config.toml"
    config.write_text(CONFIG)
    Journal.open(tmp_path / "j.json").close()  # a journal with nothing in it yet
    assert main(["report", "--html", str(page), "--journal", str(tmp_path / "j.json"), "--config", str(config),
                 "--at", NOW.isoformat()]) == 0
    text = page.read_text()
    assert "A fresh page" in text
    assert text.count('class="empty"') == 5  # every chart but the calendar, which shows the empty days
    assert "No ratings yet" in text and "0 of 0" not in text


# ---- readable on a phone, shades that tell counts apart, minutes not in a ritual's colour ----------

SMALLEST_TEXT = """() => [...document.querySelectorAll('figure[data-chart]')].flatMap(f => {
    const svg = [...f.querySelectorAll('svg.chart-svg')].find(s => s.getBoundingClientRect().width > 0);
    return svg ? [...svg.querySelectorAll('text')].filter(t => t.getBoundingClientRect().width > 0).map(t => {
        const m = t.getScreenCTM();
        return [f.dataset.chart, t.textContent, parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b)];
    }) : [];
})"""


@pytest.mark.parametrize("options", [(), ("--month",), ("--since", "2025-06-01")])
def test_on_a_phone_no_chart_text_is_smaller_than_eleven_pixels(tmp_path: Path, open_page, options) -> None:
    page = open_page(render(tmp_path, *options), 390, 844)
    sizes = page.evaluate(SMALLEST_TEXT)
    assert {chart for chart, _, _ in sizes} == set(CHARTS)
    small = [(chart, text, round(px, 1)) for chart, text, px in sizes if px < 11.0]
    assert small == []


def test_calendar_shades_tell_one_moment_from_two_and_three() -> None:
    # Mostly two a day, one day with one, one with three: quartiles of these would all be "2".
    counts = {d: 2 for d in range(14)} | {3: 1, 9: 3}
    moments = [moment("hug", d, hour=8 + i) for d, n in counts.items() for i in range(n)]
    start = NOW.date() - timedelta(days=13)
    figures = compute_figures(moments, [], Period.since(start, NOW), NOW, {}, {})
    svg = calendar_chart(figures, Labels.load()).svg or ""
    used = [c for c in CALENDAR_RAMP if f"fill: {c}" in svg]
    assert CALENDAR_RAMP[:3] == tuple(used[:3])  # one, two and three moments each have their own shade
    assert shade_level(1) < shade_level(2) < shade_level(3) <= shade_level(7)


def test_the_minutes_chart_is_not_drawn_in_any_ritual_s_colour() -> None:
    figures = figures_between(NOW.date() - timedelta(days=60), {"hug": 1, "walk": 1})
    svg = minutes_chart(figures, Labels.load()).svg or ""
    assert "fill: " in svg
    assert not [c for c in PALETTE.values() if f"fill: {c}" in svg]
