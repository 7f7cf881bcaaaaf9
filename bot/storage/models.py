"""SQLAlchemy 2 typed models. Users are pseudonymous: no names, no raw channel ids."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "pseudonym", name="uq_user_channel_pseudonym"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    pseudonym: Mapped[str] = mapped_column(String(64))  # HMAC of the channel's user id
    language: Mapped[str] = mapped_column(String(5))
    language_explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    city: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversations: Mapped[list[Conversation]] = relationship(back_populates="user")


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # The handoff state (bot/core/handoff.py): bot | waiting | human | closed. Written only
    # through conditional updates (bot/handoff/store.py), so two writers cannot both win.
    status: Mapped[str] = mapped_column(String(10), default="bot", server_default="bot",
                                        index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL", name="fk_conversations_assignee"),
        nullable=True)
    status_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)
    # last message of the user or the counsellor while a person handles the conversation
    last_activity_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                                 nullable=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, server_default=func.now(),
        index=True)  # the console lists recent conversations with the bot

    user: Mapped[User] = relationship(back_populates="conversations")
    messages: Mapped[list[Message]] = relationship(back_populates="conversation")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("source_key", name="uq_messages_source_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    # "in" (user) | "out" (bot or counsellor, sent to the user) | "note" (internal, never sent)
    direction: Mapped[str] = mapped_column(String(4))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    # in: the likely topic (the NLU's joint topic, or its nearest example's), also when the
    # bot fell back: groups the unanswered queue and the dashboard; None for button presses
    topic: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    language: Mapped[str] = mapped_column(String(5))
    # in: received | answered | nlu_unavailable | forwarded (read by a person, not the bot);
    # out: reply kind (text, faq, emergency, ..., counsellor, handoff); note: note
    status: Mapped[str] = mapped_column(String(20))
    # in: the channel's id for this message (e.g. "telegram:<update_id>"): handled once
    source_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # out: the message it answers, and what the user saw besides the text (buttons, links)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE", name="fk_messages_reply_to_id"),
        nullable=True, index=True)
    extra: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # out/note written by a counsellor in the console (None: the bot or the system)
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL", name="fk_messages_author"),
        nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    conversation: Mapped[Conversation] = relationship(back_populates="messages")


# The console and handoff tables are referenced above by name; load them with the models.
from bot.storage import curation_models, handoff_models  # noqa: E402,F401
