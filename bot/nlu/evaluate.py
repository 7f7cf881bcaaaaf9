"""NLU evaluation on the held-out test set: accuracy per language, per intent, confusions."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.core.dialogue import emergency_likely
from bot.nlu.client import RasaClient


@dataclass(frozen=True)
class Example:
    text: str
    intent: str  # "topic/faq_key" or a meta intent
    language: str

    @property
    def top_level(self) -> str:
        return self.intent.split("/")[0]


def load_examples(folder: Path) -> list[Example]:
    examples = []
    for path in sorted(folder.glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            language = (block.get("metadata") or {}).get("language", "?")
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    examples.append(Example(text, str(block["intent"]), language))
    return examples


@dataclass
class Outcome:
    example: Example
    predicted: str
    predicted_faq: str | None
    emergency_numbers: bool  # whether the dialogue would show the emergency numbers


def _pct(good: int, total: int) -> str:
    return f"{100 * good / total:5.1f}% ({good}/{total})" if total else "   n/a"


def report(outcomes: list[Outcome]) -> str:
    lines = ["Intent accuracy per language (top-level intent; FAQ = ResponseSelector key):"]
    by_lang: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_lang[o.example.language].append(o)
    for lang in [*sorted(by_lang), "all"]:
        group = outcomes if lang == "all" else by_lang[lang]
        good = sum(o.predicted == o.example.top_level for o in group)
        faqs = [o for o in group if "/" in o.example.intent]
        faq_good = sum(o.predicted_faq == o.example.intent for o in faqs)
        lines.append(
            f"  {lang:4} intent {_pct(good, len(group))}   FAQ {_pct(faq_good, len(faqs))}")
    lines.append("Per intent (de / en / ar):")
    by_intent: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
    for o in outcomes:
        by_intent[o.example.top_level][o.example.language].append(
            o.predicted == o.example.top_level)
    for intent in sorted(by_intent):
        cells = [_pct(sum(v), len(v)) for v in (by_intent[intent][lg] for lg in ("de", "en", "ar"))]
        lines.append(f"  {intent:20} " + "  ".join(cells))
    confusions = Counter((o.example.top_level, o.predicted) for o in outcomes
                         if o.predicted != o.example.top_level)
    for lang in ("de", "en", "ar"):
        urgent = [o for o in by_lang[lang] if o.example.intent == "emergency"]
        others = [o for o in by_lang[lang] if o.example.intent != "emergency"]
        lines.append(
            f"Emergency numbers shown ({lang}): for emergencies "
            f"{_pct(sum(o.emergency_numbers for o in urgent), len(urgent))}, for other messages "
            f"{_pct(sum(o.emergency_numbers for o in others), len(others))}")
    lines.append("Top confusions (expected -> predicted: count):")
    lines += [f"  {a} -> {b}: {n}" for (a, b), n in confusions.most_common(12)]
    return "\n".join(lines)


async def evaluate(client: RasaClient, examples: list[Example]) -> list[Outcome]:
    outcomes = []
    for example in examples:
        parse, _raw = await client.parse(example.text)
        outcomes.append(Outcome(example, parse.intent or "", parse.faq_key,
                                emergency_likely(parse)))
    return outcomes
