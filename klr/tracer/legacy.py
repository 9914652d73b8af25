"""The first NKI generation (`neuronxcc.nki`), normalized into the same `klr` ops.

Its instructions *return* new tiles (`t = nisa.tensor_tensor(a, b, op=np.add)`); each
becomes an allocation plus the destination-passing instruction (nki.md §1). A matmul's
result is deferred (`MatmulResult`) until it is known where it goes: assigned into a
PSUM view (`psum[...] = ...` overwrites, `psum[...] += ...` accumulates), or, used any
other way, into a fresh float32 PSUM tile. Indexing uses `nl.arange`/`nl.mgrid` index
expressions (`klr.tracer.index_exprs`). NumPy ufuncs and dtypes are accepted as NKI
operators and dtypes.
"""

from __future__ import annotations

import math

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from klr.dialects import klr as k
from klr.tracer import isa
from klr.tracer import language as lang
from klr.tracer.calls import ctx, emit, engine_arg, fail, tensor_arg
from klr.tracer.index_exprs import (
    Clause,
    IndexExpr,
    IndirectAccess,
    Mask,
    MGrid,
    PendingAccess,
    arange,
    mask_plan,
    mask_ranges,
)
from klr.tracer.views import index_view
from klr.tracer.values import (
    Affine,
    BufferValue,
    Builtin,
    DtypeValue,
    EnumMember,
    Namespace,
    NotSupported,
    OpValue,
    TensorView,
)

if TYPE_CHECKING:
    from klr.targets import Target


@dataclass(eq=False)
class MatmulResult:
    """`nisa.nc_matmul(stationary, moving)` / `nl.matmul(...)` before it has a destination.

    `box` (from `mask=`) is the rectangle of the (M, N) result that is computed: the
    matmul reads only those stationary and moving columns and writes only that part of
    its destination."""

    stationary: TensorView
    moving: TensorView
    materialized: TensorView | None = None
    box: list[tuple[int, int]] | None = None
    is_transpose: bool = False

    @property
    def shape(self) -> tuple[int, ...]:
        return (_free(self.stationary), _free(self.moving))

    def into(self, dst: TensorView, accumulate: bool | None) -> None:
        st, mv = self.stationary, self.moving
        if self.box is not None:
            if _empty(self.box):
                return
            (m0, m1), (n0, n1) = self.box
            st = _restrict([(0, st.shape[0]), (m0, m1)], st.shape, st)
            mv = _restrict([(0, mv.shape[0]), (n0, n1)], mv.shape, mv)
            dst = _restrict(self.box, self.shape, dst)
        isa.nc_matmul(dst, st, mv, accumulate=accumulate, is_transpose=self.is_transpose)

    def tile(self) -> TensorView:
        """The result in a fresh float32 PSUM tile (once)."""
        if self.materialized is None:
            out = lang.ndarray(self.shape, DtypeValue(k.Dtype.FLOAT32), BufferValue(k.Memory.PSUM))
            self.into(out, False)
            self.materialized = out
        return self.materialized


def _free(t: TensorView) -> int:
    n = 1
    for d in t.shape[1:]:
        n *= d
    return n


def _box(name: str, mask: Any, shape: tuple[int, ...]) -> list[tuple[int, int]] | None:
    """The rectangle `mask` selects in a tile of `shape`; None for no mask."""
    if mask is None:
        return None
    if not isinstance(mask, Mask):
        raise fail("err_type", f"{name}: mask= must be a comparison of nl.arange/nl.mgrid indices",
                   hint="e.g. mask=(i_p < n_rows) or mask=((i_p < n) & (i_f < m))")
    try:
        return mask_ranges(mask, shape)
    except ValueError as e:
        raise fail("err_not_supported", f"{name}: {e}",
                   hint="a mask that is not a box (each clause bounding one axis) is supported on "
                   "element-wise instructions, nl.load, nl.store and nisa.dma_copy; here split "
                   "the work into rectangular pieces") from None


def _plan(name: str, mask: Any, shape: tuple[int, ...]) -> tuple[list[tuple[int, int]] | None, list[Clause]]:
    """(bounding box, clauses left to check per element) of `mask` over a tile of `shape`;
    (None, []) for no mask. Element-wise instructions compute the box and, when clauses
    remain, merge the result through a predicate (`_merge`)."""
    if mask is None:
        return None, []
    if not isinstance(mask, Mask):
        _box(name, mask, shape)  # reports the type error
    try:
        box, rest = mask_plan(mask, shape)
    except ValueError as e:
        raise fail("err_not_supported", f"{name}: {e}",
                   hint="mask clauses compare affine expressions of nl.arange/nl.mgrid indices") from None
    if rest and len(shape) > 5:
        raise fail("err_not_supported", f"{name}: a mask that is not a box on a tile of more than 4 free dims",
                   hint="index the tile down first")
    return box, rest


_CMP = {"<": k.AluOp.LESS, "<=": k.AluOp.LESS_EQUAL, ">": k.AluOp.GREATER, ">=": k.AluOp.GREATER_EQUAL}


def _sbuf(shape: tuple[int, ...], dtype: k.Dtype) -> TensorView:
    return lang.ndarray(shape, DtypeValue(dtype), BufferValue(k.Memory.SBUF))


def _predicate(rest: list[Clause], box: list[tuple[int, int]]) -> TensorView:
    """A uint8 SBUF tile over `box`: 1 where every clause holds. Per clause, an iota of its
    affine value (partition coefficient = channel multiplier) and a comparison with 0;
    clauses combined with logical_and."""
    shape = tuple(hi - lo for lo, hi in box)
    pred: TensorView | None = None
    for cl in rest:
        offset = cl.const + sum(c * lo for c, (lo, _) in zip(cl.coeffs, box))
        values = _sbuf(shape, k.Dtype.INT32)
        isa.iota(values, [[cl.coeffs[a], shape[a]] for a in range(1, len(shape))], offset, cl.coeffs[0])
        p = _sbuf(shape, k.Dtype.UINT8)
        isa.tensor_scalar(p, values, OpValue(cl.op, _CMP[cl.op]), 0.0)
        if pred is None:
            pred = p
        else:
            isa.tensor_tensor(pred, pred, p, OpValue("logical_and", k.AluOp.LOGICAL_AND))
    assert pred is not None
    return pred


def _target(dst: TensorView, rest: list[Clause]) -> TensorView:
    """Where a masked instruction writes: `dst` itself for a box mask, else a temporary
    SBUF tile of its shape and dtype that `_merge` then copies through the predicate."""
    return _sbuf(dst.shape, dst.dtype) if rest else dst


def _merge(dst: TensorView, tmp: TensorView, rest: list[Clause], box: list[tuple[int, int]] | None) -> None:
    """Copy the elements of `tmp` where the clauses hold into `dst` (the others of `dst`
    stay untouched): `tensor_copy_predicated`; into HBM a read-modify-write through SBUF."""
    if not rest:
        return
    assert box is not None
    if tmp.dtype != dst.dtype or not tmp.memory.on_chip:
        conv = _sbuf(tmp.shape, dst.dtype)
        (isa.tensor_copy if tmp.memory.on_chip else isa.dma_copy)(conv, tmp)
        tmp = conv
    pred = _predicate(rest, box)
    if dst.memory.on_chip:
        isa.tensor_copy_predicated(dst, tmp, pred)
        return
    cur = _sbuf(dst.shape, dst.dtype)  # read-modify-write of the HBM region
    isa.dma_copy(cur, dst)
    isa.tensor_copy_predicated(cur, tmp, pred)
    isa.dma_copy(dst, cur)


def _restrict(box: list[tuple[int, int]] | None, full: tuple[int, ...], view: Any) -> Any:
    """`view` limited to `box` on the axes where it spans the full shape (not broadcast)."""
    if box is None or not isinstance(view, TensorView):
        return view
    key = tuple(
        slice(lo, hi) if i < len(view.shape) and view.shape[i] == full[i] and (lo, hi) != (0, full[i])
        else slice(None)
        for i, (lo, hi) in enumerate(box)
    )
    if all(s == slice(None) for s in key):
        return view
    interp, op = ctx()
    return index_view(interp, view, key, op)


def _empty(box: list[tuple[int, int]] | None) -> bool:
    return box is not None and any(lo >= hi for lo, hi in box)


def _tile(name: str, value: Any) -> TensorView:
    if isinstance(value, MatmulResult):
        return value.tile()
    return tensor_arg(name, value)


def _dt(dtype: Any, default: k.Dtype) -> k.Dtype:
    return lang._dtype(dtype) if dtype is not None else default


_INTO: ContextVar[tuple[Any, TensorView] | None] = ContextVar("klr_legacy_into", default=None)


@contextmanager
def assigning_into(call: Any, dst: TensorView) -> Iterator[None]:
    """While the call `call` (a py_ast op) of `dst[...] = call` runs, its result may be `dst`."""
    token = _INTO.set((call, dst))
    try:
        yield
    finally:
        _INTO.reset(token)


def _take_into(shape: tuple[int, ...], dtype: k.Dtype, reads: tuple[Any, ...],
               memories: tuple[k.Memory, ...], elementwise: bool = False) -> TensorView | None:
    """The destination view of `dst[...] = <this call>`, when the instruction can write it
    directly: same shape and dtype (no second rounding), a memory the instruction writes,
    and no operand overlapping it in the same storage, except (for an element-wise
    instruction) the very same view, where each element reads only itself
    (`acc[...] = nisa.tensor_tensor(acc, x, op=np.add)`)."""
    into = _INTO.get()
    if into is None:
        return None
    call, dst = into
    _, op = ctx()
    if op is not call or dst.shape != shape or dst.dtype != dtype or dst.memory not in memories:
        return None
    for r in reads:
        if isinstance(r, TensorView) and r.storage is dst.storage:
            same = elementwise and r.dims == dst.dims and _same_offset(r.offset, dst.offset)
            if not same:
                return None
    _INTO.set(None)  # one result per call
    return dst


def _same_offset(a: Any, b: Any) -> bool:
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    a, b = Affine.lift(a), Affine.lift(b)
    return a.const == b.const and {id(v): c for v, c in a.terms} == {id(v): c for v, c in b.terms}


def _result(shape: tuple[int, ...], dtype: k.Dtype, *reads: Any, elementwise: bool = False) -> TensorView:
    into = _take_into(shape, dtype, reads, (k.Memory.SBUF, k.Memory.PSUM), elementwise)
    if into is not None:
        return into
    return lang.ndarray(shape, DtypeValue(dtype), BufferValue(k.Memory.SBUF))


# -- nki.isa, value-returning -------------------------------------------------


def _matmul_box(name: str, mask: Any, st: TensorView, mv: TensorView) -> list[tuple[int, int]] | None:
    """A matmul's `mask=` is a predicate over its (M, N) result: the partition index selects
    stationary columns (result rows), the free index moving columns (result columns)."""
    if mask is None:
        return None
    if st.ndim != 2 or mv.ndim != 2:
        raise fail("err_not_supported", f"{name}: mask= with operands of more than 2 dims is not supported",
                   hint="index the operands down to 2-D tiles, or slice them instead of masking")
    return _box(name, mask, (st.shape[1], mv.shape[1]))


_NC_MATMUL_KWARGS = ("name",)


def nc_matmul(stationary: Any, moving: Any, is_stationary_onezero: bool = False,
              is_moving_onezero: Any = None, is_transpose: bool = False, tile_position: Any = (),
              tile_size: Any = (), mask: Any = None, **kwargs: Any) -> MatmulResult:
    """First generation `nisa.nc_matmul(stationary, moving, *, is_stationary_onezero,
    is_moving_onezero, is_transpose, tile_position, tile_size, mask)`; `is_moving_zero` is
    the older spelling of `is_moving_onezero` (both are performance hints)."""
    if "psumAccumulateFlag" in kwargs:
        raise fail("err_not_supported", "nisa.nc_matmul(psumAccumulateFlag=...) is not supported",
                   hint="accumulate with `psum[...] += nisa.nc_matmul(...)`; the current API's "
                   "equivalent is nisa.nc_matmul(dst=psum, ..., accumulate=True)")
    if "is_moving_zero" in kwargs:
        if is_moving_onezero is not None:
            raise fail("err_bad_arguments",
                       "nisa.nc_matmul: give is_moving_onezero or its old name is_moving_zero, not both",
                       hint="keep is_moving_onezero (the name since NKI 0.2)")
        kwargs.pop("is_moving_zero")
    unknown = [n for n in kwargs if n not in _NC_MATMUL_KWARGS]
    if unknown:
        raise fail("err_bad_arguments", f"nisa.nc_matmul(): unexpected keyword argument '{unknown[0]}'",
                   hint="the first generation's keywords are is_stationary_onezero, is_moving_onezero "
                   "(is_moving_zero), is_transpose, tile_position, tile_size, mask")
    if not isinstance(is_transpose, bool):
        raise fail("err_bad_arguments", f"nisa.nc_matmul: 'is_transpose' must be True or False, got {is_transpose!r}")
    if tile_position or tile_size:
        raise fail("err_not_supported", "nisa.nc_matmul tile_position/tile_size are not supported yet",
                   hint="leave them out: the matmul then uses the whole PE array (same result)")
    st, mv = _tile("stationary", stationary), _tile("moving", moving)
    return MatmulResult(st, mv, box=_matmul_box("nisa.nc_matmul", mask, st, mv),
                        is_transpose=is_transpose)


def tensor_tensor(data1: Any, data2: Any, op: Any, dtype: Any = None, mask: Any = None,
                  engine: Any = None, **_: Any) -> TensorView:
    a, b = _tile("data1", data1), _tile("data2", data2)
    out = _result(a.shape, _dt(dtype, lang._promote(a.dtype, b.dtype)), a, b, elementwise=True)
    box, rest = _plan("nisa.tensor_tensor", mask, out.shape)
    if not _empty(box):
        r = lambda v: _restrict(box, out.shape, v)  # noqa: E731
        dst = _target(r(out), rest)
        isa.tensor_tensor(dst, r(a), r(b), op, engine)
        _merge(r(out), dst, rest, box)
    return out


def tensor_scalar(data: Any, op0: Any, operand0: Any, reverse0: bool = False, op1: Any = None,
                  operand1: Any = None, reverse1: bool = False, dtype: Any = None,
                  mask: Any = None, engine: Any = None, **_: Any) -> TensorView:
    x = _tile("data", data)
    out = _result(x.shape, _dt(dtype, x.dtype), x, operand0, operand1, elementwise=True)
    box, rest = _plan("nisa.tensor_scalar", mask, out.shape)
    if not _empty(box):
        r = lambda v: _restrict(box, out.shape, v)  # noqa: E731
        dst = _target(r(out), rest)
        isa.tensor_scalar(dst, r(x), op0, r(operand0), reverse0, op1, r(operand1), reverse1, engine)
        _merge(r(out), dst, rest, box)
    return out


def activation(op: Any, data: Any, bias: Any = None, scale: Any = 1.0, dtype: Any = None,
               mask: Any = None, reduce_op: Any = None, reduce_res: Any = None,
               reduce_cmd: Any = None, **_: Any) -> TensorView:
    x = _tile("data", data)
    if reduce_op is not None or reduce_res is not None or reduce_cmd is not None:
        # the accumulating form: a box mask cuts the data and the reduce result's partitions
        out = _result(x.shape, _dt(dtype, x.dtype), x, bias, scale, reduce_res)
        box = _box("nisa.activation", mask, out.shape)
        if not _empty(box):
            rows = lambda v: v if box is None or not isinstance(v, TensorView) else _restrict(  # noqa: E731
                [box[0]] + [(0, n) for n in v.shape[1:]], v.shape, v)
            isa.activation(_restrict(box, out.shape, out), op, _restrict(box, out.shape, x),
                           rows(bias), rows(scale), reduce_op, rows(reduce_res), reduce_cmd)
        return out
    out = _result(x.shape, _dt(dtype, x.dtype), x, bias, scale, elementwise=True)
    box, rest = _plan("nisa.activation", mask, out.shape)
    if not _empty(box):
        r = lambda v: _restrict(box, out.shape, v)  # noqa: E731
        dst = _target(r(out), rest)
        isa.activation(dst, op, r(x), r(bias), r(scale))
        _merge(r(out), dst, rest, box)
    return out


def tensor_reduce(op: Any, data: Any, axis: Any, dtype: Any = None, negate: bool = False,
                  keepdims: bool = False, mask: Any = None, **_: Any) -> TensorView:
    x = _tile("data", data)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    axes = tuple(a + x.ndim if a < 0 else a for a in axes)
    if keepdims:
        shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    else:
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    if len(shape) < 2:
        shape = (x.shape[0], 1)  # tiles stay 2-D: one value per partition
    out = _result(shape, _dt(dtype, x.dtype), x)
    box = _box("nisa.tensor_reduce", mask, x.shape)
    if _empty(box):
        return out
    dst = out
    if box is not None:
        # the input is limited to the box; the result keeps only the box's partitions
        x = _restrict(box, x.shape, x)
        dst = _restrict([box[0]] + [(0, n) for n in out.shape[1:]], out.shape, out)
    isa.tensor_reduce(dst, op, x, axes, negate, keepdims)
    return out


def tensor_copy(src: Any, dtype: Any = None, mask: Any = None, engine: Any = None,
                **_: Any) -> TensorView:
    x = _tile("src", src)
    out = _result(x.shape, _dt(dtype, x.dtype), x, elementwise=True)
    box, rest = _plan("nisa.tensor_copy", mask, out.shape)
    if not _empty(box):
        dst = _restrict(box, out.shape, out)
        src = _restrict(box, out.shape, x)
        if rest and src.dtype == dst.dtype and src.memory.on_chip:
            _merge(dst, src, rest, box)  # the predicated copy is the copy
        else:
            tmp = _target(dst, rest)
            isa.tensor_copy(tmp, src, engine)
            _merge(dst, tmp, rest, box)
    return out


def memset(shape: Any, value: Any, dtype: Any, mask: Any = None, engine: Any = None,
           **_: Any) -> TensorView:
    out = _result(lang._shape(shape), lang._dtype(dtype))
    box, rest = _plan("nisa.memset", mask, out.shape)
    if not _empty(box):
        dst = _restrict(box, out.shape, out)
        tmp = _target(dst, rest)
        isa.memset(tmp, value, engine)
        _merge(dst, tmp, rest, box)
    return out


def nc_transpose(data: Any, mask: Any = None, dtype: Any = None, engine: Any = None,
                 **_: Any) -> TensorView:
    """`mask=` is a predicate over `data`'s (P, F) indices: the transpose reads that box and
    writes its image in the (F, P) result (as for the other instructions, the mask names
    the indices the kernel wrote on the operand)."""
    x = _tile("data", data)
    eng = engine_arg(engine) if engine is not None else k.Engine.UNKNOWN
    on_pe = eng == k.Engine.TENSOR or (eng == k.Engine.UNKNOWN and (x.shape[0] > 32 or _free(x) > 32))
    mem = k.Memory.PSUM if on_pe else k.Memory.SBUF
    out = lang.ndarray((_free(x), x.shape[0]), DtypeValue(x.dtype), BufferValue(mem))
    if mask is not None and x.ndim != 2:
        raise fail("err_not_supported", "nisa.nc_transpose: mask= on a tile of more than 2 dims is not supported",
                   hint="index the tile down to 2-D first")
    box = _box("nisa.nc_transpose", mask, x.shape)
    if _empty(box):
        return out
    if box is not None:
        (p0, p1), (f0, f1) = box
        x = _restrict(box, x.shape, x)
        isa.nc_transpose(_restrict([(f0, f1), (p0, p1)], out.shape, out), x, engine)
        return out
    isa.nc_transpose(out, x, engine)
    return out


def reciprocal(data: Any, dtype: Any = None, mask: Any = None, **_: Any) -> TensorView:
    x = _tile("data", data)
    out = _result(x.shape, _dt(dtype, x.dtype), x, elementwise=True)
    box, rest = _plan("nisa.reciprocal", mask, out.shape)
    if not _empty(box):
        dst = _restrict(box, out.shape, out)
        tmp = _target(dst, rest)
        isa.reciprocal(tmp, _restrict(box, out.shape, x))
        _merge(dst, tmp, rest, box)
    return out


def bn_stats(data: Any, dtype: Any = None, mask: Any = None, **_: Any) -> TensorView:
    """`mask=` over `data`'s indices: statistics of the box's elements, written to the box's
    partitions of the (P, 6) result."""
    x = _tile("data", data)
    out = _result((x.shape[0], 6), _dt(dtype, k.Dtype.FLOAT32), x)
    box = _box("nisa.bn_stats", mask, x.shape)
    if _empty(box):
        return out
    dst = out
    if box is not None:
        x = _restrict(box, x.shape, x)
        dst = _restrict([box[0], (0, 6)], out.shape, out)
    isa.bn_stats(dst, x)
    return out


def bn_aggr(data: Any, dtype: Any = None, mask: Any = None, **_: Any) -> TensorView:
    """`mask=` over `data`'s indices; on the free axis it must keep whole
    (count, mean, variance*count) triples of bn_stats results."""
    x = _tile("data", data)
    out = _result((x.shape[0], 2), _dt(dtype, k.Dtype.FLOAT32), x)
    box = _box("nisa.bn_aggr", mask, x.shape)
    if _empty(box):
        return out
    dst = out
    if box is not None:
        if any(lo % 3 or hi % 3 for lo, hi in box[1:]):
            raise fail("err_not_supported",
                       "nisa.bn_aggr: a mask on the free axis must keep whole bn_stats triples "
                       f"(free range {box[1][0]}:{box[1][1]} is not a multiple of 3)",
                       hint="mask whole bn_stats results, or slice the input instead")
        x = _restrict(box, x.shape, x)
        dst = _restrict([box[0], (0, 2)], out.shape, out)
    isa.bn_aggr(dst, x)
    return out


def _iota_args(expr: IndexExpr, shape: tuple[int, ...],
               box: list[tuple[int, int]] | None) -> tuple[list[list[int]], int, int]:
    """(pattern, offset, channel_multiplier) of `klr.iota` computing `expr` (of `shape`,
    axis 0 the partition) over `box`."""
    k_ = len(shape) - len(expr.shape)
    coeff = [0] * len(shape)
    for axis, c in expr.terms:
        coeff[axis + k_] += c
    offset = int(expr.offset)  # int() of a loop-dependent offset unrolls the loop
    lo_hi = box if box is not None else [(0, n) for n in shape]
    offset += sum(c * lo for c, (lo, _) in zip(coeff, lo_hi))
    pattern = [[coeff[a], hi - lo] for a, (lo, hi) in enumerate(lo_hi) if a > 0]
    return pattern, offset, coeff[0]


def iota(expr: Any, dtype: Any, mask: Any = None, **_: Any) -> TensorView:
    """First generation `nisa.iota(expr, dtype)`: the affine index expression `expr` (e.g.
    `nl.arange(512)[None, :] + 2 * nl.arange(128)[:, None]`) as a tile; axis 0 is the
    partition axis (its coefficient the channel multiplier)."""
    if not isinstance(expr, IndexExpr):
        raise fail("err_type", "nisa.iota: expr must be an index expression of nl.arange/nl.mgrid",
                   hint="e.g. nisa.iota(nl.arange(128)[:, None] * 4 + nl.arange(4)[None, :], dtype=nl.int32)")
    shape = (1,) * max(0, 2 - len(expr.shape)) + expr.shape
    if len(shape) > 5:
        raise fail("err_not_supported", "nisa.iota: at most 4 free axes")
    out = _result(shape, lang._dtype(dtype))
    box = _box("nisa.iota", mask, shape)
    if _empty(box):
        return out
    pattern, offset, cm = _iota_args(expr, shape, box)
    isa.iota(_restrict(box, shape, out), pattern, offset, cm)
    return out


def dma_copy(dst: Any, src: Any, mask: Any = None, dst_rmw_op: Any = None, **_: Any) -> None:
    if dst_rmw_op is not None:
        from klr.tracer.legacy_isa import rmw_dma

        if getattr(dst_rmw_op, "alu", None) != k.AluOp.ADD:
            raise fail("err_not_supported", "nisa.dma_copy: dst_rmw_op supports only np.add",
                       hint="the current API's equivalent is nisa.dma_compute(..., reduce_op=nl.add)")
        rmw_dma("nisa.dma_copy", dst, src, dst_rmw_op, mask)
        return
    if indirect_dma_copy(dst, src, mask, _tile):
        return
    d, x = tensor_arg("dst", dst), _tile("src", src)
    box, rest = _plan("nisa.dma_copy", mask, d.shape)
    if not _empty(box):
        _masked_dma(_restrict(box, d.shape, d), _restrict(box, d.shape, x), rest, box)


def _masked_dma(dst: TensorView, src: TensorView, rest: list[Clause], box: Any) -> None:
    """`dst <- src` (both cut to the mask's box) where the remaining clauses hold: a DMA into
    an SBUF temporary, then `_merge`."""
    if not rest:
        isa.dma_copy(dst, src)
        return
    tmp = src
    if not src.memory.on_chip or src.memory == k.Memory.PSUM:
        tmp = _sbuf(src.shape, dst.dtype)
        isa.dma_copy(tmp, src)
    _merge(dst, tmp, rest, box)


def indirect_dma_copy(dst: Any, src: Any, mask: Any, source: Callable[[str, Any], TensorView]) -> bool:
    """`nisa.dma_copy` where one side is an indirect access (an index tile, `vector_select`
    or `.ap(vector_offset=)`): a `klr.indirect_dma`. False when neither side is."""
    if not (isinstance(dst, IndirectAccess) or isinstance(src, IndirectAccess)):
        return False
    if isinstance(dst, IndirectAccess) and isinstance(src, IndirectAccess):
        raise fail("err_not_supported", "nisa.dma_copy: only one side can be indirect",
                   hint="gather into an SBUF tile first, then scatter it")
    if isinstance(dst, IndirectAccess):
        _indirect("nisa.dma_copy", dst, source("src", src), mask, scatter=True)
    else:
        _indirect("nisa.dma_copy", src, tensor_arg("dst", dst), mask, scatter=False)
    return True


def _indirect(name: str, access: IndirectAccess, tile: TensorView, mask: Any, scatter: bool) -> None:
    """`klr.indirect_dma` between the rows `access` picks and `tile` (of `access.shape`);
    `mask=` cuts both to its box (fewer partitions, a smaller part of each row)."""
    if tile.shape != access.shape:
        verb = "writes" if scatter else "reads"
        raise fail("err_bad_arguments",
                   f"{name}: the indirect access {verb} shape {access.shape}, the tile is {tile.shape}",
                   hint="the index tile gives the partition count; the other indices the row part")
    box = _box(name, mask, access.shape)
    if _empty(box):
        return
    if box is not None:
        interp, _ = ctx()
        access = access.restricted(interp, box)
        tile = _restrict(box, tile.shape, tile)
    if scatter:
        emit(k.IndirectDmaOp, [access.table, access.index, tile, None], {})
    else:
        emit(k.IndirectDmaOp, [tile, None, access.table, access.index], {})


def assign_indirect(interp: Any, access: IndirectAccess, value: Any, node: Any) -> None:
    """`out[idx_tile, i_f] = t`: a scatter of the tile `t` (a number is first filled into one)."""
    from klr.tracer.calls import call_builtin

    def scatter() -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            t = lang.ndarray(access.shape, DtypeValue(access.dtype), BufferValue(k.Memory.SBUF))
            isa.memset(t, value)
        else:
            t = _tile("value", value)
            if t.memory == k.Memory.PSUM:
                t = lang.copy(t)
        _indirect("indirect store", access, t, None, scatter=True)

    call_builtin(interp, Builtin("neuronxcc.nki.language.store", scatter), [], {}, node)


def masked_elementwise(wrapper: Builtin, args: list[Any], kwargs: dict[str, Any]) -> TensorView:
    """A first-generation element-wise `nl` function with `mask=` (`nl.add(a, b, mask=...)`,
    `nl.exp(x, mask=...)`): the result tile has the full (broadcast) shape; the wrapper
    computes the mask's box from the operands cut to it, straight into the box of the
    result (masked-off elements are not written)."""
    import inspect

    mask = kwargs.pop("mask")
    try:
        bound = inspect.signature(wrapper.fn).bind(*args, **kwargs)
    except TypeError as e:
        raise fail("err_bad_arguments", f"{wrapper.name}(): {e}") from None
    args = [_tile("x", a) if isinstance(a, MatmulResult) else a for a in bound.args]
    kwargs = dict(bound.kwargs)
    tiles = [a for a in args if isinstance(a, TensorView)]
    if not tiles:
        return wrapper.fn(*args, **kwargs)  # reports the missing tile operand
    shape = tiles[0].shape
    if all(t.ndim == len(shape) for t in tiles):
        shape = tuple(max(t.shape[i] for t in tiles) for i in range(len(shape)))
    dtype = kwargs.get("dtype")
    if dtype is not None:
        out_dt = lang._dtype(dtype)
    elif len(tiles) == 2:
        out_dt = lang._promote(tiles[0].dtype, tiles[1].dtype)
    else:
        out_dt = tiles[0].dtype
    out = _take_into(shape, out_dt, tuple(tiles), (k.Memory.SBUF, k.Memory.PSUM), elementwise=True)
    if out is None:
        out = _result(shape, out_dt)
    box, rest = _plan(wrapper.name.replace("nki.language.", "nl."), mask, shape)
    if _empty(box):
        return out
    cut = [_restrict(box, shape, a) for a in args]
    final = _restrict(box, shape, out)
    dst = _target(final, rest)
    _, op = ctx()
    token = _INTO.set((op, dst))
    try:
        r = wrapper.fn(*cut, **kwargs)
    finally:
        _INTO.reset(token)
    if r is not dst:
        if rest:
            dst = r
        else:
            isa.tensor_copy(dst, r)
    _merge(final, dst, rest, box)
    return out


# -- nki.language, first generation ---------------------------------------------


def _masked_access(name: str, access: Any, mask: Any) -> tuple[tuple[int, ...], Any, Any, list[Clause]]:
    """(full shape, bounding box, the access limited to the box, clauses left) of a masked
    load/store operand."""
    if isinstance(access, PendingAccess):
        full = access.index_shape()
        box, rest = _plan(name, mask, full)
        if _empty(box):
            return full, box, None, rest
        assert box is not None
        interp, _ = ctx()
        try:
            return full, box, access.restricted(interp, box), rest
        except Exception:
            if not rest:
                raise
            raise fail("err_not_supported",
                       f"{name}: the bounding box of the mask reaches outside the tensor",
                       hint="KLR computes a mask that is not a box over its bounding box; add "
                       "clauses that bound each axis (e.g. i_p < n) to keep it inside") from None
    x = tensor_arg("src", access)
    box, rest = _plan(name, mask, x.shape)
    return x.shape, box, None if _empty(box) else _restrict(box, x.shape, x), rest


def load(src: Any, mask: Any = None, dtype: Any = None, **_: Any) -> TensorView:
    if isinstance(src, IndirectAccess):  # `nl.load(table[idx_tile, i_f])`: a gather
        dt = _dt(dtype, src.dtype)
        out = _take_into(src.shape, dt, (), (k.Memory.SBUF,)) or _result(src.shape, dt)
        _indirect("nl.load", src, out, mask, scatter=False)
        return out
    if mask is None:
        if isinstance(src, TensorView) and not src.memory.on_chip:
            into = _take_into(src.shape, _dt(dtype, src.dtype), (src,), (k.Memory.SBUF,))
            if into is not None:  # `t[...] = nl.load(a)`: one DMA into the view
                isa.dma_copy(into, src)
                return into
        return lang.load(src, dtype)
    full, box, part, rest = _masked_access("nl.load", src, mask)
    dt = part.dtype if part is not None else getattr(getattr(src, "view", src), "dtype", k.Dtype.FLOAT32)
    out = _take_into(full, _dt(dtype, dt), (src,), (k.Memory.SBUF,)) or _result(full, _dt(dtype, dt))
    if part is not None:
        _masked_dma(_restrict(box, full, out), part, rest, box)
    return out


def store(dst: Any, value: Any, mask: Any = None, **_: Any) -> None:
    v = _tile("value", value)
    if v.memory == k.Memory.PSUM:
        v = lang.copy(v)  # the first generation inserted the PSUM -> SBUF copy itself
    if isinstance(dst, IndirectAccess):  # `nl.store(out[idx_tile, i_f], value=t)`: a scatter
        _indirect("nl.store", dst, v, mask, scatter=True)
        return
    if mask is None:
        lang.store(dst, v)
        return
    full, box, part, rest = _masked_access("nl.store", dst, mask)
    if part is not None:
        if rest:
            _masked_dma(part, _restrict(box, full, v), rest, box)
        else:
            lang.store(part, _restrict(box, full, v))


def matmul(x: Any, y: Any, transpose_x: Any = False, mask: Any = None, **kwargs: Any) -> MatmulResult:
    """First generation `nl.matmul(x, y, *, transpose_x=False, mask=None)`: a deferred
    `x.T @ y` (`x @ y`: `x` is first transposed on the PE and copied back to SBUF, as the
    current generation's wrapper does), so `psum[...] += nl.matmul(...)` accumulates.
    `mask=` is over the (M, N) result, as for `nisa.nc_matmul`."""
    if kwargs:
        name = next(iter(kwargs))
        raise fail("err_bad_arguments", f"nl.matmul(): unexpected keyword argument '{name}'",
                   hint="the first generation's keywords are transpose_x and mask")
    if not isinstance(transpose_x, bool):
        raise fail("err_bad_arguments", f"nl.matmul: 'transpose_x' must be True or False, got {transpose_x!r}")
    a, b = _tile("x", x), _tile("y", y)
    for pname, t in (("x", a), ("y", b)):
        if t.ndim != 2:
            raise fail("err_bad_arguments", f"nl.matmul takes 2-D tiles; '{pname}' has shape {t.shape}")
        if t.memory != k.Memory.SBUF:
            raise fail("err_bad_arguments", f"nl.matmul: '{pname}' is a PSUM tile; the Tensor engine reads SBUF",
                       hint=f"copy it to SBUF first: nl.copy({pname})")
    k_x = a.shape[0] if transpose_x else a.shape[1]
    if k_x != b.shape[0]:
        layout = "x is [K, M]" if transpose_x else "x is [M, K]"
        raise fail("err_bad_arguments",
                   f"nl.matmul: contraction sizes differ: {layout} = {a.shape}, y is [K, N] = {b.shape}")
    stationary = a if transpose_x else lang.copy(lang.transpose(a))
    return MatmulResult(stationary, b, box=_matmul_box("nl.matmul", mask, stationary, b))


def broadcast_to(src: Any, shape: Any, dtype: Any = None) -> TensorView:
    """First generation `nl.broadcast_to(src, shape=)`: `src` itself when the shapes are
    equal (as documented), else a new SBUF tile (`lang.broadcast_to`)."""
    t = _tile("src", src)
    if dtype is None and isinstance(shape, (tuple, list)) and tuple(shape) == t.shape:
        return t
    return lang.broadcast_to(t, shape, dtype)


@dataclass(frozen=True)
class ParDim:
    """`nl.par_dim(n)`: marks the partition dimension of a shape."""

    size: int


def par_dim(n: Any) -> ParDim:
    if not isinstance(n, int) or n <= 0:
        raise fail("err_bad_arguments", f"nl.par_dim takes a positive int, got {n!r}")
    return ParDim(n)


def _split_shape(shape: Any) -> tuple[Any, int]:
    """(the shape with the partition dimension first, how many block dims precede it)."""
    dims = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    marks = [i for i, d in enumerate(dims) if isinstance(d, ParDim)]
    if not marks:
        return shape, 0
    if len(marks) > 1:
        raise fail("err_bad_arguments", "a shape has at most one nl.par_dim",
                   hint="mark only the partition dimension, e.g. (4, nl.par_dim(128), 512)")
    i = marks[0]
    return (dims[i].size, *dims[:i], *dims[i + 1:]), i


def _blocked(t: TensorView, blocks: int) -> TensorView:
    """Storage laid out partition-first, seen with its `blocks` block dims in front:
    `(B, par_dim(P), F)` is stored as `(P, B, F)`, so `t[b]` is an ordinary (P, F) tile."""
    if blocks == 0:
        return t
    dims = t.dims
    return TensorView(t.storage, t.offset, (*dims[1:blocks + 1], dims[0], *dims[blocks + 1:]))


def _physical_tiles(shape: Any, blocks: int, buffer: Any) -> None:
    """`ncc.*.mod_alloc` places block i in physical tile i mod T (nki.md §3.1): blocks that
    share a tile alias each other, which KLR does not model (each block has storage)."""
    tiles = getattr(buffer, "tiles", None)
    if tiles is None:
        return
    dims = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    count = math.prod(int(d) for d in dims[1:blocks + 1]) if blocks else 1
    if count > tiles:
        raise fail(
            "err_not_supported",
            f"mod_alloc gives {count} blocks {tiles} physical tile(s): block i and block i + "
            f"{tiles} would share storage, which KLR does not model",
            hint="give num_par_tiles / num_free_tiles at least as many tiles as blocks, or "
            "allocate with nl.sbuf (each block its own storage)",
        )


def ndarray(shape: Any, dtype: Any, buffer: Any = None, name: str = "", **kw: Any) -> TensorView:
    shp, blocks = _split_shape(shape)
    _physical_tiles(shp, blocks, buffer)
    return _blocked(lang.ndarray(shp, dtype, buffer, name, **kw), blocks)


def zeros(shape: Any, dtype: Any, buffer: Any = None, name: str = "") -> TensorView:
    shp, blocks = _split_shape(shape)
    _physical_tiles(shp, blocks, buffer)
    return _blocked(lang.zeros(shp, dtype, buffer, name), blocks)


def ones(shape: Any, dtype: Any, buffer: Any = None, name: str = "") -> TensorView:
    shp, blocks = _split_shape(shape)
    _physical_tiles(shp, blocks, buffer)
    return _blocked(lang.ones(shp, dtype, buffer, name), blocks)


def full(shape: Any, fill_value: Any, dtype: Any, buffer: Any = None, name: str = "") -> TensorView:
    shp, blocks = _split_shape(shape)
    _physical_tiles(shp, blocks, buffer)
    return _blocked(lang.full(shp, fill_value, dtype, buffer, name), blocks)


def _language(target: Target) -> Namespace:
    base = dict(lang.language(target).attrs)
    for fn in (load, store, matmul, par_dim, ndarray, zeros, ones, full, broadcast_to):
        base[fn.__name__] = Builtin(f"neuronxcc.nki.language.{fn.__name__}", fn)
    from klr.tracer import legacy_isa

    for fn in (legacy_isa.atomic_rmw, legacy_isa.loop_reduce):
        base[fn.__name__] = Builtin(f"neuronxcc.nki.language.{fn.__name__}", fn)
    for red in ("sum", "max", "min", "prod", "all"):
        base[red] = legacy_isa.masked_reduction(base[red])
    mean = base["mean"]
    base["mean"] = Builtin(mean.name, lambda x, axis, dtype=None, keepdims=False, mask=None: (
        legacy_isa.masked_mean(x, axis, dtype, keepdims, mask) if mask is not None
        else mean.fn(x, axis, dtype=dtype, keepdims=keepdims)))
    base["arange"] = Builtin("neuronxcc.nki.language.arange", arange)
    base["mgrid"] = MGrid()
    # the old API's dtype constants (nki.md §8.3): bit patterns 0xff7fffff and 0xff80
    base["fp32"] = Namespace("neuronxcc.nki.language.fp32", {"min": -3.4028234663852886e38})
    base["bfp16"] = Namespace("neuronxcc.nki.language.bfp16", {"min": float("-inf")})
    return Namespace("neuronxcc.nki.language", base, hint="see docs/coverage.md")


def _isa(target: Target) -> Namespace:
    base = dict(isa.isa(target).attrs)
    for fn in (nc_matmul, tensor_tensor, tensor_scalar, activation, tensor_reduce, tensor_copy,
               memset, nc_transpose, reciprocal, bn_stats, bn_aggr, dma_copy, iota):
        base[fn.__name__] = Builtin(f"neuronxcc.nki.isa.{fn.__name__}", fn)
    from klr.tracer import legacy_isa

    for fn in legacy_isa.VALUE_RETURNING:
        base[fn.__name__] = Builtin(f"neuronxcc.nki.isa.{fn.__name__}", fn)
    base.update(legacy_isa.not_in_first_generation())
    # the old numbering of the DMA descriptor modes (nki.md §8.3)
    base["dge_mode"] = Namespace("nisa.dge_mode", {
        m: EnumMember("nisa.dge_mode", m, v)
        for m, v in (("none", 0), ("swdge", 1), ("hwdge", 2), ("unknown", 3))})
    return Namespace("neuronxcc.nki.isa", base, hint="see docs/coverage.md")


def namespaces(target: Target, jit: Any) -> dict[str, Namespace]:
    nl = _language(target)
    nisa = _isa(target)
    nki = Namespace(
        "neuronxcc.nki",
        {
            "jit": jit,
            "trace": jit,
            "baremetal": jit,
            "benchmark": jit,
            "profile": jit,
            "language": nl,
            "isa": nisa,
            "simulate_kernel": NotSupported(
                "neuronxcc.nki.simulate_kernel", "call klr.simulate(kernel)(...) instead"
            ),
        },
    )
    ncc = _compiler()
    nki.attrs["compiler"] = ncc  # type: ignore[index]
    return {
        "neuronxcc": Namespace("neuronxcc", {"nki": nki}),
        "neuronxcc.nki": nki,
        "neuronxcc.nki.language": nl,
        "neuronxcc.nki.isa": nisa,
        "neuronxcc.nki.compiler": ncc,
    }


def _compiler() -> Namespace:
    """`neuronxcc.nki.compiler` (`ncc`): the allocators are buffers (placement does not
    change values; blocks sharing a physical tile are refused by `_physical_tiles`); the
    compiler-hint decorators return the kernel unchanged (nki.md §1, §3.1)."""

    def tiles(*counts: Any) -> int:
        n = 1
        for c in counts:
            n *= math.prod(int(x) for x in (c if isinstance(c, (tuple, list)) else (c,)))
        return n

    def sbuf_mod_alloc(base_addr: Any = 0, base_partition: Any = 0, num_par_tiles: Any = (),
                       num_free_tiles: Any = ()) -> BufferValue:
        return BufferValue(k.Memory.SBUF, tiles(num_par_tiles, num_free_tiles))

    def psum_mod_alloc(base_bank: Any = 0, base_addr: Any = 0, base_partition: Any = 0,
                       num_bank_tiles: Any = (), num_par_tiles: Any = (),
                       num_free_tiles: Any = ()) -> BufferValue:
        return BufferValue(k.Memory.PSUM, tiles(num_bank_tiles, num_par_tiles, num_free_tiles))

    def alloc(func: Any) -> BufferValue:
        return BufferValue(k.Memory.SBUF)

    def hint(fn: Any = None, **_: Any) -> Any:
        return fn if fn is not None else (lambda f: f)

    def ns(name: str, memory: k.Memory, mod_alloc: Any) -> Namespace:
        return Namespace(f"neuronxcc.nki.compiler.{name}", {
            "auto_alloc": Builtin(f"ncc.{name}.auto_alloc", lambda: BufferValue(memory)),
            "mod_alloc": Builtin(f"ncc.{name}.mod_alloc", mod_alloc),
            "alloc": Builtin(f"ncc.{name}.alloc", alloc),
        })

    attrs: dict[str, Any] = {
        "sbuf": ns("sbuf", k.Memory.SBUF, sbuf_mod_alloc),
        "psum": ns("psum", k.Memory.PSUM, psum_mod_alloc),
    }
    for name in ("skip_middle_end_transformations", "enable_stack_allocator", "force_auto_alloc"):
        attrs[name] = Builtin(f"ncc.{name}", hint)
    return Namespace("neuronxcc.nki.compiler", attrs, hint="see docs/coverage.md")


# NumPy names kernels of this generation use for operators and dtypes
NUMPY_OPERATORS = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "maximum": "maximum",
    "minimum": "minimum", "max": "maximum", "min": "minimum", "equal": "equal", "not_equal": "not_equal", "greater": "greater",
    "greater_equal": "greater_equal", "less": "less", "less_equal": "less_equal",
    "logical_and": "logical_and", "logical_or": "logical_or", "logical_xor": "logical_xor",
    "bitwise_and": "bitwise_and", "bitwise_or": "bitwise_or", "bitwise_xor": "bitwise_xor",
    "power": "power", "exp": "exp", "tanh": "tanh", "sqrt": "sqrt", "abs": "abs",
    "square": "square", "reciprocal": "reciprocal", "sign": "sign", "log": "log",
    "arctan": "arctan", "sin": "sin",
}
NUMPY_DTYPES = {
    "float32": k.Dtype.FLOAT32, "float16": k.Dtype.FLOAT16, "int8": k.Dtype.INT8,
    "int16": k.Dtype.INT16, "int32": k.Dtype.INT32, "uint8": k.Dtype.UINT8,
    "uint16": k.Dtype.UINT16, "uint32": k.Dtype.UINT32, "bool_": k.Dtype.BOOL_,
}


@dataclass(frozen=True)
class NumpyOp(OpValue):
    """`np.<ufunc>` inside a first-generation kernel: the NKI operator of that name, except
    that on Python numbers it is NumPy itself (`1 / np.sqrt(d)` is trace-time arithmetic,
    as it was when first-generation kernel bodies ran as Python)."""

    def on_numbers(self, args: list[Any]) -> Any:
        import numpy

        if args and all(isinstance(a, (int, float)) and not isinstance(a, bool) for a in args):
            return getattr(numpy, self.numpy_name)(*args).item()
        return None

    @property
    def numpy_name(self) -> str:
        return next(n for n, t in NUMPY_OPERATORS.items() if t == self.name)


def numpy_namespace(nl: Namespace) -> Namespace:
    """`numpy` inside a kernel: its ufuncs as NKI operators, its dtypes as NKI dtypes."""
    attrs: dict[str, Any] = {}
    for name, target in NUMPY_OPERATORS.items():
        value = nl.attrs.get(target)
        if isinstance(value, OpValue):
            attrs[name] = NumpyOp(value.name, value.alu, value.act)
        elif isinstance(value, Builtin):
            attrs[name] = value
    for name, dt in NUMPY_DTYPES.items():
        attrs[name] = DtypeValue(dt)
    attrs["dtype"] = Builtin("numpy.dtype", lambda name: DtypeValue(lang._dtype(name)))
    return Namespace("numpy", attrs, hint="inside kernels numpy provides ufuncs (as operators) and dtypes")


