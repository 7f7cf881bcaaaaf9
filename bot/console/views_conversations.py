"""The queue and one conversation: pages, the live fragments, and the counsellors' acts."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.console.auth import ANSWERING
from bot.console.forms import CsrfForm, TextForm, posted
from bot.console.queries import Labels, counts, names, present, queue, with_the_bot
from bot.console.render import language_of, notify, render, translator
from bot.console.state import STATE
from bot.console.transcript import Line, detail, lines
from bot.console.viewer import Viewer, logged_in, need
from bot.core.types import LANGUAGES
from bot.storage.handoff_models import ErasedConversation
from bot.web.keys import DB, GENERATIONS, HANDOFFS, SETTINGS, TRANSLATORS

TEXT_ACTIONS = ("reply", "note")
ACTIONS = ("claim", "reply", "note", "release", "close")


def labels_for(request: web.Request) -> Labels:
    knowledge = request.config_dict[GENERATIONS].current.knowledge
    return Labels(knowledge, request.config_dict[TRANSLATORS], language_of(request))


def conversation_id(request: web.Request) -> int:
    return int(request.match_info["id"])


async def heartbeat(request: web.Request, viewer: Viewer) -> None:
    await request.config_dict[HANDOFFS].seen(viewer.id)


# --- the queue ---------------------------------------------------------------------------

async def home(request: web.Request) -> web.Response:
    """The queue for counsellors and admins; staff get their own home page."""
    viewer = logged_in(request)
    if not viewer.answering:
        return await render(request, "staff.html", {})
    await heartbeat(request, viewer)
    return await render(request, "queue.html", await queue_context(request))


async def queue_rows(request: web.Request) -> web.Response:
    need(request, ANSWERING, page=False)
    return await render(request, "_queue.html", await queue_context(request), fragment=True)


async def queue_context(request: web.Request) -> dict[str, Any]:
    timeout = request.config_dict[SETTINGS].presence_timeout_seconds
    labels = labels_for(request)
    async with request.config_dict[DB]() as session:
        rows = await queue(session, labels)
        recent = await with_the_bot(session, labels)
        people = await present(session, timeout)
    return {"rows": rows, "counts": counts(rows), "recent": recent, "present": people}


# --- one conversation ------------------------------------------------------------------

async def conversation_page(request: web.Request) -> web.Response:
    viewer = need(request, ANSWERING)
    await heartbeat(request, viewer)
    context = await conversation_context(request, conversation_id(request))
    return await render(request, "conversation.html", context)


async def conversation_context(request: web.Request, cid: int, *, draft: str = "",
                               draft_for: str = "", refusal: str | None = None,
                               ) -> dict[str, Any]:
    async with request.config_dict[DB]() as session:
        who = await names(session)
        conversation = await detail(session, cid, labels_for(request), who)
        if conversation is None:
            raise await missing(request, cid)
        transcript = await lines(session, cid, who, translator(request))
    user_lang = conversation.language if conversation.language in LANGUAGES else "de"
    canned = [(r.label[language_of(request)], r.text[user_lang])
              for r in request.config_dict[STATE].canned]
    return {"c": conversation, "lines": transcript, "canned": canned, "draft": draft,
            "draft_for": draft_for, "refusal": refusal, **_last_ids(transcript)}


async def missing(request: web.Request, cid: int) -> web.HTTPException:
    """A conversation that is not there: deleted by its user (410 with what is left: when,
    and its handoff state), or never there (404)."""
    async with request.config_dict[DB]() as session:
        erased = await session.get(ErasedConversation, cid)
    if erased is None:
        return web.HTTPNotFound()
    page = await render(request, "conversation_deleted.html", {"erased": erased}, status=410)
    return web.HTTPGone(text=page.text, content_type="text/html")


def _last_ids(transcript: list[Line]) -> dict[str, int]:
    return {"last_message": max((x.id for x in transcript if x.kind != "system"), default=0),
            "last_transition": max((x.id for x in transcript if x.kind == "system"),
                                   default=0)}


def _number(request: web.Request, name: str) -> int:
    value = request.query.get(name, "0")
    return int(value) if value.isdigit() else 0


async def transcript_fragment(request: web.Request) -> web.Response:
    """What came after the given message and transition ids (the page appends it)."""
    need(request, ANSWERING, page=False)
    cid = conversation_id(request)
    async with request.config_dict[DB]() as session:
        who = await names(session)
        new = await lines(session, cid, who, translator(request), _number(request, "after"),
                          _number(request, "after_transition"))
    return await render(request, "_lines.html", {"lines": new, **_last_ids(new)},
                        fragment=True)


async def panel_fragment(request: web.Request) -> web.Response:
    """The status and the buttons, re-read when the conversation changes."""
    need(request, ANSWERING, page=False)
    async with request.config_dict[DB]() as session:
        conversation = await detail(session, conversation_id(request), labels_for(request),
                                    await names(session))
    if conversation is None:
        raise web.HTTPNotFound()
    return await render(request, "_panel.html", {"c": conversation}, fragment=True)


# --- acts ----------------------------------------------------------------------------------

async def act(request: web.Request) -> web.Response:
    """claim | reply | note | release | close, through the handoff service. Done: back to
    the page with a notice; refused: the page again with the reason and the draft kept."""
    viewer = need(request, ANSWERING, page=False)
    cid, action = conversation_id(request), request.match_info["action"]
    handoffs = request.config_dict[HANDOFFS]
    if action in TEXT_ACTIONS:
        form = await posted(request, TextForm)
        text = str(form.text.data or "")
        if form.errors:
            code: str | None = "too_long" if text.strip() else "empty"
        else:
            code = await getattr(handoffs, action)(cid, viewer.counsellor, text)
    else:
        await posted(request, CsrfForm)
        text, code = "", await getattr(handoffs, action)(cid, viewer.counsellor)
    if code == "not_found":
        raise await missing(request, cid)
    if code is not None:
        context = await conversation_context(request, cid, draft=text, draft_for=action,
                                             refusal=code)
        return await render(request, "conversation.html", context,
                            status=400 if code in ("empty", "too_long") else 409)
    await notify(request, f"done:{action}")
    target = "/console/" if action in ("release", "close") else f"/console/conversations/{cid}"
    raise web.HTTPSeeOther(target)
