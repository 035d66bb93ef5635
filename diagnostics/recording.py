"""What a rule asked about the rest of the file while it checked one top-level item.

The incremental engine (incremental.py) reuses an item's findings until something the rule
read changes. Everything outside the item reaches a rule through the Context, so the Context
(and the file model it hands out) writes each question down as a key - `("functions",
"Timer_Check")`, `("hooks", "Event_Death")`, `("defined", "RoundFloat")`, `("game", None)`,
`("contains", b"myinfo")` - into the entry of the item and rule being checked; the engine
remembers each key's answer and re-checks the entries whose answers changed.

Two more things are noted per entry: a line number asked for (`ctx.lines.line_of`, which rules
put in messages) makes the entry depend on where its item sits, or on the whole file when the
line is in another item; and `ctx.uses_whole_file()` makes it depend on everything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from spcopilot.diagnostics.context import Context, SymbolScope
from spcopilot.diagnostics.game import GameInfo
from spcopilot.diagnostics.semantics import FileModel
from spcopilot.diagnostics.text import LineIndex

T = TypeVar("T")
ALL = "*"  # the key's name for "the whole container" (no definition can be called `*`)
Key = tuple[str, Any]


class Notes:
    """What one check read: keys, and whether its findings depend on where the item is."""

    __slots__ = ("keys", "line_sensitive", "span", "volatile")

    def __init__(self, span: tuple[int, int]) -> None:
        self.span = span  # the item's bytes, with the rest of its first and last lines
        self.keys: set[Key] = set()
        self.line_sensitive = False  # asked for a line inside its own item
        self.volatile = False  # read something the keys cannot describe

    def absorb(self, other: Notes) -> None:
        self.keys |= other.keys
        self.line_sensitive |= other.line_sensitive
        self.volatile |= other.volatile


class Recorder:
    """Routes the questions to the notes of the check that is running (none: not recorded)."""

    __slots__ = ("notes",)

    def __init__(self) -> None:
        self.notes: Notes | None = None

    def note(self, key: Key) -> None:
        if self.notes is not None:
            self.notes.keys.add(key)

    def line(self, offset: int) -> None:
        notes = self.notes
        if notes is not None:
            if notes.span[0] <= offset < notes.span[1]:
                notes.line_sensitive = True
            else:
                notes.volatile = True

    def whole_file(self) -> None:
        if self.notes is not None:
            self.notes.volatile = True


# -- the model's containers, recording their reads ------------------------------------------------
def _resolved(value: Any) -> Any:
    resolve = getattr(value, "resolve", None)
    return resolve() if resolve is not None else value


class RecordedMap(dict[str, Any]):
    """name -> node (resolved from a NodeRef when read) or value; notes (kind, name) per lookup
    and (kind, ALL) when listed."""

    __slots__ = ("_kind", "_note")

    def __init__(self, kind: str, note: Callable[[Key], None]) -> None:
        super().__init__()
        self._kind, self._note = kind, note

    def __getitem__(self, key: str) -> Any:
        self._note((self._kind, key))
        return _resolved(dict.__getitem__(self, key))

    def get(self, key: str, default: Any = None) -> Any:
        self._note((self._kind, key))
        value = dict.get(self, key, _MISSING)
        return default if value is _MISSING else _resolved(value)

    def __contains__(self, key: object) -> bool:
        self._note((self._kind, key))
        return dict.__contains__(self, key)

    def __iter__(self) -> Iterator[str]:
        self._note((self._kind, ALL))
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._note((self._kind, ALL))
        return dict.__len__(self)

    def keys(self) -> Any:
        self._note((self._kind, ALL))
        return dict.keys(self)

    def values(self) -> Any:
        self._note((self._kind, ALL))
        return [_resolved(v) for v in dict.values(self)]

    def items(self) -> Any:
        self._note((self._kind, ALL))
        return [(k, _resolved(v)) for k, v in dict.items(self)]


_MISSING = object()


class RecordedSet(set[str]):
    """The defined names; notes ("defined", name) per membership test, ("defined", ALL) else."""

    __slots__ = ("_note",)

    def __init__(self, note: Callable[[Key], None]) -> None:
        super().__init__()
        self._note = note

    def __contains__(self, name: object) -> bool:
        self._note(("defined", name))
        return set.__contains__(self, name)

    def __iter__(self) -> Iterator[str]:
        self._note(("defined", ALL))
        return set.__iter__(self)

    def __len__(self) -> int:
        self._note(("defined", ALL))
        return set.__len__(self)

    def __sub__(self, other: Any) -> Any:
        self._note(("defined", ALL))
        return set(set.__iter__(self)) - other

    def __and__(self, other: Any) -> Any:
        self._note(("defined", ALL))
        return set(set.__iter__(self)) & other


class RecordedList(list[Any]):
    """hooks, registrations, includes: any read notes (kind, ALL)."""

    __slots__ = ("_kind", "_note")

    def __init__(self, kind: str, note: Callable[[Key], None]) -> None:
        super().__init__()
        self._kind, self._note = kind, note

    def __iter__(self) -> Iterator[Any]:
        self._note((self._kind, ALL))
        return list.__iter__(self)

    def __len__(self) -> int:
        self._note((self._kind, ALL))
        return list.__len__(self)

    def __getitem__(self, index: Any) -> Any:
        self._note((self._kind, ALL))
        return list.__getitem__(self, index)

    def __contains__(self, value: object) -> bool:
        self._note((self._kind, ALL))
        return list.__contains__(self, value)

    def __bool__(self) -> bool:
        self._note((self._kind, ALL))
        return list.__len__(self) > 0


def recorded_model(source: bytes, recorder: Recorder) -> FileModel:
    """An empty model whose containers and methods tell `recorder` what rules read."""
    note = recorder.note
    return FileModel(
        source,
        functions=RecordedMap("functions", note),
        declarations=RecordedMap("declarations", note),
        defined=RecordedSet(note),
        variables=RecordedMap("variables", note),
        define_values=RecordedMap("define_values", note),
        includes=RecordedList("includes", note),
        hooks=RecordedList("hooks", note),
        registrations=RecordedList("registrations", note),
        _hooks_by_callback={},
        notes=note,
    )


# -- the context ---------------------------------------------------------------------------------
class WatchedLines(LineIndex):
    """The document's line index; a line number asked for is noted (`position`, which places
    findings, is not: findings move with their item)."""

    __slots__ = ("_on_line",)

    def line_of(self, offset: int) -> int:
        self._on_line(offset)
        return LineIndex.line_of(self, offset)


class RecordingContext(Context):
    """The Context of an incremental lint: model, lines and game made once for the lint, and
    every question about the rest of the file noted through `recorder`."""

    def setup(
        self,
        recorder: Recorder,
        model: FileModel,
        lines: LineIndex,
        game: GameInfo,
        contains: Callable[[bytes], bool],
    ) -> RecordingContext:
        watched = WatchedLines.from_starts(self.source, lines.line_starts)
        watched._on_line = recorder.line
        self.__dict__.update(
            _recorder=recorder, _model=model, _lines=watched, _plain_lines=lines, _game=game, _contains=contains
        )
        return self

    @property
    def model(self) -> FileModel:
        return self.__dict__["_model"]

    @property
    def lines(self) -> LineIndex:
        return self.__dict__["_lines"]

    @property
    def game(self) -> GameInfo:
        self.__dict__["_recorder"].note(("game", None))
        return self.__dict__["_game"]

    @property
    def symbols(self) -> SymbolScope:
        self.__dict__["_recorder"].note(("symbols", None))
        return self.current_symbols()

    def current_symbols(self) -> SymbolScope:
        """The scope, not recorded (the engine compares it between lints)."""
        found = self.__dict__.get("_symbols")
        if found is None:
            found = self.__dict__["_symbols"] = Context.symbols.func(self)
        return found

    def contains(self, needle: bytes) -> bool:
        self.__dict__["_recorder"].note(("contains", needle))
        return self.__dict__["_contains"](needle)

    def uses_whole_file(self) -> None:
        self.__dict__["_recorder"].whole_file()

    def memo(self, key: object, compute: Callable[[], T]) -> T:
        """Memoised values carry what computing them read to every check that uses them."""
        recorder: Recorder = self.__dict__["_recorder"]
        cache = self.__dict__.setdefault("_memo", {})
        hit = cache.get(key)
        if hit is None:
            outer = recorder.notes
            inner = Notes(outer.span if outer is not None else (0, 0))
            recorder.notes = inner
            try:
                value = compute()
            finally:
                recorder.notes = outer
            hit = cache[key] = (value, inner)
        if recorder.notes is not None:
            recorder.notes.absorb(hit[1])
        return hit[0]
