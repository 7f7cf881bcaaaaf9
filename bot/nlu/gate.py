"""The publish gate (pure, no I/O): per language, the intent and FAQ accuracy of the live
and the candidate model on the held-out set; a candidate whose figure drops by more than
the margin (in percentage points) in any language is blocked.

The figures are counted as `./lotse eval` counts them (bot/nlu/evaluate.py): intent = the
top-level intent of every test example, FAQ = the ResponseSelector's key of the examples of
a FAQ (`topic/faq_key`). A harmless change of the training data moved single figures by up
to 4.3 points (ten new registration examples: English FAQ 87.3 → 83.0 %; a new FAQ: at most
1.9), a damaging one (the residence examples relabelled) by 8.6 to 13.7: the default margin,
5 points, lies between.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from bot.nlu.evaluate import LANGUAGES, Outcome

METRICS = ("intent", "faq")


@dataclass(frozen=True)
class Figure:
    correct: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0


Figures = dict[str, dict[str, Figure]]  # language → metric → figure


def figures(outcomes: Iterable[Outcome]) -> Figures:
    """Intent and FAQ accuracy per language (languages other than de/en/ar are left out)."""
    counts = {lang: {metric: [0, 0] for metric in METRICS} for lang in LANGUAGES}
    for outcome in outcomes:
        example = outcome.example
        if example.language not in counts:
            continue
        cells = counts[example.language]
        cells["intent"][0] += outcome.predicted == example.top_level
        cells["intent"][1] += 1
        if "/" in example.intent:
            cells["faq"][0] += outcome.predicted_faq == example.intent
            cells["faq"][1] += 1
    return {lang: {metric: Figure(*cells[metric]) for metric in METRICS}
            for lang, cells in counts.items() if cells["intent"][1]}


def figures_json(data: Figures) -> dict[str, dict[str, list[int]]]:
    return {lang: {metric: [f.correct, f.total] for metric, f in by_metric.items()}
            for lang, by_metric in data.items()}


def figures_from_json(data: Mapping[str, Any]) -> Figures:
    return {str(lang): {str(metric): Figure(int(pair[0]), int(pair[1]))
                        for metric, pair in by_metric.items()}
            for lang, by_metric in data.items()}


@dataclass(frozen=True)
class Line:
    """One language and metric: the live (old) and candidate (new) accuracy in %."""

    language: str
    metric: str
    old: float
    new: float
    dropped: bool  # by more than the margin

    @property
    def delta(self) -> float:
        return round(self.new - self.old, 1)


@dataclass(frozen=True)
class GateReport:
    passed: bool
    margin: float  # percentage points
    lines: tuple[Line, ...]
    reason: str  # a sentence for logs and the JSON; the console renders `lines` itself

    @property
    def drops(self) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.dropped)

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "margin": self.margin, "reason": self.reason,
                "lines": [asdict(line) for line in self.lines]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GateReport:
        lines = tuple(Line(str(d["language"]), str(d["metric"]), float(d["old"]),
                           float(d["new"]), bool(d["dropped"])) for d in data.get("lines", []))
        return cls(bool(data["passed"]), float(data["margin"]), lines, str(data["reason"]))


def judge(live: Figures, candidate: Figures, margin: float) -> GateReport:
    """Passed, unless a language's intent or FAQ accuracy drops by more than `margin`
    points. A language the candidate was not measured in counts as 0 %."""
    lines = []
    for lang in (lang for lang in LANGUAGES if lang in live):
        for metric in METRICS:
            old = live[lang].get(metric)
            if old is None or not old.total:
                continue
            new = candidate.get(lang, {}).get(metric, Figure(0, 0))
            old_pct, new_pct = round(old.percent, 1), round(new.percent, 1)
            lines.append(Line(lang, metric, old_pct, new_pct,
                              new.percent - old.percent < -margin - 1e-9))
    report_lines = tuple(lines)
    drops = [line for line in report_lines if line.dropped]
    if not drops:
        return GateReport(True, margin, report_lines,
                          f"no language dropped by more than {margin:g} points")
    worst = ", ".join(f"{line.language} {line.metric} {line.old:.1f} → {line.new:.1f} % "
                      f"({line.delta:+.1f})" for line in drops)
    return GateReport(False, margin, report_lines,
                      f"dropped by more than {margin:g} points: {worst}")
