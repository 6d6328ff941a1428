"""Named components: `{name: factory}` tables that the CLI, the API, the settings and `rag eval` all read.

A registry is the one place a name is defined, so adding a retrieval mode or a generator means one
`register` call, and every face (CLI `choices`, API validation, `Settings`, `--compare`) learns it.
An unknown name fails with one line that lists the known ones (simonw/llm's `UnknownModelError`).

>>> colours = Registry[str]("colour")
>>> colours.register("red", lambda: "#f00")
>>> colours.names(), colours.create("red")
(('red',), '#f00')
>>> colours.check("blue")
Traceback (most recent call last):
...
index.errors.UnknownNameError: unknown colour 'blue' (known: red)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from index.errors import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Factories by name; factories import what they need, so building the table costs nothing."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[..., T]] = {}

    def register(self, name: str, factory: Callable[..., T]) -> None:
        if name in self._factories:
            raise ValueError(f"{self.kind} {name!r} is registered twice")
        self._factories[name] = factory

    def names(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories

    def check(self, name: str) -> str:
        """`name` itself, or `UnknownNameError` naming the known ones."""
        if name not in self._factories:
            raise UnknownNameError(f"unknown {self.kind} {name!r} (known: {', '.join(self._factories)})")
        return name

    def create(self, name: str, *args: Any, **kwargs: Any) -> T:
        return self._factories[self.check(name)](*args, **kwargs)
