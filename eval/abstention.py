"""The abstention trade-off: answerable questions answered vs unanswerable ones refused, threshold by threshold.

`answer()` abstains when the draft's support (`Answer.support`) is below the question language's threshold,
and the draft does not depend on the threshold. So one run tells what any other threshold would have done:
at threshold t a question is answered exactly when its support ≥ t (an empty draft carries support 0).
Sweeping t gives the curve; the point at the thresholds in use is the run's own abstention behaviour. Each
language has its own answerability model and threshold (`rag/answerability.py`), so each is swept around its
own: in use + δ, δ in `OFFSETS`.

Worked example: answerable supports 0.9 and 0.8, unanswerable supports 0.85 and 0.7. At 0.8 both answerable
questions are answered (1.0) and one unanswerable is refused (0.5); at 0.9, 0.5 and 1.0.

>>> pairs = [(0.9, True), (0.8, True), (0.85, False), (0.7, False)]
>>> [(p.threshold, p.answer_rate, p.abstain_rate) for p in curve(pairs, [0.8, 0.9])]
[(0.8, 1.0, 0.5), (0.9, 0.5, 1.0)]

What this leaves out: whether an answer given was right (the answer rate counts every answer; read
citation support beside it), and abstention signals other than the support score. `Answer.support` is
rounded to 4 decimals, so a support within 1e-4 of a threshold may fall on the other side of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eval.runner import Result
from rag.settings import Settings

OFFSETS = tuple(round(-0.30 + 0.01 * i, 3) for i in range(61))  # δ: −0.30 … +0.30 around the threshold in use
SHOWN = tuple(d for d in OFFSETS if round(d * 100) % 5 == 0 and abs(d) <= 0.25)  # rows printed: −0.25 … +0.25


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    answer_rate: float | None  # answerable questions with support ≥ threshold (None: no answerable questions)
    abstain_rate: float | None  # unanswerable questions with support < threshold (None: none of them)

    @property
    def balanced(self) -> float | None:
        """Mean of the two rates (balanced accuracy), when both are measured."""
        if self.answer_rate is None or self.abstain_rate is None:
            return None
        return (self.answer_rate + self.abstain_rate) / 2


def curve(pairs: Sequence[tuple[float, bool]], thresholds: Sequence[float]) -> list[CurvePoint]:
    """One point per threshold from (support, answerable) pairs."""
    pos = [s for s, answerable in pairs if answerable]
    neg = [s for s, answerable in pairs if not answerable]
    return [CurvePoint(t, sum(s >= t for s in pos) / len(pos) if pos else None,
                       sum(s < t for s in neg) / len(neg) if neg else None) for t in thresholds]


def thresholds_in_use(settings: Settings) -> dict[str, float]:
    """The support threshold per question language that `KnowledgeBase.ask` applies under `settings`."""
    return settings.min_support_by_language()


Curves = dict[str, dict[str, list[CurvePoint]]]  # configuration → question language → points


def curves(results: Sequence[Result], in_use: Mapping[str, float],
           offsets: Sequence[float] = OFFSETS) -> tuple[Curves, Curves]:
    """(the sweep: one point per offset from the language's threshold in use, the single point at that
    threshold) per configuration and question language."""
    sweep: Curves = {}
    current: Curves = {}
    for r in results:
        sweep.setdefault(r.config, {}).setdefault(r.question.lang, [])
    for config, langs in sweep.items():
        for lang in langs:
            pairs = [(r.answer.support, r.question.answerable) for r in results
                     if r.config == config and r.question.lang == lang]
            base = in_use.get(lang, 0.0)
            langs[lang] = curve(pairs, [round(base + d, 4) for d in offsets])
            if lang in in_use:
                current.setdefault(config, {})[lang] = curve(pairs, [in_use[lang]])
    return sweep, current


def as_json(sweep: Curves, current: Curves) -> dict[str, Any]:
    return {"sweep": {c: {lang: [asdict(p) for p in ps] for lang, ps in langs.items()} for c, langs in sweep.items()},
            "in_use": {c: {lang: asdict(ps[0]) for lang, ps in langs.items()} for c, langs in current.items()}}


def markdown(sweep: Curves, shown: Sequence[float] = SHOWN) -> list[str]:
    """A table per configuration: one row per shown offset δ from the thresholds in use, answer / abstain rate
    per language side by side (each language at its own threshold + δ)."""
    lines = []
    for config, langs in sweep.items():
        names = sorted(langs)
        lines += [f"**{config}** (answer rate on answerable · abstain rate on unanswerable)", "",
                  "| threshold | " + " | ".join(f"{lang} answered | {lang} abstained" for lang in names) + " |",
                  "|---|" + "---|---|" * len(names)]
        for d in shown:
            points = [langs[lang][OFFSETS.index(d)] for lang in names]
            label = "in use" if d == 0 else f"in use {d:+.2f}"
            lines.append(f"| {label} ({', '.join(f'{n} {p.threshold:.3f}' for n, p in zip(names, points))}) | "
                         + " | ".join(_rates(p) for p in points) + " |")
        lines.append("")
    return lines


def _rates(p: CurvePoint) -> str:
    return " | ".join("—" if v is None else f"{v:.3f}" for v in (p.answer_rate, p.abstain_rate))


def plot(sweep: Curves, current: Curves, path: Path) -> None:
    """Answer rate (x) against abstain rate (y) along the sweep, one line per configuration and language;
    the thresholds in use marked with a star."""
    from eval.report import pyplot

    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 5))
    for config, langs in sweep.items():
        for lang, points in sorted(langs.items()):
            kept = [p for p in points if p.answer_rate is not None and p.abstain_rate is not None]
            line, = ax.plot([p.answer_rate for p in kept], [p.abstain_rate for p in kept], marker=".",
                            label=f"{config} · {lang}")
            for p in kept:
                if p in (points[0], points[-1]):
                    ax.annotate(f"{p.threshold:.3f}", (p.answer_rate, p.abstain_rate), fontsize=7)
            point = current.get(config, {}).get(lang, [None])[0]
            if point and point.answer_rate is not None and point.abstain_rate is not None:
                ax.plot([point.answer_rate], [point.abstain_rate], marker="*", markersize=12, color=line.get_color())
    ax.set(xlabel="answerable questions answered", ylabel="unanswerable questions refused", xlim=(0, 1.02),
           ylim=(0, 1.02), title="Abstention by support threshold (★ in use)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
