"""`strip-py-ast-locations`: drop source locations from `py_ast` ops.

Useful to compare the IR of two files that differ only in layout, and to keep
FileCheck tests independent of line numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from klr.dialects import py_ast


@dataclass(frozen=True)
class StripPyAstLocationsPass(ModulePass):
    """Remove the `loc` property of every py_ast op (bindings included)."""

    name = "strip-py-ast-locations"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for inner in op.walk():
            if inner.dialect_name() == "py_ast" and "loc" in inner.properties:
                del inner.properties["loc"]
