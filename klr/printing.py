"""Textual IR in and out (text is for tests, debugging and hand-off files)."""

from __future__ import annotations

import io

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.printer import Printer


def print_ir(op: Operation) -> str:
    """The custom-syntax text of `op`, byte-identical to what `klr-opt` prints."""
    stream = io.StringIO()
    Printer(stream=stream).print_op(op)
    stream.write("\n\n")
    return stream.getvalue()


def parse_ir(ctx: Context, text: str, name: str = "<input>") -> ModuleOp:
    """Parse a module (top-level ops are wrapped in `builtin.module`)."""
    return Parser(ctx, text, name).parse_module()
