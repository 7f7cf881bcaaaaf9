"""Migrations and the service's storage on real SQLite and real PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.storage import repository as repo
from bot.storage.db import create_engine, session_factory, upgrade


async def roundtrip(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert {"users", "conversations", "messages", "alembic_version"} <= tables
    sessions = session_factory(engine)
    async with sessions() as session:
        user, conversation = await repo.user_and_conversation(
            session, "web", repo.pseudonym("s", "web", "42"), language="ar", city="leipzig")
        await repo.add_message(session, conversation.id, direction="in", text="مرحبا",
                               language="ar", status="received")
        await session.commit()
    async with sessions() as session:
        again, same = await repo.user_and_conversation(
            session, "web", repo.pseudonym("s", "web", "42"), language="de", city="duesseldorf")
        assert (again.id, same.id, again.language) == (user.id, conversation.id, "ar")
        messages = await repo.messages_of(session, same.id)
        assert [m.text for m in messages] == ["مرحبا"]
    await engine.dispose()


async def test_sqlite(tmp_path: object) -> None:
    await roundtrip(f"sqlite+aiosqlite:///{tmp_path}/t.db")


async def test_postgresql(postgres_url: str) -> None:
    await roundtrip(postgres_url)


def test_pseudonyms_hide_the_channel_id() -> None:
    value = repo.pseudonym("secret", "telegram", "123456")
    assert "123456" not in value and len(value) == 40
    assert value != repo.pseudonym("other-secret", "telegram", "123456")
