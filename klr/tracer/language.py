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
    call_builtin,
    fail,
    describe,
    ctx,
)

from klr.tracer import isa, random_numbers
from klr.tracer.isa import memset

if TYPE_CHECKING:
    from xdsl.ir import Operation

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
# Value-returning wrappers (NKI 0.3+, nki.md §10.2-10.4)
#
# Each allocates its result with `ndarray` (auto-named, so tracing names it after the
# variable it is assigned to) and emits the destination-passing instructions NKI lowers
# it to, through the `nisa` functions so every instruction is verified the same way.
# ---------------------------------------------------------------------------


_WHAT = {
    k.Memory.HBM: "an HBM tensor",
    k.Memory.SHARED_HBM: "a shared HBM tensor",
    k.Memory.SBUF: "an SBUF tile",
    k.Memory.PSUM: "a PSUM tile",
}


def _tile_arg(fname: str, pname: str, value: Any) -> TensorView:
    """An on-chip (SBUF or PSUM) tile argument of `nl.<fname>`."""
    if not isinstance(value, TensorView):
        raise fail(
            "err_bad_arguments", f"nl.{fname}: '{pname}' must be a tile, got {describe(value)}"
        )
    if not value.memory.on_chip:
        raise fail(
            "err_bad_arguments",
            f"nl.{fname}: '{pname}' is {_WHAT[value.memory]}; compute engines read SBUF or "
            "PSUM tiles",
            hint="load it into SBUF first: tile = nl.load(hbm_tensor[...])",
        )
    return value


def _out_dtype(dtype: Any, default: k.Dtype) -> k.Dtype:
    """`dtype=` of a wrapper; when absent, the input dtype (nki.md §7.3, new API)."""
    return default if dtype is None else _dtype(dtype)


def _new_tile(shape: tuple[int, ...], dtype: k.Dtype, mem: k.Memory = k.Memory.SBUF) -> TensorView:
    return ndarray(shape, DtypeValue(dtype), BufferValue(mem))


def _result_tile(shape: tuple[int, ...], dtype: k.Dtype, *reads: Any,
                 elementwise: bool = True) -> TensorView:
    """The result tile of an element-wise wrapper: in a first-generation
    `t[...] = nl.add(...)`, the view `t[...]` itself when the instruction can write it
    (`klr.tracer.legacy._take_into`), else a new SBUF tile."""
    from klr.tracer.legacy import _take_into

    into = _take_into(shape, dtype, reads, (k.Memory.SBUF, k.Memory.PSUM), elementwise)
    return into if into is not None else _new_tile(shape, dtype)


def _promote(a: k.Dtype, b: k.Dtype) -> k.Dtype:
    """The result dtype of two tiles of different dtypes (nki.md §7.3)."""
    if a == b:
        return a
    a_int, b_int = a in k.INTEGER_DTYPES, b in k.INTEGER_DTYPES
    if a_int != b_int:
        return b if a_int else a  # (float, int) -> the float
    size_a, size_b = k.DTYPE_BYTES[a], k.DTYPE_BYTES[b]
    if not a_int:
        if size_a != size_b:
            return a if size_a > size_b else b
        # same width, different formats: widened
        # (fp8 pair -> bf16, fp16 + bf16 -> fp32, fp32 + tf32 -> fp32)
        return k.Dtype.BFLOAT16 if size_a == 1 else k.Dtype.FLOAT32
    a, b = (k.Dtype.UINT8 if d == k.Dtype.BOOL_ else d for d in (a, b))
    unsigned = (k.Dtype.UINT8, k.Dtype.UINT16, k.Dtype.UINT32)
    if (a in unsigned) == (b in unsigned):
        return a if k.DTYPE_BYTES[a] >= k.DTYPE_BYTES[b] else b
    s, u = (b, a) if a in unsigned else (a, b)
    if k.DTYPE_BYTES[s] > k.DTYPE_BYTES[u]:
        return s
    # a signed type wide enough for the unsigned one; there is no int64 (uint32 -> fp32)
    return {1: k.Dtype.INT16, 2: k.Dtype.INT32}.get(k.DTYPE_BYTES[u], k.Dtype.FLOAT32)


def load(src: Any, dtype: Any = None) -> TensorView:
    """`nl.load`: HBM -> a new SBUF tile of `src`'s shape (partition dim first), one `dma_copy`.

    A `dtype` different from `src`'s is converted by the DMA (through fp32, nki.md §9.6).
    """
    if not isinstance(src, TensorView):
        raise fail(
            "err_bad_arguments", f"nl.load: 'src' must be an HBM tensor, got {describe(src)}"
        )
    if src.memory.on_chip:
        raise fail(
            "err_bad_arguments",
            f"nl.load reads HBM; 'src' is {_WHAT[src.memory]}",
            hint="copy on-chip tiles with nl.copy(x)",
        )
    tile = _new_tile(src.shape, _out_dtype(dtype, src.dtype))
    isa.dma_copy(tile, src)
    return tile


def store(dst: Any, value: Any) -> None:
    """`nl.store`: an SBUF tile -> HBM, one `dma_copy` (DMA cannot read PSUM, nki.md §9.6)."""
    if not isinstance(dst, TensorView):
        raise fail(
            "err_bad_arguments", f"nl.store: 'dst' must be an HBM tensor, got {describe(dst)}"
        )
    if not isinstance(value, TensorView):
        raise fail(
            "err_bad_arguments", f"nl.store: 'value' must be an SBUF tile, got {describe(value)}"
        )
    if value.memory == k.Memory.PSUM:
        raise fail(
            "err_not_supported",
            "nl.store of a PSUM tile is not supported by the current NKI API "
            "(DMA cannot read PSUM)",
            hint="copy it to SBUF first: nl.store(dst, nl.copy(psum_tile))",
        )
    if value.memory != k.Memory.SBUF:
        raise fail(
            "err_bad_arguments",
            f"nl.store: 'value' must be an SBUF tile, got {_WHAT[value.memory]}",
            hint="copy between HBM tensors with nisa.dma_copy(dst=..., src=...)",
        )
    if dst.memory.on_chip:
        raise fail(
            "err_bad_arguments",
            f"nl.store writes HBM; 'dst' is {_WHAT[dst.memory]}",
            hint="copy on-chip tiles with nl.copy(x) or nisa.tensor_copy(dst=..., src=...)",
        )
    if math.prod(dst.shape) != math.prod(value.shape):
        raise fail(
            "err_bad_arguments",
            f"nl.store: 'dst' has shape {dst.shape} but 'value' has shape {value.shape}",
        )
    isa.dma_copy(dst, value)


def copy(x: Any, dtype: Any = None) -> TensorView:
    """`nl.copy`: a new SBUF tile of `x`'s shape, one `tensor_copy` (engine left to the compiler).

    Reading a PSUM tile this way is how a matmul or transpose result reaches SBUF.
    """
    t = _tile_arg("copy", "x", x)
    out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), t)
    isa.tensor_copy(out, t)
    return out


def _activation_wrapper(op: OpValue) -> Callable[..., TensorView]:
    """`nl.exp`, `nl.tanh`, ...: one Scalar-engine `activation` into a new SBUF tile."""

    def wrapper(x: Any, dtype: Any = None) -> TensorView:
        t = _tile_arg(op.name, "x", x)
        out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), t)
        isa.activation(out, op, t)
        return out

    return wrapper


def _reciprocal(x: Any, dtype: Any = None) -> TensorView:
    """`nl.reciprocal`: the Vector engine's `reciprocal` (more precise than the activation)."""
    t = _tile_arg("reciprocal", "x", x)
    out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), t)
    isa.reciprocal(out, t)
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_vector_for(vec: TensorView, data: TensorView) -> bool:
    """`vec` is a per-partition vector `(P, 1, ...)` that broadcasts along `data`'s free dims."""
    return (
        vec.ndim == data.ndim
        and vec.shape[0] == data.shape[0]
        and all(d == 1 for d in vec.shape[1:])
        and any(d != 1 for d in data.shape[1:])
    )


def _broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """NumPy's rule: trailing dimensions equal or 1."""
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(a), reversed(b)))


def _partition_broadcast(t: TensorView, parts: int, shape: tuple[int, ...] | None = None,
                         dtype: k.Dtype | None = None) -> TensorView:
    """A new SBUF tile of `shape` (default: `t`'s free dims on `parts` partitions) holding
    `t` (one partition) repeated on every partition, and along free dims where `t` has
    size 1: one `dma_copy` whose source access pattern repeats `t`'s partition with a
    stride-0 dim (engines cannot read across partitions; a DMA can, bit-exact for every
    dtype). The source view keeps `t`'s single partition as its partition dim and puts
    the repetition in a free dim, so it is an ordinary on-chip view."""
    shape = shape or (parts, *t.shape[1:])
    if t.memory == k.Memory.PSUM:
        interp, _ = ctx()
        if not interp.target.features.dma_can_access_psum:
            staged = _new_tile(t.shape, t.dtype)  # DMA cannot read PSUM: stage the row in SBUF
            isa.tensor_copy(staged, t)
            t = staged
    free = tuple((0, n) if d == 1 and n != 1 else (s, d)
                 for (s, d), n in zip(t.dims[1:], shape[1:]))
    src = TensorView(t.storage, t.offset, (t.dims[0], (0, parts), *free))
    out = _new_tile(shape, dtype or t.dtype)
    isa.dma_copy(out, src)
    return out


def _free_broadcast(t: TensorView, shape: tuple[int, ...]) -> TensorView:
    """`t` seen with its size-1 free dims repeated to `shape` (stride-0 dims: a view)."""
    return TensorView(t.storage, t.offset, (t.dims[0], *(
        (0, n) if d == 1 and n != 1 else (s, d) for (s, d), n in zip(t.dims[1:], shape[1:]))))


def _numpy_broadcast(op: OpValue, a: TensorView, b: TensorView, out_dt: k.Dtype) -> TensorView:
    """First generation: `nl.add(a, b)` with NumPy broadcasting (nki.md §4.6). A size-1
    partition dim is broadcast by data movement (`_partition_broadcast`), size-1 free dims
    by stride-0 views; a (P, 1) operand then still becomes a `tensor_scalar` vector."""
    if a.ndim != b.ndim:
        raise fail(
            "err_not_supported",
            f"nl.{op.name}: broadcasting tiles of different ranks ({a.shape} and {b.shape}) is "
            "not supported",
            hint="give both tiles the same rank (index with [:, None] or nl.expand_dims)",
        )
    shape = tuple(max(x, y) for x, y in zip(a.shape, b.shape))
    if a.shape[0] != shape[0]:
        a = _partition_broadcast(a, shape[0])
    if b.shape[0] != shape[0]:
        b = _partition_broadcast(b, shape[0])
    for data, vec, reverse in ((a, b, False), (b, a, True)):
        if data.shape == shape and _is_vector_for(vec, data):
            out = _result_tile(shape, out_dt, data, vec)
            isa.tensor_scalar(out, data, op, vec, reverse0=reverse)
            return out
    out = _result_tile(shape, out_dt, a, b)
    isa.tensor_tensor(out, _free_broadcast(a, shape), _free_broadcast(b, shape), op)
    return out


def broadcast_to(x: Any, shape: Any, dtype: Any = None) -> TensorView:
    """`nl.broadcast_to(x, shape)`: a new SBUF tile of `shape` with `x` broadcast NumPy-style
    (same rank; each dim equal or from 1). A partition broadcast is one `dma_copy` with a
    stride-0 source (`_partition_broadcast`); a free-dim broadcast one `tensor_copy` from a
    stride-0 view."""
    t = _tile_arg("broadcast_to", "x", x)
    shp = _shape(shape)
    if len(shp) != t.ndim or any(d != n and d != 1 for d, n in zip(t.shape, shp)):
        raise fail(
            "err_bad_arguments",
            f"nl.broadcast_to: shape {t.shape} cannot be broadcast to {shp}",
            hint="the target has the same rank; each dimension equals the tile's or the tile's is 1",
        )
    out_dt = _out_dtype(dtype, t.dtype)
    if shp[0] != t.shape[0]:
        return _partition_broadcast(t, shp[0], shp, out_dt)
    out = _new_tile(shp, out_dt)
    isa.tensor_copy(out, _free_broadcast(t, shp))
    return out


def expand_dims(data: Any, axis: Any) -> TensorView:
    """`nl.expand_dims(data, axis)`: a view with size-1 dims inserted (NumPy positions;
    never before the partition dim of an on-chip tile)."""
    from klr.tracer.tensor_methods import t_expand_dim

    if not isinstance(data, TensorView):
        raise fail("err_bad_arguments", f"nl.expand_dims: 'data' must be a tensor, got {describe(data)}")
    axes = (axis,) if is_int(axis) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if not axes or not all(is_int(a) for a in axes):
        raise fail("err_bad_arguments",
                   f"nl.expand_dims: 'axis' must be an int or a tuple of ints, got {describe(axis)}")
    n = data.ndim + len(axes)
    norm = sorted(a + n if a < 0 else a for a in axes)
    if any(not 0 <= a < n for a in norm) or len(set(norm)) != len(norm):
        raise fail("err_bad_arguments",
                   f"nl.expand_dims: axis {axis!r} is out of range for a result of rank {n}")
    for a in norm:
        data = t_expand_dim(data, a)
    return data


def negative(x: Any, dtype: Any = None) -> TensorView:
    """`nl.negative(x)`: `x * -1` with one Vector-engine `tensor_scalar` (exact: the sign
    flips, NaN stays NaN)."""
    t = _tile_arg("negative", "x", x)
    out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), t)
    isa.tensor_scalar(out, t, OpValue("multiply", alu=k.AluOp.MULTIPLY), -1.0)
    return out


def where(condition: Any, x: Any, y: Any, dtype: Any = None) -> TensorView:
    """`nl.where(condition, x, y)`: `x` where `condition` is nonzero, else `y`.

    The result is first `y` (a `tensor_copy`, or a `memset` for a number), then `x` is
    copied over it by `tensor_copy_predicated`, whose predicate is `condition != 0` as a
    uint8 tile (a `tensor_scalar`, so any nonzero value counts as true, as in NumPy)."""
    c = _tile_arg("where", "condition", condition)
    tiles = [v for v in (x, y) if isinstance(v, TensorView)]
    for pname, v in (("x", x), ("y", y)):
        if isinstance(v, TensorView):
            _tile_arg("where", pname, v)
        elif not _is_number(v):
            raise fail("err_bad_arguments",
                       f"nl.where: '{pname}' must be a tile or a Python number, got {describe(v)}")
    for v in tiles:
        if v.shape != c.shape:
            raise fail(
                "err_not_supported",
                f"nl.where: shapes {c.shape} and {v.shape} differ; broadcasting is not supported here",
                hint="broadcast first: nl.broadcast_to(t, shape)",
            )
    if dtype is not None:
        out_dt = _dtype(dtype)
    elif len(tiles) == 2:
        out_dt = _promote(tiles[0].dtype, tiles[1].dtype)
    elif tiles:
        out_dt = tiles[0].dtype
    else:
        out_dt = k.Dtype.FLOAT32
    pred = _new_tile(c.shape, k.Dtype.UINT8)
    isa.tensor_scalar(pred, c, OpValue("not_equal", alu=k.AluOp.NOT_EQUAL), 0.0)
    # written twice (y, then x over it): no operand may share the result's storage
    out = _result_tile(c.shape, out_dt, c, *tiles, elementwise=False)
    if isinstance(y, TensorView):
        isa.tensor_copy(out, y)
    else:
        memset(out, float(y))
    src: Any = float(x) if not isinstance(x, TensorView) else x
    if isinstance(x, TensorView) and x.dtype != out_dt:
        src = _new_tile(x.shape, out_dt)  # the predicated copy keeps the dtype
        isa.tensor_copy(src, x)
    isa.tensor_copy_predicated(out, src, pred)
    return out


def zeros_like(x: Any, dtype: Any = None, buffer: Any = None, name: str = "") -> TensorView:
    """`nl.zeros_like(x)`: `nl.zeros(x.shape, ...)`, dtype from `x`, buffer SBUF by default."""
    t = _like("zeros_like", x)
    return zeros(t.shape, DtypeValue(t.dtype) if dtype is None else dtype, buffer, name)


def empty_like(x: Any, dtype: Any = None, buffer: Any = None, name: str = "") -> TensorView:
    """`nl.empty_like(x)`: `nl.ndarray(x.shape, ...)` (uninitialized), dtype and buffer from `x`."""
    t = _like("empty_like", x)
    return ndarray(t.shape, DtypeValue(t.dtype) if dtype is None else dtype,
                   BufferValue(t.memory) if buffer is None else buffer, name)


def _like(fname: str, x: Any) -> TensorView:
    if not isinstance(x, TensorView):
        raise fail("err_bad_arguments", f"nl.{fname}: 'x' must be a tensor, got {describe(x)}")
    return x


def _binary(op: OpValue, x: Any, y: Any, dtype: Any) -> TensorView:
    """`nl.add(x, y)` and the other elementwise binary wrappers.

    tile op tile (same shape)      -> tensor_tensor
    tile op number, number op tile -> tensor_scalar with an immediate (reverse0: number on the left)
    tile op (P, 1) tile, or swapped -> tensor_scalar with the vector operand (0.6 docstrings)
    Other NumPy broadcasts are not part of the current API's wrappers (nki.md §4.6).
    """
    name = op.name
    if not isinstance(x, TensorView) and not isinstance(y, TensorView):
        raise fail(
            "err_bad_arguments",
            f"nl.{name} needs at least one tile operand, got {describe(x)} and {describe(y)}",
        )
    if isinstance(x, TensorView) and isinstance(y, TensorView):
        a, b = _tile_arg(name, "x", x), _tile_arg(name, "y", y)
        out_dt = _out_dtype(dtype, _promote(a.dtype, b.dtype))
        if a.shape == b.shape:
            out = _result_tile(a.shape, out_dt, a, b)
            isa.tensor_tensor(out, a, b, op)
            return out
        for data, vec, reverse in ((a, b, False), (b, a, True)):
            if _is_vector_for(vec, data):
                out = _result_tile(data.shape, out_dt, data, vec)
                isa.tensor_scalar(out, data, op, vec, reverse0=reverse)
                return out
        if _broadcastable(a.shape, b.shape):
            interp, _ = ctx()
            if interp.first_generation:
                return _numpy_broadcast(op, a, b, out_dt)
            raise fail(
                "err_not_supported",
                f"nl.{name}: broadcasting shapes {a.shape} and {b.shape} is not supported",
                hint="the current API broadcasts only a (P, 1) per-partition vector along the free "
                "dimensions; broadcast the other operand first with nl.broadcast_to(y, shape) "
                "(nki.md §4.6)",
            )
        raise fail("err_bad_arguments", f"nl.{name}: shapes {a.shape} and {b.shape} do not match")
    tile_first = isinstance(x, TensorView)
    tile, scalar = (x, y) if tile_first else (y, x)
    t = _tile_arg(name, "x" if tile_first else "y", tile)
    if isinstance(scalar, Affine):
        # an immediate must be known at trace time: this unrolls the enclosing rolled loop
        scalar = int(scalar)
    if not _is_number(scalar):
        raise fail(
            "err_bad_arguments",
            f"nl.{name}: '{'y' if tile_first else 'x'}' must be a tile or a Python number, "
            f"got {describe(scalar)}",
        )
    if op.alu == k.AluOp.POWER:
        raise fail(
            "err_not_supported",
            "nl.power with a scalar operand is not supported by NKI (0.3-0.6 known issue)",
            hint="give both operands as tiles; nl.square(x) and nl.sqrt(x) cover the "
            "exponents 2 and 0.5",
        )
    out = _result_tile(t.shape, _out_dtype(dtype, t.dtype), t)
    isa.tensor_scalar(out, t, op, scalar, reverse0=not tile_first)
    return out


def _binary_wrapper(op: OpValue) -> Callable[..., TensorView]:
    def wrapper(x: Any, y: Any, dtype: Any = None) -> TensorView:
        return _binary(op, x, y, dtype)

    return wrapper


def _free_axes(fname: str, t: TensorView, axis: Any, any_free: bool = False) -> tuple[int, ...]:
    """`axis` of a reduction: the trailing free dimensions of `t` (nki.md §10.4); with
    `any_free` (the first generation), any free dimensions."""
    axes = (axis,) if is_int(axis) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if not axes or not all(is_int(a) for a in axes):
        raise fail(
            "err_bad_arguments",
            f"nl.{fname}: 'axis' must be an int or a tuple of ints, got {describe(axis)}",
        )
    norm = sorted(a + t.ndim if a < 0 else a for a in axes)
    if any(not 0 <= a < t.ndim for a in norm) or len(set(norm)) != len(norm):
        raise fail(
            "err_bad_arguments",
            f"nl.{fname}: axis {axis!r} is not a set of dimensions of shape {t.shape}",
        )
    if norm[0] == 0:
        raise fail(
            "err_bad_arguments",
            f"nl.{fname} reduces free dimensions only; axis 0 is the partition dimension",
            hint="transpose first (nl.transpose), or use nisa.tensor_partition_reduce",
        )
    if not any_free and norm != list(range(t.ndim - len(norm), t.ndim)):
        raise fail(
            "err_bad_arguments",
            f"nl.{fname}: axis {axis!r} must be the last free dimensions of shape {t.shape} "
            f"(e.g. {t.ndim - 1} or {tuple(range(1, t.ndim))})",
        )
    return tuple(norm)


def _reduce_any_free(reduce: Callable[..., TensorView], t: TensorView, axes: tuple[int, ...],
                     dtype: Any, keepdims: Any) -> TensorView:
    """First generation: reduce any free axes by permuting the free dimensions of the
    access pattern so that they are trailing (a free-axis permutation is only a view)."""
    keep = [i for i in range(t.ndim) if i not in axes]
    moved = TensorView(t.storage, t.offset, tuple(t.dims[i] for i in [*keep, *axes]))
    flat = reduce(moved, tuple(range(len(keep), t.ndim)), dtype, False)
    if not keepdims:
        return flat
    it = iter(flat.dims)
    return TensorView(flat.storage, flat.offset,
                      tuple((1, 1) if i in axes else next(it) for i in range(t.ndim)))


def _reduce_wrapper(fname: str, alu: k.AluOp, mean: bool = False) -> Callable[..., TensorView]:
    """`nl.sum/max/min/mean`: Vector-engine `tensor_reduce` over trailing free axes.

    `mean` reduces into an fp32 tile (fp32 intermediates, nki.md §10.4), then multiplies by
    1/n with `tensor_scalar` into the result dtype.
    """
    red_op = OpValue(alu.value, alu=alu)

    def wrapper(x: Any, axis: Any, dtype: Any = None, keepdims: Any = False) -> TensorView:
        t = _tile_arg(fname, "x", x)
        interp, _ = ctx()
        axes = _free_axes(fname, t, axis, any_free=interp.first_generation)
        if axes != tuple(range(t.ndim - len(axes), t.ndim)):
            return _reduce_any_free(wrapper, t, axes, dtype, keepdims)
        if not isinstance(keepdims, bool):
            raise fail(
                "err_bad_arguments",
                f"nl.{fname}: 'keepdims' must be True or False, got {describe(keepdims)}",
            )
        shape = tuple(
            1 if i in axes else n for i, n in enumerate(t.shape) if keepdims or i not in axes
        )
        out_dt = _out_dtype(dtype, t.dtype)
        if not mean:
            out = _new_tile(shape, out_dt)
            isa.tensor_reduce(out, red_op, t, axes, keepdims=keepdims)
            return out
        total = _new_tile(shape, k.Dtype.FLOAT32)
        isa.tensor_reduce(total, red_op, t, axes, keepdims=keepdims)
        out = _new_tile(shape, out_dt)
        isa.tensor_scalar(out, total, OpValue("multiply", alu=k.AluOp.MULTIPLY),
                          1.0 / math.prod(t.shape[i] for i in axes))
        return out

    return wrapper


def matmul(x: Any, y: Any, transpose_x: Any = False) -> TensorView:
    """`nl.matmul`: `x @ y` (or `x.T @ y`) into a new fp32 PSUM tile with one `nc_matmul`.

    The Tensor engine contracts over partitions, so `x` is the stationary operand `[K, M]`;
    without `transpose_x` it is `[M, K]` and is first transposed on the PE (`nc_transpose`
    into PSUM) and copied back to SBUF, where `nc_matmul` reads it (nki.md §10.2). As in NKI,
    the result stays in PSUM: `nl.copy` it to SBUF before `nl.store`.
    """
    a, b = _tile_arg("matmul", "x", x), _tile_arg("matmul", "y", y)
    if not isinstance(transpose_x, bool):
        raise fail(
            "err_bad_arguments",
            f"nl.matmul: 'transpose_x' must be True or False, got {describe(transpose_x)}",
        )
    for pname, t in (("x", a), ("y", b)):
        if t.ndim != 2:
            raise fail(
                "err_bad_arguments", f"nl.matmul takes 2-D tiles; '{pname}' has shape {t.shape}"
            )
        if t.memory != k.Memory.SBUF:
            raise fail(
                "err_bad_arguments",
                f"nl.matmul: '{pname}' is a PSUM tile; the Tensor engine reads SBUF",
                hint=f"copy it to SBUF first: nl.copy({pname})",
            )
    k_x = a.shape[0] if transpose_x else a.shape[1]
    if k_x != b.shape[0]:
        layout = "x is [K, M]" if transpose_x else "x is [M, K]"
        raise fail(
            "err_bad_arguments",
            f"nl.matmul: contraction sizes differ: {layout} = {a.shape}, y is [K, N] = {b.shape}",
        )
    stationary = a
    if not transpose_x:
        interp, _ = ctx()
        pmax = interp.target.num_partitions
        if a.shape[1] > pmax:
            raise fail(
                "err_bad_arguments",
                f"nl.matmul: x is [M, K] = {a.shape}; the Tensor engine transposes it only "
                f"for K <= {pmax}",
            )
        xt = (a.shape[1], a.shape[0])
        xt_psum = _new_tile(xt, a.dtype, k.Memory.PSUM)
        isa.nc_transpose(xt_psum, a)
        stationary = _new_tile(xt, a.dtype)
        isa.tensor_copy(stationary, xt_psum)
    out = _new_tile((stationary.shape[1], b.shape[1]), k.Dtype.FLOAT32, k.Memory.PSUM)
    isa.nc_matmul(out, stationary, b)
    return out


def transpose(x: Any, dtype: Any = None) -> TensorView:
    """`nl.transpose`: a 2-D partition/free transpose on the Tensor engine into a new PSUM tile.

    As in NKI the result stays in PSUM (0.6 docstring: `result_psum = nl.transpose(x)`).
    """
    t = _tile_arg("transpose", "x", x)
    if t.ndim != 2:
        raise fail("err_bad_arguments", f"nl.transpose takes a 2-D tile; 'x' has shape {t.shape}")
    if t.memory != k.Memory.SBUF:
        raise fail(
            "err_not_supported",
            "nl.transpose of a PSUM tile is not supported (the Tensor engine reads SBUF)",
            hint="copy it to SBUF first: nl.transpose(nl.copy(x))",
        )
    if dtype is not None and _dtype(dtype) != t.dtype:
        raise fail(
            "err_not_supported",
            "nl.transpose with a dtype different from the input's is not supported (nc_transpose "
            "keeps the dtype)",
            hint="cast with a copy: nl.copy(nl.transpose(x), dtype=...)",
        )
    interp, _ = ctx()
    pmax = interp.target.num_partitions
    if t.shape[1] > pmax:
        raise fail(
            "err_bad_arguments",
            f"nl.transpose: the Tensor engine transposes at most {pmax}x{pmax}; 'x' has "
            f"shape {t.shape}",
        )
    out = _new_tile((t.shape[1], t.shape[0]), t.dtype, k.Memory.PSUM)
    isa.nc_transpose(out, t)
    return out


_BINARY_OPS = [
    "add", "subtract", "multiply", "maximum", "minimum", "power", "abs_max", "abs_min",
    "equal", "not_equal", "greater_equal", "greater", "less_equal", "less",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
    "left_shift", "right_shift",
]  # fmt: skip

# activation functions NKI exposes as value-returning functions: every ActFunc except the
# ones with another lowering (copy, reciprocal), prelu (an operator only) and sin (below)
_ACTIVATION_FNS = [
    a for a in k.ActFunc
    if a not in (k.ActFunc.COPY, k.ActFunc.RECIPROCAL, k.ActFunc.PRELU, k.ActFunc.SIN)
]

_SIMULATOR_ONLY = (
    "nl.{0} works only in NKI's CPU simulator: NKI hardware has no {1} ALU operator "
    "(nki.md §10.3), and KLR traces kernels to hardware instructions"
)

_OP_REFUSED: dict[str, tuple[str, str, str | None]] = {
    # name -> (code, message, hint) for operator objects NKI has no function form of
    # (nki.md §10.5: "operator constants prelu, bypass (and average)"), or whose function
    # form runs only in NKI's simulator (§10.3)
    "divide": ("err_not_supported", _SIMULATOR_ONLY.format("divide", "division"),
               "multiply by the reciprocal: nl.multiply(x, nl.reciprocal(y)) (rounded twice, "
               "so not always the correctly rounded quotient)"),
    "mod": ("err_not_supported", _SIMULATOR_ONLY.format("mod", "remainder"),
            "for an integer tile and a divisor 2**k, nl.bitwise_and(x, 2**k - 1) is x mod 2**k"),
    "prelu": ("err_bad_arguments", "nl.prelu is an activation operator (op= of nisa.activate2), "
              "not a function",
              "nisa.activate2(dst=..., op=nl.prelu, data=x, ..., relu_param=alpha) on gen4; "
              "for 0 <= alpha <= 1, nl.maximum(x, nl.multiply(x, alpha))"),
    "bypass": ("err_bad_arguments", "nl.bypass is an operator (op0=/op1= of nisa.activate2), "
               "not a function", "nl.copy(x) copies a tile"),
    "average": ("err_bad_arguments", "nl.average is an operator (op= of "
                "nisa.tensor_partition_reduce), not a function",
                "nl.mean(x, axis) averages free dimensions; nisa.tensor_partition_reduce(dst=..., "
                "op=nl.average, data=x) averages across partitions"),
}


def _op_wrappers() -> dict[str, Builtin]:
    """The value-returning function behind each operator object that has one."""
    out: dict[str, Builtin] = {}
    for n in _BINARY_OPS:
        out[n] = Builtin(f"nki.language.{n}", _binary_wrapper(OpValue(n, alu=k.AluOp(n))))
    for a in _ACTIVATION_FNS:
        # names that are also ALU operators (abs, square, ...) keep both meanings, like nl.abs
        alu = next((o for o in k.AluOp if o.value == a.value), None)
        wrapper = _activation_wrapper(OpValue(a.value, alu=alu, act=a))
        out[a.value] = Builtin(f"nki.language.{a.value}", wrapper)
    out["copy"] = Builtin("nki.language.copy", copy)
    out["reciprocal"] = Builtin("nki.language.reciprocal", _reciprocal)
    return out


_OP_WRAPPERS = _op_wrappers()


def call_op_value(interp: Interpreter, fn: OpValue, args: list[Any], kwargs: dict[str, Any],
                  op: Operation) -> Any:
    """Call an operator object as a function (`nl.exp(x)`, `nl.add(x, y)`): its wrapper."""
    from klr.tracer import nl_composites  # builds on this module's helpers

    wrapper = _OP_WRAPPERS.get(fn.name) or nl_composites.OPERATOR_FUNCTIONS.get(fn.name)
    if wrapper is not None:
        if interp.first_generation and kwargs.get("mask") is not None:
            from klr.tracer.legacy import masked_elementwise

            w = wrapper
            return call_builtin(interp, Builtin(w.name, lambda: masked_elementwise(w, args, dict(kwargs))),
                                [], {}, op)
        if interp.first_generation and "mask" in kwargs:
            kwargs = {n: v for n, v in kwargs.items() if n != "mask"}  # mask=None: no mask
        return call_builtin(interp, wrapper, args, kwargs, op)
    if fn.name in _OP_REFUSED:
        code, message, hint = _OP_REFUSED[fn.name]
        raise interp.error(code, message, op, hint=hint)
    how = (
        f"nisa.activation(dst=..., op=nl.{fn.name}, data=...)" if fn.act is not None
        else f"nisa.tensor_scalar(dst=..., data=..., op0=nl.{fn.name}, operand0=...)"
    )
    raise interp.error(
        "err_not_supported",
        f"the value-returning form nl.{fn.name}(...) is not supported yet",
        op,
        hint=f"write the instruction with a destination: {how}",
    )


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
    # not traced yet (docs/coverage.md). A trailing "_" marks a name that already exists as an
    # operator object: calling it is refused by `call_op_value` instead.
    "ones_like", "full_like", "iota",
    "device_print", "dynamic_range", "fori_loop", "while_loop", "par_dim",
    "arange", "mgrid", "shared_constant",
    "spmd_dim", "nc", "atomic_rmw", "loop_reduce",
]

_NEW_API_EQUIVALENT = {
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
    for fn in (ndarray, zeros, ones, full, ds, program_id, num_programs, program_ndim,
               load, store, matmul, transpose, broadcast_to, expand_dims, negative, where,
               zeros_like, empty_like):
        attrs[fn.__name__] = Builtin(f"nki.language.{fn.__name__}", fn)
    # reductions (named like Python builtins, hence not module-level functions of that name)
    for name, alu in (("sum", k.AluOp.ADD), ("max", k.AluOp.MAXIMUM), ("min", k.AluOp.MINIMUM)):
        attrs[name] = Builtin(f"nki.language.{name}", _reduce_wrapper(name, alu))
    attrs["mean"] = Builtin("nki.language.mean", _reduce_wrapper("mean", k.AluOp.ADD, mean=True))
    attrs["prod"] = Builtin("nki.language.prod", _reduce_wrapper("prod", k.AluOp.MULTIPLY))
    from klr.tracer import nl_composites  # builds on this module's helpers

    attrs.update(nl_composites.namespace_entries())
    attrs["affine_range"] = Builtin("nki.language.affine_range", _range(k.LoopKind.AFFINE))
    attrs["sequential_range"] = Builtin("nki.language.sequential_range", _range(k.LoopKind.SEQUENTIAL))
    attrs["static_range"] = Builtin("nki.language.static_range", _range(k.LoopKind.STATIC))
    attrs["NKIObject"] = UserClass("NKIObject", (), {}, None)  # type: ignore[arg-type]
    # program order is the semantics already: `with nl.no_reorder():` changes nothing here
    attrs["no_reorder"] = Builtin("nki.language.no_reorder", lambda: None)
    attrs.update(random_numbers.namespace_entries(target))
    return Namespace("nki.language", attrs, hint="see docs/coverage.md")
