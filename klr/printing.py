"""Textual IR in and out (text is for tests, debugging and hand-off files)."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.printer import Printer


class FastPrinter(Printer):
    """xDSL's printer, faster on large `py_ast` programs; the output is byte-identical.

    The base printer sends every token through `print(..., file=stream)`, and prints
    each op by interpreting its declarative format; gathered programs have tens of
    thousands of ops. This printer writes to the stream directly and prints the most
    frequent py_ast ops with dedicated functions (klr/dialects/py_ast_printer.py).
    """

    def print_string(self, text: str, *, indent: int | None = None) -> None:
        if "\n" not in text:
            self._current_column += len(text)
            self.stream.write(text)  # type: ignore[union-attr]
            return
        super().print_string(text, indent=indent)

    def print_op(self, op: Operation) -> None:
        printer = _fast_printers().get(type(op))
        if printer is None or op.attributes or self.print_generic_format:
            super().print_op(op)
            return
        self._print_results(op)
        self.print_string(op.name)
        printer(self, op)

    def _print_new_line(self, indent: int | None = None, print_message: bool = True) -> None:
        if print_message and self._next_line_callback:
            super()._print_new_line(indent, print_message)
            return
        spaces = (self._indent if indent is None else indent) * self.indent_num_spaces
        self.stream.write("\n" + " " * spaces)  # type: ignore[union-attr]
        self._current_line += 1
        self._current_column = spaces


@cache
def _fast_printers() -> dict[type[Operation], Callable[[Printer, Operation], None]]:
    from klr.dialects.py_ast_printer import FAST_PRINTERS

    return FAST_PRINTERS


def print_ir(op: Operation) -> str:
    """The custom-syntax text of `op`, byte-identical to what `klr-opt` prints."""
    stream = io.StringIO()
    FastPrinter(stream=stream).print_op(op)
    stream.write("\n\n")
    return stream.getvalue()


def parse_ir(ctx: Context, text: str, name: str = "<input>") -> ModuleOp:
    """Parse a module (top-level ops are wrapped in `builtin.module`)."""
    return Parser(ctx, text, name).parse_module()
