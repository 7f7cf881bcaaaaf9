"""Staff's unanswered queue (`/console/unanswered`): the messages the bot could not answer
and the answers rated 👎, by likely topic, their personal data masked; one click makes a
message a training example of an intent (in its language), marks it out of scope, or
dismisses it. The raw text never leaves this module: only `mask(text)` is rendered."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from wtforms import StringField  # type: ignore[import-untyped]
from wtforms.validators import Length, Optional  # type: ignore[import-untyped]

from bot.console.forms import TEXT_LIMIT, CsrfForm, posted
from bot.console.labels import topic_label
from bot.console.render import language_of, notify, render
from bot.console.viewer import Viewer, need
from bot.core.types import FALLBACK_INTENT
from bot.curation import unanswered
from bot.curation.documents import Actor, Change, documents, save
from bot.curation.examples import OUT_OF_SCOPE, ExampleError, add_example, clean
from bot.curation.masking import mask
from bot.curation.unanswered import VOCABULARY, Unanswered, Vocabulary
from bot.kb.model import Knowledge
from bot.web.keys import DB, GENERATIONS, TRANSLATORS

STAFF = ("staff", "admin")
PATH = "/console/unanswered"
DECISION = {"example": "example", "out_of_scope": "out_of_scope", "dismiss": "dismissed"}
ATTEMPTS = 3  # a document changed by someone else meanwhile: read it again
log = logging.getLogger(__name__)


def current_knowledge(request: web.Request) -> Knowledge:
    """The knowledge the bot answers with now (the one place to change when that moves)."""
    return request.config_dict[GENERATIONS].current.knowledge


class ReviewForm(CsrfForm):
    intent = StringField(validators=[Optional(), Length(max=80)])
    text = StringField(validators=[Optional(), Length(max=TEXT_LIMIT)],
                       filters=[lambda v: clean(v or "")])


@dataclass(frozen=True)
class Row:
    """One message as staff see it: masked, never the raw text."""

    id: int
    at: dt.datetime
    language: str
    reasons: tuple[str, ...]
    faq: str | None
    guess: str | None
    masked: str


@dataclass(frozen=True)
class GroupView:
    topic: str  # "" for the unknown topic
    label: str
    count: int
    rows: list[Row]


def _row(item: Unanswered, words: frozenset[str]) -> Row:
    guess = None if item.intent == FALLBACK_INTENT else item.intent
    return Row(item.id, item.at, item.language, item.reasons, item.faq, guess,
               mask(item.text, words))


def _faq_groups(request: web.Request, knowledge: Knowledge) -> list[tuple[str, str, list[str]]]:
    """(topic, its name in the console's language, its FAQ keys) for the intent menus."""
    chat, lang = request.config_dict[TRANSLATORS], language_of(request)
    by_topic: dict[str, list[str]] = {}
    for key in sorted(knowledge.faqs):
        by_topic.setdefault(key.split("/")[0], []).append(key)
    return [(t, topic_label(chat, t, lang), keys) for t, keys in sorted(by_topic.items())]


async def page(request: web.Request) -> web.Response:
    need(request, STAFF)
    knowledge = current_knowledge(request)
    async with request.config_dict[DB]() as session:
        groups = await unanswered.queue(session)
        vocabulary = await VOCABULARY.get(session, knowledge)
    chat, lang = request.config_dict[TRANSLATORS], language_of(request)
    views = [GroupView(g.topic or "", topic_label(chat, g.topic, lang), g.count,
                       [_row(item, vocabulary.words) for item in g.items]) for g in groups]
    context: dict[str, Any] = {
        "groups": views, "total": sum(g.count for g in groups),
        "shown": sum(len(g.rows) for g in views), "faq_groups": _faq_groups(request, knowledge),
        "meta_intents": vocabulary.meta_intents()}
    return await render(request, "unanswered.html", context)


async def act(request: web.Request) -> web.Response:
    """example | out_of_scope | dismiss for one message; back to the queue with a notice."""
    viewer = need(request, STAFF, page=False)
    form = await posted(request, ReviewForm)
    action = request.match_info["action"]
    if form.errors:
        code = "invalid"
    else:
        code = await _decide(request, viewer, int(request.match_info["id"]), action,
                             form.intent.data or "", form.text.data or "")
    await notify(request, f"unanswered:{code}")
    raise web.HTTPSeeOther(PATH)


async def _decide(request: web.Request, viewer: Viewer, message_id: int, action: str,
                  intent: str, text: str) -> str:
    """One transaction: the training example (with its audit row) and the decision."""
    knowledge = current_knowledge(request)
    for _attempt in range(ATTEMPTS):
        async with request.config_dict[DB]() as session:
            message = await unanswered.open_message(session, message_id)
            if message is None:
                return "gone"
            chosen = OUT_OF_SCOPE if action == "out_of_scope" else intent or None
            if action != "dismiss":
                vocabulary = await VOCABULARY.get(session, knowledge)
                refused = await _add(session, viewer, vocabulary, knowledge, chosen or "",
                                     message.language, text)
                if refused == "changed":
                    continue
                if refused:
                    return refused
            session.add(unanswered.review(message_id, DECISION[action],
                                          None if action == "dismiss" else chosen, viewer.id))
            try:
                await session.commit()
            except IntegrityError:  # decided by someone else at the same moment
                await session.rollback()
                return "gone"
            return DECISION[action]
    return "busy"


async def _add(session: AsyncSession, viewer: Viewer, vocabulary: Vocabulary, knowledge: Knowledge,
               intent: str, language: str, text: str) -> str | None:
    """Adds the example to the live NLU data; a refusal's code, "changed" when the document
    changed meanwhile, or None."""
    docs = await documents(session)
    try:
        path, new_text = add_example(docs, intent, language, text,
                                     vocabulary.known_intents(knowledge))
    except ExampleError as exc:
        return f"refused_{exc.code}"
    if not await unanswered.unchanged(session, path, docs.get(path)):
        await session.rollback()
        return "changed"
    kind = "out_of_scope" if intent == OUT_OF_SCOPE else "example"
    change = Change(kind, target=f"intent {intent}", field=f"examples.{language}", path=path,
                    old=None, new=clean(text))
    await save(session, {path: new_text}, change, Actor(viewer.id, viewer.display_name))
    log.info("unanswered: %s added to %s by console user %s", kind, path, viewer.id)
    return None
