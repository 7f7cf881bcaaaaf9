"""Foreign keys on SQLite and PostgreSQL alike: deleting a chat user's row removes every row
that hangs on it (the foundation of `/delete`), deleting a console user keeps the
conversations, and a row without its parent is refused. Row counts per table, before and
after, on both databases."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage import repository as repo
from bot.storage.curation_models import Feedback, UnansweredReview
from bot.storage.db import create_engine
from bot.storage.handoff_models import ConsoleUser, Contact, HandoffTransition
from bot.storage.models import Base, Conversation, Message, User
from bot.storage.queue_models import InboxUpdate, OutboxMessage

# every table except the knowledge, the models and the migrations' own
TABLES = ("users", "conversations", "messages", "feedback", "unanswered_reviews",
          "handoff_transitions", "handoff_contacts", "telegram_inbox", "telegram_outbox",
          "console_users")


@pytest.fixture
def sessions(migrated: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    return migrated


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return {name: int(await session.scalar(
            select(func.count()).select_from(Base.metadata.tables[name])) or 0)
            for name in TABLES}


async def chat_user(session: AsyncSession, name: str, counsellor: ConsoleUser,
                    update_id: int) -> int:
    """A Telegram user with everything that can be stored about them: two conversations
    (one closed), questions and answers, a counsellor's reply and note, the handoff log,
    the encrypted contact, a rating and a staff review; and their pending inbox/outbox
    rows, which no foreign key ties to them."""
    user, first = await repo.user_and_conversation(session, "telegram", f"p-{name}",
                                                   language="de", city="duesseldorf")
    first.status = "closed"
    await session.flush()
    _, second = await repo.user_and_conversation(session, "telegram", f"p-{name}",
                                                 language="de", city="duesseldorf")
    second.status, second.assignee_id = "human", counsellor.id
    for conversation in (first, second):
        question = await repo.add_message(session, conversation.id, direction="in",
                                          text="Wo melde ich mich an?", language="de",
                                          status="answered", source_key=f"{name}:{conversation.id}")
        await repo.add_message(session, conversation.id, direction="out", text="Im Bürgerbüro",
                               language="de", status="faq", reply_to_id=question.id,
                               extra={"ref": "residence/registration"})
        session.add_all([
            Feedback(message_id=question.id, conversation_id=conversation.id,
                     faq="residence/registration", language="de", value=-1),
            UnansweredReview(message_id=question.id, decision="dismissed",
                             actor_id=counsellor.id),
            HandoffTransition(conversation_id=conversation.id, from_status="bot",
                              to_status="waiting", actor="user", reason="asked"),
        ])
    session.add_all([
        Message(conversation_id=second.id, direction="out", text="Hallo, hier ist Anna",
                language="de", status="counsellor", author_id=counsellor.id),
        Message(conversation_id=second.id, direction="note", text="ruft morgen an",
                language="de", status="note", author_id=counsellor.id),
        Contact(conversation_id=second.id, channel="telegram", secret="gAAAA-encrypted"),
    ])
    inbox = InboxUpdate(update_id=update_id, chat_id=42, kind="text",
                        payload={"message": {"text": "hallo"}}, status="pending")
    session.add(inbox)
    await session.flush()
    session.add(OutboxMessage(inbox_id=inbox.id, chat_id=42, method="sendMessage",
                              params={"chat_id": 42, "text": "Hallo"}, status="pending"))
    await session.flush()
    return user.id


async def two_users(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int, int]:
    async with sessions() as session:
        counsellor = ConsoleUser(username="anna", display_name="Anna", role="counsellor")
        session.add(counsellor)
        await session.flush()
        amira = await chat_user(session, "amira", counsellor, 1001)
        bashir = await chat_user(session, "bashir", counsellor, 1002)
        await session.commit()
        return amira, bashir, counsellor.id


async def test_deleting_a_user_row_removes_everything_about_them(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    amira, bashir, _ = await two_users(sessions)
    before = await counts(sessions)
    assert before == {"users": 2, "conversations": 4, "messages": 12, "feedback": 4,
                      "unanswered_reviews": 4, "handoff_transitions": 4,
                      "handoff_contacts": 2, "telegram_inbox": 2, "telegram_outbox": 2,
                      "console_users": 1}
    async with sessions() as session:  # a plain DELETE: the database cascades, not the ORM
        await session.execute(delete(User).where(User.id == amira))
        await session.commit()
    after = await counts(sessions)
    # one user's share of each table is gone; the inbox and outbox have no foreign key to a
    # user (the raw chat id while pending), so `/delete` must remove those rows itself
    assert after == {"users": 1, "conversations": 2, "messages": 6, "feedback": 2,
                     "unanswered_reviews": 2, "handoff_transitions": 2,
                     "handoff_contacts": 1, "telegram_inbox": 2, "telegram_outbox": 2,
                     "console_users": 1}
    async with sessions() as session:
        owners = set((await session.scalars(
            select(Conversation.user_id)
            .join(Message, Message.conversation_id == Conversation.id))).all())
    assert owners == {bashir}


async def test_deleting_a_conversation_removes_its_rows(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    amira, _, _ = await two_users(sessions)
    before = await counts(sessions)
    async with sessions() as session:
        open_one = await session.scalar(select(func.max(Conversation.id))
                                        .where(Conversation.user_id == amira))
        await session.execute(delete(Conversation).where(Conversation.id == open_one))
        await session.commit()
    after = await counts(sessions)
    gone = {name: before[name] - after[name] for name in TABLES if before[name] != after[name]}
    assert gone == {"conversations": 1, "messages": 4, "feedback": 1, "unanswered_reviews": 1,
                    "handoff_transitions": 1, "handoff_contacts": 1}


async def test_deleting_a_counsellor_keeps_the_conversations(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    _, _, counsellor = await two_users(sessions)
    before = await counts(sessions)
    async with sessions() as session:
        await session.execute(delete(ConsoleUser).where(ConsoleUser.id == counsellor))
        await session.commit()
    assert await counts(sessions) == {**before, "console_users": 0}
    async with sessions() as session:  # ON DELETE SET NULL
        assigned = await session.scalar(select(func.count()).select_from(Conversation)
                                        .where(Conversation.assignee_id.is_not(None)))
        authored = await session.scalar(select(func.count()).select_from(Message)
                                        .where(Message.author_id.is_not(None)))
        reviewed = await session.scalar(select(func.count()).select_from(UnansweredReview)
                                        .where(UnansweredReview.actor_id.is_not(None)))
    assert (assigned, authored, reviewed) == (0, 0, 0)


async def test_deleting_an_inbox_row_keeps_its_replies(
        sessions: async_sessionmaker[AsyncSession]) -> None:
    await two_users(sessions)
    async with sessions() as session:
        await session.execute(delete(InboxUpdate))
        await session.commit()
    async with sessions() as session:
        links = (await session.scalars(select(OutboxMessage.inbox_id))).all()
    assert list(links) == [None, None]


ORPHANS: dict[str, Callable[[int], Base]] = {
    "conversation of no user": lambda _: Conversation(user_id=999, state={}),
    "message of no conversation": lambda _: Message(
        conversation_id=999, direction="in", text="x", language="de", status="received"),
    "rating of no message": lambda conversation: Feedback(
        message_id=999, conversation_id=conversation, faq="a/b", language="de", value=1),
    "contact of no conversation": lambda _: Contact(conversation_id=999, channel="telegram",
                                                    secret="s"),
}


@pytest.mark.parametrize("orphan", ORPHANS)
async def test_a_row_without_its_parent_is_refused(
        sessions: async_sessionmaker[AsyncSession], orphan: str) -> None:
    await two_users(sessions)
    async with sessions() as session:
        conversation = int(await session.scalar(select(func.min(Conversation.id))) or 0)
        session.add(ORPHANS[orphan](conversation))
        with pytest.raises(IntegrityError):
            await session.commit()
    assert (await counts(sessions))["conversations"] == 4


async def test_sqlite_connections_enforce_foreign_keys(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/fk.db")
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await engine.dispose()
