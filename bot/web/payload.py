"""One payload format for a reply in the web chat: the REST answer, the pushed message and the
history of a reloaded page all carry the same JSON (Rasa's REST channel shape), and
`static/chat.js` draws all three with one function."""

from __future__ import annotations

from typing import Any

from bot.core.types import Reply
from bot.storage.models import Message


def reply_json(reply: Reply) -> dict[str, Any]:
    """`text`, `buttons` (a choice: title + payload; a page: title + url) and `custom`: what
    kind of answer it is, what it is about and its named sources."""
    data: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        data["buttons"] = [{"title": b.title, "url": b.url} if b.url
                           else {"title": b.title, "payload": b.payload} for b in reply.buttons]
    custom: dict[str, Any] = {"kind": reply.kind}
    if reply.ref:
        custom["ref"] = reply.ref
    if reply.links:
        custom["links"] = [{"label": link.label, "url": link.url} for link in reply.links]
    data["custom"] = custom
    return data


def message_json(message: Message) -> dict[str, Any]:
    """A stored message in the same format, with its id; the user's own messages are `who:
    user` (a reloaded page shows them too)."""
    reply = Reply.stored(message.text, message.status, message.extra)
    data = reply_json(reply)
    data["id"] = message.id
    if message.direction == "in":
        data["who"] = "user"
    return data
