"""The user's SourcePawn compiler (`spcomp`), next to the rule engine.

The rules catch what the compiler cannot (a misnamed event compiles and never fires); the
compiler catches what a linter cannot (tag mismatches, missing semicolons, symbols from
includes we have not indexed). Wherever a compiler is found, both run; without one, nothing
changes.

- `locate`: find it and check it is SourcePawn's compiler (its banner);
- `run`: compile one plugin into a temp dir, with a timeout and cancellation;
- `output`: read what it prints;
- `findings`: its messages as diagnostics, merged with ours;
- `check`: the entry point the CLI, the server, the guard and the battery share.
"""

from spcopilot.diagnostics.compiler.check import CompileCheck, CompileReport
from spcopilot.diagnostics.compiler.findings import is_compiler_finding, merged
from spcopilot.diagnostics.compiler.locate import Compiler, CompilerError, CompilerSearch, find_compiler

__all__ = [
    "CompileCheck",
    "CompileReport",
    "Compiler",
    "CompilerError",
    "CompilerSearch",
    "find_compiler",
    "is_compiler_finding",
    "merged",
]
