"""The knowledge loader (bot/kb/loader.py, bot/kb/source.py) on arbitrarily damaged files.

A copy of knowledge/ (shortened to the first FAQ of each topic and the sources those records
cite, so one load takes a fraction of a second; still a valid knowledge folder) gets one
file damaged — a key deleted or renamed, a value of the wrong type, NaN or infinite numbers,
huge or odd strings, broken YAML, bytes that are not UTF-8, a broken CSV row — and then the
knowledge either loads or raises `KnowledgeError` naming a file of the folder and a line in
it. Never another exception: a broken file must be reported, not crash the app or `check`.
(The damaged file is restored after each example.)"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.kb.loader import load_knowledge
from bot.kb.model import Knowledge
from bot.kb.source import KnowledgeError
from bot.settings import PROJECT_ROOT
from tests.property.strategies import examples, json_scalar, json_value

FILES_READ = ("sources.yml", "common/emergency.yml", "common/faq/residence.yml",
              "common/faq/benefits.yml", "duesseldorf/city.yml", "duesseldorf/offices.yml",
              "duesseldorf/welcome_points.yml", "duesseldorf/districts.yml",
              "leipzig/city.yml", "leipzig/districts.yml", "leipzig/postcodes.csv",
              "duesseldorf/postcodes.csv")


def _cited(value: Any) -> set[str]:
    if isinstance(value, list):
        return set().union(*(_cited(v) for v in value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found = set().union(*(_cited(v) for v in value.values())) if value else set()
    source = value.get("source")
    found |= {source} if isinstance(source, str) else set(source or []) if isinstance(
        source, list) else set()
    return found


def _dump(path: Path, data: Any) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def shortened_copy(target: Path) -> Path:
    shutil.copytree(PROJECT_ROOT / "knowledge", target)
    for path in sorted((target / "common" / "faq").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["faqs"] = data["faqs"][:1]
        _dump(path, data)
    cited: set[str] = set()
    for path in sorted(target.rglob("*.yml")):
        if path.name != "sources.yml":
            cited |= _cited(yaml.safe_load(path.read_text(encoding="utf-8")))
    sources = yaml.safe_load((target / "sources.yml").read_text(encoding="utf-8"))
    sources["sources"] = [s for s in sources["sources"] if s["ref"] in cited]
    publishers = {s["publisher"] for s in sources["sources"]}
    sources["publishers"] = {k: v for k, v in sources["publishers"].items() if k in publishers}
    _dump(target / "sources.yml", sources)
    return target


@pytest.fixture(scope="module")
def pristine() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="lotse-knowledge-") as folder:
        root = shortened_copy(Path(folder) / "knowledge")
        assert isinstance(load_knowledge(root), Knowledge)  # valid before any damage
        yield root


# --- damage ------------------------------------------------------------------------------------

wrong_values = st.one_of(
    json_value, st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -(2 ** 70), True, "",
                                 " ", "x" * 100_000, "\u202e" * 100, "\u0301" * 10_000,
                                 "2019-13-01", "seed:999", [], {}, [None], {"de": None}]))


def _paths(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a YAML tree: (key or index, ...)."""
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*here, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*here, index))
    return found


def _damage_tree(data: Any, draw: st.DrawFn) -> Any:
    places = [p for p in _paths(data) if p]
    where = draw(st.sampled_from(places))
    parent = data
    for step in where[:-1]:
        parent = parent[step]
    last = where[-1]
    how = draw(st.sampled_from(["delete", "wrong", "wrong", "rename", "duplicate"]))
    if how == "delete":
        del parent[last]
    elif how == "wrong":
        parent[last] = draw(wrong_values)
    elif how == "rename" and isinstance(parent, dict):
        parent[draw(json_scalar.filter(lambda k: k is not None and not isinstance(k, float)))
               if draw(st.booleans()) else f"{last}_"] = parent.pop(last)
    elif isinstance(parent, list):
        parent.append(parent[last])
    return data


def _printable(value: Any) -> bool:
    """Whether safe_dump can write it as UTF-8 (lone surrogates cannot be)."""
    try:
        yaml.safe_dump(value, allow_unicode=True).encode("utf-8")
    except (UnicodeEncodeError, yaml.YAMLError):
        return False
    return True


ODD_INSERTS = ("\t", ":", "- ", "{", "[", "&a", "*a", "!!python/object:os.system ''",
               "? ", "\x07", "\x00", "\ufeff", "'", '"', "|", ">", "%YAML 1.1\n", "---\n",
               "...\n", "\u2028", "<<: *a\n", ",", '"x,y\n', "\n\n", "04109,1,2,\n")


def _damage_text(text: str, draw: st.DrawFn) -> bytes:
    lines = text.splitlines(keepends=True)
    how = draw(st.sampled_from(["drop_line", "copy_line", "insert", "truncate", "indent",
                                "bad_utf8"]))
    index = draw(st.integers(0, max(len(lines) - 1, 0)))
    if how == "drop_line" and lines:
        del lines[index]
    elif how == "copy_line" and lines:
        lines.insert(index, lines[index])
    elif how == "indent" and lines:
        lines[index] = draw(st.sampled_from([" ", "\t", "    "])) + lines[index]
    elif how == "truncate":
        return text[:draw(st.integers(0, len(text)))].encode("utf-8")
    elif how == "bad_utf8":
        data = text.encode("utf-8")
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80"])) + data[at:]
    else:
        line = lines[index] if lines else ""
        at = draw(st.integers(0, len(line)))
        lines[index:index + 1] = [line[:at] + draw(st.sampled_from(ODD_INSERTS)) + line[at:]]
    return "".join(lines).encode("utf-8")


def _damage_csv(text: str, draw: st.DrawFn) -> bytes:
    lines = text.splitlines()
    data = [i for i, line in enumerate(lines) if line and not line.startswith("#")]
    index = draw(st.sampled_from(data))
    cells = lines[index].split(",")
    how = draw(st.sampled_from(["cell", "drop_cell", "add_cell", "header"]))
    cell = draw(st.integers(0, len(cells) - 1))
    if how == "cell":
        cells[cell] = draw(st.sampled_from(["", "x", "nan", "inf", "-1e999", "9" * 400, "0|a",
                                            "1||2", "04109", '"', '"a\nb"', "٣", " 1 "]))
    elif how == "drop_cell":
        del cells[cell]
    elif how == "add_cell":
        cells.insert(cell, "extra")
    else:
        index = data[0]
        cells = lines[index].split(",")
        cells[cell] = draw(st.sampled_from(["", "postcode", "lat", "Postcode"]))
    lines[index] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode("utf-8")


@st.composite
def damaged_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(file, its damaged bytes)"""
    name = draw(st.sampled_from(FILES_READ))
    original = PRISTINE_TEXT[name]
    if name.endswith(".csv"):
        return name, (_damage_text(original, draw) if draw(st.booleans())
                      else _damage_csv(original, draw))
    if draw(st.booleans()):
        return name, _damage_text(original, draw)
    tree = _damage_tree(yaml.safe_load(original), draw)
    if not _printable(tree):
        return name, _damage_text(original, draw)
    return name, yaml.safe_dump(tree, allow_unicode=True, sort_keys=False).encode("utf-8")


PRISTINE_TEXT: dict[str, str] = {}


@settings(max_examples=examples(40))
@given(case=damaged_files())
def test_damaged_knowledge_loads_or_names_file_and_line(pristine: Path,
                                                        case: tuple[str, bytes]) -> None:
    name, content = case
    (pristine / name).write_bytes(content)
    try:
        load_knowledge(pristine)
    except KnowledgeError as exc:
        assert exc.path == pristine or pristine in exc.path.parents, exc
        assert isinstance(exc.line, int) and exc.line >= 0
        if exc.path.is_file():
            lines = exc.path.read_bytes().count(b"\n") + 1
            assert exc.line <= lines + 1, (exc, lines)
        assert str(exc).startswith(f"{exc.path}:{exc.line}: field '{exc.field}'")
        assert exc.problem.strip()
        if exc.field in ("(syntax)", "(encoding)", "(top level)"):
            assert exc.path == pristine / name  # the damaged file itself
    finally:  # the next example starts from the valid folder again
        (pristine / name).write_text(PRISTINE_TEXT[name], encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def _pristine_text(pristine: Path) -> None:
    for name in FILES_READ:
        PRISTINE_TEXT[name] = (pristine / name).read_text(encoding="utf-8")
