"""A real (small) Rasa model trained in the Rasa environment and parsed over HTTP, and
`rasa data validate` on the real training data."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import yaml

from bot.kb.model import Knowledge
from bot.nlu.process import running_rasa
from bot.nlu.training import RASA_VENV, ensure_model, prepare, prune_models, rasa_env
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
    with tarfile.open(model) as archive:  # the gazetteer travels inside the model
        assert any(name.endswith("GazetteerEntityExtractor1/patterns.json")
                   for name in archive.getnames())
    async with running_rasa(model, free_port(), TEST_TOKEN, tmp_path / "rasa.log") as (client, _):
        parse, raw = await client.parse("hello there")
        assert parse.intent == "greet"
        parse, raw = await client.parse("I need a flat in Eller, 40227")
        assert raw["intent"]["name"] in ("housing", "nlu_fallback")
        entities = {(e.kind, e.value) for e in parse.entities}  # the gazetteer inside the model
        assert ("district", "duesseldorf:eller") in entities and ("postcode", "40227") in entities
        parse, raw = await client.parse("أنا ساكن في بيلك، وين المركز؟")
        assert ("district", "duesseldorf:bilk") in {(e.kind, e.value) for e in parse.entities}
        assert 0.0 < (parse.similarity or 0.0) <= 1.0  # the novelty fallback's similarity
        assert parse.faq_key is None or parse.faq_key.split("/")[0] in ("housing", "residence")


def test_rasa_data_validate_passes(knowledge: Knowledge) -> None:
    domain, _patterns = prepare(knowledge, PROJECT_ROOT / "nlu" / "data")
    result = subprocess.run(
        [str(RASA_VENV / "bin" / "rasa"), "data", "validate", "--config", "config.yml",
         "--domain", str(domain), "--data", "nlu/data", "--fail-on-warnings"],
        cwd=PROJECT_ROOT, env=rasa_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_old_model_archives_are_pruned(tmp_path: Path) -> None:
    for age, name in enumerate(["nlu-a", "nlu-b", "nlu-c", "nlu-d", "nlu-e", "small-x"]):
        archive = tmp_path / f"{name}.tar.gz"
        archive.write_bytes(b"x")
        (tmp_path / f"{name}.train.log").write_text("log")
        os.utime(archive, (1_000_000 - age, 1_000_000 - age))  # nlu-a is the newest
    removed = prune_models(tmp_path, "nlu", keep=3)
    assert sorted(p.name for p in removed) == ["nlu-d.tar.gz", "nlu-e.tar.gz"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "nlu-a.tar.gz", "nlu-a.train.log", "nlu-b.tar.gz", "nlu-b.train.log", "nlu-c.tar.gz",
        "nlu-c.train.log", "small-x.tar.gz", "small-x.train.log"]
