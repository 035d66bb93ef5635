"""The semantic model: declarations, scopes and name resolution over a plugin and its include
graph (what definition, references, rename, completion, hover, semantic tokens read)."""

from spcopilot.diagnostics.semantic.binder import FileIndex, IncludeDirective, bind
from spcopilot.diagnostics.semantic.scope import Layer, Program, SemanticModel
from spcopilot.diagnostics.semantic.symbols import Decl, Ref
from spcopilot.diagnostics.semantic.workspace import Occurrence, Workspace

__all__ = [
    "Decl",
    "FileIndex",
    "IncludeDirective",
    "Layer",
    "Occurrence",
    "Program",
    "Ref",
    "SemanticModel",
    "Workspace",
    "bind",
]
