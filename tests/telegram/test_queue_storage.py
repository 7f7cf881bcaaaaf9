"""The inbox and outbox tables (migration 0002) on real SQLite and real PostgreSQL:
deduplication by update_id, 64-bit chat ids, and the round trip of a migration."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import select

from bot.storage.db import alembic_config, create_engine, session_factory, upgrade
from bot.storage.queue_models import InboxUpdate, OutboxMessage
from bot.telegram.inbox import store_updates
from tests.telegram import updates

BIG_CHAT = 7_123_456_789  # Telegram ids need 64 bits




async def roundtrip(url: str) -> None:
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    update = {"update_id": 900_000_001, **updates.text(BIG_CHAT, "Hallo")}
    assert await store_updates(sessions, [update]) == 1
    assert await store_updates(sessions, [update, update]) == 0  # delivered again: ignored
    async with sessions() as session:
        rows = list(await session.scalars(select(InboxUpdate)))
        assert [(r.update_id, r.chat_id, r.kind, r.status) for r in rows] == [
            (900_000_001, BIG_CHAT, "text", "pending")]
        session.add(OutboxMessage(inbox_id=rows[0].id, chat_id=BIG_CHAT, method="sendMessage",
                                  params={"text": "ok"}, status="pending", attempts=0,
                                  not_before=0.0))
        await session.commit()
    await engine.dispose()


async def test_sqlite(tmp_path: Path) -> None:
    await roundtrip(f"sqlite+aiosqlite:///{tmp_path}/q.db")


async def test_postgresql(postgres_url: str) -> None:
    await roundtrip(postgres_url)


def test_migration_downgrades_and_upgrades_again(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    config = alembic_config(url)
    command.upgrade(config, "head")
    command.downgrade(config, "0001")
    command.upgrade(config, "head")
