"""Every view × every role, with the status code expected. The matrix below is the
specification; the test prints what it observed in the same form (`pytest -s`)."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field

from sqlalchemy import select

from bot.console.auth import new_invitation
from bot.curation.documents import documents, live_revision
from bot.curation.publish import CONFIG, candidate_name
from bot.storage.curation_models import NluModel
from bot.storage.handoff_models import ConsoleUser
from tests.console.conftest import PASSWORD, Browser, Console

ROLES = ("anonymous", "counsellor", "staff", "admin")
_counter = itertools.count()


@dataclass(frozen=True)
class Case:
    view: str
    method: str
    path: str  # {conv}, {user}, {token} are filled per role with a fresh target
    expected: tuple[int, int, int, int]  # anonymous, counsellor, staff, admin
    target: str = ""  # waiting | mine | user | inactive | invite
    data: dict[str, str] = field(default_factory=dict)


C = "/console/conversations/{conv}"
CASES = (
    Case("login page", "GET", "/console/login", (200, 302, 302, 302)),
    Case("queue (staff: home page)", "GET", "/console/", (302, 200, 200, 200)),
    Case("queue rows fragment", "GET", "/console/queue/rows", (401, 200, 403, 200)),
    Case("conversation page", "GET", C, (302, 200, 403, 200), "waiting"),
    Case("transcript fragment", "GET", C + "/transcript?after=0", (401, 200, 403, 200),
         "waiting"),
    Case("status panel fragment", "GET", C + "/panel", (401, 200, 403, 200), "waiting"),
    Case("claim", "POST", C + "/claim", (401, 303, 403, 303), "waiting"),
    Case("reply", "POST", C + "/reply", (401, 303, 403, 303), "mine", {"text": "Hallo!"}),
    Case("note", "POST", C + "/note", (401, 303, 403, 303), "waiting", {"text": "intern"}),
    Case("release", "POST", C + "/release", (401, 303, 403, 303), "mine"),
    Case("close", "POST", C + "/close", (401, 303, 403, 303), "waiting"),
    Case("events (SSE)", "GET", "/console/events", (401, 200, 403, 200)),
    Case("users page", "GET", "/console/users", (302, 403, 403, 200)),
    Case("invite a user", "POST", "/console/users/invite", (401, 403, 403, 200), "",
         {"username": "new{n}", "display_name": "New Person", "role": "counsellor"}),
    Case("deactivate a user", "POST", "/console/users/{user}/deactivate",
         (401, 403, 403, 303), "user"),
    Case("reactivate a user", "POST", "/console/users/{user}/reactivate",
         (401, 403, 403, 303), "inactive"),
    Case("new invitation link", "POST", "/console/users/{user}/reinvite",
         (401, 403, 403, 200), "user"),
    Case("own presence", "POST", "/console/presence", (401, 303, 303, 303), "",
         {"presence": "online"}),
    Case("own console language", "POST", "/console/language", (401, 303, 303, 303), "",
         {"language": "en"}),
    Case("own account page", "GET", "/console/account", (302, 200, 200, 200)),
    Case("own password (new ones differ)", "POST", "/console/account/password",
         (401, 400, 400, 400), "",
         {"current": PASSWORD, "password": "a long password 1", "confirm": "a long password 2"}),
    Case("invitation page (valid token)", "GET", "/console/invite/{token}",
         (200, 200, 200, 200), "invite"),
    Case("login (wrong password)", "POST", "/console/login", (401, 401, 401, 401), "",
         {"username": "nobody", "password": "wrong password"}),
    Case("set password (they differ)", "POST", "/console/invite/{token}",
         (400, 400, 400, 400), "invite",
         {"password": "a long password 1", "confirm": "a long password 2"}),
    Case("knowledge: FAQ list", "GET", "/console/knowledge", (302, 403, 200, 200)),
    Case("knowledge: offices", "GET", "/console/knowledge/offices", (302, 403, 200, 200)),
    Case("knowledge: Welcome Points", "GET", "/console/knowledge/welcome-points",
         (302, 403, 200, 200)),
    Case("knowledge: places", "GET", "/console/knowledge/places", (302, 403, 200, 200)),
    Case("knowledge: audit log", "GET", "/console/knowledge/changes", (302, 403, 200, 200)),
    Case("knowledge: revert (the seed cannot be)", "POST", "/console/knowledge/changes/1/revert",
         (401, 403, 303, 303)),
    Case("knowledge: new FAQ form", "GET", "/console/knowledge/faq/new", (302, 403, 200, 200)),
    Case("knowledge: new FAQ (incomplete)", "POST", "/console/knowledge/faq/new",
         (401, 403, 400, 400), "", {"topic": "work", "key": "x"}),
    Case("knowledge: FAQ page", "GET", "/console/knowledge/faq/registration/register_address",
         (302, 403, 200, 200)),
    Case("knowledge: FAQ edit (nothing changed)", "POST",
         "/console/knowledge/faq/registration/register_address/edit", (401, 403, 303, 303)),
    Case("knowledge: FAQ verify", "POST",
         "/console/knowledge/faq/registration/register_address/verify", (401, 403, 303, 303)),
    Case("knowledge: FAQ examples (none sent)", "POST",
         "/console/knowledge/faq/registration/register_address/examples",
         (401, 403, 303, 303)),
    Case("knowledge: office page", "GET", "/console/knowledge/office/leipzig/registration_office",
         (302, 403, 200, 200)),
    Case("knowledge: office edit", "POST",
         "/console/knowledge/office/leipzig/registration_office/edit", (401, 403, 303, 303), "",
         {"address": "Teststraße 1 (test value), 04109 Leipzig"}),
    Case("knowledge: office verify", "POST",
         "/console/knowledge/office/leipzig/registration_office/verify", (401, 403, 303, 303)),
    Case("analytics page", "GET", "/console/analytics?days=7", (302, 403, 200, 200)),
    Case("analytics CSV", "GET", "/console/analytics.csv?days=7", (302, 403, 200, 200)),
    Case("unanswered queue", "GET", "/console/unanswered", (302, 403, 200, 200)),
    Case("unanswered: dismiss", "POST", "/console/unanswered/999999/dismiss",
         (401, 403, 303, 303)),
    Case("publish page", "GET", "/console/publish", (302, 403, 200, 200)),
    Case("publish: running fragment", "GET", "/console/publish/status", (401, 403, 200, 200)),
    Case("publish (nothing to publish: no training starts)", "POST", "/console/publish",
         (401, 403, 303, 303)),
    Case("static file", "GET", "/console/static/console.css", (200, 200, 200, 200)),
    Case("logout", "POST", "/console/logout", (401, 303, 303, 303)),
)


async def target(console: Console, case: Case, me: int | None, counsellor: int,
                 ) -> dict[str, object]:
    n = next(_counter)
    fill: dict[str, object] = {"n": n}
    if case.target == "waiting":
        fill["conv"] = await console.conversation("waiting")
    elif case.target == "mine":
        fill["conv"] = await console.conversation("human", assignee=me or counsellor)
    elif case.target in ("user", "inactive"):
        fill["user"] = await console.user(f"target{n}", "counsellor",
                                          active=case.target == "user")
    elif case.target == "invite":
        async with console.db() as session:
            user = ConsoleUser(username=f"invited{n}", display_name="Invited", role="staff",
                               active=True, failed_logins=0)
            fill["token"] = new_invitation(user)
            session.add(user)
            await session.commit()
    return fill


async def observe(browser: Browser, case: Case, fill: dict[str, object]) -> int:
    path = case.path.format(**fill)
    if case.method == "GET":
        response = await browser.get(path)
    else:
        data = {k: v.format(**fill) for k, v in case.data.items()}
        response = await browser.post(path, data)
    response.close()
    return response.status


def table(rows: list[tuple[str, list[int]]]) -> str:
    lines = ["| view | " + " | ".join(ROLES) + " |", "|---|" + "---|" * len(ROLES)]
    lines += [f"| {view} | " + " | ".join(map(str, codes)) + " |" for view, codes in rows]
    return "\n".join(lines)


async def live_model_of_the_live_documents(console: Console) -> int:
    """The live model's row names the model of the live documents: publishing has nothing
    to do (a POST of the matrix must not start a training)."""
    async with console.db() as session:
        name = await asyncio.to_thread(candidate_name, await documents(session), CONFIG)
        row = NluModel(status="live", name=name, url=console.settings.rasa_url, log="",
                       knowledge_revision=await live_revision(session))
        session.add(row)
        await session.commit()
        return row.id


async def test_every_view_for_every_role(console: Console) -> None:
    ids = {role: await console.user(f"the{role}", role) for role in ROLES[1:]}
    live_id = await live_model_of_the_live_documents(console)
    observed: dict[str, list[int]] = {f"{c.method} {c.path}": [] for c in CASES}
    for role in ROLES:
        browser = console.browser()
        if role == "anonymous":
            await browser.get("/console/login")
        else:
            assert (await browser.login(f"the{role}")).status == 303
            await browser.get("/console/")
        for case in CASES:
            fill = await target(console, case, ids.get(role), ids["counsellor"])
            observed[f"{case.method} {case.path}"].append(await observe(browser, case, fill))
    print("\nobserved:\n" + table([(k, v) for k, v in observed.items()]))
    expected = {f"{c.method} {c.path}": list(c.expected) for c in CASES}
    assert observed == expected, "\n" + table([(k, v) for k, v in observed.items()])
    async with console.db() as session:  # no publish was started
        assert (await session.scalars(select(NluModel.id))).all() == [live_id]


def test_the_matrix_is_complete() -> None:
    """Every route of the console appears in the matrix (a new view needs a row)."""
    from bot.console.app import create_console

    app = create_console()
    routes = {(r.method, r.resource.canonical) for r in app.router.routes()
              if r.method != "HEAD" and r.resource is not None}
    covered = {(c.method, c.path.split("?")[0]) for c in CASES}
    uncovered = {(m, p) for m, p in routes if not any(
        m == cm and _same(p, cp) for cm, cp in covered)}
    assert not uncovered, uncovered


def _same(route: str, path: str) -> bool:
    """'/conversations/{id}/{action}' covers '/console/conversations/{conv}/claim'."""
    route_parts = ("/console" + route.rstrip("/")).split("/")
    path_parts = path.rstrip("/").split("/")
    if route.startswith("/static"):
        return path.startswith("/console/static/")
    return len(route_parts) == len(path_parts) and all(
        r == p or r.startswith("{") for r, p in zip(route_parts, path_parts, strict=True))


async def test_console_without_slash_and_unknown_paths(console: Console) -> None:
    browser = console.browser()
    response = await browser.get("/console")
    assert response.status == 302 and response.headers["Location"] == "/console/"
    missing = await browser.get("/console/nowhere")
    assert missing.status == 404 and "does not exist" in await missing.text()
    assert missing.content_type == "text/html"  # the console's page, not the API's JSON
    wrong_method = await browser.get("/console/logout")
    assert wrong_method.status == 405
