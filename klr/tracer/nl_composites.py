"""`nki.language` functions lowered to several instructions (nki.md §10.2-10.5): sin, cos
and tan with range reduction, floor / ceil / trunc, logical_not / invert, all / var, softmax, rms_norm, load_transpose2d,
gather_flattened, shared_identity_matrix, the buffer predicates, unique_name.

Intermediate tiles come from `_new_tile`; only the instruction writing the result takes
`_result_tile`, so a first-generation `t[...] = nl.sin(...)` (or a `mask=`) still lands
in the view after every operand has been read.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from klr.dialects import klr as k
from klr.tracer import isa
from klr.tracer.calls import ctx, describe, fail
from klr.tracer.language import (
    _SIMULATOR_ONLY,
    _WHAT,
    _broadcastable,
    _free_axes,
    _free_broadcast,
    _is_number,
    _is_vector_for,
    _new_tile,
    _out_dtype,
    _partition_broadcast,
    _reduce_wrapper,
    _result_tile,
    _tile_arg,
)
from klr.tracer.values import BufferValue, Builtin, OpValue, TensorView, is_int


def _alu(name: str) -> OpValue:
    return OpValue(name, alu=k.AluOp(name))


_TWO_PI = 2.0 * math.pi


def _split(period: float) -> tuple[float, float]:
    """`period` as hi + lo: hi with 12 significant bits (k * hi is exact in float32 for
    |k| < 2^12), lo the float32 rest (Cody-Waite reduction)."""
    e = math.frexp(period)[1]
    hi = round(period * 2.0 ** (12 - e)) / 2.0 ** (12 - e)
    return hi, float(np.float32(period - hi))


def _reduce(t: TensorView, period: float) -> TensorView:
    """`x - k * period` with k = round(x / period), in float32, two-step (Cody-Waite):

        k = round(x / period)         tensor_scalar multiply, written to int32 (round to
                                      nearest even, nki.md §7.2)
        r = k * -hi + x               scalar_tensor_tensor (k * hi exact)
        r = k * -lo + r               scalar_tensor_tensor
    """
    hi, lo = _split(period)
    turns = _new_tile(t.shape, k.Dtype.INT32)
    isa.tensor_scalar(turns, t, _alu("multiply"), 1.0 / period)
    r = _new_tile(t.shape, k.Dtype.FLOAT32)
    isa.scalar_tensor_tensor(r, turns, _alu("multiply"), -hi, _alu("add"), t)
    isa.scalar_tensor_tensor(r, turns, _alu("multiply"), -lo, _alu("add"), r)
    return r


def sin(x: Any, dtype: Any = None) -> TensorView:
    """`nl.sin(x)`: sine with range reduction (nki.md §10.3; the Scalar engine's `sin` is
    valid on [-pi, pi] only, §8.2): r = `_reduce(x, 2pi)` in [-pi, pi], then the
    activation sin(r)."""
    t = _tile_arg("sin", "x", x)
    r = _reduce(t, _TWO_PI)
    out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), r)
    isa.activation(out, OpValue("sin", act=k.ActFunc.SIN), r)
    return out


def cos(x: Any, dtype: Any = None) -> TensorView:
    """`nl.cos(x)`: the range reduction of `sin`, then cos(r) = sin(pi/2 - |r|) (|r| <= pi,
    so the argument stays in the Scalar engine's valid [-pi/2, pi/2]):

        r   = _reduce(x, 2pi)         in [-pi, pi]
        a   = pi/2 - |r|              tensor_scalar abs, then reversed subtract
        out = sin(a)                  activation
    """
    t = _tile_arg("cos", "x", x)
    r = _reduce(t, _TWO_PI)
    isa.tensor_scalar(r, r, _alu("abs"), None, op1=_alu("subtract"), operand1=math.pi / 2,
                      reverse1=True)
    out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), r)
    isa.activation(out, OpValue("sin", act=k.ActFunc.SIN), r)
    return out


def tan(x: Any, dtype: Any = None) -> TensorView:
    """`nl.tan(x)`: reduced modulo pi, then sin(r) / cos(r) with the Vector engine's
    reciprocal (no ALU divide on the hardware; one extra float32 rounding):

        r   = _reduce(x, pi)          in [-pi/2, pi/2]
        s   = sin(r)                  activation
        c   = sin(pi/2 - |r|)         tensor_scalar abs then reversed subtract, activation
        out = s * (1 / c)             reciprocal, tensor_tensor multiply
    """
    t = _tile_arg("tan", "x", x)
    r = _reduce(t, math.pi)
    sine = _new_tile(t.shape, k.Dtype.FLOAT32)
    isa.activation(sine, OpValue("sin", act=k.ActFunc.SIN), r)
    isa.tensor_scalar(r, r, _alu("abs"), None, op1=_alu("subtract"), operand1=math.pi / 2,
                      reverse1=True)
    cosine = _new_tile(t.shape, k.Dtype.FLOAT32)
    isa.activation(cosine, OpValue("sin", act=k.ActFunc.SIN), r)
    isa.reciprocal(cosine, cosine)
    out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), sine, cosine)
    isa.tensor_tensor(out, sine, cosine, _alu("multiply"))
    return out


_EXACT = 2.0 ** 23  # float32 values at least this large are integers already


def _rounding(fname: str) -> Callable[..., TensorView]:
    """`nl.floor`, `nl.ceil`, `nl.trunc` (NumPy semantics, nki.md §10.3) from the engines'
    round-to-nearest-even float -> int32 write (nki.md §7.2):

        f     = float(int32(x))                 two tensor_copy (round to nearest even)
        floor = f - (f > x)                     tensor_tensor greater, subtract
        ceil  = floor + (floor < x)             tensor_tensor less, add
        trunc = ceil where x < 0, else floor    tensor_copy_predicated
        x itself where |x| >= 2^23 or x is NaN  (already integral, or beyond int32; a
                                                tensor_copy_predicated)
    Narrower floats go through float32 (exactly); integer tiles are returned as a copy.
    Which zero a result of 0 carries is unspecified (NumPy gives -0.0 for ceil(-0.5))."""

    def wrapper(x: Any, dtype: Any = None) -> TensorView:
        t = _tile_arg(fname, "x", x)
        shape, out_dt = t.shape, _out_dtype(dtype, t.dtype)
        if t.dtype in k.INTEGER_DTYPES:
            out = _result_tile(shape, out_dt, t)
            isa.tensor_copy(out, t)
            return out
        if t.dtype != k.Dtype.FLOAT32:  # exact: float32 holds every narrower float
            t32 = _new_tile(shape, k.Dtype.FLOAT32)
            isa.tensor_copy(t32, t)
            t = t32
        ints = _new_tile(shape, k.Dtype.INT32)
        isa.tensor_copy(ints, t)
        f = _new_tile(shape, k.Dtype.FLOAT32)
        isa.tensor_copy(f, ints)
        step = _new_tile(shape, k.Dtype.FLOAT32)
        isa.tensor_tensor(step, f, t, _alu("greater"))
        isa.tensor_tensor(f, f, step, _alu("subtract"))  # floor
        if fname != "floor":
            up = _new_tile(shape, k.Dtype.FLOAT32)
            isa.tensor_tensor(step, f, t, _alu("less"))
            if fname == "ceil":
                isa.tensor_tensor(f, f, step, _alu("add"))
            else:  # trunc: the ceiling of the negative values
                isa.tensor_tensor(up, f, step, _alu("add"))
                negative = _new_tile(shape, k.Dtype.UINT8)
                isa.tensor_scalar(negative, t, _alu("less"), 0.0)
                isa.tensor_copy_predicated(f, up, negative)
        keep = _new_tile(shape, k.Dtype.UINT8)
        isa.tensor_scalar(keep, t, _alu("abs"), None, op1=_alu("greater_equal"), operand1=_EXACT)
        nan = _new_tile(shape, k.Dtype.UINT8)
        isa.tensor_tensor(nan, t, t, _alu("not_equal"))
        isa.tensor_tensor(keep, keep, nan, _alu("maximum"))
        isa.tensor_copy_predicated(f, t, keep)
        out = _result_tile(shape, out_dt, f)
        isa.tensor_copy(out, f)
        return out

    wrapper.__name__ = fname
    return wrapper


def _unary_alu_wrapper(fname: str, integer_only: bool = False) -> Callable[..., TensorView]:
    """`nl.logical_not`, `nl.invert`: a unary ALU operator, one `tensor_scalar` without an
    operand. `logical_not` gives 1 where `x == 0`, else 0 (for 0/1 inputs: XOR 1, nki.md
    §8.1); `invert` flips the bits of an integer tile."""
    op = _alu(fname)

    def wrapper(x: Any, dtype: Any = None) -> TensorView:
        t = _tile_arg(fname, "x", x)
        out_dt = _out_dtype(dtype, t.dtype)
        if integer_only:
            for what, dt in (("x", t.dtype), ("the result dtype", out_dt)):
                if dt not in k.INTEGER_DTYPES:
                    raise fail(
                        "err_bad_arguments",
                        f"nl.{fname} flips the bits of integer tiles; {what} is {dt.value}",
                        hint="nl.logical_not(x) negates a 0/1 tile of any dtype",
                    )
        out = _result_tile(t.shape, out_dt, t)
        isa.tensor_scalar(out, t, op, None)
        return out

    return wrapper


def _broadcast_keep(op: OpValue, data: TensorView, kept: TensorView, out: TensorView) -> None:
    """`out = data op kept`, `kept` a reduction result with keepdims (size-1 reduced dims):
    a (P, 1, ...) vector is a tensor_scalar operand, otherwise a stride-0 view."""
    if kept.shape == data.shape:
        isa.tensor_tensor(out, data, kept, op)
    elif _is_vector_for(kept, data):
        isa.tensor_scalar(out, data, op, kept)
    else:
        isa.tensor_tensor(out, data, _free_broadcast(kept, data.shape), op)


def _kept_shape(t: TensorView, axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(t.shape))


_REDUCE_ALL = _reduce_wrapper("all", k.AluOp.LOGICAL_AND)


def all_(x: Any, axis: Any, dtype: Any = None) -> TensorView:
    """`nl.all(x, axis, dtype=None)`: logical AND over trailing free axes (no keepdims,
    nki.md §10.4): one `tensor_reduce logical_and`, 1 where every element is nonzero."""
    return _REDUCE_ALL(x, axis, dtype, False)


def var(x: Any, axis: Any, dtype: Any = None, keepdims: Any = False) -> TensorView:
    """`nl.var(x, axis)`: the population variance (NumPy's `var`, ddof 0) over trailing
    free axes, two-pass in float32:

        mean = sum(x) * (1/n)          tensor_reduce add, tensor_scalar
        d    = x - mean                tensor_scalar (a (P, 1) mean) or tensor_tensor
        out  = sum(d * d) * (1/n)      tensor_tensor, tensor_reduce add, tensor_scalar

    In the current API `keepdims` is ignored and the reduced dims are kept (size 1,
    nki.md §10.4); the first generation removes them (its docstring)."""
    t = _tile_arg("var", "x", x)
    interp, _ = ctx()
    axes = _free_axes("var", t, axis)
    f32 = k.Dtype.FLOAT32
    n = math.prod(t.shape[i] for i in axes)
    kept = _kept_shape(t, axes)
    total = _new_tile(kept, f32)
    isa.tensor_reduce(total, _alu("add"), t, axes, keepdims=True)
    mean = _new_tile(kept, f32)
    isa.tensor_scalar(mean, total, _alu("multiply"), 1.0 / n)
    d = _new_tile(t.shape, f32)
    _broadcast_keep(_alu("subtract"), t, mean, d)
    sq = _new_tile(t.shape, f32)
    isa.tensor_tensor(sq, d, d, _alu("multiply"))
    keep = not interp.first_generation
    shape = kept if keep else tuple(n_ for i, n_ in enumerate(t.shape) if i not in axes)
    ss = _new_tile(shape, f32)
    isa.tensor_reduce(ss, _alu("add"), sq, axes, keepdims=keep)
    out = _new_tile(shape, _out_dtype(dtype, t.dtype))
    isa.tensor_scalar(out, ss, _alu("multiply"), 1.0 / n)
    return out


def softmax(x: Any, axis: Any = -1, dtype: Any = None, compute_dtype: Any = None) -> TensorView:
    """`nl.softmax(x, axis=-1)` over trailing free axes, `exp(x - max) / sum(exp(x - max))`:

        m = max(x)            tensor_reduce maximum (keepdims)
        e = exp(x - m)        tensor_scalar / tensor_tensor subtract, activation exp
        r = 1 / sum(e)        tensor_reduce add, reciprocal
        out = e * r           tensor_scalar / tensor_tensor multiply, into the result dtype

    Intermediates are float32 (the first generation's `compute_dtype=` chooses them)."""
    t = _tile_arg("softmax", "x", x)
    interp, _ = ctx()
    if compute_dtype is not None and not interp.first_generation:
        raise fail(
            "err_bad_arguments",
            "nl.softmax takes no 'compute_dtype' in the current API (nki.md §10.4)",
            hint="intermediates are float32; give 'dtype' for the result",
        )
    axes = _free_axes("softmax", t, axis)
    cdt = _out_dtype(compute_dtype, k.Dtype.FLOAT32)
    kept = _kept_shape(t, axes)
    m = _new_tile(kept, cdt)
    isa.tensor_reduce(m, _alu("maximum"), t, axes, keepdims=True)
    shifted = _new_tile(t.shape, cdt)
    _broadcast_keep(_alu("subtract"), t, m, shifted)
    e = _new_tile(t.shape, cdt)
    isa.activation(e, OpValue("exp", act=k.ActFunc.EXP), shifted)
    s = _new_tile(kept, cdt)
    isa.tensor_reduce(s, _alu("add"), e, axes, keepdims=True)
    r = _new_tile(kept, cdt)
    isa.reciprocal(r, s)
    out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), e, r, elementwise=False)
    _broadcast_keep(_alu("multiply"), e, r, out)
    return out


def rms_norm(x: Any, w: Any, axis: Any, n: Any, epsilon: Any = 1e-6, dtype: Any = None,
             compute_dtype: Any = None) -> TensorView:
    """`nl.rms_norm(x, w, axis, n, epsilon)`: `x / sqrt(sum(x^2, axis) / n + epsilon) * w`
    (nki.md §10.4; epsilon inside the square root):

        ss   = sum(x * x)                       tensor_tensor multiply, tensor_reduce add
        rstd = rsqrt(ss * (1/n) + epsilon)      tensor_scalar, activation rsqrt
        out  = (x * rstd) * w                   tensor_scalar / tensor_tensor multiplies

    Intermediates have `compute_dtype` (else `dtype`, else float32); the result `dtype`
    (else `compute_dtype`, else x's: the docstring says the two "behave the same"). `w` has
    x's shape, or is a (P, 1) vector, or broadcasts NumPy-style: a single partition is
    repeated by a DMA (as `nl.broadcast_to`), size-1 free dims are stride-0 views."""
    t = _tile_arg("rms_norm", "x", x)
    wt = _tile_arg("rms_norm", "w", w)
    for pname, v in (("n", n), ("epsilon", epsilon)):
        if not _is_number(v):
            raise fail("err_bad_arguments",
                       f"nl.rms_norm: '{pname}' must be a Python number, got {describe(v)}")
    if n <= 0:
        raise fail("err_bad_arguments", f"nl.rms_norm: 'n' must be positive, got {n!r}")
    axes = _free_axes("rms_norm", t, axis)
    if wt.ndim != t.ndim or not _broadcastable(wt.shape, t.shape) or any(
        a > b for a, b in zip(wt.shape, t.shape)
    ):
        raise fail(
            "err_bad_arguments",
            f"nl.rms_norm: 'w' of shape {wt.shape} does not broadcast to x's shape {t.shape}",
            hint="give w x's rank, each dimension equal to x's or 1",
        )
    given = compute_dtype if compute_dtype is not None else dtype
    cdt = _out_dtype(given, k.Dtype.FLOAT32)
    out_dt = _out_dtype(dtype if dtype is not None else compute_dtype, t.dtype)
    kept = _kept_shape(t, axes)
    sq = _new_tile(t.shape, cdt)
    isa.tensor_tensor(sq, t, t, _alu("multiply"))
    ss = _new_tile(kept, cdt)
    isa.tensor_reduce(ss, _alu("add"), sq, axes, keepdims=True)
    ms = _new_tile(kept, cdt)
    isa.tensor_scalar(ms, ss, _alu("multiply"), 1.0 / n, op1=_alu("add"), operand1=float(epsilon))
    rstd = _new_tile(kept, cdt)
    isa.activation(rstd, OpValue("rsqrt", act=k.ActFunc.RSQRT), ms)
    y = _new_tile(t.shape, cdt)
    _broadcast_keep(_alu("multiply"), t, rstd, y)
    if wt.shape[0] != t.shape[0]:
        wt = _partition_broadcast(wt, t.shape[0])
    out = _result_tile(t.shape, out_dt, y, wt, elementwise=False)
    _broadcast_keep(_alu("multiply"), y, wt, out)
    return out


def load_transpose2d(src: Any, dtype: Any = None) -> TensorView:
    """`nl.load_transpose2d(src)`: an HBM `[F, P]` tensor into a new SBUF `[P, F]` tile with
    one DMA transpose (`dma_transpose`, nki.md §10.2); a `dtype` different from `src`'s is
    a `tensor_copy` after it (a DMA transpose keeps the dtype, §9.6)."""
    if not isinstance(src, TensorView):
        raise fail("err_bad_arguments",
                   f"nl.load_transpose2d: 'src' must be an HBM tensor, got {describe(src)}")
    if src.memory.on_chip:
        raise fail(
            "err_bad_arguments",
            f"nl.load_transpose2d reads HBM; 'src' is {_WHAT[src.memory]}",
            hint="transpose on-chip tiles with nl.transpose(x)",
        )
    if src.ndim != 2:
        raise fail("err_bad_arguments",
                   f"nl.load_transpose2d takes a 2-D tensor; 'src' has shape {src.shape}")
    shape = (src.shape[1], src.shape[0])
    tile = _new_tile(shape, src.dtype)
    isa.dma_transpose(tile, src, axes=(1, 0))
    out_dt = _out_dtype(dtype, src.dtype)
    if out_dt == src.dtype:
        return tile
    out = _new_tile(shape, out_dt)
    isa.tensor_copy(out, tile)
    return out


def gather_flattened(data: Any, indices: Any, axis: Any = 0, dtype: Any = None) -> TensorView:
    """`nl.gather_flattened(data, indices)`: per partition, `out[p, j] =
    data[p].flatten()[indices[p, j]]` with one GpSimd `nc_n_gather` (nki.md §10.2, §9.4);
    the result has `indices`' shape and `data`'s dtype (a `dtype` different from it is a
    `tensor_copy` after the gather)."""
    d = _tile_arg("gather_flattened", "data", data)
    i = _tile_arg("gather_flattened", "indices", indices)
    if axis != 0:
        raise fail(
            "err_not_supported",
            f"nl.gather_flattened with axis={axis!r} is not supported (the gather is per "
            "partition over the flattened free dimensions: axis 0)",
            hint="transpose the data so that the gather runs along the free dimensions",
        )
    if i.dtype != k.Dtype.UINT32:
        raise fail(
            "err_bad_arguments",
            f"nl.gather_flattened: 'indices' must be a uint32 tile, got {i.dtype.value}",
            hint="convert it first: nl.copy(indices, dtype=nl.uint32)",
        )
    for pname, v in (("data", d), ("indices", i)):
        if not 2 <= v.ndim <= 4:
            raise fail("err_bad_arguments",
                       f"nl.gather_flattened: '{pname}' must be 2-, 3- or 4-dimensional, "
                       f"got shape {v.shape}")
    out = _new_tile(i.shape, d.dtype)
    isa.nc_n_gather(out, d, i)
    out_dt = _out_dtype(dtype, d.dtype)
    if out_dt == d.dtype:
        return out
    cast = _new_tile(i.shape, out_dt)
    isa.tensor_copy(cast, out)
    return cast


def shared_identity_matrix(n: Any, dtype: Any = None, dst: Any = None) -> TensorView:
    """`nl.shared_identity_matrix(n, dtype=nl.uint8)`: an `n x n` identity in SBUF (into
    `dst` when given): `iota` writes `p - j` into an int32 tile (GpSimd), then
    `tensor_scalar equal 0` gives 1 on the diagonal, 0 elsewhere. NKI shares one matrix per
    dtype; KLR builds one per call (same values)."""
    if not is_int(n) or n <= 0:
        raise fail("err_bad_arguments",
                   f"nl.shared_identity_matrix: 'n' must be a positive int, got {describe(n)}")
    dt = _out_dtype(dtype, k.Dtype.UINT8)
    if dst is None:
        out = _new_tile((n, n), dt)
    else:
        out = _tile_arg("shared_identity_matrix", "dst", dst)
        if out.shape != (n, n) or out.memory != k.Memory.SBUF:
            raise fail(
                "err_bad_arguments",
                f"nl.shared_identity_matrix: 'dst' must be an SBUF tile of shape ({n}, {n}), "
                f"got {_WHAT[out.memory]} of shape {out.shape}",
            )
        if dtype is not None and out.dtype != dt:
            raise fail("err_bad_arguments",
                       f"nl.shared_identity_matrix: 'dst' is {out.dtype.value}, not {dt.value}")
    diff = _new_tile((n, n), k.Dtype.INT32)
    isa.iota(diff, [[-1, n]], 0, channel_multiplier=1)
    isa.tensor_scalar(out, diff, _alu("equal"), 0.0)
    return out


def _fmod(x: Any, y: Any, dtype: Any = None) -> TensorView:
    raise fail("err_not_supported", _SIMULATOR_ONLY.format("fmod", "remainder"),
               hint="for a non-negative integer tile and a divisor 2**k, nl.bitwise_and(x, 2**k - 1)")


def _buffer_predicate(fname: str, memories: tuple[k.Memory, ...]) -> Callable[[Any], bool]:
    """`nl.is_hbm(buffer)` and the others: a trace-time bool (nki.md §3.1)."""

    def predicate(buffer: Any) -> bool:
        if not isinstance(buffer, BufferValue):
            raise fail(
                "err_bad_arguments",
                f"nl.{fname} takes a buffer such as nl.sbuf or t.buffer, got {describe(buffer)}",
            )
        return buffer.memory in memories

    predicate.__name__ = fname
    return predicate


def unique_name(name: Any) -> str:
    """`nl.unique_name(name)`: a fresh `name.N` (klr-lean §4.5), for `name=` arguments."""
    if not isinstance(name, str):
        raise fail("err_bad_arguments", f"nl.unique_name takes a str, got {describe(name)}")
    interp, _ = ctx()
    return interp.fresh_name(f"{name}.")


# value-returning forms of operator objects (`nl.sin(x)`; `call_op_value` finds them)
OPERATOR_FUNCTIONS: dict[str, Builtin] = {
    "sin": Builtin("nki.language.sin", sin),
    "logical_not": Builtin("nki.language.logical_not", _unary_alu_wrapper("logical_not")),
    "invert": Builtin("nki.language.invert", _unary_alu_wrapper("invert", integer_only=True)),
}


def namespace_entries() -> dict[str, Any]:
    """The `nki.language` functions of this module, by name."""
    attrs: dict[str, Any] = {"all": Builtin("nki.language.all", all_)}
    for fn in (cos, tan, var, softmax, rms_norm, load_transpose2d, gather_flattened,
               shared_identity_matrix, unique_name):
        attrs[fn.__name__] = Builtin(f"nki.language.{fn.__name__}", fn)
    attrs["fmod"] = Builtin("nki.language.fmod", _fmod)
    for name in ("floor", "ceil", "trunc"):
        attrs[name] = Builtin(f"nki.language.{name}", _rounding(name))
    for name, mems in (("is_hbm", (k.Memory.HBM, k.Memory.SHARED_HBM)), ("is_sbuf", (k.Memory.SBUF,)),
                       ("is_psum", (k.Memory.PSUM,)), ("is_on_chip", (k.Memory.SBUF, k.Memory.PSUM))):
        attrs[name] = Builtin(f"nki.language.{name}", _buffer_predicate(name, mems))
    return attrs


