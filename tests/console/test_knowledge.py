"""Staff curate the knowledge in the console: lists and filters, an edit that the running
app uses at once, a refused value shown next to its field, verify, training examples, the
audit log and revert; counsellors cannot."""

from __future__ import annotations

import html

from sqlalchemy import select

from bot.storage.curation_models import KnowledgeChange
from bot.web.keys import GENERATIONS
from tests.console.conftest import Console

FAQ = "/console/knowledge/faq/registration/register_address"


def live(console: Console) -> object:
    return console.server.app[GENERATIONS].current


async def test_counsellors_cannot_open_or_change_the_knowledge(console: Console) -> None:
    await console.user("carla", "counsellor")
    carla = await console.as_user("carla")
    for path in ("/console/knowledge", FAQ, "/console/knowledge/changes"):
        assert (await carla.get(path)).status == 403
    response = await carla.post(FAQ + "/edit", {"answer.de": "x"})
    assert response.status == 403


async def test_the_faq_list_filters_by_topic_text_language_and_status(console: Console) -> None:
    await console.user("sara", "staff")
    sara = await console.as_user("sara")
    everything = await (await sara.get("/console/knowledge")).text()
    assert "83 of 83 questions" in everything
    housing = await (await sara.get("/console/knowledge?topic=housing")).text()
    assert "housing/" in housing and "registration/register_address" not in housing
    found = await (await sara.get("/console/knowledge?q=Wohnungsgeberbest")).text()
    assert "registration/wohnungsgeberbestaetigung" in found and "housing/" not in found
    unverified = await (await sara.get("/console/knowledge?unverified=1")).text()
    assert "Unverified" in unverified and "Verified, not yet confirmed" not in unverified
    forged = await sara.get("/console/knowledge?topic=<script>&age=99&missing=xx")
    assert forged.status == 200 and "<script>" not in await forged.text()


async def test_an_arabic_edit_is_live_audited_and_revertible(console: Console) -> None:
    await console.user("sara", "staff", name="Sara Staff")
    sara = await console.as_user("sara")
    page = await (await sara.get(FAQ)).text()
    assert 'dir="rtl"' in page and 'name="answer.ar"' in page
    old = live(console).knowledge.faqs["registration/register_address"].answer["ar"]  # type: ignore[attr-defined]
    response = await sara.post(FAQ + "/edit", {
        "answer.de": live(console).knowledge.faqs["registration/register_address"].answer["de"],  # type: ignore[attr-defined]
        "answer.en": live(console).knowledge.faqs["registration/register_address"].answer["en"],  # type: ignore[attr-defined]
        "answer.ar": "سجّل عنوانك خلال أسبوعين <b>مهم</b>", "office": "registration_office",
        "source": "https://www.gesetze-im-internet.de/bmg/__17.html\n"
                  "https://www.duesseldorf.de/buergerservice/dienstleistungen/dienstleistung/"
                  "show/anmeldung-eines-wohnsitzes.html"})
    assert response.status == 303, await response.text()
    faq = live(console).knowledge.faqs["registration/register_address"]  # type: ignore[attr-defined]
    assert faq.answer["ar"] == "سجّل عنوانك خلال أسبوعين <b>مهم</b>"  # live in this process
    page = await (await sara.get(FAQ)).text()
    assert "&lt;b&gt;مهم&lt;/b&gt;" in page and "<b>مهم</b>" not in page  # escaped
    async with console.db() as session:
        change = (await session.scalars(select(KnowledgeChange).where(
            KnowledgeChange.kind == "edit"))).one()
    assert change.field == "answer.ar" and change.old_value == {"answer.ar": old}
    assert change.actor_name == "Sara Staff"
    log = await (await sara.get("/console/knowledge/changes")).text()
    assert "Sara Staff" in log and html.escape(old[:30]) in log
    reverted = await sara.post(f"/console/knowledge/changes/{change.id}/revert")
    assert reverted.status == 303
    assert live(console).knowledge.faqs["registration/register_address"].answer["ar"] == old  # type: ignore[attr-defined]
    again = await sara.post(f"/console/knowledge/changes/{change.id}/revert")
    assert again.status == 303  # refused politely: it was reverted already
    assert live(console).knowledge.faqs["registration/register_address"].answer["ar"] == old  # type: ignore[attr-defined]


async def test_a_broken_value_is_shown_next_to_its_field_and_nothing_changes(
        console: Console) -> None:
    await console.user("sara", "staff")
    sara = await console.as_user("sara")
    point = "/console/knowledge/welcome_point/duesseldorf/dus-wp-1"
    page = await sara.get(point)
    assert page.status == 200, await page.text()
    text = await page.text()
    assert "<svg" in text and "openstreetmap.org" in text  # the locator map
    revision = live(console).version.revision  # type: ignore[attr-defined]
    response = await sara.post(point + "/edit", {"lat": "12.5", "lon": "6.8"})
    assert response.status == 400
    text = await response.text()
    assert 'id="e-lat"' in text and "not in Germany" in text
    assert live(console).version.revision == revision  # type: ignore[attr-defined]
    response = await sara.post(point + "/edit", {"lat": "north"})
    assert response.status == 400 and "a number is required" in await response.text()


async def test_verify_and_examples_are_recorded(console: Console) -> None:
    await console.user("sara", "staff", name="Sara Staff")
    sara = await console.as_user("sara")
    office = "/console/knowledge/office/leipzig/registration_office"
    assert (await sara.post(office + "/verify")).status == 303
    record = live(console).knowledge.cities["leipzig"].offices["registration_office"]  # type: ignore[attr-defined]
    assert record.provenance.confirmed.by == "Sara Staff"
    page = await (await sara.get(FAQ)).text()
    assert 'name="examples.ar"' in page
    response = await sara.post(FAQ + "/examples", {
        "examples.de": "wie melde ich mich an\nanmeldung wohnung", "examples.en": "",
        "examples.ar": "كيف أسجل عنواني"})
    assert response.status == 303
    page = await (await sara.get(FAQ)).text()
    assert "anmeldung wohnung" in page and "(2)" in page


async def test_a_new_faq_is_created_with_its_examples_or_refused_with_the_reason(
        console: Console) -> None:
    await console.user("sara", "staff")
    sara = await console.as_user("sara")
    assert (await sara.get("/console/knowledge/faq/new")).status == 200
    form = {"topic": "work", "key": "night_shift", "office": "",
            "answer.de": "Nachtarbeit …", "answer.en": "Night work …", "answer.ar": "",
            "source": "https://www.gesetze-im-internet.de/bmg/__17.html",
            "examples.de": "nachtschicht regeln", "examples.en": "night shift rules",
            "examples.ar": "قواعد العمل الليلي"}
    refused = await sara.post("/console/knowledge/faq/new", form)
    assert refused.status == 400
    text = await refused.text()
    assert 'id="e-answer"' in text and "Night work" in text  # kept what was typed
    assert "work/night_shift" not in live(console).knowledge.faqs  # type: ignore[attr-defined]
    created = await sara.post("/console/knowledge/faq/new", {**form, "answer.ar": "العمل الليلي …"})
    assert created.status == 303
    assert created.headers["Location"] == "/console/knowledge/faq/work/night_shift"
    faq = live(console).knowledge.faqs["work/night_shift"]  # type: ignore[attr-defined]
    assert faq.office is None and not faq.provenance.verified
    page = await (await sara.get("/console/knowledge/faq/work/night_shift")).text()
    assert "قواعد العمل الليلي" in page
    twice = await sara.post("/console/knowledge/faq/new", {**form, "answer.ar": "x"})
    assert twice.status == 400 and "exists already" in await twice.text()


async def test_feedback_is_shown_per_faq_and_language(console: Console) -> None:
    from bot.storage.curation_models import Feedback
    from bot.storage.models import Message

    await console.user("sara", "staff")
    sara = await console.as_user("sara")
    cid = await console.conversation("bot", language="ar")
    questions = [Message(conversation_id=cid, direction="in", text="سؤال", language="ar",
                         status="answered", intent="registration/register_address")
                 for _ in range(3)]
    await console.add(*questions)
    await console.add(*(Feedback(message_id=m.id, conversation_id=cid,
                                 faq="registration/register_address", language="ar",
                                 value=value) for m, value in zip(questions, (1, 1, -1),
                                                                  strict=True)))
    listing = await (await sara.get("/console/knowledge?topic=registration")).text()
    assert "👍&nbsp;2" in listing and "👎&nbsp;1" in listing
    page = await (await sara.get(FAQ)).text()
    assert "Arabic" in page and "👍 2" in page and "👎 1" in page


async def test_an_example_rasa_would_misread_is_refused(console: Console) -> None:
    await console.user("sara", "staff")
    sara = await console.as_user("sara")
    response = await sara.post(FAQ + "/examples", {"examples.de": "[Bilk](district) anmelden",
                                                   "examples.en": "typed and kept"})
    text = await response.text()
    assert response.status == 400 and "entity annotation" in text
    assert "typed and kept" in text  # what was typed is shown again, nothing saved
    page = await (await sara.get(FAQ)).text()
    assert "typed and kept" not in page
