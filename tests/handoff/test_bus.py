"""Live events between app processes: PostgreSQL LISTEN/NOTIFY (two buses = two processes),
also after the listening connection was killed; the in-process bus for SQLite."""

from __future__ import annotations

import asyncio

import asyncpg

from bot.handoff.bus import LocalBus, PostgresBus, open_bus


async def test_two_processes_hear_each_other(postgres_url: str) -> None:
    first, second = await open_bus(postgres_url), await open_bus(postgres_url)
    assert isinstance(first, PostgresBus) and isinstance(second, PostgresBus)
    try:
        async with first.subscribe() as heard_by_first, second.subscribe() as heard_by_second:
            await first.publish({"kind": "conversation", "id": 7, "status": "waiting"})
            for queue in (heard_by_first, heard_by_second):
                assert await asyncio.wait_for(queue.get(), 5) == {
                    "kind": "conversation", "id": 7, "status": "waiting"}
    finally:
        await first.close()
        await second.close()


async def test_listening_again_after_the_connection_is_killed(postgres_url: str) -> None:
    bus, other = await open_bus(postgres_url), await open_bus(postgres_url)
    assert isinstance(bus, PostgresBus)
    try:
        async with bus.subscribe() as heard:
            admin = await asyncpg.connect(postgres_url.replace("+asyncpg", ""))
            await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()")
            await admin.close()
            assert await asyncio.wait_for(heard.get(), 10) == {"kind": "reconnected"}
            await other.publish({"kind": "presence"})
            event = await asyncio.wait_for(heard.get(), 5)
            while event.get("kind") == "reconnected":  # the other bus reconnected too
                event = await asyncio.wait_for(heard.get(), 5)
            assert event == {"kind": "presence"}
    finally:
        await bus.close()
        await other.close()


async def test_sqlite_uses_the_in_process_bus() -> None:
    bus = await open_bus("sqlite+aiosqlite:///:memory:")
    assert isinstance(bus, LocalBus)
    async with bus.subscribe() as heard:
        await bus.publish({"kind": "presence"})
        assert heard.get_nowait() == {"kind": "presence"}
