"""One knowledge record for staff: its fields in three languages side by side, sources,
dates, verified flag, office; an FAQ's training examples and feedback; a Welcome Point's
locator map; its history. Edits are validated and live within a second."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy import select

from bot.console.forms import CsrfForm, posted, read_form
from bot.console.render import language_of, notify, render
from bot.console.viewer import need
from bot.console.views_knowledge import STAFF, actor_of, live_knowledge
from bot.core.types import LANGUAGES, TOPICS
from bot.curation import edits
from bot.curation.documents import documents
from bot.curation.feedback import feedback_by_faq
from bot.curation.locator import locator
from bot.curation.nlu_blocks import examples_of
from bot.curation.records import EDITABLE, RecordRef
from bot.storage.curation_models import KnowledgeChange
from bot.web.keys import DB, WATCHER

LISTS = ("source", "aliases")
NUMBERS = ("lat", "lon")
HISTORY = 10


def ref_of(request: web.Request) -> RecordRef:
    info = request.match_info
    try:
        if "topic" in info:
            return RecordRef("faq", f"{info['topic']}/{info['key']}")
        return RecordRef(info["kind"], info["id"], info["city"])
    except ValueError:
        raise web.HTTPNotFound() from None


def url_of(ref: RecordRef) -> str:
    if ref.kind == "faq":
        return f"/console/knowledge/faq/{ref.id}"
    return f"/console/knowledge/{ref.kind}/{ref.city}/{ref.id}"


def form_fields(ref: RecordRef, values: dict[str, Any]) -> list[str]:
    """The editable fields shown in the form (an FAQ's existing city answers too)."""
    names = [".".join(f) for f in EDITABLE[ref.kind] if f != ("confirmed",)]
    if ref.kind == "faq":
        names += sorted(k for k in values if k.startswith("city_answer."))
    return names


async def record_page(request: web.Request, *, status: int = 200,
                      refused: edits.Refused | None = None,
                      entered: dict[str, Any] | None = None,
                      typed: dict[str, list[str]] | None = None) -> web.Response:
    """`entered` / `typed`: what a refused form held (fields / examples), shown again."""
    need(request, STAFF)
    ref = ref_of(request)
    async with request.config_dict[DB]() as session:
        docs = await documents(session)
        try:
            values = edits.current_values(docs, ref)
        except edits.Refused:
            raise web.HTTPNotFound() from None
        history = list(await session.scalars(
            select(KnowledgeChange).where(KnowledgeChange.target == ref.label)
            .order_by(KnowledgeChange.id.desc()).limit(HISTORY)))
        feedback = (await feedback_by_faq(session)).get(ref.id) if ref.kind == "faq" else None
    knowledge = live_knowledge(request)
    return await render(request, "knowledge_record.html", {
        "ref": ref, "url": url_of(ref), "values": {**values, **(entered or {})},
        "fields": form_fields(ref, values), "record": _loaded(knowledge, ref),
        "sources": knowledge.sources, "examples": {**examples_of(docs, ref.id), **(typed or {})}
        if ref.kind == "faq" else None, "feedback": feedback, "history": history,
        "refused": refused, "languages": LANGUAGES, "lists": LISTS,
        "offices": sorted(next(iter(knowledge.cities.values())).offices),
        "map": _map(knowledge, ref, request)}, status=status)


def _loaded(knowledge: Any, ref: RecordRef) -> Any:
    """The validated record (dates, named sources) from the live generation."""
    if ref.kind == "faq":
        return knowledge.faqs.get(ref.id)
    city = knowledge.cities.get(ref.city)
    if city is None:
        return None
    if ref.kind == "office":
        return city.offices.get(ref.id)
    if ref.kind == "welcome_point":
        return next((w for w in city.welcome_points if w.id == ref.id), None)
    if ref.kind == "district":
        return city.districts.get(int(ref.id)) if ref.id.isdigit() else None
    return next((q for q in city.quarters() if q.id == ref.id), None)


def _map(knowledge: Any, ref: RecordRef, request: web.Request) -> Any:
    if ref.kind != "welcome_point":
        return None
    point = _loaded(knowledge, ref)
    return locator(knowledge.cities[ref.city], point, language_of(request)) if point else None


def parsed(field: str, form: MultiDictProxy[Any]) -> Any:
    """A form value as the knowledge stores it; raises Refused for a malformed number."""
    raw = str(form.get(field, ""))
    if field == "verified":  # a hidden "off" before the checkbox: absent means not in the form
        return "on" in form.getall(field)
    if field in LISTS:
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if field in NUMBERS:
        if not raw.strip():
            return None
        try:
            return float(raw.replace(",", "."))
        except ValueError:
            raise edits.Refused("a number is required", field) from None
    return raw.strip().replace("\r\n", "\n") or None


async def save_fields(request: web.Request) -> web.Response:
    actor = actor_of(need(request, STAFF, page=False))
    await posted(request, CsrfForm)
    form = await read_form(request)
    ref = ref_of(request)
    async with request.config_dict[DB]() as session:
        values = edits.current_values(await documents(session), ref)
        entered: dict[str, Any] = {}
        try:
            changed = {}
            for name in (n for n in form_fields(ref, values) if n in form):  # others stay
                entered[name] = parsed(name, form)
                if entered[name] != values.get(name) and not (
                        entered[name] is None and name not in values):
                    changed[tuple(name.split("."))] = entered[name]
            saved = await edits.edit(session, ref, changed, actor)
        except edits.Refused as refused:
            return await record_page(request, status=400, refused=refused, entered=entered)
        await session.commit()
    return await _done(request, ref, saved.revision)


async def _done(request: web.Request, ref: RecordRef, revision: int) -> web.Response:
    if revision:
        await request.config_dict[WATCHER].refresh()  # live here now, elsewhere within a poll
    await notify(request, "knowledge:saved" if revision else "knowledge:unchanged")
    raise web.HTTPSeeOther(url_of(ref))


async def verify(request: web.Request) -> web.Response:
    actor = actor_of(need(request, STAFF, page=False))
    await posted(request, CsrfForm)
    ref = ref_of(request)
    async with request.config_dict[DB]() as session:
        try:
            saved = await edits.verify(session, ref, actor)
        except edits.Refused as refused:
            return await record_page(request, status=400, refused=refused)
        await session.commit()
    return await _done(request, ref, saved.revision)


async def save_examples(request: web.Request) -> web.Response:
    actor = actor_of(need(request, STAFF, page=False))
    await posted(request, CsrfForm)
    form = await read_form(request)
    ref = ref_of(request)
    if ref.kind != "faq":
        raise web.HTTPNotFound()
    revision = 0
    async with request.config_dict[DB]() as session:
        typed = {lang: [line for line in str(form[f"examples.{lang}"]).splitlines()
                        if line.strip()] for lang in LANGUAGES if f"examples.{lang}" in form}
        for language, lines in typed.items():
            try:
                saved = await edits.set_examples(session, ref.id, language, lines, actor)
            except edits.Refused as refused:
                await session.rollback()  # all languages or none
                return await record_page(request, status=400, refused=refused, typed=typed)
            revision = saved.revision or revision
        await session.commit()
    return await _done(request, ref, revision)


NEW_FAQ = "/console/knowledge/faq/new"
KEY = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


async def new_faq_page(request: web.Request, *, status: int = 200,
                       refused: edits.Refused | None = None,
                       entered: dict[str, Any] | None = None) -> web.Response:
    need(request, STAFF)
    knowledge = live_knowledge(request)
    return await render(request, "knowledge_new_faq.html", {
        "topics": TOPICS, "languages": LANGUAGES, "refused": refused,
        "offices": sorted(next(iter(knowledge.cities.values())).offices),
        "entered": entered or {}}, status=status)


def _lines(form: MultiDictProxy[Any], name: str) -> list[str]:
    return [line.strip() for line in str(form.get(name, "")).splitlines() if line.strip()]


async def create_faq(request: web.Request) -> web.Response:
    """A new FAQ with its answers and examples; the bot understands it with the next model."""
    actor = actor_of(need(request, STAFF, page=False))
    await posted(request, CsrfForm)
    form = await read_form(request)
    entered = {name: str(form.get(name, "")) for name in form if name != "csrf_token"}
    topic, key = entered.get("topic", ""), entered.get("key", "").strip()
    try:
        if topic not in TOPICS:
            raise edits.Refused("choose a topic", "topic")
        if not KEY.match(key):
            raise edits.Refused("lower-case letters, digits and _ only", "key")
        record: dict[str, Any] = {
            "key": key, "office": entered.get("office") or None,
            "answer": {lang: entered.get(f"answer.{lang}", "").strip() for lang in LANGUAGES},
            "source": _lines(form, "source"), "verified": False}
        examples = {lang: _lines(form, f"examples.{lang}") for lang in LANGUAGES}
        async with request.config_dict[DB]() as session:
            saved = await edits.create_faq(session, topic, record, examples, actor)
            await session.commit()
    except edits.Refused as refused:
        return await new_faq_page(request, status=400, refused=refused, entered=entered)
    await request.config_dict[WATCHER].refresh()
    await notify(request, "knowledge:created")
    raise web.HTTPSeeOther(url_of(RecordRef("faq", f"{topic}/{key}")) if saved.revision
                           else NEW_FAQ)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/knowledge/faq/new", new_faq_page)
    app.router.add_post("/knowledge/faq/new", create_faq)
    faq = r"/knowledge/faq/{topic:[a-z_]+}/{key:[a-z0-9_]+}"
    kinds = "office|welcome_point|district|quarter"
    other = r"/knowledge/{kind:" + kinds + r"}/{city:[a-z_]+}/{id:[a-z0-9_-]+}"
    for path in (faq, other):
        app.router.add_get(path, record_page)
        app.router.add_post(path + "/edit", save_fields)
        app.router.add_post(path + "/verify", verify)
    app.router.add_post(faq + "/examples", save_examples)
