"""The requests of bench/fuzz.py: case number i of seed s is always the same request (its own
`random.Random`), whatever the order the workers send them in. Three targets — the Telegram
webhook, the web chat, the console — each with its kinds of malformed or hostile input."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from bench.fuzz_values import (
    BAD_CHARSETS,
    big_number,
    broken_json,
    deep_json,
    dumps,
    header_safe,
    hostile,
    huge_bytes,
    invalid_utf8,
    mutate,
    random_text,
    wrong_value,
)

NORMAL_CHATS = range(5_000_000_000, 6_000_000_000)  # bench/fuzz_normal.py's chat ids
NORMAL_UPDATES = range(700_000, 10_000_000)  # the Bot API test server's update ids
CHAT_COOKIE, CONSOLE_COOKIE = "lotse_chat", "lotse_console"


@dataclass(frozen=True)
class Context:
    """What the running app handed out before the fuzz: the webhook's secret, a web chat
    session, a logged-in admin's console session and an anonymous one, with CSRF tokens."""

    webhook: str
    secret: str
    chat_cookie: str
    console_cookie: str
    console_csrf: str
    anon_cookie: str
    anon_csrf: str
    mydata: bool


@dataclass
class Case:
    target: str  # "telegram" | "web" | "console"
    kind: str
    method: str
    path: str  # percent-encoded, sent as is
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    raw: bytes | None = None  # a whole raw HTTP request, written to a socket
    chunked: bool = False
    no_content_type: bool = False
    error: str = ""  # what the client raised, if it did

    def describe(self) -> str:
        body = (self.raw or self.body or b"")[:160]
        size = len(self.raw or self.body or b"")
        return (f"{self.target}/{self.kind}: {self.method} {self.path[:160]} "
                f"headers={ {k: v[:80] for k, v in self.headers.items()} } chunked="
                f"{self.chunked} body ({size} bytes)[:160]={body!r}"
                + (f"\n      client error: {self.error}" if self.error else ""))


def json_case(target: str, kind: str, path: str, body: bytes, **headers: str) -> Case:
    return Case(target, kind, "POST", path, {"Content-Type": "application/json", **headers}, body)


# --- the Telegram webhook ------------------------------------------------------------------


def fuzz_chat(rng: random.Random) -> int:
    if rng.random() < 0.1:
        return rng.choice((0, -1, 1, -(2 ** 63), 2 ** 63 - 1, -1001234567890))
    chat = rng.randint(1, 4_999_999_999)
    return chat if chat not in NORMAL_CHATS else 1


def fuzz_update_id(rng: random.Random) -> int:
    update_id = rng.choice((rng.randint(1, 600_000), rng.randint(10 ** 8, 2 ** 63 - 1)))
    return update_id if update_id not in NORMAL_UPDATES else 1


def tg_user(rng: random.Random, chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": hostile(rng)[:200],
            "username": f"u{chat_id}", "language_code": rng.choice(("de", "en", "ar", "tr", "",
                                                                      "xx-YY", hostile(rng)))}


def tg_message(rng: random.Random, chat_id: int, **content: Any) -> dict[str, Any]:
    return {"message_id": rng.randint(1, 10 ** 9), "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"}, "from": tg_user(rng, chat_id), **content}


def tg_text(rng: random.Random, chat_id: int) -> dict[str, Any]:
    text = hostile(rng)
    entities = [{"type": rng.choice(("bot_command", "bold", "text_link", "mention", "zz")),
                 "offset": rng.choice((0, 1, -5, 10 ** 6)), "length": rng.choice((0, 3, 10 ** 6)),
                 "url": hostile(rng)[:50]}] if rng.random() < 0.3 else []
    return tg_message(rng, chat_id, text=text, entities=entities)


def tg_odd_message(rng: random.Random, chat_id: int) -> dict[str, Any]:
    """Media, odd locations, groups, replies, forwards, contacts, a message edit."""
    choice = rng.randrange(7)
    if choice == 0:
        kind = rng.choice(("voice", "photo", "sticker", "document", "video", "dice", "poll"))
        return tg_message(rng, chat_id, **{kind: mutate(rng, {"file_id": "f", "x": 1})})
    if choice == 1:
        lat, lon = rng.choice(((float("nan"), 0.0), (1e308, -1e308), (91.0, 181.0),
                               (51.22, 6.77), (-0.0, float("inf"))))
        return tg_message(rng, chat_id, location={"latitude": lat, "longitude": lon})
    if choice == 2:
        message = tg_text(rng, chat_id)
        message["chat"] = {"id": -abs(chat_id) - 1, "type": rng.choice(("group", "supergroup",
                                                                        "channel", "x"))}
        return message
    if choice == 3:
        inner: dict[str, Any] = {"text": "x"}
        for _ in range(rng.choice((5, 50, 500))):
            inner = {"message_id": 1, "text": "y", "reply_to_message": inner}
        return tg_message(rng, chat_id, text=hostile(rng), reply_to_message=inner)
    if choice == 4:
        return tg_message(rng, chat_id, contact={"phone_number": "+49 211 1234567",
                                                 "first_name": hostile(rng)})
    if choice == 5:
        return tg_message(rng, chat_id, text="hallo", forward_origin={"type": "user", "date": 0})
    return tg_message(rng, chat_id, text="", caption=hostile(rng))


def forged_callback_data(rng: random.Random) -> Any:
    return rng.choice((
        random_text(rng, 64), "x" * rng.choice((65, 300)), "",
        f'/feedback{{"message":{rng.randint(1, 10 ** 18)},"value":{rng.choice((1, -1, 2, 0))}}}',
        '/feedback{"message":-1,"value":1}', '/feedback{"message":', "/feedback",
        '/set_city{"city":"atlantis"}', '/set_city{"city":"<script>"}', "city:leipzig\u202e",
        '/change_language{"language":"xx"}', "lang:de", "lang:zz", "/housing/no_such_faq",
        "/human_handoff", "/cancel_handoff", "/" + "a" * 63, '/greet{"x":' + "[" * 30,
        wrong_value(rng), hostile(rng)))


def telegram_case(rng: random.Random, ctx: Context) -> Case:
    path, secret = ctx.webhook, {"X-Telegram-Bot-Api-Secret-Token": ctx.secret}
    chat = fuzz_chat(rng)
    update = {"update_id": fuzz_update_id(rng), "message": tg_text(rng, chat)}
    valid = dumps(update)
    kind = pick(rng, TELEGRAM_KINDS)
    if kind == "no-secret":
        return json_case("telegram", kind, path, valid)
    if kind == "wrong-secret":
        wrong = rng.choice((ctx.secret[:-1], ctx.secret.upper(), ctx.secret + "x",
                            ctx.secret[:5] + " " + ctx.secret[5:], "", "x" * 300,
                            header_safe(hostile(rng)[:100]), ctx.secret[::-1]))
        return json_case("telegram", kind, path, valid,
                         **{"X-Telegram-Bot-Api-Secret-Token": wrong})
    if kind == "broken-json":
        return json_case("telegram", kind, path, broken_json(rng, valid), **secret)
    if kind == "invalid-utf8":
        return json_case("telegram", kind, path, invalid_utf8(rng, valid), **secret)
    if kind == "wrong-type":
        body = rng.choice((mutate(rng, update), mutate(rng, mutate(rng, update)), wrong_value(rng),
                           {**update, "update_id": wrong_value(rng)}))
        return json_case("telegram", kind, path, dumps(body), **secret)
    if kind == "unknown-update":
        name = rng.choice(("edited_message", "channel_post", "poll", "my_chat_member",
                           "chat_join_request", "message_reaction", "business_message",
                           "x" * 100, "", "Message", hostile(rng)[:30]))
        body = {"update_id": update["update_id"], name: mutate(rng, update["message"])}
        return json_case("telegram", kind, path, dumps(body), **secret)
    if kind == "hostile-text":
        return json_case("telegram", kind, path, valid, **secret)
    if kind == "odd-message":
        body = {"update_id": update["update_id"], "message": tg_odd_message(rng, chat)}
        return json_case("telegram", kind, path, dumps(body), **secret)
    if kind == "forged-callback":
        query_: dict[str, Any] = {"id": str(rng.randint(1, 10 ** 12)),
                                  "from": tg_user(rng, chat), "chat_instance": "ci",
                                  "data": forged_callback_data(rng)}
        if rng.random() < 0.7:
            query_["message"] = tg_message(rng, chat, text="…")
        body = {"update_id": update["update_id"], "callback_query": query_}
        return json_case("telegram", kind, path, dumps(body), **secret)
    return common_case(rng, "telegram", kind, path, valid, secret, update)


TELEGRAM_KINDS = {"no-secret": 6, "wrong-secret": 8, "broken-json": 8, "invalid-utf8": 6,
                  "wrong-type": 14, "unknown-update": 8, "hostile-text": 14,
                  "forged-callback": 12, "odd-message": 8, "huge-body": 4, "content-type": 4,
                  "deep-json": 2, "big-number": 2, "random-bytes": 4, "method": 2, "raw-http": 2}


# --- kinds every target has ----------------------------------------------------------------


def common_case(rng: random.Random, target: str, kind: str, path: str, valid: bytes,
                headers: dict[str, str], template: dict[str, Any],
                content_type: str = "application/json") -> Case:
    """huge-body, content-type, deep-json, big-number, random-bytes, method, raw-http."""
    if kind == "huge-body":
        case = Case(target, kind, "POST", path, {**headers, "Content-Type": content_type},
                    huge_bytes(rng, valid[:-2]))
        case.chunked = rng.random() < 0.3  # no Content-Length: the limit must hold anyway
        return case
    if kind == "content-type":
        content_type = rng.choice((
            "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            f"application/json; charset={rng.choice(BAD_CHARSETS)}", "application/xml",
            "application/JSON", "application/json, text/html", header_safe(hostile(rng)[:80]), ""))
        case = Case(target, kind, "POST", path, {**headers, "Content-Type": content_type}, valid)
        case.no_content_type = not content_type
        return case
    if kind == "deep-json":
        return json_case(target, kind, path, deep_json(rng), **headers)
    if kind == "big-number":
        key = rng.choice(list(template))
        return json_case(target, kind, path, big_number(rng, template, key), **headers)
    if kind == "random-bytes":
        body = rng.randbytes(rng.choice((1, 16, 1000, 100_000)))
        return Case(target, kind, "POST", path, {**headers, "Content-Type": rng.choice((
            "application/json", "application/octet-stream", "application/x-www-form-urlencoded"))},
            body)
    if kind == "method":
        method = rng.choice(("PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "GET",
                             "POST", "HEAD"))
        return Case(target, kind, method, path, headers, valid if rng.random() < 0.5 else None)
    return Case(target, "raw-http", "RAW", path, raw=raw_request(rng, path, valid))


def raw_request(rng: random.Random, path: str, body: bytes) -> bytes:
    """HTTP that no well-behaved client writes."""
    host = b"Host: 127.0.0.1\r\n"
    target = path.encode()
    return rng.choice((
        rng.randbytes(rng.choice((10, 500))) + b"\r\n\r\n",
        b"GET " + target + b" HTTP/1.1\r\n" + host + b"X-A: \x00\x01\x02\r\n\r\n",
        b"GET " + target + b" HTTP/1.1\r\n" + host + b"X-Big: " + b"a" * 100_000 + b"\r\n\r\n",
        b"GET " + target + b" HTTP/1.1\r\n" + host + b"".join(
            b"X-%d: 1\r\n" % n for n in range(500)) + b"\r\n",
        b"POST " + target + b" HTTP/1.1\r\n" + host + b"Content-Length: 5\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST " + target + b" HTTP/1.1\r\n" + host + b"Transfer-Encoding: chunked\r\n\r\n"
        b"zz\r\n" + body[:50] + b"\r\n0\r\n\r\n",
        b"POST " + target + b" HTTP/1.1\r\n" + host + b"Content-Length: -1\r\n\r\n" + body,
        b"GET " + target + b" HTTP/9.9\r\n" + host + b"\r\n",
        b"G\xc3\x89T " + target + b" HTTP/1.1\r\n" + host + b"\r\n",
        b"GET /\xff\xfe" + target + b" HTTP/1.1\r\n" + host + b"\r\n",
        b"GET " + target + b" HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET " + target + b" HTTP/1.1\r\n" + host + b" folded: header\r\n\r\n",
    ))


def pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def form(fields: dict[str, Any]) -> bytes:
    return urlencode(fields, errors="surrogatepass").encode()

