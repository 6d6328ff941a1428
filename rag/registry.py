"""The product's named components, each a factory of the knowledge base it is wired into.

    RETRIEVERS   retrieval modes:  dense | lexical | hybrid
    GENERATORS   drafts from passages:  extractive | openai | llamacpp (the extractive draft, rewritten below)
    WRITERS      rewrite a draft in the question's language, by generator name:  extractive (English glosses of
                 the Arabic quotes, no model) | llamacpp
    CONDENSERS   rewrite a follow-up for retrieval, by generator name:  openai (any other: the heuristic)

`Settings` validates its names against these tables; the CLI's choices, the API's validation and
`rag eval --compare` read them too. Embedding backends live one layer down, in `index.embedding.BACKENDS`.
Factories import their modules when called, so importing this costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.errors import InputError
from index.registry import Registry

if TYPE_CHECKING:
    from rag.generators import Generator, Writer
    from rag.generators.extractive import ExtractiveGenerator
    from rag.kb import KnowledgeBase
    from rag.query import Condenser
    from rag.retrieval import Retriever

RETRIEVERS: Registry[Retriever] = Registry("retrieval mode")
GENERATORS: Registry[Generator] = Registry("generator")
WRITERS: Registry[Writer] = Registry("writer")
CONDENSERS: Registry[Condenser] = Registry("condenser")


def _dense(kb: KnowledgeBase) -> Retriever:
    from rag.retrieval import DenseRetriever

    return DenseRetriever(kb.store)


def _lexical(kb: KnowledgeBase) -> Retriever:
    from rag.retrieval import LexicalRetriever

    return LexicalRetriever(kb.lexical)


def _hybrid(kb: KnowledgeBase) -> Retriever:
    from rag.lexicon import bundled_lexicon
    from rag.retrieval import HybridRetriever

    return HybridRetriever(kb.store, kb.lexical, names=kb.names, lexicon=bundled_lexicon())


def _extractive(kb: KnowledgeBase) -> Generator:
    return _scorer(kb)


def _scorer(kb: KnowledgeBase) -> ExtractiveGenerator:
    from rag.answerability import bundled_model
    from rag.generators.extractive import ExtractiveGenerator
    from rag.lexicon import bundled_lexicon

    return ExtractiveGenerator(kb.embedder, store=kb.store, background=kb.background, model=bundled_model(),
                               lexical=lambda: kb.lexical.get(), names=kb.names,
                               shift=kb.language_shift, lexicon=bundled_lexicon())


def _openai(kb: KnowledgeBase) -> Generator:
    from rag.generators.openai import OpenAIGenerator

    s = kb.settings
    if not s.llm_url:
        raise InputError("RAG_GENERATOR=openai needs RAG_LLM_URL (an OpenAI-compatible server, e.g. "
                         "http://127.0.0.1:11434/v1)")
    return OpenAIGenerator(kb.embedder, url=s.llm_url, model=s.llm_model, api_key=s.llm_api_key,
                           timeout=s.llm_timeout, scorer=_scorer(kb))


def _openai_condenser(kb: KnowledgeBase) -> Condenser:
    from rag.generators.openai import OpenAIGenerator

    generator = kb.generator("openai")
    assert isinstance(generator, OpenAIGenerator), "the openai generator condenses with the same model"
    return generator


def _llamacpp_draft(kb: KnowledgeBase) -> Generator:
    return kb.generator("extractive")  # the local model rewrites this draft (see WRITERS)


def _grounded(kb: KnowledgeBase) -> Writer:
    """English questions get checked answer phrases; Arabic ones whole-sentence translations of English evidence
    (one model shared by both)."""
    from rag.generators.glosses import GlossWriter
    from rag.generators.grounded import GroundedWriter
    from rag.generators.phrases import PhraseWriter
    from rag.gguf import resolve_model
    from rag.lexicon import bundled_lexicon
    from rag.local_llm import LocalLLM
    from rag.romanizer import NameRomanizer

    s = kb.settings
    llm = LocalLLM(resolve_model(s.llm_model, s.model_dir), n_threads=s.llm_threads)
    glosses = GlossWriter(NameRomanizer(), lexicon=bundled_lexicon(), names=kb.names) if s.glosses else None
    return PhraseWriter(llm, GroundedWriter(llm, kb.embedder), glosses=glosses)


def _glosses(kb: KnowledgeBase) -> Writer:
    from rag.generators.glosses import GlossWriter
    from rag.lexicon import bundled_lexicon
    from rag.romanizer import NameRomanizer

    return GlossWriter(NameRomanizer(), lexicon=bundled_lexicon(), names=kb.names)


RETRIEVERS.register("dense", _dense)
RETRIEVERS.register("lexical", _lexical)
RETRIEVERS.register("hybrid", _hybrid)
GENERATORS.register("extractive", _extractive)
GENERATORS.register("openai", _openai)
GENERATORS.register("llamacpp", _llamacpp_draft)
WRITERS.register("extractive", _glosses)
WRITERS.register("llamacpp", _grounded)
CONDENSERS.register("openai", _openai_condenser)
