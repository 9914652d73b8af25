"""Python operators on tiles: `a + b`, `x * 2.0`, `-x`, `a < b`, and `t[...] = value`.

They mean what the corresponding `nki.language` functions mean (`nl.add`, ...), so they
lower through the same wrappers; assigning into a view copies (`tensor_copy` on chip,
`dma_copy` when HBM is involved) or fills (`memset` for a number).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xdsl.ir import Operation

from klr.dialects import klr as k
from klr.dialects import py_ast as p
from klr.tracer.values import Builtin, OpValue, TensorView

if TYPE_CHECKING:
    from klr.tracer.interp import Interpreter

BINARY: dict[p.BinOpKind, str] = {
    p.BinOpKind.ADD: "add",
    p.BinOpKind.SUB: "subtract",
    p.BinOpKind.MULT: "multiply",
    p.BinOpKind.POW: "power",
    p.BinOpKind.DIV: "divide",
    p.BinOpKind.MOD: "mod",
    p.BinOpKind.BITAND: "bitwise_and",
    p.BinOpKind.BITOR: "bitwise_or",
    p.BinOpKind.BITXOR: "bitwise_xor",
    p.BinOpKind.LSHIFT: "left_shift",
    p.BinOpKind.RSHIFT: "right_shift",
}
COMPARE: dict[p.CmpOpKind, str] = {
    p.CmpOpKind.EQ: "equal",
    p.CmpOpKind.NOTEQ: "not_equal",
    p.CmpOpKind.LT: "less",
    p.CmpOpKind.LTE: "less_equal",
    p.CmpOpKind.GT: "greater",
    p.CmpOpKind.GTE: "greater_equal",
}


def _call(interp: Interpreter, name: str, args: list[Any], op: Operation) -> Any:
    from klr.tracer.language import call_op_value

    return call_op_value(interp, OpValue(name, alu=k.AluOp(name)), args, {}, op)


def binary(interp: Interpreter, kind: p.BinOpKind, a: Any, b: Any, op: Operation) -> Any:
    name = BINARY.get(kind)
    if name is None:
        raise interp.error(
            "err_not_supported",
            f"the operator '{kind.value}' is not supported on tiles",
            op,
            hint="use nl.matmul for matrix products" if kind == p.BinOpKind.MATMULT else None,
        )
    return _call(interp, name, [a, b], op)


def compare(interp: Interpreter, kind: p.CmpOpKind, a: Any, b: Any, op: Operation) -> Any:
    name = COMPARE.get(kind)
    if name is None:
        raise interp.error(
            "err_unsupported_syntax", f"'{kind.value}' does not apply to tiles", op
        )
    return _call(interp, name, [a, b], op)


def negate(interp: Interpreter, a: Any, op: Operation) -> Any:
    return _call(interp, "multiply", [a, -1.0], op)


def accumulate(interp: Interpreter, dst: TensorView, mm: Any, op: Operation) -> TensorView:
    """`psum += matmul(...)`: the matmul accumulates into `dst` (first write overwrites)."""
    from klr.tracer.calls import call_builtin

    if dst.memory != k.Memory.PSUM:
        raise interp.error(
            "err_bad_arguments",
            "a matmul accumulates into a PSUM tile, not into an "
            f"{dst.memory.value.upper()} one",
            op,
            hint="allocate the accumulator with buffer=nl.psum",
        )
    call_builtin(interp, Builtin("nki.isa.nc_matmul", lambda: mm.into(dst, None)), [], {}, op)
    return dst


def assign(interp: Interpreter, dst: TensorView, value: Any, op: Operation) -> None:
    """`dst[...] = value` for a view `dst`."""
    from klr.tracer import isa
    from klr.tracer.calls import call_builtin
    from klr.tracer.legacy import MatmulResult

    if isinstance(value, MatmulResult):
        if dst.memory == k.Memory.PSUM:
            call_builtin(interp, Builtin("nki.isa.nc_matmul", lambda: value.into(dst, False)), [], {}, op)
            return
        value = value.tile()

    if isinstance(value, TensorView):
        on_chip = dst.memory.on_chip and value.memory.on_chip
        fn = isa.tensor_copy if on_chip else isa.dma_copy
        call_builtin(interp, Builtin(f"nki.isa.{fn.__name__}", fn), [dst, value], {}, op)
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        call_builtin(interp, Builtin("nki.isa.memset", isa.memset), [dst, value], {}, op)
        return
    raise interp.error(
        "err_bad_arguments",
        f"cannot assign {type(value).__name__} into a tensor",
        op,
        hint="assign a tile (copied) or a number (filled)",
    )
