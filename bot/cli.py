"""Command line: `python -m bot run|train|eval|bench|check|telegram|admin` (the `./lotse`
script calls these)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from pathlib import Path

from aiohttp.http_exceptions import HttpProcessingError

from bot.nlu.evaluate import evaluate, load_examples, load_nonsense, misclassified, report
from bot.nlu.process import running_rasa
from bot.runner import (
    VAR,
    knowledge_or_exit,
    rasa_for,
    review,
    say,
    secrets_or_exit,
    serve_until_stopped,
    train,
)
from bot.secrets import Secrets
from bot.settings import PROJECT_ROOT, Settings


async def serve(settings: Settings, config: Path, secrets: Secrets) -> None:
    from bot.web.app import create_app

    app = create_app(settings, secrets)
    async with rasa_for(settings, config, external=False, app=app):
        await serve_until_stopped(app, settings,
                                  f"Lotse web chat: http://{settings.host}:{settings.port}/")


async def run_eval(settings: Settings, config: Path) -> None:
    model = await asyncio.to_thread(train, settings, config)
    examples = [*load_examples(settings.nlu_dir / "test"),
                *load_nonsense(settings.nlu_dir / "nonsense.yml")]
    say(f"evaluating {model.name} on {len(examples)} held-out test and nonsense examples")
    policy = settings.policy()
    async with running_rasa(model, settings.rasa_port + 10, settings.rasa_token,
                            VAR / "rasa-eval.log") as (client, _server):
        outcomes = await evaluate(client, examples, policy)
    print(report(outcomes))
    errors = VAR / "eval-errors.tsv"
    errors.write_text("".join(
        f"{o.example.language}\t{o.example.intent}\t{o.predicted}\t{o.predicted_faq}\t"
        f"{o.shown}\t{o.example.text}\n" for o in misclassified(outcomes)), encoding="utf-8")
    say(f"misclassified examples: {errors}")


async def run_bench(settings: Settings, config: Path, requests: int) -> None:
    model = await asyncio.to_thread(train, settings, config)
    texts = [e.text for e in load_examples(settings.nlu_dir / "test")][:requests]
    async with running_rasa(model, settings.rasa_port + 11, settings.rasa_token,
                            VAR / "rasa-bench.log") as (client, server):
        for text in texts[:20]:
            await client.parse(text)  # warm-up
        latencies = []
        cpu_before = cpu_seconds(server.pid)
        for text in texts:
            started = time.perf_counter()
            await client.parse(text)
            latencies.append((time.perf_counter() - started) * 1000)
        cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / len(texts)
        rss = rss_mib(server.pid)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"model {model.name}: parse latency over {len(latencies)} sequential requests: "
          f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, max {max(latencies):.1f} ms")
    print(f"Rasa CPU per parse: {cpu_ms:.1f} ms")
    print(f"Rasa process memory (RSS, incl. children): {rss:.0f} MiB")


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process, from /proc."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int | None) -> float:
    """Resident memory of a process and its children, from /proc."""
    if pid is None:
        return 0.0
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines()
                          if line.startswith("VmRSS"))
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            pending += [int(c) for c in children]
        except (OSError, StopIteration):
            continue
    return total / 1024


def malformed_http_at_debug(record: logging.LogRecord) -> bool:
    """aiohttp answers a malformed HTTP request with 400 and logs it as an ERROR with a
    traceback: anyone could flood the log. Such a request is not the app's error: DEBUG."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, HttpProcessingError) and record.levelno >= logging.ERROR:
        record.levelno, record.levelname, record.exc_info = logging.DEBUG, "DEBUG", None
        return logging.getLogger("aiohttp.server").isEnabledFor(logging.DEBUG)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lotse")
    parser.add_argument("command",
                        choices=["run", "train", "eval", "bench", "check", "telegram", "admin",
                                 "knowledge"])
    parser.add_argument("action", nargs="?", choices=["create", "export", "import"],
                        help="admin: create an admin; knowledge: export to / import from files")
    parser.add_argument("--username", help="admin create: the login name")
    parser.add_argument("--display-name", help="admin create: the name shown in the console")
    parser.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--mode", choices=["polling", "webhook"], default="polling",
                        help="telegram: long polling (development) or webhook (production)")
    parser.add_argument("--external-rasa", action="store_true",
                        help="telegram: use the Rasa server already running on LOTSE_RASA_PORT")
    args = parser.parse_args(argv)
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: "
                        "%(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.server").addFilter(malformed_http_at_debug)
    if args.command == "check":
        review(knowledge_or_exit(settings))
        from bot.console.canned import canned_or_exit

        canned_or_exit()
    elif args.command == "admin":
        from bot.console.admin_cli import run_admin

        return run_admin(settings, args)
    elif args.command == "knowledge":
        from bot.curation.cli import run_knowledge

        return run_knowledge(settings, args.action)
    elif args.command == "train":
        train(settings, args.config)
    elif args.command == "run":
        asyncio.run(serve(settings, args.config, secrets_or_exit(settings)))
    elif args.command == "telegram":
        from bot.telegram.main import run_telegram

        telegram = settings.model_copy(update={"telegram_mode": args.mode})
        asyncio.run(run_telegram(telegram, args.config, args.external_rasa,
                                 secrets_or_exit(telegram)))
    elif args.command == "eval":
        asyncio.run(run_eval(settings, args.config))
    else:
        asyncio.run(run_bench(settings, args.config, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
