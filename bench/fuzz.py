"""Malformed and hostile requests against the running app, while normal users chat.

Starts the real app with `python -m bot telegram --mode webhook` (web chat, console and the
Telegram webhook in one process; SQLite in a temporary folder; its own Rasa server on the
project's model, copied into the folder, so nothing is trained) with the local Bot API test
server (tests/telegram/botapi.py) as Telegram's cloud, creates an admin and logs in to the
console. Then a few workers send N requests (default 10,000) to the Telegram webhook, the
web chat (POST /webhooks/rest/webhook, GET /, GET /chat/events, GET /chat/mydata when the
app has it) and the console (login, forms, pages): broken JSON, wrong types, bodies far
above the limit, unknown update types, invalid UTF-8, wrong content types, missing and
wrong webhook secrets, missing and forged cookies and CSRF tokens, forged callback data,
hostile strings, random bytes, raw malformed HTTP (bench/fuzz_cases.py, fuzz_targets.py,
fuzz_values.py). Case i of a seed is always the same request (plain `random`, seeded).
Meanwhile two web users and two Telegram chats ask held-out questions at a steady pace
(bench/fuzz_normal.py) and every one must be answered.

    .venvs/app/bin/python -m bench.fuzz [--requests 10000] [--seed 13] [--workers 4]
        [--rate 3]

Prints the figures (bench/fuzz_report.py). Exit code 1 when any response was a 5xx, a
request failed on the connection or timed out, the app died or its /health is not ok
afterwards, or a normal message was not answered; no timed assertions. An answer that is
not valid HTTP (e.g. a body on the answer to a HEAD) is listed apart, with the request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from yarl import URL

from bench.fuzz_cases import CHAT_COOKIE, CONSOLE_COOKIE, Case, Context
from bench.fuzz_normal import BotApi, NormalTraffic, start_botapi
from bench.fuzz_report import (
    UNPARSABLE,
    Status,
    Tally,
    print_botapi,
    print_failures,
    print_log,
    print_normal,
    print_requests,
)
from bench.fuzz_targets import make_case
from bench.handoff_latency import CSRF, PASSWORD, Console
from bench.swap_under_load import current_model, held_out_topics
from bot.settings import PROJECT_ROOT
from tests.conftest import free_port

WEBHOOK = "/telegram/webhook"
TIMEOUT = aiohttp.ClientTimeout(total=60)
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})")


# --- one request -----------------------------------------------------------------------------


async def _pieces(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 64 * 1024):
        yield body[start:start + 64 * 1024]


async def send(http: aiohttp.ClientSession, base: str, case: Case) -> Status:
    if case.raw is not None:
        return await send_raw(URL(base), case.raw)
    headers, skip = dict(case.headers), []
    if case.no_content_type:
        headers.pop("Content-Type", None)
        skip.append("Content-Type")
    data = _pieces(case.body) if case.chunked and case.body else case.body
    try:
        async with http.request(case.method, URL(base + case.path, encoded=True), data=data,
                                headers=headers, skip_auto_headers=skip, allow_redirects=False,
                                timeout=TIMEOUT) as response:
            if response.content_type != "text/event-stream":  # a stream never ends
                await response.read()
            return response.status
    except TimeoutError:
        return "timeout"
    except aiohttp.ClientResponseError as exc:  # an answer, but not one HTTP allows
        case.error = f"{type(exc).__name__}: {exc.message}"[:400]
        return UNPARSABLE
    except ValueError as exc:  # refused before sending (e.g. aiohttp's InvalidURL)
        case.error = f"{type(exc).__name__}: {exc}"[:400]
        return f"client:{type(exc).__name__}"
    except (aiohttp.ClientError, OSError) as exc:  # the connection failed or was cut
        case.error = f"{type(exc).__name__}: {exc}"[:400]
        return type(exc).__name__
    except Exception as exc:  # the client could not build the request: counted apart
        case.error = f"{type(exc).__name__}: {exc}"[:400]
        return f"client:{type(exc).__name__}"


async def send_raw(url: URL, data: bytes) -> Status:
    """Writes the bytes to a socket and reads the status line ("closed": no answer)."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(url.host, url.port), 10)
    except (OSError, TimeoutError) as exc:
        return f"connect:{type(exc).__name__}"
    try:
        with contextlib.suppress(ConnectionError):
            writer.write(data)
            await writer.drain()
        try:
            line = await asyncio.wait_for(reader.readline(), 30)
        except TimeoutError:
            return "timeout"
        except ConnectionError:
            line = b""
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    match = STATUS_LINE.match(line)
    return int(match.group(1)) if match else "closed"


async def fuzz(base: str, ctx: Context, requests: int, seed: int, workers: int,
               tally: Tally, normal: NormalTraffic) -> None:
    indexes = iter(range(requests))
    started = time.monotonic()

    async def worker() -> None:
        async with aiohttp.ClientSession(  # a connection per request: no case leaves
                cookie_jar=aiohttp.DummyCookieJar(),  # anything behind for the next one
                connector=aiohttp.TCPConnector(force_close=True)) as http:
            for index in indexes:  # shared: each case is sent once
                case = make_case(index, seed, ctx)
                tally.record(index, case, await send(http, base, case))
                if tally.sent % 1000 == 0:
                    answered = sum(a.seconds is not None for a in normal.asked)
                    print(f"[fuzz] {tally.sent}/{requests} requests after "
                          f"{time.monotonic() - started:.0f} s; 5xx {tally.failure_count['5xx']}"
                          f", errors {tally.failure_count['error']}; normal answered "
                          f"{answered}/{len(normal.asked)}", flush=True)

    await asyncio.gather(*(worker() for _ in range(workers)))


# --- the app -----------------------------------------------------------------------------


async def health(base: str) -> str:
    try:
        async with aiohttp.ClientSession() as http, http.get(
                f"{base}/health", timeout=aiohttp.ClientTimeout(total=10)) as response:
            return f"HTTP {response.status} {await response.text()}"
    except (aiohttp.ClientError, TimeoutError) as exc:
        return type(exc).__name__


async def start_app(env: dict[str, str], log: Path, base: str,
                    api: BotApi) -> asyncio.subprocess.Process:
    """The app; ready when /health says the NLU is ok and the webhook is registered."""
    with log.open("ab") as out:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "telegram", "--mode", "webhook", cwd=PROJECT_ROOT,
            env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 1200
    while '"nlu": "ok"' not in await health(base) or not api.webhook.get("url"):
        if process.returncode is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            raise SystemExit(f"the app did not become ready; its log:\n{tail}")
        await asyncio.sleep(1)
    return process


def cookie_of(http: aiohttp.ClientSession, url: str, name: str) -> str:
    morsel = http.cookie_jar.filter_cookies(URL(url)).get(name)
    if morsel is None:
        raise SystemExit(f"the app gave no {name} cookie for {url}")
    return morsel.value


async def route_exists(http: aiohttp.ClientSession, base: str, path: str) -> bool:
    """Whether GET `path` answers differently from a path that surely does not exist."""
    answers = []
    for probe in (path, f"/chat/no-such-route-{secrets.token_hex(4)}"):
        async with http.get(base + probe) as response:
            answers.append((response.status, (await response.read()).replace(
                probe.encode(), b"")))
    return answers[0] != answers[1]


async def context(base: str, secret: str) -> Context:
    """Sessions and tokens as a browser gets them: a logged-in admin (the console's own
    login form), an anonymous console session, a web chat session."""
    console = Console(base)
    try:
        await console.login()
        logged_in = cookie_of(console.http, f"{base}/console/", CONSOLE_COOKIE)
        csrf = console.csrf
    finally:
        await console.http.close()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(f"{base}/console/login?lang=en") as response:
            anon_csrf = CSRF.findall(await response.text())[0]
        async with http.get(f"{base}/?lang=de") as response:
            await response.read()
        return Context(WEBHOOK, secret, cookie_of(http, f"{base}/", CHAT_COOKIE), logged_in,
                       csrf, cookie_of(http, f"{base}/console/", CONSOLE_COOKIE), anon_csrf,
                       await route_exists(http, base, "/chat/mydata"))


async def logged_in(base: str, cookie: str) -> bool:
    """Whether the admin's console session still holds (no fuzz request ended it)."""
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http, http.get(
                f"{base}/console/", headers={"Cookie": f"{CONSOLE_COOKIE}={cookie}"},
                allow_redirects=False) as response:
            return response.status == 200
    return False


def rss_mib(pid: int) -> float:
    """The app process's resident memory (without its Rasa child)."""
    with contextlib.suppress(OSError, StopIteration):
        status = Path(f"/proc/{pid}/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines()
                    if line.startswith("VmRSS")) / 1024
    return 0.0


def environment(folder: Path, port: int, secret: str, api: BotApi,
                token: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'lotse.db'}",
            "LOTSE_PORT": str(port), "LOTSE_RASA_PORT": str(free_port()),
            "LOTSE_MODELS_DIR": str(folder / "models"), "LOTSE_LOG_LEVEL": "WARNING",
            "LOTSE_ADMIN_PASSWORD": PASSWORD, "LOTSE_TELEGRAM_TOKEN": token,
            "LOTSE_TELEGRAM_BASE_URL": api.base_url,
            "LOTSE_TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}{WEBHOOK}",
            "LOTSE_TELEGRAM_SECRET_TOKEN": secret, "LOTSE_TELEGRAM_JOURNAL_DIR": str(folder)}


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=3.0, help="normal messages per second")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lotse-fuzz-"))
    (folder / "models").mkdir()
    shutil.copy2(current_model(), folder / "models")
    api, token = await start_botapi()
    port, secret = free_port(), secrets.token_urlsafe(24)
    env, base = environment(folder, port, secret, api, token), f"http://127.0.0.1:{port}"
    log = folder / "app.log"
    admin = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "admin", "create", "--username", "bench",
        "--display-name", "Bench", cwd=PROJECT_ROOT, env=env, stdout=asyncio.subprocess.DEVNULL)
    if await admin.wait() != 0:
        raise SystemExit("could not create the console admin")
    print(f"[fuzz] seed {args.seed}, {args.requests} requests, {args.workers} workers, normal "
          f"traffic {args.rate}/s; app on {base}, folder {folder}", flush=True)
    process = await start_app(env, log, base, api)
    tally = Tally()
    try:
        ctx = await context(base, secret)
        print(f"[fuzz] the app is ready; GET /chat/mydata exists: {ctx.mydata}", flush=True)
        normal = NormalTraffic(base, api, env["DATABASE_URL"], held_out_topics(), args.rate,
                               args.seed)
        stop = asyncio.Event()
        normal_task = asyncio.create_task(normal.run(stop))
        memory_before, started = rss_mib(process.pid), time.monotonic()
        await fuzz(base, ctx, args.requests, args.seed, args.workers, tally, normal)
        seconds = time.monotonic() - started
        stop.set()
        await normal_task  # each sender waits for its last answer
        alive, after = process.returncode is None, await health(base)
        memory_after, session = rss_mib(process.pid), await logged_in(base, ctx.console_cookie)
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 30)
        if process.returncode is None:
            process.kill()
            await process.wait()
        await api.stop()
        shutil.rmtree(folder / "models", ignore_errors=True)  # the copy; log and database stay
    print_requests(tally, seconds)
    print_failures(tally)
    print_log(log)
    print_botapi(api)
    unanswered = print_normal(normal.asked, seconds)
    print(f"\n== the app: alive after the fuzz: {alive}; /health: {after}; memory (RSS, "
          f"without Rasa) {memory_before:.0f} → {memory_after:.0f} MiB; the admin's console "
          f"session still valid: {session}; exit code on SIGTERM: {process.returncode}")
    failed = bool(tally.failure_count["5xx"] or tally.failure_count["error"] or not alive
                  or '"nlu": "ok"' not in after or unanswered)
    print(f"\nresult: {'FAILED' if failed else 'ok'} — 5xx {tally.failure_count['5xx']}, "
          f"connection errors/timeouts {tally.failure_count['error']} (answers the client could "
          f"not parse: {tally.failure_count['unparsable']}), app alive {alive}, "
          f"unanswered normal messages {unanswered}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
