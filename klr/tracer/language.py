"""`nki.language`: allocation, dtypes, buffers, loops, SPMD queries, operator objects."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from klr.dialects import klr as k
from klr.tracer.values import (
    Affine,
    BufferValue,
    Builtin,
    DtypeValue,
    DynSlice,
    Namespace,
    NotSupported,
    OpValue,
    Storage,
    TensorView,
    UserClass,
    is_int,
)
from klr.tracer.calls import (
    fail,
    describe,
    ctx,
)

from klr.tracer.isa import memset

if TYPE_CHECKING:
    from klr.targets import Target
    from klr.tracer.interp import Interpreter


# nki.language
# ---------------------------------------------------------------------------


def _shape(value: Any) -> tuple[int, ...]:
    if is_int(value):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not value or not all(is_int(d) and d > 0 for d in value):
        raise fail(
            "err_bad_arguments",
            f"a tensor shape is a non-empty tuple of positive ints, got {describe(value)}",
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
    raise fail(
        "err_bad_arguments",
        f"'dtype' must be an NKI dtype such as nl.float32, got {describe(value)}",
        hint="NumPy dtypes belong to the first-generation API; use nl.float32, nl.bfloat16, ...",
    )


def _buffer(value: Any) -> k.Memory:
    if value is None:
        return k.Memory.SBUF
    if isinstance(value, BufferValue):
        return value.memory
    raise fail(
        "err_bad_arguments",
        f"'buffer' must be nl.sbuf, nl.psum, nl.hbm or nl.shared_hbm, got {describe(value)}",
    )


def ndarray(shape: Any, dtype: Any, buffer: Any = None, name: str = "", address: Any = None) -> TensorView:
    interp, _ = ctx()
    shp, dt, mem = _shape(shape), _dtype(dtype), _buffer(buffer)
    target = interp_target(interp)
    if mem.on_chip:
        if shp[0] > target.num_partitions:
            raise fail(
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
            raise fail(
                "err_capacity",
                f"a {mem.value.upper()} tensor of shape {shp} needs {free_bytes} bytes per partition; "
                f"{target.name} has {limit}",
            )
    addr = None
    if address is not None:
        if not (isinstance(address, tuple) and len(address) == 2 and all(is_int(a) for a in address)):
            raise fail("err_bad_arguments", "'address' is (partition offset, byte offset)")
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
        raise fail("err_bad_arguments", f"nl.ds start must be an int, got {describe(start)}")
    if not is_int(size) or size <= 0:
        raise fail("err_bad_arguments", f"nl.ds size must be a positive int, got {describe(size)}")
    return DynSlice(start, size)


def _range(kind: k.LoopKind) -> Callable[..., Any]:
    def make(start: Any, stop: Any = None, step: Any = 1) -> Any:
        from klr.tracer.interp import LoopRange

        if stop is None:
            start, stop = 0, start
        for n, v in (("start", start), ("stop", stop), ("step", step)):
            if not is_int(v):
                raise fail("err_bad_arguments", f"loop {n} must be an int known at trace time, got {describe(v)}")
        if step <= 0:
            raise fail("err_bad_arguments", f"loop step must be positive, got {step}")
        return LoopRange(kind, start, stop, step)

    return make


def program_id(axis: int = 0) -> int:
    interp, _ = ctx()
    if not is_int(axis) or not 0 <= axis < max(len(interp.grid), 1):
        raise fail("err_bad_arguments", f"program_id axis {axis!r} is outside the launch grid {interp.grid}")
    return interp.program_id[axis] if interp.grid else 0


def num_programs(axes: Any = None) -> int:
    interp, _ = ctx()
    grid = interp.grid or (1,)
    if axes is None:
        return math.prod(grid)
    if is_int(axes):
        axes = (axes,)
    return math.prod(grid[a] for a in axes)


def program_ndim() -> int:
    interp, _ = ctx()
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
