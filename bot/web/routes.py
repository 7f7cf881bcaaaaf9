"""HTTP routes: the chat page and Rasa's REST channel (`POST /webhooks/rest/webhook`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.core.language import normalise_hint
from bot.core.types import LANGUAGES, Incoming, Location
from bot.kb.places import on_earth
from bot.privacy.export import as_attachment, my_data
from bot.storage import repository as repo
from bot.web.body import BadBody, json_body
from bot.web.errors import error
from bot.web.keys import (
    DB,
    GENERATIONS,
    IDENTITY,
    SECRETS,
    SERVICE,
    SETTINGS,
    TEMPLATES,
    TRANSLATORS,
)
from bot.web.payload import message_json, reply_json
from bot.web.push import chat_events

HISTORY = 60  # messages of the current conversation shown again on a reload


def setup(app: web.Application) -> None:
    app.router.add_get("/", chat_page, name="chat")
    app.router.add_post("/webhooks/rest/webhook", rest_webhook, name="rest")
    app.router.add_get("/chat/events", chat_events, name="chat_events")
    app.router.add_get("/chat/mydata", my_data_file, name="chat_mydata")
    app.router.add_get("/health", health, name="health")


async def chat_page(request: web.Request) -> web.Response:
    """The chat, with the current conversation so far (a reload loses nothing)."""
    settings = request.app[SETTINGS]
    lang = normalise_hint(request.query.get("lang")) or settings.default_language
    _ = request.app[TRANSLATORS][lang]
    session_id, refresh = request.app[IDENTITY].ensure(request)
    pseudo = repo.pseudonym(request.app[SECRETS].pseudonym_secret, "web", session_id)
    async with request.app[DB]() as session:
        history = [m for m in await repo.recent_transcript(session, "web", pseudo, HISTORY)
                   if m.text or m.direction != "in"]  # a pressed button has no text
    html = request.app[TEMPLATES].get_template("index.html").render(
        _=_, lang=lang, dir="rtl" if _.rtl else "ltr", languages=LANGUAGES,
        history=[message_json(m) for m in history],
        after=max((m.id for m in history), default=0))
    response = web.Response(text=html, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    if refresh:
        request.app[IDENTITY].set_cookie(response, session_id)
    return response


def location_from(value: Any) -> Location | str | None:
    """`{"lat": …, "lon": …}` on the earth, None when absent; a string: why it is invalid."""
    if not value:
        return None
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
    except (KeyError, TypeError, ValueError):
        return "'metadata.location' must be {\"lat\": number, \"lon\": number}"
    if not on_earth(lat, lon):
        return "'metadata.location' must be a point on the earth (lat ±90, lon ±180)"
    return Location(lat, lon)


def incoming_from(body: Any, session_id: str,
                  payload_of: Callable[[str], str | None]) -> Incoming | str:
    """Validate Rasa's REST channel body; a string is the reason it is invalid. The user is
    the chat session (cookie), never the body's `sender` (only echoed as `recipient_id`).
    A message starting with "/" is a payload only when the bot could have created it
    (`payload_of`, the same allow-list as Telegram's buttons); anything else is text."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender, message = body.get("sender", "web"), body.get("message", "")
    if not isinstance(sender, str) or len(sender) > 128:
        return "'sender' must be a string of at most 128 characters"
    if not isinstance(message, str):
        return "'message' must be a string"
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        return "'metadata' must be an object"
    loc = location_from(metadata.get("location"))
    if isinstance(loc, str):
        return loc
    payload = payload_of(message) if message.startswith("/") else None
    return Incoming(channel="web", sender=session_id, text="" if payload else message,
                    language_hint=str(metadata.get("language") or "") or None,
                    location=loc, payload=payload)


async def rest_webhook(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return error(415, "send JSON with Content-Type: application/json")
    try:
        body = await json_body(request)
    except BadBody as exc:
        return error(400, str(exc))
    session_id, refresh = request.app[IDENTITY].ensure(request)
    incoming = incoming_from(body, session_id, request.app[GENERATIONS].current.callbacks.typed)
    if isinstance(incoming, str):
        return error(400, incoming)
    answer = await request.app[SERVICE].handle(incoming)
    recipient = body.get("sender") or "web"
    response = web.json_response([{"recipient_id": recipient, **reply_json(r)}
                                   for r in answer.replies])
    if refresh:
        request.app[IDENTITY].set_cookie(response, session_id)
    return response


async def my_data_file(request: web.Request) -> web.Response:
    """The chat session's stored data as a JSON download (the "my data" button, /mydata)."""
    session_id, _refresh = request.app[IDENTITY].read(request)
    if session_id is None:
        return error(404, "no chat session: nothing is stored about this browser")
    pseudo = repo.pseudonym(request.app[SECRETS].pseudonym_secret, "web", session_id)
    async with request.app[DB]() as session:
        attachment = as_attachment(await my_data(session, "web", pseudo))
    response = web.Response(text=attachment.content, content_type=attachment.mime_type,
                            charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{attachment.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


async def health(request: web.Request) -> web.Response:
    nlu = await request.app[GENERATIONS].current.nlu.ready()
    return web.json_response({"app": "ok", "nlu": "ok" if nlu else "unavailable"})
