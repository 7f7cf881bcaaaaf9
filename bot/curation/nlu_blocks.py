"""The training examples of one intent in one language, as the NLU data files hold them
(`- intent: X` / `  metadata: {language: L}` / `  examples: |` / `    - text`): read them, and
replace them by editing only that block's lines (the rest of the file stays byte for byte)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from bot.core.types import LANGUAGES
from bot.curation.examples import checked

_INTENT = re.compile(r"^- intent: *(\S+) *$")
_LANGUAGE = re.compile(r"^ {4}language: *(\S+) *$")
_EXAMPLE = re.compile(r"^ {4}- ?(.*)$")


@dataclass(frozen=True)
class Block:
    intent: str
    language: str
    start: int  # index of the "- intent:" line
    first: int  # index of the first example line
    end: int  # one past the last example line


def nlu_path(intent: str) -> str:
    """The file of an intent's examples: FAQs by topic, the rest in meta.yml."""
    return f"nlu/data/{intent.split('/')[0]}.yml" if "/" in intent else "nlu/data/meta.yml"


def blocks(text: str) -> list[Block]:
    lines = text.split("\n")
    found: list[Block] = []
    for i, line in enumerate(lines):
        match = _INTENT.match(line)
        if not match:
            continue
        language, first = "", -1
        j = i + 1
        while j < len(lines) and lines[j].startswith("  "):
            lang = _LANGUAGE.match(lines[j])
            if lang:
                language = lang.group(1)
            if lines[j].startswith("  examples:"):
                first = j + 1
                break
            j += 1
        if first < 0:
            continue
        end = first
        while end < len(lines) and _EXAMPLE.match(lines[end]):
            end += 1
        found.append(Block(match.group(1), language, i, first, end))
    return found


def examples_of(docs: dict[str, str], intent: str) -> dict[str, list[str]]:
    """{language: examples} of an intent (languages without examples: empty lists)."""
    path = nlu_path(intent)
    found = all_examples({path: docs[path]}).get(intent, {}) if path in docs else {}
    return {**{lang: [] for lang in LANGUAGES}, **found}


def _example_line(text: str) -> str:
    return f"    - {checked(text)}"  # the unanswered queue's rules (examples.py)


def set_examples(docs: dict[str, str], intent: str, language: str,
                 examples: list[str]) -> tuple[str, str]:
    """The file with the intent's examples in `language` replaced; (path, new text). A new
    block is appended when the language had none."""
    path = nlu_path(intent)
    text = docs.get(path) or 'version: "3.1"\nnlu:\n'
    lines = text.split("\n")
    new = [_example_line(e) for e in examples if e.strip()]
    mine = [b for b in blocks(text) if b.intent == intent and b.language == language]
    if mine:
        for extra in reversed(mine[1:]):  # one block per language after an edit
            del lines[extra.start:extra.end]
        first = mine[0]
        lines[first.first:first.end] = new
    elif new:
        tail = [f"- intent: {intent}", "  metadata:", f"    language: {language}",
                "  examples: |", *new]
        if lines and lines[-1] == "":
            lines = lines[:-1] + tail + [""]
        else:
            lines += tail
    result = "\n".join(lines)
    if yaml.safe_load(result) is None:
        raise ValueError("the NLU file would be empty")
    return path, result


def remove_intent(docs: dict[str, str], intent: str) -> tuple[str, str]:
    """The file without any block of `intent` (reverting a new FAQ)."""
    path = nlu_path(intent)
    text = docs[path]
    lines = text.split("\n")
    for block in reversed([b for b in blocks(text) if b.intent == intent]):
        del lines[block.start:block.end]
    return path, "\n".join(lines)


def all_examples(docs: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """{intent: {language: examples}} of every NLU document (each file parsed once)."""
    result: dict[str, dict[str, list[str]]] = {}
    for path, text in docs.items():
        if not (path.startswith("nlu/data/") and path.endswith(".yml")):
            continue
        for item in (yaml.safe_load(text) or {}).get("nlu") or []:
            if "intent" not in item:
                continue
            language = str((item.get("metadata") or {}).get("language") or "")
            lines = str(item.get("examples") or "").splitlines()
            result.setdefault(str(item["intent"]), {}).setdefault(language, []).extend(
                line[2:].strip() for line in lines if line.startswith("- "))
    return result
