"""Staff's knowledge screens: the FAQ list with its filters, offices, Welcome Points, the
place gazetteer, and the audit log with revert. Record pages: `views_record`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy import select

from bot.console.forms import CsrfForm, posted
from bot.console.render import notify, render
from bot.console.viewer import Viewer, need
from bot.core.types import LANGUAGES, TOPICS
from bot.curation import edits
from bot.curation.documents import Actor, documents
from bot.curation.feedback import feedback_by_faq
from bot.curation.listing import AGES, FaqFilter, example_counts, faq_rows
from bot.curation.nlu_blocks import all_examples
from bot.kb.model import City, Knowledge
from bot.storage.curation_models import KnowledgeChange
from bot.web.keys import DB, GENERATIONS, WATCHER

STAFF = ("staff", "admin")
CHANGES_PER_PAGE = 50


def live_knowledge(request: web.Request) -> Knowledge:
    return request.config_dict[GENERATIONS].current.knowledge


def actor_of(viewer: Viewer) -> Actor:
    return Actor(viewer.id, viewer.display_name or viewer.username)


async def faqs(request: web.Request) -> web.Response:
    need(request, STAFF)
    knowledge = live_knowledge(request)
    cities = list(knowledge.cities)
    chosen = FaqFilter.from_query(request.query, cities)
    async with request.config_dict[DB]() as session:
        examples = example_counts(all_examples(await documents(session)))
        feedback = await feedback_by_faq(session)
    rows = faq_rows(knowledge, examples, chosen, dt.date.today())
    return await render(request, "knowledge_faqs.html", {
        "section": "faqs", "rows": rows, "chosen": chosen, "topics": TOPICS, "cities": cities,
        "languages": LANGUAGES, "ages": AGES, "feedback": feedback,
        "total": len(knowledge.faqs)})


def _city(request: web.Request, knowledge: Knowledge) -> City:
    asked = request.query.get("city", "")
    return knowledge.cities.get(asked) or next(iter(knowledge.cities.values()))


async def _city_page(request: web.Request, template: str, section: str,
                     content: Callable[[City], dict[str, Any]]) -> web.Response:
    """A list of one city's records (the city chosen in the query, else the first)."""
    need(request, STAFF)
    knowledge = live_knowledge(request)
    city = _city(request, knowledge)
    return await render(request, template, {"section": section, "city": city.id,
                                            "cities": list(knowledge.cities), **content(city)})


async def offices(request: web.Request) -> web.Response:
    return await _city_page(request, "knowledge_list.html", "offices", lambda city: {
        "records": [("office", o.id, o.name, o.provenance, o.address)
                    for o in city.offices.values()]})


async def welcome_points(request: web.Request) -> web.Response:
    return await _city_page(request, "knowledge_list.html", "welcome_points", lambda city: {
        "records": [("welcome_point", w.id, w.name, w.provenance, w.address)
                    for w in city.welcome_points]})


async def places(request: web.Request) -> web.Response:
    return await _city_page(request, "knowledge_places.html", "places", lambda city: {
        "districts": list(city.districts.values())})


async def changes(request: web.Request) -> web.Response:
    need(request, STAFF)
    target = request.query.get("target", "")[:200]
    page = max(0, int(request.query["page"])) if request.query.get("page", "").isdigit() else 0
    query = select(KnowledgeChange).order_by(KnowledgeChange.id.desc())
    if target:
        query = query.where(KnowledgeChange.target == target)
    async with request.config_dict[DB]() as session:
        rows = list(await session.scalars(
            query.offset(page * CHANGES_PER_PAGE).limit(CHANGES_PER_PAGE + 1)))
        reverted = set(await session.scalars(select(KnowledgeChange.reverts_id).where(
            KnowledgeChange.reverts_id.is_not(None))))
    return await render(request, "knowledge_changes.html", {
        "section": "changes", "changes": rows[:CHANGES_PER_PAGE], "reverted": reverted,
        "target": target, "page": page, "more": len(rows) > CHANGES_PER_PAGE,
        "revertible": REVERTIBLE, "shown": shown})


REVERTIBLE = ("edit", "verify", "revert", "examples", "create")


def shown(value: Any) -> str:
    """An audit value as staff read it: text as it is, lists one per line, no JSON noise."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"  # as the knowledge files write it
    if isinstance(value, dict):
        return "\n".join(f"{k}: {shown(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


async def revert(request: web.Request) -> web.Response:
    viewer = need(request, STAFF, page=False)
    await posted(request, CsrfForm)
    change_id = int(request.match_info["id"])
    async with request.config_dict[DB]() as session:
        try:
            saved = await edits.revert(session, change_id, actor_of(viewer))
        except edits.Refused:
            await notify(request, "knowledge:revert_refused")
            raise web.HTTPSeeOther("/console/knowledge/changes") from None
        await session.commit()
    await request.config_dict[WATCHER].refresh()
    await notify(request, "knowledge:reverted" if saved.revision else "knowledge:unchanged")
    raise web.HTTPSeeOther("/console/knowledge/changes")


def add_routes(app: web.Application) -> None:
    add_get, add_post = app.router.add_get, app.router.add_post
    add_get("/knowledge", faqs)
    add_get("/knowledge/offices", offices)
    add_get("/knowledge/welcome-points", welcome_points)
    add_get("/knowledge/places", places)
    add_get("/knowledge/changes", changes)
    add_post("/knowledge/changes/{id:[0-9]{1,18}}/revert", revert)
