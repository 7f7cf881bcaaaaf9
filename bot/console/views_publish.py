"""Staff publish a new NLU model (`/console/publish`): the live model and its figures,
whether the live training data differs from it, the Publish button, the running publish's
progress and log (a fragment that `static/publish.js` re-reads), and the history with each
gate report. Staff and admins; counsellors are refused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.console.forms import CsrfForm, posted
from bot.console.render import notify, render
from bot.console.viewer import need
from bot.curation.documents import Actor
from bot.curation.publish import PublishRefused
from bot.curation.publish_store import ACTIVE, history
from bot.kb.source import KnowledgeError
from bot.nlu.evaluate import LANGUAGES
from bot.nlu.gate import METRICS, GateReport
from bot.storage.curation_models import NluModel
from bot.web.keys import DB, PUBLISHER

STAFF = ("staff", "admin")
PAGE = "/console/publish"
LOG_LINES = 25


@dataclass(frozen=True)
class Publish:
    """One row of `nlu_models` as the page shows it."""

    id: int
    status: str
    name: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    by: str | None
    gate: GateReport | None
    progress: dict[str, Any] | None
    seconds: dict[str, float]
    log_tail: str

    @property
    def running(self) -> bool:
        return self.status in ACTIVE


def shown(row: NluModel) -> Publish:
    report = row.report or {}
    gate = GateReport.from_json(report["gate"]) if report.get("gate") else None
    tail = "\n".join((row.log or "").rstrip("\n").splitlines()[-LOG_LINES:])
    progress = report.get("progress") if isinstance(report.get("progress"), dict) else None
    return Publish(row.id, row.status, row.name, row.created_at, row.finished_at,
                   report.get("by"), gate, progress, dict(report.get("seconds") or {}), tail)


async def rows(request: web.Request) -> list[Publish]:
    async with request.config_dict[DB]() as session:
        return [shown(row) for row in await history(session)]


async def publish_page(request: web.Request) -> web.Response:
    need(request, STAFF)
    publisher = request.config_dict[PUBLISHER]
    live = await publisher.live()
    try:
        pending: str | None = await publisher.pending_name()
    except KnowledgeError:
        pending = None
    publishes = await rows(request)
    running = next((p for p in publishes if p.running), None)
    return await render(request, "publish.html", {
        "live": live, "pending": pending, "differs": pending != live.name,
        "running": running, "history": [p for p in publishes if not p.running],
        "languages": LANGUAGES, "metrics": METRICS})


async def publish_status(request: web.Request) -> web.Response:
    """The running publish (progress, log), or that none runs: re-read while one runs."""
    need(request, STAFF, page=False)
    running = next((p for p in await rows(request) if p.running), None)
    return await render(request, "_publish_running.html", {"running": running},
                        fragment=True)


async def publish(request: web.Request) -> web.Response:
    viewer = need(request, STAFF, page=False)
    await posted(request, CsrfForm)
    try:
        await request.config_dict[PUBLISHER].start(Actor(viewer.id, viewer.display_name))
        code = "publish:started"
    except PublishRefused as exc:
        code = f"publish:{exc.code}"
    except KnowledgeError:
        code = "publish:broken"
    await notify(request, code)
    raise web.HTTPSeeOther(PAGE)
