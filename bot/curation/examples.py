"""A training example added to the NLU data as a pure text insertion: the line goes at the end
of the existing block of its intent and language, so the rest of the file stays byte for byte
as it was; without such a block, a new block at the end of the intent's file. Out-of-scope
examples go to the staff file `nlu/data/out_of_scope.yml`.

The NLU files are Rasa's YAML format:

    - intent: residence/permit_extend
      metadata:
        language: de
      examples: |
        - wie verlängere ich meinen aufenthaltstitel

No I/O here: the caller reads and saves the documents (bot/curation/documents.py).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

import yaml

from bot.core.types import LANGUAGES

NLU_DATA = "nlu/data"
GENERATED = f"{NLU_DATA}/negatives.yml"  # written by `python -m bot.nlu.nonsense` only
META = f"{NLU_DATA}/meta.yml"
OUT_OF_SCOPE = "out_of_scope"
OUT_OF_SCOPE_FILE = f"{NLU_DATA}/out_of_scope.yml"
OUT_OF_SCOPE_HEADER = ("# Out-of-scope examples added by staff in the console (unanswered queue).\n"
                       "# One block per language; edited through the console, kept in git.\n"
                       'version: "3.1"\nnlu:\n')
NEW_FILE_HEADER = 'version: "3.1"\nnlu:\n'
MAX_CHARS = 500
# Rasa reads "[text](entity)", "[text]{…}" and "[text][…]" in an example as an annotation.
_ANNOTATION = re.compile(r"\[[^\]]+?\](?:\([^:)]+?(?::[^)]+)?\)|\{[^}]+?\}|\[.*?\])")
# What YAML may not hold at all (control characters, lone surrogates, …).
_NOT_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd"
                            "\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # what YAML counts as a new line
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the same marks, faster
_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")


class ExampleError(ValueError):
    """A refused example; `code` names the reason for the console's message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Block:
    """One `- intent:` item of an NLU file."""

    path: str
    intent: str
    language: str | None
    examples: tuple[str, ...]
    insert_at: int  # offset right after the block's last example line
    indent: str  # the examples' indentation ("    ")


def nlu_paths(docs: Collection[str]) -> list[str]:
    return sorted(p for p in docs if p.startswith(f"{NLU_DATA}/") and p.endswith(".yml"))


def blocks(path: str, text: str) -> list[Block]:
    """The intent blocks of one NLU file, with where a new example line would go."""
    root = yaml.compose(text, Loader=_LOADER)
    if not isinstance(root, yaml.MappingNode):
        return []
    found: list[Block] = []
    starts = _line_starts(text)
    for key, value in root.value:
        if key.value != "nlu" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            block = _block(path, text, starts, item)
            if block is not None:
                found.append(block)
    return found


def _block(path: str, text: str, starts: list[int], item: yaml.Node) -> Block | None:
    if not isinstance(item, yaml.MappingNode):
        return None
    fields = {k.value: (k, v) for k, v in item.value}
    if "intent" not in fields or "examples" not in fields:
        return None
    intent = str(fields["intent"][1].value)
    language = None
    if "metadata" in fields and isinstance(fields["metadata"][1], yaml.MappingNode):
        language = next((str(v.value) for k, v in fields["metadata"][1].value
                         if k.value == "language"), None)
    key, node = fields["examples"]
    examples = tuple(_parse_examples(str(node.value)))
    line, last = node.start_mark.line + 1, None
    while line < len(starts) - 1:
        content = text[starts[line]:starts[line + 1]]
        if content.strip():
            if len(content) - len(content.lstrip(" ")) <= key.start_mark.column:
                break
            last = line
        line += 1
    if last is None:  # an empty block: after the `examples: |` line
        return Block(path, intent, language, examples, starts[node.start_mark.line + 1],
                     " " * (key.start_mark.column + 2))
    content = text[starts[last]:starts[last + 1]]
    return Block(path, intent, language, examples, starts[last + 1],
                 content[:len(content) - len(content.lstrip(" "))])


def _line_starts(text: str) -> list[int]:
    """The offset of every line, as YAML counts lines, and the text's end."""
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text)), len(text)]


def _parse_examples(value: str) -> Iterator[str]:
    """Rasa's reading of a literal block: lines starting with "-", stripped."""
    for line in value.splitlines():
        if line.startswith("-"):
            yield line[1:].strip("\n\r ")


def nlu_examples(docs: dict[str, str]) -> Iterator[str]:
    """Every training example of the NLU documents (for the masking vocabulary)."""
    for path in nlu_paths(docs):
        for block in blocks(path, docs[path]):
            yield from block.examples


def intents(docs: dict[str, str]) -> set[str]:
    """The intents the NLU documents train."""
    return {block.intent for path in nlu_paths(docs) for block in blocks(path, docs[path])}


def clean(text: str) -> str:
    """One line: whitespace (also YAML's and Unicode's line breaks) collapsed, characters
    YAML cannot hold removed, stripped."""
    return " ".join(_NOT_PRINTABLE.sub("", text).replace("\ufeff", "").split())


def checked(text: str) -> str:
    """One training example as it may be written (also by the FAQ editor): cleaned, not
    empty, not too long, and nothing Rasa would read as an entity annotation."""
    example = clean(text)
    if not example:
        raise ExampleError("empty", "The example is empty.")
    if len(example) > MAX_CHARS:
        raise ExampleError("too_long", f"The example is longer than {MAX_CHARS} characters.")
    if _ANNOTATION.search(example):
        raise ExampleError("annotation", "Rasa would read '[…](…)', '[…]{…}' or '[…][…]' "
                                         "as an entity annotation; please rephrase.")
    return example


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def add_example(docs: dict[str, str], intent: str, language: str, text: str,
                known: Collection[str] | None = None) -> tuple[str, str]:
    """(path, the new text of that document) with `text` as a training example of `intent`
    in `language`; `known`: the intents that may get examples (default: those trained).
    Raises ExampleError (a ValueError) for an empty text, an unknown intent or language, a
    duplicate, or a text Rasa would misread."""
    example = checked(text)
    if language not in LANGUAGES:
        raise ExampleError("language", f"Unknown language '{language}'.")
    existing = [b for p in nlu_paths(docs) for b in blocks(p, docs[p])]
    allowed = {b.intent for b in existing} if known is None else set(known)
    if intent not in allowed | {OUT_OF_SCOPE}:
        raise ExampleError("unknown_intent", f"Unknown intent '{intent}'.")
    for block in existing:
        if _key(example) in {_key(e) for e in block.examples}:
            if block.intent == intent and block.language == language:
                raise ExampleError("duplicate", f"'{example}' is already an example of "
                                                f"{intent} ({language}).")
            if block.intent != intent:
                raise ExampleError("conflict", f"'{example}' is already an example of "
                                               f"{block.intent}.")
    path, new_text = _insert(docs, existing, intent, language, example)
    _check(path, new_text, intent, language, example)
    return path, new_text


def _insert(docs: dict[str, str], existing: list[Block], intent: str, language: str,
            example: str) -> tuple[str, str]:
    target = _file_for(docs, existing, intent)
    same = [b for b in existing if b.path == target and b.intent == intent
            and b.language == language]
    if intent != OUT_OF_SCOPE and not same:  # a block of this language in another file
        same = [b for b in existing if b.path != GENERATED and b.intent == intent
                and b.language == language]
    if same:
        block = same[-1]
        text = docs[block.path]
        line = f"{block.indent}- {example}\n"
        before = text[:block.insert_at]
        if before and not before.endswith(_BREAKS):
            line = "\n" + line  # the block ended the file without a final line break
        return block.path, before + line + text[block.insert_at:]
    header = OUT_OF_SCOPE_HEADER if target == OUT_OF_SCOPE_FILE else NEW_FILE_HEADER
    return target, _append_block(target, docs.get(target, header), intent, language, example)


def _file_for(docs: dict[str, str], existing: list[Block], intent: str) -> str:
    """Out of scope: the staff file; else where the intent is trained already; else its
    topic's file (`topic/key`) or the meta intents' file."""
    if intent == OUT_OF_SCOPE:
        return OUT_OF_SCOPE_FILE
    for block in existing:
        if block.intent == intent and block.path != GENERATED:
            return block.path
    if "/" in intent:
        return f"{NLU_DATA}/{intent.split('/')[0]}.yml"
    return META


def _append_block(path: str, text: str, intent: str, language: str, example: str) -> str:
    """A new block at the end of the file, where the `nlu:` list must be the last key."""
    root = yaml.compose(text, Loader=_LOADER)
    column = 0
    if isinstance(root, yaml.MappingNode):
        last_key, last_value = root.value[-1]
        if last_key.value != "nlu":
            raise ExampleError("layout", f"{path}: the nlu list is not the last part.")
        if isinstance(last_value, yaml.SequenceNode) and last_value.value:
            column = last_value.value[0].start_mark.column - 2
    elif root is not None:
        raise ExampleError("layout", f"{path} is not an NLU file.")
    dash, pad = " " * column, " " * (column + 2)
    block = (f"{dash}- intent: {intent}\n{pad}metadata:\n{pad}  language: {language}\n"
             f"{pad}examples: |\n{pad}  - {example}\n")
    if text and not text.endswith(_BREAKS):
        text += "\n"
    return text + block


def _check(path: str, text: str, intent: str, language: str, example: str) -> None:
    """The new document parses, and its block for (intent, language) holds the example."""
    try:
        parsed = yaml.load(text, Loader=_LOADER)  # the safe loader (libyaml's)
        found = [b for b in blocks(path, text) if b.intent == intent and b.language == language]
    except yaml.YAMLError as exc:
        raise ExampleError("layout", f"{path} would not be valid YAML: {exc}") from None
    if not isinstance(parsed, dict) or not any(example in b.examples for b in found):
        raise ExampleError("layout", f"{path}: the example could not be placed.")
