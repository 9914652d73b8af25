"""Textual IR in and out (text is for tests, debugging and hand-off files)."""

from __future__ import annotations

import io

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.printer import Printer


class FastPrinter(Printer):
    """xDSL's printer with a cheaper character sink.

    The base printer sends every token through `print(..., file=stream)`; gathered
    programs have tens of thousands of ops, and this alone was a third of print time.
    The output is byte-identical.
    """

    def print_string(self, text: str, *, indent: int | None = None) -> None:
        if "\n" not in text:
            self._current_column += len(text)
            self.stream.write(text)  # type: ignore[union-attr]
            return
        super().print_string(text, indent=indent)

    def _print_new_line(self, indent: int | None = None, print_message: bool = True) -> None:
        if print_message and self._next_line_callback:
            super()._print_new_line(indent, print_message)
            return
        spaces = (self._indent if indent is None else indent) * self.indent_num_spaces
        self.stream.write("\n" + " " * spaces)  # type: ignore[union-attr]
        self._current_line += 1
        self._current_column = spaces


def print_ir(op: Operation) -> str:
    """The custom-syntax text of `op`, byte-identical to what `klr-opt` prints."""
    stream = io.StringIO()
    FastPrinter(stream=stream).print_op(op)
    stream.write("\n\n")
    return stream.getvalue()


def parse_ir(ctx: Context, text: str, name: str = "<input>") -> ModuleOp:
    """Parse a module (top-level ops are wrapped in `builtin.module`)."""
    return Parser(ctx, text, name).parse_module()
