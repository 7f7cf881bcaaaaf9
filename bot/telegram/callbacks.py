"""Callback data of inline buttons: what the bot creates, and validation of what comes back.

Telegram limits callback data to 64 bytes, and a modified client can send any data, so
every pressed button is checked against the exact set of payloads the bot can create.
Anything else gets a safe reply and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot import feedback
from bot.core.dialogue import parse_payload
from bot.core.types import LANGUAGES, TOPICS

CALLBACK_LIMIT = 64
# Intents a button may carry into the dialogue (`/intent`), see bot.core.dialogue.
BUTTON_INTENTS: tuple[str, ...] = (
    *TOPICS, "affirm", "deny", "out_of_scope", "find_welcome_point", "human_handoff",
    "change_language", "greet", "cancel_handoff",
    "privacy", "my_data", "delete_data", "delete_confirm", "delete_cancel",
)

# Commands a user may type (Telegram: /start …; the web chat sends /start when it opens),
# by name: the payload each carries into the state machine.
COMMANDS = {"start": "/start", "privacy": "/privacy", "language": "/change_language",
            "human": "/human_handoff", "mydata": "/my_data", "delete": "/delete_data"}


def fits(data: object) -> bool:
    """Callback data Telegram would take: a string of 1 to 64 bytes (a lone surrogate, which
    JSON allows, counts as its 3 bytes and matches no payload of the bot's)."""
    return isinstance(data, str) and 0 < len(data.encode("utf-8", "surrogatepass")) \
        <= CALLBACK_LIMIT


def city(city_id: str) -> str:
    return f'/set_city{{"city":"{city_id}"}}'


class CallbackValidator:
    """Knows every payload the bot can put on a button (dialogue payloads and its own)."""

    def __init__(self, cities: Iterable[str], faq_keys: Iterable[str]) -> None:
        self._cities = frozenset(cities)
        payloads = {f"/{intent}" for intent in BUTTON_INTENTS}
        payloads |= {f'/change_language{{"language":"{lang}"}}' for lang in LANGUAGES}
        payloads |= {f"/{key}" for key in faq_keys}
        payloads |= {city(c) for c in self._cities}
        self._service = frozenset(p for p in payloads if fits(p))

    def parse(self, data: str | None) -> str | None:
        """The payload a pressed button carries into the dialogue; None when unknown.
        `lang:de` and `city:leipzig` are the buttons of earlier versions (still in chats)."""
        if not data or not fits(data):
            return None
        if data in self._service or feedback.CALLBACK.fullmatch(data):  # 👍 / 👎 of an answer
            return data
        prefix, _sep, value = data.partition(":")
        if prefix == "lang" and value in LANGUAGES:
            return f'/change_language{{"language":"{value}"}}'
        if prefix == "city" and value in self._cities:
            return city(value)
        return None

    def typed(self, text: str) -> str | None:
        """A payload sent as a message (the web chat's buttons and its /start): the payload
        when the bot could have created it, else None (then it is only text). A 👍 / 👎
        press of any shape passes: bot/feedback.py checks it and refuses a forged one
        politely, storing nothing."""
        parsed = parse_payload(text)
        if text in COMMANDS.values() or (parsed is not None and parsed.intent == feedback.INTENT):
            return text
        command = text[1:].strip().lower()  # typed as on Telegram: /human, /mydata, /delete
        if command in COMMANDS:
            return COMMANDS[command]
        return self.parse(text)
