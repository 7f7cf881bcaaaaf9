"""The console's middlewares and response headers: sessions (built lazily from the main
app's keys), the viewer, HTML error pages, and the security headers."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.console.render import render
from bot.console.state import STATE
from bot.console.viewer import VIEWER, load_viewer
from bot.web.keys import SECRETS, SETTINGS

log = logging.getLogger(__name__)
STATIC = "/console/static/"
CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"


@web.middleware
async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    middleware = request.config_dict[STATE].session_middleware(
        request.config_dict[SETTINGS], request.config_dict[SECRETS])
    return await middleware(request, handler)


@web.middleware
async def pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Loads the viewer; any error becomes a console page (not the chat API's JSON)."""
    try:
        if not request.path.startswith(STATIC):
            viewer = await load_viewer(request)
            if viewer is not None:
                request[VIEWER] = viewer
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        if isinstance(exc, web.HTTPGone) and exc.text:  # its own page (deleted by the user)
            return web.Response(text=exc.text, status=410, content_type="text/html")
        return await error_page(request, exc.status, exc.reason)
    except Exception:
        log.exception("console: unhandled error on %s %s", request.method, request.path)
        return await error_page(request, 500, "")


async def error_page(request: web.Request, status: int, reason: str) -> web.Response:
    key = {401: "error:401", 403: "error:csrf" if reason == "csrf" else "error:403",
           404: "error:404", 405: "error:405", 413: "error:413"}.get(status, "error:other")
    return await render(request, "error.html", {"status": status, "message": key},
                        status=status)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Content-Type-Options"] = "nosniff"
    if not request.path.startswith(STATIC):
        headers["Cache-Control"] = "no-store"
