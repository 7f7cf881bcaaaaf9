"""Canned replies for counsellors (knowledge/common/canned_replies.yml), validated on load:
a broken file stops the app with its file, line and field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.kb.source import KnowledgeError, read_yaml
from bot.settings import PROJECT_ROOT

CANNED_FILE = PROJECT_ROOT / "knowledge" / "common" / "canned_replies.yml"
MAX_CHARS = 1000
ID = re.compile(r"[a-z][a-z0-9_]{0,39}")


@dataclass(frozen=True)
class CannedReply:
    id: str
    label: dict[str, str]  # in the console's language
    text: dict[str, str]  # in the user's language


def load_canned(path: Path = CANNED_FILE) -> tuple[CannedReply, ...]:
    """All replies of the file, each with its label and text in de, en and ar."""
    doc = read_yaml(path)
    replies: list[CannedReply] = []
    for item in doc.nodes("replies"):
        reply = CannedReply(item.text("id"), item.localised("label"), item.localised("text"))
        if not ID.fullmatch(reply.id):
            raise item.fail("id", "lower-case letters, digits and _ only")
        if any(r.id == reply.id for r in replies):
            raise item.fail("id", f"duplicate id '{reply.id}'")
        longest = max(reply.text.values(), key=len)
        if len(longest) > MAX_CHARS:
            raise item.fail("text", f"longer than {MAX_CHARS} characters")
        replies.append(reply)
    if not replies:
        raise KnowledgeError(path, doc.line_of("replies"), "replies", "at least one reply")
    return tuple(replies)


def canned_or_exit(path: Path | None = None) -> tuple[CannedReply, ...]:
    """`./lotse check`: the replies, or the broken file's place and exit code 2."""
    try:
        replies = load_canned(path or CANNED_FILE)
    except KnowledgeError as exc:
        print(f"[lotse] canned replies are broken, not starting: {exc}", flush=True)
        raise SystemExit(2) from None
    print(f"[lotse] canned replies: {len(replies)}", flush=True)
    return replies
