"""Question → retrieval → answer with citations; the HTTP API and the `rag` CLI."""

__version__ = "0.1.0"
