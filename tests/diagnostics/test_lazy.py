"""diagnostics/lazy.py: a cached property computed once per instance, and two instances' values
computed at once on two threads (Python 3.11's functools.cached_property makes the second wait
for the first: one lock per property for the whole class)."""

from __future__ import annotations

import threading

from spcopilot.diagnostics.lazy import cached_property


class Model:
    built = 0

    def __init__(self, meet: threading.Barrier | None = None) -> None:
        self.meet = meet

    @cached_property
    def value(self) -> int:
        """The doc stays."""
        Model.built += 1
        if self.meet is not None:
            self.meet.wait()  # both threads are inside at once, or this times out
        return id(self)


def test_computed_once_per_instance() -> None:
    Model.built = 0
    one, two = Model(), Model()
    assert one.value == one.value == id(one) and two.value == id(two)
    assert Model.built == 2
    assert Model.value.__doc__ == "The doc stays."


def test_two_instances_are_computed_at_once() -> None:
    meet = threading.Barrier(2, timeout=10)
    models = [Model(meet), Model(meet)]
    failures: list[BaseException] = []

    def read(model: Model) -> None:
        try:
            assert model.value == id(model)
        except BaseException as error:  # (a BrokenBarrierError when one waited for the other)
            failures.append(error)

    threads = [threading.Thread(target=read, args=(m,)) for m in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not failures
