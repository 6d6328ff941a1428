"""The few exceptions the core raises; the CLI, API and UI turn them into messages for people."""


class RagError(Exception):
    """Base class: anything a user can fix by changing input or configuration."""


class InputError(RagError):
    """A file, record or argument that cannot be used (names the problem in its message)."""


class ModelError(RagError):
    """An embedding or language model that cannot be found or loaded."""


class StoreError(RagError):
    """The vector store cannot be opened or reached."""


class NotFoundError(RagError):
    """A document id (or other named thing) that is not in the store."""


class UnknownNameError(InputError):
    """A component name (retrieval mode, generator, embedding backend…) that no registry knows."""


class IndexBusyError(StoreError):
    """The index is owned by another process (`index.owner`): `owner` says which, when it is known, and `url`
    where it serves the index ("" when it is not a server)."""

    def __init__(self, message: str, owner: object | None = None, url: str = "") -> None:
        super().__init__(message)
        self.owner, self.url = owner, url
