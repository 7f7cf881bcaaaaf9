"""Unit checks of the custom Rasa components, run in the Rasa environment (Python 3.10) by
tests/test_nlu_components.py: `.venvs/rasa/bin/python tests/rasa_components_check.py DIR`.
Prints one JSON object of measurements; the app-side test asserts on them."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.components.gazetteer import GazetteerEntityExtractor
from nlu.components.novelty import NoveltyFallbackClassifier
from nlu.components.sentence_encoder import SentenceEncoderFeaturizer
from nlu.components.tokenizer import NormalisingTokenizer


def context(name: str) -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name=name)


def model_storage(path: Path) -> LocalModelStorage:
    path.mkdir(parents=True, exist_ok=True)
    return LocalModelStorage(path)


def tokenized(*texts: str, intent: str | None = None) -> list[Message]:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={"text": t, **({"intent": intent} if intent else {})}) for t in texts]
    tokenizer.process(messages)
    return messages


def encoder_checks(work: Path) -> dict[str, object]:
    config = {**SentenceEncoderFeaturizer.get_default_config(), "alias": "sentence_encoder",
              "cache_path": str(work / "cache.npz"), "token_features": True}
    featurizer = SentenceEncoderFeaturizer(config, "sentence_encoder")
    pair = tokenized("Wie melde ich meine Wohnung an?", "How do I register my flat?",
                     "كيف أسجل عنوان سكني؟", "Mein Zahn tut weh")
    featurizer.process(pair)
    vectors = [m.get_dense_features("text")[1].features.reshape(-1) for m in pair]
    sequence = pair[0].get_dense_features("text")[0].features
    data = TrainingData(tokenized("hallo", "wo ist das amt", intent="x"))
    featurizer.process_training_data(data)
    first = (work / "cache.npz").stat().st_mtime_ns
    again = SentenceEncoderFeaturizer(config, "sentence_encoder")
    again.process_training_data(TrainingData(tokenized("hallo", "wo ist das amt", intent="x")))
    single = tokenized("Ich brauche einen Termin beim Bürgeramt")
    featurizer.process(single)  # warm
    started = time.process_time()
    for _ in range(20):
        featurizer.process(tokenized("Ich brauche einen Termin beim Bürgeramt"))
    return {
        "norms": [round(float(np.linalg.norm(v)), 3) for v in vectors],
        "same_meaning": [round(float(vectors[0] @ vectors[i]), 3) for i in (1, 2)],
        "other_meaning": round(float(vectors[0] @ vectors[3]), 3),
        "sequence_shape": list(sequence.shape), "tokens": len(pair[0].get("text_tokens")),
        "cache_untouched_on_retrain": (work / "cache.npz").stat().st_mtime_ns == first,
        "cpu_ms_per_parse": round((time.process_time() - started) / 20 * 1000, 2),
        "deterministic": bool(np.allclose(
            vectors[0], _again(featurizer, "Wie melde ich meine Wohnung an?"), atol=1e-5)),
    }


def _again(featurizer: SentenceEncoderFeaturizer, text: str) -> np.ndarray:
    [message] = tokenized(text)
    featurizer.process([message])
    return message.get_dense_features("text")[1].features.reshape(-1)


def gazetteer_checks(work: Path) -> dict[str, object]:
    patterns = work / "patterns.jsonl"
    patterns.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in [
        {"label": "district", "pattern": "Eller", "id": "duesseldorf:eller"},
        {"label": "district", "pattern": "Flingern-Süd", "id": "duesseldorf:flingern-sued"},
        {"label": "postcode", "pattern": "40595", "id": "40595"},
    ]) + "\n", encoding="utf-8")
    storage = model_storage(work / "storage")
    resource = Resource("gazetteer")
    config = {"patterns": str(patterns)}
    GazetteerEntityExtractor.create(config, storage, resource, context("g")).train(TrainingData())
    patterns.unlink()  # the trained component must not need the file any more
    loaded = GazetteerEntityExtractor.load(config, storage, resource, context("g"))
    [message] = tokenized("Ich wohne in Flingern Sued, 40595. Und Eller?")
    loaded.process([message])
    broken = work / "broken.jsonl"
    broken.write_text('{"label": "district", "pattern": "X", "id": "a"}\n{"label": 1}\n')
    try:
        GazetteerEntityExtractor.create({"patterns": str(broken)}, storage, Resource("b"),
                                        context("b")).train(TrainingData())
        error = ""
    except ValueError as exc:
        error = str(exc)
    return {"entities": [[e["entity"], e["value"], e["text"]] for e in message.get("entities")],
            "broken_error": error}


def novelty_checks(work: Path) -> dict[str, object]:
    featurizer = SentenceEncoderFeaturizer(
        {**SentenceEncoderFeaturizer.get_default_config(), "alias": "sentence_encoder"}, "s")
    examples = tokenized("wo kann ich mich anmelden", "ich suche eine wohnung",
                         "where can i register my address", intent="topic")
    featurizer.process(examples)
    storage = model_storage(work / "novelty")
    resource = Resource("novelty")
    config = {**NoveltyFallbackClassifier.get_default_config(), "threshold": 0.45}
    NoveltyFallbackClassifier.create(config, storage, resource, context("n")).train(
        TrainingData(examples))
    loaded = NoveltyFallbackClassifier.load(config, storage, resource, context("n"))
    outcomes = {}
    for text in ("wo melde ich mich an", "zxqv bnmk"):
        [message] = tokenized(text)
        message.set("intent", {"name": "topic", "confidence": 0.99})
        message.set("intent_ranking", [{"name": "topic", "confidence": 0.99}])
        featurizer.process([message])
        loaded.process([message])
        outcomes[text] = [message.get("intent")["name"], message.get("novelty")["similarity"]]
    return outcomes


def tokenizer_checks() -> dict[str, object]:
    tokenizer = NormalisingTokenizer(NormalisingTokenizer.get_default_config())
    [message] = [Message(data={"text": "Düsseldorf, إقامتي قريبًا!"})]
    tokenizer.process([message])
    return {"tokens": [[t.text, t.lemma, t.start] for t in message.get("text_tokens")]}


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    print(json.dumps({"encoder": encoder_checks(folder), "gazetteer": gazetteer_checks(folder),
                      "novelty": novelty_checks(folder), "tokenizer": tokenizer_checks()},
                     ensure_ascii=False))
