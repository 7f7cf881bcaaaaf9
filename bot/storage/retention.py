"""Retention: what Lotse stores about a user is deleted when it is no longer needed.

- A conversation with no activity for `conversation_days` (default 90: no message and no
  change of its state since) is deleted — unless it waits for a person or a person handles it
  — and with it (ON DELETE CASCADE) its messages, feedback, handoff transitions, notes, the
  encrypted contact and the unanswered queue's reviews.
- A conversation whose handoff was closed is deleted `closed_handoff_days` (default 30) after
  the close.
- A user left without a conversation (pseudonym, language, city) goes with the last one.
- What is left of a conversation its user deleted (a tombstone: id, time, handoff state) goes
  after `conversation_days`.
- Telegram inbox and outbox rows are deleted `queue_hours` (default 24) after they were handled
  (inbox: done, ignored, failed; outbox: sent, failed, unconfirmed). Pending rows stay.

`purge` is idempotent: every app worker may run it (`RetentionJob`, every hour); two at once
delete each row once. Anonymous counts (the dashboard) are computed from the messages, so
they reach back as far as the conversations are kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Delete, and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.handoff_models import ErasedConversation
from bot.storage.models import Conversation, Message, User, utcnow
from bot.storage.queue_models import InboxUpdate, OutboxMessage

log = logging.getLogger(__name__)
OPEN_HANDOFF = ("waiting", "human")
INBOX_HANDLED = ("done", "ignored", "failed")
OUTBOX_HANDLED = ("sent", "failed", "unconfirmed")


@dataclass(frozen=True)
class RetentionPolicy:
    conversation_days: int = 90
    closed_handoff_days: int = 30
    queue_hours: float = 24.0


@dataclass(frozen=True)
class Purged:
    """How many rows of each kind were deleted (dependent rows went with them)."""

    conversations: int = 0
    users: int = 0
    inbox: int = 0
    outbox: int = 0
    tombstones: int = 0

    def __str__(self) -> str:
        return (f"{self.conversations} conversations, {self.users} users, "
                f"{self.inbox} inbox and {self.outbox} outbox rows, "
                f"{self.tombstones} deleted-conversation notes")


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def stale_conversations(policy: RetentionPolicy, now: dt.datetime) -> Delete:
    inactive_since = now - dt.timedelta(days=policy.conversation_days)
    closed_since = now - dt.timedelta(days=policy.closed_handoff_days)
    recent_message = exists().where(Message.conversation_id == Conversation.id,
                                    Message.created_at >= inactive_since)
    inactive = and_(Conversation.status.not_in(OPEN_HANDOFF),
                    Conversation.updated_at < inactive_since, ~recent_message)
    closed = and_(Conversation.status == "closed", Conversation.status_since < closed_since)
    return delete(Conversation).where(or_(inactive, closed))


def users_without_conversations(now: dt.datetime) -> Delete:
    """Users with no conversation left. A new user's first conversation is written in the same
    transaction as the user, so only an older user can be without one."""
    created_before = now - dt.timedelta(hours=1)
    has_conversation = exists().where(Conversation.user_id == User.id)
    return delete(User).where(~has_conversation, User.created_at < created_before)


def handled_queue_rows(policy: RetentionPolicy, now: dt.datetime) -> tuple[Delete, Delete]:
    before = now - dt.timedelta(hours=policy.queue_hours)
    inbox = delete(InboxUpdate).where(InboxUpdate.status.in_(INBOX_HANDLED),
                                      InboxUpdate.handled_at < before)
    outbox = delete(OutboxMessage).where(
        OutboxMessage.status.in_(OUTBOX_HANDLED),
        func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < before)
    return inbox, outbox


async def purge(session: AsyncSession, policy: RetentionPolicy,
                now: dt.datetime | None = None) -> Purged:
    """Delete what is older than the policy allows; the caller commits."""
    now = now or utcnow()
    conversations = _count(await session.execute(stale_conversations(policy, now)))
    users = _count(await session.execute(users_without_conversations(now)))
    inbox_rows, outbox_rows = handled_queue_rows(policy, now)
    outbox = _count(await session.execute(outbox_rows))
    inbox = _count(await session.execute(inbox_rows))
    tombstones = _count(await session.execute(delete(ErasedConversation).where(
        ErasedConversation.erased_at < now - dt.timedelta(days=policy.conversation_days))))
    return Purged(conversations, users, inbox, outbox, tombstones)


async def counts(session: AsyncSession) -> dict[str, int]:
    """Rows per table of the data about users (for tests and the operator)."""
    from bot.storage.models import Base

    names = ("users", "conversations", "messages", "feedback", "handoff_transitions",
             "handoff_contacts", "unanswered_reviews", "telegram_inbox", "telegram_outbox",
             "erased_conversations")
    tables = Base.metadata.tables
    return {name: int(await session.scalar(select(func.count()).select_from(tables[name])) or 0)
            for name in names}


class RetentionJob:
    """Runs `purge` at start (awaited: nothing past its period is served after a start) and
    then every `interval` seconds, each time in its own session."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], policy: RetentionPolicy,
                 interval: float) -> None:
        self._sessions, self._policy, self._interval = sessions, policy, interval
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._purge()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> Purged:
        async with self._sessions() as session:
            purged = await purge(session, self._policy)
            await session.commit()
        if purged != Purged():
            log.info("retention: deleted %s", purged)
        return purged

    async def _purge(self) -> None:
        try:
            await self.run_once()
        except Exception:  # a database outage: try again at the next interval
            log.exception("retention: the purge failed; next try in %.0f s", self._interval)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            await self._purge()
