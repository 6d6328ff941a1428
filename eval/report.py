"""Write an evaluation: `report.md` (summary, then every question), `metrics.json`, and two PNG plots.

A caller may add sections to report.md (placed before the per-question rows) and entries to metrics.json.
Plots are drawn with matplotlib's Agg backend (no display needed), imported on first use.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval.runner import RETRIEVE_K, STAGES, Result, summarize

COLUMNS = [("hit@1", "hit@1"), ("hit@3", "hit@3"), ("hit@5", "hit@5"), ("hit@10", "hit@10"), ("MRR", "MRR"),
           ("citation_support", "citation support"), ("citation_precision", "citation precision"),
           ("answer_match", "answer match"), ("phrase_f1", "phrase F1"), ("phrase_em", "phrase EM"),
           ("abstention_precision", "abstention P"),
           ("abstention_recall", "abstention R"), ("language_accuracy", "language"),
           ("translations_kept", "translations kept"), ("ok", "all ok"),
           ("total_ms_p50", "total p50 ms"), ("total_ms_p95", "total p95 ms")]


def summaries(results: Sequence[Result]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """(totals per configuration, totals per configuration and question language)."""
    configs = list(dict.fromkeys(r.config for r in results))
    total = {c: summarize([r for r in results if r.config == c]) for c in configs}
    langs = sorted({r.question.lang for r in results if r.question.lang})
    by_lang = {c: {lang: summarize([r for r in results if r.config == c and r.question.lang == lang])
                   for lang in langs} for c in configs} if len(langs) > 1 else {}
    return total, by_lang


def write(results: Sequence[Result], out: Path, meta: Mapping[str, Any], *, sections: Sequence[str] = (),
          extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Write everything into `out`; return the metrics (as in metrics.json).

    `sections`: markdown added to report.md before the per-question rows; `extra`: added to metrics.json.
    """
    out.mkdir(parents=True, exist_ok=True)
    total, by_lang = summaries(results)
    metrics = {"meta": dict(meta), "summary": total, "by_language": by_lang, **(extra or {}),
               "questions": [question_record(r) for r in results]}
    (out / "metrics.json").write_text(json.dumps(_finite(metrics), ensure_ascii=False, indent=2, allow_nan=False),
                                      encoding="utf-8")
    plot_hit_at_k(total, out / "hit_at_k.png")
    plot_latency(results, out / "latency.png")
    (out / "report.md").write_text(markdown(results, total, by_lang, meta, sections), encoding="utf-8")
    return metrics


def question_record(r: Result) -> dict[str, Any]:
    q, a = r.question, r.answer
    return {"config": r.config, "id": q.id, "lang": q.lang, "question": q.question, "answerable": q.answerable,
            "evidence_rank": r.rank, "retrieved_docs": [p.doc_id for p in r.retrieved],
            "abstained": a.abstained, "support": a.support, "signals": a.signals, "answer": a.answer,
            "answer_language": r.answer_language,
            "cited": [{"n": c.n, "doc_id": c.doc_id, "quote": c.quote, "holds_evidence": ok}
                      for c, ok in zip(a.citations, r.cited_ok, strict=True)],
            "citation_supported": r.supported, "citation_precision": r.precision, "answer_match": r.matched,
            "phrase_f1": r.phrase_f1, "phrase_em": r.phrase_em,
            "translations": list(r.translations), "verdict": r.verdict, "reason": r.reason,
            "timings_ms": a.timings_ms}


def markdown(results: Sequence[Result], total: Mapping[str, Any], by_lang: Mapping[str, Mapping[str, Any]],
             meta: Mapping[str, Any], sections: Sequence[str] = ()) -> str:
    lines = ["# Evaluation report", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items()]
    lines += ["", "## Summary", "", table_head(["configuration"] + [label for _, label in COLUMNS])]
    lines += [row([name] + [fmt(m.get(key), key) for key, _ in COLUMNS]) for name, m in total.items()]
    for name, langs in by_lang.items():
        lines += [row([f"{name} · {lang}"] + [fmt(m.get(key), key) for key, _ in COLUMNS])
                  for lang, m in langs.items()]
    lines += ["", "Retrieval (hit@k, MRR): a passage of a gold document holding an evidence string within the top k "
              "(answerable questions). Citation support: a cited passage holds the evidence. Citation precision: "
              "share of all citations whose passage holds it. Answer match: the answer names one of `answer_any`. "
              "Phrase F1 / EM: SQuAD token F1 and exact match of the answer text (abstained: empty) against the "
              "gold answer phrases, where the questions have them (XQuAD: English questions). "
              "Abstention P/R: on saying \"not in the archive\", positive = unanswerable. Language: the answer text "
              "is written in the question's language. Translations kept: share of the local model's translated "
              "sentences that passed their checks. Strings compared after Arabic normalisation.", "",
              "## Latency (ms)", "",
              table_head(["configuration"] + [f"{s} {p}" for s in STAGES for p in ("p50", "p95")])]
    lines += [row([name] + [fmt(m[f"{s}_ms_{p}"], "ms") for s in STAGES for p in ("p50", "p95")])
              for name, m in total.items()]
    lines += ["", "![hit@k per configuration](hit_at_k.png)", "", "![latency per stage](latency.png)", ""]
    lines += [line for section in sections for line in (section.rstrip("\n"), "")]
    for config in total:
        lines += [f"## Questions — {config}", "",
                  table_head(["id", "lang", "question", "retrieved", "cited", "support", "verdict", "why"])]
        lines += [_question_row(r) for r in results if r.config == config]
        lines.append("")
    return "\n".join(lines)


def _question_row(r: Result) -> str:
    q = r.question
    rank = "—" if not q.answerable else (f"evidence @{r.rank}" if r.rank else f"evidence not in top {RETRIEVE_K}")
    top = ", ".join(dict.fromkeys(p.doc_id for p in r.retrieved[:3]))
    cited = "abstained" if r.answer.abstained else ", ".join(
        f"[{c.n}] {c.doc_id}{' ✓' if ok else ''}" for c, ok in zip(r.answer.citations, r.cited_ok, strict=True))
    question = q.question if len(q.question) <= 90 else q.question[:87] + "…"
    return row([q.id, q.lang, question, f"{rank}; top: {top}", cited, f"{r.answer.support:.3f}", r.verdict,
                r.reason])


def plot_hit_at_k(total: Mapping[str, Mapping[str, Any]], path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = [1, 3, 5, 10]
    for name, m in total.items():
        ax.plot(ks, [m[f"hit@{k}"] for k in ks], marker="o", label=name)
    ax.set(xlabel="k (passages retrieved)", ylabel="hit@k", ylim=(0, 1.02), xticks=ks,
           title="Evidence passage within the top k")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency(results: Sequence[Result], path: Path) -> None:
    plt = pyplot()
    configs = list(dict.fromkeys(r.config for r in results))
    fig, axes = plt.subplots(1, len(STAGES), figsize=(4 * len(STAGES), 4), squeeze=False)
    for ax, stage in zip(axes[0], STAGES):
        data = [[r.answer.timings_ms.get(stage, 0.0) for r in results if r.config == c] for c in configs]
        ax.boxplot(data, showfliers=True)
        ax.set_xticks(range(1, len(configs) + 1), configs, rotation=30, ha="right", fontsize=8)
        ax.set(title=stage, ylabel="ms")
        ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def fmt(v: Any, key: str = "") -> str:
    """Shares with 3 decimals, milliseconds with 1, counts as they are."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if "ms" in key:
        return f"{v:.1f}"
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def _cell(v: str) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def table_head(cells: Sequence[str]) -> str:
    return row(cells) + "\n|" + "---|" * len(cells)


def _finite(value: Any) -> Any:
    """NaN (a percentile of nothing) becomes null, so metrics.json is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
