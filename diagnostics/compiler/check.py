"""Compile checks as the CLI, the language server, the guard and the evaluation battery use them.

A `CompileCheck` holds the compiler found for a configuration (searched once) and answers
"what does the compiler say about this file": which plugin to compile (a part file of a
multi-file plugin is compiled through the plugin that includes it; a lone `.inc` is not
compiled), with which include folders (the engine's: configured, then the SourceMod layout's),
and the findings per file, on the user's paths.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from spcopilot.diagnostics.compiler.findings import ReadText, to_diagnostics
from spcopilot.diagnostics.compiler.locate import Compiler, CompilerSearch, find_compiler, plugin_folders
from spcopilot.diagnostics.compiler.ownership import IncludeOwnership
from spcopilot.diagnostics.compiler.run import DEFAULT_TIMEOUT_S, CompileRun, compile_plugin
from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.errors import InputError
from spcopilot.diagnostics.fragments import FragmentParents
from spcopilot.diagnostics.include_index import find_include_dirs
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.sources import read_source


@dataclass(slots=True)
class CompileReport:
    """The compiler's findings for one request, by the user's file path (the file asked about
    is always a key, with an empty list when it is clean)."""

    path: Path
    targets: list[Path] = field(default_factory=list)  # the plugins compiled
    by_file: dict[str, list[Diagnostic]] = field(default_factory=dict)
    failures: list[tuple[Path, str]] = field(default_factory=list)  # (target, one sentence) per failed run
    compiler: Compiler | None = None  # the compiler used (None: none found for the targets)
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        """Why a run gave no verdict (crashed, timed out, printed garbage), one sentence each."""
        return [problem for _, problem in self.failures]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """The findings on the file asked about."""
        return self.by_file.get(str(self.path), [])

    @property
    def compiled(self) -> bool:
        """The compiler ran to the end on every target."""
        return bool(self.targets) and not self.problems and not self.cancelled


class CompileCheck:
    def __init__(
        self, config: Config | None = None, timeout: float = DEFAULT_TIMEOUT_S, workspace: Sequence[Path] = ()
    ) -> None:
        """`workspace`: the folders the user owns (with the `.spcopilot.toml`'s folder), for
        the severity of warnings in include files (ownership.py)."""
        self.config = config or Config()
        self.timeout = timeout
        owned = [*workspace, *([self.config.source.parent] if self.config.source else [])]
        self.ownership = IncludeOwnership(self.config.include_dirs, owned)
        self._search: CompilerSearch | None = None
        self._beside: dict[Path, CompilerSearch] = {}  # plugin folder -> its search
        self._lock = threading.Lock()
        self._searching = threading.Lock()
        self._parents = FragmentParents()

    @property
    def search(self) -> CompilerSearch:
        """Where the compiler was looked for and what was found, for any plugin: configured,
        on PATH, next to a configured include folder (searched on first use)."""
        with self._searching:  # once, also when the CLI's compile threads ask at the same time
            if self._search is None:
                self._search = find_compiler(self.config.spcomp, self.config.include_dirs)
            return self._search

    @property
    def compiler(self) -> Compiler | None:
        return self.search.compiler

    def search_for(self, plugin: Path) -> CompilerSearch:
        """The search for one plugin: `search`, else a compiler next to the plugin's own
        include folders or in its `scripting/` folder (the SourceMod layout, nothing
        configured). Searched once per plugin folder."""
        search = self.search
        if search.compiler is not None or search.configured:
            return search
        folder = Path(os.path.abspath(plugin)).parent
        with self._lock:
            found = self._beside.get(folder)
        if found is None:
            found = find_compiler(
                include_dirs=[*self.config.include_dirs, *find_include_dirs(plugin, self.config.include_dirs)],
                beside=plugin_folders(plugin),
            )
            found.rejected = list(dict.fromkeys(search.rejected + found.rejected))
            with self._lock:
                self._beside[folder] = found
        return found

    def targets_for(self, path: Path, text: bytes | None = None) -> list[Path]:
        """The plugins to compile to check `path`: itself, or the plugins that include it when
        it is a part file (no `myinfo`) that others include; nothing for a lone include file.
        A part file's unsaved changes are not seen: its plugin includes the file on disk."""
        declares = b"myinfo" in text if text is not None else _declares_plugin(path)
        parents = [] if declares else self._parents.parents_of(path)
        if parents:
            return parents
        return [] if path.suffix.lower() == ".inc" else [path]

    def check(
        self,
        path: Path,
        text: bytes | None = None,
        open_buffers: Mapping[str, bytes] | None = None,
        should_stop: Callable[[], bool] | None = None,
        standalone: bool = False,
    ) -> CompileReport:
        """Compile what `path` belongs to. `text` is the file's unsaved buffer (compiled from a
        temp copy when `path` is itself the plugin); `open_buffers` give other files' unsaved
        texts for placing the findings. `standalone` compiles `path` alone, as generated code
        that no plugin includes yet."""
        path = Path(os.path.abspath(path))
        report = CompileReport(path, by_file={str(path): []})
        buffers = {os.path.abspath(k): v for k, v in (open_buffers or {}).items()}
        if text is not None:
            buffers[str(path)] = text
        for target in [path] if standalone else self.targets_for(path, text):
            compiler = self.search_for(target).compiler
            if compiler is None:
                continue
            with self._lock:
                self.ownership.add_compiler(compiler.path)
            report.compiler = compiler
            run = compile_plugin(
                compiler,
                target,
                buffers.get(str(target)),
                find_include_dirs(target, self.config.include_dirs),
                self.timeout,
                should_stop,
            )
            report.targets.append(target)
            report.seconds += run.seconds
            self._add(report, run, text_reader(buffers))
            if run.cancelled:
                report.cancelled = True
                break
        return report

    def _add(self, report: CompileReport, run: CompileRun, read_text: ReadText) -> None:
        """The run's findings into the report: warnings in include files the user does not own
        at `spcomp-include-severity`; a finding that an earlier target's compile already
        reported (a part file two plugins include) is not added again, but a repeat within
        one run is (the compiler said it twice)."""
        if run.problem:
            report.failures.append((run.target, run.problem))
        this_run: dict[Diagnostic, int] = {}
        for d in to_diagnostics(run.messages, read_text):
            if d.severity is Severity.WARNING and not self.ownership.owns(d.path):
                d = replace(d, severity=self.config.spcomp_include_severity)
            found = report.by_file.setdefault(d.path, [])
            this_run[d] = this_run.get(d, 0) + 1
            if found.count(d) < this_run[d]:
                found.append(d)


def _declares_plugin(path: Path) -> bool:
    try:
        return b"myinfo" in path.read_bytes()
    except OSError:
        return False


def text_reader(buffers: Mapping[str, bytes] | None = None) -> ReadText:
    """A file's text: an unsaved buffer when one is given for it, else the disk's."""
    buffers = buffers or {}

    def read(path: str) -> bytes | None:
        if path in buffers:
            return buffers[path]
        try:
            return read_source(Path(path)).data
        except InputError:
            return None

    return read
