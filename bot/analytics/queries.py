"""The dashboard's figures: counts only, never a message text, computed with SQLAlchemy 2
queries that run the same on SQLite and PostgreSQL. Grouping by day happens in Python on
the period's timestamps: "a day" is a day in Berlin, which neither database can truncate
to portably (SQLite has no time zones), and 90 days of timestamps are few enough."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Exists, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from bot.analytics.suppress import enough
from bot.feedback import INTENT as FEEDBACK_INTENT
from bot.storage.curation_models import Feedback
from bot.storage.handoff_models import HandoffTransition
from bot.storage.models import Conversation, Message, User

LOCAL_TIME = ZoneInfo("Europe/Berlin")
DAYS = (7, 30, 90)  # the periods one may ask for
DEFAULT_DAYS = 30
# reply kinds that mean "not understood": the clarification step is what bot/core/dialogue.py
# stores for nlu_fallback and for low confidence; "fallback" is the name issue 12 uses
FALLBACK_KINDS = ("clarify", "fallback")
HANDOFF_STATES = ("waiting", "human")
TOP = 10
REPLY = aliased(Message, name="reply")

Rows = list[tuple[str | None, int]]


@dataclass(frozen=True)
class Period:
    """The last `days` calendar days in Berlin, today included: [start, end) in UTC."""

    days: int
    first: dt.date
    last: dt.date
    start: dt.datetime
    end: dt.datetime

    @property
    def dates(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=n) for n in range(self.days)]


def period(days: int, now: dt.datetime) -> Period:
    today = now.astimezone(LOCAL_TIME).date()
    first = today - dt.timedelta(days=days - 1)

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), LOCAL_TIME).astimezone(dt.UTC)

    return Period(days, first, today, midnight(first), midnight(today + dt.timedelta(days=1)))


@dataclass(frozen=True)
class Ratio:
    part: int
    whole: int


@dataclass(frozen=True)
class FirstReply:
    """Waiting → first counsellor reply: how many handoffs got one, and the median."""

    replied: int
    median_seconds: float | None


@dataclass(frozen=True)
class FaqFeedback:
    faq: str
    up: int
    down: int


@dataclass(frozen=True)
class Report:
    period: Period
    inbound: int
    per_day: list[tuple[dt.date, int]]
    per_language: Rows
    per_topic: Rows
    per_city: Rows
    fallback: Ratio  # inbound answered with a fallback / inbound the bot answered
    handoff: Ratio  # conversations handed to a person / conversations with messages
    first_reply: FirstReply
    top_faqs: Rows
    top_unanswered: Rows  # by likely topic
    feedback: list[FaqFeedback]


def utc(moment: dt.datetime) -> dt.datetime:
    """SQLite gives naive datetimes back; they are UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _within(column: InstrumentedAttribute[dt.datetime], when: Period) -> ColumnElement[bool]:
    return (column >= when.start) & (column < when.end)


def _inbound(when: Period) -> ColumnElement[bool]:
    """Users' messages in the period; a 👍 / 👎 press is feedback, not a message."""
    not_feedback = Message.intent.is_(None) | (Message.intent != FEEDBACK_INTENT)
    return (Message.direction == "in") & not_feedback & _within(Message.created_at, when)


def _replied(*conditions: ColumnElement[bool]) -> Exists:
    """An outbound reply (REPLY) to the outer query's inbound `Message`, meeting
    `conditions` (written on REPLY)."""
    return select(REPLY.id).where(REPLY.reply_to_id == Message.id, REPLY.direction == "out",
                                  *conditions).exists()


async def _count(session: AsyncSession, query: Select[int]) -> int:
    return int(await session.scalar(query) or 0)


async def _grouped(session: AsyncSession, query: Select[str | None, int]) -> Rows:
    return [(key, int(n)) for key, n in await session.execute(query)]


async def per_day(session: AsyncSession, when: Period) -> list[tuple[dt.date, int]]:
    moments = await session.scalars(select(Message.created_at).where(_inbound(when)))
    days = Counter(utc(m).astimezone(LOCAL_TIME).date() for m in moments)
    return [(day, days.get(day, 0)) for day in when.dates]


async def per_column(session: AsyncSession, when: Period,
                     column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
                     ) -> Rows:
    """Inbound messages of the period by one column of the message or of its user."""
    n = func.count(Message.id)
    query = (select(column, n).select_from(Message)
             .join(Conversation, Conversation.id == Message.conversation_id)
             .join(User, User.id == Conversation.user_id)
             .where(_inbound(when)).group_by(column)
             .order_by(n.desc(), func.coalesce(column, "")))
    return await _grouped(session, query)


async def fallback(session: AsyncSession, when: Period) -> Ratio:
    """Of the inbound messages the bot answered (not a person), how many got a fallback."""
    by_bot = _replied(REPLY.author_id.is_(None), REPLY.status != "counsellor")
    fell_back = _replied(REPLY.status.in_(FALLBACK_KINDS))
    answered = select(func.count(Message.id)).where(_inbound(when), by_bot)
    return Ratio(await _count(session, answered.where(fell_back)),
                 await _count(session, answered))


async def handoff(session: AsyncSession, when: Period) -> Ratio:
    """Of the conversations with messages in the period, how many went to a person
    (waiting, or taken over directly) in the period."""
    talked = select(Message.conversation_id).where(_within(Message.created_at, when))
    handed = (select(func.count(func.distinct(HandoffTransition.conversation_id)))
              .where(HandoffTransition.to_status.in_(HANDOFF_STATES),
                     _within(HandoffTransition.created_at, when),
                     HandoffTransition.conversation_id.in_(talked)))
    conversations = select(func.count(func.distinct(Message.conversation_id))).where(
        _within(Message.created_at, when))
    return Ratio(await _count(session, handed), await _count(session, conversations))


async def first_reply(session: AsyncSession, when: Period) -> FirstReply:
    """From each move to `waiting` in the period to the first counsellor reply after it
    (and before the conversation's next wait, so that a wait given back unanswered does
    not borrow the next one's reply)."""
    waiting = (select(HandoffTransition.conversation_id, HandoffTransition.created_at)
               .where(HandoffTransition.to_status == "waiting",
                      HandoffTransition.created_at >= when.start))
    counsellor = ((Message.author_id.is_not(None)) | (Message.status == "counsellor"))
    replies = (select(Message.conversation_id, Message.created_at)
               .where(Message.direction == "out", counsellor, Message.created_at >= when.start,
                      Message.conversation_id.in_(waiting.with_only_columns(
                          HandoffTransition.conversation_id))))
    seconds = answer_times(await _moments(session, waiting), await _moments(session, replies),
                           when.end)
    median = statistics.median(seconds) if enough(len(seconds)) else None
    return FirstReply(len(seconds), median)


async def _moments(session: AsyncSession, query: Select[int, dt.datetime],
                   ) -> dict[int, list[dt.datetime]]:
    """Timestamps by conversation, oldest first."""
    found: dict[int, list[dt.datetime]] = {}
    for conversation_id, moment in await session.execute(query):
        found.setdefault(conversation_id, []).append(utc(moment))
    return {key: sorted(moments) for key, moments in found.items()}


def answer_times(waits: dict[int, list[dt.datetime]], replies: dict[int, list[dt.datetime]],
                 end: dt.datetime) -> list[float]:
    """Seconds from each wait before `end` to its first reply (unanswered waits: none)."""
    seconds: list[float] = []
    for conversation_id, times in waits.items():
        answers = replies.get(conversation_id, [])
        for wait, bound in zip(times, [*times[1:], None], strict=True):
            if wait >= end:
                break
            first = next((r for r in answers if r >= wait and (bound is None or r < bound)),
                         None)
            if first is not None:
                seconds.append((first - wait).total_seconds())
    return seconds


async def top_faqs(session: AsyncSession, when: Period) -> Rows:
    """The FAQs most often answered (the inbound message's FAQ key, answered with it)."""
    n = func.count(Message.id)
    return await _grouped(session, (
        select(Message.intent, n)
        .where(_inbound(when), Message.intent.contains("/"), _replied(REPLY.status == "faq"))
        .group_by(Message.intent).order_by(n.desc(), Message.intent).limit(TOP)))


async def top_unanswered(session: AsyncSession, when: Period) -> Rows:
    """Messages answered with a fallback, by their likely topic (None: no likely topic)."""
    n = func.count(Message.id)
    return await _grouped(session, (
        select(Message.topic, n)
        .where(_inbound(when), _replied(REPLY.status.in_(FALLBACK_KINDS)))
        .group_by(Message.topic).order_by(n.desc(), func.coalesce(Message.topic, ""))
        .limit(TOP)))


async def feedback(session: AsyncSession, when: Period) -> list[FaqFeedback]:
    """👍 and 👎 per FAQ, the most rated first."""
    up = func.sum(case((Feedback.value > 0, 1), else_=0))
    down = func.sum(case((Feedback.value < 0, 1), else_=0))
    rows = await session.execute(
        select(Feedback.faq, up, down).where(_within(Feedback.created_at, when))
        .group_by(Feedback.faq).order_by((up + down).desc(), Feedback.faq))
    return [FaqFeedback(faq, int(u or 0), int(d or 0)) for faq, u, d in rows]


async def report(session: AsyncSession, when: Period) -> Report:
    """Every figure of the dashboard for one period (one query after the other: one
    session, one connection)."""
    inbound = await _count(session, select(func.count(Message.id)).where(_inbound(when)))
    return Report(
        period=when, inbound=inbound, per_day=await per_day(session, when),
        per_language=await per_column(session, when, Message.language),
        per_topic=await per_column(session, when, Message.topic),
        per_city=await per_column(session, when, User.city),
        fallback=await fallback(session, when), handoff=await handoff(session, when),
        first_reply=await first_reply(session, when), top_faqs=await top_faqs(session, when),
        top_unanswered=await top_unanswered(session, when),
        feedback=await feedback(session, when))
