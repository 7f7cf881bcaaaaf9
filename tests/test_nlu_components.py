"""The custom Rasa components (nlu/components/), exercised in the Rasa environment where
they run: the sentence encoder, the gazetteer stored inside the model, the novelty fallback."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from bot.nlu.training import RASA_VENV, rasa_env
from bot.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("components")
    result = subprocess.run(
        [str(RASA_VENV / "bin" / "python"), "tests/rasa_components_check.py", str(work)],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def test_sentence_encoder_gives_normalised_multilingual_sentence_vectors(
        checks: dict[str, Any]) -> None:
    encoder = checks["encoder"]
    assert encoder["norms"] == [1.0, 1.0, 1.0, 1.0]
    # German, English and Arabic questions of the same meaning lie close; another topic not
    assert min(encoder["same_meaning"]) > encoder["other_meaning"] + 0.3
    assert encoder["deterministic"]


def test_sentence_encoder_token_features_and_cache(checks: dict[str, Any]) -> None:
    encoder = checks["encoder"]
    assert encoder["sequence_shape"] == [encoder["tokens"], 512]
    assert encoder["cache_untouched_on_retrain"]  # nothing new to embed: the file stays
    assert encoder["cpu_ms_per_parse"] < 50  # one BLAS thread; figures come from ./lotse bench


def test_gazetteer_is_stored_in_the_model_and_gives_ids(checks: dict[str, Any]) -> None:
    gazetteer = checks["gazetteer"]
    assert gazetteer["entities"] == [
        ["district", "duesseldorf:flingern-sued", "Flingern Sued"], ["postcode", "40595", "40595"],
        ["district", "duesseldorf:eller", "Eller"]]
    assert "broken.jsonl:2: not a gazetteer pattern" in gazetteer["broken_error"]


def test_novelty_fallback(checks: dict[str, Any]) -> None:
    novelty = checks["novelty"]
    assert novelty["wo melde ich mich an"][0] == "topic"
    assert novelty["zxqv bnmk"][0] == "nlu_fallback"
    assert novelty["zxqv bnmk"][1] < novelty["wo melde ich mich an"][1]



def test_tokens_keep_their_text_and_carry_the_normalised_lemma(checks: dict[str, Any]) -> None:
    assert checks["tokenizer"]["tokens"] == [
        ["Düsseldorf", "dusseldorf", 0], ["إقامتي", "اقامتي", 12], ["قريبًا", "قريبا", 19]]
