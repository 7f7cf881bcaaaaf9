"""Round-trip editing of the knowledge's YAML: change one value, keep every other byte
(comments, quotes, order). ruamel.yaml with the layout of `knowledge/` — the whole folder
round-trips unchanged (tests/curation/test_round_trip.py)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

Path_ = tuple[str, ...]  # a field inside a record: ("answer", "ar")


def _null(representer: RoundTripRepresenter, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def _yaml() -> YAML:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long answer onto several lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(type(None), _null)
    return yaml


def load(text: str) -> Any:
    return _yaml().load(text)


def dump(document: Any) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def plain(value: Any) -> Any:
    """A ruamel value as plain JSON-able data (for the audit log and the forms)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [plain(v) for v in value]
    if isinstance(value, ScalarString):
        return str(value)
    return value


def styled(value: Any, like: Any = None) -> Any:
    """A new value in the file's style: strings double-quoted (as the knowledge writes
    them), lists and mappings as ruamel containers."""
    if isinstance(value, str):
        return type(like)(value) if isinstance(like, ScalarString) else \
            DoubleQuotedScalarString(value)
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for key, item in value.items():
            mapping[key] = styled(item)
        return mapping
    if isinstance(value, list | tuple):
        seq = CommentedSeq(styled(v) for v in value)
        if all(not isinstance(v, Mapping) for v in value):
            seq.fa.set_flow_style()  # short lists stay on one line: ["a", "b"]
        return seq
    return value


MISSING = object()


def get(record: Any, field: Path_) -> Any:
    node = record
    for part in field:
        if not isinstance(node, Mapping) or part not in node:
            return MISSING
        node = node[part]
    return node


def put(record: Any, field: Path_, value: Any) -> None:
    """Set `record[a][b]… = value`, creating mappings on the way; MISSING deletes."""
    node = record
    for part in field[:-1]:
        if part not in node or not isinstance(node[part], Mapping):
            if value is MISSING:
                return
            node[part] = CommentedMap()
        node = node[part]
    last = field[-1]
    if value is MISSING:
        node.pop(last, None)
    elif last in node and isinstance(value, str | list | tuple) and \
            not isinstance(node[last], Mapping):
        old = node[last]
        node[last] = styled(value, old)
        if isinstance(old, CommentedSeq) and old.fa.flow_style():
            node[last].fa.set_flow_style()
        elif isinstance(old, CommentedSeq):
            node[last].fa.set_block_style()
    else:
        node[last] = styled(value)
