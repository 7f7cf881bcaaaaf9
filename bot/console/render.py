"""Pages in the viewer's language: the language choice, the common template context, and
the small formatting helpers the templates use."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from markupsafe import Markup, escape

from bot.console.auth import aware
from bot.console.forms import csrf_token
from bot.console.state import STATE
from bot.console.viewer import viewer_of
from bot.core.types import LANGUAGES
from bot.i18n import Translator
from bot.storage.models import utcnow
from bot.web.keys import SETTINGS

LOCAL_TIME = ZoneInfo("Europe/Berlin")
REFUSALS = ("already_claimed", "not_assigned", "not_open", "closed", "illegal", "not_found",
            "stale", "empty")


def accepted_language(header: str) -> str | None:
    """The supported language the browser prefers most (Accept-Language)."""
    best: tuple[float, str] | None = None
    for part in header.split(","):
        tag, _sep, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        try:
            weight = float(params.strip()[2:]) if params.strip().startswith("q=") else 1.0
        except ValueError:
            continue
        if lang in LANGUAGES and weight > 0 and (best is None or weight > best[0]):
            best = (weight, lang)
    return best[1] if best else None


def language_of(request: web.Request) -> str:
    """The user's setting; before login `?lang=`, then the browser's languages."""
    viewer = viewer_of(request)
    if viewer is not None and viewer.language in LANGUAGES:
        return viewer.language
    asked = request.query.get("lang", "")
    if asked in LANGUAGES:
        return asked
    header = accepted_language(request.headers.get("Accept-Language", ""))
    return header or request.config_dict[SETTINGS].default_language


def translator(request: web.Request) -> Translator:
    return request.config_dict[STATE].translators[language_of(request)]


def ago(_: Translator, moment: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """"4 min", "2 h 5 min", "3 d": how long ago, short."""
    if moment is None:
        return "–"
    minutes = max(0, int(((now or utcnow()) - aware(moment)).total_seconds() // 60))
    if minutes < 1:
        return _("ago:now")
    if minutes < 60:
        return _("ago:minutes", n=minutes)
    if minutes < 24 * 60:
        return _("ago:hours", h=minutes // 60, m=minutes % 60)
    return _("ago:days", n=minutes // (24 * 60))


def clock(moment: dt.datetime | None) -> str:
    """Local time of a message: "14:05", or "03.12. 14:05" when not today."""
    if moment is None:
        return ""
    local = aware(moment).astimezone(LOCAL_TIME)
    today = utcnow().astimezone(LOCAL_TIME).date()
    return local.strftime("%H:%M" if local.date() == today else "%d.%m. %H:%M")


def iso(moment: dt.datetime | None) -> str:
    return aware(moment).isoformat() if moment else ""


URL = re.compile(r"(https?://[^\s<>\"']+)")


def linked(text: str) -> Markup:
    """The text escaped, its web addresses as links that stay left-to-right in Arabic."""
    parts = URL.split(text)
    return Markup("").join(
        Markup('<a href="{0}" dir="ltr" rel="noopener noreferrer" target="_blank">{0}</a>')
        .format(part) if index % 2 else escape(part) for index, part in enumerate(parts))


def helpers(_: Translator) -> dict[str, Callable[..., str]]:
    """`of("status:", value)` translates a message id made of a prefix and a value."""
    return {"ago": lambda moment: ago(_, moment), "clock": clock, "iso": iso,
            "of": lambda prefix, value: _(f"{prefix}{value}"), "linked": linked}


async def render(request: web.Request, template: str, context: dict[str, Any],
                 *, status: int = 200, fragment: bool = False) -> web.Response:
    """A console template with the language, direction, viewer, CSRF token and (for whole
    pages) the one-time notice of the previous action."""
    _ = translator(request)
    session = await get_session(request)
    base: dict[str, Any] = {
        "_": _, "lang": _.language, "dir": "rtl" if _.rtl else "ltr",
        "viewer": viewer_of(request), "csrf": await csrf_token(request),
        "notice": None if fragment else session.pop("notice", None), "path": request.path,
        **helpers(_)}
    return aiohttp_jinja2.render_template(template, request, {**base, **context}, status=status)


async def notify(request: web.Request, code: str) -> None:
    """A notice for the next page (e.g. "done:claim" or a refusal code)."""
    (await get_session(request))["notice"] = code
