"""`rag eval --dataset xquad-dev`: English questions over Arabic paragraphs, and "not in the archive" on hard cases.

Data: XQuAD-ar-en dev (Artetxe, Ruder, Yogatama, "On the Cross-lingual Transferability of Monolingual
Representations", ACL 2020; CC BY-SA 4.0), read from `../shared/datasets/xquad-ar-en-dev/` at run time.
Every question is asked twice, in English and as its Arabic twin, in two runs over two throwaway indexes:

1. all 120 paragraphs: every question answerable; retrieval, evidence, answer match and the English
   phrase F1 / EM per question language (the main report);
2. the held-out split (`eval.datasets.held_out_split`): only the even-numbered articles' paragraphs are
   indexed; their questions are answerable, the odd-numbered articles' questions must abstain. Reported:
   abstention precision / recall per language and the curve of answer rate vs abstain rate over support
   thresholds (`eval.abstention`), in a section of the main report, `abstention_curve.png`, and
   `held-out/` (that run's own report, one row per question with its support).

`--only full` or `--only held-out` runs one of the two (a full run is ~5,000 answers with `--compare
dense,hybrid`); `--index-dir D` keeps the two indexes in `D/full` and `D/held-out` for the next run.
What this leaves out: a split the other way round (odd articles indexed) and any fitting of thresholds:
this only measures.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from eval import abstention, report
from eval.command import evaluate_on, gates, out_dir, print_summary
from eval.datasets import XQUAD_DIR, held_out_split, xquad_dev
from eval.runner import Config
from index.errors import InputError
from index.loading import FieldMap
from rag.settings import Settings

NAME = "xquad-dev"
CITATION = ("XQuAD: Artetxe, Ruder, Yogatama, \"On the Cross-lingual Transferability of Monolingual "
            "Representations\", ACL 2020 (CC BY-SA 4.0)")
HELD_OUT_COLUMNS = [("answerable", "answerable"), ("questions", "questions"), ("hit@1", "hit@1"),
                    ("hit@5", "hit@5"), ("citation_support", "citation support"),
                    ("answerable_abstained", "answerable abstained"), ("abstention_precision", "abstention P"),
                    ("abstention_recall", "abstention R")]


def run_xquad(args: argparse.Namespace, settings: Settings, configs: Sequence[Config], embedder: Any) -> int:
    """Both runs, or the one `args.only` names; the held-out run's report goes beside the other's, or is the
    main report when it runs alone."""
    if not XQUAD_DIR.is_dir():
        raise InputError(f"XQuAD-ar-en dev not found at {XQUAD_DIR} (the shared datasets folder beside the project)")
    records, questions = xquad_dev(args.limit)
    out = out_dir(args, f"{NAME}-{args.only}" if args.only else NAME)
    full = held = None
    if args.only != "held-out":
        full = evaluate_on(settings, questions, records, FieldMap(), _sub(args.index_dir, "full"), configs, NAME,
                           embedder)
        embedder = full[2]
    if args.only != "full":
        kept, split_questions = held_out_split(records, questions)
        held = evaluate_on(settings, split_questions, kept, FieldMap(), _sub(args.index_dir, "held-out"), configs,
                           f"{NAME} held-out split", embedder)
    sections: list[str] = []
    extra: dict[str, Any] = {}
    if held:
        sweep, current = abstention.curves(held[0], abstention.thresholds_in_use(settings))
        total, by_lang = report.summaries(held[0])
        sections = ["\n".join(held_out_section(by_lang, sweep, current, held[1], beside=full is not None))]
        extra = {"held_out": {"meta": held[1], "summary": total, "by_language": by_lang,
                              "curve": abstention.as_json(sweep, current)}}
        if full:
            report.write(held[0], out / "held-out", {**held[1], "data": CITATION})
    main, meta, _ = full or held or ((), {}, None)  # --only names one part, so one of them ran
    metrics = report.write(main, out, {**meta, "data": CITATION}, sections=sections, extra=extra)
    print_summary(metrics["summary"], metrics["by_language"])
    gated = metrics["summary"]
    if held:
        abstention.plot(sweep, current, out / "abstention_curve.png")
        if full:
            print("\nheld-out split (odd-numbered articles not indexed; their questions should abstain):")
            print_summary(total, by_lang)
            gated = {c: {**m, "abstention_precision": total[c]["abstention_precision"],
                         "abstention_recall": total[c]["abstention_recall"]} for c, m in gated.items()}
        print("\n" + "\n".join(abstention.markdown(sweep)))
    print(f"report: {out / 'report.md'}")
    return gates(args, gated)


def held_out_section(by_lang: Mapping[str, Mapping[str, Any]], sweep: abstention.Curves,
                     current: abstention.Curves, meta: Mapping[str, Any], *, beside: bool) -> list[str]:
    """The report's section on the held-out split: totals per configuration and language, then the curve.
    `beside`: that run's per-question rows are in held-out/report.md (else in this report)."""
    rows = "[held-out/report.md](held-out/report.md)" if beside else "the rows below"
    lines = ["## Hard unanswerables: held-out articles", "",
             f"Index: {meta['index']}, the paragraphs of the even-numbered XQuAD articles only. Questions: "
             f"{meta['questions']}; those of the odd-numbered articles are not in the archive and should abstain. "
             f"Abstention P/R: positive = unanswerable. Every question with its support: {rows}.", "",
             report.table_head(["configuration"] + [label for _, label in HELD_OUT_COLUMNS])]
    for config, langs in by_lang.items():
        lines += [report.row([f"{config} · {lang}"] + [report.fmt(m.get(key), key) for key, _ in HELD_OUT_COLUMNS])
                  for lang, m in langs.items()]
    lines += ["", "### Answer rate vs abstain rate by support threshold", "",
              "At threshold t a question is answered when its support ≥ t (the draft does not depend on t, so "
              "one run gives every point); \"in use\" is the threshold this run applied.", ""]
    lines += abstention.markdown(sweep)
    lines += ["![abstention curve](abstention_curve.png)"]
    return lines


def _sub(index_dir: Path | None, name: str) -> Path | None:
    return index_dir / name if index_dir else None
