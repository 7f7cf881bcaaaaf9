"""The dashboard in the console: who may see it, what the page and the CSV show (the same
suppressed figures), and that no message text ever reaches either."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import utcnow
from tests.analytics import data
from tests.console.conftest import Browser, Console

PAGE = "/console/analytics"
CSV = "/console/analytics.csv"


class Tables(HTMLParser):
    """The rows of every table, by the id of the heading of its section."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._section = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self._section = (found.get("aria-labelledby") or "").removesuffix("-h")
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables.setdefault(self._section, []).append(self._row)
            self._row = None

    def handle_data(self, text: str) -> None:
        if self._cell is not None:
            self._cell.append(text)


def tables(html: str) -> dict[str, dict[str, list[str]]]:
    parser = Tables()
    parser.feed(html)
    return {key: {row[0]: row[1:] for row in rows[1:]} for key, rows in parser.tables.items()}


async def staff(console: Console, role: str = "staff", language: str = "en") -> Browser:
    """A logged-in browser of a new user with this role and console language."""
    username = f"{role}-{language}"
    user_id = await console.user(username, role)
    async with console.db() as session:
        user = await session.get_one(ConsoleUser, user_id)
        user.language = language
        await session.commit()
    return await console.as_user(username)


async def test_staff_and_admins_only(console: Console) -> None:
    anonymous = console.browser()
    for path in (PAGE, CSV):
        response = await anonymous.get(path)
        assert (response.status, response.headers["Location"]) == (302, "/console/login")
    await console.user("amal", "counsellor")
    counsellor = await console.as_user("amal")
    for path in (PAGE, CSV):
        assert (await counsellor.get(path)).status == 403
    assert "/console/analytics" not in await (await counsellor.get("/console/")).text()
    for role in ("staff", "admin"):
        browser = await staff(console, role)
        home = await (await browser.get("/console/")).text()
        assert 'href="/console/analytics"' in home  # the nav link (and the staff home's)
        for path in (PAGE, CSV):
            assert (await browser.get(path)).status == 200, (role, path)


async def test_page_shows_suppressed_figures_and_no_text(console: Console) -> None:
    await data.seed(console.db, utcnow())
    browser = await staff(console)
    response = await browser.get(PAGE + "?days=7")
    html = await response.text()
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Zaid" not in html and "Q-7391" not in html and "Aufenthalt?" not in html
    found = tables(html)
    assert found["per-language"] == {"German": ["14"], "English": ["6"], "Arabic": ["5"]}
    assert found["per-city"] == {"Düsseldorf": ["18"], "Leipzig": ["7"]}
    assert found["per-topic"]["Housing"] == ["< 5"]
    assert found["per-topic"]["No topic (buttons, greetings)"] == ["9"]
    assert found["top-unanswered"] == {"Housing": ["< 5"], "No topic (buttons, greetings)":
                                       ["< 5"]}
    assert found["top-faqs"] == {"residence/permit": ["6"], "work/minijob": ["5"]}
    assert found["feedback"] == {"residence/permit": ["5", "< 5"],
                                 "work/minijob": ["< 5", "< 5"]}
    assert len(found["per-day"]) == 7
    assert "17.4%" in html  # 4 of 23 answered by the bot got a clarification
    assert "80.0%" in html  # 8 of 10 conversations went to a person
    assert "5 min" in html  # median of 2, 4, 6, 8, 10 and 3 minutes
    assert 'aria-current="page">Last 7 days' in html
    assert "Counts below 5 are shown as" in html  # the one-line note


async def test_charts_are_inline_svg_without_script_or_style(console: Console) -> None:
    await data.seed(console.db, utcnow())
    html = await (await (await staff(console)).get(PAGE)).text()
    charts = html.count('<svg xmlns="http://www.w3.org/2000/svg"')
    assert charts == 6  # per day, language, topic, city, top FAQs, not understood
    assert html.count("<script") == 1  # console.js from base.html, nothing inline
    assert "<style" not in html and " style=" not in html
    assert 'class="rect reactive suppressed"' in html  # the pale "< 5" bands
    assert "<title>Housing: &lt; 5</title>" in html  # a bar's tooltip, suppressed too
    assert 'href="/console/static/analytics.css"' in html


async def test_csv_has_the_same_figures(console: Console) -> None:
    await data.seed(console.db, utcnow())
    response = await (await staff(console)).get(CSV + "?days=90")
    assert response.content_type == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="lotse-analytics-90d-')
    text = await response.text()
    assert "Zaid" not in text and "Q-7391" not in text and "Aufenthalt" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "key", "value"]
    table = {(section, key): value for section, key, value in rows[1:]}
    assert table["period", "days"] == "90"
    assert table["messages", "inbound"] == "26"  # the old message too
    assert table["messages_per_language", "de"] == "15"
    assert table["messages_per_language", "ar"] == "5"
    assert table["messages_per_topic", "health"] == "< 5"
    assert table["messages_per_topic", "none"] == "9"
    assert table["messages_per_city", "leipzig"] == "7"
    assert table["fallback", "rate"] == f"{4 / 24:.4f}"  # the old FAQ answer too
    assert table["fallback", "fallbacks"] == "< 5"
    assert table["handoff", "rate"] == "0.8000"
    assert table["first_reply", "median_seconds"] == "300"
    assert table["top_faqs", "residence/permit"] == "7"
    assert table["feedback_up", "work/minijob"] == "< 5"
    assert table["feedback_down", "residence/permit"] == "< 5"
    days = [key for section, key in table if section == "messages_per_day"]
    assert len(days) == 90
    assert all(value == "< 5" or int(value) >= 5 for value in table.values()
               if value.isdigit() or value == "< 5")


async def test_rates_from_few_cases_and_unknown_periods(console: Console) -> None:
    browser = await staff(console, language="de")
    html = await (await browser.get(PAGE + "?days=365")).text()  # not offered: 30 days
    assert 'aria-current="page">Letzte 30 Tage' in html
    # both rates and the median: no cases at all
    assert html.count('<dd class="overview-value">&lt; 5 Fälle</dd>') == 3
    text = await (await browser.get(CSV + "?days=abc")).text()
    table = {(s, k): v for s, k, v in list(csv.reader(io.StringIO(text)))[1:]}
    assert table["period", "days"] == "30"
    assert table["fallback", "rate"] == "< 5 cases"
    assert table["first_reply", "median_seconds"] == "< 5 cases"


async def test_arabic_page_is_right_to_left(console: Console) -> None:
    await data.seed(console.db, utcnow())
    html = await (await (await staff(console, language="ar")).get(PAGE)).text()
    assert '<html lang="ar" dir="rtl">' in html
    assert "الإحصاءات" in html
    assert '<dd class="overview-value">&lt; 5 حالات</dd>' not in html  # enough cases here
    found = tables(html)
    assert found["per-language"]["الألمانية"] == ["14"]
