"""Telegram update → replies: commands, buttons, locations, text and unsupported media.

Text, locations and dialogue buttons go through `ChatService.handle` (channel "telegram",
sender = the chat id, which the service pseudonymises). The adapter itself answers the
commands that are about the channel (/start, /city, /help) and media it cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import CallbackQuery, Message, Update

from bot.core.dialogue import LANGUAGE_LABELS, topic_buttons
from bot.core.types import LANGUAGES, TOPICS, Button, Incoming, Location, Reply
from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.service import ChatService
from bot.telegram import callbacks
from bot.telegram.callbacks import CallbackValidator, Pressed
from bot.telegram.prefs import CHANNEL, Prefs

ASK_LOCATION_PENDING = "welcome_point_location"
SERVICE_COMMANDS = {"language": "/change_language", "human": "/human_handoff"}
MENU_PAYLOADS = frozenset(f"/{topic}" for topic in TOPICS)


@dataclass
class Outcome:
    replies: list[Reply]
    language: str  # the user's language after this update (for keyboard labels)
    remove_keyboard: bool = False  # take away the share-location keyboard
    settle_pressed: bool = False  # mark the choice on the pressed message, remove its buttons


class UpdateHandler:
    def __init__(self, service: ChatService, translators: dict[str, Translator],
                 knowledge: Knowledge, prefs: Prefs, privacy_link: str) -> None:
        self._service = service
        self._translators = translators
        self._knowledge = knowledge
        self._prefs = prefs
        self._privacy_link = privacy_link
        self._validator = CallbackValidator(knowledge.cities, knowledge.faqs)

    async def handle(self, update: Update) -> Outcome | None:
        """Replies for one update; None for updates the bot does not answer."""
        key = f"{CHANNEL}:{update.update_id}"  # the service handles each update once
        if update.callback_query is not None:
            return await self._callback(update.callback_query, key)
        message = update.message
        if message is None or message.chat.type != "private":
            return None
        hint = message.from_user.language_code if message.from_user else None
        before = await self._prefs.ensure_user(message.chat.id, hint)
        if message.location is not None:
            location = Location(message.location.latitude, message.location.longitude)
            replies = await self._ask(message.chat.id, hint, key, location=location)
            return await self._outcome(message.chat.id, replies, before.pending, True)
        if message.text is None:
            _ = self._translators[before.language]
            return Outcome([self._menu(_, "tg:unsupported")], before.language)
        if message.text.startswith("/"):
            replies = await self._command(message, hint, before.language, key)
        else:
            replies = await self._ask(message.chat.id, hint, key, text=message.text)
        return await self._outcome(message.chat.id, replies, before.pending)

    async def _command(self, message: Message, hint: str | None, language: str,
                       key: str) -> list[Reply]:
        text = message.text or ""
        command, _sep, argument = text[1:].partition(" ")
        command = command.split("@")[0].lower()
        _ = self._translators[language]
        chat_id = message.chat.id
        if command == "privacy" or (command == "start" and argument.strip() == "privacy"):
            return [Reply(_("tg:privacy"))]
        if command == "start":
            buttons = [Button(LANGUAGE_LABELS[lang], callbacks.start_language(lang))
                       for lang in LANGUAGES]
            welcome = _("tg:welcome", link=self._privacy_link)
            return [Reply(f"{welcome}\n\n{_('choose_language')}", buttons)]
        if command in SERVICE_COMMANDS:
            return await self._ask(chat_id, hint, key, payload=SERVICE_COMMANDS[command])
        if command == "city":
            return [self._city_question(_)]
        return [self._menu(_, "tg:help")]

    async def _callback(self, query: CallbackQuery, key: str) -> Outcome | None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != "private":
            return None
        chat_id = chat.id if chat is not None else query.from_user.id
        hint = query.from_user.language_code
        before = await self._prefs.ensure_user(chat_id, hint)
        pressed = self._validator.parse(query.data)
        if pressed is None:  # unknown, stale or tampered: a safe reply, nothing changes
            _ = self._translators[before.language]
            return Outcome([self._menu(_, "tg:bad_button")], before.language)
        replies = await self._pressed(chat_id, hint, pressed, before.language, key)
        outcome = await self._outcome(chat_id, replies, before.pending)
        outcome.settle_pressed = not is_topic_menu(query)  # the menu stays for the next topic
        return outcome

    async def _pressed(self, chat_id: int, hint: str | None, pressed: Pressed,
                       language: str, key: str) -> list[Reply]:
        if pressed.kind == "service":
            return await self._ask(chat_id, hint, key, payload=pressed.value)
        if pressed.kind == "start_language":
            payload = f'/change_language{{"language":"{pressed.value}"}}'
            replies = await self._ask(chat_id, hint, key, payload=payload)
            return [*replies, self._city_question(self._translators[pressed.value])]
        payload = f'/set_city{{"city":"{pressed.value}"}}'
        replies = await self._ask(chat_id, hint, key, payload=payload)
        return [*replies, self._menu(self._translators[language], "tg:menu")]

    async def _ask(self, chat_id: int, hint: str | None, key: str, *, text: str = "",
                   location: Location | None = None, payload: str | None = None) -> list[Reply]:
        incoming = Incoming(channel=CHANNEL, sender=str(chat_id), text=text, language_hint=hint,
                            location=location, payload=payload, key=key)
        return await self._service.handle(incoming)

    async def _outcome(self, chat_id: int, replies: list[Reply], pending_before: str | None,
                       shared_location: bool = False) -> Outcome:
        after = await self._prefs.view(chat_id)
        asked_before = pending_before == ASK_LOCATION_PENDING
        remove = shared_location or (asked_before and after.pending != ASK_LOCATION_PENDING)
        return Outcome(replies, after.language, remove)

    def _city_question(self, _: Translator) -> Reply:
        buttons = [Button(city.name[_.language], callbacks.city(city.id))
                   for city in self._knowledge.cities.values()]
        return Reply(_("tg:choose_city"), buttons)

    def _menu(self, _: Translator, message: str) -> Reply:
        return Reply(_(message), topic_buttons(_, list(TOPICS)))


def is_topic_menu(query: CallbackQuery) -> bool:
    """Whether the pressed message is the topic menu (its buttons are all the topics)."""
    markup = query.message.reply_markup if isinstance(query.message, Message) else None
    if markup is None:
        return False
    return {b.callback_data for row in markup.inline_keyboard for b in row} == MENU_PAYLOADS
