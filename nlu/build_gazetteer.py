"""Build the blank spaCy gazetteer pipeline that config.yml's SpacyNLP loads.

Runs in the Rasa environment (spaCy 3.4): reads the patterns that the app exported from
knowledge/ (JSON lines: label, pattern, id) and saves `spacy.blank("xx")` + EntityRuler.
Usage: python nlu/build_gazetteer.py PATTERNS.jsonl OUTPUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import spacy


def build(patterns_path: Path, output: Path) -> int:
    patterns = [json.loads(line) for line in patterns_path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    nlp = spacy.blank("xx")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER",
                                                 "overwrite_ents": True})
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    output.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)
    return len(patterns)


if __name__ == "__main__":
    count = build(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"gazetteer: {count} patterns -> {sys.argv[2]}")
