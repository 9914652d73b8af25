"""Tensor indexing at trace time, and turning views into `klr.view` ops.

Indexing composes access patterns (nki.md §4.1): integers, slices with steps and
negative bounds, `nl.ds(start, size)` and `...`, where starts may be affine in loop
indices. Every index is checked against the tensor's bounds for *all* values the loop
indices take, so a rolled loop is checked as thoroughly as an unrolled one.
"""

from __future__ import annotations

import math

from typing import TYPE_CHECKING, Any

from xdsl.ir import Operation, SSAValue

from klr.dialects import klr as k
from klr.tracer.values import Affine, DynSlice, NeedConcrete, TensorView, is_int

if TYPE_CHECKING:
    from klr.tracer.interp import Interpreter


def bounds(interp: Interpreter, x: int | Affine) -> tuple[int, int]:
    """The smallest and largest value `x` takes over the enclosing rolled loops."""
    if is_int(x):
        return (x, x)  # type: ignore[return-value]
    assert isinstance(x, Affine)
    lo = hi = x.const
    for v, c in x.terms:
        if v not in interp.index_range:
            continue  # a register (a dynamic offset): checked at run time
        vmin, vmax = interp.index_range[v]
        lo += min(c * vmin, c * vmax)
        hi += max(c * vmin, c * vmax)
    return (lo, hi)


def _index_error(interp: Interpreter, op: Operation, dim: int, what: str, size: int) -> Exception:
    return interp.error(
        "err_index_out_of_bounds",
        f"index {what} is out of bounds for dimension {dim} of size {size}",
        op,
        hint="every loop iteration is checked; keep slices within the tensor's shape",
    )


def index_view(interp: Interpreter, view: TensorView, key: Any, op: Operation) -> TensorView:
    keys = list(key) if isinstance(key, tuple) else [key]
    if sum(1 for x in keys if x is Ellipsis) > 1:
        raise interp.error("err_bad_index", "an index can have only one '...'", op)
    if Ellipsis in keys:
        i = keys.index(Ellipsis)
        fill = view.ndim - (len(keys) - 1)
        keys = keys[:i] + [slice(None)] * max(fill, 0) + keys[i + 1 :]
    if len(keys) > view.ndim:
        raise interp.error(
            "err_bad_index",
            f"too many indices: {len(keys)} for a {view.ndim}-dimensional tensor",
            op,
        )
    keys += [slice(None)] * (view.ndim - len(keys))
    on_chip = view.memory.on_chip
    # the partition axis: first unless first-generation block dims precede it
    part_stride = math.prod(view.storage.shape[1:])
    part_axis = next((i for i, (s, _) in enumerate(view.dims) if s == part_stride), 0)
    offset: int | Affine = view.offset
    dims: list[tuple[int, int]] = []
    dropped: list[tuple[int, int]] = []
    for axis, (kx, (stride, size)) in enumerate(zip(keys, view.dims)):
        if isinstance(kx, bool) or kx is None:
            raise interp.error("err_bad_index", f"cannot index a tensor with {kx!r}", op)
        if is_int(kx) or isinstance(kx, Affine):
            i = kx
            if is_int(i) and i < 0:  # type: ignore[operator]
                i = i + size  # type: ignore[operator]
            lo, hi = bounds(interp, i)  # type: ignore[arg-type]
            if lo < 0 or hi >= size:
                raise _index_error(interp, op, axis, _show(kx, lo, hi), size)
            offset = offset + i * stride  # type: ignore[operator]
            if on_chip and axis == part_axis:
                dims.append((stride, 1))  # the partition dimension is never dropped
            else:
                dropped.append((stride, 1))
            continue
        if isinstance(kx, DynSlice):
            start, count, step = kx.start, kx.size, 1
            if not is_int(count) or count <= 0:
                raise interp.error("err_bad_index", f"nl.ds size must be a positive int, got {count!r}", op)
        elif isinstance(kx, slice):
            start, count, step = _slice_extent(interp, kx, size, op)
        else:
            raise interp.error(
                "err_bad_index",
                f"cannot index a tensor with {type(kx).__name__}",
                op,
                hint="use integers, slices, nl.ds(start, size) or ...",
            )
        if on_chip and axis == part_axis and step != 1:
            raise interp.error(
                "err_bad_index",
                "the partition dimension of an on-chip tensor cannot be strided",
                op,
                hint="tiles occupy contiguous partitions; stride a free dimension instead",
            )
        lo, hi = bounds(interp, start)
        last_lo, last_hi = lo + (count - 1) * step, hi + (count - 1) * step
        if lo < 0 or last_hi >= size:
            end = count * step
            what = (
                f"{lo}:{lo + end}" if lo == hi
                else f"{lo}:{lo + end} (first iteration) to {hi}:{hi + end} (last iteration)"
            )
            raise _index_error(interp, op, axis, what, size)
        del last_lo
        offset = offset + start * stride  # type: ignore[operator]
        dims.append((stride * step, count))
    if not dims:
        # NKI keeps results at least 1-D (HBM) / 2-D (on chip): keep the last index
        dims.append(dropped[-1] if dropped else (1, 1))
    if on_chip and len(dims) < 2:
        dims.append(dropped[-1] if dropped else (1, 1))
    return TensorView(view.storage, offset, tuple(dims))


def _slice_extent(interp: Interpreter, s: slice, size: int, op: Operation) -> tuple[Any, int, int]:
    step = 1 if s.step is None else s.step
    if not is_int(step) or step <= 0:
        raise interp.error(
            "err_bad_index", f"slice steps must be positive integers, got {step!r}", op
        )
    start = 0 if s.start is None else s.start
    stop = size if s.stop is None else s.stop
    if is_int(start) and start < 0:
        start = max(start + size, 0)
    if is_int(stop) and stop < 0:
        stop = max(stop + size, 0)
    if is_int(start) and is_int(stop):
        start = min(start, size)
        stop = min(stop, size)
        count = max(0, (stop - start + step - 1) // step)
    else:
        length = stop - start
        if not is_int(length):
            raise interp.need_concrete(
                NeedConcrete(Affine.lift(length), "a slice whose size depends on a loop index")
            )
        count = max(0, (length + step - 1) // step)  # type: ignore[operator]
    if count == 0:
        raise interp.error("err_bad_index", "the slice selects no elements", op)
    return start, count, step


def _show(x: Any, lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo} (first iteration) to {hi} (last iteration)"


def materialize(interp: Interpreter, view: TensorView) -> SSAValue:
    """The SSA value standing for `view`: its storage, or a new `klr.view`."""
    whole = TensorView.whole(view.storage)
    same_type = view.storage.value.type == view.storage.type  # else a reinterpreting view
    if same_type and (view.offset == 0 and view.dims == whole.dims if is_int(view.offset) else False):
        return view.storage.value
    aff = Affine.lift(view.offset)
    loops = [(v, c) for v, c in aff.terms if not isinstance(v.type, k.RegType)]
    regs = [(v, c) for v, c in aff.terms if isinstance(v.type, k.RegType)]
    op = k.ViewOp.build(
        operands=[view.storage.value, [v for v, _ in loops], [v for v, _ in regs]],
        properties={
            "offset": k.IntAttr(aff.const),
            "coeffs": k.IntsAttr(tuple(c for _, c in loops)),
            "pattern": k.PatternAttr(view.dims),
        } | ({"reg_coeffs": k.IntsAttr(tuple(c for _, c in regs))} if regs else {}),
        result_types=[view.type()],
    )
    if regs:  # a run-time bounds error points at the instruction using the view
        from klr.tracer.calls import _CALL, source_location

        call = _CALL.get(None)
        if call is not None:
            op.location = source_location(interp, call[1])
    interp.emit(op)
    return op.res
