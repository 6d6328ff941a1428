"""A GGUF chat model run in-process by llama.cpp (through xllamacpp): no server to start, no network.

xllamacpp embeds llama.cpp's own HTTP server code. `Server(params)` loads the model and starts its decode loop
on a thread; `handle_chat_completions(request_dict, callback)` takes an OpenAI-style request and, with
`"stream": True`, calls `callback(chunk_dict)` synchronously on the calling thread once per server-sent event
(`choices[0].delta.content` pieces, then a last chunk with `usage` and llama.cpp's `timings`); returning True from
the callback stops the stream. The prompt is built by llama.cpp from the chat template stored in the GGUF
(jinja), and generation stops at the model's end-of-turn tokens, so nothing here hand-builds prompts.

One request runs at a time (a lock): the model has one slot and the web server calls from many threads.
Gotcha: the embedded server also listens on a random loopback port (it cannot be turned off: no host crashes
llama.cpp), so a random API key is set to keep other local processes out of it.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.errors import InputError, ModelError
from rag.gguf import INSTALL_HINT, read_header


@dataclass(frozen=True)
class Completion:
    """One chat reply with llama.cpp's own token counts and timings (ms), and the time to its first token."""

    text: str
    prompt_tokens: int  # the whole prompt, after the chat template
    completion_tokens: int
    prompt_ms: float  # time llama.cpp spent evaluating the prompt tokens not served from its prompt cache
    generation_ms: float  # time spent generating the reply's tokens
    first_token_ms: float | None  # from the call to the first non-empty piece of text (None: empty reply)
    total_ms: float  # wall clock of the whole call
    cached_tokens: int = 0  # prompt tokens reused from the previous request (prompt cache)
    finish_reason: str = "stop"  # "stop" (end of turn or a stop string) or "length" (max_tokens reached)

    @property
    def prompt_tokens_per_s(self) -> float:
        evaluated = self.prompt_tokens - self.cached_tokens
        return evaluated * 1000.0 / self.prompt_ms if self.prompt_ms > 0 else 0.0

    @property
    def generation_tokens_per_s(self) -> float:
        return self.completion_tokens * 1000.0 / self.generation_ms if self.generation_ms > 0 else 0.0


class LocalLLM:
    """A chat model loaded once (on `warm_up()` or the first `chat()`) and then shared by every thread."""

    def __init__(self, model_path: Path, *, n_ctx: int = 4096, n_threads: int = 2, n_threads_batch: int | None = None,
                 n_batch: int = 512, prompt_cache_mib: int = 256, poll: int = 50, seed: int = 42) -> None:
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self.n_threads_batch = n_threads_batch or n_threads
        self.n_batch = n_batch
        self.prompt_cache_mib = prompt_cache_mib  # llama.cpp keeps up to 8 GiB of old prompts' KV in RAM otherwise
        self.poll = poll  # llama.cpp's busy-wait level for idle worker threads (0 = sleep; 50 = llama.cpp's default)
        self.seed = seed
        self.load_ms: float | None = None
        self._server: Any = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._server is not None

    def warm_up(self) -> None:
        """Load the model (a few seconds for the 1.1 GB default); ModelError if the runtime or the file is unusable."""
        with self._lock:
            self._load()

    def _load(self) -> None:
        if self._server is not None:
            return
        try:
            import xllamacpp
        except ImportError:
            raise ModelError(f"the local LLM runtime xllamacpp is not installed: {INSTALL_HINT}") from None
        read_header(self.model_path)  # a clear message for a missing or non-GGUF file before llama.cpp sees it
        p = xllamacpp.CommonParams()
        p.model.path = str(self.model_path)
        p.n_ctx = self.n_ctx
        p.n_parallel = 1
        p.n_batch = self.n_batch
        p.cpuparams.n_threads = self.n_threads
        p.cpuparams_batch.n_threads = self.n_threads_batch
        p.cpuparams.poll = p.cpuparams_batch.poll = self.poll
        p.cache_ram_mib = self.prompt_cache_mib
        p.offline = True  # never try to download anything
        p.ui = False
        p.verbosity = 0
        p.api_keys = [secrets.token_hex(16)]  # the embedded loopback HTTP listener answers nobody else
        start = time.perf_counter()
        try:
            self._server = xllamacpp.Server(p)
        except Exception as e:  # noqa: BLE001 - llama.cpp reports a failed load as a bare RuntimeError
            raise ModelError(f"llama.cpp could not load {self.model_path}: {e}") from e
        self.load_ms = (time.perf_counter() - start) * 1000.0

    def close(self) -> None:
        """Free the model (stops llama.cpp's decode thread); a later `chat()` loads it again."""
        with self._lock:
            self._server = None

    def chat(self, messages: Sequence[dict[str, str]], *, max_tokens: int, temperature: float = 0.0,
             on_token: Callable[[str], None] | None = None, stop: Sequence[str] | None = None,
             cache_prompt: bool = True, json_schema: dict[str, Any] | None = None) -> Completion:
        """Answer `messages` (OpenAI roles: system/user/assistant), calling `on_token` with each piece of text.

        The reply is always streamed internally, so `first_token_ms` is measured even without `on_token`;
        `on_token` runs on the calling thread, and an exception from it stops generation and is re-raised.
        A prompt too long for the context raises InputError; any other llama.cpp failure raises ModelError.
        """
        request: dict[str, Any] = {
            "messages": list(messages), "max_tokens": max_tokens, "temperature": temperature, "seed": self.seed,
            "stream": True, "stream_options": {"include_usage": True}, "cache_prompt": cache_prompt,
        }
        if stop:
            request["stop"] = list(stop)
        if json_schema is not None:  # llama.cpp turns the schema into a grammar: the reply is always valid JSON
            request["json_schema"] = json_schema
        pieces: list[str] = []
        final: dict[str, Any] = {}
        failure: list[BaseException] = []
        error: dict[str, Any] = {}
        first: list[float] = []
        finish = ["stop"]

        def callback(chunk: dict[str, Any]) -> bool:
            try:
                if "error" in chunk:
                    error.update(chunk["error"] if isinstance(chunk["error"], dict) else {"message": chunk["error"]})
                    return True
                if "timings" in chunk or "usage" in chunk:
                    final.update(chunk)
                for choice in chunk.get("choices") or ():
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        if not first:
                            first.append(time.perf_counter())
                        pieces.append(text)
                        if on_token is not None:
                            on_token(text)
                    if choice.get("finish_reason"):
                        finish[0] = choice["finish_reason"]
                return False
            except BaseException as e:  # noqa: BLE001 - xllamacpp swallows callback exceptions; keep and re-raise
                failure.append(e)
                return True

        with self._lock:
            self._load()
            start = time.perf_counter()
            self._server.handle_chat_completions(request, callback)
            end = time.perf_counter()
        if failure:
            raise failure[0]
        if error:
            message = f"the local LLM refused the request: {error.get('message', error)}"
            raise (InputError if 400 <= int(error.get("code", 500)) < 500 else ModelError)(message)
        usage, timings = final.get("usage") or {}, final.get("timings") or {}
        return Completion(
            text="".join(pieces),
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", timings.get("predicted_n", 0))),
            prompt_ms=float(timings.get("prompt_ms", 0.0)),
            generation_ms=float(timings.get("predicted_ms", 0.0)),
            first_token_ms=(first[0] - start) * 1000.0 if first else None,
            total_ms=(end - start) * 1000.0,
            cached_tokens=int(timings.get("cache_n", 0)),
            finish_reason=finish[0],
        )
