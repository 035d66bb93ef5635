"""`cached_property` without a lock.

Python 3.10's and 3.11's `functools.cached_property` holds one lock per property, shared by every
instance of the class, while it computes a value: two analysis threads building the semantic model of two
different documents (`DocumentView.semantic`), or two lints building their file models
(`LintContext.model`), ran one after the other, and every question about a small plugin waited
for a megabyte document's model (bench/fuzz_lsp.py, threads sampled while a request was late).
Python 3.12 removed that lock; this is 3.12's behaviour: each value is computed on first use and
stored on the instance, and two threads asking for the same instance's value at once may both
compute it (the last stored wins; every value here is a pure function of the instance). The
language server never does that: one document's work runs one piece at a time
(server/lsp/analysis.py). This module can go when 3.12 is the oldest Python supported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

T = TypeVar("T")

if TYPE_CHECKING:
    from functools import cached_property as cached_property
else:

    class cached_property(Generic[T]):
        def __init__(self, func: Callable[[Any], T]) -> None:
            self.func = func
            self.attrname: str | None = None
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.attrname = name

        def __get__(self, instance: Any, owner: type | None = None) -> Any:
            if instance is None:
                return self
            value = self.func(instance)
            instance.__dict__[self.attrname] = value  # read from there from now on (no __set__ here)
            return value


__all__ = ["cached_property"]
