"""Durable Telegram inbox and outbox (see bot/telegram/).

Raw Telegram chat ids are needed to route and send; they are kept only while a row is
pending and cleared (with the payload) once the update is handled or the reply is sent.
Scheduling times (`not_before`) are epoch seconds, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class InboxUpdate(Base):
    """One Telegram update, stored before it is acknowledged (webhook 200 / polling offset)."""

    __tablename__ = "telegram_inbox"
    __table_args__ = (Index("ix_telegram_inbox_status_chat", "status", "chat_id", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # text, command, callback, location, voice, …
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # pending | done | ignored | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[float] = mapped_column(Float, default=0.0)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class OutboxMessage(Base):
    """One Bot API call to make (sendMessage, sendVenue, …), stored before it is sent."""

    __tablename__ = "telegram_outbox"
    __table_args__ = (Index("ix_telegram_outbox_status_chat", "status", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("telegram_inbox.id", ondelete="SET NULL"), nullable=True, index=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    method: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # pending | sending | handed (request written) | sent | unconfirmed (handed, then a crash)
    # | failed
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
