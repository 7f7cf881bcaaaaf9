"""Request parsing and the checks Telegram applies to what a bot sends (HTML, lengths,
callback data), so the tests see the errors the real Bot API would give."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from aiohttp import web

JSON_FIELDS = {"reply_markup", "allowed_updates", "link_preview_options", "commands", "scope",
               "reply_parameters", "drop_pending_updates", "show_alert"}
INT_FIELDS = {"chat_id", "offset", "limit", "timeout", "message_id", "max_connections"}
FLOAT_FIELDS = {"latitude", "longitude"}
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
        "tg-spoiler", "span", "blockquote", "tg-emoji"}
_TOKEN = re.compile(r"<(/?)([a-zA-Z-]*)([^>]*)>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[<>&]")
_ENTITIES = {"lt", "gt", "amp", "quot"}


async def params_of(request: web.Request) -> dict[str, Any]:
    """PTB posts form fields, JSON-encoding every non-string value."""
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    form = await request.post() if request.can_read_body else {}
    params: dict[str, Any] = {}
    files = {key: value for key, value in form.items() if isinstance(value, web.FileField)}
    for key, value in form.items():
        if isinstance(value, web.FileField):
            raw = value.file.read()
            params[key] = {"filename": value.filename, "size": len(raw),
                           "content": raw.decode("utf-8", errors="replace")}
            continue
        if not isinstance(value, str):
            continue
        if value.startswith("attach://") and value[9:] in files:
            continue  # the upload under another field name: resolved below
        if key in JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in INT_FIELDS:
            params[key] = int(value)
        elif key in FLOAT_FIELDS:
            params[key] = float(value)
        else:
            params[key] = value
    for key, value in request.query.items():
        params.setdefault(key, int(value) if key in INT_FIELDS else value)
    for key, value in form.items():
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in params:
            params[key] = params.pop(value[9:])
    return params


def html_problem(text: str) -> str | None:
    """What Telegram would reject in a parse_mode=HTML text, or None."""
    stack: list[str] = []
    for match in _TOKEN.finditer(text):
        closing, tag, entity = match.group(1), match.group(2), match.group(4)
        token = match.group(0)
        if token in ("<", ">", "&"):
            return f"can't parse entities: unescaped {token!r}"
        if entity is not None:
            if not entity.startswith("#") and entity not in _ENTITIES:
                return f"can't parse entities: unsupported entity &{entity};"
            continue
        if tag.lower() not in TAGS:
            return f"can't parse entities: unsupported start tag {tag!r}"
        if closing:
            if not stack or stack.pop() != tag.lower():
                return f"can't parse entities: unexpected end tag {tag!r}"
        else:
            stack.append(tag.lower())
    return f"can't parse entities: unclosed tag {stack[-1]!r}" if stack else None


def visible(text: str, parse_mode: str | None) -> str:
    if parse_mode != "HTML":
        return text
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def check_send(method: str, params: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(error, message content) for a send method."""
    if not isinstance(params.get("chat_id"), int):
        return "chat not found", {}
    markup = params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if "url" in button:  # a page button: an http(s) address and no callback data
                if "callback_data" in button or not str(button["url"]).startswith(
                        ("https://", "http://")):
                    return "BUTTON_URL_INVALID", {}
                continue
            data = button.get("callback_data", "")
            if not 1 <= len(data.encode()) <= 64:
                return "BUTTON_DATA_INVALID", {}
    if method == "senddocument":
        return _document(params)
    if method in ("sendmessage", "editmessagetext"):
        raw = str(params.get("text") or "")
        if params.get("parse_mode") == "HTML" and (problem := html_problem(raw)):
            return problem, {}
        shown = visible(raw, params.get("parse_mode"))
        if not shown.strip():
            return "message text is empty", {}
        if utf16_length(shown) > 4096:
            return "message is too long", {}
        return None, {"text": shown}
    location = {"latitude": params.get("latitude"), "longitude": params.get("longitude")}
    if not all(isinstance(v, float) for v in location.values()):
        return "wrong coordinates", {}
    if method == "sendvenue":
        if not params.get("title") or not params.get("address"):
            return "venue title and address are required", {}
        return None, {"location": location, "venue": {
            "location": location, "title": params["title"], "address": params["address"]}}
    return None, {"location": location}


def _document(params: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """An uploaded file (not a file_id or URL) with an optional caption of ≤ 1024 characters."""
    document = params.get("document")
    if not isinstance(document, dict) or not document.get("filename"):
        return "there is no document in the request", {}
    if document["size"] > 50 * 1024 * 1024:
        return "file is too big", {}
    caption = str(params.get("caption") or "")
    if params.get("parse_mode") == "HTML" and (problem := html_problem(caption)):
        return problem, {}
    shown = visible(caption, params.get("parse_mode"))
    if utf16_length(shown) > 1024:
        return "message caption is too long", {}
    content: dict[str, Any] = {"document": {"file_id": f"doc-{document['size']}",
                                            "file_name": document["filename"],
                                            "file_size": document["size"]}}
    return None, {**content, "caption": shown} if shown else content
