"""Security headers of the web chat and the API (the console sets its own): a CSP without
inline script or style, no framing, no referrer to the pages the answers link to, no MIME
sniffing; the location is asked for by this page only."""

from __future__ import annotations

from aiohttp import web

CSP = ("default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
}
CONSOLE = "/console"


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path == CONSOLE or request.path.startswith(CONSOLE + "/"):
        return  # bot/console/middleware.py
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
