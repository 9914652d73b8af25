"""NkiTensor view methods and layout attributes (nki.md §4.1–4.2).

Every method returns a new `TensorView` over the same storage: views cost nothing at
run time, and `materialize` turns one into a `klr.view` only when an instruction uses
it. A view's `dims` are `(stride, size)` pairs in elements of the flattened storage;
for on-chip tensors `dims[0]` is the partition pair, whose stride is the storage's
free size (the `klr.view` verifier relies on it), so the methods never move, split,
merge or stride it.

Rule violations raise `err_bad_view` naming the method and the rule; slice, select and
`ap` bounds are checked for every value the enclosing rolled loops' indices take.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from klr.tracer.calls import ctx, describe, fail
from klr.tracer.values import Affine, Builtin, DtypeValue, NeedConcrete, TensorView, is_int
from klr.tracer.views import bounds

Dims = tuple[tuple[int, int], ...]

_DIMS_HINT = "dims count from 0 (negative values count from the end)"
_PARTITION_HINT = (
    "dim 0 of an SBUF/PSUM tensor is the partition dimension: views can slice it "
    "but not move, split, merge or broadcast it"
)


# ---------------------------------------------------------------------------
# Lookup (used by tensor_attrs.attribute)
# ---------------------------------------------------------------------------


def lookup(view: TensorView, name: str) -> tuple[bool, Any]:
    """`view.name` for the layout attributes and view methods; (False, None) otherwise."""
    if name == "strides":
        return True, tuple(s for s, _ in view.dims)
    if name == "offset":
        if isinstance(view.offset, Affine):
            # the attribute is a plain int in NKI: unroll the loops it depends on
            raise NeedConcrete(view.offset, "the offset of a view that depends on a loop index")
        return True, view.offset
    method = METHODS.get(name)
    if method is None:
        return False, None
    return True, Builtin(f"NkiTensor.{name}", partial(method, view))


# ---------------------------------------------------------------------------
# Argument helpers
# ---------------------------------------------------------------------------


def _int(method: str, name: str, value: Any) -> int:
    if not is_int(value):
        raise fail(
            "err_bad_arguments",
            f"{method}(): '{name}' must be an int known at trace time, got {describe(value)}",
        )
    return int(value)


def _index(method: str, name: str, value: Any) -> int | Affine:
    """An int, or an affine function of loop indices (a start or an index)."""
    if is_int(value) or isinstance(value, Affine):
        return value  # type: ignore[no-any-return]
    raise fail(
        "err_bad_arguments",
        f"{method}(): '{name}' must be an int or a loop index expression, got {describe(value)}",
    )


def _ints(method: str, name: str, value: Any) -> list[int]:
    if isinstance(value, (list, tuple)) and all(is_int(x) for x in value):
        return [int(x) for x in value]
    raise fail(
        "err_bad_arguments",
        f"{method}(): '{name}' must be a list or tuple of ints, got {describe(value)}",
    )


def _dim(method: str, view: TensorView, value: Any, name: str = "dim", extra: int = 0) -> int:
    """A dim of `view` (`extra=1`: an insertion position, up to ndim)."""
    d = _int(method, name, value)
    n = view.ndim + extra
    if not -n <= d < n:
        raise fail(
            "err_bad_view",
            f"{method}(): {name} {d} is out of range for a {view.ndim}-D tensor of shape "
            f"{view.shape}",
            hint=_DIMS_HINT,
        )
    return d + n if d < 0 else d


def _not_partition(method: str, view: TensorView, dim: int, what: str) -> None:
    if view.memory.on_chip and dim == 0:
        raise fail(
            "err_bad_view",
            f"{method}(): cannot {what} dim 0 of an on-chip ({view.memory.value}) tensor",
            hint=_PARTITION_HINT,
        )


def _size_one(method: str, view: TensorView, dim: int) -> None:
    if view.shape[dim] != 1:
        raise fail(
            "err_bad_view",
            f"{method}(): dim {dim} must have size 1, but shape is {view.shape}",
        )


def _resolve_shape(method: str, shape: list[int], total: int, what: str) -> tuple[int, ...]:
    """`shape` with its `-1` (at most one) resolved so that it has `total` elements."""
    if sum(1 for n in shape if n == -1) > 1:
        raise fail("err_bad_view", f"{method}(): at most one size can be -1, got {tuple(shape)}")
    if not shape or any(n < 1 and n != -1 for n in shape):
        raise fail(
            "err_bad_view",
            f"{method}(): sizes must be positive (or one -1), got {tuple(shape)}",
        )
    known = math.prod(n for n in shape if n != -1)
    if -1 in shape:
        if total % known:
            raise fail(
                "err_bad_view",
                f"{method}(): cannot infer the -1 in {tuple(shape)}: {what} has {total} "
                f"elements, not a multiple of {known}",
            )
        shape = [total // known if n == -1 else n for n in shape]
    elif known != total:
        raise fail(
            "err_bad_view",
            f"{method}(): shape {tuple(shape)} has {known} elements but {what} has {total}",
            hint="the element count must stay the same",
        )
    return tuple(shape)


def _show_range(lo: int, hi: int, size: int) -> str:
    if lo == hi:
        return f"{lo}:{lo + size}"
    return f"{lo}:{lo + size} (first iteration) to {hi}:{hi + size} (last iteration)"


def _with_dims(
    view: TensorView, dims: Sequence[tuple[int, int]], offset: int | Affine | None = None
) -> TensorView:
    return TensorView(view.storage, view.offset if offset is None else offset, tuple(dims))


# ---------------------------------------------------------------------------
# Methods
# ---------------------------------------------------------------------------


def t_slice(view: TensorView, dim: Any, start: Any, end: Any, step: Any = 1) -> TensorView:
    """`t.slice(dim, start, end, step=1)`: elements start, start+step, ... < end of `dim`.

    `0 <= start < end <= shape[dim]` for every loop iteration; `start` and `end` may
    depend on loop indices as long as `end - start` does not.
    """
    m = "slice"
    d = _dim(m, view, dim)
    start = _index(m, "start", start)
    end = _index(m, "end", end)
    step = _int(m, "step", step)
    if step < 1:
        raise fail("err_bad_view", f"slice(): step must be >= 1, got {step}")
    diff = end - start
    if not is_int(diff):
        raise NeedConcrete(Affine.lift(diff), "a slice whose size depends on a loop index")
    length = int(diff)
    if length <= 0:
        raise fail("err_bad_view", f"slice(): start must be less than end, got {start}:{end}")
    if step != 1 and view.memory.on_chip and d == 0:
        raise fail(
            "err_bad_view",
            "slice(): the partition dimension (dim 0) of an on-chip tensor cannot be strided",
            hint="tiles occupy contiguous partitions; stride a free dimension instead",
        )
    stride, size = view.dims[d]
    interp, _ = ctx()
    lo, hi = bounds(interp, start)
    if lo < 0 or hi + length > size:
        raise fail(
            "err_bad_view",
            f"slice(): {_show_range(lo, hi, length)} is out of bounds for dim {d} of size {size}",
            hint="slice needs 0 <= start < end <= shape[dim] in every loop iteration",
        )
    count = (length + step - 1) // step
    dims = list(view.dims)
    dims[d] = (stride * step, count)
    return _with_dims(view, dims, view.offset + start * stride)


def t_select(view: TensorView, dim: Any, index: Any) -> TensorView:
    """`t.select(dim, index)`: pick one index of `dim` and remove that dim.

    On chip the result stays at least 2-D (like `t[:, i]`): selecting the only free dim
    leaves it at size 1. The partition dim cannot be selected away on chip.
    """
    m = "select"
    if isinstance(index, TensorView):
        raise fail(
            "err_not_supported",
            "select(): dynamic select (a tensor index) is not supported yet",
            hint="use an int or a loop index; runtime indices need indirect DMA support",
        )
    d = _dim(m, view, dim)
    i = _index(m, "index", index)
    if view.memory.on_chip and d == 0:
        raise fail(
            "err_bad_view",
            "select(): cannot remove the partition dimension (dim 0) of an on-chip tensor",
            hint="use t.slice(0, i, i + 1) to keep one partition",
        )
    stride, size = view.dims[d]
    interp, _ = ctx()
    lo, hi = bounds(interp, i)
    if lo < 0 or hi >= size:
        where = str(lo) if lo == hi else f"{lo} (first iteration) to {hi} (last iteration)"
        raise fail(
            "err_bad_view",
            f"select(): index {where} is out of bounds for dim {d} of size {size}",
            hint="select needs 0 <= index < shape[dim] in every loop iteration",
        )
    dims = list(view.dims)
    del dims[d]
    # NKI keeps views >= 1-D (HBM) and >= 2-D (on chip): keep the picked dim at size 1
    if len(dims) < (2 if view.memory.on_chip else 1):
        dims.append((stride, 1))
    return _with_dims(view, dims, view.offset + i * stride)


def t_permute(view: TensorView, dims: Any) -> TensorView:
    """`t.permute(dims)`: result dim k is input dim `dims[k]`; on chip `dims[0] == 0`."""
    m = "permute"
    order = _ints(m, "dims", dims)
    n = view.ndim
    norm = [d + n if d < 0 else d for d in order]
    if sorted(norm) != list(range(n)):
        raise fail(
            "err_bad_view",
            f"permute(): {tuple(order)} is not a permutation of the {n} dims of shape {view.shape}",
        )
    if view.memory.on_chip and norm[0] != 0:
        raise fail(
            "err_bad_view",
            f"permute(): dims[0] must be 0 for an on-chip ({view.memory.value}) tensor, got "
            f"{tuple(order)}",
            hint=_PARTITION_HINT
            + "; use nc_transpose or dma_transpose to move data across partitions",
        )
    return _with_dims(view, [view.dims[d] for d in norm])


def t_broadcast(view: TensorView, dim: Any, size: Any) -> TensorView:
    """`t.broadcast(dim, size)`: repeat a size-1 dim `size` times (a stride-0 dim)."""
    m = "broadcast"
    d = _dim(m, view, dim)
    n = _int(m, "size", size)
    _not_partition(m, view, d, "broadcast")
    _size_one(m, view, d)
    if n < 1:
        raise fail("err_bad_view", f"broadcast(): size must be >= 1, got {n}")
    dims = list(view.dims)
    dims[d] = (0, n)
    return _with_dims(view, dims)


def t_expand_dim(view: TensorView, dim: Any) -> TensorView:
    """`t.expand_dim(dim)`: insert a size-1 dim before dim `dim` (`dim == ndim`: append)."""
    m = "expand_dim"
    d = _dim(m, view, dim, extra=1)
    _not_partition(m, view, d, "insert a dim at")
    # a size-1 dim's stride is never used; this one keeps the layout row-major-looking
    stride = view.dims[d][0] * view.dims[d][1] if d < view.ndim else 1
    dims = list(view.dims)
    dims.insert(d, (stride, 1))
    return _with_dims(view, dims)


def t_squeeze_dim(view: TensorView, dim: Any) -> TensorView:
    """`t.squeeze_dim(dim)`: remove a size-1 dim."""
    m = "squeeze_dim"
    d = _dim(m, view, dim)
    _not_partition(m, view, d, "squeeze")
    _size_one(m, view, d)
    if view.ndim == 1:
        raise fail("err_bad_view", "squeeze_dim(): cannot remove the only dim of a 1-D tensor")
    dims = list(view.dims)
    del dims[d]
    return _with_dims(view, dims)


def t_reshape_dim(view: TensorView, dim: Any, shape: Any) -> TensorView:
    """`t.reshape_dim(dim, shape)`: split dim `dim` into `shape` (row-major, one -1 allowed).

    On chip dim 0 can only be "reshaped" trivially: into `(P,)` or `(P, 1, ...)`.
    """
    m = "reshape_dim"
    d = _dim(m, view, dim)
    stride, size = view.dims[d]
    sizes = _resolve_shape(m, _ints(m, "shape", shape), size, f"dim {d} of shape {view.shape}")
    if view.memory.on_chip and d == 0 and not (sizes[0] == size and all(n == 1 for n in sizes[1:])):
        raise fail(
            "err_bad_view",
            f"reshape_dim(): cannot split the partition dimension (dim 0) of an on-chip tensor "
            f"into {sizes}",
            hint=_PARTITION_HINT,
        )
    split: list[tuple[int, int]] = []
    acc = stride
    for n in reversed(sizes):
        split.insert(0, (acc, n))
        acc *= n
    dims = list(view.dims)
    dims[d : d + 1] = split
    return _with_dims(view, dims)


def t_flatten_dims(view: TensorView, start: Any, end: Any) -> TensorView:
    """`t.flatten_dims(start, end)`: merge dims start..end (inclusive) into one.

    The merged dims must be contiguous with respect to each other (each stride is the
    next dim's stride times its size; size-1 dims do not matter). On chip `start > 0`.
    """
    m = "flatten_dims"
    s = _dim(m, view, start, "start")
    e = _dim(m, view, end, "end")
    if s > e:
        raise fail("err_bad_view", f"flatten_dims(): start {s} is after end {e}")
    if view.memory.on_chip and s == 0:
        raise fail(
            "err_bad_view",
            "flatten_dims(): start must be > 0 for an on-chip tensor (dim 0 is the partition "
            "dimension)",
            hint=_PARTITION_HINT,
        )
    merged = _merge(view.dims[s : e + 1])
    if merged is None:
        raise fail(
            "err_bad_view",
            f"flatten_dims(): dims {s}..{e} of the view (strides "
            f"{tuple(st for st, _ in view.dims[s:e + 1])}, sizes {view.shape[s:e + 1]}) are "
            f"not contiguous with respect to each other",
            hint="flatten before slicing with steps or permuting those dims, or copy the data",
        )
    dims = list(view.dims)
    dims[s : e + 1] = [merged]
    return _with_dims(view, dims)


def _merge(dims: Sequence[tuple[int, int]]) -> tuple[int, int] | None:
    """One (stride, size) pair covering `dims` row-major, or None if there is none."""
    real = [(st, n) for st, n in dims if n != 1]
    total = math.prod(n for _, n in dims)
    if not real:
        return (dims[-1][0], 1)
    for (st, _), (st2, n2) in zip(real, real[1:]):
        if st != st2 * n2:
            return None
    return (real[-1][0], total)


def t_reshape(view: TensorView, shape: Any) -> TensorView:
    """`t.reshape(shape)`: the same elements in row-major order with a new shape.

    Only a view of the current layout (no copy): fails when the strides cannot
    express the new shape. On chip `shape[0]` must stay the partition count.
    """
    m = "reshape"
    new = _resolve_shape(m, _ints(m, "shape", shape), math.prod(view.shape), f"shape {view.shape}")
    head: list[tuple[int, int]] = []
    old = list(view.dims)
    if view.memory.on_chip:
        if new[0] != view.shape[0]:
            raise fail(
                "err_bad_view",
                f"reshape(): shape[0] must stay {view.shape[0]} (the partition dimension of an "
                f"on-chip tensor), got {new}",
                hint=_PARTITION_HINT,
            )
        head, old, new = [view.dims[0]], old[1:], new[1:]
    strides = _reshape_strides(old, new)
    if strides is None:
        raise fail(
            "err_bad_view",
            f"reshape(): a view with shape {view.shape} and strides "
            f"{tuple(s for s, _ in view.dims)} cannot be reshaped to "
            f"{tuple(n for _, n in head) + new} without copying",
            hint="reshape a contiguous tensor (before slicing with steps or permuting), or "
            "copy the data first",
        )
    return _with_dims(view, head + list(zip(strides, new)))


def _reshape_strides(old: Sequence[tuple[int, int]], new: Sequence[int]) -> list[int] | None:
    """Strides giving `new` the row-major element order of `old`, or None.

    Walks both shapes from the innermost dim, grouping old dims that are contiguous
    with each other into chunks; each chunk must be tiled exactly by new dims.
    """
    if math.prod(n for _, n in old) != math.prod(new):
        return None
    strides = [0] * len(new)
    if not old:
        return [1] * len(new)
    j = len(new) - 1
    base = old[-1][0]  # stride of the innermost dim of the current chunk
    chunk = 1  # elements of the current chunk (old dims)
    got = 1  # elements of the new dims assigned to it
    for i in range(len(old) - 1, -1, -1):
        chunk *= old[i][1]
        # the chunk ends at dim i unless dim i-1 continues it row-major
        ends = i == 0 or (old[i - 1][1] != 1 and old[i - 1][0] != chunk * base)
        if not ends:
            continue
        while j >= 0 and (got < chunk or new[j] == 1):
            strides[j] = got * base
            got *= new[j]
            j -= 1
        if got != chunk:
            return None
        if i > 0:
            base, chunk, got = old[i - 1][0], 1, 1
    return strides if j == -1 else None


def t_ap(
    view: TensorView,
    pattern: Any,
    offset: Any = None,
    scalar_offset: Any = None,
    vector_offset: Any = None,
    indirect_dim: Any = 0,
    dtype: Any = None,
) -> TensorView:
    """`t.ap(pattern, offset=None, ...)`: a raw access pattern on `t`'s storage.

    `pattern` is `[[step, count], ...]`, outermost first, in elements of the flattened
    storage; it ignores the shape and strides of the view it is called on. `offset`
    is absolute in the storage (None: the view's own offset). On chip the first pair
    is the partition pair: its step must be the storage's free size.
    """
    m = "ap"
    if scalar_offset is not None and vector_offset is not None:
        raise fail("err_bad_arguments", "ap(): scalar_offset and vector_offset are mutually exclusive")
    if dtype is not None:
        if not isinstance(dtype, DtypeValue):
            raise fail(
                "err_bad_arguments", f"ap(): 'dtype' must be an NKI dtype, got {describe(dtype)}"
            )
        if dtype.dtype != view.dtype:  # pattern and offset count the new dtype's elements
            view = TensorView(_reinterpreted("ap", view, dtype.dtype), view.offset, view.dims)
    ok = isinstance(pattern, (list, tuple)) and len(pattern) > 0 and all(
        isinstance(pr, (list, tuple)) and len(pr) == 2 and all(is_int(x) for x in pr)
        for pr in pattern
    )
    if not ok:
        raise fail(
            "err_bad_arguments",
            "ap(): 'pattern' must be a non-empty list of [step, count] pairs, got "
            f"{describe(pattern)}",
        )
    dims: Dims = tuple((int(s), int(n)) for s, n in pattern)
    if any(n < 1 for _, n in dims):
        raise fail("err_bad_view", f"ap(): every count must be >= 1, got {[list(p) for p in dims]}")
    start = view.offset if offset is None else _index(m, "offset", offset)
    interp, _ = ctx()
    storage = view.storage
    if vector_offset is not None:
        return _ap_vector_offset(view, dims, start, vector_offset, indirect_dim)
    if scalar_offset is not None:
        return _ap_scalar_offset(view, dims, start, scalar_offset, indirect_dim)
    if view.memory.on_chip:
        parts = storage.shape[0]
        free = math.prod(storage.shape[1:])
        pstep, pcount = dims[0]
        if pstep != free:
            raise fail(
                "err_bad_view",
                f"ap(): the first [step, count] pair of an on-chip access pattern is the "
                f"partition pair; its step must be the storage's free size {free}, got {pstep}",
                hint="partitions cannot be strided; put free-dimension pairs after the first",
            )
        # split the start into (partition, free) parts term by term; a start whose free
        # part leaves the partition in some iteration is rejected (conservatively)
        part, rest = _split(start, free)
        plo, phi = bounds(interp, part)
        flo, fhi = bounds(interp, rest)
        fmin, fmax = _extent(dims[1:])
        if plo < 0 or phi + pcount > parts:
            raise fail(
                "err_bad_view",
                f"ap(): partitions {_show_range(plo, phi, pcount)} are out of bounds for a "
                f"tensor with {parts} partitions",
                hint="every loop iteration is checked",
            )
        if flo + fmin < 0 or fhi + fmax >= free:
            raise fail(
                "err_bad_view",
                f"ap(): free offsets {flo + fmin}..{fhi + fmax} are out of bounds for a "
                f"partition of {free} elements",
                hint="every loop iteration is checked; the pattern must stay inside each partition",
            )
    else:
        total = math.prod(storage.shape)
        lo, hi = bounds(interp, start)
        emin, emax = _extent(dims)
        if lo + emin < 0 or hi + emax >= total:
            raise fail(
                "err_bad_view",
                f"ap(): elements {lo + emin}..{hi + emax} are out of bounds for a storage of "
                f"{total} elements (shape {storage.shape})",
                hint="every loop iteration is checked",
            )
    return TensorView(storage, start, dims)


def _reinterpreted(method: str, view: TensorView, dtype: Any) -> Any:
    """`view`'s storage with its bytes seen as `dtype` (nki.md §4.1 `view(dtype)`, §4.2
    `ap(dtype=)`): on chip each partition's bytes, in HBM the whole tensor's; the last dim
    is scaled by the size ratio (or everything flattened when it does not divide)."""
    from klr.dialects import klr as k
    from klr.tracer.values import Storage

    storage = view.storage
    real = storage.value.type  # the allocation's own type (views of views compose)
    if real.mem == k.Memory.PSUM:
        raise fail("err_bad_view", f"{method}(): a PSUM tensor cannot be reinterpreted",
                   hint="copy it to SBUF first (nisa.tensor_copy)")
    old_b, new_b = k.DTYPE_BYTES[real.element], k.DTYPE_BYTES[dtype]
    shape = real.get_shape()
    if real.mem.on_chip:
        free_bytes = math.prod(shape[1:]) * old_b
        if free_bytes % new_b:
            raise fail("err_bad_view", f"{method}(): {free_bytes} bytes per partition are not a "
                       f"multiple of {dtype.value}'s {new_b}")
        new_shape: tuple[int, ...] = (shape[0], free_bytes // new_b)
    else:
        total = math.prod(shape) * old_b
        if total % new_b:
            raise fail("err_bad_view", f"{method}(): {total} bytes are not a multiple of "
                       f"{dtype.value}'s {new_b}")
        last = shape[-1] * old_b
        new_shape = (*shape[:-1], last // new_b) if last % new_b == 0 else (total // new_b,)
    return Storage(storage.value, k.TensorType(new_shape, dtype, real.mem), storage.name)


def t_view(view: TensorView, dtype: Any) -> TensorView:
    """`t.view(dtype)` / `t.reinterpret_cast(dtype)`: the same bytes as another dtype
    (nki.md §4.1): the last dim, which must be contiguous, is scaled by the size ratio;
    the other strides and the offset must land on whole elements of the new dtype."""
    from klr.dialects import klr as k

    m = "view"
    if not isinstance(dtype, DtypeValue):
        raise fail("err_bad_arguments", f"view(): 'dtype' must be an NKI dtype, got {describe(dtype)}")
    new = dtype.dtype
    if new == view.dtype:
        return view
    old_b, new_b = k.DTYPE_BYTES[view.dtype], k.DTYPE_BYTES[new]
    *outer, (lstride, lsize) = view.dims
    if lstride != 1 and lsize != 1:
        raise fail("err_bad_view", f"{m}(): the last dim must be contiguous (stride 1), got stride {lstride}",
                   hint="reinterpret before slicing the last dim with a step or permuting it")
    if (lsize * old_b) % new_b:
        raise fail("err_bad_view", f"{m}(): the last dim holds {lsize * old_b} bytes, not a multiple of "
                   f"{new.value}'s {new_b}")

    def scale(x: int, what: str) -> int:
        if (x * old_b) % new_b:
            raise fail("err_bad_view", f"{m}(): {what} {x} {view.dtype.value} elements do not land on "
                       f"a whole {new.value} element")
        return x * old_b // new_b

    dims = [(scale(st, "stride"), n) for st, n in outer] + [(1, lsize * old_b // new_b)]
    off = view.offset
    if isinstance(off, Affine):
        off = Affine(scale(off.const, "offset"), tuple((v, scale(c, "offset step")) for v, c in off.terms))
    else:
        off = scale(off, "offset")
    return TensorView(_reinterpreted(m, view, new), off, tuple(dims))


def _ap_scalar_offset(view: TensorView, dims: Dims, start: int | Affine, scalar_offset: Any,
                      indirect_dim: Any) -> TensorView:
    """`ap(..., scalar_offset=r, indirect_dim=d)`: the start moves by
    `r * prod(base_shape[d + 1:])` at run time (nki.md §4.2); `r` is a register or a
    (1, 1) integer SBUF tensor (loaded into a register here). Bounds: checked at run time."""
    from klr.dialects import klr as k
    from klr.tracer.values import RegisterValue

    shape = view.storage.shape
    d = _int("ap", "indirect_dim", indirect_dim)
    if not 0 <= d < len(shape):
        raise fail("err_bad_view", f"ap(): indirect_dim {d} is out of range for storage shape {shape}")
    if isinstance(scalar_offset, TensorView):
        from klr.tracer.dynamic import register_alloc, register_load

        t = scalar_offset
        if t.memory != k.Memory.SBUF or t.shape not in ((1, 1), (1,)) or t.dtype not in k.INTEGER_DTYPES:
            raise fail("err_bad_view", "ap(): a tensor scalar_offset is a (1, 1) integer SBUF tensor, got "
                       f"{t.dtype.value}{list(t.shape)} in {t.memory.value}")
        register = register_alloc()
        register_load(register, t)
        reg = register.value
    elif isinstance(scalar_offset, RegisterValue):
        reg = scalar_offset.value
    else:
        raise fail("err_bad_arguments",
                   f"ap(): scalar_offset is a register or a (1, 1) SBUF tensor, got {describe(scalar_offset)}",
                   hint="for a compile-time offset use offset=")
    if view.memory.on_chip and dims[0][0] != math.prod(shape[1:]):
        raise fail("err_bad_view", "ap(): the first pair of an on-chip pattern is the partition pair; "
                   f"its step must be the storage's free size {math.prod(shape[1:])}")
    stride = math.prod(shape[d + 1:])
    return TensorView(view.storage, start + Affine.of(reg) * stride, dims)


def _ap_vector_offset(view: TensorView, dims: Dims, start: int | Affine, vector_offset: Any,
                      indirect_dim: Any) -> Any:
    """`ap(..., vector_offset=idx)`: partition / row w reads base row `idx[w]` (nki.md §4.2):
    an indirect access for `nisa.dma_copy` (the pattern's leading stride is the row size)."""
    if _int("ap", "indirect_dim", indirect_dim) != 0:
        raise fail("err_not_supported", "ap(): vector_offset only indirects dim 0")
    table = t_vector_select(view, 0, vector_offset)
    if dims[0][1] != vector_offset.shape[0]:
        raise fail("err_bad_view", f"ap(): the pattern's first count {dims[0][1]} must be the "
                   f"vector_offset's {vector_offset.shape[0]} rows")
    row = math.prod(view.storage.shape[1:])
    table.table = TensorView(view.storage, start, ((row, view.storage.shape[0]), *dims[1:]))
    return table


def _extent(dims: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """The smallest and largest element offset a pattern reaches from its start."""
    lo = sum(min(0, s * (n - 1)) for s, n in dims)
    hi = sum(max(0, s * (n - 1)) for s, n in dims)
    return lo, hi


def _split(x: int | Affine, free: int) -> tuple[int | Affine, int | Affine]:
    """`x = free * part + rest`, splitting the constant and every coefficient."""
    aff = Affine.lift(x)
    q0, r0 = divmod(aff.const, free)
    part: int | Affine = q0
    rest: int | Affine = r0
    for v, c in aff.terms:
        q, r = divmod(c, free)
        part = part + q * Affine.of(v)
        rest = rest + r * Affine.of(v)
    return part, rest


def t_get_pattern(view: TensorView) -> list[list[int]]:
    """`t.get_pattern()`: the view's `[[stride, count], ...]`, usable with `.ap()`."""
    interp, _ = ctx()
    rows: list[list[int]] = [interp.new_container([s, n]) for s, n in view.dims]
    return interp.new_container(rows)  # type: ignore[no-any-return]


def t_is_contiguous(view: TensorView) -> bool:
    """`t.is_contiguous()`: the view covers one contiguous row-major run of its storage.

    On chip the storage is flattened with the partition stride equal to its free size,
    so a view narrower than the storage's free size is not contiguous.
    """
    acc = 1
    for stride, size in reversed(view.dims):
        if size == 1:
            continue
        if stride != acc:
            return False
        acc *= size
    return True


def t_rearrange(view: TensorView, src_pattern: Any, dst_pattern: Any,
                fixed_sizes: Any = None) -> TensorView:
    """`t.rearrange(src_pattern, dst_pattern, fixed_sizes)`: einops-style split, reorder
    and merge in one view. `src_pattern` names each dim of `t` (a tuple of names splits
    that dim row-major, sizes from `fixed_sizes`, at most one inferred); `dst_pattern`
    orders the names (a tuple of names merges them, which needs them contiguous). On chip
    the partition dim stays first and whole."""
    m = "rearrange"
    sizes = dict(fixed_sizes or {})
    if not isinstance(src_pattern, (tuple, list)) or len(src_pattern) != view.ndim:
        raise fail(
            "err_bad_view",
            f"rearrange(): src_pattern must name each of the {view.ndim} dims of shape "
            f"{view.shape}, got {src_pattern!r}",
            hint="e.g. t.rearrange(('p', ('h', 'w')), ('p', 'w', 'h'), {'h': 4})",
        )
    atoms: dict[str, tuple[int, int]] = {}

    def name_of(x: Any) -> str:
        if not isinstance(x, str) or not x:
            raise fail("err_bad_view", f"rearrange(): dim names are strings, got {describe(x)}")
        return x

    for d, entry in enumerate(src_pattern):
        stride, size = view.dims[d]
        group = [name_of(x) for x in entry] if isinstance(entry, (tuple, list)) else [name_of(entry)]
        known = [int(sizes.get(n, -1)) for n in group]
        split = _resolve_shape(m, known, size, f"dim {d} ({'x'.join(group)}) of shape {view.shape}")
        acc = stride
        for n, k in reversed(list(zip(group, split))):
            if n in atoms:
                raise fail("err_bad_view", f"rearrange(): the name {n!r} appears twice in src_pattern")
            atoms[n] = (acc, k)
            acc *= k
    if not isinstance(dst_pattern, (tuple, list)):
        raise fail("err_bad_view", f"rearrange(): dst_pattern must be a tuple, got {describe(dst_pattern)}")
    dims: list[tuple[int, int]] = []
    used: list[str] = []
    for entry in dst_pattern:
        group = [name_of(x) for x in entry] if isinstance(entry, (tuple, list)) else [name_of(entry)]
        for n in group:
            if n not in atoms:
                raise fail("err_bad_view", f"rearrange(): {n!r} is not a name of src_pattern "
                           f"({', '.join(atoms)})")
        used += group
        merged = _merge([atoms[n] for n in group])
        if merged is None:
            raise fail(
                "err_bad_view",
                f"rearrange(): cannot merge {tuple(group)} in a view: they are not contiguous "
                "with respect to each other in this order",
                hint="merge dims in their memory order, or copy the data",
            )
        dims.append(merged)
    if sorted(used) != sorted(atoms):
        missing = [n for n in atoms if n not in used]
        raise fail("err_bad_view", f"rearrange(): dst_pattern must use every name of src_pattern "
                   f"exactly once (missing or repeated: {', '.join(missing) or 'repeated names'})")
    if view.memory.on_chip and dims[0] != view.dims[0]:
        raise fail(
            "err_bad_view",
            f"rearrange(): the partition dimension (dim 0, size {view.shape[0]}) of an on-chip "
            "tensor must stay the first dim, unsplit and unmerged",
            hint=_PARTITION_HINT,
        )
    return _with_dims(view, dims)


def t_vector_select(view: TensorView, dim: Any = 0, vector_offset: Any = None) -> Any:
    """`t.vector_select(dim=0, vector_offset)`: partition p of the result is row
    `vector_offset[p, 0]` of the HBM tensor `t` (nki.md §4.1): an indirect access that
    `nisa.dma_copy` turns into a `klr.indirect_dma` gather or scatter."""
    from klr.dialects import klr as k
    from klr.tracer.index_exprs import IndirectAccess

    m = "vector_select"
    if _dim(m, view, dim) != 0:
        raise fail("err_bad_view", "vector_select(): dim must be 0", hint="select rows of dim 0")
    if view.memory.on_chip:
        raise fail("err_bad_view", f"vector_select(): only HBM tensors, this one is in {view.memory.value}",
                   hint="gather on chip with nisa.local_gather or nisa.nc_n_gather")
    idx = vector_offset
    if not isinstance(idx, TensorView) or idx.memory != k.Memory.SBUF or idx.ndim != 2 \
            or idx.shape[1] != 1 or idx.dtype not in k.INTEGER_DTYPES or idx.dtype == k.Dtype.BOOL_:
        raise fail(
            "err_bad_view",
            f"vector_select(): vector_offset must be a (P, 1) integer SBUF tensor, got {describe(idx)}"
            + (f" {idx.dtype.value}{list(idx.shape)} in {idx.memory.value}" if isinstance(idx, TensorView) else ""),
            hint="one row number per partition, e.g. an int32 tile loaded from the indices",
        )
    free = view.dims[1:] or ((1, 1),)
    interp, call = ctx()
    return IndirectAccess(TensorView(view.storage, view.offset, (view.dims[0], *free)), idx, call)


METHODS: dict[str, Callable[..., Any]] = {
    "slice": t_slice,
    "select": t_select,
    "permute": t_permute,
    "broadcast": t_broadcast,
    "expand_dim": t_expand_dim,
    "squeeze_dim": t_squeeze_dim,
    "reshape_dim": t_reshape_dim,
    "flatten_dims": t_flatten_dims,
    "reshape": t_reshape,
    "rearrange": t_rearrange,
    "view": t_view,
    "reinterpret_cast": t_view,
    "vector_select": t_vector_select,
    "ap": t_ap,
    "get_pattern": t_get_pattern,
    "is_contiguous": t_is_contiguous,
}
"""NkiTensor methods by name; each takes the view, then NKI's own arguments."""
