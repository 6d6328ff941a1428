"""Evaluation data: the seed question set, ARCD and XQuAD-ar-en, as typed questions, plus throwaway indexes.

ARCD (Mozannar et al. 2019, MIT; `../shared/datasets/arcd/`): Arabic questions over Arabic Wikipedia
paragraphs, SQuAD format. Each paragraph becomes a document `arcd-NNN` (both splits are indexed, so
questions compete against all 465 paragraphs); a question's gold document is its paragraph.

XQuAD-ar-en dev (Artetxe, Ruder, Yogatama, "On the Cross-lingual Transferability of Monolingual
Representations", ACL 2020; CC BY-SA 4.0; `../shared/datasets/xquad-ar-en-dev/`, read at run time, never
copied here): 120 Arabic Wikipedia paragraphs of 24 articles (`xquad-AA-PP`), each question in English and
in Arabic. Both twins are asked; the Arabic answer span is the evidence, either span counts as an answer
match, and the English span is the phrase scored by token F1 / exact match. `held_out_split` makes hard
unanswerable questions: the odd-numbered articles are left out of the index and their questions must abstain.
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
XQUAD_DIR = SHARED / "datasets" / "xquad-ar-en-dev"
ANT_FILE = SHARED / "datasets" / "ant" / "ant_v1.1_jawharafm.jsonl.gz"
ANT_LIBYA_FILE = SHARED / "datasets" / "ant" / "ant_v1.1_libya_isis_subset.jsonl"
ANT_LIBYA_QUESTIONS = ROOT / "eval" / "datasets" / "ant_libya_questions.jsonl"


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    answerable: bool
    gold_docs: tuple[str, ...]
    evidence_any: tuple[str, ...] = ()
    answer_any: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()  # short gold answer phrases for token F1 / exact match (XQuAD: English only)
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


def xquad_dev(limit: int = 0) -> tuple[list[dict], list[Question]]:
    """(the 120 paragraphs as records for ingest, each XQuAD question as an English then an Arabic `Question`).

    `limit`: only that many XQuAD questions (so twice as many `Question`s), spread evenly over the file so every
    article can be represented; 0 for all 632.
    """
    records = [{"id": r["id"], "title": r["title"], "text": r["text"], "source": "XQuAD (Arabic Wikipedia)"}
               for r in _jsonl(XQUAD_DIR / "paragraphs.jsonl")]
    items = _jsonl(XQUAD_DIR / "questions.jsonl")
    if 0 < limit < len(items):
        items = [items[i * len(items) // limit] for i in range(limit)]
    questions = []
    for r in items:
        gold, spans_ar, spans_en = (r["doc_id"],), tuple(r["answers_ar"]), tuple(r["answers_en"])
        for lang in ("en", "ar"):
            questions.append(Question(id=f"{r['id']}-{lang}", question=r[f"question_{lang}"], lang=lang,
                                      answerable=True, gold_docs=gold, evidence_any=spans_ar,
                                      answer_any=tuple(dict.fromkeys(spans_ar + spans_en)),
                                      phrases=spans_en if lang == "en" else ()))
    return records, questions


def article_of(doc_id: str) -> int:
    """The XQuAD article number of a paragraph: `xquad-07-03` → 7."""
    return int(doc_id.split("-")[1])


def held_out_split(records: list[dict], questions: list[Question]) -> tuple[list[dict], list[Question]]:
    """(paragraphs of the even-numbered articles only, the questions re-labelled for that index).

    Questions of even articles stay answerable; those of odd articles become unanswerable, with no gold
    data left (their paragraph is recorded in `extra["held_out_doc"]`). The split is by article, not by
    paragraph, so no other paragraph of a held-out question's article is in the index either.
    """
    kept = [r for r in records if article_of(r["id"]) % 2 == 0]
    relabelled = [q if article_of(q.gold_docs[0]) % 2 == 0 else
                  Question(id=q.id, question=q.question, lang=q.lang, answerable=False, gold_docs=(),
                           extra={"held_out_doc": q.gold_docs[0]})
                  for q in questions]
    return kept, relabelled


def arcd_held_out_split(records: list[dict], questions: list[Question]) -> tuple[list[dict], list[Question]]:
    """(the records without the paragraphs of every other article the questions are about, the questions
    re-labelled): ARCD's version of `held_out_split`, for abstention on questions with no paragraph in the index.

    Articles are told apart by title and numbered in the order the questions first name them; the odd-numbered
    ones leave the index whole (every paragraph), and their questions must abstain. The other split's paragraphs
    stay: neighbouring Wikipedia topics, as an archive has.
    """
    title_of = {r["id"]: r["title"] for r in records}
    order: dict[str, int] = {}
    for q in questions:
        order.setdefault(title_of[q.gold_docs[0]], len(order))
    held = {title for title, n in order.items() if n % 2 == 1}
    kept = [r for r in records if r["title"] not in held]
    relabelled = [q if title_of[q.gold_docs[0]] not in held else
                  Question(id=q.id, question=q.question, lang=q.lang, answerable=False, gold_docs=(),
                           extra={"held_out_doc": q.gold_docs[0]})
                  for q in questions]
    return kept, relabelled


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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
