"""Tables of the counsellor handoff and the console: console users, the transition log and
the (encrypted) way back to a Telegram user while a person handles the conversation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class ConsoleUser(Base):
    """A person who logs in to the console: admin, staff or counsellor."""

    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)  # argon2
    role: Mapped[str] = mapped_column(String(12))  # admin | staff | counsellor
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(5), default="de")  # the console's language
    presence: Mapped[str] = mapped_column(String(8), default="away")  # online | away
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)
    # an invitation: the SHA-256 of a one-time token, until the invited person sets a password
    invite_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    invite_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                                  nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    # raised at logout: every session issued before (on any device) is no longer valid
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                             nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class HandoffTransition(Base):
    """Every change of a conversation's handoff state: from, to, who, when and why."""

    __tablename__ = "handoff_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(String(12))  # user | counsellor | system
    counsellor_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"), nullable=True)
    reason: Mapped[str] = mapped_column(String(40))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Contact(Base):
    """How to reach a Telegram user who has gone quiet, kept only while a handoff is open:
    the chat id, encrypted with LOTSE_CONTACT_KEY (Fernet). Deleted on release and close."""

    __tablename__ = "handoff_contacts"

    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ErasedConversation(Base):
    """A conversation its user deleted (/delete): all that is left of it, so counsellors see
    why it is gone — its id, when, and the handoff state it was in. Nothing about the user."""

    __tablename__ = "erased_conversations"

    conversation_id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                                 autoincrement=False)
    status: Mapped[str] = mapped_column(String(10))  # bot | waiting | human | closed
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"), nullable=True)
    erased_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                   index=True)
