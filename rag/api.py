"""The HTTP API: `/api` (our JSON), `/v1` (OpenAI-compatible chat and embeddings), OpenAPI docs at `/docs`.

Every error is JSON `{"error": {"message", "type"}}` with a fitting status and no traceback. With
`RAG_API_KEY` set, `/api` and `/v1` need `Authorization: Bearer <key>`; uploads and deletes always
need it (and are refused when no key is configured), because they change what everyone is served.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, RedirectResponse, StreamingResponse
from pydantic import BaseModel, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.errors import InputError, ModelError, NotFoundError, RagError, StoreError
from index.loading import SUFFIXES
from rag import __version__
from rag.access_log import AccessLog, log_question
from rag.api_docs import add_docs
from rag.filters import Filters, check_date
from rag.guard import HostGuard, RequestGuard, bearer, key_refusal
from rag.kb import KnowledgeBase
from rag.openai_chat import MODEL_ID as MODEL_ID  # re-exported
from rag.openai_chat import ChatRequest, completion, stream
from rag.openai_embeddings import EmbeddingRequest, embed_sides, embedding_response
from rag.query import history_problem
from rag.registry import RETRIEVERS
from rag.types import Answer, DocumentEntry, SearchHit, Turn

LIST_DOCUMENTS = "GET /api/documents lists them"


class ApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.kind, self.code = status, message, kind, code


class FilterModel(BaseModel):
    date_from: str = ""
    date_to: str = ""
    sources: list[str] = []
    doc_ids: list[str] = []

    @field_validator("date_from", "date_to")
    @classmethod
    def _iso(cls, v: str) -> str:
        try:
            return check_date(v)
        except InputError as exc:
            raise ValueError(str(exc)) from None

    def to_filters(self) -> Filters:
        return Filters(self.date_from, self.date_to, tuple(self.sources), tuple(self.doc_ids))


# Checked by `rag.query.check_question` when asked (empty, too long, no words: 400), as the CLI and the UI do.
Question = Annotated[str, Field(description="the question, in English or Arabic")]


class AskRequest(BaseModel):
    question: Question
    history: list[Turn] = []
    top_k: int | None = Field(default=None, ge=1, le=50)
    filters: FilterModel | None = None


class SearchRequest(BaseModel):
    question: Question
    top_k: int = Field(default=5, ge=1, le=50)
    mode: str | None = Field(default=None, description=f"retrieval mode: {', '.join(RETRIEVERS.names())}")
    filters: FilterModel | None = None

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, v: str | None) -> str | None:
        try:
            return v if v is None else RETRIEVERS.check(v)
        except InputError as exc:
            raise ValueError(str(exc)) from None


def create_app(kb: KnowledgeBase, *, home: str = "/docs") -> FastAPI:
    """The API alone (`/` redirects to `home`); the chat UI is mounted on it by the layer above."""
    settings = kb.settings
    app = FastAPI(title="Arabic news RAG", version=__version__, docs_url=None, redoc_url=None,
                  description="Questions over an archive of Arabic news, answered with checkable citations.")
    add_docs(app)  # Swagger UI and ReDoc from local assets: they work offline

    app.add_middleware(RequestGuard, settings=settings)
    # Starlette's own CORS middleware, which is also what makes the mounted Gradio app drop its CORS headers
    # (it echoes any origin, with credentials, to a server reached by a non-localhost name).
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_credentials=True,
                       allow_methods=["GET", "POST", "DELETE"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(HostGuard, settings=settings)
    app.add_middleware(AccessLog)  # added last: runs first, so refusals are logged too

    def require_key(request: Request) -> None:
        problem = key_refusal(settings, bearer(request.headers))
        if problem:
            raise ApiError(*problem)

    def require_key_always(request: Request) -> None:
        problem = key_refusal(settings, bearer(request.headers), always=True)
        if problem:
            raise ApiError(*problem)

    auth = [Depends(require_key)]

    def check_history(history: list[Turn]) -> list[Turn]:
        problem = history_problem(history, max_turns=settings.max_history_turns,
                                  max_chars=settings.max_history_chars)
        if problem:
            raise ApiError(413, problem)
        return history

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        body: dict[str, Any] = {"message": exc.message, "type": exc.kind}
        if exc.code:
            body["code"] = exc.code
        return JSONResponse({"error": body}, status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"error": {"message": "malformed JSON body", "type": "invalid_request_error"}}, 400)
        if any(e.get("type") == "model_attributes_type" and tuple(e.get("loc", ())) == ("body",) for e in errors):
            return JSONResponse({"error": {"message": "the body must be a JSON object (Content-Type: application/json)",
                                           "type": "invalid_request_error"}}, 400)
        msg = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'body'}: {e.get('msg')}" for e in errors)
        return JSONResponse({"error": {"message": msg, "type": "invalid_request_error"}}, status_code=422)

    @app.exception_handler(RagError)
    async def _rag_error(request: Request, exc: RagError) -> JSONResponse:
        status = {NotFoundError: 404, InputError: 400, ModelError: 502, StoreError: 503}.get(type(exc), 500)
        return JSONResponse({"error": {"message": str(exc), "type": type(exc).__name__}}, status_code=status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": {"message": str(exc.detail), "type": "http_error"}}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"error": {"message": f"internal error ({type(exc).__name__})", "type": "server_error"}},
                            status_code=500)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(home)

    @app.get("/api/health")
    def health(request: Request) -> dict[str, Any]:
        if key_refusal(settings, bearer(request.headers)):
            return {"status": "ok"}  # open for monitoring; the details are for those with the key
        docs = kb.docs()
        return {"status": "ok", "version": __version__, "documents": len(docs),
                "chunks": sum(d.chunks for d in docs), "embedder": kb.embedder.name,
                "generator": settings.generator, "retrieval": settings.retrieval_mode}

    @app.post("/api/ask", dependencies=auth)
    def ask(req: AskRequest) -> Answer:
        log_question("/api/ask", req.question)
        return kb.ask(req.question, history=check_history(req.history), top_k=req.top_k,
                      filters=req.filters.to_filters() if req.filters else None)

    @app.post("/api/search", dependencies=auth)
    def search(req: SearchRequest) -> dict[str, list[SearchHit]]:
        log_question("/api/search", req.question)
        hits = kb.search(req.question, top_k=req.top_k, mode=req.mode,
                         filters=req.filters.to_filters() if req.filters else None)
        return {"hits": [SearchHit.of(h) for h in hits]}

    @app.get("/api/documents", dependencies=auth)
    def documents() -> list[DocumentEntry]:
        return [DocumentEntry.of(d) for d in kb.docs()]

    @app.post("/api/documents", dependencies=[Depends(require_key_always)])
    def upload(files: Annotated[list[UploadFile], File(description="articles to ingest")]) -> dict[str, Any]:
        limit = int(settings.max_upload_mb * 2**20)
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for f in files:
                name = f.filename or ""
                if not name or name != Path(name).name or name.startswith(".") or "\\" in name:
                    raise ApiError(400, f"bad file name {name!r}: no folders or path parts")
                if not any(name.lower().endswith(s) or name.lower().endswith(s + ".gz") for s in SUFFIXES):
                    raise ApiError(415, f"{name}: unsupported file type (use one of {', '.join(sorted(SUFFIXES))})")
                data = f.file.read(limit + 1)
                if len(data) > limit:
                    raise ApiError(413, f"{name}: larger than {settings.max_upload_mb:g} MB")
                path = Path(tmp) / name
                path.write_bytes(data)
                paths.append(path)
            report = kb.ingest(paths)
        return {"added": report.added, "updated": report.updated, "unchanged": report.unchanged,
                "folded": report.folded,  # near-duplicate → the document it was folded into
                "failed": [{"file": Path(f.origin).name, "reason": f.reason} for f in report.failed]}

    @app.delete("/api/documents/{doc_id}", dependencies=[Depends(require_key_always)])
    def delete(doc_id: str) -> dict[str, Any]:
        try:
            return {"doc_id": doc_id, "chunks_removed": kb.remove(doc_id)}
        except NotFoundError as exc:
            raise ApiError(404, f"{exc} ({LIST_DOCUMENTS})", "not_found_error") from None

    @app.get("/v1/models", dependencies=auth)
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "local"}]}

    @app.post("/v1/embeddings", dependencies=auth)
    def embeddings(req: EmbeddingRequest) -> dict[str, Any]:
        texts = req.texts()
        if isinstance(texts, str):
            raise ApiError(413 if "at most" in texts else 400, texts)
        vectors = embed_sides(kb.embedder, texts, req.input_type)
        tokens = sum(kb.embedder.count_tokens(texts))
        return embedding_response(req.model, vectors, tokens, req.encoding_format)

    @app.post("/v1/chat/completions", dependencies=auth, response_model=None)
    def chat(req: ChatRequest) -> dict[str, Any] | StreamingResponse:
        if req.model != MODEL_ID:
            raise ApiError(404, f"model {req.model!r} not found (available: {MODEL_ID})", code="model_not_found")
        turns = req.turns()
        if not turns or turns[-1].role != "user":
            raise ApiError(400, "the last message must be the user's question")
        question, history = turns[-1].content, check_history(turns[:-1])
        log_question("/v1/chat/completions", question)

        def count(text: str) -> int:
            return kb.embedder.count_tokens([text])[0] if text else 0

        if req.stream:
            return StreamingResponse(stream(req, kb.ask_stream(question, history=history), count),
                                     media_type="text/event-stream")
        return completion(req, kb.ask(question, history=history), count)
    return app
