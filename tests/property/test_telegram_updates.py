"""The Telegram update parser (bot/telegram/inbox.py) on arbitrary JSON.

What arrives at the webhook or from getUpdates is checked by `update_id_of` (None: not an
update, the webhook answers 400) and described by `describe` (chat id None: stored as
ignored, never answered). Whatever the shape — wrong types, unknown update types, huge and
odd strings — neither raises, and a valid update keeps its chat id and its text all the way
through `minimise` and python-telegram-bot's parsing."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from telegram import Update

from bot.telegram.inbox import (
    _PERSONAL,
    MEDIA,
    describe,
    language_code_of,
    minimise,
    update_id_of,
)
from tests.property.strategies import json_value, odd_text

KNOWN_TYPES = ("message", "callback_query", "edited_message", "channel_post", "inline_query",
               "my_chat_member", "message_reaction_count", "business_message", "poll")
BIGINT = range(-(2 ** 63), 2 ** 63)
KINDS = frozenset({"callback", "location", "command", "text", "other", *MEDIA})

update_ids = st.one_of(st.integers(min_value=0, max_value=2 ** 63 - 1), json_value)
chat_ids = st.integers(min_value=-(10 ** 13), max_value=10 ** 13).filter(bool)


def _message_like(draw: st.DrawFn) -> dict[str, Any]:
    """A message whose fields are each right, missing or of any other type."""
    fields: dict[str, Any] = {
        "message_id": st.integers(min_value=1, max_value=10 ** 9),
        "date": st.integers(min_value=0, max_value=2 ** 31),
        "chat": st.one_of(st.fixed_dictionaries(
            {"id": st.one_of(chat_ids, json_value),
             "type": st.sampled_from(["private", "group", "supergroup", "channel"])}),
            json_value),
        "from": st.one_of(st.fixed_dictionaries(
            {"id": chat_ids, "is_bot": st.booleans(), "first_name": odd_text,
             "language_code": st.one_of(st.sampled_from(["de", "en", "ar", "tr"]), json_value)}),
            json_value),
        "text": odd_text,
        "location": st.one_of(st.fixed_dictionaries(
            {"latitude": st.floats(), "longitude": st.floats()}), json_value),
        "voice": json_value,
    }
    message = {}
    for name, strategy in fields.items():
        choice = draw(st.sampled_from(["right", "missing", "wrong"]))
        if choice == "right":
            message[name] = draw(strategy)
        elif choice == "wrong":
            message[name] = draw(json_value)
    return message


@st.composite
def raw_updates(draw: st.DrawFn) -> dict[str, Any]:
    """Update-shaped objects: known and unknown types, any content, extra keys."""
    update: dict[str, Any] = {"update_id": draw(update_ids)}
    kind = draw(st.one_of(st.sampled_from(KNOWN_TYPES), odd_text))
    shape = draw(st.sampled_from(["message", "callback", "anything"]))
    if shape == "message":
        update[kind] = _message_like(draw)
    elif shape == "callback":
        update[kind] = {"id": draw(json_value), "data": draw(json_value),
                        "from": draw(json_value), "message": _message_like(draw)}
    else:
        update[kind] = draw(json_value)
    update.update(draw(st.dictionaries(odd_text, json_value, max_size=3)))
    return update


def _keys(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value)) if value else set()
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    return set()


@given(st.one_of(json_value, raw_updates()))
def test_anything_is_an_update_or_not_one(body: Any) -> None:
    update_id = update_id_of(body)
    if update_id is None:
        return
    assert isinstance(body, dict) and body["update_id"] == update_id
    assert type(update_id) is int and 0 <= update_id < 2 ** 63  # fits the inbox's column


@given(st.one_of(raw_updates(), st.dictionaries(odd_text, json_value)))
def test_describe_never_raises_and_names_a_storable_chat_and_kind(update: dict[str, Any]) -> None:
    chat_id, kind = describe(update)
    assert chat_id is None or (type(chat_id) is int and chat_id != 0 and chat_id in BIGINT)
    assert re.fullmatch(r"[a-z_]{1,20}", kind), kind  # String(20), any database encoding
    if not isinstance(update.get("message"), dict) \
            and not isinstance(update.get("callback_query"), dict):
        assert chat_id is None  # unknown update types are never answered
    language = language_code_of(update)
    assert language is None or (isinstance(language, str) and 0 < len(language) <= 35)


@given(st.one_of(raw_updates(), json_value))
def test_minimise_keeps_the_shape_without_names(value: Any) -> None:
    cleaned = minimise(value)
    assert not _keys(cleaned) & set(_PERSONAL)
    assert type(cleaned) is type(value)
    if isinstance(value, dict) and isinstance(value.get("message"), dict):
        assert cleaned["message"].get("text") == value["message"].get("text")
    json.dumps(cleaned)  # storable in the JSON column (surrogates are escaped)


@st.composite
def valid_updates(draw: st.DrawFn) -> tuple[dict[str, Any], int, str]:
    """Real private-chat messages and button presses, with any text or callback data."""
    chat_id = draw(chat_ids)
    text = draw(odd_text)
    sender = {"id": chat_id, "is_bot": False, "first_name": draw(odd_text),
              "last_name": draw(odd_text), "username": "someone",
              "language_code": draw(st.sampled_from(["de", "en", "ar", "uk"]))}
    message = {"message_id": draw(st.integers(1, 10 ** 6)), "date": 1_700_000_000,
               "chat": {"id": chat_id, "type": "private", "first_name": sender["first_name"]},
               "from": sender}
    update_id = draw(st.integers(0, 2 ** 31))
    if draw(st.booleans()):
        return {"update_id": update_id, "message": {**message, "text": text}}, chat_id, text
    query = {"id": str(draw(st.integers(1, 10 ** 9))), "from": sender, "chat_instance": "1",
             "data": text, "message": {**message, "text": "Which topic?"}}
    return {"update_id": update_id, "callback_query": query}, chat_id, text


@given(valid_updates())
def test_a_valid_update_keeps_its_chat_id_and_text(case: tuple[dict[str, Any], int, str]) -> None:
    raw, chat_id, text = case
    body = json.loads(json.dumps(raw))  # as the webhook receives it
    text = json.loads(json.dumps(text))  # … which joins a surrogate pair into one character
    assert update_id_of(body) == raw["update_id"]
    described_chat, kind = describe(body)
    assert described_chat == chat_id
    stored = minimise(body)
    sender = (raw["message"] if "message" in raw else raw["callback_query"])["from"]
    assert language_code_of(stored) == sender["language_code"]
    update = Update.de_json(stored, None)  # what the inbox worker hands to the handler
    assert update.effective_chat is not None and update.effective_chat.id == chat_id
    if "message" in raw:
        assert kind == ("command" if text.startswith("/") else "text")
        assert update.message is not None and update.message.text == text
    else:
        assert kind == "callback"
        assert update.callback_query is not None and update.callback_query.data == text
