"""Telegram update → replies: commands, buttons, locations, text and unsupported media.

Text, locations, buttons and the commands of the state machine (/start: onboarding,
/privacy, /language, /human) go through `ChatService.handle` (channel "telegram", sender =
the chat id, which the service pseudonymises). The handler itself answers only what is about
the channel: /city, /help, unknown buttons and media it cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update

from bot.core.dialogue import topic_buttons
from bot.core.types import TOPICS, Button, Incoming, Location, Reply
from bot.generation import Generations
from bot.i18n import Translator
from bot.service import Answer, ChatService
from bot.telegram import callbacks
from bot.telegram.prefs import CHANNEL, Prefs

SERVICE_COMMANDS = callbacks.COMMANDS
MENU_PAYLOADS = frozenset(f"/{topic}" for topic in TOPICS)


@dataclass
class Outcome:
    replies: list[Reply]
    language: str  # the user's language after this update (for keyboard labels)
    remove_keyboard: bool = False  # take away the share-location keyboard
    settle_pressed: bool = False  # mark the choice on the pressed message, remove its buttons


class UpdateHandler:
    def __init__(self, service: ChatService, translators: dict[str, Translator],
                 generations: Generations, prefs: Prefs) -> None:
        self._service = service
        self._translators = translators
        self._generations = generations  # cities and the callback allow-list, per update
        self._prefs = prefs

    async def handle(self, update: Update) -> Outcome | None:
        """Replies for one update; None for updates the bot does not answer."""
        key = f"{CHANNEL}:{update.update_id}"  # the service handles each update once
        if update.callback_query is not None:
            return await self._callback(update.callback_query, key)
        message = update.message
        if message is None or message.chat.type != "private":
            return None
        hint = message.from_user.language_code if message.from_user else None
        chat_id = message.chat.id
        if message.location is not None:
            location = Location(message.location.latitude, message.location.longitude)
            answer = await self._ask(chat_id, hint, key, location=location)
            return _outcome(answer, shared_location=True)
        if message.text is None:
            _ = self._translators[(await self._prefs.view(chat_id, hint)).language]
            return Outcome([self._menu(_, "tg:unsupported")], _.language)
        if message.text.startswith("/"):
            return await self._command(message, hint, key)
        return _outcome(await self._ask(chat_id, hint, key, text=message.text))

    async def _command(self, message: Message, hint: str | None, key: str) -> Outcome:
        text = message.text or ""
        command, _sep, argument = text[1:].partition(" ")
        command = command.split("@")[0].lower()
        if command == "start" and argument.strip() == "privacy":  # the welcome's deep link
            command = "privacy"
        chat_id = message.chat.id
        if command in SERVICE_COMMANDS:  # the state machine's own: onboarding, handoff, …
            return _outcome(await self._ask(chat_id, hint, key, payload=SERVICE_COMMANDS[command]))
        _ = self._translators[(await self._prefs.view(chat_id, hint)).language]
        if command == "city":
            return Outcome([self._city_question(_)], _.language)
        return Outcome([self._menu(_, "tg:help")], _.language)

    async def _callback(self, query: CallbackQuery, key: str) -> Outcome | None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != "private":
            return None
        chat_id = chat.id if chat is not None else query.from_user.id
        hint = query.from_user.language_code
        payload = self._generations.current.callbacks.parse(query.data)
        if payload is None:  # unknown, stale or tampered: a safe reply, nothing changes
            _ = self._translators[(await self._prefs.view(chat_id, hint)).language]
            return Outcome([self._menu(_, "tg:bad_button")], _.language)
        outcome = _outcome(await self._ask(chat_id, hint, key, payload=payload))
        outcome.settle_pressed = not is_topic_menu(query)  # the menu stays for the next topic
        return outcome

    async def _ask(self, chat_id: int, hint: str | None, key: str, *, text: str = "",
                   location: Location | None = None, payload: str | None = None) -> Answer:
        incoming = Incoming(channel=CHANNEL, sender=str(chat_id), text=text, language_hint=hint,
                            location=location, payload=payload, key=key)
        return await self._service.handle(incoming)

    def _city_question(self, _: Translator) -> Reply:
        buttons = [Button(city.name[_.language], callbacks.city(city.id))
                   for city in self._generations.current.knowledge.cities.values()]
        return Reply(_("choose_city"), buttons)

    def _menu(self, _: Translator, message: str) -> Reply:
        return Reply(_(message), topic_buttons(_, list(TOPICS)))


def _outcome(answer: Answer, shared_location: bool = False) -> Outcome:
    """Take the share-location keyboard away once the question it answers is settled."""
    settled = answer.wanted_location and not answer.wants_location
    return Outcome(answer.replies, answer.language, shared_location or settled)


def is_topic_menu(query: CallbackQuery) -> bool:
    """Whether the pressed message is the topic menu (its buttons are all the topics)."""
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    if markup is None:
        return False
    return {b.callback_data for row in markup.inline_keyboard for b in row} == MENU_PAYLOADS
