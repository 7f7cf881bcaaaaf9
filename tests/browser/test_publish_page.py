"""The Publish page in Chromium, in Arabic and German at desktop and phone width: the live
model, a running publish (progress, log), a blocked publish with its gate report and a
failed one; nothing sticks out sideways, no CSP violation (screenshots in var/screenshots/).
The rows are written directly (no training here; `tests/curation/test_publish.py` trains)."""

from __future__ import annotations

import datetime as dt

from playwright.async_api import Browser

from bot.curation.documents import live_revision
from bot.nlu.gate import Figure, judge
from bot.storage.curation_models import NluModel
from bot.web.keys import SETTINGS
from tests.browser.conftest import (
    STAFF_VIEWS,
    Site,
    add_two_staff,
    log_in,
    no_sideways_scroll,
    person,
    shoot,
)

NOW = dt.datetime.now(dt.UTC)


def measured(de: tuple[int, int], ar: tuple[int, int]) -> dict[str, dict[str, Figure]]:
    return {"de": {"intent": Figure(de[0], 200), "faq": Figure(de[1], 150)},
            "en": {"intent": Figure(180, 200), "faq": Figure(125, 150)},
            "ar": {"intent": Figure(ar[0], 200), "faq": Figure(ar[1], 150)}}


async def rows(site: Site) -> None:
    blocked = judge(measured((183, 127), (168, 112)), measured((160, 110), (166, 111)), 3.0)
    assert not blocked.passed
    log = "".join(f"[{n * 30:5d} s] training step {n}\n" for n in range(1, 40))
    async with site.db() as session:
        revision = await live_revision(session)
        session.add_all([
            NluModel(status="live", name="nlu-0123456789ab", url=site.app[SETTINGS].rasa_url,
                     knowledge_revision=revision, log="", created_at=NOW - dt.timedelta(days=2),
                     finished_at=NOW - dt.timedelta(days=2), report={"by": "Stefan"}),
            NluModel(status="blocked", name="nlu-ba9876543210", knowledge_revision=revision,
                     log=log, created_at=NOW - dt.timedelta(hours=3),
                     finished_at=NOW - dt.timedelta(hours=2), report={
                         "by": "سلمى", "gate": blocked.to_json(),
                         "seconds": {"training": 512.0, "evaluation": 41.0}}),
            NluModel(status="failed", name=None, knowledge_revision=revision,
                     log="[    3 s] failed: RuntimeError: rasa train nlu failed (exit 1)\n",
                     created_at=NOW - dt.timedelta(hours=1),
                     finished_at=NOW - dt.timedelta(minutes=59), report={"by": "Stefan"}),
            NluModel(status="training", name=None, knowledge_revision=revision, log=log,
                     created_at=NOW - dt.timedelta(minutes=4), report={
                         "by": "سلمى", "progress": {"component": "DIETClassifier",
                                                     "done": 17, "total": 50,
                                                     "left": "02:10"}}),
        ])
        await session.commit()


async def test_the_publish_page_in_arabic_and_german(site: Site, chromium: Browser) -> None:
    await add_two_staff(site.db)
    await rows(site)
    errors: list[str] = []
    for username, lang, viewport, kind in STAFF_VIEWS:
        page = await person(chromium, errors, viewport=viewport)
        await log_in(page, site.url, username, lang)
        await page.goto(site.url + "/console/publish")
        assert await page.get_attribute("html", "lang") == lang
        assert await page.get_attribute("html", "dir") == ("rtl" if lang == "ar" else "ltr")
        assert await page.locator("#publish-running progress").get_attribute("value") == "17"
        assert await page.locator("form[action='/console/publish'] button").is_disabled()
        blocked = page.locator("article.publish-blocked")
        assert await blocked.locator("tr.dropped").count() == 2  # de intent, de FAQ
        assert "-11.5" in await blocked.locator("tr.dropped").first.inner_text()
        assert await page.locator("article.publish-failed details[open]").count() == 1
        await shoot(page, f"publish-{lang}-{kind}")
        if kind == "phone":
            assert await no_sideways_scroll(page) == 0
        await page.context.close()
    assert errors == []
