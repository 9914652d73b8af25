"""Calling the tracer's library functions, and the argument checks they share.

Each NKI function is a Python function with NKI's own signature, so positional and
keyword arguments bind exactly as in NKI. While one runs, `ctx()` gives the interpreter
and the call's py_ast op, so errors point at the kernel's call.
"""

from __future__ import annotations

import inspect
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from xdsl.ir import Attribute, Operation
from xdsl.utils.exceptions import VerifyException

from klr.dialects import klr as k
from klr.tracer.errors import TraceError
from klr.tracer.values import (
    BufferValue,
    Builtin,
    DtypeValue,
    EnumMember,
    OpValue,
    TensorView,
    is_int,
)
from klr.tracer.views import materialize

if TYPE_CHECKING:
    from klr.tracer.interp import Interpreter


_CALL: ContextVar[tuple[Interpreter, Operation]] = ContextVar("klr_trace_call")


def ctx() -> tuple[Interpreter, Operation]:
    return _CALL.get()


def fail(code: str, message: str, hint: str | None = None) -> TraceError:
    interp, op = ctx()
    return interp.error(code, message, op, hint)


# ---------------------------------------------------------------------------
# Calling builtins
# ---------------------------------------------------------------------------


def call_builtin(interp: Interpreter, fn: Builtin, args: list[Any], kwargs: dict[str, Any], op: Operation) -> Any:
    try:
        inspect.signature(fn.fn).bind(*args, **kwargs)
    except TypeError as e:
        hint = None
        if "mask" in kwargs and getattr(interp, "first_generation", False):
            name = fn.name.replace("nki.language.", "nl.").replace("neuronxcc.nki.language.", "nl.")
            raise interp.error(
                "err_not_supported",
                f"{name}(..., mask=...) is not supported yet",
                op,
                hint="cut the operands to the masked region with slices instead (the current API "
                "has no masks: index with slices or nl.ds); the nisa instructions, nl.load/store "
                "and the element-wise nl functions accept mask=",
            ) from None
        if fn.name.startswith("nki.isa.") and "dst" not in kwargs:
            hint = (
                "instructions write into a destination: `dst` is the first argument "
                f"({fn.name}(dst=..., ...)); the value-returning form belongs to the "
                "first-generation neuronxcc.nki API"
            )
        raise interp.error("err_bad_arguments", f"{fn.name}(): {e}", op, hint) from None
    except ValueError:
        pass  # C builtins without a signature: let Python check the call
    from klr.tracer.index_exprs import PendingAccess
    from klr.tracer.legacy import MatmulResult

    if kwargs.get("mask") is None:
        for a in (*args, *kwargs.values()):
            if isinstance(a, PendingAccess):
                raise a.error  # only a mask can make an out-of-bounds access legal
    token = _CALL.set((interp, op))
    if any(isinstance(a, MatmulResult) for a in (*args, *kwargs.values())):
        # a first-generation matmul used as an operand lands in a fresh PSUM tile
        try:
            args = [a.tile() if isinstance(a, MatmulResult) else a for a in args]
            kwargs = {n: a.tile() if isinstance(a, MatmulResult) else a for n, a in kwargs.items()}
        finally:
            _CALL.reset(token)
        token = _CALL.set((interp, op))
    try:
        return fn.fn(*args, **kwargs)
    finally:
        _CALL.reset(token)


# Argument helpers
# ---------------------------------------------------------------------------


def tensor_arg(name: str, value: Any) -> TensorView:
    from klr.tracer.index_exprs import PendingAccess
    from klr.tracer.legacy import MatmulResult

    if isinstance(value, MatmulResult):
        return value.tile()
    if isinstance(value, PendingAccess):
        raise value.error
    if not isinstance(value, TensorView) and type(value).__name__ == "IndirectAccess":
        raise fail("err_not_supported",
                   f"'{name}' is indexed by an index tile (an indirect DMA), which only a DMA can use",
                   hint="gather the rows first: t = nl.load(table[idx_tile, i_f]); scatter with "
                   "nl.store(out[idx_tile, i_f], value=t)")
    if not isinstance(value, TensorView):
        raise fail("err_bad_arguments", f"'{name}' must be a tensor, got {describe(value)}")
    return value


def opt_tensor_arg(name: str, value: Any) -> TensorView | None:
    return None if value is None else tensor_arg(name, value)


def alu_arg(name: str, value: Any, allow_none: bool = False) -> k.AluOp | None:
    if value is None and allow_none:
        return None
    if isinstance(value, OpValue) and value.alu is not None:
        return value.alu
    raise fail(
        "err_bad_arguments",
        f"'{name}' must be an ALU operator such as nl.add or nl.maximum, got {describe(value)}",
    )


def act_arg(name: str, value: Any) -> k.ActFunc:
    if isinstance(value, OpValue) and value.act is not None:
        return value.act
    raise fail(
        "err_bad_arguments",
        f"'{name}' must be an activation function such as nl.exp or nl.copy, got {describe(value)}",
    )


def engine_arg(value: Any) -> k.Engine:
    if value is None:
        return k.Engine.UNKNOWN
    if isinstance(value, EnumMember) and value.enum == "nisa.engine":
        return k.Engine(value.name)
    raise fail("err_bad_arguments", f"'engine' must be a nisa.engine member, got {describe(value)}")


def number_arg(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail("err_bad_arguments", f"'{name}' must be a number, got {describe(value)}")
    return float(value)


def scalar_or_vector(name: str, value: Any) -> tuple[TensorView | None, float | None]:
    """A scalar operand: a (P, 1) tensor or a compile-time number."""
    if value is None:
        return None, None
    if isinstance(value, TensorView):
        return value, None
    return None, number_arg(name, value)


def describe(value: Any) -> str:
    if isinstance(value, TensorView):
        return "a tensor"
    if isinstance(value, (OpValue, DtypeValue, BufferValue, EnumMember)):
        return repr(value)
    if type(value).__name__ == "IndirectAccess":
        return ("an indirect access (a tensor indexed by an index tile, which only nl.load, "
                "nl.store and nisa.dma_copy take)")
    return f"{type(value).__name__} {value!r}"


def emit(op_cls: type[Operation], operands: list[Any], props: dict[str, Any]) -> Operation:
    interp, call = ctx()
    ssa: list[Any] = []
    for o in operands:
        if o is None:
            ssa.append([])
        elif isinstance(o, TensorView):
            ssa.append(materialize(interp, o))
        elif isinstance(o, list):  # a variadic operand
            ssa.append([materialize(interp, t) if isinstance(t, TensorView) else t for t in o])
        else:
            ssa.append(o)
    op = op_cls.build(operands=ssa, properties={n: v for n, v in props.items() if v is not None})
    op.location = source_location(interp, call)
    interp.emit(op)
    try:
        # the op's own rules only (the enclosing block is still being built)
        op.verify_()
    except VerifyException as e:
        raise interp.error(
            "err_invalid_instruction", str(e).splitlines()[0], call,
            hint="NKI checks this rule when it compiles the kernel",
        ) from None
    return op


def float_attr(v: float | None) -> k.FloatAttr | None:
    return None if v is None else k.FloatAttr(v)


def unit_attr(flag: Any) -> Any:
    from xdsl.dialects.builtin import UnitAttr

    return UnitAttr() if flag else None


# ---------------------------------------------------------------------------
# nki.isa
# ---------------------------------------------------------------------------


def pattern_arg(value: Any) -> k.PatternAttr:
    ok = isinstance(value, (list, tuple)) and all(
        isinstance(pr, (list, tuple)) and len(pr) == 2 and all(is_int(x) for x in pr) for pr in value
    )
    if not ok or not value:
        raise fail("err_bad_arguments", f"'pattern' is a list of [step, num] pairs, got {describe(value)}")
    return k.PatternAttr(tuple((int(a), int(b)) for a, b in value))


def int_arg(name: str, value: Any) -> int:
    if not is_int(value):
        raise fail("err_bad_arguments", f"'{name}' must be an int known at trace time, got {describe(value)}")
    return int(value)


def source_location(interp: Interpreter, call: Operation) -> Attribute:
    """The kernel source position of a call, as a builtin location (printed with
    `--print-debuginfo`; the simulator cites it in run-time messages)."""
    from xdsl.dialects.builtin import UNKNOWN_LOC, FileLineColLoc, IntAttr, StringAttr

    from klr.dialects import py_ast

    loc = call.properties.get("loc")
    if not isinstance(loc, py_ast.LocAttr) or not interp.frames:
        return UNKNOWN_LOC
    line, col, _, _ = loc.data
    return FileLineColLoc(StringAttr(interp.frames[-1].module.file), IntAttr(line), IntAttr(col + 1))
