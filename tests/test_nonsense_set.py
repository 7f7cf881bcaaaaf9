"""The nonsense set (nlu/nonsense.yml): generated, distinct, and never an NLU example."""

from __future__ import annotations

from collections import Counter

import yaml

from bot.core.names import normalise
from bot.nlu.evaluate import load_examples
from bot.nlu.nonsense import OUTPUT, SIZES, generate, is_forbidden_number, render
from bot.settings import PROJECT_ROOT

PAIRS = generate()


def test_file_is_what_the_generator_makes() -> None:
    assert OUTPUT == PROJECT_ROOT / "nlu" / "nonsense.yml"
    assert OUTPUT.read_text(encoding="utf-8") == render(PAIRS), (
        "nlu/nonsense.yml is stale: run `python -m bot.nlu.nonsense`")


def test_generator_is_deterministic() -> None:
    assert generate() == PAIRS
    assert generate(7) == generate(7) != PAIRS


def test_file_has_every_category_and_300_distinct_strings() -> None:
    loaded = yaml.safe_load(OUTPUT.read_text(encoding="utf-8"))["nonsense"]
    assert set(loaded) == set(SIZES)
    texts = [text for category in loaded.values() for text in category]
    assert all(isinstance(text, str) and text.strip() for text in texts)
    assert len(set(texts)) == len(texts) >= 300
    counts = Counter(category for category, _text in PAIRS)
    assert all(counts[category] >= 40 for category in SIZES), counts


def test_numbers_are_no_postcodes_or_emergency_numbers() -> None:
    numbers = [text for category, text in PAIRS if category == "numbers"]
    assert not [text for text in numbers if is_forbidden_number(text)]
    assert is_forbidden_number("40595") and is_forbidden_number("04109")
    assert is_forbidden_number("112") and is_forbidden_number("-110")
    assert not is_forbidden_number("39999") and not is_forbidden_number("1120")


def test_no_nonsense_string_is_an_nlu_example() -> None:
    examples = {normalise(e.text) for folder in ("data", "test")
                for e in load_examples(PROJECT_ROOT / "nlu" / folder)}
    clashes = [text for _category, text in PAIRS if normalise(text) in examples]
    assert clashes == []


def test_negative_training_examples_are_generated_and_never_tested() -> None:
    from bot.nlu.nonsense import NEGATIVES, negatives, render_negatives

    texts = negatives()
    assert NEGATIVES.read_text(encoding="utf-8") == render_negatives(texts), (
        "nlu/data/negatives.yml is stale: run `python -m bot.nlu.nonsense`")
    assert len(set(texts)) == len(texts) >= 100
    assert all(normalise(t) for t in texts)  # every one has words the model can see
    assert not {normalise(t) for t in texts} & {normalise(text) for _c, text in PAIRS}
    assert not any(any(c.isdigit() for c in t) for t in texts)  # no postcode-like numbers
