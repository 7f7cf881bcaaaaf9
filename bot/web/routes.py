"""HTTP routes: the chat page and Rasa's REST channel (`POST /webhooks/rest/webhook`)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.core.language import normalise_hint
from bot.core.types import LANGUAGES, Incoming, Location, Reply
from bot.web.errors import error
from bot.web.keys import RASA, SERVICE, SETTINGS, TEMPLATES, TRANSLATORS


def setup(app: web.Application) -> None:
    app.router.add_get("/", chat_page, name="chat")
    app.router.add_post("/webhooks/rest/webhook", rest_webhook, name="rest")
    app.router.add_get("/health", health, name="health")


async def chat_page(request: web.Request) -> web.Response:
    lang = normalise_hint(request.query.get("lang")) or request.app[SETTINGS].default_language
    _ = request.app[TRANSLATORS][lang]
    html = request.app[TEMPLATES].get_template("index.html").render(
        _=_, lang=lang, dir="rtl" if _.rtl else "ltr", languages=LANGUAGES)
    return web.Response(text=html, content_type="text/html")


def incoming_from(body: Any) -> Incoming | str:
    """Validate Rasa's REST channel body; a string is the reason it is invalid."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    sender, message = body.get("sender"), body.get("message", "")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > 128:
        return "'sender' must be a non-empty string of at most 128 characters"
    if not isinstance(message, str):
        return "'message' must be a string"
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        return "'metadata' must be an object"
    location = metadata.get("location")
    try:
        loc = Location(float(location["lat"]), float(location["lon"])) if location else None
    except (KeyError, TypeError, ValueError):
        return "'metadata.location' must be {\"lat\": number, \"lon\": number}"
    payload = message if message.startswith("/") else None
    return Incoming(channel="web", sender=sender.strip(), text="" if payload else message,
                    language_hint=str(metadata.get("language") or "") or None,
                    location=loc, payload=payload)


def reply_json(recipient: str, reply: Reply) -> dict[str, Any]:
    data: dict[str, Any] = {"recipient_id": recipient, "text": reply.text}
    if reply.buttons:
        data["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    custom: dict[str, Any] = {"kind": reply.kind}
    if reply.ref:
        custom["ref"] = reply.ref
    if reply.venue:
        custom["venue"] = reply.venue.__dict__
    data["custom"] = custom
    return data


async def rest_webhook(request: web.Request) -> web.Response:
    if request.content_type != "application/json":
        return error(415, "send JSON with Content-Type: application/json")
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return error(400, "the body is not valid JSON")
    incoming = incoming_from(body)
    if isinstance(incoming, str):
        return error(400, incoming)
    replies = await request.app[SERVICE].handle(incoming)
    return web.json_response([reply_json(incoming.sender, r) for r in replies])


async def health(request: web.Request) -> web.Response:
    nlu = await request.app[RASA].ready()
    return web.json_response({"app": "ok", "nlu": "ok" if nlu else "unavailable"})
