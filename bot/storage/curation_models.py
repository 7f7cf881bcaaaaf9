"""Tables of staff curation: the live knowledge (documents with their audit log), answer
feedback, NLU model publishing, and staff's decisions about unanswered messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, utcnow


class KnowledgeDocument(Base):
    """One knowledge or NLU training file, as text: the live copy. Seeded from the repository
    (`knowledge/…`, `nlu/data/…`), exported back byte for byte."""

    __tablename__ = "knowledge_documents"

    path: Mapped[str] = mapped_column(String(200), primary_key=True)  # relative to the repo
    text: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer)  # the change that last wrote it
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class KnowledgeChange(Base):
    """The audit log: every change of the live knowledge, who, when, the previous value.
    Its id is the knowledge revision (the newest id is the live revision)."""

    __tablename__ = "knowledge_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"), nullable=True)
    actor_name: Mapped[str] = mapped_column(String(80))  # kept when the account is gone
    # seed | import | edit | create | delete | verify | example | out_of_scope | revert
    kind: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(200))  # e.g. "faq residence/registration"
    field: Mapped[str] = mapped_column(String(120), default="")  # e.g. "answer.ar"
    path: Mapped[str] = mapped_column(String(200), default="")  # the document it changed
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reverts_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # for kind=revert


class Feedback(Base):
    """👍 / 👎 on one FAQ answer: at most one per answered message."""

    __tablename__ = "feedback"

    message_id: Mapped[int] = mapped_column(  # the user's question that the FAQ answered
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    faq: Mapped[str] = mapped_column(String(80), index=True)  # "topic/key"
    language: Mapped[str] = mapped_column(String(5))
    value: Mapped[int] = mapped_column(Integer)  # +1 | -1
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NluModel(Base):
    """One publish: training, evaluation, the gate's report, and which model is live."""

    __tablename__ = "nlu_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # training | evaluating | blocked | failed | live | retired
    status: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str | None] = mapped_column(String(80), nullable=True)  # the archive's name
    knowledge_revision: Mapped[int] = mapped_column(Integer)
    url: Mapped[str | None] = mapped_column(String(200), nullable=True)  # Rasa serving it
    log: Mapped[str] = mapped_column(Text, default="")
    report: Mapped[Any] = mapped_column(JSON, nullable=True)  # the evaluation and the gate
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True),
                                                            nullable=True)


class UnansweredReview(Base):
    """Staff's decision about a message the bot could not answer (or an answer rated 👎)."""

    __tablename__ = "unanswered_reviews"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    decision: Mapped[str] = mapped_column(String(16))  # example | out_of_scope | dismissed
    intent: Mapped[str | None] = mapped_column(String(80), nullable=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("console_users.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
