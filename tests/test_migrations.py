"""Migrations with foreign keys enforced: from an empty database and from every earlier
revision with data in it, on SQLite (where batch mode recreates tables) and PostgreSQL;
rows orphaned while SQLite did not enforce them are cleaned up once (revision 0006)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.storage.db import alembic_config, create_engine

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
REVISIONS = [script.revision for script in reversed(list(
    ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()))]
COUNTED = ("users", "conversations", "messages")


async def migrate(url: str, revision: str) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


async def execute(url: str, *statements: tuple[str, dict[str, object]]) -> list[int]:
    """Run statements on a connection of the app's engine; the row counts of COUNTED."""
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for sql, params in statements:
                await connection.execute(text(sql), params)
            return [int((await connection.execute(
                text(f"SELECT count(*) FROM {table}"))).scalar() or 0) for table in COUNTED]
    finally:
        await engine.dispose()


# the columns of revision 0001, which every later revision keeps
FIRST_ROWS: tuple[tuple[str, dict[str, object]], ...] = (
    ("INSERT INTO users (id, channel, pseudonym, language, language_explicit, city, "
     "created_at) VALUES (1, 'web', 'p', 'de', false, 'leipzig', :now)", {"now": NOW}),
    ("INSERT INTO conversations (id, user_id, state, urgent, handoff_requested, started_at, "
     "updated_at) VALUES (1, 1, '{}', false, false, :now, :now)", {"now": NOW}),
    ("INSERT INTO messages (id, conversation_id, direction, text, language, status, "
     "created_at) VALUES (1, 1, 'in', 'hallo', 'de', 'received', :now)", {"now": NOW}),
    ("INSERT INTO messages (id, conversation_id, direction, text, language, status, "
     "created_at) VALUES (2, 1, 'out', 'Hallo!', 'de', 'text', :now)", {"now": NOW}),
)


def test_the_revisions_are_known() -> None:
    assert REVISIONS[0] == "0001" and REVISIONS[-1] == "0007" and len(REVISIONS) == 7


async def test_upgrade_from_an_empty_database(database: str) -> None:
    await migrate(database, "head")
    assert await execute(database, *FIRST_ROWS) == [1, 1, 2]


@pytest.mark.parametrize("start", REVISIONS[:-1])
async def test_upgrade_keeps_the_rows_of_an_earlier_revision(database: str, start: str) -> None:
    """0004 recreates `conversations` on SQLite: with foreign keys on during the migration,
    its DROP would cascade to every message."""
    await migrate(database, start)
    assert await execute(database, *FIRST_ROWS) == [1, 1, 2]
    await migrate(database, "head")
    assert await execute(database) == [1, 1, 2]
    removed = await execute(database, ("DELETE FROM users WHERE id = 1", {}))
    assert removed == [0, 0, 0]  # and the cascades work on the migrated tables


async def test_orphans_left_by_sqlite_without_foreign_keys_are_removed(tmp_path: Path) -> None:
    """Rows whose parent was deleted while SQLite ignored foreign keys get what their key
    declares: CASCADE deletes them (and what hangs on them), SET NULL clears the link."""
    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"
    await migrate(url, "0005")
    raw = sqlite3.connect(tmp_path / "old.db")  # foreign keys off, as before 0006
    now = NOW.isoformat()
    raw.executescript(f"""
        INSERT INTO users VALUES (1, 'web', 'p', 'de', 0, 'leipzig', '{now}');
        INSERT INTO conversations (id, user_id, state, urgent, handoff_requested, started_at,
            updated_at, status) VALUES (1, 1, '{{}}', 0, 0, '{now}', '{now}', 'bot'),
            (2, 99, '{{}}', 0, 0, '{now}', '{now}', 'bot');
        INSERT INTO messages (id, conversation_id, direction, text, language, status,
            created_at, author_id) VALUES (1, 1, 'in', 'a', 'de', 'answered', '{now}', 7),
            (2, 2, 'in', 'b', 'de', 'answered', '{now}', NULL);
        INSERT INTO feedback VALUES (2, 2, 'a/b', 'de', -1, '{now}');
        INSERT INTO telegram_outbox (id, inbox_id, chat_id, method, status, attempts,
            not_before, created_at) VALUES (1, 5, 42, 'sendMessage', 'pending', 0, 0, '{now}');
    """)
    raw.commit()
    assert raw.execute("PRAGMA foreign_key_check").fetchall()
    await migrate(url, "head")
    assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    assert raw.execute("SELECT id FROM conversations").fetchall() == [(1,)]
    assert raw.execute("SELECT id, author_id FROM messages").fetchall() == [(1, None)]
    assert raw.execute("SELECT count(*) FROM feedback").fetchall() == [(0,)]
    assert raw.execute("SELECT id, inbox_id FROM telegram_outbox").fetchall() == [(1, None)]
    raw.close()
