"""Evaluation data: the seed question set and ARCD, as typed questions, plus throwaway indexes.

ARCD (Mozannar et al. 2019, MIT; `../shared/datasets/arcd/`): Arabic questions over Arabic Wikipedia
paragraphs, SQuAD format. Each paragraph becomes a document `arcd-NNN` (both splits are indexed, so
questions compete against all 465 paragraphs); a question's gold document is its paragraph.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED_QUESTIONS = ROOT / "eval" / "datasets" / "seed_questions.jsonl"
ARCD_DIR = SHARED / "datasets" / "arcd"
ANT_FILE = SHARED / "datasets" / "ant" / "ant_v1.1_jawharafm.jsonl.gz"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    answerable: bool
    gold_docs: tuple[str, ...]
    evidence_any: tuple[str, ...] = ()
    answer_any: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)


def load_questions(path: Path) -> list[Question]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            out.append(Question(id=r["id"], question=r["question"], lang=r.get("lang", ""),
                                answerable=bool(r.get("answerable", True)), gold_docs=tuple(r.get("gold_docs", ())),
                                evidence_any=tuple(r.get("evidence_any", ())),
                                answer_any=tuple(r.get("answer_any", ()))))
    return out


def arcd(split: str) -> tuple[list[dict], list[Question]]:
    """(paragraph records for ingest, questions of `split`); paragraphs of both splits, numbered stably."""
    records: list[dict] = []
    questions: dict[str, list[Question]] = {"train": [], "test": []}
    for name in ("train", "test"):
        data = json.loads((ARCD_DIR / f"arcd-{name}.json").read_text(encoding="utf-8"))["data"]
        for article in data:
            for para in article["paragraphs"]:
                doc_id = f"arcd-{len(records):04d}"
                records.append({"id": doc_id, "title": article.get("title", ""), "text": para["context"],
                                "source": "ARCD (Arabic Wikipedia)"})
                for qa in para["qas"]:
                    answers = tuple(a["text"] for a in qa.get("answers", ()))
                    questions[name].append(Question(id=str(qa["id"]), question=qa["question"], lang="ar",
                                                    answerable=True, gold_docs=(doc_id,), evidence_any=answers,
                                                    answer_any=answers))
    return records, questions[split]


def write_jsonl(records: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def ant_records(n: int) -> list[dict]:
    """The first `n` ANT articles that have text (ANT v1.1, Apache-2.0; Chouigui et al., AICCSA 2017)."""
    out: list[dict] = []
    with gzip.open(ANT_FILE, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("text", "").strip():
                out.append(rec)
            if len(out) == n:
                break
    return out
