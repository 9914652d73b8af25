"""`convert-py-ast-to-klr`: trace a gathered py_ast program into klr kernels.

    klr-opt kernel.klr -p 'convert-py-ast-to-klr{args="x=float32[256,1024]" grid="2" target="gen3"}'

`args` is a space-separated list of NAME=dtype[shape] (tensors) and NAME=literal
(compile-time constants). The `py_ast.program` is replaced by one `klr.kernel` per SPMD
program instance.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import PassFailedException

from klr.diagnostics import KlrError
from klr.dialects import py_ast


@dataclass(frozen=True)
class ConvertPyAstToKlrPass(ModulePass):
    """Specialize the module's py_ast.program for the given arguments."""

    name = "convert-py-ast-to-klr"

    args: str = ""
    grid: str = ""
    target: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from klr.tracer import parse_arg, trace_program

        programs = [o for o in op.walk() if isinstance(o, py_ast.ProgramOp)]
        if len(programs) != 1:
            raise PassFailedException(
                f"convert-py-ast-to-klr expects one py_ast.program, found {len(programs)}"
            )
        try:
            values = dict(parse_arg(a) for a in self.args.split())
            grid = tuple(int(g) for g in self.grid.replace("x", ",").split(",") if g.strip())
        except ValueError as e:
            raise PassFailedException(f"convert-py-ast-to-klr: {e}") from None
        try:
            result = trace_program(programs[0], values, grid, self.target or None)
        except KlrError as e:
            raise PassFailedException("\n".join(d.render() for d in e.diagnostics)) from None
        program = programs[0]
        for kernel in result.kernels:
            kernel.detach()
            op.body.block.insert_op_before(kernel, program)
        program.detach()
        program.erase()
