"""Glue between a stored update and the outbox: parse it with PTB, let the handler decide,
render the replies as Bot API calls. Typing indicators and callback answers are sent
directly (best effort): they are not worth storing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from telegram import Bot, BotCommand, CallbackQuery, Message, Update
from telegram.constants import ChatAction

from bot.core.types import LANGUAGES, Reply
from bot.i18n import Translator
from bot.telegram.handlers import UpdateHandler
from bot.telegram.inbox import Malformed, language_code_of
from bot.telegram.prefs import Prefs
from bot.telegram.render import Call, render_all, settle_choice

log = logging.getLogger(__name__)
COMMANDS = ("start", "language", "city", "human", "privacy", "mydata", "delete", "help")


class Adapter:
    def __init__(self, bot: Bot, handler: UpdateHandler, translators: dict[str, Translator],
                 prefs: Prefs, default_language: str) -> None:
        self._bot = bot
        self._handler = handler
        self._translators = translators
        self._prefs = prefs
        self._default_language = default_language
        self._background: set[asyncio.Task[Any]] = set()

    async def process(self, payload: dict[str, Any]) -> list[Call]:
        try:
            update = Update.de_json(payload, self._bot)
        except (TypeError, KeyError, ValueError, OverflowError, AttributeError) as exc:
            raise Malformed(type(exc).__name__) from None
        if not well_typed(update):
            raise Malformed("a field of the wrong type")
        self._acknowledge(update)
        outcome = await self._handler.handle(update)
        if outcome is None:
            return []
        calls = render_all(outcome.replies, self._translators[outcome.language],
                           outcome.remove_keyboard)
        settled = settle(update.callback_query) if outcome.settle_pressed else None
        return [settled, *calls] if settled else calls

    async def apology(self, payload: dict[str, Any], chat_id: int) -> list[Call]:
        """What the user gets when their update could not be handled after all retries."""
        if not chat_id:
            return []
        view = await self._prefs.view(chat_id, language_code_of(payload))
        _ = self._translators[view.language]
        return render_all([Reply(_("tg:error"))], _, False)

    def _acknowledge(self, update: Update) -> None:
        if update.callback_query is not None:
            self._fire(self._bot.answer_callback_query(update.callback_query.id))
        elif update.message is not None and update.message.text is not None:
            self._fire(self._bot.send_chat_action(update.message.chat.id, ChatAction.TYPING))

    def _fire(self, call: Coroutine[Any, Any, Any]) -> None:
        async def quietly() -> None:
            try:
                await asyncio.wait_for(call, 10)
            except Exception as exc:  # best effort: a lost typing indicator harms nobody
                log.debug("best-effort call failed: %s", type(exc).__name__)

        task = asyncio.create_task(quietly())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def publish_commands(self) -> None:
        """The command menu in each language (best effort)."""
        for language in (None, *LANGUAGES):
            _ = self._translators[language or self._default_language]
            commands = [BotCommand(c, _(f"tg:cmd:{c}")) for c in COMMANDS]
            try:
                await self._bot.set_my_commands(commands, language_code=language)
            except Exception as exc:
                log.warning("setMyCommands failed: %s", type(exc).__name__)
                return

    async def close(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=3)


def settle(query: CallbackQuery | None) -> Call | None:
    """The edit that marks the pressed button's label on its message and removes the buttons;
    None when the message is gone (older than 48 hours), has no text, or lacks the button."""
    if query is None or not isinstance(query.message, Message):
        return None
    message, data = query.message, query.data
    if message.text is None or message.reply_markup is None:
        return None
    label = next((button.text for row in message.reply_markup.inline_keyboard for button in row
                  if button.callback_data == data), None)
    return settle_choice(message.message_id, message.text_html, label) if label else None


def well_typed(update: Update) -> bool:
    """PTB takes what it is given: a text must be a string, callback data too."""
    message, query = update.message, update.callback_query
    if message is not None and message.text is not None and not isinstance(message.text, str):
        return False
    return query is None or query.data is None or isinstance(query.data, str)
