"""The web chat's and the console's fuzz cases, and `make_case`: case number i of a seed.

Requests that carry a valid console session and a valid CSRF token only go to forms whose
fields are invalid or whose object does not exist (ids ≥ 10^12, unknown invitation tokens),
so the fuzz never logs the admin out, claims a real conversation, edits the knowledge or
starts a publish; forged and missing tokens go everywhere.
"""

from __future__ import annotations

import random
from urllib.parse import quote

from bench.fuzz_cases import (
    CHAT_COOKIE,
    CONSOLE_COOKIE,
    Case,
    Context,
    common_case,
    forged_callback_data,
    form,
    json_case,
    pick,
    telegram_case,
)
from bench.fuzz_values import (
    broken_json,
    dumps,
    forged_cookie,
    forged_token,
    header_safe,
    hostile,
    invalid_utf8,
    mutate,
    query,
    wrong_value,
)

REST = "/webhooks/rest/webhook"
WEB_KINDS = {"broken-json": 7, "invalid-utf8": 5, "wrong-type": 12, "hostile-text": 12,
             "forged-payload": 8, "content-type": 6, "huge-body": 4, "deep-json": 2,
             "big-number": 2, "random-bytes": 4, "cookie": 8, "page": 8, "events": 8,
             "mydata": 4, "method": 4, "raw-http": 4}
CONSOLE_KINDS = {"login": 12, "anon-page": 10, "forged-cookie": 10, "csrf": 16, "form": 8,
                 "page": 16, "invite": 6, "huge-body": 3, "content-type": 4, "random-bytes": 3,
                 "method": 3, "raw-http": 3}
CONSOLE_GETS = (
    "/console", "/console/", "/console/login", "/console/account", "/console/queue/rows",
    "/console/conversations/{id}", "/console/conversations/{id}/transcript",
    "/console/conversations/{id}/panel", "/console/events", "/console/users",
    "/console/knowledge", "/console/knowledge/offices", "/console/knowledge/welcome-points",
    "/console/knowledge/places", "/console/knowledge/changes", "/console/knowledge/faq/new",
    "/console/knowledge/faq/housing/find_flat", "/console/knowledge/faq/{word}/{word}",
    "/console/knowledge/office/duesseldorf/immigration_office", "/console/analytics",
    "/console/analytics.csv", "/console/publish", "/console/publish/status",
    "/console/unanswered", "/console/invite/{token}", "/console/static/console.css",
    "/console/static/{word}")
FAQ = "/console/knowledge/faq/housing/find_flat"
CONSOLE_POSTS = (
    "/console/logout", "/console/presence", "/console/language", "/console/account/password",
    "/console/conversations/{id}/{act}", "/console/users/invite", "/console/users/{id}/{uact}",
    "/console/knowledge/changes/{id}/revert", "/console/knowledge/faq/new", f"{FAQ}/edit",
    f"{FAQ}/verify", f"{FAQ}/examples", "/console/knowledge/office/duesseldorf/"
    "immigration_office/edit", "/console/publish", "/console/unanswered/{id}/{review}",
    "/console/invite/{token}", "/console/login")
# with a valid session and token: only objects that do not exist, or invalid fields
SAFE_POSTS = ("/console/presence", "/console/language", "/console/conversations/{big}/{act}",
              "/console/users/invite", "/console/users/{big}/{uact}",
              "/console/knowledge/changes/{big}/revert", "/console/unanswered/{big}/{review}",
              "/console/invite/{token}")
QUERY_KEYS = ("lang", "after", "after_transition", "page", "q", "topic", "city", "missing",
              "unverified", "age", "days", "target", "next", "kind", "id")
FIELDS = ("text", "presence", "language", "username", "display_name", "role", "password",
          "confirm", "current", "next", "value", "examples", "field", "answer_de")


def big_id(rng: random.Random) -> str:
    return rng.choice((str(10 ** 12 + rng.randint(0, 10 ** 6)), "9" * 19, "9" * 30, "9" * 400,
                       quote("١" * 25), str(2 ** 63), str(2 ** 64)))


def fill(rng: random.Random, path: str, small_ids: bool = True) -> str:
    small = rng.choice(("1", "2", "3", "0", "007", quote("٣"), "40")) if small_ids else ""
    return (path.replace("{big}", big_id(rng))
            .replace("{id}", small if small and rng.random() < 0.5 else big_id(rng))
            .replace("{act}", rng.choice(("claim", "reply", "note", "release", "close")))
            .replace("{uact}", rng.choice(("deactivate", "reactivate", "reinvite")))
            .replace("{review}", rng.choice(("example", "out_of_scope", "dismiss")))
            .replace("{token}", quote(hostile(rng)[:300], safe="", errors="surrogatepass") or "x")
            .replace("{word}", quote(hostile(rng)[:60], safe="", errors="surrogatepass") or "x"))


def hostile_fields(rng: random.Random, csrf: str | None) -> dict[str, str]:
    fields = {rng.choice(FIELDS): hostile(rng) for _ in range(rng.randint(1, 4))}
    if "role" in fields or rng.random() < 0.3:
        fields["role"] = rng.choice(("superadmin", "", "admin\u202e", hostile(rng)))
    if csrf is not None:
        fields["csrf_token"] = csrf
    return fields


# --- the web chat --------------------------------------------------------------------------


def chat_cookie(rng: random.Random, ctx: Context) -> dict[str, str]:
    pick_ = rng.random()
    if pick_ < 0.3:
        return {}
    if pick_ < 0.7:
        return {"Cookie": f"{CHAT_COOKIE}={ctx.chat_cookie}"}
    return {"Cookie": forged_cookie(rng, CHAT_COOKIE, ctx.chat_cookie)}


def web_case(rng: random.Random, ctx: Context) -> Case:
    body = {"sender": hostile(rng)[:100] if rng.random() < 0.3 else "web",
            "message": hostile(rng),
            "metadata": {"language": rng.choice(("de", "en", "ar", "xx", "", hostile(rng)))}}
    valid, cookie = dumps(body), chat_cookie(rng, ctx)
    kind = pick(rng, WEB_KINDS)
    if kind == "mydata" and not ctx.mydata:
        kind = "page"
    if kind == "broken-json":
        return json_case("web", kind, REST, broken_json(rng, valid), **cookie)
    if kind == "invalid-utf8":
        return json_case("web", kind, REST, invalid_utf8(rng, valid), **cookie)
    if kind == "wrong-type":
        location = rng.choice(({"lat": float("nan"), "lon": 0}, {"lat": 1e308, "lon": -1e308},
                               {"lat": "51", "lon": [6]}, mutate(rng, {"lat": 51.2, "lon": 6.7}),
                               wrong_value(rng)))
        wrong = rng.choice((mutate(rng, body), wrong_value(rng), {"message": wrong_value(rng)},
                            {**body, "metadata": {"location": location}},
                            {"sender": "x" * 129, "message": "hallo"}))
        return json_case("web", kind, REST, dumps(wrong), **cookie)
    if kind == "hostile-text":
        return json_case("web", kind, REST, valid, **cookie)
    if kind == "forged-payload":
        data = forged_callback_data(rng)
        return json_case("web", kind, REST, dumps({**body, "message": data}), **cookie)
    if kind == "cookie":
        forged = {"Cookie": forged_cookie(rng, CHAT_COOKIE, ctx.chat_cookie)}
        if rng.random() < 0.5:
            return json_case("web", kind, REST, valid, **forged)
        return Case("web", kind, "GET", rng.choice(("/", "/chat/events")), forged)
    if kind in ("page", "events", "mydata"):
        path = {"page": "/", "events": "/chat/events", "mydata": "/chat/mydata"}[kind]
        headers = dict(cookie)
        if rng.random() < 0.3:
            name = rng.choice(("Accept-Language", "Last-Event-ID", "Referer", "User-Agent"))
            headers[name] = header_safe(rng.choice((hostile(rng)[:500], "²", "9" * 30, "-1")))
        return Case("web", kind, "GET", path + (query(rng, ("lang", "after")) if rng.random()
                                                < 0.7 else ""), headers)
    return common_case(rng, "web", kind, REST, valid, cookie, body)


# --- the console ---------------------------------------------------------------------------


def console_case(rng: random.Random, ctx: Context) -> Case:
    session = {"Cookie": f"{CONSOLE_COOKIE}={ctx.console_cookie}"}
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    kind = pick(rng, CONSOLE_KINDS)
    if kind == "login":
        cookie = rng.choice(({"Cookie": f"{CONSOLE_COOKIE}={ctx.anon_cookie}"}, {},
                             {"Cookie": forged_cookie(rng, CONSOLE_COOKIE, ctx.anon_cookie)}))
        token = ctx.anon_csrf if rng.random() < 0.5 else forged_token(rng, ctx.anon_csrf,
                                                                      ctx.console_csrf)
        fields = {"username": rng.choice(("bench", "admin", hostile(rng), "a" * 65)),
                  "password": rng.choice((hostile(rng), "x" * 300, "bench-password-12"))}
        if token is not None:
            fields["csrf_token"] = token
        return Case("console", kind, "POST", "/console/login" + (
            query(rng, QUERY_KEYS) if rng.random() < 0.2 else ""),
            {**cookie, **form_type}, form(fields))
    if kind in ("anon-page", "forged-cookie", "page"):
        cookie = {"anon-page": {}, "page": session,
                  "forged-cookie": {"Cookie": forged_cookie(rng, CONSOLE_COOKIE,
                                                            ctx.console_cookie)}}[kind]
        if kind == "forged-cookie" and rng.random() < 0.4:  # the token forged too: some
            path = fill(rng, rng.choice(CONSOLE_POSTS))  # cookies still hold the real one
            token = forged_token(rng, ctx.console_csrf, ctx.anon_csrf)
            return Case("console", kind, "POST", path, {**cookie, **form_type},
                        form(hostile_fields(rng, token)))
        path = fill(rng, rng.choice(CONSOLE_GETS))
        return Case("console", kind, "GET", path + (query(rng, QUERY_KEYS) if rng.random()
                                                    < 0.7 else ""), cookie)
    if kind == "csrf":
        token = forged_token(rng, ctx.console_csrf, ctx.anon_csrf)
        return Case("console", kind, "POST", fill(rng, rng.choice(CONSOLE_POSTS)),
                    {**session, **form_type}, form(hostile_fields(rng, token)))
    if kind == "form":
        return Case("console", kind, "POST", fill(rng, rng.choice(SAFE_POSTS), small_ids=False),
                    {**session, **form_type}, form(hostile_fields(rng, ctx.console_csrf)))
    if kind == "invite":
        path = fill(rng, "/console/invite/{token}")
        if rng.random() < 0.5:
            return Case("console", kind, "GET", path)
        fields = {"password": hostile(rng), "confirm": hostile(rng), "csrf_token": ctx.anon_csrf}
        return Case("console", kind, "POST", path,
                    {"Cookie": f"{CONSOLE_COOKIE}={ctx.anon_cookie}", **form_type}, form(fields))
    path = fill(rng, rng.choice(SAFE_POSTS), small_ids=False)
    fields = hostile_fields(rng, ctx.console_csrf)
    return common_case(rng, "console", kind, path, form(fields), session, fields,
                       form_type["Content-Type"])


TARGETS = {"telegram": (telegram_case, 35), "web": (web_case, 35), "console": (console_case, 30)}


def make_case(index: int, seed: int, ctx: Context) -> Case:
    """Case number `index` of `seed`: the same request in every run."""
    rng = random.Random(f"lotse-fuzz:{seed}:{index}")
    target = rng.choices(list(TARGETS), [w for _b, w in TARGETS.values()])[0]
    return TARGETS[target][0](rng, ctx)
