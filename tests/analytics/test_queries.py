"""The dashboard's queries against known rows, on SQLite and on a fresh PostgreSQL
database: exact counts, days in Berlin, the period's edges, and the time to the first
counsellor reply."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analytics.queries import Period, Report, period, report
from bot.storage.models import Conversation, Message, User
from tests.analytics import data

NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC)  # 12:00 in Berlin (summer time)


@pytest.fixture
def db(migrated: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    return migrated


async def figures(db: async_sessionmaker[AsyncSession], when: Period) -> Report:
    async with db() as session:
        return await report(session, when)


def test_the_period_is_whole_days_in_berlin() -> None:
    week = period(7, NOW)
    assert (week.first, week.last) == (dt.date(2026, 6, 9), dt.date(2026, 6, 15))
    assert week.start == dt.datetime(2026, 6, 8, 22, 0, tzinfo=dt.UTC)  # midnight, CEST
    assert week.end == dt.datetime(2026, 6, 15, 22, 0, tzinfo=dt.UTC)
    winter = period(30, dt.datetime(2026, 1, 10, 23, 30, tzinfo=dt.UTC))  # 00:30 on the 11th
    assert winter.last == dt.date(2026, 1, 11)
    assert winter.start == dt.datetime(2025, 12, 12, 23, 0, tzinfo=dt.UTC)
    assert len(winter.dates) == 30


async def test_exact_figures_of_known_rows(db: async_sessionmaker[AsyncSession]) -> None:
    await data.seed(db, NOW)
    got = await figures(db, period(30, NOW))
    assert got.inbound == data.INBOUND
    assert dict(got.per_language) == data.PER_LANGUAGE
    assert dict(got.per_topic) == data.PER_TOPIC
    assert dict(got.per_city) == data.PER_CITY
    assert (got.fallback.part, got.fallback.whole) == data.FALLBACK
    assert (got.handoff.part, got.handoff.whole) == data.HANDOFF
    assert (got.first_reply.replied, got.first_reply.median_seconds) == data.FIRST_REPLY
    assert dict(got.top_faqs) == data.TOP_FAQS
    assert list(dict(got.top_faqs)) == ["residence/permit", "work/minijob"]  # most first
    assert dict(got.top_unanswered) == data.TOP_UNANSWERED
    assert {f.faq: (f.up, f.down) for f in got.feedback} == data.FEEDBACK
    per_day = dict(got.per_day)
    assert len(per_day) == 30 and sum(per_day.values()) == data.INBOUND
    assert {day.day: n for day, n in per_day.items() if n} == {15: 2, 14: 6, 13: 5, 12: 6,
                                                               11: 6}


async def test_longer_period_takes_in_the_old_message(
        db: async_sessionmaker[AsyncSession]) -> None:
    await data.seed(db, NOW)
    quarter = await figures(db, period(90, NOW))
    assert quarter.inbound == data.INBOUND + 1
    assert dict(quarter.per_topic)["residence"] == 7
    assert dict(quarter.top_faqs)["residence/permit"] == 7
    assert {f.faq: (f.up, f.down) for f in quarter.feedback}["residence/permit"] == (6, 1)
    week = await figures(db, period(7, NOW))
    assert week.inbound == data.INBOUND


async def test_days_are_counted_in_berlin_at_the_edges(
        db: async_sessionmaker[AsyncSession]) -> None:
    """Midnight in Berlin is 22:00 UTC in summer: 21:59:59 belongs to the day before the
    week, 22:00 to its first day, 22:30 on the 14th to the 15th."""
    moments = [dt.datetime(2026, 6, 8, 21, 59, 59, tzinfo=dt.UTC),
               dt.datetime(2026, 6, 8, 22, 0, tzinfo=dt.UTC),
               dt.datetime(2026, 6, 14, 22, 30, tzinfo=dt.UTC)]
    async with db() as session:
        user = User(channel="web", pseudonym="edge", language="de", city="leipzig")
        session.add(user)
        await session.flush()
        conversation = Conversation(user_id=user.id, state={})
        session.add(conversation)
        await session.flush()
        session.add_all(Message(conversation_id=conversation.id, direction="in", text="x",
                                language="de", status="answered", created_at=moment)
                        for moment in moments)
        await session.commit()
    got = await figures(db, period(7, NOW))
    assert got.inbound == 2
    assert {day: n for day, n in got.per_day if n} == {dt.date(2026, 6, 9): 1,
                                                       dt.date(2026, 6, 15): 1}


async def test_an_empty_database_gives_zeros(db: async_sessionmaker[AsyncSession]) -> None:
    got = await figures(db, period(7, NOW))
    assert got.inbound == 0 and got.per_language == [] and got.feedback == []
    assert (got.fallback.part, got.fallback.whole) == (0, 0)
    assert (got.first_reply.replied, got.first_reply.median_seconds) == (0, None)
    assert [n for _day, n in got.per_day] == [0] * 7
