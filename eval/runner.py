"""Run questions through the product's own `answer()` under one or more configurations and judge each answer.

A configuration is a retrieval mode and a generator: `hybrid/extractive`. `parse_configs("dense,lexical,hybrid")`
varies the mode with the default generator; `extractive,openai` varies the generator; `dense/openai` names both.

The answer is produced from the question text alone (`KnowledgeBase.ask(q.question, ...)`): gold documents,
evidence and answer strings are read only afterwards, by `judge()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from eval.datasets import Question
from eval.metrics import (
    Passage,
    abstention_precision_recall,
    answer_body,
    citation_precision,
    contains_any,
    first_hit_rank,
    hit_at,
    holds_evidence,
    mean,
    mrr,
    percentile,
    phrase_exact,
    phrase_f1,
    text_language,
)
from index.errors import InputError
from rag.kb import KnowledgeBase
from rag.pipeline import TRANSLATION_NOTE, lead_text
from rag.registry import GENERATORS, RETRIEVERS
from rag.types import Answer

RETRIEVE_K = 10  # retrieval is scored at hit@1/3/5/10
STAGES = ("retrieve", "generate", "total")


@dataclass(frozen=True)
class Config:
    mode: str
    generator: str

    @property
    def name(self) -> str:
        return f"{self.mode}/{self.generator}"


def parse_configs(spec: str, *, mode: str, generator: str) -> list[Config]:
    """`"dense,hybrid/openai,openai"` → dense/<generator>, hybrid/openai, <mode>/openai (defaults fill the gaps).

    >>> [c.name for c in parse_configs("dense,lexical/openai,openai", mode="hybrid", generator="extractive")]
    ['dense/extractive', 'lexical/openai', 'hybrid/openai']
    """
    modes, generators = RETRIEVERS.names(), GENERATORS.names()
    configs: list[Config] = []
    for item in (s.strip() for s in (spec or f"{mode}/{generator}").split(",")):
        m, g = mode, generator
        for part in filter(None, item.split("/")):
            if part in modes:
                m = part
            elif part in generators:
                g = part
            else:
                raise InputError(f"unknown configuration {part!r} in --compare (modes: {', '.join(modes)}; "
                                 f"generators: {', '.join(generators)})")
        if Config(m, g) not in configs:
            configs.append(Config(m, g))
    return configs


@dataclass(frozen=True)
class Result:
    """One question under one configuration, judged."""

    config: str
    question: Question
    retrieved: tuple[Passage, ...]
    answer: Answer
    rank: int | None  # 1-based rank of the first retrieved passage holding the evidence
    cited_ok: tuple[bool, ...]  # per citation, in order: its passage holds the evidence
    supported: bool | None  # a cited passage holds the evidence (answerable questions)
    precision: float | None  # share of citations holding the evidence (None: nothing cited)
    matched: bool | None  # the answer, with the quotes shown beside its phrase lines, names one of answer_any
    answer_language: str
    translations: tuple[str, ...]  # the local-LLM writer's verdict per translated sentence ("kept" or why not)
    verdict: str  # "ok" or "miss"
    reason: str  # why a miss was a miss
    phrase_f1: float | None = None  # SQuAD token F1 of the answer phrase (questions with gold `phrases`)
    phrase_em: bool | None = None  # SQuAD exact match of the same


def evaluate(kb: KnowledgeBase, questions: Sequence[Question], configs: Sequence[Config],
             tick: Callable[[], None] = lambda: None) -> list[Result]:
    """Answer every question under every configuration (timed, as a user would see it), then retrieve the
    top 10 for the retrieval metrics (after, so the answer's timing never profits from a cached query vector)."""
    results = []
    questions = with_kept_articles(questions, {d.doc_id: d.copy_of for d in kb.docs() if d.copy_of})
    for config in configs:
        kb.ask("warm-up: load the models and indexes before timing", mode=config.mode, generator=config.generator)
        for q in questions:
            ans = kb.ask(q.question, mode=config.mode, generator=config.generator)
            checks = tuple(c.reason for c in ans.checks)
            hits = kb.search(q.question, top_k=RETRIEVE_K, mode=config.mode)
            results.append(judge(config.name, q, tuple(Passage(h.chunk.doc_id, h.chunk.text) for h in hits), ans,
                                 checks))
            tick()
    return results


def with_kept_articles(questions: Sequence[Question], kept: dict[str, str]) -> list[Question]:
    """The questions with, beside each gold document that ingest folded as a near-duplicate copy, the article it
    was folded into (`kept`: copy → kept article): the copy has no passages of its own, the kept one holds the
    same text, so retrieving or citing it is a hit (ARCD lists 5 paragraphs twice under two ids)."""
    return [replace(q, gold_docs=tuple(dict.fromkeys(g for d in q.gold_docs for g in (d, kept.get(d, d)))))
            if any(d in kept for d in q.gold_docs) else q for q in questions]


def judge(config: str, q: Question, retrieved: tuple[Passage, ...], ans: Answer,
          translations: tuple[str, ...] = ()) -> Result:
    """Score one answer against the question's gold data, and say in words what went wrong.

    `translations`: the writer's verdict on each sentence it translated ("kept" or why it was rejected).
    """
    cited = [Passage(c.doc_id, c.text) for c in ans.citations]
    rank = first_hit_rank(retrieved, q.gold_docs, q.evidence_any) if q.answerable else None
    lead = lead_text(len({c.doc_id for c in ans.citations}), ans.language) if ans.citations else ""
    body = answer_body(ans.answer, lead).replace(TRANSLATION_NOTE[ans.language], "")  # the note is not the answer
    language = text_language(body)
    cited_ok = tuple(holds_evidence(p, q.gold_docs, q.evidence_any) for p in cited)
    supported = any(cited_ok) if q.answerable else None
    shown = body + "".join(f"\n{c.quote}" for c in ans.citations if c.phrase)  # quoted beside its phrase line
    matched = contains_any(shown, q.answer_any) if q.answerable and q.answer_any else None
    phrase = answer_phrase(ans, body)
    scored = q.answerable and bool(q.phrases)
    reasons = []
    if not q.answerable:
        if not ans.abstained:
            reasons.append(f"answered a question the archive cannot answer ({len(cited)} citations)")
    elif ans.abstained:
        where = f"evidence retrieved at rank {rank}" if rank else f"evidence not in the top {RETRIEVE_K}"
        reasons.append(f"abstained (support {ans.support:.3f}); {where}")
    else:
        if not supported:
            where = f"evidence retrieved at rank {rank}" if rank else f"evidence not in the top {RETRIEVE_K}"
            reasons.append(f"no cited passage holds the evidence; {where}")
        if matched is False:
            reasons.append("the answer names none of answer_any")
    if q.lang and language and language != q.lang:
        reasons.append(f"answer written in {language}, asked in {q.lang}")
    if translations and any(t != "kept" for t in translations):
        rejected = "; ".join(dict.fromkeys(t for t in translations if t != "kept"))
        reasons.append(f"translations kept {translations.count('kept')} of {len(translations)} ({rejected})")
    return Result(config=config, question=q, retrieved=retrieved, answer=ans, rank=rank, cited_ok=cited_ok,
                  supported=supported,
                  precision=citation_precision(cited, q.gold_docs, q.evidence_any), matched=matched,
                  answer_language=language, translations=translations, verdict="miss" if reasons else "ok",
                  reason="; ".join(reasons), phrase_f1=phrase_f1(phrase, q.phrases) if scored else None,
                  phrase_em=phrase_exact(phrase, q.phrases) if scored else None)


def answer_phrase(ans: Answer, body: str) -> str:
    """The short answer phrase scored by token F1 / exact match: the answer's first phrase line (the local
    model's checked phrase of a citation, "450 km east of Tripoli [1]"); without one, the whole body; empty when
    it abstained (SQuAD scores that 0)."""
    if ans.abstained:
        return ""
    shown = sorted((ans.answer.find(f"{c.phrase} [{c.n}]"), c.phrase) for c in ans.citations
                   if c.phrase and f"{c.phrase} [{c.n}]" in ans.answer)
    return shown[0][1] if shown else body


def summarize(results: Sequence[Result]) -> dict[str, float | int | None]:
    """The totals for one configuration (or one language of it)."""
    answerable = [r for r in results if r.question.answerable]
    ranks = [r.rank for r in answerable]
    n_cited = sum(len(r.answer.citations) for r in results)
    good_cited = sum((r.precision or 0.0) * len(r.answer.citations) for r in results)
    a_prec, a_rec = abstention_precision_recall([not r.question.answerable for r in results],
                                                [r.answer.abstained for r in results])
    out: dict[str, float | int | None] = {
        "questions": len(results), "answerable": len(answerable),
        **{f"hit@{k}": hit_at(ranks, k) for k in (1, 3, 5, 10)}, "MRR": mrr(ranks),
        "citation_support": mean(r.supported for r in answerable),
        "citation_precision": good_cited / n_cited if n_cited else None,
        "answer_match": mean(r.matched for r in answerable),
        "phrase_f1": mean(r.phrase_f1 for r in answerable), "phrase_em": mean(r.phrase_em for r in answerable),
        "abstention_precision": a_prec, "abstention_recall": a_rec,
        "answerable_abstained": mean(r.answer.abstained for r in answerable),
        "language_accuracy": mean(r.answer_language == r.question.lang for r in results if r.question.lang),
        "ok": mean(r.verdict == "ok" for r in results),
        "translations_kept": mean(t == "kept" for r in results for t in r.translations),
    }
    for stage in STAGES:
        values = [r.answer.timings_ms.get(stage, 0.0) for r in results]
        out[f"{stage}_ms_p50"], out[f"{stage}_ms_p95"] = percentile(values, 50), percentile(values, 95)
    return out
