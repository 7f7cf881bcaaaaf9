"""The unanswered queue: the users' messages the bot could not answer (its reply was the
fallback or a clarification) and the questions whose answer was rated 👎, without a staff
decision yet (`unanswered_reviews`); grouped by their likely topic, newest first. Also the
known words for masking them (built once per live revision) and the staff's decisions.

The texts returned here are the raw texts: only `bot.curation.masking.mask` of them may be
shown (bot/console/views_unanswered.py)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core.types import TOPICS
from bot.curation.documents import documents, live_revision
from bot.curation.examples import OUT_OF_SCOPE, intents, nlu_examples
from bot.curation.masking import knowledge_words, vocabulary
from bot.kb.model import Knowledge
from bot.storage.curation_models import Feedback, KnowledgeDocument, UnansweredReview
from bot.storage.models import Message

# The reply kinds (messages.status of the bot's reply) that mean "not answered".
REASONS = {"out_of_scope": "fallback", "clarify": "clarify"}
RATED_DOWN = "rated_down"
LIMIT = 200
DECISIONS = ("example", "out_of_scope", "dismissed")


@dataclass(frozen=True)
class Unanswered:
    id: int
    at: dt.datetime
    language: str
    topic: str | None
    intent: str | None  # the NLU's guess (a FAQ key or an intent)
    confidence: float | None
    text: str  # RAW: mask it before anyone sees it
    reasons: tuple[str, ...]  # fallback | clarify | rated_down
    faq: str | None  # the FAQ rated 👎


@dataclass
class Group:
    topic: str | None  # None: unknown topic
    count: int  # all open messages of the topic (`items` holds at most LIMIT in all)
    items: list[Unanswered] = field(default_factory=list)


def _open() -> ColumnElement[bool]:
    """An inbound message with a failed reply or a 👎, and no decision yet."""
    reply = aliased(Message)
    failed = exists().where(reply.reply_to_id == Message.id, reply.direction == "out",
                            reply.status.in_(REASONS))
    rated = exists().where(Feedback.message_id == Message.id, Feedback.value < 0)
    reviewed = exists().where(UnansweredReview.message_id == Message.id)
    return and_(Message.direction == "in", Message.text != "", or_(failed, rated), ~reviewed)


async def queue(session: AsyncSession, limit: int = LIMIT) -> list[Group]:
    """The open messages by topic: the biggest group first (unknown topic last), newest first
    inside a group; at most `limit` messages, the counts of all."""
    messages = list(await session.scalars(
        select(Message).where(_open())
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)))
    counts = {topic: int(n) for topic, n in await session.execute(
        select(Message.topic, func.count()).where(_open()).group_by(Message.topic))}
    ids = [m.id for m in messages]
    reasons: dict[int, set[str]] = {i: set() for i in ids}
    faqs: dict[int, str] = {}
    if ids:
        for reply_to, status in await session.execute(
                select(Message.reply_to_id, Message.status)
                .where(Message.reply_to_id.in_(ids), Message.status.in_(REASONS))):
            if reply_to is not None:
                reasons[reply_to].add(REASONS[status])
        for message_id, faq in await session.execute(
                select(Feedback.message_id, Feedback.faq)
                .where(Feedback.message_id.in_(ids), Feedback.value < 0)):
            reasons[message_id].add(RATED_DOWN)
            faqs[message_id] = faq
    groups: dict[str | None, Group] = {t: Group(t, n) for t, n in counts.items()}
    for m in messages:
        group = groups.setdefault(m.topic, Group(m.topic, 0))
        group.items.append(Unanswered(m.id, m.created_at, m.language, m.topic, m.intent,
                                      m.confidence, m.text, tuple(sorted(reasons[m.id])),
                                      faqs.get(m.id)))
    return sorted(groups.values(), key=lambda g: (g.topic is None, -g.count, g.topic or ""))


async def open_message(session: AsyncSession, message_id: int) -> Message | None:
    """The message if it is in the queue (not reviewed yet)."""
    found: Message | None = await session.scalar(
        select(Message).where(Message.id == message_id, _open()))
    return found


def review(message_id: int, decision: str, intent: str | None,
           actor_id: int | None) -> UnansweredReview:
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    return UnansweredReview(message_id=message_id, decision=decision, intent=intent,
                            actor_id=actor_id)


async def unchanged(session: AsyncSession, path: str, text: str | None) -> bool:
    """Takes the document for this transaction if it still holds `text` (None: it does not
    exist yet): a concurrent change in between makes the caller read again."""
    if text is None:
        return await session.get(KnowledgeDocument, path) is None
    result = await session.execute(
        update(KnowledgeDocument).where(KnowledgeDocument.path == path,
                                        KnowledgeDocument.text == text)
        .values(path=path).execution_options(synchronize_session=False))
    return getattr(result, "rowcount", 0) == 1


@dataclass(frozen=True)
class Vocabulary:
    """What the page needs from the live NLU data: the known words (masking) and the
    intents it trains."""

    words: frozenset[str]
    nlu_intents: frozenset[str]

    def known_intents(self, knowledge: Knowledge) -> set[str]:
        return set(knowledge.faqs) | set(self.nlu_intents) | {OUT_OF_SCOPE}

    def meta_intents(self) -> list[str]:
        """Top-level intents to offer besides the FAQs (not the topics, not out of scope)."""
        return sorted(i for i in self.nlu_intents
                      if "/" not in i and i not in TOPICS and i != OUT_OF_SCOPE)


class VocabularyCache:
    """Built lazily, once per live revision and knowledge (one per process)."""

    def __init__(self) -> None:
        self._key: tuple[int, int] | None = None
        self._value: Vocabulary | None = None

    async def get(self, session: AsyncSession, knowledge: Knowledge) -> Vocabulary:
        key = (await live_revision(session), id(knowledge))
        if self._value is None or self._key != key:  # two builds at once: the same result
            docs = await documents(session)
            value = await asyncio.to_thread(_build, docs, knowledge)
            self._key, self._value = key, value
            return value
        return self._value


def _build(docs: dict[str, str], knowledge: Knowledge) -> Vocabulary:
    words = vocabulary(nlu_examples(docs), knowledge_words(knowledge))
    return Vocabulary(words, frozenset(intents(docs)))


VOCABULARY = VocabularyCache()
