"""Reading a JSON body that anyone may send: whatever is wrong with it (not JSON, invalid
UTF-8, an unknown charset, nesting deeper than Python recurses, an integer of thousands of
digits) is a reason for a 400, never an exception."""

from __future__ import annotations

from typing import Any

from aiohttp import web


class BadBody(Exception):
    """The body cannot be read as JSON; the message says why (for the client)."""


async def json_body(request: web.Request) -> Any:
    try:
        return await request.json()
    except LookupError:
        raise BadBody("unknown charset in Content-Type") from None
    except RecursionError:
        raise BadBody("the JSON is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):  # JSONDecodeError, 4300+ digits, bad bytes
        raise BadBody("the body is not valid JSON") from None
