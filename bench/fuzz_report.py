"""What bench/fuzz.py counts and prints: requests per target and kind, status codes, 5xx and
connection errors with the requests that caused them, the app's log (tracebacks), the Bot
API server's view, and the normal messages' answers and latency."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench.fuzz_cases import Case
from bench.fuzz_normal import Asked, BotApi
from bench.handoff_latency import percentile
from bot.settings import PROJECT_ROOT

Status = int | str  # an HTTP status, or what happened instead ("timeout", an error's name)
NOT_A_FAILURE = frozenset({"closed"})  # a raw request the server hung up on without a word
UNPARSABLE = "unparsable answer"  # the server answered, but not as HTTP allows
EXAMPLES_KEPT = 40  # failed requests shown per 5xx/error (2 of each target, kind, method, path)


@dataclass
class Tally:
    per_kind: Counter[tuple[str, str]] = field(default_factory=Counter)
    statuses: Counter[tuple[str, Status]] = field(default_factory=Counter)
    kind_statuses: Counter[tuple[str, str, Status]] = field(default_factory=Counter)
    failures: list[tuple[int, Status, Case]] = field(default_factory=list)
    failure_count: Counter[str] = field(default_factory=Counter)  # "5xx" | "error"
    not_sent: Counter[str] = field(default_factory=Counter)  # refused by the client library
    shapes: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # of failures

    def record(self, index: int, case: Case, status: Status) -> None:
        if isinstance(status, str) and status.startswith("client:"):
            self.not_sent[f"{case.target}/{case.kind}: {status}"] += 1
            return
        self.per_kind[(case.target, case.kind)] += 1
        self.statuses[(case.target, status)] += 1
        self.kind_statuses[(case.target, case.kind, status)] += 1
        failure = failure_of(status)
        if failure:
            self.failure_count[failure] += 1
            path = re.sub(r"(%[0-9A-Fa-f]{2}|\d)+", "N", case.path)[:40]
            shape = (case.target, case.kind, case.method, path)
            self.shapes[shape] += 1
            kept = sum(1 for f in self.failures if failure_of(f[1]) == failure)
            if self.shapes[shape] <= 2 and kept < EXAMPLES_KEPT:
                self.failures.append((index, status, case))

    @property
    def sent(self) -> int:
        return sum(self.per_kind.values())


def failure_of(status: Status) -> str:
    """"5xx", "error" (connection failed or cut, timeout), "unparsable" or "" (fine)."""
    if isinstance(status, int):
        return "5xx" if status >= 500 else ""
    if status == UNPARSABLE:
        return "unparsable"
    return "" if status in NOT_A_FAILURE else "error"


def print_requests(tally: Tally, seconds: float) -> None:
    print(f"\n== fuzz requests: {tally.sent} in {seconds:.0f} s "
          f"({tally.sent / max(seconds, 1e-9):.1f}/s)")
    for target in ("telegram", "web", "console"):
        kinds = sorted((k, n) for (t, k), n in tally.per_kind.items() if t == target)
        total = sum(n for _k, n in kinds)
        print(f"{target:9} {total:6}  " + ", ".join(f"{k} {n}" for k, n in kinds))
    print("\n== status codes per target")
    for target in ("telegram", "web", "console"):
        codes = sorted(((str(s), n) for (t, s), n in tally.statuses.items() if t == target))
        print(f"{target:9} " + ", ".join(f"{s}: {n}" for s, n in codes))
    print("\n== status codes per target and kind")
    for target, kind in sorted(tally.per_kind):
        codes = sorted((str(s), n) for (t, k, s), n in tally.kind_statuses.items()
                       if (t, k) == (target, kind))
        print(f"  {target}/{kind}: " + ", ".join(f"{s}: {n}" for s, n in codes))
    if tally.not_sent:
        print("\nnot sent (the client library refused to send them): "
              + ", ".join(f"{k} ×{n}" for k, n in tally.not_sent.items()))


def print_failures(tally: Tally) -> None:
    print(f"\n== 5xx responses: {tally.failure_count['5xx']}; connection errors / timeouts: "
          f"{tally.failure_count['error']}; answers the client could not parse: "
          f"{tally.failure_count['unparsable']}")
    for (target, kind, method, path), count in tally.shapes.most_common():
        print(f"  {count:5} × {target}/{kind} {method} {path}")
    print("examples (#case number → status; the same with the same seed):")
    for index, status, case in tally.failures:
        print(f"  #{index} → {status}: {case.describe()}")


TRACEBACK = re.compile(r"^Traceback \(most recent call last\):\n(?:[ \t].*\n|\n)*(.+)$",
                       re.MULTILINE)
FRAME = re.compile(r'^  File "([^"]+)", line (\d+), in (.+)$', re.MULTILINE)
OWN = str(PROJECT_ROOT / "bot")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \S+ [A-Z]+ .*$", re.MULTILINE)


def _where(path: str, line: str, function: str) -> str:
    short = path.split("site-packages/")[-1].removeprefix(str(PROJECT_ROOT) + "/")
    return f"{short}:{line} {function}"


def print_log(log: Path) -> int:
    """ERROR lines and tracebacks in the app's log (it logs at WARNING and above), grouped by
    what was logged, the exception and the app's own frames. Returns the traceback count."""
    text = log.read_text(errors="replace") if log.exists() else ""
    errors = [line for line in text.splitlines() if " ERROR " in line or " CRITICAL " in line]
    groups: Counter[tuple[str, str, str]] = Counter()
    examples: dict[tuple[str, str, str], tuple[str, str]] = {}
    for match in TRACEBACK.finditer(text):
        logged = _shorten(_logged_before(text, match.start()))
        frames = FRAME.findall(match.group(0))
        mine = [_where(*f) for f in reversed(frames) if f[0].startswith(OWN)]
        own = " ← ".join(dict.fromkeys(mine)) + (f" (recursion: {len(mine)} frames)"
                                                 if len(mine) > 2 * len(set(mine)) else "")
        exception = match.group(1).strip()
        key = (logged, exception.split(":")[0], own)
        groups[key] += 1
        examples.setdefault(key, (exception[:240], _where(*frames[-1]) if frames else ""))
    print(f"\n== app log ({log}): {len(errors)} ERROR/CRITICAL lines, "
          f"{sum(groups.values())} tracebacks")
    for line, count in Counter(_shorten(e) for e in errors).most_common(20):
        print(f"  {count:5} × {line}")
    print("-- tracebacks, grouped (the app's own frames, innermost first):")
    for (logged, _kind, own), count in groups.most_common():
        exception, deepest = examples[(logged, _kind, own)]
        print(f"  {count:5} × {logged}\n          {exception}\n          raised in {deepest}"
              + (f"\n          app frames: {own}" if own else ""))
    return sum(groups.values())


def _logged_before(text: str, at: int) -> str:
    """The log line a traceback belongs to (a logged path may span lines), or the "During
    handling …" line of a chained exception."""
    before = text[max(0, at - 20_000):at].rstrip("\n")
    last = before.rsplit("\n", 1)[-1]
    if last.startswith(("During handling", "The above exception")) or LOG_LINE.match(last):
        return last
    found = list(LOG_LINE.finditer(before))
    return found[-1].group(0) if found else last


def _shorten(line: str) -> str:
    """Without the timestamp; numbers as N, so one kind of line is counted once."""
    return re.sub(r"\d{2,}", "N", re.sub(r"^\d{4}-\d\d-\d\d \S+ ", "", line))[:200]


def print_botapi(api: BotApi) -> None:
    refused = Counter((a.method, a.outcome) for a in api.attempts if a.outcome != "ok")
    print(f"\n== local Bot API server: {len(api.attempts)} calls from the app, "
          f"{len(api.sent)} messages accepted, webhook deliveries of the normal updates: "
          + ", ".join(f"{s}: {n}" for s, n in sorted(Counter(api.webhook_statuses).items())))
    if refused:
        print("  refused calls: " + ", ".join(f"{m} → {o}: {n}" for (m, o), n in
                                              sorted(refused.items())))


def print_normal(asked: list[Asked], seconds: float) -> int:
    """Normal messages sent/answered and latency; returns the number not answered."""
    print(f"\n== normal messages during the fuzz ({len(asked) / max(seconds, 1e-9):.1f}/s)")
    missing = 0
    for channel in ("web", "telegram", "all"):
        group = [a for a in asked if channel in ("all", a.channel)]
        answered = [a.seconds * 1000 for a in group if a.seconds is not None]
        missing += len(group) - len(answered) if channel != "all" else 0
        figures = (f"p50 {statistics.median(answered):7.0f} ms  p95 "
                   f"{percentile(answered, 0.95):7.0f} ms  max {max(answered):7.0f} ms"
                   if answered else "no answers")
        print(f"  {channel:8} sent {len(group):5}  answered {len(answered):5}  {figures}")
    handed = sum(a.handed_over for a in asked)
    print(f"  answers that handed the user to a person (emergency or handoff; that sender then "
          f"became a new user): {handed}")
    for problem, count in Counter(a.problem for a in asked if a.seconds is None).items():
        print(f"  not answered: {count} × {problem}")
    return missing
