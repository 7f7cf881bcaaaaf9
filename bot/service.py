"""The channel-agnostic pipeline: store the message, understand it, decide, answer, store.

Every channel (web chat now, Telegram next) calls `ChatService.handle`.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Action
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.actions_runner import latest_message, run_action
from bot.core.dialogue import Plan, Policy, Turn, decide, language_confirmation, parse_payload
from bot.core.foreign import foreign_notice
from bot.core.language import Detector, choose_language
from bot.core.types import ConversationState, Incoming, ParseResult, Reply
from bot.i18n import Translator
from bot.nlu.client import NluUnavailable
from bot.storage import repository as repo
from bot.storage.models import Conversation, Message, User

log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
NLU_MAX_CHARS = 500  # what the classifier reads of a long message

Parser = Callable[[str], Awaitable[tuple[ParseResult, dict[str, Any]]]]


def clean_text(text: str, limit: int) -> tuple[str, bool]:
    """Drop control characters and bidi overrides; cut at `limit`. Returns (text, was_cut)."""
    cleaned = _CONTROL.sub("", text).strip()
    return cleaned[:limit], len(cleaned) > limit


@dataclass
class ServiceConfig:
    default_language: str
    default_city: str
    pseudonym_secret: str
    max_message_chars: int
    policy: Policy


class KeyedLocks:
    """One lock per user so that a user's messages are handled one at a time, in order."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def __call__(self, key: str) -> asyncio.Lock:
        if len(self._locks) > 10_000:
            self._locks = {k: v for k, v in self._locks.items() if v.locked()}
        return self._locks.setdefault(key, asyncio.Lock())


class ChatService:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], parse: Parser,
                 detector: Detector, translators: dict[str, Translator],
                 actions: dict[str, Action], config: ServiceConfig) -> None:
        self._sessions = sessions
        self._parse = parse
        self._detector = detector
        self._translators = translators
        self._actions = actions
        self._config = config
        self._locks = KeyedLocks()

    async def handle(self, incoming: Incoming) -> list[Reply]:
        pseudo = repo.pseudonym(self._config.pseudonym_secret, incoming.channel, incoming.sender)
        async with self._locks(f"{incoming.channel}:{pseudo}"):
            return await self._handle(incoming, pseudo)

    async def _handle(self, incoming: Incoming, pseudo: str) -> list[Reply]:
        text, was_cut = clean_text(incoming.text, self._config.max_message_chars)
        async with self._sessions() as session:  # 1. store first: nothing gets lost
            user, conversation = await repo.user_and_conversation(
                session, incoming.channel, pseudo, language=self._config.default_language,
                city=self._config.default_city)
            state = ConversationState.from_json(
                conversation.state, language=user.language, city=user.city,
                language_explicit=user.language_explicit)
            known = state.language if conversation.state else None  # new user: hint first
            choice = choose_language(
                text, current=known, explicit=state.language_explicit,
                hint=incoming.language_hint, default=self._config.default_language,
                detector=self._detector)
            seen = await repo.message_with_key(session, incoming.key) if incoming.key else None
            if seen is not None and seen.status != "received":  # handled before a crash
                return await self._replayed(session, seen)
            inbound = seen or await repo.add_message(
                session, conversation.id, direction="in", text=text, language=choice.language,
                status="received", source_key=incoming.key)
            await session.commit()
            ids = (user.id, conversation.id, inbound.id)
        state.language = choice.language
        replies, parse = await self._respond(incoming, text, was_cut, state)
        notice = foreign_notice(choice.foreign) if choice.foreign else None
        if notice and parse is not None:
            replies.insert(0, Reply(notice, kind="language_notice"))
        await self._store_outcome(ids, state, parse, replies)
        return replies

    async def _replayed(self, session: AsyncSession, inbound: Message) -> list[Reply]:
        """The same message again (a channel's retry after a crash): the stored replies,
        without understanding it or moving the conversation a second time."""
        log.info("message %s was handled before; replaying its replies", inbound.id)
        return [Reply.stored(m.text, m.status, m.extra)
                for m in await repo.replies_to(session, inbound.id)]

    async def _respond(self, incoming: Incoming, text: str, was_cut: bool,
                       state: ConversationState) -> tuple[list[Reply], ParseResult | None]:
        _ = self._translators[state.language]
        if not text and incoming.location is None and not incoming.payload:
            return [Reply(_("empty_message"))], None
        parse, raw = await self._understand(incoming, text)
        language_before = state.language
        plan = decide(Turn(text, parse, incoming.location), state, _, self._config.policy)
        replies = [Reply(_("message_cut", limit=self._config.max_message_chars))] if was_cut else []
        replies += await self._execute(plan, incoming, text, parse, raw, state)
        if state.language != language_before:
            replies.append(language_confirmation(self._translators[state.language]))
        return replies, parse

    async def _understand(self, incoming: Incoming, text: str,
                          ) -> tuple[ParseResult | None, dict[str, Any] | None]:
        if incoming.payload:
            parsed = parse_payload(incoming.payload)
            if parsed is not None:
                return parsed, None
        if incoming.location is not None and not text:
            return ParseResult(intent="inform", confidence=1.0), None
        try:
            return await self._parse(text[:NLU_MAX_CHARS])
        except NluUnavailable as exc:
            log.warning("NLU unavailable: %s", exc)
            return None, None

    async def _execute(self, plan: Plan, incoming: Incoming, text: str,
                       parse: ParseResult | None, raw: dict[str, Any] | None,
                       state: ConversationState) -> list[Reply]:
        replies = list(plan.replies)
        for name in plan.actions:
            assert parse is not None
            message = latest_message(text, parse, raw, incoming.location)
            replies += await run_action(self._actions[name], incoming.sender, state, message)
        return replies

    async def _store_outcome(self, ids: tuple[int, int, int], state: ConversationState,
                             parse: ParseResult | None, replies: list[Reply]) -> None:
        user_id, conversation_id, inbound_id = ids
        async with self._sessions() as session:
            inbound = await session.get_one(Message, inbound_id)
            inbound.status = "answered" if parse is not None or not inbound.text else \
                "nlu_unavailable"
            if parse is not None:
                inbound.intent, inbound.confidence = parse.faq_key or parse.intent, parse.confidence
            conversation = await session.get_one(Conversation, conversation_id)
            conversation.state = state.to_json()
            conversation.urgent = conversation.urgent or state.urgent
            conversation.handoff_requested = conversation.handoff_requested or \
                state.handoff_requested
            user = await session.get_one(User, user_id)
            user.language, user.city = state.language, state.city
            user.language_explicit = state.language_explicit
            for reply in replies:
                await repo.add_message(session, conversation_id, direction="out",
                                       text=reply.text, language=state.language, status=reply.kind,
                                       reply_to_id=inbound_id, extra=reply.details())
            await session.commit()
