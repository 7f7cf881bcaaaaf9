"""A real (small) Rasa model trained in the Rasa environment and parsed over HTTP, and
`rasa data validate` on the real training data."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from bot.kb.model import Knowledge
from bot.nlu.process import running_rasa
from bot.nlu.training import RASA_VENV, ensure_model, prepare, rasa_env
from bot.settings import PROJECT_ROOT
from tests.conftest import TEST_TOKEN, free_port

SMALL_INTENTS = ("greet", "goodbye", "housing/", "residence/")


def small_data(target: Path) -> Path:
    """A subset of the real training data: two meta intents and two topics."""
    blocks = []
    for path in sorted((PROJECT_ROOT / "nlu" / "data").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            if str(block["intent"]).startswith(SMALL_INTENTS):
                blocks.append(block)
    target.mkdir()
    (target / "nlu.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": blocks},
                                                   allow_unicode=True), encoding="utf-8")
    return target


def small_config(target: Path) -> Path:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    for component in config["pipeline"]:
        if "epochs" in component:
            component["epochs"] = 15
    target.write_text(yaml.safe_dump(config), encoding="utf-8")
    return target


async def test_small_model_trains_and_parses_over_http(tmp_path: Path,
                                                       knowledge: Knowledge) -> None:
    model = ensure_model(knowledge, config=small_config(tmp_path / "config.yml"),
                         data_dir=small_data(tmp_path / "data"), models_dir=tmp_path / "models",
                         name_prefix="small")
    assert model.exists() and model.parent == tmp_path / "models"
    async with running_rasa(model, free_port(), TEST_TOKEN, tmp_path / "rasa.log") as (client, _):
        parse, raw = await client.parse("hello there")
        assert parse.intent == "greet"
        parse, raw = await client.parse("I need a flat in Eller, 40227")
        assert raw["intent"]["name"] in ("housing", "nlu_fallback")
        entities = {(e.kind, e.value) for e in parse.entities}
        assert ("district", "Eller") in entities and ("postcode", "40227") in entities
        parse, raw = await client.parse("أنا ساكن في بيلك")
        assert ("district", "بيلك") in {(e.kind, e.value) for e in parse.entities}
        assert parse.faq_key is None or parse.faq_key.split("/")[0] in ("housing", "residence")


def test_rasa_data_validate_passes(knowledge: Knowledge) -> None:
    domain, _patterns = prepare(knowledge, PROJECT_ROOT / "nlu" / "data")
    result = subprocess.run(
        [str(RASA_VENV / "bin" / "rasa"), "data", "validate", "--config", "config.yml",
         "--domain", str(domain), "--data", "nlu/data", "--fail-on-warnings"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
