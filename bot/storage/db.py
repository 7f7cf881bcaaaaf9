"""Engine, sessions and migrations. Built in start-up hooks, never at import time."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)


def create_engine(database_url: str) -> AsyncEngine:
    url = make_url(database_url)
    # hide_parameters: an error's message (logged) never carries the values, i.e. no texts
    engine = create_async_engine(url, pool_pre_ping=True, hide_parameters=True)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Foreign keys are enforced (SQLite's default is off), so `ON DELETE CASCADE` and
    `SET NULL` act as on PostgreSQL. With the write-ahead log (`_write_ahead_log`) readers do
    not block the writer, and NORMAL commits need no fsync of the database (durable against
    an application crash; a power loss may lose the last commits, never corrupts). Writers
    wait up to 10 s. Runs before any transaction (the pragma is ignored inside one)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _write_ahead_log(path: str) -> None:
    """Switch the SQLite file to WAL (kept in the file). Needs the file to itself, so it runs
    right after the migrations; if another process holds it, the file stays as it is."""
    connection = sqlite3.connect(path, timeout=10)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError as exc:
        log.warning("SQLite stays in rollback-journal mode (%s)", exc)
    finally:
        connection.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker:  # type: ignore[type-arg]
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_sync(database_url: str) -> None:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), "head")
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        _write_ahead_log(url.database)


async def upgrade(database_url: str) -> None:
    """Bring the schema to the newest migration (Alembic runs in a worker thread)."""
    await asyncio.to_thread(upgrade_sync, database_url)
