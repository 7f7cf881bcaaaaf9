"""Retention on SQLite and PostgreSQL: rows per table before and after a purge — what is
past its period goes with everything that hangs on it, what is recent, waiting for a person
or handled by one stays, and a second purge deletes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.curation_models import Feedback, UnansweredReview
from bot.storage.db import create_engine, session_factory, upgrade
from bot.storage.handoff_models import Contact, ErasedConversation, HandoffTransition
from bot.storage.models import Conversation, Message, User
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from bot.storage.retention import Purged, RetentionJob, RetentionPolicy, counts, purge
from bot.web.app import create_app
from tests.conftest import app_settings, free_port

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
POLICY = RetentionPolicy(conversation_days=90, closed_handoff_days=30, queue_hours=24)


def ago(days: float = 0, hours: float = 0) -> dt.datetime:
    return NOW - dt.timedelta(days=days, hours=hours)


@pytest.fixture
def sessions(migrated: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    return migrated


async def user(session: AsyncSession, name: str, created: dt.datetime) -> User:
    row = User(channel="web", pseudonym=name, language="de", city="leipzig",
               created_at=created)
    session.add(row)
    await session.flush()
    return row


async def conversation(session: AsyncSession, owner: User, updated: dt.datetime,
                       status: str = "bot", messages: tuple[dt.datetime, ...] = ()
                       ) -> Conversation:
    row = Conversation(user_id=owner.id, state={}, status=status, started_at=updated,
                       updated_at=updated, status_since=updated if status != "bot" else None)
    session.add(row)
    await session.flush()
    for when in messages:
        question = Message(conversation_id=row.id, direction="in", text="Wo melde ich mich an?",
                           language="de", status="answered", created_at=when)
        session.add(question)
        await session.flush()
        session.add(Message(conversation_id=row.id, direction="out", text="Im Bürgerbüro.",
                            language="de", status="faq", reply_to_id=question.id,
                            created_at=when))
        session.add(Feedback(message_id=question.id, conversation_id=row.id,
                             faq="registration/register_address", language="de", value=-1,
                             created_at=when))
        session.add(UnansweredReview(message_id=question.id, decision="dismissed",
                                     created_at=when))
    return row


async def handoff(session: AsyncSession, row: Conversation, when: dt.datetime) -> None:
    session.add(HandoffTransition(conversation_id=row.id, from_status="bot", to_status="waiting",
                                  actor="user", reason="asked", created_at=when))
    session.add(Contact(conversation_id=row.id, channel="telegram", secret="encrypted",
                        created_at=when))
    session.add(Message(conversation_id=row.id, direction="note", text="intern",
                        language="de", status="note", created_at=when))


async def fill(session: AsyncSession) -> dict[str, int]:
    """Each case's conversation id (or user id)."""
    old = await user(session, "old", ago(days=200))
    gone = await conversation(session, old, ago(days=100), messages=(ago(days=100),))
    await handoff(session, gone, ago(days=100))
    talking = await user(session, "talking", ago(days=200))
    # the row's own time is old, but a message is recent: kept
    recent = await conversation(session, talking, ago(days=100),
                                messages=(ago(days=100), ago(days=10)))
    waiting = await user(session, "waiting", ago(days=300))
    handled = await conversation(session, waiting, ago(days=200), status="human",
                                 messages=(ago(days=200),))
    await handoff(session, handled, ago(days=200))
    closing = await user(session, "closing", ago(days=60))
    closed = await conversation(session, closing, ago(days=40), status="closed",
                                messages=(ago(days=40),))
    await handoff(session, closed, ago(days=40))
    current = await conversation(session, closing, ago(days=1), messages=(ago(days=1),))
    closed_lately = await conversation(session, await user(session, "lately", ago(days=20)),
                                       ago(days=10), status="closed")
    session.add_all([
        InboxUpdate(update_id=1, chat_id=7, kind="text", status="done", received_at=ago(2),
                    handled_at=ago(2)),
        InboxUpdate(update_id=2, chat_id=7, kind="text", status="done",
                    received_at=ago(hours=2), handled_at=ago(hours=2)),
        InboxUpdate(update_id=3, chat_id=7, kind="text", status="pending", received_at=ago(5)),
        InboxUpdate(update_id=4, chat_id=7, kind="text", status="failed", received_at=ago(3),
                    handled_at=ago(3)),
        OutboxMessage(chat_id=7, method="sendMessage", status="sent", created_at=ago(2),
                      sent_at=ago(2)),
        OutboxMessage(chat_id=7, method="sendMessage", status="pending", created_at=ago(5)),
        OutboxMessage(chat_id=7, method="sendMessage", status="failed", created_at=ago(3)),
        OutboxMessage(chat_id=7, method="sendMessage", status="sent", created_at=ago(hours=3),
                      sent_at=ago(hours=3)),
        # what is left of conversations their users deleted: the old note goes too
        ErasedConversation(conversation_id=9001, status="human", erased_at=ago(days=100)),
        ErasedConversation(conversation_id=9002, status="bot", erased_at=ago(days=10)),
    ])
    await session.commit()
    return {"gone": gone.id, "recent": recent.id, "handled": handled.id, "closed": closed.id,
            "current": current.id, "closed_lately": closed_lately.id, "old_user": old.id,
            "closing_user": closing.id}


async def test_purge_deletes_what_is_past_its_period(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        ids = await fill(session)
        before = await counts(session)
        purged = await purge(session, POLICY, NOW)
        await session.commit()
        after = await counts(session)
        left = set((await session.scalars(select(Conversation.id))).all())
        users = set((await session.scalars(select(User.id))).all())
    print(f"\nrows before: {before}\nrows after:  {after}\npurged: {purged}")
    assert purged == Purged(conversations=2, users=1, inbox=2, outbox=2, tombstones=1)
    assert left == {ids[k] for k in ("recent", "handled", "current", "closed_lately")}
    assert ids["old_user"] not in users and ids["closing_user"] in users
    # conversations gone: "gone" (1 exchange + handoff) and "closed" (1 exchange + handoff)
    assert before == {"users": 5, "conversations": 6, "messages": 15, "feedback": 6,
                      "handoff_transitions": 3, "handoff_contacts": 3,
                      "unanswered_reviews": 6, "telegram_inbox": 4, "telegram_outbox": 4,
                      "erased_conversations": 2}
    assert after == {"users": 4, "conversations": 4, "messages": 9, "feedback": 4,
                     "handoff_transitions": 1, "handoff_contacts": 1,
                     "unanswered_reviews": 4, "telegram_inbox": 2, "telegram_outbox": 2,
                     "erased_conversations": 1}
    async with sessions() as session:
        assert await purge(session, POLICY, NOW) == Purged()  # idempotent


async def test_the_job_purges_at_start(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        owner = await user(session, "someone", ago(days=400))
        await conversation(session, owner, ago(days=365), messages=(ago(days=365),))
        await session.commit()
    job = RetentionJob(sessions, POLICY, interval=3600)
    purged = await job.run_once()  # the real clock: a year ago is past 90 days
    assert (purged.conversations, purged.users) == (1, 1)
    async with sessions() as session:
        assert (await counts(session))["messages"] == 0


async def test_the_app_purges_at_start_with_its_settings(tmp_path: Path) -> None:
    settings = app_settings(tmp_path, free_port(), retention_days=30)
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    async with sessions() as session:
        now = dt.datetime.now(dt.UTC)
        for name, days in (("month_and_a_half", 45), ("last_week", 7)):
            owner = await user(session, name, now - dt.timedelta(days=days))
            when = now - dt.timedelta(days=days)
            await conversation(session, owner, when, messages=(when,))
        await session.commit()
    runner = web.AppRunner(create_app(settings))
    await runner.setup()  # the start-up hook: the purge is awaited before the app serves
    try:
        async with sessions() as session:
            left = (await session.scalars(select(User.pseudonym))).all()
    finally:
        await runner.cleanup()
        await engine.dispose()
    assert left == ["last_week"]
