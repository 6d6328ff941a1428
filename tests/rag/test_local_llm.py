"""rag.local_llm: reply parsing against a scripted stand-in for xllamacpp's Server, and the real model (marker llm)."""

import re
import sys
import threading
from pathlib import Path

import pytest

from index.errors import InputError, ModelError
from rag.local_llm import LocalLLM
from tests.conftest import MODEL_CACHE


class ScriptedServer:
    """Plays back OpenAI-style stream chunks to the callback, as xllamacpp's handle_chat_completions does."""

    def __init__(self, chunks: list[dict]) -> None:
        self.chunks, self.requests, self.stopped_at = chunks, [], None

    def handle_chat_completions(self, request: dict, callback) -> None:
        self.requests.append(request)
        for i, chunk in enumerate(self.chunks):
            if callback(chunk):
                self.stopped_at = i
                return


def delta(text: str | None, finish: str | None = None) -> dict:
    return {"choices": [{"index": 0, "delta": {} if text is None else {"content": text}, "finish_reason": finish}]}


FINAL = {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3},
         "timings": {"cache_n": 2, "prompt_n": 10, "prompt_ms": 100.0, "predicted_n": 3, "predicted_ms": 60.0}}


def scripted(chunks: list[dict]) -> tuple[LocalLLM, ScriptedServer]:
    llm = LocalLLM(Path("unused.gguf"))
    server = ScriptedServer(chunks)
    llm._server = server  # skip loading: the stand-in is "the loaded model"
    return llm, server


def test_chat_streams_pieces_and_reads_usage_and_timings():
    llm, server = scripted([delta(None), delta("Hello"), delta(" world"), delta(None, "length"), FINAL])
    pieces: list[str] = []
    c = llm.chat([{"role": "user", "content": "hi"}], max_tokens=3, on_token=pieces.append, stop=["\n\n"])
    assert pieces == ["Hello", " world"] and c.text == "Hello world"
    assert (c.prompt_tokens, c.completion_tokens, c.cached_tokens, c.finish_reason) == (12, 3, 2, "length")
    assert (c.prompt_ms, c.generation_ms) == (100.0, 60.0)
    assert c.prompt_tokens_per_s == pytest.approx(100.0) and c.generation_tokens_per_s == pytest.approx(50.0)
    assert c.first_token_ms is not None and 0 <= c.first_token_ms <= c.total_ms
    req = server.requests[0]
    assert req["stream"] is True and req["max_tokens"] == 3 and req["temperature"] == 0.0 and req["stop"] == ["\n\n"]


def test_callback_exception_stops_generation_and_is_reraised():
    llm, server = scripted([delta("a"), delta("b"), delta("c"), FINAL])

    def boom(piece: str) -> None:
        if piece == "b":
            raise RuntimeError("client went away")

    with pytest.raises(RuntimeError, match="client went away"):
        llm.chat([{"role": "user", "content": "hi"}], max_tokens=5, on_token=boom)
    assert server.stopped_at == 1


def test_errors_become_input_or_model_errors():
    too_long = {"error": {"code": 400, "message": "request (5031 tokens) exceeds the available context size"}}
    llm, _ = scripted([too_long])
    with pytest.raises(InputError, match="exceeds the available context"):
        llm.chat([{"role": "user", "content": "x"}], max_tokens=5)
    llm, _ = scripted([{"error": {"code": 500, "message": "decode failed"}}])
    with pytest.raises(ModelError, match="decode failed"):
        llm.chat([{"role": "user", "content": "x"}], max_tokens=5)


def test_missing_runtime_names_the_llm_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # makes `import xllamacpp` raise ImportError
    with pytest.raises(ModelError, match=r"xllamacpp is not installed: pip install '\.\[llm\]'"):
        LocalLLM(Path("whatever.gguf")).warm_up()


def test_non_gguf_file_is_refused_before_llama_cpp(tmp_path):
    pytest.importorskip("xllamacpp")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model at all")
    with pytest.raises(ModelError, match="not a GGUF"):
        LocalLLM(bad).warm_up()


# --- the real model (Qwen2.5-Coder-1.5B-Instruct Q4_K_M from the llm extra) ---------------------------------------


@pytest.fixture(scope="module")
def real_llm():
    pytest.importorskip("xllamacpp")
    from rag.gguf import ensure_default_model

    try:
        path = ensure_default_model(MODEL_CACHE)  # assembled once into the product's model cache (1.1 GB)
    except ModelError as e:
        pytest.skip(f"local LLM model not available: {e}")
    llm = LocalLLM(path, n_ctx=2048)
    llm.warm_up()
    yield llm
    llm.close()


def ascii_letter_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isascii() for ch in letters) / max(1, len(letters))


@pytest.mark.llm
@pytest.mark.slow
def test_real_model_translates_arabic_to_english_and_streams(real_llm):
    messages = [
        {"role": "system", "content": "Translate the Arabic news sentence into one English sentence. Reply with the "
                                      "translation only."},
        {"role": "user", "content": "أصيب 35 شخصا في حادث سير على طريق القاهرة الإسكندرية يوم الاثنين."},
    ]
    pieces: list[str] = []
    c = real_llm.chat(messages, max_tokens=60, on_token=pieces.append)
    assert ascii_letter_share(c.text) > 0.9, c.text
    assert re.search(r"\b35\b", c.text), c.text
    assert len(pieces) > 3 and "".join(pieces) == c.text
    assert c.finish_reason == "stop" and c.completion_tokens >= len(pieces) - 1
    assert c.prompt_tokens > 20 and c.prompt_ms > 0 and c.generation_ms > 0
    assert c.first_token_ms is not None and c.first_token_ms < c.total_ms


@pytest.mark.llm
@pytest.mark.slow
def test_real_model_serves_threads_one_at_a_time(real_llm):
    question = [{"role": "user", "content": "ما عاصمة الأردن؟ أجب بكلمة واحدة."}]
    replies: list[str] = []
    threads = [threading.Thread(target=lambda: replies.append(real_llm.chat(question, max_tokens=8).text))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(replies) == 3 and len(set(replies)) == 1 and replies[0].strip()  # greedy: same reply each time
