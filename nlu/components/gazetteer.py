"""Place, city, postcode and office names from knowledge/, found inside the message.

The patterns (label, name, id) are exported by the app from knowledge/ before training
(`bot/nlu/training.py`) and stored inside the trained model, so a model always runs with
the gazetteer it was trained with. Names and message are compared with the one shared
normalisation (`bot.core.names`): case, punctuation, umlauts and ß, Arabic letter variants.
Each entity's `value` is the id of what was named (e.g. `duesseldorf:eller`, `40595`,
`leipzig`); `start`/`end` point at the words in the message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.core.names import NameIndex, NamePattern

PATTERNS_FILE = "patterns.json"


def read_patterns(path: Path) -> list[dict[str, str]]:
    """JSON lines of {"label", "pattern", "id"}; a broken line names file and line."""
    patterns = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            patterns.append({"label": str(item["label"]), "pattern": str(item["pattern"]),
                             "id": str(item["id"])})
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a gazetteer pattern ({exc})") from None
    return patterns


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"patterns": "build/gazetteer_patterns.jsonl"}  # read at training time only

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, patterns: list[dict[str, str]] | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.patterns = patterns or []
        self._index = NameIndex(NamePattern(p["label"], p["pattern"], p["id"])
                                for p in self.patterns)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> GazetteerEntityExtractor:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        patterns = read_patterns(Path(self._config["patterns"]))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / PATTERNS_FILE).write_text(
                json.dumps(patterns, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> GazetteerEntityExtractor:
        with model_storage.read_from(resource) as directory:
            patterns = json.loads((directory / PATTERNS_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, patterns)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = [{"entity": m.label, "value": m.ref, "start": m.start, "end": m.end,
                      "text": text[m.start:m.end]} for m in self._index.find(text)]
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found),
                        add_to_output=True)
        return messages
