"""The library the tracer provides: Python builtins, `math`, `nki`, `nki.language`, `nki.isa`.

Each NKI function is a Python function with NKI's own signature (so positional and
keyword arguments bind exactly as in NKI); instructions emit one `klr` op each, which
is verified on the spot so that a rule violation points at the kernel's call.
"""

from __future__ import annotations

import builtins
import inspect
import math
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xdsl.ir import Operation
from xdsl.utils.exceptions import VerifyException

from klr.dialects import klr as k
from klr.trace.errors import TraceError
from klr.trace.values import (
    Affine,
    BufferValue,
    Builtin,
    DtypeValue,
    DynSlice,
    EnumMember,
    Namespace,
    NotSupported,
    OpValue,
    Storage,
    TensorView,
    UserClass,
    is_int,
)
from klr.trace.views import materialize

if TYPE_CHECKING:
    from klr.targets import Target
    from klr.trace.interp import Interpreter

_CALL: ContextVar[tuple[Interpreter, Operation]] = ContextVar("klr_trace_call")


def _ctx() -> tuple[Interpreter, Operation]:
    return _CALL.get()


def _fail(code: str, message: str, hint: str | None = None) -> TraceError:
    interp, op = _ctx()
    return interp.error(code, message, op, hint)


# ---------------------------------------------------------------------------
# Calling builtins
# ---------------------------------------------------------------------------


def call_builtin(interp: Interpreter, fn: Builtin, args: list[Any], kwargs: dict[str, Any], op: Operation) -> Any:
    try:
        inspect.signature(fn.fn).bind(*args, **kwargs)
    except TypeError as e:
        hint = None
        if fn.name.startswith("nki.isa.") and "dst" not in kwargs:
            hint = (
                "instructions write into a destination: `dst` is the first argument "
                f"({fn.name}(dst=..., ...)); the value-returning form belongs to the "
                "first-generation neuronxcc.nki API"
            )
        raise interp.error("err_bad_arguments", f"{fn.name}(): {e}", op, hint) from None
    except ValueError:
        pass  # C builtins without a signature: let Python check the call
    token = _CALL.set((interp, op))
    try:
        return fn.fn(*args, **kwargs)
    finally:
        _CALL.reset(token)


def attribute(interp: Interpreter, obj: Any, name: str, op: Operation) -> tuple[bool, Any]:
    """Attributes of tracer values that are not namespaces: tensors, dtypes, ..."""
    if isinstance(obj, TensorView):
        if name == "shape":
            return True, obj.shape
        if name == "dtype":
            return True, DtypeValue(obj.dtype)
        if name == "buffer":
            return True, BufferValue(obj.memory)
        if name == "ndim":
            return True, obj.ndim
        if name == "size":
            return True, math.prod(obj.shape)
        if name == "name":
            return True, obj.storage.name
        if name == "itemsize":
            return True, k.DTYPE_BYTES[obj.dtype]
        raise interp.error(
            "err_not_supported",
            f"tensor attribute or method '{name}' is not supported yet",
            op,
            hint="see docs/coverage.md (NkiTensor methods)",
        )
    if isinstance(obj, DtypeValue):
        if name == "itemsize":
            return True, k.DTYPE_BYTES[obj.dtype]
        if name == "name":
            return True, obj.dtype.value
    if isinstance(obj, EnumMember) and name in ("name", "value"):
        return True, getattr(obj, name)
    return False, None


# ---------------------------------------------------------------------------
# Argument helpers
# ---------------------------------------------------------------------------


def _tensor(name: str, value: Any) -> TensorView:
    if not isinstance(value, TensorView):
        raise _fail("err_bad_arguments", f"'{name}' must be a tensor, got {_describe(value)}")
    return value


def _opt_tensor(name: str, value: Any) -> TensorView | None:
    return None if value is None else _tensor(name, value)


def _alu(name: str, value: Any, allow_none: bool = False) -> k.AluOp | None:
    if value is None and allow_none:
        return None
    if isinstance(value, OpValue) and value.alu is not None:
        return value.alu
    raise _fail(
        "err_bad_arguments",
        f"'{name}' must be an ALU operator such as nl.add or nl.maximum, got {_describe(value)}",
    )


def _act(name: str, value: Any) -> k.ActFunc:
    if isinstance(value, OpValue) and value.act is not None:
        return value.act
    raise _fail(
        "err_bad_arguments",
        f"'{name}' must be an activation function such as nl.exp or nl.copy, got {_describe(value)}",
    )


def _engine(value: Any) -> k.Engine:
    if value is None:
        return k.Engine.UNKNOWN
    if isinstance(value, EnumMember) and value.enum == "nisa.engine":
        return k.Engine(value.name)
    raise _fail("err_bad_arguments", f"'engine' must be a nisa.engine member, got {_describe(value)}")


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail("err_bad_arguments", f"'{name}' must be a number, got {_describe(value)}")
    return float(value)


def _scalar_or_vector(name: str, value: Any) -> tuple[TensorView | None, float | None]:
    """A scalar operand: a (P, 1) tensor or a compile-time number."""
    if value is None:
        return None, None
    if isinstance(value, TensorView):
        return value, None
    return None, _number(name, value)


def _describe(value: Any) -> str:
    if isinstance(value, TensorView):
        return "a tensor"
    if isinstance(value, (OpValue, DtypeValue, BufferValue, EnumMember)):
        return repr(value)
    return f"{type(value).__name__} {value!r}"


def _emit(op_cls: type[Operation], operands: list[Any], props: dict[str, Any]) -> Operation:
    interp, call = _ctx()
    ssa: list[Any] = []
    for o in operands:
        if o is None:
            ssa.append([])
        elif isinstance(o, TensorView):
            ssa.append(materialize(interp, o))
        else:
            ssa.append(o)
    op = op_cls.build(operands=ssa, properties={n: v for n, v in props.items() if v is not None})
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


def _f(v: float | None) -> k.FloatAttr | None:
    return None if v is None else k.FloatAttr(v)


def _unit(flag: Any) -> Any:
    from xdsl.dialects.builtin import UnitAttr

    return UnitAttr() if flag else None


# ---------------------------------------------------------------------------
# nki.isa
# ---------------------------------------------------------------------------


def dma_copy(dst: Any, src: Any, priority: Any = None, oob_mode: Any = None,
             dge_mode: Any = None, engine: Any = None, name: Any = None) -> None:
    _emit(k.DmaCopyOp, [_tensor("dst", dst), _tensor("src", src)], {})


def tensor_copy(dst: Any, src: Any, engine: Any = None, name: Any = None) -> None:
    _emit(
        k.TensorCopyOp,
        [_tensor("dst", dst), _tensor("src", src)],
        {"engine": k.EngineAttr(_engine(engine))},
    )


def tensor_tensor(dst: Any, data1: Any, data2: Any, op: Any, engine: Any = None, name: Any = None) -> None:
    _emit(
        k.TensorTensorOp,
        [_tensor("dst", dst), _tensor("data1", data1), _tensor("data2", data2)],
        {"op": k.AluOpAttr(_alu("op", op)), "engine": k.EngineAttr(_engine(engine))},  # type: ignore[arg-type]
    )


def tensor_scalar(dst: Any, data: Any, op0: Any, operand0: Any, reverse0: bool = False,
                  op1: Any = None, operand1: Any = None, reverse1: bool = False,
                  engine: Any = None, name: Any = None) -> None:
    t0, i0 = _scalar_or_vector("operand0", operand0)
    t1, i1 = _scalar_or_vector("operand1", operand1)
    a1 = _alu("op1", op1, allow_none=True)
    _emit(
        k.TensorScalarOp,
        [_tensor("dst", dst), _tensor("data", data), t0, t1],
        {
            "op0": k.AluOpAttr(_alu("op0", op0)),  # type: ignore[arg-type]
            "imm0": _f(i0),
            "reverse0": _unit(reverse0),
            "op1": k.AluOpAttr(a1) if a1 is not None else None,
            "imm1": _f(i1),
            "reverse1": _unit(reverse1),
            "engine": k.EngineAttr(_engine(engine)),
        },
    )


def scalar_tensor_tensor(dst: Any, data: Any, op0: Any, operand0: Any, op1: Any, operand1: Any,
                         reverse0: bool = False, reverse1: bool = False, name: Any = None) -> None:
    t0, i0 = _scalar_or_vector("operand0", operand0)
    _emit(
        k.ScalarTensorTensorOp,
        [_tensor("dst", dst), _tensor("data", data), t0, _tensor("operand1", operand1)],
        {
            "op0": k.AluOpAttr(_alu("op0", op0)),  # type: ignore[arg-type]
            "imm0": _f(i0),
            "reverse0": _unit(reverse0),
            "op1": k.AluOpAttr(_alu("op1", op1)),  # type: ignore[arg-type]
            "reverse1": _unit(reverse1),
        },
    )


def activation(dst: Any, op: Any, data: Any, bias: Any = None, scale: Any = 1.0,
               reduce_op: Any = None, reduce_res: Any = None, reduce_cmd: Any = None,
               name: Any = None) -> None:
    bt, bi = _scalar_or_vector("bias", bias)
    st, si = _scalar_or_vector("scale", scale)
    cmd = _reduce_cmd(reduce_cmd)
    rop = _alu("reduce_op", reduce_op, allow_none=True)
    if reduce_res is not None and rop is None:
        rop = k.AluOp.ADD
    _emit(
        k.ActivationOp,
        [_tensor("dst", dst), _tensor("data", data), bt, st, _opt_tensor("reduce_res", reduce_res)],
        {
            "op": k.ActFuncAttr(_act("op", op)),
            "bias_imm": _f(bi),
            "scale_imm": _f(si) if si != 1.0 else None,
            "reduce_op": k.AluOpAttr(rop) if rop is not None else None,
            "reduce_cmd": k.ReduceCmdAttr(cmd),
        },
    )


def activation_reduce(dst: Any, op: Any, data: Any, reduce_op: Any, reduce_res: Any,
                      bias: Any = None, scale: Any = 1.0, name: Any = None) -> None:
    activation(dst, op, data, bias, scale, reduce_op, reduce_res,
               EnumMember("nisa.reduce_cmd", "reset_reduce", 3))


def _reduce_cmd(value: Any) -> k.ReduceCmd:
    if value is None:
        return k.ReduceCmd.IDLE
    if isinstance(value, EnumMember) and value.enum == "nisa.reduce_cmd":
        return k.ReduceCmd(value.name)
    raise _fail("err_bad_arguments", f"'reduce_cmd' must be a nisa.reduce_cmd member, got {_describe(value)}")


def tensor_reduce(dst: Any, op: Any, data: Any, axis: Any, negate: bool = False,
                  keepdims: bool = False, name: Any = None) -> None:
    src = _tensor("data", data)
    axes = (axis,) if is_int(axis) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if axes is None or not all(is_int(a) for a in axes):
        raise _fail("err_bad_arguments", f"'axis' must be an int or a tuple of ints, got {_describe(axis)}")
    axes = tuple(a + src.ndim if a < 0 else a for a in axes)
    _emit(
        k.TensorReduceOp,
        [_tensor("dst", dst), src],
        {
            "op": k.AluOpAttr(_alu("op", op)),  # type: ignore[arg-type]
            "axes": k.IntsAttr(axes),
            "negate": _unit(negate),
            "keepdims": _unit(keepdims),
        },
    )


def nc_matmul(dst: Any, stationary: Any, moving: Any, is_stationary_onezero: bool = False,
              is_moving_onezero: bool = False, is_transpose: bool = False, accumulate: Any = None,
              tile_position: Any = (), tile_size: Any = (), perf_mode: Any = None,
              name: Any = None) -> None:
    if tile_position or tile_size:
        raise _fail("err_not_supported", "nc_matmul tile_position/tile_size are not supported yet")
    if perf_mode is not None and not (isinstance(perf_mode, EnumMember) and perf_mode.name == "none"):
        raise _fail("err_not_supported", f"nc_matmul perf_mode={perf_mode!r} is not supported yet")
    if accumulate is not None and not isinstance(accumulate, bool):
        raise _fail("err_bad_arguments", f"'accumulate' must be None, True or False, got {_describe(accumulate)}")
    _emit(
        k.NcMatmulOp,
        [_tensor("dst", dst), _tensor("stationary", stationary), _tensor("moving", moving)],
        {
            "accumulate": k.IntAttr(int(accumulate)) if accumulate is not None else None,
            "is_transpose": _unit(is_transpose),
        },
    )


def nc_transpose(dst: Any, data: Any, engine: Any = None, name: Any = None) -> None:
    d, s = _tensor("dst", dst), _tensor("data", data)
    eng = _engine(engine)
    if eng == k.Engine.UNKNOWN:
        # NKI picks by shape and destination (nki.md §9.1): PSUM dst -> Tensor engine
        eng = k.Engine.TENSOR if d.memory == k.Memory.PSUM else k.Engine.VECTOR
    _emit(k.NcTransposeOp, [d, s], {"engine": k.EngineAttr(eng)})


def memset(dst: Any, value: Any, engine: Any = None, name: Any = None) -> None:
    _emit(
        k.MemsetOp,
        [_tensor("dst", dst)],
        {"value": k.FloatAttr(_number("value", value)), "engine": k.EngineAttr(_engine(engine))},
    )


def reciprocal(dst: Any, data: Any, name: Any = None) -> None:
    _emit(k.ReciprocalOp, [_tensor("dst", dst), _tensor("data", data)], {})


def bn_stats(dst: Any, data: Any, name: Any = None) -> None:
    _emit(k.BnStatsOp, [_tensor("dst", dst), _tensor("data", data)], {})


def bn_aggr(dst: Any, data: Any, name: Any = None) -> None:
    _emit(k.BnAggrOp, [_tensor("dst", dst), _tensor("data", data)], {})


def _pattern(value: Any) -> k.PatternAttr:
    ok = isinstance(value, (list, tuple)) and all(
        isinstance(pr, (list, tuple)) and len(pr) == 2 and all(is_int(x) for x in pr) for pr in value
    )
    if not ok or not value:
        raise _fail("err_bad_arguments", f"'pattern' is a list of [step, num] pairs, got {_describe(value)}")
    return k.PatternAttr(tuple((int(a), int(b)) for a, b in value))


def _int(name: str, value: Any) -> int:
    if not is_int(value):
        raise _fail("err_bad_arguments", f"'{name}' must be an int known at trace time, got {_describe(value)}")
    return int(value)


def iota(dst: Any, pattern: Any, offset: Any = 0, channel_multiplier: Any = 0, name: Any = None) -> None:
    _emit(
        k.IotaOp,
        [_tensor("dst", dst)],
        {
            "pattern": _pattern(pattern),
            "offset": k.IntAttr(_int("offset", offset)),
            "channel_multiplier": k.IntAttr(_int("channel_multiplier", channel_multiplier)),
        },
    )


def affine_select(dst: Any, pattern: Any, channel_multiplier: Any, on_true_tile: Any,
                  on_false_value: Any, cmp_op: Any = None, offset: Any = 0, name: Any = None) -> None:
    cmp = _alu("cmp_op", cmp_op, allow_none=True) or k.AluOp.EQUAL
    _emit(
        k.AffineSelectOp,
        [_tensor("dst", dst), _tensor("on_true_tile", on_true_tile)],
        {
            "pattern": _pattern(pattern),
            "offset": k.IntAttr(_int("offset", offset)),
            "channel_multiplier": k.IntAttr(_int("channel_multiplier", channel_multiplier)),
            "cmp_op": k.AluOpAttr(cmp),
            "on_false_value": k.FloatAttr(_number("on_false_value", on_false_value)),
        },
    )


def tensor_partition_reduce(dst: Any, op: Any, data: Any, name: Any = None) -> None:
    _emit(
        k.TensorPartitionReduceOp,
        [_tensor("dst", dst), _tensor("data", data)],
        {"op": k.AluOpAttr(_alu("op", op))},  # type: ignore[arg-type]
    )


def tensor_copy_predicated(dst: Any, src: Any, predicate: Any, reverse_pred: bool = False,
                           name: Any = None) -> None:
    st, si = _scalar_or_vector("src", src)
    _emit(
        k.TensorCopyPredicatedOp,
        [_tensor("dst", dst), st, _tensor("predicate", predicate)],
        {"src_imm": _f(si), "reverse_pred": _unit(reverse_pred)},
    )


def tensor_tensor_scan(dst: Any, data0: Any, data1: Any, initial: Any, op0: Any, op1: Any,
                       reverse0: bool = False, reverse1: bool = False, name: Any = None) -> None:
    it, ii = _scalar_or_vector("initial", initial)
    _emit(
        k.TensorTensorScanOp,
        [_tensor("dst", dst), _tensor("data0", data0), _tensor("data1", data1), it],
        {
            "initial_imm": _f(ii),
            "op0": k.AluOpAttr(_alu("op0", op0)),  # type: ignore[arg-type]
            "op1": k.AluOpAttr(_alu("op1", op1)),  # type: ignore[arg-type]
            "reverse0": _unit(reverse0),
            "reverse1": _unit(reverse1),
        },
    )


def select_reduce(dst: Any, predicate: Any, on_true: Any, on_false: Any, reduce_res: Any = None,
                  reduce_cmd: Any = None, reduce_op: Any = None, reverse_pred: bool = False,
                  name: Any = None) -> None:
    ft, fi = _scalar_or_vector("on_false", on_false)
    rop = _alu("reduce_op", reduce_op, allow_none=True) or k.AluOp.MAXIMUM
    _emit(
        k.SelectReduceOp,
        [_tensor("dst", dst), _tensor("predicate", predicate), _tensor("on_true", on_true), ft,
         _opt_tensor("reduce_res", reduce_res)],
        {
            "on_false_imm": _f(fi),
            "reduce_cmd": k.ReduceCmdAttr(_reduce_cmd(reduce_cmd)),
            "reduce_op": k.AluOpAttr(rop),
            "reverse_pred": _unit(reverse_pred),
        },
    )


def max8(dst: Any, src: Any, name: Any = None) -> None:
    _emit(k.Max8Op, [_tensor("dst", dst), _tensor("src", src)], {})


def nc_find_index8(dst: Any, data: Any, vals: Any, name: Any = None) -> None:
    _emit(k.NcFindIndex8Op, [_tensor("dst", dst), _tensor("data", data), _tensor("vals", vals)], {})


def dma_transpose(dst: Any, src: Any, axes: Any = None, priority: Any = None, dge_mode: Any = None,
                  oob_mode: Any = None, name: Any = None) -> None:
    s = _tensor("src", src)
    if axes is None:
        axes = {2: (1, 0), 3: (2, 1, 0), 4: (3, 1, 2, 0)}.get(s.ndim, tuple(reversed(range(s.ndim))))
    if not isinstance(axes, (tuple, list)) or not all(is_int(a) for a in axes):
        raise _fail("err_bad_arguments", f"'axes' must be a tuple of ints, got {_describe(axes)}")
    _emit(k.DmaTransposeOp, [_tensor("dst", dst), s], {"axes": k.IntsAttr(tuple(axes))})


# ---------------------------------------------------------------------------
# nki.language
# ---------------------------------------------------------------------------


def _shape(value: Any) -> tuple[int, ...]:
    if is_int(value):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value or not all(is_int(d) and d > 0 for d in value):
        raise _fail(
            "err_bad_arguments",
            f"a tensor shape is a non-empty tuple of positive ints, got {_describe(value)}",
        )
    return tuple(value)


def _dtype(value: Any) -> k.Dtype:
    if isinstance(value, DtypeValue):
        return value.dtype
    if isinstance(value, str):
        try:
            return k.Dtype(value)
        except ValueError:
            pass
    raise _fail(
        "err_bad_arguments",
        f"'dtype' must be an NKI dtype such as nl.float32, got {_describe(value)}",
        hint="NumPy dtypes belong to the first-generation API; use nl.float32, nl.bfloat16, ...",
    )


def _buffer(value: Any) -> k.Memory:
    if value is None:
        return k.Memory.SBUF
    if isinstance(value, BufferValue):
        return value.memory
    raise _fail(
        "err_bad_arguments",
        f"'buffer' must be nl.sbuf, nl.psum, nl.hbm or nl.shared_hbm, got {_describe(value)}",
    )


def ndarray(shape: Any, dtype: Any, buffer: Any = None, name: str = "", address: Any = None) -> TensorView:
    interp, _ = _ctx()
    shp, dt, mem = _shape(shape), _dtype(dtype), _buffer(buffer)
    target = interp_target(interp)
    if mem.on_chip:
        if shp[0] > target.num_partitions:
            raise _fail(
                "err_partition_size",
                f"an {mem.value.upper()} tensor has at most {target.num_partitions} partitions, "
                f"shape {shp} has {shp[0]}",
                hint="tile the partition dimension: loop over blocks of nl.tile_size.pmax",
            )
        free_bytes = math.prod(shp[1:]) * k.DTYPE_BYTES[dt]
        limit = (
            target.psum_bytes_per_partition if mem == k.Memory.PSUM
            else target.sbuf_usable_bytes_per_partition
        )
        if free_bytes > limit:
            raise _fail(
                "err_capacity",
                f"a {mem.value.upper()} tensor of shape {shp} needs {free_bytes} bytes per partition; "
                f"{target.name} has {limit}",
            )
    addr = None
    if address is not None:
        if not (isinstance(address, tuple) and len(address) == 2 and all(is_int(a) for a in address)):
            raise _fail("err_bad_arguments", "'address' is (partition offset, byte offset)")
        addr = address
    given = isinstance(name, str) and bool(name)
    tname = interp.unique_name(name) if given else interp.fresh_name()
    op = k.AllocOp(tname, k.TensorType(shp, dt, mem), addr)
    interp.emit(op)
    op.res.name_hint = _hint(tname)
    return TensorView.whole(Storage(op.res, op.res.type, tname, auto_named=not given))  # type: ignore[arg-type]


def zeros(shape: Any, dtype: Any, buffer: Any = None, name: str = "") -> TensorView:
    t = ndarray(shape, dtype, buffer, name)
    memset(t, 0.0)
    return t


def full(shape: Any, fill_value: Any, dtype: Any, buffer: Any = None, name: str = "") -> TensorView:
    t = ndarray(shape, dtype, buffer, name)
    memset(t, fill_value)
    return t


def ones(shape: Any, dtype: Any, buffer: Any = None, name: str = "") -> TensorView:
    return full(shape, 1.0, dtype, buffer, name)


def ds(start: Any, size: Any) -> DynSlice:
    if not (is_int(start) or isinstance(start, Affine)):
        raise _fail("err_bad_arguments", f"nl.ds start must be an int, got {_describe(start)}")
    if not is_int(size) or size <= 0:
        raise _fail("err_bad_arguments", f"nl.ds size must be a positive int, got {_describe(size)}")
    return DynSlice(start, size)


def _range(kind: k.LoopKind) -> Callable[..., Any]:
    def make(start: Any, stop: Any = None, step: Any = 1) -> Any:
        from klr.trace.interp import LoopRange

        if stop is None:
            start, stop = 0, start
        for n, v in (("start", start), ("stop", stop), ("step", step)):
            if not is_int(v):
                raise _fail("err_bad_arguments", f"loop {n} must be an int known at trace time, got {_describe(v)}")
        if step <= 0:
            raise _fail("err_bad_arguments", f"loop step must be positive, got {step}")
        return LoopRange(kind, start, stop, step)

    return make


def program_id(axis: int = 0) -> int:
    interp, _ = _ctx()
    if not is_int(axis) or not 0 <= axis < max(len(interp.grid), 1):
        raise _fail("err_bad_arguments", f"program_id axis {axis!r} is outside the launch grid {interp.grid}")
    return interp.program_id[axis] if interp.grid else 0


def num_programs(axes: Any = None) -> int:
    interp, _ = _ctx()
    grid = interp.grid or (1,)
    if axes is None:
        return math.prod(grid)
    if is_int(axes):
        axes = (axes,)
    return math.prod(grid[a] for a in axes)


def program_ndim() -> int:
    interp, _ = _ctx()
    return len(interp.grid)


def jit(fn: Any = None, **kwargs: Any) -> Any:
    if fn is None:
        return Builtin("nki.jit", lambda f: f)
    return fn


def interp_target(interp: Interpreter) -> Target:
    return interp.target


def _hint(name: str) -> str | None:
    return name if name.isascii() and name.replace("_", "a").isalnum() and not name[0].isdigit() else None


# ---------------------------------------------------------------------------
# Namespaces
# ---------------------------------------------------------------------------

_ALU_ONLY = [
    "add", "subtract", "multiply", "maximum", "minimum", "equal", "not_equal",
    "greater_equal", "greater", "less_equal", "less", "logical_and", "logical_or",
    "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "invert",
    "left_shift", "right_shift", "power", "abs_max", "abs_min", "average", "bypass",
    "divide", "mod",
]
_BOTH = ["abs", "square", "relu", "rsqrt", "reciprocal"]
_ACT_ONLY = [a.value for a in k.ActFunc if a.value not in _BOTH]

_NOT_TRACED_LANGUAGE = [
    # value-returning nl.* wrappers: traced in a later issue (docs/coverage.md)
    "load", "store", "copy_", "matmul", "transpose", "exp_", "sum", "max", "min", "mean",
    "prod", "all", "var", "softmax", "rms_norm", "dropout", "broadcast_to", "where",
    "empty_like", "zeros_like", "ones_like", "full_like", "rand", "random_seed", "iota",
    "device_print", "dynamic_range", "fori_loop", "while_loop", "no_reorder", "par_dim",
    "arange", "mgrid", "shared_constant", "shared_identity_matrix", "gather_flattened",
    "spmd_dim", "nc", "atomic_rmw", "loop_reduce", "invert_", "ceil", "floor", "trunc",
    "sign_", "sqrt_", "erf_", "logical_not_",
]

_NEW_API_EQUIVALENT = {
    "load": "copy HBM into an SBUF tile with nisa.dma_copy(dst=tile, src=hbm_tensor[...])",
    "store": "copy an SBUF tile to HBM with nisa.dma_copy(dst=hbm_tensor[...], src=tile)",
    "matmul": "use nisa.nc_matmul(dst=psum_tile, stationary=..., moving=...)",
    "transpose": "use nisa.nc_transpose(dst=..., data=...) or nisa.dma_transpose",
    "copy": "use nisa.tensor_copy(dst=..., src=...)",
    "par_dim": "the partition dimension is always dim 0 in the current API; drop nl.par_dim",
    "arange": "index with slices or nl.ds(start, size) in the current API",
    "mgrid": "index with slices or nl.ds(start, size) in the current API",
}

_NOT_TRACED_ISA = [
    "activate2", "tensor_scalar_reduce", "tensor_scalar_cumulative", "exponential",
    "range_select", "nc_match_replace8", "nc_stream_shuffle", "dropout", "quantize_mx",
    "local_gather", "nc_n_gather", "sequence_bounds", "nonzero_with_count", "topk", "rng",
    "rand2", "rand_set_state", "rand_get_state", "set_rng_seed", "dma_compute", "nc_matmul_mx",
    "core_barrier", "sendrecv", "register_alloc", "register_move", "register_load",
    "register_store", "get_nc_version", "get_nc_sub_version",
]


def _enum(name: str, members: dict[str, int]) -> Namespace:
    return Namespace(name, {m: EnumMember(name, m, v) for m, v in members.items()})


def language(target: Target) -> Namespace:
    attrs: dict[str, Any] = {}
    for d in k.Dtype:
        attrs[d.value] = DtypeValue(d)
    attrs["bool_"] = DtypeValue(k.Dtype.BOOL_)
    attrs["sbuf"] = BufferValue(k.Memory.SBUF)
    attrs["psum"] = BufferValue(k.Memory.PSUM)
    attrs["hbm"] = BufferValue(k.Memory.HBM)
    attrs["private_hbm"] = BufferValue(k.Memory.HBM)
    attrs["shared_hbm"] = BufferValue(k.Memory.SHARED_HBM)
    for n in _ALU_ONLY:
        attrs[n] = OpValue(n, alu=k.AluOp(n))
    for n in _BOTH:
        attrs[n] = OpValue(n, alu=k.AluOp(n), act=k.ActFunc(n))
    for n in _ACT_ONLY:
        attrs[n] = OpValue(n, act=k.ActFunc(n))
    for n in _NOT_TRACED_LANGUAGE:
        name = n.rstrip("_")
        attrs.setdefault(name, NotSupported(f"nki.language.{name}", _NEW_API_EQUIVALENT.get(name)))
    attrs["tile_size"] = Namespace("nki.language.tile_size", dict(target.tile_size))
    for fn in (ndarray, zeros, ones, full, ds, program_id, num_programs, program_ndim):
        attrs[fn.__name__] = Builtin(f"nki.language.{fn.__name__}", fn)
    attrs["affine_range"] = Builtin("nki.language.affine_range", _range(k.LoopKind.AFFINE))
    attrs["sequential_range"] = Builtin("nki.language.sequential_range", _range(k.LoopKind.SEQUENTIAL))
    attrs["static_range"] = Builtin("nki.language.static_range", _range(k.LoopKind.STATIC))
    attrs["NKIObject"] = UserClass("NKIObject", (), {}, None)  # type: ignore[arg-type]
    return Namespace("nki.language", attrs, hint="see docs/coverage.md")


def isa(target: Target) -> Namespace:
    attrs: dict[str, Any] = {}
    for fn in (dma_copy, tensor_copy, tensor_tensor, tensor_scalar, scalar_tensor_tensor,
               activation, activation_reduce, tensor_reduce, nc_matmul, nc_transpose, memset,
               reciprocal, bn_stats, bn_aggr, iota, affine_select, tensor_partition_reduce,
               tensor_copy_predicated, tensor_tensor_scan, select_reduce, max8, nc_find_index8,
               dma_transpose):
        attrs[fn.__name__] = Builtin(f"nki.isa.{fn.__name__}", fn)
    for n in _NOT_TRACED_ISA:
        attrs.setdefault(n, NotSupported(f"nki.isa.{n}"))
    attrs["engine"] = _enum(
        "nisa.engine",
        {"unknown": 0, "tensor": 1, "scalar": 2, "gpsimd": 3, "dma": 4, "vector": 5, "sync": 6},
    )
    for alias in ("tensor", "scalar", "gpsimd", "vector", "unknown"):
        attrs[f"{alias}_engine"] = attrs["engine"].attrs[alias]
    attrs["reduce_cmd"] = _enum(
        "nisa.reduce_cmd", {"idle": 0, "reset": 1, "reduce": 2, "reset_reduce": 3, "load_reduce": 4}
    )
    attrs["dge_mode"] = _enum("nisa.dge_mode", {"unknown": 0, "swdge": 1, "hwdge": 2, "none": 3})
    attrs["oob_mode"] = _enum("nisa.oob_mode", {"error": 0, "skip": 1})
    attrs["matmul_perf_mode"] = _enum("nisa.matmul_perf_mode", {"none": 0, "double_row": 1})
    attrs["nc_version"] = _enum("nisa.nc_version", {"gen2": 2, "gen3": 3, "gen4": 4})
    return Namespace("nki.isa", attrs, hint="see docs/coverage.md")


def _math() -> Namespace:
    attrs: dict[str, Any] = {}
    for name in ("ceil", "floor", "sqrt", "log", "log2", "exp", "gcd", "prod", "isqrt",
                 "isclose", "trunc", "fabs", "pow", "copysign", "lcm", "comb", "factorial"):
        attrs[name] = Builtin(f"math.{name}", getattr(math, name))
    for name in ("pi", "e", "inf", "nan", "tau"):
        attrs[name] = getattr(math, name)
    return Namespace("math", attrs)


@dataclass
class _PyBuiltins:
    """Python builtins available in kernels (nki.md §2.1 plus common helpers)."""

    interp: Interpreter

    def table(self) -> dict[str, Any]:
        interp = self.interp

        def container(fn: Callable[..., Any]) -> Callable[..., Any]:
            def make(*args: Any, **kwargs: Any) -> Any:
                return interp.new_container(fn(*args, **kwargs))

            return make

        def isinstance_(obj: Any, cls: Any) -> bool:
            classes = cls if isinstance(cls, tuple) else (cls,)
            for c in classes:
                if isinstance(c, UserClass):
                    from klr.trace.values import Instance

                    if isinstance(obj, Instance) and _subclass(obj.cls, c):
                        return True
                elif isinstance(c, type):
                    if isinstance(obj, c):
                        return True
                elif isinstance(c, Builtin) and c.name in _TYPE_BUILTINS:
                    if isinstance(obj, _TYPE_BUILTINS[c.name]):
                        return True
            return False

        def print_(*args: Any, sep: str = " ", end: str = "\n") -> None:
            interp.messages.append(sep.join(str(a) for a in args) + end)

        def range_(*args: Any) -> range:
            return range(*args)

        table: dict[str, Any] = {
            "len": builtins.len, "min": builtins.min, "max": builtins.max, "abs": builtins.abs,
            "sum": builtins.sum, "any": builtins.any, "all": builtins.all,
            "sorted": container(builtins.sorted), "divmod": builtins.divmod,
            "round": builtins.round, "enumerate": builtins.enumerate, "zip": builtins.zip,
            "reversed": builtins.reversed, "repr": builtins.repr, "hash": builtins.hash,
            "map": builtins.map, "filter": builtins.filter, "ord": builtins.ord, "chr": builtins.chr,
            "int": builtins.int, "float": builtins.float, "bool": builtins.bool, "str": builtins.str,
            "tuple": builtins.tuple, "list": container(builtins.list),
            "dict": container(builtins.dict), "set": container(builtins.set),
            "frozenset": builtins.frozenset, "slice": builtins.slice, "range": range_,
            "isinstance": isinstance_, "print": print_,
        }
        out: dict[str, Any] = {}
        for name, fn in table.items():
            out[name] = Builtin(name, fn)
        for exc in ("ValueError", "TypeError", "AssertionError", "RuntimeError",
                    "NotImplementedError", "IndexError", "KeyError"):
            out[exc] = Builtin(exc, getattr(builtins, exc))
        return out


_TYPE_BUILTINS: dict[str, type | tuple[type, ...]] = {
    "int": int, "float": float, "bool": bool, "str": str, "tuple": tuple, "list": list,
    "dict": dict, "set": set, "frozenset": frozenset, "slice": slice, "range": range,
}


def _subclass(cls: UserClass, base: UserClass) -> bool:
    if cls is base:
        return True
    return any(isinstance(b, UserClass) and _subclass(b, base) for b in cls.bases)


_OLD_API_HINT = (
    "'neuronxcc.nki' is the first-generation (beta-1) NKI namespace, which KLR does not "
    "trace yet; use 'import nki', 'nki.language as nl', 'nki.isa as nisa'"
)


class Library:
    """Resolves the library rows of a gathered program's import table."""

    def __init__(self, interp: Interpreter, target: Target):
        self.nl = language(target)
        self.nisa = isa(target)
        self.nki = Namespace(
            "nki",
            {
                "jit": Builtin("nki.jit", jit),
                "language": self.nl,
                "isa": self.nisa,
                "simulate": NotSupported("nki.simulate", "use 'klr run' (a later issue)"),
            },
        )
        self.math = _math()
        self.builtins = _PyBuiltins(interp).table()
        self.enum = Namespace(
            "enum",
            {"Enum": Namespace("enum.Enum", {}), "IntEnum": Namespace("enum.IntEnum", {})},
        )

    def module(self, name: str) -> Any:
        if name == "nki":
            return self.nki
        if name in ("nki.language", "nki.lang"):
            return self.nl
        if name == "nki.isa":
            return self.nisa
        if name == "math":
            return self.math
        if name == "enum":
            return self.enum
        if name == "builtins":
            return Namespace("builtins", self.builtins)
        if name == "neuronxcc" or name.startswith("neuronxcc."):
            return NotSupported(name, _OLD_API_HINT)
        return NotSupported(name, f"module '{name}' cannot be used inside a kernel")

    def __call__(self, module: str, member: str | None) -> Any:
        if module == "builtins":
            return self.builtins.get(member) if member is not None else None
        mod = self.module(module)
        if member is None:
            return mod
        if isinstance(mod, Namespace):
            if member in mod.attrs:
                return mod.attrs[member]
            sub = self.module(f"{module}.{member}")
            if not isinstance(sub, NotSupported):
                return sub
            return NotSupported(f"{module}.{member}")
        return mod
