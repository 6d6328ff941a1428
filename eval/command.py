"""`rag eval`: pick the questions and the index, run the configurations, write the report, apply the gates.

    rag eval                                  # seed questions over a throwaway index of data/articles
    rag eval --dataset arcd --compare dense,lexical,hybrid
    rag eval --dataset xquad-dev --compare dense,hybrid     # EN and AR questions; held-out articles (eval.xquad)
    rag eval --dataset ant-libya              # EN and AR news questions over the seed + 744 ANT Libya articles
    rag eval my_questions.jsonl               # against the current index (RAG_INDEX_DIR)
    rag eval my_questions.jsonl --passages my_articles/ --min-support 0.9    # throwaway index, CI gate

The exit code is 0 whatever the scores, unless a `--min-*` gate is given and a configuration falls below it
(exit 1, one line per failure).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.datasets import (
    ANT_LIBYA_FILE,
    ANT_LIBYA_QUESTIONS,
    ARCD_DIR,
    SEED_QUESTIONS,
    Question,
    arcd,
    arcd_held_out_split,
    load_questions,
    write_jsonl,
)
from index.errors import InputError
from index.loading import FieldMap
from rag.cli import Command
from rag.kb import KnowledgeBase
from rag.settings import Settings

if TYPE_CHECKING:
    from eval.runner import Config, Result

# --min-* flag → (the metric it gates, its name in --help)
GATES = {"min_support": ("citation_support", "citation support"), "min_hit5": ("hit@5", "hit@5"),
         "min_mrr": ("MRR", "MRR"), "min_answer_match": ("answer_match", "answer match"),
         "min_abstention_recall": ("abstention_recall", "abstention recall"),
         "min_language": ("language_accuracy", "answer-language accuracy")}


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("questions", nargs="*", type=Path, help="question files (JSONL, the seed set's format)")
    p.add_argument("--dataset", choices=("seed", "arcd", "xquad-dev", "ant-libya"), default=None,
                   help="a bundled set with its own passages (default when no files: seed). xquad-dev: each "
                   "question in English and Arabic over all paragraphs, then again over an index without the "
                   "odd-numbered articles, whose questions must abstain (abstention P/R and the threshold curve). "
                   "ant-libya: 142 news questions, each in English and Arabic, over the seed articles and the "
                   "744 ANT Libya/ISIS articles (eval/datasets/ANT_LIBYA_README.md)")
    p.add_argument("--split", choices=("train", "test"), default="test", help="ARCD split (default test)")
    p.add_argument("--limit", type=int, default=0,
                   help="only the first N questions (xquad-dev: N questions spread over all articles, each asked "
                   "in both languages)")
    p.add_argument("--only", choices=("full", "held-out"), default=None,
                   help="xquad-dev: run only one of its two parts (default both); arcd: held-out drops every other "
                        "article's paragraphs from the index, whose questions must then abstain (with the curve)")
    p.add_argument("--passages", nargs="+", type=Path, default=None,
                   help="index these files/folders in a throwaway store instead of using the current index")
    p.add_argument("--fields", default="", help="JSON field mapping for --passages (as in `rag ingest`)")
    p.add_argument("--index-dir", type=Path, default=None,
                   help="keep the throwaway index here and reuse it next time (default: a temporary folder)")
    p.add_argument("--compare", default="", help="configurations side by side, e.g. dense,lexical,hybrid "
                   "or extractive,openai or hybrid/openai (default: the configured mode/generator)")
    p.add_argument("--out", type=Path, default=None, help="report folder (default eval/out/<dataset>-<time>)")
    for flag, (_, label) in GATES.items():
        p.add_argument(f"--{flag.replace('_', '-')}", dest=flag, type=float, default=None, metavar="F",
                       help=f"exit 1 if any configuration's {label} is below F")


def run(args: argparse.Namespace, settings: Settings, *, embedder: Any = None) -> int:
    """`embedder` replaces the configured one (a fake in tests)."""
    from eval import report
    from eval.runner import parse_configs

    if args.limit < 0:
        raise InputError("--limit must be 0 or more")
    configs = parse_configs(args.compare, mode=settings.retrieval_mode, generator=settings.generator)
    if args.dataset == "xquad-dev":
        from eval.xquad import run_xquad

        return run_xquad(args, settings, configs, embedder)
    questions, passages, fields, name = _questions(args, settings)
    if args.limit:
        questions = questions[: args.limit]
    results, meta, _ = evaluate_on(settings, questions, passages, fields, args.index_dir, configs, name, embedder)
    out = out_dir(args, name)
    sections, extra = abstention_section(results, settings, out) if args.only == "held-out" else ([], {})
    metrics = report.write(results, out, meta, sections=sections, extra=extra)
    print_summary(metrics["summary"], metrics["by_language"])
    if sections:
        print("\n" + "\n".join(sections[2:]))
    print(f"report: {out / 'report.md'}")
    return gates(args, metrics["summary"])


def abstention_section(results: list[Any], settings: Settings, out: Path) -> tuple[list[str], dict[str, Any]]:
    """The held-out run's curve: the report's section, its JSON, and its plot (written to `out`)."""
    from eval import abstention

    sweep, current = abstention.curves(results, abstention.thresholds_in_use(settings))
    out.mkdir(parents=True, exist_ok=True)
    abstention.plot(sweep, current, out / "abstention_curve.png")
    lines = ["## Abstention: held-out articles", "", *abstention.markdown(sweep),
             "![abstention curve](abstention_curve.png)"]
    return lines, {"curve": abstention.as_json(sweep, current)}


def evaluate_on(settings: Settings, questions: list[Question], passages: Passages, fields: FieldMap,
                index_dir: Path | None, configs: Sequence[Config], name: str,
                embedder: Any = None) -> tuple[list[Result], dict[str, Any], Any]:
    """(results, the report's meta data, the embedder used) of `questions` over the index `passages` make."""
    from tqdm import tqdm

    from eval.runner import evaluate

    if not questions:
        raise InputError("no questions to evaluate")
    with _knowledge_base(settings, passages, fields, index_dir, embedder) as (kb, where):
        if not kb.docs():
            raise InputError(f"the index at {where} is empty: ingest articles first, or pass --passages")
        bar = tqdm(total=len(questions) * len(configs), unit=" q", desc=f"eval {name}", file=sys.stderr,
                   disable=None)
        started = time.perf_counter()
        results = evaluate(kb, questions, configs, tick=lambda: bar.update(1))
        bar.close()
        meta = {"dataset": name, "questions": f"{len(questions)} ({sum(q.answerable for q in questions)} answerable)",
                "index": f"{where} ({len(kb.docs())} documents)", "embedder": kb.embedder.name,
                "top_k": settings.top_k, "configurations": ", ".join(c.name for c in configs),
                "run": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": round(time.perf_counter() - started, 1)}
        return results, meta, kb.embedder


def out_dir(args: argparse.Namespace, name: str) -> Path:
    return args.out or Path("eval") / "out" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


Passages = list[Path] | list[dict] | None  # files/folders, or records to write as JSONL; None: the current index


def _questions(args: argparse.Namespace, settings: Settings) -> tuple[list[Question], Passages, FieldMap, str]:
    fields = FieldMap.parse(args.fields) if args.fields else FieldMap()
    if args.questions and args.dataset:
        raise InputError("give question files or --dataset, not both")
    if args.only and args.dataset != "arcd":
        raise InputError("--only: only --dataset xquad-dev and arcd have a held-out split")
    if args.questions:
        questions = []
        for path in args.questions:
            if not path.is_file():
                raise InputError(f"no such question file: {path}")
            try:
                questions += load_questions(path)
            except (ValueError, KeyError) as exc:
                raise InputError(f"{path}: not a question file in the seed set's format ({exc})") from exc
        return questions, args.passages, fields, args.questions[0].stem
    if args.dataset == "arcd":
        if not ARCD_DIR.is_dir():
            raise InputError(f"ARCD not found at {ARCD_DIR} (the shared datasets folder beside the project)")
        records, questions = arcd(args.split)
        if args.only == "held-out":
            records, questions = arcd_held_out_split(records, questions)
            return questions, records, FieldMap(), f"arcd-{args.split}-held-out"
        return questions, records, FieldMap(), f"arcd-{args.split}"
    if args.dataset == "ant-libya":
        if not ANT_LIBYA_FILE.is_file():
            raise InputError(f"the ANT Libya articles are not at {ANT_LIBYA_FILE} (the shared datasets folder)")
        return (load_questions(ANT_LIBYA_QUESTIONS), [settings.articles_dir, ANT_LIBYA_FILE], FieldMap.parse("ant"),
                "ant-libya")
    return load_questions(SEED_QUESTIONS), args.passages or [settings.articles_dir], fields, "seed"


@contextmanager
def _knowledge_base(settings: Settings, passages: Passages, fields: FieldMap, index_dir: Path | None,
                    embedder: Any = None) -> Iterator[tuple[KnowledgeBase, str]]:
    """The current index, or a throwaway one built from `passages` (kept only when `index_dir` is given)."""
    if passages is None:
        yield KnowledgeBase(settings, embedder=embedder), str(settings.chroma_url or settings.index_dir)
        return
    with tempfile.TemporaryDirectory(prefix="rag-eval-") as tmp:
        where = index_dir or Path(tmp)
        paths = [p for p in passages if isinstance(p, Path)] or [
            write_jsonl([r for r in passages if isinstance(r, dict)], where / "passages.jsonl")]
        kb = KnowledgeBase(settings.model_copy(update={"index_dir": where, "chroma_url": None,
                                                       "collection": "eval"}), embedder=embedder)
        report = kb.ingest(paths, fields=fields)
        if report.failed and not kb.docs():
            raise InputError(f"could not read the passages: {report.failed[0].origin}: {report.failed[0].reason}")
        shown = "the dataset's passages" if paths[0].name == "passages.jsonl" else ", ".join(map(str, paths))
        yield kb, f"throwaway index of {shown}"


def print_summary(summary: dict, by_language: dict) -> None:
    """The main figures per configuration, then per configuration and question language."""
    keys = ["hit@1", "hit@5", "MRR", "citation_support", "citation_precision", "answer_match",
            "abstention_precision", "abstention_recall", "language_accuracy", "total_ms_p50"]
    if any(m.get("phrase_f1") is not None for m in summary.values()):
        keys[6:6] = ["phrase_f1", "phrase_em"]
    rows = list(summary.items())
    rows += [(f"{name} · {lang}", m) for name, langs in by_language.items() for lang, m in langs.items()]
    print("configuration".ljust(28) + "".join(k[:12].rjust(13) for k in keys))
    for name, m in rows:
        cells = ["—" if m[k] is None else (f"{m[k]:.1f}" if k.endswith("p50") else f"{m[k]:.3f}") for k in keys]
        print(name.ljust(28) + "".join(c.rjust(13) for c in cells))


def gates(args: argparse.Namespace, summary: dict) -> int:
    failed = []
    for flag, (metric, _) in GATES.items():
        floor = vars(args)[flag]
        if floor is None:
            continue
        for name, m in summary.items():
            value = m[metric]
            if value is None or value < floor:
                shown = "not measurable on these questions" if value is None else f"{value:.3f}"
                failed.append(f"rag eval: gate failed: {name} {metric} {shown} < {floor}")
    for line in failed:
        print(line, file=sys.stderr)
    return 1 if failed else 0


COMMAND = Command("measure retrieval, citations, abstention, language, latency", arguments, run)
