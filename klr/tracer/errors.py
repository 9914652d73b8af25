"""Errors raised while tracing, and the restart signal for loops that must be unrolled."""

from __future__ import annotations

from xdsl.ir import Operation


class TraceError(Exception):
    """A user error found while specializing a kernel (becomes a Diagnostic).

    `op` is the py_ast op to point at; the interpreter fills in the module and the
    chain of inlined calls when the error crosses a call boundary.
    """

    def __init__(
        self, code: str, message: str, op: Operation | None = None, hint: str | None = None
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.op = op
        self.hint = hint
        self.file: str | None = None
        self.source: str | None = None
        self.calls: list[tuple[str, str, Operation]] = []
        """(file, function, call op) of the inlined calls, innermost first."""


class NeedUnroll(Exception):
    """A rolled loop's body needs a concrete index: restart with these loops unrolled."""

    def __init__(self, loops: frozenset[int], why: str):
        super().__init__(why)
        self.loops = loops
        self.why = why


class ControlFlow(Exception):
    """Python-level control transfer inside the interpreter."""


class BreakLoop(ControlFlow):
    pass


class ContinueLoop(ControlFlow):
    pass


class ReturnValue(ControlFlow):
    def __init__(self, value: object):
        super().__init__()
        self.value = value
