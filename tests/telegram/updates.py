"""Telegram updates as the Bot API sends them (the JSON the test server delivers)."""

from __future__ import annotations

import itertools
import time
from typing import Any

BOT_USER: dict[str, Any] = {
    "id": 999_000_111, "is_bot": True, "first_name": "Lotse", "username": "lotse_test_bot",
    "can_join_groups": False, "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_message_ids = itertools.count(1)

MEDIA: dict[str, Any] = {
    "voice": {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3,
              "mime_type": "audio/ogg"},
    "photo": [{"file_id": "photo-1", "file_unique_id": "p1", "width": 90, "height": 90}],
    "sticker": {"file_id": "sticker-1", "file_unique_id": "s1", "type": "regular",
                "width": 512, "height": 512, "is_animated": False, "is_video": False},
    "document": {"file_id": "doc-1", "file_unique_id": "d1", "file_name": "brief.pdf",
                 "mime_type": "application/pdf"},
}


def user(chat_id: int, language_code: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Amal",
                            "last_name": "Test", "username": f"user{chat_id}"}
    if language_code:
        data["language_code"] = language_code
    return data


def chat(chat_id: int, kind: str = "private") -> dict[str, Any]:
    return {"id": chat_id, "type": kind, "first_name": "Amal", "username": f"user{chat_id}"}


def message(chat_id: int, language_code: str | None = "de", **content: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"message_id": next(_message_ids), "date": int(time.time()),
                            "chat": chat(chat_id), "from": user(chat_id, language_code)}
    body.update(content)
    return {"message": body}


def text(chat_id: int, value: str, language_code: str | None = "de") -> dict[str, Any]:
    update = message(chat_id, language_code, text=value)
    if value.startswith("/"):
        command = value.split()[0]
        update["message"]["entities"] = [{"type": "bot_command", "offset": 0,
                                          "length": len(command)}]
    return update


def location(chat_id: int, lat: float, lon: float,
             language_code: str | None = "de") -> dict[str, Any]:
    return message(chat_id, language_code, location={"latitude": lat, "longitude": lon})


def media(chat_id: int, kind: str, language_code: str | None = "de") -> dict[str, Any]:
    return message(chat_id, language_code, **{kind: MEDIA[kind]})


def callback(chat_id: int, data: str, language_code: str | None = "de",
             message: dict[str, Any] | None = None) -> dict[str, Any]:
    """A pressed inline button on `message` (the bot's message as Telegram has it; by default
    a message without buttons, as for data a modified client made up)."""
    pressed = message or {"message_id": 1, "date": int(time.time()), "chat": chat(chat_id),
                          "from": BOT_USER, "text": "…"}
    return {"callback_query": {
        "id": f"cb-{next(_message_ids)}", "from": user(chat_id, language_code),
        "chat_instance": f"ci-{chat_id}", "data": data, "message": pressed,
    }}


def group_text(chat_id: int, value: str) -> dict[str, Any]:
    update = message(chat_id, "de", text=value)
    update["message"]["chat"] = {"id": -chat_id, "type": "group", "title": "A group"}
    return update
