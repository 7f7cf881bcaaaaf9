"""The console sub-app (mounted by the main app at /console): routes, templates, static
files, middlewares and headers. Its data comes from the main app's keys (DB, BUS,
HANDOFFS, SECRETS, KNOWLEDGE, TRANSLATORS, SETTINGS) through `request.config_dict`."""

from __future__ import annotations

import warnings
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.console import (
    events,
    views_account,
    views_analytics,
    views_conversations,
    views_knowledge,
    views_publish,
    views_record,
    views_unanswered,
    views_users,
)
from bot.console.canned import CANNED_FILE, load_canned
from bot.console.middleware import pages, security_headers, sessions
from bot.console.state import STATE, ConsoleState
from bot.i18n import load_translators

HERE = Path(__file__).resolve().parent
ACT = r"{action:claim|reply|note|release|close}"
USER_ACT = r"{action:deactivate|reactivate|reinvite}"
ID = "{id:[0-9]{1,18}}"  # ASCII digits that fit a 64-bit integer (else 404)
# aiohttp-session 2.12 keeps its own request keys as strings; aiohttp only recommends keys
warnings.filterwarnings("ignore", category=web.NotAppKeyWarning, module="aiohttp_session")


def routes(app: web.Application) -> None:
    add_get, add_post = app.router.add_get, app.router.add_post
    add_get("", _to_home)  # /console → /console/
    add_get("/", views_conversations.home)
    add_get("/login", views_account.login_page)
    add_post("/login", views_account.login)
    add_post("/logout", views_account.logout)
    add_get("/invite/{token}", views_account.invite_page)
    add_post("/invite/{token}", views_account.accept_invite)
    add_post("/presence", views_account.set_presence)
    add_post("/language", views_account.set_language)
    add_get("/account", views_account.account_page)
    add_post("/account/password", views_account.set_password)
    add_get("/queue/rows", views_conversations.queue_rows)
    add_get("/conversations/" + ID, views_conversations.conversation_page)
    add_get("/conversations/" + ID + "/transcript", views_conversations.transcript_fragment)
    add_get("/conversations/" + ID + "/panel", views_conversations.panel_fragment)
    add_post("/conversations/" + ID + "/" + ACT, views_conversations.act)
    add_get("/events", events.events)
    add_get("/users", views_users.users)
    add_post("/users/invite", views_users.invite)
    add_post("/users/" + ID + "/" + USER_ACT, views_users.change)
    views_knowledge.add_routes(app)
    views_record.add_routes(app)
    add_get("/analytics", views_analytics.analytics_page)
    add_get("/analytics.csv", views_analytics.analytics_csv)
    add_get("/publish", views_publish.publish_page)
    add_get("/publish/status", views_publish.publish_status)
    add_post("/publish", views_publish.publish)
    add_get("/unanswered", views_unanswered.page)
    add_post("/unanswered/" + ID + "/{action:example|out_of_scope|dismiss}", views_unanswered.act)
    app.router.add_static("/static/", HERE / "static", name="static")


async def _to_home(request: web.Request) -> web.Response:
    raise web.HTTPFound("/console/")


async def _stop_streams(app: web.Application) -> None:
    app[STATE].stopping.set()


def create_console(canned_file: Path = CANNED_FILE) -> web.Application:
    """The sub-app; a broken canned-replies file stops here with its file and line."""
    app = web.Application(middlewares=[sessions, pages])
    app[STATE] = ConsoleState(load_translators(domain="console"), load_canned(canned_file))
    aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(HERE / "templates"),
                         autoescape=True, default_helpers=False,
                         undefined=jinja2.StrictUndefined)
    routes(app)
    app.on_response_prepare.append(security_headers)
    app.on_shutdown.append(_stop_streams)
    return app
