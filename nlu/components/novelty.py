"""Honest fallback: a message unlike anything Lotse was trained on is not answered.

DIET's softmax is over-confident on gibberish ("blub blub" -> residence 0.94). This
classifier compares the message's dense sentence embedding with the embeddings of all
training examples; when the most similar one is below `threshold`, it predicts
`nlu_fallback` (the dialogue then clarifies instead of answering). Its output `novelty`
carries the similarity and the nearest example's intent, for the app and the evaluation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VECTORS_FILE = "vectors.npz"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class NoveltyFallbackClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "featurizer": "sentence_encoder",  # alias of the dense featurizer to compare
            "threshold": 0.5,  # cosine similarity to the nearest training example
            "neighbours": 1,  # similarity = mean over the k most similar examples
        }

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, vectors: np.ndarray | None = None,
                 intents: list[str] | None = None) -> None:
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._vectors = vectors if vectors is not None else np.zeros((0, 1), np.float32)
        self._intents = intents or []

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> NoveltyFallbackClassifier:
        return cls(config, model_storage, resource)

    def _sentence_vector(self, message: Message) -> np.ndarray | None:
        _sequence, sentence = message.get_dense_features(TEXT, [self._config["featurizer"]])
        if sentence is None:
            return None
        vector = np.asarray(sentence.features, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(vector))
        return vector / norm if norm > 0 else vector

    def train(self, training_data: TrainingData) -> Resource:
        rows, intents = [], []
        for message in training_data.intent_examples:
            vector = self._sentence_vector(message)
            if vector is not None:
                rows.append(vector)
                intents.append(str(message.get(INTENT)))
        if not rows:
            raise ValueError(f"{type(self).__name__}: no dense features named "
                             f"{self._config['featurizer']!r} in the training data")
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / VECTORS_FILE, vectors=np.stack(rows),
                     intents=np.array(intents))
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> NoveltyFallbackClassifier:
        with model_storage.read_from(resource) as directory, \
                np.load(directory / VECTORS_FILE, allow_pickle=False) as stored:
            vectors, intents = stored["vectors"], stored["intents"].tolist()
        return cls(config, model_storage, resource, vectors, intents)

    def similarity(self, vector: np.ndarray) -> tuple[float, str]:
        """Mean cosine similarity of the k nearest training examples, and the nearest's intent."""
        scores = self._vectors @ vector
        k = max(1, min(int(self._config["neighbours"]), len(scores)))
        nearest = np.argpartition(-scores, k - 1)[:k]
        best = int(nearest[np.argmax(scores[nearest])])
        return float(np.mean(scores[nearest])), self._intents[best]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            vector = self._sentence_vector(message)
            if vector is None or not len(self._intents):
                continue
            score, nearest = self.similarity(vector)
            novel = score < float(self._config["threshold"])
            message.set("novelty", {"similarity": round(score, 4), "nearest": nearest,
                                    "novel": novel}, add_to_output=True)
            if novel:
                fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": 1 - score}
                message.set(INTENT, fallback, add_to_output=True)
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages
