"""The `nlu_models` rows of publishing: one publish at a time (a conditional insert), the
log and progress of the running one, the swap of the live model in one transaction, and
the evaluations cached in the rows' reports.

A row's `report` (JSON): `progress` (while it trains), `evaluations` (model name → the
held-out set's fingerprint and the figures, `bot/nlu/gate.py`), `live` (the name and URL of
the model it was compared with), `gate` (the gate's report), `seconds` (training,
evaluation), `retired_at`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, Integer, String, exists, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.curation_models import NluModel
from bot.storage.models import utcnow

ACTIVE = ("training", "evaluating")
LOCK_KEY = 0x4C6F7473  # PostgreSQL advisory lock of the publish claim
HISTORY = 20


async def claim(session: AsyncSession, revision: int, actor_id: int | None,
                stale_after: dt.timedelta) -> int | None:
    """The new publish's row (status `training`), unless one is running: inserted only if no
    row is training or evaluating, in one statement (SQLite: one writer at a time;
    PostgreSQL: under a transaction-scoped advisory lock). A running row older than
    `stale_after` (its process died) is marked failed first. The caller commits."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    now = utcnow()
    await session.execute(
        update(NluModel).where(NluModel.status.in_(ACTIVE), NluModel.created_at < now - stale_after)
        .values(status="failed", finished_at=now, log=NluModel.log + "\nabandoned (no end)\n"))
    running = exists().where(NluModel.status.in_(ACTIVE))
    row = select(literal("training", String), literal(revision, Integer), literal("", String),
                 literal(actor_id, Integer), literal(now, DateTime(timezone=True))
                 ).where(~running)
    columns = ["status", "knowledge_revision", "log", "started_by_id", "created_at"]
    result = await session.execute(
        insert(NluModel).from_select(columns, row).returning(NluModel.id))
    found = result.scalar_one_or_none()
    return int(found) if found is not None else None


async def running(session: AsyncSession) -> NluModel | None:
    return await session.scalar(select(NluModel).where(NluModel.status.in_(ACTIVE))
                                .order_by(NluModel.id.desc()).limit(1))


async def live_row(session: AsyncSession) -> NluModel | None:
    return await session.scalar(select(NluModel).where(NluModel.status == "live")
                                .order_by(NluModel.id.desc()).limit(1))


async def history(session: AsyncSession, limit: int = HISTORY) -> list[NluModel]:
    rows = await session.scalars(select(NluModel).order_by(NluModel.id.desc()).limit(limit))
    return list(rows)


async def append_log(session: AsyncSession, row_id: int, lines: str,
                     progress: dict[str, Any] | None = None) -> None:
    """Append log lines (and replace the progress line); the caller commits."""
    row = await session.get_one(NluModel, row_id)
    row.log = (row.log or "") + lines
    if progress is not None:
        row.report = {**(row.report or {}), "progress": progress}


async def update_row(session: AsyncSession, row_id: int, *, status: str | None = None,
                     name: str | None = None, log: str = "", finished: bool = False,
                     **report: Any) -> None:
    """Status, name, log lines and report entries of one row; the caller commits."""
    row = await session.get_one(NluModel, row_id)
    if status is not None:
        row.status = status
    if name is not None:
        row.name = name
    row.log = (row.log or "") + log
    if report:
        old = row.report or {}
        row.report = {**old, **{key: {**old[key], **value} if isinstance(value, dict)
                                and isinstance(old.get(key), dict) else value
                                for key, value in report.items()}}
    if finished:
        row.finished_at = utcnow()
        row.report = {key: value for key, value in (row.report or {}).items()
                      if key != "progress"}


async def swap(session: AsyncSession, row_id: int, url: str, fallback_url: str) -> str:
    """The candidate goes live with its URL, the previous live row is retired; returns the
    URL that served until now (`fallback_url` when nothing was published yet). The caller
    commits: both changes or neither."""
    now = utcnow()
    previous = await live_row(session)
    old_url = previous.url if previous is not None and previous.url else fallback_url
    rows = await session.scalars(select(NluModel).where(NluModel.status == "live"))
    for row in rows:
        row.status = "retired"
        row.report = {**(row.report or {}), "retired_at": now.isoformat()}
    candidate = await session.get_one(NluModel, row_id)
    candidate.status, candidate.url, candidate.finished_at = "live", url, now
    candidate.report = {k: v for k, v in (candidate.report or {}).items() if k != "progress"}
    return old_url


async def set_live_url(session: AsyncSession, url: str) -> bool:
    """`./lotse run` started the live model itself: the live row now points to it."""
    result = await session.execute(update(NluModel).where(NluModel.status == "live")
                                   .values(url=url))
    return bool(getattr(result, "rowcount", 0))


async def cached_evaluation(session: AsyncSession, name: str,
                            testset: str) -> dict[str, Any] | None:
    """The figures of model `name` on this held-out set, from the newest row that has them."""
    for row in await history(session, limit=100):
        entry = ((row.report or {}).get("evaluations") or {}).get(name)
        if isinstance(entry, dict) and entry.get("testset") == testset:
            figures = entry.get("figures")
            return figures if isinstance(figures, dict) else None
    return None
