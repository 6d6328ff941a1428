"""The local-LLM path with a scripted chat model: evidence first, one checked translation per sentence, fallback.

The knowledge base is the seed articles with the hash embedder; the writer's similarity floor is 0 here (the hash
embedder cannot compare English with Arabic) except where a test checks it.
"""


import pytest

from index.types import Chunk, Hit
from rag.generators import Check, Evidence, Part
from rag.generators.grounded import GroundedWriter
from rag.pipeline import NOT_FOUND, TRANSLATION_NOTE
from tests.fakes import HashEmbedder, Reply, make_query
from tests.rag.conftest import make_kb


class ScriptedChat:
    """Replies from a script, in order; streams each reply word by word; records the messages it was sent."""

    def __init__(self, *replies: str | Reply) -> None:
        self.replies = [r if isinstance(r, Reply) else Reply(r) for r in replies]
        self.sent: list[list[dict[str, str]]] = []

    def warm_up(self):
        pass

    def chat(self, messages, *, max_tokens, on_token=None):
        self.sent.append(messages)
        reply = self.replies[min(len(self.sent), len(self.replies)) - 1]
        for word in reply.text.split(" "):
            if on_token:
                on_token(word + " ")
        return reply


def part(sentence: str) -> Part:
    chunk = Chunk(chunk_id="c", doc_id="d", text=sentence, start=0, end=len(sentence), position=0, title="t")
    return Part(text=sentence, evidence=(Evidence(hit=Hit(chunk=chunk, score=1.0), sentence=sentence, start=0,
                                                  end=len(sentence)),))


AR = "وقال الجنرال توماس وولدهاوس إن عدد المقاتلين تراجع إلى 200 عنصر في سرت."


def writer(*replies: str | Reply, min_similarity: float = 0.0) -> tuple[GroundedWriter, ScriptedChat]:
    chat = ScriptedChat(*replies)
    return GroundedWriter(chat, HashEmbedder(), min_similarity=min_similarity), chat


def test_a_faithful_translation_replaces_the_arabic_sentence():
    w, chat = writer("General Thomas Waldhauser said the number of fighters in Sirte fell to 200.")
    [out] = w.write(make_query("How many fighters?"), [part(AR)])
    assert out.text == "General Thomas Waldhauser said the number of fighters in Sirte fell to 200."
    assert out.evidence == part(AR).evidence
    assert chat.sent[0][-1]["content"] == AR  # the model gets the evidence sentence only: no question to answer
    assert "How many" not in str(chat.sent[0])


@pytest.mark.parametrize(("reply", "reason"), [
    ("General Thomas Waldhauser said the number fell to 2,000 in Sirte.", "numbers not in the evidence"),
    ("General Thomas Waldhauser said the number of fighters fell in Sirte.", "numbers dropped"),
    ("General John Smith said the number of fighters in Sirte fell to 200.", "names not in the evidence"),
    (Reply("General Thomas Waldhauser said the number of", "length"), "cut off"),
    ("", "no reply"),
])
def test_a_sentence_that_fails_a_check_falls_back_to_the_evidence(reply, reason):
    w, _ = writer(reply)
    [out] = w.write(make_query("How many fighters?"), [part(AR)])
    assert out.text == AR
    assert reason in out.check.reason


def test_a_translation_far_from_the_evidence_in_meaning_falls_back():
    w, _ = writer("The weather in Sirte was sunny with 200 clouds.", min_similarity=0.5)
    [out] = w.write(make_query("How many fighters?"), [part(AR)])
    assert out.text == AR and "meaning drifted" in out.check.reason


def test_evidence_already_in_the_question_language_is_quoted_without_calling_the_model():
    w, chat = writer("should not be used")
    [out] = w.write(make_query("كم عدد المقاتلين؟"), [part(AR)])
    assert out.text == AR and chat.sent == []


def test_labels_quotes_and_markers_the_model_adds_are_cleaned():
    w, _ = writer('Translation: "General Thomas Waldhauser said the fighters in Sirte fell to 200 [1]."')
    [out] = w.write(make_query("How many?"), [part(AR)])
    assert out.text == "General Thomas Waldhauser said the fighters in Sirte fell to 200."


def test_the_pipeline_streams_the_lead_then_each_checked_sentence_with_its_marker(tmp_path):
    chat = ScriptedChat("ISIS fighters moved to Bani Walid and Zliten, west of Sirte.")
    kb = make_kb(tmp_path, generator="llamacpp", writers={"llamacpp": GroundedWriter(chat, HashEmbedder(),
                                                                                     min_similarity=0.0)})
    events = list(kb.ask_stream("Where did ISIS fighters go after they left Sirte?"))
    answer = events[-1]
    texts = [e[1] for e in events[:-1] if e[0] == "text"]
    drafts = [e[1] for e in events[:-1] if e[0] == "draft"]
    assert "".join(texts) == answer.answer
    assert texts[0].startswith("From ") and texts[0].endswith(":\n")
    assert all(t.rstrip().endswith("]") for t in texts[1:] if t != "\n" + TRANSLATION_NOTE["en"])
    assert drafts and drafts[-1].startswith("ISIS fighters moved to")
    assert len(chat.sent) >= 1 and not answer.abstained
    assert all(f"[{c.n}]" in answer.answer for c in answer.citations)


class Translating:
    """A writer that 'translates' every part into a fixed English sentence."""

    def warm_up(self):
        pass

    def write(self, query, parts, on_draft=None):
        return [Part(text=f"English sentence {i}.", evidence=p.evidence, check=Check(True))
                for i, p in enumerate(parts)]


def test_an_answer_with_translated_sentences_ends_with_a_note_saying_so(tmp_path):
    kb = make_kb(tmp_path, generator="llamacpp", writers={"llamacpp": Translating()})
    result = kb.ask("Where did ISIS fighters go after they left Sirte?")
    lines = result.answer.splitlines()
    assert lines[1] == "English sentence 0. [1]" and lines[-1] == TRANSLATION_NOTE["en"]
    assert "ترجمة آلية" in kb.ask("إلى أين انتقل مقاتلو داعش بعد خروجهم من سرت؟").answer.splitlines()[-1]
    plain = make_kb(tmp_path / "plain").ask("Where did ISIS fighters go after they left Sirte?")
    assert TRANSLATION_NOTE["en"] not in plain.answer  # quotes alone carry no note


def test_the_local_model_is_not_called_when_the_archive_does_not_hold_the_answer(tmp_path):
    chat = ScriptedChat("anything")
    kb = make_kb(tmp_path, generator="llamacpp", writers={"llamacpp": GroundedWriter(chat, HashEmbedder())})
    kb.settings.min_support = 1.01  # nothing can be supported
    result = kb.ask("Where did ISIS fighters go after they left Sirte?")
    assert result.abstained and result.answer == NOT_FOUND["en"] and chat.sent == []


@pytest.mark.llm
@pytest.mark.model
@pytest.mark.slow
def test_real_model_answer_is_grounded_sentence_by_sentence(tmp_path, e5_embedder):
    """With the real model every answer line is a checked phrase of its citation's quote, or the quote itself."""
    pytest.importorskip("xllamacpp")
    from index.errors import ModelError
    from rag.kb import KnowledgeBase
    from rag.settings import Settings
    from tests.conftest import ARTICLES, MODEL_CACHE

    kb = KnowledgeBase(Settings(index_dir=tmp_path, model_dir=MODEL_CACHE, collection="llm", generator="llamacpp"),
                       embedder=e5_embedder)
    try:
        kb.writer()
    except ModelError as e:
        pytest.skip(f"local LLM model not available: {e}")
    kb.ingest([ARTICLES])
    events = list(kb.ask_stream("Who is the commander of AFRICOM mentioned in the reports?"))
    answer = events[-1]
    assert not answer.abstained and answer.citations
    lines = [ln for ln in answer.answer.splitlines()[1:] if ln != TRANSLATION_NOTE["en"]]  # after the lead
    assert answer.answer.splitlines()[0].startswith("From ")
    by_n = {f"[{c.n}]": c for c in answer.citations}
    assert len(lines) == len(answer.citations)
    for line in lines:
        body, marker = line.rsplit(" [", 1)
        citation = by_n[f"[{marker}"]
        assert body == (citation.phrase or citation.quote)  # a phrase only where one was kept
        assert not citation.phrase or citation.span_text in citation.quote
    assert "".join(e[1] for e in events[:-1] if e[0] == "text") == answer.answer


def test_the_openai_stream_carries_checked_sentences_as_content_and_the_draft_beside_it(tmp_path):
    from openai import OpenAI

    from rag.api import MODEL_ID, create_app
    from tests.rag.conftest import LiveServer

    chat = ScriptedChat("ISIS fighters moved to Bani Walid and Zliten, west of Sirte.")
    kb = make_kb(tmp_path, generator="llamacpp", writers={"llamacpp": GroundedWriter(chat, HashEmbedder(),
                                                                                     min_similarity=0.0)})
    question = [{"role": "user", "content": "Where did ISIS fighters go after they left Sirte?"}]
    with LiveServer(create_app(kb)) as server:
        client = OpenAI(base_url=f"{server.url}/v1", api_key="unused")
        chunks = list(client.chat.completions.create(model=MODEL_ID, stream=True, messages=question))
        plain = client.chat.completions.create(model=MODEL_ID, messages=question).choices[0].message.content
    drafts = [c.model_extra["draft"] for c in chunks if (c.model_extra or {}).get("draft")]
    assert drafts and drafts[-1].startswith("ISIS fighters moved to")
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain  # drafts never enter the content
    assert chunks[-1].model_extra["citations"]


def test_a_number_the_evidence_writes_in_words_may_be_translated_as_digits():
    evidence = "وقال الجنرال توماس وولدهاوس إن عددهم كان يقارب الخمسة آلاف عنصر."
    w, _ = writer("General Thomas Waldhauser said they numbered about 5,000.")
    [out] = w.write(make_query("How many?"), [part(evidence)])
    assert out.text.endswith("5,000.") and out.check.ok
    w, _ = writer("General Thomas Waldhauser said they numbered about 7,000.")
    [out] = w.write(make_query("How many?"), [part(evidence)])
    assert out.text == evidence and "numbers not in the evidence: ['7000']" in out.check.reason


def test_titles_and_words_of_institutions_are_not_taken_for_invented_names():
    from rag.generators.grounded import unknown_names

    evidence = "وقال المتحدث باسم الجيش الوطني الليبي إن القوات تقدمت في الصحراء. وقال مصدر آخر ذلك."
    assert unknown_names("The spokesman of the Libyan National Army said forces advanced in the Sahara. However, "
                         "another source said so.", evidence, "?") == []
    assert unknown_names("The spokesman of the Egyptian Army said so.", evidence, "?") == ["Egyptian"]


def test_a_misspelt_name_is_caught_while_its_right_transliteration_passes():
    from rag.generators.grounded import unknown_names

    evidence = "يشار إلى أن قائد القوات الأميركية في إفريقيا الجنرال توماس وولدهاوس أعلن في ليبيا"
    assert unknown_names("The commander, General Thomas Waldhauser, spoke in Libya.", evidence, "?") == []
    assert unknown_names("The commander, General Thomas Wolpe, spoke in Libya.", evidence, "?") == ["Wolpe"]
    assert unknown_names("He spoke in Libya.", "وليبيا", "?") == []  # the conjunction و is not part of the name


def test_warm_up_loads_the_chat_model_ahead_of_the_first_question():
    class Loading(ScriptedChat):
        loaded = False

        def warm_up(self):
            self.loaded = True

    chat = Loading("x")
    GroundedWriter(chat, HashEmbedder()).warm_up()
    assert chat.loaded and chat.sent == []
