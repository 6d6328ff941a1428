"""The news lexicon: an English question's common words as the Arabic terms of their translations, two-word
terms before their words, inflected English forms found by their base; its use in retrieval (the translated
channel, English questions only) and in choosing an English question's sentences."""

from pathlib import Path

from index.lexical import analyze
from rag.generators.extractive import ExtractiveGenerator
from rag.lexicon import GENERAL_FILE, LEXICON_FILE, Lexicon, bundled_lexicon, read_lexicon
from rag.retrieval import HybridRetriever, HybridWeights
from tests.fakes import FlatEmbedder, make_query, sentences_hit
from tests.rag.conftest import make_kb

LEXICON = ("# comment\nkill|killed\tقتل|مقتل|قتلى\nprison|jail\tسجن|سجون\nair strike|airstrike\tغارة جوية|غارات\n"
           "strike|strikes\tإضراب|إضرابات\nair\tجو|جوي\nmove|moved\tتحرك|يتحرك|انتقل\n")


def lexicon(tmp_path: Path) -> Lexicon:
    (path := tmp_path / "lexicon.tsv").write_text(LEXICON, encoding="utf-8")
    return Lexicon(read_lexicon(path))


def test_a_word_gives_the_analysed_terms_of_its_arabic_forms(tmp_path):
    lex = lexicon(tmp_path)
    assert lex.lookup("killed") == tuple(dict.fromkeys(analyze("قتل مقتل قتلى")))
    assert lex.lookup("jail") == lex.lookup("prison")
    assert lex.lookup("Sirte".lower()) == ()


def test_inflected_forms_are_found_by_their_base(tmp_path):
    lex = lexicon(tmp_path)
    assert lex.lookup("moving") == lex.lookup("move")  # moving → mov → move
    assert lex.lookup("prisons") == lex.lookup("prison")


def test_a_two_word_term_is_read_before_its_words(tmp_path):
    lex = lexicon(tmp_path)
    groups = lex.groups("How many died in the air strike on the prison?")
    assert groups[0] == tuple(dict.fromkeys(analyze("غارة جوية غارات")))  # not "air", then the labour "strike"
    assert groups[1] == lex.lookup("prison") and len(groups) == 2
    assert lex.terms("Where did they move?") == list(lex.lookup("move"))


def test_the_bundled_lexicon_knows_common_news_words():
    lex = bundled_lexicon()
    assert len(lex.entries) > 1000
    for word, arabic in (("killed", "قتل"), ("border", "حدود"), ("migrants", "مهاجر"), ("ransom", "فدية")):
        assert set(analyze(arabic)) & set(lex.lookup(word)), word


def test_the_bundled_lexicon_knows_encyclopedic_words_too():
    lex = bundled_lexicon()
    for word, arabic in (("century", "قرن"), ("invented", "اخترع"), ("quarterback", "ظهير"), ("river", "نهر"),
                         ("photosynthesis", "ضوئي"), ("reigned", "حكم"), ("alumni", "خريج")):
        assert set(analyze(arabic)) & set(lex.lookup(word)), word


def test_the_general_lexicon_repeats_no_news_key_and_every_line_has_arabic_forms():
    def keys(path: Path) -> list[str]:
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                english, arabic = line.split("\t")  # exactly one tab
                assert all(form.strip() and not any("a" <= ch.lower() <= "z" for ch in form)
                           for form in arabic.split("|")), line
                out += english.split("|")
        return out
    news, general = keys(LEXICON_FILE), keys(GENERAL_FILE)
    assert len(general) == len(set(general)) > 5000
    assert not set(news) & set(general)  # the news lexicon's sense of a word is the one searched


def test_the_translated_channel_lifts_the_passage_holding_the_words_for_an_english_question(tmp_path):
    kb = make_kb(tmp_path)
    lex = Lexicon({"hall": tuple(analyze("قاعة"))})
    query = make_query("What happened in the hall?")
    on = HybridRetriever(kb.store, kb.lexical, HybridWeights(translated=5.0), lexicon=lex).retrieve(query, 1)
    assert "قاع" in analyze(on[0].chunk.text)  # قاعة or قاعات («قاعات واغادوغو»)
    assert "قاع" not in analyze(HybridRetriever(kb.store, kb.lexical, HybridWeights(translated=0.0),
                                                lexicon=lex).retrieve(query, 1)[0].chunk.text)
    arabic = make_query("ماذا حدث في القاعة؟")
    off = HybridRetriever(kb.store, kb.lexical, HybridWeights(translated=0.0), lexicon=lex).retrieve(arabic, 5)
    still = HybridRetriever(kb.store, kb.lexical, HybridWeights(translated=5.0), lexicon=lex).retrieve(arabic, 5)
    assert [h.chunk.chunk_id for h in still] == [h.chunk.chunk_id for h in off]  # Arabic: left alone




def test_an_english_questions_sentence_holding_its_translated_words_is_chosen_first(tmp_path):
    hit = sentences_hit(["وقال المسؤول إن المدينة تبعد 450 كيلومترا عن العاصمة",
                         "ولا يزال مقاتلو التنظيم يتحركون جنوب المدينة"])
    emb = FlatEmbedder()
    query = make_query("Where do the fighters move?", emb)
    plain = ExtractiveGenerator(emb).score(query, [hit])[0]
    assert plain[0].sentence.startswith("وقال")  # a tie: article order
    lex = Lexicon({"move": tuple(analyze("تحرك يتحرك")), "fighters": tuple(analyze("مقاتل مقاتلون"))})
    chosen = ExtractiveGenerator(emb, lexicon=lex).score(query, [hit])[0]
    assert chosen[0].sentence.startswith("ولا يزال") and chosen[0].score > plain[0].score
    arabic = make_query("أين يتحرك المقاتلون؟", emb)
    assert ExtractiveGenerator(emb, lexicon=lex).score(arabic, [hit])[0][0].score == \
        ExtractiveGenerator(emb).score(arabic, [hit])[0][0].score  # Arabic questions: their own terms only
