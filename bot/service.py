"""The channel-agnostic pipeline: store the message, understand it, let the state machine
decide (`bot.core.machine.transition`), run its actions, store the outcome, tell the console.

Every channel (web chat, Telegram) calls `ChatService.handle` and renders the `Answer`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import feedback
from bot.actions_runner import carry_out, latest_message
from bot.core.dialogue import Policy, Turn, parse_payload
from bot.core.foreign import foreign_notice
from bot.core.handoff import OPEN_HANDOFF
from bot.core.language import Detector, choose_language
from bot.core.machine import Outcome, UserMessage, transition
from bot.core.pace import WINDOW, Pace, pace
from bot.core.text import clean_text
from bot.core.types import TOPICS, ConversationState, Incoming, ParseResult, Reply
from bot.generation import Generation, Generations
from bot.handoff import store
from bot.handoff.bus import Bus
from bot.i18n import Translator
from bot.locks import KeyedLocks
from bot.nlu.client import NluUnavailable
from bot.privacy.erase import erase_user
from bot.privacy.export import as_attachment, my_data
from bot.storage import repository as repo
from bot.storage.models import Conversation, Message, User, utcnow

log = logging.getLogger(__name__)
NLU_MAX_CHARS = 500  # what the classifier reads of a long message
ASK_LOCATION = "welcome_point_location"  # the dialogue's open question "where do you live?"


def what_was_sent(incoming: Incoming) -> dict[str, Any] | None:
    """Besides the text: the pressed button, or that a location was shared (never where)."""
    if incoming.payload:
        return {"payload": incoming.payload[:200]}
    return {"location": True} if incoming.location is not None else None


def likely_topic(parse: ParseResult) -> str | None:
    """The topic a message is probably about, also when the bot fell back: the NLU's topic,
    else the topic of its FAQ guess, else of its nearest training example."""
    for name in (parse.intent, parse.faq_key, parse.nearest):
        topic = (name or "").split("/")[0]
        if topic in TOPICS:
            return topic
    return None


@dataclass
class Answer:
    """Everything a channel needs to render one message's outcome."""

    replies: list[Reply]
    language: str  # the user's language after this message
    status: str = "bot"  # the handoff state after it: bot | waiting | human
    wants_location: bool = False  # a place was asked for: offer "share my location"
    wanted_location: bool = False  # … and it was asked for before this message


@dataclass
class ServiceConfig:
    default_language: str
    default_city: str
    pseudonym_secret: str
    max_message_chars: int
    policy: Policy
    messages_per_minute: int = 0  # per user; 0: no limit


class ChatService:
    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], generations: Generations,
                 detector: Detector, translators: dict[str, Translator],
                 config: ServiceConfig, contacts: store.ContactBook, bus: Bus) -> None:
        self._sessions = sessions
        self._generations = generations
        self._detector = detector
        self._translators = translators
        self._config = config
        self._contacts = contacts
        self._bus = bus
        self._locks = KeyedLocks()

    async def handle(self, incoming: Incoming) -> Answer:
        pseudo = repo.pseudonym(self._config.pseudonym_secret, incoming.channel, incoming.sender)
        async with self._locks(f"{incoming.channel}:{pseudo}"):
            return await self._handle(incoming, pseudo)

    async def _handle(self, incoming: Incoming, pseudo: str) -> Answer:
        text, was_cut = clean_text(incoming.text, self._config.max_message_chars)
        async with self._sessions() as session:  # 1. store first: nothing gets lost
            user, conversation = await repo.user_and_conversation(
                session, incoming.channel, pseudo, language=self._config.default_language,
                city=self._config.default_city)
            state = store.state_of(conversation, user)
            known = state.language if conversation.state else None  # new user: hint first
            choice = choose_language(
                text, current=known, explicit=state.language_explicit,
                hint=incoming.language_hint, default=self._config.default_language,
                detector=self._detector)
            seen = await repo.message_with_key(session, incoming.key) if incoming.key else None
            if seen is not None and seen.status != "received":  # handled before a crash
                return await self._replayed(session, seen, state)
            inbound = seen or await repo.add_message(
                session, conversation.id, direction="in", text=text, language=choice.language,
                status="received", source_key=incoming.key, extra=what_was_sent(incoming))
            verdict = await self._pace(session, inbound, state)
            await session.commit()
            ids = (user.id, conversation.id, inbound.id)
        if verdict != "ok":
            return await self._slow_down(verdict, ids, state)
        if state.status in OPEN_HANDOFF:  # the person sees it now, before it is understood
            await self._bus.publish({"kind": "conversation", "id": ids[1],
                                     "status": state.status})
        asked_before = state.pending == ASK_LOCATION
        state.language = choice.language
        generation = self._generations.current  # one generation for the whole turn
        press = feedback.pressed(incoming.payload)  # 👍 / 👎: no NLU, no turn of the machine
        outcome, new, replies, parse = await (
            self._rate(ids[0], press, state) if press is not None
            else self._respond(generation, incoming, text, was_cut, state))
        if outcome.effect == "erase":
            return await self._erase(ids, incoming, new, replies)
        notice = foreign_notice(choice.foreign) if choice.foreign else None
        if notice and parse is not None and not outcome.forward:
            replies.insert(0, Reply(notice, kind="language_notice"))
        replies = feedback.offer(replies, ids[2])  # 👍 / 👎 under each FAQ answer
        status, replies = await self._store_outcome(ids, incoming, outcome, new, parse, replies)
        if outcome.effect == "export":
            replies = await self._with_my_data(incoming.channel, pseudo, replies)
        await self._bus.publish({"kind": "conversation", "id": ids[1], "status": status})
        return Answer(replies, new.language, status, new.pending == ASK_LOCATION, asked_before)

    async def _pace(self, session: AsyncSession, inbound: Message,
                    state: ConversationState) -> Pace:
        """Too many messages within a minute (counted in the database, so across workers):
        stored as `rate_limited`, not understood. A person handling the conversation sees
        every message (no limit then)."""
        if state.status in OPEN_HANDOFF or not self._config.messages_per_minute:
            return "ok"
        recent = await repo.inbound_since(session, inbound.conversation_id, utcnow() - WINDOW)
        verdict = pace(recent, self._config.messages_per_minute)
        if verdict != "ok":
            inbound.status = "rate_limited"
        return verdict

    async def _slow_down(self, verdict: Pace, ids: tuple[int, int, int],
                         state: ConversationState) -> Answer:
        """The first message over the limit: a notice in the user's language (stored as a
        reply); later ones: no answer."""
        _ = self._translators[state.language]
        replies = [Reply(_("slow_down"), kind="rate_limited")] if verdict == "notice" else []
        async with self._sessions() as session:
            for reply in replies:
                await repo.add_message(session, ids[1], direction="out", text=reply.text,
                                       language=state.language, status=reply.kind,
                                       reply_to_id=ids[2], extra=reply.details())
            await session.commit()
        return Answer(replies, state.language, state.status, state.pending == ASK_LOCATION)

    async def _erase(self, ids: tuple[int, int, int], incoming: Incoming,
                     state: ConversationState, replies: list[Reply]) -> Answer:
        """/delete confirmed: every row about the user at once (this message too); the
        confirmation is sent, not stored; open console pages learn it was deleted."""
        async with self._sessions() as session:
            erased = await erase_user(session, ids[0], incoming.channel, incoming.sender)
            await session.commit()
        for cid, _status in erased.conversations:
            await self._bus.publish({"kind": "conversation", "id": cid, "status": "deleted"})
        log.info("a user deleted their data: %d conversation(s)", len(erased.conversations))
        return Answer(replies, state.language)

    async def _with_my_data(self, channel: str, pseudo: str,
                            replies: list[Reply]) -> list[Reply]:
        """/mydata: the user's stored data, read after this turn, as a file on its reply."""
        async with self._sessions() as session:
            attachment = as_attachment(await my_data(session, channel, pseudo))
        return [replace(r, attachment=attachment) if r.kind == "my_data" else r for r in replies]

    async def _replayed(self, session: AsyncSession, inbound: Message,
                        state: ConversationState) -> Answer:
        """The same message again (a channel's retry after a crash): the stored replies,
        without understanding it or moving the conversation a second time."""
        log.info("message %s was handled before; replaying its replies", inbound.id)
        replies = [Reply.stored(m.text, m.status, m.extra)
                   for m in await repo.replies_to(session, inbound.id)]
        return Answer(replies, state.language, state.status, state.pending == ASK_LOCATION)

    async def _rate(self, user_id: int, press: feedback.Press, state: ConversationState,
                    ) -> tuple[Outcome, ConversationState, list[Reply], ParseResult | None]:
        """A 👍 / 👎 press: stored once and thanked; the conversation's state stays."""
        replies = await feedback.rate(self._sessions, user_id, press,
                                      self._translators[state.language], state.status)
        return Outcome(state), state, replies, feedback.PRESSED

    async def _respond(self, generation: Generation, incoming: Incoming, text: str,
                       was_cut: bool, state: ConversationState,
                       ) -> tuple[Outcome, ConversationState, list[Reply], ParseResult | None]:
        _ = self._translators[state.language]
        if not text and incoming.location is None and not incoming.payload:
            return Outcome(state), state, [Reply(_("empty_message"))], None
        parse, raw = await self._understand(generation, incoming, text)
        event = UserMessage(Turn(text, parse, incoming.location))
        contexts = generation.contexts
        context = contexts.context(counsellors_online=False)
        outcome = transition(state, event, context)
        if outcome.change is not None and outcome.change.to_status == "waiting":
            async with self._sessions() as session:  # only asked when a person is wanted
                context = await contexts.build(session)
            outcome = transition(state, event, context)  # pure: the same, told who is online
        message = latest_message(text, parse, raw, incoming.location) if parse else {}
        new, replies = await carry_out(outcome, generation.actions, incoming.sender, message,
                                       context)
        if was_cut:
            replies.insert(0, Reply(_("message_cut", limit=self._config.max_message_chars)))
        return outcome, new, replies, parse

    async def _understand(self, generation: Generation, incoming: Incoming, text: str,
                          ) -> tuple[ParseResult | None, dict[str, Any] | None]:
        if incoming.payload:
            parsed = parse_payload(incoming.payload)
            if parsed is not None:
                return parsed, None
        if incoming.location is not None and not text:
            return ParseResult(intent="inform", confidence=1.0), None
        try:
            return await generation.parse(text[:NLU_MAX_CHARS])
        except NluUnavailable as exc:
            log.warning("NLU unavailable: %s", exc)
            return None, None

    async def _store_outcome(self, ids: tuple[int, int, int], incoming: Incoming,
                             outcome: Outcome, state: ConversationState,
                             parse: ParseResult | None, replies: list[Reply],
                             ) -> tuple[str, list[Reply]]:
        """One transaction: the message's fate, the state, the handoff change, the replies,
        and the way back to a Telegram user while a person handles the conversation."""
        user_id, conversation_id, inbound_id = ids
        async with self._sessions() as session:
            inbound = await session.get_one(Message, inbound_id)
            inbound.status = "forwarded" if outcome.forward else "answered" \
                if parse is not None or not inbound.text else "nlu_unavailable"
            if parse is not None:
                inbound.intent, inbound.confidence = parse.faq_key or parse.intent, parse.confidence
                inbound.topic = likely_topic(parse) if not incoming.payload else None
            conversation = await session.get_one(Conversation, conversation_id)
            conversation.state = state.to_json()
            conversation.urgent = conversation.urgent or state.urgent
            user = await session.get_one(User, user_id)
            user.language, user.city = state.language, state.city
            user.language_explicit = state.language_explicit
            status = await self._change_status(session, conversation, outcome, state)
            if status in OPEN_HANDOFF:
                conversation.last_activity_at = utcnow()
            replies = await self._reach_back(session, incoming, conversation_id, status,
                                             outcome.change is not None, replies)
            for reply in replies:
                if reply.kind == "counsellor":  # stored when the counsellor wrote it
                    continue
                await repo.add_message(session, conversation_id, direction="out",
                                       text=reply.text, language=state.language, status=reply.kind,
                                       reply_to_id=inbound_id, extra=reply.details())
            await session.commit()
        return status, replies

    async def _change_status(self, session: AsyncSession, conversation: Conversation,
                             outcome: Outcome, state: ConversationState) -> str:
        change = outcome.change
        if change is None:
            return conversation.status
        if await store.apply_change(session, conversation, change, state.assignee):
            return change.to_status
        log.warning("conversation %s: %s → %s refused, it changed meanwhile", conversation.id,
                    change.from_status, change.to_status)
        return conversation.status

    async def _reach_back(self, session: AsyncSession, incoming: Incoming, conversation_id: int,
                          status: str, changed: bool, replies: list[Reply]) -> list[Reply]:
        """Telegram while a handoff is open: keep the (encrypted) chat id for the counsellor's
        replies, and hand over what a counsellor wrote before the chat id was known."""
        if incoming.channel != "telegram":
            return replies
        if status not in OPEN_HANDOFF:
            if changed:  # the handoff has just ended: the chat id is no longer kept
                await self._contacts.forget(session, conversation_id)
            return replies
        await self._contacts.keep(session, conversation_id, incoming.channel, incoming.sender)
        waiting = await store.undelivered(session, conversation_id)
        for message in waiting:
            message.extra = {k: v for k, v in (message.extra or {}).items() if k != "undelivered"}
        return [*(Reply.stored(m.text, "counsellor", None) for m in waiting), *replies]
