"""A training example is a pure text insertion into the NLU data: the new line at the end of
the block of its intent and language, everything else byte for byte as it was; Rasa's
format kept; refusals with a clear reason."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.curation.documents import Tree, read_tree
from bot.curation.examples import (
    OUT_OF_SCOPE_FILE,
    ExampleError,
    add_example,
    blocks,
    intents,
)
from bot.settings import PROJECT_ROOT

DOCS = read_tree(Tree.under(PROJECT_ROOT))
SMALL = """version: "3.1"
# a comment that stays
nlu:
- intent: greet
  metadata:
    language: de
  examples: |
    - hallo
    - guten tag
- intent: greet
  metadata:
    language: en
  examples: |
    - hello

# between the blocks
- intent: residence/permit_extend
  metadata:
    language: de
  examples: |
    - aufenthalt verlängern
"""


def block_of(text: str, intent: str, language: str) -> dict[str, Any]:
    """The parsed Rasa block (yaml) of an intent and language; exactly one."""
    found = [b for b in yaml.safe_load(text)["nlu"]
             if b.get("intent") == intent and b.get("metadata", {}).get("language") == language]
    assert len(found) == 1, found
    return found[0]


def examples_in(block: dict[str, Any]) -> list[str]:
    """As Rasa reads a literal block: lines starting with "-", the rest stripped."""
    return [line[1:].strip("\n\r ") for line in block["examples"].splitlines()
            if line.startswith("-")]


def test_appended_at_the_end_of_its_block_rest_byte_identical() -> None:
    path, text = add_example({"nlu/data/meta.yml": SMALL}, "greet", "de", "  servus  ")
    assert path == "nlu/data/meta.yml"
    line = "    - servus\n"
    at = SMALL.index("- intent: greet\n  metadata:\n    language: en")
    assert text == SMALL[:at] + line + SMALL[at:]
    assert examples_in(block_of(text, "greet", "de")) == ["hallo", "guten tag", "servus"]


def test_block_before_a_blank_line_and_comment_and_at_the_end_of_file() -> None:
    docs = {"nlu/data/meta.yml": SMALL, "nlu/data/residence.yml": SMALL}
    _path, text = add_example(docs, "greet", "en", "hi there")
    at = SMALL.index("\n# between the blocks")
    assert text == SMALL[:at] + "    - hi there\n" + SMALL[at:]
    unterminated = SMALL.rstrip("\n")
    path, text = add_example({"nlu/data/residence.yml": unterminated},
                             "residence/permit_extend", "de", "visum verlängern")
    assert path == "nlu/data/residence.yml"
    assert text == unterminated + "\n    - visum verlängern\n"


def test_real_file_changes_by_exactly_one_line() -> None:
    path, text = add_example(DOCS, "residence/permit_extend", "ar", "تمديد الإقامة لو سمحت")
    assert path == "nlu/data/residence.yml"
    old = DOCS[path]
    new_lines, old_lines = text.splitlines(keepends=True), old.splitlines(keepends=True)
    assert len(new_lines) == len(old_lines) + 1
    added = next(i for i, (a, b) in enumerate(zip(new_lines, old_lines, strict=False)) if a != b)
    assert new_lines[added] == "    - تمديد الإقامة لو سمحت\n"
    assert new_lines[:added] + new_lines[added + 1:] == old_lines
    block = block_of(text, "residence/permit_extend", "ar")
    assert examples_in(block)[-1] == "تمديد الإقامة لو سمحت"
    assert set(block) == {"intent", "metadata", "examples"}


def test_new_block_for_a_language_without_one() -> None:
    _path, text = add_example({"nlu/data/meta.yml": SMALL}, "greet", "ar", "مرحبا")
    assert text.startswith(SMALL)
    assert text[len(SMALL):] == ("- intent: greet\n  metadata:\n    language: ar\n"
                                 "  examples: |\n    - مرحبا\n")
    assert examples_in(block_of(text, "greet", "ar")) == ["مرحبا"]


def test_new_faq_goes_to_its_topic_file() -> None:
    docs = {"nlu/data/meta.yml": SMALL, "nlu/data/housing.yml": 'version: "3.1"\nnlu:\n'}
    path, text = add_example(docs, "housing/new_key", "de", "neue frage zur wohnung",
                             known={"housing/new_key", "greet"})
    assert path == "nlu/data/housing.yml"
    assert examples_in(block_of(text, "housing/new_key", "de")) == ["neue frage zur wohnung"]


def test_out_of_scope_goes_to_the_staff_file() -> None:
    weather = "wie wird das wetter übermorgen in lotsenhausen"
    path, text = add_example(DOCS, "out_of_scope", "de", weather)
    assert path == OUT_OF_SCOPE_FILE and OUT_OF_SCOPE_FILE not in DOCS
    assert text.startswith("# ")
    assert examples_in(block_of(text, "out_of_scope", "de")) == [weather]
    docs = {**DOCS, path: text}
    path2, text2 = add_example(docs, "out_of_scope", "de", "wer gewinnt die bundesliga")
    assert path2 == path and text2.startswith(text)
    assert examples_in(block_of(text2, "out_of_scope", "de"))[-1] == "wer gewinnt die bundesliga"
    path3, text3 = add_example(docs, "out_of_scope", "en", "who wins the cup")
    assert path3 == path
    assert examples_in(block_of(text3, "out_of_scope", "en")) == ["who wins the cup"]


def test_negatives_are_never_written() -> None:
    for language in ("de", "en", "ar"):
        path, _text = add_example(DOCS, "out_of_scope", language, "völlig anderes thema xyz")
        assert path != "nlu/data/negatives.yml"


@pytest.mark.parametrize("example", [
    "{dict: 1} geht das?", "[Liste] von Dingen", '"zitat" am anfang', "# keine überschrift",
    "- ein strich", ": doppelpunkt", "key: value mitten drin", "'einfach'", "| pipe", "> quote",
    "&anchor *alias !tag %directive @at `backtick`", "... drei punkte", "--- drei striche",
    "ein # mitten drin", "[PHONE] ruf mich an", "مرحبا [NAME]، كيف حالك؟", "emoji 🙂 ok",
    "tab\tund\nneue zeile\u2028und mehr",
])
def test_yaml_special_characters_round_trip(example: str) -> None:
    path, text = add_example(DOCS, "greet", "de", example)
    expected = " ".join(example.split())
    assert examples_in(block_of(text, "greet", "de"))[-1] == expected
    assert yaml.safe_load(text)["version"] == "3.1"
    assert text.startswith(DOCS[path][:DOCS[path].index("- intent: greet")])


@pytest.mark.parametrize(("intent", "language", "text", "code"), [
    ("greet", "de", "", "empty"),
    ("greet", "de", " \n\t ", "empty"),
    ("greet", "de", "hallo", "duplicate"),
    ("greet", "de", "  Hallo  ", "duplicate"),
    ("no_such_intent", "de", "etwas neues", "unknown_intent"),
    ("greet", "fr", "bonjour", "language"),
    ("greet", "de", "[Ahmad](person) ist hier", "annotation"),
    ("greet", "de", "[NAME][PHONE]", "annotation"),
    ("thanks", "de", "hallo", "conflict"),
])
def test_refused(intent: str, language: str, text: str, code: str) -> None:
    with pytest.raises(ValueError, match=r".") as info:
        add_example(DOCS, intent, language, text)
    assert isinstance(info.value, ExampleError) and info.value.code == code
    assert str(info.value)


def test_known_intents_from_the_caller() -> None:
    with pytest.raises(ExampleError, match="Unknown intent"):
        add_example(DOCS, "greet", "de", "moin zusammen alle", known={"thanks"})
    assert "greet" in intents(DOCS) and "residence/permit_extend" in intents(DOCS)


def test_blocks_of_every_real_file_match_yaml() -> None:
    for path, text in DOCS.items():
        if not path.startswith("nlu/data/"):
            continue
        parsed = yaml.safe_load(text)["nlu"]
        found = blocks(path, text)
        assert [b.intent for b in found] == [b["intent"] for b in parsed if "examples" in b]
        for block, raw in zip(found, [b for b in parsed if "examples" in b], strict=True):
            assert list(block.examples) == examples_in(raw)
