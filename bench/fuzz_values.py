"""Hostile values for bench/fuzz.py: strings, wrong types, ids, query values, forged
cookies and tokens, broken bodies. Every function draws from the given `random.Random`
only, so a seed gives the same values again."""

from __future__ import annotations

import base64
import json
import random
from typing import Any
from urllib.parse import quote

COMBINING = "a" + "\u0301" * 10_000  # 10,000 combining marks on one letter
HOSTILE: tuple[str, ...] = (
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "<b>fett</b> & <i>kursiv",
    "&", "&amp;", "&lt;&gt;&quot;", "&#0;", "&#x110000;", "&#65;", "&nbsp;&bogus;", "&;",
    '<a href="tg://user?id=1">x</a>', "<tg-spoiler>x</tg-spoiler>", "<pre><code>x", "</b>", "<",
    "\u202eevil.exe\u202c", "\u202d\u202e\u2066\u2067\u2068\u2069", COMBINING,
    "\x00", "\x00\x01\x1b[31m\x7f", "\ud800", "\udfff\ud800x", "\ufeff\u200b\u200d", "\uffff\ufffe",
    "😀" * 500, "👨‍👩‍👧‍👦", "ﷺ" * 500, "A" * 5000, " ", "\n" * 100, "\t\r\n",
    "'; DROP TABLE messages; --", "${jndi:ldap://x/a}", "{{7*7}}", "{% raw %}", "%s%n%x",
    "../../../etc/passwd", "\\x00\\u0000", "null", "[]", "{}", "NaN", "-1", "1e309",
    "/start", "/human_handoff", "/privacy", "/language", '/feedback{"message":1,"value":1}',
    '/set_city{"city":"atlantis"}', '/change_language{"language":"xx"}', "/" + "x" * 300,
    "مرحبا <b>اهلا", "ich will eine wohnung & arbeit <3",
    "Tel. 0211 123456, IBAN DE89370400440532013000",
)
# Code points of every awkward sort: controls, bidi, combining, surrogates, private use,
# noncharacters, Arabic, emoji.
RANGES = ((0, 0x1F), (0x7F, 0x9F), (0x200B, 0x206F), (0x300, 0x36F), (0xD800, 0xDFFF),
          (0xE000, 0xE0FF), (0xFDD0, 0xFDEF), (0x600, 0x6FF), (0x1F300, 0x1F6FF),
          (0x20, 0x7E), (0xFFF0, 0xFFFF), (0x10FFF0, 0x10FFFF))
NUMBERS: tuple[str, ...] = ("-1", "0", "²", "³", "٣", "١٢٣", "𝟗", "½", "1e9", "1.5", "NaN", "0x10",
                            " 1", "9" * 19, "9" * 30, "١" * 25, "+5", "", "%00", "%ff")
BAD_CHARSETS = ("bogus", "utf-7", "utf-16", "latin-1", "x-unknown-zzz", "utf-8; q=\"", "ascii")


def random_text(rng: random.Random, limit: int = 200) -> str:
    return "".join(chr(rng.randint(*rng.choice(RANGES))) for _ in range(rng.randint(1, limit)))


def hostile(rng: random.Random) -> str:
    pick = rng.random()
    if pick < 0.6:
        return rng.choice(HOSTILE)
    if pick < 0.8:
        return "".join(rng.choice(HOSTILE) for _ in range(rng.randint(2, 4)))
    return random_text(rng)


def wrong_value(rng: random.Random) -> Any:
    """A JSON value of some type a field does not expect."""
    return rng.choice((
        None, True, False, 0, -1, 2 ** 63, 2 ** 64, -(2 ** 63) - 1, 1.5, float("nan"),
        float("inf"), 1e308, "", hostile(rng), [], {}, [hostile(rng)], {"x": hostile(rng)},
        [0] * 1000, {"": None}, "1", "true", [[[[[]]]]],
    ))


def mutate(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """`value` with one field somewhere replaced by a wrong value, removed, or a junk key
    added."""
    if isinstance(value, dict) and value and depth < 6:
        key = rng.choice(list(value))
        copy = dict(value)
        action = rng.random()
        if action < 0.15:
            del copy[key]
        elif action < 0.25:
            copy[hostile(rng)[:50]] = wrong_value(rng)
        elif action < 0.6 or not isinstance(value[key], dict | list):
            copy[key] = wrong_value(rng)
        else:
            copy[key] = mutate(rng, value[key], depth + 1)
        return copy
    if isinstance(value, list) and value and depth < 6:
        copy_list = list(value)
        index = rng.randrange(len(copy_list))
        copy_list[index] = mutate(rng, copy_list[index], depth + 1)
        return copy_list
    return wrong_value(rng)


def dumps(value: Any) -> bytes:
    """JSON as Python writes it (lone surrogates escaped, NaN and Infinity allowed)."""
    return json.dumps(value).encode()


def broken_json(rng: random.Random, valid: bytes) -> bytes:
    choice = rng.randrange(8)
    if choice == 0:
        return valid[:rng.randrange(max(1, len(valid)))]  # truncated
    if choice == 1:
        return valid + b"}" * rng.randint(1, 5)
    if choice == 2:
        return valid.replace(b'"', b"'", 3)
    if choice == 3:
        return b"{" + valid  # unbalanced
    if choice == 4:
        return rng.choice((b"", b" ", b"null", b"[]", b'"x"', b"{,}", b"{\"a\":}", b"\x00"))
    if choice == 5:
        return valid.replace(b":", b"", 1)
    if choice == 6:
        return b"\xef\xbb\xbf" + valid  # a BOM
    return valid + b"\n" + valid  # two documents


def invalid_utf8(rng: random.Random, valid: bytes) -> bytes:
    bad = rng.choice((b"\xff", b"\xfe\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xc0\xaf",
                      b"\xf8\x88\x80\x80\x80", b"\x80", b"\xe2\x82"))
    quote_at = valid.find(b'"', valid.find(b":") + 1)
    if quote_at < 0:
        return bad + valid
    return valid[:quote_at + 1] + bad * rng.randint(1, 20) + valid[quote_at + 1:]


def deep_json(rng: random.Random) -> bytes:
    """Nested far deeper than Python's recursion limit, yet below the body size limit."""
    if rng.random() < 0.5:
        depth = rng.choice((2_000, 50_000, 120_000))
        return b"[" * depth + b"]" * depth
    depth = rng.choice((2_000, 20_000, 40_000))
    return b'{"a":' * depth + b"1" + b"}" * depth


def big_number(rng: random.Random, template: dict[str, Any], key: str) -> bytes:
    digits = rng.choice((4301, 5000, 20_000))
    body = dumps({**template, key: 0})
    number = b"-" * rng.randint(0, 1) + b"9" * digits + rng.choice((b"", b".5", b"e999"))
    return body.replace(f'"{key}": 0'.encode(), f'"{key}": '.encode() + number, 1)


def huge_bytes(rng: random.Random, valid_start: bytes = b"") -> bytes:
    """Well above the app's 256 KiB limit."""
    size = rng.choice((300_000, 700_000, 1_500_000, 3_000_000))
    if rng.random() < 0.5:
        return valid_start + b"A" * size
    return valid_start + rng.randbytes(size)


def query_value(rng: random.Random) -> str:
    """An encoded query value: hostile text, odd numbers, invalid percent-encoding."""
    pick = rng.random()
    if pick < 0.45:
        value = rng.choice(NUMBERS)
        return value if value.startswith("%") else quote(value, safe="")
    if pick < 0.55:
        return rng.choice(("%ff%fe", "%ed%a0%80", "%", "%zz", "%c0%af", "%00"))
    return quote(hostile(rng)[:300], safe="", errors="surrogatepass")


def query(rng: random.Random, keys: tuple[str, ...]) -> str:
    parts = [f"{rng.choice(keys)}={query_value(rng)}" for _ in range(rng.randint(1, 3))]
    return "?" + "&".join(parts)


def fernet_like(rng: random.Random) -> str:
    """Looks like a Fernet token (version byte, timestamp, IV, …) but is not one."""
    raw = b"\x80" + rng.randbytes(rng.choice((8, 40, 73, 120)))
    return base64.urlsafe_b64encode(raw).decode()


def forged_cookie(rng: random.Random, name: str, valid: str) -> str:
    """A Cookie header for `name`: forged, tampered, empty, oversized or odd."""
    choice = rng.randrange(9)
    if choice == 0 and valid:
        flip = rng.randrange(len(valid))
        other = "A" if valid[flip] != "A" else "B"
        return f"{name}={valid[:flip]}{other}{valid[flip + 1:]}"  # one character changed
    if choice == 1:
        return f"{name}={fernet_like(rng)}"
    if choice == 2:
        return f"{name}="
    if choice == 3:
        return f"{name}={'A' * rng.choice((4000, 9000, 70_000))}"  # beyond header limits
    if choice == 4:
        return f"{name}={quote(hostile(rng)[:200], safe='', errors='surrogatepass')}"
    if choice == 5:
        return f"{name}=a; {name}=b; {name}={valid}"  # the same cookie three times
    if choice == 6:
        return f'{name}="{valid}'  # an unclosed quoted value
    if choice == 7:
        return f"{name}={valid[: len(valid) // 2]}"  # truncated
    return header_safe(f"{name}={random_text(rng, 40)}")


def header_safe(value: str) -> str:
    """aiohttp's client refuses control characters in headers and cannot encode lone
    surrogates (it would not send them); the rest, non-ASCII included, goes as UTF-8."""
    text = value.encode("utf-8", "replace").decode("utf-8")
    return "".join(c if c >= " " and c != "\x7f" else "?" for c in text)


def forged_token(rng: random.Random, valid: str, other: str) -> str | None:
    """A CSRF token that must be refused: None (missing), another session's, tampered, …"""
    return rng.choice((None, "", other, valid[:-1] + ("0" if valid[-1:] != "0" else "1"),
                       valid + "x", "##", f"{2 ** 40}##{'a' * 40}", hostile(rng)[:500],
                       valid.split("##")[0] + "##" if "##" in valid else "x##",
                       "A" * 5000, fernet_like(rng)))
