"""What the local Bot API server records (requests, accepted messages) and the faults it
can inject."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEND_METHODS = frozenset({"sendmessage", "sendvenue", "sendlocation", "editmessagetext",
                          "senddocument"})


@dataclass
class Sent:
    """A message the bot sent and the server accepted."""

    method: str
    chat_id: int
    params: dict[str, Any]
    message_id: int
    at: float

    @property
    def text(self) -> str:
        return str(self.params.get("text") or self.params.get("title")
                   or self.params.get("caption") or "")

    @property
    def document(self) -> dict[str, Any] | None:
        """An uploaded file: {"filename", "content" (text), "size"}."""
        document = self.params.get("document")
        return document if isinstance(document, dict) else None

    @property
    def buttons(self) -> list[tuple[str, str]]:
        markup = self.params.get("reply_markup") or {}
        return [(b["text"], b.get("callback_data", "")) for row in
                markup.get("inline_keyboard", []) for b in row]

    @property
    def keyboard(self) -> list[dict[str, Any]]:
        markup = self.params.get("reply_markup") or {}
        return [b for row in markup.get("keyboard", []) for b in row]


@dataclass
class Fault:
    kind: str  # "429" | "5xx" | "slow" (before) | "late" (after accepting) | "drop"
    chat_id: int | None = None  # None: any chat
    methods: frozenset[str] = SEND_METHODS
    times: int = 1
    retry_after: int = 1
    status: int = 500
    seconds: float = 0.0


@dataclass
class Attempt:
    method: str
    chat_id: int | None
    at: float
    outcome: str = "ok"
