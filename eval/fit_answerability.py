"""Fit the answerability model (`rag/answerability.py`) on held-out splits of third-party data.

    python eval/fit_answerability.py [--index-dir D] [--out rag/data/answerability.json]

Training data: ARCD-train (Arabic questions; `eval.datasets.arcd_held_out_split`: every other article's
paragraphs left out, their questions must abstain) and xquad-ar-en-dev (English and Arabic twins;
`held_out_split`: the odd-numbered articles left out). Every question is asked through the product's own
`KnowledgeBase.ask` (hybrid retrieval, extractive draft); only the signals of its draft and whether the
archive holds its answer are kept. One logistic regression per question language (L2, standardised
signals); the default threshold is the highest probability at which each training set answers 0.90 of its
answerable questions. Check it on data it never saw: `rag eval --dataset arcd --only held-out` (ARCD-test).

What this leaves out: the seed questions (a smoke test only), and any per-collection threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

for _name, _value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
                      "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False"}.items():
    os.environ.setdefault(_name, _value)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eval.datasets import arcd, arcd_held_out_split, held_out_split, write_jsonl, xquad_dev  # noqa: E402
from rag.answerability import MODEL_FILE  # noqa: E402

FEATURES = {"ar": ("cosine", "level", "lexical", "lexical_sentence", "passage"),
            "en": ("cosine", "level", "names", "passage")}
ANSWERED = 0.90  # the default threshold answers this share of the training set's answerable questions
Row = tuple[str, str, bool, dict[str, float]]  # (dataset, language, answerable, signals)


def collect(name: str, records: list[dict], questions: Sequence, index_dir: Path) -> list[Row]:
    """Each question's draft signals over an index of `records` (built once in `index_dir`)."""
    from rag.kb import KnowledgeBase
    from rag.settings import Settings

    kb = KnowledgeBase(Settings(index_dir=index_dir, collection="fit", chroma_url=None, generator="extractive",
                                retrieval_mode="hybrid"))
    if not kb.docs():
        kb.ingest([write_jsonl(records, index_dir / "passages.jsonl")])
    rows = []
    for i, q in enumerate(questions, 1):
        ans = kb.ask(q.question)
        if ans.signals:
            rows.append((name, q.lang, q.answerable, ans.signals))
        if i % 100 == 0:
            print(f"{name}: {i}/{len(questions)}", file=sys.stderr, flush=True)
    kb.close()
    return rows


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, weights, bias) of an L2-regularised logistic regression on standardised `x`."""
    from scipy.optimize import minimize

    mean, scale = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / scale

    def loss(w: np.ndarray) -> float:
        p = 1 / (1 + np.exp(-(z @ w[1:] + w[0])))
        return float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)) + l2 * np.sum(w[1:] ** 2))

    w = minimize(loss, np.zeros(x.shape[1] + 1), method="L-BFGS-B").x
    return mean, scale, w[1:], float(w[0])


def predict(x: np.ndarray, mean: np.ndarray, scale: np.ndarray, weights: np.ndarray, bias: float) -> np.ndarray:
    """The fitted model's probabilities for rows `x` (what `LanguageModel.probability` computes one at a time)."""
    return 1 / (1 + np.exp(-(((x - mean) / scale) @ weights + bias)))


def out_of_fold(x: np.ndarray, y: np.ndarray, folds: int = 5) -> np.ndarray:
    """Each row's probability from a model fitted without its fold (random folds, seed 0): how the signals
    do on questions the weights never saw, for choosing signals without flattering them."""
    fold = np.random.default_rng(0).integers(0, folds, len(y))
    prob = np.zeros(len(y))
    for k in range(folds):
        prob[fold == k] = predict(x[fold == k], *fit(x[fold != k], y[fold != k].astype(float)))
    return prob


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Probability that an answerable question scores above an unanswerable one (ties count half)."""
    pos, neg = scores[positive], scores[~positive]
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index-dir", type=Path, default=Path("/tmp/rag-fit-answerability"),
                   help="where the two held-out indexes are built (and reused on the next run)")
    p.add_argument("--out", type=Path, default=MODEL_FILE)
    p.add_argument("--rows", type=Path, help="also write every question's signals here (JSON lines)")
    args = p.parse_args(argv)
    arcd_records, arcd_questions = arcd_held_out_split(*arcd("train"))
    xquad_records, xquad_questions = held_out_split(*xquad_dev())
    rows = (collect("arcd-train", arcd_records, arcd_questions, args.index_dir / "arcd-train")
            + collect("xquad-dev", xquad_records, xquad_questions, args.index_dir / "xquad-dev"))
    if args.rows:
        args.rows.write_text("".join(json.dumps(dict(zip(("data", "language", "answerable", "signals"), r)),
                                                ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    languages, report = {}, []
    for lang, features in FEATURES.items():
        chosen = [r for r in rows if r[1] == lang]
        x = np.array([[r[3][f] for f in features] for r in chosen])
        y = np.array([r[2] for r in chosen])
        names = np.array([r[0] for r in chosen])
        mean, scale, weights, bias = fit(x, y.astype(float))
        prob = predict(x, mean, scale, weights, bias)
        held = out_of_fold(x, y)
        # the highest threshold at which every training set answers ANSWERED of its answerable questions
        threshold = min(float(np.quantile(prob[y & (names == name)], 1 - ANSWERED)) for name in set(names))
        languages[lang] = {"features": list(features), "mean": mean.round(6).tolist(),
                           "scale": scale.round(6).tolist(), "weights": weights.round(6).tolist(),
                           "bias": round(bias, 6), "threshold": round(threshold, 4)}
        for name in sorted({r[0] for r in chosen}):
            mask = np.array([r[0] == name for r in chosen])
            cosine = x[mask][:, 0]
            report.append({"data": name, "language": lang, "questions": int(mask.sum()),
                           "auc_cosine": round(auc(cosine, y[mask]), 4),
                           "auc_model": round(auc(prob[mask], y[mask]), 4),
                           "answered": round(float((prob[mask][y[mask]] >= threshold).mean()), 4),
                           "refused": round(float((prob[mask][~y[mask]] < threshold).mean()), 4),
                           "cv_auc": round(auc(held[mask], y[mask]), 4),
                           "cv_refused_at_0.90": round(float((held[mask][~y[mask]] < np.quantile(
                               held[mask][y[mask]], 1 - ANSWERED)).mean()), 4)})
    model = {"fitted": time.strftime("%Y-%m-%d"), "command": "python eval/fit_answerability.py",
             "data": "held-out splits of ARCD-train (Mozannar et al. 2019, MIT) and xquad-ar-en-dev (Artetxe et al. "
                     "2020, CC BY-SA 4.0)", "training_figures": report, "languages": languages}
    args.out.write_text(json.dumps(model, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for r in report:
        print(f"{r['data']:11s} {r['language']}  n={r['questions']:4d}  AUC cosine {r['auc_cosine']:.3f} → model "
              f"{r['auc_model']:.3f}  at the threshold: answered {r['answered']:.3f}, refused {r['refused']:.3f}  "
              f"(5-fold: AUC {r['cv_auc']:.3f}, refused {r['cv_refused_at_0.90']:.3f} at 0.90 answered)")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
