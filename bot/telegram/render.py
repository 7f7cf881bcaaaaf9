"""`Reply` → Bot API calls: HTML-escaped text split at paragraph boundaries, keyboards, named links.

The result is plain JSON (`Call`) so it can be stored in the outbox exactly as it will be sent.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.core.types import Button, Link, Reply
from bot.telegram.callbacks import fits

log = logging.getLogger(__name__)
TEXT_LIMIT = 4096  # Bot API: characters of a message text
CAPTION_LIMIT = 1024  # … and of a document's caption
_SEPARATORS = ("\n\n", "\n", " ")
REMOVE_KEYBOARD: dict[str, Any] = {"remove_keyboard": True}
CHOSEN = "✓"
Words = Callable[[str], str]  # a label's key → its text in the user's language (a Translator)


@dataclass
class Call:
    """One Bot API call for one chat (the chat id is stored next to it, not inside)."""

    method: str  # sendMessage | sendDocument | sendVenue | sendLocation | editMessageText
    params: dict[str, Any] = field(default_factory=dict)


def telegram_length(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), of the escaped text: an upper bound."""
    return len(html.escape(text, quote=False).encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Chunks whose escaped form fits `limit`: at paragraphs, else lines, else words, else
    characters."""
    text = text.strip()
    if not text:
        return []
    if telegram_length(text) <= limit:
        return [text]
    return [c for c in _split(text, limit, 0) if c.strip()]


def _split(text: str, limit: int, level: int) -> list[str]:
    if telegram_length(text) <= limit:
        return [text]
    if level == len(_SEPARATORS):
        return _hard_cut(text, limit)
    separator = _SEPARATORS[level]
    chunks: list[str] = []
    current = ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if telegram_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        if telegram_length(part) <= limit:
            current = part
        else:
            *head, current = _split(part, limit, level + 1)
            chunks += head
    if current:
        chunks.append(current)
    return chunks


def _hard_cut(text: str, limit: int) -> list[str]:
    chunks, current = [], ""
    for char in text:
        if telegram_length(current + char) > limit:
            chunks.append(current)
            current = ""
        current += char
    return [*chunks, current]


def inline_keyboard(buttons: Iterable[Button], one_per_row: bool = False) -> dict[str, Any] | None:
    """Buttons as an inline keyboard (a page button opens its url); a payload over 64 bytes is
    dropped (and logged)."""
    usable: list[dict[str, str]] = []
    for button in buttons:
        if button.url:
            usable.append({"text": button.title, "url": button.url})
        elif fits(button.payload):
            usable.append({"text": button.title, "callback_data": button.payload})
        else:
            log.warning("button dropped: callback data of %d bytes exceeds 64",
                        len(button.payload.encode()))
    if not usable:
        return None
    short = len(usable) <= 3 and sum(len(b["text"]) for b in usable) <= 30
    if one_per_row:
        rows = [[b] for b in usable]
    elif short:
        rows = [usable]
    else:
        rows = [usable[i:i + 2] for i in range(0, len(usable), 2)]
    return {"inline_keyboard": rows}


def location_keyboard(label: str) -> dict[str, Any]:
    return {"keyboard": [[{"text": label, "request_location": True}]],
            "resize_keyboard": True, "one_time_keyboard": True}


def links_html(links: Iterable[Link], label: str) -> str:
    """Sources as one line of named HTML links ("Quellen: Stadt Düsseldorf: … (2019) · …")."""
    named = [f'<a href="{html.escape(link.url)}">{html.escape(link.label, quote=False)}</a>'
             if link.url else html.escape(link.label, quote=False) for link in links]
    return f"{html.escape(label, quote=False)} {' · '.join(named)}" if named else ""


def render(reply: Reply, words: Words) -> list[Call]:
    """The calls for one reply: its text (split when long; the keyboard and the named sources
    on the last part), or a file with the text as its caption. `words` translates labels."""
    if reply.attachment is not None:
        return _document(reply, words)
    chunks = [html.escape(chunk, quote=False) for chunk in split_text(reply.text)]
    sources = links_html(reply.links, words("sources_label"))
    if sources and chunks and len(f"{chunks[-1]}\n\n{sources}") <= TEXT_LIMIT:
        chunks[-1] = f"{chunks[-1]}\n\n{sources}"
    elif sources:
        chunks.append(sources)
    calls = [Call("sendMessage", {"text": chunk, "parse_mode": "HTML",
                                  "link_preview_options": {"is_disabled": True}})
             for chunk in chunks]
    markup = inline_keyboard(reply.buttons, one_per_row=reply.kind == "clarify")
    if markup is None and reply.kind == "ask_location":
        markup = location_keyboard(words("tg:share_location"))
    if markup is not None:
        if not calls:
            log.warning("reply without text dropped its keyboard")
        else:
            calls[-1].params["reply_markup"] = markup
    return calls


def _document(reply: Reply, words: Words) -> list[Call]:
    """A file (the user's data): the text as its caption when it fits, else sent before."""
    assert reply.attachment is not None
    caption = html.escape(reply.text.strip(), quote=False)
    fits_caption = telegram_length(reply.text.strip()) <= CAPTION_LIMIT
    calls = [] if fits_caption else render(Reply(reply.text, kind=reply.kind), words)
    params: dict[str, Any] = {"filename": reply.attachment.filename,
                              "content": reply.attachment.content}
    if fits_caption and caption:
        params |= {"caption": caption, "parse_mode": "HTML"}
    return [*calls, Call("sendDocument", params)]


def settle_choice(message_id: int, text_html: str, label: str) -> Call:
    """Edit the message whose button was pressed: its text with the choice added ("✓ …"),
    and without reply_markup, which takes its inline keyboard away (no second press)."""
    marked = f"{text_html}\n\n{CHOSEN} {html.escape(label, quote=False)}"
    text = marked if telegram_length(marked) <= TEXT_LIMIT else text_html  # an upper bound
    return Call("editMessageText", {"message_id": message_id, "text": text, "parse_mode": "HTML",
                                    "link_preview_options": {"is_disabled": True}})


def render_all(replies: list[Reply], words: Words, remove_keyboard: bool) -> list[Call]:
    """All replies of one update, in order. `remove_keyboard` takes the share-location keyboard
    away with the first message that has no keyboard of its own."""
    calls = [call for reply in replies for call in render(reply, words)]
    if remove_keyboard:
        for call in calls:
            if call.method == "sendMessage" and "reply_markup" not in call.params:
                call.params["reply_markup"] = REMOVE_KEYBOARD
                break
    return calls
