"""Command line: `python -m bot run|train|eval|bench|check` (the `./lotse` script calls these)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import statistics
import sys
import time
from pathlib import Path

from aiohttp import web

from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge
from bot.kb.source import KnowledgeError
from bot.nlu.evaluate import evaluate, load_examples, report
from bot.nlu.process import RasaServer, running_rasa
from bot.nlu.training import ensure_model
from bot.settings import PROJECT_ROOT, Settings

VAR = PROJECT_ROOT / "var"


def say(message: str) -> None:
    print(f"[lotse] {message}", flush=True)


def knowledge_or_exit(settings: Settings) -> Knowledge:
    try:
        knowledge = load_knowledge(settings.knowledge_dir)
    except KnowledgeError as exc:
        say(f"knowledge is broken, not starting: {exc}")
        raise SystemExit(2) from None
    say(f"knowledge: {len(knowledge.faqs)} FAQs, cities {', '.join(knowledge.cities)}, "
        f"{len(knowledge.unverified)} unverified records")
    return knowledge


def train(settings: Settings, config: Path) -> Path:
    knowledge = knowledge_or_exit(settings)
    return ensure_model(knowledge, config=config, data_dir=settings.nlu_dir / "data",
                        models_dir=settings.models_dir, progress=say)


async def serve(settings: Settings, config: Path) -> None:
    from bot.nlu.client import RasaClient
    from bot.web.app import create_app

    model = await asyncio.to_thread(train, settings, config)
    server = RasaServer(model, settings.rasa_port, settings.rasa_token, VAR / "rasa.log")
    say(f"starting Rasa on 127.0.0.1:{settings.rasa_port} (log: {server.log_path}) …")
    await server.start()
    import aiohttp

    async with aiohttp.ClientSession() as http:
        client = RasaClient(http, settings.rasa_url, settings.rasa_token, 5)
        seconds = await server.wait_ready(client)
    say(f"Rasa is ready after {seconds:.0f} s")
    server.supervise()
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    say(f"Lotse web chat: http://{settings.host}:{settings.port}/  — stop with Ctrl-C")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    say("stopping …")
    await runner.cleanup()
    await server.stop()


async def run_eval(settings: Settings, config: Path) -> None:
    model = await asyncio.to_thread(train, settings, config)
    examples = load_examples(settings.nlu_dir / "test")
    say(f"evaluating {model.name} on {len(examples)} held-out test examples")
    async with running_rasa(model, settings.rasa_port + 10, settings.rasa_token,
                            VAR / "rasa-eval.log") as (client, _server):
        outcomes = await evaluate(client, examples)
    print(report(outcomes))
    errors = VAR / "eval-errors.tsv"
    errors.write_text("".join(
        f"{o.example.language}\t{o.example.intent}\t{o.predicted}\t{o.predicted_faq}\t"
        f"{o.example.text}\n" for o in outcomes
        if o.predicted != o.example.top_level or ("/" in o.example.intent
                                                  and o.predicted_faq != o.example.intent)),
        encoding="utf-8")
    say(f"misclassified examples: {errors}")


async def run_bench(settings: Settings, config: Path, requests: int) -> None:
    model = await asyncio.to_thread(train, settings, config)
    texts = [e.text for e in load_examples(settings.nlu_dir / "test")][:requests]
    async with running_rasa(model, settings.rasa_port + 11, settings.rasa_token,
                            VAR / "rasa-bench.log") as (client, server):
        for text in texts[:20]:
            await client.parse(text)  # warm-up
        latencies = []
        for text in texts:
            started = time.perf_counter()
            await client.parse(text)
            latencies.append((time.perf_counter() - started) * 1000)
        rss = rss_mib(server.pid)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"parse latency over {len(latencies)} sequential requests: "
          f"p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms, max {max(latencies):.1f} ms")
    print(f"Rasa process memory (RSS, incl. children): {rss:.0f} MiB")


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lotse")
    parser.add_argument("command", choices=["run", "train", "eval", "bench", "check", "telegram"])
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
    if args.command == "check":
        knowledge_or_exit(settings)
    elif args.command == "train":
        train(settings, args.config)
    elif args.command == "run":
        asyncio.run(serve(settings, args.config))
    elif args.command == "telegram":
        from bot.telegram.main import run_telegram

        telegram = settings.model_copy(update={"telegram_mode": args.mode})
        asyncio.run(run_telegram(telegram, args.config, args.external_rasa))
    elif args.command == "eval":
        asyncio.run(run_eval(settings, args.config))
    else:
        asyncio.run(run_bench(settings, args.config, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
