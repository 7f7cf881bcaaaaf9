"""Prepare and train the Rasa NLU model: gazetteer, domain, fingerprint, `rasa train nlu`.

Training runs only when the inputs changed: the model file name carries a fingerprint of
config, NLU data, domain, gazetteer patterns, the custom components' code and the Rasa lock
file. The gazetteer is stored inside the model, so a model never runs with another one.
Old model archives are pruned (the newest few are kept).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

from bot.kb.gazetteer import gazetteer_patterns
from bot.kb.model import Knowledge
from bot.settings import PROJECT_ROOT

RASA_VENV = PROJECT_ROOT / ".venvs" / "rasa"
BUILD = PROJECT_ROOT / "build"
PATTERNS = BUILD / "gazetteer_patterns.jsonl"  # the path config.yml's gazetteer reads
COMPONENTS = PROJECT_ROOT / "nlu" / "components"
KEEP_MODELS = 3
SERVING_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_INTRA_OP_PARALLELISM_THREADS",
                   "TF_INTER_OP_PARALLELISM_THREADS")
ENTITIES = ("district", "postcode", "city", "office")
Progress = Callable[[str], None]


def rasa_env(serving: bool = False) -> dict[str, str]:
    """The Rasa processes' environment. A serving process parses one message at a time: one
    BLAS/OpenMP/TensorFlow thread each (measured: half the CPU per parse, same latency, as
    idle threads no longer spin); variables already set win."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
           "PYTHONPATH": str(PROJECT_ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    if serving:
        for name in SERVING_THREADS:
            env.setdefault(name, "1")
    return env


def nlu_files(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob("*.yml"))


def intents_in(files: Iterable[Path]) -> list[str]:
    names: set[str] = set()
    for path in files:
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block:
                names.add(str(block["intent"]))
    return sorted(names)


def domain_for(intents: list[str]) -> dict[str, object]:
    """Top-level intents, entities, and one response per retrieval intent (`topic/faq_key`).
    The response is the FAQ's key, not its answer: the app answers from the live knowledge,
    and an edited answer must not change the model's fingerprint (no retraining)."""
    top_level = sorted({name.split("/")[0] for name in intents})
    responses = {f"utter_{name}": [{"text": name}] for name in intents if "/" in name}
    return {"version": "3.1", "intents": top_level, "entities": list(ENTITIES),
            "responses": responses}


def fingerprint(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def prepare(knowledge: Knowledge, data_dir: Path, build: Path = BUILD) -> tuple[Path, Path]:
    """Write the gazetteer patterns + spaCy pipeline and the domain. Returns (domain, patterns)."""
    build.mkdir(parents=True, exist_ok=True)
    patterns = build / PATTERNS.name
    lines = [json.dumps({"label": p.label, "pattern": p.name, "id": p.ref}, ensure_ascii=False)
             for p in gazetteer_patterns(knowledge)]
    _write_if_changed(patterns, "\n".join(lines) + "\n")
    domain = build / "domain.yml"
    _write_if_changed(domain, yaml.safe_dump(domain_for(intents_in(nlu_files(data_dir))),
                                             allow_unicode=True, sort_keys=True))
    return domain, patterns


def model_name(config: Path, domain: Path, patterns: Path, data_dir: Path,
               name_prefix: str = "nlu") -> str:
    """The model's name: the prefix and the fingerprint of every input of its training."""
    inputs = [config, domain, patterns, PROJECT_ROOT / "requirements" / "rasa.lock",
              PROJECT_ROOT / "bot" / "core" / "names.py", *sorted(COMPONENTS.glob("*.py")),
              *nlu_files(data_dir)]
    return f"{name_prefix}-{fingerprint(inputs)}"


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def ensure_model(knowledge: Knowledge, *, config: Path, data_dir: Path, models_dir: Path,
                 progress: Progress = print, name_prefix: str = "nlu") -> Path:
    """Train unless a model for exactly these inputs exists; returns the model archive."""
    domain, patterns = prepare(knowledge, data_dir)
    name = model_name(config, domain, patterns, data_dir, name_prefix)
    model = models_dir / f"{name}.tar.gz"
    if model.exists():
        progress(f"NLU model is up to date: {model.name}")
        return model
    progress(f"training the NLU model ({len(nlu_files(data_dir))} data files) -> {model.name}")
    log_path = models_dir / f"{name}.train.log"
    models_dir.mkdir(parents=True, exist_ok=True)
    command = [str(RASA_VENV / "bin" / "rasa"), "train", "nlu", "--config", str(config),
               "--nlu", str(data_dir), "--domain", str(domain), "--out", str(models_dir),
               "--fixed-model-name", name]
    started = time.monotonic()
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=rasa_env(), stdout=log,
                                   stderr=subprocess.STDOUT)
        _report_progress(process, log_path, progress)
    if process.returncode != 0 or not model.exists():
        raise RuntimeError(f"rasa train nlu failed (exit {process.returncode}); see {log_path}")
    progress(f"trained {model.name} in {time.monotonic() - started:.0f} s")
    for old in prune_models(models_dir, name_prefix, keep=KEEP_MODELS):
        progress(f"removed the old model {old.name}")
    return model


def prune_models(models_dir: Path, name_prefix: str, keep: int) -> list[Path]:
    """Delete all but the `keep` newest archives (and their logs) of this prefix."""
    archives = sorted(models_dir.glob(f"{name_prefix}-*.tar.gz"),
                      key=lambda p: p.stat().st_mtime, reverse=True)
    for old in archives[keep:]:
        old.unlink(missing_ok=True)
        old.with_name(old.name.removesuffix(".tar.gz") + ".train.log").unlink(missing_ok=True)
    return archives[keep:]


def _report_progress(process: subprocess.Popen[bytes], log_path: Path, progress: Progress) -> None:
    """Print which component is training while `rasa train` runs."""
    seen: set[str] = set()
    while process.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        for line in log_path.read_text(errors="replace").splitlines():
            if "Starting to train component" in line and line not in seen:
                seen.add(line)
                progress("  " + line.split(" - ", 1)[-1].strip())
