"""First-generation index expressions: `nl.arange`, `nl.mgrid` and their affine combinations.

`nl.arange(128)[:, None]` is a column of indices, `nl.arange(512)[None, :]` a row; affine
combinations of them (and of loop indices and program ids) index tensors NumPy-style,
the index arrays broadcasting into the result's shape (nki.md §4.4). Every such index is
a strided pattern, so the result is an ordinary view.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xdsl.ir import Operation

from klr.tracer.values import Affine, TensorView, is_int

if TYPE_CHECKING:
    from klr.tracer.interp import Interpreter


@dataclass(frozen=True)
class IndexExpr:
    """`offset + Σ coeff · arange_axis`, with a NumPy shape; each term spans one axis."""

    shape: tuple[int, ...]
    terms: tuple[tuple[int, int], ...]
    """(axis of `shape`, coefficient); the axis's length is shape[axis]."""
    offset: int | Affine = 0

    KERNEL_ATTRS = ("shape",)

    # -- arithmetic ---------------------------------------------------------

    def _with(self, other: Any, sign: int) -> IndexExpr:
        if isinstance(other, IndexExpr):
            shape, a, b = _broadcast(self, other)
            terms = dict(a.terms)
            for axis, c in b.terms:
                terms[axis] = terms.get(axis, 0) + sign * c
            return IndexExpr(shape, tuple((x, c) for x, c in terms.items() if c), a.offset + sign * b.offset)
        if is_int(other) or isinstance(other, Affine):
            return IndexExpr(self.shape, self.terms, self.offset + sign * other)
        return NotImplemented

    def __add__(self, other: Any) -> IndexExpr:
        return self._with(other, 1)

    __radd__ = __add__

    def __sub__(self, other: Any) -> IndexExpr:
        return self._with(other, -1)

    def __rsub__(self, other: Any) -> IndexExpr:
        return (-self)._with(other, 1)

    def __neg__(self) -> IndexExpr:
        return IndexExpr(self.shape, tuple((a, -c) for a, c in self.terms), -self.offset)

    def __mul__(self, other: Any) -> IndexExpr:
        if not is_int(other):
            return NotImplemented
        return IndexExpr(self.shape, tuple((a, c * other) for a, c in self.terms if c * other), self.offset * other)

    __rmul__ = __mul__

    def __getitem__(self, key: Any) -> IndexExpr:
        """`[:, None]` / `[None, :]`: insert unit axes (the only indexing NKI uses on them)."""
        keys = list(key) if isinstance(key, tuple) else [key]
        axes: dict[int, int] = {}
        shape: list[int] = []
        src = 0
        for kx in keys:
            if kx is None:
                shape.append(1)
            elif isinstance(kx, slice) and kx == slice(None):
                axes[src] = len(shape)
                shape.append(self.shape[src])
                src += 1
            else:
                raise TypeError("an index expression takes only ':' and None")
        while src < len(self.shape):
            axes[src] = len(shape)
            shape.append(self.shape[src])
            src += 1
        return IndexExpr(tuple(shape), tuple((axes[a], c) for a, c in self.terms), self.offset)

    def __bool__(self) -> bool:
        raise TypeError("an index expression has no truth value; use it in a mask= argument")

    # -- comparisons build masks ------------------------------------------------

    def _cmp(self, op: str, other: Any) -> Mask:
        if not (is_int(other) or isinstance(other, (Affine, IndexExpr))):
            return NotImplemented
        return Mask(((self, op, other),))

    def __lt__(self, other: Any) -> Mask:
        return self._cmp("<", other)

    def __le__(self, other: Any) -> Mask:
        return self._cmp("<=", other)

    def __gt__(self, other: Any) -> Mask:
        return self._cmp(">", other)

    def __ge__(self, other: Any) -> Mask:
        return self._cmp(">=", other)


@dataclass(frozen=True)
class Mask:
    """A first-generation `mask=` predicate: a conjunction of index comparisons."""

    clauses: tuple[tuple[IndexExpr, str, Any], ...]

    def __and__(self, other: Any) -> Mask:
        if not isinstance(other, Mask):
            return NotImplemented
        return Mask(self.clauses + other.clauses)

    def __bool__(self) -> bool:
        raise TypeError("a mask has no truth value; pass it as mask=")


def _broadcast(a: IndexExpr, b: IndexExpr) -> tuple[tuple[int, ...], IndexExpr, IndexExpr]:
    n = max(len(a.shape), len(b.shape))

    def pad(e: IndexExpr) -> IndexExpr:
        k = n - len(e.shape)
        return IndexExpr((1,) * k + e.shape, tuple((x + k, c) for x, c in e.terms), e.offset)

    a, b = pad(a), pad(b)
    shape = []
    for x, y in zip(a.shape, b.shape):
        if x != y and x != 1 and y != 1:
            raise ValueError(f"index shapes {a.shape} and {b.shape} do not broadcast")
        shape.append(max(x, y))
    return tuple(shape), a, b


def arange(start: int, stop: int | None = None) -> IndexExpr:
    if stop is None:
        start, stop = 0, start
    return IndexExpr((stop - start,), ((0, 1),), start)


class MGrid:
    """`nl.mgrid[0:128, 0:512]`: one index expression per axis (`.p`, `.x`, `.y`, `.z`)."""

    def __getitem__(self, key: Any) -> Grid:
        keys = key if isinstance(key, tuple) else (key,)
        n = len(keys)
        exprs = []
        for axis, s in enumerate(keys):
            start = 0 if s.start is None else s.start
            length = s.stop - start
            shape = tuple(length if i == axis else 1 for i in range(n))
            exprs.append(IndexExpr(shape, ((axis, 1),), start))
        return Grid(tuple(exprs))


@dataclass(frozen=True)
class Grid:
    exprs: tuple[IndexExpr, ...]

    KERNEL_ATTRS = ("p", "x", "y", "z")

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.exprs)

    def __getitem__(self, i: int) -> IndexExpr:
        return self.exprs[i]

    @property
    def p(self) -> IndexExpr:
        return self.exprs[0]

    @property
    def x(self) -> IndexExpr:
        return self.exprs[1]

    @property
    def y(self) -> IndexExpr:
        return self.exprs[2]

    @property
    def z(self) -> IndexExpr:
        return self.exprs[3]


def is_advanced(key: Any) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(x, IndexExpr) for x in keys)


def index_advanced(interp: Interpreter, view: TensorView, key: Any, op: Operation) -> TensorView:
    """`t[i_p, 2*i_f + 1]`: each input dimension indexed by an index expression or scalar."""
    from klr.tracer.views import bounds

    keys = list(key) if isinstance(key, tuple) else [key]
    if len(keys) != view.ndim:
        raise interp.error(
            "err_bad_index",
            f"index expressions must index every dimension: {len(keys)} for a "
            f"{view.ndim}-dimensional tensor",
            op,
        )
    exprs: list[IndexExpr] = []
    for kx in keys:
        if isinstance(kx, IndexExpr):
            exprs.append(kx)
        elif is_int(kx) or isinstance(kx, Affine):
            exprs.append(IndexExpr((), (), kx))
        else:
            raise interp.error(
                "err_bad_index",
                "nl.arange index expressions cannot be mixed with slices in one index",
                op,
                hint="index every dimension with an index expression or an integer (nki.md §4.4)",
            )
    n = max(len(e.shape) for e in exprs)
    shape = [1] * n
    for e in exprs:
        for i, d in enumerate(e.shape):
            j = i + n - len(e.shape)
            if d != 1:
                if shape[j] not in (1, d):
                    raise interp.error("err_bad_index", "index expressions do not broadcast", op)
                shape[j] = d
    strides = [0] * n
    offset: int | Affine = view.offset
    for dim, (e, (stride, size)) in enumerate(zip(exprs, view.dims)):
        k = n - len(e.shape)
        lo, hi = bounds(interp, e.offset)
        for axis, c in e.terms:
            strides[axis + k] += stride * c
            span = c * (e.shape[axis] - 1)
            lo, hi = lo + min(0, span), hi + max(0, span)
        if lo < 0 or hi >= size:
            raise interp.error(
                "err_index_out_of_bounds",
                f"index values {lo}..{hi} are out of bounds for dimension {dim} of size {size}",
                op,
                hint="every loop iteration is checked; use a mask for a ragged last tile",
            )
        offset = offset + e.offset * stride  # type: ignore[operator]
    # the storage's partition stride (block dims may precede the partition dim in the view)
    part_stride = math.prod(view.storage.shape[1:])
    if view.memory.on_chip and shape and shape[0] == 1 and strides[0] == 0:
        strides[0] = part_stride  # a single partition: any step selects the same one
    dims = tuple(zip(strides, shape))
    if view.memory.on_chip and dims and dims[0][0] != part_stride:
        raise interp.error(
            "err_bad_index",
            "the first index of an on-chip tile must select whole partitions in order "
            "(nl.arange(n)[:, None] plus an offset)",
            op,
        )
    return TensorView(view.storage, offset, dims)


def _floordiv(a: int, b: int) -> int:
    return a // b


def _ceildiv(a: int, b: int) -> int:
    return -((-a) // b)


def mask_ranges(mask: Mask, shape: tuple[int, ...]) -> list[tuple[int, int]]:
    """The box `[lo, hi)` per axis of `shape` where `mask` holds.

    Each clause must compare one axis's index (`offset + c·i`) with a bound; KLR's
    instructions address rectangles, so a mask that is not a box is rejected. A bound
    that depends on a loop index makes the tracer unroll that loop (NeedConcrete).
    """
    ranges = [(0, n) for n in shape]
    for expr, op, bound in mask.clauses:
        if isinstance(bound, IndexExpr):
            expr, bound = expr - bound, 0
        if len(expr.terms) != 1:
            raise ValueError("a mask clause must compare the index of exactly one axis")
        (axis, c), = expr.terms
        if axis >= len(shape):
            raise ValueError(f"the mask uses axis {axis}, the tile has {len(shape)}")
        # offset + c·i  op  bound   <=>   c·i  op  rest
        rest = int(bound - expr.offset)  # int() of a loop-dependent bound unrolls the loop
        if c < 0:
            c, rest = -c, -rest
            op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
        lo, hi = ranges[axis]
        if op == "<":
            hi = min(hi, _ceildiv(rest, c))
        elif op == "<=":
            hi = min(hi, _floordiv(rest, c) + 1)
        elif op == ">":
            lo = max(lo, _floordiv(rest, c) + 1)
        else:
            lo = max(lo, _ceildiv(rest, c))
        ranges[axis] = (lo, max(lo, hi))
    return ranges


@dataclass(frozen=True)
class Clause:
    """A mask clause that is not a box: `const + Σ coeffs[a] · index_a  op  0`."""

    coeffs: tuple[int, ...]
    const: int
    op: str

    def holds(self, point: tuple[int, ...]) -> bool:
        v = self.const + sum(c * i for c, i in zip(self.coeffs, point))
        return {"<": v < 0, "<=": v <= 0, ">": v > 0, ">=": v >= 0}[self.op]


def mask_plan(mask: Mask, shape: tuple[int, ...]) -> tuple[list[tuple[int, int]], list[Clause]]:
    """The bounding box `[lo, hi)` per axis of where `mask` holds, and the clauses that
    involve several axes (empty for a box mask). Single-axis clauses are exact box
    bounds; the others then tighten the box by interval reasoning over it (so that, e.g.,
    `i_p + i_f < n` with `i_f >= 0` keeps only rows `i_p < n`), and remain to be checked
    per element."""
    single = Mask(tuple(c for c in mask.clauses if len(_normalized(c)[0].terms) == 1))
    box = mask_ranges(single, shape) if single.clauses else [(0, n) for n in shape]
    rest: list[Clause] = []
    for clause in mask.clauses:
        expr, op = _normalized(clause)
        if len(expr.terms) == 1:
            continue
        if not expr.terms:
            raise ValueError("a mask clause must compare an index expression")
        coeffs = [0] * len(shape)
        for axis, c in expr.terms:
            if axis >= len(shape):
                raise ValueError(f"the mask uses axis {axis}, the tile has {len(shape)}")
            coeffs[axis] += c
        rest.append(Clause(tuple(coeffs), int(expr.offset), op))  # int(): a loop bound unrolls
    for _ in range(2):  # tighten: each clause bounds each of its axes given the others' ranges
        for cl in rest:
            for a, ca in enumerate(cl.coeffs):
                if ca == 0 or box[a][0] >= box[a][1]:
                    continue
                # const + ca·i_a + others  op  0, others >= their minimum (< / <=) or <= max (> / >=)
                others = [(c, box[b]) for b, c in enumerate(cl.coeffs) if b != a and c]
                if cl.op in ("<", "<="):
                    m = cl.const + sum(min(c * lo, c * (hi - 1)) for c, (lo, hi) in others)
                    tight = Mask(((IndexExpr((shape[a],), ((0, ca),), m), cl.op, 0),))
                else:
                    m = cl.const + sum(max(c * lo, c * (hi - 1)) for c, (lo, hi) in others)
                    tight = Mask(((IndexExpr((shape[a],), ((0, ca),), m), cl.op, 0),))
                (lo, hi), = mask_ranges(tight, (shape[a],))
                box[a] = (max(box[a][0], lo), max(max(box[a][0], lo), min(box[a][1], hi)))
    return box, rest


def _normalized(clause: tuple[IndexExpr, str, Any]) -> tuple[IndexExpr, str]:
    """`expr op bound` as `expr' op 0`."""
    expr, op, bound = clause
    return expr - bound, op


@dataclass(eq=False)
class PendingAccess:
    """`x[i_p, i_f]` reaching outside `x`: legal only as the operand of a masked access
    (the first generation's ragged last tile), where the mask cuts it down to size."""

    view: Any
    key: Any
    op: Any
    error: Exception

    def index_shape(self) -> tuple[int, ...]:
        exprs = [e for e in (self.key if isinstance(self.key, tuple) else (self.key,))
                 if isinstance(e, IndexExpr)]
        n = max(len(e.shape) for e in exprs)
        shape = [1] * n
        for e in exprs:
            for i, d in enumerate(e.shape):
                if d != 1:
                    shape[i + n - len(e.shape)] = d
        return tuple(shape)

    def restricted(self, interp: Interpreter, box: list[tuple[int, int]]) -> Any:
        """The access limited to `box` (over the index shape)."""
        keys = self.key if isinstance(self.key, tuple) else (self.key,)
        n = len(box)
        out = []
        for e in keys:
            if not isinstance(e, IndexExpr):
                out.append(e)
                continue
            k = n - len(e.shape)
            shape = list(e.shape)
            offset = e.offset
            for axis, c in e.terms:
                lo, hi = box[axis + k]
                offset = offset + c * lo
            for axis, d in enumerate(e.shape):
                if d != 1:
                    lo, hi = box[axis + k]
                    shape[axis] = hi - lo
            out.append(IndexExpr(tuple(shape), e.terms, offset))
        return index_advanced(interp, self.view, tuple(out), self.op)


# -- tensor-valued (dynamic) indices: indirect DMA ------------------------------------


@dataclass(eq=False)
class IndirectAccess:
    """`table[idx_tile[i_p, 0], i_f]` / `table[idx_tile, i_f]`: partition `p` reaches row
    `idx[p]` of an HBM tensor (nki.md §4.4). Only a DMA can use it (`nl.load`, `nl.store`,
    `nisa.dma_copy`): it becomes a `klr.indirect_dma`.

    `table` is a view of every row the index may pick (dim 0) with the access pattern of
    one row (the other dims); `index` the (P, 1) SBUF index tile."""

    table: TensorView
    index: TensorView
    op: Any

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.index.shape[0], *self.table.shape[1:])

    @property
    def dtype(self) -> Any:
        return self.table.dtype

    def restricted(self, interp: Interpreter, box: list[tuple[int, int]]) -> IndirectAccess:
        """The access limited to `box` (over `shape`): fewer partitions, a smaller row."""
        from klr.tracer.views import index_view

        (p0, p1), free = box[0], box[1:]
        index = self.index
        if (p0, p1) != (0, index.shape[0]):
            index = index_view(interp, index, (slice(p0, p1), slice(None)), self.op)
        table = self.table
        if any((lo, hi) != (0, n) for (lo, hi), n in zip(free, table.shape[1:])):
            table = index_view(interp, table, (slice(None), *(slice(lo, hi) for lo, hi in free)), self.op)
        return IndirectAccess(table, index, self.op)


def is_indirect(key: Any) -> bool:
    keys = key if isinstance(key, tuple) else (key,)
    return any(isinstance(x, TensorView) for x in keys)


def index_indirect(interp: Interpreter, view: TensorView, key: Any, op: Operation) -> IndirectAccess:
    """`view[idx_tile, ...]`: the first index is an SBUF integer tile of one row number per
    partition; the other indices (index expressions or ints, or else slices) select
    within each row, the same for every partition."""
    from klr.dialects import klr as k
    from klr.tracer.views import index_view

    keys = list(key) if isinstance(key, tuple) else [key]
    first, rest = keys[0], keys[1:]
    if not isinstance(first, TensorView) or any(isinstance(x, TensorView) for x in rest):
        raise interp.error(
            "err_not_supported",
            "an index tile can only index the first dimension of a tensor",
            op,
            hint="indirect DMA picks one row per partition (nki.md §4.4): table[idx_tile[i_p, 0], i_f]",
        )
    if not interp.first_generation:
        raise interp.error(
            "err_bad_index",
            "indexing a tensor with a tensor is first-generation (neuronxcc.nki) syntax",
            op,
            hint="the current API's indirect DMA is an access pattern with vector_offset "
            "(nki.md §4.2)",
        )
    if view.memory.on_chip:
        raise interp.error(
            "err_not_supported",
            "an index tile can only index an HBM tensor (indirect DMA); this tensor is in "
            f"{view.memory.value}",
            op,
            hint="gather on chip with nisa.local_gather or nisa.nc_n_gather",
        )
    index = first
    if index.memory != k.Memory.SBUF or index.dtype not in k.INTEGER_DTYPES or index.dtype == k.Dtype.BOOL_:
        raise interp.error(
            "err_bad_index",
            f"an index tile must be an integer tile in SBUF, got {index.dtype.value} in "
            f"{index.memory.value}",
            op,
            hint="e.g. idx = nl.load(indices) of an int32 tensor, or nisa.iota(..., dtype=nl.int32)",
        )
    if index.ndim != 2 or index.shape[1] != 1:
        raise interp.error(
            "err_bad_index",
            f"an index tile holds one row number per partition: shape (P, 1), got {index.shape}",
            op,
            hint="select one column: table[idx_tile[i_p, j], i_f]",
        )
    inner = TensorView(view.storage, view.offset, view.dims[1:])
    if not inner.dims:  # a 1-D table: one element per row
        free: tuple[tuple[int, int], ...] = ()
        offset = view.offset
    elif is_advanced(tuple(rest)):
        if len(rest) != inner.ndim:
            raise interp.error(
                "err_bad_index",
                f"index expressions must index every dimension: {len(keys)} for a "
                f"{view.ndim}-dimensional tensor",
                op,
            )
        exprs = [e for e in rest if isinstance(e, IndexExpr)]
        rank = max(2, *(len(e.shape) for e in exprs))  # the index tile's partitions are axis 0
        if any(a + rank - len(e.shape) == 0 and e.shape[a] != 1 for e in exprs for a, _ in e.terms):
            raise interp.error(
                "err_not_supported",
                "with an index tile, the other indices cannot depend on the partition",
                op,
                hint="every partition reads the same part of its row (nki.md §4.2 vector_offset)",
            )
        part = index_advanced(interp, inner, tuple(rest), op)
        dims = part.dims if len(part.dims) >= 2 else ((0, 1), *part.dims)
        if dims[0][1] not in (1, index.shape[0]):
            raise interp.error("err_bad_index", "the index tile and the other indices do not broadcast", op)
        free, offset = dims[1:], part.offset
    else:
        part = index_view(interp, inner, tuple(rest), op) if rest else inner
        free, offset = part.dims, part.offset
    if not free:
        free = ((1, 1),)
    return IndirectAccess(TensorView(view.storage, offset, (view.dims[0], *free)), index, op)
