"""Name -> implementation registries for plug-ins.

Channels, allocators, estimators and mode policies register under the name a scenario uses,
so that a user adds one by decorating a class in their own module, without touching the core::

    from scoutsim.decisions.allocators import ALLOCATORS

    @ALLOCATORS.register("my_rule")
    class MyRule: ...
"""

from __future__ import annotations

from typing import Callable, Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorate(item: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = item
            return item

        return decorate

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(f"unknown {self.kind} {name!r}; expected one of {self.names()}") from None

    def validate(self, name: str) -> str:
        """``name`` if registered; else a ValueError listing the choices (for pydantic)."""
        if name not in self._items:
            raise ValueError(f"unknown {self.kind} {name!r}; expected one of {self.names()}")
        return name

    def names(self) -> list[str]:
        return sorted(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items
