"""YAML reading that remembers line numbers, and field accessors that name file, line and field."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import yaml

from bot.core.types import LANGUAGES

# Every text field and list of a knowledge file is bounded (answers have their own, lower
# limit in the loader): a pasted document or a runaway list is refused with file and line.
MAX_FIELD_CHARS = 1000
MAX_LIST_ITEMS = 100


class KnowledgeError(ValueError):
    """A knowledge file is broken. The message names the file, the line and the field."""

    def __init__(self, path: Path, line: int, field: str, problem: str) -> None:
        self.path, self.line, self.field, self.problem = path, line, field, problem
        super().__init__(f"{path}:{line}: field '{field}': {problem}")


class Node(dict[str, Any]):
    """A YAML mapping that knows its file and the line of each key."""

    path: Path
    line: int
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)

    def fail(self, key: str, problem: str) -> KnowledgeError:
        return KnowledgeError(self.path, self.line_of(key), key, problem)

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, (str, int, float)) or not str(value).strip():
            raise self.fail(key, "a non-empty text is required")
        return self._bounded(key, str(value).strip())

    def _bounded(self, key: str, text: str) -> str:
        if len(text) > MAX_FIELD_CHARS:
            raise self.fail(key, f"longer than {MAX_FIELD_CHARS} characters ({len(text)})")
        return text

    def number(self, key: str) -> float:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(key, "a number is required")
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf
        if not math.isfinite(number):  # .nan, .inf: a number, but no coordinate or count
            raise self.fail(key, "a finite number is required")
        return number

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false is required")
        return value

    def date(self, key: str) -> dt.date:
        value = self.get(key)
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(key, "a date YYYY-MM-DD is required") from None

    def strings(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        value = self.get(key)
        if value is None and not required:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or (required and not value):
            raise self.fail(key, "a list of texts is required")
        if len(value) > MAX_LIST_ITEMS:
            raise self.fail(key, f"more than {MAX_LIST_ITEMS} entries ({len(value)})")
        return tuple(self._bounded(key, str(v).strip()) for v in value if str(v).strip())

    def node(self, key: str) -> Node:
        value = self.get(key)
        if not isinstance(value, Node):
            raise self.fail(key, "a mapping is required")
        return value

    def nodes(self, key: str) -> list[Node]:
        value = self.get(key)
        if not isinstance(value, list) or not all(isinstance(v, Node) for v in value):
            raise self.fail(key, "a list of mappings is required")
        return value

    def localised(self, key: str, *, required: bool = True) -> dict[str, str]:
        """{de, en, ar} texts, all three non-empty."""
        if key not in self and not required:
            return {}
        value = self.node(key)
        missing = [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]
        if missing:
            raise value.fail(missing[0], f"text in {', '.join(missing)} is missing")
        return {lang: value._bounded(lang, str(value[lang]).strip()) for lang in LANGUAGES}


class _LineLoader(yaml.SafeLoader):
    path: Path = Path("?")


def _construct_node(loader: _LineLoader, yaml_node: yaml.MappingNode) -> Node:
    loader.flatten_mapping(yaml_node)
    result = Node()
    result.path = loader.path
    result.line = yaml_node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in yaml_node.value:
        key = str(loader.construct_object(key_node, deep=True))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_node)
# Dates stay text until a field reads them (`Node.date`), so a wrong one ("2019-13-01") is
# reported with its file, line and field instead of failing inside the YAML parser.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Node:
    """Parse one YAML file whose top level is a mapping."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise KnowledgeError(path, line, "(encoding)", "the file is not UTF-8 text") from None
    try:
        loader = _LineLoader(text)  # checks the characters first
    except yaml.reader.ReaderError as exc:
        raise _unreadable(path, text, exc) from None
    loader.path = path
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        raise KnowledgeError(path, line, "(syntax)", str(exc.problem)) from None
    except yaml.reader.ReaderError as exc:
        raise _unreadable(path, text, exc) from None
    finally:
        loader.dispose()
    if not isinstance(data, Node):
        raise KnowledgeError(path, 1, "(top level)", "a mapping is required")
    return data


def _unreadable(path: Path, text: str, exc: yaml.reader.ReaderError) -> KnowledgeError:
    """A character YAML does not allow (a control character, a stray NUL)."""
    line = text[:exc.position].count("\n") + 1
    return KnowledgeError(path, line, "(syntax)", f"character #x{exc.character:04x} is not "
                          "allowed in YAML")
