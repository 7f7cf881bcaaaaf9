"""Reading the queue, the recent conversations with the bot, who is online and the
console's users."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.console.auth import ANSWERING
from bot.console.labels import city_name, district_label, topic_label
from bot.core.handoff import OPEN_HANDOFF
from bot.i18n import Translator
from bot.kb.model import Knowledge
from bot.storage.handoff_models import ConsoleUser
from bot.storage.models import Conversation, User, utcnow

RECENT_HOURS = 24  # conversations with the bot shown under the queue …
RECENT_LIMIT = 20  # … at most this many


@dataclass(frozen=True)
class QueueRow:
    id: int
    status: str  # waiting | human (the queue) | bot (recent conversations with the bot)
    urgent: bool
    since: dt.datetime  # waiting or with a person since; for the bot's: the last activity
    language: str
    city: str
    district: str
    topic: str
    channel: str
    assignee_id: int | None
    assignee: str


@dataclass(frozen=True)
class Counts:
    waiting: int
    human: int
    urgent: int


@dataclass(frozen=True)
class Labels:
    """What the rows are shown with: the knowledge, the chat's topic names, the language."""

    knowledge: Knowledge
    chat: dict[str, Translator]
    lang: str


async def queue(session: AsyncSession, labels: Labels) -> list[QueueRow]:
    """Waiting and active conversations: urgent first, then the longest waiting."""
    since = func.coalesce(Conversation.status_since, Conversation.started_at)
    rows = await session.execute(
        select(Conversation, User, ConsoleUser.display_name, ConsoleUser.username)
        .join(User, User.id == Conversation.user_id)
        .outerjoin(ConsoleUser, ConsoleUser.id == Conversation.assignee_id)
        .where(Conversation.status.in_(OPEN_HANDOFF))
        .order_by(Conversation.urgent.desc(), since.asc(), Conversation.id.asc()))
    return [_row(c, u, display or username or "", labels) for c, u, display, username in rows]


async def with_the_bot(session: AsyncSession, labels: Labels, *, hours: int = RECENT_HOURS,
                       limit: int = RECENT_LIMIT) -> list[QueueRow]:
    """Conversations still with the bot, active in the last `hours`, newest first (a
    counsellor may take any of them over). `since` is the last activity: `updated_at`,
    which every turn of the bot and every change of the handoff status moves."""
    rows = await session.execute(
        select(Conversation, User).join(User, User.id == Conversation.user_id)
        .where(Conversation.status == "bot",
               Conversation.updated_at >= utcnow() - dt.timedelta(hours=hours))
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc()).limit(limit))
    return [_row(c, u, "", labels, since=c.updated_at) for c, u in rows]


def _row(conversation: Conversation, user: User, assignee: str, labels: Labels,
         since: dt.datetime | None = None) -> QueueRow:
    state = conversation.state or {}
    city = str(state.get("city") or user.city)
    return QueueRow(
        id=conversation.id, status=conversation.status, urgent=conversation.urgent,
        since=since or conversation.status_since or conversation.started_at,
        language=str(state.get("language") or user.language),
        city=city_name(labels.knowledge, city, labels.lang),
        district=district_label(labels.knowledge, state.get("place_ref"), labels.lang),
        topic=topic_label(labels.chat, state.get("last_topic"), labels.lang),
        channel=user.channel, assignee_id=conversation.assignee_id, assignee=assignee)


def counts(rows: list[QueueRow]) -> Counts:
    return Counts(waiting=sum(r.status == "waiting" for r in rows),
                  human=sum(r.status == "human" for r in rows),
                  urgent=sum(r.urgent for r in rows))


@dataclass(frozen=True)
class Present:
    id: int
    name: str
    presence: str  # online | away


async def present(session: AsyncSession, timeout_seconds: int) -> list[Present]:
    """Counsellors and admins seen recently, with the presence they chose."""
    since = utcnow() - dt.timedelta(seconds=timeout_seconds)
    users = await session.scalars(
        select(ConsoleUser).where(ConsoleUser.active.is_(True),
                                  ConsoleUser.role.in_(ANSWERING),
                                  ConsoleUser.last_seen_at >= since)
        .order_by(ConsoleUser.presence.desc(), ConsoleUser.display_name))
    return [Present(u.id, u.display_name or u.username, u.presence) for u in users]


async def console_users(session: AsyncSession) -> list[ConsoleUser]:
    return list(await session.scalars(select(ConsoleUser).order_by(ConsoleUser.username)))


async def names(session: AsyncSession) -> dict[int, str]:
    """Every console user's display name by id (for transcripts)."""
    rows = await session.execute(
        select(ConsoleUser.id, ConsoleUser.display_name, ConsoleUser.username))
    return {user_id: display or username for user_id, display, username in rows}
